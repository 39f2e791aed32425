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

package identityfile

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
)

// identityKey is an issued AccessKey of team/<name>, with a workload identity for sas when
// there are any.
func identityKey(name, keyID string, sas ...string) kossv1alpha1.AccessKey {
	var wi *kossv1alpha1.AccessKeyWorkloadIdentity
	if sas != nil {
		wi = &kossv1alpha1.AccessKeyWorkloadIdentity{ServiceAccounts: sas}
	}
	return kossv1alpha1.AccessKey{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: name},
		Spec:       kossv1alpha1.AccessKeySpec{WorkloadIdentity: wi},
		Status:     kossv1alpha1.AccessKeyStatus{AccessKeyID: keyID},
	}
}

func TestRoles(t *testing.T) {
	deleting := identityKey("deleting", "KOSSDEL", "app")
	now := metav1.Now()
	deleting.DeletionTimestamp = &now
	rotating := identityKey("rotating", "KOSSROT", "app")
	rotating.Spec.Rotation = &kossv1alpha1.AccessKeyRotation{Overlap: &metav1.Duration{Duration: 20 * time.Minute}}
	long := identityKey("long", "KOSSLONG", "app")
	long.Spec.WorkloadIdentity.MaxSessionDuration = &metav1.Duration{Duration: 12 * time.Hour}

	got := roles([]kossv1alpha1.AccessKey{
		identityKey("zeta", "KOSSZETA", "worker", "api"),
		identityKey("static", "KOSSSTATIC"),
		identityKey("not-issued", "", "app"),
		deleting,
		rotating,
		long,
	})
	want := []role{
		{Arn: "acs:ram::koss:role/team/long", AccessKeyID: "KOSSLONG", Subjects: []string{"system:serviceaccount:team:app"}, MaxSessionSeconds: 43200},
		{Arn: "acs:ram::koss:role/team/rotating", AccessKeyID: "KOSSROT", Subjects: []string{"system:serviceaccount:team:app"}, MaxSessionSeconds: 1200},
		{Arn: "acs:ram::koss:role/team/zeta", AccessKeyID: "KOSSZETA",
			Subjects: []string{"system:serviceaccount:team:api", "system:serviceaccount:team:worker"}, MaxSessionSeconds: 3600},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("roles =\n%+v\nwant\n%+v", got, want)
	}
	if got := roles(nil); got == nil || len(got) != 0 {
		t.Fatalf("no AccessKeys: %#v, want an empty list (roles: [] in the file, never null)", got)
	}
}

func TestIdentityFile(t *testing.T) {
	region := controllertest.TestRegion()
	keyRoles := roles([]kossv1alpha1.AccessKey{identityKey("app", "KOSSAPP", "app")})
	issuer := controllers.ServiceAccountIssuer{Issuer: "https://kubernetes.default.svc.cluster.local", JWKS: json.RawMessage(`{"keys":[{"kid":"a"}]}`)}

	file, err := render(region, issuer, keyRoles)
	if err != nil {
		t.Fatal(err)
	}
	// The field names are kossd's contract: decode generically, not into document.
	var got map[string]any
	if err := json.Unmarshal(file, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"issuer":          "https://kubernetes.default.svc.cluster.local",
		"audience":        "koss.io/storage/eu",
		"oidcProviderArn": "acs:ram::koss:oidc-provider/storage/eu",
		"jwks":            map[string]any{"keys": []any{map[string]any{"kid": "a"}}},
		"roles": []any{map[string]any{
			"arn": "acs:ram::koss:role/team/app", "accessKeyId": "KOSSAPP",
			"subjects": []any{"system:serviceaccount:team:app"}, "maxSessionSeconds": float64(3600),
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("file =\n%s\nwant %+v", file, want)
	}
	again, _ := render(region, issuer, keyRoles)
	if string(again) != string(file) {
		t.Fatal("the file's bytes differ between two renders of the same content")
	}
	if back := Issuer(&corev1.Secret{Data: map[string][]byte{controllers.WorkloadIdentityFileKey: file}}); back.Issuer != issuer.Issuer || string(back.JWKS) != string(issuer.JWKS) {
		t.Errorf("issuer read back from the Secret = %+v", back)
	}

	unknown, err := render(region, controllers.ServiceAccountIssuer{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(unknown, &doc); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(doc["jwks"], map[string]any{"keys": []any{}}) || !reflect.DeepEqual(doc["roles"], []any{}) {
		t.Errorf("without an issuer: %s, want an empty key set and no roles", unknown)
	}
	if back := Issuer(&corev1.Secret{Data: map[string][]byte{controllers.WorkloadIdentityFileKey: []byte("not json")}}); back.Known() {
		t.Errorf("issuer read from a broken file = %+v, want none", back)
	}
}
