package s3api

import (
	"net/http"

	"github.com/koss-io/koss/storage/internal/checksum"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3body"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3sum"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// S3 flexible checksums: the rules (which checksum is stored, which
// returned, how a multipart or copied object's is made) are package
// s3sum's; these are the handlers' uses of them.

// setChecksumHeaders answers x-amz-checksum-mode: ENABLED with the stored
// checksum of the bytes sel read (s3sum.SetHeaders).
func (h *Handler) setChecksumHeaders(hdr http.Header, r *http.Request, info object.ObjectInfo, sel *readSelection) {
	s3sum.SetHeaders(hdr, r.Header, info, sel.partNumber, sel.rng)
}

// setPutChecksum gives the engine the client checksum the body is
// verified against (s3body.Body.Storable).
func setPutChecksum(opts *object.PutOptions, sum object.Checksum) { opts.Checksum = sum }

// applyWriteConditions turns If-None-Match: * and If-Match into the
// engine's conditions, which it judges atomically with the write.
func applyWriteConditions(opts *object.PutOptions, wc s3wire.WriteConditions) {
	opts.ForbidOverwrite = wc.IfNoneMatchAll
	opts.IfMatch = wc.IfMatch
}

// setUploadChecksum records the algorithm and type of an upload's
// checksum.
func setUploadChecksum(opts *object.PutOptions, alg checksum.Algorithm, ctype string) {
	opts.Checksum = object.Checksum{Algorithm: string(alg), Type: ctype}
}

// uploadChecksumAlgorithm is the algorithm an upload was created with.
func uploadChecksumAlgorithm(u object.UploadInfo) string { return u.Checksum.Algorithm }

// putPart stores one part with its verified checksum.
func (h *Handler) putPart(r *http.Request, b, k, id string, n int, body *s3body.Body, md5 []byte) (object.PartInfo, error) {
	sum, ae := s3sum.FromHeader(r.Header)
	if ae != nil {
		return object.PartInfo{}, ae
	}
	sum = body.Storable(sum)
	sum.Type = ""
	return h.layer.UploadPart(r.Context(), b, k, id, n, body.R, body.Size, object.PartOptions{ContentMD5: md5, Checksum: sum})
}

// completeChecksum checks a Complete's listed part checksums and sets the
// object's checksum in opts (s3sum.Complete).
func (h *Handler) completeChecksum(r *http.Request, b, k, id string, listed []s3wire.CompletePart, opts *object.CompleteOptions, wc s3wire.WriteConditions) error {
	return s3sum.Complete(r.Context(), h.layer, r.Header, b, k, id, listed, opts, wc,
		func(err error) error { return s3err.Upload(err, b, k, id) },
		func(err error) error { return s3err.Bucket(err, b) })
}
