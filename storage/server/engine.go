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
	"github.com/koss-io/koss/storage/internal/background"
	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/consensus/singlenode"
	"github.com/koss-io/koss/storage/internal/meta"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/replica"
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
	// collectors are the engine's metrics.
	collectors() []prometheus.Collector
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
var errSingleNode = fmt.Errorf("%w: this node runs alone (started without --initial-cluster); membership cannot change", object.ErrInvalidArgument)

// disks are the node's durable state: the blob store and the metadata
// state machine.
type disks struct {
	blobs *blob.Disk
	fsm   *meta.FSM
}

// deferSync says whether the metadata store may commit without fsync:
// only under a raft log, which replays what a crash loses.
func openDisks(cfg Config, log *slog.Logger, deferSync bool) (disks, error) {
	bcfg := blob.DefaultConfig()
	bcfg.Dir = filepath.Join(cfg.DataDir, blobDir)
	bcfg.Logger = log
	reserve, err := blob.ParseReserve(cfg.MinFreeSpace)
	if err != nil {
		return disks{}, err
	}
	bcfg.MinFreeSpace = reserve
	if cfg.RaftDir != "" {
		// A raft log on a disk of its own needs the reserve too (the
		// default, <data>/raft, shares the blobs' disk).
		bcfg.MetaDirs = []string{cfg.RaftDir}
	}
	blobs, err := blob.New(bcfg)
	if err != nil {
		return disks{}, fmt.Errorf("blob store: %w", err)
	}
	mcfg := meta.DefaultConfig()
	mcfg.Path = filepath.Join(cfg.DataDir, metaFile)
	mcfg.Logger = log
	mcfg.DeferSync = deferSync
	fsm, err := meta.New(mcfg)
	if err != nil {
		_ = blobs.Close()
		return disks{}, fmt.Errorf("metadata: %w", err)
	}
	return disks{blobs: blobs, fsm: fsm}, nil
}

func (d disks) close() error { return errors.Join(d.fsm.Close(), d.blobs.Close()) }

// node is the part of an engine every kind shares: the object store over
// the data store (replica.Set) and the state machine, and the one
// background group all of the node's background work runs in.
type node struct {
	*object.Store
	disks disks
	data  *replica.Set
	bg    *background.Group
	// otherDirs are data directories besides the blob store's whose
	// space is exported (the raft log's).
	otherDirs []string
}

// startNode builds the data store and the object store over d with
// proposer p, and starts the background work. cluster and remote are nil
// on a single node.
func startNode(cfg Config, d disks, p object.Proposer, log *slog.Logger, cluster replica.Cluster, remote func(addr string) blob.Replica) (node, error) {
	rcfg := replica.DefaultConfig()
	rcfg.Local = d.blobs
	rcfg.Meta = d.fsm
	rcfg.Proposer = p
	rcfg.Logger = log
	rcfg.Cluster = cluster
	rcfg.Remote = remote
	if g := cfg.OrphanSweepGrace; g > 0 {
		rcfg.SweepGrace = g
		rcfg.SweepInterval = min(rcfg.SweepInterval, g)
	}
	data, err := replica.New(rcfg)
	if err != nil {
		return node{}, fmt.Errorf("data store: %w", err)
	}
	ocfg := object.DefaultConfig()
	ocfg.Data = data
	ocfg.Meta = d.fsm
	ocfg.Proposer = p
	ocfg.Logger = log
	store, err := object.New(ocfg)
	if err != nil {
		return node{}, fmt.Errorf("object store: %w", err)
	}
	bg := background.New()
	data.Start(bg)
	isLeader := func() bool { return true }
	if cluster != nil {
		isLeader = cluster.IsLeader
	}
	age := cfg.AbortIncompleteUploadsAfter
	store.StartUploadReaper(bg, isLeader, age, min(max(age/4, time.Second), time.Hour))
	day := cfg.LifecycleDay
	if day == 0 {
		day = 24 * time.Hour
	}
	perPass := cfg.LifecycleMaxPerPass
	if perPass == 0 {
		perPass = object.DefaultLifecycleMaxPerPass
	}
	store.StartLifecycle(bg, isLeader, cfg.LifecycleInterval, day, perPass)
	return node{Store: store, disks: d, data: data, bg: bg}, nil
}

func openEngine(cfg Config, log *slog.Logger) (engine, error) {
	members, err := ParseInitialCluster(cfg.InitialCluster)
	if err != nil {
		return nil, err
	}
	if len(members) > 0 {
		return openRaftEngine(cfg, members, log)
	}
	return openSingleEngine(cfg, log)
}

// singleEngine is a node that runs alone: its state machine is driven by
// the single-node proposer and every blob has one copy, on its disk.
type singleEngine struct {
	node
	prop   *singlenode.Proposer
	nodeID string
}

func openSingleEngine(cfg Config, log *slog.Logger) (engine, error) {
	d, err := openDisks(cfg, log, false)
	if err != nil {
		return nil, err
	}
	pcfg := singlenode.DefaultConfig()
	pcfg.FSM = d.fsm
	pcfg.Logger = log
	prop, err := singlenode.New(pcfg)
	if err != nil {
		_ = d.close()
		return nil, fmt.Errorf("proposer: %w", err)
	}
	n, err := startNode(cfg, d, prop, log, nil, nil)
	if err != nil {
		_ = prop.Close()
		_ = d.close()
		return nil, err
	}
	return &singleEngine{node: n, prop: prop, nodeID: cfg.NodeID}, nil
}

func (e *singleEngine) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	return e.prop.Barrier(ctx)
}

// Cluster reports a cluster of one: on a single node every applied entry is
// committed and the last one. The member has no peer address (a single
// node opens no peer port).
func (e *singleEngine) Cluster(context.Context) (adminapi.ClusterStatus, error) {
	i := e.disks.fsm.AppliedIndex()
	m := adminapi.Member{ID: e.nodeID, State: adminapi.MemberLeader, Suffrage: adminapi.SuffrageVoter, AppliedIndex: i}
	if h, err := e.disks.blobs.Headroom(); err == nil {
		m.Disk = memberDisk(h)
	}
	return adminapi.ClusterStatus{
		NodeID:       e.nodeID,
		Leader:       e.nodeID,
		Members:      []adminapi.Member{m},
		CommitIndex:  i,
		AppliedIndex: i,
		LastLogIndex: i,
	}, nil
}

func (e *singleEngine) AddMember(context.Context, string, string) error { return errSingleNode }
func (e *singleEngine) RemoveMember(context.Context, string) error      { return errSingleNode }
func (e *singleEngine) DrainMember(context.Context, string) (int64, error) {
	return 0, errSingleNode
}

// Close stops the background work, then the proposer, then the state
// machine and the blobs.
func (e *singleEngine) Close() error {
	e.bg.Stop()
	return errors.Join(e.prop.Close(), e.disks.close())
}
