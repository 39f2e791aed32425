package ossapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/object/objecttest"
	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
)

// failingEngine is a real single-node engine with injectable failures of
// the reads authorization depends on.
type failingEngine struct {
	*object.Store
	mu                          sync.Mutex
	getKey, getBucket, headObjt error
}

func (f *failingEngine) fail(getKey, getBucket, headObject error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.getKey, f.getBucket, f.headObjt = getKey, getBucket, headObject
}

func (f *failingEngine) injected() (getKey, getBucket, headObject error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.getKey, f.getBucket, f.headObjt
}

func (f *failingEngine) GetKey(ctx context.Context, id string) (object.AccessKey, error) {
	if err, _, _ := f.injected(); err != nil {
		return object.AccessKey{}, err
	}
	return f.Store.GetKey(ctx, id)
}

func (f *failingEngine) GetBucket(ctx context.Context, name string) (object.BucketInfo, error) {
	if _, err, _ := f.injected(); err != nil {
		return object.BucketInfo{}, err
	}
	return f.Store.GetBucket(ctx, name)
}

func (f *failingEngine) HeadObject(ctx context.Context, bucket, key string) (object.ObjectInfo, error) {
	if _, _, err := f.injected(); err != nil {
		return object.ObjectInfo{}, err
	}
	return f.Store.HeadObject(ctx, bucket, key)
}

// TestUnavailableIsNeverAPermissionVerdict checks that when a read the
// authorization depends on fails because the Region cannot answer (no
// quorum, a read barrier that timed out), the client gets 503
// ServiceUnavailable and retries, never a 403 that reads as "you may not".
func TestUnavailableIsNeverAPermissionVerdict(t *testing.T) {
	eng := &failingEngine{Store: objecttest.NewLocalStore(t, nil)}
	env := newTestEnv(t, "", eng)
	ctx := context.Background()
	for _, b := range []string{"granted", "other"} {
		if err := eng.CreateBucket(ctx, b, object.BucketOptions{}); err != nil {
			t.Fatal(err)
		}
		if r := env.root(http.MethodPut, "/"+b+"/obj", []byte("x")); r.status != http.StatusOK {
			t.Fatalf("seed %s: %d %s", b, r.status, r.body)
		}
	}
	if _, err := eng.CreateKey(ctx, object.AccessKey{ID: "writer", Secret: "s", Grants: map[string]object.Access{"granted": object.AccessReadWrite}}); err != nil {
		t.Fatal(err)
	}
	unavailable := fmt.Errorf("%w: read barrier: no quorum", object.ErrUnavailable)
	tests := []struct {
		name                          string
		getKey, getBucket, headObject error
		method, path, key             string
		wantStatus                    int
		wantCode                      string
	}{
		// Baselines: without failures the verdicts are what they should be.
		{name: "granted write", method: http.MethodPut, path: "/granted/new", key: "writer", wantStatus: http.StatusOK},
		{name: "ungranted read", method: http.MethodGet, path: "/other/obj", key: "writer", wantStatus: http.StatusForbidden, wantCode: "AccessDenied"},
		{name: "anonymous read", method: http.MethodGet, path: "/other/obj", wantStatus: http.StatusForbidden, wantCode: "AccessDenied"},

		{name: "key lookup unavailable", getKey: unavailable, method: http.MethodPut, path: "/granted/new", key: "writer",
			wantStatus: http.StatusServiceUnavailable, wantCode: "ServiceUnavailable"},
		{name: "key lookup timed out", getKey: fmt.Errorf("read barrier: %w", context.DeadlineExceeded), method: http.MethodPut, path: "/granted/new", key: "writer",
			wantStatus: http.StatusServiceUnavailable, wantCode: "ServiceUnavailable"},
		{name: "bucket ACL unavailable", getBucket: unavailable, method: http.MethodGet, path: "/other/obj", key: "writer",
			wantStatus: http.StatusServiceUnavailable, wantCode: "ServiceUnavailable"},
		{name: "object ACL unavailable", headObject: unavailable, method: http.MethodGet, path: "/other/obj", key: "writer",
			wantStatus: http.StatusServiceUnavailable, wantCode: "ServiceUnavailable"},
		{name: "object ACL unavailable, anonymous", headObject: unavailable, method: http.MethodGet, path: "/other/obj",
			wantStatus: http.StatusServiceUnavailable, wantCode: "ServiceUnavailable"},
		{name: "object ACL of a missing object", headObject: object.ErrObjectNotFound, method: http.MethodGet, path: "/other/missing", key: "writer",
			wantStatus: http.StatusForbidden, wantCode: "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng.fail(tt.getKey, tt.getBucket, tt.headObject)
			defer eng.fail(nil, nil, nil)
			var body []byte
			if tt.method == http.MethodPut {
				body = []byte("data")
			}
			r := env.do(req{method: tt.method, path: tt.path, key: tt.key, body: body})
			if tt.wantCode == "" {
				if r.status != tt.wantStatus {
					t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, r.status, r.body, tt.wantStatus)
				}
				return
			}
			wantErr(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestKeyLookupPassesUnavailabilityThrough checks that the signature
// verifier's secret lookup reports a failed key read as that failure
// (answered 503), and only a missing key as an invalid access key id.
func TestKeyLookupPassesUnavailabilityThrough(t *testing.T) {
	eng := &failingEngine{Store: objecttest.NewLocalStore(t, nil)}
	if _, err := eng.CreateKey(context.Background(), object.AccessKey{ID: "writer", Secret: "s"}); err != nil {
		t.Fatal(err)
	}
	l := auth.NewKeyring(eng, rootKey, "rootsecret")
	tests := []struct {
		name       string
		id         string
		inject     error
		wantStatus int
	}{
		{"unavailable", "writer", fmt.Errorf("%w: no quorum", object.ErrUnavailable), http.StatusServiceUnavailable},
		{"timed out", "writer", context.DeadlineExceeded, http.StatusServiceUnavailable},
		{"missing key", "nobody", nil, http.StatusForbidden},
	}
	for _, tt := range tests {
		eng.fail(tt.inject, nil, nil)
		_, err := l.LookupKey(context.Background(), tt.id)
		if err == nil {
			t.Fatalf("%s: no error", tt.name)
		}
		if tt.inject != nil && !errors.Is(err, tt.inject) {
			t.Errorf("%s: error %v does not wrap %v", tt.name, err, tt.inject)
		}
		if got := osserr.From(fmt.Errorf("auth: access key id %q: %w", tt.id, err)); got.Status != tt.wantStatus {
			t.Errorf("%s: answered %d %s, want %d", tt.name, got.Status, got.Code, tt.wantStatus)
		}
	}
}
