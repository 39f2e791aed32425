package s3wire

// Header names of the S3 dialect, in canonical form.
const (
	HeaderRequestID           = "X-Amz-Request-Id"
	HeaderID2                 = "X-Amz-Id-2"
	HeaderBucketRegion        = "X-Amz-Bucket-Region"
	HeaderACL                 = "X-Amz-Acl"
	HeaderStorageClass        = "X-Amz-Storage-Class"
	HeaderCopySource          = "X-Amz-Copy-Source"
	HeaderCopySourceRange     = "X-Amz-Copy-Source-Range"
	HeaderMetadataDirective   = "X-Amz-Metadata-Directive"
	HeaderChecksumMode        = "X-Amz-Checksum-Mode"
	HeaderChecksumAlgorithm   = "X-Amz-Checksum-Algorithm"
	HeaderChecksumType        = "X-Amz-Checksum-Type"
	HeaderSDKChecksumAlgo     = "X-Amz-Sdk-Checksum-Algorithm"
	HeaderMpPartsCount        = "X-Amz-Mp-Parts-Count"
	HeaderVersionID           = "X-Amz-Version-Id"
	HeaderCopySourceVersion   = "X-Amz-Copy-Source-Version-Id"
	HeaderBypassGovernance    = "X-Amz-Bypass-Governance-Retention"
	HeaderExpectedBucketOwner = "X-Amz-Expected-Bucket-Owner"

	// MetaPrefix starts user metadata headers. The names after it are the
	// same metadata the OSS dialect shows under x-oss-meta-.
	MetaPrefix = "X-Amz-Meta-"
	// ChecksumPrefix starts the x-amz-checksum-<algorithm> headers.
	ChecksumPrefix = "X-Amz-Checksum-"
)

// Namespace is the XML namespace of every S3 document but <Error>.
const Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// StorageClass is the only storage class kossd reports.
const StorageClass = "STANDARD"

// ServerName is the Server header of S3 responses.
const ServerName = "kossd"
