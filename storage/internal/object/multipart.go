package object

import (
	"context"
	"io"

	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/object/multipart"
	"github.com/koss-io/koss/storage/internal/object/segread"
)

// Multipart uploads are package multipart's (multipart.Uploads), embedded
// in the Store, which gets their methods (the Multipart part of the Layer,
// AbortStaleUploads, StartUploadReaper); the name is unexported so that
// the Store has no exported field.
type uploads = multipart.Uploads

var _ Multipart = (*Store)(nil)

// uploadStore is the Store as package multipart needs it. The state
// machine's upload reads come from the embedded MetaReader.
type uploadStore struct {
	s *Store
	MetaReader
}

var _ multipart.Store = uploadStore{}

func (u uploadStore) Apply(ctx context.Context, c record.Command) (*record.Result, error) {
	return u.s.apply(ctx, c)
}

func (u uploadStore) Barrier(ctx context.Context) error { return u.s.barrier(ctx) }

func (u uploadStore) Precheck(ctx context.Context, check func() error) error {
	return u.s.precheck(ctx, check)
}

// Write stores a part inline up to InlineThreshold, as PutObject does.
func (u uploadStore) Write(ctx context.Context, body io.Reader, size int64, wantMD5 []byte, cmd func(multipart.Written) record.Command) (*record.Result, error) {
	w, err := u.s.writeData(ctx, body, size, size <= u.s.cfg.InlineThreshold, wantMD5)
	if err != nil {
		return nil, err
	}
	return u.s.commit(ctx, w, cmd(multipart.Written{Segment: w.seg, MD5: w.md5, CRC64: w.crc64}))
}

func (u uploadStore) Read(ctx context.Context, id string, parts []segread.Part) (io.ReadCloser, error) {
	r := u.s.newReader(ctx, id, parts, u.s.data.Pin(segread.Blobs(parts)))
	if err := verifyInline(id, parts); err != nil {
		_ = r.Close() // read only; its errors come from Read
		return nil, err
	}
	return r, nil
}

func (u uploadStore) KickGC() { u.s.data.KickGC() }

func (uploadStore) LayerErr(err error) error { return toLayerErr(err) }
