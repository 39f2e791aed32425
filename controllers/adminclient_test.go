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
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/pki"
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

// tlsRegionServer is a kossd admin API stand-in serving https with a certificate for the
// Region's client Service name, from a CA of its own, and a transport that dials it for
// any address (as cluster DNS would).
type tlsRegionServer struct {
	caPEM    []byte
	endpoint string
	client   *http.Client
}

func newTLSRegionServer(t *testing.T, names ...string) tlsRegionServer {
	t.Helper()
	now := time.Now()
	ca, err := pki.NewCA("test Region CA", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := pki.Issue(ca, pki.Request{CommonName: "eu.storage", DNSNames: names, Usage: pki.UsageServer | pki.UsageClient, Validity: time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(adminapi.ClusterStatus{Leader: "eu-0"})
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	var d net.Dialer
	return tlsRegionServer{
		caPEM:    ca.CertPEM,
		endpoint: "https://eu.storage.svc.cluster.local:" + port,
		client: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, addr)
			},
		}},
	}
}

func TestHTTPAdminClientFactoryVerifiesTheRegionsCertificate(t *testing.T) {
	srv := newTLSRegionServer(t, "eu.storage.svc.cluster.local")
	otherCA, err := pki.NewCA("another CA", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rootKey := rootKeySecret(map[string]string{"accessKeyId": "KOSSROOTID", "accessKeySecret": "s3cr3t-value"})
	tests := map[string]struct {
		// endpoint is where the factory sends the Region's requests.
		endpoint string
		// caPEM is the CA bundle given to ForRegionWithCA.
		caPEM []byte
		// wantErr is a substring of the request's error; "" means it must succeed.
		wantErr string
		// wantFactoryErr is the error ForRegionWithCA itself returns.
		wantFactoryErr error
	}{
		"trusts the Region's CA and the Service's name": {endpoint: srv.endpoint, caPEM: srv.caPEM},
		// Never trust a certificate some other CA signed: that would be anyone's.
		"refuses a certificate from another CA": {endpoint: srv.endpoint, caPEM: otherCA.CertPEM, wantErr: "certificate signed by unknown authority"},
		// Without a CA the system's roots apply, which never include a Region's own CA.
		"refuses the Region's certificate without its CA": {endpoint: srv.endpoint, wantErr: "certificate"},
		// The Region's CA is not enough: the certificate must name the host dialled.
		"refuses a certificate that does not name the endpoint's host": {
			endpoint: strings.Replace(srv.endpoint, "eu.storage", "us.storage", 1), caPEM: srv.caPEM, wantErr: "not us.storage.svc.cluster.local",
		},
		"refuses a CA bundle without a certificate": {endpoint: srv.endpoint, caPEM: []byte("not PEM"), wantFactoryErr: controllers.ErrCABundleInvalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := &controllers.HTTPAdminClientFactory{
				Endpoint:   func(*kossv1alpha1.Region) (string, error) { return tc.endpoint, nil },
				HTTPClient: srv.client,
			}
			c, err := f.ForRegionWithCA(context.Background(), controllertest.TestRegion(), rootKey, tc.caPEM)
			if !errors.Is(err, tc.wantFactoryErr) {
				t.Fatalf("ForRegionWithCA err = %v, want %v", err, tc.wantFactoryErr)
			}
			if err != nil {
				return
			}
			cs, err := c.ClusterStatus(context.Background())
			switch {
			case tc.wantErr == "" && (err != nil || cs.Leader != "eu-0"):
				t.Fatalf("ClusterStatus = %+v, %v", cs, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("ClusterStatus err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestNewRegionAdminClientReadsTheRegionsCA(t *testing.T) {
	srv := newTLSRegionServer(t, "eu.storage.svc.cluster.local")
	rootKey := rootKeySecret(map[string]string{"accessKeyId": "KOSSROOTID", "accessKeySecret": "s3cr3t-value"})
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	secret := func(name string, data map[string][]byte) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "storage", Name: name}, Data: data}
	}
	tests := map[string]struct {
		// secrets are the Secrets in the Region's namespace.
		secrets []client.Object
		// wantOK is true when the client must verify the server.
		wantOK bool
	}{
		"from the pods' Secret": {secrets: []client.Object{secret("eu-tls", map[string][]byte{"ca.crt": srv.caPEM})}, wantOK: true},
		"from the CA Secret when the pods' Secret has no ca.crt": {
			secrets: []client.Object{secret("eu-tls", map[string][]byte{"tls.crt": []byte("x")}), secret("eu-ca", map[string][]byte{"ca.crt": srv.caPEM})}, wantOK: true,
		},
		"no CA yet: the system's roots, which refuse the Region's certificate": {},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(tc.secrets...).Build()
			f := &controllers.HTTPAdminClientFactory{
				Endpoint:   func(*kossv1alpha1.Region) (string, error) { return srv.endpoint, nil },
				HTTPClient: srv.client,
			}
			admin, err := controllers.NewRegionAdminClient(context.Background(), c, c, f, controllertest.TestRegion(), rootKey)
			if err != nil {
				t.Fatal(err)
			}
			_, err = admin.ClusterStatus(context.Background())
			if tc.wantOK != (err == nil) {
				t.Fatalf("ClusterStatus err = %v, want success %v", err, tc.wantOK)
			}
		})
	}
}

func TestRegionEndpointsFollowTLS(t *testing.T) {
	on, off := controllertest.TestRegion(), controllertest.TestRegion(func(r *kossv1alpha1.Region) { r.Spec.TLS.Disabled = true })
	if got := controllers.RegionInternalEndpoint(on); got != "https://eu.storage.svc.cluster.local:9000" {
		t.Errorf("TLS on: internal endpoint %q", got)
	}
	if got := controllers.RegionInternalEndpoint(off); got != "http://eu.storage.svc.cluster.local:9000" {
		t.Errorf("TLS off: internal endpoint %q", got)
	}
	ca, err := controllers.RegionCABundle(context.Background(), nil, nil, off)
	if err != nil || ca != nil {
		t.Errorf("TLS off: CA bundle %q, %v; want none without reading anything", ca, err)
	}
}
