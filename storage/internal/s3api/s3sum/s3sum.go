package s3sum

// S3 flexible checksums. Every checksum kossd stores was verified against
// the bytes first (awsauth's Body checks the header or trailer value when
// the body ends; s3body's verifier makes the engine see that end), and only
// stored checksums are ever returned: clients check GET bodies against
// them.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/checksum"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// Lister is the part of the object layer Complete reads: the upload's
// parts and record.
type Lister interface {
	ListUploads(ctx context.Context, bucket string, opts object.ListUploadsOptions) (object.ListUploadsResult, error)
	ListParts(ctx context.Context, bucket, key, uploadID string, marker, max int) (object.ListPartsResult, error)
}

// Copier is the part of the object layer CopyWith reads and writes.
type Copier interface {
	GetObject(ctx context.Context, bucket, key string, sel object.Selector) (object.ObjectInfo, io.ReadCloser, error)
	PutObject(ctx context.Context, bucket, key string, body io.Reader, size int64, opts object.PutOptions) (object.ObjectInfo, error)
}

// Checksum types as the object layer stores them (strings).
const (
	TypeFullObject = string(checksum.TypeFullObject)
	TypeComposite  = string(checksum.TypeComposite)
)

// FromHeader is the x-amz-checksum-<alg> value a request carries in a
// header, known before the body is read (a trailer's value is known only
// after it: see s3body.Body.Storable).
func FromHeader(h http.Header) (object.Checksum, *s3wire.Error) {
	alg, v, err := checksum.FromHeaders(h)
	if err != nil {
		return object.Checksum{}, s3wire.ErrInvalidRequest.Msgf("%s", err.Error())
	}
	if alg == "" {
		return object.Checksum{}, nil
	}
	return object.Checksum{Algorithm: string(alg), Value: v, Type: TypeFullObject}, nil
}

// SetHeaders answers x-amz-checksum-mode: ENABLED with the stored
// checksum of the bytes read: the object's for a read of the whole object;
// for partNumber=N of a multipart object whose part checksums were kept,
// part N's own checksum (the one its UploadPart verified), as S3 does for
// a COMPOSITE object. S3 gives none for a part of a FULL_OBJECT one of
// several parts, MinIO gives the part's, and minio-go's suite expects that
// (testTrailingChecksums); the value is true of the bytes either way, so
// kossd gives it. A range's bytes have no stored checksum: none.
// partNumber is the part read (0 for none) and rng the range read (nil
// for the whole object); req is the request's header.
func SetHeaders(hdr, req http.Header, info object.ObjectInfo, partNumber int, rng *object.Range) {
	if !strings.EqualFold(req.Get(s3wire.HeaderChecksumMode), "ENABLED") || info.Checksum.Algorithm == "" {
		return
	}
	alg, ok := checksum.Parse(info.Checksum.Algorithm)
	if !ok {
		return
	}
	if n := partNumber; n > 0 && n <= len(info.PartChecksums) {
		hdr.Set(alg.Header(), info.PartChecksums[n-1])
		hdr.Set(s3wire.HeaderChecksumType, ReportedType(info.Checksum))
		return
	}
	if rng != nil && (rng.Start != 0 || rng.Length != info.Size) {
		return
	}
	hdr.Set(alg.Header(), info.Checksum.Value)
	hdr.Set(s3wire.HeaderChecksumType, ReportedType(info.Checksum))
}

// ReportedType is the x-amz-checksum-type of a stored checksum: its
// recorded type, FULL_OBJECT when none was recorded (a single-part
// object's checksum is of its whole content).
func ReportedType(c object.Checksum) string {
	if c.Type == "" {
		return TypeFullObject
	}
	return c.Type
}

// StoredETag is an ETag as the store keeps it: quoted upper-case hex.
func StoredETag(etag string) string {
	return `"` + strings.ToUpper(strings.Trim(strings.TrimSpace(etag), `"`)) + `"`
}

// PartRange is the byte range of part n of an object and its part count.
// An object that is not multipart has one part, itself.
func PartRange(info object.ObjectInfo, n int) (*object.Range, int, *s3wire.Error) {
	if len(info.PartSizes) == 0 {
		if n == 1 && info.Type != object.TypeMultipart {
			return &object.Range{Start: 0, Length: info.Size}, 1, nil
		}
		return nil, 0, ErrInvalidPartNumber
	}
	if n > len(info.PartSizes) {
		return nil, 0, ErrInvalidPartNumber
	}
	var start int64
	for _, s := range info.PartSizes[:n-1] {
		start += s
	}
	return &object.Range{Start: start, Length: info.PartSizes[n-1]}, len(info.PartSizes), nil
}

var ErrInvalidPartNumber = &s3wire.Error{Code: "InvalidPartNumber", Status: http.StatusRequestedRangeNotSatisfiable,
	Message: "The requested partnumber is not satisfiable"}

// UploadType is the checksum type of an upload: the requested
// one, else S3's default (checksum.ParseType). A type the algorithm
// cannot have (FULL_OBJECT for the non-CRCs, COMPOSITE for CRC64NVME) is
// InvalidRequest, as in S3.
func UploadType(alg checksum.Algorithm, requested string) (string, *s3wire.Error) {
	t, err := checksum.ParseType(alg, requested)
	if err != nil {
		return "", s3wire.ErrInvalidRequest.Msgf("%s", err.Error())
	}
	return string(t), nil
}

// declaredChecksum is the checksum an upload was created with (ListUploads
// is the layer's only view of an upload's record); zero when none or when
// the upload is not found.
func declaredChecksum(ctx context.Context, l Lister, b, k, id string) (object.Checksum, error) {
	opts := object.ListUploadsOptions{Prefix: k, MaxUploads: object.MaxListUploads}
	for {
		res, err := l.ListUploads(ctx, b, opts)
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

// Part is the checksum UploadPart verified and recorded for a part.
func Part(p object.PartInfo) (checksum.Algorithm, string) {
	alg, ok := checksum.Parse(p.Checksum.Algorithm)
	if !ok {
		return "", ""
	}
	return alg, p.Checksum.Value
}

// Complete checks the per-part checksums a Complete lists against
// those UploadPart recorded (a part listed with another checksum is
// InvalidPart, as in S3) and, when every listed part has a recorded
// checksum of one algorithm, sets the object's checksum in opts: the
// COMPOSITE one, or for a FULL_OBJECT upload the CRC of the whole content
// combined from the parts' (checksum.Combine). A checksum the client asserts
// for the object in an x-amz-checksum-* header must match it (BadDigest).
//
// hdr is the request's header. The layer's errors are returned as
// uploadErr (listing the parts) or bucketErr (listing the uploads) make
// them: the caller's translations to S3 errors.
func Complete(ctx context.Context, l Lister, hdr http.Header, b, k, id string, listed []s3wire.CompletePart, opts *object.CompleteOptions, wc s3wire.WriteConditions,
	uploadErr, bucketErr func(error) error) error {
	opts.IfMatch = wc.IfMatch
	recorded := map[int]object.PartInfo{}
	marker := 0
	for {
		page, err := l.ListParts(ctx, b, k, id, marker, object.MaxListUploads)
		if errors.Is(err, object.ErrNoSuchUpload) {
			// CompleteUpload answers it (or a repeated Complete is served).
			return nil
		}
		if err != nil {
			return uploadErr(err)
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
		palg, pval := Part(p)
		if lp.Checksum != "" && palg != "" && (string(palg) != lp.ChecksumAlgorithm || pval != lp.Checksum) {
			return s3wire.ErrInvalidPart.Msgf("The checksum listed for part %d does not match the one it was uploaded with.", lp.Number).
				With("PartNumber", strconv.Itoa(lp.Number))
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
	declared, err := declaredChecksum(ctx, l, b, k, id)
	if err != nil {
		return bucketErr(err)
	}
	sum := object.Checksum{Algorithm: string(alg), Type: TypeComposite}
	switch {
	case declared.Type == TypeFullObject && alg.FullObjectCapable():
		if sum.Value, err = checksum.Combine(alg, parts); err != nil {
			return nil // a recorded part sum of the wrong size: no checksum rather than a wrong one
		}
		sum.Type = TypeFullObject
	case declared.Type == TypeFullObject:
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
	if hv := hdr.Get(alg.Header()); hv != "" && strings.SplitN(hv, "-", 2)[0] != strings.SplitN(sum.Value, "-", 2)[0] {
		return s3wire.ErrBadDigest.Msgf("The %s you specified did not match the checksum of the object's parts.", alg.Header())
	}
	opts.Checksum = sum
	return nil
}

// The checksum of a copy. A CopyObject result is a single-part object, so
// its checksum is FULL_OBJECT: the algorithm x-amz-checksum-algorithm
// asks for, else the source's, else CRC64NVME (S3 gives every copy of an
// object without a checksum a CRC64NVME one). When the source already has
// a FULL_OBJECT checksum of that algorithm the engine's data-free copy
// keeps it. Otherwise (another algorithm, no checksum, or a COMPOSITE
// value, which is not the whole content's) the value can only be had
// from the bytes: the source is read once to compute it and once more to
// write the copy (CopyWith). The engine's CopyObject cannot take
// a new checksum (CopyOptions has none), or one read would do.

// CopyAlgorithm is the algorithm the copy's checksum must have.
func CopyAlgorithm(req http.Header, src object.ObjectInfo) (checksum.Algorithm, *s3wire.Error) {
	if v := req.Get(s3wire.HeaderChecksumAlgorithm); v != "" {
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

// KeepsChecksum reports whether the source's stored checksum is the
// copy's: of the wanted algorithm and of the whole content.
func KeepsChecksum(src object.ObjectInfo, alg checksum.Algorithm) bool {
	return src.Checksum.Algorithm == string(alg) && src.Checksum.Value != "" && src.Checksum.Type != TypeComposite
}

// sourceChecksum reads the source version whose ETag is etag and returns
// its FULL_OBJECT checksum for alg.
func sourceChecksum(ctx context.Context, l Copier, src object.ObjectRef, etag string, alg checksum.Algorithm) (string, error) {
	_, rc, err := l.GetObject(ctx, src.Bucket, src.Key, sameVersion(etag))
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

// CopyWith writes dst as a copy of the source version head with a
// newly computed FULL_OBJECT checksum of alg: the first read computes the
// checksum, the second, of the same version, is stored with it. The
// engine checks the stored bytes' MD5 against the source's, so what is
// stored is exactly the content the checksum was computed from. opts are
// the copy's (metadata, conditions); ifMatch is the destination's
// If-Match.
func CopyWith(ctx context.Context, l Copier, src, dst object.ObjectRef, head object.ObjectInfo, alg checksum.Algorithm, opts object.CopyOptions, ifMatch string) (object.ObjectInfo, error) {
	value, err := sourceChecksum(ctx, l, src, head.ETag, alg)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	put := object.PutOptions{
		Metadata:        head.Metadata,
		ContentMD5:      head.MD5,
		ForbidOverwrite: opts.ForbidOverwrite,
		IfMatch:         ifMatch,
		Checksum:        object.Checksum{Algorithm: string(alg), Value: value, Type: TypeFullObject},
	}
	if opts.ReplaceMetadata {
		put.Metadata = opts.Metadata
	}
	if src == dst && put.IfMatch == "" {
		// Rewriting an object in place: only over the version read.
		put.IfMatch = head.ETag
	}
	_, rc, err := l.GetObject(ctx, src.Bucket, src.Key, sameVersion(head.ETag))
	if err != nil {
		return object.ObjectInfo{}, err
	}
	defer func() { _ = rc.Close() }()
	return l.PutObject(ctx, dst.Bucket, dst.Key, rc, head.Size, put)
}
