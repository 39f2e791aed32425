package localcluster

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// ErrNetworkBusy means the loopback range a state directory uses is held by
// another running cluster (or something else listens in it).
var ErrNetworkBusy = errors.New("loopback range in use")

// lockOctet reserves 127.<octet>.0.0/16 for this cluster. The lock is an
// abstract Unix socket: it vanishes with the process, so a crashed harness
// never leaves a stale lock, and it is invisible in the file system.
func lockOctet(octet int) (net.Listener, error) {
	ln, err := net.Listen("unix", fmt.Sprintf("@koss-localcluster-127.%d", octet))
	if err != nil {
		return nil, fmt.Errorf("%w: 127.%d.0.0/16 is held by another local cluster", ErrNetworkBusy, octet)
	}
	if listening(octet) {
		_ = ln.Close()
		return nil, fmt.Errorf("%w: something listens in 127.%d.0.0/16", ErrNetworkBusy, octet)
	}
	return ln, nil
}

// pickOctet reserves a free random /16 of the loopback network (avoiding
// 127.0 and 127.1, which hosts use for their own names).
func pickOctet() (int, net.Listener, error) {
	for range 50 {
		o := 10 + rand.IntN(240)
		if ln, err := lockOctet(o); err == nil {
			return o, ln, nil
		}
	}
	return 0, nil, fmt.Errorf("%w: no free 127.x.0.0/16 found", ErrNetworkBusy)
}

// listening reports whether any TCP socket listens inside 127.<octet>/16.
func listening(octet int) bool {
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 4 || fields[3] != "0A" { // 0A: LISTEN
			continue
		}
		hexIP, _, ok := strings.Cut(fields[1], ":")
		if !ok || len(hexIP) != 8 {
			continue
		}
		v, err := strconv.ParseUint(hexIP, 16, 32)
		if err != nil {
			continue
		}
		// /proc/net/tcp prints the address in host (little-endian) order.
		if byte(v) == 127 && int(byte(v>>8)) == octet {
			return true
		}
	}
	return false
}

// freePort asks the kernel for an unused port on 127.0.0.1. Another process
// could take it before the component binds it; startup then fails with the
// component's log, which is rare enough on a test machine.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// portFree reports whether port can be bound on 127.0.0.1 now.
func portFree(port int) bool {
	if port <= 0 {
		return false
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	_ = ln.Close()
	return true
}
