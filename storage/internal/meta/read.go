package meta

import (
	"bytes"
	"strings"

	"github.com/koss-io/koss/storage/internal/meta/internal/schema"
	"github.com/koss-io/koss/storage/internal/meta/record"
	bolt "go.etcd.io/bbolt"
)

// Reads see the state as of the last committed apply on this node. They are
// linearizable only when the caller has first waited for a read barrier (the
// consensus layer's Barrier); the state machine itself does not know about
// leadership.

// GetBucket returns a bucket record, or ErrBucketNotFound. Its Objects and
// Bytes counters are kept current by Apply, so they are the bucket's stats
// at O(1).
func (f *FSM) GetBucket(name string) (record.Bucket, error) {
	var b record.Bucket
	err := f.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(schema.BucketBuckets).Get([]byte(name))
		if v == nil {
			return record.ErrBucketNotFound
		}
		var err error
		b, err = record.DecodeBucket(name, v)
		return err
	})
	return b, err
}

// ListBuckets returns up to max buckets whose names start with prefix and
// sort strictly after marker, in name order, and whether more follow.
func (f *FSM) ListBuckets(prefix, marker string, max int) ([]record.Bucket, bool, error) {
	var out []record.Bucket
	truncated := false
	err := f.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(schema.BucketBuckets).Cursor()
		start := prefix
		if marker > start {
			start = marker
		}
		for k, v := c.Seek([]byte(start)); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, v = c.Next() {
			if string(k) <= marker {
				continue
			}
			if len(out) == max {
				truncated = true
				break
			}
			b, err := record.DecodeBucket(string(k), v)
			if err != nil {
				return err
			}
			out = append(out, b)
		}
		return nil
	})
	return out, truncated, err
}

// GetObject returns an object record with its segments, their inline data
// and the replica lists of their blobs, or ErrBucketNotFound /
// ErrObjectNotFound.
func (f *FSM) GetObject(bucket, key string) (record.Object, error) {
	var o record.Object
	err := f.view(func(tx *bolt.Tx) error {
		if tx.Bucket(schema.BucketBuckets).Get([]byte(bucket)) == nil {
			return record.ErrBucketNotFound
		}
		v := tx.Bucket(schema.BucketObjects).Get(schema.ObjectKey(bucket, key))
		if v == nil {
			return record.ErrObjectNotFound
		}
		var err error
		if o, err = record.DecodeObject(bucket, key, v); err != nil {
			return err
		}
		return fillReplicas(tx, &o)
	})
	return o, err
}

// ListOptions select objects of a bucket. See ListObjects.
type ListOptions struct {
	Prefix    string
	Delimiter string
	Marker    string
	MaxKeys   int
}

// ListResult is one page of a listing. Objects carry no segments.
type ListResult struct {
	Objects        []record.Object
	CommonPrefixes []string
	IsTruncated    bool
	NextMarker     string
}

// ListObjects lists a bucket's keys that start with Prefix and sort strictly
// after Marker, in byte order. With a Delimiter, keys that contain it after
// the prefix roll up into one common prefix (the key through the first
// delimiter), returned once; a common prefix that sorts at or before Marker
// is skipped, so a NextMarker that is a common prefix resumes after all of
// its keys. At most MaxKeys entries (objects plus prefixes) are returned;
// NextMarker is the last one when IsTruncated.
//
// Roll-up costs one cursor Seek per common prefix, not one step per key
// below it.
func (f *FSM) ListObjects(bucket string, o ListOptions) (ListResult, error) {
	var res ListResult
	err := f.view(func(tx *bolt.Tx) error {
		if tx.Bucket(schema.BucketBuckets).Get([]byte(bucket)) == nil {
			return record.ErrBucketNotFound
		}
		base := schema.ObjectPrefix(bucket)
		full := append(append([]byte(nil), base...), o.Prefix...)
		c := tx.Bucket(schema.BucketObjects).Cursor()
		k, v := c.Seek(full)
		if o.Marker > o.Prefix {
			k, v = c.Seek(append(append([]byte(nil), base...), o.Marker...))
		}
		count := 0
		for k != nil && bytes.HasPrefix(k, full) {
			key := string(k[len(base):])
			if key <= o.Marker {
				k, v = c.Next()
				continue
			}
			if o.Delimiter != "" {
				if i := strings.Index(key[len(o.Prefix):], o.Delimiter); i >= 0 {
					cp := key[:len(o.Prefix)+i+len(o.Delimiter)]
					if cp > o.Marker {
						if count == o.MaxKeys {
							res.IsTruncated = true
							break
						}
						res.CommonPrefixes = append(res.CommonPrefixes, cp)
						res.NextMarker = cp
						count++
					}
					next := prefixEnd(append(append([]byte(nil), base...), cp...))
					if next == nil {
						break
					}
					k, v = c.Seek(next)
					continue
				}
			}
			if count == o.MaxKeys {
				res.IsTruncated = true
				break
			}
			obj, err := record.DecodeObjectHead(bucket, key, v)
			if err != nil {
				return err
			}
			res.Objects = append(res.Objects, obj)
			res.NextMarker = key
			count++
			k, v = c.Next()
		}
		if !res.IsTruncated {
			res.NextMarker = ""
		}
		return nil
	})
	return res, err
}

// prefixEnd returns the smallest key greater than every key starting with
// p, or nil when there is none (p is all 0xFF).
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// GetKey returns an access key, or ErrKeyNotFound.
func (f *FSM) GetKey(id string) (record.AccessKey, error) {
	var k record.AccessKey
	err := f.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(schema.BucketKeys).Get([]byte(id))
		if v == nil {
			return record.ErrKeyNotFound
		}
		var err error
		k, err = record.DecodeAccessKey(id, v)
		return err
	})
	return k, err
}

// ListKeys returns all access keys in id order.
func (f *FSM) ListKeys() ([]record.AccessKey, error) {
	var out []record.AccessKey
	err := f.view(func(tx *bolt.Tx) error {
		return tx.Bucket(schema.BucketKeys).ForEach(func(k, v []byte) error {
			key, err := record.DecodeAccessKey(string(k), v)
			if err != nil {
				return err
			}
			out = append(out, key)
			return nil
		})
	})
	return out, err
}
