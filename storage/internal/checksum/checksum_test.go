package checksum

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

// TestKnownValues pins each algorithm to published check values ("123456789"
// is the standard CRC check input; the SHA values are FIPS 180's "abc"), so a
// wrong table or polynomial can never pass.
func TestKnownValues(t *testing.T) {
	for _, c := range []struct {
		a     Algorithm
		input string
		hex   string
	}{
		{CRC32, "123456789", "cbf43926"},
		{CRC32C, "123456789", "e3069283"},
		{CRC64NVME, "123456789", "ae8b14860a799888"},
		{SHA1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{MD5, "abc", "900150983cd24fb0d6963f7d28e17f72"},
		{SHA512, "abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
		// xxHash's own reference values for empty input, seed 0 (XXH64,
		// XXH3_64bits, XXH3_128bits with the high half first).
		{XXHASH64, "", "ef46db3751d8e999"},
		{XXHASH3, "", "2d06800538d394c2"},
		{XXHASH128, "", "99aa06d3014798d86001c324468d497f"},
	} {
		h := c.a.New()
		h.Write([]byte(c.input))
		if got := h.Sum(nil); !bytes.Equal(got, mustHex(t, c.hex)) {
			t.Errorf("%s(%q) = %x, want %s", c.a, c.input, got, c.hex)
		}
		if len(h.Sum(nil)) != c.a.Size() {
			t.Errorf("%s: Size %d, sum has %d bytes", c.a, c.a.Size(), len(h.Sum(nil)))
		}
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			default:
				v |= byte(c-'a') + 10
			}
		}
		b[i] = v
	}
	return b
}

func TestParseAndHeader(t *testing.T) {
	for _, a := range All {
		for _, s := range []string{string(a), strings.ToLower(string(a))} {
			if got, ok := Parse(s); !ok || got != a {
				t.Errorf("Parse(%q) = %q, %v", s, got, ok)
			}
		}
		if got, ok := FromTrailerName(a.Header()); !ok || got != a {
			t.Errorf("FromTrailerName(%q) = %q, %v", a.Header(), got, ok)
		}
	}
	if CRC64NVME.Header() != "x-amz-checksum-crc64nvme" {
		t.Errorf("header %q", CRC64NVME.Header())
	}
	for _, s := range []string{"", "MD4", "SHA384", "XXHASH", "crc", "CRC64"} {
		if _, ok := Parse(s); ok {
			t.Errorf("Parse(%q) accepted an algorithm S3 does not verify", s)
		}
	}
}

func TestFromHeaders(t *testing.T) {
	crc := CRC32.Sum([]byte("hello"))
	h := http.Header{}
	h.Set("X-Amz-Checksum-Mode", "ENABLED")
	h.Set("X-Amz-Checksum-Type", "COMPOSITE")
	if a, v, err := FromHeaders(h); a != "" || v != "" || err != nil {
		t.Fatalf("mode/type headers taken for a checksum: %q %q %v", a, v, err)
	}
	h.Set("X-Amz-Checksum-Crc32", crc)
	if a, v, err := FromHeaders(h); a != CRC32 || v != crc || err != nil {
		t.Fatalf("FromHeaders = %q %q %v", a, v, err)
	}
	for name, bad := range map[string]http.Header{
		"two algorithms": {"X-Amz-Checksum-Crc32": {crc}, "X-Amz-Checksum-Sha1": {SHA1.Sum(nil)}},
		"repeated":       {"X-Amz-Checksum-Crc32": {crc, crc}},
		"unknown":        {"X-Amz-Checksum-Md4": {crc}},
		"not base64":     {"X-Amz-Checksum-Crc32": {"%%%"}},
		"wrong size":     {"X-Amz-Checksum-Crc32": {base64.StdEncoding.EncodeToString([]byte("12345"))}},
	} {
		if a, _, err := FromHeaders(bad); err == nil {
			t.Errorf("%s: accepted as %q", name, a)
		}
	}
}

// TestComposite checks the multipart form: checksum of the concatenated raw
// part sums and the part count, never the checksum of the whole data.
func TestComposite(t *testing.T) {
	parts := [][]byte{[]byte("part one"), []byte("part two, longer"), []byte("3")}
	for _, a := range All {
		var sums [][]byte
		var concat []byte
		for _, p := range parts {
			h := a.New()
			h.Write(p)
			sums = append(sums, h.Sum(nil))
			concat = append(concat, h.Sum(nil)...)
		}
		want := a.Sum(concat) + "-3"
		if got := Composite(a, sums); got != want {
			t.Errorf("%s composite %q, want %q", a, got, want)
		}
		if Composite(a, sums) == a.Sum(bytes.Join(parts, nil))+"-3" {
			t.Errorf("%s composite equals the whole-object checksum", a)
		}
	}
}

// TestCapabilities pins which algorithms S3 accepts as FULL_OBJECT and as
// COMPOSITE multipart checksums, and that Combine agrees with the first.
func TestCapabilities(t *testing.T) {
	full := map[Algorithm]bool{CRC32: true, CRC32C: true, CRC64NVME: true}
	for _, a := range All {
		if a.FullObjectCapable() != full[a] {
			t.Errorf("%s: FullObjectCapable %v", a, a.FullObjectCapable())
		}
		if a.CompositeCapable() != (a != CRC64NVME) {
			t.Errorf("%s: CompositeCapable %v", a, a.CompositeCapable())
		}
		_, err := Combine(a, []Part{{Sum: make([]byte, a.Size()), Size: 1}})
		if (err == nil) != full[a] {
			t.Errorf("%s: Combine error %v, FullObjectCapable %v", a, err, full[a])
		}
	}
	if Algorithm("CRC16").FullObjectCapable() || Algorithm("CRC16").CompositeCapable() {
		t.Error("an unknown algorithm is capable")
	}
}

// TestParseType: the defaults S3 applies and the combinations it refuses;
// accepting FULL_OBJECT for SHA256 would promise a value no server can
// compute from the parts.
func TestParseType(t *testing.T) {
	for _, c := range []struct {
		a    Algorithm
		v    string
		want Type
	}{
		{CRC32, "", TypeComposite}, {CRC64NVME, "", TypeFullObject}, {SHA256, "", TypeComposite},
		{CRC32C, "FULL_OBJECT", TypeFullObject}, {CRC32C, "composite", TypeComposite}, {CRC64NVME, "FULL_OBJECT", TypeFullObject},
		{CRC64NVME, "COMPOSITE", ""}, {SHA256, "FULL_OBJECT", ""}, {MD5, "FULL_OBJECT", ""}, {XXHASH3, "COMPOSITE", TypeComposite},
		{CRC32, "WHOLE", ""},
	} {
		got, err := ParseType(c.a, c.v)
		if got != c.want || (err == nil) != (c.want != "") {
			t.Errorf("ParseType(%s, %q) = %q, %v; want %q", c.a, c.v, got, err, c.want)
		}
	}
}
