// Package smallfs mounts a file system of an exact size on a directory,
// so that a test (or a volume of the process kubelet's "capped"
// StorageClass) meets ENOSPC as on a real disk: a loop-mounted ext4 image,
// or a tmpfs where loop devices are missing. Mounting needs root; callers
// check for it, since a test skips where a kubelet fails.
package smallfs
