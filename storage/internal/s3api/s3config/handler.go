package s3config

import (
	"context"
	"net/http"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
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

// Handler runs the operations. Every field is required; package s3api
// sets them once.
type Handler struct {
	// Layer is the storage engine.
	Layer Layer
	// Owner is the one account that owns every bucket and object, as ACLs
	// show it.
	Owner s3wire.Owner
	// Region is what GetBucketLocation answers.
	Region string
	// WriteXML answers 200 with an XML document, WriteEmpty answers status
	// without a body: package s3api's writers, so that the dialect has one
	// way of writing responses.
	WriteXML   func(w http.ResponseWriter, v any) error
	WriteEmpty func(w http.ResponseWriter, status int) error
}

// Request is what an operation needs of its request beyond the
// *http.Request, as package s3api resolved and authorized it.
type Request struct {
	Bucket string
	Key    string // "" for a bucket's configuration
	// ReadXML reads the small XML body, decoded and verified.
	ReadXML func() ([]byte, error)
}

func (h *Handler) getBucket(r *http.Request, req Request) (object.BucketInfo, error) {
	b, err := h.Layer.GetBucket(r.Context(), req.Bucket)
	if err != nil {
		return b, s3err.Bucket(err, req.Bucket)
	}
	return b, nil
}
