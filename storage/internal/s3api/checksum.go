package s3api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/koss-io/koss/storage/internal/checksum"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// S3 flexible checksums. Every checksum kossd stores was verified against
// the bytes first (awsauth's Body checks the header or trailer value when
// the body ends; the verifier makes the engine see that end), and only
// stored checksums are ever returned: clients check GET bodies against
// them.

// Checksum types as the object layer stores them (strings).
const (
	typeFullObject = string(checksum.TypeFullObject)
	typeComposite  = string(checksum.TypeComposite)
)

// headerChecksum is the x-amz-checksum-<alg> value a request carries in a
// header, known before the body is read (a trailer's value is known only
// after it: see uploadBody.storable).
func headerChecksum(r *http.Request) (object.Checksum, *s3wire.Error) {
	alg, v, err := checksum.FromHeaders(r.Header)
	if err != nil {
		return object.Checksum{}, s3wire.ErrInvalidRequest.Msgf("%s", err.Error())
	}
	if alg == "" {
		return object.Checksum{}, nil
	}
	return object.Checksum{Algorithm: string(alg), Value: v, Type: typeFullObject}, nil
}

// setChecksumHeaders answers x-amz-checksum-mode: ENABLED with the stored
// checksum of the bytes read: the object's for a read of the whole object;
// for partNumber=N of a multipart object whose part checksums were kept,
// part N's own checksum (the one its UploadPart verified), as S3 does for
// a COMPOSITE object. S3 gives none for a part of a FULL_OBJECT one of
// several parts, MinIO gives the part's, and minio-go's suite expects that
// (testTrailingChecksums); the value is true of the bytes either way, so
// kossd gives it. A range's bytes have no stored checksum: none.
func (h *Handler) setChecksumHeaders(hdr http.Header, r *http.Request, info object.ObjectInfo, sel *readSelection) {
	if !strings.EqualFold(r.Header.Get(s3wire.HeaderChecksumMode), "ENABLED") || info.Checksum.Algorithm == "" {
		return
	}
	alg, ok := checksum.Parse(info.Checksum.Algorithm)
	if !ok {
		return
	}
	if n := sel.partNumber; n > 0 && n <= len(info.PartChecksums) {
		hdr.Set(alg.Header(), info.PartChecksums[n-1])
		hdr.Set(s3wire.HeaderChecksumType, reportedType(info.Checksum))
		return
	}
	if sel.rng != nil && (sel.rng.Start != 0 || sel.rng.Length != info.Size) {
		return
	}
	hdr.Set(alg.Header(), info.Checksum.Value)
	hdr.Set(s3wire.HeaderChecksumType, reportedType(info.Checksum))
}

// reportedType is the x-amz-checksum-type of a stored checksum: its
// recorded type, FULL_OBJECT when none was recorded (a single-part
// object's checksum is of its whole content).
func reportedType(c object.Checksum) string {
	if c.Type == "" {
		return typeFullObject
	}
	return c.Type
}

// setPutChecksum gives the engine the client checksum the body is
// verified against (uploadBody.storable).
func setPutChecksum(opts *object.PutOptions, sum object.Checksum) { opts.Checksum = sum }

// applyWriteConditions turns If-None-Match: * and If-Match into the
// engine's conditions, which it judges atomically with the write.
func applyWriteConditions(opts *object.PutOptions, wc s3wire.WriteConditions) {
	opts.ForbidOverwrite = wc.IfNoneMatchAll
	opts.IfMatch = wc.IfMatch
}

// storedETag is an ETag as the store keeps it: quoted upper-case hex.
func storedETag(etag string) string {
	return `"` + strings.ToUpper(strings.Trim(strings.TrimSpace(etag), `"`)) + `"`
}

// partRange is the byte range of part n of an object and its part count.
// An object that is not multipart has one part, itself.
func partRange(info object.ObjectInfo, n int) (*object.Range, int, *s3wire.Error) {
	if len(info.PartSizes) == 0 {
		if n == 1 && info.Type != object.TypeMultipart {
			return &object.Range{Start: 0, Length: info.Size}, 1, nil
		}
		return nil, 0, errInvalidPartNumber
	}
	if n > len(info.PartSizes) {
		return nil, 0, errInvalidPartNumber
	}
	var start int64
	for _, s := range info.PartSizes[:n-1] {
		start += s
	}
	return &object.Range{Start: start, Length: info.PartSizes[n-1]}, len(info.PartSizes), nil
}

var errInvalidPartNumber = &s3wire.Error{Code: "InvalidPartNumber", Status: http.StatusRequestedRangeNotSatisfiable,
	Message: "The requested partnumber is not satisfiable"}

// uploadChecksumType is the checksum type of an upload: the requested
// one, else S3's default (checksum.ParseType). A type the algorithm
// cannot have (FULL_OBJECT for the non-CRCs, COMPOSITE for CRC64NVME) is
// InvalidRequest, as in S3.
func uploadChecksumType(alg checksum.Algorithm, requested string) (string, *s3wire.Error) {
	t, err := checksum.ParseType(alg, requested)
	if err != nil {
		return "", s3wire.ErrInvalidRequest.Msgf("%s", err.Error())
	}
	return string(t), nil
}

// setUploadChecksum records the algorithm and type of an upload's
// checksum.
func setUploadChecksum(opts *object.PutOptions, alg checksum.Algorithm, ctype string) {
	opts.Checksum = object.Checksum{Algorithm: string(alg), Type: ctype}
}

// declaredChecksum is the checksum an upload was created with (ListUploads
// is the layer's only view of an upload's record); zero when none or when
// the upload is not found.
func (h *Handler) declaredChecksum(r *http.Request, b, k, id string) (object.Checksum, error) {
	opts := object.ListUploadsOptions{Prefix: k, MaxUploads: object.MaxListUploads}
	for {
		res, err := h.layer.ListUploads(r.Context(), b, opts)
		if err != nil {
			return object.Checksum{}, err
		}
		for _, u := range res.Uploads {
			if u.Key == k && u.UploadID == id {
				return u.Checksum, nil
			}
			if u.Key > k {
				return object.Checksum{}, nil
			}
		}
		if !res.IsTruncated {
			return object.Checksum{}, nil
		}
		opts.KeyMarker, opts.UploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}

// uploadChecksumAlgorithm is the algorithm an upload was created with.
func uploadChecksumAlgorithm(u object.UploadInfo) string { return u.Checksum.Algorithm }

// partChecksum is the checksum UploadPart verified and recorded for a part.
func partChecksum(p object.PartInfo) (checksum.Algorithm, string) {
	alg, ok := checksum.Parse(p.Checksum.Algorithm)
	if !ok {
		return "", ""
	}
	return alg, p.Checksum.Value
}

// putPart stores one part with its verified checksum.
func (h *Handler) putPart(r *http.Request, b, k, id string, n int, body *uploadBody, md5 []byte) (object.PartInfo, error) {
	sum, ae := headerChecksum(r)
	if ae != nil {
		return object.PartInfo{}, ae
	}
	sum = body.storable(sum)
	sum.Type = ""
	return h.layer.UploadPart(r.Context(), b, k, id, n, body.r, body.size, object.PartOptions{ContentMD5: md5, Checksum: sum})
}

// completeChecksum checks the per-part checksums a Complete lists against
// those UploadPart recorded (a part listed with another checksum is
// InvalidPart, as in S3) and, when every listed part has a recorded
// checksum of one algorithm, sets the object's checksum in opts: the
// COMPOSITE one, or for a FULL_OBJECT upload the CRC of the whole content
// combined from the parts' (checksum.Combine). A checksum the client asserts
// for the object in an x-amz-checksum-* header must match it (BadDigest).
func (h *Handler) completeChecksum(r *http.Request, b, k, id string, listed []s3wire.CompletePart, opts *object.CompleteOptions, wc s3wire.WriteConditions) error {
	opts.IfMatch = wc.IfMatch
	recorded := map[int]object.PartInfo{}
	marker := 0
	for {
		page, err := h.layer.ListParts(r.Context(), b, k, id, marker, object.MaxListUploads)
		if errors.Is(err, object.ErrNoSuchUpload) {
			// CompleteUpload answers it (or a repeated Complete is served).
			return nil
		}
		if err != nil {
			return uploadErr(err, b, k, id)
		}
		for _, p := range page.Parts {
			recorded[p.Number] = p
		}
		if !page.IsTruncated || page.NextMarker <= marker {
			break
		}
		marker = page.NextMarker
	}
	var alg checksum.Algorithm
	parts := make([]checksum.Part, 0, len(listed))
	complete := true
	for _, lp := range listed {
		p, ok := recorded[lp.Number]
		if !ok {
			// The engine answers InvalidPart for a missing part.
			complete = false
			continue
		}
		palg, pval := partChecksum(p)
		if lp.Checksum != "" && palg != "" && (string(palg) != lp.ChecksumAlgorithm || pval != lp.Checksum) {
			return s3wire.ErrInvalidPart.Msgf("The checksum listed for part %d does not match the one it was uploaded with.", lp.Number).
				With("PartNumber", itoa(lp.Number))
		}
		raw, err := palg.Decode(pval)
		if palg == "" || (alg != "" && palg != alg) || err != nil {
			complete = false
			continue
		}
		alg = palg
		parts = append(parts, checksum.Part{Sum: raw, Size: p.Size})
	}
	if !complete || alg == "" {
		return nil
	}
	declared, err := h.declaredChecksum(r, b, k, id)
	if err != nil {
		return bucketErr(err, b)
	}
	sum := object.Checksum{Algorithm: string(alg), Type: typeComposite}
	switch {
	case declared.Type == typeFullObject && alg.FullObjectCapable():
		if sum.Value, err = checksum.Combine(alg, parts); err != nil {
			return nil // a recorded part sum of the wrong size: no checksum rather than a wrong one
		}
		sum.Type = typeFullObject
	case declared.Type == typeFullObject:
		return nil // SHA sums cannot be combined; CreateMultipartUpload refuses them
	default:
		sums := make([][]byte, len(parts))
		for i, p := range parts {
			sums[i] = p.Sum
		}
		sum.Value = checksum.Composite(alg, sums)
	}
	// A composite value ends in "-N", which checksum.FromHeaders does not
	// parse: compare the sums.
	if hv := r.Header.Get(alg.Header()); hv != "" && strings.SplitN(hv, "-", 2)[0] != strings.SplitN(sum.Value, "-", 2)[0] {
		return s3wire.ErrBadDigest.Msgf("The %s you specified did not match the checksum of the object's parts.", alg.Header())
	}
	opts.Checksum = sum
	return nil
}
