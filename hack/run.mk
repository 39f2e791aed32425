# hack/run.mk — koss on a local Kubernetes cluster, and the end-to-end suite
# (included by the root Makefile).
#
# run-cluster is what `make run` does for a newcomer: build what is missing,
# start the local control plane with process kubelets (hack/localkube),
# helm install charts/koss, kubectl apply config/samples, wait, and print the
# kubeconfig, the endpoint, the sample credentials and an example. Its state
# lives in .koss/run and the next run resumes it. The program is
# hack/localkube/kossrun (flags: bin/kossrun --help); the local control
# plane is hack/localkube/localcluster with the process kubelet of
# hack/localkube/kubelet.
#
# test-e2e runs test/e2e (Ginkgo) on a fresh temporary cluster; `make test`
# runs it too, as part of ./... .

KOSSRUN ?= $(LOCALBIN)/kossrun
KOSSRUN_FLAGS ?=
E2E_FLAGS ?= -v -ginkgo.v

##@ Local cluster and end-to-end tests

.PHONY: run-cluster
run-cluster: ## Start koss on a local Kubernetes cluster (Helm-installed operator, samples applied) and print how to use it; Ctrl-C stops, the next run resumes.
	@mkdir -p $(LOCALBIN)
	@echo "==> go build -o $(KOSSRUN) ./hack/localkube/kossrun"
	@go build -o $(KOSSRUN) ./hack/localkube/kossrun
	@$(KOSSRUN) $(KOSSRUN_FLAGS)

.PHONY: run-dev
run-dev: build ## Start a Region of kossd processes without Kubernetes (kossd dev) and print its endpoint and root key.
	$(LOCALBIN)/kossd dev --data $(CURDIR)/.koss/dev

.PHONY: test-e2e
test-e2e: images-host k8s-tools ## Run the end-to-end suite (test/e2e) on the images of `make images`: helm install, samples, SDK traffic, pod kill, scaling, deletion.
	KOSS_K8S_BIN=$(K8S_BIN) KOSS_IMAGES=$(IMAGES_DIR)/oci \
		go test $(GO_TEST_FLAGS) -count=1 ./test/e2e/ $(E2E_FLAGS)
