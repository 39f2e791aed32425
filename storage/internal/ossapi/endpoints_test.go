package ossapi

import (
	"encoding/xml"
	"net/url"
	"testing"

	"github.com/koss-io/koss/storage/internal/object/objecttest"
)

// TestBucketEndpoints: GetBucketInfo and ListBuckets report the
// configured intranet and extranet endpoints separately, and each one
// left unset falls back to the request's Host (the behaviour before the
// settings existed, which clients compare with their own endpoint).
func TestBucketEndpoints(t *testing.T) {
	type endpoints struct{ Intranet, Extranet string }
	read := func(e *testEnv) (info, list endpoints) {
		t.Helper()
		r := e.root("GET", "/bkt/?bucketInfo", nil)
		wantStatus(t, r, 200)
		var bi struct {
			Bucket struct{ IntranetEndpoint, ExtranetEndpoint string }
		}
		if err := xml.Unmarshal(r.body, &bi); err != nil {
			t.Fatal(err)
		}
		r = e.root("GET", "/", nil)
		wantStatus(t, r, 200)
		var lb struct {
			Buckets []struct{ IntranetEndpoint, ExtranetEndpoint string } `xml:"Buckets>Bucket"`
		}
		if err := xml.Unmarshal(r.body, &lb); err != nil || len(lb.Buckets) != 1 {
			t.Fatalf("ListBuckets %s: %v", r.body, err)
		}
		return endpoints{bi.Bucket.IntranetEndpoint, bi.Bucket.ExtranetEndpoint},
			endpoints{lb.Buckets[0].IntranetEndpoint, lb.Buckets[0].ExtranetEndpoint}
	}
	tests := map[string]struct {
		intranet, extranet string
		want               func(host string) endpoints
	}{
		"both set":      {"oss.koss-system.svc:9000", "203.0.113.7:443", func(string) endpoints { return endpoints{"oss.koss-system.svc:9000", "203.0.113.7:443"} }},
		"intranet only": {"oss.internal", "", func(h string) endpoints { return endpoints{"oss.internal", h} }},
		"extranet only": {"", "oss.example.com", func(h string) endpoints { return endpoints{h, "oss.example.com"} }},
		"neither":       {"", "", func(h string) endpoints { return endpoints{h, h} }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newTestEnvWith(t, "", objecttest.NewLocalStore(t, nil), func(c *Config) {
				c.IntranetEndpoint, c.ExtranetEndpoint = tc.intranet, tc.extranet
			})
			wantStatus(t, e.root("PUT", "/bkt", nil), 200)
			u, _ := url.Parse(e.srv.URL)
			want := tc.want(u.Host)
			info, list := read(e)
			if info != want || list != want {
				t.Fatalf("GetBucketInfo %+v, ListBuckets %+v; want %+v", info, list, want)
			}
		})
	}
}
