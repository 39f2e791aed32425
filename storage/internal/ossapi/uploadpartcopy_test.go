package ossapi

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"testing"
)

// TestUploadPartCopyETagHeader replays the UploadPartCopy that ali-oss 6.23.0
// sends from multipartUploadCopy (recorded; its Authorization replaced by the
// test key). ali-oss takes the part's ETag from the response's ETag header,
// not from CopyPartResult, and completes the upload with it: without the
// header it sent no ETag and CompleteMultipartUpload failed with InvalidPart.
func TestUploadPartCopyETagHeader(t *testing.T) {
	e := newStoreEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt1", nil), 200)
	src := bytes.Repeat([]byte("0123456789"), 20*1024)
	wantStatus(t, e.root("PUT", "/bkt1/src.bin", src), 200)
	r := e.root("POST", "/bkt1/dst.bin?uploads", nil)
	wantStatus(t, r, 200)
	var init struct{ UploadId string }
	if err := xml.Unmarshal(r.body, &init); err != nil || init.UploadId == "" {
		t.Fatalf("initiate: %s (%v)", r.body, err)
	}

	r = e.do(req{method: "PUT", path: "/bkt1/dst.bin?partNumber=1&uploadId=" + init.UploadId, key: rootKey,
		host: "bkt1.oss-local.aliyuncs.com", body: []byte{}, header: map[string]string{
			"x-oss-date":              "Fri, 04 Dec 2026 01:05:13 GMT",
			"user-agent":              "aliyun-sdk-nodejs/6.23.0 Node.js 20.20.2 on Linux 64-bit",
			"x-oss-copy-source":       "/bkt1/src.bin",
			"x-oss-copy-source-range": "bytes=0-102399",
			"content-type":            "application/octet-stream",
		}})
	wantStatus(t, r, 200)
	var res struct {
		XMLName xml.Name `xml:"CopyPartResult"`
		ETag    string
	}
	if err := xml.Unmarshal(r.body, &res); err != nil || res.ETag == "" {
		t.Fatalf("CopyPartResult %s (%v)", r.body, err)
	}
	if got := r.header.Get("ETag"); got != res.ETag {
		t.Fatalf("ETag header %q, CopyPartResult ETag %q: ali-oss reads the header", got, res.ETag)
	}

	// What ali-oss then completes with: the header's ETag.
	complete := fmt.Sprintf("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part></CompleteMultipartUpload>",
		r.header.Get("ETag"))
	wantStatus(t, e.root("POST", "/bkt1/dst.bin?uploadId="+init.UploadId, []byte(complete)), 200)
	got := e.root("GET", "/bkt1/dst.bin", nil)
	if got.status != 200 || !bytes.Equal(got.body, src[:102400]) {
		t.Fatalf("GET after complete: %d, %d bytes", got.status, len(got.body))
	}
}
