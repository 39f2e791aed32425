package osswire

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/koss-io/koss/storage/internal/object"
)

// Listing limits shared by ListBuckets and ListObjects.
const (
	DefaultMaxKeys = 100
	MaxMaxKeys     = 1000
)

// ParseMaxKeys reads the max-keys (or another count) parameter: absent means
// def; anything but an integer in 1..limit is InvalidArgument (a huge value
// included: clients rely on that failing rather than being clamped).
func ParseMaxKeys(q url.Values, name string, def, limit int) (int, *Error) {
	v, ok := q[name]
	if !ok || v[0] == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 1 || n > limit {
		return 0, ErrInvalidArgument.
			Msgf("Argument %s must be an integer between 1 and %d.", name, limit).
			With("ArgumentName", name).With("ArgumentValue", v[0])
	}
	return n, nil
}

// ParseEncodingType accepts only "url" (or nothing).
func ParseEncodingType(q url.Values) (bool, *Error) {
	switch v := q.Get("encoding-type"); v {
	case "":
		return false, nil
	case "url":
		return true, nil
	default:
		return false, ErrInvalidArgument.Msgf("The encoding-type you specified is not valid.").
			With("ArgumentName", "encoding-type").With("ArgumentValue", v)
	}
}

// ListBucketsParams are the parameters of ListBuckets.
type ListBucketsParams struct {
	Prefix, Marker string
	MaxKeys        int
}

// ParseListBuckets reads the parameters of ListBuckets.
func ParseListBuckets(q url.Values) (ListBucketsParams, *Error) {
	p := ListBucketsParams{Prefix: q.Get("prefix"), Marker: q.Get("marker")}
	if !ValidBucketPrefix(p.Prefix) {
		return p, ErrInvalidArgument.Msgf("The prefix you specified is not valid.").
			With("ArgumentName", "prefix").With("ArgumentValue", p.Prefix)
	}
	var ae *Error
	p.MaxKeys, ae = ParseMaxKeys(q, "max-keys", DefaultMaxKeys, MaxMaxKeys)
	return p, ae
}

// ListParams are the parameters both ListObjects versions share.
type ListParams struct {
	Prefix, Delimiter string
	MaxKeys           int
	// Encode is encoding-type=url.
	Encode bool
}

// ParseListParams reads the parameters both ListObjects versions share.
func ParseListParams(q url.Values) (ListParams, *Error) {
	var p ListParams
	var ae *Error
	if p.Encode, ae = ParseEncodingType(q); ae != nil {
		return p, ae
	}
	if p.MaxKeys, ae = ParseMaxKeys(q, "max-keys", DefaultMaxKeys, MaxMaxKeys); ae != nil {
		return p, ae
	}
	p.Prefix, p.Delimiter = q.Get("prefix"), q.Get("delimiter")
	for name, v := range map[string]string{"prefix": p.Prefix, "delimiter": p.Delimiter} {
		if len(v) > maxKeyLen || !utf8.ValidString(v) {
			return p, ErrInvalidArgument.Msgf("The %s you specified is not valid.", name).
				With("ArgumentName", name).With("ArgumentValue", v)
		}
	}
	return p, nil
}

// Enc applies encoding-type=url to a listing field when it was requested.
func (p ListParams) Enc(s string) string {
	if p.Encode {
		return URLEncode(s)
	}
	return s
}

// EncodingType is the <EncodingType> of the response: "url" or nothing.
func (p ListParams) EncodingType() string {
	if p.Encode {
		return "url"
	}
	return ""
}

// ListV2Params are the parameters of ListObjectsV2.
type ListV2Params struct {
	ListParams
	// StartAfter and Token are start-after and continuation-token as sent.
	StartAfter, Token string
	// Marker is where the listing starts: after the continuation token's
	// key when there is one, else after StartAfter.
	Marker     string
	FetchOwner bool
}

// ParseListV2 reads the parameters of ListObjectsV2.
func ParseListV2(q url.Values) (ListV2Params, *Error) {
	var p ListV2Params
	var ae *Error
	if p.ListParams, ae = ParseListParams(q); ae != nil {
		return p, ae
	}
	p.StartAfter, p.Token = q.Get("start-after"), q.Get("continuation-token")
	p.Marker = p.StartAfter
	if _, ok := q["continuation-token"]; ok {
		m, ok := decodeToken(p.Token)
		if !ok || p.Token == "" {
			return p, ErrInvalidArgument.Msgf("The continuation token provided is incorrect.").
				With("ArgumentName", "continuation-token").With("ArgumentValue", p.Token)
		}
		p.Marker = m
	}
	switch v := q.Get("fetch-owner"); v {
	case "", "false":
	case "true":
		p.FetchOwner = true
	default:
		return p, ErrInvalidArgument.Msgf("The fetch-owner you specified is not valid.").
			With("ArgumentName", "fetch-owner").With("ArgumentValue", v)
	}
	return p, nil
}

// Continuation tokens are the engine's marker in base64url: opaque to
// clients, and made of characters that survive the SDKs' URL decoding of
// NextContinuationToken unchanged.

// ContinuationToken is the NextContinuationToken that resumes a listing
// after marker.
func ContinuationToken(marker string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(marker))
}

func decodeToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) > maxKeyLen || !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

// ObjectRecords are the <Contents> of a listing of objs, each with owner
// when it is not nil.
func ObjectRecords(p ListParams, objs []object.ObjectInfo, owner *Owner) []ObjectRecord {
	out := make([]ObjectRecord, 0, len(objs))
	for _, o := range objs {
		rec := ObjectRecord{
			Key:          p.Enc(o.Key),
			LastModified: ISOTime(o.LastModified),
			ETag:         o.ETag,
			Type:         o.Type,
			Size:         o.Size,
			StorageClass: StorageClassOr(o.Metadata.StorageClass),
		}
		if owner != nil {
			ow := *owner
			rec.Owner = &ow
		}
		out = append(out, rec)
	}
	return out
}

// NullVersion is the version id of every object in a bucket without
// versioning, as OSS names it.
const NullVersion = "null"

// VersionRecords are the <Version>s of a ListObjectVersions of objs: each
// object its own latest version "null".
func VersionRecords(p ListParams, objs []object.ObjectInfo, owner Owner) []VersionRecord {
	out := make([]VersionRecord, 0, len(objs))
	for _, o := range objs {
		out = append(out, VersionRecord{
			Key:          p.Enc(o.Key),
			VersionID:    NullVersion,
			IsLatest:     true,
			LastModified: ISOTime(o.LastModified),
			ETag:         o.ETag,
			Type:         o.Type,
			Size:         o.Size,
			StorageClass: StorageClassOr(o.Metadata.StorageClass),
			Owner:        owner,
		})
	}
	return out
}

// PrefixRecords are the <CommonPrefixes> of a listing.
func PrefixRecords(p ListParams, prefixes []string) []PrefixRecord {
	out := make([]PrefixRecord, 0, len(prefixes))
	for _, s := range prefixes {
		out = append(out, PrefixRecord{Prefix: p.Enc(s)})
	}
	return out
}
