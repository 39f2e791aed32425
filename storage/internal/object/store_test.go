package object_test

import (
	"testing"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/object/objecttest"
)

// newStore wires a single-node Store on real files in a temporary directory.
func newStore(t *testing.T, tweak func(*object.Config)) *object.Store {
	t.Helper()
	return objecttest.NewLocalStore(t, tweak)
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
