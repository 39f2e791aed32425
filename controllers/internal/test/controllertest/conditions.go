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

package controllertest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

// WantCondition is a condition's expected status and reason, and a fragment of its message.
type WantCondition struct {
	Status  metav1.ConditionStatus
	Reason  string
	Message string
}

// Want is the WantCondition of a status, a reason and a message fragment.
func Want(status metav1.ConditionStatus, reason, message string) WantCondition {
	return WantCondition{Status: status, Reason: reason, Message: message}
}

// CheckCondition fails t unless conditions hold a condition of type typ that matches want
// and was observed at generation.
func CheckCondition(t *testing.T, conditions []metav1.Condition, typ string, generation int64, want WantCondition) {
	t.Helper()
	c := meta.FindStatusCondition(conditions, typ)
	if c == nil {
		t.Fatalf("no %s condition", typ)
	}
	if c.Status != want.Status || c.Reason != want.Reason || !strings.Contains(c.Message, want.Message) {
		t.Errorf("%s = %s/%s %q, want %s/%s containing %q", typ, c.Status, c.Reason, c.Message, want.Status, want.Reason, want.Message)
	}
	if c.ObservedGeneration != generation {
		t.Errorf("%s observedGeneration = %d, want %d", typ, c.ObservedGeneration, generation)
	}
}

// ErrConnRefused is what the admin client returns when nothing listens at a Region's
// endpoint.
var ErrConnRefused = errors.New("dial tcp 10.0.0.1:9000: connect: connection refused")

// TestRegion is the Region storage/eu (uid uid-eu, generation 1, three replicas of 1Gi),
// changed by mutate.
func TestRegion(mutate ...func(*kossv1alpha1.Region)) *kossv1alpha1.Region {
	r := &kossv1alpha1.Region{
		ObjectMeta: metav1.ObjectMeta{Name: "eu", Namespace: "storage", UID: types.UID("uid-eu"), Generation: 1},
		Spec: kossv1alpha1.RegionSpec{
			Replicas: 3,
			Storage:  kossv1alpha1.RegionStorage{Size: resource.MustParse("1Gi")},
		},
	}
	for _, m := range mutate {
		m(r)
	}
	return r
}

// Decode turns an apply configuration into the typed object it describes, so that tests can
// read it as the API server would.
func Decode[T any](t *testing.T, ac any) *T {
	t.Helper()
	data, err := json.Marshal(ac)
	if err != nil {
		t.Fatal(err)
	}
	out := new(T)
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatal(err)
	}
	return out
}
