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

package controllers_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
)

func rootKeySecret(data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "storage", Name: "eu-root-key"}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func TestHTTPAdminClientFactory(t *testing.T) {
	var gotAuth, gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotPath = r.Header.Get("Authorization"), r.URL.Path
		_ = json.NewEncoder(w).Encode(adminapi.ClusterStatus{Leader: "eu-0"})
	}))
	defer srv.Close()

	tests := map[string]struct {
		// factory is the factory under test.
		factory *controllers.HTTPAdminClientFactory
		// secret is the root-key Secret.
		secret *corev1.Secret
		// wantErr is the error ForRegion returns.
		wantErr error
		// wantCall is true when a call reaches the test server.
		wantCall bool
	}{
		"signs with the root key from the Secret": {
			factory:  &controllers.HTTPAdminClientFactory{Endpoint: func(*kossv1alpha1.Region) (string, error) { return srv.URL, nil }},
			secret:   rootKeySecret(map[string]string{"accessKeyId": "KOSSROOTID", "accessKeySecret": "s3cr3t-value"}),
			wantCall: true,
		},
		"refuses a Secret without the secret": {
			factory: &controllers.HTTPAdminClientFactory{},
			secret:  rootKeySecret(map[string]string{"accessKeyId": "KOSSROOTID"}),
			wantErr: controllers.ErrRootKeyInvalid,
		},
		"refuses no Secret": {
			factory: &controllers.HTTPAdminClientFactory{},
			wantErr: controllers.ErrRootKeyInvalid,
		},
		"passes the endpoint resolver's error on": {
			factory: &controllers.HTTPAdminClientFactory{Endpoint: func(*kossv1alpha1.Region) (string, error) { return "", controllertest.ErrConnRefused }},
			secret:  rootKeySecret(map[string]string{"accessKeyId": "KOSSROOTID", "accessKeySecret": "s3cr3t-value"}),
			wantErr: controllertest.ErrConnRefused,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			gotAuth, gotPath = "", ""
			c, err := tc.factory.ForRegion(context.Background(), controllertest.TestRegion(), tc.secret)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				if strings.Contains(err.Error(), "s3cr3t-value") {
					t.Errorf("the error shows the secret: %v", err)
				}
				return
			}
			cs, err := c.ClusterStatus(context.Background())
			if err != nil || cs.Leader != "eu-0" {
				t.Fatalf("ClusterStatus = %+v, %v", cs, err)
			}
			if !strings.HasPrefix(gotAuth, "OSS KOSSROOTID:") || gotPath != adminapi.PathCluster {
				t.Errorf("request %s with Authorization %q", gotPath, gotAuth)
			}
		})
	}
}

func TestDefaultEndpointIsTheClientService(t *testing.T) {
	var f controllers.HTTPAdminClientFactory
	c, err := f.ForRegion(context.Background(), controllertest.TestRegion(), rootKeySecret(map[string]string{"accessKeyId": "a", "accessKeySecret": "b"}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no request leaves; the error names the URL
	_, err = c.ClusterStatus(ctx)
	if err == nil || !strings.Contains(err.Error(), "eu.storage.svc.cluster.local:9000") {
		t.Errorf("err = %v, want a request to the client Service", err)
	}
}
