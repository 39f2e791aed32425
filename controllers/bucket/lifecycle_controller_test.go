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

package bucket

import (
	"context"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

var _ = Describe("Bucket lifecycle rules", func() {
	ctx := context.Background()
	served := controllertest.Served
	var (
		watched *watchedAdmin
		engine  adminclient.Interface
		root    *oss.Client
	)
	BeforeEach(func() {
		engine = env.RegionAdmin(env.MainRegion, env.MainKossd)
		root = env.RootOSS(env.MainRegion, env.MainKossd)
		watched = &watchedAdmin{Interface: engine, writes: map[string]int{}}
		key := controllers.RegionKey(env.MainRegion.Namespace, env.MainRegion.Name)
		env.Admins.SetOverride(key, watched)
		DeferCleanup(func() { env.Admins.SetOverride(key, nil) })
	})
	engineLifecycle := func(g Gomega, name string) *adminapi.Lifecycle {
		got, err := engine.GetBucket(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		return got.Lifecycle
	}
	declared := func(rules ...kossv1alpha1.BucketLifecycleRule) *adminapi.Lifecycle {
		lc, err := toAdminLifecycle(rules)
		Expect(err).NotTo(HaveOccurred())
		return lc
	}
	update := func(b *kossv1alpha1.Bucket, mutate func(*kossv1alpha1.Bucket)) {
		Eventually(func(g Gomega) {
			got := env.GetBucketNow(g, b)
			mutate(got)
			g.Expect(env.Client.Update(ctx, got)).To(Succeed())
		}).Should(Succeed())
	}
	events := func(g Gomega, b *kossv1alpha1.Bucket, reason string) []string {
		var out []string
		for _, ev := range env.EventsFor(g, b) {
			if ev.Reason == reason {
				out = append(out, ev.Type+" "+ev.Note)
			}
		}
		return out
	}
	recorded := func(g Gomega, b *kossv1alpha1.Bucket, reason string) int {
		n := 0
		for _, ev := range env.EventsFor(g, b) {
			switch {
			case ev.Reason != reason:
			case ev.Series != nil:
				n += int(ev.Series.Count)
			default:
				n++
			}
		}
		return n
	}
	one := oss.Ptr(int32(1))

	It("applies lifecycle at creation, follows changes of spec, puts back a change made around it, and leaves an unset lifecycle alone", func() {
		ns := env.NewNamespace(served())
		name := controllertest.UniqueName("lc")
		b := env.NewBucket(ns, name, func(b *kossv1alpha1.Bucket) { b.Spec.Lifecycle = []kossv1alpha1.BucketLifecycleRule{tmpRule()} })
		env.WaitBucketReady(b)
		Eventually(func(g Gomega) {
			g.Expect(sameLifecycle(engineLifecycle(g, name), declared(tmpRule()))).To(BeTrue(), "lifecycle applied at creation")
			g.Expect(env.GetBucketNow(g, b).Status.Lifecycle).To(Equal(fromLifecycle(declared(tmpRule()))))
		}).Should(Succeed())
		got, err := root.GetBucketLifecycle(ctx, &oss.GetBucketLifecycleRequest{Bucket: oss.Ptr(name)})
		Expect(err).NotTo(HaveOccurred())
		Expect(got.LifecycleConfiguration.Rules).To(HaveLen(1))
		Expect(oss.ToString(got.LifecycleConfiguration.Rules[0].ID)).To(Equal("tmp"), "the OSS API shows the declared rule")
		Expect(oss.ToString(got.LifecycleConfiguration.Rules[0].Prefix)).To(Equal("tmp/"))

		By("changing spec.lifecycle: the engine follows, as a whole and in order")
		want := []kossv1alpha1.BucketLifecycleRule{oldLogsRule(), tmpRule()}
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.Lifecycle = want })
		Eventually(func(g Gomega) {
			g.Expect(sameLifecycle(engineLifecycle(g, name), declared(want...))).To(BeTrue())
			g.Expect(env.GetBucketNow(g, b).Status.Lifecycle).To(Equal(fromLifecycle(declared(want...))))
		}).Should(Succeed())
		Expect(events(Default, b, "ConfigApplied")).To(ContainElement(ContainSubstring("lifecycle rules differ (2 declared, 1 found)")))

		By("changing the rules around the operator (PutBucketLifecycle): they are put back and reported")
		_, err = root.PutBucketLifecycle(ctx, &oss.PutBucketLifecycleRequest{Bucket: oss.Ptr(name), LifecycleConfiguration: &oss.LifecycleConfiguration{
			Rules: []oss.LifecycleRule{{Prefix: oss.Ptr(""), Status: oss.Ptr("Enabled"), Expiration: &oss.LifecycleRuleExpiration{Days: one}}},
		}})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			g.Expect(events(g, b, "DriftCorrected")).To(ContainElement(And(
				HavePrefix(corev1.EventTypeWarning+" "), ContainSubstring("lifecycle rules of bucket "+name),
				ContainSubstring("lifecycle rules differ (2 declared, 1 found)"))))
			g.Expect(sameLifecycle(engineLifecycle(g, name), declared(want...))).To(BeTrue())
		}).Should(Succeed())
		Expect(env.BucketReason(Default, b)).To(Equal(kossv1alpha1.BucketProvisionedReason))

		By("deleting the rules around the operator (DeleteBucketLifecycle): they are put back too")
		_, err = root.DeleteBucketLifecycle(ctx, &oss.DeleteBucketLifecycleRequest{Bucket: oss.Ptr(name)})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			g.Expect(recorded(g, b, "DriftCorrected")).To(Equal(2))
			g.Expect(sameLifecycle(engineLifecycle(g, name), declared(want...))).To(BeTrue())
		}).Should(Succeed())

		By("removing lifecycle from spec: the bucket keeps its rules, and a change around the operator stays")
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.Lifecycle = nil })
		Eventually(func(g Gomega) {
			got := env.GetBucketNow(g, b)
			g.Expect(got.Spec.Lifecycle).To(BeNil())
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
		}).Should(Succeed())
		Expect(sameLifecycle(engineLifecycle(Default, name), declared(want...))).To(BeTrue(), "removing lifecycle from spec must not change the bucket")
		_, err = root.PutBucketLifecycle(ctx, &oss.PutBucketLifecycleRequest{Bucket: oss.Ptr(name), LifecycleConfiguration: &oss.LifecycleConfiguration{
			Rules: []oss.LifecycleRule{{Prefix: oss.Ptr("elsewhere/"), Status: oss.Ptr("Disabled"), Expiration: &oss.LifecycleRuleExpiration{Days: one}}},
		}})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			st := env.GetBucketNow(g, b).Status.Lifecycle
			g.Expect(st).To(HaveLen(1), "status shows the bucket's rules")
			g.Expect(st[0].ID).NotTo(BeEmpty(), "with the id the engine generated")
			g.Expect(st[0].Prefix).To(Equal("elsewhere/"))
			g.Expect(st[0].Status).To(Equal(kossv1alpha1.BucketLifecycleRuleDisabled))
		}).Should(Succeed())
		elsewhere := engineLifecycle(Default, name)
		Consistently(func(g Gomega) {
			g.Expect(sameLifecycle(engineLifecycle(g, name), elsewhere)).To(BeTrue(), "an unset lifecycle leaves the bucket's rules alone")
		}).WithTimeout(3 * controllertest.RefreshInterval).Should(Succeed())
		Expect(recorded(Default, b, "DriftCorrected")).To(Equal(2))

		By("setting spec.lifecycle to []: the bucket has no lifecycle rules")
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.Lifecycle = []kossv1alpha1.BucketLifecycleRule{} })
		Eventually(func(g Gomega) {
			g.Expect(engineLifecycle(g, name)).To(BeNil())
			got := env.GetBucketNow(g, b)
			g.Expect(got.Spec.Lifecycle).NotTo(BeNil(), "[] is kept as no rules, not dropped to unset")
			g.Expect(got.Status.Lifecycle).To(BeNil())
		}).Should(Succeed())
		_, err = root.GetBucketLifecycle(ctx, &oss.GetBucketLifecycleRequest{Bucket: oss.Ptr(name)})
		Expect(err).To(HaveOccurred(), "GetBucketLifecycle of a bucket without rules is NoSuchLifecycle")
	})

	It("refuses invalid rules at admission, with the engine's limits", func() {
		ns := env.NewNamespace(served())
		zero := int32(0)
		noID := tmpRule()
		noID.ID = ""
		tagsAbort := tmpRule()
		tagsAbort.Tags = map[string]kossv1alpha1.LifecycleTagValue{"k": "v"}
		twoTimes := tmpRule()
		twoTimes.Expiration.Date = oldLogsRule().Expiration.CreatedBeforeDate
		for what, rules := range map[string][]kossv1alpha1.BucketLifecycleRule{
			"no id":          {noID},
			"same id twice":  {tmpRule(), tmpRule()},
			"days 0":         {{ID: "a", Expiration: &kossv1alpha1.BucketLifecycleExpiration{Days: &zero}}},
			"no action":      {{ID: "a", Prefix: "tmp/"}},
			"two times":      {twoTimes},
			"tags and abort": {tagsAbort},
		} {
			b := &kossv1alpha1.Bucket{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: controllertest.UniqueName("badlc")},
				Spec: kossv1alpha1.BucketSpec{
					RegionRef: kossv1alpha1.RegionReference{Name: env.MainRegion.Name, Namespace: env.MainRegion.Namespace},
					Lifecycle: rules,
				},
			}
			err := env.Client.Create(ctx, b)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%s: %v", what, err)
			Expect(err.Error()).To(ContainSubstring("spec.lifecycle"), what)
		}
	})

	It("shows rules only the engine refuses (a prefix over 1024 bytes) in the Ready condition and keeps the bucket's rules", func() {
		ns := env.NewNamespace(served())
		name := controllertest.UniqueName("lcbig")
		b := env.NewBucket(ns, name, func(b *kossv1alpha1.Bucket) { b.Spec.Lifecycle = []kossv1alpha1.BucketLifecycleRule{tmpRule()} })
		env.WaitBucketReady(b)
		Eventually(func(g Gomega) { g.Expect(engineLifecycle(g, name)).NotTo(BeNil()) }).Should(Succeed())

		// 600 characters pass admission (at most 1024); in UTF-8 they are 1200 bytes.
		wide := tmpRule()
		wide.ID, wide.Prefix = "wide", strings.Repeat("é", 600)
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.Lifecycle = []kossv1alpha1.BucketLifecycleRule{wide} })
		Eventually(func(g Gomega) {
			c := controllertest.ConditionOf(env.GetBucketNow(g, b).Status.Conditions, kossv1alpha1.BucketReadyCondition)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(kossv1alpha1.BucketConfigRejectedReason))
			g.Expect(c.Message).To(ContainSubstring("spec.lifecycle: InvalidArgument (400)"))
			g.Expect(c.Message).To(ContainSubstring("prefix of 1200 bytes, at most 1024"))
		}).Should(Succeed())
		Expect(env.GetBucketNow(Default, b).Status.Lifecycle).To(Equal(fromLifecycle(declared(tmpRule()))), "status shows what the bucket has")
		Expect(sameLifecycle(engineLifecycle(Default, name), declared(tmpRule()))).To(BeTrue(), "the bucket keeps its rules")
		Eventually(func(g Gomega) { g.Expect(events(g, b, "ConfigRejected")).To(HaveLen(1)) }).Should(Succeed())

		By("fixing spec.lifecycle: the bucket is Ready again")
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.Lifecycle = []kossv1alpha1.BucketLifecycleRule{oldLogsRule()} })
		env.WaitBucketReady(b)
		Expect(sameLifecycle(engineLifecycle(Default, name), declared(oldLogsRule()))).To(BeTrue())
	})
})
