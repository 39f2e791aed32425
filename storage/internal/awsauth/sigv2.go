package awsauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// AWS Signature Version 2 (docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html),
// still spoken by older tools (s3cmd, minio-go with V2 credentials, rclone
// with v2_auth): an HMAC-SHA1 over
//
//	Verb\nContent-MD5\nContent-Type\nDate\n<x-amz-* headers><resource>
//
// in "Authorization: AWS AK:sig", or with Expires in the Date position in a
// presigned URL (AWSAccessKeyId, Expires, Signature). It signs no body.

// subresourcesV2 are the query parameters V2 signs, in the order it lists
// them (alphabetical).
var subresourcesV2 = []string{
	"acl", "cors", "delete", "encryption", "legal-hold", "lifecycle", "location", "logging", "notification",
	"partNumber", "policy", "replication", "requestPayment", "response-cache-control", "response-content-disposition",
	"response-content-encoding", "response-content-language", "response-content-type", "response-expires",
	"retention", "select", "select-type", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning",
	"versions", "website",
}

// authenticateV2 verifies a SigV2 header or presigned request.
func (v *Verifier) authenticateV2(ctx context.Context, r *http.Request, q []queryPair, authz []string) (*Request, error) {
	var ak, sig, date string
	presigned := len(authz) == 0
	if presigned {
		ak, sig = firstValue(q, qV2AccessKey), firstValue(q, qV2Signature)
		exp := firstValue(q, "Expires")
		secs, err := strconv.ParseInt(exp, 10, 64)
		if err != nil || ak == "" || sig == "" {
			return nil, errQueryMalformed("Query-string authentication requires the AWSAccessKeyId, Expires and Signature parameters")
		}
		if v.now().Unix() > secs {
			return nil, errAccessDenied("Request has expired")
		}
		date = exp
	} else {
		cred, ok := strings.CutPrefix(authz[0], schemeV2)
		var found bool
		ak, sig, found = strings.Cut(strings.TrimSpace(cred), ":")
		if !ok || !found || ak == "" || sig == "" {
			return nil, errInvalidArgument("the AWS authorization header must be \"AWS <access key id>:<signature>\"")
		}
		t, _, err := requestTime(r)
		if err != nil {
			return nil, err
		}
		if d := v.now().Sub(t); d > v.maxSkew || d < -v.maxSkew {
			return nil, newError(CodeRequestTimeTooSkewed, http.StatusForbidden, "The difference between the request time and the server's time is too large.")
		}
		date = r.Header.Get("Date")
	}
	token := r.Header.Get(hSecToken)
	if presigned && token == "" {
		token = firstValue(q, "x-amz-security-token")
	}
	key, err := v.resolve(ctx, ak, token)
	if err != nil {
		return nil, err
	}
	// A '+' of a signature not escaped in a URL arrives as a space.
	provided := []byte(strings.ReplaceAll(sig, " ", "+"))
	cands := stringsToSignV2(r, q, date, presigned)
	matched := false
	for _, sts := range cands {
		m := hmac.New(sha1.New, []byte(key.Secret))
		m.Write([]byte(sts))
		if hmac.Equal([]byte(base64.StdEncoding.EncodeToString(m.Sum(nil))), provided) {
			matched = true
			break
		}
	}
	if !matched {
		return nil, errSignature(cands[0], "")
	}
	if key.Refused != nil {
		return nil, errInvalidKey()
	}
	body, err := newBody(r, r.Header.Get(hContentSHA), nil)
	if err != nil {
		return nil, err
	}
	return &Request{Principal: key.Principal, Presigned: presigned, Body: body}, nil
}

// stringsToSignV2 are the V2 strings to sign r may have been signed over:
// the resource as a path-style request (the path as sent) and, when the Host
// looks like "<bucket>.<domain>", as a virtual-host one ("/<bucket>" first);
// with x-amz-date, the Date position as sent and empty (the documented rule).
func stringsToSignV2(r *http.Request, q []queryPair, date string, presigned bool) []string {
	var amz strings.Builder
	names := []string{}
	vals := map[string][]string{}
	for k, vv := range r.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-") {
			names = append(names, lk)
			vals[lk] = append(vals[lk], vv...)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		clean := make([]string, len(vals[n]))
		for i, v := range vals[n] {
			clean[i] = collapseSpaces(v)
		}
		amz.WriteString(n + ":" + strings.Join(clean, ",") + "\n")
	}
	sub := ""
	for _, s := range subresourcesV2 {
		for _, p := range q {
			if p.key != s {
				continue
			}
			if sub == "" {
				sub = "?"
			} else {
				sub += "&"
			}
			sub += s
			if p.value != "" {
				sub += "=" + p.value
			}
			break
		}
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	resources := []string{path + sub}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if bucket, _, ok := strings.Cut(host, "."); ok && net.ParseIP(host) == nil && bucket != "" {
		resources = append(resources, "/"+bucket+path+sub)
	}
	dates := []string{date}
	if !presigned && r.Header.Get(hAmzDate) != "" && date != "" {
		dates = append(dates, "")
	}
	var out []string
	for _, d := range dates {
		for _, res := range resources {
			out = append(out, r.Method+"\n"+r.Header.Get(hContentMD5)+"\n"+r.Header.Get("Content-Type")+"\n"+d+"\n"+amz.String()+res)
		}
	}
	return out
}

func firstValue(q []queryPair, k string) string {
	for _, p := range q {
		if p.key == k {
			return p.value
		}
	}
	return ""
}
