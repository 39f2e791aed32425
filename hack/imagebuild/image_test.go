package main

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

var testPlatforms = []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}}

func buildTestIndex(t *testing.T, bin string, m metadata) (v1.ImageIndex, map[string]v1.Image) {
	t.Helper()
	spec := imageSpec{Name: "kossd", Repository: "koss/kossd", Package: "./cmd/kossd", Entrypoint: []string{"/kossd"}, Cmd: []string{"server"}}
	imgs := map[string]v1.Image{}
	for _, p := range testPlatforms {
		img, err := buildImage(spec, m, p, bin)
		if err != nil {
			t.Fatal(err)
		}
		imgs[p.String()] = img
	}
	idx, err := buildIndex(spec, m, imgs, testPlatforms)
	if err != nil {
		t.Fatal(err)
	}
	return idx, imgs
}

// TestImagesAreReproducible builds the same image twice, with the binary's
// file touched in between: same bytes and metadata give the same digest,
// whatever the file times or the order of work.
func TestImagesAreReproducible(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "kossd")
	if err := os.WriteFile(bin, []byte("\x7fELF not really"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := metadata{Source: defaultSource, Revision: "0123abcd", Version: "v0.1.0", Created: time.Unix(1700000000, 0)}
	first, _ := buildTestIndex(t, bin, m)
	if err := os.Chtimes(bin, time.Now(), time.Now()); err != nil {
		t.Fatal(err)
	}
	second, _ := buildTestIndex(t, bin, m)
	d1, err := first.Digest()
	if err != nil {
		t.Fatal(err)
	}
	d2, _ := second.Digest()
	if d1 != d2 {
		t.Errorf("two builds: %s and %s", d1, d2)
	}
	m.Revision = "fedc9876"
	third, _ := buildTestIndex(t, bin, m)
	if d3, _ := third.Digest(); d3 == d1 {
		t.Error("another revision gave the same digest: the revision label is not in the image")
	}
}

// TestImageContents checks what a cluster's admission and a runtime see:
// a non-root user, no shell, the OCI labels, one image per platform, the
// entrypoint, and every layer entry at the commit time.
func TestImageContents(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "kossd")
	if err := os.WriteFile(bin, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := metadata{Source: defaultSource, Revision: "0123abcd", Version: "v0.1.0", Created: time.Unix(1700000000, 0)}
	idx, imgs := buildTestIndex(t, bin, m)
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 2 || im.Manifests[0].Platform.Architecture != "amd64" || im.Manifests[1].Platform.Architecture != "arm64" {
		t.Fatalf("index manifests %+v", im.Manifests)
	}
	for p, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		c := cf.Config
		if c.User != "65532:65532" || c.Entrypoint[0] != "/kossd" || c.Cmd[0] != "server" {
			t.Errorf("%s: user %q entrypoint %v cmd %v", p, c.User, c.Entrypoint, c.Cmd)
		}
		for k, want := range map[string]string{labelSource: defaultSource, labelRevision: "0123abcd", labelVersion: "v0.1.0"} {
			if c.Labels[k] != want {
				t.Errorf("%s: label %s = %q, want %q", p, k, c.Labels[k], want)
			}
		}
		if !cf.Created.Equal(m.Created) || cf.Architecture+"/"+cf.OS == "" {
			t.Errorf("%s: created %v", p, cf.Created)
		}
		files := map[string]*tar.Header{}
		tr := tar.NewReader(mutate.Extract(img))
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			files[strings.TrimSuffix(h.Name, "/")] = h
			if !h.ModTime.Equal(m.Created) {
				t.Errorf("%s: %s mtime %v, want the commit time", p, h.Name, h.ModTime)
			}
		}
		for _, sh := range []string{"bin/sh", "bin/bash", "bin/busybox"} {
			if _, ok := files[sh]; ok {
				t.Errorf("%s: the image has %s", p, sh)
			}
		}
		if h := files["kossd"]; h == nil || h.Mode&0o111 == 0 {
			t.Errorf("%s: /kossd missing or not executable: %+v", p, h)
		}
		if h := files["home/nonroot"]; h == nil || h.Uid != nonrootUID {
			t.Errorf("%s: /home/nonroot not owned by %d: %+v", p, nonrootUID, h)
		}
	}

	// The store names the index by its reference.
	out := filepath.Join(dir, "store")
	b := builtIndex{spec: imageSpec{Name: "kossd", Repository: "koss/kossd"}, index: idx, images: imgs}
	if err := writeStore(out, m, []builtIndex{b}, testPlatforms); err != nil {
		t.Fatal(err)
	}
	lp, err := layout.FromPath(filepath.Join(out, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	root, err := lp.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	rm, _ := root.IndexManifest()
	d, _ := idx.Digest()
	if len(rm.Manifests) != 1 || rm.Manifests[0].Digest != d || rm.Manifests[0].Annotations[annotationRefName] != "koss/kossd:v0.1.0" {
		t.Errorf("layout index %+v", rm.Manifests)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		if _, err := os.Stat(filepath.Join(out, "kossd-v0.1.0-linux-"+arch+".tar")); err != nil {
			t.Errorf("docker tarball: %v", err)
		}
	}
}

// TestImageList checks the images `make images` builds: kossd, manager and
// osscli, each named koss/<name>, built from ./cmd/<name> (a main package
// of this repository) into /<name>, so a pod's image reference and the
// binary it runs agree.
func TestImageList(t *testing.T) {
	want := map[string]bool{"kossd": false, "manager": false, "osscli": false}
	for _, s := range images {
		if _, ok := want[s.Name]; !ok {
			t.Errorf("unexpected image %q", s.Name)
			continue
		}
		if want[s.Name] {
			t.Errorf("image %q listed twice", s.Name)
		}
		want[s.Name] = true
		if s.Repository != "koss/"+s.Name || s.Package != "./cmd/"+s.Name ||
			len(s.Entrypoint) != 1 || s.Entrypoint[0] != "/"+s.Name {
			t.Errorf("%s: repository %q package %q entrypoint %v", s.Name, s.Repository, s.Package, s.Entrypoint)
		}
		src, err := os.ReadFile(filepath.Join("..", "..", s.Package, "main.go"))
		if err != nil || !strings.Contains(string(src), "\nfunc main() {") {
			t.Errorf("%s: %s is not a main package here (%v)", s.Name, s.Package, err)
		}
	}
	for n, seen := range want {
		if !seen {
			t.Errorf("no %s image", n)
		}
	}
}
