# hack/images.mk — container images without Docker (included by the root Makefile).
#
# `make images` runs hack/imagebuild: static binaries (CGO_ENABLED=0, -trimpath) for every
# platform, images assembled with go-containerregistry, written to $(IMAGES_DIR)/oci (an OCI
# image layout, one image index per image, named koss/kossd:<appVersion>,
# koss/manager:<appVersion> and koss/osscli:<appVersion>) and $(IMAGES_DIR)/<name>-<tag>-<os>-<arch>.tar (`docker load`).
# Timestamps come from SOURCE_DATE_EPOCH or the commit time, so a second build of the same
# commit prints the same digests. The local cluster's process kubelet runs pods from the
# layout, so `make run` and the e2e suite run these very images.

IMAGES_DIR ?= $(LOCALBIN)/images
IMAGE_PLATFORMS ?= linux/amd64,linux/arm64

##@ Images

.PHONY: images
images: ## Build the kossd, manager and osscli images (OCI layout and docker tarballs in bin/images, linux/amd64 and linux/arm64), reproducibly, without Docker.
	go run ./hack/imagebuild --root $(CURDIR) --out $(IMAGES_DIR) --platforms $(IMAGE_PLATFORMS)

# The tests run the images on this machine only, so they build this machine's platform alone
# (cross-compiling the other one roughly doubles a cold build); `make images` builds both.
HOST_IMAGE_PLATFORM ?= linux/$(shell go env GOARCH)

.PHONY: images-host
images-host: ## Build the images for this machine's platform only (what make test, make test-e2e and the local cluster run).
	go run ./hack/imagebuild --root $(CURDIR) --out $(IMAGES_DIR) --platforms $(HOST_IMAGE_PLATFORM)
