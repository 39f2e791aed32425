package blob

import (
	"os"

	"golang.org/x/sys/unix"
)

// directIOSupported reports whether this platform can switch a file to
// direct I/O at all; a given file system may still refuse (see setDirectIO).
const directIOSupported = true

// setDirectIO turns O_DIRECT on or off for an open file. Linux lets F_SETFL
// flip it on a descriptor that is already open, so a blob file can take its
// aligned bulk without the page cache and its unaligned tail and footer
// through it.
func setDirectIO(f *os.File, on bool) error {
	fd := int(f.Fd())
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	if on {
		flags |= unix.O_DIRECT
	} else {
		flags &^= unix.O_DIRECT
	}
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags)
	return err
}
