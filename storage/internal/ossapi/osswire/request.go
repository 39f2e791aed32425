package osswire

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/object"
)

// ACL values of buckets and objects.
const (
	ACLPrivate         = "private"
	ACLPublicRead      = "public-read"
	ACLPublicReadWrite = "public-read-write"
	// ACLDefault is an object's ACL when it has none of its own: its
	// bucket's applies.
	ACLDefault = "default"
)

// ValidBucketACL reports whether v is an ACL a bucket can have.
func ValidBucketACL(v string) bool {
	return v == ACLPrivate || v == ACLPublicRead || v == ACLPublicReadWrite
}

// ValidObjectACL reports whether v is an ACL an object can have.
func ValidObjectACL(v string) bool {
	return ValidBucketACL(v) || v == ACLDefault
}

// ACLOr is the ACL OSS reports for a bucket's ACL s: private when unset.
func ACLOr(s string) string {
	if s == "" {
		return ACLPrivate
	}
	return s
}

// StorageClassOr is the storage class OSS reports for s: Standard when
// unset.
func StorageClassOr(s string) string {
	if s == "" {
		return "Standard"
	}
	return s
}

// validStorageClasses are the storage classes OSS buckets and objects take.
var validStorageClasses = map[string]string{
	"standard": "Standard", "ia": "IA", "archive": "Archive",
	"coldarchive": "ColdArchive", "deepcoldarchive": "DeepColdArchive",
}

// ParseBucketACL reads the x-oss-acl of a PutBucket: the bucket's ACL,
// private when the header is absent.
func ParseBucketACL(h http.Header) (string, *Error) {
	acl := h.Get("X-Oss-Acl")
	if acl != "" && !ValidBucketACL(acl) {
		return "", ErrInvalidArgument.Msgf("no such bucket access control exists").
			With("ArgumentName", "x-oss-acl").With("ArgumentValue", acl)
	}
	return ACLOr(acl), nil
}

// ParseObjectACL reads the x-oss-object-acl a PutObjectAcl requires.
func ParseObjectACL(h http.Header) (string, *Error) {
	acl := h.Get("X-Oss-Object-Acl")
	if !ValidObjectACL(acl) {
		return "", invalidObjectACL(acl)
	}
	return acl, nil
}

func invalidObjectACL(v string) *Error {
	return ErrInvalidArgument.Msgf("no such object access control exists").
		With("ArgumentName", "x-oss-object-acl").With("ArgumentValue", v)
}

// ParseCreateBucketConfiguration decodes an optional PutBucket body.
func ParseCreateBucketConfiguration(body []byte) (CreateBucketConfiguration, *Error) {
	var cfg CreateBucketConfiguration
	if len(bytes.TrimSpace(body)) == 0 {
		return cfg, nil
	}
	if err := xml.Unmarshal(body, &cfg); err != nil {
		return cfg, ErrMalformedXML
	}
	if cfg.StorageClass != "" {
		sc, ok := validStorageClasses[strings.ToLower(cfg.StorageClass)]
		if !ok {
			return cfg, ErrInvalidArgument.Msgf("The storage class you specified is not valid.").
				With("ArgumentName", "StorageClass").With("ArgumentValue", cfg.StorageClass)
		}
		cfg.StorageClass = sc
	}
	switch cfg.DataRedundancyType {
	case "", "LRS", "ZRS":
	default:
		return cfg, ErrInvalidArgument.Msgf("The data redundancy type you specified is not valid.").
			With("ArgumentName", "DataRedundancyType").With("ArgumentValue", cfg.DataRedundancyType)
	}
	return cfg, nil
}

// ParseContentMD5 decodes the Content-MD5 header: nil when absent, 400
// InvalidDigest when it is not the base64 of 16 bytes.
func ParseContentMD5(h http.Header) ([]byte, *Error) {
	v := h.Get("Content-Md5")
	if v == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil || len(b) != 16 {
		return nil, ErrInvalidDigest.Msgf("The Content-MD5 you specified is not valid.")
	}
	return b, nil
}

// RejectConditionalWrite refuses PutObject with conditional headers, as
// OSS does: clients rely on an error rather than an unconditional write.
func RejectConditionalWrite(h http.Header) *Error {
	for _, name := range []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if _, ok := h[name]; ok {
			return ErrNotImplementedHeader.With("Header", name)
		}
	}
	return nil
}

// ParseMetadata reads the stored headers of an object from a request.
func ParseMetadata(h http.Header) (object.Metadata, *Error) {
	md := object.Metadata{
		ContentType:        h.Get("Content-Type"),
		CacheControl:       h.Get("Cache-Control"),
		ContentDisposition: h.Get("Content-Disposition"),
		ContentEncoding:    h.Get("Content-Encoding"),
		ContentLanguage:    h.Get("Content-Language"),
		Expires:            h.Get("Expires"),
	}
	if md.ContentType == "" {
		md.ContentType = "application/octet-stream"
	}
	if v := h.Get("X-Oss-Object-Acl"); v != "" {
		if !ValidObjectACL(v) {
			return md, invalidObjectACL(v)
		}
		md.ACL = v
	}
	if v := h.Get("X-Oss-Storage-Class"); v != "" {
		sc, ok := validStorageClasses[strings.ToLower(v)]
		if !ok {
			return md, ErrInvalidArgument.Msgf("The storage class you specified is not valid.").
				With("ArgumentName", "x-oss-storage-class").With("ArgumentValue", v)
		}
		md.StorageClass = sc
	}
	size := 0
	for name, values := range h {
		suffix, ok := strings.CutPrefix(name, MetaPrefix)
		if !ok || suffix == "" {
			continue
		}
		if md.User == nil {
			md.User = map[string]string{}
		}
		v := strings.Join(values, ",")
		md.User[strings.ToLower(suffix)] = v
		size += len(suffix) + len(v)
	}
	if size > object.MaxUserMetadataSize {
		return md, ErrMetadataTooLarge
	}
	return md, nil
}

// ForbidOverwrite reads x-oss-forbid-overwrite.
func ForbidOverwrite(h http.Header) bool {
	return strings.EqualFold(h.Get("X-Oss-Forbid-Overwrite"), "true")
}

// ParsePutOptions reads everything but the body of a PutObject or
// AppendObject.
func ParsePutOptions(h http.Header) (object.PutOptions, *Error) {
	md, ae := ParseMetadata(h)
	if ae != nil {
		return object.PutOptions{}, ae
	}
	sum, ae := ParseContentMD5(h)
	if ae != nil {
		return object.PutOptions{}, ae
	}
	tags, ae := ParseTaggingHeader(h)
	if ae != nil {
		return object.PutOptions{}, ae
	}
	return object.PutOptions{
		Metadata:        md,
		ContentMD5:      sum,
		ForbidOverwrite: ForbidOverwrite(h),
		Tags:            tags,
	}, nil
}

// ParseAppendPosition reads the position an AppendObject appends at, which
// the request must name.
func ParseAppendPosition(q url.Values) (int64, *Error) {
	pv, ok := q["position"]
	if !ok {
		return 0, ErrMissingArgument.Msgf("Missing argument position.").With("ArgumentName", "position")
	}
	pos, err := strconv.ParseInt(pv[0], 10, 64)
	if err != nil || pos < 0 {
		return 0, ErrInvalidArgument.Msgf("The position you specified is not valid.").
			With("ArgumentName", "position").With("ArgumentValue", pv[0])
	}
	return pos, nil
}

// ParseCopySource decodes x-oss-copy-source: "/<bucket>/<escaped key>",
// optionally followed by "?versionId=<id>". The v1 SDK escapes the key with
// url.QueryEscape (space as "+", "/" as "%2F"), the v2 SDK per RFC 3986
// ("+" as "%2B", "/" kept); decoding with form semantics handles both.
func ParseCopySource(v string) (object.ObjectRef, *Error) {
	bad := ErrInvalidArgument.Msgf("Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.").
		With("ArgumentName", "x-oss-copy-source").With("ArgumentValue", v)
	if i := strings.IndexByte(v, '?'); i >= 0 {
		// Only a version id may follow; kossd keeps no versions, so "null"
		// (or any id) names the current object.
		if _, err := url.ParseQuery(v[i+1:]); err != nil {
			return object.ObjectRef{}, bad
		}
		v = v[:i]
	}
	rest, ok := strings.CutPrefix(v, "/")
	if !ok {
		return object.ObjectRef{}, bad
	}
	bucket, escKey, ok := strings.Cut(rest, "/")
	if !ok || escKey == "" {
		return object.ObjectRef{}, bad
	}
	key, err := url.QueryUnescape(escKey)
	if err != nil {
		return object.ObjectRef{}, bad
	}
	if !ValidBucketName(bucket) {
		return object.ObjectRef{}, ErrInvalidBucketName.With("BucketName", bucket)
	}
	if ae := CheckObjectName(key); ae != nil {
		return object.ObjectRef{}, ae
	}
	return object.ObjectRef{Bucket: bucket, Key: key}, nil
}

// ParseMetadataDirective reads a CopyObject's x-oss-metadata-directive:
// whether the request's metadata replaces the source's (REPLACE) or the
// source's is copied (COPY, the default).
func ParseMetadataDirective(h http.Header) (replace bool, ae *Error) {
	switch d := h.Get("X-Oss-Metadata-Directive"); strings.ToUpper(d) {
	case "", "COPY":
		return false, nil
	case "REPLACE":
		return true, nil
	default:
		return false, ErrInvalidArgument.Msgf("The metadata directive you specified is not valid.").
			With("ArgumentName", "x-oss-metadata-directive").With("ArgumentValue", d)
	}
}
