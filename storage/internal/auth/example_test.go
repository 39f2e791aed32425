package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/koss-io/koss/storage/internal/auth"
)

// The HTTP layer resolves bucket and key first (path or virtual-host style),
// then authenticates, then wraps the body when a V4 request signed it.
func ExampleVerifier_Authenticate() {
	v := auth.NewVerifier(auth.Config{Lookup: auth.StaticKeys{"AKID": "secret"}})

	// A client (here: the package's own helper) signs a request...
	r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:9000/bucket/dir/a%20b.txt", nil)
	auth.SignRequestV4(r, "bucket", "dir/a b.txt", "AKID", "secret", "local", time.Now())

	// ...and the server verifies it.
	res, err := v.Authenticate(context.Background(), r, "bucket", "dir/a b.txt")
	var se *auth.SignatureError
	switch {
	case errors.Is(err, auth.ErrAnonymous):
		fmt.Println("anonymous: public bucket or 403 AccessDenied")
	case errors.As(err, &se):
		fmt.Println("403 SignatureDoesNotMatch, StringToSign:", se.StringToSign)
	case err != nil:
		fmt.Println("rejected:", err)
	default:
		body := res.PayloadReader(r.Body) // enforces x-oss-content-sha256 if signed
		_ = body
		fmt.Println(res.Principal.AccessKeyID, res.Scheme)
	}
	// Output: AKID OSS4-HMAC-SHA256
}
