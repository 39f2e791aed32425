package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/server"
)

// version is stamped at build time: -ldflags "-X main.version=v1.2.3".
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

const usage = `kossd — an object store that speaks the Alibaba Cloud OSS API.

Usage:
  kossd server [flags]   run one storage node
  kossd dev [flags]      run a local Region for trying things out (prints endpoint and root key)
  kossd version          print the version

Run "kossd <command> -h" for the flags of a command.
`

// run is main without the process: testable.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "server":
		return runServer(args[1:], stderr, getenv)
	case "dev":
		return runDev(args[1:], stdout, stderr, getenv)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "kossd %s (%s, %s/%s)\n", versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return 0
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "kossd: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// envFlag is a string flag whose default comes from an environment variable.
type envFlags struct {
	fs     *flag.FlagSet
	getenv func(string) string
}

func (e envFlags) str(p *string, name, env, def, help string) {
	if v := e.getenv(env); v != "" {
		def = v
	}
	e.fs.StringVar(p, name, def, help+" (env "+env+")")
}

// boolean is a bool flag, false by default, whose default comes from an
// environment variable ("true", "1", ...: strconv.ParseBool).
func (e envFlags) boolean(p *bool, name, env, help string) {
	e.booleanDefault(p, name, env, false, help)
}

// booleanDefault is boolean with another default.
func (e envFlags) booleanDefault(p *bool, name, env string, def bool, help string) {
	if v, err := strconv.ParseBool(e.getenv(env)); err == nil {
		def = v
	}
	e.fs.BoolVar(p, name, def, help+" (env "+env+")")
}

// duration is a time.Duration flag whose default comes from an
// environment variable (time.ParseDuration).
func (e envFlags) duration(p *time.Duration, name, env string, def time.Duration, help string) {
	if v, err := time.ParseDuration(e.getenv(env)); err == nil {
		def = v
	}
	e.fs.DurationVar(p, name, def, help+" (env "+env+")")
}

// integer is an int flag whose default comes from an environment
// variable (strconv.Atoi).
func (e envFlags) integer(p *int, name, env string, def int, help string) {
	if v, err := strconv.Atoi(e.getenv(env)); err == nil {
		def = v
	}
	e.fs.IntVar(p, name, def, help+" (env "+env+")")
}

type logFlags struct{ level, format string }

func (e envFlags) logging(l *logFlags, defFormat string) {
	e.str(&l.level, "log-level", "KOSS_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	e.str(&l.format, "log-format", "KOSS_LOG_FORMAT", defFormat, "log format: json or text")
}

func (l logFlags) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(l.level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", l.level)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch l.format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want json or text", l.format)
}

func runServer(args []string, stderr io.Writer, getenv func(string) string) int {
	cfg := server.DefaultConfig()
	fs := flag.NewFlagSet("kossd server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ef := envFlags{fs: fs, getenv: getenv}
	ef.str(&cfg.DataDir, "data", "KOSS_DATA", "", "data directory (required)")
	ef.str(&cfg.Listen, "listen", "KOSS_LISTEN", cfg.Listen, "OSS API address")
	ef.str(&cfg.PeerListen, "peer-listen", "KOSS_PEER_LISTEN", cfg.PeerListen, "peer (raft and replication) address")
	ef.str(&cfg.NodeID, "node-id", "KOSS_NODE_ID", cfg.NodeID, "node id, stable across restarts")
	ef.str(&cfg.InitialCluster, "initial-cluster", "KOSS_INITIAL_CLUSTER", "", "first cluster members as id=host:port,... (peer addresses); empty for a single node; a node not listed joins when a member adds it")
	ef.str(&cfg.RaftDir, "raft-dir", "KOSS_RAFT_DIR", "", "directory of the raft log and snapshots (cluster mode; default <data>/raft)")
	ef.str(&cfg.PeerAdvertise, "peer-advertise", "KOSS_PEER_ADVERTISE", "", "peer address other nodes dial (default: this node's --initial-cluster entry, else --peer-listen)")
	ef.str(&cfg.Region, "region", "KOSS_REGION", cfg.Region, "region name (clients use oss-<region> as location)")
	ef.str(&cfg.Domain, "domain", "KOSS_DOMAIN", "", "domain for virtual-host style requests (<bucket>.<domain>); empty for path style only")
	ef.str(&cfg.IntranetEndpoint, "intranet-endpoint", "KOSS_INTRANET_ENDPOINT", "", "host[:port] GetBucketInfo and ListBuckets report as IntranetEndpoint (e.g. the in-cluster Service); empty reports the request's Host")
	ef.str(&cfg.ExtranetEndpoint, "extranet-endpoint", "KOSS_EXTRANET_ENDPOINT", "", "host[:port] GetBucketInfo and ListBuckets report as ExtranetEndpoint (e.g. the load balancer); empty reports the request's Host")
	ef.str(&cfg.TLSCertFile, "tls-cert-file", "KOSS_TLS_CERT_FILE", "", "PEM certificate (chain) of the OSS API port: serve HTTPS (reloaded when the file changes); empty serves plain HTTP")
	ef.str(&cfg.TLSKeyFile, "tls-key-file", "KOSS_TLS_KEY_FILE", "", "PEM private key of --tls-cert-file")
	ef.str(&cfg.TLSClientCAFile, "tls-client-ca-file", "KOSS_TLS_CLIENT_CA_FILE", "", "PEM CA bundle: require OSS API clients to present a certificate it signed; empty accepts any client")
	ef.str(&cfg.PeerTLSCertFile, "peer-tls-cert-file", "KOSS_PEER_TLS_CERT_FILE", "", "PEM certificate of the peer port, for server and client authentication: peers speak mutual TLS")
	ef.str(&cfg.PeerTLSKeyFile, "peer-tls-key-file", "KOSS_PEER_TLS_KEY_FILE", "", "PEM private key of --peer-tls-cert-file")
	ef.str(&cfg.PeerTLSCAFile, "peer-tls-ca-file", "KOSS_PEER_TLS_CA_FILE", "", "PEM CA bundle that peers' certificates must chain to")
	ef.str(&cfg.WorkloadIdentityFile, "workload-identity-file", "KOSS_WORKLOAD_IDENTITY_FILE", "",
		"trust file of STS AssumeRoleWithOIDC (issuer, audience, signing keys, roles; the operator writes it), re-read when it changes; empty turns workload identity off")
	ef.str(&cfg.MinFreeSpace, "min-free-space", "KOSS_MIN_FREE_SPACE", "",
		"free space kept on the data disk for metadata and deletes: writes that would leave less fail with 507 XKossStorageFull; a byte count of at least 1MiB (512MiB) or a percentage (2%); empty is 1% of the disk, between 16MiB and 256MiB (at most a quarter of a small disk)")
	var lf logFlags
	ef.logging(&lf, "json")
	ef.boolean(&cfg.AccessLog, "access-log", "KOSS_ACCESS_LOG", "log every request at info level (default: only failed and slow ones)")
	ef.duration(&cfg.AbortIncompleteUploadsAfter, "abort-incomplete-uploads-after", "KOSS_ABORT_INCOMPLETE_UPLOADS_AFTER",
		cfg.AbortIncompleteUploadsAfter, "abort multipart uploads neither completed nor aborted after this long, freeing their parts; 0 never")
	ef.duration(&cfg.OrphanSweepGrace, "orphan-sweep-grace", "KOSS_ORPHAN_SWEEP_GRACE", 0,
		"age at which a blob nothing refers to (left by a crashed or failed write) is deleted, and the longest time between sweeps; 0 keeps the default (10m); must exceed the longest write")
	ef.duration(&cfg.LifecycleInterval, "lifecycle-interval", "KOSS_LIFECYCLE_INTERVAL", cfg.LifecycleInterval,
		"how often the leader carries out the buckets' lifecycle rules (expiring objects, aborting uploads); 0 never")
	ef.duration(&cfg.LifecycleDay, "lifecycle-day", "KOSS_LIFECYCLE_DAY", 0,
		"test knob: the length of a lifecycle rule's day; 0 is 24h, as OSS counts")
	ef.integer(&cfg.LifecycleMaxPerPass, "lifecycle-max-per-pass", "KOSS_LIFECYCLE_MAX_PER_PASS", 0,
		"most objects deleted and uploads aborted by one lifecycle pass, the rest at the next; 0 is 1000")
	leaseReads := true
	ef.booleanDefault(&leaseReads, "lease-reads", "KOSS_LEASE_READS", true, "the leader serves linearizable reads on a lease (half the heartbeat timeout) instead of a quorum round per read; see the consensus docs for what it assumes")
	ef.boolean(&cfg.Raft.SyncMetadata, "sync-metadata", "KOSS_SYNC_METADATA", "in a Region, fsync the metadata store on every commit as well as the raft log (by default only the log is fsynced, and the store is rebuilt from it after a machine restart)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: kossd server [flags]\n\nRoot credentials come from KOSS_ROOT_ACCESS_KEY_ID and KOSS_ROOT_ACCESS_KEY_SECRET.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kossd server: unexpected arguments %q\n", fs.Args())
		return 2
	}
	cfg.RootAccessKeyID = getenv("KOSS_ROOT_ACCESS_KEY_ID")
	cfg.RootAccessKeySecret = getenv("KOSS_ROOT_ACCESS_KEY_SECRET")
	if cfg.RootAccessKeyID == "" || cfg.RootAccessKeySecret == "" {
		fmt.Fprintln(stderr, "kossd server: the root credentials are missing: set KOSS_ROOT_ACCESS_KEY_ID and KOSS_ROOT_ACCESS_KEY_SECRET")
		return 2
	}
	log, err := lf.logger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "kossd server: %v\n", err)
		return 2
	}
	cfg.Logger = log
	cfg.Raft.NoLeaseReads = !leaseReads
	return serve(cfg, stderr)
}

// serve runs a node until SIGINT or SIGTERM.
func serve(cfg server.Config, stderr io.Writer) int {
	srv, err := server.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "kossd: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "kossd: %v\n", err)
		return 1
	}
	return 0
}

// devCredentials are the root key of a dev Region, kept in its data
// directory so that restarting `kossd dev` keeps the same key.
type devCredentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	AccessKeySecret string `json:"accessKeySecret"`
}

const devCredentialsFile = "dev-root-key.json"

func runDev(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runDevContext(ctx, args, stdout, stderr, getenv)
}

// runDevContext is runDev until ctx ends.
func runDevContext(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("kossd dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ef := envFlags{fs: fs, getenv: getenv}
	var dataDir, listen, region, domain string
	nodes := fs.Int("nodes", 3, "number of nodes: each runs as its own process on 127.0.0.2, .3, ... (ports listen+1 and listen+2) behind the one endpoint on --listen; 1 runs a single node in this process")
	ef.str(&dataDir, "data", "KOSS_DATA", filepath.Join(os.TempDir(), "koss-dev"), "data directory")
	ef.str(&listen, "listen", "KOSS_LISTEN", "127.0.0.1:9000", "OSS API address")
	ef.str(&region, "region", "KOSS_REGION", server.DefaultRegion, "region name")
	ef.str(&domain, "domain", "KOSS_DOMAIN", "", "domain for virtual-host style requests")
	var lf logFlags
	ef.logging(&lf, "text")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *nodes < 1 {
		fmt.Fprintln(stderr, "kossd dev: --nodes must be at least 1")
		return 2
	}
	log, err := lf.logger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "kossd dev: %v\n", err)
		return 2
	}
	creds, err := devRootKey(dataDir, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "kossd dev: %v\n", err)
		return 1
	}
	if *nodes > 1 {
		err := runDevCluster(ctx, *nodes, listen, dataDir, region, domain, lf, creds, stderr, log, func(endpoint string, members []string) {
			printDevBanner(stdout, endpoint, region, dataDir, creds, members)
		})
		if err != nil {
			fmt.Fprintf(stderr, "kossd dev: %v\n", err)
			return 1
		}
		return 0
	}
	cfg := server.DefaultConfig()
	cfg.DataDir = filepath.Join(dataDir, "node-0")
	cfg.Listen = listen
	cfg.PeerListen = ""
	cfg.NodeID = "node-0"
	cfg.Region = region
	cfg.Domain = domain
	cfg.RootAccessKeyID, cfg.RootAccessKeySecret = creds.AccessKeyID, creds.AccessKeySecret
	cfg.Logger = log
	srv, err := server.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "kossd dev: %v\n", err)
		return 1
	}
	printDevBanner(stdout, endpointURL(srv.Addr()), region, dataDir, creds, nil)
	if err := srv.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "kossd dev: %v\n", err)
		return 1
	}
	return 0
}

// devRootKey returns the dev Region's root key: from the environment when
// set, else the one saved in dataDir, else a new one, saved there (0600).
func devRootKey(dataDir string, getenv func(string) string) (devCredentials, error) {
	if id, secret := getenv("KOSS_ROOT_ACCESS_KEY_ID"), getenv("KOSS_ROOT_ACCESS_KEY_SECRET"); id != "" && secret != "" {
		return devCredentials{AccessKeyID: id, AccessKeySecret: secret}, nil
	}
	path := filepath.Join(dataDir, devCredentialsFile)
	if b, err := os.ReadFile(path); err == nil {
		var c devCredentials
		if err := json.Unmarshal(b, &c); err != nil || c.AccessKeyID == "" || c.AccessKeySecret == "" {
			return c, fmt.Errorf("%s is damaged; delete it to get a new root key", path)
		}
		return c, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return devCredentials{}, err
	}
	id, secret, err := adminapi.NewAccessKey(adminapi.AccessKeyIDPrefix + "DEV")
	if err != nil {
		return devCredentials{}, err
	}
	c := devCredentials{AccessKeyID: id, AccessKeySecret: secret}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return c, err
	}
	b, _ := json.MarshalIndent(c, "", "  ")
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return c, err
	}
	return c, nil
}

// endpointURL turns a listen address into a URL clients can use.
func endpointURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// printDevBanner tells how to use the dev Region at endpoint ep; members
// lists the nodes of a multi-node Region (nil for one node).
func printDevBanner(w io.Writer, ep, region, dataDir string, c devCredentials, members []string) {
	size, nodes := "1 node", ""
	if len(members) > 0 {
		size = fmt.Sprintf("%d nodes", len(members))
		nodes = "  Nodes             " + strings.Join(members, "\n                    ") + "\n"
	}
	r := strings.NewReplacer("{ep}", ep, "{region}", region, "{id}", c.AccessKeyID, "{secret}", c.AccessKeySecret, "{data}", dataDir, "{size}", size, "{nodes}", nodes)
	fmt.Fprint(w, r.Replace(`koss is running (dev Region, {size}). Ctrl-C stops it.

  Endpoint          {ep}
  Region            {region}
  AccessKeyId       {id}
  AccessKeySecret   {secret}
  Data              {data}
{nodes}
Go SDK v2 (github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss):
  cfg := oss.LoadDefaultConfig().
      WithCredentialsProvider(credentials.NewStaticCredentialsProvider("{id}", "{secret}")).
      WithRegion("{region}").
      WithEndpoint("{ep}")
  client := oss.NewClient(cfg)

Go SDK v1 (github.com/aliyun/aliyun-oss-go-sdk/oss):
  client, err := oss.New("{ep}", "{id}", "{secret}",
      oss.AuthVersion(oss.AuthV4), oss.Region("{region}"))

Environment for other tools:
  export OSS_ENDPOINT={ep} OSS_REGION={region}
  export OSS_ACCESS_KEY_ID={id} OSS_ACCESS_KEY_SECRET={secret}

`))
}
