package record

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestBucketCORSRecord: a bucket record keeps the lowest version its
// value needs (1 without tags or CORS, 2 with tags only, 3 with CORS);
// the old golden records decode without CORS; a version 3 record without
// rules, or relabelled from another version, does not decode.
func TestBucketCORSRecord(t *testing.T) {
	for name, want := range map[string]byte{"bucket": 1, "bucket tags": 2, "bucket cors": 3, "bucket cors tags": 3} {
		b := goldenValues()[name]
		if b[0] != want {
			t.Errorf("%s: record version %d, want %d", name, b[0], want)
		}
		v, err := DecodeBucket("b", b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if (v.CORS != nil) != (want == 3) {
			t.Errorf("%s: decoded CORS %+v", name, v.CORS)
		}
	}
	v, err := DecodeBucket("b", goldenValues()["bucket cors tags"])
	if err != nil || !reflect.DeepEqual(v.CORS, sampleCORS()) || v.Tags["env"] != "prod" || v.Objects != 1 {
		t.Errorf("bucket cors tags decodes to %+v, %v", v, err)
	}
	// Taking the CORS away re-encodes the old version and bytes.
	v.CORS = nil
	if got := EncodeBucket(&v); got[0] != bucketVersionTags {
		t.Errorf("without CORS: version %d", got[0])
	}

	noRules := EncodeBucket(&Bucket{Created: 1, CORS: &CORS{}})
	if _, err := DecodeBucket("b", noRules); err == nil {
		t.Error("a version 3 record without rules decoded")
	}
	relabelled := EncodeBucket(&Bucket{Created: 1, Tags: map[string]string{"k": "v"}})
	relabelled[0] = bucketVersionCORS
	if _, err := DecodeBucket("b", relabelled); err == nil {
		t.Error("a version 2 record relabelled 3 decoded")
	}
	// A command carrying a configuration without rules decodes, so that
	// Apply can refuse it rather than every replica stop.
	c, err := Decode(Encode(&SetBucketCors{Name: "b", CORS: &CORS{}}))
	if err != nil || c.(*SetBucketCors).CORS == nil {
		t.Errorf("SetBucketCors without rules decodes to %+v, %v", c, err)
	}
}

func TestCheckCORS(t *testing.T) {
	rule := func(f func(r *CORSRule)) *CORS {
		r := CORSRule{AllowedOrigins: []string{"http://a.example"}, AllowedMethods: []string{"GET"}}
		f(&r)
		return &CORS{Rules: []CORSRule{r}}
	}
	neg := int64(-1)
	eleven := &CORS{}
	for range 11 {
		eleven.Rules = append(eleven.Rules, CORSRule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}})
	}
	good := map[string]*CORS{
		"none":   nil,
		"sample": sampleCORS(),
		"one wildcard": rule(func(r *CORSRule) {
			r.AllowedOrigins = []string{"https://*.example"}
			r.AllowedHeaders = []string{"x-oss-*"}
		}),
		"every method": rule(func(r *CORSRule) { r.AllowedMethods = []string{"GET", "PUT", "DELETE", "POST", "HEAD"} }),
		"ten rules":    {Rules: eleven.Rules[:10]},
		"zero max age": rule(func(r *CORSRule) { r.MaxAgeSeconds = new(int64) }),
	}
	for name, c := range good {
		if err := CheckCORS(c); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := map[string]*CORS{
		"no rules":          {},
		"eleven rules":      eleven,
		"no origin":         rule(func(r *CORSRule) { r.AllowedOrigins = nil }),
		"no method":         rule(func(r *CORSRule) { r.AllowedMethods = nil }),
		"bad method":        rule(func(r *CORSRule) { r.AllowedMethods = []string{"OPTIONS"} }),
		"lower-case method": rule(func(r *CORSRule) { r.AllowedMethods = []string{"get"} }),
		"two origin stars":  rule(func(r *CORSRule) { r.AllowedOrigins = []string{"http://*.*.example"} }),
		"two header stars":  rule(func(r *CORSRule) { r.AllowedHeaders = []string{"x-*-*"} }),
		"expose star":       rule(func(r *CORSRule) { r.ExposeHeaders = []string{"*"} }),
		"empty origin":      rule(func(r *CORSRule) { r.AllowedOrigins = []string{""} }),
		"newline in header": rule(func(r *CORSRule) { r.ExposeHeaders = []string{"a\r\nb"} }),
		"negative max age":  rule(func(r *CORSRule) { r.MaxAgeSeconds = &neg }),
		"too many bytes":    rule(func(r *CORSRule) { r.AllowedHeaders = []string{strings.Repeat("h", MaxCORSBytes)} }),
	}
	for name, c := range bad {
		if err := CheckCORS(c); !errors.Is(err, ErrInvalidCORS) {
			t.Errorf("%s: CheckCORS = %v, want ErrInvalidCORS", name, err)
		}
	}
}
