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
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/tools/events"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
	"github.com/koss-io/koss/storage/adminclient/fake"
)

// tmpRule expires tmp/ after 7 days and aborts its uploads after 2, as the README's example.
func tmpRule() kossv1alpha1.BucketLifecycleRule {
	seven, two := int32(7), int32(2)
	return kossv1alpha1.BucketLifecycleRule{
		ID: "tmp", Prefix: "tmp/",
		Expiration:            &kossv1alpha1.BucketLifecycleExpiration{Days: &seven},
		AbortIncompleteUpload: &kossv1alpha1.BucketLifecycleAbort{Days: &two},
	}
}

// oldLogsRule expires tagged logs written before 2026-01-02, disabled.
func oldLogsRule() kossv1alpha1.BucketLifecycleRule {
	day := kossv1alpha1.LifecycleDate("2026-01-02")
	return kossv1alpha1.BucketLifecycleRule{
		ID: "old-logs", Prefix: "logs/", Status: kossv1alpha1.BucketLifecycleRuleDisabled,
		Tags:       map[string]kossv1alpha1.LifecycleTagValue{"class": "scratch"},
		Expiration: &kossv1alpha1.BucketLifecycleExpiration{CreatedBeforeDate: &day},
	}
}

// adminLifecycle is the admin API's form of rules (which must convert).
func adminLifecycle(t testing.TB, rules ...kossv1alpha1.BucketLifecycleRule) *adminapi.Lifecycle {
	t.Helper()
	lc, err := toAdminLifecycle(rules)
	if err != nil {
		t.Fatal(err)
	}
	return lc
}

func TestReconcileConfigLifecycle(t *testing.T) {
	engineTmp := adminLifecycle(t, tmpRule())
	tests := map[string]struct {
		spec         []kossv1alpha1.BucketLifecycleRule // nil: unset
		status       []kossv1alpha1.BucketLifecycleRule // what the last status showed
		engine       *adminapi.Lifecycle                // what the Region holds
		fail         error                              // the answer to SetBucketLifecycle
		wantWrites   []string
		wantEvents   []string
		wantLC       *adminapi.Lifecycle // what the Region holds afterwards, and the status gets
		wantRejected string
		wantErr      bool
	}{
		"unset lifecycle leaves the bucket's rules alone": {
			engine: engineTmp, wantLC: engineTmp,
		},
		"rules spec declares and the bucket has are quiet": {
			spec: []kossv1alpha1.BucketLifecycleRule{tmpRule()}, status: fromLifecycle(engineTmp),
			engine: engineTmp, wantLC: engineTmp,
		},
		"declared rules are applied with a Normal event": {
			spec:       []kossv1alpha1.BucketLifecycleRule{tmpRule(), oldLogsRule()},
			wantWrites: []string{"SetBucketLifecycle"},
			wantEvents: []string{"Normal ConfigApplied Set the lifecycle rules of bucket photos from spec.lifecycle: lifecycle rules differ (2 declared, 0 found)"},
			wantLC:     adminLifecycle(t, tmpRule(), oldLogsRule()),
		},
		"rules changed around the operator are put back with a DriftCorrected warning": {
			spec: []kossv1alpha1.BucketLifecycleRule{tmpRule()}, status: fromLifecycle(engineTmp),
			engine:     adminLifecycle(t, oldLogsRule(), tmpRule()),
			wantWrites: []string{"SetBucketLifecycle"},
			wantEvents: []string{"Warning DriftCorrected The lifecycle rules of bucket photos were changed around the operator: lifecycle rules differ (1 declared, 2 found); put back spec.lifecycle"},
			wantLC:     engineTmp,
		},
		"days changed around the operator are a drift": {
			spec: []kossv1alpha1.BucketLifecycleRule{tmpRule()}, status: fromLifecycle(engineTmp),
			engine: func() *adminapi.Lifecycle {
				lc := engineTmp.Clone()
				lc.Rules[0].Expiration.Days = 1
				return lc
			}(),
			wantWrites: []string{"SetBucketLifecycle"},
			wantEvents: []string{"Warning DriftCorrected The lifecycle rules of bucket photos were changed around the operator: lifecycle rules differ (1 declared, 1 found)"},
			wantLC:     engineTmp,
		},
		"a rule disabled around the operator is a drift": {
			spec: []kossv1alpha1.BucketLifecycleRule{tmpRule()}, status: fromLifecycle(engineTmp),
			engine: func() *adminapi.Lifecycle {
				lc := engineTmp.Clone()
				lc.Rules[0].Enabled = false
				return lc
			}(),
			wantWrites: []string{"SetBucketLifecycle"},
			wantEvents: []string{"Warning DriftCorrected"},
			wantLC:     engineTmp,
		},
		"an empty list removes rules set around the operator": {
			spec:       []kossv1alpha1.BucketLifecycleRule{},
			engine:     engineTmp,
			wantWrites: []string{"SetBucketLifecycle"},
			wantEvents: []string{"Warning DriftCorrected The lifecycle rules of bucket photos were changed around the operator: lifecycle rules differ (0 declared, 1 found)"},
		},
		"an empty list and a bucket without rules are quiet": {
			spec: []kossv1alpha1.BucketLifecycleRule{},
		},
		"rules the Region refuses are a condition and one warning, not an error": {
			spec:         []kossv1alpha1.BucketLifecycleRule{tmpRule()},
			engine:       adminLifecycle(t, oldLogsRule()),
			fail:         &adminclient.APIError{StatusCode: 400, Code: adminapi.CodeInvalidArgument, Message: "object: invalid argument: record: invalid lifecycle configuration: rule \"tmp\": prefix of 1200 bytes, at most 1024"},
			wantWrites:   []string{"SetBucketLifecycle"},
			wantEvents:   []string{"Warning ConfigRejected The Region refused spec.lifecycle: InvalidArgument (400): object: invalid argument: record: invalid lifecycle configuration"},
			wantLC:       adminLifecycle(t, oldLogsRule()),
			wantRejected: "spec.lifecycle: InvalidArgument (400): object: invalid argument",
		},
		"an unreachable Region is an error and no configuration for the status": {
			spec:       []kossv1alpha1.BucketLifecycleRule{tmpRule()},
			fail:       controllertest.ErrConnRefused,
			wantWrites: []string{"SetBucketLifecycle"}, wantErr: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			admin := fake.New()
			b := testBucket(func(b *kossv1alpha1.Bucket) {
				b.Spec.Lifecycle = tc.spec
				b.Status.Lifecycle = tc.status
			})
			got, err := admin.CreateBucket(t.Context(), "photos", adminapi.CreateBucketRequest{Owner: bucketOwnerTag(b)})
			if err != nil {
				t.Fatal(err)
			}
			admin.SetBucketLifecycleDirectly("photos", tc.engine)
			got.Lifecycle = tc.engine.Clone()
			if tc.fail != nil {
				admin.FailNext("SetBucketLifecycle", tc.fail)
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
			if c := s.observed.config; c == nil || !sameLifecycle(c.lifecycle, tc.wantLC) {
				t.Fatalf("observed config %+v, want lifecycle %+v", c, tc.wantLC)
			}
			if engine, _ := admin.GetBucket(t.Context(), "photos"); !sameLifecycle(engine.Lifecycle, tc.wantLC) {
				t.Errorf("the Region holds %+v, want %+v", engine.Lifecycle, tc.wantLC)
			}
			if rejected := strings.Join(s.observed.configRejected, "; "); !strings.HasPrefix(rejected, tc.wantRejected) || (tc.wantRejected == "") != (rejected == "") {
				t.Errorf("rejected %q, want %q", rejected, tc.wantRejected)
			}
		})
	}
}

// TestLifecycleConversions: spec's rules and the Region's answer convert both ways, an unset
// status reads as Enabled, the status form is canonical (status always set, no empty tags:
// converting it again changes nothing, so the status does not churn), dates are midnight UTC,
// and sameLifecycle tells ids, order, actions and times apart.
func TestLifecycleConversions(t *testing.T) {
	rules := []kossv1alpha1.BucketLifecycleRule{tmpRule(), oldLogsRule()}
	api := adminLifecycle(t, rules...)
	if !api.Rules[0].Enabled || api.Rules[1].Enabled || api.Rules[0].Expiration.Days != 7 || api.Rules[0].AbortUpload.Days != 2 ||
		!api.Rules[1].Expiration.CreatedBeforeDate.Equal(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)) || api.Rules[1].Tags["class"] != "scratch" {
		t.Fatalf("admin form %+v %+v", api.Rules[0], api.Rules[1])
	}
	back := fromLifecycle(api)
	if len(back) != 2 || back[0].Status != kossv1alpha1.BucketLifecycleRuleEnabled || back[1].Status != kossv1alpha1.BucketLifecycleRuleDisabled ||
		*back[1].Expiration.CreatedBeforeDate != "2026-01-02" || back[0].Tags != nil || *back[0].AbortIncompleteUpload.Days != 2 {
		t.Fatalf("status form %+v", back)
	}
	if again := fromLifecycle(adminLifecycle(t, back...)); !equality.Semantic.DeepEqual(again, back) {
		t.Errorf("the status form is not stable: %+v then %+v", back, again)
	}
	if !sameLifecycle(api, adminLifecycle(t, back...)) {
		t.Error("spec and its status form differ")
	}
	if fromLifecycle(&adminapi.Lifecycle{}) != nil || adminLifecycle(t) != nil || !sameLifecycle(nil, &adminapi.Lifecycle{}) {
		t.Error("no rules is not none")
	}
	for what, other := range map[string]func(*adminapi.Lifecycle){
		"order":          func(l *adminapi.Lifecycle) { l.Rules[0], l.Rules[1] = l.Rules[1], l.Rules[0] },
		"id":             func(l *adminapi.Lifecycle) { l.Rules[0].ID = "generated" },
		"prefix":         func(l *adminapi.Lifecycle) { l.Rules[0].Prefix = "tmp" },
		"tags":           func(l *adminapi.Lifecycle) { l.Rules[1].Tags["class"] = "keep" },
		"no abort":       func(l *adminapi.Lifecycle) { l.Rules[0].AbortUpload = nil },
		"days for dates": func(l *adminapi.Lifecycle) { l.Rules[1].Expiration = &adminapi.LifecycleAction{Days: 1} },
		"another day": func(l *adminapi.Lifecycle) {
			d := time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)
			l.Rules[1].Expiration.CreatedBeforeDate = &d
		},
		"date for createdBeforeDate": func(l *adminapi.Lifecycle) {
			l.Rules[1].Expiration.Date, l.Rules[1].Expiration.CreatedBeforeDate = l.Rules[1].Expiration.CreatedBeforeDate, nil
		},
	} {
		changed := api.Clone()
		other(changed)
		if sameLifecycle(api, changed) {
			t.Errorf("a different %s is the same", what)
		}
	}
	bad := kossv1alpha1.LifecycleDate("2026-13-01")
	if _, _, err := declaredLifecycle(kossv1alpha1.BucketSpec{Lifecycle: []kossv1alpha1.BucketLifecycleRule{{ID: "a",
		Expiration: &kossv1alpha1.BucketLifecycleExpiration{Date: &bad}}}}); err == nil {
		t.Error("a date that does not parse converts")
	}
}
