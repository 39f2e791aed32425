package storage

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/koss-io/koss/test/kossdproc"
)

// TestCrashDuringWrites kills kossd with SIGKILL in the middle of a stream of
// concurrent PUTs and appends, restarts it on the same data directory and
// checks the two things that must never happen:
//   - an acknowledged write is lost (bytes or ETag differ after restart);
//   - a partial object is visible (listed or readable with bytes that are not
//     exactly what one request sent).
//
// Requests that were in flight at the kill may or may not have taken effect,
// but only as a whole.
func TestCrashDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test starts its own kossd")
	}
	ctx := context.Background()
	dir := t.TempDir()
	p, err := kossdproc.Start(ctx, kossdproc.Options{Binary: kossdBin, DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "kossd.log")})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	client := func() *oss.Client {
		cfg := oss.LoadDefaultConfig().
			WithCredentialsProvider(credentials.NewStaticCredentialsProvider(kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)).
			WithRegion(kossdproc.Region).WithEndpoint(p.Endpoint()).WithUsePathStyle(true).
			WithRetryMaxAttempts(1).WithConnectTimeout(2 * time.Second).WithReadWriteTimeout(20 * time.Second)
		return oss.NewClient(cfg)
	}
	c := client()
	bucket := newBucketName(t)
	if _, err := c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(bucket)}); err != nil {
		t.Fatal(err)
	}

	var (
		mu sync.Mutex
		// attempted holds the body sent for every PUT key (each key is written once).
		attempted = map[string][]byte{}
		// acked holds the keys whose PUT returned success, with the ETag returned.
		acked = map[string]string{}
		// streams holds, per appendable key, every byte ever sent, and acked
		// lengths: the object must always be a prefix of the stream that ends
		// at an append boundary and is at least the acked length.
		streams    = map[string][]byte{}
		boundaries = map[string]map[int]bool{}
		ackedLen   = map[string]int{}
	)
	const rounds = 3
	for round := 0; round < rounds; round++ {
		c = client()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					key := fmt.Sprintf("r%d/w%d/obj-%04d", round, w, i)
					size := 1 + rand.IntN(4<<10)
					if i%3 == 0 {
						size = 100<<10 + rand.IntN(900<<10) // stored as blobs, not inline
					}
					body := randomBytes(size)
					mu.Lock()
					attempted[key] = body
					mu.Unlock()
					res, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: bytes.NewReader(body)})
					if err != nil {
						return // the node died under us
					}
					mu.Lock()
					acked[key] = oss.ToString(res.ETag)
					mu.Unlock()
				}
			}(w)
		}
		for a := 0; a < 2; a++ {
			wg.Add(1)
			go func(a int) {
				defer wg.Done()
				key := fmt.Sprintf("append-%d", a)
				for {
					select {
					case <-stop:
						return
					default:
					}
					chunk := randomBytes(1 + rand.IntN(64<<10))
					mu.Lock()
					pos := ackedLen[key]
					if len(streams[key]) != pos { // an earlier append is in doubt: stop this stream
						mu.Unlock()
						return
					}
					streams[key] = append(streams[key], chunk...)
					if boundaries[key] == nil {
						boundaries[key] = map[int]bool{0: true}
					}
					boundaries[key][len(streams[key])] = true
					mu.Unlock()
					res, err := c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Position: oss.Ptr(int64(pos)), Body: bytes.NewReader(chunk)})
					if err != nil {
						return
					}
					mu.Lock()
					ackedLen[key] = int(res.NextPosition)
					mu.Unlock()
				}
			}(a)
		}
		time.Sleep(time.Duration(800+rand.IntN(800)) * time.Millisecond)
		p.Kill()
		close(stop)
		wg.Wait()

		if err := p.Restart(ctx); err != nil {
			t.Fatalf("round %d: restart after SIGKILL: %v", round, err)
		}
		c = client()
		mu.Lock()
		t.Logf("round %d: %d PUTs acknowledged of %d attempted so far; append streams at %v", round, len(acked), len(attempted), ackedLen)
		verifyAfterCrash(t, c, bucket, attempted, acked, streams, boundaries, ackedLen)
		mu.Unlock()
		// Resynchronise the append streams with what survived.
		for key := range streams {
			h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
			n := 0
			if err == nil {
				n = int(h.ContentLength)
			}
			streams[key] = streams[key][:n]
			ackedLen[key] = n
		}
	}
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged: the test proved nothing")
	}
}

func verifyAfterCrash(t *testing.T, c *oss.Client, bucket string, attempted map[string][]byte, acked map[string]string,
	streams map[string][]byte, boundaries map[string]map[int]bool, ackedLen map[string]int) {
	t.Helper()
	ctx := context.Background()
	listed := map[string]int64{}
	p := c.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket), MaxKeys: 1000})
	for p.HasNext() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list after restart: %v", err)
		}
		for _, o := range page.Contents {
			listed[oss.ToString(o.Key)] = o.Size
		}
	}
	read := func(key string) ([]byte, string, error) {
		res, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
		if err != nil {
			return nil, "", err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return b, oss.ToString(res.ETag), err
	}
	for key, etag := range acked {
		if _, ok := listed[key]; !ok {
			t.Fatalf("acknowledged object %q is not listed after the crash", key)
		}
		got, gotETag, err := read(key)
		if err != nil {
			t.Fatalf("acknowledged object %q unreadable after the crash: %v", key, err)
		}
		if !bytes.Equal(got, attempted[key]) || gotETag != etag || etag != quotedMD5(attempted[key]) {
			t.Fatalf("acknowledged object %q changed: %d bytes (want %d), ETag %s (acked %s)", key, len(got), len(attempted[key]), gotETag, etag)
		}
	}
	for key, size := range listed {
		if body, ok := attempted[key]; ok {
			got, _, err := read(key)
			if err != nil || !bytes.Equal(got, body) || size != int64(len(body)) {
				sum := md5.Sum(got)
				t.Fatalf("listed object %q is partial: %d bytes listed, %d read (md5 %x), want %d (err %v)", key, size, len(got), sum, len(body), err)
			}
			continue
		}
		stream, ok := streams[key]
		if !ok {
			t.Fatalf("unexpected object %q listed", key)
		}
		got, _, err := read(key)
		if err != nil {
			t.Fatalf("appendable %q unreadable: %v", key, err)
		}
		if len(got) < ackedLen[key] || !boundaries[key][len(got)] || !bytes.Equal(got, stream[:len(got)]) {
			t.Fatalf("appendable %q: %d bytes after the crash, acked %d; not a whole number of appends of the stream", key, len(got), ackedLen[key])
		}
	}
	for key, n := range ackedLen {
		if n > 0 {
			if _, ok := listed[key]; !ok {
				t.Fatalf("acknowledged appendable %q (%d bytes) is gone", key, n)
			}
		}
	}
}
