package s3wire

import (
	"encoding/xml"
	"net/http"
	"strings"
)

// ErrNoSuchLifecycleConfiguration answers GetBucketLifecycleConfiguration
// for a bucket without lifecycle rules.
var ErrNoSuchLifecycleConfiguration = newErr("NoSuchLifecycleConfiguration", http.StatusNotFound, "The lifecycle configuration does not exist")

// LifecycleConfiguration is the document of
// Put/GetBucketLifecycleConfiguration. The rules are the engine's, shared
// with the OSS dialect.
type LifecycleConfiguration struct {
	XMLName xml.Name        `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LifecycleConfiguration"`
	Rules   []LifecycleRule `xml:"Rule"`
}

// LifecycleRule is one Rule, its elements in S3's order. Prefix is the
// deprecated rule-level prefix (read, never written); Filter the current
// form. Elements of features kossd lacks are caught by Unsupported.
type LifecycleRule struct {
	Expiration                     *LifecycleExpiration `xml:"Expiration,omitempty"`
	ID                             string               `xml:"ID,omitempty"`
	Prefix                         *string              `xml:"Prefix,omitempty"`
	Filter                         *LifecycleFilter     `xml:"Filter,omitempty"`
	Status                         string               `xml:"Status"`
	AbortIncompleteMultipartUpload *LifecycleAbort      `xml:"AbortIncompleteMultipartUpload,omitempty"`
	Unsupported                    *struct {
		XMLName xml.Name
	} `xml:",any"`
}

// LifecycleExpiration is a rule's Expiration: Days after last
// modification, or a Date from which the objects expire.
type LifecycleExpiration struct {
	Date                      string `xml:"Date,omitempty"`
	Days                      string `xml:"Days,omitempty"`
	ExpiredObjectDeleteMarker string `xml:"ExpiredObjectDeleteMarker,omitempty"`
}

// LifecycleAbort is AbortIncompleteMultipartUpload.
type LifecycleAbort struct {
	DaysAfterInitiation string `xml:"DaysAfterInitiation"`
}

// LifecycleFilter selects a rule's objects: a Prefix, one Tag, or an And
// of a prefix and tags. Size filters are caught by Unsupported.
type LifecycleFilter struct {
	Prefix      *string       `xml:"Prefix,omitempty"`
	Tag         *Tag          `xml:"Tag,omitempty"`
	And         *LifecycleAnd `xml:"And,omitempty"`
	Unsupported *struct {
		XMLName xml.Name
	} `xml:",any"`
}

// LifecycleAnd is a Filter's And.
type LifecycleAnd struct {
	Prefix string `xml:"Prefix,omitempty"`
	Tags   []Tag  `xml:"Tag"`
}

// ParseLifecycle reads a LifecycleConfiguration document (with or without
// the S3 namespace). One that does not parse, has another root or no rule
// is MalformedXML; a Transition, a versioning element
// (NoncurrentVersion*, ExpiredObjectDeleteMarker true) or a size filter is
// NotImplemented (501, as this dialect answers what it lacks). Values are
// trimmed; the rest is the caller's to judge.
func ParseLifecycle(body []byte) ([]LifecycleRule, *Error) {
	var doc struct {
		XMLName xml.Name
		Rules   []LifecycleRule `xml:"Rule"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil || doc.XMLName.Local != "LifecycleConfiguration" || len(doc.Rules) == 0 {
		return nil, ErrMalformedXML
	}
	for i := range doc.Rules {
		r := &doc.Rules[i]
		if r.Unsupported != nil {
			return nil, ErrNotImplemented.Msgf("Lifecycle rules with %s are not implemented.", r.Unsupported.XMLName.Local)
		}
		if r.Filter != nil && r.Filter.Unsupported != nil {
			return nil, ErrNotImplemented.Msgf("Lifecycle filters with %s are not implemented.", r.Filter.Unsupported.XMLName.Local)
		}
		r.ID, r.Status = strings.TrimSpace(r.ID), strings.TrimSpace(r.Status)
		if e := r.Expiration; e != nil {
			e.Date, e.Days = strings.TrimSpace(e.Date), strings.TrimSpace(e.Days)
			if m := strings.TrimSpace(e.ExpiredObjectDeleteMarker); m != "" && m != "false" {
				return nil, ErrNotImplemented.Msgf("ExpiredObjectDeleteMarker is not implemented.")
			}
		}
		if a := r.AbortIncompleteMultipartUpload; a != nil {
			a.DaysAfterInitiation = strings.TrimSpace(a.DaysAfterInitiation)
		}
	}
	return doc.Rules, nil
}
