package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/consensus"
	"github.com/koss-io/koss/storage/internal/meta"
	"github.com/koss-io/koss/storage/internal/object"
)

// engine is what the server needs from the storage engine: the object
// layer and key store behind the HTTP APIs, plus health, cluster status and
// membership.
type engine interface {
	object.Layer
	object.KeyStore
	// Ready returns nil when the node can serve linearizable requests.
	Ready(ctx context.Context) error
	// Cluster reports the cluster as this node sees it.
	Cluster(ctx context.Context) (adminapi.ClusterStatus, error)
	// AddMember, RemoveMember and DrainMember change the cluster's
	// membership (adminhttp.Membership).
	AddMember(ctx context.Context, id, peerAddress string) error
	RemoveMember(ctx context.Context, id string) error
	DrainMember(ctx context.Context, id string) (int64, error)
	// Close stops the engine and releases its files.
	Close() error
}

// Layout of the data directory.
const (
	blobDir  = "blob"
	metaFile = "meta/meta.db"
)

// readyTimeout bounds the barrier a readiness probe waits for.
const readyTimeout = 2 * time.Second

// errSingleNode rejects membership changes on a node started without
// --initial-cluster.
var errSingleNode = fmt.Errorf("%w: this node runs alone (started without --initial-cluster); membership cannot change", adminapi.ErrInvalidArgument)

// storage is the part every engine shares: blobs and the state machine.
type storage struct {
	blobs *blob.Disk
	fsm   *meta.FSM
}

func openStorage(cfg Config, log *slog.Logger) (storage, error) {
	bcfg := blob.DefaultConfig()
	bcfg.Dir = filepath.Join(cfg.DataDir, blobDir)
	bcfg.Logger = log
	blobs, err := blob.New(bcfg)
	if err != nil {
		return storage{}, fmt.Errorf("blob store: %w", err)
	}
	mcfg := meta.DefaultConfig()
	mcfg.Path = filepath.Join(cfg.DataDir, metaFile)
	mcfg.Logger = log
	fsm, err := meta.New(mcfg)
	if err != nil {
		_ = blobs.Close()
		return storage{}, fmt.Errorf("metadata: %w", err)
	}
	return storage{blobs: blobs, fsm: fsm}, nil
}

func (s storage) close() error { return errors.Join(s.fsm.Close(), s.blobs.Close()) }

// openStore starts the object store over blobs and st's state machine with
// proposer p; opts adjust its configuration (replication).
func openStore(st storage, blobs blob.Store, p object.Proposer, log *slog.Logger, opts ...func(*object.Config)) (*object.Store, error) {
	ocfg := object.DefaultConfig()
	ocfg.Blobs = blobs
	ocfg.Meta = st.fsm
	ocfg.Proposer = p
	ocfg.Logger = log
	for _, o := range opts {
		o(&ocfg)
	}
	store, err := object.New(ocfg)
	if err != nil {
		return nil, fmt.Errorf("object store: %w", err)
	}
	store.Start()
	return store, nil
}

func openEngine(cfg Config, log *slog.Logger, reg prometheus.Registerer) (engine, error) {
	members, err := ParseInitialCluster(cfg.InitialCluster)
	if err != nil {
		return nil, err
	}
	if len(members) > 0 {
		return openRaftEngine(cfg, members, log, reg)
	}
	return openLocalEngine(cfg, log)
}

// localEngine is a single-node engine: the object store over the blob
// store, with the metadata state machine driven by the local proposer.
type localEngine struct {
	*object.Store
	st     storage
	prop   *consensus.Local
	nodeID string
	addr   string
}

func openLocalEngine(cfg Config, log *slog.Logger) (engine, error) {
	st, err := openStorage(cfg, log)
	if err != nil {
		return nil, err
	}
	lcfg := consensus.DefaultLocalConfig()
	lcfg.FSM = st.fsm
	lcfg.Logger = log
	prop, err := consensus.NewLocal(lcfg)
	if err != nil {
		_ = st.close()
		return nil, fmt.Errorf("proposer: %w", err)
	}
	store, err := openStore(st, st.blobs, prop, log)
	if err != nil {
		_ = prop.Close()
		_ = st.close()
		return nil, err
	}
	addr := cfg.PeerListen
	return &localEngine{Store: store, st: st, prop: prop, nodeID: cfg.NodeID, addr: addr}, nil
}

func (e *localEngine) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	return e.prop.Barrier(ctx)
}

// Cluster reports a cluster of one: on a single node every applied entry is
// committed and the last one.
func (e *localEngine) Cluster(context.Context) (adminapi.ClusterStatus, error) {
	i := e.st.fsm.AppliedIndex()
	return adminapi.ClusterStatus{
		NodeID:       e.nodeID,
		Leader:       e.nodeID,
		Members:      []adminapi.Member{{ID: e.nodeID, Address: e.addr, State: adminapi.MemberLeader, Suffrage: adminapi.SuffrageVoter, AppliedIndex: i}},
		CommitIndex:  i,
		AppliedIndex: i,
		LastLogIndex: i,
	}, nil
}

func (e *localEngine) AddMember(context.Context, string, string) error { return errSingleNode }
func (e *localEngine) RemoveMember(context.Context, string) error      { return errSingleNode }
func (e *localEngine) DrainMember(context.Context, string) (int64, error) {
	return 0, errSingleNode
}

// Close stops the store's loops, then the proposer, then the state machine
// (the order object.Store documents).
func (e *localEngine) Close() error {
	return errors.Join(e.Store.Close(), e.prop.Close(), e.st.close())
}
