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
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"
	policyv1ac "k8s.io/client-go/applyconfigurations/policy/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
)

// The builders in this file are pure: the desired state of a Region's objects as apply
// configurations, from the Region and the few facts a reconcile pass decides (image,
// replicas, the generated root key). The reconciler applies them with server-side apply;
// fields they leave out are left to the API server's defaults and to other owners.

// Probe timings of the kossd container. Readiness (/-/readyz: member of a cluster with a
// leader) reacts within seconds; liveness (/-/healthz: the process serves HTTP) is patient,
// so a slow disk or a long election never restarts a healthy pod.
const (
	readinessPeriodSeconds    = 5
	readinessFailureThreshold = 3
	livenessPeriodSeconds     = 10
	livenessFailureThreshold  = 6
	livenessInitialDelay      = 10
)

// Topology keys the pods of a Region spread over.
const (
	topologyKeyHostname = corev1.LabelHostname
	topologyKeyZone     = corev1.LabelTopologyZone
)

// regionOwnerReference makes the Region the controlling owner of an object, so the object
// is garbage-collected with the Region and its changes wake the Region's reconciler.
func regionOwnerReference(region *kossv1alpha1.Region) *metav1ac.OwnerReferenceApplyConfiguration {
	return metav1ac.OwnerReference().
		WithAPIVersion(kossv1alpha1.GroupVersion.String()).
		WithKind("Region").
		WithName(region.Name).
		WithUID(region.UID).
		WithController(true).
		WithBlockOwnerDeletion(true)
}

// desiredHeadlessService is the Service that gives every kossd pod a stable DNS name
// (<pod>.<region>-peers.<ns>.svc.cluster.local) for its peers. It publishes pods before
// they are ready, because a pod only becomes ready once it has found its peers.
func desiredHeadlessService(region *kossv1alpha1.Region) *corev1ac.ServiceApplyConfiguration {
	return corev1ac.Service(headlessServiceName(region), region.Namespace).
		WithLabels(labelsFor(region, componentStorage)).
		WithOwnerReferences(regionOwnerReference(region)).
		WithSpec(corev1ac.ServiceSpec().
			WithClusterIP(corev1.ClusterIPNone).
			WithPublishNotReadyAddresses(true).
			WithSelector(selectorLabels(region)).
			WithPorts(
				servicePort(ossPortName, ossPort),
				servicePort(peerPortName, peerPort),
			))
}

// desiredClientService is the Service clients use: ClusterIP, or a LoadBalancer carrying
// spec.external.annotations when spec.external.enabled.
func desiredClientService(region *kossv1alpha1.Region) *corev1ac.ServiceApplyConfiguration {
	svc := corev1ac.Service(controllers.ClientServiceName(region), region.Namespace).
		WithLabels(labelsFor(region, componentStorage)).
		WithOwnerReferences(regionOwnerReference(region))
	spec := corev1ac.ServiceSpec().
		WithType(corev1.ServiceTypeClusterIP).
		WithSelector(selectorLabels(region)).
		WithPorts(servicePort(ossPortName, ossPort))
	if region.Spec.External.Enabled {
		spec.WithType(corev1.ServiceTypeLoadBalancer)
		if len(region.Spec.External.Annotations) > 0 {
			svc.WithAnnotations(maps.Clone(region.Spec.External.Annotations))
		}
	}
	return svc.WithSpec(spec)
}

func servicePort(name string, port int32) *corev1ac.ServicePortApplyConfiguration {
	return corev1ac.ServicePort().
		WithName(name).
		WithProtocol(corev1.ProtocolTCP).
		WithPort(port).
		WithTargetPort(intstr.FromString(name))
}

// desiredPodDisruptionBudget lets voluntary disruptions (drains, upgrades) take one kossd
// pod at a time: with three copies of every object and a raft majority, one pod away keeps
// the Region writable and every object readable.
func desiredPodDisruptionBudget(region *kossv1alpha1.Region) *policyv1ac.PodDisruptionBudgetApplyConfiguration {
	return policyv1ac.PodDisruptionBudget(pdbName(region), region.Namespace).
		WithLabels(labelsFor(region, componentStorage)).
		WithOwnerReferences(regionOwnerReference(region)).
		WithSpec(policyv1ac.PodDisruptionBudgetSpec().
			WithMaxUnavailable(intstr.FromInt32(1)).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(selectorLabels(region))))
}

// desiredRootKeySecret holds a Region's root key. It is immutable: the API server refuses
// any later change of the pair, so a bug or a race can never rotate the key silently.
func desiredRootKeySecret(region *kossv1alpha1.Region, key controllers.KeyPair) *corev1ac.SecretApplyConfiguration {
	return corev1ac.Secret(controllers.RootKeySecretName(region), region.Namespace).
		WithLabels(labelsFor(region, componentRootKey)).
		WithOwnerReferences(regionOwnerReference(region)).
		WithType(corev1.SecretTypeOpaque).
		WithImmutable(true).
		WithData(map[string][]byte{
			controllers.SecretKeyAccessKeyID:     []byte(key.ID()),
			controllers.SecretKeyAccessKeySecret: []byte(key.Secret()),
		})
}

// rootKeySecretAdoption labels and owns an existing root-key Secret without touching its
// data: the pair is never replaced, and the label puts the Secret in the manager's cache.
func rootKeySecretAdoption(region *kossv1alpha1.Region) *corev1ac.SecretApplyConfiguration {
	return corev1ac.Secret(controllers.RootKeySecretName(region), region.Namespace).
		WithLabels(labelsFor(region, componentRootKey)).
		WithOwnerReferences(regionOwnerReference(region))
}

// kossdArgs are the arguments of `kossd server` in a Region's pods. Every pod gets the same
// template, so per-pod values come from the downward API through $(VAR) expansion. The
// servers bind the pod IP, never 0.0.0.0: on the local control plane pods share the host's
// network namespace (see DESIGN.md), and binding the pod IP is as right in a real cluster.
// The initial cluster is always the first three pods: a Region bootstraps with them, and
// every further pod joins as a member added through the admin API, so a pod that is
// removed and later comes back is never mistaken for a founder.
func kossdArgs(region *kossv1alpha1.Region) []string {
	args := []string{
		"server",
		"--data=" + dataDir,
		fmt.Sprintf("--listen=$(%s):%d", envPodIP, ossPort),
		fmt.Sprintf("--peer-listen=$(%s):%d", envPodIP, peerPort),
		fmt.Sprintf("--node-id=$(%s)", envPodName),
		"--region=" + region.Name,
		"--initial-cluster=" + initialCluster(region, kossv1alpha1.MinRegionReplicas),
		// GetBucketInfo's IntranetEndpoint: the client Service inside the cluster. The
		// ExtranetEndpoint is left to the request's Host: a LoadBalancer's address is known
		// only after the pods run, and writing it into the pod template would roll the
		// Region when it appears; clients from outside reach kossd through it anyway.
		"--intranet-endpoint=" + intranetEndpoint(region),
		// STS AssumeRoleWithOIDC: the issuer, its keys and the roles (reconcileWorkloadIdentity).
		"--workload-identity-file=" + workloadIdentityDir + "/" + controllers.WorkloadIdentityFileKey,
	}
	if region.Spec.Domain != "" {
		args = append(args, "--domain="+region.Spec.Domain)
	}
	if region.Spec.TLS.Enabled() {
		args = append(args, kossdTLSArgs()...)
	}
	return args
}

// intranetEndpoint is host:port of the Region's client Service, as cluster DNS names it.
func intranetEndpoint(region *kossv1alpha1.Region) string {
	return controllers.RegionInternalHost(region)
}

// kossdTLSArgs make kossd serve HTTPS on the OSS port and mutual TLS on the peer port, from
// the mounted TLS Secret. The pods present one certificate both as servers and as clients
// of each other (it carries both usages), and a peer must present one that chains to the
// Region's CA: a process without the Region's certificate can neither join nor fetch
// blobs. OSS clients are not asked for a certificate (they sign their requests). Peer
// addresses stay host:port: the scheme is the peer listener's, not part of the address.
func kossdTLSArgs() []string {
	file := func(key string) string { return tlsDir + "/" + key }
	return []string{
		"--tls-cert-file=" + file(SecretKeyTLSCert),
		"--tls-key-file=" + file(SecretKeyTLSKey),
		"--peer-tls-cert-file=" + file(SecretKeyTLSCert),
		"--peer-tls-key-file=" + file(SecretKeyTLSKey),
		"--peer-tls-ca-file=" + file(SecretKeyCACert),
	}
}

// kossdEnv is the container environment: the pod's identity from the downward API (used by
// kossdArgs) and the root key from the root-key Secret, never from the command line.
func kossdEnv(region *kossv1alpha1.Region) []*corev1ac.EnvVarApplyConfiguration {
	fieldEnv := func(name, path string) *corev1ac.EnvVarApplyConfiguration {
		return corev1ac.EnvVar().WithName(name).WithValueFrom(corev1ac.EnvVarSource().
			WithFieldRef(corev1ac.ObjectFieldSelector().WithAPIVersion("v1").WithFieldPath(path)))
	}
	secretEnv := func(name, key string) *corev1ac.EnvVarApplyConfiguration {
		return corev1ac.EnvVar().WithName(name).WithValueFrom(corev1ac.EnvVarSource().
			WithSecretKeyRef(corev1ac.SecretKeySelector().WithName(controllers.RootKeySecretName(region)).WithKey(key)))
	}
	return []*corev1ac.EnvVarApplyConfiguration{
		fieldEnv(envPodIP, "status.podIP"),
		fieldEnv(envPodName, "metadata.name"),
		fieldEnv(envPodNamespace, "metadata.namespace"),
		secretEnv(envRootAccessKeyID, controllers.SecretKeyAccessKeyID),
		secretEnv(envRootAccessKey, controllers.SecretKeyAccessKeySecret),
	}
}

// httpProbe probes path on the OSS port, over HTTPS when the Region serves TLS (the kubelet
// does not verify a probe's certificate).
func httpProbe(region *kossv1alpha1.Region, path string, period, failures, initialDelay int32) *corev1ac.ProbeApplyConfiguration {
	get := corev1ac.HTTPGetAction().WithPath(path).WithPort(intstr.FromString(ossPortName))
	if region.Spec.TLS.Enabled() {
		get.WithScheme(corev1.URISchemeHTTPS)
	}
	p := corev1ac.Probe().
		WithHTTPGet(get).
		WithPeriodSeconds(period).
		WithFailureThreshold(failures)
	if initialDelay > 0 {
		p.WithInitialDelaySeconds(initialDelay)
	}
	return p
}

// kossdContainer is the one container of a kossd pod.
func kossdContainer(region *kossv1alpha1.Region, image string) *corev1ac.ContainerApplyConfiguration {
	c := corev1ac.Container().
		WithName(kossdContainerName).
		WithImage(image).
		WithArgs(kossdArgs(region)...).
		WithEnv(kossdEnv(region)...).
		WithPorts(
			corev1ac.ContainerPort().WithName(ossPortName).WithContainerPort(ossPort).WithProtocol(corev1.ProtocolTCP),
			corev1ac.ContainerPort().WithName(peerPortName).WithContainerPort(peerPort).WithProtocol(corev1.ProtocolTCP),
		).
		WithVolumeMounts(
			corev1ac.VolumeMount().WithName(dataVolumeName).WithMountPath(dataDir),
			corev1ac.VolumeMount().WithName(tmpVolumeName).WithMountPath(tmpDir),
			corev1ac.VolumeMount().WithName(workloadIdentityVolumeName).WithMountPath(workloadIdentityDir).WithReadOnly(true),
		).
		WithReadinessProbe(httpProbe(region, "/-/readyz", readinessPeriodSeconds, readinessFailureThreshold, 0)).
		WithLivenessProbe(httpProbe(region, "/-/healthz", livenessPeriodSeconds, livenessFailureThreshold, livenessInitialDelay)).
		WithSecurityContext(containerSecurityContext())
	if region.Spec.TLS.Enabled() {
		c.WithVolumeMounts(corev1ac.VolumeMount().WithName(tlsVolumeName).WithMountPath(tlsDir).WithReadOnly(true))
	}
	if res := resourceRequirements(region.Spec.Resources); res != nil {
		c.WithResources(res)
	}
	return c
}

// tlsVolume is the pods' TLS Secret as a volume. The files keep the Secret volume's
// default mode (0644): the key is readable by the container's user on every kubelet,
// including ones that do not give Secret volumes to the pod's fsGroup; nothing else runs
// in the container.
func tlsVolume(region *kossv1alpha1.Region) *corev1ac.VolumeApplyConfiguration {
	return corev1ac.Volume().WithName(tlsVolumeName).
		WithSecret(corev1ac.SecretVolumeSource().WithSecretName(TLSSecretName(region)))
}

// workloadIdentityVolume is the Region's identity Secret as a volume, optional (see
// workloadIdentityDir).
func workloadIdentityVolume(region *kossv1alpha1.Region) *corev1ac.VolumeApplyConfiguration {
	return corev1ac.Volume().WithName(workloadIdentityVolumeName).
		WithSecret(corev1ac.SecretVolumeSource().WithSecretName(controllers.WorkloadIdentitySecretName(region)).WithOptional(true))
}

// The kossd image's user (hack/imagebuild): distroless' nonroot.
const kossdUID int64 = 65532

// podSecurityContext makes a kossd pod pass the "restricted" Pod Security Standard: not
// root, the runtime's default seccomp profile. fsGroup gives the data volume to the pod's
// group, so kossd (not root) can write it on any volume plugin that supports ownership.
func podSecurityContext() *corev1ac.PodSecurityContextApplyConfiguration {
	return corev1ac.PodSecurityContext().
		WithRunAsNonRoot(true).
		WithRunAsUser(kossdUID).
		WithRunAsGroup(kossdUID).
		WithFSGroup(kossdUID).
		WithFSGroupChangePolicy(corev1.FSGroupChangeOnRootMismatch).
		WithSeccompProfile(corev1ac.SeccompProfile().WithType(corev1.SeccompProfileTypeRuntimeDefault))
}

// containerSecurityContext is the restricted profile for the container: no privilege
// escalation, no capabilities, and a read-only root (kossd writes only its data volume,
// and /tmp is an emptyDir).
func containerSecurityContext() *corev1ac.SecurityContextApplyConfiguration {
	return corev1ac.SecurityContext().
		WithRunAsNonRoot(true).
		WithAllowPrivilegeEscalation(false).
		WithReadOnlyRootFilesystem(true).
		WithCapabilities(corev1ac.Capabilities().WithDrop(corev1.Capability("ALL"))).
		WithSeccompProfile(corev1ac.SeccompProfile().WithType(corev1.SeccompProfileTypeRuntimeDefault))
}

// resourceRequirements copies spec.resources, or nil when it is empty (so the field is not
// owned, and a LimitRange's defaults are not fought over).
func resourceRequirements(in corev1.ResourceRequirements) *corev1ac.ResourceRequirementsApplyConfiguration {
	if len(in.Limits) == 0 && len(in.Requests) == 0 && len(in.Claims) == 0 {
		return nil
	}
	out := corev1ac.ResourceRequirements()
	if len(in.Limits) > 0 {
		out.WithLimits(in.Limits.DeepCopy())
	}
	if len(in.Requests) > 0 {
		out.WithRequests(in.Requests.DeepCopy())
	}
	for _, c := range in.Claims {
		rc := corev1ac.ResourceClaim().WithName(c.Name)
		if c.Request != "" {
			rc.WithRequest(c.Request)
		}
		out.WithClaims(rc)
	}
	return out
}

// podSpreading prefers one kossd pod per node and an even spread over zones. Preferences
// only (ScheduleAnyway, preferred anti-affinity): a one-node cluster must still run a
// Region, it just loses the protection against a node failure.
// spec.affinity and spec.topologySpreadConstraints, when set, replace the defaults.
func podSpreading(region *kossv1alpha1.Region) (*corev1ac.AffinityApplyConfiguration, []*corev1ac.TopologySpreadConstraintApplyConfiguration, error) {
	affinity, err := defaultAffinity(region), error(nil)
	if region.Spec.Affinity != nil {
		affinity = &corev1ac.AffinityApplyConfiguration{}
		if err := convertToApply(region.Spec.Affinity, affinity); err != nil {
			return nil, nil, fmt.Errorf("spec.affinity: %w", err)
		}
	}
	spread := defaultSpread(region)
	if len(region.Spec.TopologySpreadConstraints) > 0 {
		spread = nil
		for i, c := range region.Spec.TopologySpreadConstraints {
			if c.LabelSelector == nil {
				c.LabelSelector = &metav1.LabelSelector{MatchLabels: selectorLabels(region)}
			}
			ac := &corev1ac.TopologySpreadConstraintApplyConfiguration{}
			if err := convertToApply(&c, ac); err != nil {
				return nil, nil, fmt.Errorf("spec.topologySpreadConstraints[%d]: %w", i, err)
			}
			spread = append(spread, ac)
		}
	}
	return affinity, spread, err
}

// convertToApply turns an API struct into its apply configuration. Both have the same JSON
// form (apply configurations are generated from the API types), and the round trip keeps
// every field the API type knows, including ones added in later Kubernetes versions.
func convertToApply(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// defaultAffinity prefers one kossd pod per node.
func defaultAffinity(region *kossv1alpha1.Region) *corev1ac.AffinityApplyConfiguration {
	selector := metav1ac.LabelSelector().WithMatchLabels(selectorLabels(region))
	return corev1ac.Affinity().WithPodAntiAffinity(corev1ac.PodAntiAffinity().
		WithPreferredDuringSchedulingIgnoredDuringExecution(corev1ac.WeightedPodAffinityTerm().
			WithWeight(100).
			WithPodAffinityTerm(corev1ac.PodAffinityTerm().
				WithTopologyKey(topologyKeyHostname).
				WithLabelSelector(selector))))
}

// defaultSpread spreads the kossd pods over zones and hosts, as a preference.
func defaultSpread(region *kossv1alpha1.Region) []*corev1ac.TopologySpreadConstraintApplyConfiguration {
	spread := func(key string) *corev1ac.TopologySpreadConstraintApplyConfiguration {
		return corev1ac.TopologySpreadConstraint().
			WithMaxSkew(1).
			WithTopologyKey(key).
			WithWhenUnsatisfiable(corev1.ScheduleAnyway).
			WithLabelSelector(metav1ac.LabelSelector().WithMatchLabels(selectorLabels(region)))
	}
	return []*corev1ac.TopologySpreadConstraintApplyConfiguration{spread(topologyKeyZone), spread(topologyKeyHostname)}
}

// dataVolumeClaimTemplate is the PersistentVolumeClaim each pod gets, from spec.storage.
func dataVolumeClaimTemplate(region *kossv1alpha1.Region) *corev1ac.PersistentVolumeClaimApplyConfiguration {
	size := region.Spec.Storage.Size
	if size.IsZero() {
		size = resource.MustParse(kossv1alpha1.DefaultRegionStorageSize)
	}
	spec := corev1ac.PersistentVolumeClaimSpec().
		WithAccessModes(corev1.ReadWriteOnce).
		WithResources(corev1ac.VolumeResourceRequirements().
			WithRequests(corev1.ResourceList{corev1.ResourceStorage: size}))
	if region.Spec.Storage.StorageClassName != nil {
		spec.WithStorageClassName(*region.Spec.Storage.StorageClassName)
	}
	return corev1ac.PersistentVolumeClaim(dataVolumeName, "").
		WithLabels(selectorLabels(region)).
		WithSpec(spec)
}

// desiredStatefulSet is the StatefulSet of a Region's kossd pods with the given image and
// replicas (the reconciler's scaling step, not necessarily spec.replicas: members are added
// and removed one at a time). Pods start in parallel, because a Region needs a majority of
// them up before any becomes ready. A scale-down deletes the removed pod's volume (its
// member left the cluster, its data was re-placed first); deleting the Region keeps the
// volumes, so retained buckets are never destroyed by accident.
//
// Any change of the pod template (image, placement, labels, turning TLS on or off) rolls out through the
// StatefulSet's RollingUpdate: one pod at a time, highest ordinal first, each replaced only
// once the one before is ready again, and the PodDisruptionBudget keeps evictions to one pod
// meanwhile.
func desiredStatefulSet(region *kossv1alpha1.Region, image string, replicas int32) (*appsv1ac.StatefulSetApplyConfiguration, error) {
	pod, err := desiredPodTemplate(region, image)
	if err != nil {
		return nil, err
	}
	return appsv1ac.StatefulSet(statefulSetName(region), region.Namespace).
		WithLabels(labelsFor(region, componentStorage)).
		WithOwnerReferences(regionOwnerReference(region)).
		WithSpec(appsv1ac.StatefulSetSpec().
			WithReplicas(replicas).
			WithServiceName(headlessServiceName(region)).
			WithPodManagementPolicy(appsv1.ParallelPodManagement).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(selectorLabels(region))).
			WithUpdateStrategy(appsv1ac.StatefulSetUpdateStrategy().WithType(appsv1.RollingUpdateStatefulSetStrategyType)).
			WithPersistentVolumeClaimRetentionPolicy(appsv1ac.StatefulSetPersistentVolumeClaimRetentionPolicy().
				WithWhenDeleted(appsv1.RetainPersistentVolumeClaimRetentionPolicyType).
				WithWhenScaled(appsv1.DeletePersistentVolumeClaimRetentionPolicyType)).
			WithVolumeClaimTemplates(dataVolumeClaimTemplate(region)).
			WithTemplate(pod)), nil
}

// desiredPodTemplate is the kossd pod: the container, the restricted security context, the
// /tmp emptyDir, and the placement and metadata of the Region's spec.
func desiredPodTemplate(region *kossv1alpha1.Region, image string) (*corev1ac.PodTemplateSpecApplyConfiguration, error) {
	affinity, spread, err := podSpreading(region)
	if err != nil {
		return nil, err
	}
	labels := maps.Clone(region.Spec.PodLabels)
	if labels == nil {
		labels = map[string]string{}
	}
	// The operator's own labels win: the selector must keep matching.
	maps.Copy(labels, labelsFor(region, componentStorage))
	spec := corev1ac.PodSpec().
		WithContainers(kossdContainer(region, image)).
		WithSecurityContext(podSecurityContext()).
		WithVolumes(
			corev1ac.Volume().WithName(tmpVolumeName).WithEmptyDir(corev1ac.EmptyDirVolumeSource()),
			workloadIdentityVolume(region),
		).
		WithAffinity(affinity).
		WithTopologySpreadConstraints(spread...)
	if region.Spec.TLS.Enabled() {
		spec.WithVolumes(tlsVolume(region))
	}
	if len(region.Spec.NodeSelector) > 0 {
		spec.WithNodeSelector(maps.Clone(region.Spec.NodeSelector))
	}
	for i := range region.Spec.Tolerations {
		t := &corev1ac.TolerationApplyConfiguration{}
		if err := convertToApply(&region.Spec.Tolerations[i], t); err != nil {
			return nil, fmt.Errorf("spec.tolerations[%d]: %w", i, err)
		}
		spec.WithTolerations(t)
	}
	if region.Spec.PriorityClassName != "" {
		spec.WithPriorityClassName(region.Spec.PriorityClassName)
	}
	if region.Spec.ServiceAccountName != "" {
		spec.WithServiceAccountName(region.Spec.ServiceAccountName)
	} else {
		spec.WithAutomountServiceAccountToken(false)
	}
	tmpl := corev1ac.PodTemplateSpec().WithLabels(labels).WithSpec(spec)
	if len(region.Spec.PodAnnotations) > 0 {
		tmpl.WithAnnotations(maps.Clone(region.Spec.PodAnnotations))
	}
	return tmpl, nil
}

// desiredNetworkPolicy admits the peer port (raft, blob replication: the Region's internal
// traffic) only from the Region's own pods, and the OSS port from anywhere (clients, the
// operator's admin calls).
func desiredNetworkPolicy(region *kossv1alpha1.Region) *networkingv1ac.NetworkPolicyApplyConfiguration {
	port := func(name string) *networkingv1ac.NetworkPolicyPortApplyConfiguration {
		return networkingv1ac.NetworkPolicyPort().WithProtocol(corev1.ProtocolTCP).WithPort(intstr.FromString(name))
	}
	return networkingv1ac.NetworkPolicy(networkPolicyName(region), region.Namespace).
		WithLabels(labelsFor(region, componentStorage)).
		WithOwnerReferences(regionOwnerReference(region)).
		WithSpec(networkingv1ac.NetworkPolicySpec().
			WithPodSelector(metav1ac.LabelSelector().WithMatchLabels(selectorLabels(region))).
			WithPolicyTypes(networkingv1.PolicyTypeIngress).
			WithIngress(
				networkingv1ac.NetworkPolicyIngressRule().
					WithPorts(port(peerPortName)).
					WithFrom(networkingv1ac.NetworkPolicyPeer().
						WithPodSelector(metav1ac.LabelSelector().WithMatchLabels(selectorLabels(region)))),
				networkingv1ac.NetworkPolicyIngressRule().WithPorts(port(ossPortName)),
			))
}

// regionImage is the kossd image of a Region: spec.image, or the manager's default.
func regionImage(region *kossv1alpha1.Region, defaultImage string) string {
	if region.Spec.Image != "" {
		return region.Spec.Image
	}
	return defaultImage
}

// sortedKeys returns the keys of m in order, for deterministic messages.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
