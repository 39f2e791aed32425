package meta

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/koss-io/koss/storage/internal/meta/snapstream"
)

// Deferred sync: the store of a Region member commits applied entries
// without an fsync of its own (Config.DeferSync).
//
// Under raft the log already holds every committed entry, fsynced on a
// quorum before anything was acknowledged, so a second fsync of the same
// change into bbolt only costs time on the commit path. Without it, a
// process that crashes leaves bbolt exactly as its last commit did: the
// kernel holds the written pages and writes them out later, so after a
// kill -9 the store opens at its applied index, and raft replays the log
// from there, as etcd does with its consistent index.
//
// What the kernel had not yet written is lost when the machine itself
// stops (power, kernel panic), and bbolt without fsync gives no ordering:
// the file may then hold a new meta page over old branch pages. So the
// store records, in a marker file beside it, the boot it is open in
// (Linux's boot id) before its first unsynced commit, and removes the
// marker after a final fsync at Close. A store whose marker names another
// boot was not closed and may be torn: New discards it and opens an empty
// one, and the raft layer, seeing an empty store, restores the latest
// snapshot and replays the log after it (consensus.NewRaft). The same
// happens to a node whose volume moved to another machine without a clean
// shutdown.
//
// A store opened without DeferSync that finds a marker of the same boot
// syncs and removes it; one of another boot refuses to open, since
// nothing but a raft log can rebuild it.

// bootIDPath is where Linux publishes the id of the current boot.
var bootIDPath = "/proc/sys/kernel/random/boot_id"

// ErrTornStore is returned by New when the store was written without fsync
// in an earlier boot and was not closed cleanly, but DeferSync is off, so
// no raft log will rebuild it.
var ErrTornStore = errors.New("meta: the store was written without fsync before the machine last restarted and was not closed cleanly")

func bootID() ([]byte, error) {
	b, err := os.ReadFile(bootIDPath)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, fmt.Errorf("meta: %s is empty", bootIDPath)
	}
	return b, nil
}

func markerPath(path string) string { return path + ".unsynced" }

// checkMarker looks at the marker beside path before the store opens. It
// reports whether there is one, and whether the store must be discarded
// (written without fsync in another boot and not closed); with deferSync
// off, the latter fails instead.
func checkMarker(path string, boot []byte, deferSync bool) (found, discard bool, err error) {
	got, err := os.ReadFile(markerPath(path))
	if errors.Is(err, os.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("meta: %w", err)
	}
	if boot != nil && bytes.Equal(bytes.TrimSpace(got), boot) {
		return true, false, nil // a crash in this boot: the kernel kept every write
	}
	if !deferSync {
		return true, false, fmt.Errorf("%w (%s)", ErrTornStore, markerPath(path))
	}
	return true, true, nil
}

// writeMarker records boot beside path, durably, before any unsynced commit.
func writeMarker(path string, boot []byte) error {
	m := markerPath(path)
	tmp := m + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	_, err = f.Write(append(append([]byte{}, boot...), '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, m)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("meta: marker: %w", err)
	}
	return snapstream.SyncDir(filepath.Dir(path))
}

// removeMarker removes the marker once the store is synced. A marker
// already gone (or a directory removed under an open store, as test
// cleanups do) leaves nothing to sync.
func removeMarker(path string) error {
	err := os.Remove(markerPath(path))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	return snapstream.SyncDir(filepath.Dir(path))
}

// discardStore removes a store that may be torn (and its marker goes with
// the next writeMarker).
func discardStore(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("meta: discard %s: %w", path, err)
	}
	return snapstream.SyncDir(filepath.Dir(path))
}
