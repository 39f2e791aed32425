package replica_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestReplicatedWritesCarryOneDigest: the writing node hashes the body once
// and every copy records that digest (package bodydigest). The first write to each
// peer goes the old way (the peer hashes and the writer compares) and
// teaches the writer that the peer takes the digest in trailers; later
// writes send it. Whichever way a copy was made, its footer must hold the
// content's MD5 and verify, and the object's ETag must be that MD5.
func TestReplicatedWritesCarryOneDigest(t *testing.T) {
	r := newRegion(t, 3, nil)
	r.mkBucket()
	for i, n := range []int{1<<20 + 17, 3<<20 + 5, 300 << 10} {
		data := bigData(n)
		key := fmt.Sprintf("k%d", i)
		info, err := put(t, r.nodes[i%len(r.nodes)].store, key, data)
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		want := md5.Sum(data)
		if etag := strings.Trim(info.ETag, `"`); !strings.EqualFold(etag, hex.EncodeToString(want[:])) {
			t.Fatalf("write %d: ETag %s, want the content's MD5 %x", i, info.ETag, want)
		}
		id, replicas := r.blobOf(key)
		if len(replicas) != 3 {
			t.Fatalf("write %d: replicas %v, want 3", i, replicas)
		}
		for _, nd := range r.nodes {
			if !slices.Contains(replicas, nd.id) {
				continue
			}
			st, err := nd.disk.Stat(id)
			if err != nil || st.MD5 != want {
				t.Fatalf("write %d, copy on %s: %v, footer MD5 %x, want %x", i, nd.id, err, st.MD5, want)
			}
			if err := nd.disk.Verify(context.Background(), id); err != nil {
				t.Fatalf("write %d, copy on %s: verify: %v", i, nd.id, err)
			}
		}
	}
}
