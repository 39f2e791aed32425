package ossconfig

import (
	"context"
	"net/http"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// Layer is the part of the object layer (object.Layer) these operations
// use.
type Layer interface {
	GetBucket(ctx context.Context, name string) (object.BucketInfo, error)
	HeadObject(ctx context.Context, bucket, key string) (object.ObjectInfo, error)
	CopyObject(ctx context.Context, src, dst object.ObjectRef, opts object.CopyOptions) (object.ObjectInfo, error)
	SetBucketACL(ctx context.Context, bucket, acl string) error
	SetBucketTagging(ctx context.Context, bucket string, tags map[string]string) error
	SetObjectTagging(ctx context.Context, bucket, key string, tags map[string]string) error
	SetBucketCors(ctx context.Context, bucket string, cfg *object.CORSConfiguration) error
	SetBucketLifecycle(ctx context.Context, bucket string, cfg *object.LifecycleConfiguration) error
}

// Handler runs the operations. Every field is required; package ossapi
// sets them once.
type Handler struct {
	// Layer is the storage engine.
	Layer Layer
	// Owner is reported as the owner of every bucket and object.
	Owner osswire.Owner
	// WriteXML answers 200 with an XML document: package ossapi's writer,
	// so that the dialect has one way of writing responses.
	WriteXML func(w http.ResponseWriter, v any) error
}

// Request is what an operation needs of its request beyond the
// *http.Request, as package ossapi resolved and authorized it (a
// preflight is neither authenticated nor authorized).
type Request struct {
	Bucket string
	Key    string // "" for a bucket's configuration
	// ReadXML reads the small XML body whole, under the dialect's cap and
	// checked against its Content-MD5 and signed payload digest.
	ReadXML func() ([]byte, error)
}

func (h *Handler) getBucket(r *http.Request, req Request) (object.BucketInfo, error) {
	b, err := h.Layer.GetBucket(r.Context(), req.Bucket)
	if err != nil {
		return b, osserr.Bucket(err, req.Bucket)
	}
	return b, nil
}
