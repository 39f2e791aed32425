package kubelet

import (
	"fmt"
	"os"

	"github.com/koss-io/koss/hack/localkube/smallfs"
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
	if smallfs.Mounted(dir) {
		return "already mounted", nil // provision retried after the mount
	}
	return smallfs.Mount(dir, cappedImage(dir), size)
}

// unmountCapped undoes mountCapped (nothing when dir is not a mount point)
// and removes the image.
func unmountCapped(dir string) error { return smallfs.Unmount(dir, cappedImage(dir)) }
