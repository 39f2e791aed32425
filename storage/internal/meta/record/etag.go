package record

import "strings"

// SameETag reports whether two single ETags name the same version: quotes
// and surrounding space optional, hex case-insensitive. It is the rule of
// a write's If-Match, which names one version: no list and no "*" (those
// are the read conditions', see package meta's etagMatches). The object
// layer's early check and the state machine's decision share it, so they
// cannot disagree.
func SameETag(a, b string) bool {
	return strings.EqualFold(strings.Trim(strings.TrimSpace(a), `"`), strings.Trim(strings.TrimSpace(b), `"`))
}
