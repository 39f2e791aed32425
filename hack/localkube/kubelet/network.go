package kubelet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// ErrPodCIDRFull means every address of the pod range is taken.
var ErrPodCIDRFull = errors.New("no free pod IP left")

// NetworkConfig configures a Network.
type NetworkConfig struct {
	// Client reads Pods and Services in all namespaces.
	Client kubernetes.Interface
	// PodCIDR is the loopback range pod IPs come from (inside 127.0.0.0/8).
	PodCIDR netip.Prefix
	// IPAMFile keeps the pod IP assignments across restarts ("" = memory only).
	IPAMFile string
	// ClusterDomain is the DNS suffix, "cluster.local" by default.
	ClusterDomain string
	// APIServer is the host:port the `kubernetes` Service in `default`
	// forwards to (that Service has no selector and, with
	// --endpoint-reconciler-type=none, no endpoints).
	APIServer string
	// HostsFile, when set, is kept current with the host's view of the
	// cluster names (no namespace short forms), for people and tools.
	HostsFile string
	// Logger receives warnings; nil discards.
	Logger *slog.Logger
}

// Network is the node-independent part of the pod network: pod IP
// assignment, the cluster's DNS records (rendered into every pod's
// /etc/hosts) and a user-space proxy serving each Service's ClusterIP. One
// Network serves all kubelets of a cluster, since they share this machine's
// loopback interface.
type Network struct {
	cfg NetworkConfig
	log *slog.Logger

	ipMu    sync.Mutex
	ips     map[string]string // namespace/name -> IP
	usedIPs map[string]bool

	mu      sync.Mutex
	records []hostRecord
	subs    map[int]chan struct{}
	nextSub int
	synced  chan struct{}

	podLister    corelisters.PodLister
	svcLister    corelisters.ServiceLister
	changed      chan struct{}
	hostsWritten bool // only touched by Run's goroutine

	proxyMu sync.Mutex
	proxies map[string]*proxyListener // ip:port -> listener
	rr      atomic.Uint64
}

// NewNetwork checks the configuration and loads the IP assignments.
func NewNetwork(cfg NetworkConfig) (*Network, error) {
	if cfg.Client == nil {
		return nil, errors.New("kubelet network: Client is required")
	}
	if !cfg.PodCIDR.IsValid() || !cfg.PodCIDR.Addr().IsLoopback() || !cfg.PodCIDR.Addr().Is4() {
		return nil, fmt.Errorf("kubelet network: PodCIDR %v must be an IPv4 range inside 127.0.0.0/8", cfg.PodCIDR)
	}
	if cfg.ClusterDomain == "" {
		cfg.ClusterDomain = "cluster.local"
	}
	n := &Network{
		cfg:     cfg,
		log:     orDiscard(cfg.Logger),
		ips:     map[string]string{},
		usedIPs: map[string]bool{},
		subs:    map[int]chan struct{}{},
		synced:  make(chan struct{}),
		changed: make(chan struct{}, 1),
		proxies: map[string]*proxyListener{},
	}
	if cfg.IPAMFile != "" {
		b, err := os.ReadFile(cfg.IPAMFile)
		switch {
		case err == nil:
			if err := json.Unmarshal(b, &n.ips); err != nil {
				return nil, fmt.Errorf("kubelet network: %s: %w", cfg.IPAMFile, err)
			}
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("kubelet network: %w", err)
		}
		for _, ip := range n.ips {
			n.usedIPs[ip] = true
		}
	}
	return n, nil
}

// PodIP returns the IP of the pod namespace/name, assigning one the first
// time. Assignments are sticky: a StatefulSet pod that is deleted and
// re-created keeps its address, which keeps this small network predictable.
func (n *Network) PodIP(namespace, name string) (string, error) {
	key := namespace + "/" + name
	n.ipMu.Lock()
	defer n.ipMu.Unlock()
	if ip, ok := n.ips[key]; ok {
		return ip, nil
	}
	for a := n.cfg.PodCIDR.Addr().Next(); n.cfg.PodCIDR.Contains(a); a = a.Next() {
		s := a.String()
		if n.usedIPs[s] || a.As4()[3] == 0 || a.As4()[3] == 255 {
			continue
		}
		n.ips[key], n.usedIPs[s] = s, true
		if n.cfg.IPAMFile != "" {
			b, _ := json.MarshalIndent(n.ips, "", "  ")
			if err := writeFileAtomic(n.cfg.IPAMFile, b, 0o644); err != nil {
				delete(n.ips, key)
				delete(n.usedIPs, s)
				return "", fmt.Errorf("kubelet network: save IPs: %w", err)
			}
		}
		return s, nil
	}
	return "", ErrPodCIDRFull
}

// Run watches Pods and Services and keeps records, hosts files and proxies
// current until ctx ends; then it closes every proxy listener and returns.
func (n *Network) Run(ctx context.Context) error {
	factory := informers.NewSharedInformerFactory(n.cfg.Client, 0)
	pods := factory.Core().V1().Pods()
	svcs := factory.Core().V1().Services()
	n.podLister, n.svcLister = pods.Lister(), svcs.Lister()
	h := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { n.poke() },
		UpdateFunc: func(any, any) { n.poke() },
		DeleteFunc: func(any) { n.poke() },
	}
	if _, err := pods.Informer().AddEventHandler(h); err != nil {
		return err
	}
	if _, err := svcs.Informer().AddEventHandler(h); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), pods.Informer().HasSynced, svcs.Informer().HasSynced) {
		return ctx.Err()
	}
	n.refresh()
	close(n.synced)
	defer n.closeProxies()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-n.changed:
		}
		// Coalesce bursts (a rollout changes many pods at once).
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(50 * time.Millisecond):
		}
		n.refresh()
	}
}

// WaitSynced blocks until Run has its first complete view of the cluster.
func (n *Network) WaitSynced(ctx context.Context) error {
	select {
	case <-n.synced:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (n *Network) poke() {
	select {
	case n.changed <- struct{}{}:
	default:
	}
}

// refresh recomputes the records, tells subscribers when they changed and
// reconciles the proxies.
func (n *Network) refresh() {
	svcs, _ := n.svcLister.List(labels.Everything())
	pods, _ := n.podLister.List(labels.Everything())
	recs := serviceRecords(svcs, pods, vipOf)
	n.mu.Lock()
	same := equalRecords(n.records, recs)
	n.records = recs
	var subs []chan struct{}
	if !same {
		for _, c := range n.subs {
			subs = append(subs, c)
		}
	}
	n.mu.Unlock()
	for _, c := range subs {
		select {
		case c <- struct{}{}:
		default:
		}
	}
	if (!same || !n.hostsWritten) && n.cfg.HostsFile != "" {
		n.hostsWritten = true
		if err := writeHostsInPlace(n.cfg.HostsFile, renderHosts(podHostsInfo{}, recs, n.cfg.ClusterDomain)); err != nil {
			n.log.Warn("write hosts file", "path", n.cfg.HostsFile, "err", err)
		}
	}
	n.reconcileProxies(svcs)
}

func equalRecords(a, b []hostRecord) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// subscribe returns a channel that receives a value after the records
// changed, and a function to stop.
func (n *Network) subscribe() (<-chan struct{}, func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	id := n.nextSub
	n.nextSub++
	c := make(chan struct{}, 1)
	n.subs[id] = c
	return c, func() {
		n.mu.Lock()
		delete(n.subs, id)
		n.mu.Unlock()
	}
}

// hosts renders the /etc/hosts of a pod.
func (n *Network) hosts(own podHostsInfo) []byte {
	n.mu.Lock()
	recs := n.records
	n.mu.Unlock()
	return renderHosts(own, recs, n.cfg.ClusterDomain)
}

// LookupHost resolves a cluster DNS name (a Service, or a pod behind a
// headless Service, in any of the forms with a namespace:
// name.ns, name.ns.svc, name.ns.svc.cluster.local) to its addresses; ok is
// false for any other name.
func (n *Network) LookupHost(name string) (addrs []string, ok bool) {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, r := range n.records {
		for _, full := range recordNames(r, "", n.cfg.ClusterDomain) {
			if full == name {
				addrs = append(addrs, r.IP)
				break
			}
		}
	}
	return addrs, len(addrs) > 0
}

// DialContext dials like net.Dialer but resolves cluster DNS names first, so
// code on the host can reach Services and pods by the names pods use.
func (n *Network) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var d net.Dialer
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	addrs, ok := n.LookupHost(host)
	if !ok {
		return d.DialContext(ctx, network, address)
	}
	var errs []error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a, port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// vipOf returns a Service's ClusterIP when it is reachable here, that is
// inside 127.0.0.0/8 (the API server's service range is chosen there).
func vipOf(svc *corev1.Service) string {
	a, err := netip.ParseAddr(svc.Spec.ClusterIP)
	if err != nil || !a.IsLoopback() {
		return ""
	}
	return a.String()
}

// proxyListener serves one Service port on its ClusterIP.
type proxyListener struct {
	ln        net.Listener
	namespace string
	name      string
	port      corev1.ServicePort
	mu        sync.Mutex
	conns     map[net.Conn]struct{}
	done      chan struct{}
}

func (n *Network) reconcileProxies(svcs []*corev1.Service) {
	want := map[string]*corev1.Service{}
	ports := map[string]corev1.ServicePort{}
	for _, svc := range svcs {
		ip := vipOf(svc)
		if ip == "" {
			continue
		}
		for _, p := range svc.Spec.Ports {
			if p.Protocol != "" && p.Protocol != corev1.ProtocolTCP {
				continue
			}
			k := net.JoinHostPort(ip, strconv.Itoa(int(p.Port)))
			want[k], ports[k] = svc, p
		}
	}
	n.proxyMu.Lock()
	defer n.proxyMu.Unlock()
	for k, pl := range n.proxies {
		svc, ok := want[k]
		if ok && svc.Namespace == pl.namespace && svc.Name == pl.name {
			pl.mu.Lock()
			pl.port = ports[k]
			pl.mu.Unlock()
			continue
		}
		pl.close()
		delete(n.proxies, k)
	}
	for k, svc := range want {
		if _, ok := n.proxies[k]; ok {
			continue
		}
		ln, err := net.Listen("tcp", k)
		if err != nil {
			n.log.Warn("service proxy: listen", "service", svc.Namespace+"/"+svc.Name, "addr", k, "err", err)
			continue
		}
		pl := &proxyListener{ln: ln, namespace: svc.Namespace, name: svc.Name, port: ports[k],
			conns: map[net.Conn]struct{}{}, done: make(chan struct{})}
		n.proxies[k] = pl
		go n.serveProxy(pl)
	}
}

func (n *Network) closeProxies() {
	n.proxyMu.Lock()
	defer n.proxyMu.Unlock()
	for k, pl := range n.proxies {
		pl.close()
		delete(n.proxies, k)
	}
}

func (pl *proxyListener) close() {
	_ = pl.ln.Close()
	<-pl.done
	pl.mu.Lock()
	for c := range pl.conns {
		_ = c.Close()
	}
	pl.mu.Unlock()
}

func (pl *proxyListener) track(c net.Conn, add bool) bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if add {
		select {
		case <-pl.done:
			return false
		default:
		}
		pl.conns[c] = struct{}{}
	} else {
		delete(pl.conns, c)
	}
	return true
}

func (n *Network) serveProxy(pl *proxyListener) {
	defer close(pl.done)
	for {
		c, err := pl.ln.Accept()
		if err != nil {
			return
		}
		go n.proxyConn(pl, c)
	}
}

// proxyConn forwards one client connection to a ready endpoint, trying the
// next one when a dial fails (a pod that just went away).
func (n *Network) proxyConn(pl *proxyListener, c net.Conn) {
	if !pl.track(c, true) {
		_ = c.Close()
		return
	}
	defer pl.track(c, false)
	defer func() { _ = c.Close() }()
	pl.mu.Lock()
	port := pl.port
	pl.mu.Unlock()
	eps := n.endpoints(pl.namespace, pl.name, port)
	if len(eps) == 0 {
		return
	}
	start := int(n.rr.Add(1))
	var up net.Conn
	for i := range eps {
		d := net.Dialer{Timeout: 5 * time.Second}
		var err error
		if up, err = d.Dial("tcp", eps[(start+i)%len(eps)]); err == nil {
			break
		}
	}
	if up == nil {
		return
	}
	if !pl.track(up, true) {
		_ = up.Close()
		return
	}
	defer pl.track(up, false)
	defer func() { _ = up.Close() }()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
}

// endpoints lists host:port of the pods serving a Service port.
func (n *Network) endpoints(namespace, name string, port corev1.ServicePort) []string {
	svc, err := n.svcLister.Services(namespace).Get(name)
	if err != nil {
		return nil
	}
	if len(svc.Spec.Selector) == 0 {
		if namespace == corev1.NamespaceDefault && name == "kubernetes" && n.cfg.APIServer != "" {
			return []string{n.cfg.APIServer}
		}
		return nil
	}
	pods, _ := n.podLister.Pods(namespace).List(labels.SelectorFromSet(svc.Spec.Selector))
	var out []string
	for _, p := range pods {
		if !podServes(p, svc.Spec.PublishNotReadyAddresses) {
			continue
		}
		if tp := targetPort(p, port); tp > 0 {
			out = append(out, net.JoinHostPort(p.Status.PodIP, strconv.Itoa(tp)))
		}
	}
	return out
}

// targetPort resolves a Service port's targetPort on one pod: a number, a
// named container port, or the Service port itself when unset.
func targetPort(p *corev1.Pod, sp corev1.ServicePort) int {
	switch {
	case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
		for _, c := range p.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == sp.TargetPort.StrVal {
					return int(cp.ContainerPort)
				}
			}
		}
		return 0
	case sp.TargetPort.IntValue() > 0:
		return sp.TargetPort.IntValue()
	default:
		return int(sp.Port)
	}
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
