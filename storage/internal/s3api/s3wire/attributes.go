package s3wire

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
)

// GetObjectAttributes (GET /bucket/key?attributes) names the attributes it
// wants in x-amz-object-attributes, a comma-separated list that may also
// come as several headers; x-amz-max-parts and x-amz-part-number-marker
// page the parts of a multipart object.
const (
	HeaderObjectAttributes = "X-Amz-Object-Attributes"
	HeaderMaxParts         = "X-Amz-Max-Parts"
	HeaderPartNumberMarker = "X-Amz-Part-Number-Marker"
)

// ObjectAttributes are the attributes a GetObjectAttributes asks for.
type ObjectAttributes struct {
	ETag, Checksum, ObjectParts, StorageClass, ObjectSize bool
	// MaxParts (default 1000) and PartNumberMarker page ObjectParts.
	MaxParts, PartNumberMarker int
}

// ParseObjectAttributes reads a GetObjectAttributes request's headers. No
// attribute, or one S3 does not define, is InvalidArgument, as in S3.
func ParseObjectAttributes(h http.Header) (ObjectAttributes, *Error) {
	a := ObjectAttributes{MaxParts: 1000}
	n := 0
	for _, v := range h.Values(HeaderObjectAttributes) {
		for _, name := range strings.Split(v, ",") {
			switch strings.TrimSpace(name) {
			case "ETag":
				a.ETag = true
			case "Checksum":
				a.Checksum = true
			case "ObjectParts":
				a.ObjectParts = true
			case "StorageClass":
				a.StorageClass = true
			case "ObjectSize":
				a.ObjectSize = true
			default:
				return a, ErrInvalidArgument.Msgf("Invalid attribute name specified.").With("ArgumentName", "x-amz-object-attributes").
					With("ArgumentValue", strings.TrimSpace(name))
			}
			n++
		}
	}
	if n == 0 {
		return a, ErrInvalidArgument.Msgf("Invalid attribute name specified.").With("ArgumentName", "x-amz-object-attributes")
	}
	var ae *Error
	if a.MaxParts, ae = nonNegativeHeader(h, HeaderMaxParts, 1000); ae != nil {
		return a, ae
	}
	if a.PartNumberMarker, ae = nonNegativeHeader(h, HeaderPartNumberMarker, 0); ae != nil {
		return a, ae
	}
	return a, nil
}

func nonNegativeHeader(h http.Header, name string, def int) (int, *Error) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, ErrInvalidArgument.Msgf("Argument %s must be a non-negative integer.", strings.ToLower(name)).
			With("ArgumentName", strings.ToLower(name)).With("ArgumentValue", v)
	}
	return n, nil
}

// GetObjectAttributesResponse answers GetObjectAttributes with the
// attributes asked for. ETag is unquoted, as S3 sends it here; a
// COMPOSITE Checksum has no "-<parts>" suffix (the count is in
// ObjectParts).
type GetObjectAttributesResponse struct {
	XMLName      xml.Name          `xml:"http://s3.amazonaws.com/doc/2006-03-01/ GetObjectAttributesResponse"`
	ETag         string            `xml:"ETag,omitempty"`
	Checksum     *Checksums        `xml:"Checksum,omitempty"`
	ObjectParts  *ObjectPartsAttrs `xml:"ObjectParts,omitempty"`
	StorageClass string            `xml:"StorageClass,omitempty"`
	ObjectSize   *int64            `xml:"ObjectSize,omitempty"`
}

// ObjectPartsAttrs are a multipart object's parts, one page of them.
type ObjectPartsAttrs struct {
	PartsCount           int              `xml:"PartsCount"`
	PartNumberMarker     int              `xml:"PartNumberMarker"`
	NextPartNumberMarker int              `xml:"NextPartNumberMarker"`
	MaxParts             int              `xml:"MaxParts"`
	IsTruncated          bool             `xml:"IsTruncated"`
	Parts                []ObjectPartAttr `xml:"Part"`
}

// ObjectPartAttr is one part: its number, size and, when known, checksum.
type ObjectPartAttr struct {
	PartNumber int   `xml:"PartNumber"`
	Size       int64 `xml:"Size"`
	Checksums
}

// PageParts is the page of a multipart object's parts after part number
// marker, at most max of them, from the parts' sizes and checksums (of
// algorithm alg). As in S3, parts are listed only for an object with
// checksums: with sums nil (or not one per part) the page has the part
// count and no Part elements.
func PageParts(sizes []int64, alg string, sums []string, marker, max int) *ObjectPartsAttrs {
	p := &ObjectPartsAttrs{PartsCount: len(sizes), PartNumberMarker: marker, NextPartNumberMarker: marker, MaxParts: max}
	if len(sums) != len(sizes) {
		return p
	}
	for n := marker + 1; n <= len(sizes) && len(p.Parts) < max; n++ {
		part := ObjectPartAttr{PartNumber: n, Size: sizes[n-1]}
		part.Set(alg, sums[n-1])
		p.Parts = append(p.Parts, part)
		p.NextPartNumberMarker = n
	}
	p.IsTruncated = p.NextPartNumberMarker < len(sizes)
	return p
}
