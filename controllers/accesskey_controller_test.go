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
	"encoding/json"
	"fmt"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/storage/adminclient"
)

var _ = Describe("AccessKey controller", func() {
	ctx := context.Background()
	served := func() map[string]string { return map[string]string{mainRegionLabel: "main"} }
	readSecret := func(g Gomega, ns, name string) *corev1.Secret {
		s := &corev1.Secret{}
		g.Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, s)).To(Succeed())
		return s
	}
	waitIssued := func(k *kossv1alpha1.AccessKey) *corev1.Secret {
		var s *corev1.Secret
		EventuallyWithOffset(1, func(g Gomega) {
			c := accessKeyReady(g, k)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "Ready: %s %s", c.Reason, c.Message)
			s = readSecret(g, k.Namespace, k.SecretName())
		}).Should(Succeed())
		return s
	}
	keyClient := func(s *corev1.Secret) *oss.Client {
		return ossClient(mainKossd, string(s.Data["region"]), string(s.Data["accessKeyId"]), string(s.Data["accessKeySecret"]))
	}

	It("issues a key into its Secret that works on its granted bucket and is denied elsewhere", func() {
		ns := newNamespace(served())
		granted := waitBucketReady(newBucket(ns, uniqueName("granted")))
		other := waitBucketReady(newBucket(ns, uniqueName("other")))
		k := newAccessKey(ns, "app", kossv1alpha1.BucketGrant{Name: granted.Name, Access: kossv1alpha1.BucketAccessReadWrite})
		secret := waitIssued(k)

		By("writing every key the OSS SDKs and apps read, owned by the AccessKey")
		got := getAccessKeyNow(Default, k)
		endpoint := fmt.Sprintf("http://main.%s.svc.cluster.local:9000", mainRegion.Namespace)
		Expect(metav1.IsControlledBy(secret, got)).To(BeTrue())
		Expect(secret.Labels).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "koss-operator"))
		id, sk := string(secret.Data["accessKeyId"]), string(secret.Data["accessKeySecret"])
		Expect(id).NotTo(BeEmpty())
		Expect(len(sk)).To(BeNumerically(">=", 32))
		Expect(secret.Data).To(Equal(map[string][]byte{
			"accessKeyId": []byte(id), "accessKeySecret": []byte(sk), "endpoint": []byte(endpoint), "region": []byte("main"),
			"bucket":            []byte(granted.Name),
			"OSS_ACCESS_KEY_ID": []byte(id), "OSS_ACCESS_KEY_SECRET": []byte(sk), "OSS_ENDPOINT": []byte(endpoint), "OSS_REGION": []byte("main"),
		}))
		Expect(got.Status.AccessKeyID).To(Equal(id))
		Expect(got.Status.SecretName).To(Equal("app"))
		status, err := json.Marshal(got.Status)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(status)).NotTo(ContainSubstring(sk), "the status must never hold the secret")

		By("using the key with the OSS SDK")
		c := keyClient(secret)
		Expect(putObject(c, granted.Name, "report.csv", "a,b")).To(Succeed())
		Expect(getObject(c, granted.Name, "report.csv")).To(Equal("a,b"))
		Expect(ossCode(putObject(c, other.Name, "sneaky", "x"))).To(Equal("AccessDenied"))
		_, err = getObject(c, other.Name, "anything")
		Expect(ossCode(err)).To(Equal("AccessDenied"))

		By("recording the issue without the secret")
		Eventually(func(g Gomega) {
			evs := eventsFor(g, got)
			g.Expect(eventReasons(evs)).To(ContainElement("KeyIssued"))
			for _, e := range evs {
				g.Expect(e.Note).NotTo(ContainSubstring(sk))
			}
		}).Should(Succeed())
	})

	It("follows grant changes in spec and keeps its key pair", func() {
		ns := newNamespace(served())
		first := waitBucketReady(newBucket(ns, uniqueName("first")))
		second := waitBucketReady(newBucket(ns, uniqueName("second")))
		k := newAccessKey(ns, "reader", kossv1alpha1.BucketGrant{Name: first.Name, Access: kossv1alpha1.BucketAccessRead})
		secret := waitIssued(k)
		c := keyClient(secret)
		Expect(putObject(rootOSS(mainRegion, mainKossd), first.Name, "doc", "v1")).To(Succeed())
		Expect(getObject(c, first.Name, "doc")).To(Equal("v1"))
		Expect(ossCode(putObject(c, first.Name, "doc", "v2"))).To(Equal("AccessDenied"))

		By("granting write on the first bucket and read on a second")
		Eventually(func() error {
			got := &kossv1alpha1.AccessKey{}
			if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(k), got); err != nil {
				return err
			}
			got.Spec.Buckets = []kossv1alpha1.BucketGrant{
				{Name: first.Name, Access: kossv1alpha1.BucketAccessReadWrite},
				{Name: second.Name, Access: kossv1alpha1.BucketAccessRead},
			}
			return k8sClient.Update(ctx, got)
		}).Should(Succeed())
		Eventually(func() error { return putObject(c, first.Name, "doc", "v2") }).Should(Succeed())
		Eventually(func() string {
			_, err := getObject(c, second.Name, "missing")
			return ossCode(err)
		}).Should(Equal("NoSuchKey"))
		Expect(ossCode(putObject(c, second.Name, "x", "y"))).To(Equal("AccessDenied"))

		By("keeping the pair: the Secret is its source of truth")
		after := waitIssued(k)
		Expect(after.Data["accessKeyId"]).To(Equal(secret.Data["accessKeyId"]))
		Expect(after.Data["accessKeySecret"]).To(Equal(secret.Data["accessKeySecret"]))
		Expect(getAccessKeyNow(Default, k).Status.AccessKeyID).To(Equal(string(secret.Data["accessKeyId"])))
	})

	It("can only be granted Buckets of its own namespace", func() {
		theirs := newNamespace(served())
		ours := newNamespace(served())
		target := waitBucketReady(newBucket(theirs, uniqueName("their-data")))
		Expect(putObject(rootOSS(mainRegion, mainKossd), target.Name, "secret-plans", "x")).To(Succeed())

		k := newAccessKey(ours, "thief", kossv1alpha1.BucketGrant{Name: target.Name, Access: kossv1alpha1.BucketAccessReadWrite})
		Eventually(func(g Gomega) {
			c := accessKeyReady(g, k)
			g.Expect(c.Reason).To(Equal(kossv1alpha1.AccessKeyBucketNotFoundReason))
			g.Expect(c.Message).To(ContainSubstring(target.Name))
		}).Should(Succeed())
		secret := &corev1.Secret{}
		Eventually(func() error { return k8sClient.Get(ctx, types.NamespacedName{Namespace: ours, Name: "thief"}, secret) }).Should(Succeed())
		_, err := getObject(keyClient(secret), target.Name, "secret-plans")
		Expect(ossCode(err)).To(Equal("AccessDenied"))
	})

	It("revokes its key when deleted", func() {
		ns := newNamespace(served())
		b := waitBucketReady(newBucket(ns, uniqueName("short-lived")))
		k := newAccessKey(ns, "temp", kossv1alpha1.BucketGrant{Name: b.Name, Access: kossv1alpha1.BucketAccessReadWrite})
		secret := waitIssued(k)
		c := keyClient(secret)
		Expect(putObject(c, b.Name, "x", "y")).To(Succeed())
		id := string(secret.Data["accessKeyId"])
		uid := getAccessKeyNow(Default, k).UID

		Expect(k8sClient.Delete(ctx, k)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(k), &kossv1alpha1.AccessKey{}))
		}).Should(BeTrue())
		_, err := regionAdmin(mainRegion, mainKossd).GetAccessKey(ctx, id)
		Expect(adminclient.IsNotFound(err)).To(BeTrue(), "the key is gone from the Region: %v", err)
		Expect(ossCode(putObject(c, b.Name, "x", "z"))).To(Equal("InvalidAccessKeyId"))
		Eventually(func(g Gomega) {
			var list eventsv1.EventList
			g.Expect(k8sClient.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
			var reasons []string
			for _, e := range list.Items {
				if e.Regarding.UID == uid {
					reasons = append(reasons, e.Reason)
				}
			}
			g.Expect(reasons).To(ContainElement("KeyRevoked"))
		}).Should(Succeed())
	})

	It("rotates the key when its Secret is deleted: a new pair, and the old key revoked", func() {
		ns := newNamespace(served())
		b := waitBucketReady(newBucket(ns, uniqueName("rotating")))
		k := newAccessKey(ns, "rotor", kossv1alpha1.BucketGrant{Name: b.Name, Access: kossv1alpha1.BucketAccessReadWrite})
		old := waitIssued(k)
		oldID := string(old.Data["accessKeyId"])

		Expect(k8sClient.Delete(ctx, old)).To(Succeed())
		var fresh *corev1.Secret
		Eventually(func(g Gomega) {
			fresh = readSecret(g, ns, "rotor")
			g.Expect(string(fresh.Data["accessKeyId"])).NotTo(Equal(oldID))
			g.Expect(getAccessKeyNow(g, k).Status.AccessKeyID).To(Equal(string(fresh.Data["accessKeyId"])))
			g.Expect(accessKeyReady(g, k).Status).To(Equal(metav1.ConditionTrue))
		}).Should(Succeed())
		Expect(putObject(keyClient(fresh), b.Name, "after", "rotation")).To(Succeed())
		_, err := regionAdmin(mainRegion, mainKossd).GetAccessKey(ctx, oldID)
		Expect(adminclient.IsNotFound(err)).To(BeTrue(), "the old key is revoked: %v", err)
		Expect(ossCode(putObject(keyClient(old), b.Name, "before", "rotation"))).To(Equal("InvalidAccessKeyId"))
	})

	It("never overwrites a Secret it does not own", func() {
		ns := newNamespace(served())
		b := waitBucketReady(newBucket(ns, uniqueName("guarded")))
		mine := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "taken"},
			StringData: map[string]string{"password": "hunter2"},
		}
		Expect(k8sClient.Create(ctx, mine)).To(Succeed())
		k := &kossv1alpha1.AccessKey{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "intruder"},
			Spec: kossv1alpha1.AccessKeySpec{
				RegionRef:  kossv1alpha1.RegionReference{Name: mainRegion.Name, Namespace: mainRegion.Namespace},
				Buckets:    []kossv1alpha1.BucketGrant{{Name: b.Name, Access: kossv1alpha1.BucketAccessRead}},
				SecretName: "taken",
			},
		}
		Expect(k8sClient.Create(ctx, k)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(accessKeyReady(g, k).Reason).To(Equal(kossv1alpha1.AccessKeySecretConflictReason))
		}).Should(Succeed())
		after := readSecret(Default, ns, "taken")
		Expect(after.Data).To(Equal(map[string][]byte{"password": []byte("hunter2")}))
		Expect(after.OwnerReferences).To(BeEmpty())
	})
})
