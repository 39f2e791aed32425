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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
)

// Keys of the workload identity ConfigMap: the environment Alibaba Cloud's credential
// chain (credentials-go's OIDC provider, which the OSS SDKs use for RRSA) reads, the OSS
// endpoint and region of the Secret, and the token audience for whoever writes the pod's
// projected volume.
const (
	envRoleArn             = "ALIBABA_CLOUD_ROLE_ARN"
	envOIDCProviderArn     = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"
	envOIDCTokenFile       = "ALIBABA_CLOUD_OIDC_TOKEN_FILE"
	envSTSEndpoint         = "ALIBABA_CLOUD_STS_ENDPOINT"
	envECSMetadataDisabled = "ALIBABA_CLOUD_ECS_METADATA_DISABLED"
	envSTSAudience         = "KOSS_STS_AUDIENCE"
)

// componentWorkloadIdentity is the ConfigMap's app.kubernetes.io/component.
const componentWorkloadIdentity = "workload-identity"

// workloadIdentityStatus is status.workloadIdentity of an AccessKey of region.
func workloadIdentityStatus(k *kossv1alpha1.AccessKey, region *kossv1alpha1.Region) *kossv1alpha1.AccessKeyWorkloadIdentityStatus {
	return &kossv1alpha1.AccessKeyWorkloadIdentityStatus{
		RoleArn:         controllers.WorkloadIdentityRoleArn(k),
		OIDCProviderArn: controllers.OIDCProviderArn(region),
		Audience:        controllers.WorkloadIdentityAudience(region),
		STSEndpoint:     controllers.RegionInternalHost(region),
		ConfigMapName:   controllers.WorkloadIdentityConfigMapName(k),
	}
}

// desiredWorkloadIdentityConfigMap is the environment of a pod that exchanges its token for
// the AccessKey's grants, for envFrom. It holds no secret, which is why it is a ConfigMap:
// a pod that uses it never sees the key pair. The token file is where the README's pod
// spec mounts the projected token. ECS metadata is disabled so that the credential chain
// never waits for a cloud metadata server that does not exist in the cluster. A TLS
// Region's CA (caPEM, public) goes with it under ca.crt, as in the Secret, so that such a
// pod can trust the endpoint without mounting the Secret.
func desiredWorkloadIdentityConfigMap(k *kossv1alpha1.AccessKey, region *kossv1alpha1.Region, st *kossv1alpha1.AccessKeyWorkloadIdentityStatus, caPEM []byte) *corev1ac.ConfigMapApplyConfiguration {
	data := map[string]string{
		envRoleArn:             st.RoleArn,
		envOIDCProviderArn:     st.OIDCProviderArn,
		envOIDCTokenFile:       controllers.WorkloadIdentityTokenFile,
		envSTSEndpoint:         st.STSEndpoint,
		envECSMetadataDisabled: "true",
		envOSSEndpoint:         controllers.RegionInternalEndpoint(region),
		envOSSRegion:           region.Name,
		envSTSAudience:         st.Audience,
	}
	if len(caPEM) > 0 {
		data[controllers.SecretKeyCACert] = string(caPEM)
	}
	return corev1ac.ConfigMap(st.ConfigMapName, k.Namespace).
		WithLabels(accessKeyLabels(k, componentWorkloadIdentity)).
		WithOwnerReferences(accessKeyOwnerReference(k)).
		WithData(data)
}

// reconcileWorkloadIdentity publishes spec.workloadIdentity to the pods (the ConfigMap and
// status.workloadIdentity) once the Region may be used, or takes it back when the spec no
// longer asks for it. The role itself is the Region controller's: it lists it in the
// Region's identity file once the key is issued. A ConfigMap of that name that this
// AccessKey does not control is left alone and reported.
func (r *Reconciler) reconcileWorkloadIdentity(ctx context.Context, s *accessKeyScope) (ctrl.Result, error) {
	k := s.key
	if k.Spec.WorkloadIdentity == nil {
		return ctrl.Result{}, r.removeWorkloadIdentity(ctx, s)
	}
	if s.region == nil {
		return ctrl.Result{}, nil
	}
	st := workloadIdentityStatus(k, s.region)
	cm, err := r.getConfigMap(ctx, k.Namespace, st.ConfigMapName)
	if err != nil {
		return ctrl.Result{}, err
	}
	if cm != nil && !metav1.IsControlledBy(cm, k) {
		s.observed.configMapConflict = cm.Name
		return ctrl.Result{}, nil
	}
	ca, err := controllers.RegionCABundle(ctx, r.Client, r.APIReader, s.region)
	if err != nil {
		return ctrl.Result{}, err
	}
	if cm == nil {
		ctrl.LoggerFrom(ctx).Info("Creating workload identity ConfigMap", "ConfigMap", klog.KRef(k.Namespace, st.ConfigMapName))
	}
	if err := controllers.ApplyOwned(ctx, r.Client, desiredWorkloadIdentityConfigMap(k, s.region, st, ca)); err != nil {
		return ctrl.Result{}, fmt.Errorf("apply ConfigMap %s: %w", st.ConfigMapName, err)
	}
	s.observed.workloadIdentity = st
	return ctrl.Result{}, nil
}

// removeWorkloadIdentity deletes the ConfigMap that status.workloadIdentity names, when
// this AccessKey controls it. The status is the record of what was published, so an
// AccessKey that never had a workload identity costs no lookup.
func (r *Reconciler) removeWorkloadIdentity(ctx context.Context, s *accessKeyScope) error {
	k := s.key
	st := k.Status.WorkloadIdentity
	if st == nil {
		return nil
	}
	cm, err := r.getConfigMap(ctx, k.Namespace, st.ConfigMapName)
	if err != nil {
		return err
	}
	if cm != nil && metav1.IsControlledBy(cm, k) {
		ctrl.LoggerFrom(ctx).Info("Deleting workload identity ConfigMap", "ConfigMap", klog.KObj(cm))
		if err := r.Client.Delete(ctx, cm, &client.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &cm.UID}}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete ConfigMap %s: %w", cm.Name, err)
		}
	}
	s.observed.workloadIdentityRemoved = true
	return nil
}

// getConfigMap reads a ConfigMap (see GetOrNil: the cache holds only labelled ones); nil
// when it does not exist.
func (r *Reconciler) getConfigMap(ctx context.Context, namespace, name string) (*corev1.ConfigMap, error) {
	cm, err := controllers.GetOrNil[corev1.ConfigMap](ctx, r.Client, r.APIReader, types.NamespacedName{Namespace: namespace, Name: name})
	if err != nil {
		return nil, fmt.Errorf("get ConfigMap %s: %w", klog.KRef(namespace, name), err)
	}
	return cm, nil
}
