package ossapi

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/object/objecttest"
)

// panickingEngine is a real single-node engine whose GetObjectFollow
// (what GetObject requests read through) panics for
// the key "panic", and serves the key "midway" with a body that panics
// while it is being sent.
type panickingEngine struct{ *object.Store }

func (p panickingEngine) GetObjectFollow(ctx context.Context, bucket, key string, sel object.Selector) (object.ObjectInfo, io.ReadCloser, error) {
	if key == "panic" {
		panic("bug")
	}
	info, body, err := p.Store.GetObjectFollow(ctx, bucket, key, sel)
	if err == nil && key == "midway" {
		_ = body.Close()
		body = io.NopCloser(panicReader{})
	}
	return info, body, err
}

type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("bug midway") }

// TestHandlerPanic checks that a panic before the response started is
// answered with a complete 500 InternalError that the client reads (not a
// cut connection), and that a panic after the status line went out cuts
// the connection, so that the client never takes the body as whole.
func TestHandlerPanic(t *testing.T) {
	e := newTestEnv(t, "", panickingEngine{objecttest.NewLocalStore(t, nil)})
	wantStatus(t, e.root(http.MethodPut, "/bkt", nil), http.StatusOK)
	wantStatus(t, e.root(http.MethodPut, "/bkt/midway", []byte("data")), http.StatusOK)

	for range 2 { // the connection stays usable after the 500
		wantErr(t, e.root(http.MethodGet, "/bkt/panic", nil), http.StatusInternalServerError, "InternalError")
	}
	if logs := e.logs.String(); !strings.Contains(logs, `"error":"panic: bug"`) {
		t.Errorf("the panic is not in the access log:\n%s", logs)
	}

	hr, err := http.NewRequest(http.MethodGet, e.srv.URL+"/bkt/midway", nil)
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set(testKeyHeader, rootKey)
	res, err := e.srv.Client().Do(hr)
	if err == nil {
		b, rerr := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if rerr == nil {
			t.Fatalf("a response cut midway read as complete: %d %q", res.StatusCode, b)
		}
	}
}
