package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

const usage = `usage:
  osscli [FLAGS] put BUCKET KEY [FILE]   upload FILE (default: standard input)
  osscli [FLAGS] get BUCKET KEY [FILE]   download to FILE (default: standard output)
  osscli [FLAGS] ls BUCKET [PREFIX]      list keys with their sizes
  osscli [FLAGS] rm BUCKET KEY           delete an object
  osscli [FLAGS] soak BUCKET PREFIX      write PREFIX000001, PREFIX000002, ... until --duration or --count,
                                         store the acknowledged keys in PREFIXacknowledged.txt, print a JSON summary

flags (before or after the command):
  --threshold SIZE   put/get larger objects in parts (default 64MiB)
  --part-size SIZE   part size of a multipart put or a ranged get (default 8MiB)
  --parallel N       parts in flight at once (default 4)
  --progress         print progress on standard error even when it is not a terminal
  --ca-file FILE     trust this PEM CA for https:// endpoints (env OSS_CA_FILE)
  --credentials-dir DIR  read the key pair from DIR/OSS_ACCESS_KEY_ID and DIR/OSS_ACCESS_KEY_SECRET
                     (a mounted AccessKey Secret), anew for every request (env OSS_CREDENTIALS_DIR)
  --interval D       soak: wait between writes (default 100ms)
  --duration D       soak: stop after this long (default 1m; none when only --count is given)
  --count N          soak: stop after N writes
SIZE is bytes or a number with K, M, G (KiB, MiB, GiB); D is a Go duration (100ms, 30s, 5m).

environment: OSS_ENDPOINT, OSS_REGION, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_CA_FILE
(` + "`make run`" + ` prints them for the sample AccessKey), OSS_CREDENTIALS_DIR.
credentials, first match wins: workload identity (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN,
ALIBABA_CLOUD_OIDC_TOKEN_FILE, optional ALIBABA_CLOUD_STS_ENDPOINT; SSL_CERT_FILE for a private STS's CA),
then --credentials-dir, then OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET.`

// errUsage means the command line is wrong.
var errUsage = errors.New("wrong arguments")

func main() {
	// SIGTERM too: a pod is stopped with it, and soak then stops early
	// and still reports.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, usage)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "osscli:", err)
		os.Exit(1)
	}
}

// options are the command-line flags.
type options struct {
	threshold int64
	partSize  int64
	parallel  int
	progress  bool
	caFile    string
	credDir   string
	soak      soakOptions
}

// sizeFlag is a byte count given as 1048576, 1M or 1MiB.
type sizeFlag struct{ p *int64 }

func (s sizeFlag) String() string {
	if s.p == nil {
		return ""
	}
	return strconv.FormatInt(*s.p, 10)
}

func (s sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s.p = n
	return nil
}

func parseSize(v string) (int64, error) {
	t := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(v)), "B"), "I")
	mult := int64(1)
	if t != "" {
		switch t[len(t)-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		}
		if mult > 1 {
			t = t[:len(t)-1]
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("size %q: want a positive number of bytes, optionally with K, M or G", v)
	}
	return n * mult, nil
}

// parseArgs reads the flags, which may come before the command, after it,
// or both, and returns the positional arguments.
func parseArgs(args []string, getenv func(string) string) (options, []string, error) {
	o := options{threshold: 64 << 20, partSize: 8 << 20, parallel: 4, caFile: getenv("OSS_CA_FILE"),
		credDir: getenv(envCredentialsDir), soak: soakOptions{interval: 100 * time.Millisecond, duration: time.Minute}}
	fs := flag.NewFlagSet("osscli", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // main prints the usage once
	fs.Var(sizeFlag{&o.threshold}, "threshold", "")
	fs.Var(sizeFlag{&o.partSize}, "part-size", "")
	fs.IntVar(&o.parallel, "parallel", o.parallel, "")
	fs.BoolVar(&o.progress, "progress", false, "")
	fs.StringVar(&o.caFile, "ca-file", o.caFile, "")
	fs.StringVar(&o.credDir, "credentials-dir", o.credDir, "")
	fs.DurationVar(&o.soak.interval, "interval", o.soak.interval, "")
	fs.DurationVar(&o.soak.duration, "duration", o.soak.duration, "")
	fs.IntVar(&o.soak.count, "count", 0, "")
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return o, nil, fmt.Errorf("%w: %w", errUsage, err)
		}
		if fs.NArg() == 0 {
			break
		}
		// flag stops at the first positional argument; keep it and go on
		// so that "put --progress b k f" and "put b k f --progress" work.
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if o.parallel < 1 {
		return o, nil, fmt.Errorf("%w: --parallel must be at least 1", errUsage)
	}
	durationSet := false
	fs.Visit(func(f *flag.Flag) { durationSet = durationSet || f.Name == "duration" })
	switch {
	case o.soak.interval < 0:
		return o, nil, fmt.Errorf("%w: --interval must not be negative", errUsage)
	case o.soak.duration <= 0:
		return o, nil, fmt.Errorf("%w: --duration must be positive", errUsage)
	case o.soak.count < 0:
		return o, nil, fmt.Errorf("%w: --count must not be negative", errUsage)
	case o.soak.count > 0 && !durationSet:
		o.soak.duration = 0 // --count alone: no time limit
	}
	return o, pos, nil
}

// config reads the client settings from the environment and credDir
// (--credentials-dir, may be empty; see selectCredentials) and says where
// the credentials come from. OSS_ENDPOINT and OSS_REGION may also be
// files of credDir, as they are keys of koss's AccessKey Secret; the
// environment wins. log is told when credDir's key pair changes.
func config(getenv func(string) string, credDir string, log io.Writer) (*oss.Config, string, error) {
	endpoint, region := getenv("OSS_ENDPOINT"), getenv("OSS_REGION")
	if credDir != "" {
		if endpoint == "" {
			endpoint, _ = readKeyFile(credDir, "OSS_ENDPOINT")
		}
		if region == "" {
			region, _ = readKeyFile(credDir, "OSS_REGION")
		}
	}
	var missing []string
	if endpoint == "" {
		missing = append(missing, "OSS_ENDPOINT")
	}
	if region == "" {
		missing = append(missing, "OSS_REGION")
	}
	src, keys, err := selectCredentials(getenv, credDir, log)
	if err != nil {
		return nil, "", err
	}
	missing = append(missing, keys...)
	if len(missing) > 0 {
		return nil, "", fmt.Errorf("%s not set (`make run` prints the export lines; the key pair may instead come from "+
			"--credentials-dir or from workload identity's ALIBABA_CLOUD_* variables)", strings.Join(missing, ", "))
	}
	return oss.LoadDefaultConfig().
		WithCredentialsProvider(src.provider).
		WithEndpoint(endpoint).
		WithRegion(region).
		WithUsePathStyle(true).
		WithSignatureVersion(oss.SignatureVersionV4).
		WithConnectTimeout(5 * time.Second), src.desc, nil
}

// httpClient trusts the CA in caFile (PEM) for https:// endpoints, and
// only it: a Region's certificates come from its own CA, and skipping
// verification instead would hand the AccessKey to anyone on the path.
func httpClient(caFile string) (*http.Client, error) {
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--ca-file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, fmt.Errorf("--ca-file %s: no PEM certificate in it", caFile)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	// Parallel parts each hold a connection; keep them for the next part.
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr}, nil
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	o, pos, err := parseArgs(args, os.Getenv)
	if err != nil {
		return err
	}
	if len(pos) < 2 || !knownCommand(pos[0], len(pos)-2) {
		return errUsage
	}
	cfg, source, err := config(os.Getenv, o.credDir, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "osscli: credentials from", source)
	if o.caFile != "" {
		hc, err := httpClient(o.caFile)
		if err != nil {
			return err
		}
		cfg = cfg.WithHttpClient(hc)
	}
	c := oss.NewClient(cfg)
	cmd, bucket, rest := pos[0], pos[1], pos[2:]
	switch {
	case cmd == "put" && (len(rest) == 1 || len(rest) == 2):
		path := ""
		if len(rest) == 2 && rest[1] != "-" {
			path = rest[1]
		}
		return put(ctx, c, o, bucket, rest[0], path, stdin, stderr)
	case cmd == "get" && (len(rest) == 1 || len(rest) == 2):
		path := ""
		if len(rest) == 2 && rest[1] != "-" {
			path = rest[1]
		}
		return get(ctx, c, o, bucket, rest[0], path, stdout, stderr)
	case cmd == "ls" && len(rest) <= 1:
		req := &oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket)}
		if len(rest) == 1 {
			req.Prefix = oss.Ptr(rest[0])
		}
		p := c.NewListObjectsV2Paginator(req)
		for p.HasNext() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, o := range page.Contents {
				fmt.Fprintf(stdout, "%12d  %s  %s\n", o.Size, oss.ToTime(o.LastModified).Format(time.RFC3339), oss.ToString(o.Key))
			}
		}
		return nil
	case cmd == "soak" && len(rest) == 1:
		return soak(ctx, c, o.soak, bucket, rest[0], stdout, stderr)
	case cmd == "rm" && len(rest) == 1:
		_, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(rest[0])})
		return err
	}
	return errUsage
}

// knownCommand says whether cmd takes n arguments after the bucket, so
// that a wrong command line gets the usage before the environment is read.
func knownCommand(cmd string, n int) bool {
	switch cmd {
	case "put", "get":
		return n == 1 || n == 2
	case "ls":
		return n <= 1
	case "rm", "soak":
		return n == 1
	}
	return false
}

// put uploads path (standard input when empty). Up to the threshold it is
// one PutObject; above it (or when standard input turns out longer) the
// v2 SDK's Uploader sends parts in parallel, so that one object is not
// bound to one connection's speed nor retried whole on a failure.
func put(ctx context.Context, c *oss.Client, o options, bucket, key, path string, stdin io.Reader, stderr io.Writer) error {
	body, size := stdin, int64(-1)
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		body = f
	}
	if f, ok := body.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
	}
	if size < 0 {
		// A pipe: read up to the threshold to choose, then send what was
		// read followed by the rest.
		head, err := io.ReadAll(io.LimitReader(body, o.threshold+1))
		if err != nil {
			return err
		}
		if int64(len(head)) <= o.threshold {
			size = int64(len(head))
		}
		body = io.MultiReader(bytes.NewReader(head), body)
	}
	pr := newProgress(stderr, o.progress, "put", size)
	counted := &countingReader{r: body}
	var etag string
	if size >= 0 && size <= o.threshold {
		res, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: counted,
			ProgressFn: pr.update})
		if err != nil {
			pr.finish()
			return err
		}
		etag = oss.ToString(res.ETag)
	} else {
		u := c.NewUploader(func(uo *oss.UploaderOptions) { uo.PartSize = o.partSize; uo.ParallelNum = o.parallel })
		res, err := u.UploadFrom(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), ProgressFn: pr.update}, counted)
		if err != nil {
			pr.finish()
			return err
		}
		etag = oss.ToString(res.ETag)
	}
	pr.finish()
	fmt.Fprintf(stderr, "put %s/%s: %d bytes, ETag %s\n", bucket, key, counted.n, etag)
	return nil
}

// get downloads to path (standard output when empty). A file larger than
// the threshold is fetched by the v2 SDK's Downloader as ranged GETs in
// parallel; standard output cannot be written out of order, so it gets
// one stream.
func get(ctx context.Context, c *oss.Client, o options, bucket, key, path string, stdout, stderr io.Writer) error {
	if path != "" {
		head, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
		if err != nil {
			return err
		}
		if head.ContentLength > o.threshold {
			pr := newProgress(stderr, o.progress, "get", head.ContentLength)
			d := c.NewDownloader(func(do *oss.DownloaderOptions) { do.PartSize = o.partSize; do.ParallelNum = o.parallel })
			_, err := d.DownloadFile(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), ProgressFn: pr.update}, path)
			pr.finish()
			return err
		}
	}
	res, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		return err
	}
	defer func() { _ = res.Body.Close() }()
	out := stdout
	if path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		out = f
	}
	pr := newProgress(stderr, o.progress, "get", res.ContentLength)
	_, err = io.Copy(out, &countingReader{r: res.Body, fn: pr.update})
	pr.finish()
	return err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r  io.Reader
	n  int64
	fn oss.ProgressFunc // optional
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.fn != nil && n > 0 {
		c.fn(int64(n), c.n, -1)
	}
	return n, err
}
