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
	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

// Names of workload identity (AccessKey spec.workloadIdentity). The Region controller
// publishes them to kossd (the Region's identity Secret) and the AccessKey controller to
// the pods (the AccessKey's ConfigMap and status), so both take them from here: a role or
// provider ARN that differed between the two would refuse every token.
//
// The ARNs have the shape of Alibaba Cloud RAM's (acs:ram::<account>:role/<name>,
// acs:ram::<account>:oidc-provider/<name>) with the fixed account "koss", so that RRSA
// clients (credentials-go, the OSS SDKs) accept them as they are; koss never parses them
// beyond comparing them.
const arnPrefix = "acs:ram::koss:"

// WorkloadIdentityRoleArn is the role of an AccessKey's workload identity:
// acs:ram::koss:role/<namespace>/<name>.
func WorkloadIdentityRoleArn(k *kossv1alpha1.AccessKey) string {
	return arnPrefix + "role/" + k.Namespace + "/" + k.Name
}

// OIDCProviderArn names a Region's trust in the cluster's ServiceAccount token issuer:
// acs:ram::koss:oidc-provider/<namespace>/<name>.
func OIDCProviderArn(region *kossv1alpha1.Region) string {
	return arnPrefix + "oidc-provider/" + region.Namespace + "/" + region.Name
}

// WorkloadIdentityAudience is the audience a projected ServiceAccount token must be issued
// for to be exchanged at a Region: koss.io/<namespace>/<name>. It names the Region, so a
// token meant for one Region (or for anything else, e.g. the API server) is refused by
// every other.
func WorkloadIdentityAudience(region *kossv1alpha1.Region) string {
	return "koss.io/" + region.Namespace + "/" + region.Name
}

// ServiceAccountSubject is the subject (sub claim) of a ServiceAccount's tokens.
func ServiceAccountSubject(namespace, name string) string {
	return "system:serviceaccount:" + namespace + ":" + name
}

// WorkloadIdentitySecretName is the Secret with a Region's identity file, which its pods
// mount: the issuer, its keys and the roles of the Region's AccessKeys.
func WorkloadIdentitySecretName(region *kossv1alpha1.Region) string {
	return region.Name + "-workload-identity"
}

// WorkloadIdentityFileKey is the key of the identity file in that Secret.
const WorkloadIdentityFileKey = "identity.json"

// WorkloadIdentityConfigMapName is the ConfigMap with the environment of the pods that use
// an AccessKey's workload identity.
func WorkloadIdentityConfigMapName(k *kossv1alpha1.AccessKey) string {
	return k.Name + "-identity"
}

// WorkloadIdentityTokenDir is where the README's pod spec mounts the projected token (file
// "token"), which ALIBABA_CLOUD_OIDC_TOKEN_FILE names.
const WorkloadIdentityTokenDir = "/var/run/secrets/koss.io/sts"

// WorkloadIdentityTokenFile is the projected token's path in such a pod.
const WorkloadIdentityTokenFile = WorkloadIdentityTokenDir + "/token"
