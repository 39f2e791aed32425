# koss — object storage in the model of Alibaba Cloud OSS, as a Kubernetes operator.
# `make help` lists the targets.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

##@ Tool Versions
GOLANGCI_LINT_VERSION ?= v2.15.0

LOCALBIN ?= $(CURDIR)/bin
# Kubernetes binaries (kube-apiserver, etcd, kubectl, helm, ...) built from source by
# hack/build-k8s.sh, cached in ~/.cache/koss and linked here.
K8S_BIN ?= $(LOCALBIN)/k8s
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)

GO_TEST_FLAGS ?= -race -timeout 30m

.PHONY: all
all: build

# Extra targets kept beside the tools they drive (code generation, ...).
-include hack/*.mk

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: fmt
fmt: ## Run gofmt on the tree.
	gofmt -l -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint (built from source into bin/).
	$(GOLANGCI_LINT) config verify
	$(GOLANGCI_LINT) run ./...

.PHONY: lint-fix
lint-fix: $(GOLANGCI_LINT) ## Run golangci-lint and apply its fixes.
	$(GOLANGCI_LINT) run --fix ./...

$(GOLANGCI_LINT):
	@mkdir -p $(LOCALBIN)
	@echo ">> building golangci-lint $(GOLANGCI_LINT_VERSION) from source"
	GOBIN=$(LOCALBIN)/.golangci-build go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(LOCALBIN)/.golangci-build/golangci-lint $(GOLANGCI_LINT) && rmdir $(LOCALBIN)/.golangci-build

.PHONY: verify-mod
verify: verify-mod
verify-mod: ## Fail when go.mod or go.sum is not tidy.
	go mod tidy -diff

##@ Build

.PHONY: build
build: ## Build bin/kossd, bin/manager and bin/osscli (the OSS command line, cmd/osscli).
	@mkdir -p $(LOCALBIN)
	go build -o $(LOCALBIN)/kossd ./cmd/kossd
	@if [ -d cmd/manager ]; then go build -o $(LOCALBIN)/manager ./cmd/manager; fi
	go build -o $(LOCALBIN)/osscli ./cmd/osscli

.PHONY: k8s-tools
k8s-tools: ## Build the pinned Kubernetes, etcd and helm binaries from source (cached; ~15 min the first time).
	@if [ -x hack/build-k8s.sh ]; then hack/build-k8s.sh; fi

##@ Test

.PHONY: test
test: build images-host k8s-tools ## Run every test (unit, fuzz seed corpora, multi-process, envtest, local cluster on the images of `make images`) with -race.
	KUBEBUILDER_ASSETS=$(K8S_BIN) KOSS_K8S_BIN=$(K8S_BIN) KOSSD_BIN=$(LOCALBIN)/kossd KOSS_IMAGES=$(IMAGES_DIR)/oci \
		KOSS_REQUIRE_S3_CLIENTS=1 go test $(GO_TEST_FLAGS) ./...
	@echo ">> the OSS SDK suites and the S3 tools again, against a 3-node Region"
	KOSS_TEST_NODES=3 KOSSD_BIN=$(LOCALBIN)/kossd KOSS_REQUIRE_S3_CLIENTS=1 go test $(GO_TEST_FLAGS) -count=1 ./test/storage/...

.PHONY: test-storage
test-storage: build ## Run only the storage engine tests (no Kubernetes), then the SDK suites on a 3-node Region.
	KOSSD_BIN=$(LOCALBIN)/kossd go test $(GO_TEST_FLAGS) ./storage/... ./test/storage/...
	KOSS_TEST_NODES=3 KOSSD_BIN=$(LOCALBIN)/kossd go test $(GO_TEST_FLAGS) -count=1 ./test/storage/...

BENCH_SCALE_OBJECTS ?= 1000000
.PHONY: bench-scale
bench-scale: build ## Fill one bucket of a 3-node Region to BENCH_SCALE_OBJECTS (1M) objects of 1 KiB: latencies, memory and disk per object at 10K, 100K, 1M; restart and catch-up times.
	go run ./test/bench --kossd $(LOCALBIN)/kossd --scale $(BENCH_SCALE_OBJECTS)

.PHONY: bench-idle
bench-idle: build ## Measure an idle 3-node Region's CPU per node (goal: at most 1% of a core each).
	go run ./test/bench --kossd $(LOCALBIN)/kossd --idle-only --idle 30s

.PHONY: bench
bench: build ## Measure PUT/GET throughput against kossd and the raw-disk baseline; prints a table.
	go run ./test/bench --kossd $(LOCALBIN)/kossd

##@ Run

.PHONY: run
run: run-cluster ## Start koss on a local Kubernetes cluster (operator installed with Helm, config/samples applied) and print the kubeconfig, endpoint, credentials and an example; Ctrl-C stops, the next run resumes (.koss/run). `make run-dev` runs a kossd Region alone.
