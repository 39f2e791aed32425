package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/koss-io/koss/test/kossdproc"
)

var (
	// kossdBin is the kossd binary under test, shared by every test here.
	kossdBin string
	// node is what the tests that do not kill it share: one kossd process,
	// or with KOSS_TEST_NODES=N (N > 1) a `kossd dev --nodes N` Region
	// behind its one endpoint, which spreads connections over the nodes.
	node sharedNode
	// workDir holds the binary, data directories and logs of this run.
	workDir string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	workDir, err = os.MkdirTemp("", "koss-storage-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(workDir)
		}
	}()
	kossdBin, err = kossdproc.Binary(workDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if n, _ := strconv.Atoi(os.Getenv("KOSS_TEST_NODES")); n > 1 {
		node, err = startDevRegion(kossdBin, workDir, n)
	} else {
		node, err = kossdproc.Start(context.Background(), kossdproc.Options{
			Binary:  kossdBin,
			DataDir: filepath.Join(workDir, "shared-node"),
		})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	node.Stop()
	if code != 0 {
		keep = true
		fmt.Fprintf(os.Stderr, "kept %s for inspection (kossd logs are there)\n", workDir)
	}
	return code
}

var bucketSeq atomic.Int64

// newBucketName returns a fresh valid bucket name, unique in this run.
func newBucketName(t testing.TB) string {
	t.Helper()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	name := strings.ToLower(fmt.Sprintf("t%d-%s-%s", bucketSeq.Add(1), hex.EncodeToString(b), sanitize(t.Name())))
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	return name
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

type (
	netConn   = net.Conn
	netDialer = net.Dialer
)

func rootCreds() credentials.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
}
