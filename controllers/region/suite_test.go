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

package region

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/koss-io/koss/controllers/internal/test/controllertest"
)

// env runs the Region reconciler against envtest's kube-apiserver, with real kossd
// processes for the Regions a spec needs Available (see controllertest).
var env *controllertest.Env

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Region Controller Suite")
}

var _ = BeforeSuite(func() {
	env = controllertest.Start(func(e *controllertest.Env) error {
		return (&Reconciler{
			Client: e.Manager.GetClient(), APIReader: e.Manager.GetAPIReader(), AdminClients: e.Admins, Recorder: e.Recorder,
			DefaultImage: controllertest.Image, HealthInterval: controllertest.HealthInterval, ScalingInterval: controllertest.ScalingInterval,
		}).SetupWithManager(e.Ctx, e.Manager, e.Options)
	})
})

var _ = AfterSuite(func() { env.Stop() })
