package v1alpha1_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

// These tests prove that the validation in the generated CRDs (config/crd/bases: OpenAPI
// and CEL) accepts and rejects what the API promises, on a real kube-apiserver started by
// envtest from KUBEBUILDER_ASSETS (`make test` points it at bin/k8s). A missing control
// plane fails the test: skipping would let broken validation pass unnoticed.

var (
	crdDir     = filepath.Join("..", "..", "config", "crd", "bases")
	samplesDir = filepath.Join("..", "..", "config", "samples")
)

func TestCRDValidation(t *testing.T) {
	c := startAPIServer(t)
	ns := "validation"
	if err := c.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}

	t.Run("create", func(t *testing.T) { testCreate(t, c, ns) })
	t.Run("update", func(t *testing.T) { testUpdate(t, c, ns) })
	t.Run("defaults", func(t *testing.T) { testDefaults(t, c, ns) })
	t.Run("status", func(t *testing.T) { testStatus(t, c, ns) })
	t.Run("samples", func(t *testing.T) { testSamples(t, c) })
}

// startAPIServer runs etcd and kube-apiserver with the koss CRDs installed and returns a
// client for them. Everything is stopped when the test ends.
func startAPIServer(t *testing.T) client.Client {
	t.Helper()
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run `make test`, or point it at the control plane " +
			"binaries built by `make k8s-tools` (bin/k8s)")
	}
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(assets, bin)); err != nil {
			t.Fatalf("KUBEBUILDER_ASSETS=%s lacks %s: %v", assets, bin, err)
		}
	}
	useExisting := false
	env := &envtest.Environment{
		BinaryAssetsDirectory:    assets,
		CRDDirectoryPaths:        []string{crdDir},
		ErrorIfCRDPathMissing:    true,
		UseExistingCluster:       &useExisting,
		ControlPlaneStartTimeout: 3 * time.Minute, // a shared 2-core box can be slow
		ControlPlaneStopTimeout:  time.Minute,
		CRDInstallOptions:        envtest.CRDInstallOptions{MaxTime: 2 * time.Minute},
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start envtest: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop envtest: %v", err)
		}
	})
	if got := len(env.CRDs); got != 3 {
		t.Fatalf("installed %d CRDs from %s, want 3 (Region, Bucket, AccessKey)", got, crdDir)
	}

	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{kossv1alpha1.AddToScheme, corev1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatalf("build scheme: %v", err)
		}
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return c
}

// checkErr fails unless err is nil when wantErr is empty, or an Invalid (422) error whose
// message contains wantErr otherwise, so a rejection for the wrong reason does not pass.
func checkErr(t *testing.T, err error, wantErr string) {
	t.Helper()
	switch {
	case wantErr == "" && err != nil:
		t.Fatalf("rejected, want accepted: %v", err)
	case wantErr == "":
	case err == nil:
		t.Fatalf("accepted, want rejected with %q", wantErr)
	case !apierrors.IsInvalid(err):
		t.Fatalf("error is not Invalid (422): %v", err)
	case !strings.Contains(err.Error(), wantErr):
		t.Fatalf("error %q does not mention %q", err, wantErr)
	}
}

func region(name string, mutate ...func(*kossv1alpha1.Region)) *kossv1alpha1.Region {
	r := &kossv1alpha1.Region{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: kossv1alpha1.RegionSpec{Replicas: 3}}
	for _, m := range mutate {
		m(r)
	}
	return r
}

// regionWithSize builds the Region as unstructured JSON, so that spec.storage.size can be
// a JSON integer (int-or-string), which the typed Quantity always encodes as a string.
func regionWithSize(name string, size any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": kossv1alpha1.SchemeGroupVersion.String(),
		"kind":       "Region",
		"metadata":   map[string]any{"name": name},
		"spec":       map[string]any{"storage": map[string]any{"size": size}},
	}}
}

func bucket(name string, mutate ...func(*kossv1alpha1.Bucket)) *kossv1alpha1.Bucket {
	b := &kossv1alpha1.Bucket{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       kossv1alpha1.BucketSpec{RegionRef: kossv1alpha1.RegionReference{Name: "demo"}},
	}
	for _, m := range mutate {
		m(b)
	}
	return b
}

// withTags sets spec.tags.
func withTags(tags map[string]string) func(*kossv1alpha1.Bucket) {
	return func(b *kossv1alpha1.Bucket) { b.Spec.Tags = tags }
}

// tagSet returns n distinct valid tags.
func tagSet(n int) map[string]string {
	out := make(map[string]string, n)
	for i := range n {
		out[fmt.Sprintf("key-%02d", i)] = "value"
	}
	return out
}

// withLifecycle sets spec.lifecycle.
func withLifecycle(rules ...kossv1alpha1.BucketLifecycleRule) func(*kossv1alpha1.Bucket) {
	return func(b *kossv1alpha1.Bucket) {
		b.Spec.Lifecycle = rules
		if b.Spec.Lifecycle == nil {
			b.Spec.Lifecycle = []kossv1alpha1.BucketLifecycleRule{}
		}
	}
}

// expireRule is a rule expiring objects under prefix after days.
func expireRule(id, prefix string, days int32) kossv1alpha1.BucketLifecycleRule {
	return kossv1alpha1.BucketLifecycleRule{ID: id, Prefix: prefix, Expiration: &kossv1alpha1.BucketLifecycleExpiration{Days: &days}}
}

// lifecycleDate is a *LifecycleDate.
func lifecycleDate(s string) *kossv1alpha1.LifecycleDate {
	d := kossv1alpha1.LifecycleDate(s)
	return &d
}

// int32p is a *int32.
func int32p(v int32) *int32 { return &v }

// withCORS sets spec.cors.
func withCORS(rules ...kossv1alpha1.BucketCORSRule) func(*kossv1alpha1.Bucket) {
	return func(b *kossv1alpha1.Bucket) {
		b.Spec.CORS = rules
		if b.Spec.CORS == nil {
			b.Spec.CORS = []kossv1alpha1.BucketCORSRule{}
		}
	}
}

// corsRule is a rule allowing origin to send methods (GET when none).
func corsRule(origin string, methods ...kossv1alpha1.CORSMethod) kossv1alpha1.BucketCORSRule {
	if len(methods) == 0 {
		methods = []kossv1alpha1.CORSMethod{"GET"}
	}
	return kossv1alpha1.BucketCORSRule{AllowedOrigins: []kossv1alpha1.CORSPattern{kossv1alpha1.CORSPattern(origin)}, AllowedMethods: methods}
}

// corsRules returns n valid rules.
func corsRules(n int) []kossv1alpha1.BucketCORSRule {
	out := make([]kossv1alpha1.BucketCORSRule, n)
	for i := range out {
		out[i] = corsRule(fmt.Sprintf("https://app%d.example.com", i))
	}
	return out
}

func bucketNamed(objName, bucketName string) *kossv1alpha1.Bucket {
	return bucket(objName, func(b *kossv1alpha1.Bucket) { b.Spec.Name = bucketName })
}

func accessKey(name string, grants ...kossv1alpha1.BucketGrant) *kossv1alpha1.AccessKey {
	return &kossv1alpha1.AccessKey{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: kossv1alpha1.AccessKeySpec{
			RegionRef: kossv1alpha1.RegionReference{Name: "demo"},
			Buckets:   grants,
		},
	}
}

// withRotation sets spec.rotation; "" leaves period or overlap unset.
func withRotation(k *kossv1alpha1.AccessKey, period, overlap string) *kossv1alpha1.AccessKey {
	k.Spec.Rotation = &kossv1alpha1.AccessKeyRotation{}
	parse := func(s string) *metav1.Duration {
		if s == "" {
			return nil
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			panic(err)
		}
		return &metav1.Duration{Duration: d}
	}
	k.Spec.Rotation.Period, k.Spec.Rotation.Overlap = parse(period), parse(overlap)
	return k
}

// withWorkloadIdentity sets spec.workloadIdentity; maxSession "" leaves it unset.
func withWorkloadIdentity(k *kossv1alpha1.AccessKey, maxSession string, serviceAccounts ...string) *kossv1alpha1.AccessKey {
	k.Spec.WorkloadIdentity = &kossv1alpha1.AccessKeyWorkloadIdentity{ServiceAccounts: serviceAccounts}
	if maxSession != "" {
		d, err := time.ParseDuration(maxSession)
		if err != nil {
			panic(err)
		}
		k.Spec.WorkloadIdentity.MaxSessionDuration = &metav1.Duration{Duration: d}
	}
	return k
}

func serviceAccounts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("sa-%02d", i)
	}
	return out
}

func grants(n int) []kossv1alpha1.BucketGrant {
	access := []kossv1alpha1.BucketAccess{kossv1alpha1.BucketAccessRead, kossv1alpha1.BucketAccessWrite, kossv1alpha1.BucketAccessReadWrite}
	out := make([]kossv1alpha1.BucketGrant, n)
	for i := range out {
		out[i] = kossv1alpha1.BucketGrant{Name: fmt.Sprintf("b-%03d", i), Access: access[i%len(access)]}
	}
	return out
}

func testCreate(t *testing.T, c client.Client, ns string) {
	storageClass := "fast"
	tests := map[string]struct {
		obj     client.Object
		wantErr string // a substring of the Invalid error; empty: accepted
	}{
		// Bucket names (OSS rules: 3-63 of [a-z0-9-], no leading or trailing '-').
		"bucket name of 2 bytes":               {obj: bucketNamed("n2", "ab"), wantErr: "spec.name"},
		"bucket name of 3 bytes":               {obj: bucketNamed("n3", "abc")},
		"bucket name of 63 bytes":              {obj: bucketNamed("n63", strings.Repeat("a", 63))},
		"bucket name of 64 bytes":              {obj: bucketNamed("n64", strings.Repeat("a", 64)), wantErr: "spec.name"},
		"bucket name in upper case":            {obj: bucketNamed("nupper", "Photos"), wantErr: "spec.name"},
		"bucket name with a dot":               {obj: bucketNamed("ndot", "my.photos"), wantErr: "spec.name"},
		"bucket name with leading dash":        {obj: bucketNamed("nlead", "-photos"), wantErr: "spec.name"},
		"bucket name with trailing dash":       {obj: bucketNamed("ntrail", "photos-"), wantErr: "spec.name"},
		"bucket name with inner dashes":        {obj: bucketNamed("ninner", "my-2nd--photos")},
		"metadata.name as a valid bucket name": {obj: bucket("photos-2026")},
		"metadata.name with a dot and no spec.name": {
			obj: bucket("my.photos"), wantErr: "metadata.name is not a valid bucket name",
		},
		"metadata.name of 64 bytes and no spec.name": {
			obj: bucket(strings.Repeat("a", 64)), wantErr: "metadata.name is not a valid bucket name",
		},
		"metadata.name of 2 bytes and no spec.name": {
			obj: bucket("ab"), wantErr: "metadata.name is not a valid bucket name",
		},
		"metadata.name with a dot and a valid spec.name": {obj: bucketNamed("my.other.photos", "my-other-photos")},
		"bucket deletionPolicy outside the enum": {
			obj:     bucket("bad-policy", func(b *kossv1alpha1.Bucket) { b.Spec.DeletionPolicy = "Destroy" }),
			wantErr: "spec.deletionPolicy",
		},
		"bucket deletionPolicy Delete": {
			obj: bucket("delete-policy", func(b *kossv1alpha1.Bucket) { b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete }),
		},
		"bucket acl outside the enum": {
			obj:     bucket("bad-acl", func(b *kossv1alpha1.Bucket) { b.Spec.ACL = "public" }),
			wantErr: "spec.acl",
		},
		"bucket without acl": {obj: bucket("no-acl")},

		// Bucket tags: the engine's limits (record.CheckBucketTags), in bytes where it counts bytes.
		"bucket with 20 tags":    {obj: bucket("tags-20", withTags(tagSet(20)))},
		"bucket with 21 tags":    {obj: bucket("tags-21", withTags(tagSet(21))), wantErr: "spec.tags"},
		"bucket with no tags":    {obj: bucket("tags-none", withTags(map[string]string{}))},
		"tag key of 64 bytes":    {obj: bucket("key-64", withTags(map[string]string{strings.Repeat("k", 64): "v"}))},
		"tag key of 65 bytes":    {obj: bucket("key-65", withTags(map[string]string{strings.Repeat("k", 65): "v"})), wantErr: "tag keys must be 1 to 64 bytes long"},
		"tag key of 0 bytes":     {obj: bucket("key-0", withTags(map[string]string{"": "v"})), wantErr: "tag keys must be 1 to 64 bytes long"},
		"tag key of 32 é":        {obj: bucket("key-32e", withTags(map[string]string{strings.Repeat("é", 32): "v"}))},
		"tag key of 33 é":        {obj: bucket("key-33e", withTags(map[string]string{strings.Repeat("é", 33): "v"})), wantErr: "tag keys must be 1 to 64 bytes long"},
		"tag key Aliyun...":      {obj: bucket("key-aliyun", withTags(map[string]string{"Aliyun-cost": "v"})), wantErr: "must not start with Aliyun"},
		"tag key http://...":     {obj: bucket("key-http", withTags(map[string]string{"http://x": "v"})), wantErr: "must not start with Aliyun"},
		"tag key https://...":    {obj: bucket("key-https", withTags(map[string]string{"https://x": "v"})), wantErr: "must not start with Aliyun"},
		"tag key aliyun...":      {obj: bucket("key-lower-aliyun", withTags(map[string]string{"aliyun-cost": "v", "my-Aliyun": "v", "http:/x": "v"}))},
		"tag value of 128 bytes": {obj: bucket("value-128", withTags(map[string]string{"k": strings.Repeat("v", 128)}))},
		"tag value of 129 bytes": {obj: bucket("value-129", withTags(map[string]string{"k": strings.Repeat("v", 129)})), wantErr: "tag values must be at most 128 bytes long"},
		"tag value of 65 é":      {obj: bucket("value-65e", withTags(map[string]string{"k": strings.Repeat("é", 65)})), wantErr: "tag values must be at most 128 bytes long"},
		"tag value empty":        {obj: bucket("value-empty", withTags(map[string]string{"k": ""}))},

		// Bucket CORS: the engine's static limits (record.CheckCORS).
		"cors of 10 rules":     {obj: bucket("cors-10", withCORS(corsRules(10)...))},
		"cors of 11 rules":     {obj: bucket("cors-11", withCORS(corsRules(11)...)), wantErr: "spec.cors: Too many"},
		"cors without rules":   {obj: bucket("cors-none", withCORS())},
		"cors of every method": {obj: bucket("cors-methods", withCORS(corsRule("*", "GET", "PUT", "DELETE", "POST", "HEAD")))},
		"cors method PATCH":    {obj: bucket("cors-patch", withCORS(corsRule("*", "PATCH"))), wantErr: "spec.cors[0].allowedMethods[0]: Unsupported value"},
		"cors method get":      {obj: bucket("cors-lower", withCORS(corsRule("*", "get"))), wantErr: "spec.cors[0].allowedMethods[0]: Unsupported value"},
		"cors without methods": {
			obj:     bucket("cors-no-method", withCORS(kossv1alpha1.BucketCORSRule{AllowedOrigins: []kossv1alpha1.CORSPattern{"*"}, AllowedMethods: []kossv1alpha1.CORSMethod{}})),
			wantErr: "spec.cors[0].allowedMethods",
		},
		"cors without origins": {
			obj:     bucket("cors-no-origin", withCORS(kossv1alpha1.BucketCORSRule{AllowedOrigins: []kossv1alpha1.CORSPattern{}, AllowedMethods: []kossv1alpha1.CORSMethod{"GET"}})),
			wantErr: "spec.cors[0].allowedOrigins",
		},
		"cors origin with one *":  {obj: bucket("cors-one-star", withCORS(corsRule("https://*.example.com"), corsRule("*")))},
		"cors origin with two *":  {obj: bucket("cors-two-stars", withCORS(corsRule("*"), corsRule("https://*.*.example.com"))), wantErr: "spec.cors[1].allowedOrigins[0]: Invalid value: \"https://*.*.example.com\": spec.cors[1].allowedOrigins[0] in body should match"},
		"cors origin empty":       {obj: bucket("cors-empty-origin", withCORS(corsRule(""))), wantErr: "spec.cors[0].allowedOrigins[0]"},
		"cors origin with a LF":   {obj: bucket("cors-lf", withCORS(corsRule("https://a\nb"))), wantErr: "spec.cors[0].allowedOrigins[0]: Invalid value"},
		"cors origin with a NUL":  {obj: bucket("cors-nul", withCORS(corsRule("https://a\x00b"))), wantErr: "spec.cors[0].allowedOrigins[0]: Invalid value"},
		"cors headers, max age 0": {obj: bucket("cors-full", withCORS(fullCORSRule(0)))},
		"cors allowed header **": {
			obj: bucket("cors-header-stars", withCORS(func() kossv1alpha1.BucketCORSRule {
				r := fullCORSRule(1)
				r.AllowedHeaders = []kossv1alpha1.CORSPattern{"x-oss-**"}
				return r
			}())),
			wantErr: "spec.cors[0].allowedHeaders[0]: Invalid value: \"x-oss-**\"",
		},
		"cors exposed header *": {
			obj: bucket("cors-expose-star", withCORS(func() kossv1alpha1.BucketCORSRule {
				r := fullCORSRule(1)
				r.ExposeHeaders = []kossv1alpha1.CORSHeader{"x-oss-*"}
				return r
			}())),
			wantErr: "spec.cors[0].exposeHeaders[0]: Invalid value: \"x-oss-*\"",
		},
		"cors negative max age":   {obj: bucket("cors-negative-age", withCORS(fullCORSRule(-1))), wantErr: "spec.cors[0].maxAgeSeconds"},
		"cors with response vary": {obj: bucket("cors-vary", withCORS(corsRule("*")), func(b *kossv1alpha1.Bucket) { b.Spec.CORSResponseVary = true })},
		"response vary without cors": {
			obj: bucket("vary-no-cors", func(b *kossv1alpha1.Bucket) { b.Spec.CORSResponseVary = true }), wantErr: "corsResponseVary needs at least one rule in cors",
		},
		"response vary with no rules": {
			obj: bucket("vary-no-rules", withCORS(), func(b *kossv1alpha1.Bucket) { b.Spec.CORSResponseVary = true }), wantErr: "corsResponseVary needs at least one rule in cors",
		},
		// Bucket lifecycle: the engine's static limits (record.CheckLifecycle, the wire layer's dates).
		"lifecycle of 1000 rules": {obj: bucket("lc-1000", withLifecycle(func() []kossv1alpha1.BucketLifecycleRule {
			out := make([]kossv1alpha1.BucketLifecycleRule, 1000)
			for i := range out {
				out[i] = expireRule(fmt.Sprintf("r%d", i), fmt.Sprintf("p%d/", i), 1)
			}
			return out
		}()...))},
		"lifecycle of 1001 rules": {obj: bucket("lc-1001", withLifecycle(func() []kossv1alpha1.BucketLifecycleRule {
			out := make([]kossv1alpha1.BucketLifecycleRule, 1001)
			for i := range out {
				out[i] = expireRule(fmt.Sprintf("r%d", i), "", 1)
			}
			return out
		}()...)), wantErr: "spec.lifecycle: Too many"},
		"lifecycle without rules": {obj: bucket("lc-none", withLifecycle())},
		"lifecycle of every form": {obj: bucket("lc-full", withLifecycle(
			kossv1alpha1.BucketLifecycleRule{ID: "tmp", Prefix: "tmp/", Status: "Enabled",
				Expiration:            &kossv1alpha1.BucketLifecycleExpiration{Days: int32p(7)},
				AbortIncompleteUpload: &kossv1alpha1.BucketLifecycleAbort{Days: int32p(2)}},
			kossv1alpha1.BucketLifecycleRule{ID: "tagged", Prefix: "logs/", Status: "Disabled",
				Tags:       map[string]kossv1alpha1.LifecycleTagValue{"class": "scratch", strings.Repeat("k", 128): kossv1alpha1.LifecycleTagValue(strings.Repeat("v", 256))},
				Expiration: &kossv1alpha1.BucketLifecycleExpiration{CreatedBeforeDate: lifecycleDate("2026-01-02")}},
			kossv1alpha1.BucketLifecycleRule{ID: strings.Repeat("i", 255), Prefix: strings.Repeat("p", 1024),
				Expiration: &kossv1alpha1.BucketLifecycleExpiration{Date: lifecycleDate("2025-06-01")}},
			kossv1alpha1.BucketLifecycleRule{ID: "uploads", AbortIncompleteUpload: &kossv1alpha1.BucketLifecycleAbort{CreatedBeforeDate: lifecycleDate("2026-01-01")}},
		))},
		"lifecycle rule without id": {obj: bucket("lc-no-id", withLifecycle(expireRule("", "tmp/", 1))), wantErr: "spec.lifecycle[0].id"},
		"lifecycle id used twice": {
			obj: bucket("lc-dup", withLifecycle(expireRule("a", "x/", 1), expireRule("a", "y/", 2))), wantErr: "spec.lifecycle[1]: Duplicate value",
		},
		"lifecycle id of 256":       {obj: bucket("lc-long-id", withLifecycle(expireRule(strings.Repeat("i", 256), "", 1))), wantErr: "spec.lifecycle[0].id: Too long"},
		"lifecycle prefix of 1025":  {obj: bucket("lc-long-prefix", withLifecycle(expireRule("a", strings.Repeat("p", 1025), 1))), wantErr: "spec.lifecycle[0].prefix: Too long"},
		"lifecycle prefix with NUL": {obj: bucket("lc-nul", withLifecycle(expireRule("a", "a\x00b", 1))), wantErr: "spec.lifecycle[0].prefix: Invalid value"},
		"lifecycle status on":       {obj: bucket("lc-status", withLifecycle(func() kossv1alpha1.BucketLifecycleRule { r := expireRule("a", "", 1); r.Status = "On"; return r }())), wantErr: "spec.lifecycle[0].status: Unsupported value"},
		"lifecycle days 0":          {obj: bucket("lc-days-0", withLifecycle(expireRule("a", "", 0))), wantErr: "spec.lifecycle[0].expiration.days"},
		"lifecycle without action": {
			obj: bucket("lc-no-action", withLifecycle(kossv1alpha1.BucketLifecycleRule{ID: "a", Prefix: "tmp/"})), wantErr: "a rule needs an expiration or an abortIncompleteUpload",
		},
		"lifecycle expiration without time": {
			obj:     bucket("lc-no-time", withLifecycle(kossv1alpha1.BucketLifecycleRule{ID: "a", Expiration: &kossv1alpha1.BucketLifecycleExpiration{}})),
			wantErr: "expiration takes exactly one of days, date and createdBeforeDate",
		},
		"lifecycle expiration with two times": {
			obj:     bucket("lc-two-times", withLifecycle(kossv1alpha1.BucketLifecycleRule{ID: "a", Expiration: &kossv1alpha1.BucketLifecycleExpiration{Days: int32p(1), Date: lifecycleDate("2026-01-01")}})),
			wantErr: "expiration takes exactly one of days, date and createdBeforeDate",
		},
		"lifecycle abort with two times": {
			obj:     bucket("lc-abort-two", withLifecycle(kossv1alpha1.BucketLifecycleRule{ID: "a", AbortIncompleteUpload: &kossv1alpha1.BucketLifecycleAbort{Days: int32p(1), CreatedBeforeDate: lifecycleDate("2026-01-01")}})),
			wantErr: "abortIncompleteUpload takes exactly one of days and createdBeforeDate",
		},
		"lifecycle abort without time": {
			obj:     bucket("lc-abort-none", withLifecycle(kossv1alpha1.BucketLifecycleRule{ID: "a", AbortIncompleteUpload: &kossv1alpha1.BucketLifecycleAbort{}})),
			wantErr: "abortIncompleteUpload takes exactly one of days and createdBeforeDate",
		},
		"lifecycle date with a time": {
			obj:     bucket("lc-date-time", withLifecycle(kossv1alpha1.BucketLifecycleRule{ID: "a", Expiration: &kossv1alpha1.BucketLifecycleExpiration{Date: lifecycleDate("2026-01-01T00:00:00Z")}})),
			wantErr: "spec.lifecycle[0].expiration.date",
		},
		"lifecycle date of month 13": {
			obj:     bucket("lc-date-13", withLifecycle(kossv1alpha1.BucketLifecycleRule{ID: "a", Expiration: &kossv1alpha1.BucketLifecycleExpiration{CreatedBeforeDate: lifecycleDate("2026-13-01")}})),
			wantErr: "spec.lifecycle[0].expiration.createdBeforeDate",
		},
		"lifecycle tags with abort": {
			obj: bucket("lc-tags-abort", withLifecycle(kossv1alpha1.BucketLifecycleRule{ID: "a", Tags: map[string]kossv1alpha1.LifecycleTagValue{"k": "v"},
				AbortIncompleteUpload: &kossv1alpha1.BucketLifecycleAbort{Days: int32p(1)}})),
			wantErr: "a rule with tags cannot abort uploads",
		},
		"lifecycle 11 tags": {
			obj: bucket("lc-11-tags", withLifecycle(func() kossv1alpha1.BucketLifecycleRule {
				r := expireRule("a", "", 1)
				r.Tags = map[string]kossv1alpha1.LifecycleTagValue{}
				for i := range 11 {
					r.Tags[fmt.Sprint(i)] = ""
				}
				return r
			}())),
			wantErr: "spec.lifecycle[0].tags: Too many",
		},
		"lifecycle tag key of 129": {
			obj: bucket("lc-long-key", withLifecycle(func() kossv1alpha1.BucketLifecycleRule {
				r := expireRule("a", "", 1)
				r.Tags = map[string]kossv1alpha1.LifecycleTagValue{strings.Repeat("k", 129): "v"}
				return r
			}())),
			wantErr: "tag keys must be 1 to 128 characters long",
		},
		"lifecycle tag value of 257": {
			obj: bucket("lc-long-value", withLifecycle(func() kossv1alpha1.BucketLifecycleRule {
				r := expireRule("a", "", 1)
				r.Tags = map[string]kossv1alpha1.LifecycleTagValue{"k": kossv1alpha1.LifecycleTagValue(strings.Repeat("v", 257))}
				return r
			}())),
			wantErr: "Too long",
		},
		"lifecycle overlapping prefixes": {obj: bucket("lc-overlap", withLifecycle(expireRule("a", "tmp/", 1), expireRule("b", "tmp/x/", 2)))},
		"bucket regionRef without a name": {
			obj:     bucket("no-region", func(b *kossv1alpha1.Bucket) { b.Spec.RegionRef.Name = "" }),
			wantErr: "spec.regionRef.name",
		},
		"bucket regionRef to another namespace": {
			obj: bucket("other-ns", func(b *kossv1alpha1.Bucket) { b.Spec.RegionRef.Namespace = "storage" }),
		},

		// Regions.
		"region with 2 replicas": {
			obj:     region("two", func(r *kossv1alpha1.Region) { r.Spec.Replicas = 2 }),
			wantErr: "spec.replicas",
		},
		"region with 1 replica": {
			obj:     region("one", func(r *kossv1alpha1.Region) { r.Spec.Replicas = 1 }),
			wantErr: "spec.replicas",
		},
		"region with -3 replicas": {
			obj:     region("negative", func(r *kossv1alpha1.Region) { r.Spec.Replicas = -3 }),
			wantErr: "spec.replicas",
		},
		"region with 3 replicas": {obj: region("three")},
		"region with 5 replicas and every option": {obj: region("five", func(r *kossv1alpha1.Region) {
			r.Spec.Replicas = 5
			r.Spec.Image = "koss/kossd:dev"
			r.Spec.Storage = kossv1alpha1.RegionStorage{Size: resource.MustParse("1Gi"), StorageClassName: &storageClass}
			r.Spec.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}}
			r.Spec.BucketNamespaces = &metav1.LabelSelector{MatchLabels: map[string]string{"koss.io/buckets": "allowed"}}
			r.Spec.External = kossv1alpha1.RegionExternal{Enabled: true, Annotations: map[string]string{"example.com/lb": "internal"}}
			r.Spec.Domain = "oss.example.com"
		})},
		"region with a negative volume size": {
			obj: region("negative-size", func(r *kossv1alpha1.Region) {
				r.Spec.Storage = kossv1alpha1.RegionStorage{Size: resource.MustParse("-1Gi")}
			}),
			wantErr: "size must be positive",
		},
		"region with a volume size of integer 0": {
			obj: regionWithSize("zero-size", int64(0)), wantErr: "size must be positive",
		},
		"region with a volume size of integer 1Gi": {obj: regionWithSize("integer-size", int64(1<<30))},
		"region name of 40 characters":             {obj: region("r" + strings.Repeat("a", 39))},
		"region name of 41 characters": {
			obj: region("r" + strings.Repeat("a", 40)), wantErr: "at most 40 characters",
		},
		"region name starting with a digit": {obj: region("1eu"), wantErr: "metadata.name must be a DNS label"},
		"region name with a dot":            {obj: region("eu.west"), wantErr: "metadata.name must be a DNS label"},
		"region domain in upper case": {
			obj:     region("bad-domain", func(r *kossv1alpha1.Region) { r.Spec.Domain = "OSS.example.com" }),
			wantErr: "spec.domain",
		},

		// AccessKeys.
		"access key with every access value": {obj: accessKey("all-access", grants(3)...)},
		"access key with a bad access value": {
			obj:     accessKey("bad-access", kossv1alpha1.BucketGrant{Name: "photos", Access: "admin"}),
			wantErr: "spec.buckets[0].access",
		},
		"access key with an empty access value": {
			obj:     accessKey("empty-access", kossv1alpha1.BucketGrant{Name: "photos"}),
			wantErr: "spec.buckets[0].access",
		},
		"access key with two grants on one bucket": {
			obj: accessKey("duplicate",
				kossv1alpha1.BucketGrant{Name: "photos", Access: kossv1alpha1.BucketAccessRead},
				kossv1alpha1.BucketGrant{Name: "photos", Access: kossv1alpha1.BucketAccessWrite}),
			wantErr: "Duplicate value",
		},
		"access key with a grant on a bucket name with a slash": {
			obj:     accessKey("slash", kossv1alpha1.BucketGrant{Name: "other/photos", Access: kossv1alpha1.BucketAccessRead}),
			wantErr: "spec.buckets[0].name",
		},
		"access key with the most grants": {obj: accessKey("max-grants", grants(kossv1alpha1.MaxAccessKeyBuckets)...)},
		"access key with too many grants": {
			obj: accessKey("too-many", grants(kossv1alpha1.MaxAccessKeyBuckets+1)...), wantErr: "spec.buckets",
		},
		"access key with no grants":                              {obj: accessKey("no-grants")},
		"access key rotating every 30 days with a day's overlap": {obj: withRotation(accessKey("rot-ok"), "720h", "24h")},
		"access key rotating on request only, overlap 0s":        {obj: withRotation(accessKey("rot-req"), "", "0s")},
		"access key rotating every 30s": {
			obj: withRotation(accessKey("rot-fast"), "30s", ""), wantErr: "period must be at least 1m",
		},
		"access key whose overlap is not shorter than its period": {
			obj: withRotation(accessKey("rot-overlap"), "1h", "1h"), wantErr: "overlap must be shorter than period",
		},
		"access key with a negative overlap": {
			obj: withRotation(accessKey("rot-neg"), "", "-1m"), wantErr: "overlap must not be negative",
		},
		"access key with a workload identity":                         {obj: withWorkloadIdentity(accessKey("wi-ok"), "", "app", "batch.worker")},
		"access key with a workload identity of 12h sessions":         {obj: withWorkloadIdentity(accessKey("wi-12h"), "12h", "app")},
		"access key with a workload identity of 15m sessions":         {obj: withWorkloadIdentity(accessKey("wi-15m"), "15m", "app")},
		"access key with a workload identity of 20 ServiceAccounts":   {obj: withWorkloadIdentity(accessKey("wi-20"), "", serviceAccounts(20)...)},
		"access key with a workload identity of no ServiceAccount":    {obj: withWorkloadIdentity(accessKey("wi-none"), ""), wantErr: "spec.workloadIdentity.serviceAccounts"},
		"access key with a workload identity of 21 ServiceAccounts":   {obj: withWorkloadIdentity(accessKey("wi-21"), "", serviceAccounts(21)...), wantErr: "spec.workloadIdentity.serviceAccounts"},
		"access key with a workload identity of a bad ServiceAccount": {obj: withWorkloadIdentity(accessKey("wi-bad"), "", "App_1"), wantErr: "spec.workloadIdentity.serviceAccounts[0]"},
		"access key with a workload identity naming one ServiceAccount twice": {
			obj: withWorkloadIdentity(accessKey("wi-twice"), "", "app", "app"), wantErr: "spec.workloadIdentity.serviceAccounts[1]",
		},
		"access key with a workload identity and a name of 244 characters": {obj: withWorkloadIdentity(accessKey(strings.Repeat("a", 244)), "", "app")},
		"access key with a workload identity and a name of 245 characters": {
			obj: withWorkloadIdentity(accessKey(strings.Repeat("b", 245)), "", "app"), wantErr: "metadata.name is at most 244 characters",
		},
		"access key without a workload identity and a name of 245 characters": {obj: accessKey(strings.Repeat("c", 245))},
		"access key with a workload identity of 10m sessions": {
			obj: withWorkloadIdentity(accessKey("wi-10m"), "10m", "app"), wantErr: "maxSessionDuration must be between 15m and 12h",
		},
		"access key with a workload identity of 13h sessions": {
			obj: withWorkloadIdentity(accessKey("wi-13h"), "13h", "app"), wantErr: "maxSessionDuration must be between 15m and 12h",
		},
		"access key with a bad secretName": {
			obj: func() client.Object {
				k := accessKey("bad-secret")
				k.Spec.SecretName = "Creds_1"
				return k
			}(),
			wantErr: "spec.secretName",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.obj.SetNamespace(ns)
			checkErr(t, c.Create(t.Context(), tc.obj), tc.wantErr)
		})
	}
}

func testUpdate(t *testing.T, c client.Client, ns string) {
	tests := map[string]struct {
		initial client.Object
		mutate  func(client.Object)
		wantErr string // a substring of the Invalid error; empty: accepted
	}{
		"bucket regionRef name changed": {
			initial: bucket("u-region-name"),
			mutate:  func(o client.Object) { o.(*kossv1alpha1.Bucket).Spec.RegionRef.Name = "other" },
			wantErr: "regionRef is immutable",
		},
		"bucket regionRef namespace added": {
			initial: bucket("u-region-ns"),
			mutate:  func(o client.Object) { o.(*kossv1alpha1.Bucket).Spec.RegionRef.Namespace = "storage" },
			wantErr: "regionRef is immutable",
		},
		"bucket spec.name changed": {
			initial: bucketNamed("u-name-changed", "photos-a"),
			mutate:  func(o client.Object) { o.(*kossv1alpha1.Bucket).Spec.Name = "photos-b" },
			wantErr: "bucket name",
		},
		"bucket spec.name set to another name than the defaulted one": {
			initial: bucket("u-name-set"),
			mutate:  func(o client.Object) { o.(*kossv1alpha1.Bucket).Spec.Name = "photos-c" },
			wantErr: "bucket name",
		},
		"bucket spec.name removed, changing the name to metadata.name": {
			initial: bucketNamed("u-name-removed", "photos-d"),
			mutate:  func(o client.Object) { o.(*kossv1alpha1.Bucket).Spec.Name = "" },
			wantErr: "bucket name",
		},
		"bucket spec.name set to the defaulted name": {
			initial: bucket("u-name-same"),
			mutate:  func(o client.Object) { o.(*kossv1alpha1.Bucket).Spec.Name = "u-name-same" },
		},
		"bucket deletionPolicy and acl changed": {
			initial: bucket("u-policy"),
			mutate: func(o client.Object) {
				b := o.(*kossv1alpha1.Bucket)
				b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete
				b.Spec.ACL = kossv1alpha1.BucketACLPublicRead
			},
		},
		"bucket acl removed and tags added": {
			initial: bucket("u-acl-removed", func(b *kossv1alpha1.Bucket) { b.Spec.ACL = kossv1alpha1.BucketACLPublicRead }),
			mutate: func(o client.Object) {
				b := o.(*kossv1alpha1.Bucket)
				b.Spec.ACL = ""
				b.Spec.Tags = map[string]string{"team": "media"}
			},
		},
		"bucket cors changed to 11 rules": {
			initial: bucket("u-cors-11", withCORS(corsRules(10)...)),
			mutate: func(o client.Object) {
				b := o.(*kossv1alpha1.Bucket)
				b.Spec.CORS = append(b.Spec.CORS, corsRule("*"))
			},
			wantErr: "spec.cors: Too many",
		},
		"bucket cors removed": {
			initial: bucket("u-cors-removed", withCORS(corsRule("*"))),
			mutate:  func(o client.Object) { o.(*kossv1alpha1.Bucket).Spec.CORS = nil },
		},
		"bucket tags changed to a reserved key": {
			initial: bucket("u-tags-reserved", withTags(map[string]string{"team": "media"})),
			mutate:  func(o client.Object) { o.(*kossv1alpha1.Bucket).Spec.Tags["Aliyun-x"] = "v" },
			wantErr: "must not start with Aliyun",
		},
		"access key regionRef changed": {
			initial: accessKey("u-key-region"),
			mutate:  func(o client.Object) { o.(*kossv1alpha1.AccessKey).Spec.RegionRef.Name = "other" },
			wantErr: "regionRef is immutable",
		},
		"access key secretName set to another name than the defaulted one": {
			initial: accessKey("u-key-secret"),
			mutate:  func(o client.Object) { o.(*kossv1alpha1.AccessKey).Spec.SecretName = "creds" },
			wantErr: "Secret name",
		},
		"access key secretName set to the defaulted name": {
			initial: accessKey("u-key-secret-same"),
			mutate:  func(o client.Object) { o.(*kossv1alpha1.AccessKey).Spec.SecretName = "u-key-secret-same" },
		},
		"access key grants changed": {
			initial: accessKey("u-key-grants", grants(1)...),
			mutate: func(o client.Object) {
				o.(*kossv1alpha1.AccessKey).Spec.Buckets = grants(3)
			},
		},
		"access key grant changed to a bad access value": {
			initial: accessKey("u-key-bad-grant", grants(1)...),
			mutate: func(o client.Object) {
				o.(*kossv1alpha1.AccessKey).Spec.Buckets[0].Access = "all"
			},
			wantErr: "spec.buckets[0].access",
		},
		"region scaled 3 to 5": {
			initial: region("u-scale-up"),
			mutate:  func(o client.Object) { o.(*kossv1alpha1.Region).Spec.Replicas = 5 },
		},
		"region scaled 3 to 2": {
			initial: region("u-scale-down"),
			mutate:  func(o client.Object) { o.(*kossv1alpha1.Region).Spec.Replicas = 2 },
			wantErr: "spec.replicas",
		},
		"region storage size changed": {
			initial: region("u-storage"),
			mutate: func(o client.Object) {
				o.(*kossv1alpha1.Region).Spec.Storage.Size = resource.MustParse("20Gi")
			},
			wantErr: "storage is immutable",
		},
		"region image changed": {
			initial: region("u-image"),
			mutate:  func(o client.Object) { o.(*kossv1alpha1.Region).Spec.Image = "koss/kossd:v2" },
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.initial.SetNamespace(ns)
			if err := c.Create(t.Context(), tc.initial); err != nil {
				t.Fatalf("create: %v", err)
			}
			tc.mutate(tc.initial)
			checkErr(t, c.Update(t.Context(), tc.initial), tc.wantErr)
		})
	}
}

func testDefaults(t *testing.T, c client.Client, ns string) {
	r := &kossv1alpha1.Region{ObjectMeta: metav1.ObjectMeta{Name: "defaulted", Namespace: ns}}
	b := bucket("defaulted")
	b.Namespace = ns
	for _, obj := range []client.Object{r, b} {
		if err := c.Create(t.Context(), obj); err != nil {
			t.Fatalf("create %T: %v", obj, err)
		}
	}
	if r.Spec.Replicas != kossv1alpha1.DefaultRegionReplicas {
		t.Errorf("region spec.replicas defaulted to %d, want %d", r.Spec.Replicas, kossv1alpha1.DefaultRegionReplicas)
	}
	if want := resource.MustParse(kossv1alpha1.DefaultRegionStorageSize); r.Spec.Storage.Size.Cmp(want) != 0 {
		t.Errorf("region spec.storage.size defaulted to %s, want %s", r.Spec.Storage.Size.String(), want.String())
	}
	if b.Spec.DeletionPolicy != kossv1alpha1.DeletionPolicyRetain {
		t.Errorf("bucket spec.deletionPolicy defaulted to %q, want Retain", b.Spec.DeletionPolicy)
	}
	// No default for acl: an unset acl leaves the bucket's ACL to whoever manages it.
	if b.Spec.ACL != "" {
		t.Errorf("bucket spec.acl defaulted to %q, want it left unset", b.Spec.ACL)
	}
	if b.Spec.Tags != nil {
		t.Errorf("bucket spec.tags defaulted to %v, want it left unset", b.Spec.Tags)
	}

	// An empty tags map ("no tags") is kept as such, never dropped to "unset" (leave alone).
	empty := bucket("no-tags", withTags(map[string]string{}))
	empty.Namespace = ns
	if err := c.Create(t.Context(), empty); err != nil {
		t.Fatalf("create: %v", err)
	}
	got := &kossv1alpha1.Bucket{}
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(empty), got); err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Spec.Tags == nil || len(got.Spec.Tags) != 0 {
		t.Errorf("spec.tags: {} read back as %#v, want an empty map", got.Spec.Tags)
	}
	if b.Spec.CORS != nil {
		t.Errorf("bucket spec.cors defaulted to %v, want it left unset", b.Spec.CORS)
	}
	// An empty cors list ("no CORS") is kept as such, never dropped to "unset" (leave alone).
	noCORS := bucket("no-cors", withCORS())
	noCORS.Namespace = ns
	if err := c.Create(t.Context(), noCORS); err != nil {
		t.Fatalf("create: %v", err)
	}
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(noCORS), got); err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Spec.CORS == nil || len(got.Spec.CORS) != 0 {
		t.Errorf("spec.cors: [] read back as %#v, want an empty list", got.Spec.CORS)
	}
	noLifecycle := bucket("no-lifecycle", withLifecycle())
	noLifecycle.Namespace = ns
	if err := c.Create(t.Context(), noLifecycle); err != nil {
		t.Fatalf("create: %v", err)
	}
	got = &kossv1alpha1.Bucket{}
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(noLifecycle), got); err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Spec.Lifecycle == nil || len(got.Spec.Lifecycle) != 0 {
		t.Errorf("spec.lifecycle: [] read back as %#v, want an empty list", got.Spec.Lifecycle)
	}
	// An existing object written while acl defaulted to private stays valid.
	old := bucket("old-default", func(b *kossv1alpha1.Bucket) { b.Spec.ACL = kossv1alpha1.BucketACLPrivate })
	old.Namespace = ns
	if err := c.Create(t.Context(), old); err != nil {
		t.Fatalf("create a Bucket with acl: private: %v", err)
	}
	old.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete
	if err := c.Update(t.Context(), old); err != nil || old.Spec.ACL != kossv1alpha1.BucketACLPrivate {
		t.Errorf("update a Bucket with acl: private: %v (acl %q)", err, old.Spec.ACL)
	}
	if b.Spec.Name != "" {
		t.Errorf("bucket spec.name was written (%q): the operator and the API server must leave it to the user", b.Spec.Name)
	}
}

// testStatus checks that the status subresource takes what controllers write, enforces its
// schema, and that the object-level CEL rules do not get in the way of status writes.
func testStatus(t *testing.T, c client.Client, ns string) {
	b := bucket("with-status")
	b.Namespace = ns
	if err := c.Create(t.Context(), b); err != nil {
		t.Fatalf("create: %v", err)
	}
	b.Status = kossv1alpha1.BucketStatus{
		Conditions: []metav1.Condition{{
			Type: kossv1alpha1.BucketReadyCondition, Status: metav1.ConditionTrue,
			Reason: kossv1alpha1.BucketProvisionedReason, Message: "bucket is ready",
			LastTransitionTime: metav1.Now(), ObservedGeneration: b.Generation,
		}},
		ObservedGeneration: b.Generation,
		BucketName:         b.BucketName(),
		Endpoint:           "http://demo.validation.svc:9000/with-status",
		ObjectCount:        2,
		Bytes:              10,
		ACL:                kossv1alpha1.BucketACLPublicRead,
		Tags:               map[string]string{"team": "media"},
		CORS:               []kossv1alpha1.BucketCORSRule{fullCORSRule(60)},
		CORSResponseVary:   true,
		Lifecycle: []kossv1alpha1.BucketLifecycleRule{{ID: "0123456789abcdef0123456789abcdef", Prefix: "tmp/", Status: "Enabled",
			Expiration: &kossv1alpha1.BucketLifecycleExpiration{Days: int32p(7)}}},
	}
	if err := c.Status().Update(t.Context(), b); err != nil {
		t.Fatalf("status update: %v", err)
	}
	got := &kossv1alpha1.Bucket{}
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(b), got); err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Status.BucketName != "with-status" || got.Status.ObjectCount != 2 || len(got.Status.Conditions) != 1 ||
		got.Status.ACL != kossv1alpha1.BucketACLPublicRead || got.Status.Tags["team"] != "media" ||
		len(got.Status.CORS) != 1 || *got.Status.CORS[0].MaxAgeSeconds != 60 || !got.Status.CORSResponseVary ||
		len(got.Status.Lifecycle) != 1 || *got.Status.Lifecycle[0].Expiration.Days != 7 {
		t.Fatalf("status after update = %+v", got.Status)
	}

	got.Status.ObjectCount = -1
	checkErr(t, c.Status().Update(t.Context(), got), "status.objectCount")

	k := accessKey("with-status")
	k.Namespace = ns
	if err := c.Create(t.Context(), k); err != nil {
		t.Fatalf("create: %v", err)
	}
	k.Status = kossv1alpha1.AccessKeyStatus{
		Conditions: []metav1.Condition{{
			Type: kossv1alpha1.AccessKeyReadyCondition, Status: metav1.ConditionFalse,
			Reason: kossv1alpha1.AccessKeyBucketNotFoundReason, Message: `bucket "photos" not found`,
			LastTransitionTime: metav1.Now(),
		}},
		AccessKeyID: "LTAI5tExampleKeyId",
		SecretName:  k.SecretName(),
	}
	if err := c.Status().Update(t.Context(), k); err != nil {
		t.Fatalf("status update: %v", err)
	}
}

// testSamples applies config/samples, exactly the files its kustomization lists, with
// strict field validation, and checks they describe what the quick start promises: a
// 3-replica Region with 1Gi per pod, a Bucket in it, and an AccessKey with readwrite on it.
func testSamples(t *testing.T, c client.Client) {
	ns := "samples"
	if err := c.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	var kustomization struct {
		Resources []string `json:"resources"`
	}
	if err := decodeFile(filepath.Join(samplesDir, "kustomization.yaml"), &kustomization); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]client.ObjectKey{}
	for _, file := range kustomization.Resources {
		u := &unstructured.Unstructured{}
		if err := decodeFile(filepath.Join(samplesDir, file), &u.Object); err != nil {
			t.Fatal(err)
		}
		u.SetNamespace(ns)
		if err := c.Create(t.Context(), u, client.FieldValidation(metav1.FieldValidationStrict)); err != nil {
			t.Fatalf("sample %s rejected: %v", file, err)
		}
		kinds[u.GetKind()] = client.ObjectKeyFromObject(u)
	}

	r, b, k := &kossv1alpha1.Region{}, &kossv1alpha1.Bucket{}, &kossv1alpha1.AccessKey{}
	for kind, obj := range map[string]client.Object{"Region": r, "Bucket": b, "AccessKey": k} {
		key, ok := kinds[kind]
		if !ok {
			t.Fatalf("config/samples has no %s", kind)
		}
		if err := c.Get(t.Context(), key, obj); err != nil {
			t.Fatalf("get sample %s: %v", kind, err)
		}
	}
	if r.Spec.Replicas != 3 || r.Spec.Storage.Size.Cmp(resource.MustParse("1Gi")) != 0 {
		t.Errorf("sample Region has %d replicas of %s, want 3 of 1Gi", r.Spec.Replicas, r.Spec.Storage.Size.String())
	}
	if b.Spec.RegionRef.Name != r.Name {
		t.Errorf("sample Bucket uses Region %q, want the sample Region %q", b.Spec.RegionRef.Name, r.Name)
	}
	if k.Spec.RegionRef.Name != r.Name {
		t.Errorf("sample AccessKey uses Region %q, want the sample Region %q", k.Spec.RegionRef.Name, r.Name)
	}
	want := []kossv1alpha1.BucketGrant{{Name: b.Name, Access: kossv1alpha1.BucketAccessReadWrite}}
	if len(k.Spec.Buckets) != 1 || k.Spec.Buckets[0] != want[0] {
		t.Errorf("sample AccessKey grants %+v, want %+v", k.Spec.Buckets, want)
	}
}

var errEmptyDocument = errors.New("empty YAML document")

func decodeFile(path string, into any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	if err := yaml.NewYAMLOrJSONDecoder(f, 4096).Decode(into); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	if m, ok := into.(*map[string]any); ok && len(*m) == 0 {
		return fmt.Errorf("decode %s: %w", path, errEmptyDocument)
	}
	return nil
}

// fullCORSRule is a rule with every field set, maxAge its maxAgeSeconds.
func fullCORSRule(maxAge int64) kossv1alpha1.BucketCORSRule {
	return kossv1alpha1.BucketCORSRule{
		AllowedOrigins: []kossv1alpha1.CORSPattern{"https://app.example.com", "http://localhost:*"},
		AllowedMethods: []kossv1alpha1.CORSMethod{"PUT", "GET"},
		AllowedHeaders: []kossv1alpha1.CORSPattern{"*", "x-oss-meta-*", "content-type"},
		ExposeHeaders:  []kossv1alpha1.CORSHeader{"ETag", "x-oss-request-id"},
		MaxAgeSeconds:  &maxAge,
	}
}
