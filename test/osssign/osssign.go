package osssign

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"sort"
	"strings"
	"time"
)

// subResources are the query parameters that enter the V1 canonical resource
// (the subset tests and benchmarks use).
var subResources = map[string]bool{"acl": true, "uploads": true, "location": true, "delete": true, "append": true,
	"position": true, "objectMeta": true, "bucketInfo": true, "continuation-token": true, "versions": true,
	"versionId": true, "response-content-type": true, "response-cache-control": true, "response-content-disposition": true}

// SignV1 sets the Date (when absent) and Authorization headers of req for the
// given decoded bucket and key ("" for bucket- and service-level requests).
func SignV1(req *http.Request, bucket, key, keyID, secret string) {
	if req.Header.Get("Date") == "" {
		req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	resource := "/"
	if bucket != "" {
		resource += bucket + "/" + key
	}
	var sub []string
	for k, vs := range req.URL.Query() {
		if !subResources[k] {
			continue
		}
		if len(vs) == 0 || vs[0] == "" {
			sub = append(sub, k)
		} else {
			sub = append(sub, k+"="+vs[0])
		}
	}
	sort.Strings(sub)
	if len(sub) > 0 {
		resource += "?" + strings.Join(sub, "&")
	}
	var ossHeaders []string
	for k := range req.Header {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-oss-") {
			ossHeaders = append(ossHeaders, lk+":"+strings.TrimSpace(req.Header.Get(k))+"\n")
		}
	}
	sort.Strings(ossHeaders)
	stringToSign := req.Method + "\n" + req.Header.Get("Content-MD5") + "\n" + req.Header.Get("Content-Type") + "\n" +
		req.Header.Get("Date") + "\n" + strings.Join(ossHeaders, "") + resource
	req.Header.Set("Authorization", "OSS "+keyID+":"+Signature(secret, stringToSign))
}

// Signature is base64(HMAC-SHA1(secret, stringToSign)), the V1 signature.
func Signature(secret, stringToSign string) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
