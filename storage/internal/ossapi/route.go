package ossapi

import (
	"net/http"
	"net/url"

	"github.com/koss-io/koss/storage/internal/ossapi/ossconfig"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
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
	// accessCustom: the handler authorizes by itself (ListBuckets lists what
	// the key may see; CopyObject needs read on one bucket and write on
	// another).
	accessCustom
	// accessPreflight: no authentication at all. Only the CORS preflight
	// (OPTIONS) has it: browsers send it without credentials, and its
	// handler answers nothing but the bucket's CORS verdict.
	accessPreflight
)

// handlerFunc runs one authorized operation. It returns nil once it has
// written the response, or the error to answer.
type handlerFunc func(h *Handler, w http.ResponseWriter, r *http.Request, st *reqState) error

// configOp runs an operation of package ossconfig (a configuration
// subresource) as a handlerFunc.
func configOp(op func(*ossconfig.Handler, http.ResponseWriter, *http.Request, ossconfig.Request) error) handlerFunc {
	return func(h *Handler, w http.ResponseWriter, r *http.Request, st *reqState) error {
		return op(h.config, w, r, ossconfig.Request{Bucket: st.target.bucket, Key: st.target.key,
			ReadXML: func() ([]byte, error) { return h.readXMLBody(r, st) }})
	}
}

// operation is a routed request: its name (for metrics and logs), what it
// needs, and what runs it; or the error to answer when nothing can.
type operation struct {
	name   string
	access access
	handle handlerFunc
	err    *osswire.Error
}

func notImplemented(name string) operation {
	return operation{name: name, err: osswire.ErrNotImplemented}
}

// route picks the operation for a request.
func route(method, bucket, key string, q url.Values, hdr http.Header) operation {
	sub := osswire.Subresource(q)
	if method == http.MethodOptions && bucket != "" {
		// Whatever the query: an OPTIONS is a preflight, never an
		// operation on the resource it names.
		return operation{name: "Options", access: accessPreflight, handle: configOp((*ossconfig.Handler).Preflight)}
	}
	switch {
	case bucket == "":
		return routeService(method, sub)
	case key == "":
		return routeBucket(method, sub, q)
	default:
		return routeObject(method, sub, hdr)
	}
}

func routeService(method, sub string) operation {
	if method == http.MethodGet && sub == "" {
		return operation{name: "ListBuckets", access: accessCustom, handle: (*Handler).listBuckets}
	}
	if method == http.MethodGet {
		return notImplemented("Service")
	}
	return operation{name: "Service", err: osswire.ErrMethodNotAllowed}
}

// emptyBucketConfigs are bucket configurations kossd does not support: reads
// answer OSS's "no such configuration" error for them.
var emptyBucketConfigs = map[string]*osswire.Error{
	"website":     osswire.ErrNoSuchWebsiteConfiguration,
	"encryption":  osswire.ErrNoSuchServerSideEncryptionRule,
	"policy":      osswire.ErrNoSuchBucketPolicy,
	"worm":        osswire.ErrNoSuchWORMConfiguration,
	"replication": osswire.ErrNoSuchReplicationConfiguration,
}

// deletableBucketConfigs are configurations whose DELETE succeeds trivially:
// none can exist.
var deletableBucketConfigs = map[string]bool{
	"website":    true,
	"encryption": true, "policy": true, "logging": true, "referer": true,
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
		case "acl":
			return operation{name: "GetBucketAcl", access: accessRead, handle: configOp((*ossconfig.Handler).GetBucketACL)}
		case "location":
			return operation{name: "GetBucketLocation", access: accessRead, handle: (*Handler).getBucketLocation}
		case "bucketInfo":
			return operation{name: "GetBucketInfo", access: accessRead, handle: (*Handler).getBucketInfo}
		case "stat":
			return operation{name: "GetBucketStat", access: accessRead, handle: (*Handler).getBucketStat}
		case "uploads":
			return operation{name: "ListMultipartUploads", access: accessRead, handle: (*Handler).listMultipartUploads}
		case "versions":
			return operation{name: "ListObjectVersions", access: accessRead, handle: (*Handler).listObjectVersions}
		case "live":
			return operation{name: "ListLiveChannel", access: accessRead, handle: (*Handler).listLiveChannel}
		case "inventory":
			if q.Has("inventoryId") {
				return operation{name: "GetBucketInventory", access: accessRead, handle: bucketConfigError(osswire.ErrNoSuchInventory)}
			}
			return operation{name: "ListBucketInventory", access: accessRead,
				handle: bucketDocument(osswire.ListInventoryConfigurationsResult{})}
		case "versioning":
			return operation{name: "GetBucketVersioning", access: accessRead, handle: bucketDocument(osswire.VersioningConfiguration{})}
		case "tagging":
			return operation{name: "GetBucketTags", access: accessRead, handle: configOp((*ossconfig.Handler).GetBucketTags)}
		case "cors":
			return operation{name: "GetBucketCors", access: accessRead, handle: configOp((*ossconfig.Handler).GetBucketCors)}
		case "lifecycle":
			return operation{name: "GetBucketLifecycle", access: accessRead, handle: configOp((*ossconfig.Handler).GetBucketLifecycle)}
		case "referer":
			return operation{name: "GetBucketReferer", access: accessRead,
				handle: bucketDocument(osswire.RefererConfiguration{AllowEmptyReferer: true})}
		case "logging":
			return operation{name: "GetBucketLogging", access: accessRead, handle: bucketDocument(osswire.BucketLoggingStatus{})}
		case "requestPayment":
			return operation{name: "GetBucketRequestPayment", access: accessRead,
				handle: bucketDocument(osswire.RequestPaymentConfiguration{Payer: "BucketOwner"})}
		case "transferAcceleration":
			return operation{name: "GetBucketTransferAcceleration", access: accessRead,
				handle: bucketDocument(osswire.TransferAccelerationConfiguration{})}
		case "cname":
			return operation{name: "ListCname", access: accessRead, handle: (*Handler).listCname}
		}
		if e, ok := emptyBucketConfigs[sub]; ok {
			return operation{name: "GetBucketConfig", access: accessRead, handle: bucketConfigError(e)}
		}
		return notImplemented("BucketOperation")
	case http.MethodHead:
		if sub == "" {
			return operation{name: "HeadBucket", access: accessRead, handle: (*Handler).headBucket}
		}
		return notImplemented("BucketOperation")
	case http.MethodPut:
		switch sub {
		case "":
			return operation{name: "PutBucket", access: accessRoot, handle: (*Handler).putBucket}
		case "acl":
			return operation{name: "PutBucketAcl", access: accessRoot, handle: configOp((*ossconfig.Handler).PutBucketACL)}
		case "tagging":
			return operation{name: "PutBucketTags", access: accessRoot, handle: configOp((*ossconfig.Handler).PutBucketTags)}
		case "cors":
			return operation{name: "PutBucketCors", access: accessRoot, handle: configOp((*ossconfig.Handler).PutBucketCors)}
		case "lifecycle":
			return operation{name: "PutBucketLifecycle", access: accessRoot, handle: configOp((*ossconfig.Handler).PutBucketLifecycle)}
		}
		return notImplemented("BucketOperation")
	case http.MethodDelete:
		switch sub {
		case "":
			return operation{name: "DeleteBucket", access: accessRoot, handle: (*Handler).deleteBucket}
		case "tagging":
			return operation{name: "DeleteBucketTags", access: accessRoot, handle: configOp((*ossconfig.Handler).DeleteBucketTags)}
		case "cors":
			return operation{name: "DeleteBucketCors", access: accessRoot, handle: configOp((*ossconfig.Handler).DeleteBucketCors)}
		case "lifecycle":
			return operation{name: "DeleteBucketLifecycle", access: accessRoot, handle: configOp((*ossconfig.Handler).DeleteBucketLifecycle)}
		}
		if deletableBucketConfigs[sub] {
			return operation{name: "DeleteBucketConfig", access: accessRoot, handle: (*Handler).deleteBucketConfig}
		}
		return notImplemented("BucketOperation")
	case http.MethodPost:
		if sub == "delete" {
			return operation{name: "DeleteMultipleObjects", access: accessWrite, handle: (*Handler).deleteMultipleObjects}
		}
		return notImplemented("BucketOperation")
	}
	return operation{name: "BucketOperation", err: osswire.ErrMethodNotAllowed}
}

func routeObject(method, sub string, hdr http.Header) operation {
	switch method {
	case http.MethodGet:
		switch sub {
		case "":
			return operation{name: "GetObject", access: accessRead, handle: (*Handler).getObject}
		case "acl":
			return operation{name: "GetObjectAcl", access: accessRead, handle: configOp((*ossconfig.Handler).GetObjectACL)}
		case "tagging":
			return operation{name: "GetObjectTagging", access: accessRead, handle: configOp((*ossconfig.Handler).GetObjectTagging)}
		case "symlink":
			return operation{name: "GetSymlink", access: accessRead, handle: (*Handler).getSymlink}
		case "uploadId":
			return operation{name: "ListParts", access: accessRead, handle: (*Handler).listParts}
		}
		return notImplemented("ObjectOperation")
	case http.MethodHead:
		switch sub {
		case "":
			return operation{name: "HeadObject", access: accessRead, handle: (*Handler).headObject}
		case "objectMeta":
			return operation{name: "GetObjectMeta", access: accessRead, handle: (*Handler).getObjectMeta}
		}
		return notImplemented("ObjectOperation")
	case http.MethodPut:
		switch sub {
		case "":
			if hdr.Get("X-Oss-Copy-Source") != "" {
				return operation{name: "CopyObject", access: accessCustom, handle: (*Handler).copyObject}
			}
			return operation{name: "PutObject", access: accessWrite, handle: (*Handler).putObject}
		case "acl":
			return operation{name: "PutObjectAcl", access: accessWrite, handle: configOp((*ossconfig.Handler).PutObjectACL)}
		case "tagging":
			return operation{name: "PutObjectTagging", access: accessWrite, handle: configOp((*ossconfig.Handler).PutObjectTagging)}
		case "symlink":
			return operation{name: "PutSymlink", access: accessWrite, handle: (*Handler).putSymlink}
		case "uploadId":
			if hdr.Get("X-Oss-Copy-Source") != "" {
				return operation{name: "UploadPartCopy", access: accessCustom, handle: (*Handler).uploadPartCopy}
			}
			return operation{name: "UploadPart", access: accessWrite, handle: (*Handler).uploadPart}
		}
		return notImplemented("ObjectOperation")
	case http.MethodPost:
		switch sub {
		case "append":
			return operation{name: "AppendObject", access: accessWrite, handle: (*Handler).appendObject}
		case "uploads":
			return operation{name: "InitiateMultipartUpload", access: accessWrite, handle: (*Handler).initiateMultipartUpload}
		case "uploadId":
			return operation{name: "CompleteMultipartUpload", access: accessWrite, handle: (*Handler).completeMultipartUpload}
		}
		return notImplemented("ObjectOperation")
	case http.MethodDelete:
		switch sub {
		case "":
			return operation{name: "DeleteObject", access: accessWrite, handle: (*Handler).deleteObject}
		case "uploadId":
			return operation{name: "AbortMultipartUpload", access: accessWrite, handle: (*Handler).abortMultipartUpload}
		case "tagging":
			return operation{name: "DeleteObjectTagging", access: accessWrite, handle: configOp((*ossconfig.Handler).DeleteObjectTagging)}
		}
		return notImplemented("ObjectOperation")
	}
	return operation{name: "ObjectOperation", err: osswire.ErrMethodNotAllowed}
}
