package s3wire

import (
	"encoding/xml"
	"strings"

	"github.com/koss-io/koss/storage/internal/object"
)

// The request bodies: CreateBucketConfiguration, Delete and
// CompleteMultipartUpload. Namespaces are optional in requests (the SDKs
// send them, hand-written requests often do not); encoding/xml matches
// local names when the struct tag has no namespace.

// ParseCreateBucket reads CreateBucket's optional body; any location
// constraint is accepted (a kossd Region serves every bucket it holds).
func ParseCreateBucket(body []byte) (CreateBucketConfiguration, *Error) {
	var cfg CreateBucketConfiguration
	if len(strings.TrimSpace(string(body))) == 0 {
		return cfg, nil
	}
	if err := xml.Unmarshal(body, &cfg); err != nil {
		return cfg, ErrMalformedXML
	}
	return cfg, nil
}

type deleteRequest struct {
	XMLName xml.Name `xml:"Delete"`
	Quiet   bool     `xml:"Quiet"`
	Objects []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
	} `xml:"Object"`
}

// DeleteKey is one key of a DeleteObjects request.
type DeleteKey struct {
	Key string
	// Err, when set, is why this key cannot be deleted (an invalid key or
	// a version kossd does not keep); the others still are.
	Err *Error
}

// ParseDeleteRequest reads a DeleteObjects body: 1..1000 keys.
func ParseDeleteRequest(body []byte) (keys []DeleteKey, quiet bool, ae *Error) {
	var req deleteRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		return nil, false, ErrMalformedXML
	}
	if len(req.Objects) == 0 || len(req.Objects) > object.MaxDeleteObjects {
		return nil, false, ErrMalformedXML
	}
	for _, o := range req.Objects {
		k := DeleteKey{Key: o.Key, Err: CheckKey(o.Key)}
		if k.Err == nil && o.VersionID != "" && o.VersionID != "null" {
			k.Err = ErrNoSuchVersion
		}
		keys = append(keys, k)
	}
	return keys, req.Quiet, nil
}

type completeRequest struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
		Checksums
	} `xml:"Part"`
}

// CompletePart is one part of a CompleteMultipartUpload request: its
// number, ETag and, when the client listed one, its checksum.
type CompletePart struct {
	Number            int
	ETag              string
	ChecksumAlgorithm string // "CRC32", ...; "" when none was listed
	Checksum          string // base64, as the client listed it
}

// ParseCompleteRequest reads a CompleteMultipartUpload body. An empty or
// missing part list is MalformedXML, as in S3. Order is the engine's to
// check (InvalidPartOrder).
func ParseCompleteRequest(body []byte) ([]CompletePart, *Error) {
	var req completeRequest
	if err := xml.Unmarshal(body, &req); err != nil || len(req.Parts) == 0 {
		return nil, ErrMalformedXML
	}
	out := make([]CompletePart, 0, len(req.Parts))
	for _, p := range req.Parts {
		alg, sum := p.Get()
		out = append(out, CompletePart{Number: p.PartNumber, ETag: p.ETag, ChecksumAlgorithm: alg, Checksum: sum})
	}
	return out, nil
}
