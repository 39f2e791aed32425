package kubelet

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// CappedStorageClass is the second StorageClass the provisioner serves: a
// claim of it gets a file system of exactly the size it requests (a
// loop-mounted ext4 image, or a tmpfs where loop devices are missing), so
// a pod that writes more than its claim meets ENOSPC as on a real volume.
// The default class's volumes are plain directories on the host's disk,
// whose size is not enforced. Mounting needs root, as the kubelet has.
const CappedStorageClass = "capped"

// cappedImage is the ext4 image behind a capped volume's directory.
func cappedImage(dir string) string { return dir + ".img" }

// mountCapped mounts a file system of size bytes on dir, and says which.
func mountCapped(dir string, size int64) (string, error) {
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("a %q volume is a file system of its own and needs the kubelet to run as root", CappedStorageClass)
	}
	if mounted(dir) {
		return "already mounted", nil // provision retried after the mount
	}
	img := cappedImage(dir)
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
		// -m 0: no blocks reserved for root, so the volume holds what it says.
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

// unmountCapped undoes mountCapped (nothing when dir is not a mount point)
// and removes the image.
func unmountCapped(dir string) error {
	if mounted(dir) {
		if err := syscall.Unmount(dir, 0); err != nil && !errors.Is(err, syscall.EINVAL) {
			return fmt.Errorf("unmount %s: %w", dir, err)
		}
	}
	if err := os.Remove(cappedImage(dir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// mounted reports whether dir is a mount point (its device differs from
// its parent's).
func mounted(dir string) bool {
	var st, parent syscall.Stat_t
	if syscall.Stat(dir, &st) != nil || syscall.Stat(filepath.Dir(dir), &parent) != nil {
		return false
	}
	return st.Dev != parent.Dev
}
