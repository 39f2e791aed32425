//go:build !linux

package blob

import "os"

// lockDir only creates the lock file where flock is not wired up.
func lockDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
}
