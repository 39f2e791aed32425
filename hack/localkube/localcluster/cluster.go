package localcluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/koss-io/koss/hack/localkube/kubelet"
)

// MarkerEnv is set in the environment of every process the harness starts
// (control plane and containers) to the cluster's state directory, so a
// leak check finds them even when their arguments and working directory say
// nothing about it.
const MarkerEnv = "KOSS_LOCALCLUSTER"

// ErrStartTimeout means the control plane did not become ready in time.
var ErrStartTimeout = errors.New("local cluster did not become ready in time")

// Options configure Start. The zero value is a one-node cluster in a
// temporary directory with no images.
type Options struct {
	// StateDir holds certificates, etcd data, logs, pods and volumes. Empty:
	// a new temporary directory, removed by Stop (unless
	// KOSS_LOCALCLUSTER_KEEP=1). An existing one is resumed: same CA, same
	// data, same loopback range, and the same ports when they are free.
	StateDir string
	// BinDir holds etcd, kube-apiserver, kube-controller-manager and
	// kube-scheduler. Empty: see BinDir().
	BinDir string
	// ImageStore is the kubelets' image store, an OCI image layout (see
	// kubelet.Config.ImageStore); pods run from its images.
	ImageStore string
	// Images maps container images to local binaries (see kubelet.Image),
	// for images not in ImageStore.
	Images []kubelet.Image
	// Nodes is the number of kubelets (Nodes), default 1. Several let
	// workloads with required pod anti-affinity or topology spread schedule.
	Nodes int
	// Logger receives progress messages; nil discards them.
	Logger *slog.Logger
	// StartTimeout bounds Start, default 3 minutes (a loaded 2-core machine
	// needs about 20–40 s).
	StartTimeout time.Duration
	// RestartBackoff and RestartBackoffMax shape the kubelet's crash-loop
	// back-off; defaults 10 s and 5 min as in Kubernetes.
	RestartBackoff, RestartBackoffMax time.Duration
	// APIServerFlags are appended to kube-apiserver's command line.
	APIServerFlags []string
}

// Cluster is a running local control plane with its kubelets.
type Cluster struct {
	opts      Options
	stateDir  string
	tempState bool
	log       *slog.Logger

	config         *rest.Config
	kubeconfigPath string
	podCIDR        netip.Prefix
	serviceCIDR    netip.Prefix
	apiServerPort  int

	lock       net.Listener
	components []*component // start order
	network    *kubelet.Network
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	kubeletLog *os.File

	stopOnce sync.Once
	stopErr  error
	failed   chan struct{}
	failOnce sync.Once
	failErr  error
}

// state is what a state directory remembers between runs.
type state struct {
	Octet          int `json:"octet"`
	EtcdClientPort int `json:"etcdClientPort"`
	EtcdPeerPort   int `json:"etcdPeerPort"`
	APIServerPort  int `json:"apiServerPort"`
}

// Start runs etcd, kube-apiserver, kube-controller-manager, kube-scheduler
// and opts.Nodes process kubelets, and returns once a pod could be
// scheduled and run: the API is ready, the default ServiceAccount and the
// root CA ConfigMap exist, and every Node is Ready and untainted. On error
// everything already started is stopped; the state directory (even a
// temporary one) is kept for its logs, and the error carries the tail of
// a failed component's log.
func Start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	if opts.Nodes <= 0 {
		opts.Nodes = 1
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 3 * time.Minute
	}
	cl := &Cluster{opts: opts, log: orDiscard(opts.Logger), failed: make(chan struct{})}
	if os.Geteuid() != 0 {
		return nil, kubelet.ErrNotRoot
	}
	if opts.BinDir == "" {
		if cl.opts.BinDir, err = BinDir(); err != nil {
			return nil, err
		}
	} else if err := checkBinaries(opts.BinDir); err != nil {
		return nil, err
	}
	if opts.StateDir == "" {
		if cl.stateDir, err = os.MkdirTemp("", "koss-localcluster-"); err != nil {
			return nil, err
		}
		cl.tempState = os.Getenv("KOSS_LOCALCLUSTER_KEEP") != "1"
	} else if cl.stateDir, err = filepath.Abs(opts.StateDir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			// Keep the logs the error points to, even in a temporary state.
			cl.tempState = false
			_ = cl.Stop()
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	if err := cl.start(ctx); err != nil {
		if ctx.Err() != nil && !errors.Is(err, ErrComponentExited) {
			err = fmt.Errorf("%w (%v): %w", ErrStartTimeout, opts.StartTimeout, err)
		}
		return nil, fmt.Errorf("%w\n(logs in %s)", err, cl.dir("logs"))
	}
	return cl, nil
}

func (c *Cluster) dir(parts ...string) string {
	return filepath.Join(append([]string{c.stateDir}, parts...)...)
}

func (c *Cluster) start(ctx context.Context) error {
	for _, d := range []string{"pki", "etcd", "logs", "kubelet", "volumes"} {
		if err := os.MkdirAll(c.dir(d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Chmod(c.dir("etcd"), 0o700); err != nil {
		return err
	}
	st, err := c.loadState()
	if err != nil {
		return err
	}
	c.podCIDR = netip.MustParsePrefix(fmt.Sprintf("127.%d.0.0/17", st.Octet))
	c.serviceCIDR = netip.MustParsePrefix(fmt.Sprintf("127.%d.128.0/17", st.Octet))
	c.apiServerPort = st.APIServerPort
	c.log.Info("starting local cluster", "stateDir", c.stateDir, "podCIDR", c.podCIDR, "serviceCIDR", c.serviceCIDR)

	pki := c.dir("pki")
	ca, err := loadOrCreateCA(pki)
	if err != nil {
		return err
	}
	saKey, saPub, err := loadOrCreateSAKey(pki)
	if err != nil {
		return err
	}
	firstServiceIP := c.serviceCIDR.Addr().Next()
	servingCert, servingKey, err := ca.issueFiles(pki, "apiserver", certSpec{
		cn: "kube-apiserver", server: true,
		dns: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		ips: []net.IP{net.IPv4(127, 0, 0, 1), net.IP(firstServiceIP.AsSlice())},
	})
	if err != nil {
		return err
	}
	kcCert, kcKey, err := ca.issueFiles(pki, "apiserver-kubelet-client", certSpec{cn: "kube-apiserver-kubelet-client", orgs: []string{"system:masters"}, client: true})
	if err != nil {
		return err
	}
	server := fmt.Sprintf("https://127.0.0.1:%d", st.APIServerPort)
	c.kubeconfigPath = c.dir("kubeconfig")
	c.config, err = c.writeKubeconfig(ca, server, c.kubeconfigPath, "kubernetes-admin", []string{"system:masters"})
	if err != nil {
		return err
	}
	cmKubeconfig := c.dir("pki", "controller-manager.kubeconfig")
	if _, err := c.writeKubeconfig(ca, server, cmKubeconfig, "system:kube-controller-manager", nil); err != nil {
		return err
	}
	schedKubeconfig := c.dir("pki", "scheduler.kubeconfig")
	if _, err := c.writeKubeconfig(ca, server, schedKubeconfig, "system:kube-scheduler", nil); err != nil {
		return err
	}
	marker := []string{MarkerEnv + "=" + c.stateDir}

	// etcd
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", st.EtcdClientPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", st.EtcdPeerPort)
	etcdArgs := []string{
		"--name=default", "--data-dir=" + c.dir("etcd"),
		"--listen-client-urls=" + etcdURL, "--advertise-client-urls=" + etcdURL,
		"--listen-peer-urls=" + peerURL, "--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=default=" + peerURL, "--initial-cluster-state=new",
		"--log-level=warn",
	}
	if c.tempState {
		// A throw-away cluster needs no durability; fsync dominates etcd's
		// latency on a busy disk.
		etcdArgs = append(etcdArgs, "--unsafe-no-fsync")
	}
	etcd, err := c.run(ctx, "etcd", etcdArgs, marker)
	if err != nil {
		return err
	}
	if err := c.waitFor(ctx, etcd, "etcd health", func(ctx context.Context) error {
		return httpOK(ctx, http.DefaultClient, etcdURL+"/health")
	}); err != nil {
		return err
	}

	// kube-apiserver
	apiArgs := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(st.APIServerPort),
		"--cert-dir=" + c.dir("pki", "apiserver-generated"),
		"--tls-cert-file=" + servingCert, "--tls-private-key-file=" + servingKey,
		"--client-ca-file=" + filepath.Join(pki, "ca.crt"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + saPub,
		"--service-account-signing-key-file=" + saKey,
		"--service-cluster-ip-range=" + c.serviceCIDR.String(),
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NodeRestriction,PodSecurity",
		// Endpoints may not hold loopback addresses, so the `kubernetes`
		// Service gets none; the kubelet network serves it directly.
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		"--kubelet-client-certificate=" + kcCert, "--kubelet-client-key=" + kcKey,
		"--kubelet-certificate-authority=" + filepath.Join(pki, "ca.crt"),
		"--kubelet-preferred-address-types=InternalIP",
		"--profiling=false",
	}
	apiArgs = append(apiArgs, c.opts.APIServerFlags...)
	api, err := c.run(ctx, "kube-apiserver", apiArgs, marker)
	if err != nil {
		return err
	}
	hc, err := rest.HTTPClientFor(c.config)
	if err != nil {
		return err
	}
	if err := c.waitFor(ctx, api, "kube-apiserver /readyz", func(ctx context.Context) error {
		return httpOK(ctx, hc, server+"/readyz")
	}); err != nil {
		return err
	}

	// kube-controller-manager and kube-scheduler: no serving port (0), so
	// several clusters never fight over 10257/10259.
	cm, err := c.run(ctx, "kube-controller-manager", []string{
		"--kubeconfig=" + cmKubeconfig,
		"--authentication-kubeconfig=" + cmKubeconfig, "--authorization-kubeconfig=" + cmKubeconfig,
		"--secure-port=0", "--leader-elect=false",
		"--use-service-account-credentials=true",
		"--root-ca-file=" + filepath.Join(pki, "ca.crt"),
		"--service-account-private-key-file=" + saKey,
		"--cluster-signing-cert-file=" + filepath.Join(pki, "ca.crt"),
		"--cluster-signing-key-file=" + filepath.Join(pki, "ca.key"),
		"--cluster-name=koss-local",
		"--controllers=*",
	}, marker)
	if err != nil {
		return err
	}
	sched, err := c.run(ctx, "kube-scheduler", []string{
		"--kubeconfig=" + schedKubeconfig,
		"--authentication-kubeconfig=" + schedKubeconfig, "--authorization-kubeconfig=" + schedKubeconfig,
		"--secure-port=0", "--leader-elect=false",
	}, marker)
	if err != nil {
		return err
	}
	go c.monitor()

	// In-process node side: network, provisioner, kubelets.
	admin, err := kubernetes.NewForConfig(c.config)
	if err != nil {
		return err
	}
	if err := c.startNodes(ca, server, admin, marker); err != nil {
		return err
	}

	ready := func(ctx context.Context) error { return clusterReady(ctx, admin, c.opts.Nodes) }
	return c.waitFor(ctx, nil, "default ServiceAccount, root CA ConfigMap and Ready nodes", func(ctx context.Context) error {
		for _, comp := range []*component{cm, sched} {
			if gone, err := comp.exited(); gone {
				return backoffStop{err}
			}
		}
		return ready(ctx)
	})
}

// loadState reads state.json or picks a loopback range and ports, locks the
// range and saves the choice.
func (c *Cluster) loadState() (state, error) {
	path := c.dir("state.json")
	var st state
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &st); err != nil {
			return st, fmt.Errorf("%s: %w", path, err)
		}
	}
	var err error
	if st.Octet != 0 {
		c.lock, err = lockOctet(st.Octet)
	} else {
		st.Octet, c.lock, err = pickOctet()
	}
	if err != nil {
		return st, err
	}
	for _, p := range []*int{&st.EtcdClientPort, &st.EtcdPeerPort, &st.APIServerPort} {
		if !portFree(*p) {
			if *p, err = freePort(); err != nil {
				return st, err
			}
		}
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	return st, writeFile(path, b, 0o644)
}

func (c *Cluster) run(ctx context.Context, name string, args, env []string) (*component, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.log.Info("starting " + name)
	comp, err := startComponent(name, filepath.Join(c.opts.BinDir, name), args, c.stateDir, c.dir("logs", name+".log"), env)
	if err != nil {
		return nil, err
	}
	c.components = append(c.components, comp)
	return comp, nil
}

// backoffStop makes waitFor give up at once.
type backoffStop struct{ error }

// waitFor polls check until it succeeds, comp (if any) exits, or ctx ends.
func (c *Cluster) waitFor(ctx context.Context, comp *component, what string, check func(context.Context) error) error {
	start := time.Now()
	var last error
	for {
		if comp != nil {
			if gone, err := comp.exited(); gone {
				return err
			}
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		last = check(cctx)
		cancel()
		if last == nil {
			c.log.Info("ready: "+what, "after", time.Since(start).Round(time.Millisecond))
			return nil
		}
		var stop backoffStop
		if errors.As(last, &stop) {
			return stop.error
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last: %w)", what, ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func httpOK(ctx context.Context, hc *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

// clusterReady checks what a first pod needs.
func clusterReady(ctx context.Context, cs kubernetes.Interface, nodes int) error {
	if _, err := cs.CoreV1().ServiceAccounts(corev1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{}); err != nil {
		return err
	}
	if _, err := cs.CoreV1().ConfigMaps(corev1.NamespaceDefault).Get(ctx, "kube-root-ca.crt", metav1.GetOptions{}); err != nil {
		return err
	}
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	ready := 0
	for _, n := range list.Items {
		ok := false
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				ok = true
			}
		}
		for _, t := range n.Spec.Taints {
			if t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable {
				ok = false
			}
		}
		if ok {
			ready++
		}
	}
	if ready < nodes {
		return fmt.Errorf("%d of %d nodes ready", ready, nodes)
	}
	return nil
}

// monitor records the first component that dies after startup.
func (c *Cluster) monitor() {
	cases := c.components
	for _, comp := range cases {
		go func(comp *component) {
			<-comp.done
			_, err := comp.exited()
			c.fail(err)
		}(comp)
	}
}

func (c *Cluster) fail(err error) {
	c.failOnce.Do(func() {
		c.failErr = err
		close(c.failed)
	})
}

// Failed is closed when a component dies (or Stop runs); Err says why.
func (c *Cluster) Failed() <-chan struct{} { return c.failed }

// Err returns the reason Failed was closed, nil before.
func (c *Cluster) Err() error {
	select {
	case <-c.failed:
		return c.failErr
	default:
		return nil
	}
}

// Config returns a copy of the admin client configuration
// (system:masters).
func (c *Cluster) Config() *rest.Config { return rest.CopyConfig(c.config) }

// KubeconfigPath is the admin kubeconfig file, for kubectl, helm and
// clients in other processes.
func (c *Cluster) KubeconfigPath() string { return c.kubeconfigPath }

// StateDir is the cluster's state directory.
func (c *Cluster) StateDir() string { return c.stateDir }

// PodCIDR is the loopback range pod IPs come from; they are reachable from
// this machine directly.
func (c *Cluster) PodCIDR() netip.Prefix { return c.podCIDR }

// ServiceCIDR is the loopback range of Service ClusterIPs, served by the
// kubelet network's proxy; reachable from this machine too.
func (c *Cluster) ServiceCIDR() netip.Prefix { return c.serviceCIDR }

// LookupHost resolves a cluster DNS name (svc.ns, svc.ns.svc,
// svc.ns.svc.cluster.local, pod.headless-svc.ns...) as pods do.
func (c *Cluster) LookupHost(name string) ([]string, bool) { return c.network.LookupHost(name) }

// DialContext dials with cluster DNS names resolved; plug it into an
// http.Transport to reach Services by name from the host.
func (c *Cluster) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return c.network.DialContext(ctx, network, address)
}

// HostsFile is a hosts-format file kept current with the cluster's DNS
// names as seen from the host.
func (c *Cluster) HostsFile() string { return c.dir("hosts") }

// LogDir holds the control plane's logs and kubelet.log.
func (c *Cluster) LogDir() string { return c.dir("logs") }

// PodLogDir holds container logs:
// <ns>_<pod>_<uid>/<container>/<restart>.log.
func (c *Cluster) PodLogDir() string { return c.dir("kubelet", "logs") }

// Bin returns the path of a Kubernetes binary (kubectl, helm, ...).
func (c *Cluster) Bin(name string) string { return filepath.Join(c.opts.BinDir, name) }

// Command prepares one of the Kubernetes binaries (kubectl, helm) to run
// against this cluster: KUBECONFIG points at the admin kubeconfig.
func (c *Cluster) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.Bin(name), args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.kubeconfigPath)
	return cmd
}

// Stop stops the kubelets (their pods get SIGTERM, then SIGKILL), the
// scheduler, the controller manager, the API server and etcd, each process
// group in turn, and waits for all of them. Pods stay in etcd: a cluster
// started again on the same state directory runs them again. Mounts exist
// only inside the pods' mount namespaces, so none outlive their processes.
// A temporary state directory is removed. Safe to call more than once.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		c.fail(errors.New("local cluster stopped"))
		if c.cancel != nil {
			c.cancel()
		}
		c.wg.Wait()
		for i := len(c.components) - 1; i >= 0; i-- {
			c.components[i].stop(15 * time.Second)
		}
		if c.kubeletLog != nil {
			_ = c.kubeletLog.Close()
		}
		if c.lock != nil {
			_ = c.lock.Close()
		}
		if c.tempState && c.stateDir != "" {
			c.stopErr = os.RemoveAll(c.stateDir)
		}
	})
	return c.stopErr
}

// writeKubeconfig issues a client certificate for user (in groups) and
// writes a kubeconfig with everything embedded; it returns the matching
// rest.Config.
func (c *Cluster) writeKubeconfig(ca *ca, server, path, user string, groups []string) (*rest.Config, error) {
	certPEM, keyPEM, err := ca.issue(certSpec{cn: user, orgs: groups, client: true})
	if err != nil {
		return nil, err
	}
	if err := writeFile(path, kubeconfigYAML(server, ca.certPEM, certPEM, keyPEM, user), 0o600); err != nil {
		return nil, err
	}
	return &rest.Config{
		Host:            server,
		TLSClientConfig: rest.TLSClientConfig{CAData: ca.certPEM, CertData: certPEM, KeyData: keyPEM},
		QPS:             100,
		Burst:           200,
	}, nil
}

// tlsConfigFor builds a server TLS config whose clients must present a
// certificate of the cluster CA.
func tlsConfigFor(ca *ca, certPEM, keyPEM []byte) (*tls.Config, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	return &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}, nil
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
