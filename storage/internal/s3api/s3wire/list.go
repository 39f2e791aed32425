package s3wire

import (
	"encoding/base64"
	"net/url"
	"strconv"

	"github.com/koss-io/koss/storage/internal/object"
)

// MaxKeys is the default and the cap of max-keys, max-uploads and
// max-parts: S3 answers at most 1000 entries and silently caps more.
const MaxKeys = 1000

// ParseMax reads a max-keys-like parameter: def when absent, capped at
// MaxKeys, InvalidArgument when not a non-negative integer.
func ParseMax(q url.Values, name string, def int) (int, *Error) {
	v, ok := q[name]
	if !ok || v[0] == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 0 {
		return 0, ErrInvalidArgument.Msgf("Provided %s not an integer or within integer range.", name).
			With("ArgumentName", name).With("ArgumentValue", v[0])
	}
	return min(n, MaxKeys), nil
}

// ListParams are the parameters all listings share.
type ListParams struct {
	Prefix, Delimiter string
	MaxKeys           int
	// Encode is encoding-type=url: keys, prefixes and markers in the answer
	// are URL-encoded.
	Encode bool
}

// Enc encodes s for the answer when the request asked for url encoding.
func (p ListParams) Enc(s string) string {
	if p.Encode {
		return URLEncode(s)
	}
	return s
}

// EncodingType is the <EncodingType> of the answer.
func (p ListParams) EncodingType() string {
	if p.Encode {
		return "url"
	}
	return ""
}

// ParseEncodingType reads encoding-type: "url" or nothing.
func ParseEncodingType(q url.Values) (bool, *Error) {
	switch v := q.Get("encoding-type"); v {
	case "":
		return false, nil
	case "url":
		return true, nil
	default:
		return false, ErrInvalidArgument.Msgf("Invalid Encoding Method specified in Request").
			With("ArgumentName", "encoding-type").With("ArgumentValue", v)
	}
}

// ParseListParams reads prefix, delimiter, max-keys and encoding-type.
func ParseListParams(q url.Values) (ListParams, *Error) {
	p := ListParams{Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter")}
	var ae *Error
	if p.MaxKeys, ae = ParseMax(q, "max-keys", MaxKeys); ae != nil {
		return p, ae
	}
	if p.Encode, ae = ParseEncodingType(q); ae != nil {
		return p, ae
	}
	return p, nil
}

// ListV2Params are ListObjectsV2's parameters. Marker is where the listing
// resumes: the decoded continuation token, else start-after.
type ListV2Params struct {
	ListParams
	Token, StartAfter, Marker string
	FetchOwner                bool
}

// ParseListV2 reads ListObjectsV2's parameters.
func ParseListV2(q url.Values) (ListV2Params, *Error) {
	lp, ae := ParseListParams(q)
	if ae != nil {
		return ListV2Params{}, ae
	}
	p := ListV2Params{ListParams: lp, Token: q.Get("continuation-token"), StartAfter: q.Get("start-after"),
		FetchOwner: q.Get("fetch-owner") == "true"}
	p.Marker = p.StartAfter
	if _, ok := q["continuation-token"]; ok {
		m, ok := DecodeToken(p.Token)
		if !ok {
			return p, ErrInvalidArgument.Msgf("The continuation token provided is incorrect").
				With("ArgumentName", "continuation-token")
		}
		// A token resumes after a key that sorts after start-after, so
		// it wins.
		p.Marker = max(m, p.StartAfter)
	}
	return p, nil
}

// ContinuationToken encodes a listing position as an opaque token.
func ContinuationToken(marker string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(marker))
}

// DecodeToken reverses ContinuationToken.
func DecodeToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || tok == "" {
		return "", false
	}
	return string(b), true
}

// ObjectRecords renders a page of objects.
func ObjectRecords(p ListParams, objs []object.ObjectInfo, owner *Owner) []ObjectRecord {
	out := make([]ObjectRecord, 0, len(objs))
	for _, o := range objs {
		out = append(out, ObjectRecord{Key: p.Enc(o.Key), LastModified: ISOTime(o.LastModified),
			ETag: ETag(o.ETag), Size: o.Size, Owner: owner, StorageClass: StorageClass})
	}
	return out
}

// PrefixRecords renders a page's common prefixes.
func PrefixRecords(p ListParams, prefixes []string) []PrefixRecord {
	out := make([]PrefixRecord, 0, len(prefixes))
	for _, cp := range prefixes {
		out = append(out, PrefixRecord{Prefix: p.Enc(cp)})
	}
	return out
}

// VersionRecords renders a page of objects as their only version, "null".
func VersionRecords(p ListParams, objs []object.ObjectInfo, owner *Owner) []VersionRecord {
	out := make([]VersionRecord, 0, len(objs))
	for _, o := range objs {
		out = append(out, VersionRecord{Key: p.Enc(o.Key), VersionID: "null", IsLatest: true,
			LastModified: ISOTime(o.LastModified), ETag: ETag(o.ETag), Size: o.Size, Owner: owner, StorageClass: StorageClass})
	}
	return out
}
