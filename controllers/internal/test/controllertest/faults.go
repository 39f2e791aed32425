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
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/managedfields"
	clientgoapplyconfigurations "k8s.io/client-go/applyconfigurations"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
	"github.com/koss-io/koss/storage/adminclient/fake"
)

// Scenario is the world one reconcile pass starts from.
type Scenario struct {
	// Name says what the world is, e.g. "a Region growing by one member".
	Name string
	// Objects returns the API server's objects; it is called once per pass, so it must
	// return fresh objects each time.
	Objects func() []client.Object
	// Admin prepares the fake admin API every Region answers with (nil: fake.New as it is).
	Admin func(*fake.Client)
	// Request names the object reconciled.
	Request types.NamespacedName
}

// NewReconciler builds the reconciler under test over c (as both its cached client and its
// API reader), the admin client factory and a recorder.
type NewReconciler func(c client.Client, admins controllers.AdminClientFactory, recorder events.EventRecorder) reconcile.Reconciler

// errInjected is the API server failure the checks inject.
var errInjected = errors.New("injected API server failure")

// adminFailures are the admin API failures the checks inject: one that reads as an
// unreachable Region, and a refusal.
var adminFailures = map[string]error{
	"unavailable":    &adminclient.APIError{StatusCode: 503, Code: adminapi.CodeUnavailable, Message: "injected"},
	"internal error": &adminclient.APIError{StatusCode: 500, Code: adminapi.CodeInternal, Message: "injected"},
}

// CheckNeverResultAndError runs one reconcile pass per scenario and then, for each, one pass
// with every single failure injected in turn: the n-th API server call failing, for every n
// up to the number of calls the clean pass made, and every admin API method the clean pass
// called failing (as unavailable, and with an internal error). It fails t whenever a pass
// returns a requeue interval together with an error: controller-runtime ignores RequeueAfter
// next to an error (and warns), so such a result promises a poll that never happens. This
// drives every phase of the reconciler into its error path without an API server.
func CheckNeverResultAndError(t *testing.T, newReconciler NewReconciler, scenarios ...Scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			calls, methods, _ := runPass(t, sc, newReconciler, 0, "", nil)
			if calls == 0 {
				t.Fatal("the clean pass made no API call: the scenario reconciles nothing")
			}
			errorPasses := 0
			for n := 1; n <= calls; n++ {
				if _, _, failed := runPass(t, sc, newReconciler, n, "", nil); failed {
					errorPasses++
				}
			}
			// Every API call the clean pass made was failed once; if none showed in a pass's
			// error, the injection did not reach the reconciler and checked nothing.
			if errorPasses == 0 {
				t.Errorf("none of %d injected API server failures made a pass fail", calls)
			}
			for _, m := range methods {
				for _, err := range adminFailures {
					runPass(t, sc, newReconciler, 0, m, err)
				}
			}
		})
	}
}

// runPass runs one pass with the failCall-th API call (0: none) and the admin method
// failMethod ("": none) failing, checks the result, and returns how many API calls the pass
// made, the admin API methods it called, and whether it returned an error.
func runPass(t *testing.T, sc Scenario, newReconciler NewReconciler, failCall int, failMethod string, adminErr error) (int, []string, bool) {
	t.Helper()
	calls := 0
	fail := func() error {
		calls++
		if calls == failCall {
			return fmt.Errorf("call %d: %w", calls, errInjected)
		}
		return nil
	}
	c := NewFakeClient(interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if err := fail(); err != nil {
				return err
			}
			return c.Get(ctx, key, obj, opts...)
		},
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if err := fail(); err != nil {
				return err
			}
			return c.List(ctx, list, opts...)
		},
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			if err := fail(); err != nil {
				return err
			}
			return c.Create(ctx, obj, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if err := fail(); err != nil {
				return err
			}
			return c.Update(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			if err := fail(); err != nil {
				return err
			}
			return c.Patch(ctx, obj, patch, opts...)
		},
		Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			if err := fail(); err != nil {
				return err
			}
			return c.Delete(ctx, obj, opts...)
		},
		Apply: func(ctx context.Context, c client.WithWatch, obj kruntime.ApplyConfiguration, opts ...client.ApplyOption) error {
			if err := fail(); err != nil {
				return err
			}
			return c.Apply(ctx, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			if err := fail(); err != nil {
				return err
			}
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			if err := fail(); err != nil {
				return err
			}
			return c.SubResource(sub).Update(ctx, obj, opts...)
		},
	}, sc.Objects()...)
	admin := fake.New()
	if sc.Admin != nil {
		sc.Admin(admin)
	}
	prepared := len(admin.Calls()) // calls Admin made itself
	if failMethod != "" {
		admin.Fail(failMethod, adminErr)
	}
	factory := controllers.AdminClientFactoryFunc(func(context.Context, *kossv1alpha1.Region, *corev1.Secret) (adminclient.Interface, error) {
		return admin, nil
	})
	r := newReconciler(c, factory, events.NewFakeRecorder(1000))
	res, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: sc.Request})
	if err != nil && !res.IsZero() {
		what := "the clean pass"
		switch {
		case failCall > 0:
			what = fmt.Sprintf("API call %d failing", failCall)
		case failMethod != "":
			what = fmt.Sprintf("%s failing with %v", failMethod, adminErr)
		}
		t.Errorf("with %s the pass returned %+v together with the error %v", what, res, err)
	}
	return calls, slices.Compact(slices.Sorted(slices.Values(admin.Calls()[prepared:]))), err != nil
}

// fakeScheme has the client-go and koss.io kinds; it is built once, as building it is slow
// and the fault checks make hundreds of fake clients.
var fakeScheme = sync.OnceValue(func() *kruntime.Scheme {
	scheme := kruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := kossv1alpha1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	return scheme
})

// fakeTypeConverters are what the fake client's server-side apply merges with, as its
// builder would make them on every Build (client-go's schemas, deduced ones for the koss.io
// kinds); they are built once because parsing the schemas is slow.
var fakeTypeConverters = sync.OnceValue(func() []managedfields.TypeConverter {
	scheme := kruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	return []managedfields.TypeConverter{
		clientgoapplyconfigurations.NewTypeConverter(scheme),
		managedfields.NewDeducedTypeConverter(),
	}
})

// NewFakeClient is a fake API server holding objs, with the koss and client-go kinds, the
// status subresources and the operator's field indexes, calling through funcs.
func NewFakeClient(funcs interceptor.Funcs, objs ...client.Object) client.WithWatch {
	b := crfake.NewClientBuilder().
		WithScheme(fakeScheme()).
		WithTypeConverters(fakeTypeConverters()...).
		WithObjects(objs...).
		WithStatusSubresource(&kossv1alpha1.Region{}, &kossv1alpha1.Bucket{}, &kossv1alpha1.AccessKey{}, &appsv1.StatefulSet{}).
		WithInterceptorFuncs(funcs)
	for _, ix := range controllers.Indexes() {
		b = b.WithIndex(ix.Object, ix.Field, ix.Extract)
	}
	return b.Build()
}
