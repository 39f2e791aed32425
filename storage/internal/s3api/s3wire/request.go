package s3wire

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/object"
)

func itoa(n int) string { return strconv.Itoa(n) }

// The ACLs the store keeps (the OSS dialect's names).
const (
	ACLPrivate         = "private"
	ACLPublicRead      = "public-read"
	ACLPublicReadWrite = "public-read-write"
)

// OwnACL reports whether an object's stored ACL overrides its bucket's
// ("" and OSS's "default" inherit it).
func OwnACL(acl string) bool {
	return acl == ACLPrivate || acl == ACLPublicRead || acl == ACLPublicReadWrite
}

// ParseCannedACL maps an x-amz-acl value to the store's ACL. The owner of
// every bucket and object is the one account, so the bucket-owner-* ACLs
// grant nothing beyond private; authenticated-read and the others name
// grantees kossd does not have and are 501 NotImplemented.
func ParseCannedACL(v string) (string, *Error) {
	switch v {
	case ACLPrivate, "bucket-owner-read", "bucket-owner-full-control":
		return ACLPrivate, nil
	case ACLPublicRead:
		return ACLPublicRead, nil
	case ACLPublicReadWrite:
		return ACLPublicReadWrite, nil
	case "authenticated-read", "aws-exec-read", "log-delivery-write":
		return "", ErrNotImplemented.Msgf("The canned ACL %s is not supported.", v).With("Header", HeaderACL)
	}
	return "", ErrInvalidArgument.Msgf("The canned ACL %q is not valid.", v).
		With("ArgumentName", HeaderACL).With("ArgumentValue", v)
}

// RejectGrantHeaders refuses the x-amz-grant-* headers: kossd has no
// grantees but its own account, and silently ignoring a grant would make
// an object less reachable than the client asked.
func RejectGrantHeaders(h http.Header) *Error {
	for name := range h {
		if strings.HasPrefix(name, "X-Amz-Grant-") {
			return ErrNotImplemented.Msgf("ACL grant headers are not supported; use x-amz-acl.").With("Header", name)
		}
	}
	return nil
}

// storageClasses are the classes S3 defines. kossd has one, with every
// object kept three times in a Region: a request for any of these is
// served as STANDARD (no less durable than asked), as S3-compatible
// stores do; an unknown name is refused.
var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "OUTPOSTS": true,
	"GLACIER_IR": true, "SNOW": true, "EXPRESS_ONEZONE": true,
}

// ParseStorageClass checks x-amz-storage-class.
func ParseStorageClass(h http.Header) *Error {
	if v := h.Get(HeaderStorageClass); v != "" && !storageClasses[v] {
		return ErrInvalidStorageClass.With("StorageClassRequested", v)
	}
	return nil
}

// ParseMetadata reads the stored headers of an object from a request:
// Content-Type and the other representation headers, x-amz-meta-* (names
// lower-cased, stored without the prefix, so the OSS dialect shows them as
// x-oss-meta-*) and the canned ACL.
func ParseMetadata(h http.Header) (object.Metadata, *Error) {
	md := object.Metadata{
		ContentType:        h.Get("Content-Type"),
		CacheControl:       h.Get("Cache-Control"),
		ContentDisposition: h.Get("Content-Disposition"),
		ContentEncoding:    contentEncoding(h),
		ContentLanguage:    h.Get("Content-Language"),
		Expires:            h.Get("Expires"),
	}
	if md.ContentType == "" {
		md.ContentType = "binary/octet-stream"
	}
	if v := h.Get(HeaderACL); v != "" {
		acl, ae := ParseCannedACL(v)
		if ae != nil {
			return md, ae
		}
		md.ACL = acl
	}
	if ae := RejectGrantHeaders(h); ae != nil {
		return md, ae
	}
	if ae := ParseStorageClass(h); ae != nil {
		return md, ae
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
		return md, ErrMetadataTooLarge.With("Size", itoa(size)).With("MaxSizeAllowed", itoa(object.MaxUserMetadataSize))
	}
	return md, nil
}

// contentEncoding is the client's Content-Encoding without aws-chunked,
// which names the transfer framing of the request, not the object (S3
// drops it the same way).
func contentEncoding(h http.Header) string {
	var keep []string
	for _, v := range h.Values("Content-Encoding") {
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "aws-chunked") {
				keep = append(keep, e)
			}
		}
	}
	return strings.Join(keep, ",")
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
		return nil, ErrInvalidDigest
	}
	return b, nil
}

// ParseCopySource decodes x-amz-copy-source: "[/]<bucket>/<percent-encoded
// key>", optionally followed by "?versionId=<id>". kossd keeps one version
// of each object, addressed as "null".
func ParseCopySource(v string) (object.ObjectRef, *Error) {
	bad := ErrInvalidArgument.Msgf("Copy Source must mention the source bucket and key: sourcebucket/sourcekey.").
		With("ArgumentName", HeaderCopySource).With("ArgumentValue", v)
	if i := strings.IndexByte(v, '?'); i >= 0 {
		q, err := url.ParseQuery(v[i+1:])
		if err != nil {
			return object.ObjectRef{}, bad
		}
		if id, ok := q["versionId"]; ok && id[0] != "null" {
			return object.ObjectRef{}, ErrNoSuchVersion.With("VersionId", id[0])
		}
		v = v[:i]
	}
	rest := strings.TrimPrefix(v, "/")
	bucket, escKey, ok := strings.Cut(rest, "/")
	if !ok || escKey == "" {
		return object.ObjectRef{}, bad
	}
	key, err := url.PathUnescape(escKey)
	if err != nil {
		return object.ObjectRef{}, bad
	}
	if !ValidBucketName(bucket) {
		return object.ObjectRef{}, ErrInvalidBucketName.With("BucketName", bucket)
	}
	if ae := CheckKey(key); ae != nil {
		return object.ObjectRef{}, ae
	}
	return object.ObjectRef{Bucket: bucket, Key: key}, nil
}

// ParseMetadataDirective reads x-amz-metadata-directive: whether the
// request's metadata replaces the source's (REPLACE) or the source's is
// copied (COPY, the default).
func ParseMetadataDirective(h http.Header) (replace bool, ae *Error) {
	switch d := h.Get(HeaderMetadataDirective); d {
	case "", "COPY":
		return false, nil
	case "REPLACE":
		return true, nil
	default:
		return false, ErrInvalidArgument.Msgf("Unknown metadata directive.").
			With("ArgumentName", HeaderMetadataDirective).With("ArgumentValue", d)
	}
}

// ParseVersionID accepts a versionId query parameter only when it names
// the current version, "null".
func ParseVersionID(q url.Values) *Error {
	if id, ok := q["versionId"]; ok && id[0] != "null" && id[0] != "" {
		return ErrNoSuchVersion.With("VersionId", id[0])
	}
	return nil
}

// ParsePartNumber reads the partNumber of UploadPart (required) or
// GetObject (optional: 0 when absent).
func ParsePartNumber(q url.Values, required bool) (int, *Error) {
	v, ok := q["partNumber"]
	if !ok {
		if required {
			return 0, ErrInvalidArgument.Msgf("partNumber is required.").With("ArgumentName", "partNumber")
		}
		return 0, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < object.MinPartNumber || n > object.MaxPartNumber {
		return 0, ErrInvalidArgument.Msgf("Part number must be an integer between %d and %d, inclusive.",
			object.MinPartNumber, object.MaxPartNumber).With("ArgumentName", "partNumber").With("ArgumentValue", v[0])
	}
	return n, nil
}
