// Command etcd is the etcd server, built from the pinned
// go.etcd.io/etcd/server/v3 module for the local control plane (envtest and
// the e2e suite). It only hands over to etcdmain, exactly as etcd's own main
// package does, so that etcd can be compiled from module sources without the
// etcd repository's root module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
