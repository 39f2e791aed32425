package osswire

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/object"
)

// The multipart upload documents and parameters.

// InitiateMultipartUploadResult answers InitiateMultipartUpload.
type InitiateMultipartUploadResult struct {
	XMLName      xml.Name `xml:"InitiateMultipartUploadResult"`
	EncodingType string   `xml:"EncodingType,omitempty"`
	Bucket       string   `xml:"Bucket"`
	Key          string   `xml:"Key"`
	UploadID     string   `xml:"UploadId"`
}

// CompleteMultipartUploadResult answers CompleteMultipartUpload.
type CompleteMultipartUploadResult struct {
	XMLName      xml.Name `xml:"CompleteMultipartUploadResult"`
	EncodingType string   `xml:"EncodingType,omitempty"`
	Location     string   `xml:"Location"`
	Bucket       string   `xml:"Bucket"`
	Key          string   `xml:"Key"`
	ETag         string   `xml:"ETag"`
}

// CopyPartResult answers UploadPartCopy.
type CopyPartResult struct {
	XMLName      xml.Name `xml:"CopyPartResult"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
}

// ListMultipartUploadsResult answers ListMultipartUploads. KeyMarker is
// always present: the v2 SDK dereferences it.
type ListMultipartUploadsResult struct {
	XMLName            xml.Name       `xml:"ListMultipartUploadsResult"`
	Bucket             string         `xml:"Bucket"`
	EncodingType       string         `xml:"EncodingType,omitempty"`
	KeyMarker          string         `xml:"KeyMarker"`
	UploadIDMarker     string         `xml:"UploadIdMarker"`
	NextKeyMarker      string         `xml:"NextKeyMarker"`
	NextUploadIDMarker string         `xml:"NextUploadIdMarker"`
	Delimiter          string         `xml:"Delimiter"`
	Prefix             string         `xml:"Prefix"`
	MaxUploads         int            `xml:"MaxUploads"`
	IsTruncated        bool           `xml:"IsTruncated"`
	Uploads            []UploadEntry  `xml:"Upload"`
	CommonPrefixes     []PrefixRecord `xml:"CommonPrefixes"`
}

// UploadEntry is one <Upload> of a listing.
type UploadEntry struct {
	Key          string `xml:"Key"`
	UploadID     string `xml:"UploadId"`
	StorageClass string `xml:"StorageClass"`
	Initiated    string `xml:"Initiated"`
}

// ListPartsResult answers ListParts. PartNumberMarker and
// NextPartNumberMarker are always present (v2's tests read both).
type ListPartsResult struct {
	XMLName              xml.Name    `xml:"ListPartsResult"`
	EncodingType         string      `xml:"EncodingType,omitempty"`
	Bucket               string      `xml:"Bucket"`
	Key                  string      `xml:"Key"`
	UploadID             string      `xml:"UploadId"`
	StorageClass         string      `xml:"StorageClass"`
	PartNumberMarker     int         `xml:"PartNumberMarker"`
	NextPartNumberMarker int         `xml:"NextPartNumberMarker"`
	MaxParts             int         `xml:"MaxParts"`
	IsTruncated          bool        `xml:"IsTruncated"`
	Parts                []PartEntry `xml:"Part"`
}

// PartEntry is one <Part> of ListParts.
type PartEntry struct {
	PartNumber    int    `xml:"PartNumber"`
	LastModified  string `xml:"LastModified"`
	ETag          string `xml:"ETag"`
	HashCrc64ecma uint64 `xml:"HashCrc64ecma"`
	Size          int64  `xml:"Size"`
}

// ParsePartNumber reads partNumber: an integer in 1..10000.
func ParsePartNumber(q url.Values) (int, *Error) {
	v := q.Get("partNumber")
	n, err := strconv.Atoi(v)
	if err != nil || n < object.MinPartNumber || n > object.MaxPartNumber {
		return 0, ErrInvalidPartNumber.With("ArgumentName", "partNumber").With("ArgumentValue", v)
	}
	return n, nil
}

// ParsePartNumberMarker reads part-number-marker (0 when absent).
func ParsePartNumberMarker(q url.Values) (int, *Error) {
	v := q.Get("part-number-marker")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, ErrInvalidArgument.Msgf("The part-number-marker you specified is not valid.").
			With("ArgumentName", "part-number-marker").With("ArgumentValue", v)
	}
	return n, nil
}

// completeRequest is the CompleteMultipartUpload request body.
type completeRequest struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
	} `xml:"Part"`
}

// ParseCompleteRequest reads a CompleteMultipartUpload body: the parts in
// the order given (the engine checks the order). An empty document is an
// empty list, which OSS accepts.
func ParseCompleteRequest(body []byte) ([]object.CompletePart, *Error) {
	var req completeRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		e := *ErrMalformedXML
		e.EC = "0042-00000205"
		return nil, &e
	}
	out := make([]object.CompletePart, 0, len(req.Parts))
	for _, p := range req.Parts {
		out = append(out, object.CompletePart{Number: p.PartNumber, ETag: strings.TrimSpace(p.ETag)})
	}
	return out, nil
}

// CompleteAll reports x-oss-complete-all: yes.
func CompleteAll(h http.Header) bool {
	return strings.EqualFold(h.Get("X-Oss-Complete-All"), "yes")
}
