package ossconfig

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire/bucketrules"
)

// PutBucketLifecycle replaces a bucket's lifecycle rules (PUT
// /<bucket>?lifecycle with a LifecycleConfiguration document). Like
// PutBucketAcl it is the bucket owner's, here root (the route's access).
// A document that does not parse (a Days that is no number included) is
// MalformedXML; Transition is 400 InvalidArgument and the versioning
// elements NotImplemented (bucketrules.ParseLifecycle); values outside OSS's
// rules (a Status other than Enabled/Disabled, Days < 1, a date not at
// midnight UTC, an action with two times or none, duplicate IDs, more
// than 1000 rules, and without x-oss-allow-same-action-overlap: true two
// rules with the same prefix or prefixes overlapping for the same action)
// are InvalidArgument. None of
// them changes anything. Rules without an ID get one.
func (h *Handler) PutBucketLifecycle(w http.ResponseWriter, r *http.Request, req Request) error {
	b := req.Bucket
	body, err := req.ReadXML()
	if err != nil {
		return err
	}
	doc, ae := bucketrules.ParseLifecycle(body)
	if ae != nil {
		return ae
	}
	cfg, ae := fromWireLifecycle(doc)
	if ae != nil {
		return ae
	}
	if !strings.EqualFold(r.Header.Get(bucketrules.HeaderAllowSameActionOverlap), "true") {
		if ae := lifecycleOverlap(cfg); ae != nil {
			return ae
		}
	}
	if err := object.CheckLifecycle(cfg); err != nil {
		msg := err.Error()
		if _, why, ok := strings.Cut(msg, "invalid lifecycle configuration: "); ok {
			msg = why
		}
		return osswire.ErrInvalidArgument.Msgf("The lifecycle configuration is not valid: %s.", msg)
	}
	if err := h.Layer.SetBucketLifecycle(r.Context(), b, cfg); err != nil {
		return osserr.Bucket(err, b)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// GetBucketLifecycle answers a bucket's lifecycle rules, or
// NoSuchLifecycle when it has none.
func (h *Handler) GetBucketLifecycle(w http.ResponseWriter, r *http.Request, req Request) error {
	info, err := h.getBucket(r, req)
	if err != nil {
		return err
	}
	if info.Lifecycle == nil {
		return osswire.ErrNoSuchLifecycle.With("BucketName", info.Name)
	}
	return h.WriteXML(w, toWireLifecycle(info.Lifecycle))
}

// DeleteBucketLifecycle removes a bucket's lifecycle rules: 204, also
// when it had none, as OSS answers.
func (h *Handler) DeleteBucketLifecycle(w http.ResponseWriter, r *http.Request, req Request) error {
	b := req.Bucket
	if err := h.Layer.SetBucketLifecycle(r.Context(), b, nil); err != nil {
		return osserr.Bucket(err, b)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// lifecycleOverlap refuses, as OSS does unless the request allows it,
// two rules with the same prefix (EC 0014-00000085, whatever their
// actions), and two that act the same way (both expire objects, or both
// abort uploads) on prefixes one of which starts the other (EC
// 0014-00000084).
func lifecycleOverlap(cfg *object.LifecycleConfiguration) *osswire.Error {
	for i, a := range cfg.Rules {
		for _, b := range cfg.Rules[i+1:] {
			if a.Prefix == b.Prefix {
				e := osswire.ErrInvalidArgument.Msgf("Rules %q and %q have the same prefix %q.", a.ID, b.ID, a.Prefix)
				e.EC = "0014-00000085"
				return e
			}
			if !strings.HasPrefix(a.Prefix, b.Prefix) && !strings.HasPrefix(b.Prefix, a.Prefix) {
				continue
			}
			for _, act := range []struct {
				name   string
				ax, bx bool
			}{
				{"Expiration", !a.Expiration.IsZero(), !b.Expiration.IsZero()},
				{"AbortMultipartUpload", !a.AbortUpload.IsZero(), !b.AbortUpload.IsZero()},
			} {
				if act.ax && act.bx {
					e := osswire.ErrInvalidArgument.Msgf("Overlap for same action type %s between rules %q and %q.", act.name, a.ID, b.ID)
					e.EC = "0014-00000084"
					return e
				}
			}
		}
	}
	return nil
}

func fromWireLifecycle(doc bucketrules.LifecycleConfiguration) (*object.LifecycleConfiguration, *osswire.Error) {
	cfg := &object.LifecycleConfiguration{Rules: make([]object.LifecycleRule, len(doc.Rules))}
	for i, wr := range doc.Rules {
		r := object.LifecycleRule{ID: wr.ID, Prefix: wr.Prefix}
		switch wr.Status {
		case "Enabled":
			r.Enabled = true
		case "Disabled":
		default:
			return nil, osswire.ErrInvalidArgument.Msgf("Rule %d: Status must be Enabled or Disabled.", i+1)
		}
		if len(wr.Tags) > 0 {
			r.Tags = make(map[string]string, len(wr.Tags))
			for _, t := range wr.Tags {
				if _, dup := r.Tags[t.Key]; dup {
					return nil, osswire.ErrInvalidArgument.Msgf("Rule %d: tag %q given twice.", i+1, t.Key)
				}
				r.Tags[t.Key] = t.Value
			}
		}
		var ae *osswire.Error
		if wr.Expiration != nil {
			if r.Expiration, ae = fromWireLifecycleTime(i, "Expiration", wr.Expiration); ae != nil {
				return nil, ae
			}
		}
		if wr.AbortMultipartUpload != nil {
			if wr.AbortMultipartUpload.Date != "" {
				return nil, osswire.ErrInvalidArgument.Msgf("Rule %d: AbortMultipartUpload takes Days or CreatedBeforeDate.", i+1)
			}
			if r.AbortUpload, ae = fromWireLifecycleTime(i, "AbortMultipartUpload", wr.AbortMultipartUpload); ae != nil {
				return nil, ae
			}
		}
		if r.Expiration.IsZero() && r.AbortUpload.IsZero() {
			e := osswire.ErrInvalidArgument.Msgf("Rule %d has no action: give it an Expiration or an AbortMultipartUpload.", i+1)
			e.EC = "0014-00000026"
			return nil, e
		}
		cfg.Rules[i] = r
	}
	return cfg, nil
}

// fromWireLifecycleTime reads an Expiration or AbortMultipartUpload: it
// needs exactly one of its times.
func fromWireLifecycleTime(i int, name string, t *bucketrules.LifecycleTime) (object.LifecycleAction, *osswire.Error) {
	var a object.LifecycleAction
	n := 0
	if t.Days != "" {
		n++
		days, err := strconv.ParseInt(t.Days, 10, 32)
		if err != nil {
			return a, osswire.ErrMalformedXML
		}
		if days < 1 {
			return a, osswire.ErrInvalidArgument.Msgf("Rule %d: %s Days must be a positive integer.", i+1, name)
		}
		a.Days = days
	}
	dates := []struct {
		v   string
		dst *time.Time
	}{{t.Date, &a.Date}, {t.CreatedBeforeDate, &a.CreatedBefore}}
	for _, d := range dates {
		if d.v == "" {
			continue
		}
		n++
		var ok bool
		if *d.dst, ok = bucketrules.ParseLifecycleDate(d.v); !ok {
			return a, osswire.ErrInvalidArgument.Msgf("Rule %d: %s date %q is not ISO 8601 at midnight UTC.", i+1, name, d.v)
		}
	}
	if n != 1 {
		e := osswire.ErrInvalidArgument.Msgf("Rule %d: %s takes exactly one of Days, Date and CreatedBeforeDate.", i+1, name)
		if n == 0 {
			e.EC = "0014-00000060"
		}
		return a, e
	}
	return a, nil
}

func toWireLifecycleTime(a object.LifecycleAction) *bucketrules.LifecycleTime {
	switch {
	case a.Days != 0:
		return &bucketrules.LifecycleTime{Days: strconv.FormatInt(a.Days, 10)}
	case !a.Date.IsZero():
		return &bucketrules.LifecycleTime{Date: a.Date.UTC().Format(bucketrules.LifecycleDateFormat)}
	case !a.CreatedBefore.IsZero():
		return &bucketrules.LifecycleTime{CreatedBeforeDate: a.CreatedBefore.UTC().Format(bucketrules.LifecycleDateFormat)}
	}
	return nil
}

func toWireLifecycle(cfg *object.LifecycleConfiguration) bucketrules.LifecycleConfiguration {
	doc := bucketrules.LifecycleConfiguration{Rules: make([]bucketrules.LifecycleRule, len(cfg.Rules))}
	for i, r := range cfg.Rules {
		wr := bucketrules.LifecycleRule{ID: r.ID, Prefix: r.Prefix, Status: "Disabled",
			Expiration: toWireLifecycleTime(r.Expiration), AbortMultipartUpload: toWireLifecycleTime(r.AbortUpload)}
		if r.Enabled {
			wr.Status = "Enabled"
		}
		for _, k := range slices.Sorted(maps.Keys(r.Tags)) {
			wr.Tags = append(wr.Tags, osswire.Tag{Key: k, Value: r.Tags[k]})
		}
		doc.Rules[i] = wr
	}
	return doc
}
