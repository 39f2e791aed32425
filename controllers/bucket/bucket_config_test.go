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
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
	"github.com/koss-io/koss/storage/adminclient/fake"
)

// TestReconcileConfig drives reconcileConfig against the fake admin API: what it writes,
// which events it records, and what it leaves for the status. Never: a write when nothing
// differs, a write for an unset field, an error (and so a backed-off hot loop) for a value
// the Region refuses, or a status that claims a value the Region does not hold.
func TestReconcileConfig(t *testing.T) {
	type world struct {
		spec       func(*kossv1alpha1.BucketSpec)
		status     func(*kossv1alpha1.BucketStatus)
		engineACL  string
		engineTags map[string]string
		fail       map[string]error
	}
	tests := map[string]struct {
		world
		wantWrites   []string
		wantEvents   []string // "Type Reason" followed by a part of the message
		wantACL      string
		wantTags     map[string]string
		wantRejected string
		wantErr      bool
	}{
		"unset fields leave the bucket alone": {
			world:   world{engineACL: "public-read", engineTags: map[string]string{"set": "elsewhere"}},
			wantACL: "public-read", wantTags: map[string]string{"set": "elsewhere"},
		},
		"what spec declares and the bucket has is quiet": {
			world: world{
				spec:      func(s *kossv1alpha1.BucketSpec) { s.ACL, s.Tags = "private", map[string]string{} },
				status:    func(s *kossv1alpha1.BucketStatus) { s.ACL = "private" },
				engineACL: "private",
			},
			wantACL: "private",
		},
		"a change of spec is applied with a Normal event": {
			world: world{
				spec:      func(s *kossv1alpha1.BucketSpec) { s.ACL, s.Tags = "public-read", map[string]string{"team": "media"} },
				status:    func(s *kossv1alpha1.BucketStatus) { s.ACL = "private" },
				engineACL: "private",
			},
			wantWrites: []string{"SetBucketACL", "SetBucketTags"},
			wantEvents: []string{
				"Normal ConfigApplied Set the ACL of bucket photos to public-read (was private)",
				"Normal ConfigApplied Set the tags of bucket photos to {team=media} (were {})",
			},
			wantACL: "public-read", wantTags: map[string]string{"team": "media"},
		},
		"a change made around the operator is put back with a DriftCorrected warning": {
			world: world{
				spec: func(s *kossv1alpha1.BucketSpec) { s.ACL, s.Tags = "private", map[string]string{"team": "media"} },
				status: func(s *kossv1alpha1.BucketStatus) {
					s.ACL, s.Tags = "private", map[string]string{"team": "media"}
				},
				engineACL: "public-read-write", engineTags: map[string]string{"team": "media", "extra": "x"},
			},
			wantWrites: []string{"SetBucketACL", "SetBucketTags"},
			wantEvents: []string{
				"Warning DriftCorrected The ACL of bucket photos was changed around the operator from private to public-read-write; put back spec.acl private",
				"Warning DriftCorrected The tags of bucket photos were changed around the operator from {team=media} to {extra=x, team=media}",
			},
			wantACL: "private", wantTags: map[string]string{"team": "media"},
		},
		"an empty tags map removes tags set around the operator": {
			world: world{
				spec:       func(s *kossv1alpha1.BucketSpec) { s.Tags = map[string]string{} },
				engineACL:  "private",
				engineTags: map[string]string{"stray": "tag"},
			},
			wantWrites: []string{"SetBucketTags"},
			wantEvents: []string{"Warning DriftCorrected The tags of bucket photos were changed around the operator from {} to {stray=tag}"},
			wantACL:    "private",
		},
		"tags the Region refuses are a condition and one warning, not an error": {
			world: world{
				spec:       func(s *kossv1alpha1.BucketSpec) { s.Tags = map[string]string{"Aliyun-x": "y"} },
				engineACL:  "private",
				engineTags: map[string]string{"team": "media"},
			},
			wantWrites:   []string{"SetBucketTags"},
			wantEvents:   []string{`Warning ConfigRejected The Region refused spec.tags: key "Aliyun-x" has a reserved prefix`},
			wantACL:      "private",
			wantTags:     map[string]string{"team": "media"},
			wantRejected: `spec.tags: key "Aliyun-x" has a reserved prefix`,
		},
		"a refusal the condition already shows records no second event": {
			world: world{
				spec:      func(s *kossv1alpha1.BucketSpec) { s.ACL = "public-read" },
				engineACL: "private",
				status: func(s *kossv1alpha1.BucketStatus) {
					s.Conditions = []metav1.Condition{{Type: kossv1alpha1.BucketReadyCondition, Status: metav1.ConditionFalse,
						Reason: kossv1alpha1.BucketConfigRejectedReason, Message: configRejectedMessage("photos", []string{"spec.acl public-read: InvalidArgument (400): no"})}}
				},
				fail: map[string]error{"SetBucketACL": &adminclient.APIError{StatusCode: 400, Code: adminapi.CodeInvalidArgument, Message: "no"}},
			},
			wantWrites: []string{"SetBucketACL"}, wantACL: "private", wantRejected: "spec.acl public-read: InvalidArgument (400): no",
		},
		"an unreachable Region is an error and no configuration for the status": {
			world: world{
				spec:      func(s *kossv1alpha1.BucketSpec) { s.ACL = "public-read" },
				engineACL: "private",
				fail:      map[string]error{"SetBucketACL": controllertest.ErrConnRefused},
			},
			wantWrites: []string{"SetBucketACL"}, wantErr: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			admin := fake.New()
			b := testBucket(func(b *kossv1alpha1.Bucket) {
				if tc.spec != nil {
					tc.spec(&b.Spec)
				}
				if tc.status != nil {
					tc.status(&b.Status)
				}
			})
			got, err := admin.CreateBucket(t.Context(), "photos", adminapi.CreateBucketRequest{Owner: bucketOwnerTag(b), ACL: tc.engineACL})
			if err != nil {
				t.Fatal(err)
			}
			admin.SetBucketTagsDirectly("photos", tc.engineTags)
			got.Tags = tc.engineTags
			for m, err := range tc.fail {
				admin.FailNext(m, err)
			}
			recorder := events.NewFakeRecorder(10)
			r := &Reconciler{Recorder: recorder}
			s := &bucketScope{bucket: b, before: b.DeepCopy(), admin: admin}
			before := len(admin.Calls())

			err = r.reconcileConfig(t.Context(), s, got)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tc.wantErr)
			}
			if writes := admin.Calls()[before:]; !slices.Equal(writes, tc.wantWrites) {
				t.Errorf("admin calls %q, want %q", writes, tc.wantWrites)
			}
			close(recorder.Events)
			var evs []string
			for e := range recorder.Events {
				evs = append(evs, e)
			}
			if len(evs) != len(tc.wantEvents) {
				t.Fatalf("events %q, want %q", evs, tc.wantEvents)
			}
			for i, want := range tc.wantEvents {
				if !strings.HasPrefix(evs[i], want) {
					t.Errorf("event %q, want it to start with %q", evs[i], want)
				}
			}
			if tc.wantErr {
				if s.observed.config != nil {
					t.Errorf("a failed pass reports configuration %+v", s.observed.config)
				}
				return
			}
			if c := s.observed.config; c == nil || c.acl != tc.wantACL || len(c.tags) != len(tc.wantTags) {
				t.Fatalf("observed config %+v, want acl %s tags %v", c, tc.wantACL, tc.wantTags)
			}
			for k, v := range tc.wantTags {
				if s.observed.config.tags[k] != v {
					t.Errorf("observed tags %v, want %v", s.observed.config.tags, tc.wantTags)
				}
			}
			if engine, _ := admin.GetBucket(t.Context(), "photos"); engine.ACL != tc.wantACL || len(engine.Tags) != len(tc.wantTags) {
				t.Errorf("the Region holds %s %v, want %s %v", engine.ACL, engine.Tags, tc.wantACL, tc.wantTags)
			}
			if rejected := strings.Join(s.observed.configRejected, "; "); !strings.HasPrefix(rejected, tc.wantRejected) || (tc.wantRejected == "") != (rejected == "") {
				t.Errorf("rejected %q, want %q", rejected, tc.wantRejected)
			}
		})
	}
}

// TestFormatTags: tags in key order, cut short on a character boundary.
func TestFormatTags(t *testing.T) {
	if got := formatTags(map[string]string{"b": "2", "a": "1"}); got != "{a=1, b=2}" {
		t.Errorf("formatTags = %q", got)
	}
	if got := formatTags(nil); got != "{}" {
		t.Errorf("formatTags(nil) = %q", got)
	}
	long := map[string]string{}
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		long[k] = strings.Repeat("é", 100)
	}
	got := formatTags(long)
	if len(got) > maxTagsInMessage+4 || !utf8.ValidString(got) || !strings.HasSuffix(got, "...}") {
		t.Errorf("formatTags of long tags = %q (%d bytes)", got, len(got))
	}
}

// TestReconcileConfigCORS drives reconcileConfig's CORS part against the fake admin API:
// the rules are applied when spec declares others, left alone when spec.cors is unset, put
// back with a DriftCorrected warning (naming the field and the rule counts, never the rules)
// when the status showed spec's rules in place, and a refusal is a condition, not an error.
func TestReconcileConfigCORS(t *testing.T) {
	age := int64(600)
	upload := kossv1alpha1.BucketCORSRule{
		AllowedOrigins: []kossv1alpha1.CORSPattern{"https://app.example.com"},
		AllowedMethods: []kossv1alpha1.CORSMethod{"PUT", "GET"},
		AllowedHeaders: []kossv1alpha1.CORSPattern{"*"},
		ExposeHeaders:  []kossv1alpha1.CORSHeader{"ETag"},
		MaxAgeSeconds:  &age,
	}
	anyGet := kossv1alpha1.BucketCORSRule{AllowedOrigins: []kossv1alpha1.CORSPattern{"*"}, AllowedMethods: []kossv1alpha1.CORSMethod{"GET"}}
	engineUpload := toAdminCORS([]kossv1alpha1.BucketCORSRule{upload}, false)
	tests := map[string]struct {
		spec         []kossv1alpha1.BucketCORSRule // nil: unset
		vary         bool                          // spec.corsResponseVary
		status       []kossv1alpha1.BucketCORSRule // what the last status showed
		engine       *adminapi.CORS                // what the Region holds
		fail         error                         // the answer to SetBucketCORS
		wantWrites   []string
		wantEvents   []string
		wantCORS     *adminapi.CORS // what the Region holds afterwards, and the status gets
		wantRejected string
		wantErr      bool
	}{
		"unset cors leaves the bucket's rules alone": {
			engine: engineUpload, wantCORS: engineUpload,
		},
		"rules spec declares and the bucket has are quiet": {
			spec: []kossv1alpha1.BucketCORSRule{upload}, status: []kossv1alpha1.BucketCORSRule{upload},
			engine: engineUpload, wantCORS: engineUpload,
		},
		"declared rules are applied with a Normal event": {
			spec:       []kossv1alpha1.BucketCORSRule{upload, anyGet},
			wantWrites: []string{"SetBucketCORS"},
			wantEvents: []string{"Normal ConfigApplied Set the CORS rules of bucket photos from spec.cors: cors rules differ (2 declared, 0 found)"},
			wantCORS:   toAdminCORS([]kossv1alpha1.BucketCORSRule{upload, anyGet}, false),
		},
		"a change of responseVary alone is applied": {
			spec: []kossv1alpha1.BucketCORSRule{upload}, vary: true, status: []kossv1alpha1.BucketCORSRule{upload},
			engine:     engineUpload,
			wantWrites: []string{"SetBucketCORS"},
			wantEvents: []string{"Normal ConfigApplied Set the CORS rules of bucket photos from spec.cors: cors rules differ (1 declared, 1 found)"},
			wantCORS:   toAdminCORS([]kossv1alpha1.BucketCORSRule{upload}, true),
		},
		"rules changed around the operator are put back with a DriftCorrected warning": {
			spec: []kossv1alpha1.BucketCORSRule{upload}, status: []kossv1alpha1.BucketCORSRule{upload},
			engine:     toAdminCORS([]kossv1alpha1.BucketCORSRule{anyGet, anyGet}, false),
			wantWrites: []string{"SetBucketCORS"},
			wantEvents: []string{"Warning DriftCorrected The CORS rules of bucket photos were changed around the operator: cors rules differ (1 declared, 2 found); put back spec.cors"},
			wantCORS:   engineUpload,
		},
		"a max age changed around the operator is a drift": {
			spec: []kossv1alpha1.BucketCORSRule{upload}, status: []kossv1alpha1.BucketCORSRule{upload},
			engine: func() *adminapi.CORS {
				c := engineUpload.Clone()
				c.Rules[0].MaxAgeSeconds = nil
				return c
			}(),
			wantWrites: []string{"SetBucketCORS"},
			wantEvents: []string{"Warning DriftCorrected The CORS rules of bucket photos were changed around the operator: cors rules differ (1 declared, 1 found)"},
			wantCORS:   engineUpload,
		},
		"an empty list removes rules set around the operator": {
			spec:       []kossv1alpha1.BucketCORSRule{},
			engine:     engineUpload,
			wantWrites: []string{"SetBucketCORS"},
			wantEvents: []string{"Warning DriftCorrected The CORS rules of bucket photos were changed around the operator: cors rules differ (0 declared, 1 found)"},
		},
		"an empty list and a bucket without rules are quiet": {
			spec: []kossv1alpha1.BucketCORSRule{},
		},
		"rules the Region refuses are a condition and one warning, not an error": {
			spec:         []kossv1alpha1.BucketCORSRule{upload},
			engine:       toAdminCORS([]kossv1alpha1.BucketCORSRule{anyGet}, false),
			fail:         &adminclient.APIError{StatusCode: 400, Code: adminapi.CodeInvalidArgument, Message: "object: invalid argument: record: invalid CORS configuration: 16385 bytes of rules, at most 16384"},
			wantWrites:   []string{"SetBucketCORS"},
			wantEvents:   []string{"Warning ConfigRejected The Region refused spec.cors: InvalidArgument (400): object: invalid argument: record: invalid CORS configuration: 16385 bytes"},
			wantCORS:     toAdminCORS([]kossv1alpha1.BucketCORSRule{anyGet}, false),
			wantRejected: "spec.cors: InvalidArgument (400): object: invalid argument",
		},
		"an unreachable Region is an error and no configuration for the status": {
			spec:       []kossv1alpha1.BucketCORSRule{upload},
			fail:       controllertest.ErrConnRefused,
			wantWrites: []string{"SetBucketCORS"}, wantErr: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			admin := fake.New()
			b := testBucket(func(b *kossv1alpha1.Bucket) {
				b.Spec.CORS, b.Spec.CORSResponseVary = tc.spec, tc.vary
				b.Status.CORS = tc.status
			})
			got, err := admin.CreateBucket(t.Context(), "photos", adminapi.CreateBucketRequest{Owner: bucketOwnerTag(b)})
			if err != nil {
				t.Fatal(err)
			}
			admin.SetBucketCORSDirectly("photos", tc.engine)
			got.CORS = tc.engine.Clone()
			if tc.fail != nil {
				admin.FailNext("SetBucketCORS", tc.fail)
			}
			recorder := events.NewFakeRecorder(10)
			r := &Reconciler{Recorder: recorder}
			s := &bucketScope{bucket: b, before: b.DeepCopy(), admin: admin}
			before := len(admin.Calls())

			err = r.reconcileConfig(t.Context(), s, got)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tc.wantErr)
			}
			if writes := admin.Calls()[before:]; !slices.Equal(writes, tc.wantWrites) {
				t.Errorf("admin calls %q, want %q", writes, tc.wantWrites)
			}
			close(recorder.Events)
			var evs []string
			for e := range recorder.Events {
				evs = append(evs, e)
			}
			if len(evs) != len(tc.wantEvents) {
				t.Fatalf("events %q, want %q", evs, tc.wantEvents)
			}
			for i, want := range tc.wantEvents {
				if !strings.HasPrefix(evs[i], want) {
					t.Errorf("event %q, want it to start with %q", evs[i], want)
				}
			}
			if tc.wantErr {
				if s.observed.config != nil {
					t.Errorf("a failed pass reports configuration %+v", s.observed.config)
				}
				return
			}
			if c := s.observed.config; c == nil || !sameCORS(c.cors, tc.wantCORS) {
				t.Fatalf("observed config %+v, want CORS %+v", c, tc.wantCORS)
			}
			if engine, _ := admin.GetBucket(t.Context(), "photos"); !sameCORS(engine.CORS, tc.wantCORS) {
				t.Errorf("the Region holds %+v, want %+v", engine.CORS, tc.wantCORS)
			}
			if rejected := strings.Join(s.observed.configRejected, "; "); !strings.HasPrefix(rejected, tc.wantRejected) || (tc.wantRejected == "") != (rejected == "") {
				t.Errorf("rejected %q, want %q", rejected, tc.wantRejected)
			}
		})
	}
}

// TestCORSConversions: spec's rules and the Region's answer convert both ways without loss,
// the status gets nil for every empty list (as the API server reads it back), and sameCORS
// tells order, lists and max ages apart.
func TestCORSConversions(t *testing.T) {
	age := int64(0)
	rules := []kossv1alpha1.BucketCORSRule{
		{AllowedOrigins: []kossv1alpha1.CORSPattern{"https://a", "https://b"}, AllowedMethods: []kossv1alpha1.CORSMethod{"PUT"},
			AllowedHeaders: []kossv1alpha1.CORSPattern{}, ExposeHeaders: []kossv1alpha1.CORSHeader{"ETag"}, MaxAgeSeconds: &age},
		{AllowedOrigins: []kossv1alpha1.CORSPattern{"*"}, AllowedMethods: []kossv1alpha1.CORSMethod{"GET", "HEAD"}},
	}
	api := toAdminCORS(rules, true)
	back, vary := fromCORS(api)
	if !vary || len(back) != 2 || back[0].AllowedHeaders != nil || *back[0].MaxAgeSeconds != 0 || back[1].MaxAgeSeconds != nil ||
		back[0].AllowedOrigins[1] != "https://b" || back[1].AllowedMethods[1] != "HEAD" {
		t.Fatalf("round trip: %+v vary %v", back, vary)
	}
	if got, vary := fromCORS(&adminapi.CORS{ResponseVary: true}); got != nil || vary {
		t.Errorf("no rules: %+v %v, want none", got, vary)
	}
	if toAdminCORS([]kossv1alpha1.BucketCORSRule{}, false) != nil {
		t.Error("an empty list is not nil in the admin API's form")
	}
	if !sameCORS(nil, &adminapi.CORS{}) || !sameCORS(api, toAdminCORS(back, true)) {
		t.Error("equal configurations differ")
	}
	swapped := toAdminCORS([]kossv1alpha1.BucketCORSRule{rules[1], rules[0]}, true)
	noAge := api.Clone()
	noAge.Rules[0].MaxAgeSeconds = nil
	otherAge := api.Clone()
	otherAge.Rules[0].MaxAgeSeconds = new(int64)
	*otherAge.Rules[0].MaxAgeSeconds = 5
	novary := api.Clone()
	novary.ResponseVary = false
	oneOrigin := api.Clone()
	oneOrigin.Rules[0].AllowedOrigins = oneOrigin.Rules[0].AllowedOrigins[:1]
	for what, other := range map[string]*adminapi.CORS{"order": swapped, "max age unset": noAge, "max age": otherAge, "vary": novary, "origins": oneOrigin, "none": nil} {
		if sameCORS(api, other) {
			t.Errorf("%s: configurations that differ are the same", what)
		}
	}
}
