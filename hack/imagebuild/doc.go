// Command imagebuild is `make images`: it builds the kossd, manager and
// osscli container images (koss/kossd, koss/manager, koss/osscli) without
// Docker, from static binaries, with go-containerregistry as the image
// library. osscli (cmd/osscli) is the OSS client the e2e suite runs in pods
// of its own; its image has no default command.
//
// For each image it builds the binary for every platform (linux/amd64 and
// linux/arm64: CGO_ENABLED=0, -trimpath, the version stamped with -ldflags),
// makes a two-layer image per platform (a base layer with /etc/passwd,
// /etc/group and /etc/nsswitch.conf naming the nonroot user 65532, /tmp and
// /home/nonroot; then the binary) and an image index over them, and writes:
//
//	bin/images/oci/                         one OCI image layout holding every image index,
//	                                        each named by its reference in index.json
//	                                        (org.opencontainers.image.ref.name: koss/kossd:v0.1.0)
//	bin/images/<name>-<tag>-<os>-<arch>.tar a `docker load`-able tarball per platform
//
// The process kubelet of the local cluster (hack/localkube/kubelet) reads
// the OCI layout as its node's image store, so `make run` and the e2e suite
// run exactly these images. The layout names all three, so a pod whose
// image is koss/osscli:<version> runs the client built here.
//
// Reproducible: every timestamp (layer entries, config created, history) is
// the commit time ($SOURCE_DATE_EPOCH, else `git log -1 --format=%ct`), layer
// entries are sorted and owned by fixed ids, and the Go build is
// -trimpath; so two builds of one commit with one Go toolchain give the same
// digests, which the command prints.
//
// The images have no shell or any other program than their binary, run as
// 65532:65532, and carry the OCI labels org.opencontainers.image.source,
// .revision and .version (also as annotations of the manifests and index).
//
// Usage:
//
//	go run ./hack/imagebuild [--out bin/images] [--version v0.1.0] [--platforms linux/amd64,linux/arm64]
//
// The default version is the chart's appVersion (charts/koss/Chart.yaml),
// which is the tag the chart's default image references use.
package main
