package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadImages(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "images.yaml")
	content := `images:
- prefix: koss/kossd
  binary: bin/kossd
- prefix: example.com/tool
  binary: /usr/local/bin/tool
  args: ["serve"]
`
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	images, err := loadImages(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 2 || images[0].Binary != filepath.Join(dir, "bin/kossd") || images[1].Binary != "/usr/local/bin/tool" || images[1].Args[0] != "serve" {
		t.Errorf("images = %+v", images)
	}
	for name, bad := range map[string]string{
		"unknown field":  "images:\n- prefix: a\n  binary: b\n  bogus: 1\n",
		"missing binary": "images:\n- prefix: a\n",
	} {
		if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := loadImages(path); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	var f imageFlags
	if err := f.Set("koss/manager=bin/manager"); err != nil || len(f) != 1 || !filepath.IsAbs(f[0].Binary) {
		t.Errorf("flag: %+v %v", f, err)
	}
	if err := f.Set("nobinary"); err == nil {
		t.Error("flag without = accepted")
	}
}
