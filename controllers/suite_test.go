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

package controllers

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
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
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
	"github.com/koss-io/koss/storage/server"
	"github.com/koss-io/koss/storage/storagetest"
	"github.com/koss-io/koss/test/kossdproc"
)

// The suite runs the three reconcilers in a real manager against envtest's kube-apiserver
// and etcd (the pinned build in bin/k8s), with real kossd nodes standing in for the Regions'
// pods: there is no kubelet or StatefulSet controller, so a test starts kossd for each
// Region it needs Available and plays the StatefulSet controller by writing the
// StatefulSet's status. The shared Region and the steady-state Region run on a three-node
// storagetest cluster (raft, replication); the Regions whose process is stopped and
// restarted run one kossd process each (test/kossdproc).

// Intervals the reconcilers run with in the suite: much shorter than in production, so
// that periodic work happens many times within the quiet-state window.
const (
	testHealthInterval  = 3 * time.Second
	testRefreshInterval = 2 * time.Second
	testResyncInterval  = 3 * time.Second
	testScalingInterval = 500 * time.Millisecond
	testRetryMax        = 2 * time.Second
)

var (
	testEnv   *envtest.Environment
	cfg       *rest.Config
	k8sClient client.Client
	scheme    *runtime.Scheme
	suiteCtx  context.Context
	cancel    context.CancelFunc
	mgrDone   chan struct{}

	// workDir holds the kossd binary, data directories and logs.
	workDir  string
	kossdBin string
	// admins is the AdminClientFactory the reconcilers get.
	admins = &testAdmins{endpoints: map[string]string{}, overrides: map[string]adminclient.Interface{}, statusCalls: map[string][]time.Time{}}
	// managerLog receives everything the manager logs, to check that no secret is ever
	// logged.
	managerLog = &syncBuffer{}
	// mainRegion is a Region with a three-node storagetest cluster behind it, shared by the
	// Bucket and AccessKey specs; mainKossd is that cluster.
	mainRegion *kossv1alpha1.Region
	mainKossd  endpointer
	// suiteT is the suite's *testing.T, for storagetest.
	suiteT *testing.T
	// processes are the kossd processes to stop after the suite.
	processesMu sync.Mutex
	processes   []*kossdproc.Process
)

func TestControllers(t *testing.T) {
	suiteT = t
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controller Suite")
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

// testAdmins is the suite's AdminClientFactory: the real HTTP factory pointed at the kossd
// process registered for a Region (or at a closed port when there is none, which reads as
// an unreachable Region), or an override (a fake admin API, as in the scaling spec). It
// records the time of every ClusterStatus call per Region, to check the back-off.
type testAdmins struct {
	mu          sync.Mutex
	endpoints   map[string]string
	overrides   map[string]adminclient.Interface
	statusCalls map[string][]time.Time
}

var _ AdminClientFactory = (*testAdmins)(nil)

// unreachableEndpoint is a loopback port nothing listens on: connections are refused at once.
const unreachableEndpoint = "http://127.0.0.1:1"

func (a *testAdmins) ForRegion(ctx context.Context, region *kossv1alpha1.Region, rootKey *corev1.Secret) (adminclient.Interface, error) {
	key := regionKey(region.Namespace, region.Name)
	a.mu.Lock()
	override := a.overrides[key]
	a.mu.Unlock()
	if override != nil {
		return override, nil
	}
	f := &HTTPAdminClientFactory{
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

func (a *testAdmins) setEndpoint(key, endpoint string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.endpoints[key] = endpoint
}

func (a *testAdmins) setOverride(key string, c adminclient.Interface) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.overrides[key] = c
}

// clusterStatusCalls returns the times of the ClusterStatus calls for a Region since t.
func (a *testAdmins) clusterStatusCalls(key string, since time.Time) []time.Time {
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

var _ = BeforeSuite(func() {
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))

	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		Fail("KUBEBUILDER_ASSETS is not set: build the pinned control plane (make k8s-tools) and run\n" +
			"  KUBEBUILDER_ASSETS=$PWD/bin/k8s go test ./controllers/...")
	}

	var err error
	workDir, err = os.MkdirTemp("", "koss-controllers-test-")
	Expect(err).NotTo(HaveOccurred())
	kossdBin, err = kossdproc.Binary(workDir)
	Expect(err).NotTo(HaveOccurred(), "build kossd")

	testEnv = &envtest.Environment{
		CRDDirectoryPaths:        []string{filepath.Join("..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing:    true,
		BinaryAssetsDirectory:    assets,
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred(), "envtest could not start the control plane from %s", assets)

	scheme = runtime.NewScheme()
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(kossv1alpha1.AddToScheme(scheme)).To(Succeed())
	k8sClient, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{ByObject: CacheByObject()},
		Logger:                 zap.New(zap.WriteTo(&teeWriter{managerLog}), zap.UseDevMode(true)),
	})
	Expect(err).NotTo(HaveOccurred())
	suiteCtx, cancel = context.WithCancel(context.Background())
	Expect(SetupIndexes(suiteCtx, mgr.GetFieldIndexer())).To(Succeed())
	recorder := mgr.GetEventRecorder("koss-operator")
	opts := controller.Options{
		RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](50*time.Millisecond, testRetryMax),
	}
	Expect((&RegionReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), AdminClients: admins, Recorder: recorder,
		DefaultImage: "ghcr.io/koss-io/kossd:test", HealthInterval: testHealthInterval, ScalingInterval: testScalingInterval,
	}).SetupWithManager(suiteCtx, mgr, opts)).To(Succeed())
	Expect((&BucketReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), AdminClients: admins, Recorder: recorder,
		RefreshInterval: testRefreshInterval,
	}).SetupWithManager(suiteCtx, mgr, opts)).To(Succeed())
	Expect((&AccessKeyReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), AdminClients: admins, Recorder: recorder,
		ResyncInterval: testResyncInterval,
	}).SetupWithManager(suiteCtx, mgr, opts)).To(Succeed())

	mgrDone = make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(mgrDone)
		Expect(mgr.Start(suiteCtx)).To(Succeed())
	}()

	// The Region the Bucket and AccessKey specs share: it serves every namespace labelled
	// koss.io/test-region=main.
	ns := newNamespace(map[string]string{mainRegionLabel: "main"})
	mainRegion = newRegion(ns, "main", func(r *kossv1alpha1.Region) {
		r.Spec.BucketNamespaces = &metav1.LabelSelector{MatchLabels: map[string]string{mainRegionLabel: "main"}}
	})
	mainKossd = startCluster(mainRegion)
	waitAvailable(mainRegion)
})

// teeWriter writes the manager's log to the GinkgoWriter and to a buffer.
type teeWriter struct{ buf *syncBuffer }

func (w *teeWriter) Write(p []byte) (int, error) {
	_, _ = GinkgoWriter.Write(p)
	return w.buf.Write(p)
}

var _ = AfterSuite(func() {
	if k8sClient != nil {
		By("checking that no secret value reached the manager's log or an Event")
		secrets := secretValues(context.Background())
		Expect(secrets).NotTo(BeEmpty())
		leaked, found := containsAny(managerLog.String(), secrets)
		Expect(found).To(BeFalse(), "the manager logged the secret %q", leaked)
		var events eventsv1.EventList
		Expect(k8sClient.List(context.Background(), &events)).To(Succeed())
		for _, e := range events.Items {
			leaked, found := containsAny(e.Note, secrets)
			Expect(found).To(BeFalse(), "Event %s/%s carries the secret %q", e.Namespace, e.Name, leaked)
		}
	}
	if cancel != nil {
		cancel()
		Eventually(mgrDone).WithTimeout(time.Minute).Should(BeClosed())
	}
	processesMu.Lock()
	for _, p := range processes {
		p.Stop()
	}
	processesMu.Unlock()
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
	if workDir != "" && os.Getenv("KOSS_KEEP_TEST_DIR") == "" {
		_ = os.RemoveAll(workDir)
	}
})

// mainRegionLabel labels the namespaces the main Region serves.
const mainRegionLabel = "koss.io/test-region"

var nsSeq struct {
	sync.Mutex
	n int
}

// newNamespace creates a namespace with a fresh name (envtest has no namespace controller,
// so namespaces are never deleted; fresh names keep the specs apart).
func newNamespace(labels map[string]string) string {
	nsSeq.Lock()
	nsSeq.n++
	name := fmt.Sprintf("ns-%d-%d", nsSeq.n, time.Now().UnixNano()%100000)
	nsSeq.Unlock()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	ExpectWithOffset(1, k8sClient.Create(context.Background(), ns)).To(Succeed())
	return name
}

// newRegion creates a three-replica Region.
func newRegion(ns, name string, mutate ...func(*kossv1alpha1.Region)) *kossv1alpha1.Region {
	r := &kossv1alpha1.Region{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       kossv1alpha1.RegionSpec{Replicas: 3},
	}
	for _, m := range mutate {
		m(r)
	}
	ExpectWithOffset(1, k8sClient.Create(context.Background(), r)).To(Succeed())
	return r
}

// rootKey reads a Region's root key from its Secret once the operator has made it.
func rootKey(r *kossv1alpha1.Region) (id, secret string) {
	s := &corev1.Secret{}
	EventuallyWithOffset(1, func() error {
		return k8sClient.Get(context.Background(), types.NamespacedName{Namespace: r.Namespace, Name: r.Name + "-root-key"}, s)
	}).Should(Succeed())
	return string(s.Data["accessKeyId"]), string(s.Data["accessKeySecret"])
}

// startKossd starts a kossd process that plays a Region's pods: one node named like the
// Region's first pod, serving the Region's name as its OSS region, with the root key from
// the Region's Secret. It also plays the StatefulSet controller: the StatefulSet reports
// its pods ready.
func startKossd(r *kossv1alpha1.Region) *kossdproc.Process {
	id, secret := rootKey(r)
	p, err := kossdproc.Start(context.Background(), kossdproc.Options{
		Binary:  kossdBin,
		DataDir: filepath.Join(workDir, r.Namespace+"-"+r.Name),
		Args:    []string{"--region", r.Name, "--node-id", r.Name + "-0"},
		Env:     []string{"KOSS_ROOT_ACCESS_KEY_ID=" + id, "KOSS_ROOT_ACCESS_KEY_SECRET=" + secret},
	})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	processesMu.Lock()
	processes = append(processes, p)
	processesMu.Unlock()
	admins.setEndpoint(regionKey(r.Namespace, r.Name), p.Endpoint())
	EventuallyWithOffset(1, func() error { return settleStatefulSet(r) }).Should(Succeed())
	return p
}

// endpointer is a kossd process or a storagetest cluster: where the tests send OSS and
// admin requests.
type endpointer interface{ Endpoint() string }

// clusterEndpoint is the first node of a storagetest cluster (any node serves every
// request; writes are forwarded to the leader).
type clusterEndpoint struct{ c *storagetest.Cluster }

func (e clusterEndpoint) Endpoint() string { return e.c.Endpoint(0) }

// ginkgoTB lets storagetest report through Ginkgo: its Fatal fails the running node
// (t.Fatal would stop a goroutine Ginkgo waits for), and its cleanups run with the suite's.
type ginkgoTB struct{ *testing.T }

func (g ginkgoTB) Helper()                      {}
func (g ginkgoTB) Fatal(args ...any)            { Fail(fmt.Sprint(args...)) }
func (g ginkgoTB) Fatalf(f string, args ...any) { Fail(fmt.Sprintf(f, args...)) }
func (g ginkgoTB) Error(args ...any)            { Fail(fmt.Sprint(args...)) }
func (g ginkgoTB) Errorf(f string, args ...any) { Fail(fmt.Sprintf(f, args...)) }
func (g ginkgoTB) Logf(f string, args ...any)   { GinkgoWriter.Printf(f+"\n", args...) }
func (g ginkgoTB) Cleanup(f func())             { DeferCleanup(f) }
func (g ginkgoTB) TempDir() string              { return GinkgoT().TempDir() }
func (g ginkgoTB) Failed() bool                 { return CurrentSpecReport().Failed() }

// startCluster starts a three-node storagetest cluster for a Region: real raft and
// replication, serving the Region's name with the root key from the Region's Secret. It
// also plays the StatefulSet controller, as startKossd does.
func startCluster(r *kossv1alpha1.Region) endpointer {
	id, secret := rootKey(r)
	c := storagetest.StartClusterWith(ginkgoTB{suiteT}, 3, storagetest.Options{
		Logs: GinkgoWriter,
		Configure: func(_ int, cfg *server.Config) {
			cfg.Region = r.Name
			cfg.RootAccessKeyID, cfg.RootAccessKeySecret = id, secret
		},
	})
	// StartClusterWith waited for every node to be ready (a member with a leader).
	// (Cluster.WaitLeader and Cluster.Admin sign with storagetest's own root key.)
	admins.setEndpoint(regionKey(r.Namespace, r.Name), c.Endpoint(0))
	EventuallyWithOffset(1, func() error { return settleStatefulSet(r) }).Should(Succeed())
	return clusterEndpoint{c}
}

// settleStatefulSet plays the StatefulSet controller for a Region: the status says every
// pod of the current spec exists, is updated and ready.
func settleStatefulSet(r *kossv1alpha1.Region) error {
	ctx := context.Background()
	sts := &appsv1.StatefulSet{}
	if err := k8sClient.Get(ctx, types.NamespacedName{Namespace: r.Namespace, Name: r.Name}, sts); err != nil {
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
	return k8sClient.Status().Patch(ctx, sts, client.MergeFrom(before))
}

// waitAvailable waits until a Region is Available.
func waitAvailable(r *kossv1alpha1.Region) {
	EventuallyWithOffset(1, func(g Gomega) {
		got := &kossv1alpha1.Region{}
		g.Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(r), got)).To(Succeed())
		g.Expect(conditionOf(got.Status.Conditions, kossv1alpha1.RegionAvailableCondition)).To(HaveField("Status", metav1.ConditionTrue))
	}).Should(Succeed())
}

// conditionOf returns a condition or an empty one.
func conditionOf(conditions []metav1.Condition, typ string) metav1.Condition {
	for _, c := range conditions {
		if c.Type == typ {
			return c
		}
	}
	return metav1.Condition{}
}

// regionAdmin is an admin client of a Region's kossd for the tests' own checks.
func regionAdmin(r *kossv1alpha1.Region, p endpointer) adminclient.Interface {
	id, secret := rootKey(r)
	c, err := adminclient.New(p.Endpoint(), id, secret)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return c
}

// secretValues lists every secret value the operator wrote (root keys and access key
// secrets), to check logs and Events for leaks.
func secretValues(ctx context.Context) []string {
	var list corev1.SecretList
	ExpectWithOffset(1, k8sClient.List(ctx, &list, client.MatchingLabels(ManagedByLabels()))).To(Succeed())
	var out []string
	for _, s := range list.Items {
		if v := string(s.Data["accessKeySecret"]); v != "" {
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
