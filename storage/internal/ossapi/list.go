package ossapi

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// listParams are the parameters both ListObjects versions share.
type listParams struct {
	prefix, delimiter string
	maxKeys           int
	encode            bool
}

func parseListParams(q url.Values) (listParams, *osswire.Error) {
	var p listParams
	var ae *osswire.Error
	if p.encode, ae = parseEncodingType(q); ae != nil {
		return p, ae
	}
	if p.maxKeys, ae = parseMaxKeys(q, "max-keys", defaultMaxKeys, maxMaxKeys); ae != nil {
		return p, ae
	}
	p.prefix, p.delimiter = q.Get("prefix"), q.Get("delimiter")
	for name, v := range map[string]string{"prefix": p.prefix, "delimiter": p.delimiter} {
		if len(v) > maxKeyLen || !utf8.ValidString(v) {
			return p, osswire.ErrInvalidArgument.Msgf("The %s you specified is not valid.", name).
				With("ArgumentName", name).With("ArgumentValue", v)
		}
	}
	return p, nil
}

// enc applies encoding-type=url to a listing field when it was requested.
func (p listParams) enc(s string) string {
	if p.encode {
		return osswire.URLEncode(s)
	}
	return s
}

func (p listParams) encodingType() string {
	if p.encode {
		return "url"
	}
	return ""
}

func (h *Handler) objectRecords(p listParams, objs []object.ObjectInfo, withOwner bool) []osswire.ObjectRecord {
	out := make([]osswire.ObjectRecord, 0, len(objs))
	for _, o := range objs {
		rec := osswire.ObjectRecord{
			Key:          p.enc(o.Key),
			LastModified: osswire.ISOTime(o.LastModified),
			ETag:         o.ETag,
			Type:         o.Type,
			Size:         o.Size,
			StorageClass: storageClassOr(o.Metadata.StorageClass),
		}
		if withOwner {
			ow := h.owner
			rec.Owner = &ow
		}
		out = append(out, rec)
	}
	return out
}

func prefixRecords(p listParams, prefixes []string) []osswire.PrefixRecord {
	out := make([]osswire.PrefixRecord, 0, len(prefixes))
	for _, s := range prefixes {
		out = append(out, osswire.PrefixRecord{Prefix: p.enc(s)})
	}
	return out
}

func (h *Handler) listObjects(w http.ResponseWriter, r *http.Request, st *reqState) error {
	q := r.URL.Query()
	p, ae := parseListParams(q)
	if ae != nil {
		return ae
	}
	marker := q.Get("marker")
	res, err := h.layer.ListObjects(r.Context(), st.target.bucket, object.ListOptions{
		Prefix: p.prefix, Delimiter: p.delimiter, Marker: marker, MaxKeys: p.maxKeys,
	})
	if err != nil {
		return bucketErr(err, st.target.bucket)
	}
	out := osswire.ListBucketResult{
		Name:           st.target.bucket,
		Prefix:         p.enc(p.prefix),
		Marker:         p.enc(marker),
		MaxKeys:        p.maxKeys,
		Delimiter:      p.enc(p.delimiter),
		IsTruncated:    res.IsTruncated,
		EncodingType:   p.encodingType(),
		Contents:       h.objectRecords(p, res.Objects, true),
		CommonPrefixes: prefixRecords(p, res.CommonPrefixes),
	}
	if res.IsTruncated {
		out.NextMarker = p.enc(res.NextMarker)
	}
	return writeXML(w, out)
}

// Continuation tokens are the engine's marker in base64url: opaque to
// clients, and made of characters that survive the SDKs' URL decoding of
// NextContinuationToken unchanged.
func encodeToken(marker string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(marker))
}

func decodeToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) > maxKeyLen || !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

func (h *Handler) listObjectsV2(w http.ResponseWriter, r *http.Request, st *reqState) error {
	q := r.URL.Query()
	p, ae := parseListParams(q)
	if ae != nil {
		return ae
	}
	startAfter, token := q.Get("start-after"), q.Get("continuation-token")
	marker := startAfter
	if _, ok := q["continuation-token"]; ok {
		m, ok := decodeToken(token)
		if !ok || token == "" {
			return osswire.ErrInvalidArgument.Msgf("The continuation token provided is incorrect.").
				With("ArgumentName", "continuation-token").With("ArgumentValue", token)
		}
		marker = m
	}
	fetchOwner := false
	switch v := q.Get("fetch-owner"); v {
	case "", "false":
	case "true":
		fetchOwner = true
	default:
		return osswire.ErrInvalidArgument.Msgf("The fetch-owner you specified is not valid.").
			With("ArgumentName", "fetch-owner").With("ArgumentValue", v)
	}
	res, err := h.layer.ListObjects(r.Context(), st.target.bucket, object.ListOptions{
		Prefix: p.prefix, Delimiter: p.delimiter, Marker: marker, MaxKeys: p.maxKeys,
	})
	if err != nil {
		return bucketErr(err, st.target.bucket)
	}
	out := osswire.ListBucketResultV2{
		Name:           st.target.bucket,
		Prefix:         p.enc(p.prefix),
		StartAfter:     p.enc(startAfter),
		MaxKeys:        p.maxKeys,
		Delimiter:      p.enc(p.delimiter),
		IsTruncated:    res.IsTruncated,
		EncodingType:   p.encodingType(),
		KeyCount:       len(res.Objects) + len(res.CommonPrefixes),
		Contents:       h.objectRecords(p, res.Objects, fetchOwner),
		CommonPrefixes: prefixRecords(p, res.CommonPrefixes),
	}
	if token != "" {
		// The token is already URL-safe; encoding it keeps the v2 SDK, which
		// decodes this field too, round-tripping it.
		out.ContinuationToken = p.enc(token)
	}
	if res.IsTruncated {
		out.NextContinuationToken = encodeToken(res.NextMarker)
	}
	return writeXML(w, out)
}
