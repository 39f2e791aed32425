package bodydigest

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"hash/crc64"
	"testing"
)

func TestDigestOfChunks(t *testing.T) {
	body := bytes.Repeat([]byte("koss digest "), 100000)
	d := New(2)
	ctx := context.Background()
	for off := 0; off < len(body); off += 4096 {
		if err := d.Add(ctx, body[off:min(off+4096, len(body))]); err != nil {
			t.Fatal(err)
		}
	}
	d.End(nil)
	sum, err := d.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sum.MD5 != md5.Sum(body) || sum.CRC64 != crc64.Checksum(body, crc64.MakeTable(crc64.ECMA)) {
		t.Fatalf("digest %x/%d differs from the body's", sum.MD5, sum.CRC64)
	}
}

func TestFailedWriteHasNoDigest(t *testing.T) {
	d := New(1)
	if err := d.Add(context.Background(), []byte("part")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("client went away")
	d.End(boom)
	if _, err := d.Wait(); !errors.Is(err, boom) {
		t.Fatalf("Wait after a failed write: %v, want the write's error", err)
	}
}

func TestAddGivesUpWithTheContext(t *testing.T) {
	d := New(0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The hasher may take the chunk before the cancel is seen; keep adding
	// until the context wins, as a stalled hasher would make it.
	var err error
	for range 1000 {
		if err = d.Add(ctx, []byte("x")); err != nil {
			break
		}
	}
	d.End(err)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Add with a cancelled context: %v", err)
	}
}
