package storagetest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	v1 "github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/koss-io/koss/storage/pki"
	"github.com/koss-io/koss/storage/server"
)

// tlsRegion is a CA and the certificate files of every node it signed.
type tlsRegion struct {
	t   *testing.T
	dir string
	ca  pki.KeyPair
}

func newTLSRegion(t *testing.T) *tlsRegion {
	t.Helper()
	ca, err := pki.NewCA("koss test region CA", 24*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := &tlsRegion{t: t, dir: t.TempDir(), ca: ca}
	writeFile(t, r.caFile(), ca.CertPEM)
	return r
}

func (r *tlsRegion) caFile() string { return filepath.Join(r.dir, "ca.crt") }

// issue writes node i's certificate and key (for the host of addr, good
// for server and client authentication) the way a renewal lands: each
// file replaced by a rename, the certificate first, so that a reload may
// briefly see a new certificate with the old key.
func (r *tlsRegion) issue(ca pki.KeyPair, i int, addr string) (certFile, keyFile string, serial string) {
	r.t.Helper()
	host, _, _ := net.SplitHostPort(addr)
	kp, err := pki.Issue(ca, pki.Request{CommonName: fmt.Sprintf("n%d", i+1), IPs: []net.IP{net.ParseIP(host)},
		Usage: pki.UsageServer | pki.UsageClient, Validity: time.Hour}, time.Now())
	if err != nil {
		r.t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(r.dir, fmt.Sprintf("n%d.crt", i+1)), filepath.Join(r.dir, fmt.Sprintf("n%d.key", i+1))
	writeFile(r.t, certFile, kp.CertPEM)
	writeFile(r.t, keyFile, kp.KeyPEM)
	cert, err := pki.ParseCertificate(kp.CertPEM)
	if err != nil {
		r.t.Fatal(err)
	}
	return certFile, keyFile, cert.SerialNumber.String()
}

// configure gives node i TLS on both ports with a certificate of ca.
func (r *tlsRegion) configure(ca pki.KeyPair) func(i int, cfg *server.Config) {
	return func(i int, cfg *server.Config) {
		cert, key, _ := r.issue(ca, i, cfg.Listen)
		cfg.TLSCertFile, cfg.TLSKeyFile = cert, key
		cfg.PeerTLSCertFile, cfg.PeerTLSKeyFile, cfg.PeerTLSCAFile = cert, key, r.caFile()
		cfg.TLSReloadInterval = 100 * time.Millisecond
	}
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		t.Fatal(err)
	}
}

func startTLSCluster(t *testing.T, n int) (*Cluster, *tlsRegion) {
	t.Helper()
	r := newTLSRegion(t)
	c := StartClusterWith(t, n, Options{TLSCAFile: r.caFile(), Configure: r.configure(r.ca)})
	return c, r
}

func tlsV2(c *Cluster, endpoint string) *v2.Client {
	return v2.NewClient(v2.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(RootAccessKeyID, RootAccessKeySecret)).
		WithRegion(Region).
		WithEndpoint(endpoint).
		WithHttpClient(c.HTTPClient()).
		WithRetryMaxAttempts(1))
}

// servedSerial is the serial of the certificate a TLS server at addr
// presents (with a client certificate from cert/key when given).
func servedSerial(addr string, pool *x509.CertPool, cert *tls.Certificate) (string, error) {
	cfg := &tls.Config{RootCAs: pool, InsecureSkipVerify: true} //nolint:gosec // only reading the served certificate
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close() }()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.String(), nil
}

func caPool(t *testing.T, pemBytes []byte) *x509.CertPool {
	t.Helper()
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pemBytes) {
		t.Fatal("no CA certificate")
	}
	return p
}

func TestTLSServesBothSDKsAndRefusesPlainHTTP(t *testing.T) {
	c, r := startTLSCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Big enough to be a blob: it crosses the peer port (mutual TLS) to
	// the other replicas, and node 3 reads it back from them or its copy.
	data := bigObject(300 << 10)

	c2 := tlsV2(c, c.Endpoint(0))
	if _, err := c2.PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr("tls")}); err != nil {
		t.Fatalf("v2 PutBucket over HTTPS: %v", err)
	}
	if err := put(ctx, c2, "tls", "v2", data); err != nil {
		t.Fatalf("v2 PutObject over HTTPS: %v", err)
	}
	got, err := get(ctx, tlsV2(c, c.Endpoint(2)), "tls", "v2")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("v2 GetObject from another node: %d bytes, %v", len(got), err)
	}

	c1, err := v1.New(c.Endpoint(1), RootAccessKeyID, RootAccessKeySecret, v1.HTTPClient(c.HTTPClient()), v1.Region(Region))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c1.Bucket("tls")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.PutObject("v1", bytes.NewReader(data)); err != nil {
		t.Fatalf("v1 PutObject over HTTPS: %v", err)
	}
	rc, err := b.GetObject("v2")
	if err != nil {
		t.Fatalf("v1 GetObject over HTTPS: %v", err)
	}
	got, _ = io.ReadAll(rc)
	_ = rc.Close()
	if !bytes.Equal(got, data) {
		t.Fatalf("v1 read %d bytes, want %d", len(got), len(data))
	}

	// net/http with the CA, as curl --cacert does.
	resp, err := c.HTTPClient().Get(c.Endpoint(2) + server.PathReadyz)
	if err != nil {
		t.Fatalf("net/http with the CA: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("readyz over HTTPS: %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}

	// Without the CA the server is not trusted.
	if _, err := (&http.Client{Timeout: 5 * time.Second}).Get(c.Endpoint(0) + server.PathReadyz); err == nil {
		t.Fatal("a client without the Region's CA trusted the server")
	} else if !errors.As(err, new(x509.UnknownAuthorityError)) {
		t.Fatalf("without the CA: %v, want an unknown authority", err)
	}

	// Plain HTTP to the TLS port is answered 400 and nothing else, on
	// the OSS API and on the peer port alike.
	plain := &http.Client{Timeout: 5 * time.Second}
	resp, err = plain.Get("http://" + c.Node(0).Addr + "/tls/v2")
	if err != nil {
		t.Fatalf("plain HTTP: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || bytes.Contains(body, data[:64]) {
		t.Fatalf("plain HTTP to the TLS port: %d %q", resp.StatusCode, body)
	}
	if resp, err := plain.Get("http://" + c.Node(0).PeerAddr + "/-/peer/v1/blobs/x"); err == nil {
		_ = resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Fatalf("plain HTTP to the peer port: %d", resp.StatusCode)
		}
	}
	_ = r
}

func TestTLSPeerWithoutTheRegionsCertificateIsRefused(t *testing.T) {
	c, r := startTLSCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pool := caPool(t, r.ca.CertPEM)
	other, err := pki.NewCA("another CA", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}

	peerGet := func(cert *tls.Certificate) (int, error) {
		cfg := &tls.Config{RootCAs: pool, InsecureSkipVerify: true} //nolint:gosec // the client side is not under test
		if cert != nil {
			cfg.Certificates = []tls.Certificate{*cert}
		}
		hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				conn, err := (&tls.Dialer{Config: cfg}).DialContext(ctx, network, addr)
				return conn, err
			},
		}}
		resp, err := hc.Get("http://" + c.Node(0).PeerAddr + "/-/peer/v1/blobs/0123456789abcdef0123456789abcdef")
		if err != nil {
			return 0, err
		}
		_ = resp.Body.Close()
		return resp.StatusCode, nil
	}
	keyPair := func(kp pki.KeyPair) *tls.Certificate {
		cert, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		return &cert
	}
	foreign, err := pki.Issue(other, pki.Request{CommonName: "intruder", Usage: pki.UsageServer | pki.UsageClient, Validity: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	own, err := pki.Issue(r.ca, pki.Request{CommonName: "tester", Usage: pki.UsageClient, Validity: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if st, err := peerGet(nil); err == nil {
		t.Fatalf("a peer without a certificate fetched a blob: %d", st)
	}
	if st, err := peerGet(keyPair(foreign)); err == nil {
		t.Fatalf("a peer with another CA's certificate fetched a blob: %d", st)
	}
	// The Region's certificate gets through TLS, and the HMAC peer
	// authentication still stands behind it.
	if st, err := peerGet(keyPair(own)); err != nil || st != http.StatusUnauthorized {
		t.Fatalf("the Region's certificate without the peer secret: %d, %v; want 401", st, err)
	}

	// A node with the root secret but another CA's certificate cannot
	// join: the leader cannot replicate to it, and it never becomes ready.
	foreignCA := filepath.Join(r.dir, "other-ca.crt")
	writeFile(t, foreignCA, other.CertPEM)
	c.opts.Configure = func(i int, cfg *server.Config) {
		r.configure(other)(i, cfg)
		cfg.PeerTLSCAFile = foreignCA
	}
	i := c.AddNode()
	actx, acancel := context.WithTimeout(ctx, 10*time.Second)
	_ = c.Admin(0).AddMember(actx, c.Node(i).ID, c.Node(i).PeerAddr)
	acancel()
	intruderReady := func() bool {
		// The intruder serves with another CA: trust it for this probe.
		hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool(t, other.CertPEM)}}}
		resp, err := hc.Get(c.Endpoint(i) + server.PathReadyz)
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	for range 10 {
		if intruderReady() {
			t.Fatal("a node with another CA's certificate joined the Region")
		}
		time.Sleep(300 * time.Millisecond)
	}
	// The Region itself keeps working.
	cl := tlsV2(c, c.Endpoint(1))
	if _, err := cl.PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr("still")}); err != nil {
		t.Fatalf("Region after the refused join: %v", err)
	}
	if err := put(ctx, cl, "still", "k", bigObject(200<<10)); err != nil {
		t.Fatalf("Region after the refused join: %v", err)
	}
	if intruderReady() {
		t.Fatal("a node with another CA's certificate joined the Region")
	}
}

func TestTLSCertificateRenewedUnderLoad(t *testing.T) {
	c, r := startTLSCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if _, err := tlsV2(c, c.Endpoint(0)).PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr("load")}); err != nil {
		t.Fatal(err)
	}
	pool := caPool(t, r.ca.CertPEM)
	serials := func() []string {
		var out []string
		for i := range c.Len() {
			for _, addr := range []string{c.Node(i).Addr, c.Node(i).PeerAddr} {
				// The peer port wants a client certificate: the node's own.
				cert, err := tls.LoadX509KeyPair(filepath.Join(r.dir, fmt.Sprintf("n%d.crt", i+1)), filepath.Join(r.dir, fmt.Sprintf("n%d.key", i+1)))
				if err != nil {
					t.Fatal(err)
				}
				s, err := servedSerial(addr, pool, &cert)
				if err != nil {
					s = "error: " + err.Error()
				}
				out = append(out, s)
			}
		}
		return out
	}
	before := serials()

	var ok, failed atomic.Int64
	var mu sync.Mutex
	var failures []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := c.HTTPClient()
			if w%2 == 1 {
				// Half the writers handshake on every request, so
				// they meet the renewal at its first moment.
				tr := cl.Transport.(*http.Transport)
				tr.DisableKeepAlives = true
			}
			sdk := v2.NewClient(v2.LoadDefaultConfig().
				WithCredentialsProvider(credentials.NewStaticCredentialsProvider(RootAccessKeyID, RootAccessKeySecret)).
				WithRegion(Region).WithEndpoint(c.Endpoint(w % c.Len())).WithHttpClient(cl).WithRetryMaxAttempts(1))
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("w%d/%d", w, n)
				data := bigObject(80<<10 + n)
				err := put(ctx, sdk, "load", key, data)
				if err == nil {
					var got []byte
					got, err = get(ctx, sdk, "load", key)
					if err == nil && !bytes.Equal(got, data) {
						err = errors.New("wrong bytes")
					}
				}
				if err != nil {
					failed.Add(1)
					mu.Lock()
					failures = append(failures, key+": "+err.Error())
					mu.Unlock()
					continue
				}
				ok.Add(1)
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	// Renew every node's certificate (new keys), client and peer port.
	var want []string
	for i := range c.Len() {
		_, _, s := r.issue(r.ca, i, c.Node(i).Addr)
		want = append(want, s, s)
	}
	c.eventually(30*time.Second, func() error {
		if got := serials(); strings.Join(got, ",") != strings.Join(want, ",") {
			return fmt.Errorf("served serials %v, want %v", got, want)
		}
		return nil
	})
	atRenewal := ok.Load()
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
	t.Logf("requests: %d ok, %d failed; renewed serials %v -> %v", ok.Load(), failed.Load(), before, want)
	if failed.Load() != 0 {
		t.Fatalf("%d failed requests during the renewal: %v", failed.Load(), failures)
	}
	if atRenewal == 0 || ok.Load() <= atRenewal {
		t.Fatalf("load did not run across the renewal: %d before, %d after", atRenewal, ok.Load())
	}
}
