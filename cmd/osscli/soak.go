package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// soakOptions are soak's flags.
type soakOptions struct {
	interval time.Duration // between one write's end and the next's start
	duration time.Duration // 0: no time limit (--count alone)
	count    int           // 0: no count limit
}

// soakSummary is soak's one line on standard output.
type soakSummary struct {
	Acknowledged int    `json:"acknowledged"`
	Failed       int    `json:"failed"`
	FirstFailure string `json:"firstFailure"`
	// Keys is how many keys the stored list holds: Acknowledged once it is
	// stored, 0 when it could not be.
	Keys int `json:"keys"`
}

// Timeouts of soak's requests, and the waits between attempts to store the
// list (4 attempts in at most 4×5s + 3.5s, inside a pod's default 30s of
// grace after SIGTERM). Variables so that the tests can shorten them.
var (
	soakWriteTimeout = 30 * time.Second
	soakListTimeout  = 5 * time.Second
	soakListBackoff  = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}
)

// soakListName is the object, after the prefix, that lists the acknowledged keys.
const soakListName = "acknowledged.txt"

// soak writes PREFIX000001, PREFIX000002, ... one after another until the
// duration or the count is reached or ctx ends (SIGTERM), then stores the
// acknowledged keys in PREFIXacknowledged.txt and prints the summary. Each
// write asks the client's credentials provider anew, so a rotated key or
// a renewed STS token signs the next write.
func soak(ctx context.Context, c *oss.Client, o soakOptions, bucket, prefix string, stdout, stderr io.Writer) error {
	writes := fmt.Sprintf("%d writes", o.count)
	if o.count == 1 {
		writes = "1 write"
	}
	limit := "until stopped"
	switch {
	case o.count > 0 && o.duration > 0:
		limit = writes + " or " + o.duration.String()
	case o.count > 0:
		limit = writes
	case o.duration > 0:
		limit = o.duration.String()
	}
	fmt.Fprintf(stderr, "osscli: soak: writing %s/%sNNNNNN every %s for %s\n", bucket, prefix, o.interval, limit)
	var deadline time.Time
	if o.duration > 0 {
		deadline = time.Now().Add(o.duration)
	}
	// Writes and the list outlive ctx: a write in flight at SIGTERM is
	// finished (not counted as a failure of our own making), and the list
	// is stored after it.
	bg := context.WithoutCancel(ctx)
	var sum soakSummary
	var acked []string
	for i := 1; ; i++ {
		if ctx.Err() != nil || !deadline.IsZero() && !time.Now().Before(deadline) {
			break
		}
		key := fmt.Sprintf("%s%06d", prefix, i)
		body := fmt.Sprintf("osscli soak key=%s counter=%d\n", key, i)
		wctx, cancel := context.WithTimeout(bg, soakWriteTimeout)
		_, err := c.PutObject(wctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: strings.NewReader(body)})
		cancel()
		if err != nil {
			sum.Failed++
			msg := describeError(err)
			fmt.Fprintf(stderr, "osscli: soak: put %s: %s\n", key, msg)
			if sum.FirstFailure == "" {
				sum.FirstFailure = key + ": " + msg
			}
		} else {
			acked = append(acked, key)
		}
		if o.count > 0 && i >= o.count {
			break
		}
		wait := o.interval
		if !deadline.IsZero() {
			wait = min(wait, time.Until(deadline))
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
		}
	}
	sum.Acknowledged = len(acked)

	list := ""
	if len(acked) > 0 {
		list = strings.Join(acked, "\n") + "\n"
	}
	listKey := prefix + soakListName
	var listErr error
	for attempt := 0; ; attempt++ {
		lctx, cancel := context.WithTimeout(bg, soakListTimeout)
		_, listErr = c.PutObject(lctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(listKey), Body: strings.NewReader(list)})
		cancel()
		if listErr == nil || attempt >= len(soakListBackoff) {
			break
		}
		fmt.Fprintf(stderr, "osscli: soak: put %s (attempt %d): %s\n", listKey, attempt+1, describeError(listErr))
		time.Sleep(soakListBackoff[attempt])
	}
	if listErr == nil {
		sum.Keys = len(acked)
	}
	line, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", line)
	switch {
	case listErr != nil:
		return fmt.Errorf("soak: the list of %d acknowledged keys was not stored in %s/%s: %s",
			len(acked), bucket, listKey, describeError(listErr))
	case sum.Failed > 0:
		return fmt.Errorf("soak: %d of %d writes failed, the first %s", sum.Failed, sum.Failed+sum.Acknowledged, sum.FirstFailure)
	}
	return nil
}

// describeError is err on one line: the OSS error code, HTTP status and
// message of a service error, else the error's text.
func describeError(err error) string {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		s := fmt.Sprintf("%s (HTTP %d", se.Code, se.StatusCode)
		if se.RequestID != "" {
			s += ", request " + se.RequestID
		}
		s += ")"
		if se.Message != "" {
			s += ": " + se.Message
		}
		return oneLine(s)
	}
	return oneLine(err.Error())
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
