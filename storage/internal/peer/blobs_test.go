package peer

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/koss-io/koss/storage/internal/blob"
)

func newDisk(t *testing.T) *blob.Disk {
	t.Helper()
	cfg := blob.DefaultConfig()
	cfg.Dir = t.TempDir()
	d, err := blob.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func readAll(t *testing.T, s blob.Store, id string) ([]byte, error) {
	t.Helper()
	h, err := s.Open(id)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	return io.ReadAll(blob.NewReader(h, 0, h.Info().Size))
}

func TestFetchingStore(t *testing.T) {
	a, b, c := newTestServer(t, "same", nil), newTestServer(t, "same", nil), newTestServer(t, "same", nil)
	da, db, dc := newDisk(t), newDisk(t), newDisk(t)
	ServeBlobs(a, da)
	ServeBlobs(b, db)
	ServeBlobs(c, dc)

	data := make([]byte, 300<<10)
	rand.Read(data)
	id := blob.NewID()
	if _, err := da.Create(context.Background(), id, bytes.NewReader(data), blob.CreateOptions{Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	// c asks b (which lacks it) and a.
	fc := NewFetchingStore(FetchConfig{
		Local:  dc,
		Client: c.Client(),
		Peers:  func(context.Context) ([]string, error) { return []string{b.Advertise(), a.Advertise()}, nil },
	})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, err := readAll(t, fc, id)
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("read through the fetching store: %d bytes, %v", len(got), err)
			}
		})
	}
	wg.Wait()
	// The copy is now local.
	if got, err := readAll(t, dc, id); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("local copy after the fetch: %d bytes, %v", len(got), err)
	}

	// A blob nobody has: still ErrNotFound, with the peers' answers.
	_, err := fc.Open(blob.NewID())
	if !errors.Is(err, blob.ErrNotFound) || !errors.Is(err, ErrNoCopy) {
		t.Fatalf("missing everywhere: %v", err)
	}
	// A peer with another secret is not asked successfully.
	intruder := newTestServer(t, "other", nil)
	fi := NewFetchingStore(FetchConfig{
		Local:  newDisk(t),
		Client: intruder.Client(),
		Peers:  func(context.Context) ([]string, error) { return []string{a.Advertise()}, nil },
	})
	if _, err := fi.Open(id); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("fetch with the wrong secret: %v", err)
	}
}
