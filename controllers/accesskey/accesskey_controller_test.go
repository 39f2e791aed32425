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
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

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
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
	"github.com/koss-io/koss/storage/adminclient/fake"
)

var _ = Describe("AccessKey controller", func() {
	ctx := context.Background()
	served := controllertest.Served
	readSecret := func(g Gomega, ns, name string) *corev1.Secret {
		s := &corev1.Secret{}
		g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, s)).To(Succeed())
		return s
	}
	waitIssued := func(k *kossv1alpha1.AccessKey) *corev1.Secret {
		var s *corev1.Secret
		EventuallyWithOffset(1, func(g Gomega) {
			c := env.AccessKeyReady(g, k)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "Ready: %s %s", c.Reason, c.Message)
			s = readSecret(g, k.Namespace, k.SecretName())
		}).Should(Succeed())
		return s
	}
	keyClient := func(s *corev1.Secret) *oss.Client {
		return controllertest.OSSClient(env.MainKossd, string(s.Data["region"]), string(s.Data["accessKeyId"]), string(s.Data["accessKeySecret"]))
	}

	It("issues a key into its Secret that works on its granted bucket and is denied elsewhere", func() {
		ns := env.NewNamespace(served())
		granted := env.WaitBucketReady(env.NewBucket(ns, controllertest.UniqueName("granted")))
		other := env.WaitBucketReady(env.NewBucket(ns, controllertest.UniqueName("other")))
		k := env.NewAccessKey(ns, "app", kossv1alpha1.BucketGrant{Name: granted.Name, Access: kossv1alpha1.BucketAccessReadWrite})
		secret := waitIssued(k)

		By("writing every key the OSS and AWS SDKs and apps read, owned by the AccessKey")
		got := env.GetAccessKeyNow(Default, k)
		// The main Region serves TLS (the default): the endpoint is https and the Secret
		// carries the Region's CA, exactly the ca.crt of the pods' Secret.
		endpoint := fmt.Sprintf("https://main.%s.svc.cluster.local:9000", env.MainRegion.Namespace)
		regionTLS := readSecret(Default, env.MainRegion.Namespace, "main-tls")
		Expect(regionTLS.Data["ca.crt"]).NotTo(BeEmpty())
		Expect(metav1.IsControlledBy(secret, got)).To(BeTrue())
		Expect(secret.Labels).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "koss-operator"))
		id, sk := string(secret.Data["accessKeyId"]), string(secret.Data["accessKeySecret"])
		Expect(id).NotTo(BeEmpty())
		Expect(len(sk)).To(BeNumerically(">=", 32))
		Expect(secret.Data).To(Equal(map[string][]byte{
			"accessKeyId": []byte(id), "accessKeySecret": []byte(sk), "endpoint": []byte(endpoint), "region": []byte("main"),
			"bucket":            []byte(granted.Name),
			"OSS_ACCESS_KEY_ID": []byte(id), "OSS_ACCESS_KEY_SECRET": []byte(sk), "OSS_ENDPOINT": []byte(endpoint), "OSS_REGION": []byte("main"),
			"AWS_ACCESS_KEY_ID": []byte(id), "AWS_SECRET_ACCESS_KEY": []byte(sk), "AWS_ENDPOINT_URL": []byte(endpoint),
			"AWS_ENDPOINT_URL_S3": []byte(endpoint), "AWS_REGION": []byte("main"),
			"ca.crt": regionTLS.Data["ca.crt"],
		}))
		Expect(secret.Data).NotTo(HaveKey("tls.key"), "a client's Secret never holds the pods' key")
		Expect(got.Status.AccessKeyID).To(Equal(id))
		Expect(got.Status.SecretName).To(Equal("app"))
		status, err := json.Marshal(got.Status)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(status)).NotTo(ContainSubstring(sk), "the status must never hold the secret")

		By("using the key with the OSS SDK")
		c := keyClient(secret)
		Expect(controllertest.PutObject(c, granted.Name, "report.csv", "a,b")).To(Succeed())
		Expect(controllertest.GetObject(c, granted.Name, "report.csv")).To(Equal("a,b"))
		Expect(controllertest.OSSCode(controllertest.PutObject(c, other.Name, "sneaky", "x"))).To(Equal("AccessDenied"))
		_, err = controllertest.GetObject(c, other.Name, "anything")
		Expect(controllertest.OSSCode(err)).To(Equal("AccessDenied"))

		By("recording the issue without the secret")
		Eventually(func(g Gomega) {
			evs := env.EventsFor(g, got)
			g.Expect(controllertest.EventReasons(evs)).To(ContainElement("KeyIssued"))
			for _, e := range evs {
				g.Expect(e.Note).NotTo(ContainSubstring(sk))
			}
		}).Should(Succeed())
	})

	It("writes the http endpoint and no ca.crt for a Region with TLS disabled", func() {
		ns := env.NewNamespace(nil)
		r := env.NewRegion(ns, "plain", func(r *kossv1alpha1.Region) { r.Spec.TLS.Disabled = true })
		env.StartKossd(r)
		env.WaitAvailable(r)
		k := &kossv1alpha1.AccessKey{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "plain-app"},
			Spec:       kossv1alpha1.AccessKeySpec{RegionRef: kossv1alpha1.RegionReference{Name: r.Name}},
		}
		Expect(env.Client.Create(ctx, k)).To(Succeed())
		endpoint := fmt.Sprintf("http://plain.%s.svc.cluster.local:9000", ns)
		Eventually(func(g Gomega) {
			s := readSecret(g, ns, "plain-app")
			for _, key := range []string{"endpoint", "OSS_ENDPOINT", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"} {
				g.Expect(string(s.Data[key])).To(Equal(endpoint), key)
			}
			// No CA: a plain-HTTP Region has none, and an empty ca.crt would be mistaken for one.
			g.Expect(s.Data).NotTo(HaveKey("ca.crt"))
		}).Should(Succeed())
	})

	It("follows grant changes in spec and keeps its key pair", func() {
		ns := env.NewNamespace(served())
		first := env.WaitBucketReady(env.NewBucket(ns, controllertest.UniqueName("first")))
		second := env.WaitBucketReady(env.NewBucket(ns, controllertest.UniqueName("second")))
		k := env.NewAccessKey(ns, "reader", kossv1alpha1.BucketGrant{Name: first.Name, Access: kossv1alpha1.BucketAccessRead})
		secret := waitIssued(k)
		c := keyClient(secret)
		Expect(controllertest.PutObject(env.RootOSS(env.MainRegion, env.MainKossd), first.Name, "doc", "v1")).To(Succeed())
		Expect(controllertest.GetObject(c, first.Name, "doc")).To(Equal("v1"))
		Expect(controllertest.OSSCode(controllertest.PutObject(c, first.Name, "doc", "v2"))).To(Equal("AccessDenied"))

		By("granting write on the first bucket and read on a second")
		Eventually(func() error {
			got := &kossv1alpha1.AccessKey{}
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(k), got); err != nil {
				return err
			}
			got.Spec.Buckets = []kossv1alpha1.BucketGrant{
				{Name: first.Name, Access: kossv1alpha1.BucketAccessReadWrite},
				{Name: second.Name, Access: kossv1alpha1.BucketAccessRead},
			}
			return env.Client.Update(ctx, got)
		}).Should(Succeed())
		Eventually(func() error { return controllertest.PutObject(c, first.Name, "doc", "v2") }).Should(Succeed())
		Eventually(func() string {
			_, err := controllertest.GetObject(c, second.Name, "missing")
			return controllertest.OSSCode(err)
		}).Should(Equal("NoSuchKey"))
		Expect(controllertest.OSSCode(controllertest.PutObject(c, second.Name, "x", "y"))).To(Equal("AccessDenied"))

		By("keeping the pair: the Secret is its source of truth")
		after := waitIssued(k)
		Expect(after.Data["accessKeyId"]).To(Equal(secret.Data["accessKeyId"]))
		Expect(after.Data["accessKeySecret"]).To(Equal(secret.Data["accessKeySecret"]))
		Expect(env.GetAccessKeyNow(Default, k).Status.AccessKeyID).To(Equal(string(secret.Data["accessKeyId"])))
	})

	It("can only be granted Buckets of its own namespace", func() {
		theirs := env.NewNamespace(served())
		ours := env.NewNamespace(served())
		target := env.WaitBucketReady(env.NewBucket(theirs, controllertest.UniqueName("their-data")))
		Expect(controllertest.PutObject(env.RootOSS(env.MainRegion, env.MainKossd), target.Name, "secret-plans", "x")).To(Succeed())

		k := env.NewAccessKey(ours, "thief", kossv1alpha1.BucketGrant{Name: target.Name, Access: kossv1alpha1.BucketAccessReadWrite})
		Eventually(func(g Gomega) {
			c := env.AccessKeyReady(g, k)
			g.Expect(c.Reason).To(Equal(kossv1alpha1.AccessKeyBucketNotFoundReason))
			g.Expect(c.Message).To(ContainSubstring(target.Name))
		}).Should(Succeed())
		secret := &corev1.Secret{}
		Eventually(func() error { return env.Client.Get(ctx, types.NamespacedName{Namespace: ours, Name: "thief"}, secret) }).Should(Succeed())
		_, err := controllertest.GetObject(keyClient(secret), target.Name, "secret-plans")
		Expect(controllertest.OSSCode(err)).To(Equal("AccessDenied"))
	})

	It("revokes its key when deleted", func() {
		ns := env.NewNamespace(served())
		b := env.WaitBucketReady(env.NewBucket(ns, controllertest.UniqueName("short-lived")))
		k := env.NewAccessKey(ns, "temp", kossv1alpha1.BucketGrant{Name: b.Name, Access: kossv1alpha1.BucketAccessReadWrite})
		secret := waitIssued(k)
		c := keyClient(secret)
		Expect(controllertest.PutObject(c, b.Name, "x", "y")).To(Succeed())
		id := string(secret.Data["accessKeyId"])
		uid := env.GetAccessKeyNow(Default, k).UID

		Expect(env.Client.Delete(ctx, k)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(k), &kossv1alpha1.AccessKey{}))
		}).Should(BeTrue())
		_, err := env.RegionAdmin(env.MainRegion, env.MainKossd).GetAccessKey(ctx, id)
		Expect(adminclient.IsNotFound(err)).To(BeTrue(), "the key is gone from the Region: %v", err)
		Expect(controllertest.OSSCode(controllertest.PutObject(c, b.Name, "x", "z"))).To(Equal("InvalidAccessKeyId"))
		Eventually(func(g Gomega) {
			var list eventsv1.EventList
			g.Expect(env.Client.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
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
		ns := env.NewNamespace(served())
		b := env.WaitBucketReady(env.NewBucket(ns, controllertest.UniqueName("rotating")))
		k := env.NewAccessKey(ns, "rotor", kossv1alpha1.BucketGrant{Name: b.Name, Access: kossv1alpha1.BucketAccessReadWrite})
		old := waitIssued(k)
		oldID := string(old.Data["accessKeyId"])

		Expect(env.Client.Delete(ctx, old)).To(Succeed())
		var fresh *corev1.Secret
		Eventually(func(g Gomega) {
			fresh = readSecret(g, ns, "rotor")
			g.Expect(string(fresh.Data["accessKeyId"])).NotTo(Equal(oldID))
			g.Expect(env.GetAccessKeyNow(g, k).Status.AccessKeyID).To(Equal(string(fresh.Data["accessKeyId"])))
			g.Expect(env.AccessKeyReady(g, k).Status).To(Equal(metav1.ConditionTrue))
		}).Should(Succeed())
		Expect(controllertest.PutObject(keyClient(fresh), b.Name, "after", "rotation")).To(Succeed())
		_, err := env.RegionAdmin(env.MainRegion, env.MainKossd).GetAccessKey(ctx, oldID)
		Expect(adminclient.IsNotFound(err)).To(BeTrue(), "the old key is revoked: %v", err)
		Expect(controllertest.OSSCode(controllertest.PutObject(keyClient(old), b.Name, "before", "rotation"))).To(Equal("InvalidAccessKeyId"))
	})

	It("rotates on the koss.io/rotate annotation: the Secret is updated in place, the previous key works through the overlap, then it is revoked", func() {
		ns := env.NewNamespace(served())
		b := env.WaitBucketReady(env.NewBucket(ns, controllertest.UniqueName("rotated")))
		k := env.NewAccessKey(ns, "roller", kossv1alpha1.BucketGrant{Name: b.Name, Access: kossv1alpha1.BucketAccessReadWrite})
		old := waitIssued(k)
		oldID := string(old.Data["accessKeyId"])
		Expect(env.GetAccessKeyNow(Default, k).Status.KeyIssuedAt).NotTo(BeNil())

		By("asking for a rotation with an 8s overlap")
		Eventually(func(g Gomega) {
			cur := env.GetAccessKeyNow(g, k)
			cur.Spec.Rotation = &kossv1alpha1.AccessKeyRotation{Overlap: &metav1.Duration{Duration: 8 * time.Second}}
			if cur.Annotations == nil {
				cur.Annotations = map[string]string{}
			}
			cur.Annotations[kossv1alpha1.RotateAnnotation] = "1"
			g.Expect(env.Client.Update(ctx, cur)).To(Succeed())
		}).Should(Succeed())
		var fresh *corev1.Secret
		var retires time.Time
		Eventually(func(g Gomega) {
			fresh = readSecret(g, ns, "roller")
			g.Expect(string(fresh.Data["accessKeyId"])).NotTo(Equal(oldID))
			st := env.GetAccessKeyNow(g, k).Status
			g.Expect(st.AccessKeyID).To(Equal(string(fresh.Data["accessKeyId"])))
			g.Expect(st.PreviousAccessKeyID).To(Equal(oldID))
			g.Expect(st.PreviousKeyRetiresAt).NotTo(BeNil())
			retires = st.PreviousKeyRetiresAt.Time
		}).Should(Succeed())
		Expect(fresh.UID).To(Equal(old.UID), "the Secret is updated in place, so mounted volumes follow")
		Expect(string(fresh.Data["OSS_ACCESS_KEY_ID"])).To(Equal(string(fresh.Data["accessKeyId"])))

		By("both pairs working during the overlap")
		if time.Until(retires) > 2*time.Second {
			Expect(controllertest.PutObject(keyClient(old), b.Name, "old-pair", "still works")).To(Succeed())
		}
		Expect(controllertest.PutObject(keyClient(fresh), b.Name, "new-pair", "works")).To(Succeed())

		By("revoking the previous key once the overlap ends")
		Eventually(func(g Gomega) {
			_, err := env.RegionAdmin(env.MainRegion, env.MainKossd).GetAccessKey(ctx, oldID)
			g.Expect(adminclient.IsNotFound(err)).To(BeTrue(), "the previous key is still registered: %v", err)
			st := env.GetAccessKeyNow(g, k).Status
			g.Expect(st.PreviousAccessKeyID).To(BeEmpty())
			g.Expect(st.PreviousKeyRetiresAt).To(BeNil())
		}).WithTimeout(time.Minute).Should(Succeed())
		Expect(time.Now()).To(BeTemporally(">=", retires), "revoked before the overlap ended")
		Expect(controllertest.OSSCode(controllertest.PutObject(keyClient(old), b.Name, "old-pair", "refused"))).To(Equal("InvalidAccessKeyId"))
		Expect(controllertest.PutObject(keyClient(fresh), b.Name, "new-pair", "still works")).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(controllertest.EventReasons(env.EventsFor(g, env.GetAccessKeyNow(g, k)))).To(ContainElements("KeyRotated", "KeyRetired"))
		}).Should(Succeed())

		By("not rotating again for the same annotation value")
		Consistently(func(g Gomega) {
			g.Expect(string(readSecret(g, ns, "roller").Data["accessKeyId"])).To(Equal(string(fresh.Data["accessKeyId"])))
		}).WithTimeout(3 * time.Second).Should(Succeed())
	})

	It("never puts a pair the Region refused into the Secret: a rotation whose registration fails keeps the old pair, and completes once the Region takes it", func() {
		ns := env.NewNamespace(served())
		b := env.WaitBucketReady(env.NewBucket(ns, controllertest.UniqueName("refused-rot")))
		k := env.NewAccessKey(ns, "stubborn", kossv1alpha1.BucketGrant{Name: b.Name, Access: kossv1alpha1.BucketAccessReadWrite})
		old := waitIssued(k)
		oldID := string(old.Data["accessKeyId"])

		failing := &refusingAdmin{Interface: env.RegionAdmin(env.MainRegion, env.MainKossd)}
		failing.refuse.Store(true)
		key := controllers.RegionKey(env.MainRegion.Namespace, env.MainRegion.Name)
		env.Admins.SetOverride(key, failing)
		DeferCleanup(func() { env.Admins.SetOverride(key, nil) })
		Eventually(func(g Gomega) {
			cur := env.GetAccessKeyNow(g, k)
			if cur.Annotations == nil {
				cur.Annotations = map[string]string{}
			}
			cur.Annotations[kossv1alpha1.RotateAnnotation] = "now"
			g.Expect(env.Client.Update(ctx, cur)).To(Succeed())
		}).Should(Succeed())
		By("keeping the old pair while registration fails")
		Eventually(failing.refused.Load).Should(BeNumerically(">=", 2), "no rotation was attempted twice")
		Consistently(func(g Gomega) {
			g.Expect(string(readSecret(g, ns, "stubborn").Data["accessKeyId"])).To(Equal(oldID))
		}).WithTimeout(2 * time.Second).Should(Succeed())
		Expect(controllertest.PutObject(keyClient(old), b.Name, "during", "refused rotation")).To(Succeed())

		By("completing once the Region takes the key, the interrupted attempts leaving no key behind")
		failing.refuse.Store(false)
		var fresh *corev1.Secret
		Eventually(func(g Gomega) {
			fresh = readSecret(g, ns, "stubborn")
			g.Expect(string(fresh.Data["accessKeyId"])).NotTo(Equal(oldID))
			g.Expect(fresh.Annotations).NotTo(HaveKey("koss.io/pending-access-key-id"))
			g.Expect(env.GetAccessKeyNow(g, k).Status.PreviousAccessKeyID).To(Equal(oldID))
		}).Should(Succeed())
		Expect(controllertest.PutObject(keyClient(fresh), b.Name, "after", "rotation")).To(Succeed())
		keys, err := env.RegionAdmin(env.MainRegion, env.MainKossd).ListAccessKeys(ctx)
		Expect(err).NotTo(HaveOccurred())
		for _, ak := range failing.attempted() {
			if ak == string(fresh.Data["accessKeyId"]) {
				continue
			}
			Expect(keys).NotTo(ContainElement(HaveField("AccessKeyID", ak)), "an attempted key %s stayed registered", ak)
		}
	})

	It("never overwrites a Secret it does not own", func() {
		ns := env.NewNamespace(served())
		b := env.WaitBucketReady(env.NewBucket(ns, controllertest.UniqueName("guarded")))
		mine := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "taken"},
			StringData: map[string]string{"password": "hunter2"},
		}
		Expect(env.Client.Create(ctx, mine)).To(Succeed())
		k := &kossv1alpha1.AccessKey{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "intruder"},
			Spec: kossv1alpha1.AccessKeySpec{
				RegionRef:  kossv1alpha1.RegionReference{Name: env.MainRegion.Name, Namespace: env.MainRegion.Namespace},
				Buckets:    []kossv1alpha1.BucketGrant{{Name: b.Name, Access: kossv1alpha1.BucketAccessRead}},
				SecretName: "taken",
			},
		}
		Expect(env.Client.Create(ctx, k)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(env.AccessKeyReady(g, k).Reason).To(Equal(kossv1alpha1.AccessKeySecretConflictReason))
		}).Should(Succeed())
		after := readSecret(Default, ns, "taken")
		Expect(after.Data).To(Equal(map[string][]byte{"password": []byte("hunter2")}))
		Expect(after.OwnerReferences).To(BeEmpty())
	})

	It("keeps a key's grants while its Bucket is Provisioned but not Ready (its Region failing over)", func() {
		ns := env.NewNamespace(nil)
		admin := fake.New()
		env.Admins.SetOverride(controllers.RegionKey(ns, "failover"), admin)
		r := env.NewRegion(ns, "failover")
		Eventually(func(g Gomega) {
			g.Expect(env.SettleStatefulSet(r)).To(Succeed())
			g.Expect(controllertest.ConditionOf(env.GetRegionNow(g, r).Status.Conditions, kossv1alpha1.RegionAvailableCondition)).To(HaveField("Status", metav1.ConditionTrue))
		}).Should(Succeed())
		b := &kossv1alpha1.Bucket{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: controllertest.UniqueName("steady")},
			Spec:       kossv1alpha1.BucketSpec{RegionRef: kossv1alpha1.RegionReference{Name: "failover"}},
		}
		Expect(env.Client.Create(ctx, b)).To(Succeed())
		env.WaitBucketReady(b)
		k := &kossv1alpha1.AccessKey{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "writer"},
			Spec: kossv1alpha1.AccessKeySpec{
				RegionRef: kossv1alpha1.RegionReference{Name: "failover"},
				Buckets:   []kossv1alpha1.BucketGrant{{Name: b.Name, Access: kossv1alpha1.BucketAccessReadWrite}},
			},
		}
		Expect(env.Client.Create(ctx, k)).To(Succeed())
		var id string
		Eventually(func(g Gomega) {
			g.Expect(env.AccessKeyReady(g, k).Status).To(Equal(metav1.ConditionTrue))
			id = env.GetAccessKeyNow(g, k).Status.AccessKeyID
		}).Should(Succeed())
		want := []adminapi.Grant{{Bucket: b.Name, Access: adminapi.AccessReadWrite}}
		grants := func(g Gomega) []adminapi.Grant {
			got, err := admin.GetAccessKey(ctx, id)
			g.Expect(err).NotTo(HaveOccurred())
			return got.Grants
		}
		Expect(grants(Default)).To(Equal(want))

		By("failing the Region's bucket reads while the Region stays Available")
		admin.Fail("GetBucket", &adminclient.APIError{StatusCode: 503, Code: adminapi.CodeUnavailable, Message: "no leader"})
		Eventually(func(g Gomega) {
			st := env.GetBucketNow(g, b).Status
			g.Expect(controllertest.ConditionOf(st.Conditions, kossv1alpha1.BucketReadyCondition)).To(And(
				HaveField("Status", metav1.ConditionFalse), HaveField("Reason", kossv1alpha1.BucketKossdUnreachableReason)))
			g.Expect(controllertest.ConditionOf(st.Conditions, kossv1alpha1.BucketProvisionedCondition)).To(HaveField("Status", metav1.ConditionTrue))
		}).Should(Succeed())

		By("resyncing the key meanwhile (the Bucket's change and the resync interval wake it) without taking the grant away")
		setGrants := func() int { return countOf(admin.Calls(), "SetGrants") }
		before := setGrants()
		Consistently(func(g Gomega) {
			g.Expect(grants(g)).To(Equal(want))
			g.Expect(env.AccessKeyReady(g, k).Status).To(Equal(metav1.ConditionTrue))
		}).WithTimeout(2 * controllertest.ResyncInterval).WithPolling(250 * time.Millisecond).Should(Succeed())
		Expect(setGrants()).To(Equal(before), "the key's grants were rewritten during the outage")

		By("recovering")
		admin.Fail("GetBucket", nil)
		env.WaitBucketReady(b)
		Expect(grants(Default)).To(Equal(want))
	})
})

// countOf counts the calls of method among calls.
func countOf(calls []string, method string) int {
	n := 0
	for _, c := range calls {
		if c == method {
			n++
		}
	}
	return n
}

// refusingAdmin fails CreateAccessKey while refuse is set, as a Region that refuses or
// cannot take a key does, and records the ids asked for.
type refusingAdmin struct {
	adminclient.Interface
	refuse  atomic.Bool
	refused atomic.Int32
	mu      sync.Mutex
	ids     []string
}

func (a *refusingAdmin) CreateAccessKey(ctx context.Context, req adminapi.CreateKeyRequest) (adminapi.AccessKey, error) {
	a.mu.Lock()
	a.ids = append(a.ids, req.AccessKeyID)
	a.mu.Unlock()
	if a.refuse.Load() {
		a.refused.Add(1)
		return adminapi.AccessKey{}, errors.New("refused by the test")
	}
	return a.Interface.CreateAccessKey(ctx, req)
}

func (a *refusingAdmin) attempted() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.ids)
}
