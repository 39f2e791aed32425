package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/certfile"
	"github.com/koss-io/koss/storage/internal/consensus"
	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/peer"
)

// raftEngine is a cluster member: the state machine replicated by raft
// over the peer port, and blobs on three voters.
type raftEngine struct {
	node
	peer    *peer.Server
	peerTLS *certfile.Source // nil without peer TLS
	raft    *consensus.Raft
}

func openRaftEngine(cfg Config, members []Member, log *slog.Logger) (engine, error) {
	d, err := openDisks(cfg, log, !cfg.Raft.SyncMetadata)
	if err != nil {
		return nil, err
	}
	pcfg := peer.DefaultConfig()
	pcfg.Listen = cfg.PeerListen
	pcfg.Advertise = cfg.peerAdvertise(members)
	pcfg.NodeID = cfg.NodeID
	// The root secret never leaves the node; peers prove they hold it
	// with a key derived from it.
	pcfg.Secret = peer.DeriveSecret(cfg.RootAccessKeySecret)
	pcfg.Dial = cfg.PeerDialer
	pcfg.Logger = log
	var peerTLS *certfile.Source
	if cfg.PeerTLSCertFile != "" {
		peerTLS, err = certfile.New(certfile.Config{
			CertFile: cfg.PeerTLSCertFile, KeyFile: cfg.PeerTLSKeyFile, CAFile: cfg.PeerTLSCAFile,
			Interval: cfg.TLSReloadInterval, Logger: log.With("port", "peer"),
		})
		if err != nil {
			_ = d.close()
			return nil, fmt.Errorf("peer TLS: %w", err)
		}
		pcfg.ServerTLS, pcfg.ClientTLS = peerTLS.ServerConfig(true), peerTLS.ClientConfig()
	}
	ps, err := peer.New(pcfg)
	if err != nil {
		closeSource(peerTLS)
		_ = d.close()
		return nil, fmt.Errorf("peer port: %w", err)
	}
	rcfg := consensus.DefaultRaftConfig()
	cfg.Raft.apply(&rcfg)
	rcfg.NodeID = cfg.NodeID
	rcfg.Dir = cfg.raftDir()
	rcfg.Peer = ps
	for _, m := range members {
		rcfg.InitialCluster = append(rcfg.InitialCluster, consensus.Peer{ID: m.ID, Address: m.Addr})
	}
	rcfg.FSM = d.fsm
	rcfg.Codec = record.ResultCodec{}
	rcfg.Logger = log
	r, err := consensus.NewRaft(rcfg)
	if err != nil {
		_ = ps.Close()
		closeSource(peerTLS)
		_ = d.close()
		return nil, fmt.Errorf("raft: %w", err)
	}
	// Blobs live on three voters: peers store and read their copies here.
	peer.ServeBlobs(ps, d.blobs)
	peer.ServeSpace(ps, d.blobs.Headroom)
	serveCodec(ps)
	blobs := peer.NewBlobClient(ps.Client())
	gate := newCodecGate(r, ps.Client(), log)
	n, err := startNode(cfg, d, gate, log, raftCluster{r: r}, func(addr string) blob.Replica { return blobs.Remote(addr) })
	if err != nil {
		_ = r.Close()
		_ = ps.Close()
		closeSource(peerTLS)
		_ = d.close()
		return nil, err
	}
	n.otherDirs = []string{rcfg.Dir}
	n.bg.Go(gate.run)
	return &raftEngine{node: n, peer: ps, peerTLS: peerTLS, raft: r}, nil
}

func (t RaftTuning) apply(c *consensus.RaftConfig) {
	if t.HeartbeatTimeout > 0 {
		c.HeartbeatTimeout = t.HeartbeatTimeout
	}
	if t.ElectionTimeout > 0 {
		c.ElectionTimeout = t.ElectionTimeout
	}
	if t.LeaderLeaseTimeout > 0 {
		c.LeaderLeaseTimeout = t.LeaderLeaseTimeout
	}
	if t.RequestTimeout > 0 {
		c.RequestTimeout = t.RequestTimeout
	}
	if t.SnapshotThreshold > 0 {
		c.SnapshotThreshold = t.SnapshotThreshold
	}
	if t.NoLeaseReads {
		c.LeaseReads = false
	}
}

// Ready is true for a member of a cluster with a known leader.
func (e *raftEngine) Ready(context.Context) error { return e.raft.Ready() }

// memberStates maps raft states to the admin API's.
var memberStates = map[string]string{
	"Leader":                   adminapi.MemberLeader,
	"Follower":                 adminapi.MemberFollower,
	"Candidate":                adminapi.MemberCandidate,
	"Shutdown":                 adminapi.MemberOffline,
	consensus.StateUnreachable: adminapi.MemberOffline,
}

func (e *raftEngine) Cluster(ctx context.Context) (adminapi.ClusterStatus, error) {
	st, err := e.raft.Status(ctx)
	if err != nil {
		return adminapi.ClusterStatus{}, fmt.Errorf("%w: cluster status: %w", consensus.ErrNoQuorum, err)
	}
	out := adminapi.ClusterStatus{
		NodeID:       st.ID,
		Leader:       st.LeaderID,
		Term:         st.Term,
		CommitIndex:  st.CommitIndex,
		AppliedIndex: st.AppliedIndex,
		LastLogIndex: st.LastIndex,
	}
	if n, err := e.data.UnderReplicated(); err == nil {
		out.UnderReplicated = n
	}
	bytesPerNode, err := e.disks.fsm.BytesPerNode()
	if err != nil {
		return adminapi.ClusterStatus{}, err
	}
	for _, m := range st.Members {
		state, ok := memberStates[m.State]
		if !ok {
			state = adminapi.MemberOffline
		}
		out.Members = append(out.Members, adminapi.Member{
			ID:           m.ID,
			Address:      m.Address,
			State:        state,
			Suffrage:     suffrage(m.Suffrage),
			Term:         m.Term,
			CommitIndex:  m.CommitIndex,
			AppliedIndex: m.AppliedIndex,
			LastLogIndex: m.LastIndex,
			Bytes:        bytesPerNode[m.ID],
		})
	}
	e.fillMemberDisks(ctx, st.ID, out.Members)
	return out, nil
}

// memberDiskTimeout bounds each member's disk report in Cluster.
const memberDiskTimeout = 2 * time.Second

// fillMemberDisks asks every member that is not offline for its disk
// report, in parallel; a member that does not answer keeps a nil Disk.
func (e *raftEngine) fillMemberDisks(ctx context.Context, self string, members []adminapi.Member) {
	var wg sync.WaitGroup
	for i := range members {
		m := &members[i]
		if m.ID == self {
			if h, err := e.disks.blobs.Headroom(); err == nil {
				m.Disk = memberDisk(h)
			}
			continue
		}
		if m.State == adminapi.MemberOffline || m.Address == "" {
			continue
		}
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, memberDiskTimeout)
			defer cancel()
			if h, err := e.peer.Client().Space(cctx, m.Address); err == nil {
				m.Disk = memberDisk(h)
			}
		})
	}
	wg.Wait()
}

func memberDisk(h blob.Headroom) *adminapi.MemberDisk {
	return &adminapi.MemberDisk{
		FreeBytes: h.Free, TotalBytes: h.Total, ReserveBytes: h.Reserve, Full: h.Full(), RefusedWrites: h.Refused,
	}
}

func suffrage(s string) string {
	switch s {
	case "Voter":
		return adminapi.SuffrageVoter
	case "Nonvoter":
		return adminapi.SuffrageNonvoter
	}
	return adminapi.SuffrageStaging
}

func (e *raftEngine) AddMember(ctx context.Context, id, peerAddress string) error {
	return e.raft.AddVoter(ctx, id, peerAddress)
}

func (e *raftEngine) RemoveMember(ctx context.Context, id string) error {
	return e.raft.RemoveServer(ctx, id)
}

// DrainMember copies every blob with a copy on member id to other voters
// and returns how many still have one there (0: it can be removed without
// leaving any blob with fewer than three copies).
func (e *raftEngine) DrainMember(ctx context.Context, id string) (int64, error) {
	return e.data.Drain(ctx, id)
}

// Close stops the background work, then raft (which stops using the state
// machine and the peer port), then the peer port and the storage.
func (e *raftEngine) Close() error {
	e.bg.Stop()
	err := errors.Join(e.raft.Close(), e.peer.Close(), e.disks.close())
	closeSource(e.peerTLS)
	return err
}

// raftCollector exports this node's raft state to Prometheus at scrape time.
type raftCollector struct {
	r                                   *consensus.Raft
	term, commit, applied, last, leader *prometheus.Desc
	members, reachable, lastContactSecs *prometheus.Desc
}

func newRaftCollector(r *consensus.Raft) *raftCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("koss_raft_"+name, help, nil, nil)
	}
	return &raftCollector{
		r:               r,
		term:            d("term", "Current raft term."),
		commit:          d("commit_index", "Index of the last committed raft log entry known to this node."),
		applied:         d("applied_index", "Index of the last entry the metadata state machine applied."),
		last:            d("last_index", "Index of the last entry in this node's raft log."),
		leader:          d("is_leader", "1 if this node is the raft leader."),
		members:         d("members", "Servers in the raft configuration."),
		reachable:       d("has_leader", "1 if this node knows a leader."),
		lastContactSecs: d("last_contact_seconds", "Seconds since a follower last heard from the leader (0 on the leader)."),
	}
}

func (c *raftCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.term, c.commit, c.applied, c.last, c.leader, c.members, c.reachable, c.lastContactSecs} {
		ch <- d
	}
}

func (c *raftCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.r.LocalStatus()
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	gauge(c.term, float64(s.Term))
	gauge(c.commit, float64(s.CommitIndex))
	gauge(c.applied, float64(s.AppliedIndex))
	gauge(c.last, float64(s.LastIndex))
	gauge(c.leader, b(s.State == "Leader"))
	gauge(c.members, float64(s.Members))
	gauge(c.reachable, b(s.LeaderID != ""))
	contact := 0.0
	if !s.LastContact.IsZero() {
		contact = time.Since(s.LastContact).Seconds()
	}
	gauge(c.lastContactSecs, contact)
}
