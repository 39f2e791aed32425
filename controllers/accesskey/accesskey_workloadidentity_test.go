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
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
)

func withWorkloadIdentity(k *kossv1alpha1.AccessKey) {
	k.Spec.WorkloadIdentity = &kossv1alpha1.AccessKeyWorkloadIdentity{ServiceAccounts: []string{"worker"}}
}

func TestDesiredWorkloadIdentityConfigMap(t *testing.T) {
	k := testAccessKey(withWorkloadIdentity)
	tests := map[string]struct {
		region   *kossv1alpha1.Region
		ca       []byte
		endpoint string
	}{
		"a TLS Region: https, with its CA": {region: controllertest.TestRegion(), ca: []byte("CA PEM"), endpoint: "https://eu.storage.svc.cluster.local:9000"},
		"a plain-HTTP Region": {
			region:   controllertest.TestRegion(func(r *kossv1alpha1.Region) { r.Spec.TLS.Disabled = true }),
			endpoint: "http://eu.storage.svc.cluster.local:9000",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st := workloadIdentityStatus(k, tc.region)
			wantStatus := &kossv1alpha1.AccessKeyWorkloadIdentityStatus{
				RoleArn:         "acs:ram::koss:role/storage/app",
				OIDCProviderArn: "acs:ram::koss:oidc-provider/storage/eu",
				Audience:        "koss.io/storage/eu",
				STSEndpoint:     "eu.storage.svc.cluster.local:9000",
				ConfigMapName:   "app-identity",
			}
			if !reflect.DeepEqual(st, wantStatus) {
				t.Fatalf("status = %+v, want %+v", st, wantStatus)
			}
			cm := controllertest.Decode[corev1.ConfigMap](t, desiredWorkloadIdentityConfigMap(k, tc.region, st, tc.ca))
			want := map[string]string{
				"ALIBABA_CLOUD_ROLE_ARN":              "acs:ram::koss:role/storage/app",
				"ALIBABA_CLOUD_OIDC_PROVIDER_ARN":     "acs:ram::koss:oidc-provider/storage/eu",
				"ALIBABA_CLOUD_OIDC_TOKEN_FILE":       "/var/run/secrets/koss.io/sts/token",
				"ALIBABA_CLOUD_STS_ENDPOINT":          "eu.storage.svc.cluster.local:9000",
				"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
				"OSS_ENDPOINT":                        tc.endpoint,
				"OSS_REGION":                          "eu",
				"KOSS_STS_AUDIENCE":                   "koss.io/storage/eu",
			}
			if tc.ca != nil {
				want["ca.crt"] = string(tc.ca)
			}
			if !reflect.DeepEqual(cm.Data, want) {
				t.Errorf("data = %v, want %v", cm.Data, want)
			}
			if cm.Name != "app-identity" || cm.Namespace != "storage" {
				t.Errorf("ConfigMap %s/%s", cm.Namespace, cm.Name)
			}
			if cm.Labels[controllers.LabelManagedBy] != controllers.FieldOwner || cm.Labels[labelAccessKey] != "app" ||
				cm.Labels[controllers.LabelComponent] != "workload-identity" {
				t.Errorf("labels = %v: the manager's cache holds only managed-by ConfigMaps", cm.Labels)
			}
			if len(cm.OwnerReferences) != 1 || cm.OwnerReferences[0].Kind != "AccessKey" || cm.OwnerReferences[0].UID != "uid-k" ||
				cm.OwnerReferences[0].Controller == nil || !*cm.OwnerReferences[0].Controller {
				t.Errorf("owner references = %+v", cm.OwnerReferences)
			}
		})
	}
}

func TestSetWorkloadIdentityStatus(t *testing.T) {
	published := &kossv1alpha1.AccessKeyWorkloadIdentityStatus{RoleArn: "acs:ram::koss:role/storage/app", ConfigMapName: "app-identity"}
	issued := accessKeyObservation{grants: 1, secretWritten: true, keyID: "KOSSAAA"}
	tests := map[string]struct {
		before *kossv1alpha1.AccessKeyWorkloadIdentityStatus
		o      func(o accessKeyObservation) accessKeyObservation
		want   *kossv1alpha1.AccessKeyWorkloadIdentityStatus
		ready  controllertest.WantCondition
	}{
		"published": {
			o:     func(o accessKeyObservation) accessKeyObservation { o.workloadIdentity = published; return o },
			want:  published,
			ready: controllertest.Want(metav1.ConditionTrue, kossv1alpha1.AccessKeyIssuedReason, ""),
		},
		"kept while the Region cannot be used": {
			before: published,
			o: func(o accessKeyObservation) accessKeyObservation {
				o.region = controllers.RegionUse{Reason: kossv1alpha1.AccessKeyRegionNotReadyReason, Message: "not ready"}
				return o
			},
			want:  published,
			ready: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyRegionNotReadyReason, "not ready"),
		},
		"cleared once the ConfigMap is gone": {
			before: published,
			o:      func(o accessKeyObservation) accessKeyObservation { o.workloadIdentityRemoved = true; return o },
			ready:  controllertest.Want(metav1.ConditionTrue, kossv1alpha1.AccessKeyIssuedReason, ""),
		},
		"a ConfigMap in the way": {
			o:     func(o accessKeyObservation) accessKeyObservation { o.configMapConflict = "app-identity"; return o },
			ready: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.AccessKeyConfigMapConflictReason, ""),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			k := testAccessKey(withWorkloadIdentity)
			k.Status.WorkloadIdentity = tc.before
			setAccessKeyStatus(k, tc.o(issued))
			if !reflect.DeepEqual(k.Status.WorkloadIdentity, tc.want) {
				t.Errorf("status.workloadIdentity = %+v, want %+v", k.Status.WorkloadIdentity, tc.want)
			}
			controllertest.CheckCondition(t, k.Status.Conditions, kossv1alpha1.AccessKeyReadyCondition, k.Generation, tc.ready)
		})
	}
}
