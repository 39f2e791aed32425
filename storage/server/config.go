package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/internal/blob"
)

// Config configures one kossd node.
type Config struct {
	// DataDir holds everything the node stores (blobs, metadata). Required.
	DataDir string
	// Listen is the OSS API address (host:port); port 0 picks a free port,
	// reported by Server.Addr.
	Listen string
	// PeerListen is the address for node-to-node traffic (raft and blob
	// replication). A single node does not open it.
	PeerListen string
	// NodeID names this node in the cluster; it must be stable across
	// restarts.
	NodeID string
	// InitialCluster lists the cluster's first members as
	// "id=host:port,..." (peer addresses). Empty means a single node,
	// committing through the local proposer. Otherwise metadata is
	// replicated with raft: a listed node with no raft state bootstraps the
	// cluster with exactly this list; a node that is not listed waits to be
	// added through the admin API; a node with raft state rejoins from its
	// stored configuration and ignores the list.
	InitialCluster string
	// RaftDir holds the raft log and snapshots in cluster mode; empty means
	// <DataDir>/raft. It may live on another disk than the blobs, so that a
	// big blob write does not stall the log's fsyncs.
	RaftDir string
	// PeerAdvertise is the address other nodes dial to reach this node's
	// peer port. Empty means this node's entry in InitialCluster, else
	// PeerListen (which must then name a specific host).
	PeerAdvertise string
	// Raft tunes the consensus timeouts; zero fields keep the defaults.
	Raft RaftTuning
	// PeerDialer opens the node's outgoing peer connections; nil dials
	// directly. Tests inject network faults here.
	PeerDialer func(ctx context.Context, network, address string) (net.Conn, error)
	// Region is the OSS region name clients configure ("local" means the
	// endpoint location "oss-local").
	Region string
	// Domain enables virtual-host style requests: "<bucket>.<Domain>"
	// addresses a bucket. Empty means path style only (which the SDKs use
	// automatically for IP endpoints).
	Domain string
	// IntranetEndpoint and ExtranetEndpoint (host[:port]) are what
	// GetBucketInfo and ListBuckets report as a bucket's internal and
	// external endpoints, e.g. the Region's in-cluster Service and its
	// load balancer. Each empty means the request's Host.
	IntranetEndpoint string
	ExtranetEndpoint string
	// RootAccessKeyID and RootAccessKeySecret are the Region's root key: it
	// may do everything, including the admin API.
	RootAccessKeyID     string
	RootAccessKeySecret string
	// Logger receives the node's logs, access log included. Nil discards.
	Logger *slog.Logger
	// AccessLog logs every request at info level. Without it only
	// requests that failed with a 5xx status or were slow are logged above
	// debug level (a busy node would otherwise write a line per request).
	AccessLog bool
	// TLSCertFile and TLSKeyFile, when set, make the OSS API port HTTPS
	// with this certificate and key (PEM files, reloaded when they change;
	// plain HTTP to the port is refused). Empty serves plain HTTP.
	TLSCertFile, TLSKeyFile string
	// TLSClientCAFile, with TLSCertFile, requires every client of the OSS
	// API port to present a certificate this CA bundle signed. Empty
	// accepts any client (requests are still signed).
	TLSClientCAFile string
	// PeerTLSCertFile, PeerTLSKeyFile and PeerTLSCAFile, all set, make the
	// peer port mutual TLS: this node presents the certificate (which must
	// be good for both server and client authentication) and accepts only
	// peers whose certificates chain to the CA. The HMAC peer
	// authentication stays. All empty keeps the peer port plain TCP.
	PeerTLSCertFile, PeerTLSKeyFile, PeerTLSCAFile string
	// WorkloadIdentityFile is the trust file of STS AssumeRoleWithOIDC
	// (package workloadid: issuer, audience, signing keys and roles, as
	// the operator publishes them), re-read when it changes. Empty turns
	// workload identity off: the call answers EntityNotExist.OIDCProvider.
	WorkloadIdentityFile string
	// SessionClock is the clock the node judges temporary credentials'
	// expiry by; nil is time.Now. A test knob: a clock that runs ahead
	// lets a test see SecurityTokenExpired without waiting the 15 minutes
	// a session lasts at least, while request times are judged by the
	// real clock.
	SessionClock func() time.Time
	// TLSReloadInterval is how often the certificate files are checked for
	// a change; zero means every second.
	TLSReloadInterval time.Duration
	// MinFreeSpace is the free space the node keeps on its blob disk for
	// the metadata (bbolt, the raft log when it shares the disk) and for
	// deletes: a write that would leave less is refused with 507
	// XKossStorageFull before anything is stored. "" is the default (1% of
	// the file system, between 16 MiB and 256 MiB, at most a quarter of
	// it); otherwise a byte count of at least 1MiB ("512MiB") or a
	// percentage ("2%") (blob.ParseReserve). It cannot be 0: a metadata
	// commit that hits ENOSPC stops the node.
	MinFreeSpace string
	// AbortIncompleteUploadsAfter is the age at which the leader aborts a
	// multipart upload that was neither completed nor aborted, freeing its
	// parts (OSS's lifecycle rule AbortMultipartUpload does the same).
	// Zero or negative never aborts.
	AbortIncompleteUploadsAfter time.Duration
	// OrphanSweepGrace is how old a blob no record refers to must be
	// before the orphan sweeper deletes it (it also bounds the time
	// between sweeps). It must exceed the longest time a write can take
	// from finishing its blob to committing its command; zero keeps the
	// data store's default (minutes). Crash tests shorten it once no
	// write is in flight, to see that leftovers go away.
	OrphanSweepGrace time.Duration
	// LifecycleInterval is how often the leader carries out the buckets'
	// lifecycle rules (expiring objects, aborting uploads); zero or
	// negative never.
	LifecycleInterval time.Duration
	// LifecycleDay is the length of a lifecycle rule's day. A test knob:
	// 24h but in tests, which shorten it to see rules act in seconds.
	// Zero means 24h.
	LifecycleDay time.Duration
	// LifecycleMaxPerPass bounds one pass: at most this many objects
	// deleted and uploads aborted, the rest at the next. Zero means
	// object.DefaultLifecycleMaxPerPass.
	LifecycleMaxPerPass int
}

// DefaultLifecycleInterval is the default of Config.LifecycleInterval.
const DefaultLifecycleInterval = 5 * time.Minute

// DefaultAbortIncompleteUploadsAfter is the default of
// Config.AbortIncompleteUploadsAfter.
const DefaultAbortIncompleteUploadsAfter = 7 * 24 * time.Hour

// RaftTuning overrides consensus timeouts (zero keeps the default). The
// defaults are in seconds, to survive a slow shared disk; tests shorten them.
type RaftTuning struct {
	HeartbeatTimeout   time.Duration
	ElectionTimeout    time.Duration
	LeaderLeaseTimeout time.Duration
	// RequestTimeout bounds a write or linearizable read that cannot reach
	// a quorum before it fails with 503.
	RequestTimeout time.Duration
	// SnapshotThreshold is the number of log entries between snapshots.
	SnapshotThreshold uint64
	// NoLeaseReads makes the leader confirm its leadership with a quorum
	// for every read barrier instead of relying on its lease (see the
	// consensus package doc, "Leases").
	NoLeaseReads bool
	// SyncMetadata fsyncs the metadata store on every commit of applied
	// entries, as a single node does, instead of leaving durability to
	// the raft log (meta's deferred sync).
	SyncMetadata bool
}

// Defaults.
const (
	DefaultListen     = ":9000"
	DefaultPeerListen = ":9001"
	DefaultRegion     = "local"
)

// DefaultConfig returns a Config with every default filled in; DataDir and
// the root credentials remain to be set.
func DefaultConfig() Config {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "kossd"
	}
	return Config{
		Listen:     DefaultListen,
		PeerListen: DefaultPeerListen,
		NodeID:     host,
		Region:     DefaultRegion,

		AbortIncompleteUploadsAfter: DefaultAbortIncompleteUploadsAfter,
		LifecycleInterval:           DefaultLifecycleInterval,
	}
}

// Member is one entry of Config.InitialCluster.
type Member struct {
	ID   string
	Addr string
}

// ParseInitialCluster parses "id=host:port,id2=host:port". Ids and addresses
// must be unique.
func ParseInitialCluster(s string) ([]Member, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []Member
	ids, addrs := map[string]bool{}, map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		id, addr, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || id == "" || addr == "" {
			return nil, fmt.Errorf("initial cluster entry %q: want id=host:port", part)
		}
		if err := checkHostPort(addr); err != nil {
			return nil, fmt.Errorf("initial cluster entry %q: %w", part, err)
		}
		if ids[id] || addrs[addr] {
			return nil, fmt.Errorf("initial cluster entry %q: duplicate id or address", part)
		}
		ids[id], addrs[addr] = true, true
		out = append(out, Member{ID: id, Addr: addr})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// selfMember returns this node's entry of the initial cluster.
func (c Config) selfMember(members []Member) (Member, bool) {
	for _, m := range members {
		if m.ID == c.NodeID {
			return m, true
		}
	}
	return Member{}, false
}

// peerAdvertise is the address other nodes dial to reach this one.
func (c Config) peerAdvertise(members []Member) string {
	if c.PeerAdvertise != "" {
		return c.PeerAdvertise
	}
	if m, ok := c.selfMember(members); ok {
		return m.Addr
	}
	return c.PeerListen
}

// raftDir is where the raft log lives.
func (c Config) raftDir() string {
	if c.RaftDir != "" {
		return c.RaftDir
	}
	return filepath.Join(c.DataDir, "raft")
}

// checkDialable checks an address other nodes can dial: a specific host
// and a non-zero port.
func checkDialable(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("address %q: invalid port", addr)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		return fmt.Errorf("address %q: needs a specific host", addr)
	}
	return nil
}

func checkHostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("address %q: invalid port", addr)
	}
	return nil
}

// Validate reports every problem of c, each in a sentence that names the
// setting (and its kossd flag or environment variable).
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.DataDir == "" {
		bad("data directory is required (--data, KOSS_DATA)")
	}
	if c.LifecycleDay < 0 {
		bad("lifecycle day (--lifecycle-day, KOSS_LIFECYCLE_DAY) %v: want a positive duration, or 0 for 24h", c.LifecycleDay)
	}
	if c.LifecycleMaxPerPass < 0 {
		bad("lifecycle bound (--lifecycle-max-per-pass, KOSS_LIFECYCLE_MAX_PER_PASS) %d: want a positive number, or 0 for the default", c.LifecycleMaxPerPass)
	}
	if _, err := blob.ParseReserve(c.MinFreeSpace); err != nil {
		bad("min free space (--min-free-space, KOSS_MIN_FREE_SPACE): %v", err)
	}
	if err := checkHostPort(c.Listen); err != nil {
		bad("listen address (--listen, KOSS_LISTEN): %v", err)
	}
	if c.PeerListen != "" {
		if err := checkHostPort(c.PeerListen); err != nil {
			bad("peer listen address (--peer-listen, KOSS_PEER_LISTEN): %v", err)
		}
	}
	if c.NodeID == "" {
		bad("node id is required (--node-id, KOSS_NODE_ID)")
	}
	if !validRegion(c.Region) {
		bad("region %q (--region, KOSS_REGION): want 1-63 characters of [a-z0-9-]", c.Region)
	}
	if c.Domain != "" && !validDomain(c.Domain) {
		bad("domain %q (--domain, KOSS_DOMAIN): want a DNS name such as oss.example.com, without scheme or path", c.Domain)
	}
	for _, e := range []struct{ value, flag, env string }{
		{c.IntranetEndpoint, "--intranet-endpoint", "KOSS_INTRANET_ENDPOINT"},
		{c.ExtranetEndpoint, "--extranet-endpoint", "KOSS_EXTRANET_ENDPOINT"},
	} {
		if e.value != "" && !validEndpoint(e.value) {
			bad("endpoint %q (%s, %s): want host[:port], such as oss.example.com or 10.0.0.1:9000, without scheme or path", e.value, e.flag, e.env)
		}
	}
	if !adminapi.ValidAccessKeyID(c.RootAccessKeyID) {
		bad("root access key id (KOSS_ROOT_ACCESS_KEY_ID) is required: 1-128 characters of [A-Za-z0-9._-]")
	}
	if !adminapi.ValidAccessKeySecret(c.RootAccessKeySecret) {
		bad("root access key secret (KOSS_ROOT_ACCESS_KEY_SECRET) is required: 8-256 printable ASCII characters without spaces")
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		bad("TLS needs both a certificate (--tls-cert-file, KOSS_TLS_CERT_FILE) and a key (--tls-key-file, KOSS_TLS_KEY_FILE)")
	}
	if c.TLSClientCAFile != "" && c.TLSCertFile == "" {
		bad("a client CA (--tls-client-ca-file, KOSS_TLS_CLIENT_CA_FILE) needs TLS (--tls-cert-file and --tls-key-file)")
	}
	if n := countSet(c.PeerTLSCertFile, c.PeerTLSKeyFile, c.PeerTLSCAFile); n != 0 && n != 3 {
		bad("peer TLS needs a certificate (--peer-tls-cert-file, KOSS_PEER_TLS_CERT_FILE), a key (--peer-tls-key-file, KOSS_PEER_TLS_KEY_FILE) and a CA (--peer-tls-ca-file, KOSS_PEER_TLS_CA_FILE), or none of them")
	}
	members, err := ParseInitialCluster(c.InitialCluster)
	if err != nil {
		bad("initial cluster (--initial-cluster, KOSS_INITIAL_CLUSTER): %v", err)
	}
	if len(members) > 0 {
		if c.PeerListen == "" {
			bad("peer listen address (--peer-listen, KOSS_PEER_LISTEN) is required with --initial-cluster")
		}
		if c.PeerAdvertise != "" {
			if err := checkDialable(c.PeerAdvertise); err != nil {
				bad("peer advertise address (--peer-advertise, KOSS_PEER_ADVERTISE): %v", err)
			}
		} else if _, ok := c.selfMember(members); !ok && c.PeerListen != "" && checkDialable(c.PeerListen) != nil {
			bad("node %q is not in --initial-cluster, so it joins an existing cluster and its peers need its address: give --peer-listen a specific host (such as the pod IP) or set --peer-advertise", c.NodeID)
		}
	}
	return errors.Join(errs...)
}

func countSet(values ...string) int {
	n := 0
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	return n
}

func validRegion(r string) bool {
	if r == "" || len(r) > 63 {
		return false
	}
	for _, c := range []byte(r) {
		if !regionChar(c) {
			return false
		}
	}
	return true
}

// validEndpoint reports whether e is host[:port]: a DNS name, an IPv4
// address or a bracketed IPv6 address, with an optional port 1-65535.
func validEndpoint(e string) bool {
	host := e
	if h, port, err := net.SplitHostPort(e); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return false
		}
		host = h
		if strings.Contains(host, ":") {
			return net.ParseIP(host) != nil // [v6]:port
		}
	} else if strings.HasPrefix(e, "[") && strings.HasSuffix(e, "]") {
		return net.ParseIP(e[1:len(e)-1]) != nil
	}
	if net.ParseIP(host) != nil {
		return !strings.Contains(host, ":") // a bare IPv6 address needs brackets
	}
	return validDomain(host)
}

func validDomain(d string) bool {
	host := d
	if h, port, err := net.SplitHostPort(d); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return false
		}
		host = h
	}
	if host == "" || len(host) > 253 || net.ParseIP(host) != nil {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range []byte(label) {
			if !domainLabelChar(c) {
				return false
			}
		}
	}
	return true
}

// regionChar reports whether c is in [a-z0-9-].
func regionChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
}

// domainLabelChar reports whether c is in [A-Za-z0-9-].
func domainLabelChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}
