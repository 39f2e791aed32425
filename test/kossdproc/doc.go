// Package kossdproc runs real kossd processes for tests and benchmarks: it
// builds (or takes) the binary, starts it on a free loopback port with its own
// data directory and root key, waits until it is healthy, and can kill it with
// SIGKILL and start it again on the same data, which is what the crash tests
// need. Nothing here is a mock: every request goes over TCP to a real process.
package kossdproc
