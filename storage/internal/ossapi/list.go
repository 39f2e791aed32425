package ossapi

import (
	"net/http"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

func (h *Handler) listObjects(w http.ResponseWriter, r *http.Request, st *reqState) error {
	q := r.URL.Query()
	p, ae := osswire.ParseListParams(q)
	if ae != nil {
		return ae
	}
	marker := q.Get("marker")
	res, err := h.layer.ListObjects(r.Context(), st.target.bucket, object.ListOptions{
		Prefix: p.Prefix, Delimiter: p.Delimiter, Marker: marker, MaxKeys: p.MaxKeys,
	})
	if err != nil {
		return osserr.Bucket(err, st.target.bucket)
	}
	out := osswire.ListBucketResult{
		Name:           st.target.bucket,
		Prefix:         p.Enc(p.Prefix),
		Marker:         p.Enc(marker),
		MaxKeys:        p.MaxKeys,
		Delimiter:      p.Enc(p.Delimiter),
		IsTruncated:    res.IsTruncated,
		EncodingType:   p.EncodingType(),
		Contents:       osswire.ObjectRecords(p, res.Objects, &h.owner),
		CommonPrefixes: osswire.PrefixRecords(p, res.CommonPrefixes),
	}
	if res.IsTruncated {
		out.NextMarker = p.Enc(res.NextMarker)
	}
	return writeXML(w, out)
}

func (h *Handler) listObjectsV2(w http.ResponseWriter, r *http.Request, st *reqState) error {
	p, ae := osswire.ParseListV2(r.URL.Query())
	if ae != nil {
		return ae
	}
	res, err := h.layer.ListObjects(r.Context(), st.target.bucket, object.ListOptions{
		Prefix: p.Prefix, Delimiter: p.Delimiter, Marker: p.Marker, MaxKeys: p.MaxKeys,
	})
	if err != nil {
		return osserr.Bucket(err, st.target.bucket)
	}
	var owner *osswire.Owner
	if p.FetchOwner {
		owner = &h.owner
	}
	out := osswire.ListBucketResultV2{
		Name:           st.target.bucket,
		Prefix:         p.Enc(p.Prefix),
		StartAfter:     p.Enc(p.StartAfter),
		MaxKeys:        p.MaxKeys,
		Delimiter:      p.Enc(p.Delimiter),
		IsTruncated:    res.IsTruncated,
		EncodingType:   p.EncodingType(),
		KeyCount:       len(res.Objects) + len(res.CommonPrefixes),
		Contents:       osswire.ObjectRecords(p.ListParams, res.Objects, owner),
		CommonPrefixes: osswire.PrefixRecords(p.ListParams, res.CommonPrefixes),
	}
	if p.Token != "" {
		// The token is already URL-safe; encoding it keeps the v2 SDK, which
		// decodes this field too, round-tripping it.
		out.ContinuationToken = p.Enc(p.Token)
	}
	if res.IsTruncated {
		out.NextContinuationToken = osswire.ContinuationToken(res.NextMarker)
	}
	return writeXML(w, out)
}
