// Command imageprobe reports what a container sees; TestImageContainer
// runs it from an image.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	wd, _ := os.Getwd()
	groups, _ := os.Getgroups()
	fmt.Printf("args=%s\n", strings.Join(os.Args[1:], ","))
	fmt.Printf("uid=%d gid=%d groups=%v\n", os.Getuid(), os.Getgid(), groups)
	fmt.Printf("cwd=%s\n", wd)
	fmt.Printf("FOO=%s BAR=%s\n", os.Getenv("FOO"), os.Getenv("BAR"))
	if _, err := os.Stat("/bin/sh"); err != nil {
		fmt.Println("no-shell")
	}
	if err := os.WriteFile("/probe-root-write", []byte("x"), 0o644); err != nil {
		fmt.Println("root-readonly")
	}
	if err := os.WriteFile("/data/out", []byte("written"), 0o644); err == nil {
		fmt.Println("data-writable")
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil && strings.Contains(string(b), "NoNewPrivs:\t1") {
		fmt.Println("no-new-privs")
	}
}
