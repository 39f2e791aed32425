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
	"fmt"
	"strings"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

// FieldOwner is the server-side apply field manager of everything the operator writes.
const FieldOwner = "koss-operator"

// Ports of a kossd pod: the OSS API (and admin API, health and metrics) and the peer port
// (raft and blob replication).
const (
	ossPort  = 9000
	peerPort = 9001

	ossPortName  = "oss"
	peerPortName = "peer"
)

// dataDir is where each kossd pod mounts its volume.
const dataDir = "/data"

// dataVolumeName names the volume claim template of the StatefulSet (and so the PVCs,
// data-<pod>).
const dataVolumeName = "data"

// kossdContainerName is the name of the kossd container in every pod.
const kossdContainerName = "kossd"

// Keys of a credentials Secret: the root-key Secret of a Region and the Secret of an
// AccessKey use the same names for the pair, so tools read both alike.
const (
	secretKeyAccessKeyID     = "accessKeyId"
	secretKeyAccessKeySecret = "accessKeySecret"
	secretKeyEndpoint        = "endpoint"
	secretKeyRegion          = "region"
	secretKeyBucket          = "bucket"

	// The same values under the names the OSS SDKs and tools read from the environment,
	// so a pod can use the Secret with envFrom.
	envOSSAccessKeyID     = "OSS_ACCESS_KEY_ID"
	envOSSAccessKeySecret = "OSS_ACCESS_KEY_SECRET"
	envOSSEndpoint        = "OSS_ENDPOINT"
	envOSSRegion          = "OSS_REGION"
)

// Environment variables of the kossd container.
const (
	envPodIP           = "POD_IP"
	envPodName         = "POD_NAME"
	envPodNamespace    = "POD_NAMESPACE"
	envRootAccessKeyID = "KOSS_ROOT_ACCESS_KEY_ID"
	envRootAccessKey   = "KOSS_ROOT_ACCESS_KEY_SECRET"
)

// Well-known labels on every object the operator creates.
const (
	labelName      = "app.kubernetes.io/name"
	labelInstance  = "app.kubernetes.io/instance"
	labelComponent = "app.kubernetes.io/component"
	labelPartOf    = "app.kubernetes.io/part-of"
	labelManagedBy = "app.kubernetes.io/managed-by"

	// labelAccessKey names the AccessKey a credentials Secret belongs to.
	labelAccessKey = "koss.io/accesskey"
)

// Values of the well-known labels.
const (
	appName          = "kossd"
	partOf           = "koss"
	componentStorage = "storage"
	componentRootKey = "root-key"
	componentKey     = "access-key"
)

// ManagedByLabels are the labels of every Secret the operator writes. The manager's cache
// holds only Secrets that carry them (see CacheByObject), so it never keeps a copy of
// unrelated Secrets.
func ManagedByLabels() map[string]string {
	return map[string]string{labelManagedBy: FieldOwner}
}

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
	l[labelComponent] = component
	l[labelPartOf] = partOf
	l[labelManagedBy] = FieldOwner
	return l
}

// statefulSetName is the name of a Region's StatefulSet (and the prefix of its pods).
func statefulSetName(region *kossv1alpha1.Region) string { return region.Name }

// clientServiceName is the name of the Service clients use: the Region's name, so the
// endpoint reads http://<region>.<namespace>.svc.cluster.local:9000.
func clientServiceName(region *kossv1alpha1.Region) string { return region.Name }

// headlessServiceName is the name of the headless Service that gives each pod a stable
// DNS name for its peers.
func headlessServiceName(region *kossv1alpha1.Region) string { return region.Name + "-peers" }

// pdbName is the name of a Region's PodDisruptionBudget.
func pdbName(region *kossv1alpha1.Region) string { return region.Name }

// rootKeySecretName is the name of the Secret that holds a Region's root key.
func rootKeySecretName(region *kossv1alpha1.Region) string { return region.Name + "-root-key" }

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

// RegionInternalEndpoint is the in-cluster URL of a Region's OSS API (its client Service).
func RegionInternalEndpoint(region *kossv1alpha1.Region) string {
	return fmt.Sprintf("http://%s.%s.svc.cluster.local:%d", clientServiceName(region), region.Namespace, ossPort)
}

// regionKey is the index value that names a Region: <namespace>/<name>.
func regionKey(namespace, name string) string { return namespace + "/" + name }

// bucketOwnerTag is the owner tag under which a Bucket object creates its bucket in the
// Region: <namespace>/<name>/<uid>. The uid makes a re-created object with the same name a
// different owner, so it can never take over a bucket left behind by Retain.
func bucketOwnerTag(b *kossv1alpha1.Bucket) string {
	return b.Namespace + "/" + b.Name + "/" + string(b.UID)
}
