package ossapi

import (
	"context"
	"net/http"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/object"
)

// headerVerifier authenticates by a test header naming the access key, and
// looks the key up in the engine's key store as the real verifier does
// (auth.Keyring), so that grants and lookup failures behave as in
// production. A few names stand for verification failures.
type headerVerifier struct{ keys *auth.Keyring }

const testKeyHeader = "X-Test-Access-Key"

func newHeaderVerifier(keys object.KeyStore) headerVerifier {
	return headerVerifier{keys: auth.NewKeyring(keys, rootKey, "root-secret")}
}

func (v headerVerifier) Authenticate(ctx context.Context, r *http.Request, _, _ string) (auth.Result, error) {
	id := r.Header.Get(testKeyHeader)
	switch id {
	case "":
		return auth.Result{}, auth.ErrAnonymous
	case "bad-signature":
		return auth.Result{}, &auth.SignatureError{AccessKeyID: id, StringToSign: "GET\n\n\n", SignatureProvided: "xyz"}
	case "skewed":
		return auth.Result{}, auth.ErrRequestTimeTooSkewed
	}
	k, err := v.keys.LookupKey(ctx, id)
	if err != nil {
		return auth.Result{}, err
	}
	return auth.Result{Principal: k.Principal, PayloadSHA256: r.Header.Get("X-Oss-Content-Sha256")}, nil
}
