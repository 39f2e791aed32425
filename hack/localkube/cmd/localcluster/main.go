package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/koss-io/koss/hack/localkube/kubelet"
	"github.com/koss-io/koss/hack/localkube/localcluster"
)

type imageFlags []kubelet.Image

func (f *imageFlags) String() string { return fmt.Sprint(*f) }

func (f *imageFlags) Set(v string) error {
	prefix, bin, ok := strings.Cut(v, "=")
	if !ok || prefix == "" || bin == "" {
		return errors.New("want PREFIX=BINARY")
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	*f = append(*f, kubelet.Image{Prefix: prefix, Binary: abs})
	return nil
}

// imagesFile is the --images file format.
type imagesFile struct {
	Images []kubelet.Image `json:"images"`
}

func loadImages(path string) ([]kubelet.Image, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f imagesFile
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	base := filepath.Dir(path)
	for i := range f.Images {
		if f.Images[i].Prefix == "" || f.Images[i].Binary == "" {
			return nil, fmt.Errorf("%s: image %d needs prefix and binary", path, i)
		}
		if !filepath.IsAbs(f.Images[i].Binary) {
			f.Images[i].Binary = filepath.Join(base, f.Images[i].Binary)
		}
	}
	return f.Images, nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "localcluster:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		images     imageFlags
		stateDir   = flag.String("state-dir", "", "state directory (default <repo>/.koss/localcluster)")
		nodes      = flag.Int("nodes", 1, "number of kubelets (Nodes)")
		imagesPath = flag.String("images", "", "YAML/JSON file mapping image prefixes to binaries")
		binDir     = flag.String("bin-dir", "", "Kubernetes binaries (default $KOSS_K8S_BIN or <repo>/bin/k8s)")
		timeout    = flag.Duration("timeout", 3*time.Minute, "startup deadline")
	)
	flag.Var(&images, "image", "PREFIX=BINARY: run images starting with PREFIX as BINARY (repeatable)")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	root, rootErr := localcluster.RepoRoot()
	if *stateDir == "" {
		if rootErr != nil {
			return fmt.Errorf("--state-dir is required outside a koss checkout: %w", rootErr)
		}
		*stateDir = filepath.Join(root, ".koss", "localcluster")
	}
	if *imagesPath != "" {
		fromFile, err := loadImages(*imagesPath)
		if err != nil {
			return err
		}
		images = append(images, fromFile...)
	}
	if len(images) == 0 && rootErr == nil {
		images = imageFlags{
			{Prefix: "koss/kossd", Binary: filepath.Join(root, "bin", "kossd")},
			{Prefix: "koss/manager", Binary: filepath.Join(root, "bin", "manager")},
		}
	}
	if err := os.MkdirAll(*stateDir, 0o755); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	c, err := localcluster.Start(ctx, localcluster.Options{
		StateDir:     *stateDir,
		BinDir:       *binDir,
		Images:       images,
		Nodes:        *nodes,
		Logger:       log,
		StartTimeout: *timeout,
	})
	if err != nil {
		return err
	}
	fmt.Printf(`
koss local cluster is running (%d node(s), started in %v).

  export KUBECONFIG=%s
  %s get nodes

Pod IPs (%v) and Service IPs (%v) are reachable from this machine.
Cluster DNS names resolve inside pods; the host's view is in %s.
Logs: %s (control plane), %s (containers).
Images:
`, *nodes, time.Since(start).Round(time.Second), c.KubeconfigPath(), c.Bin("kubectl"),
		c.PodCIDR(), c.ServiceCIDR(), c.HostsFile(), c.LogDir(), c.PodLogDir())
	for _, im := range images {
		fmt.Printf("  %s* -> %s\n", im.Prefix, im.Binary)
	}
	fmt.Printf("\nPress Ctrl-C to stop; the state in %s is kept and the next run resumes it.\n", c.StateDir())

	select {
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr, "\nstopping...")
	case <-c.Failed():
		fmt.Fprintln(os.Stderr, "local cluster failed:", c.Err())
	}
	failure := c.Err()
	if err := c.Stop(); err != nil {
		return err
	}
	if ctx.Err() == nil {
		return failure
	}
	fmt.Fprintln(os.Stderr, "stopped.")
	return nil
}
