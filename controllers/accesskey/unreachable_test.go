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

package accesskey

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
)

var _ = Describe("An unreachable Region", func() {
	It("says KossdUnreachable everywhere while the Bucket stays Provisioned, retries with back-off, and recovers with the key's grants intact", func() {
		ctx := context.Background()
		ns := env.NewNamespace(nil)
		r := env.NewRegion(ns, "flaky")
		p := env.StartKossd(r)
		env.WaitAvailable(r)
		b := &kossv1alpha1.Bucket{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: controllertest.UniqueName("flaky")},
			Spec:       kossv1alpha1.BucketSpec{RegionRef: kossv1alpha1.RegionReference{Name: "flaky"}},
		}
		Expect(env.Client.Create(ctx, b)).To(Succeed())
		provisioned := controllertest.ConditionOf(env.WaitBucketReady(b).Status.Conditions, kossv1alpha1.BucketProvisionedCondition)
		Expect(provisioned.Status).To(Equal(metav1.ConditionTrue))
		// stillProvisioned: the condition has not moved at all, not even its transition time.
		stillProvisioned := func(g Gomega) {
			g.Expect(controllertest.ConditionOf(env.GetBucketNow(g, b).Status.Conditions, kossv1alpha1.BucketProvisionedCondition)).To(Equal(provisioned))
		}
		k := &kossv1alpha1.AccessKey{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "flaky-app"},
			Spec: kossv1alpha1.AccessKeySpec{
				RegionRef: kossv1alpha1.RegionReference{Name: "flaky"},
				Buckets:   []kossv1alpha1.BucketGrant{{Name: b.Name, Access: kossv1alpha1.BucketAccessRead}},
			},
		}
		Expect(env.Client.Create(ctx, k)).To(Succeed())
		Eventually(func(g Gomega) { g.Expect(env.AccessKeyReady(g, k).Status).To(Equal(metav1.ConditionTrue)) }).Should(Succeed())
		secret := &corev1.Secret{}
		Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: k.SecretName()}, secret)).To(Succeed())
		keyOSS := controllertest.OSSClient(p, "flaky", string(secret.Data["accessKeyId"]), string(secret.Data["accessKeySecret"]))
		Expect(controllertest.PutObject(env.RootOSS(r, p), b.Name, "report", "before the outage")).To(Succeed())
		Expect(controllertest.GetObject(keyOSS, b.Name, "report")).To(Equal("before the outage"))

		By("stopping kossd")
		p.Stop()
		stopped := time.Now()
		Eventually(func(g Gomega) {
			region := env.GetRegionNow(g, r)
			g.Expect(controllertest.ConditionOf(region.Status.Conditions, kossv1alpha1.RegionAvailableCondition)).To(And(
				HaveField("Status", metav1.ConditionFalse), HaveField("Reason", kossv1alpha1.RegionKossdUnreachableReason)))
			g.Expect(controllertest.ConditionOf(region.Status.Conditions, kossv1alpha1.RegionDegradedCondition)).To(
				HaveField("Reason", kossv1alpha1.RegionKossdUnreachableReason))
			g.Expect(env.BucketReason(g, b)).To(Equal(kossv1alpha1.BucketKossdUnreachableReason))
			g.Expect(env.AccessKeyReady(g, k).Reason).To(Equal(kossv1alpha1.AccessKeyKossdUnreachableReason))
		}).Should(Succeed())
		By("keeping the bucket Provisioned while the Region cannot be asked")
		Consistently(stillProvisioned).WithTimeout(2 * controllertest.RefreshInterval).Should(Succeed())

		By("retrying with back-off: the attempts spread out instead of spinning")
		key := controllers.RegionKey(ns, "flaky")
		// 50 ms doubling to 2 s: the eighth attempt comes 1.6 s after the seventh.
		Eventually(func() int { return len(env.Admins.ClusterStatusCalls(key, stopped)) }).WithTimeout(20 * time.Second).Should(BeNumerically(">=", 8))
		calls := env.Admins.ClusterStatusCalls(key, stopped)
		firstGap, lastGap := calls[1].Sub(calls[0]), calls[len(calls)-1].Sub(calls[len(calls)-2])
		Expect(lastGap).To(BeNumerically(">", firstGap), "gaps between retries grow: %v", calls)
		Expect(lastGap).To(BeNumerically(">=", controllertest.RetryMax/2))
		Expect(len(calls)).To(BeNumerically("<", 60), "no hot loop against a dead Region")

		By("starting kossd again")
		Expect(p.Restart(ctx)).To(Succeed())
		Eventually(func(g Gomega) {
			region := env.GetRegionNow(g, r)
			g.Expect(controllertest.ConditionOf(region.Status.Conditions, kossv1alpha1.RegionAvailableCondition)).To(HaveField("Status", metav1.ConditionTrue))
			g.Expect(controllertest.ConditionOf(region.Status.Conditions, kossv1alpha1.RegionDegradedCondition)).To(HaveField("Reason", kossv1alpha1.RegionHealthyReason))
			g.Expect(env.BucketReason(g, b)).To(Equal(kossv1alpha1.BucketProvisionedReason))
			g.Expect(env.AccessKeyReady(g, k).Reason).To(Equal(kossv1alpha1.AccessKeyIssuedReason))
		}).Should(Succeed())
		stillProvisioned(Default)

		By("reading with the key as before: its grant outlived the outage")
		Expect(controllertest.GetObject(keyOSS, b.Name, "report")).To(Equal("before the outage"))
		got, err := env.RegionAdmin(r, p).GetAccessKey(ctx, string(secret.Data["accessKeyId"]))
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Grants).To(ConsistOf(adminapi.Grant{Bucket: b.Name, Access: adminapi.AccessRead}))
	})
})
