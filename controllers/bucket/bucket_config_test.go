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
