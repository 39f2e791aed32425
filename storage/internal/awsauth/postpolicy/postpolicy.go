package postpolicy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
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

// Condition is one parsed condition on a form field.
type Condition struct {
	Op    string // "eq" or "starts-with"
	Field string // lower case, without the "$"
	Value string
	// Text is the condition as "Policy Condition failed: ..." quotes it.
	// S3 writes ["eq", "$key", "a"]; we leave out the double quotes, as
	// MinIO does, because encoding/xml escapes them (&#34;) in an <Error>
	// and clients match the text (minio-go's functional suite removes
	// quotes, then looks for "[eq, $x-amz-checksum-crc32c, ...").
	Text string
}

// Policy is a parsed policy document.
type Policy struct {
	Expiration time.Time
	Conditions []Condition
	// the content-length-range, when HasRange
	HasRange bool
	Min, Max int64
}

// Parse decodes and parses the base64 policy field. Every failure is an
// *Error (InvalidPolicyDocument to S3): the document is the client's, not
// the form's.
func Parse(b64 string) (*Policy, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, invalid("the policy is not base64")
	}
	if len(raw) > maxPolicy {
		return nil, invalid("the policy is longer than %d bytes", maxPolicy)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc struct {
		Expiration *string           `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, invalid("Invalid JSON.")
	}
	if dec.More() {
		return nil, invalid("Invalid JSON: data after the policy document.")
	}
	if doc.Expiration == nil {
		return nil, invalid("Policy missing expiration.")
	}
	p := &Policy{}
	if p.Expiration, err = time.Parse(time.RFC3339Nano, *doc.Expiration); err != nil {
		return nil, invalid("Invalid Policy: Invalid 'expiration' value: '%s'", clip(*doc.Expiration))
	}
	if doc.Conditions == nil {
		return nil, invalid("Policy missing conditions.")
	}
	for _, c := range doc.Conditions {
		if err := p.addCondition(c); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// addCondition parses one element of "conditions".
func (p *Policy) addCondition(c json.RawMessage) error {
	c = bytes.TrimSpace(c)
	switch {
	case len(c) > 0 && c[0] == '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(c, &m); err != nil || len(m) == 0 {
			return invalid("Invalid Policy: Invalid Simple-Condition: %s", clip(string(c)))
		}
		for name, rv := range m {
			if name == "" {
				return invalid("Invalid Policy: Invalid Simple-Condition: empty field name")
			}
			var v string
			if err := json.Unmarshal(rv, &v); err != nil {
				return invalid("Invalid Policy: Invalid Simple-Condition: value of %q must be a string", clip(name))
			}
			p.Conditions = append(p.Conditions, Condition{Op: "eq", Field: strings.ToLower(name), Value: v,
				Text: fmt.Sprintf("[eq, $%s, %s]", name, v)})
		}
		return nil
	case len(c) > 0 && c[0] == '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(c, &elems); err != nil || len(elems) != 3 {
			return invalid("Invalid Policy: Invalid Condition: %s", clip(string(c)))
		}
		var op string
		if err := json.Unmarshal(elems[0], &op); err != nil {
			return invalid("Invalid Policy: Invalid Condition: %s", clip(string(c)))
		}
		op = strings.ToLower(op)
		if op == "content-length-range" {
			lo, err1 := policyInt(elems[1])
			hi, err2 := policyInt(elems[2])
			if err1 != nil || err2 != nil || lo < 0 || hi < lo {
				return invalid("Invalid Policy: Invalid content-length-range: %s", clip(string(c)))
			}
			if p.HasRange { // several ranges: the file must satisfy all
				lo, hi = max(lo, p.Min), min(hi, p.Max)
			}
			p.HasRange, p.Min, p.Max = true, lo, hi
			return nil
		}
		if op != "eq" && op != "starts-with" {
			return invalid("Invalid Policy: Invalid Condition: unknown operation %q", clip(op))
		}
		var name, value string
		if json.Unmarshal(elems[1], &name) != nil || json.Unmarshal(elems[2], &value) != nil {
			return invalid("Invalid Policy: Invalid Condition: %s", clip(string(c)))
		}
		field, ok := strings.CutPrefix(name, "$")
		if !ok || field == "" {
			return invalid("Invalid Policy: Invalid Condition: the field %q must start with '$'", clip(name))
		}
		p.Conditions = append(p.Conditions, Condition{Op: op, Field: strings.ToLower(field), Value: value,
			Text: fmt.Sprintf("[%s, %s, %s]", op, name, value)})
		return nil
	}
	return invalid("Invalid Policy: Invalid Condition: %s", clip(string(c)))
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

// Holds reports whether the form's value of c's field satisfies c (an
// absent field has the value "").
func (c Condition) Holds(value string) bool {
	if c.Op == "starts-with" {
		return strings.HasPrefix(value, c.Value)
	}
	return value == c.Value
}

// Match checks every condition against the form: value gives the form's
// value of a condition's field (lower case; "" when absent). It returns the
// first condition that does not hold, or else the fields of the form (in
// sorted order) that no condition names and exempt does not excuse.
func (p *Policy) Match(fields map[string]string, value func(field string) string, exempt func(field string) bool) (failed *Condition, extra []string) {
	covered := map[string]bool{}
	for i := range p.Conditions {
		c := &p.Conditions[i]
		if !c.Holds(value(c.Field)) {
			return c, nil
		}
		covered[c.Field] = true
	}
	for name := range fields {
		if !covered[name] && !exempt(name) {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	return nil, extra
}

// Error is a policy document Parse refuses; Message is the text S3's
// InvalidPolicyDocument error carries.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

func invalid(format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

// clip shortens client input quoted in an error (as awsauth's clip does).
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
