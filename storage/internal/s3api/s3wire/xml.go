package s3wire

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"strings"
	"time"
)

// The documents of responses and requests. Root elements carry the S3
// namespace (the SDKs ignore it, but some strict clients check it);
// timestamps are RFC 3339 with milliseconds in UTC.

// ISOTime formats t the way S3 writes timestamps in XML bodies.
func ISOTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// MarshalXML encodes v with an XML declaration. The types here cannot fail
// to marshal; a failure is a programming error.
func MarshalXML(v any) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if err := xml.NewEncoder(&b).Encode(v); err != nil {
		panic("s3wire: marshal " + err.Error())
	}
	return b.Bytes()
}

// URLEncode is the encoding of listing fields under encoding-type=url:
// every byte but the unreserved ones and "/" escaped, spaces as %20 (the
// SDKs decode with url.QueryUnescape or PathUnescape; "+" must not appear
// raw since the first would turn it into a space).
func URLEncode(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), "%2F", "/")
}

// Owner names the owner of buckets and objects.
type Owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

// ListAllMyBucketsResult answers ListBuckets.
type ListAllMyBucketsResult struct {
	XMLName           xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
	Owner             Owner          `xml:"Owner"`
	Buckets           []BucketRecord `xml:"Buckets>Bucket"`
	ContinuationToken string         `xml:"ContinuationToken,omitempty"`
	Prefix            string         `xml:"Prefix,omitempty"`
}

// BucketRecord is one bucket of ListAllMyBucketsResult.
type BucketRecord struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion,omitempty"`
}

// LocationConstraint answers GetBucketLocation. S3 answers an empty one
// for us-east-1.
type LocationConstraint struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
	Value   string   `xml:",chardata"`
}

// CreateBucketConfiguration is CreateBucket's optional body.
type CreateBucketConfiguration struct {
	LocationConstraint string `xml:"LocationConstraint"`
}

// VersioningConfiguration answers GetBucketVersioning: empty, versioning
// was never enabled.
type VersioningConfiguration struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ VersioningConfiguration"`
}

// ListBucketResult answers ListObjects (v1) and, with the V2 fields,
// ListObjectsV2; unused fields are omitted.
type ListBucketResult struct {
	XMLName               xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	Marker                *string        `xml:"Marker"`
	NextMarker            string         `xml:"NextMarker,omitempty"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	KeyCount              *int           `xml:"KeyCount"`
	MaxKeys               int            `xml:"MaxKeys"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	Contents              []ObjectRecord `xml:"Contents"`
	CommonPrefixes        []PrefixRecord `xml:"CommonPrefixes"`
}

// ObjectRecord is one object of a listing.
type ObjectRecord struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	Owner        *Owner `xml:"Owner,omitempty"`
	StorageClass string `xml:"StorageClass"`
}

// PrefixRecord is one common prefix of a listing.
type PrefixRecord struct {
	Prefix string `xml:"Prefix"`
}

// ListVersionsResult answers ListObjectVersions.
type ListVersionsResult struct {
	XMLName             xml.Name        `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListVersionsResult"`
	Name                string          `xml:"Name"`
	Prefix              string          `xml:"Prefix"`
	KeyMarker           string          `xml:"KeyMarker"`
	VersionIDMarker     string          `xml:"VersionIdMarker"`
	NextKeyMarker       string          `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string          `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int             `xml:"MaxKeys"`
	Delimiter           string          `xml:"Delimiter,omitempty"`
	EncodingType        string          `xml:"EncodingType,omitempty"`
	IsTruncated         bool            `xml:"IsTruncated"`
	Versions            []VersionRecord `xml:"Version"`
	CommonPrefixes      []PrefixRecord  `xml:"CommonPrefixes"`
}

// VersionRecord is one object version; kossd keeps only the current one,
// version "null".
type VersionRecord struct {
	Key          string `xml:"Key"`
	VersionID    string `xml:"VersionId"`
	IsLatest     bool   `xml:"IsLatest"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	Owner        *Owner `xml:"Owner,omitempty"`
	StorageClass string `xml:"StorageClass"`
}

// CopyObjectResult answers CopyObject.
type CopyObjectResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyObjectResult"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
	Checksums
}

// CopyPartResult answers UploadPartCopy.
type CopyPartResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyPartResult"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
	Checksums
}

// Checksums are the optional Checksum<Algorithm> elements of several
// documents; at most one is set. Besides S3's five, the algorithms MinIO
// added (MD5, SHA512, XXHASH*) are named the way minio-go reads them.
type Checksums struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
	ChecksumMD5       string `xml:"ChecksumMD5,omitempty"`
	ChecksumSHA512    string `xml:"ChecksumSHA512,omitempty"`
	ChecksumXXHASH64  string `xml:"ChecksumXXHASH64,omitempty"`
	ChecksumXXHASH3   string `xml:"ChecksumXXHASH3,omitempty"`
	ChecksumXXHASH128 string `xml:"ChecksumXXHASH128,omitempty"`
	ChecksumType      string `xml:"ChecksumType,omitempty"`
}

// fields maps algorithm names to their element.
func (c *Checksums) fields() []struct {
	alg string
	v   *string
} {
	return []struct {
		alg string
		v   *string
	}{
		{"CRC32", &c.ChecksumCRC32}, {"CRC32C", &c.ChecksumCRC32C}, {"CRC64NVME", &c.ChecksumCRC64NVME},
		{"SHA1", &c.ChecksumSHA1}, {"SHA256", &c.ChecksumSHA256}, {"MD5", &c.ChecksumMD5},
		{"SHA512", &c.ChecksumSHA512}, {"XXHASH64", &c.ChecksumXXHASH64}, {"XXHASH3", &c.ChecksumXXHASH3},
		{"XXHASH128", &c.ChecksumXXHASH128},
	}
}

// Get returns the one checksum set: its algorithm name and value.
func (c Checksums) Get() (algorithm, value string) {
	for _, f := range c.fields() {
		if *f.v != "" {
			return f.alg, *f.v
		}
	}
	return "", ""
}

// Set stores value under algorithm ("CRC32", ...); unknown names are
// ignored.
func (c *Checksums) Set(algorithm, value string) {
	for _, f := range c.fields() {
		if f.alg == algorithm {
			*f.v = value
		}
	}
}

// DeleteResult answers DeleteObjects.
type DeleteResult struct {
	XMLName xml.Name        `xml:"http://s3.amazonaws.com/doc/2006-03-01/ DeleteResult"`
	Deleted []DeletedRecord `xml:"Deleted"`
	Errors  []DeleteError   `xml:"Error"`
}

// DeletedRecord is one deleted key.
type DeletedRecord struct {
	Key string `xml:"Key"`
}

// DeleteError is one key DeleteObjects could not delete.
type DeleteError struct {
	Key     string `xml:"Key"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// AccessControlPolicy answers GetBucketAcl and GetObjectAcl.
type AccessControlPolicy struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ AccessControlPolicy"`
	Owner   Owner    `xml:"Owner"`
	Grants  []Grant  `xml:"AccessControlList>Grant"`
}

// Grant is one entry of an access control list.
type Grant struct {
	Grantee    Grantee `xml:"Grantee"`
	Permission string  `xml:"Permission"`
}

// Grantee is a canonical user or a group, told apart by xsi:type.
type Grantee struct {
	XMLNS       string `xml:"xmlns:xsi,attr"`
	Type        string `xml:"xsi:type,attr"`
	ID          string `xml:"ID,omitempty"`
	DisplayName string `xml:"DisplayName,omitempty"`
	URI         string `xml:"URI,omitempty"`
}

// InitiateMultipartUploadResult answers CreateMultipartUpload.
type InitiateMultipartUploadResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ InitiateMultipartUploadResult"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

// CompleteMultipartUploadResult answers CompleteMultipartUpload.
type CompleteMultipartUploadResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUploadResult"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
	Checksums
}

// ListMultipartUploadsResult answers ListMultipartUploads.
type ListMultipartUploadsResult struct {
	XMLName            xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListMultipartUploadsResult"`
	Bucket             string         `xml:"Bucket"`
	KeyMarker          string         `xml:"KeyMarker"`
	UploadIDMarker     string         `xml:"UploadIdMarker"`
	NextKeyMarker      string         `xml:"NextKeyMarker"`
	NextUploadIDMarker string         `xml:"NextUploadIdMarker"`
	Delimiter          string         `xml:"Delimiter,omitempty"`
	Prefix             string         `xml:"Prefix"`
	EncodingType       string         `xml:"EncodingType,omitempty"`
	MaxUploads         int            `xml:"MaxUploads"`
	IsTruncated        bool           `xml:"IsTruncated"`
	Uploads            []UploadRecord `xml:"Upload"`
	CommonPrefixes     []PrefixRecord `xml:"CommonPrefixes"`
}

// UploadRecord is one upload in progress.
type UploadRecord struct {
	Key               string `xml:"Key"`
	UploadID          string `xml:"UploadId"`
	Initiator         Owner  `xml:"Initiator"`
	Owner             Owner  `xml:"Owner"`
	StorageClass      string `xml:"StorageClass"`
	Initiated         string `xml:"Initiated"`
	ChecksumAlgorithm string `xml:"ChecksumAlgorithm,omitempty"`
}

// ListPartsResult answers ListParts.
type ListPartsResult struct {
	XMLName              xml.Name     `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListPartsResult"`
	Bucket               string       `xml:"Bucket"`
	Key                  string       `xml:"Key"`
	UploadID             string       `xml:"UploadId"`
	Initiator            Owner        `xml:"Initiator"`
	Owner                Owner        `xml:"Owner"`
	StorageClass         string       `xml:"StorageClass"`
	PartNumberMarker     int          `xml:"PartNumberMarker"`
	NextPartNumberMarker int          `xml:"NextPartNumberMarker"`
	MaxParts             int          `xml:"MaxParts"`
	IsTruncated          bool         `xml:"IsTruncated"`
	ChecksumAlgorithm    string       `xml:"ChecksumAlgorithm,omitempty"`
	Parts                []PartRecord `xml:"Part"`
}

// PartRecord is one uploaded part.
type PartRecord struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	Checksums
}

// PostResponse answers a POST Object whose form asked for status 201.
type PostResponse struct {
	XMLName  xml.Name `xml:"PostResponse"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}
