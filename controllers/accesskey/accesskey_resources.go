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
	corev1 "k8s.io/api/core/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
)

// Keys of an AccessKey's Secret besides the pair (controllers.SecretKey*).
const (
	secretKeyEndpoint = "endpoint"
	secretKeyRegion   = "region"
	secretKeyBucket   = "bucket"

	// The same values under the names the OSS SDKs and tools read from the environment,
	// so a pod can use the Secret with envFrom.
	envOSSAccessKeyID     = "OSS_ACCESS_KEY_ID"
	envOSSAccessKeySecret = "OSS_ACCESS_KEY_SECRET"
	envOSSEndpoint        = "OSS_ENDPOINT"
	envOSSRegion          = "OSS_REGION"

	// The same again under the names the AWS SDKs and CLIs read, for the S3 dialect the
	// Region serves on the same endpoint with the same key. AWS_ENDPOINT_URL_S3 is the
	// service-specific form, which wins over AWS_ENDPOINT_URL in the SDKs that know it.
	envAWSAccessKeyID     = "AWS_ACCESS_KEY_ID"
	envAWSSecretAccessKey = "AWS_SECRET_ACCESS_KEY"
	envAWSEndpointURL     = "AWS_ENDPOINT_URL"
	envAWSEndpointURLS3   = "AWS_ENDPOINT_URL_S3"
	envAWSRegion          = "AWS_REGION"
)

// Labels of an AccessKey's Secret besides the shared ones (controllers.Label*).
const (
	// labelAccessKey names the AccessKey a credentials Secret belongs to.
	labelAccessKey = "koss.io/accesskey"
	// componentKey is the Secret's app.kubernetes.io/component.
	componentKey = "access-key"
)

// accessKeySecretContent is what an AccessKey's Secret says besides the key pair.
type accessKeySecretContent struct {
	// endpoint is the Region's OSS endpoint.
	endpoint string
	// region is the Region's name, which kossd serves as its OSS region.
	region string
	// bucket is the bucket name of the first granted Bucket; "" when none is granted.
	bucket string
	// caPEM is the CA bundle the Region's certificate chains to (controllers.RegionCABundle);
	// nil for a plain-HTTP Region, or one whose issuer chains to a public root.
	caPEM []byte
	// annotations are the Secret's rotation state (rotation.go).
	annotations map[string]string
}

// desiredAccessKeySecret is the credentials Secret of an AccessKey: the pair, the endpoint
// (https:// for a TLS Region, with the Region's CA under ca.crt) and the region under the koss names, and again under the names the OSS SDKs and the AWS
// SDKs read from the environment, so that a pod can use it with envFrom in either dialect. It is controlled by the
// AccessKey, so it goes with it (garbage collection) and the operator knows it is its own.
func desiredAccessKeySecret(k *kossv1alpha1.AccessKey, key controllers.KeyPair, c accessKeySecretContent) *corev1ac.SecretApplyConfiguration {
	data := map[string][]byte{
		controllers.SecretKeyAccessKeyID:     []byte(key.ID()),
		controllers.SecretKeyAccessKeySecret: []byte(key.Secret()),
		secretKeyEndpoint:                    []byte(c.endpoint),
		secretKeyRegion:                      []byte(c.region),
		envOSSAccessKeyID:                    []byte(key.ID()),
		envOSSAccessKeySecret:                []byte(key.Secret()),
		envOSSEndpoint:                       []byte(c.endpoint),
		envOSSRegion:                         []byte(c.region),
		envAWSAccessKeyID:                    []byte(key.ID()),
		envAWSSecretAccessKey:                []byte(key.Secret()),
		envAWSEndpointURL:                    []byte(c.endpoint),
		envAWSEndpointURLS3:                  []byte(c.endpoint),
		envAWSRegion:                         []byte(c.region),
	}
	if c.bucket != "" {
		data[secretKeyBucket] = []byte(c.bucket)
	}
	// The CA as a file a pod mounts, not as an environment value: the SDKs and CLIs take a
	// CA bundle as a path (AWS_CA_BUNDLE, curl --cacert, osscli --ca-file), never as PEM
	// text, so envFrom carries the https endpoint and a volume carries ca.crt.
	if len(c.caPEM) > 0 {
		data[controllers.SecretKeyCACert] = c.caPEM
	}
	return corev1ac.Secret(k.SecretName(), k.Namespace).
		WithLabels(accessKeyLabels(k, componentKey)).
		WithOwnerReferences(accessKeyOwnerReference(k)).
		WithAnnotations(c.annotations).
		WithType(corev1.SecretTypeOpaque).
		WithData(data)
}

// accessKeyLabels are the labels of an AccessKey's objects, by component. They carry the
// operator's managed-by label, which puts them in the manager's cache.
func accessKeyLabels(k *kossv1alpha1.AccessKey, component string) map[string]string {
	return map[string]string{
		controllers.LabelPartOf:    controllers.PartOf,
		controllers.LabelComponent: component,
		controllers.LabelManagedBy: controllers.FieldOwner,
		labelAccessKey:             k.Name,
	}
}

// accessKeyOwnerReference makes the AccessKey the controlling owner of an object, so it
// goes with the AccessKey (garbage collection) and the operator knows it is its own.
func accessKeyOwnerReference(k *kossv1alpha1.AccessKey) *metav1ac.OwnerReferenceApplyConfiguration {
	return metav1ac.OwnerReference().
		WithAPIVersion(kossv1alpha1.GroupVersion.String()).
		WithKind("AccessKey").
		WithName(k.Name).
		WithUID(k.UID).
		WithController(true).
		WithBlockOwnerDeletion(true)
}

// keyPairFromSecret reads the pair back from an AccessKey's Secret; ok is false when either
// half is missing.
func keyPairFromSecret(s *corev1.Secret) (controllers.KeyPair, bool) {
	return controllers.KeyPairOf(string(s.Data[controllers.SecretKeyAccessKeyID]), string(s.Data[controllers.SecretKeyAccessKeySecret]))
}
