package consensus

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// Peer is a voting member of a cluster: its node id and the advertise
// address of its peer port.
type Peer struct {
	ID      string
	Address string
}

// ErrBadCluster is returned for a malformed initial cluster.
var ErrBadCluster = errors.New("consensus: bad initial cluster")

// ParseInitialCluster parses "id=host:port,id=host:port,..." (the value of
// kossd's --initial-cluster). Ids and addresses must be unique.
func ParseInitialCluster(s string) ([]Peer, error) {
	var peers []Peer
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		id, addr, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("%w: %q is not id=host:port", ErrBadCluster, item)
		}
		peers = append(peers, Peer{ID: strings.TrimSpace(id), Address: strings.TrimSpace(addr)})
	}
	if err := validatePeers(peers); err != nil {
		return nil, err
	}
	return peers, nil
}

// FormatInitialCluster is the inverse of ParseInitialCluster.
func FormatInitialCluster(peers []Peer) string {
	parts := make([]string, len(peers))
	for i, p := range peers {
		parts[i] = p.ID + "=" + p.Address
	}
	return strings.Join(parts, ",")
}

func validatePeers(peers []Peer) error {
	if len(peers) == 0 {
		return fmt.Errorf("%w: no members", ErrBadCluster)
	}
	ids, addrs := make(map[string]bool), make(map[string]bool)
	for _, p := range peers {
		if p.ID == "" {
			return fmt.Errorf("%w: empty node id", ErrBadCluster)
		}
		if err := validateAddress(p.Address); err != nil {
			return fmt.Errorf("%w: node %s: %w", ErrBadCluster, p.ID, err)
		}
		if ids[p.ID] {
			return fmt.Errorf("%w: node id %s listed twice", ErrBadCluster, p.ID)
		}
		if addrs[p.Address] {
			return fmt.Errorf("%w: address %s listed twice", ErrBadCluster, p.Address)
		}
		ids[p.ID], addrs[p.Address] = true, true
	}
	return nil
}

// validateAddress checks a peer address: host:port with a non-empty host
// (other nodes must be able to dial it) and a non-zero port.
func validateAddress(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" || port == "" || port == "0" {
		return fmt.Errorf("address %q needs a host and a port", addr)
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return fmt.Errorf("address %q is not dialable", addr)
	}
	return nil
}
