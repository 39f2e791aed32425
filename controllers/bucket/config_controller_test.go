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
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

// engineRefusedKey is a tag key the watched admin API refuses as a stricter engine would:
// the CRD's CEL rules are the engine's own, so no real value passes admission and is then
// refused by kossd; this stands for an engine whose rules have grown.
const engineRefusedKey = "refused-by-engine"

// watchedAdmin is the main Region's real admin API, counting the writes of the bucket
// configuration per bucket and refusing tags with engineRefusedKey (400 InvalidArgument, as
// kossd answers a tag set it refuses).
type watchedAdmin struct {
	adminclient.Interface
	mu     sync.Mutex
	writes map[string]int
}

func (a *watchedAdmin) count(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.writes[name]++
}

// Writes returns how many SetBucketACL, SetBucketTags, SetBucketCORS and SetBucketLifecycle calls
// were made for a bucket.
func (a *watchedAdmin) Writes(name string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.writes[name]
}

func (a *watchedAdmin) SetBucketACL(ctx context.Context, name, acl string) (adminapi.Bucket, error) {
	a.count(name)
	return a.Interface.SetBucketACL(ctx, name, acl)
}

func (a *watchedAdmin) SetBucketTags(ctx context.Context, name string, tags map[string]string) (adminapi.Bucket, error) {
	a.count(name)
	if _, ok := tags[engineRefusedKey]; ok {
		return adminapi.Bucket{}, &adminclient.APIError{StatusCode: 400, Code: adminapi.CodeInvalidArgument,
			Message: fmt.Sprintf("object: invalid tag: key %q is not allowed here", engineRefusedKey)}
	}
	return a.Interface.SetBucketTags(ctx, name, tags)
}

func (a *watchedAdmin) SetBucketCORS(ctx context.Context, name string, cors *adminapi.CORS) (adminapi.Bucket, error) {
	a.count(name)
	return a.Interface.SetBucketCORS(ctx, name, cors)
}

func (a *watchedAdmin) SetBucketLifecycle(ctx context.Context, name string, lc *adminapi.Lifecycle) (adminapi.Bucket, error) {
	a.count(name)
	return a.Interface.SetBucketLifecycle(ctx, name, lc)
}

var _ = Describe("Bucket ACL and tags", func() {
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
	engineBucket := func(g Gomega, name string) adminapi.Bucket {
		got, err := engine.GetBucket(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		return got
	}
	update := func(b *kossv1alpha1.Bucket, mutate func(*kossv1alpha1.Bucket)) {
		Eventually(func(g Gomega) {
			got := env.GetBucketNow(g, b)
			mutate(got)
			g.Expect(env.Client.Update(ctx, got)).To(Succeed())
		}).Should(Succeed())
	}
	warnings := func(g Gomega, b *kossv1alpha1.Bucket, reason string) []string {
		var out []string
		for _, ev := range env.EventsFor(g, b) {
			if ev.Reason == reason {
				g.Expect(ev.Type).To(Equal(corev1.EventTypeWarning))
				out = append(out, ev.Note)
			}
		}
		return out
	}

	It("applies acl at creation, follows changes of spec, puts back a change made around it, and leaves an unset acl alone", func() {
		ns := env.NewNamespace(served())
		name := controllertest.UniqueName("acl")
		b := env.NewBucket(ns, name, func(b *kossv1alpha1.Bucket) { b.Spec.ACL = kossv1alpha1.BucketACLPublicRead })
		got := env.WaitBucketReady(b)
		Expect(engineBucket(Default, name).ACL).To(Equal("public-read"), "acl applied at creation")
		Expect(got.Status.ACL).To(Equal(kossv1alpha1.BucketACLPublicRead))

		By("changing spec.acl: the engine follows")
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.ACL = kossv1alpha1.BucketACLPublicReadWrite })
		Eventually(func(g Gomega) {
			g.Expect(engineBucket(g, name).ACL).To(Equal("public-read-write"))
			g.Expect(env.GetBucketNow(g, b).Status.ACL).To(Equal(kossv1alpha1.BucketACLPublicReadWrite))
		}).Should(Succeed())

		By("changing the ACL around the operator (PutBucketAcl): it is put back and reported")
		_, err := root.PutBucketAcl(ctx, &oss.PutBucketAclRequest{Bucket: oss.Ptr(name), Acl: oss.BucketACLPrivate})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			g.Expect(warnings(g, b, "DriftCorrected")).To(ContainElement(And(
				ContainSubstring("ACL of bucket "+name), ContainSubstring("from public-read-write to private"))))
			g.Expect(engineBucket(g, name).ACL).To(Equal("public-read-write"))
		}).Should(Succeed())
		Expect(env.BucketReason(Default, b)).To(Equal(kossv1alpha1.BucketProvisionedReason))

		By("removing acl from spec: the bucket keeps its ACL, and a change around the operator stays")
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.ACL = "" })
		Eventually(func(g Gomega) {
			g.Expect(env.GetBucketNow(g, b).Status.ObservedGeneration).To(Equal(env.GetBucketNow(g, b).Generation))
		}).Should(Succeed())
		Expect(engineBucket(Default, name).ACL).To(Equal("public-read-write"), "removing acl from spec must not change the bucket")
		_, err = root.PutBucketAcl(ctx, &oss.PutBucketAclRequest{Bucket: oss.Ptr(name), Acl: oss.BucketACLPublicRead})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			g.Expect(env.GetBucketNow(g, b).Status.ACL).To(Equal(kossv1alpha1.BucketACLPublicRead), "status shows the bucket's ACL")
		}).Should(Succeed())
		Consistently(func(g Gomega) {
			g.Expect(engineBucket(g, name).ACL).To(Equal("public-read"), "an unset acl leaves the bucket's ACL alone")
		}).WithTimeout(3 * controllertest.RefreshInterval).Should(Succeed())
		Expect(warnings(Default, b, "DriftCorrected")).To(HaveLen(1))
	})

	It("creates a bucket without acl as private", func() {
		ns := env.NewNamespace(served())
		name := controllertest.UniqueName("noacl")
		got := env.WaitBucketReady(env.NewBucket(ns, name))
		Expect(got.Spec.ACL).To(BeEmpty())
		Expect(engineBucket(Default, name).ACL).To(Equal("private"))
		Expect(got.Status.ACL).To(Equal(kossv1alpha1.BucketACLPrivate))
	})

	It("applies tags at creation, follows changes of spec, puts back a change made around it, and leaves unset tags alone", func() {
		ns := env.NewNamespace(served())
		name := controllertest.UniqueName("tags")
		b := env.NewBucket(ns, name, func(b *kossv1alpha1.Bucket) { b.Spec.Tags = map[string]string{"team": "media"} })
		env.WaitBucketReady(b)
		Eventually(func(g Gomega) {
			g.Expect(engineBucket(g, name).Tags).To(Equal(map[string]string{"team": "media"}), "tags applied at creation")
			g.Expect(env.GetBucketNow(g, b).Status.Tags).To(Equal(map[string]string{"team": "media"}))
		}).Should(Succeed())

		By("changing spec.tags: the engine follows, as a whole")
		want := map[string]string{"team": "media", "env": "prod", "empty": ""}
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.Tags = maps.Clone(want) })
		Eventually(func(g Gomega) {
			g.Expect(engineBucket(g, name).Tags).To(Equal(want))
			g.Expect(env.GetBucketNow(g, b).Status.Tags).To(Equal(want))
		}).Should(Succeed())

		By("changing the tags around the operator (PutBucketTags): they are put back and reported")
		_, err := root.PutBucketTags(ctx, &oss.PutBucketTagsRequest{Bucket: oss.Ptr(name), Tagging: &oss.Tagging{TagSet: &oss.TagSet{
			Tags: []oss.Tag{{Key: oss.Ptr("team"), Value: oss.Ptr("hijacked")}},
		}}})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			g.Expect(warnings(g, b, "DriftCorrected")).To(ContainElement(And(
				ContainSubstring("tags of bucket "+name), ContainSubstring("to {team=hijacked}"), ContainSubstring("from {empty=, env=prod, team=media}"))))
			g.Expect(engineBucket(g, name).Tags).To(Equal(want))
		}).Should(Succeed())

		By("setting spec.tags to {}: the bucket has no tags")
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.Tags = map[string]string{} })
		Eventually(func(g Gomega) {
			g.Expect(engineBucket(g, name).Tags).To(BeEmpty())
			got := env.GetBucketNow(g, b)
			g.Expect(got.Spec.Tags).NotTo(BeNil(), "{} is kept as no tags, not dropped to unset")
			g.Expect(got.Status.Tags).To(BeNil())
		}).Should(Succeed())

		By("removing tags from spec: tags set around the operator stay")
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.Tags = nil })
		Eventually(func(g Gomega) {
			got := env.GetBucketNow(g, b)
			g.Expect(got.Spec.Tags).To(BeNil())
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
		}).Should(Succeed())
		_, err = root.PutBucketTags(ctx, &oss.PutBucketTagsRequest{Bucket: oss.Ptr(name), Tagging: &oss.Tagging{TagSet: &oss.TagSet{
			Tags: []oss.Tag{{Key: oss.Ptr("set"), Value: oss.Ptr("elsewhere")}},
		}}})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			g.Expect(env.GetBucketNow(g, b).Status.Tags).To(Equal(map[string]string{"set": "elsewhere"}), "status shows the bucket's tags")
		}).Should(Succeed())
		Consistently(func(g Gomega) {
			g.Expect(engineBucket(g, name).Tags).To(Equal(map[string]string{"set": "elsewhere"}), "unset tags leave the bucket's tags alone")
		}).WithTimeout(3 * controllertest.RefreshInterval).Should(Succeed())
		Expect(warnings(Default, b, "DriftCorrected")).To(HaveLen(1))
	})

	It("refuses invalid tags at admission, with the engine's limits", func() {
		ns := env.NewNamespace(served())
		for what, tags := range map[string]map[string]string{
			"a reserved prefix":       {"Aliyun-cost": "x"},
			"a key of 65 bytes":       {strings.Repeat("k", 65): "x"},
			"a value of 129 bytes":    {"k": strings.Repeat("v", 129)},
			"a value of 65 é (130 B)": {"k": strings.Repeat("é", 65)},
		} {
			b := &kossv1alpha1.Bucket{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: controllertest.UniqueName("badtags")},
				Spec: kossv1alpha1.BucketSpec{
					RegionRef: kossv1alpha1.RegionReference{Name: env.MainRegion.Name, Namespace: env.MainRegion.Namespace},
					Tags:      tags,
				},
			}
			err := env.Client.Create(ctx, b)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%s: %v", what, err)
			Expect(err.Error()).To(ContainSubstring("spec.tags"), what)
		}
	})

	It("shows tags only the engine refuses in the Ready condition, retries calmly, and keeps the bucket's tags", func() {
		ns := env.NewNamespace(served())
		name := controllertest.UniqueName("refused")
		b := env.NewBucket(ns, name, func(b *kossv1alpha1.Bucket) { b.Spec.Tags = map[string]string{"team": "media"} })
		env.WaitBucketReady(b)
		Eventually(func(g Gomega) { g.Expect(engineBucket(g, name).Tags).To(HaveKey("team")) }).Should(Succeed())

		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.Tags = map[string]string{engineRefusedKey: "x"} })
		Eventually(func(g Gomega) {
			c := controllertest.ConditionOf(env.GetBucketNow(g, b).Status.Conditions, kossv1alpha1.BucketReadyCondition)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(kossv1alpha1.BucketConfigRejectedReason))
			g.Expect(c.Message).To(ContainSubstring(`spec.tags: InvalidArgument (400): object: invalid tag: key "` + engineRefusedKey + `"`))
		}).Should(Succeed())
		got := env.GetBucketNow(Default, b)
		Expect(controllertest.ConditionOf(got.Status.Conditions, kossv1alpha1.BucketProvisionedCondition).Status).To(Equal(metav1.ConditionTrue))
		Expect(got.Status.Tags).To(Equal(map[string]string{"team": "media"}), "status shows what the bucket has")
		Expect(engineBucket(Default, name).Tags).To(Equal(map[string]string{"team": "media"}), "the bucket keeps its tags")

		By("watching the retries: one per refresh, not a backed-off hot loop")
		before := watched.Writes(name)
		window := 5 * controllertest.RefreshInterval
		time.Sleep(window)
		Expect(watched.Writes(name) - before).To(BeNumerically("<=", int(window/controllertest.RefreshInterval)+2))
		Expect(warnings(Default, b, "ConfigRejected")).To(HaveLen(1), "one warning per refusal, not one per retry")

		By("fixing spec.tags: the bucket is Ready again")
		update(b, func(b *kossv1alpha1.Bucket) { b.Spec.Tags = map[string]string{"team": "video"} })
		env.WaitBucketReady(b)
		Expect(engineBucket(Default, name).Tags).To(Equal(map[string]string{"team": "video"}))
	})

	It("is quiet in the steady state: no status writes, no events, no admin writes", func() {
		ns := env.NewNamespace(served())
		name := controllertest.UniqueName("steady")
		b := env.NewBucket(ns, name, func(b *kossv1alpha1.Bucket) {
			b.Spec.ACL = kossv1alpha1.BucketACLPublicRead
			b.Spec.Tags = map[string]string{"team": "media", "env": ""}
			age := int64(0)
			b.Spec.CORS = []kossv1alpha1.BucketCORSRule{
				{AllowedOrigins: []kossv1alpha1.CORSPattern{"https://app.example.com"}, AllowedMethods: []kossv1alpha1.CORSMethod{"PUT", "GET"},
					AllowedHeaders: []kossv1alpha1.CORSPattern{"*"}, ExposeHeaders: []kossv1alpha1.CORSHeader{"ETag"}, MaxAgeSeconds: &age},
				{AllowedOrigins: []kossv1alpha1.CORSPattern{"*"}, AllowedMethods: []kossv1alpha1.CORSMethod{"GET"}, AllowedHeaders: []kossv1alpha1.CORSPattern{}},
			}
			b.Spec.CORSResponseVary = true
			b.Spec.Lifecycle = []kossv1alpha1.BucketLifecycleRule{tmpRule(), oldLogsRule()}
		})
		env.WaitBucketReady(b)
		var settled *kossv1alpha1.Bucket
		Eventually(func(g Gomega) {
			settled = env.GetBucketNow(g, b)
			g.Expect(settled.Status.ACL).To(Equal(kossv1alpha1.BucketACLPublicRead))
			g.Expect(settled.Status.Tags).To(HaveLen(2))
			g.Expect(settled.Status.CORS).To(HaveLen(2))
			g.Expect(settled.Status.CORSResponseVary).To(BeTrue())
			g.Expect(settled.Status.Lifecycle).To(HaveLen(2))
		}).Should(Succeed())
		// Let the last writes of creation land (statistics, the ConfigApplied event).
		time.Sleep(2 * controllertest.RefreshInterval)
		settled = env.GetBucketNow(Default, b)
		events := len(env.EventsFor(Default, b))
		writes := watched.Writes(name)

		window := 6 * controllertest.RefreshInterval
		By(fmt.Sprintf("watching for %s, %d refreshes", window, int(window/controllertest.RefreshInterval)))
		Consistently(func(g Gomega) {
			got := env.GetBucketNow(g, b)
			g.Expect(got.ResourceVersion).To(Equal(settled.ResourceVersion), "the Bucket (status included) was written")
			g.Expect(env.EventsFor(g, b)).To(HaveLen(events), "an event was recorded")
			g.Expect(watched.Writes(name)).To(Equal(writes), "the bucket's ACL, tags, CORS or lifecycle rules were written")
		}).WithTimeout(window).WithPolling(500 * time.Millisecond).Should(Succeed())
		Expect(client.ObjectKeyFromObject(settled)).To(Equal(client.ObjectKeyFromObject(b)))
	})
})
