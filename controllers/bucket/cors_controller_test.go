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

var _ = Describe("Bucket CORS rules", func() {
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
	engineCORS := func(g Gomega, name string) *adminapi.CORS {
		got, err := engine.GetBucket(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		return got.CORS
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
	// recorded counts the events of a reason, the repeats an event series folds into one
	// Event included (a second event of the same reason and action is a series, whose note is
	// the first one's).
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
	// A browser app at https://app.example.com uploading with PUT, and reading back.
	age := int64(600)
	upload := kossv1alpha1.BucketCORSRule{
		AllowedOrigins: []kossv1alpha1.CORSPattern{"https://app.example.com"},
		AllowedMethods: []kossv1alpha1.CORSMethod{"PUT", "GET"},
		AllowedHeaders: []kossv1alpha1.CORSPattern{"*"},
		ExposeHeaders:  []kossv1alpha1.CORSHeader{"ETag"},
		MaxAgeSeconds:  &age,
	}
	anyGet := kossv1alpha1.BucketCORSRule{AllowedOrigins: []kossv1alpha1.CORSPattern{"*"}, AllowedMethods: []kossv1alpha1.CORSMethod{"GET", "HEAD"}}

	It("applies cors at creation, follows changes of spec, puts back a change made around it, and leaves an unset cors alone", func() {
		ns := env.NewNamespace(served())
		name := controllertest.UniqueName("cors")
		b := env.NewBucket(ns, name, func(b *kossv1alpha1.Bucket) { b.Spec.CORS = []kossv1alpha1.BucketCORSRule{upload} })
		env.WaitBucketReady(b)
		Eventually(func(g Gomega) {
			g.Expect(sameCORS(engineCORS(g, name), toAdminCORS([]kossv1alpha1.BucketCORSRule{upload}, false))).To(BeTrue(), "cors applied at creation")
			g.Expect(env.GetBucketNow(g, b).Status.CORS).To(Equal([]kossv1alpha1.BucketCORSRule{upload}))
		}).Should(Succeed())

		By("changing spec.cors: the engine follows, as a whole and in order")
		want := []kossv1alpha1.BucketCORSRule{anyGet, upload}
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.CORS, b.Spec.CORSResponseVary = want, true })
		Eventually(func(g Gomega) {
			g.Expect(sameCORS(engineCORS(g, name), toAdminCORS(want, true))).To(BeTrue())
			got := env.GetBucketNow(g, b)
			g.Expect(got.Status.CORS).To(Equal(want))
			g.Expect(got.Status.CORSResponseVary).To(BeTrue())
		}).Should(Succeed())
		Expect(events(Default, b, "ConfigApplied")).To(ContainElement(ContainSubstring("cors rules differ (2 declared, 1 found)")))

		By("changing the rules around the operator (PutBucketCors): they are put back and reported")
		_, err := root.PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: oss.Ptr(name), CORSConfiguration: &oss.CORSConfiguration{
			CORSRules: []oss.CORSRule{{AllowedOrigins: []string{"https://evil.example"}, AllowedMethods: []string{"PUT", "DELETE"}}},
		}})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			g.Expect(events(g, b, "DriftCorrected")).To(ContainElement(And(
				HavePrefix(corev1.EventTypeWarning+" "), ContainSubstring("CORS rules of bucket "+name),
				ContainSubstring("cors rules differ (2 declared, 1 found)"))))
			g.Expect(sameCORS(engineCORS(g, name), toAdminCORS(want, true))).To(BeTrue())
		}).Should(Succeed())
		Expect(env.BucketReason(Default, b)).To(Equal(kossv1alpha1.BucketProvisionedReason))

		By("deleting the rules around the operator (DeleteBucketCors): they are put back too")
		_, err = root.DeleteBucketCors(ctx, &oss.DeleteBucketCorsRequest{Bucket: oss.Ptr(name)})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			g.Expect(recorded(g, b, "DriftCorrected")).To(Equal(2))
			g.Expect(sameCORS(engineCORS(g, name), toAdminCORS(want, true))).To(BeTrue())
		}).Should(Succeed())

		By("removing cors from spec: the bucket keeps its rules, and a change around the operator stays")
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.CORS, b.Spec.CORSResponseVary = nil, false })
		Eventually(func(g Gomega) {
			got := env.GetBucketNow(g, b)
			g.Expect(got.Spec.CORS).To(BeNil())
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
		}).Should(Succeed())
		Expect(sameCORS(engineCORS(Default, name), toAdminCORS(want, true))).To(BeTrue(), "removing cors from spec must not change the bucket")
		_, err = root.PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: oss.Ptr(name), CORSConfiguration: &oss.CORSConfiguration{
			CORSRules: []oss.CORSRule{{AllowedOrigins: []string{"https://elsewhere.example"}, AllowedMethods: []string{"POST"}}},
		}})
		Expect(err).NotTo(HaveOccurred())
		elsewhere := []kossv1alpha1.BucketCORSRule{{AllowedOrigins: []kossv1alpha1.CORSPattern{"https://elsewhere.example"}, AllowedMethods: []kossv1alpha1.CORSMethod{"POST"}}}
		Eventually(func(g Gomega) {
			got := env.GetBucketNow(g, b)
			g.Expect(got.Status.CORS).To(Equal(elsewhere), "status shows the bucket's rules")
			g.Expect(got.Status.CORSResponseVary).To(BeFalse())
		}).Should(Succeed())
		Consistently(func(g Gomega) {
			g.Expect(sameCORS(engineCORS(g, name), toAdminCORS(elsewhere, false))).To(BeTrue(), "an unset cors leaves the bucket's rules alone")
		}).WithTimeout(3 * controllertest.RefreshInterval).Should(Succeed())
		Expect(recorded(Default, b, "DriftCorrected")).To(Equal(2))

		By("setting spec.cors to []: the bucket has no CORS rules")
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.CORS = []kossv1alpha1.BucketCORSRule{} })
		Eventually(func(g Gomega) {
			g.Expect(engineCORS(g, name)).To(BeNil())
			got := env.GetBucketNow(g, b)
			g.Expect(got.Spec.CORS).NotTo(BeNil(), "[] is kept as no rules, not dropped to unset")
			g.Expect(got.Status.CORS).To(BeNil())
		}).Should(Succeed())
		_, err = root.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: oss.Ptr(name)})
		Expect(err).To(HaveOccurred(), "GetBucketCors of a bucket without rules is NoSuchCORSConfiguration")
	})

	It("refuses invalid rules at admission, with the engine's limits", func() {
		ns := env.NewNamespace(served())
		eleven := make([]kossv1alpha1.BucketCORSRule, 11)
		for i := range eleven {
			eleven[i] = anyGet
		}
		for what, rules := range map[string][]kossv1alpha1.BucketCORSRule{
			"11 rules":      eleven,
			"method PATCH":  {{AllowedOrigins: []kossv1alpha1.CORSPattern{"*"}, AllowedMethods: []kossv1alpha1.CORSMethod{"PATCH"}}},
			"no method":     {{AllowedOrigins: []kossv1alpha1.CORSPattern{"*"}, AllowedMethods: []kossv1alpha1.CORSMethod{}}},
			"no origin":     {{AllowedOrigins: []kossv1alpha1.CORSPattern{}, AllowedMethods: []kossv1alpha1.CORSMethod{"GET"}}},
			"two wildcards": {{AllowedOrigins: []kossv1alpha1.CORSPattern{"https://*.*"}, AllowedMethods: []kossv1alpha1.CORSMethod{"GET"}}},
		} {
			b := &kossv1alpha1.Bucket{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: controllertest.UniqueName("badcors")},
				Spec: kossv1alpha1.BucketSpec{
					RegionRef: kossv1alpha1.RegionReference{Name: env.MainRegion.Name, Namespace: env.MainRegion.Namespace},
					CORS:      rules,
				},
			}
			err := env.Client.Create(ctx, b)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%s: %v", what, err)
			Expect(err.Error()).To(ContainSubstring("spec.cors"), what)
		}
	})

	It("shows rules only the engine refuses (over 16 KiB) in the Ready condition and keeps the bucket's rules", func() {
		ns := env.NewNamespace(served())
		name := controllertest.UniqueName("corsbig")
		b := env.NewBucket(ns, name, func(b *kossv1alpha1.Bucket) { b.Spec.CORS = []kossv1alpha1.BucketCORSRule{upload} })
		env.WaitBucketReady(b)
		Eventually(func(g Gomega) { g.Expect(engineCORS(g, name)).NotTo(BeNil()) }).Should(Succeed())

		big := kossv1alpha1.CORSPattern("https://" + strings.Repeat("a", 16<<10) + ".example")
		update(b, func(b *kossv1alpha1.Bucket) {
			b.Spec.CORS = []kossv1alpha1.BucketCORSRule{{AllowedOrigins: []kossv1alpha1.CORSPattern{big}, AllowedMethods: []kossv1alpha1.CORSMethod{"GET"}}}
		})
		Eventually(func(g Gomega) {
			c := controllertest.ConditionOf(env.GetBucketNow(g, b).Status.Conditions, kossv1alpha1.BucketReadyCondition)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(kossv1alpha1.BucketConfigRejectedReason))
			g.Expect(c.Message).To(ContainSubstring("spec.cors: InvalidArgument (400)"))
			g.Expect(c.Message).To(ContainSubstring("bytes of rules, at most 16384"))
		}).Should(Succeed())
		Expect(env.GetBucketNow(Default, b).Status.CORS).To(Equal([]kossv1alpha1.BucketCORSRule{upload}), "status shows what the bucket has")
		Expect(sameCORS(engineCORS(Default, name), toAdminCORS([]kossv1alpha1.BucketCORSRule{upload}, false))).To(BeTrue(), "the bucket keeps its rules")
		Eventually(func(g Gomega) { g.Expect(events(g, b, "ConfigRejected")).To(HaveLen(1)) }).Should(Succeed())

		By("fixing spec.cors: the bucket is Ready again")
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.CORS = []kossv1alpha1.BucketCORSRule{anyGet} })
		env.WaitBucketReady(b)
		Expect(sameCORS(engineCORS(Default, name), toAdminCORS([]kossv1alpha1.BucketCORSRule{anyGet}, false))).To(BeTrue())
	})
})
