package server

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/koss-io/koss/storage/internal/consensus"
	"github.com/koss-io/koss/storage/internal/replica"
)

// raftCluster shows the raft configuration to replication, which places,
// reads and repairs blob copies on its voters.
type raftCluster struct{ r *consensus.Raft }

func (c raftCluster) Self() string   { return c.r.ID() }
func (c raftCluster) IsLeader() bool { return c.r.IsLeader() }

// Members asks every member for its state (consensus.Raft.Status); a
// member that does not answer is not alive.
func (c raftCluster) Members(ctx context.Context) ([]replica.Node, error) {
	st, err := c.r.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]replica.Node, 0, len(st.Members))
	for _, m := range st.Members {
		out = append(out, replica.Node{
			ID:    m.ID,
			Addr:  m.Address,
			Voter: m.Suffrage == "Voter",
			Alive: m.ID == st.ID || (m.State != consensus.StateUnreachable && m.State != "Shutdown"),
		})
	}
	return out, nil
}

// replicationCollector exports the data store's replication counters.
type replicationCollector struct {
	s *replica.Set
	// bytesPerNode reads the object data placed on each member.
	bytesPerNode                                func() (map[string]int64, error)
	nodeBytes                                   *prometheus.Desc
	under, failures, underWrites, failovers     *prometheus.Desc
	repairs, repairFailures, scrubbed, scrubBad *prometheus.Desc
}

func newReplicationCollector(s *replica.Set, bytesPerNode func() (map[string]int64, error)) *replicationCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("koss_"+name, help, nil, nil)
	}
	return &replicationCollector{
		s:            s,
		bytesPerNode: bytesPerNode,
		nodeBytes: prometheus.NewDesc("koss_node_bytes", "Object data placed on each member of the Region (blob sizes by replica list; small objects in the raft log are not counted).",
			[]string{"node"}, nil),
		under:          d("blobs_under_replicated", "Blobs with fewer than three copies, as this node's metadata records them."),
		failures:       d("replica_write_failures_total", "Replicas that failed or were dropped while writing a blob."),
		underWrites:    d("under_replicated_writes_total", "Writes that succeeded with fewer than three copies."),
		failovers:      d("read_failovers_total", "Reads that switched to another replica after one failed."),
		repairs:        d("blob_repairs_total", "Blob copies made by the repair loop, read repair and the scrubber."),
		repairFailures: d("blob_repair_failures_total", "Blob copies that repairs failed to make."),
		scrubbed:       d("scrubbed_blobs_total", "Local blobs the scrubber verified."),
		scrubBad:       d("scrub_corrupt_blobs_total", "Local blobs the scrubber found damaged."),
	}
}

func (c *replicationCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.nodeBytes, c.under, c.failures, c.underWrites, c.failovers, c.repairs, c.repairFailures, c.scrubbed, c.scrubBad} {
		ch <- d
	}
}

func (c *replicationCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	ch <- prometheus.MustNewConstMetric(c.under, prometheus.GaugeValue, float64(st.UnderReplicated))
	if bytes, err := c.bytesPerNode(); err == nil {
		for node, n := range bytes {
			ch <- prometheus.MustNewConstMetric(c.nodeBytes, prometheus.GaugeValue, float64(n), node)
		}
	}
	for _, m := range []struct {
		d *prometheus.Desc
		v uint64
	}{
		{c.failures, st.ReplicaWriteFailures}, {c.underWrites, st.UnderReplicatedWrites},
		{c.failovers, st.ReadFailovers}, {c.repairs, st.Repairs}, {c.repairFailures, st.RepairFailures},
		{c.scrubbed, st.ScrubbedBlobs}, {c.scrubBad, st.ScrubCorrupt},
	} {
		ch <- prometheus.MustNewConstMetric(m.d, prometheus.CounterValue, float64(m.v))
	}
}

// collectors are the metrics every node exports about its engine: the data
// store's replication counters and the read barriers requests took.
func (n node) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		newReplicationCollector(n.data, n.disks.fsm.BytesPerNode),
		newDiskCollector(n.disks.blobs, n.otherDirs...),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "koss_read_barriers_total",
			Help: "Linearizable read barriers taken by requests (at most one per request).",
		}, func() float64 { return float64(n.ReadBarriers()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "koss_lifecycle_passes_total",
			Help: "Lifecycle passes this node ran as leader.",
		}, func() float64 { p, _, _ := n.LifecycleCounts(); return float64(p) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "koss_lifecycle_deleted_objects_total",
			Help: "Objects deleted by bucket lifecycle rules (Expiration) on this node's proposals.",
		}, func() float64 { _, e, _ := n.LifecycleCounts(); return float64(e) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "koss_lifecycle_aborted_uploads_total",
			Help: "Multipart uploads aborted by bucket lifecycle rules (AbortMultipartUpload) on this node's proposals.",
		}, func() float64 { _, _, a := n.LifecycleCounts(); return float64(a) }),
	}
}

// collectors adds raft's state to a member's metrics.
func (e *raftEngine) collectors() []prometheus.Collector {
	return append(e.node.collectors(), newRaftCollector(e.raft))
}
