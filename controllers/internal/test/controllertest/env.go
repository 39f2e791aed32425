/*
Copyright 2026 The koss Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controllertest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:staticcheck // the Ginkgo DSL, for the suites built on this environment
	. "github.com/onsi/gomega"    //nolint:staticcheck // the Gomega DSL, likewise
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
	"github.com/koss-io/koss/test/kossdproc"
)

// Intervals and settings the suites' reconcilers run with: much shorter than in production,
// so that periodic work happens many times within a spec.
const (
	HealthInterval  = 3 * time.Second
	RefreshInterval = 2 * time.Second
	ResyncInterval  = 3 * time.Second
	ScalingInterval = 500 * time.Millisecond
	// RetryMax caps the controllers' back-off (from 50 ms).
	RetryMax = 2 * time.Second
	// Image is the Regions' default kossd image.
	Image = "ghcr.io/koss-io/kossd:test"
	// MainRegionLabel labels the namespaces the main Region (StartMainRegion) serves.
	MainRegionLabel = "koss.io/test-region"
)

// Env is one suite's control plane, manager and kossd processes.
type Env struct {
	// Ctx lives as long as the suite; reconcilers are set up with it.
	Ctx context.Context
	// Client reads from and writes to the API server directly (no cache).
	Client client.Client
	// Manager runs the reconcilers the suite registers.
	Manager ctrl.Manager
	// Admins is the AdminClientFactory the reconcilers get.
	Admins *Admins
	// Recorder records the reconcilers' Events.
	Recorder events.EventRecorder
	// Options are the reconcilers' controller options: a back-off from 50 ms to RetryMax.
	Options controller.Options
	// MainRegion, set by StartMainRegion, is a Region on a three-node kossd cluster
	// (MainKossd) that serves every namespace labelled MainRegionLabel=main.
	MainRegion *kossv1alpha1.Region
	MainKossd  Endpointer

	testEnv    *envtest.Environment
	cancel     context.CancelFunc
	mgrDone    chan struct{}
	workDir    string
	kossdBin   string
	managerLog *syncBuffer

	mu        sync.Mutex
	processes []*kossdproc.Process
	nsSeq     int
}

// Start starts the control plane and a manager with the operator's field indexes and cache
// restrictions, lets register add the suite's reconcilers (with e.Manager, e.Admins,
// e.Recorder and e.Options), and starts the manager. Call it in BeforeSuite. It fails, never
// skips, without KUBEBUILDER_ASSETS: a skipped suite would hide that the controller tests no
// longer run.
func Start(register func(e *Env) error) *Env {
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))

	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		Fail("KUBEBUILDER_ASSETS is not set: build the pinned control plane (make k8s-tools) and run\n" +
			"  KUBEBUILDER_ASSETS=$PWD/bin/k8s go test ./controllers/...")
	}
	e := &Env{
		Admins:     &Admins{endpoints: map[string]string{}, overrides: map[string]adminclient.Interface{}, statusCalls: map[string][]time.Time{}},
		managerLog: &syncBuffer{},
	}
	var err error
	e.workDir, err = os.MkdirTemp("", "koss-controllers-test-")
	Expect(err).NotTo(HaveOccurred())
	e.kossdBin, err = kossdproc.Binary(e.workDir)
	Expect(err).NotTo(HaveOccurred(), "build kossd")

	e.testEnv = &envtest.Environment{
		CRDDirectoryPaths:        []string{crdDirectory()},
		ErrorIfCRDPathMissing:    true,
		BinaryAssetsDirectory:    assets,
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	cfg, err := e.testEnv.Start()
	Expect(err).NotTo(HaveOccurred(), "envtest could not start the control plane from %s", assets)

	scheme := kruntime.NewScheme()
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(kossv1alpha1.AddToScheme(scheme)).To(Succeed())
	e.Client, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	e.Manager, err = ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{ByObject: controllers.CacheByObject()},
		Logger:                 zap.New(zap.WriteTo(&teeWriter{e.managerLog}), zap.UseDevMode(true)),
	})
	Expect(err).NotTo(HaveOccurred())
	e.Ctx, e.cancel = context.WithCancel(context.Background())
	Expect(controllers.SetupIndexes(e.Ctx, e.Manager.GetFieldIndexer())).To(Succeed())
	e.Recorder = e.Manager.GetEventRecorder(controllers.FieldOwner)
	e.Options = controller.Options{
		RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](50*time.Millisecond, RetryMax),
	}
	Expect(register(e)).To(Succeed())

	e.mgrDone = make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(e.mgrDone)
		Expect(e.Manager.Start(e.Ctx)).To(Succeed())
	}()
	return e
}

// crdDirectory is config/crd/bases of this checkout, wherever the suite runs from.
func crdDirectory() string {
	_, file, _, ok := runtime.Caller(0)
	Expect(ok).To(BeTrue(), "cannot locate the repository")
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "config", "crd", "bases")
}

// Stop checks that no secret value the operator wrote reached the manager's log or an Event,
// then stops the manager, the kossd processes and the control plane. Call it in AfterSuite.
func (e *Env) Stop() {
	if e == nil {
		return
	}
	if e.Client != nil {
		By("checking that no secret value reached the manager's log or an Event")
		secrets := e.secretValues(context.Background())
		leaked, found := containsAny(e.managerLog.String(), secrets)
		Expect(found).To(BeFalse(), "the manager logged the secret %q", leaked)
		var list eventsv1.EventList
		Expect(e.Client.List(context.Background(), &list)).To(Succeed())
		for _, ev := range list.Items {
			leaked, found := containsAny(ev.Note, secrets)
			Expect(found).To(BeFalse(), "Event %s/%s carries the secret %q", ev.Namespace, ev.Name, leaked)
		}
	}
	if e.cancel != nil {
		e.cancel()
		Eventually(e.mgrDone).WithTimeout(time.Minute).Should(BeClosed())
	}
	e.mu.Lock()
	for _, p := range e.processes {
		p.Stop()
	}
	e.mu.Unlock()
	if e.testEnv != nil {
		Expect(e.testEnv.Stop()).To(Succeed())
	}
	if e.workDir != "" && os.Getenv("KOSS_KEEP_TEST_DIR") == "" {
		_ = os.RemoveAll(e.workDir)
	}
}

// secretValues lists every secret value the operator wrote (root keys and access key
// secrets), to check logs and Events for leaks.
func (e *Env) secretValues(ctx context.Context) []string {
	var list corev1.SecretList
	ExpectWithOffset(1, e.Client.List(ctx, &list, client.MatchingLabels(controllers.ManagedByLabels()))).To(Succeed())
	var out []string
	for _, s := range list.Items {
		if v := string(s.Data[controllers.SecretKeyAccessKeySecret]); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// containsAny reports the first of needles found in haystack.
func containsAny(haystack string, needles []string) (string, bool) {
	for _, n := range needles {
		if strings.Contains(haystack, n) {
			return n, true
		}
	}
	return "", false
}

// syncBuffer is a bytes.Buffer safe for the manager's concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// teeWriter writes the manager's log to the GinkgoWriter and to a buffer.
type teeWriter struct{ buf *syncBuffer }

func (w *teeWriter) Write(p []byte) (int, error) {
	_, _ = GinkgoWriter.Write(p)
	return w.buf.Write(p)
}

// Admins is the suites' AdminClientFactory: the real HTTP factory pointed at the kossd
// process registered for a Region (or at a closed port when there is none, which reads as
// an unreachable Region), or an override (a fake admin API). It records the time of every
// ClusterStatus call per Region, to check the back-off.
type Admins struct {
	mu          sync.Mutex
	endpoints   map[string]string
	overrides   map[string]adminclient.Interface
	statusCalls map[string][]time.Time
}

var _ controllers.AdminClientFactory = (*Admins)(nil)

// unreachableEndpoint is a loopback port nothing listens on: connections are refused at once.
const unreachableEndpoint = "http://127.0.0.1:1"

// ForRegion implements controllers.AdminClientFactory.
func (a *Admins) ForRegion(ctx context.Context, region *kossv1alpha1.Region, rootKey *corev1.Secret) (adminclient.Interface, error) {
	key := controllers.RegionKey(region.Namespace, region.Name)
	a.mu.Lock()
	override := a.overrides[key]
	a.mu.Unlock()
	if override != nil {
		return override, nil
	}
	f := &controllers.HTTPAdminClientFactory{
		Endpoint: func(*kossv1alpha1.Region) (string, error) {
			a.mu.Lock()
			defer a.mu.Unlock()
			if ep := a.endpoints[key]; ep != "" {
				return ep, nil
			}
			return unreachableEndpoint, nil
		},
		HTTPClient: &http.Client{Timeout: 3 * time.Second},
	}
	c, err := f.ForRegion(ctx, region, rootKey)
	if err != nil {
		return nil, err
	}
	return &countingAdmin{Interface: c, record: func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.statusCalls[key] = append(a.statusCalls[key], time.Now())
	}}, nil
}

// SetEndpoint points the reconcilers at endpoint for the Region named by key (RegionKey).
func (a *Admins) SetEndpoint(key, endpoint string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.endpoints[key] = endpoint
}

// SetOverride gives the reconcilers c as the admin API of the Region named by key.
func (a *Admins) SetOverride(key string, c adminclient.Interface) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.overrides[key] = c
}

// ClusterStatusCalls returns the times of the ClusterStatus calls for a Region since t.
func (a *Admins) ClusterStatusCalls(key string, since time.Time) []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []time.Time
	for _, t := range a.statusCalls[key] {
		if !t.Before(since) {
			out = append(out, t)
		}
	}
	return out
}

// countingAdmin records ClusterStatus calls.
type countingAdmin struct {
	adminclient.Interface
	record func()
}

func (c *countingAdmin) ClusterStatus(ctx context.Context) (adminapi.ClusterStatus, error) {
	c.record()
	return c.Interface.ClusterStatus(ctx)
}

// NewNamespace creates a namespace with a fresh name (envtest has no namespace controller,
// so namespaces are never deleted; fresh names keep the specs apart).
func (e *Env) NewNamespace(labels map[string]string) string {
	e.mu.Lock()
	e.nsSeq++
	name := fmt.Sprintf("ns-%d-%d", e.nsSeq, time.Now().UnixNano()%100000)
	e.mu.Unlock()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	ExpectWithOffset(1, e.Client.Create(context.Background(), ns)).To(Succeed())
	return name
}

// NewRegion creates a three-replica Region.
func (e *Env) NewRegion(ns, name string, mutate ...func(*kossv1alpha1.Region)) *kossv1alpha1.Region {
	r := &kossv1alpha1.Region{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       kossv1alpha1.RegionSpec{Replicas: 3},
	}
	for _, m := range mutate {
		m(r)
	}
	ExpectWithOffset(1, e.Client.Create(context.Background(), r)).To(Succeed())
	return r
}

// RootKey reads a Region's root key from its Secret once the operator has made it.
func (e *Env) RootKey(r *kossv1alpha1.Region) (id, secret string) {
	s := &corev1.Secret{}
	EventuallyWithOffset(1, func() error {
		return e.Client.Get(context.Background(), types.NamespacedName{Namespace: r.Namespace, Name: controllers.RootKeySecretName(r)}, s)
	}).Should(Succeed())
	return string(s.Data[controllers.SecretKeyAccessKeyID]), string(s.Data[controllers.SecretKeyAccessKeySecret])
}

// Endpointer is a kossd process or cluster: where specs send OSS and admin requests.
type Endpointer interface{ Endpoint() string }

// StartKossd starts a kossd process that plays a Region's pods: one node named like the
// Region's first pod, serving the Region's name as its OSS region, with the root key from
// the Region's Secret. It also plays the StatefulSet controller: the StatefulSet reports
// its pods ready.
func (e *Env) StartKossd(r *kossv1alpha1.Region) *kossdproc.Process {
	id, secret := e.RootKey(r)
	p, err := kossdproc.Start(context.Background(), kossdproc.Options{
		Binary:  e.kossdBin,
		DataDir: filepath.Join(e.workDir, r.Namespace+"-"+r.Name),
		Args:    []string{"--region", r.Name, "--node-id", r.Name + "-0"},
		Env:     rootKeyEnv(id, secret),
	})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	e.track(p)
	e.Admins.SetEndpoint(controllers.RegionKey(r.Namespace, r.Name), p.Endpoint())
	EventuallyWithOffset(1, func() error { return e.SettleStatefulSet(r) }).Should(Succeed())
	return p
}

// StartCluster starts three kossd processes that form one cluster for a Region (raft,
// replication), serving the Region's name with the root key from the Region's Secret, and
// plays the StatefulSet controller as StartKossd does. The reconcilers reach the first node
// (any node serves every request; writes are forwarded to the leader).
func (e *Env) StartCluster(r *kossv1alpha1.Region) Endpointer {
	id, secret := e.RootKey(r)
	nodes, err := kossdproc.StartRegion(context.Background(), 3, kossdproc.Options{
		Binary:  e.kossdBin,
		DataDir: filepath.Join(e.workDir, r.Namespace+"-"+r.Name),
		Args:    []string{"--region", r.Name},
		Env:     rootKeyEnv(id, secret),
	})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	for _, p := range nodes {
		e.track(p)
	}
	e.Admins.SetEndpoint(controllers.RegionKey(r.Namespace, r.Name), nodes[0].Endpoint())
	EventuallyWithOffset(1, func() error { return e.SettleStatefulSet(r) }).Should(Succeed())
	return nodes[0]
}

func rootKeyEnv(id, secret string) []string {
	return []string{"KOSS_ROOT_ACCESS_KEY_ID=" + id, "KOSS_ROOT_ACCESS_KEY_SECRET=" + secret}
}

func (e *Env) track(p *kossdproc.Process) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.processes = append(e.processes, p)
}

// StartMainRegion creates the Region the Bucket and AccessKey specs share, on a three-node
// cluster, and waits until it is Available. It serves every namespace labelled
// MainRegionLabel=main (Served).
func (e *Env) StartMainRegion() {
	ns := e.NewNamespace(Served())
	e.MainRegion = e.NewRegion(ns, "main", func(r *kossv1alpha1.Region) {
		r.Spec.BucketNamespaces = &metav1.LabelSelector{MatchLabels: Served()}
	})
	e.MainKossd = e.StartCluster(e.MainRegion)
	e.WaitAvailable(e.MainRegion)
}

// Served are the labels of a namespace the main Region serves.
func Served() map[string]string { return map[string]string{MainRegionLabel: "main"} }

// SettleStatefulSet plays the StatefulSet controller for a Region: the status says every
// pod of the current spec exists, is updated and ready.
func (e *Env) SettleStatefulSet(r *kossv1alpha1.Region) error {
	ctx := context.Background()
	sts := &appsv1.StatefulSet{}
	if err := e.Client.Get(ctx, types.NamespacedName{Namespace: r.Namespace, Name: r.Name}, sts); err != nil {
		return err
	}
	want := *sts.Spec.Replicas
	rev := fmt.Sprintf("%s-%d", r.Name, sts.Generation)
	s := sts.Status
	if s.ObservedGeneration == sts.Generation && s.Replicas == want && s.ReadyReplicas == want && s.UpdatedReplicas == want && s.UpdateRevision == rev {
		return nil
	}
	before := sts.DeepCopy()
	sts.Status = appsv1.StatefulSetStatus{
		ObservedGeneration: sts.Generation, Replicas: want, ReadyReplicas: want, CurrentReplicas: want,
		UpdatedReplicas: want, AvailableReplicas: want, CurrentRevision: rev, UpdateRevision: rev,
	}
	return e.Client.Status().Patch(ctx, sts, client.MergeFrom(before))
}

// WaitAvailable waits until a Region is Available.
func (e *Env) WaitAvailable(r *kossv1alpha1.Region) {
	EventuallyWithOffset(1, func(g Gomega) {
		g.Expect(ConditionOf(e.GetRegionNow(g, r).Status.Conditions, kossv1alpha1.RegionAvailableCondition)).To(HaveField("Status", metav1.ConditionTrue))
	}).Should(Succeed())
}

// RegionAdmin is an admin client of a Region's kossd for the specs' own checks.
func (e *Env) RegionAdmin(r *kossv1alpha1.Region, p Endpointer) adminclient.Interface {
	id, secret := e.RootKey(r)
	c, err := adminclient.New(p.Endpoint(), id, secret)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return c
}

// ConditionOf returns a condition, or an empty one.
func ConditionOf(conditions []metav1.Condition, typ string) metav1.Condition {
	for _, c := range conditions {
		if c.Type == typ {
			return c
		}
	}
	return metav1.Condition{}
}

// GetRegionNow reads a Region fresh from the API server.
func (e *Env) GetRegionNow(g Gomega, r *kossv1alpha1.Region) *kossv1alpha1.Region {
	got := &kossv1alpha1.Region{}
	g.Expect(e.Client.Get(context.Background(), client.ObjectKeyFromObject(r), got)).To(Succeed())
	return got
}

// NewBucket creates a Bucket in the main Region.
func (e *Env) NewBucket(ns, name string, mutate ...func(*kossv1alpha1.Bucket)) *kossv1alpha1.Bucket {
	b := &kossv1alpha1.Bucket{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: kossv1alpha1.BucketSpec{
			RegionRef: kossv1alpha1.RegionReference{Name: e.MainRegion.Name, Namespace: e.MainRegion.Namespace},
		},
	}
	for _, m := range mutate {
		m(b)
	}
	ExpectWithOffset(1, e.Client.Create(context.Background(), b)).To(Succeed())
	return b
}

// GetBucketNow reads a Bucket fresh from the API server.
func (e *Env) GetBucketNow(g Gomega, b *kossv1alpha1.Bucket) *kossv1alpha1.Bucket {
	got := &kossv1alpha1.Bucket{}
	g.Expect(e.Client.Get(context.Background(), client.ObjectKeyFromObject(b), got)).To(Succeed())
	return got
}

// WaitBucketReady waits until a Bucket is Ready and returns it.
func (e *Env) WaitBucketReady(b *kossv1alpha1.Bucket) *kossv1alpha1.Bucket {
	var got *kossv1alpha1.Bucket
	EventuallyWithOffset(1, func(g Gomega) {
		got = e.GetBucketNow(g, b)
		g.Expect(ConditionOf(got.Status.Conditions, kossv1alpha1.BucketReadyCondition)).To(HaveField("Status", metav1.ConditionTrue))
	}).Should(Succeed())
	return got
}

// BucketReason is a Bucket's Ready reason, read fresh.
func (e *Env) BucketReason(g Gomega, b *kossv1alpha1.Bucket) string {
	return ConditionOf(e.GetBucketNow(g, b).Status.Conditions, kossv1alpha1.BucketReadyCondition).Reason
}

// NewAccessKey creates an AccessKey in the main Region.
func (e *Env) NewAccessKey(ns, name string, grants ...kossv1alpha1.BucketGrant) *kossv1alpha1.AccessKey {
	k := &kossv1alpha1.AccessKey{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: kossv1alpha1.AccessKeySpec{
			RegionRef: kossv1alpha1.RegionReference{Name: e.MainRegion.Name, Namespace: e.MainRegion.Namespace},
			Buckets:   grants,
		},
	}
	ExpectWithOffset(1, e.Client.Create(context.Background(), k)).To(Succeed())
	return k
}

// GetAccessKeyNow reads an AccessKey fresh from the API server.
func (e *Env) GetAccessKeyNow(g Gomega, k *kossv1alpha1.AccessKey) *kossv1alpha1.AccessKey {
	got := &kossv1alpha1.AccessKey{}
	g.Expect(e.Client.Get(context.Background(), client.ObjectKeyFromObject(k), got)).To(Succeed())
	return got
}

// AccessKeyReady is an AccessKey's Ready condition, read fresh.
func (e *Env) AccessKeyReady(g Gomega, k *kossv1alpha1.AccessKey) metav1.Condition {
	return ConditionOf(e.GetAccessKeyNow(g, k).Status.Conditions, kossv1alpha1.AccessKeyReadyCondition)
}

// EventsFor lists the events.k8s.io Events about an object.
func (e *Env) EventsFor(g Gomega, obj client.Object) []eventsv1.Event {
	var list eventsv1.EventList
	g.Expect(e.Client.List(context.Background(), &list, client.InNamespace(obj.GetNamespace()))).To(Succeed())
	var out []eventsv1.Event
	for _, ev := range list.Items {
		if ev.Regarding.UID == obj.GetUID() {
			out = append(out, ev)
		}
	}
	return out
}

// EventReasons are the reasons of events.
func EventReasons(list []eventsv1.Event) []string {
	var out []string
	for _, ev := range list {
		out = append(out, ev.Reason)
	}
	return out
}

// ExpectOwnedByRegion checks that obj is controlled by r and was applied by the operator.
func ExpectOwnedByRegion(g Gomega, obj client.Object, r *kossv1alpha1.Region) {
	g.Expect(metav1.IsControlledBy(obj, r)).To(BeTrue(), "%T %s is not controlled by the Region", obj, obj.GetName())
	var appliers []string
	for _, mf := range obj.GetManagedFields() {
		if mf.Operation == metav1.ManagedFieldsOperationApply {
			appliers = append(appliers, mf.Manager)
		}
	}
	g.Expect(appliers).To(ContainElement(controllers.FieldOwner), "%T %s was not server-side applied by %s", obj, obj.GetName(), controllers.FieldOwner)
}
