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
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

func TestLowestNonZeroResult(t *testing.T) {
	tests := map[string]struct {
		a, b, want time.Duration
	}{
		"both zero":        {0, 0, 0},
		"first zero":       {0, 5 * time.Second, 5 * time.Second},
		"second zero":      {5 * time.Second, 0, 5 * time.Second},
		"the sooner wins":  {time.Minute, 5 * time.Second, 5 * time.Second},
		"the sooner first": {5 * time.Second, time.Minute, 5 * time.Second},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := lowestNonZeroResult(ctrl.Result{RequeueAfter: tc.a}, ctrl.Result{RequeueAfter: tc.b})
			if got.RequeueAfter != tc.want {
				t.Errorf("got %v, want %v", got.RequeueAfter, tc.want)
			}
		})
	}
}

// phaseShape is one kind of phase outcome: a result, an error, or both (a phase may return
// both; RunPhases must still not).
type phaseShape struct {
	requeue time.Duration
	err     bool
}

var phaseShapes = map[string]phaseShape{
	"done":                   {},
	"poll soon":              {requeue: 5 * time.Second},
	"poll later":             {requeue: time.Minute},
	"fail":                   {err: true},
	"fail and ask to poll":   {requeue: time.Second, err: true},
	"fail and ask for later": {requeue: time.Hour, err: true},
}

// TestRunPhases drives RunPhases with every sequence of up to three phase shapes and checks
// cluster-api's rule: every phase runs, every error is returned, a failed pass returns an
// empty result (controller-runtime ignores RequeueAfter beside an error), and a clean pass
// returns the lowest non-zero RequeueAfter.
func TestRunPhases(t *testing.T) {
	names := slices.Sorted(maps.Keys(phaseShapes))
	var sequences [][]string
	for _, a := range names {
		sequences = append(sequences, []string{a})
		for _, b := range names {
			sequences = append(sequences, []string{a, b})
			for _, c := range names {
				sequences = append(sequences, []string{a, b, c})
			}
		}
	}
	for _, seq := range sequences {
		t.Run(strings.Join(seq, ", then "), func(t *testing.T) {
			var ran int
			var phases []Phase[*int]
			var wantErrs []error
			var wantRequeue time.Duration
			for i, name := range seq {
				shape := phaseShapes[name]
				var err error
				if shape.err {
					err = fmt.Errorf("phase %d failed", i)
					wantErrs = append(wantErrs, err)
				} else if shape.requeue > 0 && (wantRequeue == 0 || shape.requeue < wantRequeue) {
					wantRequeue = shape.requeue
				}
				phases = append(phases, func(context.Context, *int) (ctrl.Result, error) {
					ran++
					return ctrl.Result{RequeueAfter: shape.requeue}, err
				})
			}
			res, err := RunPhases(context.Background(), new(int), phases...)
			if err != nil && !res.IsZero() {
				t.Fatalf("returned %+v together with the error %v", res, err)
			}
			if ran != len(seq) {
				t.Errorf("ran %d of %d phases", ran, len(seq))
			}
			for _, want := range wantErrs {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want it to hold %v", err, want)
				}
			}
			if len(wantErrs) == 0 && (err != nil || res.RequeueAfter != wantRequeue) {
				t.Errorf("got %+v, %v; want RequeueAfter %v and no error", res, err, wantRequeue)
			}
		})
	}
}

// TestGetOrNil: the cache answers first; only a miss goes to the API server, and only a miss
// there too is "does not exist".
func TestGetOrNil(t *testing.T) {
	key := types.NamespacedName{Namespace: "storage", Name: "eu-root-key"}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
	errBoom := errors.New("etcd is on fire")
	tests := map[string]struct {
		// inCache and inLive say where the Secret exists.
		inCache, inLive bool
		// cacheErr fails every cache read.
		cacheErr error
		// noLive passes a nil live reader.
		noLive bool
		// wantFound, wantErr and wantLiveReads are the outcome.
		wantFound     bool
		wantErr       error
		wantLiveReads int
	}{
		"found in the cache":                        {inCache: true, inLive: true, wantFound: true},
		"a cache miss is confirmed live":            {inLive: true, wantFound: true, wantLiveReads: 1},
		"missing in both":                           {wantLiveReads: 1},
		"a cache failure is no miss":                {inLive: true, cacheErr: errBoom, wantErr: errBoom},
		"without a live reader a cache miss is nil": {inLive: true, noLive: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cacheObjs, liveObjs := []client.Object{}, []client.Object{}
			if tc.inCache {
				cacheObjs = append(cacheObjs, secret.DeepCopy())
			}
			if tc.inLive {
				liveObjs = append(liveObjs, secret.DeepCopy())
			}
			cache := crfake.NewClientBuilder().WithObjects(cacheObjs...).WithInterceptorFuncs(interceptor.Funcs{
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					if tc.cacheErr != nil {
						return tc.cacheErr
					}
					return c.Get(ctx, key, obj, opts...)
				},
			}).Build()
			liveReads := 0
			var live client.Reader = crfake.NewClientBuilder().WithObjects(liveObjs...).WithInterceptorFuncs(interceptor.Funcs{
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					liveReads++
					return c.Get(ctx, key, obj, opts...)
				},
			}).Build()
			if tc.noLive {
				live = nil
			}
			got, err := GetOrNil[corev1.Secret](context.Background(), cache, live, key)
			if !errors.Is(err, tc.wantErr) || (got != nil) != tc.wantFound || liveReads != tc.wantLiveReads {
				t.Errorf("got %v, %v after %d live reads; want found=%v, %v, %d live reads", got, err, liveReads, tc.wantFound, tc.wantErr, tc.wantLiveReads)
			}
			if got != nil && got.Name != key.Name {
				t.Errorf("read %s", got.Name)
			}
		})
	}
}
