package smallfs

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// Mount mounts a file system of size bytes on dir, world-writable: an
// ext4 image at img on a loop device, else a tmpfs (img is then removed).
// It says which it mounted.
func Mount(dir, img string, size int64) (string, error) {
	loopErr := func() error {
		f, err := os.Create(img)
		if err != nil {
			return err
		}
		if err := f.Truncate(size); err != nil {
			_ = f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		// -m 0: no blocks reserved for root, so the file system holds what it says.
		if out, err := exec.Command("mkfs.ext4", "-q", "-F", "-m", "0", img).CombinedOutput(); err != nil {
			return fmt.Errorf("mkfs.ext4: %w: %s", err, out)
		}
		if out, err := exec.Command("mount", "-o", "loop", img, dir).CombinedOutput(); err != nil {
			return fmt.Errorf("mount -o loop: %w: %s", err, out)
		}
		return os.Chmod(dir, 0o777)
	}()
	if loopErr == nil {
		return "ext4 on a loop device", nil
	}
	_ = os.Remove(img)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=777", size)); err != nil {
		return "", fmt.Errorf("no file system of %d bytes for %s (loop: %w; tmpfs: %w)", size, dir, loopErr, err)
	}
	return fmt.Sprintf("tmpfs (no loop-mounted ext4: %v)", loopErr), nil
}

// Unmount undoes Mount (nothing when dir is not a mount point) and
// removes img.
func Unmount(dir, img string) error {
	if Mounted(dir) {
		if err := syscall.Unmount(dir, 0); err != nil && !errors.Is(err, syscall.EINVAL) {
			return fmt.Errorf("unmount %s: %w", dir, err)
		}
	}
	if err := os.Remove(img); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Mounted reports whether dir is a mount point (its device differs from
// its parent's).
func Mounted(dir string) bool {
	var st, parent syscall.Stat_t
	if syscall.Stat(dir, &st) != nil || syscall.Stat(filepath.Dir(dir), &parent) != nil {
		return false
	}
	return st.Dev != parent.Dev
}
