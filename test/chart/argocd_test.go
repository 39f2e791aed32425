package chart

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// healthKeyPrefix is how argocd-cm names a health check: resource.customizations.health.<group>_<kind>.
const healthKeyPrefix = "resource.customizations.health."

// argoHealthScripts reads the Lua health checks of charts/koss/docs/argocd-cm.yaml by kind.
func argoHealthScripts(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(chartDir(t), "docs", "argocd-cm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(b, &cm); err != nil {
		t.Fatalf("docs/argocd-cm.yaml: %v", err)
	}
	if cm.Name != "argocd-cm" || cm.Namespace != "argocd" {
		t.Errorf("docs/argocd-cm.yaml is %s/%s, want argocd/argocd-cm", cm.Namespace, cm.Name)
	}
	scripts := map[string]string{}
	for k, v := range cm.Data {
		group, kind, ok := strings.Cut(strings.TrimPrefix(k, healthKeyPrefix), "_")
		if !strings.HasPrefix(k, healthKeyPrefix) || !ok || group != "koss.io" {
			t.Errorf("unexpected argocd-cm key %q", k)
			continue
		}
		scripts[kind] = v
	}
	for _, kind := range []string{"Region", "Bucket", "AccessKey"} {
		if scripts[kind] == "" {
			t.Errorf("no health check for koss.io/%s", kind)
		}
	}
	return scripts
}

// runHealth runs a health script the way Argo CD does: a fresh gopher-lua state with the
// base and table libraries, the object as the global obj, the returned table read back.
func runHealth(script string, obj map[string]any) (status, message string, err error) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	L.SetGlobal("obj", toLua(L, obj))
	if err := L.DoString(script); err != nil {
		return "", "", err
	}
	ret, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		return "", "", fmt.Errorf("script returned %s, not a table", L.Get(-1).Type())
	}
	return lua.LVAsString(ret.RawGetString("status")), lua.LVAsString(ret.RawGetString("message")), nil
}

// toLua converts decoded JSON (maps, slices, strings, float64, bool) into Lua values;
// nil becomes LNil, so absent and null fields read as nil as in Argo CD.
func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		t := L.NewTable()
		for k, e := range v {
			t.RawSetString(k, toLua(L, e))
		}
		return t
	case []any:
		t := L.NewTable()
		for _, e := range v {
			t.Append(toLua(L, e))
		}
		return t
	case string:
		return lua.LString(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case bool:
		return lua.LBool(v)
	default:
		return lua.LNil
	}
}

// obj builds an object of kind with a generation, status.observedGeneration and
// conditions ("Type=Status/Reason"); observed < 0 leaves status out entirely.
func obj(kind string, generation, observed int, conds ...string) map[string]any {
	o := map[string]any{
		"apiVersion": "koss.io/v1alpha1",
		"kind":       kind,
		"metadata":   map[string]any{"name": "x", "namespace": "default", "generation": float64(generation)},
	}
	if observed < 0 {
		return o
	}
	var list []any
	for _, c := range conds {
		typ, rest, _ := strings.Cut(c, "=")
		status, reason, _ := strings.Cut(rest, "/")
		cond := map[string]any{"type": typ, "status": status, "reason": reason, "message": "msg " + typ}
		if gen, ok := strings.CutSuffix(reason, "@stale"); ok {
			cond["reason"] = gen
			cond["observedGeneration"] = float64(generation - 1)
		} else {
			cond["observedGeneration"] = float64(generation)
		}
		list = append(list, cond)
	}
	status := map[string]any{"observedGeneration": float64(observed)}
	if list != nil {
		status["conditions"] = list
	}
	o["status"] = status
	return o
}

// TestArgoCDHealth runs the Lua health checks of the chart's docs against each state the
// operator reports.
func TestArgoCDHealth(t *testing.T) {
	scripts := argoHealthScripts(t)
	const healthy, progressing, degraded = "Healthy", "Progressing", "Degraded"
	cases := []struct {
		name string
		obj  map[string]any
		want string
		msg  string // a substring of the message, when it matters
	}{
		{"Region without status", obj("Region", 1, -1), progressing, "Waiting for the koss operator"},
		{"Region with empty status", obj("Region", 1, 0), progressing, ""},
		{"Region healthy", obj("Region", 3, 3, "Available=True/QuorumAvailable", "Progressing=False/UpToDate", "Degraded=False/Healthy"), healthy, "QuorumAvailable: msg Available"},
		{"Region spec not observed yet", obj("Region", 4, 3, "Available=True/QuorumAvailable", "Progressing=False/UpToDate", "Degraded=False/Healthy"), progressing, "generation 4"},
		{"Region conditions of an older generation", obj("Region", 4, 4, "Available=True/QuorumAvailable@stale", "Progressing=False/UpToDate@stale"), progressing, ""},
		{"Region creating", obj("Region", 1, 1, "Available=False/Creating", "Progressing=True/RollingOut", "Degraded=True/ReplicasUnavailable"), progressing, "Creating"},
		{"Region creating without Progressing", obj("Region", 1, 1, "Available=False/Creating"), progressing, ""},
		{"Region scaling", obj("Region", 2, 2, "Available=True/QuorumAvailable", "Progressing=True/ScalingUp", "Degraded=True/ReplicasUnavailable"), progressing, "ScalingUp"},
		{"Region rolling out", obj("Region", 2, 2, "Available=True/QuorumAvailable", "Progressing=True/RollingOut", "Degraded=False/Healthy"), progressing, "RollingOut"},
		{"Region below redundancy", obj("Region", 2, 2, "Available=True/QuorumAvailable", "Progressing=False/UpToDate", "Degraded=True/ReplicasUnavailable"), degraded, "ReplicasUnavailable"},
		{"Region under-replicated", obj("Region", 2, 2, "Available=True/QuorumAvailable", "Progressing=False/UpToDate", "Degraded=True/UnderReplicated"), degraded, "UnderReplicated"},
		{"Region without quorum", obj("Region", 2, 2, "Available=False/QuorumUnavailable", "Progressing=False/UpToDate", "Degraded=True/ReplicasUnavailable"), degraded, "QuorumUnavailable"},
		{"Region kossd unreachable", obj("Region", 2, 2, "Available=False/KossdUnreachable", "Progressing=False/UpToDate", "Degraded=Unknown/KossdUnreachable"), degraded, "KossdUnreachable"},
		{"Region availability unknown", obj("Region", 2, 2, "Available=Unknown/KossdUnreachable"), progressing, ""},
		{"Region deletion blocked by Buckets", obj("Region", 2, 2, "Available=True/QuorumAvailable", "Deleting=True/BucketsExist"), progressing, "BucketsExist"},

		{"Bucket without status", obj("Bucket", 1, -1), progressing, ""},
		{"Bucket ready", obj("Bucket", 1, 1, "Ready=True/Provisioned"), healthy, "Provisioned: msg Ready"},
		{"Bucket spec not observed yet", obj("Bucket", 2, 1, "Ready=True/Provisioned"), progressing, "generation 2"},
		{"Bucket condition of an older generation", obj("Bucket", 2, 2, "Ready=True/Provisioned@stale"), progressing, ""},
		{"Bucket waiting for its Region", obj("Bucket", 1, 1, "Ready=False/RegionNotReady"), progressing, "RegionNotReady"},
		{"Bucket being deleted", obj("Bucket", 1, 1, "Ready=False/Deleting"), progressing, ""},
		{"Bucket not created yet", obj("Bucket", 1, 1, "Ready=False/Pending"), progressing, "Pending"},
		{"Bucket name taken", obj("Bucket", 1, 1, "Ready=False/BucketAlreadyExists"), degraded, "BucketAlreadyExists"},
		{"Bucket Region not allowed", obj("Bucket", 1, 1, "Ready=False/RegionNotAllowed"), degraded, ""},
		{"Bucket Region not found", obj("Bucket", 1, 1, "Ready=False/RegionNotFound"), degraded, ""},
		{"Bucket not empty", obj("Bucket", 1, 1, "Ready=False/BucketNotEmpty"), degraded, ""},
		{"Bucket kossd unreachable", obj("Bucket", 1, 1, "Ready=False/KossdUnreachable"), degraded, ""},
		{"Bucket ready unknown", obj("Bucket", 1, 1, "Ready=Unknown/KossdUnreachable"), progressing, ""},

		{"AccessKey without status", obj("AccessKey", 1, -1), progressing, ""},
		{"AccessKey issued", obj("AccessKey", 1, 1, "Ready=True/KeyIssued"), healthy, "KeyIssued"},
		{"AccessKey spec not observed yet", obj("AccessKey", 3, 2, "Ready=True/KeyIssued"), progressing, ""},
		{"AccessKey waiting for a Bucket", obj("AccessKey", 1, 1, "Ready=False/BucketNotReady"), progressing, "BucketNotReady"},
		{"AccessKey waiting for its Region", obj("AccessKey", 1, 1, "Ready=False/RegionNotReady"), progressing, ""},
		{"AccessKey revoking", obj("AccessKey", 1, 1, "Ready=False/Revoking"), progressing, ""},
		{"AccessKey being issued", obj("AccessKey", 1, 1, "Ready=False/Issuing"), progressing, "Issuing"},
		{"AccessKey Bucket of another namespace", obj("AccessKey", 1, 1, "Ready=False/BucketNotFound"), degraded, "BucketNotFound"},
		{"AccessKey Secret conflict", obj("AccessKey", 1, 1, "Ready=False/SecretConflict"), degraded, ""},
		{"AccessKey Bucket in another Region", obj("AccessKey", 1, 1, "Ready=False/BucketInOtherRegion"), degraded, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			script := scripts[tc.obj["kind"].(string)]
			status, msg, err := runHealth(script, tc.obj)
			if err != nil {
				t.Fatalf("script failed: %v", err)
			}
			if status != tc.want {
				t.Errorf("status = %q (%s), want %q", status, msg, tc.want)
			}
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("message = %q, want it to contain %q", msg, tc.msg)
			}
		})
	}
}

// TestArgoCDReasonsDocumented: every Bucket and AccessKey reason of api/v1alpha1 (except
// the Ready=True ones) is classified in the README's health table, so a new reason gets a
// deliberate Progressing or Degraded.
func TestArgoCDReasonsDocumented(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "api", "v1alpha1", "conditions.go"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(chartDir(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for line := range strings.SplitSeq(string(readme), "\n") {
		for _, kind := range []string{"Bucket", "AccessKey"} {
			if strings.HasPrefix(line, "| `"+kind+"` |") {
				rows[kind] = line
			}
		}
	}
	re := regexp.MustCompile(`(?m)^\s*(Bucket|AccessKey)\w*Reason\s*=\s*"(\w+)"`)
	matches := re.FindAllStringSubmatch(string(src), -1)
	if len(matches) == 0 {
		t.Fatal("no reasons found in api/v1alpha1/conditions.go")
	}
	for _, m := range matches {
		kind, reason := m[1], m[2]
		if reason == "Provisioned" || reason == "KeyIssued" {
			continue
		}
		if !strings.Contains(rows[kind], "`"+reason+"`") {
			t.Errorf("reason %s of %s is not in the README's Argo CD health table", reason, kind)
		}
	}
}
