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

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

// FieldOwner is the server-side apply field manager of everything the operator writes.
const FieldOwner = "koss-operator"

// OSSPort is the port of a kossd pod's OSS API (and admin API, health and metrics), and of a
// Region's client Service.
const OSSPort = 9000

// Keys of a credentials Secret that hold the key pair: the root-key Secret of a Region and
// the Secret of an AccessKey use the same names, so tools read both alike.
const (
	SecretKeyAccessKeyID     = "accessKeyId"
	SecretKeyAccessKeySecret = "accessKeySecret"
)

// Well-known labels the operator puts on the objects it creates, and the value of
// LabelPartOf.
const (
	LabelComponent = "app.kubernetes.io/component"
	LabelPartOf    = "app.kubernetes.io/part-of"
	LabelManagedBy = "app.kubernetes.io/managed-by"

	PartOf = "koss"
)

// ManagedByLabels are the labels of every Secret and ConfigMap the operator writes. The
// manager's cache holds only Secrets and ConfigMaps that carry them (see CacheByObject), so
// it never keeps a copy of unrelated ones.
func ManagedByLabels() map[string]string {
	return map[string]string{LabelManagedBy: FieldOwner}
}

// ClientServiceName is the name of the Service clients use: the Region's name, so the
// endpoint reads https://<region>.<namespace>.svc.cluster.local:9000.
func ClientServiceName(region *kossv1alpha1.Region) string { return region.Name }

// RootKeySecretName is the name of the Secret that holds a Region's root key.
func RootKeySecretName(region *kossv1alpha1.Region) string { return region.Name + "-root-key" }

// RegionCASecretName is the Secret of a Region's own CA (ca.crt, ca.key): the operator's,
// never mounted in pods.
func RegionCASecretName(region *kossv1alpha1.Region) string { return region.Name + "-ca" }

// RegionTLSSecretName is the Secret the Region's pods mount (ca.crt, tls.crt, tls.key),
// issued by the operator from the Region's CA or by cert-manager.
func RegionTLSSecretName(region *kossv1alpha1.Region) string { return region.Name + "-tls" }

// SecretKeyCACert is the key of a CA bundle in a Secret, as cert-manager and the
// kubernetes.io/tls convention name it: in the TLS Secrets and in an AccessKey's Secret.
const SecretKeyCACert = "ca.crt"

// RegionScheme is the URL scheme of a Region's OSS API: https unless spec.tls.disabled.
func RegionScheme(region *kossv1alpha1.Region) string {
	if region.Spec.TLS.Enabled() {
		return "https"
	}
	return "http"
}

// RegionInternalEndpoint is the in-cluster URL of a Region's OSS API (its client Service):
// https:// when the Region serves TLS, its certificate names the Service's DNS names.
func RegionInternalEndpoint(region *kossv1alpha1.Region) string {
	return RegionScheme(region) + "://" + RegionInternalHost(region)
}

// RegionInternalHost is host:port of a Region's client Service, as cluster DNS names it:
// RegionInternalEndpoint without its scheme, the form kossd's --intranet-endpoint and the
// STS clients' ALIBABA_CLOUD_STS_ENDPOINT take.
func RegionInternalHost(region *kossv1alpha1.Region) string {
	return fmt.Sprintf("%s.%s.svc.cluster.local:%d", ClientServiceName(region), region.Namespace, OSSPort)
}

// RegionKey is the index value that names a Region: <namespace>/<name>.
func RegionKey(namespace, name string) string { return namespace + "/" + name }
