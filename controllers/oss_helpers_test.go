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
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

// ossClient is an OSS SDK v2 client for a kossd process, signing V4 with the given key as
// an application would with the values of an AccessKey's Secret.
func ossClient(p endpointer, region, id, secret string) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret)).
		WithRegion(region).
		WithEndpoint(p.Endpoint()).
		WithUsePathStyle(true).
		WithSignatureVersion(oss.SignatureVersionV4).
		WithRetryMaxAttempts(1)
	return oss.NewClient(cfg)
}

// rootOSS is an OSS client with a Region's root key.
func rootOSS(r *kossv1alpha1.Region, p endpointer) *oss.Client {
	id, secret := rootKey(r)
	return ossClient(p, r.Name, id, secret)
}

func putObject(c *oss.Client, bucket, key, body string) error {
	_, err := c.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: strings.NewReader(body)})
	return err
}

func getObject(c *oss.Client, bucket, key string) (string, error) {
	res, err := c.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		return "", err
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	return string(b), err
}

func deleteObject(c *oss.Client, bucket, key string) error {
	_, err := c.DeleteObject(context.Background(), &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	return err
}

// ossCode is the OSS error code of err ("" for success or a non-service error).
func ossCode(err error) string {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	if err != nil {
		return "not a service error: " + err.Error()
	}
	return ""
}

// uniqueName returns prefix-<random>: bucket names are unique across a Region, and the
// Regions outlive the specs.
func uniqueName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// newBucket creates a Bucket in the main Region.
func newBucket(ns, name string, mutate ...func(*kossv1alpha1.Bucket)) *kossv1alpha1.Bucket {
	b := &kossv1alpha1.Bucket{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: kossv1alpha1.BucketSpec{
			RegionRef: kossv1alpha1.RegionReference{Name: mainRegion.Name, Namespace: mainRegion.Namespace},
		},
	}
	for _, m := range mutate {
		m(b)
	}
	ExpectWithOffset(1, k8sClient.Create(context.Background(), b)).To(Succeed())
	return b
}

// getBucketNow reads a Bucket fresh from the API server.
func getBucketNow(g Gomega, b *kossv1alpha1.Bucket) *kossv1alpha1.Bucket {
	got := &kossv1alpha1.Bucket{}
	g.Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(b), got)).To(Succeed())
	return got
}

// waitBucketReady waits until a Bucket is Ready and returns it.
func waitBucketReady(b *kossv1alpha1.Bucket) *kossv1alpha1.Bucket {
	var got *kossv1alpha1.Bucket
	EventuallyWithOffset(1, func(g Gomega) {
		got = getBucketNow(g, b)
		g.Expect(conditionOf(got.Status.Conditions, kossv1alpha1.BucketReadyCondition)).To(HaveField("Status", metav1.ConditionTrue))
	}).Should(Succeed())
	return got
}

// bucketReason is a matcher-friendly read of a Bucket's Ready reason.
func bucketReason(g Gomega, b *kossv1alpha1.Bucket) string {
	return conditionOf(getBucketNow(g, b).Status.Conditions, kossv1alpha1.BucketReadyCondition).Reason
}

// newAccessKey creates an AccessKey in the main Region.
func newAccessKey(ns, name string, grants ...kossv1alpha1.BucketGrant) *kossv1alpha1.AccessKey {
	k := &kossv1alpha1.AccessKey{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: kossv1alpha1.AccessKeySpec{
			RegionRef: kossv1alpha1.RegionReference{Name: mainRegion.Name, Namespace: mainRegion.Namespace},
			Buckets:   grants,
		},
	}
	ExpectWithOffset(1, k8sClient.Create(context.Background(), k)).To(Succeed())
	return k
}

func getAccessKeyNow(g Gomega, k *kossv1alpha1.AccessKey) *kossv1alpha1.AccessKey {
	got := &kossv1alpha1.AccessKey{}
	g.Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(k), got)).To(Succeed())
	return got
}

func accessKeyReady(g Gomega, k *kossv1alpha1.AccessKey) metav1.Condition {
	return conditionOf(getAccessKeyNow(g, k).Status.Conditions, kossv1alpha1.AccessKeyReadyCondition)
}
