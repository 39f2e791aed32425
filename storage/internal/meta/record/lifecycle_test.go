package record

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestBucketLifecycleRecord: a bucket with a lifecycle configuration is a
// version 4 record that keeps its tags and CORS; taking the lifecycle away
// re-encodes the older version and bytes; the old golden records decode
// without one; a version 4 record without rules does not decode.
func TestBucketLifecycleRecord(t *testing.T) {
	for name, want := range map[string]byte{"bucket": 1, "bucket tags": 2, "bucket cors": 3, "bucket lifecycle": 4, "bucket lifecycle cors tags": 4} {
		b := goldenValues()[name]
		if b[0] != want {
			t.Errorf("%s: record version %d, want %d", name, b[0], want)
		}
		v, err := DecodeBucket("b", b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if (v.Lifecycle != nil) != (want == 4) {
			t.Errorf("%s: decoded lifecycle %+v", name, v.Lifecycle)
		}
	}
	v, err := DecodeBucket("b", goldenValues()["bucket lifecycle cors tags"])
	if err != nil || !reflect.DeepEqual(v.Lifecycle, sampleLifecycle()) || !reflect.DeepEqual(v.CORS, sampleCORS()) ||
		v.Tags["env"] != "prod" || v.Objects != 1 {
		t.Fatalf("bucket lifecycle cors tags decodes to %+v, %v", v, err)
	}
	v.Lifecycle = nil
	if got := EncodeBucket(&v); string(got) != string(goldenValues()["bucket cors tags"]) {
		t.Errorf("without lifecycle: %x, want the version 3 bytes", got)
	}
	if _, err := DecodeBucket("b", EncodeBucket(&Bucket{Created: 1, Lifecycle: &Lifecycle{}})); err == nil {
		t.Error("a version 4 record without rules decoded")
	}
	relabelled := EncodeBucket(&Bucket{Created: 1, CORS: sampleCORS()})
	relabelled[0] = bucketVersionLifecycle
	if _, err := DecodeBucket("b", relabelled); err == nil {
		t.Error("a version 3 record relabelled 4 decoded")
	}
	// A command with a configuration that Apply must refuse still decodes.
	bad := &Lifecycle{Rules: []LifecycleRule{{ID: "x"}}}
	c, err := Decode(Encode(&SetBucketLifecycle{Name: "b", Lifecycle: bad}))
	if err != nil || !reflect.DeepEqual(c.(*SetBucketLifecycle).Lifecycle, bad) {
		t.Errorf("SetBucketLifecycle with a rule without action decodes to %+v, %v", c, err)
	}
	// Results carry the configuration back, CORS included.
	r := &Result{Bucket: &Bucket{Name: "b", CORS: sampleCORS(), Lifecycle: sampleLifecycle()}}
	got, err := DecodeResult(EncodeResult(r))
	if err != nil || !reflect.DeepEqual(got.Bucket, r.Bucket) {
		t.Errorf("result round trip = %+v, %v", got, err)
	}
}

func TestCheckLifecycle(t *testing.T) {
	days := func(n int64) LifecycleAction { return LifecycleAction{When: LifecycleDays, Value: n} }
	rule := func(f func(r *LifecycleRule)) *Lifecycle {
		r := LifecycleRule{ID: "r", Prefix: "p/", Enabled: true, Expiration: days(1)}
		f(&r)
		return &Lifecycle{Rules: []LifecycleRule{r}}
	}
	many := &Lifecycle{}
	for i := range MaxLifecycleRules + 1 {
		many.Rules = append(many.Rules, LifecycleRule{ID: fmt.Sprint(i), Expiration: days(1)})
	}
	good := map[string]*Lifecycle{
		"none":            nil,
		"sample":          sampleLifecycle(),
		"1000 rules":      {Rules: many.Rules[:MaxLifecycleRules]},
		"abort only":      rule(func(r *LifecycleRule) { r.Expiration, r.AbortUpload = LifecycleAction{}, days(3) }),
		"same prefix":     {Rules: []LifecycleRule{{ID: "a", Expiration: days(1)}, {ID: "b", Expiration: days(2)}}},
		"disabled":        rule(func(r *LifecycleRule) { r.Enabled = false }),
		"tags expiration": rule(func(r *LifecycleRule) { r.Tags = map[string]string{"k": "v"} }),
		"date in past":    rule(func(r *LifecycleRule) { r.Expiration = LifecycleAction{When: LifecycleDate, Value: 1} }),
	}
	for name, l := range good {
		if err := CheckLifecycle(l); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := map[string]*Lifecycle{
		"no rules":        {},
		"1001 rules":      many,
		"empty id":        rule(func(r *LifecycleRule) { r.ID = "" }),
		"long id":         rule(func(r *LifecycleRule) { r.ID = strings.Repeat("i", 256) }),
		"duplicate id":    {Rules: []LifecycleRule{{ID: "a", Expiration: days(1)}, {ID: "a", Prefix: "x", Expiration: days(2)}}},
		"long prefix":     rule(func(r *LifecycleRule) { r.Prefix = strings.Repeat("p", 1025) }),
		"no action":       rule(func(r *LifecycleRule) { r.Expiration = LifecycleAction{} }),
		"zero days":       rule(func(r *LifecycleRule) { r.Expiration = days(0) }),
		"negative days":   rule(func(r *LifecycleRule) { r.AbortUpload = days(-1) }),
		"abort by date":   rule(func(r *LifecycleRule) { r.AbortUpload = LifecycleAction{When: LifecycleDate, Value: 5} }),
		"unknown when":    rule(func(r *LifecycleRule) { r.Expiration = LifecycleAction{When: 9, Value: 5} }),
		"value no when":   rule(func(r *LifecycleRule) { r.AbortUpload = LifecycleAction{Value: 5} }),
		"tags with abort": rule(func(r *LifecycleRule) { r.Tags, r.AbortUpload = map[string]string{"k": "v"}, days(1) }),
		"bad tag":         rule(func(r *LifecycleRule) { r.Tags = map[string]string{"": "v"} }),
	}
	for name, l := range bad {
		if err := CheckLifecycle(l); !errors.Is(err, ErrInvalidLifecycle) {
			t.Errorf("%s: CheckLifecycle = %v, want ErrInvalidLifecycle", name, err)
		}
	}
}
