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
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
)

func checkOwnedByRegion(t *testing.T, refs []metav1.OwnerReference) {
	t.Helper()
	if len(refs) != 1 {
		t.Fatalf("owner references = %v, want one", refs)
	}
	ref := refs[0]
	if ref.Kind != "Region" || ref.Name != "eu" || ref.UID != "uid-eu" || ref.APIVersion != "koss.io/v1alpha1" ||
		!ptr.Deref(ref.Controller, false) || !ptr.Deref(ref.BlockOwnerDeletion, false) {
		t.Errorf("owner reference = %+v, want the controlling Region eu", ref)
	}
}

func TestDesiredStatefulSet(t *testing.T) {
	tests := map[string]struct {
		// region is the Region to build for.
		region *kossv1alpha1.Region
		// image is the manager's default image.
		image string
		// replicas is the scaling step's replicas.
		replicas int32
		// check inspects the result.
		check func(t *testing.T, sts *appsv1.StatefulSet)
	}{
		"renders the kossd command line binding the pod IP with the first three pods as initial cluster (TLS off: no TLS flags)": {
			region: controllertest.TestRegion(plainHTTP), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				c := sts.Spec.Template.Spec.Containers[0]
				want := []string{
					"server",
					"--data=/data",
					"--listen=$(POD_IP):9000",
					"--peer-listen=$(POD_IP):9001",
					"--node-id=$(POD_NAME)",
					"--region=eu",
					"--initial-cluster=eu-0=eu-0.eu-peers.storage.svc.cluster.local:9001," +
						"eu-1=eu-1.eu-peers.storage.svc.cluster.local:9001," +
						"eu-2=eu-2.eu-peers.storage.svc.cluster.local:9001",
					"--intranet-endpoint=eu.storage.svc.cluster.local:9000",
					"--workload-identity-file=/etc/koss/workload-identity/identity.json",
				}
				if !slices.Equal(c.Args, want) {
					t.Errorf("args =\n%q\nwant\n%q", c.Args, want)
				}
				if len(c.Command) != 0 {
					t.Errorf("command = %q, want the image's entrypoint", c.Command)
				}
				for _, a := range c.Args {
					if strings.Contains(a, "0.0.0.0") {
						t.Errorf("arg %q binds every address", a)
					}
				}
			},
		},
		"keeps the initial cluster at three pods for bigger Regions": {
			region: controllertest.TestRegion(func(r *kossv1alpha1.Region) { r.Spec.Replicas = 5 }), image: "img:1", replicas: 5,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				if *sts.Spec.Replicas != 5 {
					t.Errorf("replicas = %d, want 5", *sts.Spec.Replicas)
				}
				args := strings.Join(sts.Spec.Template.Spec.Containers[0].Args, " ")
				if strings.Contains(args, "eu-3") {
					t.Errorf("initial cluster names pod eu-3: %s", args)
				}
			},
		},
		"passes spec.domain to kossd": {
			region: controllertest.TestRegion(func(r *kossv1alpha1.Region) { r.Spec.Domain = "oss.example.com" }), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				if !slices.Contains(sts.Spec.Template.Spec.Containers[0].Args, "--domain=oss.example.com") {
					t.Errorf("args = %q, want --domain", sts.Spec.Template.Spec.Containers[0].Args)
				}
			},
		},
		"uses the default image unless spec.image is set": {
			region: controllertest.TestRegion(), image: regionImage(controllertest.TestRegion(), "default:1"), replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				if got := sts.Spec.Template.Spec.Containers[0].Image; got != "default:1" {
					t.Errorf("image = %q", got)
				}
				if got := regionImage(controllertest.TestRegion(func(r *kossv1alpha1.Region) { r.Spec.Image = "mine:2" }), "default:1"); got != "mine:2" {
					t.Errorf("regionImage with spec.image = %q", got)
				}
			},
		},
		"takes the pod identity from the downward API and the root key from its Secret": {
			region: controllertest.TestRegion(), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				env := map[string]corev1.EnvVar{}
				for _, e := range sts.Spec.Template.Spec.Containers[0].Env {
					if e.Value != "" {
						t.Errorf("env %s has a literal value", e.Name)
					}
					env[e.Name] = e
				}
				for name, path := range map[string]string{"POD_IP": "status.podIP", "POD_NAME": "metadata.name", "POD_NAMESPACE": "metadata.namespace"} {
					if e, ok := env[name]; !ok || e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != path {
						t.Errorf("env %s = %+v, want field %s", name, e, path)
					}
				}
				for name, key := range map[string]string{"KOSS_ROOT_ACCESS_KEY_ID": "accessKeyId", "KOSS_ROOT_ACCESS_KEY_SECRET": "accessKeySecret"} {
					e, ok := env[name]
					if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name != "eu-root-key" || e.ValueFrom.SecretKeyRef.Key != key {
						t.Errorf("env %s = %+v, want Secret eu-root-key key %s", name, e, key)
					}
				}
				// $(POD_IP) expands only from variables defined before the args use them.
				if sts.Spec.Template.Spec.Containers[0].Env[0].Name != "POD_IP" {
					t.Errorf("POD_IP is not the first variable")
				}
			},
		},
		"probes readiness and liveness on the OSS port": {
			region: controllertest.TestRegion(), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				c := sts.Spec.Template.Spec.Containers[0]
				for name, p := range map[string]*corev1.Probe{"/-/readyz": c.ReadinessProbe, "/-/healthz": c.LivenessProbe} {
					if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != name || p.HTTPGet.Port.String() != "oss" {
						t.Errorf("probe %s = %+v", name, p)
					}
					// An HTTP probe of the TLS port gets a 400 and restarts a healthy pod.
					if p != nil && p.HTTPGet != nil && p.HTTPGet.Scheme != corev1.URISchemeHTTPS {
						t.Errorf("probe %s scheme = %q, want HTTPS with TLS on", name, p.HTTPGet.Scheme)
					}
				}
				ports := map[string]int32{}
				for _, p := range c.Ports {
					ports[p.Name] = p.ContainerPort
				}
				if ports["oss"] != 9000 || ports["peer"] != 9001 {
					t.Errorf("ports = %v", ports)
				}
			},
		},
		"starts pods in parallel behind the headless Service with one volume each": {
			region: controllertest.TestRegion(plainHTTP, func(r *kossv1alpha1.Region) { r.Spec.Storage.StorageClassName = ptr.To("fast") }), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				if sts.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
					t.Errorf("podManagementPolicy = %q", sts.Spec.PodManagementPolicy)
				}
				if sts.Spec.ServiceName != "eu-peers" {
					t.Errorf("serviceName = %q", sts.Spec.ServiceName)
				}
				if len(sts.Spec.VolumeClaimTemplates) != 1 {
					t.Fatalf("volumeClaimTemplates = %d", len(sts.Spec.VolumeClaimTemplates))
				}
				pvc := sts.Spec.VolumeClaimTemplates[0]
				if pvc.Name != "data" || ptr.Deref(pvc.Spec.StorageClassName, "") != "fast" ||
					!pvc.Spec.Resources.Requests.Storage().Equal(resource.MustParse("1Gi")) {
					t.Errorf("volume claim template = %+v", pvc)
				}
				mounts := sts.Spec.Template.Spec.Containers[0].VolumeMounts
				if len(mounts) != 3 || mounts[0].Name != "data" || mounts[0].MountPath != "/data" || mounts[1].MountPath != "/tmp" ||
					mounts[2].MountPath != "/etc/koss/workload-identity" {
					t.Errorf("mounts = %+v", mounts)
				}
				p := sts.Spec.PersistentVolumeClaimRetentionPolicy
				if p == nil || p.WhenDeleted != appsv1.RetainPersistentVolumeClaimRetentionPolicyType || p.WhenScaled != appsv1.DeletePersistentVolumeClaimRetentionPolicyType {
					t.Errorf("retention policy = %+v", p)
				}
			},
		},
		"defaults the volume size when the Region was not defaulted by the API server": {
			region: controllertest.TestRegion(func(r *kossv1alpha1.Region) { r.Spec.Storage = kossv1alpha1.RegionStorage{} }), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				got := sts.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests.Storage()
				if !got.Equal(resource.MustParse(kossv1alpha1.DefaultRegionStorageSize)) || sts.Spec.VolumeClaimTemplates[0].Spec.StorageClassName != nil {
					t.Errorf("size = %s, class = %v", got, sts.Spec.VolumeClaimTemplates[0].Spec.StorageClassName)
				}
			},
		},
		"spreads pods over nodes and zones as a preference only": {
			region: controllertest.TestRegion(), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				spec := sts.Spec.Template.Spec
				aa := spec.Affinity.PodAntiAffinity
				if len(aa.RequiredDuringSchedulingIgnoredDuringExecution) != 0 || len(aa.PreferredDuringSchedulingIgnoredDuringExecution) != 1 ||
					aa.PreferredDuringSchedulingIgnoredDuringExecution[0].PodAffinityTerm.TopologyKey != corev1.LabelHostname {
					t.Errorf("anti-affinity = %+v", aa)
				}
				keys := map[string]bool{}
				for _, c := range spec.TopologySpreadConstraints {
					if c.WhenUnsatisfiable != corev1.ScheduleAnyway {
						t.Errorf("spread on %s is required", c.TopologyKey)
					}
					keys[c.TopologyKey] = true
				}
				if !keys[corev1.LabelTopologyZone] || !keys[corev1.LabelHostname] {
					t.Errorf("spread keys = %v", keys)
				}
			},
		},
		"selects its pods with stable labels and is owned by the Region": {
			region: controllertest.TestRegion(), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				want := map[string]string{"app.kubernetes.io/name": "kossd", "app.kubernetes.io/instance": "eu"}
				if got := sts.Spec.Selector.MatchLabels; !mapsEqual(got, want) {
					t.Errorf("selector = %v", got)
				}
				for k, v := range want {
					if sts.Spec.Template.Labels[k] != v {
						t.Errorf("pod label %s = %q", k, sts.Spec.Template.Labels[k])
					}
				}
				if sts.Labels["app.kubernetes.io/managed-by"] != "koss-operator" {
					t.Errorf("labels = %v", sts.Labels)
				}
				checkOwnedByRegion(t, sts.OwnerReferences)
			},
		},
		"serves TLS by default: the pods' Secret mounted read-only, kossd given it for the OSS port and for mutual TLS between peers": {
			region: controllertest.TestRegion(), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				spec := sts.Spec.Template.Spec
				var vol *corev1.Volume
				for i := range spec.Volumes {
					if spec.Volumes[i].Name == "tls" {
						vol = &spec.Volumes[i]
					}
				}
				if vol == nil || vol.Secret == nil || vol.Secret.SecretName != "eu-tls" {
					t.Fatalf("volumes = %+v, want Secret eu-tls as volume tls", spec.Volumes)
				}
				if len(vol.Secret.Items) != 0 {
					t.Errorf("items = %+v: the whole Secret is mounted, so a renewal replaces every file", vol.Secret.Items)
				}
				c := spec.Containers[0]
				var mount *corev1.VolumeMount
				for i := range c.VolumeMounts {
					if c.VolumeMounts[i].Name == "tls" {
						mount = &c.VolumeMounts[i]
					}
				}
				if mount == nil || mount.MountPath != "/etc/koss/tls" || !mount.ReadOnly || mount.SubPath != "" {
					// A subPath mount is never refreshed by the kubelet: a renewal would not reach kossd.
					t.Errorf("mount = %+v, want /etc/koss/tls read-only, no subPath", mount)
				}
				for _, want := range []string{
					"--tls-cert-file=/etc/koss/tls/tls.crt",
					"--tls-key-file=/etc/koss/tls/tls.key",
					"--peer-tls-cert-file=/etc/koss/tls/tls.crt",
					"--peer-tls-key-file=/etc/koss/tls/tls.key",
					"--peer-tls-ca-file=/etc/koss/tls/ca.crt",
				} {
					if !slices.Contains(c.Args, want) {
						t.Errorf("args = %q, want %s", c.Args, want)
					}
				}
				for _, a := range c.Args {
					if strings.HasPrefix(a, "--tls-client-ca-file") {
						t.Errorf("arg %q: OSS clients sign their requests, they are not asked for a certificate", a)
					}
				}
				// The initial cluster stays host:port: the peer listener decides the scheme.
				if !slices.Contains(c.Args, "--initial-cluster=eu-0=eu-0.eu-peers.storage.svc.cluster.local:9001,"+
					"eu-1=eu-1.eu-peers.storage.svc.cluster.local:9001,eu-2=eu-2.eu-peers.storage.svc.cluster.local:9001") {
					t.Errorf("args = %q", c.Args)
				}
				checkRestricted(t, &spec)
			},
		},
		"mounts the workload identity Secret read-only and optional, and names its file to kossd": {
			region: controllertest.TestRegion(), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				spec := sts.Spec.Template.Spec
				var vol *corev1.Volume
				for i := range spec.Volumes {
					if spec.Volumes[i].Name == "workload-identity" {
						vol = &spec.Volumes[i]
					}
				}
				// Optional: the pods must start before the operator first writes the Secret.
				if vol == nil || vol.Secret == nil || vol.Secret.SecretName != "eu-workload-identity" || !ptr.Deref(vol.Secret.Optional, false) || len(vol.Secret.Items) != 0 {
					t.Fatalf("volumes = %+v, want the optional Secret eu-workload-identity as volume workload-identity", spec.Volumes)
				}
				c := spec.Containers[0]
				var mount *corev1.VolumeMount
				for i := range c.VolumeMounts {
					if c.VolumeMounts[i].Name == "workload-identity" {
						mount = &c.VolumeMounts[i]
					}
				}
				if mount == nil || mount.MountPath != "/etc/koss/workload-identity" || !mount.ReadOnly || mount.SubPath != "" {
					// A subPath mount is never refreshed by the kubelet: a new role would not reach kossd.
					t.Errorf("mount = %+v, want /etc/koss/workload-identity read-only, no subPath", mount)
				}
				if !slices.Contains(c.Args, "--workload-identity-file=/etc/koss/workload-identity/identity.json") {
					t.Errorf("args = %q, want --workload-identity-file", c.Args)
				}
			},
		},
		"TLS off renders exactly the plain pod: no TLS volume, flags or HTTPS probes": {
			region: controllertest.TestRegion(plainHTTP), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				spec := sts.Spec.Template.Spec
				if len(spec.Volumes) != 2 || spec.Volumes[0].Name != tmpVolumeName || spec.Volumes[1].Name != workloadIdentityVolumeName {
					t.Errorf("volumes = %+v, want only /tmp and the identity file", spec.Volumes)
				}
				c := spec.Containers[0]
				for _, a := range c.Args {
					if strings.Contains(a, "tls") {
						t.Errorf("arg %q with TLS disabled", a)
					}
				}
				for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe} {
					if p.HTTPGet.Scheme != "" && p.HTTPGet.Scheme != corev1.URISchemeHTTP {
						t.Errorf("probe scheme %q with TLS disabled", p.HTTPGet.Scheme)
					}
				}
				checkRestricted(t, &spec)
			},
		},
		"restricted Pod Security Standard": {
			region: controllertest.TestRegion(), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				checkRestricted(t, &sts.Spec.Template.Spec)
				var tmp bool
				for _, v := range sts.Spec.Template.Spec.Volumes {
					tmp = tmp || (v.Name == tmpVolumeName && v.EmptyDir != nil)
				}
				if !tmp {
					t.Error("no emptyDir for /tmp beside the read-only root")
				}
				if fg := sts.Spec.Template.Spec.SecurityContext.FSGroup; fg == nil || *fg != kossdUID {
					t.Errorf("fsGroup = %v, want %d so kossd can write its volume", fg, kossdUID)
				}
				if a := sts.Spec.Template.Spec.AutomountServiceAccountToken; a == nil || *a {
					t.Error("a kossd pod without spec.serviceAccountName mounts a token it never uses")
				}
			},
		},
		"default placement spreads over zones and hosts as a preference": {
			region: controllertest.TestRegion(), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				spec := sts.Spec.Template.Spec
				keys := map[string]bool{}
				for _, c := range spec.TopologySpreadConstraints {
					keys[c.TopologyKey] = true
					if c.WhenUnsatisfiable != corev1.ScheduleAnyway || c.MaxSkew != 1 {
						t.Errorf("constraint %s: %s maxSkew %d; a one-node cluster must still schedule", c.TopologyKey, c.WhenUnsatisfiable, c.MaxSkew)
					}
				}
				if !keys[corev1.LabelTopologyZone] || !keys[corev1.LabelHostname] || len(keys) != 2 {
					t.Errorf("spread keys %v, want zone and hostname", keys)
				}
				if spec.Affinity == nil || spec.Affinity.PodAntiAffinity == nil || len(spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) != 0 {
					t.Errorf("affinity %+v, want only a preferred anti-affinity", spec.Affinity)
				}
			},
		},
		"copies the placement and pod settings of the spec": {
			region: controllertest.TestRegion(func(r *kossv1alpha1.Region) {
				r.Spec.NodeSelector = map[string]string{"disk": "ssd"}
				r.Spec.Tolerations = []corev1.Toleration{{Key: "storage", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
				r.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
					NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "pool", Operator: corev1.NodeSelectorOpIn, Values: []string{"storage"}}}}},
				}}}
				r.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "rack", WhenUnsatisfiable: corev1.DoNotSchedule}}
				r.Spec.PriorityClassName = "storage-critical"
				r.Spec.PodLabels = map[string]string{"team": "data", labelInstance: "hijack"}
				r.Spec.PodAnnotations = map[string]string{"example.com/scrape": "true"}
				r.Spec.ServiceAccountName = "kossd"
			}), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				spec := sts.Spec.Template.Spec
				if spec.NodeSelector["disk"] != "ssd" {
					t.Errorf("nodeSelector %v", spec.NodeSelector)
				}
				if len(spec.Tolerations) != 1 || spec.Tolerations[0].Key != "storage" || spec.Tolerations[0].Effect != corev1.TaintEffectNoSchedule {
					t.Errorf("tolerations %+v", spec.Tolerations)
				}
				if spec.Affinity == nil || spec.Affinity.NodeAffinity == nil || spec.Affinity.PodAntiAffinity != nil {
					t.Errorf("affinity %+v, want exactly spec.affinity", spec.Affinity)
				}
				if len(spec.TopologySpreadConstraints) != 1 || spec.TopologySpreadConstraints[0].TopologyKey != "rack" {
					t.Fatalf("spread %+v, want exactly spec.topologySpreadConstraints", spec.TopologySpreadConstraints)
				}
				if sel := spec.TopologySpreadConstraints[0].LabelSelector; sel == nil || !mapsEqual(sel.MatchLabels, selectorLabels(controllertest.TestRegion())) {
					t.Errorf("a constraint without labelSelector selects %v, want the Region's pods", sel)
				}
				if spec.PriorityClassName != "storage-critical" || spec.ServiceAccountName != "kossd" {
					t.Errorf("priorityClassName %q serviceAccountName %q", spec.PriorityClassName, spec.ServiceAccountName)
				}
				if spec.AutomountServiceAccountToken != nil {
					t.Error("automountServiceAccountToken forced off for a chosen ServiceAccount")
				}
				l := sts.Spec.Template.Labels
				if l["team"] != "data" || l[labelInstance] != controllertest.TestRegion().Name {
					t.Errorf("pod labels %v: want team=data added and the selector labels kept", l)
				}
				if sts.Spec.Template.Annotations["example.com/scrape"] != "true" {
					t.Errorf("pod annotations %v", sts.Spec.Template.Annotations)
				}
				if sts.Spec.UpdateStrategy.Type != appsv1.RollingUpdateStatefulSetStrategyType {
					t.Errorf("update strategy %s, want RollingUpdate (one pod at a time)", sts.Spec.UpdateStrategy.Type)
				}
				checkRestricted(t, &spec)
			},
		},
		"copies spec.resources": {
			region: controllertest.TestRegion(func(r *kossv1alpha1.Region) {
				r.Spec.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}}
			}), image: "img:1", replicas: 3,
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				got := sts.Spec.Template.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU]
				if !got.Equal(resource.MustParse("500m")) {
					t.Errorf("cpu request = %s", got.String())
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sts, err := desiredStatefulSet(tc.region, tc.image, tc.replicas)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, controllertest.Decode[appsv1.StatefulSet](t, sts))
		})
	}
}

// plainHTTP turns a Region's TLS off.
func plainHTTP(r *kossv1alpha1.Region) { r.Spec.TLS.Disabled = true }

// checkRestricted fails unless spec meets the "restricted" Pod Security Standard.
func checkRestricted(t *testing.T, spec *corev1.PodSpec) {
	t.Helper()
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Error("pod: runAsNonRoot is not true")
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Error("pod: seccompProfile is not RuntimeDefault")
	}
	for _, c := range spec.Containers {
		sc := c.SecurityContext
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s: allowPrivilegeEscalation is not false", c.Name)
		}
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: readOnlyRootFilesystem is not true", c.Name)
		}
		if sc == nil || sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) != 0 {
			t.Errorf("%s: capabilities do not drop ALL", c.Name)
		}
	}
}

func TestDesiredNetworkPolicy(t *testing.T) {
	region := controllertest.TestRegion()
	np := controllertest.Decode[networkingv1.NetworkPolicy](t, desiredNetworkPolicy(region))
	if len(np.Spec.Ingress) != 2 {
		t.Fatalf("ingress %+v", np.Spec.Ingress)
	}
	peer, oss := np.Spec.Ingress[0], np.Spec.Ingress[1]
	if peer.Ports[0].Port.StrVal != peerPortName || len(peer.From) != 1 || !mapsEqual(peer.From[0].PodSelector.MatchLabels, selectorLabels(region)) {
		t.Errorf("peer rule %+v: want the peer port from the Region's pods only", peer)
	}
	if oss.Ports[0].Port.StrVal != ossPortName || len(oss.From) != 0 {
		t.Errorf("oss rule %+v: want the OSS port from anywhere", oss)
	}
	if !mapsEqual(np.Spec.PodSelector.MatchLabels, selectorLabels(region)) {
		t.Errorf("podSelector %v", np.Spec.PodSelector.MatchLabels)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestDesiredServices(t *testing.T) {
	tests := map[string]struct {
		// svc is the built Service.
		svc *corev1.Service
		// wantName, wantType, wantPorts describe it.
		wantName  string
		wantType  corev1.ServiceType
		wantPorts map[string]int32
		// wantAnnotations are its annotations.
		wantAnnotations map[string]string
		// headless is true for the peers' Service.
		headless bool
	}{
		"the headless Service publishes pods before they are ready": {
			svc:       controllertest.Decode[corev1.Service](t, desiredHeadlessService(controllertest.TestRegion())),
			wantName:  "eu-peers",
			wantPorts: map[string]int32{"oss": 9000, "peer": 9001},
			headless:  true,
		},
		"the client Service is a ClusterIP on port 9000": {
			svc:       controllertest.Decode[corev1.Service](t, desiredClientService(controllertest.TestRegion())),
			wantName:  "eu",
			wantType:  corev1.ServiceTypeClusterIP,
			wantPorts: map[string]int32{"oss": 9000},
		},
		"the client Service is a LoadBalancer with annotations when spec.external is enabled": {
			svc: controllertest.Decode[corev1.Service](t, desiredClientService(controllertest.TestRegion(func(r *kossv1alpha1.Region) {
				r.Spec.External = kossv1alpha1.RegionExternal{Enabled: true, Annotations: map[string]string{"lb.example.com/class": "internet"}}
			}))),
			wantName:        "eu",
			wantType:        corev1.ServiceTypeLoadBalancer,
			wantPorts:       map[string]int32{"oss": 9000},
			wantAnnotations: map[string]string{"lb.example.com/class": "internet"},
		},
		"annotations are not applied while spec.external is disabled": {
			svc: controllertest.Decode[corev1.Service](t, desiredClientService(controllertest.TestRegion(func(r *kossv1alpha1.Region) {
				r.Spec.External = kossv1alpha1.RegionExternal{Annotations: map[string]string{"lb.example.com/class": "internet"}}
			}))),
			wantName:  "eu",
			wantType:  corev1.ServiceTypeClusterIP,
			wantPorts: map[string]int32{"oss": 9000},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := tc.svc
			if s.Name != tc.wantName || s.Namespace != "storage" {
				t.Errorf("name = %s/%s", s.Namespace, s.Name)
			}
			if tc.headless {
				if s.Spec.ClusterIP != corev1.ClusterIPNone || !s.Spec.PublishNotReadyAddresses {
					t.Errorf("headless spec = %+v", s.Spec)
				}
			} else if s.Spec.Type != tc.wantType {
				t.Errorf("type = %q, want %q", s.Spec.Type, tc.wantType)
			}
			ports := map[string]int32{}
			for _, p := range s.Spec.Ports {
				ports[p.Name] = p.Port
				if p.TargetPort.String() != p.Name {
					t.Errorf("port %s targets %s", p.Name, p.TargetPort.String())
				}
			}
			if len(ports) != len(tc.wantPorts) {
				t.Errorf("ports = %v, want %v", ports, tc.wantPorts)
			}
			for n, p := range tc.wantPorts {
				if ports[n] != p {
					t.Errorf("ports = %v, want %v", ports, tc.wantPorts)
				}
			}
			if !mapsEqual(s.Annotations, tc.wantAnnotations) {
				t.Errorf("annotations = %v, want %v", s.Annotations, tc.wantAnnotations)
			}
			if !mapsEqual(s.Spec.Selector, selectorLabels(controllertest.TestRegion())) {
				t.Errorf("selector = %v", s.Spec.Selector)
			}
			checkOwnedByRegion(t, s.OwnerReferences)
		})
	}
}

func TestDesiredPodDisruptionBudget(t *testing.T) {
	pdb := controllertest.Decode[policyv1.PodDisruptionBudget](t, desiredPodDisruptionBudget(controllertest.TestRegion()))
	if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 || pdb.Spec.MinAvailable != nil {
		t.Errorf("pdb spec = %+v, want maxUnavailable 1", pdb.Spec)
	}
	if !mapsEqual(pdb.Spec.Selector.MatchLabels, selectorLabels(controllertest.TestRegion())) {
		t.Errorf("selector = %v", pdb.Spec.Selector)
	}
	checkOwnedByRegion(t, pdb.OwnerReferences)
}

func TestRootKeySecret(t *testing.T) {
	key, _ := controllers.KeyPairOf("KOSSROOTABC", "s3cr3t")
	tests := map[string]struct {
		// secret is the built Secret.
		secret *corev1.Secret
		// wantData is its data.
		wantData map[string]string
		// wantImmutable is its immutable field.
		wantImmutable bool
	}{
		"a new root key is an immutable Secret with the pair": {
			secret:        controllertest.Decode[corev1.Secret](t, desiredRootKeySecret(controllertest.TestRegion(), key)),
			wantData:      map[string]string{"accessKeyId": "KOSSROOTABC", "accessKeySecret": "s3cr3t"},
			wantImmutable: true,
		},
		"adopting a Secret touches only labels and owner": {
			secret: controllertest.Decode[corev1.Secret](t, rootKeySecretAdoption(controllertest.TestRegion())),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := tc.secret
			if s.Name != "eu-root-key" || s.Namespace != "storage" {
				t.Errorf("name = %s/%s", s.Namespace, s.Name)
			}
			if ptr.Deref(s.Immutable, false) != tc.wantImmutable {
				t.Errorf("immutable = %v", s.Immutable)
			}
			if len(s.Data) != len(tc.wantData) {
				t.Errorf("data keys = %v", sortedKeys(s.Data))
			}
			for k, v := range tc.wantData {
				if string(s.Data[k]) != v {
					t.Errorf("data[%s] = %q", k, s.Data[k])
				}
			}
			if s.Labels["app.kubernetes.io/managed-by"] != "koss-operator" {
				t.Errorf("labels = %v: the manager's cache would not see the Secret", s.Labels)
			}
			checkOwnedByRegion(t, s.OwnerReferences)
		})
	}
}

func TestNames(t *testing.T) {
	r := controllertest.TestRegion()
	tests := map[string]struct {
		got, want string
	}{
		"internal endpoint":             {controllers.RegionInternalEndpoint(r), "https://eu.storage.svc.cluster.local:9000"},
		"internal endpoint without TLS": {controllers.RegionInternalEndpoint(controllertest.TestRegion(plainHTTP)), "http://eu.storage.svc.cluster.local:9000"},
		"peer address":                  {peerAddress(r, 4), "eu-4.eu-peers.storage.svc.cluster.local:9001"},
		"pod name":                      {podName(r, 2), "eu-2"},
		"initial cluster of one":        {initialCluster(r, 1), "eu-0=eu-0.eu-peers.storage.svc.cluster.local:9001"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}
