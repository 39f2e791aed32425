package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// ErrShort is what a Decoder latches when the input ends early.
var ErrShort = errors.New("record: truncated encoding")

// Encoder appends a compact, deterministic binary encoding to Buf: unsigned
// varints for lengths and counts, zig-zag varints for signed values, fixed
// 8-byte big-endian for checksums, length-prefixed strings and bytes, and
// maps as sorted key/value pairs. The same value always encodes to the same
// bytes, which is what lets two replicas compare snapshots byte for byte.
type Encoder struct {
	Buf []byte
}

// U8 appends one byte.
func (e *Encoder) U8(v uint8) { e.Buf = append(e.Buf, v) }

// Uvarint appends an unsigned varint.
func (e *Encoder) Uvarint(v uint64) { e.Buf = binary.AppendUvarint(e.Buf, v) }

// Varint appends a zig-zag varint.
func (e *Encoder) Varint(v int64) { e.Buf = binary.AppendVarint(e.Buf, v) }

// U64 appends 8 big-endian bytes.
func (e *Encoder) U64(v uint64) { e.Buf = binary.BigEndian.AppendUint64(e.Buf, v) }

// Str appends a length-prefixed string.
func (e *Encoder) Str(s string) { e.Uvarint(uint64(len(s))); e.Buf = append(e.Buf, s...) }

// Bytes appends a length-prefixed byte slice; nil and empty are alike.
func (e *Encoder) Bytes(p []byte) { e.Uvarint(uint64(len(p))); e.Buf = append(e.Buf, p...) }

// Bool appends 0 or 1.
func (e *Encoder) Bool(v bool) { e.U8(map[bool]uint8{false: 0, true: 1}[v]) }

// OptInt appends a presence byte, then the value if there is one.
func (e *Encoder) OptInt(v *int64) {
	if v == nil {
		e.U8(0)
		return
	}
	e.U8(1)
	e.Varint(*v)
}

// Int64s appends a count, then each value as a zig-zag varint.
func (e *Encoder) Int64s(v []int64) {
	e.Uvarint(uint64(len(v)))
	for _, x := range v {
		e.Varint(x)
	}
}

// Strs appends a count, then each string.
func (e *Encoder) Strs(v []string) {
	e.Uvarint(uint64(len(v)))
	for _, s := range v {
		e.Str(s)
	}
}

// StrMap appends a count, then the pairs in key order.
func (e *Encoder) StrMap(m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.Uvarint(uint64(len(keys)))
	for _, k := range keys {
		e.Str(k)
		e.Str(m[k])
	}
}

// Decoder reads what Encoder wrote. The first error is latched: later reads
// return zero values, and Err (or Done) reports it once at the end.
type Decoder struct {
	b   []byte
	err error
}

// NewDecoder returns a Decoder reading b.
func NewDecoder(b []byte) Decoder { return Decoder{b: b} }

// Err reports the latched error, if any.
func (d *Decoder) Err() error { return d.err }

// Len reports how many bytes are left: optional trailing fields are
// present only when some are.
func (d *Decoder) Len() int { return len(d.b) }

// Fail latches err unless an error is latched already.
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// U8 reads one byte.
func (d *Decoder) U8() uint8 {
	if d.err != nil || len(d.b) < 1 {
		d.Fail(ErrShort)
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

// Uvarint reads an unsigned varint.
func (d *Decoder) Uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.Fail(ErrShort)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// Varint reads a zig-zag varint.
func (d *Decoder) Varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.Fail(ErrShort)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// U64 reads 8 big-endian bytes.
func (d *Decoder) U64() uint64 {
	if d.err != nil || len(d.b) < 8 {
		d.Fail(ErrShort)
		return 0
	}
	v := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// length reads a length prefix and checks it against what is left.
func (d *Decoder) length() int {
	n := d.Uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.Fail(ErrShort)
		return 0
	}
	return int(n)
}

// Str reads a length-prefixed string.
func (d *Decoder) Str() string {
	n := d.length()
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// Bytes reads a length-prefixed byte slice, a copy; nil when empty.
func (d *Decoder) Bytes() []byte {
	n := d.length()
	if d.err != nil || n == 0 {
		return nil
	}
	p := slices.Clone(d.b[:n])
	d.b = d.b[n:]
	return p
}

// Bool reads 0 or 1; any other byte is an error.
func (d *Decoder) Bool() bool {
	switch d.U8() {
	case 0:
		return false
	case 1:
		return true
	default:
		d.Fail(errors.New("record: bad boolean"))
		return false
	}
}

// OptInt reads what Encoder.OptInt wrote.
func (d *Decoder) OptInt() *int64 {
	if !d.Bool() {
		return nil
	}
	v := d.Varint()
	return &v
}

// Count reads a count of elements that each take at least one byte.
func (d *Decoder) Count() int { return d.length() }

// Int64s reads what Encoder.Int64s wrote; nil when empty.
func (d *Decoder) Int64s() []int64 {
	n := d.Count()
	if d.err != nil || n == 0 {
		return nil
	}
	v := make([]int64, n)
	for i := range v {
		v[i] = d.Varint()
	}
	return v
}

// Strs reads what Encoder.Strs wrote; nil when empty.
func (d *Decoder) Strs() []string {
	n := d.Count()
	if d.err != nil || n == 0 {
		return nil
	}
	v := make([]string, n)
	for i := range v {
		v[i] = d.Str()
	}
	return v
}

// StrMap reads what Encoder.StrMap wrote; nil when empty. Keys out of
// order are an error: the same map has only one encoding.
func (d *Decoder) StrMap() map[string]string {
	n := d.Count()
	if d.err != nil || n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	prev := ""
	for i := range n {
		k := d.Str()
		if i > 0 && k <= prev {
			d.Fail(errors.New("record: map keys not strictly sorted"))
			return nil
		}
		prev = k
		m[k] = d.Str()
	}
	return m
}

// Done reports the latched error, or an error if bytes are left over.
func (d *Decoder) Done() error {
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("record: %d trailing bytes", len(d.b))
	}
	return nil
}
