package chart

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// The non-default value sets under charts/koss/ci (also rendered by `make helm-lint`).
const (
	watchValues   = "ci/watch-namespaces-values.yaml"
	minimalValues = "ci/minimal-values.yaml"
)

func valuesFile(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(chartDir(t), name)
}

// TestLintStrict: `helm lint --strict` is clean with the default values and every ci/ set.
func TestLintStrict(t *testing.T) {
	sets, err := filepath.Glob(filepath.Join(chartDir(t), "ci", "*-values.yaml"))
	if err != nil || len(sets) == 0 {
		t.Fatalf("no ci/*-values.yaml in the chart (%v)", err)
	}
	cases := [][]string{nil}
	for _, s := range sets {
		cases = append(cases, []string{"-f", s})
	}
	for _, extra := range cases {
		name := "defaults"
		if extra != nil {
			name = filepath.Base(extra[1])
		}
		t.Run(name, func(t *testing.T) {
			out, err := runHelm(t, append([]string{"lint", "--strict", chartDir(t)}, extra...)...)
			if err != nil {
				t.Fatal(err)
			}
			for line := range strings.SplitSeq(out, "\n") {
				if strings.Contains(line, "[WARNING]") || strings.Contains(line, "[ERROR]") {
					t.Errorf("lint: %s", line)
				}
			}
		})
	}
}

// TestChartMetadata: Chart.yaml says what the chart is.
func TestChartMetadata(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(chartDir(t), "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		APIVersion, Name, Version, AppVersion, Type string
	}
	if err := yaml.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	want := struct{ APIVersion, Name, Version, AppVersion, Type string }{"v2", "koss", "0.1.0", "v0.1.0", "application"}
	if meta != want {
		t.Errorf("Chart.yaml = %+v, want %+v", meta, want)
	}
}

// TestDefaults renders the default values and checks every object.
func TestDefaults(t *testing.T) {
	objs, _ := render(t)
	const name = "koss-operator"

	wantKinds := []string{"ClusterRole", "ClusterRoleBinding", "Deployment", "Role", "RoleBinding", "Service", "ServiceAccount"}
	var kinds []string
	for _, o := range objs {
		if !slices.Contains(kinds, o.Kind) {
			kinds = append(kinds, o.Kind)
		}
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, wantKinds) {
		t.Errorf("kinds = %v, want %v (no ServiceMonitor by default)", kinds, wantKinds)
	}
	for _, o := range objs {
		switch o.Kind {
		case "ClusterRole", "ClusterRoleBinding":
			if o.Namespace != "" {
				t.Errorf("%s %s has a namespace", o.Kind, o.Name)
			}
		default:
			if o.Namespace != releaseNamespace {
				t.Errorf("%s %s is in namespace %q, want the release namespace", o.Kind, o.Name, o.Namespace)
			}
		}
	}

	var dep appsv1.Deployment
	objs.decode(t, "Deployment", releaseNamespace, name, &dep)
	pod := dep.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("containers = %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image != "koss/manager:v0.1.0" {
		t.Errorf("image = %q, want koss/manager:v0.1.0", c.Image)
	}
	flags := flagValues(t, c.Args)
	wantFlags := map[string]string{
		"leader-elect":              "true",
		"leader-election-namespace": releaseNamespace,
		"metrics-bind-address":      "$(POD_IP):8080",
		"health-probe-bind-address": "$(POD_IP):8081",
		"kossd-image":               "koss/kossd:v0.1.0",
		"zap-log-level":             "info",
	}
	for k, v := range wantFlags {
		if got, ok := flags[k]; !ok || got != v {
			t.Errorf("--%s = %q (given: %v), want %q", k, got, ok, v)
		}
	}
	if _, ok := flags["watch-namespaces"]; ok {
		t.Error("--watch-namespaces set by default")
	}
	known := managerFlags(t)
	for f := range flags {
		if !known[f] {
			t.Errorf("--%s is not a flag of cmd/manager", f)
		}
	}
	checkPodIPEnv(t, c)
	checkProbes(t, c, 8081)
	if sc := pod.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("pod securityContext = %+v, want runAsNonRoot", sc)
	}
	if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("container securityContext = %+v, want a read-only root and no privilege escalation", sc)
	}
	if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources = %+v, want memory requests and limits", c.Resources)
	}
	sel, err := labelsSelector(dep)
	if err != nil {
		t.Fatal(err)
	}
	if !sel.Matches(labels.Set(dep.Spec.Template.Labels)) {
		t.Errorf("selector %v does not match the pod labels %v", sel, dep.Spec.Template.Labels)
	}

	var sa corev1.ServiceAccount
	objs.decode(t, "ServiceAccount", releaseNamespace, name, &sa)
	if pod.ServiceAccountName != sa.Name {
		t.Errorf("serviceAccountName = %q, want %q", pod.ServiceAccountName, sa.Name)
	}

	// RBAC: exactly the generated rules, bound to the ServiceAccount, covering what the
	// controllers do and nothing wild.
	var role rbacv1.ClusterRole
	objs.decode(t, "ClusterRole", "", name, &role)
	if !equality.Semantic.DeepEqual(role.Rules, configRules(t, "role.yaml")) {
		t.Errorf("ClusterRole rules differ from config/rbac/role.yaml:\n%+v", role.Rules)
	}
	checkCovers(t, "ClusterRole", role.Rules, append(slices.Clone(managerNeeds), clusterNeeds...))
	checkLeastPrivilege(t, "ClusterRole", role.Rules)
	var crb rbacv1.ClusterRoleBinding
	objs.decode(t, "ClusterRoleBinding", "", name, &crb)
	checkBinding(t, crb.RoleRef, crb.Subjects, "ClusterRole", name, sa.Name)

	var le rbacv1.Role
	objs.decode(t, "Role", releaseNamespace, "koss-leader-election", &le)
	if !equality.Semantic.DeepEqual(le.Rules, configRules(t, "leader_election_role.yaml")) {
		t.Errorf("leader-election Role rules differ from config/rbac/leader_election_role.yaml:\n%+v", le.Rules)
	}
	checkCovers(t, "leader-election Role", le.Rules, leaderElectionNeeds)
	checkLeastPrivilege(t, "leader-election Role", le.Rules)
	var leb rbacv1.RoleBinding
	objs.decode(t, "RoleBinding", releaseNamespace, "koss-leader-election", &leb)
	checkBinding(t, leb.RoleRef, leb.Subjects, "Role", "koss-leader-election", sa.Name)

	var svc corev1.Service
	objs.decode(t, "Service", releaseNamespace, name+"-metrics", &svc)
	checkMetricsService(t, svc, dep, 8080)
}

// TestWatchNamespacesAndOptions renders ci/watch-namespaces-values.yaml: a namespaced
// operator (Roles per watched namespace, a ClusterRole only for Namespaces), a
// ServiceMonitor, other images, ports and resources.
func TestWatchNamespacesAndOptions(t *testing.T) {
	objs, _ := render(t, "-f", valuesFile(t, watchValues))
	const name = "koss-operator"

	var dep appsv1.Deployment
	objs.decode(t, "Deployment", releaseNamespace, name, &dep)
	if *dep.Spec.Replicas != 2 {
		t.Errorf("replicas = %d, want 2", *dep.Spec.Replicas)
	}
	c := dep.Spec.Template.Spec.Containers[0]
	if c.Image != "registry.example.com/koss/manager:v0.1.0-test" || c.ImagePullPolicy != corev1.PullAlways {
		t.Errorf("image = %q (%s)", c.Image, c.ImagePullPolicy)
	}
	flags := flagValues(t, c.Args)
	wantFlags := map[string]string{
		"watch-namespaces":          "team-a,team-b", // the duplicate team-a is dropped
		"kossd-image":               "registry.example.com/koss/kossd:v0.1.0-test",
		"zap-log-level":             "debug",
		"metrics-bind-address":      "$(POD_IP):18080",
		"health-probe-bind-address": "$(POD_IP):18081",
		"zap-encoder":               "console",
	}
	for k, v := range wantFlags {
		if got, ok := flags[k]; !ok || got != v {
			t.Errorf("--%s = %q (given: %v), want %q", k, got, ok, v)
		}
	}
	known := managerFlags(t)
	for f := range flags {
		if !known[f] {
			t.Errorf("--%s is not a flag of cmd/manager", f)
		}
	}
	checkProbes(t, c, 18081)
	wantRes := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("512Mi")},
	}
	if !equality.Semantic.DeepEqual(c.Resources, wantRes) {
		t.Errorf("resources = %+v, want %+v", c.Resources, wantRes)
	}

	// RBAC: the ClusterRole holds only cluster-scoped rules; each watched namespace gets
	// the rest; together they grant everything config/rbac/role.yaml grants.
	var cr rbacv1.ClusterRole
	objs.decode(t, "ClusterRole", "", name, &cr)
	checkCovers(t, "ClusterRole", cr.Rules, clusterNeeds)
	for _, p := range managerNeeds {
		if allows(cr.Rules, p.group, p.resource, p.verbs[0]) {
			t.Errorf("ClusterRole grants %s on %q/%s cluster-wide though only namespaces team-a, team-b are watched", p.verbs[0], p.group, p.resource)
		}
	}
	checkLeastPrivilege(t, "ClusterRole", cr.Rules)
	var crb rbacv1.ClusterRoleBinding
	objs.decode(t, "ClusterRoleBinding", "", name, &crb)
	checkBinding(t, crb.RoleRef, crb.Subjects, "ClusterRole", name, name)

	generated := configRules(t, "role.yaml")
	for _, ns := range []string{"team-a", "team-b"} {
		var role rbacv1.Role
		objs.decode(t, "Role", ns, name, &role)
		checkCovers(t, "Role in "+ns, role.Rules, managerNeeds)
		checkLeastPrivilege(t, "Role in "+ns, role.Rules)
		union := append(slices.Clone(role.Rules), cr.Rules...)
		for _, r := range generated {
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					for _, v := range r.Verbs {
						if !allows(union, g, res, v) {
							t.Errorf("watching %s loses %s on %q/%s from config/rbac/role.yaml", ns, v, g, res)
						}
					}
				}
			}
		}
		var rb rbacv1.RoleBinding
		objs.decode(t, "RoleBinding", ns, name, &rb)
		checkBinding(t, rb.RoleRef, rb.Subjects, "Role", name, name)
	}
	if n := len(objs.ofKind("Role")); n != 3 {
		t.Errorf("%d Roles, want 3 (team-a, team-b, leader election): %v", n, objs.ids())
	}

	var svc corev1.Service
	objs.decode(t, "Service", releaseNamespace, name+"-metrics", &svc)
	checkMetricsService(t, svc, dep, 18080)

	// The ServiceMonitor has no Go type in go.mod; its shape is checked through JSON.
	var sm struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			NamespaceSelector struct {
				MatchNames []string `json:"matchNames"`
			} `json:"namespaceSelector"`
			Endpoints []struct {
				Port     string `json:"port"`
				Path     string `json:"path"`
				Interval string `json:"interval"`
			} `json:"endpoints"`
		} `json:"spec"`
	}
	monitors := objs.ofKind("ServiceMonitor")
	if len(monitors) != 1 {
		t.Fatalf("ServiceMonitors = %d, want 1", len(monitors))
	}
	js, err := yaml.YAMLToJSON(monitors[0].Raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &sm); err != nil {
		t.Fatal(err)
	}
	if sm.Metadata.Labels["release"] != "prometheus" {
		t.Errorf("ServiceMonitor labels = %v, want release=prometheus", sm.Metadata.Labels)
	}
	if !labels.SelectorFromSet(sm.Spec.Selector.MatchLabels).Matches(labels.Set(svc.Labels)) {
		t.Errorf("ServiceMonitor selector %v does not select the metrics Service %v", sm.Spec.Selector.MatchLabels, svc.Labels)
	}
	if !slices.Equal(sm.Spec.NamespaceSelector.MatchNames, []string{releaseNamespace}) {
		t.Errorf("ServiceMonitor namespaces = %v", sm.Spec.NamespaceSelector.MatchNames)
	}
	if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "metrics" || sm.Spec.Endpoints[0].Path != "/metrics" || sm.Spec.Endpoints[0].Interval != "30s" {
		t.Errorf("ServiceMonitor endpoints = %+v", sm.Spec.Endpoints)
	}
}

// TestMinimal renders ci/minimal-values.yaml: no metrics, no leader election, an existing
// ServiceAccount, no RBAC, every interface, no resources or security contexts.
func TestMinimal(t *testing.T) {
	objs, _ := render(t, "-f", valuesFile(t, minimalValues))
	if ids := objs.ids(); !slices.Equal(ids, []string{"Deployment/" + releaseNamespace + "/koss-operator"}) {
		t.Errorf("objects = %v, want only the Deployment", ids)
	}
	var dep appsv1.Deployment
	objs.decode(t, "Deployment", releaseNamespace, "koss-operator", &dep)
	pod := dep.Spec.Template.Spec
	c := pod.Containers[0]
	flags := flagValues(t, c.Args)
	for k, v := range map[string]string{"metrics-bind-address": "0", "leader-elect": "false", "health-probe-bind-address": ":8081"} {
		if flags[k] != v {
			t.Errorf("--%s = %q, want %q", k, flags[k], v)
		}
	}
	if pod.ServiceAccountName != "koss-existing" {
		t.Errorf("serviceAccountName = %q", pod.ServiceAccountName)
	}
	if pod.SecurityContext != nil || c.SecurityContext != nil || len(c.Resources.Requests)+len(c.Resources.Limits) > 0 {
		t.Errorf("security contexts %+v / %+v and resources %+v should be gone", pod.SecurityContext, c.SecurityContext, c.Resources)
	}
	for _, p := range c.Ports {
		if p.Name == "metrics" {
			t.Error("metrics port declared with metrics disabled")
		}
	}
	checkProbes(t, c, 8081)
}

// TestInvalidValues: values the manager could not run with are refused at render time.
func TestInvalidValues(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"namespace not a DNS label", []string{"--set", "watchNamespaces[0]=Team_A"}, "watchNamespaces"},
		{"empty namespace", []string{"--set", "watchNamespaces[0]="}, "watchNamespaces"},
		{"port not a number", []string{"--set", "metrics.port=http"}, "metrics"},
		{"ServiceMonitor without metrics", []string{"--set", "serviceMonitor.enabled=true", "--set", "metrics.enabled=false"}, "serviceMonitor.enabled needs metrics.enabled"},
		{"existing ServiceAccount without a name", []string{"--set", "serviceAccount.create=false"}, "serviceAccount.name is required"},
		{"unknown pull policy", []string{"--set", "image.pullPolicy=Sometimes"}, "pullPolicy"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runHelm(t, append([]string{"template", "koss", chartDir(t), "--namespace", releaseNamespace}, tc.args...)...)
			if err == nil {
				t.Fatal("rendered without an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error does not mention %q: %v", tc.want, err)
			}
		})
	}
}

// TestNames: a release named without "koss" gets prefixed names; overrides apply.
func TestNames(t *testing.T) {
	cases := []struct {
		release string
		args    []string
		want    string
	}{
		{"koss", nil, "koss-operator"},
		{"storage", nil, "storage-koss-operator"},
		{"my-koss", nil, "my-koss-operator"},
		{"storage", []string{"--set", "fullnameOverride=objects"}, "objects-operator"},
	}
	for _, tc := range cases {
		t.Run(tc.release+strings.Join(tc.args, ""), func(t *testing.T) {
			out, err := runHelm(t, append([]string{"template", tc.release, chartDir(t), "--namespace", releaseNamespace}, tc.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			objs := parseManifests(t, out)
			var dep appsv1.Deployment
			objs.decode(t, "Deployment", releaseNamespace, tc.want, &dep)
			if dep.Spec.Template.Labels["app.kubernetes.io/instance"] != tc.release {
				t.Errorf("instance label = %q", dep.Spec.Template.Labels["app.kubernetes.io/instance"])
			}
		})
	}
}

// TestNoRenderTimeRandomness: rendering twice gives the same bytes, and no template calls a
// function whose result changes between renders (GitOps tools would see drift forever).
func TestNoRenderTimeRandomness(t *testing.T) {
	for _, args := range [][]string{nil, {"-f", valuesFile(t, watchValues)}} {
		_, first := render(t, args...)
		_, second := render(t, args...)
		if first != second {
			t.Errorf("two renders with %v differ", args)
		}
	}
	forbidden := []string{"randAlpha", "randAlphaNum", "randNumeric", "randAscii", "randBytes", "randInt",
		"uuidv4", "now", "date", "dateInZone", "unixEpoch", "genCA", "genPrivateKey", "genSelfSignedCert",
		"genSignedCert", "derivePassword", "htpasswd", "lookup"}
	comment := regexp.MustCompile(`(?s)\{\{-?\s*/\*.*?\*/\s*-?\}\}`)
	action := regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	word := regexp.MustCompile(`[A-Za-z][A-Za-z0-9]*`)
	files, err := filepath.Glob(filepath.Join(chartDir(t), "templates", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates (%v)", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := comment.ReplaceAllString(string(b), "")
		for _, a := range action.FindAllString(src, -1) {
			for _, w := range word.FindAllString(a, -1) {
				if slices.Contains(forbidden, w) {
					t.Errorf("%s calls %s: %s", filepath.Base(f), w, a)
				}
			}
		}
	}
}

// TestGeneratedCopies: crds/ equals config/crd/bases and files/rbac equals config/rbac,
// byte for byte (what `make verify` checks too).
func TestGeneratedCopies(t *testing.T) {
	root := repoRoot(t)
	if err := sameFiles(filepath.Join(root, "config", "crd", "bases"), filepath.Join(chartDir(t), "crds")); err != nil {
		t.Errorf("charts/koss/crds differs from config/crd/bases (run make helm-crds): %v", err)
	}
	for _, f := range []string{"role.yaml", "leader_election_role.yaml"} {
		want, err := os.ReadFile(filepath.Join(root, "config", "rbac", f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(chartDir(t), "files", "rbac", f))
		if err != nil || string(got) != string(want) {
			t.Errorf("charts/koss/files/rbac/%s differs from config/rbac/%s (run make helm-rbac): %v", f, f, err)
		}
	}
	// The CRDs the chart installs are the three kinds, all namespaced.
	out, err := runHelm(t, "template", "koss", chartDir(t), "--namespace", releaseNamespace, "--include-crds")
	if err != nil {
		t.Fatal(err)
	}
	var crds []string
	for _, o := range parseManifests(t, out).ofKind("CustomResourceDefinition") {
		var crd struct {
			Spec struct {
				Group string `json:"group"`
				Scope string `json:"scope"`
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(o.Raw, &crd); err != nil {
			t.Fatal(err)
		}
		if crd.Spec.Group != "koss.io" || crd.Spec.Scope != "Namespaced" {
			t.Errorf("CRD %s: group %q scope %q", o.Name, crd.Spec.Group, crd.Spec.Scope)
		}
		crds = append(crds, crd.Spec.Names.Kind)
	}
	slices.Sort(crds)
	if !slices.Equal(crds, []string{"AccessKey", "Bucket", "Region"}) {
		t.Errorf("CRDs = %v", crds)
	}
}

// TestValuesDocumented: every value in values.yaml has a comment right above it (children
// of a value documented as a whole, marked "# --", are its default and need none), and every
// top-level value appears in the chart's README.
func TestValuesDocumented(t *testing.T) {
	f, err := os.Open(filepath.Join(chartDir(t), "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	readme, err := os.ReadFile(filepath.Join(chartDir(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`^( *)([A-Za-z][A-Za-z0-9]*):`)
	var prev string
	wholeValue := false // the current top-level value is documented as a whole
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := key.FindStringSubmatch(line); m != nil {
			indent := len(m[1])
			documented := strings.HasPrefix(strings.TrimSpace(prev), "#")
			switch {
			case indent == 0:
				wholeValue = strings.HasPrefix(strings.TrimSpace(prev), "# --")
				if !documented {
					t.Errorf("values.yaml:%d: %s has no comment", n, m[2])
				}
				if !strings.Contains(string(readme), "`"+m[2]) {
					t.Errorf("values.yaml:%d: %s is not in README.md", n, m[2])
				}
			case indent == 2 && !wholeValue && !documented:
				t.Errorf("values.yaml:%d: %s has no comment", n, strings.TrimSpace(line))
			}
		}
		if strings.TrimSpace(line) != "" {
			prev = line
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// checkPodIPEnv: POD_IP comes from the downward API, for $(POD_IP) in the args.
func checkPodIPEnv(t *testing.T, c corev1.Container) {
	t.Helper()
	for _, e := range c.Env {
		if e.Name == "POD_IP" {
			if e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != "status.podIP" {
				t.Errorf("POD_IP = %+v, want fieldRef status.podIP", e)
			}
			return
		}
	}
	t.Error("no POD_IP env var")
}

// checkProbes: liveness and readiness GET /healthz and /readyz on the health port.
func checkProbes(t *testing.T, c corev1.Container, port int32) {
	t.Helper()
	var health *corev1.ContainerPort
	for i := range c.Ports {
		if c.Ports[i].Name == "health" {
			health = &c.Ports[i]
		}
	}
	if health == nil || health.ContainerPort != port {
		t.Fatalf("health port = %+v, want %d", health, port)
	}
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port.String() != "health" {
			t.Errorf("%s probe = %+v, want GET %s on port health", p.name, p.probe, p.path)
		}
	}
}

// checkBinding: a binding grants the named role to the operator's ServiceAccount.
func checkBinding(t *testing.T, ref rbacv1.RoleRef, subjects []rbacv1.Subject, kind, role, sa string) {
	t.Helper()
	if ref.Kind != kind || ref.Name != role || ref.APIGroup != rbacv1.GroupName {
		t.Errorf("roleRef = %+v, want %s %s", ref, kind, role)
	}
	want := []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa, Namespace: releaseNamespace}}
	if !equality.Semantic.DeepEqual(subjects, want) {
		t.Errorf("subjects = %+v, want %+v", subjects, want)
	}
}

// checkMetricsService: the Service selects the operator's pods and targets its metrics port.
func checkMetricsService(t *testing.T, svc corev1.Service, dep appsv1.Deployment, port int32) {
	t.Helper()
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(dep.Spec.Template.Labels)) || len(svc.Spec.Selector) == 0 {
		t.Errorf("Service selector %v does not select the pods %v", svc.Spec.Selector, dep.Spec.Template.Labels)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != port || svc.Spec.Ports[0].TargetPort.String() != "metrics" {
		t.Errorf("Service ports = %+v", svc.Spec.Ports)
	}
	for _, p := range dep.Spec.Template.Spec.Containers[0].Ports {
		if p.Name == "metrics" && p.ContainerPort == port {
			return
		}
	}
	t.Errorf("no container port metrics = %d", port)
}

func labelsSelector(dep appsv1.Deployment) (labels.Selector, error) {
	if dep.Spec.Selector == nil {
		return labels.Nothing(), nil
	}
	return labels.ValidatedSelectorFromSet(dep.Spec.Selector.MatchLabels)
}
