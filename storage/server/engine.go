package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/consensus"
	"github.com/koss-io/koss/storage/internal/meta"
	"github.com/koss-io/koss/storage/internal/object"
)

// engine is what the server needs from the storage engine: the object
// layer and key store behind the HTTP APIs, plus health and status.
type engine interface {
	object.Layer
	object.KeyStore
	// Ready returns nil when the node can serve linearizable requests.
	Ready(ctx context.Context) error
	// Indexes reports the replicated log's positions.
	Indexes(ctx context.Context) (indexes, error)
	// Close stops the engine and releases its files.
	Close() error
}

// indexes are the log positions ClusterStatus reports.
type indexes struct {
	Commit, Applied, Last uint64
	UnderReplicated       int64
}

// Layout of the data directory.
const (
	blobDir  = "blob"
	metaFile = "meta/meta.db"
)

// localEngine is a single-node engine: the object store over the blob
// store, with the metadata state machine driven by the local proposer.
type localEngine struct {
	*object.Store
	blobs *blob.Disk
	fsm   *meta.FSM
	prop  *consensus.Local
}

// readyTimeout bounds the barrier a readiness probe waits for.
const readyTimeout = 2 * time.Second

func openEngine(cfg Config, log *slog.Logger, _ prometheus.Registerer) (engine, error) {
	bcfg := blob.DefaultConfig()
	bcfg.Dir = filepath.Join(cfg.DataDir, blobDir)
	bcfg.Logger = log
	blobs, err := blob.New(bcfg)
	if err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	mcfg := meta.DefaultConfig()
	mcfg.Path = filepath.Join(cfg.DataDir, metaFile)
	mcfg.Logger = log
	fsm, err := meta.New(mcfg)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	lcfg := consensus.DefaultLocalConfig()
	lcfg.FSM = fsm
	lcfg.Logger = log
	prop, err := consensus.NewLocal(lcfg)
	if err != nil {
		_ = fsm.Close()
		return nil, fmt.Errorf("proposer: %w", err)
	}
	ocfg := object.DefaultConfig()
	ocfg.Blobs = blobs
	ocfg.Meta = fsm
	ocfg.Proposer = prop
	ocfg.Logger = log
	store, err := object.New(ocfg)
	if err != nil {
		_ = prop.Close()
		_ = fsm.Close()
		return nil, fmt.Errorf("object store: %w", err)
	}
	store.Start()
	return &localEngine{Store: store, blobs: blobs, fsm: fsm, prop: prop}, nil
}

func (e *localEngine) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	return e.prop.Barrier(ctx)
}

func (e *localEngine) Indexes(context.Context) (indexes, error) {
	// On a single node every applied entry is committed and the last one.
	i := e.fsm.AppliedIndex()
	return indexes{Commit: i, Applied: i, Last: i}, nil
}

// Close stops the store's loops, then the proposer, then the state machine
// (the order object.Store documents).
func (e *localEngine) Close() error {
	return errors.Join(e.Store.Close(), e.prop.Close(), e.fsm.Close())
}
