package s3api

import (
	"net/http"
	"net/url"

	"github.com/koss-io/koss/storage/internal/awsauth"
	"github.com/koss-io/koss/storage/internal/s3api/s3config"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// access is what an operation needs from the caller.
type access int

const (
	// accessRead: read grant on the bucket (or a public ACL).
	accessRead access = iota + 1
	// accessWrite: write grant on the bucket (or a public-read-write ACL).
	accessWrite
	// accessRoot: the root key only.
	accessRoot
	// accessCustom: the handler authorizes by itself (ListBuckets,
	// CreateBucket, CopyObject, UploadPartCopy).
	accessCustom
)

// handlerFunc runs one authorized operation. It returns nil once it has
// written the response, or the error to answer.
type handlerFunc func(h *Handler, w http.ResponseWriter, r *http.Request, st *reqState) error

// configOp runs an operation of package s3config (a configuration
// subresource) as a handlerFunc.
func configOp(op func(*s3config.Handler, http.ResponseWriter, *http.Request, s3config.Request) error) handlerFunc {
	return func(h *Handler, w http.ResponseWriter, r *http.Request, st *reqState) error {
		return op(h.config, w, r, s3config.Request{Bucket: st.target.bucket, Key: st.target.key,
			ReadXML: func() ([]byte, error) { return h.readXMLBody(r, st) }})
	}
}

// operation is a routed request: its name (S3's operation name, for the
// access log and metrics), what it needs, and what runs it; or the error
// to answer when nothing can.
type operation struct {
	name   string
	access access
	handle handlerFunc
	err    *s3wire.Error
	// formSigned: the request is signed inside its body (POST Object), so
	// the handler authenticates it.
	formSigned bool
}

// subresources are the query parameters that select an S3 operation, in
// the order they are looked for. Parameters that only modify one
// (partNumber, versionId, response-*, x-id, list-type...) are not here.
var subresources = []string{
	"uploads", "uploadId", "delete", "acl", "location", "versioning", "versions",
	"tagging", "cors", "lifecycle", "policy", "policyStatus", "website", "logging",
	"notification", "replication", "encryption", "object-lock", "legal-hold",
	"retention", "requestPayment", "accelerate", "analytics", "inventory", "metrics",
	"intelligent-tiering", "ownershipControls", "publicAccessBlock", "restore",
	"select", "torrent", "attributes", "session", "metadataTable", "renameObject",
}

func subresource(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	for _, s := range subresources {
		if _, ok := q[s]; ok {
			return s
		}
	}
	return ""
}

func notImplemented(name string) operation {
	return operation{name: name, err: s3wire.ErrNotImplemented}
}

// route picks the operation for a request.
func route(method, bucket, key string, q url.Values, hdr http.Header) operation {
	sub := subresource(q)
	switch {
	case bucket == "":
		if method == http.MethodGet && sub == "" {
			return operation{name: "ListBuckets", access: accessCustom, handle: (*Handler).listBuckets}
		}
		return operation{name: "Service", err: s3wire.ErrMethodNotAllowed}
	case key == "":
		if method == http.MethodPost && sub == "" && awsauth.IsPostForm(&http.Request{Method: method, Header: hdr}) {
			return operation{name: "PostObject", access: accessCustom, handle: (*Handler).postObject, formSigned: true}
		}
		return routeBucket(method, sub, q)
	default:
		return routeObject(method, sub, hdr)
	}
}

func routeBucket(method, sub string, q url.Values) operation {
	switch method {
	case http.MethodGet:
		switch sub {
		case "":
			if q.Get("list-type") == "2" {
				return operation{name: "ListObjectsV2", access: accessRead, handle: (*Handler).listObjectsV2}
			}
			return operation{name: "ListObjects", access: accessRead, handle: (*Handler).listObjects}
		case "versions":
			return operation{name: "ListObjectVersions", access: accessRead, handle: (*Handler).listObjectVersions}
		case "uploads":
			return operation{name: "ListMultipartUploads", access: accessRead, handle: (*Handler).listMultipartUploads}
		case "location":
			return operation{name: "GetBucketLocation", access: accessRead, handle: configOp((*s3config.Handler).GetBucketLocation)}
		case "acl":
			return operation{name: "GetBucketAcl", access: accessRead, handle: configOp((*s3config.Handler).GetBucketACL)}
		case "versioning":
			return operation{name: "GetBucketVersioning", access: accessRead, handle: configOp((*s3config.Handler).GetBucketVersioning)}
		case "tagging":
			return operation{name: "GetBucketTagging", access: accessRead, handle: configOp((*s3config.Handler).GetBucketTagging)}
		case "cors":
			return operation{name: "GetBucketCors", access: accessRead, handle: configOp((*s3config.Handler).GetBucketCors)}
		case "lifecycle":
			return operation{name: "GetBucketLifecycleConfiguration", access: accessRead, handle: configOp((*s3config.Handler).GetBucketLifecycle)}
		}
		return notImplemented("GetBucket" + sub)
	case http.MethodHead:
		if sub == "" {
			return operation{name: "HeadBucket", access: accessRead, handle: (*Handler).headBucket}
		}
		return notImplemented("HeadBucket" + sub)
	case http.MethodPut:
		switch sub {
		case "":
			return operation{name: "CreateBucket", access: accessCustom, handle: (*Handler).createBucket}
		case "acl":
			return operation{name: "PutBucketAcl", access: accessRoot, handle: configOp((*s3config.Handler).PutBucketACL)}
		case "tagging":
			return operation{name: "PutBucketTagging", access: accessRoot, handle: configOp((*s3config.Handler).PutBucketTagging)}
		case "cors":
			return operation{name: "PutBucketCors", access: accessRoot, handle: configOp((*s3config.Handler).PutBucketCors)}
		case "lifecycle":
			return operation{name: "PutBucketLifecycleConfiguration", access: accessRoot, handle: configOp((*s3config.Handler).PutBucketLifecycle)}
		}
		return notImplemented("PutBucket" + sub)
	case http.MethodDelete:
		switch sub {
		case "":
			return operation{name: "DeleteBucket", access: accessRoot, handle: (*Handler).deleteBucket}
		case "tagging":
			return operation{name: "DeleteBucketTagging", access: accessRoot, handle: configOp((*s3config.Handler).DeleteBucketTagging)}
		case "cors":
			return operation{name: "DeleteBucketCors", access: accessRoot, handle: configOp((*s3config.Handler).DeleteBucketCors)}
		case "lifecycle":
			return operation{name: "DeleteBucketLifecycle", access: accessRoot, handle: configOp((*s3config.Handler).DeleteBucketLifecycle)}
		}
		return notImplemented("DeleteBucket" + sub)
	case http.MethodPost:
		if sub == "delete" {
			return operation{name: "DeleteObjects", access: accessWrite, handle: (*Handler).deleteObjects}
		}
		return notImplemented("PostBucket" + sub)
	}
	return operation{name: "Bucket", err: s3wire.ErrMethodNotAllowed}
}

func routeObject(method, sub string, hdr http.Header) operation {
	copySource := hdr.Get(s3wire.HeaderCopySource) != ""
	switch method {
	case http.MethodGet:
		switch sub {
		case "":
			return operation{name: "GetObject", access: accessRead, handle: (*Handler).getObject}
		case "acl":
			return operation{name: "GetObjectAcl", access: accessRead, handle: configOp((*s3config.Handler).GetObjectACL)}
		case "uploadId":
			return operation{name: "ListParts", access: accessRead, handle: (*Handler).listParts}
		case "attributes":
			return operation{name: "GetObjectAttributes", access: accessRead, handle: (*Handler).getObjectAttributes}
		case "tagging":
			return operation{name: "GetObjectTagging", access: accessRead, handle: configOp((*s3config.Handler).GetObjectTagging)}
		}
		return notImplemented("GetObject" + sub)
	case http.MethodHead:
		if sub == "" {
			return operation{name: "HeadObject", access: accessRead, handle: (*Handler).headObject}
		}
		return notImplemented("HeadObject" + sub)
	case http.MethodPut:
		switch {
		case sub == "" && copySource:
			return operation{name: "CopyObject", access: accessCustom, handle: (*Handler).copyObject}
		case sub == "":
			return operation{name: "PutObject", access: accessWrite, handle: (*Handler).putObject}
		case sub == "acl":
			return operation{name: "PutObjectAcl", access: accessWrite, handle: configOp((*s3config.Handler).PutObjectACL)}
		case sub == "tagging":
			return operation{name: "PutObjectTagging", access: accessWrite, handle: configOp((*s3config.Handler).PutObjectTagging)}
		case sub == "uploadId" && copySource:
			return operation{name: "UploadPartCopy", access: accessCustom, handle: (*Handler).uploadPartCopy}
		case sub == "uploadId":
			return operation{name: "UploadPart", access: accessWrite, handle: (*Handler).uploadPart}
		}
		return notImplemented("PutObject" + sub)
	case http.MethodPost:
		switch sub {
		case "uploads":
			return operation{name: "CreateMultipartUpload", access: accessWrite, handle: (*Handler).createMultipartUpload}
		case "uploadId":
			return operation{name: "CompleteMultipartUpload", access: accessWrite, handle: (*Handler).completeMultipartUpload}
		}
		return notImplemented("PostObject" + sub)
	case http.MethodDelete:
		switch sub {
		case "":
			return operation{name: "DeleteObject", access: accessWrite, handle: (*Handler).deleteObject}
		case "uploadId":
			return operation{name: "AbortMultipartUpload", access: accessWrite, handle: (*Handler).abortMultipartUpload}
		case "tagging":
			return operation{name: "DeleteObjectTagging", access: accessWrite, handle: configOp((*s3config.Handler).DeleteObjectTagging)}
		}
		return notImplemented("DeleteObject" + sub)
	}
	return operation{name: "Object", err: s3wire.ErrMethodNotAllowed}
}
