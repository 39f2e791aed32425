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

package controllertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

// OSSClient is an OSS SDK v2 client for a kossd process, signing V4 with the given key as an
// application would with the values of an AccessKey's Secret.
func OSSClient(p Endpointer, region, id, secret string) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret)).
		WithRegion(region).
		WithEndpoint(p.Endpoint()).
		WithUsePathStyle(true).
		WithSignatureVersion(oss.SignatureVersionV4).
		WithRetryMaxAttempts(1)
	return oss.NewClient(cfg)
}

// RootOSS is an OSS client with a Region's root key.
func (e *Env) RootOSS(r *kossv1alpha1.Region, p Endpointer) *oss.Client {
	id, secret := e.RootKey(r)
	return OSSClient(p, r.Name, id, secret)
}

// PutObject stores body under bucket/key.
func PutObject(c *oss.Client, bucket, key, body string) error {
	_, err := c.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: strings.NewReader(body)})
	return err
}

// GetObject reads bucket/key.
func GetObject(c *oss.Client, bucket, key string) (string, error) {
	res, err := c.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		return "", err
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	return string(b), err
}

// DeleteObject deletes bucket/key.
func DeleteObject(c *oss.Client, bucket, key string) error {
	_, err := c.DeleteObject(context.Background(), &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	return err
}

// OSSCode is the OSS error code of err ("" for success; a description for an error that
// is not the service's).
func OSSCode(err error) string {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	if err != nil {
		return "not a service error: " + err.Error()
	}
	return ""
}

// UniqueName returns prefix-<random>: bucket names are unique across a Region, and the
// Regions outlive the specs.
func UniqueName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}
