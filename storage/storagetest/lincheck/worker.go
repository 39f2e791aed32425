package lincheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	v2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// Worker is one client of the load: it issues random gets, puts, deletes
// and appends on a few keys and records them.
type Worker struct {
	// ID identifies the client in the history; give each Worker its own.
	ID int
	// OSS is the client; it should not retry (WithRetryMaxAttempts(1)), so
	// that each recorded operation is one request.
	OSS    *v2.Client
	Bucket string
	// Keys are the keys to work on. Fewer keys mean more contention; more
	// keep each key's history small enough to check quickly.
	Keys []string
	Rec  *Recorder
	// Rand drives the choices; nil seeds one from ID.
	Rand *rand.Rand
	// Timeout bounds each request (default 15 s); a write that times out
	// is recorded as unknown.
	Timeout time.Duration
	// BigPercent is the share (0-100) of writes whose body is between
	// 64 KiB and 320 KiB, stored as replicated blobs rather than inline in
	// the raft entry. The rest are a few dozen bytes.
	BigPercent int
	// Pause is the wait between requests (default 10 ms; five times
	// longer after a failure, when a node may be down).
	Pause time.Duration

	seq     int
	lengths map[string]int64 // what this client last saw, to aim appends
}

// Run issues operations until stop is closed or ctx is done.
func (w *Worker) Run(ctx context.Context, stop <-chan struct{}) {
	if w.Rand == nil {
		w.Rand = rand.New(rand.NewPCG(uint64(w.ID), 42))
	}
	if w.Pause == 0 {
		w.Pause = 10 * time.Millisecond
	}
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		key := w.Keys[w.Rand.IntN(len(w.Keys))]
		var in Input
		switch p := w.Rand.IntN(100); {
		case p < 30:
			in = Input{Op: OpGet, Key: key}
		case p < 50:
			in = Input{Op: OpPut, Key: key}
		case p < 60:
			in = Input{Op: OpDelete, Key: key}
		default:
			in = Input{Op: OpAppend, Key: key, Pos: w.length(key)}
		}
		pause := w.Pause
		if !w.Do(ctx, in) {
			pause *= 5
		}
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
	}
}

func (w *Worker) length(key string) int64 {
	if w.lengths == nil {
		w.lengths = map[string]int64{}
	}
	return w.lengths[key]
}

// bodySize picks the size of a write's body.
func (w *Worker) bodySize() int64 {
	if w.Rand.IntN(100) < w.BigPercent {
		return 64<<10 + 1 + w.Rand.Int64N(256<<10)
	}
	return 1 + w.Rand.Int64N(48)
}

// Do performs one operation and records it. in.Tag and in.Size are filled
// in for writes. It reports whether the request got an answer.
func (w *Worker) Do(ctx context.Context, in Input) bool {
	if w.Rand == nil {
		w.Rand = rand.New(rand.NewPCG(uint64(w.ID), 42))
	}
	if w.Timeout == 0 {
		w.Timeout = 15 * time.Second
	}
	var body []byte
	if in.Op == OpPut || in.Op == OpAppend {
		w.seq++
		in.Tag = fmt.Sprintf("c%d.%d", w.ID, w.seq)
		body = Body(in.Tag, w.bodySize())
		in.Size = int64(len(body))
	}
	octx, cancel := context.WithTimeout(ctx, w.Timeout)
	call := w.Rec.Now()
	out, err := w.do(octx, in, body)
	ret := w.Rec.Now()
	cancel()
	if err != nil {
		w.fail(in, call, err)
		return false
	}
	w.Rec.Add(w.ID, in, call, out, ret)
	if w.lengths == nil {
		w.lengths = map[string]int64{}
	}
	switch {
	case in.Op == OpGet:
		w.lengths[in.Key] = out.Length
	case in.Op == OpAppend && out.Code == "":
		w.lengths[in.Key] = in.Pos + in.Size
	case in.Op == OpAppend && out.Code == CodePositionNotEqualToLength:
		w.lengths[in.Key] = out.Length
	case in.Op == OpPut, in.Op == OpDelete:
		w.lengths[in.Key] = 0 // after a put the next append is refused anyway
	}
	return true
}

// errPartialRead wraps ErrPartial for a read whose body was complete as
// HTTP goes but not a sequence of whole writes.
var errPartialRead = errors.New("partial object read")

// fail classifies a failed request.
func (w *Worker) fail(in Input, call int64, err error) {
	var se *v2.ServiceError
	var op *net.OpError
	switch {
	case errors.Is(err, errPartialRead):
		w.Rec.Anomaly("client %d: %s %s: %v", w.ID, in.Op, in.Key, err)
	case errors.As(err, &se) && (se.StatusCode == http.StatusForbidden || se.StatusCode == http.StatusNotFound):
		// A signed request for an existing bucket is never refused, and the
		// bucket never disappears: a stale or failed lookup was answered
		// as a verdict instead of 503.
		w.Rec.Anomaly("client %d: %s %s: HTTP %d %s: %s", w.ID, in.Op, in.Key, se.StatusCode, se.Code, se.Message)
		if in.Op != OpGet {
			w.Rec.AddUnknown(w.ID, in, call, fmt.Sprintf("HTTP %d %s", se.StatusCode, se.Code))
		}
	case in.Op == OpGet:
		// A failed read tells nothing.
	case errors.As(err, &op) && op.Op == "dial":
		// Never sent (the node is down): no effect.
	case errors.As(err, &se):
		w.Rec.AddUnknown(w.ID, in, call, fmt.Sprintf("HTTP %d %s", se.StatusCode, se.Code))
	case errors.Is(err, context.DeadlineExceeded):
		w.Rec.AddUnknown(w.ID, in, call, "timeout")
	default:
		w.Rec.AddUnknown(w.ID, in, call, "transport")
	}
}

// do sends one request; an error means its outcome is unknown (or, for a
// read, that it failed).
func (w *Worker) do(ctx context.Context, in Input, body []byte) (Output, error) {
	bucket, key := v2.Ptr(w.Bucket), v2.Ptr(in.Key)
	switch in.Op {
	case OpGet:
		return Read(ctx, w.OSS, w.Bucket, in.Key)
	case OpPut:
		_, err := w.OSS.PutObject(ctx, &v2.PutObjectRequest{Bucket: bucket, Key: key, Body: bytes.NewReader(body)})
		return Output{}, err
	case OpDelete:
		_, err := w.OSS.DeleteObject(ctx, &v2.DeleteObjectRequest{Bucket: bucket, Key: key})
		return Output{}, err
	case OpAppend:
		_, err := w.OSS.AppendObject(ctx, &v2.AppendObjectRequest{Bucket: bucket, Key: key, Position: v2.Ptr(in.Pos), Body: bytes.NewReader(body)})
		var se *v2.ServiceError
		if errors.As(err, &se) {
			switch se.Code {
			case CodePositionNotEqualToLength:
				n, perr := strconv.ParseInt(se.Headers.Get("x-oss-next-append-position"), 10, 64)
				return Output{Code: se.Code, Length: n}, perr
			case CodeObjectNotAppendable:
				return Output{Code: se.Code}, nil
			}
		}
		return Output{}, err
	}
	return Output{}, fmt.Errorf("lincheck: unknown op %q", in.Op)
}

// Read gets a whole object and decodes it. A missing key is Output{}
// with no error; a body that is not a sequence of whole writes is an
// error wrapping ErrPartial.
func Read(ctx context.Context, cl *v2.Client, bucket, key string) (Output, error) {
	res, err := cl.GetObject(ctx, &v2.GetObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr(key)})
	var se *v2.ServiceError
	if errors.As(err, &se) && se.StatusCode == http.StatusNotFound && se.Code == "NoSuchKey" {
		return Output{}, nil
	}
	if err != nil {
		return Output{}, err
	}
	defer func() { _ = res.Body.Close() }() // read to the end or failed: nothing more to learn
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return Output{}, err // cut off in transit: a failed read, not a partial object
	}
	if res.ContentLength >= 0 && int64(len(data)) != res.ContentLength {
		return Output{}, fmt.Errorf("%w: %d bytes read, Content-Length %d", errPartialRead, len(data), res.ContentLength)
	}
	tags, err := Decode(data)
	if err != nil {
		return Output{}, fmt.Errorf("%w: %w", errPartialRead, err)
	}
	return Output{Exists: true, Tags: tags, Length: int64(len(data))}, nil
}

// FinalReads reads every key through every client once the load has
// stopped and the Region is whole again, and records the reads (as
// clients firstID, firstID+1, ...): every acknowledged write must show in
// them. A read that keeps failing for a minute is an anomaly.
func FinalReads(ctx context.Context, rec *Recorder, firstID int, clients []*v2.Client, bucket string, keys []string) {
	for i, cl := range clients {
		for _, key := range keys {
			deadline := time.Now().Add(time.Minute)
			for {
				octx, cancel := context.WithTimeout(ctx, 15*time.Second)
				call := rec.Now()
				out, err := Read(octx, cl, bucket, key)
				ret := rec.Now()
				cancel()
				if err == nil {
					rec.Add(firstID+i, Input{Op: OpGet, Key: key}, call, out, ret)
					break
				}
				if errors.Is(err, errPartialRead) || time.Now().After(deadline) {
					rec.Anomaly("final read of %s through client %d: %v", key, i, err)
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
	}
}
