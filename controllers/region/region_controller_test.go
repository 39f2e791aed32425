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

package region

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient/fake"
	"github.com/koss-io/koss/storage/pki"
)

var _ = Describe("Region controller", func() {
	ctx := context.Background()

	It("creates owned Services, StatefulSet, PodDisruptionBudget and root key, is Creating until kossd answers, then Available", func() {
		ns := env.NewNamespace(nil)
		r := env.NewRegion(ns, "eu")
		key := func(name string) types.NamespacedName { return types.NamespacedName{Namespace: ns, Name: name} }

		By("applying the Region's objects")
		Eventually(func(g Gomega) {
			region := env.GetRegionNow(g, r)
			g.Expect(region.Finalizers).To(ContainElement(kossv1alpha1.RegionFinalizer))

			headless := &corev1.Service{}
			g.Expect(env.Client.Get(ctx, key("eu-peers"), headless)).To(Succeed())
			g.Expect(headless.Spec.ClusterIP).To(Equal(corev1.ClusterIPNone))
			g.Expect(headless.Spec.PublishNotReadyAddresses).To(BeTrue())
			controllertest.ExpectOwnedByRegion(g, headless, region)

			svc := &corev1.Service{}
			g.Expect(env.Client.Get(ctx, key("eu"), svc)).To(Succeed())
			g.Expect(svc.Spec.Type).To(Equal(corev1.ServiceTypeClusterIP))
			g.Expect(svc.Spec.Ports).To(ContainElement(HaveField("Port", int32(9000))))
			controllertest.ExpectOwnedByRegion(g, svc, region)

			sts := &appsv1.StatefulSet{}
			g.Expect(env.Client.Get(ctx, key("eu"), sts)).To(Succeed())
			g.Expect(*sts.Spec.Replicas).To(Equal(int32(3)))
			g.Expect(sts.Spec.PodManagementPolicy).To(Equal(appsv1.ParallelPodManagement))
			c := sts.Spec.Template.Spec.Containers[0]
			g.Expect(c.Image).To(Equal("ghcr.io/koss-io/kossd:test"))
			g.Expect(c.Args).To(ContainElements("--listen=$(POD_IP):9000", "--peer-listen=$(POD_IP):9001", "--region=eu",
				fmt.Sprintf("--initial-cluster=eu-0=eu-0.eu-peers.%[1]s.svc.cluster.local:9001,eu-1=eu-1.eu-peers.%[1]s.svc.cluster.local:9001,eu-2=eu-2.eu-peers.%[1]s.svc.cluster.local:9001", ns)))
			controllertest.ExpectOwnedByRegion(g, sts, region)

			pdb := &policyv1.PodDisruptionBudget{}
			g.Expect(env.Client.Get(ctx, key("eu"), pdb)).To(Succeed())
			g.Expect(pdb.Spec.MaxUnavailable.IntValue()).To(Equal(1))
			controllertest.ExpectOwnedByRegion(g, pdb, region)

			secret := &corev1.Secret{}
			g.Expect(env.Client.Get(ctx, key("eu-root-key"), secret)).To(Succeed())
			g.Expect(ptr.Deref(secret.Immutable, false)).To(BeTrue())
			g.Expect(secret.Data).To(HaveKey("accessKeyId"))
			g.Expect(len(secret.Data["accessKeySecret"])).To(BeNumerically(">=", 32))
			controllertest.ExpectOwnedByRegion(g, secret, region)
		}).Should(Succeed())

		By("reporting Creating while no kossd answers")
		Eventually(func(g Gomega) {
			region := env.GetRegionNow(g, r)
			g.Expect(controllertest.ConditionOf(region.Status.Conditions, kossv1alpha1.RegionAvailableCondition)).To(And(
				HaveField("Status", metav1.ConditionFalse), HaveField("Reason", kossv1alpha1.RegionCreatingReason)))
			g.Expect(controllertest.ConditionOf(region.Status.Conditions, kossv1alpha1.RegionDegradedCondition)).To(And(
				HaveField("Status", metav1.ConditionTrue), HaveField("Reason", kossv1alpha1.RegionReplicasUnavailableReason)))
			g.Expect(region.Status.Endpoints.Internal).To(Equal(fmt.Sprintf("https://eu.%s.svc.cluster.local:9000", ns)))
		}).Should(Succeed())

		By("becoming Available, healthy and up to date once kossd runs and the pods are ready")
		env.StartKossd(r)
		Eventually(func(g Gomega) {
			region := env.GetRegionNow(g, r)
			g.Expect(controllertest.ConditionOf(region.Status.Conditions, kossv1alpha1.RegionAvailableCondition)).To(And(
				HaveField("Status", metav1.ConditionTrue), HaveField("Reason", kossv1alpha1.RegionQuorumAvailableReason)))
			g.Expect(controllertest.ConditionOf(region.Status.Conditions, kossv1alpha1.RegionDegradedCondition)).To(And(
				HaveField("Status", metav1.ConditionFalse), HaveField("Reason", kossv1alpha1.RegionHealthyReason)))
			g.Expect(controllertest.ConditionOf(region.Status.Conditions, kossv1alpha1.RegionProgressingCondition)).To(And(
				HaveField("Status", metav1.ConditionFalse), HaveField("Reason", kossv1alpha1.RegionUpToDateReason)))
			g.Expect(region.Status.ReadyReplicas).To(Equal(int32(3)))
			g.Expect(region.Status.Replicas).To(Equal(int32(3)))
			g.Expect(region.Status.ObservedGeneration).To(Equal(region.Generation))
		}).Should(Succeed())

		By("recording the root key's creation without its secret")
		_, secret := env.RootKey(r)
		Eventually(func(g Gomega) {
			evs := env.EventsFor(g, env.GetRegionNow(g, r))
			g.Expect(controllertest.EventReasons(evs)).To(ContainElement("RootKeyCreated"))
			for _, e := range evs {
				g.Expect(e.Note).NotTo(ContainSubstring(secret))
			}
		}).Should(Succeed())
	})

	It("follows spec.image without ever rewriting the root key, and reports a lost root key instead of replacing it", func() {
		ns := env.NewNamespace(nil)
		r := env.NewRegion(ns, "keep")
		secretKey := types.NamespacedName{Namespace: ns, Name: "keep-root-key"}
		before := &corev1.Secret{}
		Eventually(func() error { return env.Client.Get(ctx, secretKey, before) }).Should(Succeed())

		By("changing spec.image")
		Eventually(func() error {
			region := &kossv1alpha1.Region{}
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(r), region); err != nil {
				return err
			}
			region.Spec.Image = "registry.example.com/kossd:v9"
			return env.Client.Update(ctx, region)
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			sts := &appsv1.StatefulSet{}
			g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "keep"}, sts)).To(Succeed())
			g.Expect(sts.Spec.Template.Spec.Containers[0].Image).To(Equal("registry.example.com/kossd:v9"))
		}).Should(Succeed())
		after := &corev1.Secret{}
		Expect(env.Client.Get(ctx, secretKey, after)).To(Succeed())
		Expect(after.ResourceVersion).To(Equal(before.ResourceVersion))
		Expect(after.Data).To(Equal(before.Data))

		By("deleting the root-key Secret while the StatefulSet exists")
		Expect(env.Client.Delete(ctx, after)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(controllertest.EventReasons(env.EventsFor(g, env.GetRegionNow(g, r)))).To(ContainElement("RootKeyMissing"))
		}).Should(Succeed())
		Consistently(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, secretKey, &corev1.Secret{}))
		}).WithTimeout(3 * time.Second).WithPolling(200 * time.Millisecond).Should(BeTrue())
	})

	It("puts the restricted security context and spec's placement into the pod template, and keeps a NetworkPolicy only while asked", func() {
		ns := env.NewNamespace(nil)
		r := env.NewRegion(ns, "placed")
		stsKey := types.NamespacedName{Namespace: ns, Name: "placed"}
		Eventually(func(g Gomega) {
			sts := &appsv1.StatefulSet{}
			g.Expect(env.Client.Get(ctx, stsKey, sts)).To(Succeed())
			spec := sts.Spec.Template.Spec
			g.Expect(spec.SecurityContext.RunAsNonRoot).To(HaveValue(BeTrue()))
			g.Expect(spec.SecurityContext.SeccompProfile.Type).To(Equal(corev1.SeccompProfileTypeRuntimeDefault))
			g.Expect(spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem).To(HaveValue(BeTrue()))
			g.Expect(spec.TopologySpreadConstraints).To(HaveLen(2))
		}).Should(Succeed())

		By("setting placement, pod metadata and the NetworkPolicy switch")
		Eventually(func() error {
			region := &kossv1alpha1.Region{}
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(r), region); err != nil {
				return err
			}
			region.Spec.NodeSelector = map[string]string{"disk": "ssd"}
			region.Spec.Tolerations = []corev1.Toleration{{Key: "storage", Operator: corev1.TolerationOpExists}}
			region.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "rack", WhenUnsatisfiable: corev1.ScheduleAnyway}}
			region.Spec.PriorityClassName = "storage"
			region.Spec.PodLabels = map[string]string{"team": "data"}
			region.Spec.PodAnnotations = map[string]string{"example.com/note": "x"}
			region.Spec.ServiceAccountName = "kossd"
			region.Spec.NetworkPolicy.Enabled = true
			return env.Client.Update(ctx, region)
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			sts := &appsv1.StatefulSet{}
			g.Expect(env.Client.Get(ctx, stsKey, sts)).To(Succeed())
			tmpl := sts.Spec.Template
			g.Expect(tmpl.Spec.NodeSelector).To(HaveKeyWithValue("disk", "ssd"))
			g.Expect(tmpl.Spec.Tolerations).To(ConsistOf(HaveField("Key", "storage")))
			g.Expect(tmpl.Spec.TopologySpreadConstraints).To(ConsistOf(HaveField("TopologyKey", "rack")))
			g.Expect(tmpl.Spec.TopologySpreadConstraints[0].LabelSelector).NotTo(BeNil())
			g.Expect(tmpl.Spec.PriorityClassName).To(Equal("storage"))
			g.Expect(tmpl.Spec.ServiceAccountName).To(Equal("kossd"))
			g.Expect(tmpl.Labels).To(HaveKeyWithValue("team", "data"))
			g.Expect(tmpl.Labels).To(HaveKeyWithValue("app.kubernetes.io/instance", "placed"))
			g.Expect(tmpl.Annotations).To(HaveKeyWithValue("example.com/note", "x"))
			g.Expect(sts.Spec.UpdateStrategy.Type).To(Equal(appsv1.RollingUpdateStatefulSetStrategyType))
		}).Should(Succeed())
		npKey := types.NamespacedName{Namespace: ns, Name: "placed-kossd"}
		Eventually(func() error { return env.Client.Get(ctx, npKey, &networkingv1.NetworkPolicy{}) }).Should(Succeed())

		By("turning the NetworkPolicy off")
		Eventually(func() error {
			region := &kossv1alpha1.Region{}
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(r), region); err != nil {
				return err
			}
			region.Spec.NetworkPolicy.Enabled = false
			return env.Client.Update(ctx, region)
		}).Should(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, npKey, &networkingv1.NetworkPolicy{}))
		}).Should(BeTrue())
	})

	It("exposes a LoadBalancer with annotations when spec.external is enabled, and reports its address", func() {
		ns := env.NewNamespace(nil)
		r := env.NewRegion(ns, "ext", func(r *kossv1alpha1.Region) {
			r.Spec.External = kossv1alpha1.RegionExternal{Enabled: true, Annotations: map[string]string{"lb.example.com/class": "internet"}}
		})
		svcKey := types.NamespacedName{Namespace: ns, Name: "ext"}
		svc := &corev1.Service{}
		Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, svcKey, svc)).To(Succeed())
			g.Expect(svc.Spec.Type).To(Equal(corev1.ServiceTypeLoadBalancer))
			g.Expect(svc.Annotations).To(HaveKeyWithValue("lb.example.com/class", "internet"))
		}).Should(Succeed())

		By("publishing the load balancer's address")
		patched := svc.DeepCopy()
		patched.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.9"}}
		Expect(env.Client.Status().Patch(ctx, patched, client.MergeFrom(svc))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(env.GetRegionNow(g, r).Status.Endpoints.External).To(Equal("https://203.0.113.9:9000"))
		}).Should(Succeed())

		By("re-issuing the certificate for the load balancer's address and the Service's cluster IP, so the https endpoint verifies")
		Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, svcKey, svc)).To(Succeed())
			g.Expect(svc.Spec.ClusterIP).NotTo(BeEmpty())
			tlsSecret := &corev1.Secret{}
			g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "ext-tls"}, tlsSecret)).To(Succeed())
			cert, err := pki.ParseCertificate(tlsSecret.Data[SecretKeyTLSCert])
			g.Expect(err).NotTo(HaveOccurred())
			for _, host := range []string{"203.0.113.9", svc.Spec.ClusterIP, "ext." + ns + ".svc.cluster.local"} {
				g.Expect(cert.VerifyHostname(host)).To(Succeed(), "the certificate does not name %s", host)
			}
		}).Should(Succeed())

		By("disabling spec.external")
		Eventually(func() error {
			region := &kossv1alpha1.Region{}
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(r), region); err != nil {
				return err
			}
			region.Spec.External.Enabled = false
			return env.Client.Update(ctx, region)
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, svcKey, svc)).To(Succeed())
			g.Expect(svc.Spec.Type).To(Equal(corev1.ServiceTypeClusterIP))
			g.Expect(svc.Annotations).NotTo(HaveKey("lb.example.com/class"))
			g.Expect(env.GetRegionNow(g, r).Status.Endpoints.External).To(BeEmpty())
		}).Should(Succeed())
	})

	It("adds and removes members one at a time through the admin API when spec.replicas changes", func() {
		ns := env.NewNamespace(nil)
		admin, members := newMembershipAdmin(ns, "grow", 3)
		env.Admins.SetOverride(controllers.RegionKey(ns, "grow"), admin)
		r := env.NewRegion(ns, "grow")
		settle := func(g Gomega) { g.Expect(env.SettleStatefulSet(r)).To(Succeed()) }
		Eventually(func(g Gomega) {
			settle(g)
			g.Expect(controllertest.ConditionOf(env.GetRegionNow(g, r).Status.Conditions, kossv1alpha1.RegionAvailableCondition)).To(HaveField("Status", metav1.ConditionTrue))
		}).Should(Succeed())

		By("refusing fewer than three replicas at admission")
		region := env.GetRegionNow(Default, r)
		region.Spec.Replicas = 2
		Expect(apierrors.IsInvalid(env.Client.Update(ctx, region))).To(BeTrue())

		setReplicas := func(n int32) {
			Eventually(func() error {
				region := &kossv1alpha1.Region{}
				if err := env.Client.Get(ctx, client.ObjectKeyFromObject(r), region); err != nil {
					return err
				}
				region.Spec.Replicas = n
				return env.Client.Update(ctx, region)
			}).Should(Succeed())
		}
		converged := func(n int32, progressingReason string) {
			sawProgressing := false
			Eventually(func(g Gomega) {
				settle(g)
				region := env.GetRegionNow(g, r)
				if c := controllertest.ConditionOf(region.Status.Conditions, kossv1alpha1.RegionProgressingCondition); c.Reason == progressingReason {
					sawProgressing = true
				}
				g.Expect(region.Status.ReadyReplicas).To(Equal(n))
				cs, err := admin.ClusterStatus(ctx)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(cs.Members).To(HaveLen(int(n)))
				g.Expect(controllertest.ConditionOf(region.Status.Conditions, kossv1alpha1.RegionProgressingCondition)).To(
					HaveField("Reason", kossv1alpha1.RegionUpToDateReason))
			}).Should(Succeed())
			Expect(sawProgressing).To(BeTrue(), "never saw Progressing=%s", progressingReason)
		}

		By("growing to five")
		setReplicas(5)
		converged(5, kossv1alpha1.RegionScalingUpReason)
		Expect(members.log()).To(Equal([]string{"add grow-3", "add grow-4"}))

		By("shrinking back to three, each member drained (one object left, then none) before it is removed")
		admin.SetDrainRemaining("grow-4", 1)
		admin.SetDrainRemaining("grow-3", 1)
		setReplicas(3)
		converged(3, kossv1alpha1.RegionScalingDownReason)
		Expect(members.log()).To(Equal([]string{"add grow-3", "add grow-4", "drain grow-4", "drain grow-4", "remove grow-4", "drain grow-3", "drain grow-3", "remove grow-3"}))
		Expect(members.violations()).To(BeEmpty())
	})

	It("blocks deleting a Region while Buckets use it, names them, and lets it go afterwards", func() {
		ns := env.NewNamespace(nil)
		other := env.NewNamespace(nil)
		r := env.NewRegion(ns, "doomed", func(r *kossv1alpha1.Region) { r.Spec.BucketNamespaces = &metav1.LabelSelector{} })
		b := &kossv1alpha1.Bucket{
			ObjectMeta: metav1.ObjectMeta{Namespace: other, Name: "last-bucket"},
			Spec:       kossv1alpha1.BucketSpec{RegionRef: kossv1alpha1.RegionReference{Name: "doomed", Namespace: ns}},
		}
		Expect(env.Client.Create(ctx, b)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(env.GetRegionNow(g, r).Finalizers).To(ContainElement(kossv1alpha1.RegionFinalizer))
		}).Should(Succeed())

		Expect(env.Client.Delete(ctx, r)).To(Succeed())
		Eventually(func(g Gomega) {
			c := controllertest.ConditionOf(env.GetRegionNow(g, r).Status.Conditions, kossv1alpha1.RegionDeletingCondition)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(c.Reason).To(Equal(kossv1alpha1.RegionBucketsExistReason))
			g.Expect(c.Message).To(ContainSubstring(other + "/last-bucket"))
		}).Should(Succeed())
		Consistently(func() error {
			return env.Client.Get(ctx, client.ObjectKeyFromObject(r), &kossv1alpha1.Region{})
		}).WithTimeout(2 * time.Second).Should(Succeed())

		By("deleting the last Bucket")
		Expect(env.Client.Delete(ctx, b)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(r), &kossv1alpha1.Region{}))
		}).Should(BeTrue())
	})
})

// membershipLog records the membership calls the reconciler makes on a fake admin API, and
// checks at each call the order the reconciler promises: a member is added while its pod
// does not exist yet, drained before it is removed, and removed while its pod still exists,
// never leaving fewer than three members.
type membershipLog struct {
	mu       sync.Mutex
	calls    []string
	drained  map[string]int
	problems []string
}

// newMembershipAdmin is a fake admin API for a Region named name in ns whose cluster has the
// Region's first n pods as members (the first one leading), with a membershipLog watching it.
func newMembershipAdmin(ns, name string, n int) (*fake.Client, *membershipLog) {
	admin := fake.New()
	cs := adminapi.ClusterStatus{NodeID: name + "-0", Leader: name + "-0"}
	for i := range n {
		state := adminapi.MemberFollower
		if i == 0 {
			state = adminapi.MemberLeader
		}
		id := fmt.Sprintf("%s-%d", name, i)
		cs.Members = append(cs.Members, adminapi.Member{ID: id, Address: fmt.Sprintf("%s.%s-peers.%s.svc.cluster.local:9001", id, name, ns), State: state})
	}
	admin.SetClusterStatus(cs)

	l := &membershipLog{drained: map[string]int{}}
	ctx := context.Background()
	// pods is the StatefulSet's replicas as the API server has them.
	pods := func() int32 {
		sts := &appsv1.StatefulSet{}
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, sts); err != nil {
			return -1
		}
		return *sts.Spec.Replicas
	}
	ordinal := func(id string) int32 {
		var n int32
		_, _ = fmt.Sscanf(strings.TrimPrefix(id, name+"-"), "%d", &n)
		return n
	}
	admin.OnCall(func(method string, args ...string) {
		if !strings.HasSuffix(method, "Member") {
			return
		}
		id := args[0]
		l.mu.Lock()
		defer l.mu.Unlock()
		switch method {
		case "AddMember":
			l.calls = append(l.calls, "add "+id)
			if p := pods(); p != ordinal(id) {
				l.problems = append(l.problems, fmt.Sprintf("add %s with %d pods", id, p))
			}
			if want := fmt.Sprintf("%s.%s-peers.%s.svc.cluster.local:9001", id, name, ns); args[1] != want {
				l.problems = append(l.problems, fmt.Sprintf("add %s at %s, want %s", id, args[1], want))
			}
		case "DrainMember":
			l.calls = append(l.calls, "drain "+id)
			l.drained[id]++
		case "RemoveMember":
			l.calls = append(l.calls, "remove "+id)
			if l.drained[id] < 2 {
				l.problems = append(l.problems, "remove "+id+" before it was drained")
			}
			if p := pods(); p != ordinal(id)+1 {
				l.problems = append(l.problems, fmt.Sprintf("remove %s with %d pods", id, p))
			}
			if cs, err := admin.ClusterStatus(ctx); err != nil || len(cs.Members) <= int(kossv1alpha1.MinRegionReplicas) {
				l.problems = append(l.problems, fmt.Sprintf("remove %s from a cluster of %d members (%v)", id, len(cs.Members), err))
			}
		}
	})
	return admin, l
}

func (l *membershipLog) log() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

func (l *membershipLog) violations() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.problems)
}
