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
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

var _ = Describe("An unreachable Region", func() {
	It("says KossdUnreachable everywhere, retries with back-off, and recovers when kossd returns", func() {
		ctx := context.Background()
		ns := newNamespace(nil)
		r := newRegion(ns, "flaky")
		p := startKossd(r)
		waitAvailable(r)
		b := &kossv1alpha1.Bucket{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: uniqueName("flaky")},
			Spec:       kossv1alpha1.BucketSpec{RegionRef: kossv1alpha1.RegionReference{Name: "flaky"}},
		}
		Expect(k8sClient.Create(ctx, b)).To(Succeed())
		waitBucketReady(b)
		k := &kossv1alpha1.AccessKey{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "flaky-app"},
			Spec: kossv1alpha1.AccessKeySpec{
				RegionRef: kossv1alpha1.RegionReference{Name: "flaky"},
				Buckets:   []kossv1alpha1.BucketGrant{{Name: b.Name, Access: kossv1alpha1.BucketAccessRead}},
			},
		}
		Expect(k8sClient.Create(ctx, k)).To(Succeed())
		Eventually(func(g Gomega) { g.Expect(accessKeyReady(g, k).Status).To(Equal(metav1.ConditionTrue)) }).Should(Succeed())

		By("stopping kossd")
		p.Stop()
		stopped := time.Now()
		Eventually(func(g Gomega) {
			region := getRegionNow(g, r)
			g.Expect(conditionOf(region.Status.Conditions, kossv1alpha1.RegionAvailableCondition)).To(And(
				HaveField("Status", metav1.ConditionFalse), HaveField("Reason", kossv1alpha1.RegionKossdUnreachableReason)))
			g.Expect(conditionOf(region.Status.Conditions, kossv1alpha1.RegionDegradedCondition)).To(
				HaveField("Reason", kossv1alpha1.RegionKossdUnreachableReason))
			g.Expect(bucketReason(g, b)).To(Equal(kossv1alpha1.BucketKossdUnreachableReason))
			g.Expect(accessKeyReady(g, k).Reason).To(Equal(kossv1alpha1.AccessKeyKossdUnreachableReason))
		}).Should(Succeed())

		By("retrying with back-off: the attempts spread out instead of spinning")
		key := regionKey(ns, "flaky")
		// 50 ms doubling to 2 s: the eighth attempt comes 1.6 s after the seventh.
		Eventually(func() int { return len(admins.clusterStatusCalls(key, stopped)) }).WithTimeout(20 * time.Second).Should(BeNumerically(">=", 8))
		calls := admins.clusterStatusCalls(key, stopped)
		firstGap, lastGap := calls[1].Sub(calls[0]), calls[len(calls)-1].Sub(calls[len(calls)-2])
		Expect(lastGap).To(BeNumerically(">", firstGap), "gaps between retries grow: %v", calls)
		Expect(lastGap).To(BeNumerically(">=", testRetryMax/2))
		Expect(len(calls)).To(BeNumerically("<", 60), "no hot loop against a dead Region")

		By("starting kossd again")
		Expect(p.Restart(ctx)).To(Succeed())
		Eventually(func(g Gomega) {
			region := getRegionNow(g, r)
			g.Expect(conditionOf(region.Status.Conditions, kossv1alpha1.RegionAvailableCondition)).To(HaveField("Status", metav1.ConditionTrue))
			g.Expect(conditionOf(region.Status.Conditions, kossv1alpha1.RegionDegradedCondition)).To(HaveField("Reason", kossv1alpha1.RegionHealthyReason))
			g.Expect(bucketReason(g, b)).To(Equal(kossv1alpha1.BucketProvisionedReason))
			g.Expect(accessKeyReady(g, k).Reason).To(Equal(kossv1alpha1.AccessKeyIssuedReason))
		}).Should(Succeed())
	})
})
