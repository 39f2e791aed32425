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
	"fmt"
	"strings"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
)

// Ports of a kossd pod: the OSS API (and admin API, health and metrics) and the peer port
// (raft and blob replication).
const (
	ossPort  = controllers.OSSPort
	peerPort = 9001

	ossPortName  = "oss"
	peerPortName = "peer"
)

// dataDir is where each kossd pod mounts its volume.
const dataDir = "/data"

// dataVolumeName names the volume claim template of the StatefulSet (and so the PVCs,
// data-<pod>).
const dataVolumeName = "data"

// The emptyDir on /tmp: the root file system is read-only, and a Go program may still
// want a temporary file (os.TempDir).
const (
	tmpVolumeName = "tmp"
	tmpDir        = "/tmp"
)

// The pods' TLS Secret (<region>-tls: ca.crt, tls.crt, tls.key) is mounted read-only on
// tlsDir when the Region serves TLS. The kubelet refreshes a Secret volume's files when the
// Secret changes (a renewed certificate), and kossd reloads them when they change, so a
// renewal reaches the pods without a restart.
const (
	tlsVolumeName = "tls"
	tlsDir        = "/etc/koss/tls"
)

// The Region's identity Secret (<region>-workload-identity: identity.json) is mounted
// read-only on workloadIdentityDir, and kossd reads the file named by
// --workload-identity-file. The volume is optional: the pods start before the operator
// first writes the Secret, and kossd then refuses tokens until the file appears (the kubelet
// fills the volume in when the Secret does).
const (
	workloadIdentityVolumeName = "workload-identity"
	workloadIdentityDir        = "/etc/koss/workload-identity"
)

// kossdContainerName is the name of the kossd container in every pod.
const kossdContainerName = "kossd"

// Environment variables of the kossd container.
const (
	envPodIP           = "POD_IP"
	envPodName         = "POD_NAME"
	envPodNamespace    = "POD_NAMESPACE"
	envRootAccessKeyID = "KOSS_ROOT_ACCESS_KEY_ID"
	envRootAccessKey   = "KOSS_ROOT_ACCESS_KEY_SECRET"
)

// Well-known labels of a Region's objects besides the shared ones (controllers.Label*).
const (
	labelName     = "app.kubernetes.io/name"
	labelInstance = "app.kubernetes.io/instance"
)

// Values of the well-known labels.
const (
	appName          = "kossd"
	componentStorage = "storage"
	componentRootKey = "root-key"
	// componentWorkloadIdentity labels the identity Secret.
	componentWorkloadIdentity = "workload-identity"
)

// selectorLabels select the kossd pods of a Region; they never change after creation,
// because a StatefulSet's selector cannot.
func selectorLabels(region *kossv1alpha1.Region) map[string]string {
	return map[string]string{
		labelName:     appName,
		labelInstance: region.Name,
	}
}

// labelsFor are the labels of the objects made for a Region, by component.
func labelsFor(region *kossv1alpha1.Region, component string) map[string]string {
	l := selectorLabels(region)
	l[controllers.LabelComponent] = component
	l[controllers.LabelPartOf] = controllers.PartOf
	l[controllers.LabelManagedBy] = controllers.FieldOwner
	return l
}

// statefulSetName is the name of a Region's StatefulSet (and the prefix of its pods).
func statefulSetName(region *kossv1alpha1.Region) string { return region.Name }

// headlessServiceName is the name of the headless Service that gives each pod a stable
// DNS name for its peers.
func headlessServiceName(region *kossv1alpha1.Region) string { return region.Name + "-peers" }

// pdbName is the name of a Region's PodDisruptionBudget.
func pdbName(region *kossv1alpha1.Region) string { return region.Name }

// networkPolicyName is the NetworkPolicy of spec.networkPolicy.
func networkPolicyName(region *kossv1alpha1.Region) string { return region.Name + "-kossd" }

// podName is the name of the pod with the given ordinal (and its kossd node id).
func podName(region *kossv1alpha1.Region, ordinal int32) string {
	return fmt.Sprintf("%s-%d", statefulSetName(region), ordinal)
}

// peerAddress is the stable peer address of a pod:
// <pod>.<headless>.<namespace>.svc.cluster.local:9001.
func peerAddress(region *kossv1alpha1.Region, ordinal int32) string {
	return fmt.Sprintf("%s.%s.%s.svc.cluster.local:%d", podName(region, ordinal), headlessServiceName(region), region.Namespace, peerPort)
}

// initialCluster is kossd's --initial-cluster value for the first n pods:
// <pod>=<peer address>,...
func initialCluster(region *kossv1alpha1.Region, n int32) string {
	members := make([]string, 0, n)
	for i := range n {
		members = append(members, podName(region, i)+"="+peerAddress(region, i))
	}
	return strings.Join(members, ",")
}
