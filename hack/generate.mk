# hack/generate.mk — code generation for the operator API (included by the root Makefile).
#
# controller-gen turns the markers in api/ (and, once they exist, the +kubebuilder:rbac markers
# in controllers/) into deep-copy code, CRDs (config/crd/bases) and the manager Role
# (config/rbac). `verify` regenerates everything and fails when the committed files differ,
# so a type change without `make generate manifests` cannot land.
#
# Other fragments may add their own checks to `verify` with a prerequisite-only rule
# (`verify: verify-helm-crds`); `verify` itself has no recipe for that reason.

CONTROLLER_TOOLS_VERSION ?= v0.23.0
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen

##@ Code generation

# Paths that hold generated files; `verify-gen` looks for drift only here so that other
# agents' work in progress elsewhere in the tree never fails it.
GENERATED_PATHS ?= api config

.PHONY: generate
generate: controller-gen ## Generate deep-copy code (api/**/zz_generated.deepcopy.go).
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: manifests
manifests: controller-gen ## Generate CRDs (config/crd/bases) and, once controllers exist, the RBAC Role (config/rbac).
	$(CONTROLLER_GEN) crd paths="./api/..." output:crd:artifacts:config=config/crd/bases
	@if grep -rqs --include='*.go' '+kubebuilder:rbac:' controllers cmd internal 2>/dev/null; then \
		echo "$(CONTROLLER_GEN) rbac:roleName=manager-role paths=./... output:rbac:artifacts:config=config/rbac"; \
		$(CONTROLLER_GEN) rbac:roleName=manager-role paths="./..." output:rbac:artifacts:config=config/rbac; \
	fi

.PHONY: verify
verify: verify-gen ## Fail when generated files are out of date (other fragments add checks here).

.PHONY: verify-gen
verify-gen: generate manifests ## Regenerate, then fail on any diff or untracked file under api/ and config/.
	@if ! git diff --exit-code --stat HEAD -- $(GENERATED_PATHS); then \
		echo "verify-gen: after 'make generate manifests', $(GENERATED_PATHS) differ from HEAD: commit the types together with the regenerated files" >&2; \
		git diff HEAD -- $(GENERATED_PATHS) | head -n 80 >&2; \
		exit 1; \
	fi
	@untracked="$$(git ls-files --others --exclude-standard -- $(GENERATED_PATHS))"; \
	if [ -n "$$untracked" ]; then \
		echo "verify-gen: untracked files under $(GENERATED_PATHS) (generated but not committed?):" >&2; \
		echo "$$untracked" >&2; \
		exit 1; \
	fi
	@echo "verify-gen: generated files are up to date"

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN)-$(CONTROLLER_TOOLS_VERSION) ## Build controller-gen from source into bin/ (versioned name + symlink).
	@ln -sf "$(notdir $(CONTROLLER_GEN))-$(CONTROLLER_TOOLS_VERSION)" "$(CONTROLLER_GEN)"

# Built through a private GOBIN and renamed into place, so an interrupted build never leaves
# a file that looks finished, and a version bump builds a new binary beside the old one.
$(CONTROLLER_GEN)-$(CONTROLLER_TOOLS_VERSION):
	@mkdir -p "$(LOCALBIN)/.controller-gen-build"
	@echo ">> building controller-gen $(CONTROLLER_TOOLS_VERSION) from source"
	GOBIN="$(LOCALBIN)/.controller-gen-build" \
		go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv "$(LOCALBIN)/.controller-gen-build/controller-gen" "$@"
	rmdir "$(LOCALBIN)/.controller-gen-build"
