package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	v2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/anishathalye/porcupine"
)

// The history of a linearizability run: operations on a few keys through
// every node while the leader and then a follower are killed and restarted.

type linInput struct {
	Op   string // put, get, delete, append
	Key  string
	Data string // put value or appended chunk
	Pos  int64  // append position
}

type linOutput struct {
	Unknown bool   // a write whose outcome the client could not learn
	Exists  bool   // get found the object
	Data    string // get: the content
	Code    string // append rejection: PositionNotEqualToLength or ObjectNotAppendable
	Length  int64  // the current length a position error reports
}

type objState struct {
	Exists, Appendable bool
	Data               string
}

// appendOutcome is what an append of in does to s.
func appendOutcome(s objState, in linInput) (code string, length int64, next objState) {
	switch {
	case !s.Exists && in.Pos == 0:
		return "", 0, objState{Exists: true, Appendable: true, Data: in.Data}
	case !s.Exists:
		return "PositionNotEqualToLength", 0, s
	case !s.Appendable:
		return "ObjectNotAppendable", 0, s
	case in.Pos != int64(len(s.Data)):
		return "PositionNotEqualToLength", int64(len(s.Data)), s
	}
	return "", 0, objState{Exists: true, Appendable: true, Data: s.Data + in.Data}
}

var objectModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(linInput).Key
			byKey[k] = append(byKey[k], op)
		}
		var out [][]porcupine.Operation
		for _, ops := range byKey {
			out = append(out, ops)
		}
		return out
	},
	Init: func() any { return objState{} },
	Step: func(state, input, output any) (bool, any) {
		s, in, out := state.(objState), input.(linInput), output.(linOutput)
		switch in.Op {
		case "get":
			if !out.Exists {
				return !s.Exists, s
			}
			return s.Exists && s.Data == out.Data, s
		case "put":
			return true, objState{Exists: true, Data: in.Data}
		case "delete":
			return true, objState{}
		case "append":
			code, length, next := appendOutcome(s, in)
			if out.Unknown {
				return true, next
			}
			return out.Code == code && (code != "PositionNotEqualToLength" || out.Length == length), next
		}
		return false, s
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(linInput), output.(linOutput)
		res := "ok"
		switch {
		case out.Unknown:
			res = "unknown"
		case in.Op == "get" && !out.Exists:
			res = "absent"
		case in.Op == "get":
			res = strconv.Quote(out.Data)
		case out.Code != "":
			res = fmt.Sprintf("%s(%d)", out.Code, out.Length)
		}
		return fmt.Sprintf("%s(%s, %q, %d) -> %s", in.Op, in.Key, in.Data, in.Pos, res)
	},
	DescribeState: func(state any) string { return fmt.Sprintf("%+v", state.(objState)) },
}

// recorder collects the operations of all clients.
type recorder struct {
	start time.Time
	mu    sync.Mutex
	ops   []porcupine.Operation
}

func (r *recorder) now() int64 { return int64(time.Since(r.start)) }

// never is the return time of a write whose outcome is unknown: it may take
// effect at any point after its call, or (linearized last) never be seen.
const never = int64(1) << 62

func (r *recorder) add(client int, in linInput, call int64, out linOutput, ret int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
}

func TestClusterLinearizableUnderFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a load with failovers")
	}
	c := StartCluster(t, 3)
	c.WaitLeader()
	ctx := context.Background()
	if _, err := client(c.Endpoint(0)).PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr("lin")}); err != nil {
		t.Fatal(err)
	}
	// Many keys keep each partition of the history small enough to check.
	keys := []string{"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"}
	rec := &recorder{start: time.Now()}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const clients = 6
	for id := range clients {
		cl := client(c.Endpoint(id % c.Len()))
		rng := rand.New(rand.NewPCG(uint64(id), 42))
		wg.Go(func() { runLinClient(ctx, id, cl, rng, keys, rec, stop) })
	}

	// Failures: the leader dies and returns, then a follower does.
	pause := func(d time.Duration) { time.Sleep(d) }
	pause(3 * time.Second)
	leader := c.WaitLeader()
	t.Logf("killing leader %s", c.Node(leader).ID)
	c.Kill(leader)
	pause(3 * time.Second)
	c.Restart(leader)
	pause(2 * time.Second)
	l2 := c.WaitLeader()
	follower := (l2 + 1) % c.Len()
	t.Logf("killing follower %s", c.Node(follower).ID)
	c.Kill(follower)
	pause(3 * time.Second)
	c.Restart(follower)
	pause(2 * time.Second)
	close(stop)
	wg.Wait()

	var acked, unknown int
	for _, op := range rec.ops {
		if op.Output.(linOutput).Unknown {
			unknown++
		} else {
			acked++
		}
	}
	t.Logf("history: %d operations with a known outcome, %d unknown", acked, unknown)
	if acked < 100 {
		t.Fatalf("only %d operations completed: the load did not run", acked)
	}
	res, info := porcupine.CheckOperationsVerbose(objectModel, rec.ops, 2*time.Minute)
	switch res {
	case porcupine.Ok:
	case porcupine.Illegal:
		path := filepath.Join(os.TempDir(), fmt.Sprintf("koss-linearizability-%d.html", time.Now().UnixNano()))
		if err := porcupine.VisualizePath(objectModel, info, path); err == nil {
			t.Logf("visualization: %s", path)
		}
		t.Fatal("the history is not linearizable")
	default:
		t.Logf("the linearizability check timed out (result %s); nothing proven", res)
	}
}

// runLinClient issues random operations until stop closes.
func runLinClient(ctx context.Context, id int, cl *v2.Client, rng *rand.Rand, keys []string, rec *recorder, stop <-chan struct{}) {
	lengths := map[string]int64{} // what this client last saw, to aim appends
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		key := keys[rng.IntN(len(keys))]
		in := linInput{Key: key, Data: fmt.Sprintf("c%d.%d;", id, i)}
		switch p := rng.IntN(100); {
		case p < 30:
			in.Op = "get"
		case p < 50:
			in.Op = "put"
		case p < 60:
			in.Op = "delete"
		default:
			in.Op, in.Pos = "append", lengths[key]
		}
		octx, cancel := context.WithTimeout(ctx, 10*time.Second)
		call := rec.now()
		out, err := doLin(octx, cl, in)
		ret := rec.now()
		cancel()
		ok := err == nil
		var op *net.OpError
		switch {
		case !ok && in.Op == "get":
			// A failed read tells nothing.
		case !ok && errors.As(err, &op) && op.Op == "dial":
			// Never sent (the node is down): no effect.
		case !ok:
			rec.add(id, in, call, linOutput{Unknown: true}, never)
		default:
			rec.add(id, in, call, out, ret)
		}
		switch {
		case in.Op == "get" && ok:
			lengths[key] = int64(len(out.Data))
		case in.Op == "append" && ok && out.Code == "":
			lengths[key] = in.Pos + int64(len(in.Data))
		case in.Op == "append" && ok && out.Code == "PositionNotEqualToLength":
			lengths[key] = out.Length
		case in.Op == "put" && ok:
			lengths[key] = 0 // a Normal object: the next append is refused anyway
		}
		// A modest pace keeps the history small enough to check; after
		// a failure the node may be down.
		pause := 10 * time.Millisecond
		if !ok {
			pause = 50 * time.Millisecond
		}
		time.Sleep(pause)
	}
}

// doLin performs one operation; an error means its outcome is unknown
// (or, for a read, that it failed).
func doLin(ctx context.Context, cl *v2.Client, in linInput) (linOutput, error) {
	bucket, key := v2.Ptr("lin"), v2.Ptr(in.Key)
	switch in.Op {
	case "get":
		data, err := get(ctx, cl, "lin", in.Key)
		var se *v2.ServiceError
		if errors.As(err, &se) && se.StatusCode == http.StatusNotFound {
			return linOutput{}, nil
		}
		return linOutput{Exists: true, Data: string(data)}, err
	case "put":
		_, err := cl.PutObject(ctx, &v2.PutObjectRequest{Bucket: bucket, Key: key, Body: bytes.NewReader([]byte(in.Data))})
		return linOutput{}, err
	case "delete":
		_, err := cl.DeleteObject(ctx, &v2.DeleteObjectRequest{Bucket: bucket, Key: key})
		return linOutput{}, err
	case "append":
		_, err := cl.AppendObject(ctx, &v2.AppendObjectRequest{Bucket: bucket, Key: key, Position: v2.Ptr(in.Pos), Body: bytes.NewReader([]byte(in.Data))})
		var se *v2.ServiceError
		if errors.As(err, &se) {
			switch se.Code {
			case "PositionNotEqualToLength":
				n, perr := strconv.ParseInt(se.Headers.Get("x-oss-next-append-position"), 10, 64)
				return linOutput{Code: se.Code, Length: n}, perr
			case "ObjectNotAppendable":
				return linOutput{Code: se.Code}, nil
			}
		}
		return linOutput{}, err
	}
	return linOutput{}, fmt.Errorf("unknown op %q", in.Op)
}
