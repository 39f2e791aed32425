package s3config

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// The S3 CORS operations share the engine's rules with the OSS dialect
// (and so OSS's limits: 10 rules, one * per origin or allowed header).
// Preflights (OPTIONS) never reach this dialect: the server sends every
// OPTIONS to the OSS dialect, which answers them from the same rules.

// PutBucketCors replaces a bucket's CORS rules; root only, like
// PutBucketAcl. A document that does not parse is MalformedXML, one
// outside the limits InvalidArgument; neither changes anything.
func (h *Handler) PutBucketCors(w http.ResponseWriter, r *http.Request, req Request) error {
	b := req.Bucket
	body, err := req.ReadXML()
	if err != nil {
		return err
	}
	doc, ae := s3wire.ParseCORS(body)
	if ae != nil {
		return ae
	}
	cfg := &object.CORSConfiguration{Rules: make([]object.CORSRule, len(doc.Rules))}
	for i, rule := range doc.Rules {
		cfg.Rules[i] = object.CORSRule{AllowedOrigins: rule.AllowedOrigins, AllowedMethods: rule.AllowedMethods,
			AllowedHeaders: rule.AllowedHeaders, ExposeHeaders: rule.ExposeHeaders, MaxAgeSeconds: rule.MaxAgeSeconds}
	}
	if err := object.CheckCORS(cfg); err != nil {
		_, why, _ := strings.Cut(err.Error(), "invalid CORS configuration: ")
		return s3wire.ErrInvalidArgument.Msgf("The CORS configuration is not valid: %s.", why)
	}
	if err := h.Layer.SetBucketCors(r.Context(), b, cfg); err != nil {
		return s3err.Bucket(err, b)
	}
	return h.WriteEmpty(w, http.StatusOK)
}

// GetBucketCors answers a bucket's CORS rules; 404
// NoSuchCORSConfiguration when it has none.
func (h *Handler) GetBucketCors(w http.ResponseWriter, r *http.Request, req Request) error {
	info, err := h.getBucket(r, req)
	if err != nil {
		return err
	}
	if info.CORS == nil {
		return s3wire.ErrNoSuchCORSConfiguration.With("BucketName", info.Name)
	}
	doc := s3wire.CORSConfiguration{Rules: make([]s3wire.CORSRule, len(info.CORS.Rules))}
	for i, rule := range info.CORS.Rules {
		doc.Rules[i] = s3wire.CORSRule{AllowedOrigins: rule.AllowedOrigins, AllowedMethods: rule.AllowedMethods,
			AllowedHeaders: rule.AllowedHeaders, ExposeHeaders: rule.ExposeHeaders, MaxAgeSeconds: rule.MaxAgeSeconds}
	}
	return h.WriteXML(w, doc)
}

// DeleteBucketCors removes a bucket's CORS rules: 204.
func (h *Handler) DeleteBucketCors(w http.ResponseWriter, r *http.Request, req Request) error {
	b := req.Bucket
	if err := h.Layer.SetBucketCors(r.Context(), b, nil); err != nil {
		return s3err.Bucket(err, b)
	}
	return h.WriteEmpty(w, http.StatusNoContent)
}

// SetCORSHeaders gives an actual cross-origin request (with an Origin
// header) the headers its bucket's first matching rule allows, before
// authentication so that refusals carry them too; see the OSS dialect's
// setCORSHeaders, whose answer this is.
func (h *Handler) SetCORSHeaders(w http.ResponseWriter, r *http.Request, bucket string) {
	origin := r.Header.Get("Origin")
	if origin == "" || bucket == "" || !s3wire.ValidBucketName(bucket) {
		return
	}
	info, err := h.Layer.GetBucket(r.Context(), bucket)
	if err != nil || info.CORS == nil {
		return
	}
	hdr := w.Header()
	if info.CORS.ResponseVary {
		hdr.Set("Vary", "Origin")
	}
	rule := info.CORS.Match(origin, r.Method, nil)
	if rule == nil {
		return
	}
	if rule.AllowsAnyOrigin() {
		hdr.Set("Access-Control-Allow-Origin", "*")
	} else {
		hdr.Set("Access-Control-Allow-Origin", origin)
	}
	hdr.Set("Access-Control-Allow-Methods", strings.Join(rule.AllowedMethods, ", "))
	if len(rule.ExposeHeaders) > 0 {
		hdr.Set("Access-Control-Expose-Headers", strings.Join(rule.ExposeHeaders, ", "))
	}
	if rule.MaxAgeSeconds != nil {
		hdr.Set("Access-Control-Max-Age", strconv.FormatInt(*rule.MaxAgeSeconds, 10))
	}
}
