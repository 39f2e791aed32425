package osswire

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"strings"
	"time"
)

// The documents of responses (and CreateBucketConfiguration, a request
// body), named after their root element or, for parts of a document, the
// element they fill. Root element names matter: the v1 SDK unmarshals into
// structs that carry an XMLName. Timestamps are RFC 3339 with milliseconds,
// as OSS writes them (both SDKs parse them into time.Time).

// ISOTime formats t the way OSS does in XML bodies.
func ISOTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// MarshalXML encodes v with the XML declaration OSS sends. The types here
// cannot fail to marshal; a failure is a programming error.
func MarshalXML(v any) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	if err := enc.Encode(v); err != nil {
		panic("osswire: marshal " + err.Error())
	}
	return b.Bytes()
}

// URLEncode is the encoding of listing fields under encoding-type=url:
// QueryEscape with spaces as %20, because the v1 SDK decodes with
// QueryUnescape (so a raw "+" would turn into a space) and the v2 SDK with
// PathUnescape-like rules.
func URLEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

type Owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

type ListAllMyBucketsResult struct {
	XMLName     xml.Name       `xml:"ListAllMyBucketsResult"`
	Prefix      string         `xml:"Prefix,omitempty"`
	Marker      string         `xml:"Marker,omitempty"`
	MaxKeys     int            `xml:"MaxKeys,omitempty"`
	IsTruncated bool           `xml:"IsTruncated"`
	NextMarker  string         `xml:"NextMarker,omitempty"`
	Owner       Owner          `xml:"Owner"`
	Buckets     []BucketRecord `xml:"Buckets>Bucket"`
}

type BucketRecord struct {
	CreationDate     string `xml:"CreationDate"`
	ExtranetEndpoint string `xml:"ExtranetEndpoint"`
	IntranetEndpoint string `xml:"IntranetEndpoint"`
	Location         string `xml:"Location"`
	Name             string `xml:"Name"`
	Region           string `xml:"Region"`
	StorageClass     string `xml:"StorageClass"`
}

type BucketInfoResult struct {
	XMLName xml.Name         `xml:"BucketInfo"`
	Bucket  BucketInfoDetail `xml:"Bucket"`
}

type BucketInfoDetail struct {
	AccessMonitor          string       `xml:"AccessMonitor"`
	CreationDate           string       `xml:"CreationDate"`
	ExtranetEndpoint       string       `xml:"ExtranetEndpoint"`
	IntranetEndpoint       string       `xml:"IntranetEndpoint"`
	Location               string       `xml:"Location"`
	StorageClass           string       `xml:"StorageClass"`
	TransferAcceleration   string       `xml:"TransferAcceleration"`
	CrossRegionReplication string       `xml:"CrossRegionReplication"`
	DataRedundancyType     string       `xml:"DataRedundancyType"`
	Name                   string       `xml:"Name"`
	ResourceGroupID        string       `xml:"ResourceGroupId"`
	Region                 string       `xml:"Region"`
	Owner                  Owner        `xml:"Owner"`
	ACL                    string       `xml:"AccessControlList>Grant"`
	Comment                string       `xml:"Comment"`
	BlockPublicAccess      bool         `xml:"BlockPublicAccess"`
	Versioning             string       `xml:"Versioning,omitempty"`
	SSERule                SSERule      `xml:"ServerSideEncryptionRule"`
	BucketPolicy           BucketPolicy `xml:"BucketPolicy"`
}

// SSERule says "no server-side encryption" the way OSS does: the v2 SDK maps
// the value None to "".
type SSERule struct {
	SSEAlgorithm string `xml:"SSEAlgorithm"`
}

type BucketPolicy struct {
	LogBucket string `xml:"LogBucket"`
	LogPrefix string `xml:"LogPrefix"`
}

type LocationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	Value   string   `xml:",chardata"`
}

type AccessControlPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   Owner    `xml:"Owner"`
	Grant   string   `xml:"AccessControlList>Grant"`
}

type ListBucketResult struct {
	XMLName        xml.Name       `xml:"ListBucketResult"`
	Name           string         `xml:"Name"`
	Prefix         string         `xml:"Prefix"`
	Marker         string         `xml:"Marker"`
	MaxKeys        int            `xml:"MaxKeys"`
	Delimiter      string         `xml:"Delimiter"`
	IsTruncated    bool           `xml:"IsTruncated"`
	NextMarker     string         `xml:"NextMarker,omitempty"`
	EncodingType   string         `xml:"EncodingType,omitempty"`
	Contents       []ObjectRecord `xml:"Contents"`
	CommonPrefixes []PrefixRecord `xml:"CommonPrefixes"`
}

type ListBucketResultV2 struct {
	XMLName               xml.Name       `xml:"ListBucketResult"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	MaxKeys               int            `xml:"MaxKeys"`
	Delimiter             string         `xml:"Delimiter"`
	IsTruncated           bool           `xml:"IsTruncated"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	KeyCount              int            `xml:"KeyCount"`
	Contents              []ObjectRecord `xml:"Contents"`
	CommonPrefixes        []PrefixRecord `xml:"CommonPrefixes"`
}

type ObjectRecord struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Type         string `xml:"Type"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
	Owner        *Owner `xml:"Owner,omitempty"`
}

type PrefixRecord struct {
	Prefix string `xml:"Prefix"`
}

type CopyObjectResult struct {
	XMLName      xml.Name `xml:"CopyObjectResult"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
}

type DeleteResult struct {
	XMLName      xml.Name        `xml:"DeleteResult"`
	EncodingType string          `xml:"EncodingType,omitempty"`
	Deleted      []DeletedRecord `xml:"Deleted"`
}

type DeletedRecord struct {
	Key string `xml:"Key"`
}

type ListVersionsResult struct {
	XMLName             xml.Name `xml:"ListVersionsResult"`
	Name                string   `xml:"Name"`
	Prefix              string   `xml:"Prefix"`
	KeyMarker           string   `xml:"KeyMarker"`
	VersionIDMarker     string   `xml:"VersionIdMarker"`
	MaxKeys             int      `xml:"MaxKeys"`
	Delimiter           string   `xml:"Delimiter"`
	IsTruncated         bool     `xml:"IsTruncated"`
	NextKeyMarker       string   `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string   `xml:"NextVersionIdMarker,omitempty"`
	EncodingType        string   `xml:"EncodingType,omitempty"`
	// Versions are the objects, each its only version: kossd has no
	// versioning, so every object is version "null" and the latest.
	Versions       []VersionRecord `xml:"Version"`
	CommonPrefixes []PrefixRecord  `xml:"CommonPrefixes"`
}

// VersionRecord is one <Version> of ListObjectVersions.
type VersionRecord struct {
	Key          string `xml:"Key"`
	VersionID    string `xml:"VersionId"`
	IsLatest     bool   `xml:"IsLatest"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Type         string `xml:"Type"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
	Owner        Owner  `xml:"Owner"`
}

type ListLiveChannelResult struct {
	XMLName     xml.Name `xml:"ListLiveChannelResult"`
	Prefix      string   `xml:"Prefix"`
	Marker      string   `xml:"Marker"`
	MaxKeys     int      `xml:"MaxKeys"`
	IsTruncated bool     `xml:"IsTruncated"`
	NextMarker  string   `xml:"NextMarker"`
}

type BucketStat struct {
	XMLName                     xml.Name `xml:"BucketStat"`
	Storage                     int64    `xml:"Storage"`
	ObjectCount                 int64    `xml:"ObjectCount"`
	MultipartUploadCount        int64    `xml:"MultipartUploadCount"`
	LiveChannelCount            int64    `xml:"LiveChannelCount"`
	LastModifiedTime            int64    `xml:"LastModifiedTime"`
	StandardStorage             int64    `xml:"StandardStorage"`
	StandardObjectCount         int64    `xml:"StandardObjectCount"`
	InfrequentAccessStorage     int64    `xml:"InfrequentAccessStorage"`
	InfrequentAccessRealStorage int64    `xml:"InfrequentAccessRealStorage"`
	InfrequentAccessObjectCount int64    `xml:"InfrequentAccessObjectCount"`
	ArchiveStorage              int64    `xml:"ArchiveStorage"`
	ArchiveRealStorage          int64    `xml:"ArchiveRealStorage"`
	ArchiveObjectCount          int64    `xml:"ArchiveObjectCount"`
	ColdArchiveStorage          int64    `xml:"ColdArchiveStorage"`
	ColdArchiveRealStorage      int64    `xml:"ColdArchiveRealStorage"`
	ColdArchiveObjectCount      int64    `xml:"ColdArchiveObjectCount"`
	MultipartPartCount          int64    `xml:"MultipartPartCount"`
	DeleteMarkerCount           int64    `xml:"DeleteMarkerCount"`
}

type VersioningConfiguration struct {
	XMLName xml.Name `xml:"VersioningConfiguration"`
}

type RefererConfiguration struct {
	XMLName           xml.Name `xml:"RefererConfiguration"`
	AllowEmptyReferer bool     `xml:"AllowEmptyReferer"`
	RefererList       struct{} `xml:"RefererList"`
}

type BucketLoggingStatus struct {
	XMLName xml.Name `xml:"BucketLoggingStatus"`
}

type RequestPaymentConfiguration struct {
	XMLName xml.Name `xml:"RequestPaymentConfiguration"`
	Payer   string   `xml:"Payer"`
}

type TransferAccelerationConfiguration struct {
	XMLName xml.Name `xml:"TransferAccelerationConfiguration"`
	Enabled bool     `xml:"Enabled"`
}

type ListInventoryConfigurationsResult struct {
	XMLName     xml.Name `xml:"ListInventoryConfigurationsResult"`
	IsTruncated bool     `xml:"IsTruncated"`
}

type ListCnameResult struct {
	XMLName xml.Name `xml:"ListCnameResult"`
	Bucket  string   `xml:"Bucket"`
	Owner   string   `xml:"Owner"`
}

// CreateBucketConfiguration is the optional PutBucket body.
type CreateBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	StorageClass       string   `xml:"StorageClass"`
	DataRedundancyType string   `xml:"DataRedundancyType"`
}
