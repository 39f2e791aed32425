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
	"testing"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
)

func contextCanceled() error { return context.Canceled }

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

func TestRunPhases(t *testing.T) {
	errA, errB := errors.New("a"), errors.New("b")
	var ran []string
	p := func(name string, res time.Duration, err error) phase[*int] {
		return func(context.Context, *int) (ctrl.Result, error) {
			ran = append(ran, name)
			return ctrl.Result{RequeueAfter: res}, err
		}
	}
	res, err := runPhases(context.Background(), new(int), p("1", time.Minute, errA), p("2", 0, nil), p("3", time.Second, errB))
	if len(ran) != 3 {
		t.Errorf("ran %v, want every phase", ran)
	}
	if !errors.Is(err, errA) || !errors.Is(err, errB) {
		t.Errorf("err = %v, want both", err)
	}
	if res.RequeueAfter != time.Second {
		t.Errorf("requeue = %v", res.RequeueAfter)
	}
}
