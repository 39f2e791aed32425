package framework

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/hack/localkube/localcluster"
)

// The Helm release of the operator.
const (
	ReleaseName      = "koss"
	ReleaseNamespace = "koss-system"
)

// ErrCommand means kubectl or helm failed.
var ErrCommand = errors.New("command failed")

// Options configure Start.
type Options struct {
	// Root is the koss checkout (charts/koss, config/samples).
	Root string
	// StateDir holds the cluster's state; empty is a temporary directory
	// removed by Stop. An existing one is resumed.
	StateDir string
	// Nodes is the number of process kubelets (default 1).
	Nodes int
	// Binaries run the images and the control plane.
	Binaries Binaries
	// Logger receives the cluster's progress messages; nil discards them.
	Logger *slog.Logger
	// StartTimeout bounds the control plane's start (default 3 minutes).
	StartTimeout time.Duration
}

// Env is a running local cluster with clients for it.
type Env struct {
	// Cluster is the local control plane with its kubelets.
	Cluster *localcluster.Cluster
	// Client reads and writes Kubernetes objects, koss.io kinds included.
	Client client.Client
	root   string
	bins   Binaries
}

// Scheme knows the built-in kinds and the koss.io kinds.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := kossv1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// Start checks the binaries and starts a local cluster whose kubelets run
// pods from the images of Binaries.Images.
func Start(ctx context.Context, opts Options) (*Env, error) {
	if err := opts.Binaries.Check(); err != nil {
		return nil, err
	}
	c, err := localcluster.Start(ctx, localcluster.Options{
		StateDir:     opts.StateDir,
		BinDir:       opts.Binaries.K8sDir,
		ImageStore:   opts.Binaries.Images,
		Nodes:        opts.Nodes,
		Logger:       opts.Logger,
		StartTimeout: opts.StartTimeout,
	})
	if err != nil {
		return nil, err
	}
	cl, err := newClient(c.Config(), opts.Logger)
	if err != nil {
		_ = c.Stop()
		return nil, err
	}
	return &Env{Cluster: c, Client: cl, root: opts.Root, bins: opts.Binaries}, nil
}

// newClient makes the Env's client. It logs through logger (nil discards),
// never through controller-runtime's global logger: client.New names a
// logger from that one unless given its own, and in a process that never
// calls controller-runtime's log.SetLogger (kossrun, the test suites) doing
// so 30 seconds or more after the start prints a "log.SetLogger(...) was
// never called" stack trace on standard error.
func newClient(cfg *rest.Config, logger *slog.Logger) (client.Client, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = nil
	cfg.WarningHandlerWithContext = apiWarnings{logger: logger}
	return client.New(cfg, client.Options{
		Scheme: Scheme(),
		// Only a cache-backed client logs through Log; this one has no cache.
		Log: logf.Log.WithSink(logf.NullLogSink{}),
	})
}

// apiWarnings logs the warnings the API server sends with a response (a
// deprecated API, an unknown field) at Warn level.
type apiWarnings struct{ logger *slog.Logger }

// HandleWarningHeaderWithContext implements rest.WarningHandlerWithContext.
func (w apiWarnings) HandleWarningHeaderWithContext(ctx context.Context, code int, _ string, text string) {
	if w.logger == nil || code != 299 || text == "" {
		return
	}
	w.logger.WarnContext(ctx, "Kubernetes API warning", "warning", text)
}

// Stop stops the cluster (see localcluster.Cluster.Stop).
func (e *Env) Stop() error { return e.Cluster.Stop() }

// Root is the koss checkout.
func (e *Env) Root() string { return e.root }

// Run runs kubectl or helm (from Binaries.K8sDir) against the cluster and
// returns its standard output; a failure carries its standard error. Helm
// gets private cache, config and data directories inside the state
// directory, so no user configuration changes what it does.
func (e *Env) Run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := e.Cluster.Command(ctx, name, args...)
	cmd.Dir = e.root
	helmHome := filepath.Join(e.Cluster.StateDir(), "helm")
	cmd.Env = append(cmd.Env,
		"HELM_CACHE_HOME="+filepath.Join(helmHome, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(helmHome, "config"),
		"HELM_DATA_HOME="+filepath.Join(helmHome, "data"),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w: %s %s: %w\n%s", ErrCommand, name, strings.Join(args, " "), err,
			strings.TrimSpace(stderr.String()+"\n"+stdout.String()))
	}
	return stdout.String(), nil
}

// Kubectl runs kubectl (see Run).
func (e *Env) Kubectl(ctx context.Context, args ...string) (string, error) {
	return e.Run(ctx, "kubectl", args...)
}

// Helm runs helm (see Run).
func (e *Env) Helm(ctx context.Context, args ...string) (string, error) {
	return e.Run(ctx, "helm", args...)
}

// ChartDir is charts/koss of the checkout.
func (e *Env) ChartDir() string { return filepath.Join(e.root, "charts", "koss") }

// SamplesDir is config/samples of the checkout.
func (e *Env) SamplesDir() string { return filepath.Join(e.root, "config", "samples") }

// InstallChart installs (or upgrades) the chart as release koss in
// koss-system and waits for the operator's Deployment to be available.
// Extra arguments go to helm (--set ...).
func (e *Env) InstallChart(ctx context.Context, timeout time.Duration, extra ...string) (string, error) {
	// The release namespace enforces the restricted Pod Security Standard:
	// an operator pod that breaks it is refused, not just warned about.
	if err := e.RestrictNamespace(ctx, ReleaseNamespace); err != nil {
		return "", err
	}
	args := append([]string{"upgrade", "--install", ReleaseName, e.ChartDir(),
		"--namespace", ReleaseNamespace, "--create-namespace",
		"--wait", "--timeout", timeout.String()}, extra...)
	return e.Helm(ctx, args...)
}

// RestrictedLabels are the Pod Security Admission labels of the namespaces
// koss installs into: pods that do not meet the "restricted" standard are
// refused (enforce) and warned about (warn, audit).
var RestrictedLabels = map[string]string{
	"pod-security.kubernetes.io/enforce":         "restricted",
	"pod-security.kubernetes.io/enforce-version": "latest",
	"pod-security.kubernetes.io/warn":            "restricted",
	"pod-security.kubernetes.io/audit":           "restricted",
}

// RestrictNamespace creates namespace if needed and labels it with
// RestrictedLabels, as a platform team's namespace for koss would be.
func (e *Env) RestrictNamespace(ctx context.Context, namespace string) error {
	if _, err := e.Kubectl(ctx, "create", "namespace", namespace); err != nil && !strings.Contains(err.Error(), "AlreadyExists") {
		return err
	}
	args := []string{"label", "namespace", namespace, "--overwrite"}
	for _, k := range sortedKeys(RestrictedLabels) {
		args = append(args, k+"="+RestrictedLabels[k])
	}
	_, err := e.Kubectl(ctx, args...)
	return err
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ApplySamples applies config/samples (its kustomization) in namespace with
// server-side apply, as a GitOps tool would; applying the same manifests
// again changes nothing.
func (e *Env) ApplySamples(ctx context.Context, namespace string) (string, error) {
	if err := e.RestrictNamespace(ctx, namespace); err != nil {
		return "", err
	}
	return e.Kubectl(ctx, "apply", "--server-side", "-n", namespace, "-k", e.SamplesDir())
}

// HTTPClient dials with the cluster's DNS names resolved, so URLs such as
// the endpoint in an AccessKey's Secret work from this machine. An https
// URL is verified against the system's roots; see HTTPClientTrusting.
func (e *Env) HTTPClient() *http.Client { return e.HTTPClientTrusting(nil) }

// HTTPClientTrusting is HTTPClient trusting only the PEM CA bundle caPEM
// (a Secret's ca.crt) for https URLs, and verifying the server's name as
// any client does; an empty caPEM keeps the system's roots.
func (e *Env) HTTPClientTrusting(caPEM []byte) *http.Client {
	tr := &http.Transport{
		DialContext:         e.Cluster.DialContext,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
	}
	if len(caPEM) > 0 {
		pool := x509.NewCertPool()
		// A bundle without a certificate leaves the pool empty, so every
		// https request fails verification: never a silent fallback.
		pool.AppendCertsFromPEM(caPEM)
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	}
	return &http.Client{Transport: tr}
}

// Credentials are an OSS key pair and where to use it, as in a koss
// credentials Secret. String never shows the secret.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	// Endpoint is the Region's OSS endpoint URL.
	Endpoint string
	// Region is the OSS region name to sign with.
	Region string
	// CACert is the PEM CA bundle that a TLS Region's certificate chains
	// to (the Secret's ca.crt); nil for a plain-HTTP Region.
	CACert []byte
}

// String shows the key id, endpoint and region, never the secret.
func (c Credentials) String() string {
	return fmt.Sprintf("{AccessKeyID:%s AccessKeySecret:<redacted> Endpoint:%s Region:%s}", c.AccessKeyID, c.Endpoint, c.Region)
}

// GoString is String, so %#v never shows the secret either.
func (c Credentials) GoString() string { return c.String() }

// ErrNotReady means an object does not (yet) hold what was asked for.
var ErrNotReady = errors.New("not ready")

// AccessKeyCredentials reads the Secret an AccessKey's credentials were
// written to (status.secretName, else spec.secretName, else its name).
func (e *Env) AccessKeyCredentials(ctx context.Context, namespace, name string) (Credentials, error) {
	var ak kossv1alpha1.AccessKey
	if err := e.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &ak); err != nil {
		return Credentials{}, err
	}
	secretName := ak.Status.SecretName
	if secretName == "" {
		secretName = ak.Spec.SecretName
	}
	if secretName == "" {
		secretName = ak.Name
	}
	return e.SecretCredentials(ctx, namespace, secretName)
}

// SecretCredentials reads a koss credentials Secret (accessKeyId,
// accessKeySecret, endpoint, region).
func (e *Env) SecretCredentials(ctx context.Context, namespace, name string) (Credentials, error) {
	var s corev1.Secret
	if err := e.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &s); err != nil {
		return Credentials{}, err
	}
	c := Credentials{
		AccessKeyID:     string(s.Data["accessKeyId"]),
		AccessKeySecret: string(s.Data["accessKeySecret"]),
		Endpoint:        string(s.Data["endpoint"]),
		Region:          string(s.Data["region"]),
		CACert:          s.Data["ca.crt"],
	}
	if c.AccessKeyID == "" || c.AccessKeySecret == "" {
		return Credentials{}, fmt.Errorf("%w: Secret %s/%s has no accessKeyId/accessKeySecret", ErrNotReady, namespace, name)
	}
	return c, nil
}

// RootCredentials reads a Region's root key (Secret <region>-root-key) and
// pairs it with the Region's internal endpoint.
func (e *Env) RootCredentials(ctx context.Context, namespace, region string) (Credentials, error) {
	var r kossv1alpha1.Region
	if err := e.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: region}, &r); err != nil {
		return Credentials{}, err
	}
	c, err := e.SecretCredentials(ctx, namespace, region+"-root-key")
	if err != nil {
		return Credentials{}, err
	}
	if c.Endpoint == "" {
		c.Endpoint = r.Status.Endpoints.Internal
	}
	if c.Region == "" {
		c.Region = region
	}
	if strings.HasPrefix(c.Endpoint, "https://") && len(c.CACert) == 0 {
		ca, err := e.RegionCA(ctx, namespace, region)
		if err != nil {
			return Credentials{}, err
		}
		c.CACert = ca
	}
	if c.Endpoint == "" {
		return Credentials{}, fmt.Errorf("%w: Region %s/%s has no status.endpoints.internal", ErrNotReady, namespace, region)
	}
	return c, nil
}

// RegionCA is the CA bundle of a TLS Region: ca.crt of its pods' Secret
// <region>-tls, as the operator copies it into AccessKey Secrets.
func (e *Env) RegionCA(ctx context.Context, namespace, region string) ([]byte, error) {
	var s corev1.Secret
	if err := e.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: region + "-tls"}, &s); err != nil {
		return nil, err
	}
	if len(s.Data["ca.crt"]) == 0 {
		return nil, fmt.Errorf("%w: Secret %s/%s-tls has no ca.crt", ErrNotReady, namespace, region)
	}
	return s.Data["ca.crt"], nil
}

// regionTLS reports whether a Region serves TLS (spec.tls.disabled unset).
func (e *Env) regionTLS(ctx context.Context, namespace, region string) (bool, error) {
	var r kossv1alpha1.Region
	if err := e.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: region}, &r); err != nil {
		return false, err
	}
	return r.Spec.TLS.Enabled(), nil
}

// HostEndpoint is the URL of a Region's client Service (named like the
// Region) by its ClusterIP, which this machine reaches without any name
// resolution: the local cluster's Service proxy listens on it. It is
// https:// for a TLS Region, whose certificate names the ClusterIP too.
func (e *Env) HostEndpoint(ctx context.Context, namespace, region string) (string, error) {
	tlsOn, err := e.regionTLS(ctx, namespace, region)
	if err != nil {
		return "", err
	}
	scheme := "http"
	if tlsOn {
		scheme = "https"
	}
	var svc corev1.Service
	if err := e.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: region}, &svc); err != nil {
		return "", err
	}
	if svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == corev1.ClusterIPNone || len(svc.Spec.Ports) == 0 {
		return "", fmt.Errorf("%w: Service %s/%s has no ClusterIP and port", ErrNotReady, namespace, region)
	}
	return fmt.Sprintf("%s://%s:%d", scheme, svc.Spec.ClusterIP, svc.Spec.Ports[0].Port), nil
}

// OSSClient is an alibabacloud-oss-go-sdk-v2 client for creds (V4
// signatures, path-style requests, no retries, so every failure shows),
// dialing through HTTPClientTrusting(creds.CACert).
func (e *Env) OSSClient(creds Credentials) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.AccessKeySecret)).
		WithRegion(creds.Region).
		WithEndpoint(creds.Endpoint).
		WithUsePathStyle(true).
		WithSignatureVersion(oss.SignatureVersionV4).
		WithRetryMaxAttempts(1).
		WithConnectTimeout(5 * time.Second).
		WithReadWriteTimeout(30 * time.Second).
		WithHttpClient(e.HTTPClientTrusting(creds.CACert))
	return oss.NewClient(cfg)
}

// operatorLogHint names where the operator's container logs are.
func (e *Env) operatorLogHint() string {
	return filepath.Join(e.Cluster.PodLogDir(), ReleaseNamespace+"_*", "manager", "*.log")
}
