package s3api

import (
	"net/http"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// list runs one page of a listing. max-keys=0 is a valid S3 request that
// answers no entries; the engine wants at least one, so none is asked.
func (h *Handler) list(r *http.Request, bucket string, p s3wire.ListParams, marker string) (object.ListResult, error) {
	if p.MaxKeys == 0 {
		if _, err := h.layer.GetBucket(r.Context(), bucket); err != nil {
			return object.ListResult{}, s3err.Bucket(err, bucket)
		}
		return object.ListResult{}, nil
	}
	res, err := h.layer.ListObjects(r.Context(), bucket, object.ListOptions{
		Prefix: p.Prefix, Delimiter: p.Delimiter, Marker: marker, MaxKeys: p.MaxKeys,
	})
	if err != nil {
		return res, s3err.Bucket(err, bucket)
	}
	return res, nil
}

func (h *Handler) listObjects(w http.ResponseWriter, r *http.Request, st *reqState) error {
	q := r.URL.Query()
	p, ae := s3wire.ParseListParams(q)
	if ae != nil {
		return ae
	}
	marker := q.Get("marker")
	res, err := h.list(r, st.target.bucket, p, marker)
	if err != nil {
		return err
	}
	encMarker := p.Enc(marker)
	out := s3wire.ListBucketResult{
		Name: st.target.bucket, Prefix: p.Enc(p.Prefix), Marker: &encMarker, MaxKeys: p.MaxKeys,
		Delimiter: p.Enc(p.Delimiter), EncodingType: p.EncodingType(), IsTruncated: res.IsTruncated,
		Contents:       s3wire.ObjectRecords(p, res.Objects, &h.owner),
		CommonPrefixes: s3wire.PrefixRecords(p, res.CommonPrefixes),
	}
	if res.IsTruncated {
		out.NextMarker = p.Enc(res.NextMarker)
	}
	return writeXML(w, out)
}

func (h *Handler) listObjectsV2(w http.ResponseWriter, r *http.Request, st *reqState) error {
	p, ae := s3wire.ParseListV2(r.URL.Query())
	if ae != nil {
		return ae
	}
	res, err := h.list(r, st.target.bucket, p.ListParams, p.Marker)
	if err != nil {
		return err
	}
	var owner *s3wire.Owner
	if p.FetchOwner {
		owner = &h.owner
	}
	n := len(res.Objects) + len(res.CommonPrefixes)
	out := s3wire.ListBucketResult{
		Name: st.target.bucket, Prefix: p.Enc(p.Prefix), StartAfter: p.Enc(p.StartAfter), KeyCount: &n,
		MaxKeys: p.MaxKeys, Delimiter: p.Enc(p.Delimiter), EncodingType: p.EncodingType(),
		IsTruncated: res.IsTruncated, ContinuationToken: p.Token,
		Contents:       s3wire.ObjectRecords(p.ListParams, res.Objects, owner),
		CommonPrefixes: s3wire.PrefixRecords(p.ListParams, res.CommonPrefixes),
	}
	if res.IsTruncated {
		out.NextContinuationToken = s3wire.ContinuationToken(res.NextMarker)
	}
	return writeXML(w, out)
}

// listObjectVersions lists the current objects as their only version,
// "null" and latest: kossd does not keep versions, and tools that list
// versions (to empty a bucket, say) then see every object once.
func (h *Handler) listObjectVersions(w http.ResponseWriter, r *http.Request, st *reqState) error {
	q := r.URL.Query()
	p, ae := s3wire.ParseListParams(q)
	if ae != nil {
		return ae
	}
	marker := q.Get("key-marker")
	res, err := h.list(r, st.target.bucket, p, marker)
	if err != nil {
		return err
	}
	out := s3wire.ListVersionsResult{
		Name: st.target.bucket, Prefix: p.Enc(p.Prefix), KeyMarker: p.Enc(marker), VersionIDMarker: q.Get("version-id-marker"),
		MaxKeys: p.MaxKeys, Delimiter: p.Enc(p.Delimiter), EncodingType: p.EncodingType(), IsTruncated: res.IsTruncated,
		Versions:       s3wire.VersionRecords(p, res.Objects, &h.owner),
		CommonPrefixes: s3wire.PrefixRecords(p, res.CommonPrefixes),
	}
	if res.IsTruncated {
		out.NextKeyMarker, out.NextVersionIDMarker = p.Enc(res.NextMarker), "null"
	}
	return writeXML(w, out)
}
