package osswire

import "net/url"

// routingSubresources are the query parameters that select an operation, in
// the order they are looked for. They are the sub-resources of the signing
// rules minus those that only modify an operation (versionId,
// continuation-token, response-*, security-token, position, partNumber,
// x-oss-process, ...).
var routingSubresources = []string{
	"append", "delete", "uploads", "uploadId", "acl", "location", "bucketInfo", "objectMeta",
	"stat", "versions", "versioning", "live", "tagging", "lifecycle", "cors", "website",
	"referer", "logging", "encryption", "policy", "requestPayment", "worm", "wormId",
	"wormExtend", "inventory", "transferAcceleration", "cname", "symlink", "restore", "qos",
	"qosInfo", "replication", "replicationProgress", "replicationLocation", "img", "style",
	"styleName", "udf", "udfName", "udfImage", "udfId", "udfImageDesc", "udfApplication",
	"udfApplicationLog", "comp", "metaQuery", "resourceGroup", "rtc", "asyncFetch",
	"regionList", "x-oss-async-process", "responseHeader", "accessMonitor", "policyStatus",
	"publicAccessBlock", "httpsConfig", "overwriteConfig", "archiveDirectRead", "objectWorm",
	"cloudboxes", "vod", "status", "startTime", "endTime", "redundancyTransition",
	"metadataTableConfiguration", "dataPipeline", "objectFcAccessPoint", "accessPoint",
	"quota", "seal",
}

// Subresource returns the operation-selecting sub-resource of a query, or "".
func Subresource(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	for _, s := range routingSubresources {
		if _, ok := q[s]; ok {
			return s
		}
	}
	return ""
}
