# hack/chart.mk — the Helm chart charts/koss (included by the root Makefile).
#
# The chart never has a hand-written copy of anything controller-gen makes: its CRDs
# (charts/koss/crds) and the rules of its ClusterRole and leader-election Role
# (charts/koss/files/rbac) are byte-for-byte copies of config/crd/bases and config/rbac, made
# by `make helm-crds helm-rbac`. `verify` fails when a copy drifts, so a type or RBAC-marker
# change lands together with the chart that installs it.
#
# Typical change: edit api/ or controllers/, then
#   make generate manifests helm-crds helm-rbac helm-lint verify

HELM ?= $(K8S_BIN)/helm
CHART_DIR ?= charts/koss
CHART_CRDS := $(CHART_DIR)/crds
CHART_RBAC := $(CHART_DIR)/files/rbac
# The generated RBAC files the chart reads with .Files.Get (templates/rbac.yaml).
CHART_RBAC_FILES := role.yaml leader_election_role.yaml

##@ Helm chart

.PHONY: helm-crds
helm-crds: ## Copy the generated CRDs (config/crd/bases) into the chart's crds/ verbatim.
	@mkdir -p $(CHART_CRDS)
	@rm -f $(CHART_CRDS)/*.yaml
	cp config/crd/bases/*.yaml $(CHART_CRDS)/

.PHONY: helm-rbac
helm-rbac: ## Copy the generated manager Role and the leader-election Role (config/rbac) into the chart.
	@mkdir -p $(CHART_RBAC)
	@for f in $(CHART_RBAC_FILES); do cp config/rbac/$$f $(CHART_RBAC)/$$f; done

.PHONY: helm-generate
helm-generate: helm-crds helm-rbac ## Refresh every generated copy in the chart.

.PHONY: helm-lint
helm-lint: ## helm lint --strict the chart, and render it with default and non-default values.
	@test -x "$(HELM)" || { echo "helm-lint: $(HELM) not found; build it with 'make k8s-tools'" >&2; exit 1; }
	$(HELM) lint --strict $(CHART_DIR)
	@for v in $(CHART_DIR)/ci/*-values.yaml; do \
		echo "$(HELM) lint --strict $(CHART_DIR) -f $$v"; \
		$(HELM) lint --strict $(CHART_DIR) -f $$v || exit 1; \
	done
	$(HELM) template koss $(CHART_DIR) --namespace koss-system > /dev/null
	@for v in $(CHART_DIR)/ci/*-values.yaml; do \
		echo "$(HELM) template koss $(CHART_DIR) --namespace koss-system -f $$v"; \
		$(HELM) template koss $(CHART_DIR) --namespace koss-system -f $$v > /dev/null || exit 1; \
	done

verify: verify-helm-crds verify-helm-rbac

.PHONY: verify-helm-crds
verify-helm-crds: ## Fail when charts/koss/crds differs from config/crd/bases (run make helm-crds).
	@if ! diff -r -u config/crd/bases $(CHART_CRDS) >/dev/null 2>&1; then \
		echo "verify-helm-crds: $(CHART_CRDS) differs from config/crd/bases: run 'make helm-crds' and commit" >&2; \
		diff -r -u config/crd/bases $(CHART_CRDS) | head -n 60 >&2; \
		exit 1; \
	fi
	@echo "verify-helm-crds: the chart's CRDs match config/crd/bases"

.PHONY: verify-helm-rbac
verify-helm-rbac: ## Fail when the chart's RBAC rules differ from config/rbac (run make helm-rbac).
	@for f in $(CHART_RBAC_FILES); do \
		if ! cmp -s config/rbac/$$f $(CHART_RBAC)/$$f; then \
			echo "verify-helm-rbac: $(CHART_RBAC)/$$f differs from config/rbac/$$f: run 'make helm-rbac' and commit" >&2; \
			diff -u config/rbac/$$f $(CHART_RBAC)/$$f | head -n 60 >&2; \
			exit 1; \
		fi; \
	done
	@echo "verify-helm-rbac: the chart's RBAC rules match config/rbac"
