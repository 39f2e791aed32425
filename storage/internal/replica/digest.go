package replica

import (
	"context"
	"fmt"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/crc64ecma"
)

// digester hashes a replicated write's body once, beside the replicas that
// store it: every copy records the MD5 it computes instead of computing its
// own (blob.CreateOptions.Digest), and checks the CRC-64 against its own.
// MD5 is the dearest hash of a write; three copies used to compute it
// three times over the same bytes.
//
// The pump hands it every chunk before the replicas get it (add), and ends
// it when the body is through or the write failed (end). A replica that
// has read its last byte asks for the digest (wait) and gets it once the
// last chunk is hashed.
type digester struct {
	in   chan []byte
	done chan struct{}
	err  error // set by end before in closes; read after done
	sum  blob.Digest
}

func newDigester(depth int) *digester {
	d := &digester{in: make(chan []byte, depth), done: make(chan struct{})}
	go d.run()
	return d
}

func (d *digester) run() {
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

// add queues chunk c, which must not change afterwards; it waits while the
// hasher is behind, or returns ctx's error.
func (d *digester) add(ctx context.Context, c []byte) error {
	select {
	case d.in <- c:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// end closes the input: with err nil the digest is that of every chunk
// added; otherwise wait returns err. It must be called exactly once.
func (d *digester) end(err error) {
	if err != nil {
		d.err = fmt.Errorf("replica: the write failed before its digest: %w", err)
	}
	close(d.in)
}

// wait returns the digest once every chunk is hashed.
func (d *digester) wait() (blob.Digest, error) {
	<-d.done
	return d.sum, d.err
}
