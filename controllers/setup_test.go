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

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"
)

// TestSetupWithManagerChecksDependencies: a reconciler missing an injected dependency
// refuses to start, before it touches the manager.
func TestSetupWithManagerChecksDependencies(t *testing.T) {
	tests := map[string]interface {
		SetupWithManager(context.Context, ctrl.Manager, controller.Options) error
	}{
		"RegionReconciler without dependencies":    &RegionReconciler{},
		"RegionReconciler without an image":        &RegionReconciler{AdminClients: &HTTPAdminClientFactory{}},
		"BucketReconciler without dependencies":    &BucketReconciler{},
		"AccessKeyReconciler without dependencies": &AccessKeyReconciler{AdminClients: &HTTPAdminClientFactory{}},
	}
	for name, r := range tests {
		t.Run(name, func(t *testing.T) {
			if err := r.SetupWithManager(context.Background(), nil, controller.Options{}); !errors.Is(err, errMissingDependency) {
				t.Errorf("err = %v, want errMissingDependency", err)
			}
		})
	}
}
