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
	"maps"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

func testAccessKey(mutate ...func(*kossv1alpha1.AccessKey)) *kossv1alpha1.AccessKey {
	k := &kossv1alpha1.AccessKey{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "storage", UID: "uid-k", Generation: 2},
		Spec: kossv1alpha1.AccessKeySpec{
			RegionRef: kossv1alpha1.RegionReference{Name: "eu"},
			Buckets:   []kossv1alpha1.BucketGrant{{Name: "photos", Access: kossv1alpha1.BucketAccessReadWrite}},
		},
	}
	for _, m := range mutate {
		m(k)
	}
	return k
}

func TestSetAccessKeyStatus(t *testing.T) {
	usable := controllers.RegionUse{}
	issued := accessKeyObservation{region: usable, grants: 1, secretWritten: true, keyID: "KOSSAAA"}
	tests := map[string]struct {
		// key is the AccessKey before the status is derived.
		key *kossv1alpha1.AccessKey
		// o is the pass's observation.
		o accessKeyObservation
		// want is the Ready condition.
		want controllertest.WantCondition
		// wantID and wantSecret are status.accessKeyId and status.secretName.
		wantID, wantSecret string
	}{
		"an issued key is Ready": {
			key: testAccessKey(), o: issued,
			want:   controllertest.Want(metav1.ConditionTrue, kossv1alpha1.AccessKeyIssuedReason, "Key KOSSAAA is registered with 1 grants; its credentials are in Secret app"),
			wantID: "KOSSAAA", wantSecret: "app",
		},
		"spec.secretName names the Secret": {
			key: testAccessKey(func(k *kossv1alpha1.AccessKey) { k.Spec.SecretName = "creds" }), o: issued,
			want:   controllertest.Want(metav1.ConditionTrue, kossv1alpha1.AccessKeyIssuedReason, "Secret creds"),
			wantID: "KOSSAAA", wantSecret: "creds",
		},
		"a missing Bucket, with the key issued for the rest": {
			key: testAccessKey(),
			o: func() accessKeyObservation {
				o := issued
				o.missingBuckets = []string{"logs"}
				return o
			}(),
			want:   controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyBucketNotFoundReason, "not found in namespace storage: logs"),
			wantID: "KOSSAAA", wantSecret: "app",
		},
		"a Bucket of another Region": {
			key:  testAccessKey(),
			o:    accessKeyObservation{region: usable, otherRegionBuckets: []string{"photos"}},
			want: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyBucketInOtherRegionReason, "photos"),
		},
		"a Bucket that is not provisioned": {
			key:  testAccessKey(),
			o:    accessKeyObservation{region: usable, unprovisionedBuckets: []string{"photos"}},
			want: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyBucketNotReadyReason, "not provisioned in the Region (yet), so not granted: photos"),
		},
		"a Secret that could not be written yet": {
			key:  testAccessKey(),
			o:    accessKeyObservation{region: usable, grants: 1},
			want: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyIssuingReason, "Writing the credentials Secret app"),
		},
		"a key not registered yet, for no reason the Region gave": {
			key:  testAccessKey(),
			o:    accessKeyObservation{region: usable, grants: 1, secretWritten: true},
			want: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyIssuingReason, "Registering the key"), wantSecret: "app",
		},
		"a missing Region": {
			key:  testAccessKey(),
			o:    accessKeyObservation{region: controllers.RegionUse{Reason: kossv1alpha1.RegionRefNotFoundReason, Message: "Region storage/eu not found"}},
			want: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyRegionNotFoundReason, "not found"),
		},
		"a Region that does not serve the namespace": {
			key:  testAccessKey(),
			o:    accessKeyObservation{region: controllers.RegionUse{Reason: kossv1alpha1.RegionRefNotAllowedReason, Message: "does not serve"}},
			want: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyRegionNotAllowedReason, "does not serve"),
		},
		"a Region that is not Available": {
			key:  testAccessKey(),
			o:    accessKeyObservation{region: controllers.RegionUse{Reason: kossv1alpha1.RegionRefNotReadyReason, Message: "not Available"}},
			want: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyRegionNotReadyReason, "not Available"),
		},
		"a Region that cannot be reached": {
			key:  testAccessKey(),
			o:    accessKeyObservation{region: controllers.RegionUse{Reason: kossv1alpha1.RegionRefUnreachableReason, Message: "cannot be reached"}},
			want: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyKossdUnreachableReason, "cannot be reached"),
		},
		"a Secret that belongs to someone else": {
			key:  testAccessKey(),
			o:    accessKeyObservation{region: usable, secretConflict: "app"},
			want: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeySecretConflictReason, "never overwritten"),
		},
		"an unreachable Region": {
			key:  testAccessKey(),
			o:    accessKeyObservation{region: usable, secretWritten: true, engineErr: controllertest.ErrConnRefused},
			want: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyKossdUnreachableReason, "connection refused"), wantSecret: "app",
		},
		"a refused registration": {
			key: testAccessKey(),
			o: accessKeyObservation{region: usable, secretWritten: true,
				engineErr: &adminclient.APIError{StatusCode: 409, Code: adminapi.CodeKeyConflict, Message: "other secret"}},
			want: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyRegistrationFailedReason, "KeyConflict (409)"), wantSecret: "app",
		},
		"revoking": {
			key:  testAccessKey(func(k *kossv1alpha1.AccessKey) { k.Status.AccessKeyID = "KOSSAAA" }),
			o:    accessKeyObservation{deleting: true},
			want: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyRevokingReason, "Revoking key KOSSAAA"), wantID: "KOSSAAA",
		},
		"revoking while the Region cannot be reached": {
			key:  testAccessKey(),
			o:    accessKeyObservation{deleting: true, engineErr: controllertest.ErrConnRefused},
			want: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyKossdUnreachableReason, "to revoke"),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			k := tc.key
			setAccessKeyStatus(k, tc.o)
			controllertest.CheckCondition(t, k.Status.Conditions, kossv1alpha1.AccessKeyReadyCondition, k.Generation, tc.want)
			if k.Status.AccessKeyID != tc.wantID || k.Status.SecretName != tc.wantSecret {
				t.Errorf("accessKeyId, secretName = %q, %q, want %q, %q", k.Status.AccessKeyID, k.Status.SecretName, tc.wantID, tc.wantSecret)
			}
		})
	}
}

func TestDesiredAccessKeySecret(t *testing.T) {
	pair, _ := controllers.KeyPairOf("KOSSID", "SECRETVALUE")
	content := accessKeySecretContent{endpoint: "http://eu.storage.svc.cluster.local:9000", region: "eu"}
	tests := map[string]struct {
		// key is the AccessKey.
		key *kossv1alpha1.AccessKey
		// bucket is the first granted bucket name.
		bucket string
		// endpoint and caPEM are the Region's; endpoint "" means content's plain one.
		endpoint string
		caPEM    []byte
		// wantName is the Secret's name.
		wantName string
	}{
		"one bucket: bucket is set": {key: testAccessKey(), bucket: "photos", wantName: "app"},
		"a TLS Region: the https endpoint everywhere and its CA as ca.crt": {
			key: testAccessKey(), bucket: "photos", endpoint: "https://eu.storage.svc.cluster.local:9000",
			caPEM: []byte("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"), wantName: "app",
		},
		"no bucket: bucket is left out": {key: testAccessKey(func(k *kossv1alpha1.AccessKey) { k.Spec.Buckets = nil }), wantName: "app"},
		"spec.secretName names the Secret": {
			key: testAccessKey(func(k *kossv1alpha1.AccessKey) { k.Spec.SecretName = "creds" }), bucket: "photos", wantName: "creds",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := content
			c.bucket = tc.bucket
			if tc.endpoint != "" {
				c.endpoint, c.caPEM = tc.endpoint, tc.caPEM
			}
			s := controllertest.Decode[corev1.Secret](t, desiredAccessKeySecret(tc.key, pair, c))
			want := map[string]string{
				"accessKeyId": "KOSSID", "accessKeySecret": "SECRETVALUE", "endpoint": c.endpoint, "region": "eu",
				"OSS_ACCESS_KEY_ID": "KOSSID", "OSS_ACCESS_KEY_SECRET": "SECRETVALUE", "OSS_ENDPOINT": c.endpoint, "OSS_REGION": "eu",
				"AWS_ACCESS_KEY_ID": "KOSSID", "AWS_SECRET_ACCESS_KEY": "SECRETVALUE", "AWS_ENDPOINT_URL": c.endpoint,
				"AWS_ENDPOINT_URL_S3": c.endpoint, "AWS_REGION": "eu",
			}
			if tc.bucket != "" {
				want["bucket"] = tc.bucket
			}
			// Without a CA there is no ca.crt key at all: a pod mounting it must fail to start
			// rather than trust an empty bundle.
			if len(tc.caPEM) > 0 {
				want["ca.crt"] = string(tc.caPEM)
			}
			if len(s.Data) != len(want) {
				t.Errorf("keys = %v, want %d", slices.Sorted(maps.Keys(s.Data)), len(want))
			}
			for k, v := range want {
				if string(s.Data[k]) != v {
					t.Errorf("%s = %q, want %q", k, s.Data[k], v)
				}
			}
			if s.Name != tc.wantName || s.Namespace != "storage" {
				t.Errorf("name = %s/%s", s.Namespace, s.Name)
			}
			if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].Kind != "AccessKey" || s.OwnerReferences[0].UID != "uid-k" ||
				!ptr.Deref(s.OwnerReferences[0].Controller, false) {
				t.Errorf("owner = %+v", s.OwnerReferences)
			}
			if s.Labels["app.kubernetes.io/managed-by"] != "koss-operator" {
				t.Errorf("labels = %v", s.Labels)
			}
			got, ok := keyPairFromSecret(s)
			if !ok || got != pair {
				t.Errorf("keyPairFromSecret = %v, %v", got, ok)
			}
		})
	}
}

func TestSameGrants(t *testing.T) {
	a := adminapi.Grant{Bucket: "a", Access: adminapi.AccessRead}
	b := adminapi.Grant{Bucket: "b", Access: adminapi.AccessReadWrite}
	tests := map[string]struct {
		have, want []adminapi.Grant
		same       bool
	}{
		"equal in another order": {[]adminapi.Grant{b, a}, []adminapi.Grant{a, b}, true},
		"access differs":         {[]adminapi.Grant{{Bucket: "a", Access: adminapi.AccessWrite}}, []adminapi.Grant{a}, false},
		"one more":               {[]adminapi.Grant{a}, []adminapi.Grant{a, b}, false},
		"both empty":             {nil, nil, true},
		"nil and empty":          {[]adminapi.Grant{}, nil, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := sameGrants(tc.have, tc.want); got != tc.same {
				t.Errorf("sameGrants = %v", got)
			}
		})
	}
}
