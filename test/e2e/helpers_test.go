package e2e

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/hack/localkube/framework"
	"github.com/koss-io/koss/storage/adminapi"
)

// digest identifies an object's content.
type digest struct {
	MD5  [md5.Size]byte
	Size int
}

func digestOf(b []byte) digest { return digest{MD5: md5.Sum(b), Size: len(b)} }

// payload is deterministic content for the n-th write of a stream: mostly
// small objects (inside a raft entry), every seventh one large enough to be
// a blob of its own.
func payload(seed uint64, n int) []byte {
	size := 512 + n%7*300
	if n%7 == 6 {
		size = 200 << 10
	}
	return randomPayload(seed, n, size)
}

// smallPayload is payload without its large writes: 512 B to 2 KiB, kept
// in the metadata, for a stream that must not fill a volume itself.
func smallPayload(seed uint64, n int) []byte {
	return randomPayload(seed, n, 512+n%7*300)
}

// randomPayload is size deterministic bytes for write n of stream seed.
func randomPayload(seed uint64, n, size int) []byte {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// metricSum adds up the samples of a Prometheus counter or gauge (every
// label set) in a text exposition.
func metricSum(exposition, metric string) (float64, bool) {
	var sum float64
	found := false
	for line := range strings.Lines(exposition) {
		rest, ok := strings.CutPrefix(line, metric)
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		fields := strings.Fields(rest[strings.LastIndexByte(rest, '}')+1:])
		if len(fields) == 0 {
			continue
		}
		if v, err := strconv.ParseFloat(fields[0], 64); err == nil {
			sum, found = sum+v, true
		}
	}
	return sum, found
}

// ossCode returns the OSS error code and HTTP status of err ("" and 0 when
// err is not a service error).
func ossCode(err error) (string, int) {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se.Code, se.StatusCode
	}
	return "", 0
}

// describeErr names an OSS error by code and status, or prints err.
func describeErr(err error) string {
	if err == nil {
		return "success"
	}
	if code, status := ossCode(err); code != "" {
		return fmt.Sprintf("%s (%d)", code, status)
	}
	return err.Error()
}

func put(ctx context.Context, c *oss.Client, bucket, key string, body []byte) error {
	_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: bytes.NewReader(body)})
	return err
}

func get(ctx context.Context, c *oss.Client, bucket, key string) ([]byte, error) {
	res, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		return nil, err
	}
	defer func() { _ = res.Body.Close() }()
	return io.ReadAll(res.Body)
}

func list(ctx context.Context, c *oss.Client, bucket, prefix string) ([]string, error) {
	var keys []string
	p := c.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket), Prefix: oss.Ptr(prefix)})
	for p.HasNext() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			keys = append(keys, oss.ToString(o.Key))
		}
	}
	return keys, nil
}

// checkObjects reads every object of want from bucket through c and returns
// one line per object that is missing or differs.
func checkObjects(ctx context.Context, c *oss.Client, bucket string, want map[string]digest) []string {
	var problems []string
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		b, err := get(rctx, c, bucket, k)
		cancel()
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %s", k, describeErr(err)))
		case digestOf(b) != want[k]:
			problems = append(problems, fmt.Sprintf("%s: content differs (%d bytes, want %d)", k, len(b), want[k].Size))
		}
	}
	return problems
}

// podEndpoints are the OSS endpoints of a Region's ready pods, by pod name:
// https://<pod>.<region>-peers.<ns>.svc.cluster.local:9000 for a TLS Region
// (the name its certificate carries for every pod; the cluster's DNS
// resolves it for env's HTTP clients), else http://<pod IP>:9000 (pod IPs
// are reachable from this machine).
func podEndpoints(ctx context.Context, env *framework.Env, namespace, region string) (map[string]string, error) {
	var r kossv1alpha1.Region
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: region}, &r); err != nil {
		return nil, err
	}
	var pods corev1.PodList
	if err := env.Client.List(ctx, &pods, client.InNamespace(namespace),
		client.MatchingLabels{"app.kubernetes.io/name": "kossd", "app.kubernetes.io/instance": region}); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, p := range pods.Items {
		if p.DeletionTimestamp != nil || p.Status.PodIP == "" || !podReady(&p) {
			continue
		}
		if r.Spec.TLS.Enabled() {
			out[p.Name] = fmt.Sprintf("https://%s.%s-peers.%s.svc.cluster.local:9000", p.Name, region, namespace)
		} else {
			out[p.Name] = fmt.Sprintf("http://%s:9000", p.Status.PodIP)
		}
	}
	return out, nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// writeStream puts objects <prefix>/<n> one after another until ctx ends,
// recording which ones were acknowledged.
type writeStream struct {
	// body is the n-th write's content; nil is payload.
	body func(seed uint64, n int) []byte
	// pause is the wait after each acknowledged write (0: none).
	pause    time.Duration
	mu       sync.Mutex
	acked    map[string]digest
	failures int
	lastErr  string
}

func newWriteStream() *writeStream { return &writeStream{acked: map[string]digest{}} }

func (w *writeStream) run(ctx context.Context, c *oss.Client, bucket, prefix string, seed uint64) {
	for n := 0; ctx.Err() == nil; n++ {
		key := fmt.Sprintf("%s/%05d", prefix, n)
		var body []byte
		if w.body != nil {
			body = w.body(seed, n)
		} else {
			body = payload(seed, n)
		}
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := put(wctx, c, bucket, key, body)
		cancel()
		w.mu.Lock()
		if err == nil {
			w.acked[key] = digestOf(body)
		} else if ctx.Err() == nil {
			w.failures++
			w.lastErr = describeErr(err)
		}
		w.mu.Unlock()
		if err == nil && w.pause > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(w.pause):
			}
		}
		if err != nil {
			// Pace retries while the Region is short of a member; this is not
			// synchronisation, every write's outcome is recorded either way.
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

func (w *writeStream) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked)
}

func (w *writeStream) snapshot() (map[string]digest, int, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]digest, len(w.acked))
	for k, v := range w.acked {
		out[k] = v
	}
	return out, w.failures, w.lastErr
}

// objectRef names a Kubernetes object for resourceVersion snapshots.
type objectRef struct {
	obj  client.Object
	name string
}

// resourceVersions reads each object and returns kind/name → resourceVersion.
func resourceVersions(ctx context.Context, c client.Client, namespace string, refs []objectRef) (map[string]string, error) {
	out := map[string]string{}
	for _, r := range refs {
		o := r.obj.DeepCopyObject().(client.Object)
		if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: r.name}, o); err != nil {
			return nil, err
		}
		out[fmt.Sprintf("%T/%s", r.obj, r.name)] = o.GetResourceVersion()
	}
	return out, nil
}

// must fails the spec with err's message alone: the framework's errors
// already say what ran and what it printed, and a dump of their structure
// would bury that.
func must(err error) {
	GinkgoHelper()
	if err != nil {
		Fail(err.Error())
	}
}

// tagImage adds to the OCI layout at dir (the process kubelets' image store)
// the image ref names under ref's repository with tag suffix appended
// ("koss/kossd:v0.1.0" → "koss/kossd:v0.1.0-rolled"): a new tag for the
// same image, as a registry would hold a release, so that a Region can be
// moved to it. It returns the new reference; adding one that is there
// already is a no-op.
func tagImage(dir, ref, suffix string) string {
	GinkgoHelper()
	p, err := layout.FromPath(dir)
	Expect(err).NotTo(HaveOccurred())
	idx, err := p.ImageIndex()
	Expect(err).NotTo(HaveOccurred())
	im, err := idx.IndexManifest()
	Expect(err).NotTo(HaveOccurred())
	want, err := name.ParseReference(ref)
	Expect(err).NotTo(HaveOccurred())
	tagged := ref + "-" + suffix
	newRef, err := name.ParseReference(tagged)
	Expect(err).NotTo(HaveOccurred())
	var found *v1.Descriptor
	for i, d := range im.Manifests {
		have, err := name.ParseReference(d.Annotations["org.opencontainers.image.ref.name"])
		if err != nil {
			continue
		}
		if have.Name() == newRef.Name() {
			return tagged
		}
		if have.Name() == want.Name() {
			found = &im.Manifests[i]
		}
	}
	Expect(found).NotTo(BeNil(), "image %s is not in the store %s", ref, dir)
	d := *found
	d.Annotations = map[string]string{"org.opencontainers.image.ref.name": tagged}
	Expect(p.AppendDescriptor(d)).To(Succeed())
	return tagged
}

// offlineMemberIDs lists the members the cluster status reports offline.
func offlineMemberIDs(st adminapi.ClusterStatus) []string {
	var out []string
	for _, m := range st.Members {
		if m.State == adminapi.MemberOffline {
			out = append(out, m.ID)
		}
	}
	return out
}

// writers are two writeStreams' writers putting <prefix>/w<i>/<n> into
// bucket through c while a disruption runs.
type writers struct {
	*writeStream
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startWriters starts the two writers (payload seeds seed and seed+1) and
// waits until 20 writes are acknowledged, so that the disruption that
// follows meets writes in flight; what names that wait in a failure.
func startWriters(ctx context.Context, c *oss.Client, bucket, prefix string, seed uint64, what string) *writers {
	GinkgoHelper()
	return startWritersOf(ctx, c, bucket, prefix, seed, what, nil, 0)
}

// startWritersOf is startWriters with body as the writes' content (nil:
// payload) and pause after each acknowledged write.
func startWritersOf(ctx context.Context, c *oss.Client, bucket, prefix string, seed uint64, what string, body func(uint64, int) []byte, pause time.Duration) *writers {
	GinkgoHelper()
	wctx, cancel := context.WithCancel(ctx)
	ws := newWriteStream()
	ws.body, ws.pause = body, pause
	w := &writers{writeStream: ws, cancel: cancel}
	for i := range 2 {
		w.wg.Go(func() { w.run(wctx, c, bucket, fmt.Sprintf("%s/w%d", prefix, i), seed+uint64(i)) })
	}
	Eventually(ctx, w.count).WithTimeout(time.Minute).Should(BeNumerically(">=", 20), what)
	return w
}

// stop ends the writers and waits for them; it may be called again.
func (w *writers) stop() {
	w.cancel()
	w.wg.Wait()
}

// finish stops the writers and returns what snapshot returns.
func (w *writers) finish() (map[string]digest, int, string) {
	w.stop()
	return w.snapshot()
}
