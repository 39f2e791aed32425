package etag

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"
)

// Same reports whether two single ETags name the same version: quotes
// and surrounding space optional, hex case-insensitive. It is the rule of
// a write's If-Match, which names one version: no list and no "*" (those
// are the read conditions', see package meta's etagMatches). The object
// layer's early check and the state machine's decision share it, so they
// cannot disagree.
func Same(a, b string) bool {
	return strings.EqualFold(strings.Trim(strings.TrimSpace(a), `"`), strings.Trim(strings.TrimSpace(b), `"`))
}

// MD5 is the ETag of content whose MD5 is sum: quoted upper-case hex.
func MD5(sum []byte) string {
	return `"` + strings.ToUpper(hex.EncodeToString(sum)) + `"`
}

// Multipart is the ETag OSS gives a completed multipart object whose parts
// have the MD5s sums: the MD5 of the parts' ETags written as upper-case hex
// and concatenated (not of their binary MD5s, as S3 does), in upper-case
// hex, a dash and the number of parts. The v1 SDK's own tests pin OSS's
// value for a sample file (download_test.go TestDownloadRoutineWithRecovery),
// which only this form reproduces.
func Multipart(sums [][]byte) string {
	h := md5.New()
	for _, s := range sums {
		h.Write([]byte(strings.ToUpper(hex.EncodeToString(s))))
	}
	return fmt.Sprintf("\"%s-%d\"", strings.ToUpper(hex.EncodeToString(h.Sum(nil))), len(sums))
}
