#!/usr/bin/env bash
# build-k8s.sh builds the pinned local control plane (kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl, etcd, helm) from Go module
# sources, caches the binaries outside the repository, and links them into
# <repo>/bin/k8s, the stable path for KUBEBUILDER_ASSETS and the e2e suite.
#
# Nothing prebuilt is downloaded: only Go modules, through the module proxy.
# The sources are pinned by three small tools modules under hack/k8s:
#   hack/k8s        k8s.io/kubernetes, staging modules replaced by releases
#   hack/k8s/etcd   go.etcd.io/etcd/server/v3 (etcd v3.6 needs its own
#                   v3.6 client libraries; kubernetes pins v3.7 ones)
#   hack/k8s/helm   helm.sh/helm/v3, with the k8s libraries helm pins
#
# Usage: hack/build-k8s.sh [--force]
#   --force       rebuild every binary even when it is cached
#
# Output: progress goes to stderr; the only line on stdout is the directory
# holding the binaries (<repo>/bin/k8s), so `dir=$(hack/build-k8s.sh)` works.
#
# Environment:
#   KOSS_CACHE       cache root (default: $HOME/.cache/koss); binaries live in
#                    $KOSS_CACHE/k8s-<v>_etcd-<v>_helm-<v>/, so a pin change
#                    builds into a new directory and never reuses old ones
#   KOSS_BUILD_JOBS  go build -p value (default: 2; the box is shared)
#   GOFLAGS          respected, except that -mod is forced to -mod=mod
#   GOMODCACHE, GOCACHE, GOPROXY  respected as usual
#
# A cached binary is only ever the result of a finished build: each is built
# to a temporary name in the cache directory and renamed into place, so an
# interrupted build leaves nothing that looks complete. When everything is
# cached the script only checks files and links (well under a second).
set -euo pipefail

# Pins. The tools modules' go.mod files must require the same versions; the
# script checks that before using the cache, so the two cannot drift apart.
K8S_VERSION=v1.37.2
ETCD_VERSION=v3.6.16
HELM_VERSION=v3.22.0

BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd helm)

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools="${repo}/hack/k8s"
cache_root="${KOSS_CACHE:-${HOME}/.cache/koss}"
cache="${cache_root}/k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_helm-${HELM_VERSION}"
out="${repo}/bin/k8s"
jobs="${KOSS_BUILD_JOBS:-2}"

force=0
for arg in "$@"; do
	case "${arg}" in
	--force) force=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "build-k8s.sh: unknown argument ${arg} (see --help)" >&2
		exit 2
		;;
	esac
done

log() { printf '%s\n' "$*" >&2; }
die() {
	log "build-k8s.sh: $*"
	exit 1
}

# require_pin fails when a tools module's go.mod does not require module at
# version: the cache directory name would then lie about what it holds.
require_pin() {
	local gomod=$1 module=$2 version=$3
	grep -Eq "^[[:space:]]*(require[[:space:]]+)?${module//./\\.}[[:space:]]+${version//./\\.}([[:space:]]|$)" "${gomod}" ||
		die "${gomod#"${repo}/"} does not require ${module} ${version}; update the pins at the top of hack/build-k8s.sh and the go.mod together"
}
staging_version="v0.${K8S_VERSION#v1.}"
require_pin "${tools}/go.mod" k8s.io/kubernetes "${K8S_VERSION}"
grep -Eq "^[[:space:]]*k8s\.io/client-go => k8s\.io/client-go ${staging_version//./\\.}$" "${tools}/go.mod" ||
	die "hack/k8s/go.mod must replace the staging modules with ${staging_version}"
require_pin "${tools}/etcd/go.mod" go.etcd.io/etcd/server/v3 "${ETCD_VERSION}"
require_pin "${tools}/helm/go.mod" helm.sh/helm/v3 "${HELM_VERSION}"

# link_all points <repo>/bin/k8s/<name> at the cached binaries. Each link is
# replaced by a rename, so a concurrent reader never sees a missing file.
link_all() {
	mkdir -p "${out}"
	local name
	for name in "${BINARIES[@]}"; do
		if [[ "$(readlink "${out}/${name}" 2>/dev/null || true)" != "${cache}/${name}" ]]; then
			ln -sfn "${cache}/${name}" "${out}/.${name}.link.$$"
			mv -Tf "${out}/.${name}.link.$$" "${out}/${name}"
		fi
	done
}

missing() {
	local name
	for name in "${BINARIES[@]}"; do
		if [[ ${force} == 1 || ! -x "${cache}/${name}" ]]; then
			printf '%s\n' "${name}"
		fi
	done
}

# Fast path: everything cached, only (re)link. No go command runs here.
if [[ -z "$(missing)" ]]; then
	link_all
	printf '%s\n' "${out}"
	exit 0
fi

command -v go >/dev/null || die "go is not on PATH; a Go toolchain is the only prerequisite"
mkdir -p "${cache}"

# One build at a time per cache directory: make may call this from several
# jobs at once. flock is util-linux; without it builds still are atomic.
if command -v flock >/dev/null; then
	exec 9>"${cache}/.lock"
	if ! flock -n 9; then
		log "build-k8s.sh: waiting for another build of ${cache} to finish"
		flock 9
	fi
	# Holding the lock, no other build runs here: temporary files are left
	# over from an interrupted one (a half binary is never under its name).
	rm -f "${cache}"/.*.tmp.* "${cache}"/.*.log
fi

# Every go command runs in its tools module only, never in a workspace, and
# may fill in go.sum entries (-mod=mod) instead of failing on a fresh machine.
export GOWORK=off CGO_ENABLED=0
goflags=()
for f in ${GOFLAGS:-}; do
	[[ ${f} == -mod=* ]] || goflags+=("${f}")
done
goflags+=(-mod=mod)
export GOFLAGS="${goflags[*]}"

now() { date +%s; }

# run_timed runs a long command with a heartbeat on stderr every 60 s, so CI
# logs show the build is alive; output goes to a log file shown on failure.
run_timed() {
	local label=$1 logfile=$2
	shift 2
	local start rc=0 ticker
	start=$(now)
	(
		# The sleep is killed with the ticker: a left-over child would hold
		# the caller's pipes open, e.g. dir=$(hack/build-k8s.sh).
		s=
		trap 'kill ${s} 2>/dev/null; exit 0' TERM
		while :; do
			sleep 60 &
			s=$!
			wait "${s}"
			log "      ... ${label}: $(($(now) - start))s"
		done
	) </dev/null >/dev/null &
	ticker=$!
	"$@" >"${logfile}" 2>&1 || rc=$?
	kill "${ticker}" 2>/dev/null || true
	wait "${ticker}" 2>/dev/null || true
	if [[ ${rc} != 0 ]]; then
		log "build-k8s.sh: ${label} failed (exit ${rc}); last lines of ${logfile}:"
		tail -n 40 "${logfile}" >&2
		exit "${rc}"
	fi
	elapsed=$(($(now) - start))
}

mapfile -t todo < <(missing)
log "build-k8s.sh: building ${todo[*]} into ${cache}"

# Module downloads first, per tools module, so a proxy problem shows up as
# such and not as a compile error halfway through.
for dir in "${tools}" "${tools}/etcd" "${tools}/helm"; do
	rel=${dir#"${repo}/"}
	log "[deps] go mod download (${rel}) ..."
	run_timed "go mod download (${rel})" "${cache}/.download.log" \
		bash -c 'cd "$1" && go mod download && go list -deps -test=false ./... tool >/dev/null' _ "${dir}"
	log "[deps] go mod download (${rel}) ... ${elapsed}s"
done

# Version stamps, as Kubernetes' release build sets them (hack/lib/version.sh),
# in both packages: component-base for the servers, client-go for kubectl and
# every client. The build date is the release's module time, so the binaries
# are reproducible. The module proxy does not tell the release's git commit,
# so gitCommit is left empty rather than made up.
k8s_minor=${K8S_VERSION#v1.}
k8s_minor=${k8s_minor%%.*}
build_date=$(cd "${tools}" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)
version_ldflags=()
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	version_ldflags+=(
		"-X '${pkg}.gitVersion=${K8S_VERSION}'"
		"-X '${pkg}.gitMajor=1'"
		"-X '${pkg}.gitMinor=${k8s_minor}'"
		"-X '${pkg}.gitCommit='"
		"-X '${pkg}.gitTreeState=clean'"
		"-X '${pkg}.buildDate=${build_date}'"
	)
done

# build_one compiles one binary: dir is the tools module, pkg the main
# package, and the rest extra go build flags.
build_one() {
	local name=$1 dir=$2 pkg=$3 ldflags=$4
	shift 4
	local tmp="${cache}/.${name}.tmp.$$"
	rm -f "${tmp}"
	trap 'rm -f "${tmp}"' EXIT
	run_timed "building ${name}" "${cache}/.${name}.log" \
		bash -c 'd=$1; shift; cd "$d" && exec "$@"' _ "${dir}" \
		go build -p "${jobs}" -trimpath -ldflags "${ldflags}" "$@" -o "${tmp}" "${pkg}"
	"${tmp}" --help >/dev/null 2>&1 || die "${name} was built but does not run; see ${cache}/.${name}.log"
	mv -f "${tmp}" "${cache}/${name}"
	trap - EXIT
	rm -f "${cache}/.${name}.log"
}

i=0
for name in "${todo[@]}"; do
	i=$((i + 1))
	log "[${i}/${#todo[@]}] building ${name} ..."
	case "${name}" in
	kube-apiserver | kube-controller-manager | kube-scheduler | kubectl)
		# selinux,notest,grpcnotrace and -s -w are Kubernetes' release flags.
		build_one "${name}" "${tools}" "k8s.io/kubernetes/cmd/${name}" \
			"all=${version_ldflags[*]} -s -w" -tags selinux,notest,grpcnotrace
		;;
	etcd)
		build_one etcd "${tools}/etcd" . "-s -w"
		;;
	helm)
		# Helm's Makefile stamps its own version and the Kubernetes version
		# it assumes for templates and lint; client-go is stamped as above.
		build_one helm "${tools}/helm" helm.sh/helm/v3/cmd/helm \
			"${version_ldflags[*]} -s -w
			-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}
			-X helm.sh/helm/v3/internal/version.gitTreeState=clean
			-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1
			-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${k8s_minor}
			-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1
			-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${k8s_minor}"
		;;
	esac
	log "[${i}/${#todo[@]}] building ${name} ... ${elapsed}s"
done
rm -f "${cache}/.download.log"

link_all
printf '%s\n' "${out}"
