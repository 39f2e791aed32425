package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The user every image runs as: distroless' "nonroot", a uid no host account
// normally has, accepted by the restricted Pod Security Standard.
const (
	nonrootUID  = 65532
	nonrootName = "nonroot"
)

// OCI label and annotation keys (image-spec annotations.md).
const (
	labelSource   = "org.opencontainers.image.source"
	labelRevision = "org.opencontainers.image.revision"
	labelVersion  = "org.opencontainers.image.version"
	labelCreated  = "org.opencontainers.image.created"
	labelTitle    = "org.opencontainers.image.title"
	// annotationRefName names an index entry of an OCI layout.
	annotationRefName = "org.opencontainers.image.ref.name"
)

// metadata is what every image of one build shares.
type metadata struct {
	Source   string    // repository URL
	Revision string    // commit
	Version  string    // tag, the chart's appVersion
	Created  time.Time // commit time: every timestamp in the images
}

func (m metadata) labels(title string) map[string]string {
	return map[string]string{
		labelSource:   m.Source,
		labelRevision: m.Revision,
		labelVersion:  m.Version,
		labelCreated:  m.Created.UTC().Format(time.RFC3339),
		labelTitle:    title,
	}
}

// imageSpec describes one image.
type imageSpec struct {
	// Name is the short name (kossd); Repository the reference without tag.
	Name       string
	Repository string
	// Package is the Go main package of the binary.
	Package string
	// Entrypoint and Cmd of the image config.
	Entrypoint []string
	Cmd        []string
}

// Ref is the image's reference with the build's tag.
func (s imageSpec) Ref(m metadata) string { return s.Repository + ":" + m.Version }

// fileEntry is one entry of a layer.
type fileEntry struct {
	Name     string // relative, no leading slash
	Mode     int64
	UID, GID int
	Dir      bool
	Data     []byte
}

// layerFrom makes a layer from entries: sorted by name (parents before
// children), every timestamp mtime, so equal entries give equal bytes.
// archive/tar writes the format; go-containerregistry compresses and
// hashes it.
func layerFrom(entries []fileEntry, mtime time.Time) (v1.Layer, error) {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b fileEntry) int { return strings.Compare(a.Name, b.Name) })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{
			Name:    e.Name,
			Mode:    e.Mode,
			Uid:     e.UID,
			Gid:     e.GID,
			ModTime: mtime,
			Format:  tar.FormatPAX,
		}
		if e.Dir {
			h.Typeflag = tar.TypeDir
			h.Name = strings.TrimSuffix(e.Name, "/") + "/"
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.Data))
		}
		// PAX records would otherwise carry access and change times.
		h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if !e.Dir {
			if _, err := tw.Write(e.Data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

// baseEntries are the files a static Go binary expects of a Linux system:
// the user database (so the uid has a name and a home), the resolver's
// order (files before DNS, which the cluster's /etc/hosts relies on), and a
// world-writable /tmp. No shell, no other program.
func baseEntries() []fileEntry {
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\n%s:x:%d:%d:%s:/home/%s:/sbin/nologin\n",
		nonrootName, nonrootUID, nonrootUID, nonrootName, nonrootName)
	group := fmt.Sprintf("root:x:0:\n%s:x:%d:\n", nonrootName, nonrootUID)
	return []fileEntry{
		{Name: "etc", Mode: 0o755, Dir: true},
		{Name: "etc/group", Mode: 0o644, Data: []byte(group)},
		{Name: "etc/nsswitch.conf", Mode: 0o644, Data: []byte("hosts: files dns\n")},
		{Name: "etc/passwd", Mode: 0o644, Data: []byte(passwd)},
		{Name: "home", Mode: 0o755, Dir: true},
		{Name: "home/" + nonrootName, Mode: 0o700, UID: nonrootUID, GID: nonrootUID, Dir: true},
		{Name: "tmp", Mode: 0o1777, Dir: true},
	}
}

// buildImage assembles the image of spec for platform p from the binary at
// binPath.
func buildImage(spec imageSpec, m metadata, p v1.Platform, binPath string) (v1.Image, error) {
	bin, err := os.ReadFile(binPath)
	if err != nil {
		return nil, err
	}
	base, err := layerFrom(baseEntries(), m.Created)
	if err != nil {
		return nil, err
	}
	app, err := layerFrom([]fileEntry{{Name: path.Base(spec.Entrypoint[0]), Mode: 0o755, Data: bin}}, m.Created)
	if err != nil {
		return nil, err
	}
	created := v1.Time{Time: m.Created.UTC()}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img,
		mutate.Addendum{Layer: base, History: v1.History{Created: created, CreatedBy: "imagebuild: /etc/passwd, /etc/group, /etc/nsswitch.conf, /tmp, /home/" + nonrootName}},
		mutate.Addendum{Layer: app, History: v1.History{Created: created, CreatedBy: "imagebuild: " + spec.Package}},
	)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Created = created
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Config = v1.Config{
		User:       fmt.Sprintf("%d:%d", nonrootUID, nonrootUID),
		Entrypoint: spec.Entrypoint,
		Cmd:        spec.Cmd,
		Env:        []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/" + nonrootName},
		WorkingDir: "/",
		Labels:     m.labels(spec.Name),
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, err
	}
	return mutate.Annotations(img, m.labels(spec.Name)).(v1.Image), nil
}

// buildIndex makes the image index over one image per platform.
func buildIndex(spec imageSpec, m metadata, images map[string]v1.Image, platforms []v1.Platform) (v1.ImageIndex, error) {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range platforms {
		img, ok := images[p.String()]
		if !ok {
			return nil, fmt.Errorf("no %s image of %s", p, spec.Name)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &p},
		})
	}
	return mutate.Annotations(idx, m.labels(spec.Name)).(v1.ImageIndex), nil
}
