package awsauth

import (
	"net/http"

	"github.com/koss-io/koss/storage/internal/awsauth/postpolicy"
)

// parsePostPolicy decodes and parses the base64 policy field (package
// postpolicy). Every failure is InvalidPolicyDocument: the document is the
// client's, not the form's.
func parsePostPolicy(b64 string) (*postpolicy.Policy, error) {
	p, err := postpolicy.Parse(b64)
	if err != nil {
		return nil, errPolicyDocument("%s", err.Error())
	}
	return p, nil
}

func errPolicyDocument(format string, args ...any) *Error {
	return newError(CodeInvalidPolicyDocument, http.StatusBadRequest, format, args...)
}

func errPolicy(format string, args ...any) *Error {
	return newError(CodeAccessDenied, http.StatusForbidden, "Invalid according to Policy: "+format, args...)
}
