package chart

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/koss-io/koss/hack/localkube/localcluster"
)

// releaseNamespace is where the tests render and install the chart.
const releaseNamespace = "koss-system"

// repoRoot is the koss checkout holding this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := localcluster.RepoRoot()
	if err != nil {
		t.Fatalf("finding the repository root: %v", err)
	}
	return root
}

// chartDir is charts/koss of the checkout.
func chartDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "charts", "koss")
}

// helmBin is the helm built by hack/build-k8s.sh: $KOSS_K8S_BIN/helm, else
// <repo>/bin/k8s/helm. A missing binary fails the test and says how to build it.
func helmBin(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KOSS_K8S_BIN")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "bin", "k8s")
	}
	p := filepath.Join(dir, "helm")
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		t.Fatalf("helm not found at %s: build it with `make k8s-tools` (hack/build-k8s.sh, built from source), "+
			"or point KOSS_K8S_BIN at a directory holding helm", p)
	}
	return p
}

// runHelm runs helm with args and returns its standard output; a failure carries stderr.
func runHelm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, helmBin(t), args...)
	// A private home, so no user repository or plugin configuration changes the result.
	home := t.TempDir()
	cmd.Env = append(os.Environ(),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("helm %s: %w\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// object is one rendered manifest.
type object struct {
	Kind      string
	Name      string
	Namespace string
	Raw       []byte
}

// manifests are the objects of one `helm template`.
type manifests []object

// render runs `helm template koss charts/koss` in releaseNamespace with extra arguments
// (-f, --set) and parses every document.
func render(t *testing.T, args ...string) (manifests, string) {
	t.Helper()
	out, err := runHelm(t, append([]string{"template", "koss", chartDir(t), "--namespace", releaseNamespace}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	return parseManifests(t, out), out
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// parseManifests splits a multi-document YAML stream and reads each document's identity.
func parseManifests(t *testing.T, stream string) manifests {
	t.Helper()
	var objs manifests
	for _, doc := range docSeparator.Split(stream, -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("rendered document does not parse: %v\n%s", err, doc)
		}
		if meta.APIVersion == "" || meta.Kind == "" || meta.Metadata.Name == "" {
			t.Fatalf("rendered document without apiVersion, kind or name:\n%s", doc)
		}
		objs = append(objs, object{Kind: meta.Kind, Name: meta.Metadata.Name, Namespace: meta.Metadata.Namespace, Raw: []byte(doc)})
	}
	return objs
}

func stripComments(doc string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// ofKind returns the objects of a kind.
func (m manifests) ofKind(kind string) manifests {
	var out manifests
	for _, o := range m {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// decode finds exactly one object of kind, namespace and name and strictly decodes it into
// into (a typed API object), so a misspelt field in a template fails the test.
func (m manifests) decode(t *testing.T, kind, namespace, name string, into any) {
	t.Helper()
	var found []object
	for _, o := range m {
		if o.Kind == kind && o.Namespace == namespace && o.Name == name {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one %s %s/%s, found %d; rendered: %v", kind, namespace, name, len(found), m.ids())
	}
	if err := yaml.UnmarshalStrict(found[0].Raw, into); err != nil {
		t.Fatalf("%s %s/%s does not decode strictly: %v\n%s", kind, namespace, name, err, found[0].Raw)
	}
}

// ids lists kind/namespace/name of every object, for messages.
func (m manifests) ids() []string {
	out := make([]string, 0, len(m))
	for _, o := range m {
		out = append(out, o.Kind+"/"+o.Namespace+"/"+o.Name)
	}
	slices.Sort(out)
	return out
}

// allows says whether rules grant verb on group/resource.
func allows(rules []rbacv1.PolicyRule, group, resource, verb string) bool {
	for _, r := range rules {
		if (slices.Contains(r.APIGroups, group) || slices.Contains(r.APIGroups, "*")) &&
			(slices.Contains(r.Resources, resource) || slices.Contains(r.Resources, "*")) &&
			(slices.Contains(r.Verbs, verb) || slices.Contains(r.Verbs, "*")) {
			return true
		}
	}
	return false
}

// permission is one (group, resource, verbs) the operator needs.
type permission struct {
	group    string
	resource string
	verbs    []string
}

var (
	readWrite = []string{"get", "list", "watch", "update", "patch"}
	manage    = []string{"get", "list", "watch", "create", "update", "patch", "delete"}
	read      = []string{"get", "list", "watch"}
)

// managerNeeds is what the controllers do, written down independently of the generated
// role: a marker dropped from controllers/ fails the test instead of shipping a chart
// whose operator is forbidden to work.
var managerNeeds = []permission{
	{"koss.io", "regions", readWrite},
	{"koss.io", "buckets", readWrite},
	{"koss.io", "accesskeys", readWrite},
	{"koss.io", "regions/status", []string{"get", "update", "patch"}},
	{"koss.io", "buckets/status", []string{"get", "update", "patch"}},
	{"koss.io", "accesskeys/status", []string{"get", "update", "patch"}},
	{"koss.io", "regions/finalizers", []string{"update"}},
	{"koss.io", "buckets/finalizers", []string{"update"}},
	{"koss.io", "accesskeys/finalizers", []string{"update"}},
	{"apps", "statefulsets", manage},
	{"", "services", manage},
	{"", "secrets", manage},
	{"policy", "poddisruptionbudgets", manage},
	{"events.k8s.io", "events", []string{"create", "patch"}},
}

// clusterNeeds are the cluster-scoped permissions: only a ClusterRole can grant them.
var clusterNeeds = []permission{
	{"", "namespaces", read},
}

// leaderElectionNeeds are what controller-runtime's leader election does in its namespace.
var leaderElectionNeeds = []permission{
	{"coordination.k8s.io", "leases", []string{"get", "create", "update"}},
	{"", "events", []string{"create"}},
}

// checkCovers fails for every permission in needs that rules do not grant.
func checkCovers(t *testing.T, what string, rules []rbacv1.PolicyRule, needs []permission) {
	t.Helper()
	for _, p := range needs {
		for _, v := range p.verbs {
			if !allows(rules, p.group, p.resource, v) {
				t.Errorf("%s does not allow %s on %q/%s", what, v, p.group, p.resource)
			}
		}
	}
}

// checkLeastPrivilege fails on wildcards and on verbs that hand out more power than the
// operator needs.
func checkLeastPrivilege(t *testing.T, what string, rules []rbacv1.PolicyRule) {
	t.Helper()
	for _, r := range rules {
		for _, list := range [][]string{r.APIGroups, r.Resources, r.Verbs} {
			if slices.Contains(list, "*") {
				t.Errorf("%s has a wildcard rule: %+v", what, r)
			}
		}
		for _, v := range []string{"escalate", "bind", "impersonate", "deletecollection"} {
			if slices.Contains(r.Verbs, v) {
				t.Errorf("%s grants %s: %+v", what, v, r)
			}
		}
		for _, res := range []string{"pods/exec", "nodes", "clusterroles", "clusterrolebindings", "roles", "rolebindings", "customresourcedefinitions"} {
			if slices.Contains(r.Resources, res) {
				t.Errorf("%s grants access to %s: %+v", what, res, r)
			}
		}
	}
}

// configRules reads the rules of a Role or ClusterRole under config/rbac.
func configRules(t *testing.T, file string) []rbacv1.PolicyRule {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "config", "rbac", file))
	if err != nil {
		t.Fatalf("reading config/rbac/%s: %v", file, err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(b, &role); err != nil {
		t.Fatalf("config/rbac/%s: %v", file, err)
	}
	if len(role.Rules) == 0 {
		t.Fatalf("config/rbac/%s has no rules", file)
	}
	return role.Rules
}

// managerFlags are the flag names cmd/manager/main.go defines (fs.XxxVar(&..., "name", ...))
// plus zap's (BindFlags), so the chart cannot pass a flag the manager would reject.
func managerFlags(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "cmd", "manager", "main.go"))
	if err != nil {
		t.Fatalf("reading cmd/manager/main.go: %v", err)
	}
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`fs\.\w+Var\(&[^,]+,\s*"([a-z0-9-]+)"`).FindAllSubmatch(b, -1) {
		flags[string(m[1])] = true
	}
	if len(flags) == 0 {
		t.Fatal("no flags found in cmd/manager/main.go: the pattern above needs updating")
	}
	if bytes.Contains(b, []byte(".BindFlags(fs)")) {
		for _, f := range []string{"zap-devel", "zap-encoder", "zap-log-level", "zap-stacktrace-level", "zap-time-encoding"} {
			flags[f] = true
		}
	}
	return flags
}

// flagValues maps each --name=value argument to its value ("" for a bare --name).
func flagValues(t *testing.T, args []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, a := range args {
		if !strings.HasPrefix(a, "--") {
			t.Fatalf("manager argument %q is not a --flag", a)
		}
		name, value, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if _, dup := out[name]; dup {
			t.Errorf("flag --%s given twice", name)
		}
		out[name] = value
	}
	return out
}

// errNotFound marks a missing file in the comparisons below.
var errNotFound = errors.New("not found")

// sameFiles compares the regular files of two directories by name and bytes.
func sameFiles(a, b string) error {
	list := func(dir string) (map[string][]byte, error) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		out := map[string][]byte{}
		for _, e := range entries {
			if e.Type().IsRegular() {
				data, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					return nil, err
				}
				out[e.Name()] = data
			}
		}
		return out, nil
	}
	fa, err := list(a)
	if err != nil {
		return err
	}
	fb, err := list(b)
	if err != nil {
		return err
	}
	var problems []string
	for name, data := range fa {
		other, ok := fb[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s: %v in %s", name, errNotFound, b))
		case !bytes.Equal(data, other):
			problems = append(problems, fmt.Sprintf("%s differs", name))
		}
	}
	for name := range fb {
		if _, ok := fa[name]; !ok {
			problems = append(problems, fmt.Sprintf("%s: %v in %s", name, errNotFound, a))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
