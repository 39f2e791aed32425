package checksum

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestCombineRandomSplits: for every combinable algorithm, combining the
// CRCs of any split of the data (empty parts included, anywhere) must give
// the CRC of the whole; a wrong matrix, a wrong polynomial or a byte-order
// slip makes the two differ on almost every split.
func TestCombineRandomSplits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 300_000)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, a := range All {
		if !a.FullObjectCapable() {
			continue
		}
		for trial := range 60 {
			n := rng.IntN(len(data) + 1)
			whole := data[:n]
			// Cut points, with repeats so that some parts are empty.
			var parts []Part
			rest := whole
			for k := rng.IntN(6); k >= 0; k-- {
				cut := 0
				if len(rest) > 0 && rng.IntN(4) != 0 {
					cut = rng.IntN(len(rest) + 1)
				}
				parts = append(parts, part(a, rest[:cut]))
				rest = rest[cut:]
			}
			parts = append(parts, part(a, rest))
			if trial%10 == 0 {
				parts = append([]Part{part(a, nil)}, parts...)
			}
			got, err := Combine(a, parts)
			if err != nil {
				t.Fatalf("%s: %v", a, err)
			}
			if want := a.Sum(whole); got != want {
				t.Fatalf("%s: %d bytes in %d parts combine to %s, the whole is %s", a, n, len(parts), got, want)
			}
		}
	}
}

// TestCombineEdges: no parts is the CRC of nothing, one part is itself, and
// a part whose sum has the wrong size or whose size is negative is refused
// rather than combined into a wrong value.
func TestCombineEdges(t *testing.T) {
	for _, a := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		if got, err := Combine(a, nil); err != nil || got != a.Sum(nil) {
			t.Errorf("%s: no parts = %q %v, want %q", a, got, err, a.Sum(nil))
		}
		p := part(a, []byte("only part"))
		if got, _ := Combine(a, []Part{p}); got != a.Sum([]byte("only part")) {
			t.Errorf("%s: one part = %q", a, got)
		}
		if _, err := Combine(a, []Part{p, {Sum: []byte{1, 2}, Size: 2}}); err == nil {
			t.Errorf("%s: a 2-byte sum was combined", a)
		}
		if _, err := Combine(a, []Part{{Sum: p.Sum, Size: -1}}); err == nil {
			t.Errorf("%s: a negative size was combined", a)
		}
	}
	// A length beyond any real part (2^40 zero bytes and more) must still
	// work: the powers table covers every int64.
	big := Part{Sum: make([]byte, 4), Size: 1<<62 + 12345}
	if _, err := Combine(CRC32C, []Part{part(CRC32C, []byte("x")), big}); err != nil {
		t.Error(err)
	}
}

func part(a Algorithm, data []byte) Part {
	h := a.New()
	h.Write(data)
	return Part{Sum: h.Sum(nil), Size: int64(len(data))}
}

// TestCombineKnownSplit: a fixed split of the standard check input, so
// the test does not only compare the package with itself via Sum.
func TestCombineKnownSplit(t *testing.T) {
	in := []byte("123456789")
	for a, hex := range map[Algorithm]string{CRC32: "cbf43926", CRC32C: "e3069283", CRC64NVME: "ae8b14860a799888"} {
		got, err := Combine(a, []Part{part(a, in[:2]), part(a, in[2:2]), part(a, in[2:7]), part(a, in[7:])})
		if err != nil || !bytes.Equal(mustDecode(t, a, got), mustHex(t, hex)) {
			t.Errorf("%s: %q %v, want %s", a, got, err, hex)
		}
	}
}

func mustDecode(t *testing.T, a Algorithm, v string) []byte {
	t.Helper()
	b, err := a.Decode(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
