package awsauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/checksum"
)

// POST Object (browser form uploads: minio-go PresignedPostPolicy, boto3
// generate_presigned_post): the request is multipart/form-data whose fields
// before the file carry a base64 policy document and its signature (SigV4:
// hex HMAC-SHA256 of the base64 policy with the scope's signing key; SigV2:
// base64 HMAC-SHA1 of it with the secret). Nothing of the HTTP request
// itself is signed: the policy's conditions say which field values are
// allowed, and every field the form carries must be named by a condition.

// PostForm is a POST Object request as VerifyPostPolicy needs it.
type PostForm struct {
	// Bucket is the request's bucket (from the path or the virtual host):
	// the value of the policy's "bucket" conditions.
	Bucket string
	// Fields are the form fields before the file, by name as sent (names
	// are case-insensitive: "Policy" and "policy" are one field; give each
	// field once). The file itself is not among them.
	Fields map[string]string
	// FileName is the file part's filename parameter, substituted for
	// ${filename} in the key (directories a browser may include are cut).
	FileName string
}

// PostRequest is a verified POST Object request: what to store, and the
// limits the file must meet (enforced by Body).
type PostRequest struct {
	// Principal is who signed the policy (zero when Anonymous).
	Principal auth.Principal
	// Anonymous is true for a form without policy or signature (allowed only
	// where anonymous writes are; the caller decides).
	Anonymous bool
	// Region is the SigV4 credential scope's region ("" for SigV2 and
	// anonymous forms).
	Region string
	// Key is the object key, ${filename} substituted.
	Key string
	// Header holds the form fields that are object headers, under their
	// header names: Content-Type, Cache-Control, Content-Disposition,
	// Content-Encoding, Content-Language, Expires, X-Amz-Meta-*, X-Amz-Acl
	// (from "acl"), X-Amz-Storage-Class, X-Amz-Checksum-*, and any other
	// x-amz-* field that is not part of the signature. The handler reads the
	// object's metadata from it as from a PutObject's headers.
	Header http.Header
	// Metadata is the x-amz-meta-* fields, names lower-cased and without
	// the prefix (the same values as in Header).
	Metadata map[string]string
	// Tagging is the "tagging" field (an XML <Tagging> document), "" if none.
	Tagging string
	// SuccessActionStatus is the status to answer with: 200, 201 (with a
	// <PostResponse> body) or 204, the default when the field is absent or
	// another value (S3's rule).
	SuccessActionStatus int
	// SuccessActionRedirect is the success_action_redirect (or redirect)
	// field, "" if none.
	SuccessActionRedirect string
	// HasLengthRange, MinLength and MaxLength are the policy's
	// content-length-range; Body enforces them.
	HasLengthRange       bool
	MinLength, MaxLength int64
	// ChecksumAlgorithm and ChecksumValue are the form's x-amz-checksum-*
	// field, if any; Body verifies the file against it.
	ChecksumAlgorithm checksum.Algorithm
	ChecksumValue     string
}

// Form field names (lower case) with a role in the signature or the request.
const (
	fPolicy        = "policy"
	fKey           = "key"
	fFile          = "file"
	fBucket        = "bucket"
	fV4Algorithm   = "x-amz-algorithm"
	fV4Credential  = "x-amz-credential"
	fV4Date        = "x-amz-date"
	fV4Signature   = "x-amz-signature"
	fSecToken      = "x-amz-security-token"
	fV2AccessKey   = "awsaccesskeyid"
	fV2Signature   = "signature"
	fStatus        = "success_action_status"
	fRedirect      = "success_action_redirect"
	fRedirectOld   = "redirect"
	fTagging       = "tagging"
	fACL           = "acl"
	ignoredPrefix  = "x-ignore-"
	filenameMarker = "${filename}"
)

// VerifyPostPolicy authenticates a POST Object form: the signature over the
// policy (SigV4 or SigV2, by the fields present), the access key (with a
// security token for temporary credentials), the policy's expiration, and
// every condition of the policy against the form; and every field of the
// form must be covered by a condition (except the policy, the signature,
// the file and x-ignore-* fields). A form with neither policy nor signature
// fields is Anonymous and checked for nothing but its key.
//
// Failures are *Error with S3's codes: InvalidArgument (a required field
// missing or repeated), InvalidPolicyDocument (the policy is not a valid
// document), SignatureDoesNotMatch, InvalidAccessKeyId, AccessDenied
// "Invalid according to Policy: ..." (expired, a condition failed, an extra
// field). The length range is checked by the Body (EntityTooSmall,
// EntityTooLarge). A key lookup that fails for another reason is returned
// wrapped, for a 5xx answer.
func (v *Verifier) VerifyPostPolicy(ctx context.Context, form PostForm) (*PostRequest, error) {
	fields := make(map[string]string, len(form.Fields))
	for name, value := range form.Fields {
		lower := strings.ToLower(name)
		if _, dup := fields[lower]; dup {
			return nil, errInvalidArgument("the form field %q is repeated", clip(name))
		}
		fields[lower] = value
	}
	if _, ok := fields[fKey]; !ok {
		return nil, errInvalidArgument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.")
	}
	if b, ok := fields[fBucket]; ok && b != form.Bucket {
		return nil, errInvalidArgument("the bucket field %q is not the bucket of the request", clip(b))
	}
	req := &PostRequest{Key: substituteFilename(fields[fKey], form.FileName)}
	if req.Key == "" {
		return nil, errInvalidArgument("User key must have a length greater than 0.")
	}

	_, hasPolicy := fields[fPolicy]
	v4 := has(fields, fV4Algorithm, fV4Credential, fV4Signature, fV4Date)
	v2 := has(fields, fV2AccessKey, fV2Signature)
	switch {
	case v4 && v2:
		return nil, errInvalidArgument("Only one auth mechanism allowed; the form has both x-amz-signature and AWSAccessKeyId/signature fields")
	case !hasPolicy && !v4 && !v2:
		req.Anonymous = true
		fillPostRequest(req, fields)
		if err := checkPostChecksum(req); err != nil {
			return nil, err
		}
		return req, nil
	case !v4 && !v2:
		return nil, errInvalidArgument("Bucket POST with a policy must contain the x-amz-algorithm, x-amz-credential, x-amz-date and x-amz-signature fields (or AWSAccessKeyId and signature)")
	case !hasPolicy:
		return nil, errInvalidArgument("Bucket POST must contain a field named 'policy' when it is signed")
	}

	policyB64 := fields[fPolicy]
	var err error
	if v4 {
		err = v.checkPostV4(ctx, fields, policyB64, req)
	} else {
		err = v.checkPostV2(ctx, fields, policyB64, req)
	}
	if err != nil {
		return nil, err
	}

	p, err := parsePostPolicy(policyB64)
	if err != nil {
		return nil, err
	}
	if !v.now().Before(p.Expiration) {
		return nil, errPolicy("Policy expired.")
	}
	// Conditions on the key apply to it after ${filename} is substituted.
	fields[fKey] = req.Key
	value := func(field string) string {
		if field == fBucket {
			return form.Bucket
		}
		return fields[field]
	}
	failed, extra := p.Match(fields, value, exemptFromPolicy)
	if failed != nil {
		return nil, errPolicy("Policy Condition failed: %s", failed.Text)
	}
	if len(extra) > 0 {
		return nil, errPolicy("Extra input fields: %s", strings.Join(extra, ", "))
	}
	req.HasLengthRange, req.MinLength, req.MaxLength = p.HasRange, p.Min, p.Max
	fillPostRequest(req, fields)
	if err := checkPostChecksum(req); err != nil {
		return nil, err
	}
	return req, nil
}

// checkPostV4 verifies a SigV4 form signature and fills req's principal.
func (v *Verifier) checkPostV4(ctx context.Context, fields map[string]string, policyB64 string, req *PostRequest) error {
	for _, f := range []string{fV4Algorithm, fV4Credential, fV4Date, fV4Signature} {
		if _, ok := fields[f]; !ok {
			return errInvalidArgument("Bucket POST signed with %s must contain the field %s", algorithmV4, f)
		}
	}
	if fields[fV4Algorithm] != algorithmV4 {
		return errInvalidArgument("the x-amz-algorithm field only supports %q", algorithmV4)
	}
	cred, err := parseCredential(fields[fV4Credential], credential{}, errInvalidArgument)
	if err != nil {
		return err
	}
	t, err := time.Parse(iso8601Basic, fields[fV4Date])
	if err != nil {
		return errInvalidArgument("the x-amz-date field must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	if t.UTC().Format(scopeDateFmt) != cred.date {
		return errInvalidArgument("the credential date %s does not match the x-amz-date field %s", cred.date, clip(fields[fV4Date]))
	}
	sig, err := parseSignature(fields[fV4Signature], errInvalidArgument)
	if err != nil {
		return err
	}
	key, err := v.resolve(ctx, cred.accessKeyID, fields[fSecToken])
	if err != nil {
		return err
	}
	signing := signingKey(key.Secret, cred.date, cred.region, cred.service)
	if !equalSig(hmacHex(signing, policyB64), sig) {
		return errSignature(policyB64, "")
	}
	if key.Refused != nil {
		return errInvalidKey()
	}
	req.Principal, req.Region = key.Principal, cred.region
	return nil
}

// checkPostV2 verifies a SigV2 form signature and fills req's principal.
func (v *Verifier) checkPostV2(ctx context.Context, fields map[string]string, policyB64 string, req *PostRequest) error {
	ak, sig := fields[fV2AccessKey], fields[fV2Signature]
	if ak == "" || sig == "" {
		return errInvalidArgument("Bucket POST signed with Signature Version 2 must contain the AWSAccessKeyId and signature fields")
	}
	key, err := v.resolve(ctx, ak, fields[fSecToken])
	if err != nil {
		return err
	}
	m := hmac.New(sha1.New, []byte(key.Secret))
	m.Write([]byte(policyB64))
	if !hmac.Equal([]byte(base64.StdEncoding.EncodeToString(m.Sum(nil))), []byte(sig)) {
		return errSignature(policyB64, "")
	}
	if key.Refused != nil {
		return errInvalidKey()
	}
	req.Principal = key.Principal
	return nil
}

// exemptFromPolicy is true for the fields no condition needs to name.
func exemptFromPolicy(name string) bool {
	switch name {
	case fPolicy, fV4Signature, fFile, fV2AccessKey, fV2Signature:
		return true
	}
	return strings.HasPrefix(name, ignoredPrefix)
}

// objectHeaders are the form fields stored as the object's headers, with
// their canonical header names.
var objectHeaders = map[string]string{
	"content-type":        "Content-Type",
	"cache-control":       "Cache-Control",
	"content-disposition": "Content-Disposition",
	"content-encoding":    "Content-Encoding",
	"content-language":    "Content-Language",
	"expires":             "Expires",
	fACL:                  "X-Amz-Acl",
}

// fillPostRequest copies the non-signature fields into req.
func fillPostRequest(req *PostRequest, fields map[string]string) {
	req.Header = http.Header{}
	for name, value := range fields {
		if h, ok := objectHeaders[name]; ok {
			req.Header.Set(h, value)
			continue
		}
		if !strings.HasPrefix(name, "x-amz-") {
			continue
		}
		switch name {
		case fV4Algorithm, fV4Credential, fV4Date, fV4Signature, fSecToken:
			continue
		}
		req.Header.Set(name, value)
		if suffix, ok := strings.CutPrefix(name, "x-amz-meta-"); ok && suffix != "" {
			if req.Metadata == nil {
				req.Metadata = map[string]string{}
			}
			req.Metadata[suffix] = value
		}
	}
	req.Tagging = fields[fTagging]
	req.SuccessActionRedirect = fields[fRedirect]
	if req.SuccessActionRedirect == "" {
		req.SuccessActionRedirect = fields[fRedirectOld]
	}
	req.SuccessActionStatus = http.StatusNoContent
	switch s, _ := strconv.Atoi(fields[fStatus]); s {
	case http.StatusOK, http.StatusCreated:
		req.SuccessActionStatus = s
	}
}

// checkPostChecksum reads the form's x-amz-checksum-* field into req.
func checkPostChecksum(req *PostRequest) error {
	alg, value, err := checksum.FromHeaders(req.Header)
	if err != nil {
		return errInvalidRequest("%v", err)
	}
	if named := req.Header.Get("X-Amz-Checksum-Algorithm"); named != "" && alg != "" && !strings.EqualFold(named, string(alg)) {
		return errInvalidRequest("x-amz-checksum-algorithm %s does not match the %s field", clip(named), alg.Header())
	}
	req.ChecksumAlgorithm, req.ChecksumValue = alg, value
	return nil
}

// substituteFilename replaces every ${filename} in key with the file's
// name without any directory part.
func substituteFilename(key, filename string) string {
	if !strings.Contains(key, filenameMarker) {
		return key
	}
	if i := strings.LastIndexAny(filename, `/\`); i >= 0 {
		filename = filename[i+1:]
	}
	return strings.ReplaceAll(key, filenameMarker, filename)
}

func has(fields map[string]string, names ...string) bool {
	for _, n := range names {
		if _, ok := fields[n]; ok {
			return true
		}
	}
	return false
}

// Body returns the reader the handler stores instead of the form's file: it
// fails the read that passes the policy's content-length-range maximum
// (EntityTooLarge), the read that reaches the end below its minimum
// (EntityTooSmall) or with a file that does not match the form's
// x-amz-checksum-* field (BadDigest), and returns io.EOF only when all held,
// like the Body of any other request. Checksum reports the verified value.
func (p *PostRequest) Body(file io.Reader) *Body {
	b := &Body{src: file, size: -1, hasRange: p.HasLengthRange, minLen: p.MinLength, maxLen: p.MaxLength}
	if p.ChecksumAlgorithm != "" {
		b.alg, b.want, b.sum = p.ChecksumAlgorithm, p.ChecksumValue, p.ChecksumAlgorithm.New()
	}
	return b
}
