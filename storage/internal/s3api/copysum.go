package s3api

import (
	"context"
	"io"
	"net/http"

	"github.com/koss-io/koss/storage/internal/checksum"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// The checksum of a copy. A CopyObject result is a single-part object, so
// its checksum is FULL_OBJECT: the algorithm x-amz-checksum-algorithm
// asks for, else the source's, else CRC64NVME (S3 gives every copy of an
// object without a checksum a CRC64NVME one). When the source already has
// a FULL_OBJECT checksum of that algorithm the engine's data-free copy
// keeps it. Otherwise (another algorithm, no checksum, or a COMPOSITE
// value, which is not the whole content's) the value can only be had
// from the bytes: the source is read once to compute it and once more to
// write the copy (copyWithChecksum). The engine's CopyObject cannot take
// a new checksum (CopyOptions has none), or one read would do.

// copyChecksumAlgorithm is the algorithm the copy's checksum must have.
func copyChecksumAlgorithm(r *http.Request, src object.ObjectInfo) (checksum.Algorithm, *s3wire.Error) {
	if v := r.Header.Get(s3wire.HeaderChecksumAlgorithm); v != "" {
		alg, ok := checksum.Parse(v)
		if !ok {
			return "", s3wire.ErrInvalidRequest.Msgf("Checksum algorithm %q is not supported.", v).With("ArgumentName", "x-amz-checksum-algorithm")
		}
		return alg, nil
	}
	if alg, ok := checksum.Parse(src.Checksum.Algorithm); ok {
		return alg, nil
	}
	return checksum.CRC64NVME, nil
}

// keepsChecksum reports whether the source's stored checksum is the
// copy's: of the wanted algorithm and of the whole content.
func keepsChecksum(src object.ObjectInfo, alg checksum.Algorithm) bool {
	return src.Checksum.Algorithm == string(alg) && src.Checksum.Value != "" && src.Checksum.Type != typeComposite
}

// sourceChecksum reads the source version whose ETag is etag and returns
// its FULL_OBJECT checksum for alg.
func (h *Handler) sourceChecksum(ctx context.Context, src object.ObjectRef, etag string, alg checksum.Algorithm) (string, error) {
	_, rc, err := h.layer.GetObject(ctx, src.Bucket, src.Key, sameVersion(etag))
	if err != nil {
		return "", err
	}
	defer func() { _ = rc.Close() }()
	hh := alg.New()
	if _, err := io.Copy(hh, rc); err != nil {
		return "", err
	}
	return alg.Encode(hh.Sum(nil)), nil
}

// sameVersion selects the whole object when it is still the version
// whose ETag is etag, and fails the read otherwise (the source changed
// between the reads of a copy).
func sameVersion(etag string) object.Selector {
	return func(info object.ObjectInfo) (*object.Range, error) {
		if !s3wire.ETagMatches(etag, info.ETag) {
			return nil, object.ErrPreconditionFailed
		}
		return nil, nil
	}
}

// copyWithChecksum writes dst as a copy of the source version head with a
// newly computed FULL_OBJECT checksum of alg: the first read computes the
// checksum, the second, of the same version, is stored with it. The
// engine checks the stored bytes' MD5 against the source's, so what is
// stored is exactly the content the checksum was computed from. opts are
// the copy's (metadata, conditions); ifMatch is the destination's
// If-Match.
func (h *Handler) copyWithChecksum(ctx context.Context, src, dst object.ObjectRef, head object.ObjectInfo, alg checksum.Algorithm, opts object.CopyOptions, ifMatch string) (object.ObjectInfo, error) {
	value, err := h.sourceChecksum(ctx, src, head.ETag, alg)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	put := object.PutOptions{
		Metadata:        head.Metadata,
		ContentMD5:      head.MD5,
		ForbidOverwrite: opts.ForbidOverwrite,
		IfMatch:         ifMatch,
		Checksum:        object.Checksum{Algorithm: string(alg), Value: value, Type: typeFullObject},
	}
	if opts.ReplaceMetadata {
		put.Metadata = opts.Metadata
	}
	if src == dst && put.IfMatch == "" {
		// Rewriting an object in place: only over the version read.
		put.IfMatch = head.ETag
	}
	_, rc, err := h.layer.GetObject(ctx, src.Bucket, src.Key, sameVersion(head.ETag))
	if err != nil {
		return object.ObjectInfo{}, err
	}
	defer func() { _ = rc.Close() }()
	return h.layer.PutObject(ctx, dst.Bucket, dst.Key, rc, head.Size, put)
}
