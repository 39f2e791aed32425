package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/koss-io/koss/hack/localkube/smallfs"
	"github.com/koss-io/koss/storage/adminclient"
	"github.com/koss-io/koss/test/kossdproc"
)

// What a kossd whose disk is full answers to a write, in both dialects.
const (
	storageFullCode   = "XKossStorageFull"
	storageFullStatus = http.StatusInsufficientStorage
)

// smallDisk mounts a file system of size MiB of its own on a fresh
// directory: a loop-mounted ext4 image (a real disk's file system), or a
// tmpfs where loop devices are missing. It is unmounted when the test ends,
// after the cleanups registered later (stopping kossd) have run. Mounting
// needs root (CI runs as root); without it the test is skipped.
func smallDisk(t *testing.T, sizeMiB int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the disk-full tests mount a small file system and need root (CI runs as root)")
	}
	base := t.TempDir()
	dir := filepath.Join(base, "disk")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(base, "disk.img")
	kind, err := smallfs.Mount(dir, img, int64(sizeMiB)<<20)
	if err != nil {
		t.Skipf("cannot mount a small file system: %v", err)
	}
	t.Cleanup(func() {
		if err := smallfs.Unmount(dir, img); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	t.Logf("Mounted a %d MiB %s on %s", sizeMiB, kind, dir)
	return dir
}

// startOnDisk starts a kossd whose data directory is on dir.
func startOnDisk(t *testing.T, dir string, args ...string) *kossdproc.Process {
	t.Helper()
	p, err := kossdproc.Start(context.Background(), kossdproc.Options{
		Binary:  kossdBin,
		DataDir: filepath.Join(dir, "data"),
		LogPath: filepath.Join(workDir, sanitize(t.Name())+".log"),
		Args:    args,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop) // runs before the unmount
	return p
}

// metricValue reads one sample of /-/metrics: name with exactly the label
// set labels (e.g. `{dir="/x"}`, or "" for none). ok is false when absent.
func metricValue(t *testing.T, endpoint, name, labels string) (float64, bool) {
	t.Helper()
	res, err := http.Get(endpoint + "/-/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("metrics: %d %v", res.StatusCode, err)
	}
	for line := range strings.SplitSeq(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+labels+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %q", name, line)
			}
			return f, true
		}
	}
	return 0, false
}

func requireStorageFull(t *testing.T, what string, err error) {
	t.Helper()
	code, status := v2Err(err)
	if code != storageFullCode || status != storageFullStatus {
		t.Fatalf("%s on a full disk: %v (code %q, status %d), want %s (%d)", what, err, code, status, storageFullCode, storageFullStatus)
	}
}

// fillDisk puts objects of size bytes under prefix until the node refuses
// one, and returns the acknowledged ones (key -> content) and the refusal.
func fillDisk(t *testing.T, c *oss.Client, bucket, prefix string, size, limit int, acked map[string][]byte) error {
	t.Helper()
	for i := range limit {
		key := fmt.Sprintf("%s-%04d", prefix, i)
		body := randomBytes(size)
		_, err := c.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: bytes.NewReader(body)})
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		acked[key] = body
	}
	t.Fatalf("%d objects of %d bytes under %q fit on the small disk: nothing was refused", limit, size, prefix)
	return nil
}

func listKeys(t *testing.T, c *oss.Client, bucket string) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	p := c.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket)})
	for p.HasNext() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListObjectsV2: %v", err)
		}
		for _, o := range page.Contents {
			got[oss.ToString(o.Key)] = o.Size
		}
	}
	return got
}

// checkAcked reads every acknowledged object back and lists exactly them.
func checkAcked(t *testing.T, c *oss.Client, bucket string, acked map[string][]byte) {
	t.Helper()
	listed := listKeys(t, c, bucket)
	for key, want := range acked {
		if got := v2GetFrom(t, c, bucket, key); !bytes.Equal(got, want) {
			t.Fatalf("%s: read %d bytes, not the %d acknowledged", key, len(got), len(want))
		}
		if listed[key] != int64(len(want)) {
			t.Fatalf("%s: listed with size %d, want %d", key, listed[key], len(want))
		}
	}
	for key := range listed {
		if _, ok := acked[key]; !ok {
			t.Fatalf("ListObjectsV2 shows %s, which was never acknowledged", key)
		}
	}
}

func v2GetFrom(t *testing.T, c *oss.Client, bucket, key string) []byte {
	t.Helper()
	res, err := c.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

func s3ClientFor(t *testing.T, endpoint string) *s3.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(kossdproc.Region),
		config.WithCredentialsProvider(awscreds.NewStaticCredentialsProvider(kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret, "")),
		config.WithRetryMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
		o.HTTPClient = http.DefaultClient
	})
}

// TestDiskFull fills a single kossd's own 64 MiB disk through the v2 SDK
// until it refuses writes, and checks what a full node does: every kind
// of write fails with 507 XKossStorageFull in both dialects and leaves
// nothing behind (no listed or readable object, no file in the blob
// store's tmp/), every acknowledged object reads back byte for byte,
// deletes work, the metrics show it, and once deletes have freed space
// writes succeed again.
func TestDiskFull(t *testing.T) {
	disk := smallDisk(t, 64)
	const reserve = 8 << 20
	p := startOnDisk(t, disk, "--min-free-space", "8MiB")
	blobDir := filepath.Join(p.DataDir(), "blob")
	dirLabel := `{dir="` + blobDir + `"}`
	c := lcV2Client(p.Endpoint())
	ctx := context.Background()
	bucket := newBucketName(t)
	if _, err := c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(bucket)}); err != nil {
		t.Fatal(err)
	}
	total, ok := metricValue(t, p.Endpoint(), "koss_disk_total_bytes", dirLabel)
	if !ok || total < 32<<20 || total > 64<<20 {
		t.Fatalf("koss_disk_total_bytes%s = %v (present %v), want the 64 MiB disk", dirLabel, total, ok)
	}
	freeBefore, _ := metricValue(t, p.Endpoint(), "koss_disk_free_bytes", dirLabel)
	if got, _ := metricValue(t, p.Endpoint(), "koss_disk_min_free_bytes", dirLabel); got != reserve {
		t.Fatalf("koss_disk_min_free_bytes = %v, want %d", got, reserve)
	}

	// Fill: 1 MiB objects (blobs) until refused, then 16 KiB ones (kept
	// inline in the metadata, which shares the disk) until refused.
	acked := map[string][]byte{}
	err := fillDisk(t, c, bucket, "big", 1<<20, 100, acked)
	requireStorageFull(t, "PutObject of 1 MiB", err)
	nBig := len(acked)
	if nBig < 20 {
		t.Fatalf("only %d MiB fit on a 64 MiB disk with an 8 MiB reserve", nBig)
	}
	err = fillDisk(t, c, bucket, "small", 16<<10, 1000, acked)
	requireStorageFull(t, "PutObject of 16 KiB (inline)", err)
	t.Logf("Acknowledged %d objects of 1 MiB and %d of 16 KiB before the disk was full", nBig, len(acked)-nBig)

	refusedKey := fmt.Sprintf("big-%04d", nBig)
	if _, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(refusedKey)}); err == nil {
		t.Fatalf("the refused %s is readable", refusedKey)
	} else if code, _ := v2Err(err); code != "NoSuchKey" {
		t.Fatalf("GetObject of the refused %s: %v, want NoSuchKey", refusedKey, err)
	}

	// Every other kind of write is refused alike.
	_, err = c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("appended"),
		Position: oss.Ptr(int64(0)), Body: bytes.NewReader(randomBytes(1 << 20))})
	requireStorageFull(t, "AppendObject", err)
	up, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("multi")})
	if err != nil {
		t.Fatalf("InitiateMultipartUpload (metadata only): %v", err)
	}
	_, err = c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("multi"), UploadId: up.UploadId,
		PartNumber: 1, Body: bytes.NewReader(randomBytes(1 << 20))})
	requireStorageFull(t, "UploadPart", err)
	if _, err := c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("multi"), UploadId: up.UploadId}); err != nil {
		t.Fatalf("AbortMultipartUpload on a full disk: %v", err)
	}
	s3c := s3ClientFor(t, p.Endpoint())
	_, err = s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("s3-put"), Body: bytes.NewReader(randomBytes(1 << 20))})
	var ae smithy.APIError
	var re *awshttp.ResponseError
	if !errors.As(err, &ae) || ae.ErrorCode() != storageFullCode || !errors.As(err, &re) || re.HTTPStatusCode() != storageFullStatus {
		t.Fatalf("S3 PutObject on a full disk: %v, want %s (%d)", err, storageFullCode, storageFullStatus)
	}

	// A copy shares the source's blob: it needs no data space and is taken.
	if _, err := c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("copy-of-big"),
		SourceKey: oss.Ptr("big-0000")}); err != nil {
		t.Fatalf("CopyObject of a blob object on a full disk: %v", err)
	}
	acked["copy-of-big"] = acked["big-0000"]

	// Nothing partial: only acknowledged objects are listed and read, and
	// no interrupted write is left in the blob store's tmp/.
	checkAcked(t, c, bucket, acked)
	if ents, err := os.ReadDir(filepath.Join(blobDir, "tmp")); err != nil || len(ents) != 0 {
		t.Fatalf("blob tmp/ after refused writes: %d entries (%v)", len(ents), err)
	}
	refused, ok := metricValue(t, p.Endpoint(), "koss_writes_refused_no_space_total", "")
	if !ok || refused < 5 {
		t.Fatalf("koss_writes_refused_no_space_total = %v (present %v), want >= 5 (the refusals above)", refused, ok)
	}
	freeFull, _ := metricValue(t, p.Endpoint(), "koss_disk_free_bytes", dirLabel)
	if freeFull >= freeBefore || freeFull > reserve+(1<<20) {
		t.Fatalf("koss_disk_free_bytes: %v before filling, %v when full (reserve %d)", freeBefore, freeFull, reserve)
	}

	// Deletes work on a full disk, and free space.
	deleted := 0
	for key := range acked {
		if !strings.HasPrefix(key, "big-") || deleted == nBig/2 {
			continue
		}
		if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}); err != nil {
			t.Fatalf("DeleteObject %s on a full disk: %v", key, err)
		}
		delete(acked, key)
		deleted++
	}
	// The blobs go once the collector runs; then writes are taken again.
	deadline := time.Now().Add(time.Minute)
	for i := 0; ; i++ {
		key := fmt.Sprintf("after-%04d", i)
		body := randomBytes(1 << 20)
		_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: bytes.NewReader(body)})
		if err == nil {
			acked[key] = body
			break
		}
		requireStorageFull(t, "PutObject while space is being freed", err)
		if time.Now().After(deadline) {
			t.Fatalf("a minute after deleting %d MiB, writes are still refused", deleted)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, kind := range []string{"append", "part"} {
		body := randomBytes(1 << 20)
		switch kind {
		case "append":
			if _, err := c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("appended"),
				Position: oss.Ptr(int64(0)), Body: bytes.NewReader(body)}); err != nil {
				t.Fatalf("AppendObject after space was freed: %v", err)
			}
			acked["appended"] = body
		case "part":
			if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("s3-put"), Body: bytes.NewReader(body)}); err != nil {
				t.Fatalf("S3 PutObject after space was freed: %v", err)
			}
			acked["s3-put"] = body
		}
	}
	checkAcked(t, c, bucket, acked)
	if freeAfter, _ := metricValue(t, p.Endpoint(), "koss_disk_free_bytes", dirLabel); freeAfter <= freeFull {
		t.Fatalf("koss_disk_free_bytes did not grow after deletes: %v when full, %v after", freeFull, freeAfter)
	}
}

// startRegionOnSmallDisks starts a 3-node Region (--min-free-space 8MiB)
// whose first nSmall nodes keep their data on 64 MiB disks of their own
// (smallDisk), the others in the test's work directory; the nodes stop,
// with their log tails on failure, when the test ends.
func startRegionOnSmallDisks(t *testing.T, prefix string, nSmall int) []*kossdproc.Process {
	t.Helper()
	dir, err := os.MkdirTemp(workDir, prefix)
	if err != nil {
		t.Fatal(err)
	}
	for i := range nSmall {
		// node-i's data directory is the small disk's mount point.
		if err := os.Symlink(smallDisk(t, 64), filepath.Join(dir, fmt.Sprintf("node-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	nodes, err := kossdproc.StartRegion(context.Background(), 3, kossdproc.Options{Binary: kossdBin, DataDir: dir, Args: []string{"--min-free-space", "8MiB"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i, p := range nodes {
			if t.Failed() {
				t.Logf("--- node-%d log tail (%s) ---\n%s", i, p.LogPath(), p.Tail(20))
			}
			p.Stop()
		}
	})
	return nodes
}

// TestDiskFullRegionReplica gives one node of a 3-node Region a 64 MiB disk
// of its own and fills it through another node: writes keep succeeding
// (two copies are a quorum), the full node counts its refusals and the
// Region counts the blobs under-replicated; once deletes free the node's
// disk, repair copies them there and every object reads back from every
// node.
func TestDiskFullRegionReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-process Region")
	}
	ctx := context.Background()
	nodes := startRegionOnSmallDisks(t, "diskfull-region-", 1)
	full := nodes[0]
	c := lcV2Client(nodes[1].Endpoint())
	bucket := lcMakeBucket(t, c)

	// 80 MiB: more than the small disk holds above its reserve.
	acked := map[string][]byte{}
	for i := range 80 {
		key := fmt.Sprintf("obj-%04d", i)
		body := randomBytes(1 << 20)
		if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: bytes.NewReader(body)}); err != nil {
			t.Fatalf("PutObject %s with one node's disk full: %v", key, err)
		}
		acked[key] = body
	}
	refused, _ := metricValue(t, full.Endpoint(), "koss_writes_refused_no_space_total", "")
	if refused < 10 {
		t.Fatalf("the small-disk node refused %v writes of 80 MiB, want >= 10", refused)
	}
	under, _ := metricValue(t, nodes[1].Endpoint(), "koss_blobs_under_replicated", "")
	if under < 10 {
		t.Fatalf("koss_blobs_under_replicated = %v with the small disk full, want >= 10", under)
	}
	t.Logf("The full node refused %v copies; %v blobs under-replicated", refused, under)
	// Reads keep working, from the full node too.
	for key, want := range acked {
		if got := v2GetFrom(t, lcV2Client(full.Endpoint()), bucket, key); !bytes.Equal(got, want) {
			t.Fatalf("%s read from the full node differs", key)
		}
	}

	// Free the small disk: delete the first 40 objects (all three copies
	// of them); repair then copies the under-replicated rest there.
	for i := range 40 {
		key := fmt.Sprintf("obj-%04d", i)
		if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}); err != nil {
			t.Fatalf("DeleteObject %s: %v", key, err)
		}
		delete(acked, key)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		under, _ = metricValue(t, nodes[1].Endpoint(), "koss_blobs_under_replicated", "")
		if under == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("3 minutes after freeing space, %v blobs are still under-replicated", under)
		}
		time.Sleep(time.Second)
	}
	for i, p := range nodes {
		for key, want := range acked {
			if got := v2GetFrom(t, lcV2Client(p.Endpoint()), bucket, key); !bytes.Equal(got, want) {
				t.Fatalf("%s read from node-%d differs", key, i)
			}
		}
	}
}

// TestDiskFullRegionQuorum gives two nodes of a 3-node Region small disks
// of their own and writes through the third: once the two are full, a
// write has no quorum of copies and fails with 507 XKossStorageFull (the
// peers say why they refused), not with 503 as for unreachable nodes.
// The admin API's cluster status names the two full members. Nothing of
// the refused write is listed or readable; every acknowledged write reads
// back.
func TestDiskFullRegionQuorum(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-process Region")
	}
	ctx := context.Background()
	nodes := startRegionOnSmallDisks(t, "diskfull-quorum-", 2)
	c := lcV2Client(nodes[2].Endpoint())
	bucket := lcMakeBucket(t, c)
	acked := map[string][]byte{}
	err := fillDisk(t, c, bucket, "obj-", 1<<20, 100, acked)
	requireStorageFull(t, "PutObject with two of three disks full", err)
	t.Logf("%d objects of 1 MiB acknowledged before the refusal: %v", len(acked), err)

	admin, err := adminclient.New(nodes[2].Endpoint(), kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	st, err := admin.ClusterStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	full := map[string]bool{}
	for _, m := range st.Members {
		if m.Disk == nil {
			t.Fatalf("member %s reported no disk: %+v", m.ID, m)
		}
		full[m.ID] = m.Disk.Full
		t.Logf("member %s: %d free of %d, reserve %d, full %v, %d refused", m.ID, m.Disk.FreeBytes, m.Disk.TotalBytes, m.Disk.ReserveBytes, m.Disk.Full, m.Disk.RefusedWrites)
	}
	if len(full) != 3 || !full["node-0"] || !full["node-1"] || full["node-2"] {
		t.Fatalf("full members = %v, want node-0 and node-1 only", full)
	}

	keys := listKeys(t, c, bucket)
	if len(keys) != len(acked) {
		t.Fatalf("%d objects listed, %d acknowledged: the refused write is visible", len(keys), len(acked))
	}
	checkAcked(t, c, bucket, acked)
}
