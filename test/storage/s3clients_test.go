package storage

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/koss-io/koss/test/kossdproc"
)

// The S3 tools platform teams already run, each doing a real job against
// the S3 dialect: the aws CLI, rclone and restic, as Debian packages them.
// Under `make test` (KOSS_REQUIRE_S3_CLIENTS=1, and .ci/run installs them) a
// missing tool fails the test; run alone, it is skipped with the reason.

// s3Tool returns the path of a command the test needs.
func s3Tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("KOSS_REQUIRE_S3_CLIENTS") == "1" {
			t.Fatalf("%s is not installed (apt-get install awscli rclone restic)", name)
		}
		t.Skipf("%s is not installed (apt-get install awscli rclone restic)", name)
	}
	return p
}

// runTool runs a command with env added to a clean environment (no
// credentials or config of the machine's user leak in) and returns its
// standard output; a failure ends the test with everything it printed.
func runTool(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	home := t.TempDir()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + home, "LANG=C.UTF-8"}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(name), strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// writeTree fills dir with a small tree of files whose names need
// escaping (spaces, unicode, a plus, nested directories) and whose sizes
// straddle the tools' single-request and multipart thresholds where asked.
func writeTree(t *testing.T, dir string, withLarge bool) map[string][]byte {
	t.Helper()
	files := map[string][]byte{
		"a.txt":                   []byte("hello\n"),
		"empty":                   {},
		"dir one/b c.bin":         randomBytes(70 << 10),
		"dir one/sub/ünïcode.txt": []byte("ünïcode\n"),
		"dir one/sub/plus+sign":   randomBytes(1 << 20),
		"z/deeper/still/d.bin":    randomBytes(3<<20 + 17),
	}
	if withLarge {
		files["z/large.bin"] = randomBytes(20<<20 + 5)
	}
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// sameTree fails the test unless dir holds exactly want, byte for byte.
func sameTree(t *testing.T, dir string, want map[string][]byte) {
	t.Helper()
	got := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		got[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s: missing", name)
		case !bytes.Equal(g, b):
			t.Errorf("%s: %d bytes differ from the %d written", name, len(g), len(b))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: not written, but there", name)
		}
	}
}

// TestAWSCLI drives the aws CLI through the jobs people use it for: make a
// bucket, copy a 100 MiB file up (a multipart upload) and down, list,
// sync a tree both ways, presign a GET, remove.
func TestAWSCLI(t *testing.T) {
	aws := s3Tool(t, "aws")
	work := t.TempDir()
	config := filepath.Join(work, "config")
	// Path style: the endpoint is an address, not a name with bucket subdomains.
	if err := os.WriteFile(config, []byte("[default]\nregion = "+kossdproc.Region+"\ns3 =\n    addressing_style = path\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"AWS_ACCESS_KEY_ID=" + kossdproc.RootAccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + kossdproc.RootAccessKeySecret,
		"AWS_CONFIG_FILE=" + config,
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(work, "no-credentials"),
	}
	cli := func(args ...string) string {
		t.Helper()
		return runTool(t, env, aws, append([]string{"--endpoint-url", node.Endpoint()}, args...)...)
	}
	bucket := newBucketName(t)
	cli("s3", "mb", "s3://"+bucket)
	if out := cli("s3", "ls"); !strings.Contains(out, bucket) {
		t.Fatalf("aws s3 ls does not list %s:\n%s", bucket, out)
	}

	big := randomBytes(100<<20 + 3)
	upPath, downPath := filepath.Join(work, "big.bin"), filepath.Join(work, "big.down")
	if err := os.WriteFile(upPath, big, 0o644); err != nil {
		t.Fatal(err)
	}
	cli("s3", "cp", "--no-progress", upPath, "s3://"+bucket+"/big.bin")
	head := cli("s3api", "head-object", "--bucket", bucket, "--key", "big.bin")
	if !strings.Contains(head, `"ContentLength": 104857603`) || !strings.Contains(head, `-13\"`) {
		// 100 MiB in the CLI's 8 MiB parts: a 13-part multipart ETag.
		t.Fatalf("head-object after a 100 MiB cp is not a 13-part multipart object:\n%s", head)
	}
	cli("s3", "cp", "--no-progress", "s3://"+bucket+"/big.bin", downPath)
	if b, err := os.ReadFile(downPath); err != nil || !bytes.Equal(b, big) {
		t.Fatalf("the 100 MiB file came back different (%d bytes, %v)", len(b), err)
	}

	src, back := filepath.Join(work, "tree"), filepath.Join(work, "tree.back")
	files := writeTree(t, src, true)
	cli("s3", "sync", "--no-progress", src, "s3://"+bucket+"/tree/")
	listing := cli("s3", "ls", "--recursive", "s3://"+bucket+"/tree/")
	if n := strings.Count(strings.TrimSpace(listing), "\n") + 1; n != len(files) {
		t.Fatalf("aws s3 ls --recursive lists %d objects after a sync of %d files:\n%s", n, len(files), listing)
	}
	cli("s3", "sync", "--no-progress", "s3://"+bucket+"/tree/", back)
	sameTree(t, back, files)
	// A second sync has nothing to copy: sizes and times match.
	if out := cli("s3", "sync", "--no-progress", src, "s3://"+bucket+"/tree/"); strings.TrimSpace(out) != "" {
		t.Fatalf("a repeated sync copied again:\n%s", out)
	}

	url := strings.TrimSpace(cli("s3", "presign", "--expires-in", "300", "s3://"+bucket+"/tree/a.txt"))
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "hello\n" {
		t.Fatalf("GET of the presigned URL: %d %q", resp.StatusCode, body)
	}
	// The same URL with its signature altered is refused.
	i := strings.Index(url, "X-Amz-Signature=") + len("X-Amz-Signature=")
	flip := map[byte]byte{'0': '1'}[url[i]]
	if flip == 0 {
		flip = '0'
	}
	bad := url[:i] + string(flip) + url[i+1:]
	if resp, err := http.Get(bad); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("GET of a tampered presigned URL: %v %v", resp.StatusCode, err)
	}

	cli("s3", "rm", "s3://"+bucket+"/big.bin")
	cli("s3", "rm", "--recursive", "s3://"+bucket+"/tree/")
	cli("s3", "rb", "s3://"+bucket)
	if out := cli("s3", "ls"); strings.Contains(out, bucket) {
		t.Fatalf("aws s3 rb left %s listed:\n%s", bucket, out)
	}
}

// TestRclone syncs a tree into a bucket with rclone's S3 backend, checks
// it (sizes and MD5s against the ETags), copies it back and compares.
func TestRclone(t *testing.T) {
	rclone := s3Tool(t, "rclone")
	work := t.TempDir()
	env := []string{
		"RCLONE_CONFIG=" + filepath.Join(work, "rclone.conf"),
		"RCLONE_CONFIG_KOSS_TYPE=s3",
		"RCLONE_CONFIG_KOSS_PROVIDER=Other",
		"RCLONE_CONFIG_KOSS_ACCESS_KEY_ID=" + kossdproc.RootAccessKeyID,
		"RCLONE_CONFIG_KOSS_SECRET_ACCESS_KEY=" + kossdproc.RootAccessKeySecret,
		"RCLONE_CONFIG_KOSS_ENDPOINT=" + node.Endpoint(),
		"RCLONE_CONFIG_KOSS_REGION=" + kossdproc.Region,
		"RCLONE_CONFIG_KOSS_FORCE_PATH_STYLE=true",
	}
	rc := func(args ...string) string {
		t.Helper()
		return runTool(t, env, rclone, args...)
	}
	bucket := newBucketName(t)
	src, back := filepath.Join(work, "tree"), filepath.Join(work, "tree.back")
	files := writeTree(t, src, true)
	rc("mkdir", "koss:"+bucket)
	rc("sync", src, "koss:"+bucket+"/tree")
	rc("check", src, "koss:"+bucket+"/tree")
	rc("copy", "koss:"+bucket+"/tree", back)
	sameTree(t, back, files)

	// A changed and a deleted file: sync makes the bucket match again.
	files["a.txt"] = []byte("changed\n")
	if err := os.WriteFile(filepath.Join(src, "a.txt"), files["a.txt"], 0o644); err != nil {
		t.Fatal(err)
	}
	delete(files, "empty")
	if err := os.Remove(filepath.Join(src, "empty")); err != nil {
		t.Fatal(err)
	}
	rc("sync", src, "koss:"+bucket+"/tree")
	rc("check", src, "koss:"+bucket+"/tree")
	if out := rc("lsf", "-R", "--files-only", "koss:"+bucket+"/tree"); strings.Count(out, "\n") != len(files) {
		t.Fatalf("rclone lsf lists %d files, want %d:\n%s", strings.Count(out, "\n"), len(files), out)
	}
	rc("purge", "koss:"+bucket)
}

// TestRestic backs a tree up into a bucket with restic (minio-go inside),
// checks the repository reading every pack back, restores and compares.
func TestRestic(t *testing.T) {
	restic := s3Tool(t, "restic")
	work := t.TempDir()
	bucket := newBucketName(t)
	env := []string{
		"AWS_ACCESS_KEY_ID=" + kossdproc.RootAccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + kossdproc.RootAccessKeySecret,
		"RESTIC_REPOSITORY=s3:" + node.Endpoint() + "/" + bucket + "/restic",
		"RESTIC_PASSWORD=correct horse battery staple",
		"RESTIC_CACHE_DIR=" + filepath.Join(work, "cache"),
	}
	rs := func(args ...string) string {
		t.Helper()
		return runTool(t, env, restic, args...)
	}
	src, restored := filepath.Join(work, "tree"), filepath.Join(work, "restored")
	files := writeTree(t, src, true)
	rs("init")
	rs("backup", "--host", "test", src)
	// A second backup of the same tree adds nothing new.
	rs("backup", "--host", "test", src)
	rs("check", "--read-data")
	if out := rs("snapshots", "--compact"); !strings.Contains(out, "2 snapshots") {
		t.Fatalf("restic snapshots after two backups:\n%s", out)
	}
	rs("restore", "latest", "--target", restored)
	sameTree(t, filepath.Join(restored, src), files)
	rs("forget", "--keep-last", "1", "--prune")
	rs("check")
}
