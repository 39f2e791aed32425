package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// The do-nothing server is the ceiling a kossd GET is measured against: a
// separate process, like kossd, that answers the bench's requests with the
// same status, headers and body bytes an OSS GET or PUT gets, and does
// nothing else (no signature check, no metadata, no disk). Its rows show
// what the HTTP stack, the client and the 2 shared cores allow; kossd's GET
// rows are printed as a share of it.

// nothingEnv makes the bench binary serve as the do-nothing server.
const nothingEnv = "KOSS_BENCH_NOTHING_LISTEN"

// serveNothing runs the do-nothing server when the environment asks for
// it, and reports whether it did (it returns only on a listener failure).
func serveNothing() bool {
	addr := os.Getenv(nothingEnv)
	if addr == "" {
		return false
	}
	bodies := map[int][]byte{}
	for _, size := range []int{4 << 10, 4 << 20} {
		b := make([]byte, size)
		_, _ = rand.Read(b)
		bodies[size] = b
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Server", "AliyunOSS")
		hdr.Set("X-Oss-Request-Id", "5F4E1A2B3C4D5E6F70819203")
		hdr.Set("ETag", `"0123456789ABCDEF0123456789ABCDEF"`)
		if r.Method != http.MethodGet {
			_, _ = io.Copy(io.Discard, r.Body)
			hdr.Set("Content-Length", "0")
			hdr.Set("X-Oss-Hash-Crc64ecma", "1234567890123456789")
			w.WriteHeader(http.StatusOK)
			return
		}
		// Keys are "<size>/w<worker>/<n>"; the size picks the body.
		size := 4 << 10
		if strings.Contains(r.URL.Path, "/4MiB/") {
			size = 4 << 20
		}
		body := bodies[size]
		hdr.Set("Content-Type", "application/octet-stream")
		hdr.Set("Content-Length", strconv.Itoa(len(body)))
		hdr.Set("Last-Modified", "Wed, 02 Dec 2026 12:00:00 GMT")
		hdr.Set("Accept-Ranges", "bytes")
		hdr.Set("X-Oss-Object-Type", "Normal")
		hdr.Set("X-Oss-Storage-Class", "Standard")
		hdr.Set("X-Oss-Hash-Crc64ecma", "1234567890123456789")
		hdr.Set("Content-Md5", "ASNFZ4mrze8BI0VniavN7w==")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 30 * time.Second}
	fail(srv.ListenAndServe())
	return true
}

// startNothing starts the do-nothing server as a child process and returns
// its endpoint, its process id and a function that stops it.
func startNothing() (string, int, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), nothingEnv+"="+addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_ = c.Close()
			return "http://" + addr, cmd.Process.Pid, stop
		}
		if time.Now().After(deadline) {
			stop()
			fail(fmt.Errorf("the do-nothing server did not start: %w", err))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
