package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/koss-io/koss/storage/internal/blob"
)

// diskCollector exports the space of the node's data directories (one
// statfs per directory per scrape) and, for the blob store, the writes its
// free-space guard refused.
type diskCollector struct {
	blobs       *blob.Disk // nil: space only
	dirs        []string
	free, total *prometheus.Desc
	reserve     *prometheus.Desc
	refused     *prometheus.Desc
}

// newDiskCollector reports blobs' directory (when blobs is set) and dirs.
func newDiskCollector(blobs *blob.Disk, dirs ...string) *diskCollector {
	if blobs != nil {
		dirs = append([]string{blobs.Dir()}, dirs...)
	}
	return &diskCollector{
		blobs: blobs,
		dirs:  dirs,
		free: prometheus.NewDesc("koss_disk_free_bytes",
			"Free space (for unprivileged users) of the file system holding each data directory.", []string{"dir"}, nil),
		total: prometheus.NewDesc("koss_disk_total_bytes",
			"Size of the file system holding each data directory.", []string{"dir"}, nil),
		reserve: prometheus.NewDesc("koss_disk_min_free_bytes",
			"Free space the blob store keeps (--min-free-space): writes that would leave less are refused.", []string{"dir"}, nil),
		refused: prometheus.NewDesc("koss_writes_refused_no_space_total",
			"Blob and inline writes this node refused because its disk is full or below --min-free-space (507 XKossStorageFull, or a failed replica in a Region).", nil, nil),
	}
}

func (c *diskCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.free
	ch <- c.total
	if c.blobs != nil {
		ch <- c.reserve
		ch <- c.refused
	}
}

func (c *diskCollector) Collect(ch chan<- prometheus.Metric) {
	for _, dir := range c.dirs {
		sp, err := blob.StatSpace(dir)
		if err != nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.free, prometheus.GaugeValue, float64(sp.Free), dir)
		ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(sp.Total), dir)
	}
	if c.blobs == nil {
		return
	}
	if r, err := c.blobs.MinFreeSpace(); err == nil {
		ch <- prometheus.MustNewConstMetric(c.reserve, prometheus.GaugeValue, float64(r), c.blobs.Dir())
	}
	ch <- prometheus.MustNewConstMetric(c.refused, prometheus.CounterValue, float64(c.blobs.RefusedForSpace()))
}
