package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/koss-io/koss/storage/internal/meta/record/internal/wire"
)

// CORS limits, as OSS has them: at most 10 rules; every rule names at
// least one origin and one method; an origin or an allowed header holds
// at most one "*" wildcard, an exposed header none; methods are GET, PUT,
// DELETE, POST and HEAD (as written, upper case); MaxAgeSeconds is not
// negative. MaxCORSBytes bounds the strings of one configuration, which
// OSS bounds by the 16 KB of its request body: a record stays small
// whatever the document.
const (
	MaxCORSRules = 10
	MaxCORSBytes = 16 << 10
)

// ErrInvalidCORS is what CheckCORS wraps.
var ErrInvalidCORS = errors.New("record: invalid CORS configuration")

// CORSRule is one rule of a bucket's CORS configuration (OSS
// PutBucketCors's CORSRule), its lists in the order the client gave them.
type CORSRule struct {
	AllowedOrigins []string
	AllowedMethods []string
	AllowedHeaders []string
	ExposeHeaders  []string
	// MaxAgeSeconds is how long a browser may cache a preflight answer;
	// nil when the rule sets none (no Access-Control-Max-Age is sent).
	MaxAgeSeconds *int64
}

// CORS is a bucket's CORS configuration: its rules, tried in order, and
// ResponseVary (answer Vary: Origin on every response, matched or not).
type CORS struct {
	Rules        []CORSRule
	ResponseVary bool
}

// corsMethods are the methods a rule may allow.
var corsMethods = map[string]bool{"GET": true, "PUT": true, "DELETE": true, "POST": true, "HEAD": true}

// CheckCORS reports why c cannot be a bucket's CORS configuration, or
// nil. Apply judges with it, so it consults nothing but its argument.
func CheckCORS(c *CORS) error {
	if c == nil {
		return nil
	}
	if len(c.Rules) == 0 || len(c.Rules) > MaxCORSRules {
		return fmt.Errorf("%w: %d rules, want 1-%d", ErrInvalidCORS, len(c.Rules), MaxCORSRules)
	}
	size := 0
	for i, r := range c.Rules {
		if len(r.AllowedOrigins) == 0 || len(r.AllowedMethods) == 0 {
			return fmt.Errorf("%w: rule %d needs an AllowedOrigin and an AllowedMethod", ErrInvalidCORS, i+1)
		}
		for _, m := range r.AllowedMethods {
			if !corsMethods[m] {
				return fmt.Errorf("%w: rule %d: method %q is none of GET, PUT, DELETE, POST, HEAD", ErrInvalidCORS, i+1, m)
			}
		}
		lists := []struct {
			name     string
			v        []string
			wildcard int
		}{{"AllowedOrigin", r.AllowedOrigins, 1}, {"AllowedHeader", r.AllowedHeaders, 1}, {"ExposeHeader", r.ExposeHeaders, 0}}
		for _, l := range lists {
			for _, s := range l.v {
				switch {
				case s == "":
					return fmt.Errorf("%w: rule %d: empty %s", ErrInvalidCORS, i+1, l.name)
				case strings.Count(s, "*") > l.wildcard:
					return fmt.Errorf("%w: rule %d: %s %q has more than %d wildcard", ErrInvalidCORS, i+1, l.name, s, l.wildcard)
				case strings.ContainsAny(s, "\r\n\x00"):
					// They end up in response headers.
					return fmt.Errorf("%w: rule %d: %s %q has a control character", ErrInvalidCORS, i+1, l.name, s)
				}
				size += len(s)
			}
		}
		if r.MaxAgeSeconds != nil && *r.MaxAgeSeconds < 0 {
			return fmt.Errorf("%w: rule %d: negative MaxAgeSeconds", ErrInvalidCORS, i+1)
		}
	}
	if size > MaxCORSBytes {
		return fmt.Errorf("%w: %d bytes of rules, at most %d", ErrInvalidCORS, size, MaxCORSBytes)
	}
	return nil
}

// EncodeCORS writes c, which is not nil.
func EncodeCORS(e *wire.Encoder, c *CORS) {
	e.Uvarint(uint64(len(c.Rules)))
	for i := range c.Rules {
		r := &c.Rules[i]
		e.Strs(r.AllowedOrigins)
		e.Strs(r.AllowedMethods)
		e.Strs(r.AllowedHeaders)
		e.Strs(r.ExposeHeaders)
		e.OptInt(r.MaxAgeSeconds)
	}
	e.Bool(c.ResponseVary)
}

// DecodeCORS reads what EncodeCORS wrote. It judges nothing: a command
// carrying a configuration without rules decodes (and Apply refuses it as
// a domain error, where a decoding error would stop every replica); the
// bucket record refuses one itself.
func DecodeCORS(d *wire.Decoder) *CORS {
	n := d.Count()
	if d.Err() != nil {
		return nil
	}
	c := &CORS{}
	if n > 0 {
		c.Rules = make([]CORSRule, n)
	}
	for i := range c.Rules {
		c.Rules[i] = CORSRule{
			AllowedOrigins: d.Strs(),
			AllowedMethods: d.Strs(),
			AllowedHeaders: d.Strs(),
			ExposeHeaders:  d.Strs(),
			MaxAgeSeconds:  d.OptInt(),
		}
	}
	c.ResponseVary = d.Bool()
	return c
}
