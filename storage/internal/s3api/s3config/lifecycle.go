package s3config

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// The S3 lifecycle operations share the engine's rules with the OSS
// dialect (and so its limits and its loop). S3's Expiration Date is OSS's
// Date (from then on every matching object expires), and
// AbortIncompleteMultipartUpload's DaysAfterInitiation OSS's
// AbortMultipartUpload Days. Rules set through OSS with CreatedBeforeDate
// have no S3 form: GET answers an Expiration CreatedBeforeDate as a Date
// and leaves an AbortMultipartUpload CreatedBeforeDate out.

// s3DateFormat is how S3 writes a lifecycle date (midnight UTC).
const s3DateFormat = "2006-01-02T15:04:05.000Z"

// PutBucketLifecycle replaces a bucket's lifecycle rules; root only. A
// document that does not parse (Days no integer included) is
// MalformedXML, Transition and versioning elements NotImplemented, a rule
// outside the engine's limits InvalidArgument; none changes anything.
func (h *Handler) PutBucketLifecycle(w http.ResponseWriter, r *http.Request, req Request) error {
	b := req.Bucket
	body, err := req.ReadXML()
	if err != nil {
		return err
	}
	rules, ae := s3wire.ParseLifecycle(body)
	if ae != nil {
		return ae
	}
	cfg := &object.LifecycleConfiguration{}
	for i, wr := range rules {
		rule, ae := fromS3Rule(i, wr)
		if ae != nil {
			return ae
		}
		cfg.Rules = append(cfg.Rules, rule)
	}
	if err := object.CheckLifecycle(cfg); err != nil {
		msg := err.Error()
		if _, why, ok := strings.Cut(msg, "invalid lifecycle configuration: "); ok {
			msg = why
		}
		return s3wire.ErrInvalidArgument.Msgf("The lifecycle configuration is not valid: %s.", msg)
	}
	if err := h.Layer.SetBucketLifecycle(r.Context(), b, cfg); err != nil {
		return s3err.Bucket(err, b)
	}
	return h.WriteEmpty(w, http.StatusOK)
}

func fromS3Rule(i int, wr s3wire.LifecycleRule) (object.LifecycleRule, *s3wire.Error) {
	rule := object.LifecycleRule{ID: wr.ID}
	switch wr.Status {
	case "Enabled":
		rule.Enabled = true
	case "Disabled":
	default:
		return rule, s3wire.ErrMalformedXML
	}
	var tags []s3wire.Tag
	switch f := wr.Filter; {
	case f != nil && wr.Prefix != nil:
		return rule, s3wire.ErrInvalidArgument.Msgf("Rule %d has both Prefix and Filter.", i+1)
	case wr.Prefix != nil:
		rule.Prefix = *wr.Prefix
	case f != nil && f.And != nil:
		rule.Prefix, tags = f.And.Prefix, f.And.Tags
	case f != nil && f.Tag != nil:
		tags = []s3wire.Tag{*f.Tag}
	case f != nil && f.Prefix != nil:
		rule.Prefix = *f.Prefix
	}
	if len(tags) > 0 {
		rule.Tags = map[string]string{}
		for _, t := range tags {
			if _, dup := rule.Tags[t.Key]; dup {
				return rule, s3wire.ErrInvalidArgument.Msgf("Rule %d: tag %q given twice.", i+1, t.Key)
			}
			rule.Tags[t.Key] = t.Value
		}
	}
	if e := wr.Expiration; e != nil {
		switch {
		case e.Days != "" && e.Date != "", e.Days == "" && e.Date == "":
			return rule, s3wire.ErrInvalidArgument.Msgf("Rule %d: Expiration takes one of Days and Date.", i+1)
		case e.Days != "":
			days, err := strconv.ParseInt(e.Days, 10, 32)
			if err != nil {
				return rule, s3wire.ErrMalformedXML
			}
			if days < 1 {
				return rule, s3wire.ErrInvalidArgument.Msgf("Rule %d: Days must be a positive integer.", i+1)
			}
			rule.Expiration.Days = days
		default:
			t, err := time.Parse(time.RFC3339Nano, e.Date)
			if _, offset := t.Zone(); err != nil || offset != 0 || !t.Equal(t.Truncate(24*time.Hour)) {
				return rule, s3wire.ErrInvalidArgument.Msgf("Rule %d: Date must be ISO 8601 at midnight GMT.", i+1)
			}
			rule.Expiration.Date = t.UTC()
		}
	}
	if a := wr.AbortIncompleteMultipartUpload; a != nil {
		days, err := strconv.ParseInt(a.DaysAfterInitiation, 10, 32)
		if err != nil {
			return rule, s3wire.ErrMalformedXML
		}
		if days < 1 {
			return rule, s3wire.ErrInvalidArgument.Msgf("Rule %d: DaysAfterInitiation must be a positive integer.", i+1)
		}
		rule.AbortUpload.Days = days
	}
	return rule, nil
}

// GetBucketLifecycle answers a bucket's lifecycle rules; 404
// NoSuchLifecycleConfiguration when it has none.
func (h *Handler) GetBucketLifecycle(w http.ResponseWriter, r *http.Request, req Request) error {
	info, err := h.getBucket(r, req)
	if err != nil {
		return err
	}
	if info.Lifecycle == nil {
		return s3wire.ErrNoSuchLifecycleConfiguration.With("BucketName", info.Name)
	}
	doc := s3wire.LifecycleConfiguration{}
	for _, rule := range info.Lifecycle.Rules {
		wr := s3wire.LifecycleRule{ID: rule.ID, Status: "Disabled"}
		if rule.Enabled {
			wr.Status = "Enabled"
		}
		prefix := rule.Prefix
		if len(rule.Tags) == 0 {
			wr.Filter = &s3wire.LifecycleFilter{Prefix: &prefix}
		} else {
			and := &s3wire.LifecycleAnd{Prefix: prefix}
			for _, k := range slices.Sorted(maps.Keys(rule.Tags)) {
				and.Tags = append(and.Tags, s3wire.Tag{Key: k, Value: rule.Tags[k]})
			}
			wr.Filter = &s3wire.LifecycleFilter{And: and}
		}
		switch x := rule.Expiration; {
		case x.Days != 0:
			wr.Expiration = &s3wire.LifecycleExpiration{Days: strconv.FormatInt(x.Days, 10)}
		case !x.Date.IsZero():
			wr.Expiration = &s3wire.LifecycleExpiration{Date: x.Date.UTC().Format(s3DateFormat)}
		case !x.CreatedBefore.IsZero():
			wr.Expiration = &s3wire.LifecycleExpiration{Date: x.CreatedBefore.UTC().Format(s3DateFormat)}
		}
		if rule.AbortUpload.Days != 0 {
			wr.AbortIncompleteMultipartUpload = &s3wire.LifecycleAbort{DaysAfterInitiation: strconv.FormatInt(rule.AbortUpload.Days, 10)}
		}
		doc.Rules = append(doc.Rules, wr)
	}
	return h.WriteXML(w, doc)
}

// DeleteBucketLifecycle removes a bucket's lifecycle rules: 204.
func (h *Handler) DeleteBucketLifecycle(w http.ResponseWriter, r *http.Request, req Request) error {
	b := req.Bucket
	if err := h.Layer.SetBucketLifecycle(r.Context(), b, nil); err != nil {
		return s3err.Bucket(err, b)
	}
	return h.WriteEmpty(w, http.StatusNoContent)
}
