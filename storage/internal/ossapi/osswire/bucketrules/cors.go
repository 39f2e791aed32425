package bucketrules

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// CORS headers: what a browser sends with a preflight (OPTIONS) and an
// actual cross-origin request, and what the answer carries.
const (
	HeaderOrigin                      = "Origin"
	HeaderAccessControlRequestMethod  = "Access-Control-Request-Method"
	HeaderAccessControlRequestHeaders = "Access-Control-Request-Headers"
	HeaderAccessControlAllowOrigin    = "Access-Control-Allow-Origin"
	HeaderAccessControlAllowMethods   = "Access-Control-Allow-Methods"
	HeaderAccessControlAllowHeaders   = "Access-Control-Allow-Headers"
	HeaderAccessControlExposeHeaders  = "Access-Control-Expose-Headers"
	HeaderAccessControlMaxAge         = "Access-Control-Max-Age"
	HeaderVary                        = "Vary"
)

// ErrCORSForbidden answers a preflight that no CORS rule of the bucket
// allows (or one of a bucket without CORS rules), as OSS words it.
var ErrCORSForbidden = &osswire.Error{Code: "AccessForbidden", Status: http.StatusForbidden,
	Message: "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, " +
		"request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."}

// CORSConfiguration is the document of Put/GetBucketCors, as both OSS Go
// SDKs send and parse it:
// <CORSConfiguration><CORSRule><AllowedOrigin>..</AllowedOrigin>
// <AllowedMethod>..</AllowedMethod><AllowedHeader>..</AllowedHeader>
// <ExposeHeader>..</ExposeHeader><MaxAgeSeconds>..</MaxAgeSeconds>
// </CORSRule>...<ResponseVary>false</ResponseVary></CORSConfiguration>.
// The v1 SDK always sends MaxAgeSeconds (0 when unset) and omits
// ResponseVary unless set; GET answers ResponseVary always.
type CORSConfiguration struct {
	XMLName      xml.Name   `xml:"CORSConfiguration"`
	Rules        []CORSRule `xml:"CORSRule"`
	ResponseVary bool       `xml:"ResponseVary"`
}

// CORSRule is one rule of a CORSConfiguration.
type CORSRule struct {
	AllowedOrigins []string `xml:"AllowedOrigin"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  *int64   `xml:"MaxAgeSeconds,omitempty"`
}

// ParseCORS reads a CORSConfiguration document. A document that does
// not parse, has another root, or holds no rule is MalformedXML; values
// are trimmed of surrounding white space, and the limits (methods,
// wildcards, counts) are the engine's to judge.
func ParseCORS(body []byte) (CORSConfiguration, *osswire.Error) {
	var doc struct {
		XMLName      xml.Name   `xml:"CORSConfiguration"`
		Rules        []CORSRule `xml:"CORSRule"`
		ResponseVary *string    `xml:"ResponseVary"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil || len(doc.Rules) == 0 {
		return CORSConfiguration{}, osswire.ErrMalformedXML
	}
	cfg := CORSConfiguration{Rules: doc.Rules}
	if doc.ResponseVary != nil {
		switch strings.TrimSpace(*doc.ResponseVary) {
		case "true":
			cfg.ResponseVary = true
		case "false":
		default:
			return CORSConfiguration{}, osswire.ErrMalformedXML
		}
	}
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		for _, l := range []*[]string{&r.AllowedOrigins, &r.AllowedMethods, &r.AllowedHeaders, &r.ExposeHeaders} {
			for j := range *l {
				(*l)[j] = strings.TrimSpace((*l)[j])
			}
		}
	}
	return cfg, nil
}

// SplitHeaderList splits the values of a comma-separated list header
// (Access-Control-Request-Headers), however many lines it came in,
// dropping white space and empty items.
func SplitHeaderList(values []string) []string {
	var out []string
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}
