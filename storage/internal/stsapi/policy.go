package stsapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/koss-io/koss/storage/internal/object"
)

// The session policy: the subset of RAM policy JSON that koss's grants can
// express. Anything else is refused rather than half understood, because
// a policy that is read wider than it was written would grant too much.

type policyDoc struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Effect   string      `json:"Effect"`
	Action   stringOrSet `json:"Action"`
	Resource stringOrSet `json:"Resource"`
}

// stringOrSet is a JSON string or array of strings, as RAM allows.
type stringOrSet []string

func (s *stringOrSet) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// actionAccess is what each OSS action needs of a bucket.
var actionAccess = map[string]object.Access{
	"oss:GetObject":    object.AccessRead,
	"oss:ListObjects":  object.AccessRead,
	"oss:PutObject":    object.AccessWrite,
	"oss:DeleteObject": object.AccessWrite,
	"oss:*":            object.AccessReadWrite,
}

func policyError(msg string) *stsError {
	return fail(http.StatusBadRequest, "InvalidParameter.PolicyGrammar", "The parameter Policy has not passed grammar check: %s", msg)
}

// parsePolicy turns a session policy into the grants it allows (always
// non-nil: a policy that allows nothing leaves the session no rights).
func parsePolicy(s string) (map[string]object.Access, error) {
	if len(s) > maxPolicyLen {
		return nil, policyError("longer than 2048 characters")
	}
	var doc policyDoc
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, policyError("not a policy document")
	}
	if doc.Version != "1" {
		return nil, policyError(`Version must be "1"`)
	}
	grants := map[string]object.Access{}
	for _, st := range doc.Statement {
		if st.Effect != "Allow" {
			return nil, policyError("only Allow statements are supported")
		}
		var read, write bool
		for _, a := range st.Action {
			acc, ok := actionAccess[a]
			if !ok {
				return nil, policyError("unsupported action " + a)
			}
			read = read || acc.AllowsRead()
			write = write || acc.AllowsWrite()
		}
		for _, r := range st.Resource {
			bucket, ok := bucketOf(r)
			if !ok {
				return nil, policyError("unsupported resource " + r + " (acs:oss:*:*:<bucket> or acs:oss:*:*:<bucket>/*)")
			}
			old := grants[bucket]
			if acc := object.AccessOf(read || old.AllowsRead(), write || old.AllowsWrite()); acc != "" {
				grants[bucket] = acc
			}
		}
	}
	return grants, nil
}

// bucketOf reads acs:oss:*:*:<bucket> and acs:oss:*:*:<bucket>/*; prefixes
// within a bucket are beyond what a grant can say.
func bucketOf(resource string) (string, bool) {
	rest, ok := strings.CutPrefix(resource, "acs:oss:*:*:")
	if !ok {
		return "", false
	}
	rest = strings.TrimSuffix(rest, "/*")
	if object.ValidBucketName(rest) != nil {
		return "", false
	}
	return rest, true
}
