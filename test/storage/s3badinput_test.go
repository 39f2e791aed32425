package storage

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/koss-io/koss/test/kossdproc"
)

// Bodies in S3's aws-chunked framing that must be refused whole: a chunk
// whose signature is wrong in the middle of a signed stream, a trailing
// checksum that does not match, a body shorter than it declares. Each gets
// S3's error, and the key is never written (not even in part), on a real
// kossd through the whole server path.

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// s3Signed signs req with SigV4 for payloadHash (a streaming value) and
// returns the seed signature and what chunk signatures chain from.
func s3Signed(t *testing.T, req *http.Request, payloadHash string, now time.Time) (seed string, scope string, key []byte) {
	t.Helper()
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	creds := aws.Credentials{AccessKeyID: kossdproc.RootAccessKeyID, SecretAccessKey: kossdproc.RootAccessKeySecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payloadHash, "s3", kossdproc.Region, now); err != nil {
		t.Fatal(err)
	}
	auth := req.Header.Get("Authorization")
	i := strings.Index(auth, "Signature=")
	if i < 0 {
		t.Fatalf("no signature in %q", auth)
	}
	date := now.UTC().Format("20060102")
	mac := func(k []byte, s string) []byte { h := hmac.New(sha256.New, k); h.Write([]byte(s)); return h.Sum(nil) }
	key = mac(mac(mac(mac([]byte("AWS4"+kossdproc.RootAccessKeySecret), date), kossdproc.Region), "s3"), "aws4_request")
	return auth[i+len("Signature="):], date + "/" + kossdproc.Region + "/s3/aws4_request", key
}

// signedChunks frames chunks as STREAMING-AWS4-HMAC-SHA256-PAYLOAD does,
// each signature chained from the previous; corrupt (>= 0) gets a wrong one.
func signedChunks(chunks [][]byte, seed, scope string, key []byte, now time.Time, corrupt int) []byte {
	var b bytes.Buffer
	prev := seed
	for i, c := range append(chunks, nil) {
		sum := sha256.Sum256(c)
		sts := strings.Join([]string{"AWS4-HMAC-SHA256-PAYLOAD", now.UTC().Format("20060102T150405Z"), scope, prev, emptySHA256, hex.EncodeToString(sum[:])}, "\n")
		h := hmac.New(sha256.New, key)
		h.Write([]byte(sts))
		sig := hex.EncodeToString(h.Sum(nil))
		if i == corrupt {
			sig = strings.Repeat("0", len(sig))
		}
		fmt.Fprintf(&b, "%x;chunk-signature=%s\r\n", len(c), sig)
		b.Write(c)
		b.WriteString("\r\n")
		prev = sig
	}
	return b.Bytes()
}

func TestS3BadChunkedBodiesStoreNothing(t *testing.T) {
	ctx := context.Background()
	bucket := newBucketName(t)
	put := func(key string, mutate func(*http.Request), body func(*http.Request) []byte) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, node.Endpoint()+"/"+bucket+"/"+key, nil)
		if err != nil {
			t.Fatal(err)
		}
		mutate(req)
		b := body(req)
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp, out
	}
	// The bucket, through the same signing path with an empty body.
	resp, out := put("", func(*http.Request) {}, func(req *http.Request) []byte {
		s3Signed(t, req, emptySHA256, time.Now())
		return nil
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create bucket: %d %s", resp.StatusCode, out)
	}
	head := func(key string) int {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodHead, node.Endpoint()+"/"+bucket+"/"+key, nil)
		s3Signed(t, req, emptySHA256, time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	chunks := [][]byte{randomBytes(64 << 10), randomBytes(64 << 10), randomBytes(1000)}
	total := 0
	for _, c := range chunks {
		total += len(c)
	}
	streaming := func(req *http.Request, decoded int) {
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(decoded))
	}

	for _, tc := range []struct {
		name     string
		status   int
		code     string
		mutate   func(*http.Request)
		body     func(*http.Request) []byte
		accepted bool
	}{{
		name: "signed chunks, all good", status: 200, accepted: true,
		mutate: func(r *http.Request) { streaming(r, total) },
		body: func(r *http.Request) []byte {
			now := time.Now()
			seed, scope, key := s3Signed(t, r, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", now)
			return signedChunks(chunks, seed, scope, key, now, -1)
		},
	}, {
		name: "a wrong chunk signature in the middle", status: 403, code: "SignatureDoesNotMatch",
		mutate: func(r *http.Request) { streaming(r, total) },
		body: func(r *http.Request) []byte {
			now := time.Now()
			seed, scope, key := s3Signed(t, r, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", now)
			return signedChunks(chunks, seed, scope, key, now, 1)
		},
	}, {
		name: "a trailing CRC32 that does not match", status: 400, code: "BadDigest",
		mutate: func(r *http.Request) {
			streaming(r, total)
			r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
		},
		body: func(r *http.Request) []byte {
			s3Signed(t, r, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", time.Now())
			var b bytes.Buffer
			for _, c := range chunks {
				fmt.Fprintf(&b, "%x\r\n%s\r\n", len(c), c)
			}
			wrong := crc32.ChecksumIEEE([]byte("something else"))
			sum := []byte{byte(wrong >> 24), byte(wrong >> 16), byte(wrong >> 8), byte(wrong)}
			fmt.Fprintf(&b, "0\r\nx-amz-checksum-crc32:%s\r\n\r\n", base64.StdEncoding.EncodeToString(sum))
			return b.Bytes()
		},
	}, {
		name: "a body shorter than x-amz-decoded-content-length", status: 400, code: "IncompleteBody",
		mutate: func(r *http.Request) { streaming(r, total+100) },
		body: func(r *http.Request) []byte {
			now := time.Now()
			seed, scope, key := s3Signed(t, r, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", now)
			return signedChunks(chunks, seed, scope, key, now, -1)
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			key := sanitize(tc.name)
			resp, out := put(key, tc.mutate, tc.body)
			if resp.StatusCode != tc.status || (tc.code != "" && !bytes.Contains(out, []byte("<Code>"+tc.code+"</Code>"))) {
				t.Fatalf("status %d, want %d %s; body %s", resp.StatusCode, tc.status, tc.code, out)
			}
			want := http.StatusNotFound
			if tc.accepted {
				want = http.StatusOK
			}
			if got := head(key); got != want {
				t.Fatalf("HEAD after the PUT: %d, want %d (a refused body must store nothing)", got, want)
			}
		})
	}
}
