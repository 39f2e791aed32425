package s3api

import (
	"net/http"
	"strings"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3sum"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// getObjectAttributes answers GetObjectAttributes from the object's
// record, reading no data: its ETag, stored checksum, size, storage class
// and, for a multipart object whose part sizes were kept, its part count
// and, when its parts' checksums were kept too, its parts (S3 lists parts
// only with their checksums).
func (h *Handler) getObjectAttributes(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	if ae := s3wire.ParseVersionID(r.URL.Query()); ae != nil {
		return ae
	}
	want, ae := s3wire.ParseObjectAttributes(r.Header)
	if ae != nil {
		return ae
	}
	info, err := h.layer.HeadObject(r.Context(), b, k)
	if err != nil {
		return s3err.Object(err, b, k)
	}
	var out s3wire.GetObjectAttributesResponse
	if want.ETag {
		out.ETag = strings.Trim(s3wire.ETag(info.ETag), `"`)
	}
	if want.Checksum && info.Checksum.Algorithm != "" {
		// A COMPOSITE value without its "-<parts>" suffix, as S3 gives it
		// here.
		value, _, _ := strings.Cut(info.Checksum.Value, "-")
		out.Checksum = &s3wire.Checksums{ChecksumType: s3sum.ReportedType(info.Checksum)}
		out.Checksum.Set(info.Checksum.Algorithm, value)
	}
	if want.ObjectParts && info.Type == object.TypeMultipart && len(info.PartSizes) > 0 {
		// Without part checksums (none, or an object completed before they
		// were kept) PageParts lists no Part, as S3 does.
		out.ObjectParts = s3wire.PageParts(info.PartSizes, info.Checksum.Algorithm, info.PartChecksums, want.PartNumberMarker, want.MaxParts)
	}
	if want.StorageClass {
		out.StorageClass = s3wire.StorageClass
	}
	if want.ObjectSize {
		size := info.Size
		out.ObjectSize = &size
	}
	w.Header().Set("Last-Modified", info.LastModified.UTC().Format(http.TimeFormat))
	return writeXML(w, out)
}
