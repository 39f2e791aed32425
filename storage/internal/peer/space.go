package peer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/koss-io/koss/storage/internal/blob"
)

// pathSpace is this node's disk report.
const pathSpace = "/-/peer/v1/space"

// spaceReport is the wire form of a blob.Headroom.
type spaceReport struct {
	Dir           string `json:"dir"`
	FreeBytes     int64  `json:"freeBytes"`
	TotalBytes    int64  `json:"totalBytes"`
	ReserveBytes  int64  `json:"reserveBytes"`
	RefusedWrites uint64 `json:"refusedWrites"`
}

// ServeSpace registers GET /-/peer/v1/space, answering what headroom
// reports (a statfs per guarded file system: cheap, and asked only when
// someone reads the cluster status).
func ServeSpace(s *Server, headroom func() (blob.Headroom, error)) {
	s.HandleFunc("GET "+pathSpace, func(w http.ResponseWriter, _ *http.Request) {
		h, err := headroom()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(spaceReport{
			Dir: h.Dir, FreeBytes: h.Free, TotalBytes: h.Total, ReserveBytes: h.Reserve, RefusedWrites: h.Refused,
		})
	})
}

// Space asks the node at addr for its disk report. A node older than the
// endpoint answers 404, returned as an error like any other failure.
func (c *Client) Space(ctx context.Context, addr string) (blob.Headroom, error) {
	resp, err := c.Do(ctx, http.MethodGet, addr, pathSpace, nil)
	if err != nil {
		return blob.Headroom{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return blob.Headroom{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return blob.Headroom{}, fmt.Errorf("peer: %s answered %s for its disk report", addr, resp.Status)
	}
	var r spaceReport
	if err := json.Unmarshal(body, &r); err != nil {
		return blob.Headroom{}, fmt.Errorf("peer: %s sent a bad disk report: %w", addr, err)
	}
	return blob.Headroom{Dir: r.Dir, Space: blob.Space{Free: r.FreeBytes, Total: r.TotalBytes}, Reserve: r.ReserveBytes, Refused: r.RefusedWrites}, nil
}
