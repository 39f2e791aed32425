package ossconfig

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire/bucketrules"
)

// PutBucketCors replaces a bucket's CORS rules (PUT /<bucket>?cors with a
// CORSConfiguration document). Like PutBucketAcl it is the bucket
// owner's, here root (the route's access). A document that does not parse
// is MalformedXML, one outside OSS's limits InvalidArgument; neither
// changes anything.
func (h *Handler) PutBucketCors(w http.ResponseWriter, r *http.Request, req Request) error {
	b := req.Bucket
	body, err := req.ReadXML()
	if err != nil {
		return err
	}
	doc, ae := bucketrules.ParseCORS(body)
	if ae != nil {
		return ae
	}
	cfg := fromWireCORS(doc)
	if err := object.CheckCORS(cfg); err != nil {
		_, why, _ := strings.Cut(err.Error(), "invalid CORS configuration: ")
		return osswire.ErrInvalidArgument.Msgf("The CORS configuration is not valid: %s.", why)
	}
	if err := h.Layer.SetBucketCors(r.Context(), b, cfg); err != nil {
		return osserr.Bucket(err, b)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// GetBucketCors answers a bucket's CORS rules, or NoSuchCORSConfiguration
// when it has none.
func (h *Handler) GetBucketCors(w http.ResponseWriter, r *http.Request, req Request) error {
	info, err := h.getBucket(r, req)
	if err != nil {
		return err
	}
	if info.CORS == nil {
		return osswire.ErrNoSuchCORSConfiguration.With("BucketName", info.Name)
	}
	return h.WriteXML(w, toWireCORS(info.CORS))
}

// DeleteBucketCors removes a bucket's CORS rules: 204, also when it had
// none, as OSS answers.
func (h *Handler) DeleteBucketCors(w http.ResponseWriter, r *http.Request, req Request) error {
	b := req.Bucket
	if err := h.Layer.SetBucketCors(r.Context(), b, nil); err != nil {
		return osserr.Bucket(err, b)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Preflight answers a browser's CORS Preflight (OPTIONS on a bucket or an
// object) from the bucket's CORS rules alone. It runs unauthenticated, as
// browsers send preflights without credentials, so it must never answer
// anything but the rules' verdict: no object is read, nothing listed. The
// first rule allowing the Origin, the Access-Control-Request-Method and
// every Access-Control-Request-Headers name gives 200 with the
// Access-Control-Allow-* headers; none (or no rules at all, or a request
// missing either header) is 403 AccessForbidden. A missing bucket is
// NoSuchBucket, as OSS answers it.
func (h *Handler) Preflight(w http.ResponseWriter, r *http.Request, req Request) error {
	info, err := h.getBucket(r, req)
	if err != nil {
		return err
	}
	hdr := w.Header()
	if info.CORS != nil && info.CORS.ResponseVary {
		hdr.Set(bucketrules.HeaderVary, bucketrules.HeaderOrigin)
	}
	origin := r.Header.Get(bucketrules.HeaderOrigin)
	method := r.Header.Get(bucketrules.HeaderAccessControlRequestMethod)
	requested := bucketrules.SplitHeaderList(r.Header.Values(bucketrules.HeaderAccessControlRequestHeaders))
	rule := info.CORS.Match(origin, method, requested)
	if rule == nil || method == "" {
		return bucketrules.ErrCORSForbidden
	}
	setAllowOrigin(hdr, rule, origin)
	hdr.Set(bucketrules.HeaderAccessControlAllowMethods, strings.Join(rule.AllowedMethods, ", "))
	if len(requested) > 0 {
		hdr.Set(bucketrules.HeaderAccessControlAllowHeaders, strings.Join(requested, ", "))
	}
	if len(rule.ExposeHeaders) > 0 {
		hdr.Set(bucketrules.HeaderAccessControlExposeHeaders, strings.Join(rule.ExposeHeaders, ", "))
	}
	if rule.MaxAgeSeconds != nil {
		hdr.Set(bucketrules.HeaderAccessControlMaxAge, strconv.FormatInt(*rule.MaxAgeSeconds, 10))
	}
	hdr.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// SetCORSHeaders gives an actual cross-origin request (one with an
// Origin header) the headers its bucket's first matching rule allows:
// Access-Control-Allow-Origin and -Expose-Headers (and Vary: Origin when
// the bucket's ResponseVary says so). It runs before authentication, so
// that a browser can read error answers too. A bucket that cannot be read
// (missing, unavailable) adds nothing: the request's own handling reports
// that. The read is the request's linearizable one and shares its read
// view's barrier.
func (h *Handler) SetCORSHeaders(w http.ResponseWriter, r *http.Request, bucket string) {
	origin := r.Header.Get(bucketrules.HeaderOrigin)
	if origin == "" || bucket == "" {
		return
	}
	info, err := h.Layer.GetBucket(r.Context(), bucket)
	if err != nil || info.CORS == nil {
		return
	}
	hdr := w.Header()
	if info.CORS.ResponseVary {
		hdr.Set(bucketrules.HeaderVary, bucketrules.HeaderOrigin)
	}
	rule := info.CORS.Match(origin, r.Method, nil)
	if rule == nil {
		return
	}
	setAllowOrigin(hdr, rule, origin)
	hdr.Set(bucketrules.HeaderAccessControlAllowMethods, strings.Join(rule.AllowedMethods, ", "))
	if len(rule.ExposeHeaders) > 0 {
		hdr.Set(bucketrules.HeaderAccessControlExposeHeaders, strings.Join(rule.ExposeHeaders, ", "))
	}
	if rule.MaxAgeSeconds != nil {
		hdr.Set(bucketrules.HeaderAccessControlMaxAge, strconv.FormatInt(*rule.MaxAgeSeconds, 10))
	}
}

// setAllowOrigin answers "*" for a rule allowing every origin, as OSS
// does, and the request's origin otherwise.
func setAllowOrigin(hdr http.Header, rule *object.CORSRule, origin string) {
	if rule.AllowsAnyOrigin() {
		hdr.Set(bucketrules.HeaderAccessControlAllowOrigin, "*")
		return
	}
	hdr.Set(bucketrules.HeaderAccessControlAllowOrigin, origin)
}

func fromWireCORS(doc bucketrules.CORSConfiguration) *object.CORSConfiguration {
	cfg := &object.CORSConfiguration{ResponseVary: doc.ResponseVary, Rules: make([]object.CORSRule, len(doc.Rules))}
	for i, r := range doc.Rules {
		cfg.Rules[i] = object.CORSRule{
			AllowedOrigins: r.AllowedOrigins,
			AllowedMethods: r.AllowedMethods,
			AllowedHeaders: r.AllowedHeaders,
			ExposeHeaders:  r.ExposeHeaders,
			MaxAgeSeconds:  r.MaxAgeSeconds,
		}
	}
	return cfg
}

func toWireCORS(cfg *object.CORSConfiguration) bucketrules.CORSConfiguration {
	doc := bucketrules.CORSConfiguration{ResponseVary: cfg.ResponseVary, Rules: make([]bucketrules.CORSRule, len(cfg.Rules))}
	for i, r := range cfg.Rules {
		doc.Rules[i] = bucketrules.CORSRule{
			AllowedOrigins: r.AllowedOrigins,
			AllowedMethods: r.AllowedMethods,
			AllowedHeaders: r.AllowedHeaders,
			ExposeHeaders:  r.ExposeHeaders,
			MaxAgeSeconds:  r.MaxAgeSeconds,
		}
	}
	return doc
}
