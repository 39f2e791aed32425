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
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

var _ = Describe("Bucket controller", func() {
	ctx := context.Background()
	served := controllertest.Served

	It("creates the bucket under the Bucket's owner tag and reports it Ready with endpoint and statistics", func() {
		ns := env.NewNamespace(served())
		name := controllertest.UniqueName("photos")
		b := env.NewBucket(ns, name)
		got := env.WaitBucketReady(b)
		Expect(got.Finalizers).To(ContainElement(kossv1alpha1.BucketFinalizer))
		Expect(controllertest.ConditionOf(got.Status.Conditions, kossv1alpha1.BucketProvisionedCondition)).To(And(
			HaveField("Status", metav1.ConditionTrue), HaveField("Reason", kossv1alpha1.BucketCreatedReason)))
		Expect(got.Status.BucketName).To(Equal(name))
		Expect(got.Status.Endpoint).To(Equal(fmt.Sprintf("https://main.%s.svc.cluster.local:9000/%s", env.MainRegion.Namespace, name)))
		Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))

		admin := env.RegionAdmin(env.MainRegion, env.MainKossd)
		engine, err := admin.GetBucket(ctx, name)
		Expect(err).NotTo(HaveOccurred())
		Expect(engine.Owner).To(Equal(fmt.Sprintf("%s/%s/%s", ns, name, got.UID)))

		By("refreshing the object count and bytes")
		root := env.RootOSS(env.MainRegion, env.MainKossd)
		Expect(controllertest.PutObject(root, name, "a.txt", "hello")).To(Succeed())
		Expect(controllertest.PutObject(root, name, "b.txt", "world!")).To(Succeed())
		Eventually(func(g Gomega) {
			st := env.GetBucketNow(g, b).Status
			g.Expect(st.ObjectCount).To(Equal(int64(2)))
			g.Expect(st.Bytes).To(Equal(int64(11)))
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(controllertest.EventReasons(env.EventsFor(g, got))).To(ContainElement("BucketCreated"))
		}).Should(Succeed())
	})

	It("refuses a second Bucket claiming a taken name in another namespace, and the first keeps working", func() {
		first := env.NewNamespace(served())
		second := env.NewNamespace(served())
		name := controllertest.UniqueName("shared")
		b1 := env.NewBucket(first, name)
		owner := env.WaitBucketReady(b1)
		b2 := env.NewBucket(second, "copycat", func(b *kossv1alpha1.Bucket) {
			b.Spec.Name = name
			b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete
		})
		Eventually(func(g Gomega) {
			st := env.GetBucketNow(g, b2).Status
			c := controllertest.ConditionOf(st.Conditions, kossv1alpha1.BucketReadyCondition)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(kossv1alpha1.BucketAlreadyExistsReason))
			g.Expect(c.Message).To(ContainSubstring(first + "/" + name))
			g.Expect(controllertest.ConditionOf(st.Conditions, kossv1alpha1.BucketProvisionedCondition)).To(And(
				HaveField("Status", metav1.ConditionFalse), HaveField("Reason", kossv1alpha1.BucketAlreadyExistsReason)))
		}).Should(Succeed())

		By("deleting the refused Bucket, whose policy is Delete, without touching the bucket")
		Expect(env.Client.Delete(ctx, b2)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(b2), &kossv1alpha1.Bucket{}))
		}).Should(BeTrue())
		engine, err := env.RegionAdmin(env.MainRegion, env.MainKossd).GetBucket(ctx, name)
		Expect(err).NotTo(HaveOccurred())
		Expect(engine.Owner).To(Equal(fmt.Sprintf("%s/%s/%s", first, name, owner.UID)))
		Expect(controllertest.PutObject(env.RootOSS(env.MainRegion, env.MainKossd), name, "still.txt", "mine")).To(Succeed())
		Consistently(func(g Gomega) {
			g.Expect(env.BucketReason(g, b1)).To(Equal(kossv1alpha1.BucketProvisionedReason))
		}).WithTimeout(time.Second).Should(Succeed())
	})

	It("refuses a Bucket whose name a Bucket of another Region holds: names are unique across Regions", func() {
		first := env.NewNamespace(served())
		name := controllertest.UniqueName("global")
		b1 := env.NewBucket(first, name)
		env.WaitBucketReady(b1)

		ns := env.NewNamespace(nil)
		other := env.NewRegion(ns, "other")
		otherKossd := env.StartKossd(other)
		env.WaitAvailable(other)
		b2 := &kossv1alpha1.Bucket{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "elsewhere"},
			Spec:       kossv1alpha1.BucketSpec{Name: name, RegionRef: kossv1alpha1.RegionReference{Name: "other"}},
		}
		Expect(env.Client.Create(ctx, b2)).To(Succeed())
		Eventually(func(g Gomega) {
			c := controllertest.ConditionOf(env.GetBucketNow(g, b2).Status.Conditions, kossv1alpha1.BucketReadyCondition)
			g.Expect(c.Reason).To(Equal(kossv1alpha1.BucketAlreadyExistsReason))
			g.Expect(c.Message).To(ContainSubstring(first + "/" + name + " already claims the name " + name))
		}).Should(Succeed())
		_, err := env.RegionAdmin(other, otherKossd).GetBucket(ctx, name)
		Expect(adminclient.IsNotFound(err)).To(BeTrue(), "the other Region must not have made the bucket: %v", err)

		By("letting the name go: the other Region's Bucket takes it")
		Expect(env.Client.Delete(ctx, b1)).To(Succeed())
		env.WaitBucketReady(b2)
	})

	It("never takes over a bucket that exists in the Region under another owner", func() {
		ns := env.NewNamespace(served())
		name := controllertest.UniqueName("retained")
		admin := env.RegionAdmin(env.MainRegion, env.MainKossd)
		_, err := admin.CreateBucket(ctx, name, adminapi.CreateBucketRequest{Owner: "old/retained/uid-gone"})
		Expect(err).NotTo(HaveOccurred())

		b := env.NewBucket(ns, name, func(b *kossv1alpha1.Bucket) { b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete })
		Eventually(func(g Gomega) {
			c := controllertest.ConditionOf(env.GetBucketNow(g, b).Status.Conditions, kossv1alpha1.BucketReadyCondition)
			g.Expect(c.Reason).To(Equal(kossv1alpha1.BucketAlreadyExistsReason))
			g.Expect(c.Message).To(ContainSubstring("never taken over"))
			g.Expect(c.Message).NotTo(ContainSubstring("uid-gone"), "another owner's tag is not shown")
		}).Should(Succeed())
		Expect(env.Client.Delete(ctx, b)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(b), &kossv1alpha1.Bucket{}))
		}).Should(BeTrue())
		engine, err := admin.GetBucket(ctx, name)
		Expect(err).NotTo(HaveOccurred())
		Expect(engine.Owner).To(Equal("old/retained/uid-gone"))
	})

	It("reports RegionNotFound and RegionNotAllowed, and follows the namespace's labels", func() {
		ns := env.NewNamespace(nil)
		lost := env.NewBucket(ns, controllertest.UniqueName("lost"), func(b *kossv1alpha1.Bucket) { b.Spec.RegionRef = kossv1alpha1.RegionReference{Name: "nowhere"} })
		outside := env.NewBucket(ns, controllertest.UniqueName("outside"))
		Eventually(func(g Gomega) {
			g.Expect(env.BucketReason(g, lost)).To(Equal(kossv1alpha1.BucketRegionNotFoundReason))
			g.Expect(env.BucketReason(g, outside)).To(Equal(kossv1alpha1.BucketRegionNotAllowedReason))
		}).Should(Succeed())
		_, err := env.RegionAdmin(env.MainRegion, env.MainKossd).GetBucket(ctx, outside.Name)
		Expect(adminclient.IsNotFound(err)).To(BeTrue(), "a Bucket the Region does not serve must not create its bucket")

		By("labelling the namespace so that the Region serves it")
		namespace := &corev1.Namespace{}
		Expect(env.Client.Get(ctx, client.ObjectKey{Name: ns}, namespace)).To(Succeed())
		before := namespace.DeepCopy()
		namespace.Labels = served()
		Expect(env.Client.Patch(ctx, namespace, client.MergeFrom(before))).To(Succeed())
		env.WaitBucketReady(outside)
	})

	It("with deletionPolicy Delete refuses to delete a bucket with objects, then deletes it once empty", func() {
		ns := env.NewNamespace(served())
		name := controllertest.UniqueName("scratch")
		b := env.NewBucket(ns, name, func(b *kossv1alpha1.Bucket) { b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete })
		env.WaitBucketReady(b)
		root := env.RootOSS(env.MainRegion, env.MainKossd)
		Expect(controllertest.PutObject(root, name, "left-behind", "data")).To(Succeed())

		Expect(env.Client.Delete(ctx, b)).To(Succeed())
		Eventually(func(g Gomega) {
			got := env.GetBucketNow(g, b)
			c := controllertest.ConditionOf(got.Status.Conditions, kossv1alpha1.BucketReadyCondition)
			g.Expect(c.Reason).To(Equal(kossv1alpha1.BucketNotEmptyReason))
			g.Expect(c.Message).To(ContainSubstring("1 objects"))
			g.Expect(got.Finalizers).To(ContainElement(kossv1alpha1.BucketFinalizer))
		}).Should(Succeed())
		Consistently(func() error { return env.Client.Get(ctx, client.ObjectKeyFromObject(b), &kossv1alpha1.Bucket{}) }).
			WithTimeout(2 * time.Second).Should(Succeed())
		Expect(controllertest.GetObject(root, name, "left-behind")).To(Equal("data"))

		By("emptying the bucket")
		Expect(controllertest.DeleteObject(root, name, "left-behind")).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(b), &kossv1alpha1.Bucket{}))
		}).Should(BeTrue())
		_, err := env.RegionAdmin(env.MainRegion, env.MainKossd).GetBucket(ctx, name)
		Expect(adminclient.IsNotFound(err)).To(BeTrue(), "the bucket is gone from the Region: %v", err)
	})

	It("with deletionPolicy Delete aborts open multipart uploads, which alone would keep the bucket, and says so", func() {
		ns := env.NewNamespace(served())
		root := env.RootOSS(env.MainRegion, env.MainKossd)
		openUpload := func(bucket, key string) {
			up, err := root.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
			Expect(err).NotTo(HaveOccurred())
			_, err = root.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), UploadId: up.UploadId,
				PartNumber: 1, Body: strings.NewReader("half of something")})
			Expect(err).NotTo(HaveOccurred())
		}
		openUploads := func(bucket string) int {
			res, err := root.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(bucket)})
			Expect(err).NotTo(HaveOccurred())
			return len(res.Uploads)
		}

		By("deleting a Bucket whose bucket holds only an open upload")
		onlyUpload := controllertest.UniqueName("abandoned")
		b := env.NewBucket(ns, onlyUpload, func(b *kossv1alpha1.Bucket) { b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete })
		env.WaitBucketReady(b)
		openUpload(onlyUpload, "video.mp4")
		_, err := env.RegionAdmin(env.MainRegion, env.MainKossd).GetBucket(ctx, onlyUpload)
		Expect(err).NotTo(HaveOccurred())
		Expect(env.Client.Delete(ctx, b)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(b), &kossv1alpha1.Bucket{}))
		}).Should(BeTrue())
		_, err = env.RegionAdmin(env.MainRegion, env.MainKossd).GetBucket(ctx, onlyUpload)
		Expect(adminclient.IsNotFound(err)).To(BeTrue(), "the bucket is gone from the Region: %v", err)

		By("deleting a Bucket whose bucket holds an object and an open upload")
		name := controllertest.UniqueName("busy")
		b = env.NewBucket(ns, name, func(b *kossv1alpha1.Bucket) { b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete })
		env.WaitBucketReady(b)
		Expect(controllertest.PutObject(root, name, "kept", "data")).To(Succeed())
		openUpload(name, "big.bin")
		Expect(openUploads(name)).To(Equal(1))
		Expect(env.Client.Delete(ctx, b)).To(Succeed())
		Eventually(func(g Gomega) {
			got := env.GetBucketNow(g, b)
			c := controllertest.ConditionOf(got.Status.Conditions, kossv1alpha1.BucketReadyCondition)
			g.Expect(c.Reason).To(Equal(kossv1alpha1.BucketNotEmptyReason))
			g.Expect(c.Message).To(ContainSubstring("1 objects (its open multipart uploads were aborted)"))
		}).Should(Succeed())
		Expect(openUploads(name)).To(Equal(0), "the upload was aborted")
		Expect(controllertest.GetObject(root, name, "kept")).To(Equal("data"), "objects are the user's to remove")

		By("emptying the bucket")
		Expect(controllertest.DeleteObject(root, name, "kept")).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(b), &kossv1alpha1.Bucket{}))
		}).Should(BeTrue())
	})

	It("with deletionPolicy Retain keeps the bucket and its data", func() {
		ns := env.NewNamespace(served())
		name := controllertest.UniqueName("keepsake")
		b := env.NewBucket(ns, name)
		env.WaitBucketReady(b)
		root := env.RootOSS(env.MainRegion, env.MainKossd)
		Expect(controllertest.PutObject(root, name, "memory", "precious")).To(Succeed())

		Expect(env.Client.Delete(ctx, b)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(b), &kossv1alpha1.Bucket{}))
		}).Should(BeTrue())
		Expect(controllertest.GetObject(root, name, "memory")).To(Equal("precious"))
		engine, err := env.RegionAdmin(env.MainRegion, env.MainKossd).GetBucket(ctx, name)
		Expect(err).NotTo(HaveOccurred())
		Expect(engine.Objects).To(Equal(int64(1)))
	})
})
