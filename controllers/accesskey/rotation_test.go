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
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

func TestRotationDue(t *testing.T) {
	issued := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	withPeriod := func(d time.Duration, annotation string) *kossv1alpha1.AccessKey {
		k := &kossv1alpha1.AccessKey{}
		if d > 0 {
			k.Spec.Rotation = &kossv1alpha1.AccessKeyRotation{Period: &metav1.Duration{Duration: d}}
		}
		if annotation != "" {
			k.Annotations = map[string]string{kossv1alpha1.RotateAnnotation: annotation}
		}
		return k
	}
	for name, tc := range map[string]struct {
		k    *kossv1alpha1.AccessKey
		st   rotationState
		now  time.Time
		want bool
	}{
		"no rotation configured":          {withPeriod(0, ""), rotationState{issuedAt: issued}, issued.Add(1000 * time.Hour), false},
		"inside the period":               {withPeriod(24*time.Hour, ""), rotationState{issuedAt: issued}, issued.Add(23 * time.Hour), false},
		"at the end of the period":        {withPeriod(24*time.Hour, ""), rotationState{issuedAt: issued}, issued.Add(24 * time.Hour), true},
		"a new annotation value":          {withPeriod(0, "2"), rotationState{issuedAt: issued, handledRequest: "1"}, issued, true},
		"the annotation value handled":    {withPeriod(0, "2"), rotationState{issuedAt: issued, handledRequest: "2"}, issued, false},
		"an annotation on a first pair":   {withPeriod(0, "x"), rotationState{issuedAt: issued}, issued, true},
		"annotation removed, no schedule": {withPeriod(0, ""), rotationState{issuedAt: issued, handledRequest: "2"}, issued, false},
	} {
		t.Run(name, func(t *testing.T) {
			if got := rotationDue(tc.k, tc.st, tc.now); (got != "") != tc.want {
				t.Fatalf("rotationDue = %q, want due %v", got, tc.want)
			}
		})
	}
}

// TestRotationStateRoundTrip: the Secret's annotations give back the state they were made
// from, and a Secret without them (written before rotation existed) counts from its
// creation.
func TestRotationStateRoundTrip(t *testing.T) {
	issued := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	st := rotationState{issuedAt: issued, previousID: "KOSSOLD", retiresAt: issued.Add(time.Hour), handledRequest: "7", pendingID: "KOSSNEW"}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Annotations: st.annotations()}}
	if got := rotationFromSecret(s); got != st {
		t.Fatalf("round trip = %+v, want %+v", got, st)
	}
	created := metav1.NewTime(issued.Add(-48 * time.Hour))
	old := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: created}}
	if got := rotationFromSecret(old); !got.issuedAt.Equal(created.Time) || got.previousID != "" {
		t.Fatalf("state of a Secret without annotations = %+v", got)
	}
	if _, ok := st.annotations()[annPreviousKeyID]; !ok {
		t.Fatal("the previous key id is not kept")
	}
	if a := (rotationState{issuedAt: issued}).annotations(); len(a) != 1 {
		t.Fatalf("annotations without a previous key = %v", a)
	}
}

func TestUntilNextEvent(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	k := &kossv1alpha1.AccessKey{Spec: kossv1alpha1.AccessKeySpec{Rotation: &kossv1alpha1.AccessKeyRotation{Period: &metav1.Duration{Duration: time.Hour}}}}
	st := rotationState{issuedAt: now.Add(-30 * time.Minute), previousID: "P", retiresAt: now.Add(10 * time.Minute)}
	if d, ok := untilNextEvent(k, st, now); !ok || d != 10*time.Minute {
		t.Fatalf("untilNextEvent = %v %v, want the retirement in 10m", d, ok)
	}
	st.previousID = ""
	if d, ok := untilNextEvent(k, st, now); !ok || d != 30*time.Minute {
		t.Fatalf("untilNextEvent = %v %v, want the rotation in 30m", d, ok)
	}
	if _, ok := untilNextEvent(&kossv1alpha1.AccessKey{}, rotationState{issuedAt: now}, now); ok {
		t.Fatal("an event without a period or a previous key")
	}
}
