package object_test

import (
	"path/filepath"
	"testing"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/consensus"
	"github.com/koss-io/koss/storage/internal/meta"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/object/objecttest"
)

// newStore wires a single-node Store on real files in a temporary directory.
func newStore(t *testing.T, tweak func(*object.Config)) *object.Store {
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
	prop, err := consensus.NewLocal(consensus.LocalConfig{FSM: fsm})
	if err != nil {
		t.Fatal(err)
	}
	cfg := object.DefaultConfig()
	cfg.Blobs, cfg.Meta, cfg.Proposer = blobs, fsm, prop
	if tweak != nil {
		tweak(&cfg)
	}
	s, err := object.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() {
		s.Close()
		prop.Close()
		fsm.Close()
		blobs.Close()
	})
	return s
}

func TestLayerConformance(t *testing.T) {
	tests := map[string]func(*object.Config){
		"default inline threshold": nil,
		"no inline data":           func(c *object.Config) { c.InlineThreshold = 0 },
		"large inline threshold":   func(c *object.Config) { c.InlineThreshold = 1 << 20 },
	}
	for name, tweak := range tests {
		t.Run(name, func(t *testing.T) {
			objecttest.Run(t, func(t *testing.T) object.Layer { return newStore(t, tweak) })
		})
	}
}

func TestKeyStoreConformance(t *testing.T) {
	objecttest.RunKeyStore(t, func(t *testing.T) object.KeyStore { return newStore(t, nil) })
}
