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
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

// Annotations of an AccessKey's Secret that keep its rotation's state. They live on the
// Secret, not in the AccessKey's status, because they are written in the same update as
// the pair they describe: a pass that stops after writing a new pair still knows which key
// it replaced and until when that key must keep working. They hold key ids and times only.
const (
	annKeyIssuedAt       = "koss.io/key-issued-at"
	annPreviousKeyID     = "koss.io/previous-access-key-id"
	annPreviousRetiresAt = "koss.io/previous-key-retires-at"
	// annPendingKeyID names a key a rotation registered before the Secret held its pair.
	annPendingKeyID = "koss.io/pending-access-key-id"
	// annRotateHandled is the value of the AccessKey's koss.io/rotate annotation that the
	// current pair answered; another value asks for a rotation.
	annRotateHandled = "koss.io/rotate-handled"
)

// rotationState is the rotation bookkeeping of the current pair.
type rotationState struct {
	// issuedAt is when the current pair was made.
	issuedAt time.Time
	// previousID is the key the current pair replaced, still registered until retiresAt;
	// "" when there is none.
	previousID string
	retiresAt  time.Time
	// handledRequest is the koss.io/rotate value the current pair answered.
	handledRequest string
	// pendingID is a key being registered to replace the current pair (completeRotation).
	pendingID string
}

// rotationFromSecret reads the state back from a Secret; a Secret written before rotation
// existed gives its creation time as issuedAt.
func rotationFromSecret(s *corev1.Secret) rotationState {
	st := rotationState{issuedAt: s.CreationTimestamp.Time}
	a := s.Annotations
	if t, err := time.Parse(time.RFC3339, a[annKeyIssuedAt]); err == nil {
		st.issuedAt = t
	}
	if id := a[annPreviousKeyID]; id != "" {
		if t, err := time.Parse(time.RFC3339, a[annPreviousRetiresAt]); err == nil {
			st.previousID, st.retiresAt = id, t
		}
	}
	st.handledRequest = a[annRotateHandled]
	st.pendingID = a[annPendingKeyID]
	return st
}

// annotations is the state as the Secret carries it.
func (st rotationState) annotations() map[string]string {
	a := map[string]string{annKeyIssuedAt: st.issuedAt.UTC().Format(time.RFC3339)}
	if st.previousID != "" {
		a[annPreviousKeyID] = st.previousID
		a[annPreviousRetiresAt] = st.retiresAt.UTC().Format(time.RFC3339)
	}
	if st.handledRequest != "" {
		a[annRotateHandled] = st.handledRequest
	}
	if st.pendingID != "" {
		a[annPendingKeyID] = st.pendingID
	}
	return a
}

// rotationDue says why k's pair must be replaced now, "" when it need not.
func rotationDue(k *kossv1alpha1.AccessKey, st rotationState, now time.Time) string {
	if req := k.Annotations[kossv1alpha1.RotateAnnotation]; req != "" && req != st.handledRequest {
		return fmt.Sprintf("the %s annotation changed to %q", kossv1alpha1.RotateAnnotation, req)
	}
	if next, ok := nextRotation(k, st); ok && !now.Before(next) {
		return fmt.Sprintf("the pair is %s old (spec.rotation.period %s)",
			now.Sub(st.issuedAt).Round(time.Second), k.Spec.Rotation.Period.Duration)
	}
	return ""
}

// nextRotation is when spec.rotation.period replaces the current pair.
func nextRotation(k *kossv1alpha1.AccessKey, st rotationState) (time.Time, bool) {
	r := k.Spec.Rotation
	if r == nil || r.Period == nil || r.Period.Duration <= 0 {
		return time.Time{}, false
	}
	return st.issuedAt.Add(r.Period.Duration), true
}

// setRotationStatus copies the state into k's status.
func setRotationStatus(k *kossv1alpha1.AccessKey, st *rotationState) {
	if st == nil {
		return // not read this pass: the status keeps what it said
	}
	at := func(t time.Time) *metav1.Time {
		if t.IsZero() {
			return nil
		}
		mt := metav1.NewTime(t.UTC().Truncate(time.Second))
		return &mt
	}
	k.Status.KeyIssuedAt = at(st.issuedAt)
	k.Status.PreviousAccessKeyID = st.previousID
	k.Status.PreviousKeyRetiresAt = nil
	if st.previousID != "" {
		k.Status.PreviousKeyRetiresAt = at(st.retiresAt)
	}
	k.Status.NextRotation = nil
	if next, ok := nextRotation(k, *st); ok {
		k.Status.NextRotation = at(next)
	}
}

// untilNextEvent is how long until the previous key retires or the pair is due, whichever
// comes first; ok is false when neither is scheduled.
func untilNextEvent(k *kossv1alpha1.AccessKey, st rotationState, now time.Time) (time.Duration, bool) {
	var next time.Time
	if st.previousID != "" {
		next = st.retiresAt
	}
	if t, ok := nextRotation(k, st); ok && (next.IsZero() || t.Before(next)) {
		next = t
	}
	if next.IsZero() {
		return 0, false
	}
	return max(next.Sub(now), time.Second), true
}
