package bucketconfig

import (
	"slices"
	"strings"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// CORSRule is one rule of a bucket's CORS configuration, as OSS's
// PutBucketCors has it: the origins, methods and request headers it
// allows, the response headers it exposes, and how long a browser may
// cache a preflight answer (nil: the rule says nothing).
type CORSRule struct {
	AllowedOrigins []string
	AllowedMethods []string
	AllowedHeaders []string
	ExposeHeaders  []string
	MaxAgeSeconds  *int64
}

// CORSConfiguration is a bucket's CORS configuration: rules tried in
// order, the first match deciding, and whether every response of the
// bucket says Vary: Origin.
type CORSConfiguration struct {
	Rules        []CORSRule
	ResponseVary bool
}

// MaxCORSRules is the most rules a configuration holds (OSS: 10).
const MaxCORSRules = record.MaxCORSRules

// CheckCORS reports why cfg cannot be a bucket's CORS configuration
// (OSS's limits: see record.CheckCORS), or nil.
func CheckCORS(cfg *CORSConfiguration) error {
	return record.CheckCORS(CORSToRecord(cfg))
}

// CORSToRecord copies cfg into its record form; nil stays nil, and so do
// empty lists (records hold none).
func CORSToRecord(cfg *CORSConfiguration) *record.CORS {
	if cfg == nil {
		return nil
	}
	c := &record.CORS{ResponseVary: cfg.ResponseVary}
	for _, r := range cfg.Rules {
		c.Rules = append(c.Rules, record.CORSRule{
			AllowedOrigins: cloneOrNil(r.AllowedOrigins),
			AllowedMethods: cloneOrNil(r.AllowedMethods),
			AllowedHeaders: cloneOrNil(r.AllowedHeaders),
			ExposeHeaders:  cloneOrNil(r.ExposeHeaders),
			MaxAgeSeconds:  cloneInt(r.MaxAgeSeconds),
		})
	}
	return c
}

// CORSFromRecord copies a stored CORS record into a configuration; nil
// stays nil.
func CORSFromRecord(c *record.CORS) *CORSConfiguration {
	if c == nil {
		return nil
	}
	cfg := &CORSConfiguration{ResponseVary: c.ResponseVary, Rules: make([]CORSRule, len(c.Rules))}
	for i, r := range c.Rules {
		cfg.Rules[i] = CORSRule{
			AllowedOrigins: slices.Clone(r.AllowedOrigins),
			AllowedMethods: slices.Clone(r.AllowedMethods),
			AllowedHeaders: slices.Clone(r.AllowedHeaders),
			ExposeHeaders:  slices.Clone(r.ExposeHeaders),
			MaxAgeSeconds:  cloneInt(r.MaxAgeSeconds),
		}
	}
	return cfg
}

func cloneOrNil(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	return slices.Clone(v)
}

func cloneInt(v *int64) *int64 {
	if v == nil {
		return nil
	}
	n := *v
	return &n
}

// Match returns the first rule that allows a request from origin with
// method (the request's own, or a preflight's
// Access-Control-Request-Method) sending headers (a preflight's
// Access-Control-Request-Headers; none for an actual request), or nil.
// Origins and methods compare exactly, header names without regard to
// case; a "*" in an allowed origin or header stands for any run of
// characters, so "*" alone allows everything.
func (cfg *CORSConfiguration) Match(origin, method string, headers []string) *CORSRule {
	if cfg == nil || origin == "" {
		return nil
	}
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		if !slices.Contains(r.AllowedMethods, method) {
			continue
		}
		if !slices.ContainsFunc(r.AllowedOrigins, func(p string) bool { return wildcardMatch(p, origin) }) {
			continue
		}
		allowed := func(h string) bool {
			return slices.ContainsFunc(r.AllowedHeaders, func(p string) bool {
				return wildcardMatch(strings.ToLower(p), strings.ToLower(h))
			})
		}
		if !slices.ContainsFunc(headers, func(h string) bool { return !allowed(h) }) {
			return r
		}
	}
	return nil
}

// AllowsAnyOrigin reports whether the rule allows every origin ("*"),
// which is when OSS answers Access-Control-Allow-Origin: * rather than
// the request's origin.
func (r *CORSRule) AllowsAnyOrigin() bool { return slices.Contains(r.AllowedOrigins, "*") }

// wildcardMatch reports whether s matches pattern, in which one "*"
// stands for any run of characters (CheckCORS allows no more).
func wildcardMatch(pattern, s string) bool {
	before, after, found := strings.Cut(pattern, "*")
	if !found {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}
