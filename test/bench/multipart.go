package main

// The MULTIPART rows: one large object uploaded in parallel parts, compared
// with the raw disk writing the same bytes at the same moment.
//
// The disk under a shared machine does not keep one speed: measured on
// 2026-12-03, 3 GiB of 8 MiB fsynced files from 16 writers ran at
// 850-1,420 MiB/s on a disk that had been idle and at 580-620 MiB/s right
// after 3 GiB of writes, within the same minute. A baseline taken minutes
// before the upload, in the other state, moves the share by half. So the
// upload is measured in rounds, each between two raw-disk runs that write
// what the upload writes (replicas x size bytes, in part-sized fsynced
// files from as many writers as parts in flight): a round's baseline is the
// mean of the raw runs on either side of it, and the row is the round with
// the median share, the other rounds printed beside it.

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/koss-io/koss/test/kossdproc"
)

// opMultipart names the rows of one large object uploaded by an SDK's
// Uploader: what a client does with a 1 GiB file, parts in parallel.
const opMultipart = "MULTIPART"

// multipartPartSize is the Uploader's part size: osscli's default.
const multipartPartSize = 8 << 20

// uploadFunc uploads one object and reports how long it took.
type uploadFunc func() (time.Duration, error)

// measureUploadRounds runs rounds x (raw disk, upload), then a last raw
// run, and returns the round whose share of its bracketing raw baseline is
// the median. replicas is how many copies each part lands on; rawDir is a
// directory on the disk the nodes write to.
func measureUploadRounds(target, rawDir string, rounds, replicas int, size int64, parallel int, upload uploadFunc) result {
	rounds = max(rounds, 1)
	volume := int64(replicas) * size
	raws := []float64{rawDiskVolume(rawDir, multipartPartSize, parallel, volume)}
	var runs []result
	for i := 0; i < rounds; i++ {
		r := result{target: target, nodes: replicas, op: opMultipart, size: int(size), clients: parallel}
		elapsed, err := upload()
		r.elapsed = elapsed
		if err != nil {
			fmt.Fprintf(os.Stderr, "   %s %s error: %v\n", target, opMultipart, err)
			r.errors = 1
		} else {
			r.ops = 1
		}
		raws = append(raws, rawDiskVolume(rawDir, multipartPartSize, parallel, volume))
		r.rawMiBps = (raws[i] + raws[i+1]) / 2
		progressUpload(r, raws[i], raws[i+1])
		runs = append(runs, r)
	}
	share := func(r result) float64 { return r.mibPerSec() * float64(r.nodes) / r.rawMiBps }
	sorted := append([]result(nil), runs...)
	sort.SliceStable(sorted, func(i, j int) bool { return share(sorted[i]) < share(sorted[j]) })
	median := sorted[len(sorted)/2]
	var all []string
	for _, r := range runs {
		if r.errors > 0 {
			median.errors++ // a failed round fails the row, whichever round is shown
		}
		all = append(all, fmt.Sprintf("%.0f%%", 100*share(r)))
	}
	median.rounds = strings.Join(all, " ")
	return median
}

func progressUpload(r result, rawBefore, rawAfter float64) {
	fmt.Fprintf(os.Stderr, "   %-14s %-4s %7s x%-2d  %9.1f MiB/s  (raw disk %0.f MiB/s before, %.0f after: %.0f%% of raw/%d)\n",
		r.target, r.op, human(r.size), r.clients, r.mibPerSec(), rawBefore, rawAfter, 100*r.mibPerSec()*float64(r.nodes)/r.rawMiBps, r.nodes)
}

// rawDiskVolume writes total bytes as size-byte fsynced files (file, then
// directory, as rawDisk does) from n writers and returns the MiB/s.
func rawDiskVolume(dir string, size, n int, total int64) float64 {
	files := max(total/int64(size), 1)
	var started atomic.Int64
	r := rawDiskWhile(dir, size, n, func() bool { return started.Add(1) <= files })
	fmt.Fprintf(os.Stderr, "   %-14s %-4s %7s x%-2d  %9.1f MiB/s  (%s)\n", r.target, r.op, human(r.size), r.clients, r.mibPerSec(), human(int(files)*size))
	return r.mibPerSec()
}

// ossUpload uploads a size-byte object to endpoint with the v2 OSS SDK's
// Uploader, parallel parts at once, timed from Initiate to Complete; each
// call uploads a new key of one bucket.
func ossUpload(endpoint string, size int64, parallel int) uploadFunc {
	ctx := context.Background()
	c := oss.NewClient(oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)).
		WithEndpoint(endpoint).
		WithRegion(kossdproc.Region).
		WithUsePathStyle(true).
		WithSignatureVersion(oss.SignatureVersionV4))
	bucket := fmt.Sprintf("bench-mp-%d", time.Now().UnixNano())
	if _, err := c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(bucket)}); err != nil {
		fail(fmt.Errorf("create bucket: %w", err))
	}
	u := c.NewUploader(func(o *oss.UploaderOptions) { o.PartSize = multipartPartSize; o.ParallelNum = parallel })
	round := 0
	return func() (time.Duration, error) {
		round++
		start := time.Now()
		// A ReaderAt+Seeker: the Uploader reads each part where it lies, as
		// it does a file, instead of buffering the whole object.
		_, err := u.UploadFrom(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(fmt.Sprintf("%s-%d", human(int(size)), round))},
			io.NewSectionReader(newPattern(), 0, size))
		return time.Since(start), err
	}
}

// pattern is endless random-looking bytes from a small block: its period
// is not a multiple of the part size, so no two parts are the same bytes
// (a store that shared equal parts would otherwise look faster).
type pattern struct{ block []byte }

func newPattern() pattern {
	b := make([]byte, 1<<20+4093)
	_, _ = rand.Read(b)
	return pattern{block: b}
}

func (p pattern) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		n += copy(b[n:], p.block[(off+int64(n))%int64(len(p.block)):])
	}
	return n, nil
}

// measureUploads measures the multipart upload to endpoint through the OSS
// SDK and then through the S3 one (s3.go), each in rounds between raw-disk
// runs (measureUploadRounds).
func measureUploads(target, endpoint, rawDir string, rounds, replicas int, size int64, parallel int) []result {
	return []result{
		measureUploadRounds(target, rawDir, rounds, replicas, size, parallel, ossUpload(endpoint, size, parallel)),
		measureUploadRounds(target+s3Suffix, rawDir, rounds, replicas, size, parallel, s3Upload(endpoint, size, parallel)),
	}
}
