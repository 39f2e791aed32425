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
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/storage/adminapi"
)

func TestKeptGrants(t *testing.T) {
	rw := func(b string) adminapi.Grant { return adminapi.Grant{Bucket: b, Access: "readwrite"} }
	tests := map[string]struct {
		// have are the grants the key holds in the engine.
		have []adminapi.Grant
		// want are the grants computed from Ready Buckets.
		want []adminapi.Grant
		// keep are buckets only transiently not Ready.
		keep []string
		// expect is what the key must end with.
		expect []adminapi.Grant
	}{
		"nothing to keep":                           {have: []adminapi.Grant{rw("a"), rw("b")}, want: []adminapi.Grant{rw("a")}, expect: []adminapi.Grant{rw("a")}},
		"a held grant on a kept bucket stays":       {have: []adminapi.Grant{rw("a"), rw("b")}, want: []adminapi.Grant{rw("a")}, keep: []string{"b"}, expect: []adminapi.Grant{rw("a"), rw("b")}},
		"a kept bucket never held is not granted":   {have: []adminapi.Grant{rw("a")}, want: []adminapi.Grant{rw("a")}, keep: []string{"b"}, expect: []adminapi.Grant{rw("a")}},
		"a wanted grant wins over the held one":     {have: []adminapi.Grant{{Bucket: "a", Access: "read"}}, want: []adminapi.Grant{rw("a")}, keep: []string{"a"}, expect: []adminapi.Grant{rw("a")}},
		"grants on other buckets are still dropped": {have: []adminapi.Grant{rw("c"), rw("b")}, want: nil, keep: []string{"b"}, expect: []adminapi.Grant{rw("b")}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := keptGrants(tc.have, tc.want, tc.keep); !slices.Equal(got, tc.expect) {
				t.Fatalf("keptGrants = %v, want %v", got, tc.expect)
			}
		})
	}
}

func TestBucketTransientlyNotReady(t *testing.T) {
	for reason, want := range map[string]bool{
		kossv1alpha1.BucketRegionNotReadyReason:   true,
		kossv1alpha1.BucketKossdUnreachableReason: true,
		kossv1alpha1.BucketAlreadyExistsReason:    false,
		kossv1alpha1.BucketRegionNotFoundReason:   false,
		kossv1alpha1.BucketRegionNotAllowedReason: false,
	} {
		b := &kossv1alpha1.Bucket{}
		b.Status.Conditions = []metav1.Condition{{Type: kossv1alpha1.BucketReadyCondition, Status: metav1.ConditionFalse, Reason: reason}}
		if got := bucketTransientlyNotReady(b); got != want {
			t.Errorf("reason %s: transient = %v, want %v", reason, got, want)
		}
	}
	if bucketTransientlyNotReady(&kossv1alpha1.Bucket{}) {
		t.Error("a Bucket without a Ready condition counts as transiently not ready")
	}
}
