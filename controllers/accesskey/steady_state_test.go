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
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
)

// quietWindow is how long the steady state is watched for writes. Within it every periodic
// task runs several times (Region health every 3 s, Bucket statistics every 2 s, AccessKey
// resync every 3 s).
const quietWindow = 25 * time.Second

// gitopsManifests are what a GitOps tool would apply: a Region, a Bucket and an AccessKey.
const gitopsManifests = `
apiVersion: koss.io/v1alpha1
kind: Region
metadata: {name: calm, namespace: %[1]s}
spec:
  replicas: 3
  storage: {size: 1Gi}
---
apiVersion: koss.io/v1alpha1
kind: Bucket
metadata: {name: %[2]s, namespace: %[1]s}
spec:
  regionRef: {name: calm}
  deletionPolicy: Delete
---
apiVersion: koss.io/v1alpha1
kind: AccessKey
metadata: {name: calm-app, namespace: %[1]s}
spec:
  regionRef: {name: calm}
  buckets:
  - {name: %[2]s, access: readwrite}
`

// applyManifests server-side applies YAML documents as the field manager "gitops".
func applyManifests(ctx context.Context, docs string) {
	for _, doc := range splitYAML(docs) {
		u := &unstructured.Unstructured{}
		ExpectWithOffset(1, yaml.Unmarshal([]byte(doc), &u.Object)).To(Succeed())
		ExpectWithOffset(1, env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner("gitops"), client.ForceOwnership)).To(Succeed())
	}
}

// splitYAML splits a multi-document YAML stream.
func splitYAML(docs string) []string {
	var out []string
	for _, d := range regexp.MustCompile(`(?m)^---$`).Split(docs, -1) {
		if strings.TrimSpace(d) != "" {
			out = append(out, d)
		}
	}
	return out
}

var _ = Describe("The steady state", func() {
	It("is quiet once everything is Ready, and re-applying the manifests changes nothing", func() {
		ctx := context.Background()
		ns := env.NewNamespace(nil)
		bucketName := controllertest.UniqueName("calm")
		manifests := fmt.Sprintf(gitopsManifests, ns, bucketName)
		applyManifests(ctx, manifests)
		region := &kossv1alpha1.Region{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "calm"}}
		env.StartCluster(region)
		bucket := &kossv1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: bucketName}}
		key := &kossv1alpha1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "calm-app"}}
		env.WaitAvailable(region)
		env.WaitBucketReady(bucket)
		Eventually(func(g Gomega) { g.Expect(env.AccessKeyReady(g, key).Status).To(Equal(metav1.ConditionTrue)) }).Should(Succeed())

		name := func(n string) types.NamespacedName { return types.NamespacedName{Namespace: ns, Name: n} }
		watched := map[string]struct {
			key types.NamespacedName
			obj client.Object
		}{
			"Region":              {name("calm"), &kossv1alpha1.Region{}},
			"Bucket":              {name(bucketName), &kossv1alpha1.Bucket{}},
			"AccessKey":           {name("calm-app"), &kossv1alpha1.AccessKey{}},
			"AccessKey Secret":    {name("calm-app"), &corev1.Secret{}},
			"root-key Secret":     {name("calm-root-key"), &corev1.Secret{}},
			"StatefulSet":         {name("calm"), &appsv1.StatefulSet{}},
			"client Service":      {name("calm"), &corev1.Service{}},
			"headless Service":    {name("calm-peers"), &corev1.Service{}},
			"PodDisruptionBudget": {name("calm"), &policyv1.PodDisruptionBudget{}},
		}
		versions := func(g Gomega) map[string]string {
			out := map[string]string{}
			for what, w := range watched {
				g.Expect(env.Client.Get(ctx, w.key, w.obj)).To(Succeed(), what)
				out[what] = w.obj.GetResourceVersion()
			}
			return out
		}

		settled := versions(Default)
		By(fmt.Sprintf("watching for %s that no object is written", quietWindow))
		Consistently(func(g Gomega) {
			g.Expect(versions(g)).To(Equal(settled))
		}).WithTimeout(quietWindow).WithPolling(time.Second).Should(Succeed())

		By("re-applying the same manifests")
		applyManifests(ctx, manifests)
		Consistently(func(g Gomega) {
			g.Expect(versions(g)).To(Equal(settled))
		}).WithTimeout(3 * time.Second).WithPolling(500 * time.Millisecond).Should(Succeed())
	})
})
