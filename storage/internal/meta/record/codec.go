package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// errShort is what a decoder latches when the input ends early.
var errShort = errors.New("record: truncated encoding")

// encoder appends a compact, deterministic binary encoding: unsigned varints
// for lengths and counts, zig-zag varints for signed values, fixed 8-byte
// big-endian for checksums, length-prefixed strings and bytes, and maps as
// sorted key/value pairs. The same value always encodes to the same bytes,
// which is what lets two replicas compare snapshots byte for byte.
//
// ext says the encoding carries the S3 fields (Checksum, PartSizes,
// IfMatch...): commands of codec version 3, records of version 2. The
// shared body encoders write those fields only then, so every encoding
// made before they existed keeps its bytes.
//
// sums says it also carries the part checksums of a multipart object
// (Object.PartChecksums, CompleteUpload.KeepPartChecksums): commands of
// codec version 4, object records and results of version 3. It implies
// ext, and the same rule holds: those fields are written only then.
//
// acl says it carries AppendObject.SetACL: commands of codec version 5.
//
// tags says it carries tags and symlinks (Object.Tags and SymlinkTarget,
// Upload.Tags, AppendObject.Tags, CopyObject.ReplaceTags): commands of
// codec version 6, object and upload records of version 4, results of
// version 4. It implies all of the above.
//
// cors says it carries a bucket's CORS configuration: results of version
// 5 (bucket records mark it by their own version, commands by their type).
type encoder struct {
	b    []byte
	ext  bool
	sums bool
	acl  bool
	tags bool
	cors bool
}

func (e *encoder) u8(v uint8)       { e.b = append(e.b, v) }
func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) u64(v uint64)     { e.b = binary.BigEndian.AppendUint64(e.b, v) }
func (e *encoder) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) bytes(p []byte)   { e.uvarint(uint64(len(p))); e.b = append(e.b, p...) }
func (e *encoder) boolean(v bool)   { e.u8(map[bool]uint8{false: 0, true: 1}[v]) }
func (e *encoder) optInt(v *int64) {
	if v == nil {
		e.u8(0)
		return
	}
	e.u8(1)
	e.varint(*v)
}

func (e *encoder) checksum(c *Checksum) {
	e.str(c.Algorithm)
	e.str(c.Value)
	e.str(c.Type)
}

func (e *encoder) int64s(v []int64) {
	e.uvarint(uint64(len(v)))
	for _, x := range v {
		e.varint(x)
	}
}

func (e *encoder) strs(v []string) {
	e.uvarint(uint64(len(v)))
	for _, s := range v {
		e.str(s)
	}
}

func (e *encoder) strMap(m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.uvarint(uint64(len(keys)))
	for _, k := range keys {
		e.str(k)
		e.str(m[k])
	}
}

// decoder reads what encoder wrote. The first error is latched: later reads
// return zero values, and err reports it once at the end. ext is the
// encoder's, and so is sums: both set from the version byte before
// decoding starts.
type decoder struct {
	b    []byte
	err  error
	ext  bool
	sums bool
	acl  bool
	tags bool
	cors bool
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) u8() uint8 {
	if d.err != nil || len(d.b) < 1 {
		d.fail(errShort)
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errShort)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(errShort)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) u64() uint64 {
	if d.err != nil || len(d.b) < 8 {
		d.fail(errShort)
		return 0
	}
	v := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// length reads a length prefix and checks it against what is left.
func (d *decoder) length() int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.fail(errShort)
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.length()
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) bytes() []byte {
	n := d.length()
	if d.err != nil || n == 0 {
		return nil
	}
	p := slices.Clone(d.b[:n])
	d.b = d.b[n:]
	return p
}

func (d *decoder) boolean() bool {
	switch d.u8() {
	case 0:
		return false
	case 1:
		return true
	default:
		d.fail(errors.New("record: bad boolean"))
		return false
	}
}

func (d *decoder) optInt() *int64 {
	if !d.boolean() {
		return nil
	}
	v := d.varint()
	return &v
}

// count reads a count of elements that each take at least one byte.
func (d *decoder) count() int { return d.length() }

// checksum reads what encoder.checksum wrote. It does not judge the
// values: Apply rejects a malformed checksum (Checksum.Valid) as a domain
// error, where a decoding error would stop every replica.
func (d *decoder) checksum() Checksum {
	return Checksum{Algorithm: d.str(), Value: d.str(), Type: d.str()}
}

func (d *decoder) int64s() []int64 {
	n := d.count()
	if d.err != nil || n == 0 {
		return nil
	}
	v := make([]int64, n)
	for i := range v {
		v[i] = d.varint()
	}
	return v
}

func (d *decoder) strs() []string {
	n := d.count()
	if d.err != nil || n == 0 {
		return nil
	}
	v := make([]string, n)
	for i := range v {
		v[i] = d.str()
	}
	return v
}

func (d *decoder) strMap() map[string]string {
	n := d.count()
	if d.err != nil || n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	prev := ""
	for i := range n {
		k := d.str()
		if i > 0 && k <= prev {
			d.fail(errors.New("record: map keys not strictly sorted"))
			return nil
		}
		prev = k
		m[k] = d.str()
	}
	return m
}

// done reports the latched error, or an error if bytes are left over.
func (d *decoder) done() error {
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("record: %d trailing bytes", len(d.b))
	}
	return nil
}
