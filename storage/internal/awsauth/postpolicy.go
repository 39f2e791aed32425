package awsauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The POST policy document (docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html):
// base64 of a JSON object with "expiration" (ISO 8601, UTC) and
// "conditions", each one of
//
//	{"acl": "public-read"}                 exact match (one or more fields)
//	["eq", "$acl", "public-read"]          exact match
//	["starts-with", "$key", "user/eric/"]  prefix ("" matches anything)
//	["content-length-range", 1, 1048576]   bounds of the file's length
//
// Field names are case-insensitive; values are compared byte for byte.

// maxPolicy bounds the decoded policy document we parse (S3 bounds the form
// fields before the file to 20 KB, the policy among them).
const maxPolicy = 20 << 10

// policyCondition is one parsed condition on a form field.
type policyCondition struct {
	op    string // "eq" or "starts-with"
	field string // lower case, without the "$"
	value string
	// text is the condition as "Policy Condition failed: ..." quotes it.
	// S3 writes ["eq", "$key", "a"]; we leave out the double quotes, as
	// MinIO does, because encoding/xml escapes them (&#34;) in an <Error>
	// and clients match the text (minio-go's functional suite removes
	// quotes, then looks for "[eq, $x-amz-checksum-crc32c, ...").
	text string
}

// postPolicy is a parsed policy document.
type postPolicy struct {
	expiration time.Time
	conditions []policyCondition
	// the content-length-range, when hasRange
	hasRange bool
	min, max int64
}

// parsePostPolicy decodes and parses the base64 policy field. Every failure
// is InvalidPolicyDocument: the document is the client's, not the form's.
func parsePostPolicy(b64 string) (*postPolicy, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errPolicyDocument("the policy is not base64")
	}
	if len(raw) > maxPolicy {
		return nil, errPolicyDocument("the policy is longer than %d bytes", maxPolicy)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc struct {
		Expiration *string           `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, errPolicyDocument("Invalid JSON.")
	}
	if dec.More() {
		return nil, errPolicyDocument("Invalid JSON: data after the policy document.")
	}
	if doc.Expiration == nil {
		return nil, errPolicyDocument("Policy missing expiration.")
	}
	p := &postPolicy{}
	if p.expiration, err = time.Parse(time.RFC3339Nano, *doc.Expiration); err != nil {
		return nil, errPolicyDocument("Invalid Policy: Invalid 'expiration' value: '%s'", clip(*doc.Expiration))
	}
	if doc.Conditions == nil {
		return nil, errPolicyDocument("Policy missing conditions.")
	}
	for _, c := range doc.Conditions {
		if err := p.addCondition(c); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// addCondition parses one element of "conditions".
func (p *postPolicy) addCondition(c json.RawMessage) error {
	c = bytes.TrimSpace(c)
	switch {
	case len(c) > 0 && c[0] == '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(c, &m); err != nil || len(m) == 0 {
			return errPolicyDocument("Invalid Policy: Invalid Simple-Condition: %s", clip(string(c)))
		}
		for name, rv := range m {
			var v string
			if err := json.Unmarshal(rv, &v); err != nil {
				return errPolicyDocument("Invalid Policy: Invalid Simple-Condition: value of %q must be a string", clip(name))
			}
			p.conditions = append(p.conditions, policyCondition{op: "eq", field: strings.ToLower(name), value: v,
				text: fmt.Sprintf("[eq, $%s, %s]", name, v)})
		}
		return nil
	case len(c) > 0 && c[0] == '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(c, &elems); err != nil || len(elems) != 3 {
			return errPolicyDocument("Invalid Policy: Invalid Condition: %s", clip(string(c)))
		}
		var op string
		if err := json.Unmarshal(elems[0], &op); err != nil {
			return errPolicyDocument("Invalid Policy: Invalid Condition: %s", clip(string(c)))
		}
		op = strings.ToLower(op)
		if op == "content-length-range" {
			lo, err1 := policyInt(elems[1])
			hi, err2 := policyInt(elems[2])
			if err1 != nil || err2 != nil || lo < 0 || hi < lo {
				return errPolicyDocument("Invalid Policy: Invalid content-length-range: %s", clip(string(c)))
			}
			if p.hasRange { // several ranges: the file must satisfy all
				lo, hi = max(lo, p.min), min(hi, p.max)
			}
			p.hasRange, p.min, p.max = true, lo, hi
			return nil
		}
		if op != "eq" && op != "starts-with" {
			return errPolicyDocument("Invalid Policy: Invalid Condition: unknown operation %q", clip(op))
		}
		var name, value string
		if json.Unmarshal(elems[1], &name) != nil || json.Unmarshal(elems[2], &value) != nil {
			return errPolicyDocument("Invalid Policy: Invalid Condition: %s", clip(string(c)))
		}
		field, ok := strings.CutPrefix(name, "$")
		if !ok || field == "" {
			return errPolicyDocument("Invalid Policy: Invalid Condition: the field %q must start with '$'", clip(name))
		}
		p.conditions = append(p.conditions, policyCondition{op: op, field: strings.ToLower(field), value: value,
			text: fmt.Sprintf("[%s, %s, %s]", op, name, value)})
		return nil
	}
	return errPolicyDocument("Invalid Policy: Invalid Condition: %s", clip(string(c)))
}

// policyInt reads a content-length-range bound: a JSON integer, or a string
// holding one (some clients quote them).
func policyInt(raw json.RawMessage) (int64, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return strconv.ParseInt(n.String(), 10, 64)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
}

// holds reports whether the form's value of c's field satisfies c (an
// absent field has the value "").
func (c policyCondition) holds(value string) bool {
	if c.op == "starts-with" {
		return strings.HasPrefix(value, c.value)
	}
	return value == c.value
}

func errPolicyDocument(format string, args ...any) *Error {
	return newError(CodeInvalidPolicyDocument, http.StatusBadRequest, format, args...)
}

func errPolicy(format string, args ...any) *Error {
	return newError(CodeAccessDenied, http.StatusForbidden, "Invalid according to Policy: "+format, args...)
}
