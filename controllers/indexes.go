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
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

// Field indexes of the manager's cache. The map functions below and the reconcilers look
// objects up through them instead of listing everything.
const (
	// bucketRegionIndex indexes Buckets by their Region, as <namespace>/<name>.
	bucketRegionIndex = "koss.io/bucket-region"
	// bucketClaimIndex indexes Buckets by the bucket name they claim in their Region, as
	// <region namespace>/<region name>/<bucket name>: two Buckets with one value compete
	// for one bucket.
	bucketClaimIndex = "koss.io/bucket-claim"
	// accessKeyRegionIndex indexes AccessKeys by their Region, as <namespace>/<name>.
	accessKeyRegionIndex = "koss.io/accesskey-region"
	// accessKeyBucketIndex indexes AccessKeys by the names of the Bucket objects they are
	// granted (always in the AccessKey's own namespace).
	accessKeyBucketIndex = "koss.io/accesskey-bucket"
)

// SetupIndexes registers the field indexes the reconcilers use. Call it once per manager,
// before the reconcilers' SetupWithManager.
func SetupIndexes(ctx context.Context, indexer client.FieldIndexer) error {
	indexes := []struct {
		obj     client.Object
		field   string
		extract client.IndexerFunc
	}{
		{&kossv1alpha1.Bucket{}, bucketRegionIndex, indexBucketRegion},
		{&kossv1alpha1.Bucket{}, bucketClaimIndex, indexBucketClaim},
		{&kossv1alpha1.AccessKey{}, accessKeyRegionIndex, indexAccessKeyRegion},
		{&kossv1alpha1.AccessKey{}, accessKeyBucketIndex, indexAccessKeyBuckets},
	}
	for _, ix := range indexes {
		if err := indexer.IndexField(ctx, ix.obj, ix.field, ix.extract); err != nil {
			return fmt.Errorf("index %s: %w", ix.field, err)
		}
	}
	return nil
}

// CacheByObject restricts what the manager's cache holds: only the Secrets the operator
// labels (root keys and AccessKey credentials), never every Secret of the cluster. Pass it
// as cache.Options.ByObject.
func CacheByObject() map[client.Object]cache.ByObject {
	return map[client.Object]cache.ByObject{
		&corev1.Secret{}: {Label: labels.SelectorFromSet(ManagedByLabels())},
	}
}

func bucketRegionKey(b *kossv1alpha1.Bucket) string {
	ref := b.Spec.RegionRef.NamespacedName(b.Namespace)
	return regionKey(ref.Namespace, ref.Name)
}

func bucketClaimKey(b *kossv1alpha1.Bucket) string {
	return bucketRegionKey(b) + "/" + b.BucketName()
}

func accessKeyRegionKey(k *kossv1alpha1.AccessKey) string {
	ref := k.Spec.RegionRef.NamespacedName(k.Namespace)
	return regionKey(ref.Namespace, ref.Name)
}

func indexBucketRegion(obj client.Object) []string {
	b, ok := obj.(*kossv1alpha1.Bucket)
	if !ok {
		return nil
	}
	return []string{bucketRegionKey(b)}
}

func indexBucketClaim(obj client.Object) []string {
	b, ok := obj.(*kossv1alpha1.Bucket)
	if !ok {
		return nil
	}
	return []string{bucketClaimKey(b)}
}

func indexAccessKeyRegion(obj client.Object) []string {
	k, ok := obj.(*kossv1alpha1.AccessKey)
	if !ok {
		return nil
	}
	return []string{accessKeyRegionKey(k)}
}

func indexAccessKeyBuckets(obj client.Object) []string {
	k, ok := obj.(*kossv1alpha1.AccessKey)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(k.Spec.Buckets))
	for _, g := range k.Spec.Buckets {
		out = append(out, g.Name)
	}
	return out
}

// requestsFor turns a list's items into reconcile requests.
func requestsFor[T client.Object](items []T) []reconcile.Request {
	out := make([]reconcile.Request, 0, len(items))
	for _, o := range items {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: o.GetName()}})
	}
	return out
}

func pointers[T any](items []T) []*T {
	out := make([]*T, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}

// regionToBuckets maps a Region to the Buckets that use it: their readiness follows the
// Region's.
func (r *BucketReconciler) regionToBuckets(ctx context.Context, obj client.Object) []reconcile.Request {
	var list kossv1alpha1.BucketList
	if err := r.Client.List(ctx, &list, client.MatchingFields{bucketRegionIndex: regionKey(obj.GetNamespace(), obj.GetName())}); err != nil {
		return nil
	}
	return requestsFor(pointers(list.Items))
}

// bucketToCompetingBuckets maps a Bucket to the other Buckets that claim the same bucket
// name in the same Region, so that when one goes away the next may take the name.
func (r *BucketReconciler) bucketToCompetingBuckets(ctx context.Context, obj client.Object) []reconcile.Request {
	b, ok := obj.(*kossv1alpha1.Bucket)
	if !ok {
		return nil
	}
	var list kossv1alpha1.BucketList
	if err := r.Client.List(ctx, &list, client.MatchingFields{bucketClaimIndex: bucketClaimKey(b)}); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		if list.Items[i].UID != b.UID {
			out = append(out, requestsFor([]*kossv1alpha1.Bucket{&list.Items[i]})...)
		}
	}
	return out
}

// namespaceToBuckets maps a Namespace to its Buckets: a label change may allow or forbid
// them a Region (spec.bucketNamespaces).
func (r *BucketReconciler) namespaceToBuckets(ctx context.Context, obj client.Object) []reconcile.Request {
	var list kossv1alpha1.BucketList
	if err := r.Client.List(ctx, &list, client.InNamespace(obj.GetName())); err != nil {
		return nil
	}
	return requestsFor(pointers(list.Items))
}

// regionToAccessKeys maps a Region to the AccessKeys it issues.
func (r *AccessKeyReconciler) regionToAccessKeys(ctx context.Context, obj client.Object) []reconcile.Request {
	var list kossv1alpha1.AccessKeyList
	if err := r.Client.List(ctx, &list, client.MatchingFields{accessKeyRegionIndex: regionKey(obj.GetNamespace(), obj.GetName())}); err != nil {
		return nil
	}
	return requestsFor(pointers(list.Items))
}

// bucketToAccessKeys maps a Bucket to the AccessKeys of its namespace that are granted it:
// a grant follows the Bucket's readiness and bucket name.
func (r *AccessKeyReconciler) bucketToAccessKeys(ctx context.Context, obj client.Object) []reconcile.Request {
	var list kossv1alpha1.AccessKeyList
	if err := r.Client.List(ctx, &list, client.InNamespace(obj.GetNamespace()), client.MatchingFields{accessKeyBucketIndex: obj.GetName()}); err != nil {
		return nil
	}
	return requestsFor(pointers(list.Items))
}

// namespaceToAccessKeys maps a Namespace to its AccessKeys (see namespaceToBuckets).
func (r *AccessKeyReconciler) namespaceToAccessKeys(ctx context.Context, obj client.Object) []reconcile.Request {
	var list kossv1alpha1.AccessKeyList
	if err := r.Client.List(ctx, &list, client.InNamespace(obj.GetName())); err != nil {
		return nil
	}
	return requestsFor(pointers(list.Items))
}

// bucketToRegion maps a Bucket to its Region while that Region is being deleted: the
// deletion waits for the Region's Buckets, so each one that goes away is news to it. Other
// Bucket changes do not concern the Region.
func (r *RegionReconciler) bucketToRegion(ctx context.Context, obj client.Object) []reconcile.Request {
	b, ok := obj.(*kossv1alpha1.Bucket)
	if !ok {
		return nil
	}
	key := b.Spec.RegionRef.NamespacedName(b.Namespace)
	region := &kossv1alpha1.Region{}
	if err := r.Client.Get(ctx, key, region); err != nil || region.DeletionTimestamp.IsZero() {
		return nil
	}
	return []reconcile.Request{{NamespacedName: key}}
}
