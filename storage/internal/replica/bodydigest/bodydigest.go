package bodydigest

import (
	"context"
	"fmt"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/crc64ecma"
)

// Digester hashes the chunks of one body in a goroutine of its own. The
// write's pump hands it every chunk before the replicas get it (Add), and
// ends it when the body is through or the write failed (End). A replica
// that has read its last byte asks for the digest (Wait) and gets it once
// the last chunk is hashed.
type Digester struct {
	in   chan []byte
	done chan struct{}
	err  error // set by End before in closes; read after done
	sum  blob.Digest
}

// New starts a Digester that queues up to depth chunks.
func New(depth int) *Digester {
	d := &Digester{in: make(chan []byte, depth), done: make(chan struct{})}
	go d.run()
	return d
}

func (d *Digester) run() {
	defer close(d.done)
	h := blob.NewMD5()
	defer h.Close()
	var crc uint64
	for c := range d.in {
		h.Write(c)
		crc = crc64ecma.Update(crc, c)
	}
	if d.err == nil {
		copy(d.sum.MD5[:], h.Sum(nil))
		d.sum.CRC64 = crc
	}
}

// Add queues chunk c, which must not change afterwards; it waits while the
// hasher is behind, or returns ctx's error.
func (d *Digester) Add(ctx context.Context, c []byte) error {
	select {
	case d.in <- c:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// End closes the input: with err nil the digest is that of every chunk
// added; otherwise Wait returns err. It must be called exactly once.
func (d *Digester) End(err error) {
	if err != nil {
		d.err = fmt.Errorf("replica: the write failed before its digest: %w", err)
	}
	close(d.in)
}

// Wait returns the digest once every chunk is hashed.
func (d *Digester) Wait() (blob.Digest, error) {
	<-d.done
	return d.sum, d.err
}
