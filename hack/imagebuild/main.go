package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/koss-io/koss/hack/chartmeta"
)

// defaultSource is the repository the images say they come from.
const defaultSource = "https://github.com/koss-io/koss"

// images are what `make images` builds. The kossd and manager repositories
// are the chart's default image references (charts/koss/values.yaml);
// osscli is the OSS client the e2e suite runs in pods of its own (no Cmd:
// the pod gives the command, e.g. ["soak", "bucket", "prefix/"]).
var images = []imageSpec{
	{Name: "kossd", Repository: "koss/kossd", Package: "./cmd/kossd", Entrypoint: []string{"/kossd"}, Cmd: []string{"server"}},
	{Name: "manager", Repository: "koss/manager", Package: "./cmd/manager", Entrypoint: []string{"/manager"}},
	{Name: "osscli", Repository: "koss/osscli", Package: "./cmd/osscli", Entrypoint: []string{"/osscli"}},
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "imagebuild: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("imagebuild", flag.ContinueOnError)
	root := fs.String("root", ".", "the koss checkout")
	out := fs.String("out", "", "image store directory (default <root>/bin/images)")
	version := fs.String("version", "", "image tag and org.opencontainers.image.version (default: the chart's appVersion)")
	platforms := fs.String("platforms", "linux/amd64,linux/arm64", "comma-separated platforms of every image")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join(*root, "bin", "images")
	}
	m, err := buildMetadata(ctx, *root, *version)
	if err != nil {
		return err
	}
	var plats []v1.Platform
	for _, s := range strings.Split(*platforms, ",") {
		p, err := v1.ParsePlatform(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		plats = append(plats, *p)
	}
	built := make([]builtIndex, 0, len(images))
	for _, spec := range images {
		byPlatform := map[string]v1.Image{}
		for _, p := range plats {
			bin := filepath.Join(*out, "build", p.OS+"_"+p.Architecture, spec.Name)
			if err := goBuild(ctx, *root, spec.Package, bin, p, m); err != nil {
				return err
			}
			img, err := buildImage(spec, m, p, bin)
			if err != nil {
				return fmt.Errorf("%s %s: %w", spec.Name, p, err)
			}
			byPlatform[p.String()] = img
		}
		idx, err := buildIndex(spec, m, byPlatform, plats)
		if err != nil {
			return err
		}
		built = append(built, builtIndex{spec: spec, index: idx, images: byPlatform})
	}
	if err := writeStore(*out, m, built, plats); err != nil {
		return err
	}
	for _, b := range built {
		d, err := b.index.Digest()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %s\n", b.spec.Ref(m), d)
		for _, p := range plats {
			pd, err := b.images[p.String()].Digest()
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "  %-12s %s\n", p.String(), pd)
		}
	}
	fmt.Fprintf(stdout, "OCI layout: %s (revision %s, created %s)\n", filepath.Join(*out, "oci"), m.Revision, m.Created.UTC().Format(time.RFC3339))
	return nil
}

type builtIndex struct {
	spec   imageSpec
	index  v1.ImageIndex
	images map[string]v1.Image
}

// writeStore writes a fresh OCI layout with every index (named by its
// reference) and a docker tarball per image and platform. The layout is
// built beside the old one and swapped in, so readers never see half of it
// and no stale blob stays.
func writeStore(out string, m metadata, built []builtIndex, plats []v1.Platform) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(out, ".oci.new")
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	lp, err := layout.Write(tmp, empty.Index)
	if err != nil {
		return err
	}
	for _, b := range built {
		ref := b.spec.Ref(m)
		if err := lp.AppendIndex(b.index, layout.WithAnnotations(map[string]string{annotationRefName: ref})); err != nil {
			return fmt.Errorf("%s: %w", ref, err)
		}
		for _, p := range plats {
			tag, err := name.NewTag(ref)
			if err != nil {
				return err
			}
			file := filepath.Join(out, fmt.Sprintf("%s-%s-%s-%s.tar", b.spec.Name, m.Version, p.OS, p.Architecture))
			if err := tarball.WriteToFile(file, tag, b.images[p.String()]); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
		}
	}
	final := filepath.Join(out, "oci")
	old := filepath.Join(out, ".oci.old")
	_ = os.RemoveAll(old)
	if err := os.Rename(final, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

// goBuild builds a static binary of pkg for p: no cgo (nothing to link at
// run time, so the image needs no libc), -trimpath (no build paths in the
// binary, which would differ between checkouts), the version stamped.
func goBuild(ctx context.Context, root, pkg, out string, p v1.Platform, m metadata) error {
	ldflags := "-s -w -X main.version=" + m.Version
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture)
	if p.Variant != "" && p.Architecture == "arm" {
		cmd.Env = append(cmd.Env, "GOARM="+strings.TrimPrefix(p.Variant, "v"))
	}
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s for %s: %w\n%s", pkg, p, err, output.String())
	}
	return nil
}

// buildMetadata finds the version (the chart's appVersion unless given),
// the commit and its time (SOURCE_DATE_EPOCH wins, as reproducible-builds.org
// specifies).
func buildMetadata(ctx context.Context, root, version string) (metadata, error) {
	m := metadata{Source: defaultSource, Version: version}
	if m.Version == "" {
		v, err := chartmeta.AppVersion(chartmeta.ChartPath(root))
		if err != nil {
			return m, err
		}
		m.Version = v
	}
	if rev, err := git(ctx, root, "rev-parse", "HEAD"); err == nil {
		m.Revision = rev
	} else {
		m.Revision = "unknown"
	}
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		ct, err := git(ctx, root, "log", "-1", "--format=%ct")
		if err != nil {
			return m, fmt.Errorf("no SOURCE_DATE_EPOCH and no commit time: %w", err)
		}
		epoch = ct
	}
	sec, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return m, fmt.Errorf("SOURCE_DATE_EPOCH %q: %w", epoch, err)
	}
	m.Created = time.Unix(sec, 0).UTC()
	return m, nil
}

func git(ctx context.Context, root string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
