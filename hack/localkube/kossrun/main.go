package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/hack/localkube/framework"
	"github.com/koss-io/koss/hack/localkube/localcluster"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "\nkossrun:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	stateDir  string
	namespace string
	nodes     int
	timeout   time.Duration
	noBuild   bool
}

func parseFlags(args []string, root string) (options, error) {
	var o options
	fs := flag.NewFlagSet("kossrun", flag.ContinueOnError)
	fs.StringVar(&o.stateDir, "state-dir", filepath.Join(root, ".koss", "run"), "cluster state directory (kept between runs)")
	fs.StringVar(&o.namespace, "namespace", "default", "namespace of the samples")
	fs.IntVar(&o.nodes, "nodes", 3, "number of process kubelets (Nodes)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait for the samples to be ready")
	fs.BoolVar(&o.noBuild, "no-build", false, "use the binaries as they are")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.nodes < 1 {
		return o, fmt.Errorf("--nodes must be at least 1")
	}
	return o, nil
}

func run() error {
	root, err := localcluster.RepoRoot()
	if err != nil {
		return fmt.Errorf("run kossrun from a koss checkout: %w", err)
	}
	o, err := parseFlags(os.Args[1:], root)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("needs root: the process kubelet runs each pod in its own mount namespace")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out := os.Stdout
	start := time.Now()

	bins := framework.DefaultBinaries(root)
	if !o.noBuild {
		if bins, err = build(ctx, root, bins, out); err != nil {
			return err
		}
	}
	if err := bins.Check(); err != nil {
		return err
	}

	step(out, "starting the local control plane (%d node(s); state in %s)", o.nodes, rel(root, o.stateDir))
	if _, err := os.Stat(filepath.Join(o.stateDir, "kubeconfig")); err == nil {
		fmt.Fprintln(out, "    resuming the cluster of the previous run")
	}
	env, err := framework.Start(ctx, framework.Options{
		Root:     root,
		StateDir: o.stateDir,
		Nodes:    o.nodes,
		Binaries: bins,
		Logger:   newProgressLogger(out),
	})
	if err != nil {
		return err
	}
	stopped := false
	stopCluster := func() {
		if stopped {
			return
		}
		stopped = true
		fmt.Fprintln(os.Stderr, "\nstopping koss and the local cluster (Ctrl-C again to quit at once)...")
		stop() // a second Ctrl-C ends the process; its children die with it (parent-death signal)
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping:", err)
			return
		}
		fmt.Fprintf(os.Stderr, "stopped; the state in %s is kept for the next run.\n", rel(root, o.stateDir))
	}
	defer stopCluster()

	if err := deploy(ctx, env, o, out); err != nil {
		return err
	}
	if err := printUsage(ctx, env, root, o, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nReady in %v. Press Ctrl-C to stop; `make run` again resumes this cluster.\n", time.Since(start).Round(time.Second))

	select {
	case <-ctx.Done():
		return nil
	case <-env.Cluster.Failed():
		return fmt.Errorf("the local cluster failed: %w\n%s", env.Cluster.Err(), env.Pointers(o.namespace))
	}
}

// build builds bin/osscli and the images in bin/images (go build is quick when
// nothing changed) and the Kubernetes binaries when bin/k8s lacks them.
func build(ctx context.Context, root string, bins framework.Binaries, out io.Writer) (framework.Binaries, error) {
	step(out, "building koss")
	binDir := filepath.Join(root, "bin")
	if err := framework.GoBuild(ctx, root, filepath.Join(binDir, "osscli"), "./cmd/osscli", out); err != nil {
		return bins, err
	}
	if os.Getenv("KOSS_IMAGES") == "" {
		// The images `make images` builds, for this machine's platform
		// only: the other platform's binaries would double a newcomer's
		// first build and never run here.
		images, err := framework.BuildImages(ctx, root, filepath.Join(binDir, "images"), "linux/"+runtime.GOARCH, out)
		if err != nil {
			return bins, err
		}
		bins.Images = images
	}
	if os.Getenv("KOSS_K8S_BIN") == "" {
		// When everything is cached the script only checks files (well under a second).
		var err error
		if bins.K8sDir, err = framework.BuildK8s(ctx, root, out); err != nil {
			return bins, err
		}
	}
	return bins, nil
}

// deploy installs the chart, applies the samples and waits for them.
func deploy(ctx context.Context, env *framework.Env, o options, out io.Writer) error {
	step(out, "helm upgrade --install %s charts/koss --namespace %s", framework.ReleaseName, framework.ReleaseNamespace)
	began := time.Now()
	if _, err := env.InstallChart(ctx, o.timeout); err != nil {
		return fmt.Errorf("%w\n%s", err, env.Pointers(o.namespace))
	}
	fmt.Fprintf(out, "    the operator is running (%v)\n", time.Since(began).Round(100*time.Millisecond))

	step(out, "kubectl apply --server-side -k config/samples -n %s", o.namespace)
	if o.namespace != "default" {
		if _, err := env.Kubectl(ctx, "create", "namespace", o.namespace); err != nil && !strings.Contains(err.Error(), "AlreadyExists") {
			return err
		}
	}
	applied, err := env.ApplySamples(ctx, o.namespace)
	if err != nil {
		return err
	}
	fmt.Fprint(out, indent(applied, "    "))

	step(out, "waiting for the samples to be ready (up to %v)", o.timeout)
	samples, err := env.Samples()
	if err != nil {
		return err
	}
	began = time.Now()
	if err := env.WaitReady(ctx, o.namespace, samples, o.timeout, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "    all ready (%v)\n", time.Since(began).Round(100*time.Millisecond))
	return nil
}

// printUsage prints how to reach the cluster and the sample Region.
func printUsage(ctx context.Context, env *framework.Env, root string, o options, out io.Writer) error {
	samples, err := env.Samples()
	if err != nil {
		return err
	}
	var region, accessKey string
	for _, s := range samples {
		switch s.Kind {
		case "Region":
			region = s.Name
		case "AccessKey":
			accessKey = s.Name
		}
	}
	if region == "" || accessKey == "" {
		return fmt.Errorf("config/samples holds no Region or no AccessKey: %v", samples)
	}
	endpoint, err := env.HostEndpoint(ctx, o.namespace, region)
	if err != nil {
		return err
	}
	creds, err := env.AccessKeyCredentials(ctx, o.namespace, accessKey)
	if err != nil {
		return err
	}
	var ak kossv1alpha1.AccessKey
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: o.namespace, Name: accessKey}, &ak); err != nil {
		return err
	}
	secretName := ak.Status.SecretName
	if secretName == "" {
		secretName = accessKey
	}
	var grants []string
	bucket := ""
	for _, g := range ak.Spec.Buckets {
		grants = append(grants, fmt.Sprintf("%s (%s)", g.Name, g.Access))
		if bucket == "" && g.Access != "read" {
			bucket = g.Name
		}
	}
	if bucket == "" && len(ak.Spec.Buckets) > 0 {
		bucket = ak.Spec.Buckets[0].Name
	}
	if bucket != "" {
		hostCreds := creds
		hostCreds.Endpoint = endpoint
		if err := checkEndpoint(ctx, env, hostCreds, bucket, o.timeout, out); err != nil {
			return fmt.Errorf("%w\n%s", err, env.Pointers(o.namespace))
		}
	}
	// A TLS Region's endpoint verifies against its own CA: save the AccessKey
	// Secret's ca.crt where the printed commands can name it.
	var caFile, ossCA, awsCA, curlCA string
	if len(creds.CACert) > 0 {
		caFile = filepath.Join(o.stateDir, region+"-ca.crt")
		if abs, err := filepath.Abs(caFile); err == nil {
			caFile = abs
		}
		if err := os.WriteFile(caFile, creds.CACert, 0o644); err != nil {
			return fmt.Errorf("save the Region's CA: %w", err)
		}
		ossCA = fmt.Sprintf("  export OSS_CA_FILE=%s   # osscli --ca-file; the Region's CA (Secret %s, key ca.crt)\n", caFile, secretName)
		awsCA = fmt.Sprintf("  export AWS_CA_BUNDLE=%s\n", caFile)
		curlCA = "--cacert " + caFile + " "
	}
	kubectl := env.Cluster.Bin("kubectl")
	osscli := filepath.Join(root, "bin", "osscli")
	if fi, err := os.Stat(osscli); err != nil || fi.Mode()&0o111 == 0 {
		osscli = "go run ./cmd/osscli" // --no-build; run from the checkout
	}

	fmt.Fprintf(out, `
koss is running.

Kubernetes (kubectl and helm are in %s):

  export KUBECONFIG=%s
  %s get regions,buckets,accesskeys -n %s

OSS endpoint of Region %s, reachable from this machine (its Service's ClusterIP):

  %s
  (inside the cluster: %s)

Credentials of AccessKey %s (Secret %s/%s; may use %s):

  export OSS_ENDPOINT=%s
  export OSS_REGION=%s
  export OSS_ACCESS_KEY_ID=%s
  export OSS_ACCESS_KEY_SECRET=%s
%s
Write and read an object (after the exports above; the CLI is cmd/osscli, OSS Go SDK v2):

  echo 'hello, koss' | %s put %s hello.txt
  %s get %s hello.txt
  %s ls %s
  curl %s%s/-/healthz

The same endpoint speaks S3 with the same key (aws CLI, rclone, restic, any S3 SDK; path style):

  export AWS_ENDPOINT_URL=%s AWS_REGION=%s
  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s
%s  aws s3 ls s3://%s --endpoint-url $AWS_ENDPOINT_URL

Logs: operator %s
      kossd    %s
`,
		rel(root, env.Cluster.Bin("")), env.Cluster.KubeconfigPath(), kubectl, o.namespace,
		region, endpoint, creds.Endpoint,
		accessKey, o.namespace, secretName, strings.Join(grants, ", "),
		endpoint, creds.Region, creds.AccessKeyID, creds.AccessKeySecret, ossCA,
		osscli, bucket, osscli, bucket, osscli, bucket, curlCA, endpoint,
		endpoint, creds.Region, creds.AccessKeyID, creds.AccessKeySecret, awsCA, bucket,
		filepath.Join(env.Cluster.PodLogDir(), framework.ReleaseNamespace+"_*"),
		filepath.Join(env.Cluster.PodLogDir(), o.namespace+"_"+region+"-*"))
	return nil
}

// checkEndpoint lists bucket with creds until it works: the printed example
// must work the moment it is printed.
func checkEndpoint(ctx context.Context, env *framework.Env, creds framework.Credentials, bucket string, timeout time.Duration, out io.Writer) error {
	step(out, "checking %s with the sample AccessKey (listing bucket %s)", creds.Endpoint, bucket)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := env.OSSClient(creds)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var last string
	for {
		lctx, lcancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := c.ListObjectsV2(lctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket), MaxKeys: 1})
		lcancel()
		if err == nil {
			fmt.Fprintln(out, "    ok")
			return nil
		}
		if msg := err.Error(); msg != last {
			last = msg
			fmt.Fprintf(out, "    not yet: %s\n", strings.SplitN(msg, "\n", 2)[0])
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: the endpoint %s did not serve the sample AccessKey: %s", framework.ErrTimeout, creds.Endpoint, last)
		case <-tick.C:
		}
	}
}

// step prints the start of a phase.
func step(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "==> "+format+"\n", args...)
}

func indent(s, prefix string) string {
	if s == "" {
		return ""
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return prefix + strings.Join(lines, "\n"+prefix) + "\n"
}

// rel shortens path to be relative to root when it lies inside it.
func rel(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}
