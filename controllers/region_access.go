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
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/storage/adminclient"
)

// ErrRootKeyMissing means a Region's root-key Secret is gone while its pods exist (or the
// Region is in use). The operator does not make a new key by itself: that would rotate the
// root key silently.
var ErrRootKeyMissing = errors.New("root-key Secret is missing while the Region's StatefulSet exists; restore it (or delete the StatefulSet to start the Region over)")

// RegionUse is the verdict on the Region a Bucket or AccessKey references: usable, or the
// reason and a message for users (for the referring object's Ready condition) why not.
type RegionUse struct {
	// Reason is one of the kossv1alpha1.RegionRef*Reason values; "" when the Region may be
	// used.
	Reason  string
	Message string
}

// Usable reports whether the Region may be used.
func (u RegionUse) Usable() bool { return u.Reason == "" }

// regionCheckInput is what the checks of a spec.regionRef look at.
type regionCheckInput struct {
	// ref is the referenced Region's name.
	ref types.NamespacedName
	// region is the Region; nil when it does not exist.
	region *kossv1alpha1.Region
	// namespace is the referring object's namespace, and namespaceObj its Namespace object
	// (nil when it does not exist, which selects nothing).
	namespace    string
	namespaceObj *corev1.Namespace
}

// regionCheck is one check of whether an object may use the Region it references. It reports
// failed with a reason and a message when the check does not pass.
type regionCheck func(in regionCheckInput) (reason, message string, failed bool)

// regionChain is a list of checks evaluated in order; the first that fails gives the verdict
// (cert-manager's policies.Chain).
type regionChain []regionCheck

// evaluate returns the verdict of the first failing check, or a usable verdict.
func (c regionChain) evaluate(in regionCheckInput) RegionUse {
	for _, check := range c {
		if reason, message, failed := check(in); failed {
			return RegionUse{Reason: reason, Message: message}
		}
	}
	return RegionUse{}
}

// regionUseChain is what a Bucket or AccessKey checks before it uses its Region, in the order
// a user has to fix things. Both kinds report its verdict in their Ready condition as it is.
var regionUseChain = regionChain{
	regionExists,          // spec.regionRef names a Region
	regionServesNamespace, // its spec.bucketNamespaces selects the object's namespace
	regionNotDeleting,     // it is not being deleted
	regionAvailable,       // it is Available (and if not, whether it cannot be reached)
}

func regionExists(in regionCheckInput) (string, string, bool) {
	if in.region == nil {
		return kossv1alpha1.RegionRefNotFoundReason, fmt.Sprintf("Region %s not found", in.ref), true
	}
	return "", "", false
}

func regionServesNamespace(in regionCheckInput) (string, string, bool) {
	if allowed, why := regionAllows(in.region, in.namespace, in.namespaceObj); !allowed {
		return kossv1alpha1.RegionRefNotAllowedReason, why, true
	}
	return "", "", false
}

func regionNotDeleting(in regionCheckInput) (string, string, bool) {
	if !in.region.DeletionTimestamp.IsZero() {
		return kossv1alpha1.RegionRefNotReadyReason, fmt.Sprintf("Region %s is being deleted", in.ref), true
	}
	return "", "", false
}

// regionAvailable passes an Available Region. A Region that is not Available because its
// admin API cannot be reached is reported as such (KossdUnreachable), so that users see the
// same reason on the Region and on what uses it.
func regionAvailable(in regionCheckInput) (string, string, bool) {
	available := meta.FindStatusCondition(in.region.Status.Conditions, kossv1alpha1.RegionAvailableCondition)
	switch {
	case available == nil:
		return kossv1alpha1.RegionRefNotReadyReason, fmt.Sprintf("Region %s is not Available yet", in.ref), true
	case available.Status == metav1.ConditionTrue:
		return "", "", false
	case available.Reason == kossv1alpha1.RegionKossdUnreachableReason:
		return kossv1alpha1.RegionRefUnreachableReason, fmt.Sprintf("Region %s cannot be reached; waiting for it to answer again", in.ref), true
	}
	return kossv1alpha1.RegionRefNotReadyReason, fmt.Sprintf("Region %s is not Available: %s", in.ref, available.Message), true
}

// UseRegion reads the Region ref and the Namespace ns, and decides whether an object in ns
// may use that Region (regionUseChain). The Region is nil when it does not exist.
func UseRegion(ctx context.Context, c client.Reader, ref types.NamespacedName, ns string) (*kossv1alpha1.Region, RegionUse, error) {
	region, err := GetRegion(ctx, c, ref)
	if err != nil {
		return nil, RegionUse{}, err
	}
	namespace, err := getNamespace(ctx, c, ns)
	if err != nil {
		return nil, RegionUse{}, err
	}
	return region, regionUseChain.evaluate(regionCheckInput{ref: ref, region: region, namespace: ns, namespaceObj: namespace}), nil
}

// AdminClientFor returns the admin client of a Region, signing with its root key and, for a
// TLS Region, trusting its CA (NewRegionAdminClient).
func AdminClientFor(ctx context.Context, cache, live client.Reader, factory AdminClientFactory, region *kossv1alpha1.Region) (adminclient.Interface, error) {
	rootKey, err := GetRootKey(ctx, cache, live, region)
	if err != nil {
		return nil, err
	}
	if rootKey == nil {
		return nil, fmt.Errorf("region %s/%s: %w", region.Namespace, region.Name, ErrRootKeyMissing)
	}
	admin, err := NewRegionAdminClient(ctx, cache, live, factory, region, rootKey)
	if err != nil {
		return nil, fmt.Errorf("admin client of Region %s/%s: %w", region.Namespace, region.Name, err)
	}
	return admin, nil
}

// regionAllows applies spec.bucketNamespaces to namespace ns.
func regionAllows(region *kossv1alpha1.Region, ns string, namespace *corev1.Namespace) (bool, string) {
	sel := region.Spec.BucketNamespaces
	if sel == nil {
		if ns == region.Namespace {
			return true, ""
		}
		return false, fmt.Sprintf("Region %s/%s serves only its own namespace (spec.bucketNamespaces is unset), not %s", region.Namespace, region.Name, ns)
	}
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false, fmt.Sprintf("Region %s/%s has an invalid spec.bucketNamespaces: %v", region.Namespace, region.Name, err)
	}
	var nsLabels labels.Set
	if namespace != nil {
		nsLabels = namespace.Labels
	}
	if !selector.Matches(nsLabels) {
		return false, fmt.Sprintf("Region %s/%s does not serve namespace %s: its spec.bucketNamespaces does not select it", region.Namespace, region.Name, ns)
	}
	return true, ""
}

// GetRegion reads a Region from the cache; nil when it does not exist.
func GetRegion(ctx context.Context, c client.Reader, key types.NamespacedName) (*kossv1alpha1.Region, error) {
	region, err := GetOrNil[kossv1alpha1.Region](ctx, c, nil, key)
	if err != nil {
		return nil, fmt.Errorf("get Region %s: %w", key, err)
	}
	return region, nil
}

// getNamespace reads a Namespace from the cache; nil when it does not exist.
func getNamespace(ctx context.Context, c client.Reader, name string) (*corev1.Namespace, error) {
	ns, err := GetOrNil[corev1.Namespace](ctx, c, nil, types.NamespacedName{Name: name})
	if err != nil {
		return nil, fmt.Errorf("get Namespace %s: %w", name, err)
	}
	return ns, nil
}

// GetRootKey reads a Region's root-key Secret (see GetOrNil); nil when it does not exist.
func GetRootKey(ctx context.Context, cache, live client.Reader, region *kossv1alpha1.Region) (*corev1.Secret, error) {
	key := types.NamespacedName{Namespace: region.Namespace, Name: RootKeySecretName(region)}
	s, err := GetOrNil[corev1.Secret](ctx, cache, live, key)
	if err != nil {
		return nil, fmt.Errorf("get root-key Secret %s: %w", key, err)
	}
	return s, nil
}
