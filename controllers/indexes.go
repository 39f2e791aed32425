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

// Field indexes of the manager's cache. The reconcilers and their map functions look objects
// up through them instead of listing everything.
const (
	// BucketRegionIndex indexes Buckets by their Region, as <namespace>/<name> (RegionKey).
	BucketRegionIndex = "koss.io/bucket-region"
	// BucketClaimIndex indexes Buckets by the bucket name they claim (BucketClaimKey): two
	// Buckets with one value compete for one name, whichever Regions they name, because
	// bucket names are unique across all Regions, as OSS promises for its own.
	BucketClaimIndex = "koss.io/bucket-claim"
	// AccessKeyRegionIndex indexes AccessKeys by their Region, as <namespace>/<name>.
	AccessKeyRegionIndex = "koss.io/accesskey-region"
	// AccessKeyBucketIndex indexes AccessKeys by the names of the Bucket objects they are
	// granted (always in the AccessKey's own namespace).
	AccessKeyBucketIndex = "koss.io/accesskey-bucket"
)

// Index is one field index: the kind it indexes, its name and its extractor.
type Index struct {
	Object  client.Object
	Field   string
	Extract client.IndexerFunc
}

// Indexes are the field indexes the reconcilers use (tests register them on a fake client).
func Indexes() []Index {
	return []Index{
		{&kossv1alpha1.Bucket{}, BucketRegionIndex, indexBucketRegion},
		{&kossv1alpha1.Bucket{}, BucketClaimIndex, indexBucketClaim},
		{&kossv1alpha1.AccessKey{}, AccessKeyRegionIndex, indexAccessKeyRegion},
		{&kossv1alpha1.AccessKey{}, AccessKeyBucketIndex, indexAccessKeyBuckets},
	}
}

// SetupIndexes registers the field indexes the reconcilers use. Call it once per manager,
// before the reconcilers' SetupWithManager.
func SetupIndexes(ctx context.Context, indexer client.FieldIndexer) error {
	for _, ix := range Indexes() {
		if err := indexer.IndexField(ctx, ix.Object, ix.Field, ix.Extract); err != nil {
			return fmt.Errorf("index %s: %w", ix.Field, err)
		}
	}
	return nil
}

// CacheByObject restricts what the manager's cache holds: only the Secrets the operator
// labels (root keys, AccessKey credentials, identity files), never every Secret of the
// cluster, and likewise only its own ConfigMaps (workload identity), of which a cluster has
// many more. Pass it as cache.Options.ByObject.
func CacheByObject() map[client.Object]cache.ByObject {
	return map[client.Object]cache.ByObject{
		&corev1.Secret{}:    {Label: labels.SelectorFromSet(ManagedByLabels())},
		&corev1.ConfigMap{}: {Label: labels.SelectorFromSet(ManagedByLabels())},
	}
}

func bucketRegionKey(b *kossv1alpha1.Bucket) string {
	ref := b.Spec.RegionRef.NamespacedName(b.Namespace)
	return RegionKey(ref.Namespace, ref.Name)
}

// BucketClaimKey is the BucketClaimIndex value of a Bucket: the bucket name alone, so that
// a name taken in one Region cannot be claimed in another.
func BucketClaimKey(b *kossv1alpha1.Bucket) string {
	return b.BucketName()
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
	return []string{BucketClaimKey(b)}
}

func indexAccessKeyRegion(obj client.Object) []string {
	k, ok := obj.(*kossv1alpha1.AccessKey)
	if !ok {
		return nil
	}
	ref := k.Spec.RegionRef.NamespacedName(k.Namespace)
	return []string{RegionKey(ref.Namespace, ref.Name)}
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

// RequestsFor turns a list's items into reconcile requests, for map functions.
func RequestsFor[T any, PT interface {
	*T
	client.Object
}](items []T) []reconcile.Request {
	out := make([]reconcile.Request, 0, len(items))
	for i := range items {
		o := PT(&items[i])
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: o.GetName()}})
	}
	return out
}
