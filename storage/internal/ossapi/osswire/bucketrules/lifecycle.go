package bucketrules

import (
	"encoding/xml"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// HeaderAllowSameActionOverlap lets PutBucketLifecycle keep rules whose
// prefixes overlap with the same action (the v2 SDK's
// AllowSameActionOverlap); without it OSS refuses them.
const HeaderAllowSameActionOverlap = "x-oss-allow-same-action-overlap"

// LifecycleDateFormat is how OSS writes a lifecycle date (midnight UTC),
// and how the v1 SDK sends one.
const LifecycleDateFormat = "2006-01-02T15:04:05.000Z"

// LifecycleConfiguration is the document of Put/GetBucketLifecycle, as
// both OSS Go SDKs send and parse it:
// <LifecycleConfiguration><Rule><ID>..</ID><Prefix>..</Prefix>
// <Status>Enabled|Disabled</Status><Tag><Key>..</Key><Value>..</Value></Tag>...
// <Expiration><Days>..</Days>|<Date>..</Date>|<CreatedBeforeDate>..</CreatedBeforeDate></Expiration>
// <AbortMultipartUpload><Days>..</Days>|<CreatedBeforeDate>..</CreatedBeforeDate></AbortMultipartUpload>
// </Rule>...</LifecycleConfiguration>.
type LifecycleConfiguration struct {
	XMLName xml.Name        `xml:"LifecycleConfiguration"`
	Rules   []LifecycleRule `xml:"Rule"`
}

// LifecycleRule is one Rule of a LifecycleConfiguration. The elements of
// features kossd does not have are parsed only to be refused
// (ParseLifecycle) and never written.
type LifecycleRule struct {
	ID                   string         `xml:"ID"`
	Prefix               string         `xml:"Prefix"`
	Status               string         `xml:"Status"`
	Tags                 []osswire.Tag  `xml:"Tag,omitempty"`
	Expiration           *LifecycleTime `xml:"Expiration,omitempty"`
	AbortMultipartUpload *LifecycleTime `xml:"AbortMultipartUpload,omitempty"`
	// LegacyDays and LegacyDate are the rule-level Days and Date of OSS's
	// first lifecycle form, which ali-oss still sends beside the Expiration
	// it derives from them (its putBucketLifecycle keeps a rule's days or
	// date and adds expiration {days} or {createdBeforeDate}). ParseLifecycle
	// turns them into that Expiration when the rule has none; they are
	// never written.
	LegacyDays  string              `xml:"Days,omitempty"`
	LegacyDate  string              `xml:"Date,omitempty"`
	Unsupported *lifecycleElsewhere `xml:",any"`
}

// LifecycleTime is an Expiration or AbortMultipartUpload element: one of
// Days, Date (Expiration only) and CreatedBeforeDate. Days is a string so
// that a value which is no number is told apart from a missing one.
type LifecycleTime struct {
	Days              string `xml:"Days,omitempty"`
	Date              string `xml:"Date,omitempty"`
	CreatedBeforeDate string `xml:"CreatedBeforeDate,omitempty"`
	// ExpiredObjectDeleteMarker is versioning's; only false is accepted.
	ExpiredObjectDeleteMarker string `xml:"ExpiredObjectDeleteMarker,omitempty"`
}

// lifecycleElsewhere catches any other element of a Rule (Transition,
// NoncurrentVersionExpiration, NoncurrentVersionTransition, Filter,
// AtimeBase, ...): its name says how ParseLifecycle refuses it.
type lifecycleElsewhere struct {
	XMLName xml.Name
}

// ErrLifecycleStorageClass answers a rule with a Transition: kossd has one
// storage class, so no transition has a class to go to; OSS answers an
// unsupported storage class with this 400.
var ErrLifecycleStorageClass = osswire.ErrInvalidArgument.Msgf("Transition is not supported: this server has no storage class to move objects to.")

// ParseLifecycle reads a LifecycleConfiguration document: white space
// around values is trimmed. A document that does not parse, has another
// root or no Rule is MalformedXML; a rule with a Transition is
// ErrLifecycleStorageClass (400 InvalidArgument); one with a versioning
// element (NoncurrentVersion*, ExpiredObjectDeleteMarker true), a Filter
// or AtimeBase is NotImplemented (400). The limits and the other rules
// of a valid configuration are the caller's to judge.
func ParseLifecycle(body []byte) (LifecycleConfiguration, *osswire.Error) {
	var doc LifecycleConfiguration
	if err := xml.Unmarshal(body, &doc); err != nil || len(doc.Rules) == 0 {
		return LifecycleConfiguration{}, osswire.ErrMalformedXML
	}
	for i := range doc.Rules {
		r := &doc.Rules[i]
		if r.Unsupported != nil {
			name := r.Unsupported.XMLName.Local
			if name == "Transition" {
				return LifecycleConfiguration{}, ErrLifecycleStorageClass
			}
			return LifecycleConfiguration{}, osswire.ErrNotImplemented.Msgf("Lifecycle rules with %s are not implemented by this server.", name)
		}
		r.ID, r.Prefix, r.Status = strings.TrimSpace(r.ID), strings.TrimSpace(r.Prefix), strings.TrimSpace(r.Status)
		days, date := strings.TrimSpace(r.LegacyDays), strings.TrimSpace(r.LegacyDate)
		r.LegacyDays, r.LegacyDate = "", ""
		if r.Expiration == nil && (days != "" || date != "") {
			// As ali-oss reads the old form: Days after last-modified, or the
			// Date as a creation cut-off.
			r.Expiration = &LifecycleTime{Days: days, CreatedBeforeDate: date}
		}
		for _, t := range []*LifecycleTime{r.Expiration, r.AbortMultipartUpload} {
			if t == nil {
				continue
			}
			t.Days, t.Date, t.CreatedBeforeDate = strings.TrimSpace(t.Days), strings.TrimSpace(t.Date), strings.TrimSpace(t.CreatedBeforeDate)
			switch strings.TrimSpace(t.ExpiredObjectDeleteMarker) {
			case "", "false":
				t.ExpiredObjectDeleteMarker = ""
			default:
				return LifecycleConfiguration{}, osswire.ErrNotImplemented.Msgf("ExpiredObjectDeleteMarker is not implemented by this server.")
			}
		}
	}
	return doc, nil
}

// ParseLifecycleDate reads a lifecycle date: ISO 8601 at midnight UTC, as
// OSS wants it ("2026-01-02T00:00:00.000Z"; the fraction may be left
// out). ok is false for anything else.
func ParseLifecycleDate(s string) (t time.Time, ok bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	_, offset := t.Zone()
	if offset != 0 || !t.Equal(t.Truncate(24*time.Hour)) {
		return time.Time{}, false
	}
	return t.UTC(), true
}
