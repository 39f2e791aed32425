package osswire

// Header names of OSS responses and requests, in canonical form (the keys
// net/http stores them under).
const (
	// HeaderRequestID carries the request id of every response.
	HeaderRequestID = "X-Oss-Request-Id"
	// HeaderEC carries an error's EC.
	HeaderEC = "X-Oss-Ec"
	// HeaderErr carries the base64 of the <Error> document of a HEAD
	// response, which has no body.
	HeaderErr                = "X-Oss-Err"
	HeaderNextAppendPosition = "X-Oss-Next-Append-Position"
	HeaderCRC64              = "X-Oss-Hash-Crc64ecma"
	HeaderObjectType         = "X-Oss-Object-Type"
	HeaderStorageClass       = "X-Oss-Storage-Class"
	HeaderContentSHA256      = "X-Oss-Content-Sha256"
	// MetaPrefix starts the name of every user metadata header.
	MetaPrefix = "X-Oss-Meta-"
)

// ServerName is the Server header; clients rely on it being non-empty.
const ServerName = "AliyunOSS"
