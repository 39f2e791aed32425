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
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

// regionProblem says why a Bucket or AccessKey cannot use the Region it references. Each
// kind maps it to its own reason constant (they share the reason strings).
type regionProblem int

const (
	regionUsable regionProblem = iota
	regionNotFound
	regionNotAllowed
	regionNotReady
	// regionUnreachable: the Region is not Available because its admin API cannot be
	// reached, which a Bucket or AccessKey reports as KossdUnreachable too.
	regionUnreachable
)

// regionUse is the verdict of checkRegionUse, with a message for users.
type regionUse struct {
	problem regionProblem
	message string
}

// checkRegionUse decides whether an object in namespace ns may use region (nil: not found),
// given ns's Namespace object (nil: not found, which selects nothing). A Region is usable
// when spec.bucketNamespaces selects ns (unset: only the Region's own namespace), it is not
// being deleted, and it is Available.
func checkRegionUse(ref types.NamespacedName, region *kossv1alpha1.Region, ns string, namespace *corev1.Namespace) regionUse {
	if region == nil {
		return regionUse{regionNotFound, fmt.Sprintf("Region %s not found", ref)}
	}
	if allowed, why := regionAllows(region, ns, namespace); !allowed {
		return regionUse{regionNotAllowed, why}
	}
	if !region.DeletionTimestamp.IsZero() {
		return regionUse{regionNotReady, fmt.Sprintf("Region %s is being deleted", ref)}
	}
	available := meta.FindStatusCondition(region.Status.Conditions, kossv1alpha1.RegionAvailableCondition)
	switch {
	case available == nil:
		return regionUse{regionNotReady, fmt.Sprintf("Region %s is not Available yet", ref)}
	case available.Status == metav1.ConditionTrue:
		return regionUse{regionUsable, ""}
	case available.Reason == kossv1alpha1.RegionKossdUnreachableReason:
		return regionUse{regionUnreachable, fmt.Sprintf("Region %s cannot be reached; waiting for it to answer again", ref)}
	}
	return regionUse{regionNotReady, fmt.Sprintf("Region %s is not Available: %s", ref, available.Message)}
}

// useRegion reads the Region ref and the Namespace ns, and decides whether an object in ns
// may use that Region (checkRegionUse). The Region is nil when it does not exist.
func useRegion(ctx context.Context, c client.Reader, ref types.NamespacedName, ns string) (*kossv1alpha1.Region, regionUse, error) {
	region, err := getRegion(ctx, c, ref)
	if err != nil {
		return nil, regionUse{}, err
	}
	namespace, err := getNamespace(ctx, c, ns)
	if err != nil {
		return nil, regionUse{}, err
	}
	return region, checkRegionUse(ref, region, ns, namespace), nil
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

// getRegion reads a Region from the cache; nil when it does not exist.
func getRegion(ctx context.Context, c client.Reader, key types.NamespacedName) (*kossv1alpha1.Region, error) {
	region, err := getOrNil[kossv1alpha1.Region](ctx, c, nil, key)
	if err != nil {
		return nil, fmt.Errorf("get Region %s: %w", key, err)
	}
	return region, nil
}

// getNamespace reads a Namespace from the cache; nil when it does not exist.
func getNamespace(ctx context.Context, c client.Reader, name string) (*corev1.Namespace, error) {
	ns, err := getOrNil[corev1.Namespace](ctx, c, nil, types.NamespacedName{Name: name})
	if err != nil {
		return nil, fmt.Errorf("get Namespace %s: %w", name, err)
	}
	return ns, nil
}

// getRootKey reads a Region's root-key Secret (see getOrNil); nil when it does not exist.
func getRootKey(ctx context.Context, cache, live client.Reader, region *kossv1alpha1.Region) (*corev1.Secret, error) {
	key := types.NamespacedName{Namespace: region.Namespace, Name: rootKeySecretName(region)}
	s, err := getOrNil[corev1.Secret](ctx, cache, live, key)
	if err != nil {
		return nil, fmt.Errorf("get root-key Secret %s: %w", key, err)
	}
	return s, nil
}
