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

package region

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/event"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/controllers/region/identityfile"
)

// identityKey is an issued AccessKey of team/<name> with a workload identity for sas.
func identityKey(name, keyID string, sas ...string) kossv1alpha1.AccessKey {
	k := kossv1alpha1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: name}}
	k.Spec.RegionRef = kossv1alpha1.RegionReference{Name: "eu", Namespace: "storage"}
	if sas != nil {
		k.Spec.WorkloadIdentity = &kossv1alpha1.AccessKeyWorkloadIdentity{ServiceAccounts: sas}
	}
	k.Status.AccessKeyID = keyID
	return k
}

func TestAccessKeyRoleChanged(t *testing.T) {
	p := accessKeyRoleChanged()
	with := identityKey("app", "KOSSA", "app")
	without := identityKey("static", "KOSSS")
	update := func(old, new kossv1alpha1.AccessKey) bool {
		return p.Update(event.UpdateEvent{ObjectOld: &old, ObjectNew: &new})
	}
	rekeyed := with
	rekeyed.Status.AccessKeyID = "KOSSB"
	respec := with
	respec.Generation = 2
	reconditioned := with
	reconditioned.Status.Conditions = []metav1.Condition{{Type: "Ready"}}
	deleting := with
	now := metav1.Now()
	deleting.DeletionTimestamp = &now
	staticRekeyed := without
	staticRekeyed.Status.AccessKeyID = "KOSST"
	tests := map[string]struct {
		got, want bool
	}{
		"an AccessKey with a workload identity is created": {p.Create(event.CreateEvent{Object: &with}), true},
		"a static AccessKey is created":                    {p.Create(event.CreateEvent{Object: &without}), false},
		"an AccessKey with a workload identity is deleted": {p.Delete(event.DeleteEvent{Object: &with}), true},
		"its key id changes":                               {update(with, rekeyed), true},
		"its spec changes":                                 {update(with, respec), true},
		"the workload identity is removed":                 {update(with, func() kossv1alpha1.AccessKey { k := without; k.Generation = 2; return k }()), true},
		"its deletion starts":                              {update(with, deleting), true},
		"only its conditions change":                       {update(with, reconditioned), false},
		"a static AccessKey's key id changes":              {update(without, staticRekeyed), false},
	}
	for name, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", name, tc.got, tc.want)
		}
	}
}

// failingIssuer is an IssuerSource whose API server does not answer, having answered once.
type failingIssuer struct {
	last controllers.ServiceAccountIssuer
}

func (f failingIssuer) ServiceAccountIssuer(context.Context) (controllers.ServiceAccountIssuer, error) {
	return f.last, errors.New("GET /openid/v1/jwks: unexpected status 403 Forbidden")
}

// TestWorkloadIdentityUnavailable: an issuer that cannot be fetched never fails the pass;
// the file keeps the last known keys (the fetcher's, or else the Secret's own), its roles
// still follow the AccessKeys, and a Warning says why.
func TestWorkloadIdentityUnavailable(t *testing.T) {
	known := controllers.ServiceAccountIssuer{Issuer: "https://issuer", JWKS: json.RawMessage(`{"keys":[{"kid":"old"}]}`)}
	region := controllertest.TestRegion()
	previous, err := identityfile.Build(region, known, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		issuer  controllers.IssuerSource
		objects []client.Object
		want    controllers.ServiceAccountIssuer
		warns   bool
	}{
		"the fetcher keeps the last good keys": {issuer: failingIssuer{last: known}, want: known, warns: true},
		"after a restart, the Secret keeps them": {
			issuer: failingIssuer{},
			objects: []client.Object{&corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Namespace: "storage", Name: "eu-workload-identity", Labels: controllers.ManagedByLabels()},
				Data:       map[string][]byte{controllers.WorkloadIdentityFileKey: previous},
			}},
			want: known, warns: true,
		},
		"never fetched and no Secret: no keys": {issuer: failingIssuer{}, want: controllers.ServiceAccountIssuer{JWKS: json.RawMessage(`{"keys":[]}`)}, warns: true},
		"a reconciler without an IssuerSource fetches nothing": {
			objects: []client.Object{&corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Namespace: "storage", Name: "eu-workload-identity", Labels: controllers.ManagedByLabels()},
				Data:       map[string][]byte{controllers.WorkloadIdentityFileKey: previous},
			}},
			want: known,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			key := identityKey("app", "KOSSAPP", "app")
			c := controllertest.NewFakeClient(interceptor.Funcs{}, append(tc.objects, region.DeepCopy(), &key)...)
			recorder := events.NewFakeRecorder(10)
			r := &Reconciler{Client: c, APIReader: c, Recorder: recorder, Issuer: tc.issuer}
			res, err := r.reconcileWorkloadIdentity(context.Background(), &regionScope{region: region})
			if err != nil {
				t.Fatalf("the pass failed: %v", err)
			}
			if tc.warns && res.RequeueAfter != controllers.DefaultIssuerRetry {
				t.Errorf("requeue after %v, want %v", res.RequeueAfter, controllers.DefaultIssuerRetry)
			}
			secret := &corev1.Secret{}
			if err := c.Get(context.Background(), types.NamespacedName{Namespace: "storage", Name: "eu-workload-identity"}, secret); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Roles []struct {
					AccessKeyID string `json:"accessKeyId"`
				} `json:"roles"`
			}
			if err := json.Unmarshal(secret.Data[controllers.WorkloadIdentityFileKey], &doc); err != nil {
				t.Fatal(err)
			}
			if got := identityfile.Issuer(secret); got.Issuer != tc.want.Issuer || string(got.JWKS) != string(tc.want.JWKS) {
				t.Errorf("issuer = %s %s, want %s %s", got.Issuer, got.JWKS, tc.want.Issuer, tc.want.JWKS)
			}
			if len(doc.Roles) != 1 || doc.Roles[0].AccessKeyID != "KOSSAPP" {
				t.Errorf("roles = %+v, want the AccessKey's", doc.Roles)
			}
			var got []string
			for len(recorder.Events) > 0 {
				got = append(got, <-recorder.Events)
			}
			warned := len(got) == 1 && strings.HasPrefix(got[0], "Warning WorkloadIdentityUnavailable")
			if warned != tc.warns {
				t.Errorf("events = %q, want a WorkloadIdentityUnavailable Warning: %v", got, tc.warns)
			}
		})
	}
}
