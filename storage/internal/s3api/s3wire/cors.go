package s3wire

import (
	"encoding/xml"
	"net/http"
	"strings"
)

// ErrNoSuchCORSConfiguration answers GetBucketCors for a bucket without
// CORS rules.
var ErrNoSuchCORSConfiguration = newErr("NoSuchCORSConfiguration", http.StatusNotFound, "The CORS configuration does not exist")

// CORSConfiguration is the document of Put/GetBucketCors. The rules are
// the engine's, shared with the OSS dialect, so a rule's ID is not kept
// (OSS rules have none) and GET answers none.
type CORSConfiguration struct {
	XMLName xml.Name   `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CORSConfiguration"`
	Rules   []CORSRule `xml:"CORSRule"`
}

// CORSRule is one rule of a CORSConfiguration, its elements in S3's
// order.
type CORSRule struct {
	ID             string   `xml:"ID,omitempty"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedOrigins []string `xml:"AllowedOrigin"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  *int64   `xml:"MaxAgeSeconds,omitempty"`
}

// ParseCORS reads a CORSConfiguration document (with or without the S3
// namespace). One that does not parse, has another root or no rule is
// MalformedXML; values are trimmed; limits are the engine's to judge.
func ParseCORS(body []byte) (CORSConfiguration, *Error) {
	var doc struct {
		XMLName xml.Name
		Rules   []CORSRule `xml:"CORSRule"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil || doc.XMLName.Local != "CORSConfiguration" || len(doc.Rules) == 0 {
		return CORSConfiguration{}, ErrMalformedXML
	}
	for i := range doc.Rules {
		r := &doc.Rules[i]
		for _, l := range []*[]string{&r.AllowedOrigins, &r.AllowedMethods, &r.AllowedHeaders, &r.ExposeHeaders} {
			for j := range *l {
				(*l)[j] = strings.TrimSpace((*l)[j])
			}
		}
	}
	return CORSConfiguration{Rules: doc.Rules}, nil
}
