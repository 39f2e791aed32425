package meta

import (
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/koss-io/koss/storage/internal/meta/internal/schema"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

// Reads of multipart uploads in progress. The handlers that keep the
// uploads and parts buckets (and their blobs' references) are package
// meta/internal/apply's.

// ListUploads returns up to max uploads of bucket whose keys start with
// prefix and that sort after (keyMarker, idMarker) in (key, id) order; an
// empty idMarker means after every upload of keyMarker. Roll-up at a
// delimiter is the caller's: it resumes after a common prefix p with the
// key marker p+"\xff" (no UTF-8 key holds that byte).
func (f *FSM) ListUploads(bucket, prefix, keyMarker, idMarker string, max int) ([]record.Upload, error) {
	var out []record.Upload
	err := f.view(func(tx *bolt.Tx) error {
		if tx.Bucket(schema.BucketBuckets).Get([]byte(bucket)) == nil {
			return record.ErrBucketNotFound
		}
		start := schema.UploadKey(bucket, prefix, "")
		switch {
		case keyMarker == "" || keyMarker < prefix:
		case idMarker != "":
			start = schema.UploadKey(bucket, keyMarker, idMarker+"\x00")
		default:
			// Past every "<keyMarker>\x00<id>": the next possible key.
			start = schema.UploadKey(bucket, keyMarker+"\x01", "")
		}
		c := tx.Bucket(schema.BucketUploads).Cursor()
		for k, v := c.Seek(start); k != nil && len(out) < max; k, v = c.Next() {
			b, key, id := schema.SplitUploadKey(k)
			if b != bucket || !strings.HasPrefix(key, prefix) {
				break
			}
			u, err := record.DecodeUpload(b, key, id, v)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// UploadParts returns an upload and its parts in number order, with their
// data (segments); ErrBucketNotFound or ErrNoSuchUpload.
func (f *FSM) UploadParts(bucket, key, id string) (u record.Upload, parts []record.Part, err error) {
	err = f.view(func(tx *bolt.Tx) error {
		if tx.Bucket(schema.BucketBuckets).Get([]byte(bucket)) == nil {
			return record.ErrBucketNotFound
		}
		v := tx.Bucket(schema.BucketUploads).Get(schema.UploadKey(bucket, key, id))
		if v == nil {
			return record.ErrNoSuchUpload
		}
		if u, err = record.DecodeUpload(bucket, key, id, v); err != nil {
			return err
		}
		parts, err = schema.UploadParts(tx.Bucket(schema.BucketParts), id)
		if err != nil {
			return err
		}
		// Blob segments get their replica lists from placement, as objects'.
		for i := range parts {
			if s := parts[i].Segment; s != nil {
				o := record.Object{Segments: []record.Segment{*s}}
				if err := fillReplicas(tx, &o); err != nil {
					return err
				}
				*s = o.Segments[0]
			}
		}
		return nil
	})
	return u, parts, err
}

// ListParts returns the upload's parts numbered above marker, at most max,
// without their data, and whether more follow; ErrBucketNotFound or
// ErrNoSuchUpload.
func (f *FSM) ListParts(bucket, key, id string, marker, max int) (out []record.Part, more bool, err error) {
	err = f.view(func(tx *bolt.Tx) error {
		if tx.Bucket(schema.BucketBuckets).Get([]byte(bucket)) == nil {
			return record.ErrBucketNotFound
		}
		if tx.Bucket(schema.BucketUploads).Get(schema.UploadKey(bucket, key, id)) == nil {
			return record.ErrNoSuchUpload
		}
		all, err := schema.UploadParts(tx.Bucket(schema.BucketParts), id)
		for _, p := range all {
			if p.Number > marker && !more {
				more = len(out) == max
				p.Segment = nil
				out = append(out, p)
			}
		}
		if more {
			out = out[:max]
		}
		return err
	})
	return out, more, err
}
