package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/koss-io/koss/test/kossdproc"
)

// mpUpload is one multipart upload of the crash test and what the client
// knows about it: which parts were acknowledged, and whether Complete was
// sent or acknowledged.
type mpUpload struct {
	key   string
	id    string         // "" while Initiate is not acknowledged
	parts [][]byte       // planned part bodies, part number i+1
	acked map[int]string // part number -> acknowledged ETag

	completeSent, completeAcked bool
	done                        bool // completed (verified readable) or aborted
	aborted                     bool
}

func (u *mpUpload) whole() []byte { return bytes.Join(u.parts, nil) }

// TestMultipartCrash runs a 3-process Region and kills (SIGKILL) a node in
// the middle of concurrent UploadParts and, separately, of concurrent
// CompleteMultipartUploads: the leader in one round, the follower the
// clients talk to in another. After each restart it checks what must never
// happen:
//   - an acknowledged part lost (ListParts must show it with its ETag, and
//     the completed object must contain its bytes);
//   - a partial object visible: every GET, during the crash as after, is
//     either NoSuchKey or the whole object, bytes and CRC-64;
//   - an upload that was initiated but can neither be listed nor completed,
//     or an acknowledged Complete whose upload is still open.
//
// Finally, with every upload completed or aborted, the nodes restart with a
// short orphan-sweep grace (safe now that no write is in flight) and every
// node must hold exactly one blob file per part of the completed objects:
// none lost, none leaked.
func TestMultipartCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-process Region and kills members")
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp(workDir, "multipart-crash-")
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := kossdproc.StartRegion(ctx, 3, kossdproc.Options{Binary: kossdBin, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for i, p := range nodes {
			if t.Failed() {
				t.Logf("--- node-%d log tail (%s) ---\n%s", i, p.LogPath(), p.Tail(30))
			}
			p.Stop()
		}
	}()
	r := &procRegion{t: t, nodes: nodes, running: []bool{true, true, true}}
	client := func(i int) *oss.Client {
		return linClient(nodes[i].Endpoint(), kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
	}
	bucket := newBucketName(t)
	settle(r, time.Minute, func() error {
		_, err := client(0).PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(bucket)})
		return err
	})

	var all []*mpUpload
	seq := 0
	newUpload := func(round string) *mpUpload {
		seq++
		u := &mpUpload{key: fmt.Sprintf("%s/obj-%03d", round, seq), acked: map[int]string{}}
		for range 2 + rand.IntN(2) {
			// Every part is above the inline threshold (64 KiB), so every
			// part is a blob the final count must find.
			u.parts = append(u.parts, randomBytes(100<<10+rand.IntN(150<<10)))
		}
		all = append(all, u)
		return u
	}

	type round struct {
		name     string
		leader   bool // kill the leader, else a follower
		complete bool // kill during Complete, else during UploadPart
	}
	rounds := []round{
		{"part-leader", true, false},
		{"part-follower", false, false},
		{"complete-leader", true, true},
		{"complete-follower", false, true},
	}
	for _, rd := range rounds {
		leader := r.waitLeader()
		victim := leader
		if !rd.leader {
			victim = (leader + 1) % len(nodes)
		}
		other := (victim + 1) % len(nodes)
		// The clients talk to the victim: their requests are the ones the
		// kill interrupts.
		c := client(victim)
		var mine []*mpUpload
		var mu sync.Mutex // guards the mpUploads while workers run
		const workers = 4
		killNow := make(chan struct{})
		var killOnce sync.Once
		var acks atomic.Int64
		ack := func(threshold int64) {
			if acks.Add(1) == threshold {
				killOnce.Do(func() { close(killNow) })
			}
		}
		var wg sync.WaitGroup
		stopReaders := make(chan struct{})
		var readerWG sync.WaitGroup
		var partial atomic.Value // first partial-object report from a reader

		if !rd.complete {
			// Each worker initiates uploads and sends their parts; the kill
			// comes once a dozen parts are acknowledged, with others in
			// flight.
			for range workers {
				var us []*mpUpload
				for range 4 {
					u := newUpload(rd.name)
					us = append(us, u)
					mine = append(mine, u)
				}
				wg.Go(func() {
					for _, u := range us {
						res, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(u.key)})
						if err != nil {
							return // the node died under us
						}
						mu.Lock()
						u.id = oss.ToString(res.UploadId)
						mu.Unlock()
						for i, body := range u.parts {
							pr, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(u.key), UploadId: oss.Ptr(u.id),
								PartNumber: int32(i + 1), Body: bytes.NewReader(body)})
							if err != nil {
								return
							}
							mu.Lock()
							u.acked[i+1] = oss.ToString(pr.ETag)
							mu.Unlock()
							ack(12)
						}
					}
				})
			}
		} else {
			// Uploads with every part in place, through another node; then
			// the workers complete them and the kill comes once a few
			// Completes are acknowledged. Readers on another node GET the
			// keys all along.
			prep := client(other)
			for range workers * 6 {
				u := newUpload(rd.name)
				mine = append(mine, u)
				settle(r, time.Minute, func() error { return finishParts(ctx, prep, bucket, u) })
			}
			for w := range workers {
				wg.Go(func() {
					for i := w; i < len(mine); i += workers {
						u := mine[i]
						mu.Lock()
						u.completeSent = true
						mu.Unlock()
						if _, err := c.CompleteMultipartUpload(ctx, completeRequest(bucket, u)); err != nil {
							return
						}
						mu.Lock()
						u.completeAcked = true
						mu.Unlock()
						ack(5)
					}
				})
			}
			reader := client(other)
			readerWG.Go(func() {
				for {
					for _, u := range mine {
						select {
						case <-stopReaders:
							return
						default:
						}
						if err := checkWholeOrNothing(ctx, reader, bucket, u, false); err != nil {
							partial.CompareAndSwap(nil, err.Error())
						}
					}
				}
			})
		}

		select {
		case <-killNow:
		case <-time.After(2 * time.Minute):
			t.Fatalf("%s: the load never reached the kill point", rd.name)
		}
		t.Logf("%s: SIGKILL node-%d (leader node-%d) after %d acknowledgements", rd.name, victim, leader, acks.Load())
		r.kill(victim)
		wg.Wait()
		r.restart(victim)
		r.waitLeader()
		close(stopReaders)
		readerWG.Wait()
		if p := partial.Load(); p != nil {
			t.Fatalf("%s: a reader saw a partial object during the crash: %s", rd.name, p)
		}

		// Verify through every node in turn, then bring each upload to an
		// end: complete it, or abort every fourth one still open.
		for i, u := range mine {
			vc := client(i % len(nodes))
			if u.id == "" {
				continue // Initiate was in flight; its upload is found by listing below
			}
			var open bool
			settle(r, time.Minute, func() error {
				var err error
				open, err = checkUploadAfterCrash(ctx, vc, bucket, u)
				return err
			})
			switch {
			case open && u.completeAcked:
				t.Fatalf("%s: %s: Complete was acknowledged but upload %s is still open", rd.name, u.key, u.id)
			case !open && !u.completeSent:
				t.Fatalf("%s: %s: upload %s vanished though Complete was never sent", rd.name, u.key, u.id)
			case !open:
				u.done = true
				settle(r, time.Minute, func() error { return checkWholeOrNothing(ctx, vc, bucket, u, true) })
			case i%4 == 3:
				settle(r, time.Minute, func() error {
					_, err := vc.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(u.key), UploadId: oss.Ptr(u.id)})
					return err
				})
				u.done, u.aborted = true, true
			default:
				settle(r, time.Minute, func() error { return finishParts(ctx, vc, bucket, u) })
				settle(r, time.Minute, func() error {
					_, err := vc.CompleteMultipartUpload(ctx, completeRequest(bucket, u))
					if err != nil && v2Code(err) == "NoSuchUpload" {
						return nil // an earlier attempt here took effect; the GET below judges
					}
					return err
				})
				u.done = true
				settle(r, time.Minute, func() error { return checkWholeOrNothing(ctx, vc, bucket, u, true) })
			}
		}
		// Uploads whose Initiate was in flight may exist: they are listed,
		// and aborted like any other.
		known := map[string]bool{}
		for _, u := range all {
			known[u.id] = true
		}
		settle(r, time.Minute, func() error {
			p := client(other).NewListMultipartUploadsPaginator(&oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(bucket)})
			for p.HasNext() {
				page, err := p.NextPage(ctx)
				if err != nil {
					return err
				}
				for _, up := range page.Uploads {
					if known[oss.ToString(up.UploadId)] {
						return fmt.Errorf("upload %s of %s is still listed after it was completed or aborted", oss.ToString(up.UploadId), oss.ToString(up.Key))
					}
					if _, err := client(other).AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: up.Key, UploadId: up.UploadId}); err != nil {
						return err
					}
					t.Logf("%s: aborted upload %s of %s, whose Initiate was in flight", rd.name, oss.ToString(up.UploadId), oss.ToString(up.Key))
				}
			}
			return nil
		})
		for _, u := range mine {
			if !u.done && u.id == "" {
				u.done, u.aborted = true, true // never initiated as far as the client knows
			}
		}
	}

	// Every upload is over. Restart each node with a short orphan-sweep
	// grace: no write is in flight, so every blob nothing refers to is a
	// leftover of the crashes.
	want := 0
	completed := 0
	for _, u := range all {
		if !u.aborted {
			want += len(u.parts)
			completed++
		}
	}
	if completed == 0 {
		t.Fatal("no upload completed: the test proved nothing")
	}
	for i, p := range nodes {
		p.Stop()
		r.running[i] = false
		p.AddArgs("--orphan-sweep-grace", "1s")
		r.restart(i)
		r.waitLeader()
	}
	var counts []int
	settle(r, 3*time.Minute, func() error {
		counts = counts[:0]
		for _, p := range nodes {
			n, err := countBlobs(filepath.Join(p.DataDir(), "blob", "blobs"))
			if err != nil {
				return err
			}
			counts = append(counts, n)
		}
		for _, n := range counts {
			if n != want {
				return fmt.Errorf("blob files per node %v, want %d each (%d parts of %d completed objects)", counts, want, want, completed)
			}
		}
		return nil
	})
	t.Logf("%d uploads, %d completed; %d blob files on each node", len(all), completed, want)
	for i, u := range all {
		if !u.aborted {
			settle(r, time.Minute, func() error { return checkWholeOrNothing(ctx, client(i%len(nodes)), bucket, u, true) })
		}
	}
}

// finishParts uploads every part of u the client has no acknowledgement
// for (initiating u first if need be).
func finishParts(ctx context.Context, c *oss.Client, bucket string, u *mpUpload) error {
	if u.id == "" {
		res, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(u.key)})
		if err != nil {
			return err
		}
		u.id = oss.ToString(res.UploadId)
	}
	for i, body := range u.parts {
		if _, ok := u.acked[i+1]; ok {
			continue
		}
		pr, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(u.key), UploadId: oss.Ptr(u.id),
			PartNumber: int32(i + 1), Body: bytes.NewReader(body)})
		if err != nil {
			return err
		}
		u.acked[i+1] = oss.ToString(pr.ETag)
	}
	return nil
}

func completeRequest(bucket string, u *mpUpload) *oss.CompleteMultipartUploadRequest {
	var parts []oss.UploadPart
	for i := range u.parts {
		parts = append(parts, oss.UploadPart{PartNumber: int32(i + 1), ETag: oss.Ptr(u.acked[i+1])})
	}
	return &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(u.key), UploadId: oss.Ptr(u.id),
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}}
}

// checkUploadAfterCrash reports whether u is still open. An open upload
// must be listed by ListMultipartUploads and show every acknowledged part
// with its ETag. Any other error is returned for a retry.
func checkUploadAfterCrash(ctx context.Context, c *oss.Client, bucket string, u *mpUpload) (bool, error) {
	res, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(u.key), UploadId: oss.Ptr(u.id)})
	if v2Code(err) == "NoSuchUpload" {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	got := map[int]string{}
	for _, p := range res.Parts {
		got[int(p.PartNumber)] = oss.ToString(p.ETag)
	}
	for n, etag := range u.acked {
		if got[n] != etag {
			return false, fatalErr{fmt.Errorf("%s: acknowledged part %d (ETag %s) lost: ListParts shows %q", u.key, n, etag, got[n])}
		}
	}
	lres, err := c.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(bucket), Prefix: oss.Ptr(u.key)})
	if err != nil {
		return false, err
	}
	for _, up := range lres.Uploads {
		if oss.ToString(up.UploadId) == u.id {
			return true, nil
		}
	}
	return false, fatalErr{fmt.Errorf("%s: upload %s answers ListParts but is not listed", u.key, u.id)}
}

// checkWholeOrNothing GETs u's key: NoSuchKey is acceptable unless
// mustExist; a body read to its end must be the whole object with its
// CRC-64. Unavailability (a dead node, a read cut short) is returned for a
// retry; a partial object is a fatalErr.
func checkWholeOrNothing(ctx context.Context, c *oss.Client, bucket string, u *mpUpload, mustExist bool) error {
	res, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(u.key)})
	if v2Code(err) == "NoSuchKey" && !mustExist {
		return nil
	}
	if err != nil {
		return err
	}
	defer func() { _ = res.Body.Close() }() // read to the end or abandoned
	got, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	want := u.whole()
	crc := strconv.FormatUint(crc64.Checksum(want, crcTable), 10)
	if !bytes.Equal(got, want) || oss.ToString(res.HashCRC64) != crc {
		return fatalErr{fmt.Errorf("%s: GET gave %d bytes (want %d, equal %v), CRC-64 %s (want %s)",
			u.key, len(got), len(want), bytes.Equal(got, want), oss.ToString(res.HashCRC64), crc)}
	}
	return nil
}

// fatalErr is a verdict, not unavailability: eventually must not retry it.
type fatalErr struct{ error }

func v2Code(err error) string {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

// countBlobs counts the committed blob files under a blob store's blobs
// directory (see the blob package's on-disk layout).
func countBlobs(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !d.IsDir() {
			n++
		}
		return nil
	})
	return n, err
}

// settle is procRegion.eventually, except that a fatalErr (a verdict such
// as a partial object) fails the test at once instead of being retried.
func settle(r *procRegion, timeout time.Duration, fn func() error) {
	r.t.Helper()
	r.eventually(timeout, func() error {
		err := fn()
		var fe fatalErr
		if errors.As(err, &fe) {
			r.t.Fatal(err)
		}
		return err
	})
}
