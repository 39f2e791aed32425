package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

const (
	testRootID     = "TESTROOTKEY0001"
	testRootSecret = "testRootSecret0000000000000000"
	testRegion     = "cn-test"
)

// testNode is a Server running on a loopback port in this process.
type testNode struct {
	t       *testing.T
	srv     *Server
	cfg     Config
	cancel  context.CancelFunc
	done    chan error
	stopped bool
	logs    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testConfig(t *testing.T, dir string) Config {
	cfg := DefaultConfig()
	cfg.DataDir = dir
	cfg.Listen = "127.0.0.1:0"
	cfg.PeerListen = ""
	cfg.NodeID = "n1"
	cfg.Region = testRegion
	cfg.RootAccessKeyID, cfg.RootAccessKeySecret = testRootID, testRootSecret
	return cfg
}

func startTestNode(t *testing.T, cfg Config) *testNode {
	t.Helper()
	logs := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &testNode{t: t, srv: srv, cfg: cfg, cancel: cancel, done: make(chan error, 1), logs: logs}
	go func() { n.done <- srv.Run(ctx) }()
	t.Cleanup(n.stop)
	waitReady(t, n.endpoint())
	return n
}

func (n *testNode) endpoint() string { return "http://" + n.srv.Addr() }

func (n *testNode) stop() {
	if n.stopped {
		return
	}
	n.stopped = true
	n.cancel()
	select {
	case err := <-n.done:
		if err != nil {
			n.t.Errorf("Run: %v", err)
		}
	case <-time.After(60 * time.Second):
		n.t.Error("Run did not return after its context ended")
	}
	if strings.Contains(n.logs.String(), testRootSecret) {
		n.t.Error("the root secret appears in the logs")
	}
}

func waitReady(t *testing.T, endpoint string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(endpoint + PathReadyz)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready: %v", endpoint, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConfigValidate(t *testing.T) {
	good := testConfig(t, t.TempDir())
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for name, mutate := range map[string]func(*Config){
		"no data dir":          func(c *Config) { c.DataDir = "" },
		"bad listen":           func(c *Config) { c.Listen = "nonsense" },
		"bad peer listen":      func(c *Config) { c.PeerListen = "1.2.3.4" },
		"no node id":           func(c *Config) { c.NodeID = "" },
		"bad region":           func(c *Config) { c.Region = "Hang Zhou" },
		"bad domain":           func(c *Config) { c.Domain = "http://oss.example.com" },
		"intranet with scheme": func(c *Config) { c.IntranetEndpoint = "http://oss.internal:9000" },
		"extranet with path":   func(c *Config) { c.ExtranetEndpoint = "oss.example.com/x" },
		"extranet bad port":    func(c *Config) { c.ExtranetEndpoint = "oss.example.com:0" },
		"intranet bare ipv6":   func(c *Config) { c.IntranetEndpoint = "fd00::1" },
		"no root id":           func(c *Config) { c.RootAccessKeyID = "" },
		"short secret":         func(c *Config) { c.RootAccessKeySecret = "short" },
		"bad cluster":          func(c *Config) { c.InitialCluster = "n1" },
		"cluster sans peer":    func(c *Config) { c.InitialCluster = "n1=127.0.0.1:9001,n2=127.0.0.1:9002" },
		"joiner on wildcard": func(c *Config) {
			c.InitialCluster, c.PeerListen = "other=127.0.0.1:9001", ":9001"
		},
		"bad advertise": func(c *Config) {
			c.InitialCluster, c.PeerListen, c.PeerAdvertise = "n1=127.0.0.1:9001", ":9001", "0.0.0.0:9001"
		},
	} {
		c := good
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, mutate := range map[string]func(*Config){
		"single-member cluster": func(c *Config) { c.InitialCluster, c.PeerListen = "n1=127.0.0.1:9001", ":9001" },
		"three members":         func(c *Config) { c.InitialCluster, c.PeerListen = "n1=h1:9001,n2=h2:9001,n3=h3:9001", ":9001" },
		"endpoints": func(c *Config) {
			c.IntranetEndpoint, c.ExtranetEndpoint = "oss.koss-system.svc:9000", "203.0.113.7"
		},
		"ipv6 endpoint": func(c *Config) { c.ExtranetEndpoint = "[2001:db8::1]:443" },
		"joiner":        func(c *Config) { c.InitialCluster, c.PeerListen = "n2=h2:9001,n3=h3:9001", "10.0.0.7:9001" },
		"joiner advertising": func(c *Config) {
			c.InitialCluster, c.PeerListen, c.PeerAdvertise = "n2=h2:9001", ":9001", "n1.peers:9001"
		},
	} {
		c := good
		mutate(&c)
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "KOSS_ROOT_ACCESS_KEY_ID") {
		t.Errorf("New(empty) error does not name the missing settings: %v", err)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	n := startTestNode(t, testConfig(t, t.TempDir()))
	for _, p := range []string{PathHealthz, PathReadyz} {
		resp, err := http.Get(n.endpoint() + p)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-Oss-Request-Id") == "" {
			t.Fatalf("%s: %d %v", p, resp.StatusCode, resp.Header)
		}
	}
	// One OSS request so the request metrics have a sample.
	resp, err := http.Get(n.endpoint() + "/somebucket/key")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	resp, err = http.Get(n.endpoint() + PathMetrics)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	for _, want := range []string{"koss_http_requests_total", "koss_http_request_duration_seconds", "go_goroutines"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// /-/ paths can never be buckets, whatever the method.
	req, _ := http.NewRequest(http.MethodPut, n.endpoint()+"/-/", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode < 400 {
		t.Fatalf("PUT /-/: %d", resp.StatusCode)
	}
}

func TestGracefulShutdownAndRestart(t *testing.T) {
	dir := t.TempDir()
	n := startTestNode(t, testConfig(t, dir))
	admin, err := adminclient.New(n.endpoint(), testRootID, testRootSecret)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := admin.CreateBucket(ctx, "persist", adminapi.CreateBucketRequest{Owner: "o"}); err != nil {
		t.Fatal(err)
	}
	n.stop()
	if _, err := http.Get(n.endpoint() + PathHealthz); err == nil {
		t.Fatal("still serving after Run returned")
	}
	n2 := startTestNode(t, testConfig(t, dir))
	admin2, _ := adminclient.New(n2.endpoint(), testRootID, testRootSecret)
	b, err := admin2.GetBucket(ctx, "persist")
	if err != nil || b.Owner != "o" {
		t.Fatalf("bucket after restart: %+v %v", b, err)
	}
}

func TestAdminAPI(t *testing.T) {
	n := startTestNode(t, testConfig(t, t.TempDir()))
	ctx := t.Context()
	admin, err := adminclient.New(n.endpoint(), testRootID, testRootSecret)
	if err != nil {
		t.Fatal(err)
	}

	// Buckets: owner semantics, stats, delete rules.
	b, err := admin.CreateBucket(ctx, "team-a", adminapi.CreateBucketRequest{Owner: "ns/a/uid1"})
	if err != nil || b.Name != "team-a" || b.Owner != "ns/a/uid1" || b.ACL != "private" || b.StorageClass != "Standard" || b.Created.IsZero() {
		t.Fatalf("create bucket: %+v %v", b, err)
	}
	if _, err := admin.CreateBucket(ctx, "team-a", adminapi.CreateBucketRequest{Owner: "ns/a/uid1"}); err != nil {
		t.Fatalf("idempotent create: %v", err)
	}
	if _, err := admin.CreateBucket(ctx, "team-a", adminapi.CreateBucketRequest{Owner: "ns/b/uid2"}); !adminclient.IsBucketAlreadyExists(err) {
		t.Fatalf("other owner: %v", err)
	}
	if _, err := admin.CreateBucket(ctx, "Bad_Name", adminapi.CreateBucketRequest{}); !errors.Is(err, adminapi.ErrInvalidArgument) {
		t.Fatalf("bad name: %v", err)
	}
	if _, err := admin.GetBucket(ctx, "nope"); !adminclient.IsNotFound(err) {
		t.Fatalf("missing bucket: %v", err)
	}
	if err := admin.DeleteBucket(ctx, "nope"); !adminclient.IsNotFound(err) {
		t.Fatalf("delete missing bucket: %v", err)
	}

	// Keys with grants, and what the grants allow over the OSS API.
	k, err := admin.CreateAccessKey(ctx, adminapi.CreateKeyRequest{
		Grants: []adminapi.Grant{{Bucket: "team-a", Access: adminapi.AccessReadWrite}}})
	if err != nil || k.AccessKeyID == "" || len(k.AccessKeySecret) < 20 {
		t.Fatalf("create key: %+v %v", k, err)
	}
	ro, err := admin.CreateAccessKey(ctx, adminapi.CreateKeyRequest{AccessKeyID: "READONLY1", AccessKeySecret: "readonly-secret-1",
		Grants: []adminapi.Grant{{Bucket: "team-a", Access: adminapi.AccessRead}}})
	if err != nil || ro.AccessKeyID != "READONLY1" || ro.AccessKeySecret != "readonly-secret-1" {
		t.Fatalf("create key with id: %+v %v", ro, err)
	}
	if _, err := admin.CreateAccessKey(ctx, adminapi.CreateKeyRequest{AccessKeyID: "READONLY1", AccessKeySecret: "another-secret"}); !adminclient.IsKeyConflict(err) {
		t.Fatalf("conflict: %v", err)
	}
	if _, err := admin.CreateAccessKey(ctx, adminapi.CreateKeyRequest{AccessKeyID: testRootID, AccessKeySecret: "whatever-secret"}); !adminclient.IsKeyConflict(err) {
		t.Fatalf("registering the root id: %v", err)
	}
	if _, err := admin.CreateAccessKey(ctx, adminapi.CreateKeyRequest{Grants: []adminapi.Grant{{Bucket: "team-a", Access: "all"}}}); !errors.Is(err, adminapi.ErrInvalidArgument) {
		t.Fatalf("bad grant: %v", err)
	}
	got, err := admin.GetAccessKey(ctx, k.AccessKeyID)
	if err != nil || got.AccessKeySecret != "" || len(got.Grants) != 1 || got.Grants[0].Access != adminapi.AccessReadWrite {
		t.Fatalf("get key: %+v %v", got, err)
	}
	keys, err := admin.ListAccessKeys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("list keys: %+v %v", keys, err)
	}

	rw := newV2Client(n.endpoint(), k.AccessKeyID, k.AccessKeySecret, false)
	readOnly := newV2Client(n.endpoint(), "READONLY1", "readonly-secret-1", false)
	if err := v2Put(ctx, rw, "team-a", "obj", "hello"); err != nil {
		t.Fatalf("granted write: %v", err)
	}
	if err := v2Put(ctx, readOnly, "team-a", "obj2", "x"); v2Code(err) != "AccessDenied" {
		t.Fatalf("read-only write: %v", err)
	}
	if s, err := v2Get(ctx, readOnly, "team-a", "obj"); err != nil || s != "hello" {
		t.Fatalf("read-only read: %q %v", s, err)
	}
	if _, err := admin.CreateBucket(ctx, "team-b", adminapi.CreateBucketRequest{Owner: "ns/b"}); err != nil {
		t.Fatal(err)
	}
	if err := v2Put(ctx, rw, "team-b", "obj", "x"); v2Code(err) != "AccessDenied" {
		t.Fatalf("ungranted bucket: %v", err)
	}
	if _, err := admin.SetGrants(ctx, k.AccessKeyID, []adminapi.Grant{{Bucket: "team-b", Access: adminapi.AccessWrite}}); err != nil {
		t.Fatal(err)
	}
	if err := v2Put(ctx, rw, "team-b", "obj", "x"); err != nil {
		t.Fatalf("after SetGrants: %v", err)
	}
	if _, err := v2Get(ctx, rw, "team-a", "obj"); v2Code(err) != "AccessDenied" {
		t.Fatalf("grant removed: %v", err)
	}

	st, err := admin.GetBucket(ctx, "team-a")
	if err != nil || st.Objects != 1 || st.Bytes != 5 {
		t.Fatalf("stats: %+v %v", st, err)
	}
	if err := admin.DeleteBucket(ctx, "team-a"); !adminclient.IsBucketNotEmpty(err) {
		t.Fatalf("delete non-empty: %v", err)
	}
	buckets, err := admin.ListBuckets(ctx)
	if err != nil || len(buckets) != 2 {
		t.Fatalf("list buckets: %+v %v", buckets, err)
	}

	if err := admin.DeleteAccessKey(ctx, k.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if err := admin.DeleteAccessKey(ctx, k.AccessKeyID); err != nil {
		t.Fatalf("delete is idempotent: %v", err)
	}
	if err := v2Put(ctx, rw, "team-b", "obj", "x"); v2Code(err) != "InvalidAccessKeyId" {
		t.Fatalf("revoked key: %v", err)
	}

	cs, err := admin.ClusterStatus(ctx)
	if err != nil || cs.Leader != "n1" || len(cs.Members) != 1 || cs.Members[0].State != adminapi.MemberLeader || cs.AppliedIndex == 0 {
		t.Fatalf("cluster status: %+v %v", cs, err)
	}

	// A node started alone cannot change its membership.
	if err := admin.AddMember(ctx, "n2", "127.0.0.1:9002"); !errors.Is(err, adminapi.ErrInvalidArgument) {
		t.Fatalf("add member on a single node: %v", err)
	}

	// Only the root key may use the admin API.
	notRoot, _ := adminclient.New(n.endpoint(), "READONLY1", "readonly-secret-1")
	if _, err := notRoot.ListBuckets(ctx); !adminclient.IsUnauthorized(err) {
		t.Fatalf("non-root admin: %v", err)
	}
	wrong, _ := adminclient.New(n.endpoint(), testRootID, "wrong-secret-000")
	if _, err := wrong.ListBuckets(ctx); !adminclient.IsUnauthorized(err) {
		t.Fatalf("wrong secret: %v", err)
	}
	resp, err := http.Get(n.endpoint() + adminapi.PathKeys)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("anonymous admin: %d", resp.StatusCode)
	}
	if strings.Contains(n.logs.String(), k.AccessKeySecret) || strings.Contains(n.logs.String(), "readonly-secret-1") {
		t.Fatal("a key secret appears in the logs")
	}
}

var crcTable = crc64.MakeTable(crc64.ECMA)

func crcOf(s string) uint64 { return crc64.Checksum([]byte(s), crcTable) }

func fmtCRC(v uint64) string { return fmt.Sprint(v) }
