package auth

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Requests recorded from ali-oss 6.23.0 (Alibaba's Node.js SDK, npm
// ali-oss) with its default V1 signing, sent to a capture server with the
// storagetest root key. The SDK sends x-oss-date and no Date header, and
// signs the x-oss-date value in the date position of the string to sign
// (lib/common/signUtils.js buildCanonicalString; lib/common/utils/
// createRequest.js sets the header). Host is rewritten by the SDK to the
// virtual-host name while the path stays path style (sldEnable).
var aliOSSRecorded = []struct{ name, raw string }{
	{"PUT with metadata", "PUT /bkt/dir/hello.txt HTTP/1.1\r\nx-oss-date: Thu, 03 Dec 2026 07:22:07 GMT\r\nuser-agent: aliyun-sdk-nodejs/6.23.0 Node.js 20.20.2 on Linux 64-bit\r\nx-oss-meta-who: node\r\ncontent-type: text/plain\r\ncontent-md5: 6EeWzmWhXmf5WTYd/8jgkw==\r\ncontent-length: 13\r\nauthorization: OSS KOSSTESTROOT000000001:z4clal2eMyUyQyo8My9xhEd20xc=\r\nhost: bkt.oss-cn-hangzhou.aliyuncs.com\r\nConnection: keep-alive\r\n\r\nhello ali-oss"},
	{"GET", "GET /bkt/dir/hello.txt HTTP/1.1\r\nx-oss-date: Thu, 03 Dec 2026 07:22:07 GMT\r\nuser-agent: aliyun-sdk-nodejs/6.23.0 Node.js 20.20.2 on Linux 64-bit\r\ncontent-type: text/plain\r\nauthorization: OSS KOSSTESTROOT000000001:7zfP7FNDk62DSZEOiqydaHDNY44=\r\nhost: bkt.oss-cn-hangzhou.aliyuncs.com\r\nConnection: keep-alive\r\n\r\n"},
}

func TestAliOSSV1WithoutDateHeader(t *testing.T) {
	keys := StaticKeys{"KOSSTESTROOT000000001": "kossTestRootSecret00000000000000000001"}
	when, _ := http.ParseTime("Thu, 03 Dec 2026 07:22:07 GMT")
	v := NewVerifier(Config{Lookup: keys, Now: fixedClock(when.Add(30 * time.Second))})
	for _, tc := range aliOSSRecorded {
		t.Run(tc.name, func(t *testing.T) {
			read := func() *http.Request {
				r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(tc.raw)))
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			if _, err := v.Authenticate(context.Background(), read(), "bkt", "dir/hello.txt"); err != nil {
				t.Fatalf("recorded ali-oss request refused: %v", err)
			}
			// The signature covers x-oss-date: another date is refused.
			r := read()
			r.Header.Set("x-oss-date", "Thu, 03 Dec 2026 07:22:08 GMT")
			if _, err := v.Authenticate(context.Background(), r, "bkt", "dir/hello.txt"); !errors.Is(err, ErrSignatureMismatch) {
				t.Fatalf("with x-oss-date changed: %v, want a signature mismatch", err)
			}
		})
	}
}
