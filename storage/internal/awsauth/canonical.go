package awsauth

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// canonicalRequests returns the SigV4 canonical requests r may have been
// signed over, the likeliest first. S3's canonical URI is the path as sent,
// neither normalised nor encoded twice; every client we know sends it
// already in the canonical encoding (each byte but unreserved ones and '/'
// percent-encoded), so the path as sent comes first, and a re-encoding of
// it (for a client that left e.g. '!' or '=' bare on the wire but encoded it
// when signing) second, when it differs.
func canonicalRequests(r *http.Request, signed []string, omit string, payload string) []string {
	sent := r.URL.EscapedPath()
	if sent == "" {
		sent = "/"
	}
	query := canonicalQuery(r, omit)
	headers := canonicalHeaders(r, signed)
	build := func(uri string) string {
		return strings.Join([]string{r.Method, uri, query, headers, strings.Join(signed, ";"), payload}, "\n")
	}
	out := []string{build(sent)}
	if re := reencodePath(sent); re != sent {
		out = append(out, build(re))
	}
	return out
}

// reencodePath writes an escaped path in the canonical encoding: escapes
// of unreserved bytes undone, every other byte but '/' percent-encoded with
// upper-case hex. An escaped "%2F" stays escaped: it is part of a name.
func reencodePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' && i+2 < len(p) && isHex(p[i+1:i+3]) {
			v, _ := strconv.ParseUint(p[i+1:i+3], 16, 8)
			i += 2
			if unreserved(byte(v)) {
				b.WriteByte(byte(v))
			} else {
				b.WriteString("%" + strings.ToUpper(p[i-1:i+1]))
			}
			continue
		}
		if unreserved(c) || c == '/' {
			b.WriteByte(c)
		} else {
			b.WriteString(escapeByte(c))
		}
	}
	return b.String()
}

func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

const upperHex = "0123456789ABCDEF"

func escapeByte(c byte) string { return string([]byte{'%', upperHex[c>>4], upperHex[c&15]}) }

// uriEncode is SigV4's URI encoding of a query key or value: every byte but
// the unreserved ones percent-encoded, space as %20.
func uriEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if unreserved(s[i]) {
			b.WriteByte(s[i])
		} else {
			b.WriteString(escapeByte(s[i]))
		}
	}
	return b.String()
}

// canonicalQuery is every query parameter but omit (X-Amz-Signature of a
// presigned URL), encoded and sorted by key then value; a valueless key
// is "key=". The query was checked to decode before we get here.
func canonicalQuery(r *http.Request, omit string) string {
	pairs, _ := parseQuery(r.URL.RawQuery)
	enc := make([]string, 0, len(pairs))
	for _, p := range pairs {
		if omit != "" && p.key == omit {
			continue
		}
		enc = append(enc, uriEncode(p.key)+"="+uriEncode(p.value))
	}
	// Sort by encoded key, then value: sorting the joined "k=v" strings would
	// not, since '-' and '.' sort below '='.
	sort.Slice(enc, func(i, j int) bool {
		ki, vi, _ := strings.Cut(enc[i], "=")
		kj, vj, _ := strings.Cut(enc[j], "=")
		if ki != kj {
			return ki < kj
		}
		return vi < vj
	})
	return strings.Join(enc, "&")
}

// canonicalHeaders is "name:value\n" for each signed header, in the order
// signed. net/http moves Host, Content-Length and Transfer-Encoding out of
// r.Header, so they are rebuilt from the request.
func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		var vals []string
		switch name {
		case "host":
			vals = []string{r.Host}
		case "content-length":
			if v := r.Header.Values("Content-Length"); len(v) > 0 {
				vals = v
			} else if r.ContentLength >= 0 {
				vals = []string{strconv.FormatInt(r.ContentLength, 10)}
			}
		case "transfer-encoding":
			vals = r.Header.Values("Transfer-Encoding")
			if len(vals) == 0 {
				vals = r.TransferEncoding
			}
		default:
			vals = r.Header.Values(name)
		}
		clean := make([]string, len(vals))
		for i, v := range vals {
			clean[i] = collapseSpaces(v)
		}
		b.WriteString(name + ":" + strings.Join(clean, ",") + "\n")
	}
	return b.String()
}

// collapseSpaces trims a header value and turns each run of spaces inside
// it into one space.
func collapseSpaces(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return v
	}
	return strings.Join(strings.Fields(v), " ")
}
