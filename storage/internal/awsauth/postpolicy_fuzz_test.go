package awsauth

import (
	"encoding/base64"
	"testing"
)

// FuzzPostPolicy: no policy document may panic the parser or yield a
// negative length bound or a condition on an empty field name; every
// refusal is InvalidPolicyDocument. (Several ranges intersect, and an empty
// intersection, min > max, is kept: it refuses every file.)
func FuzzPostPolicy(f *testing.F) {
	for _, s := range []string{
		`{"expiration":"2030-01-01T00:00:00Z","conditions":[{"bucket":"b"},["starts-with","$key",""],["content-length-range",1,10]]}`,
		`{"expiration":"2030-01-01T00:00:00.000Z","conditions":[["eq","$x-amz-meta-a","v"],["content-length-range","0","5"],["content-length-range",2,9]]}`,
		`{"expiration":"x","conditions":[]}`, `[]`, `{"conditions":[[1,2,3]]}`,
		`{"expiration":"2030-01-01T00:00:00Z","conditions":[{"":""}]}`, // an empty field name: found by the fuzzer
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := parsePostPolicy(base64.StdEncoding.EncodeToString(doc))
		if err != nil {
			if code(err) != CodeInvalidPolicyDocument {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		if p.HasRange && (p.Min < 0 || p.Max < 0) {
			t.Fatalf("range %d-%d accepted", p.Min, p.Max)
		}
		for _, c := range p.Conditions {
			if c.Field == "" || (c.Op != "eq" && c.Op != "starts-with") {
				t.Fatalf("condition %+v accepted", c)
			}
		}
	})
}
