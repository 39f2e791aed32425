package framework

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/koss-io/koss/hack/localkube/localcluster"
)

func TestReadKustomizationOfTheSamples(t *testing.T) {
	root, err := localcluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := ReadKustomization(filepath.Join(root, "config", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.Kind]++
		if o.Name == "" {
			t.Errorf("%s without a name", o.Kind)
		}
	}
	for _, k := range []string{"Region", "Bucket", "AccessKey"} {
		if kinds[k] != 1 {
			t.Errorf("config/samples has %d %s objects, make run and the e2e suite expect one: %v", kinds[k], k, objs)
		}
	}
}

func TestReadKustomizationMultiDocument(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("kustomization.yaml", "resources:\n- a.yaml\n- b.yaml\n")
	write("a.yaml", "# comment\nkind: Region\nmetadata:\n  name: r\n---\nkind: Bucket\nmetadata:\n  name: b1\n")
	write("b.yaml", "kind: AccessKey\nmetadata:\n  name: k\n")
	objs, err := ReadKustomization(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(objs)
	if want := "[region/r bucket/b1 accesskey/k]"; got != want {
		t.Errorf("objects = %s, want %s", got, want)
	}
	write("kustomization.yaml", "resources:\n- missing.yaml\n")
	if _, err := ReadKustomization(dir); err == nil {
		t.Error("a missing resource file was accepted")
	}
}

func TestCredentialsNeverFormatTheSecret(t *testing.T) {
	c := Credentials{AccessKeyID: "KEYID", AccessKeySecret: "TOPSECRET", Endpoint: "http://e:9000", Region: "demo"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, c)
		if strings.Contains(out, "TOPSECRET") || !strings.Contains(out, "KEYID") {
			t.Errorf("%s: %s", format, out)
		}
	}
}

func TestBinariesCheckNamesEveryMissingBinary(t *testing.T) {
	dir := t.TempDir()
	err := Binaries{Images: filepath.Join(dir, "oci"), K8sDir: dir}.Check()
	if err == nil {
		t.Fatal("missing binaries accepted")
	}
	for _, want := range []string{"images", "kube-apiserver", "helm", "make images", "make k8s-tools"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q: %v", want, err)
		}
	}
}

func TestPrefixWriter(t *testing.T) {
	var b bytes.Buffer
	w := prefixWriter(&b, "> ")
	for _, s := range []string{"one\ntw", "o\n", "", "three"} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := b.String(), "> one\n> two\n> three"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
