package objecttest

import (
	"path/filepath"
	"testing"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/consensus/singlenode"
	"github.com/koss-io/koss/storage/internal/meta"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/replica"
)

// NewLocalStore wires a single-node object.Store on real files in a
// temporary directory (blob store, bbolt state machine, single-node
// proposer, a replica.Set without a cluster), closed with the test. The
// data store's background loops are not started, so a test clock sees
// only the calls the test makes. tweak, when not nil, adjusts the
// configuration before the store is made.
func NewLocalStore(t testing.TB, tweak func(*object.Config)) *object.Store {
	t.Helper()
	dir := t.TempDir()
	blobs, err := blob.New(blob.Config{Dir: filepath.Join(dir, "blob")})
	if err != nil {
		t.Fatal(err)
	}
	fsm, err := meta.New(meta.Config{Path: filepath.Join(dir, "meta", "meta.db")})
	if err != nil {
		t.Fatal(err)
	}
	prop, err := singlenode.New(singlenode.Config{FSM: fsm})
	if err != nil {
		t.Fatal(err)
	}
	rcfg := replica.DefaultConfig()
	rcfg.Local, rcfg.Meta, rcfg.Proposer = blobs, fsm, prop
	data, err := replica.New(rcfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := object.DefaultConfig()
	cfg.Data, cfg.Meta, cfg.Proposer = data, fsm, prop
	if tweak != nil {
		tweak(&cfg)
	}
	s, err := object.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = prop.Close()
		_ = fsm.Close()
		_ = blobs.Close()
	})
	return s
}
