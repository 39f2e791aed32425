package main

// The S3 rows: the same PUT, GET and multipart measurements as the OSS
// rows, against the same nodes in the same run, through aws-sdk-go-v2
// built with config.LoadDefaultConfig and set to send what the OSS rows'
// client sends (newS3Client says what and why). Each S3 row is compared
// with its OSS row: the goal is the S3 dialect within 10% of the OSS one,
// operation for operation.
//
// The clients still differ in their own cost per request: the SDK's
// middleware stack costs several times the OSS rows' bare net/http client
// on 4 KiB requests, and on a shared 2-core machine client and server
// compete for the same cores, so part of a gap on small objects is the
// client's (doc.go).

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/koss-io/koss/test/kossdproc"
)

// s3Suffix marks an S3 row's target: "kossd 1 node (S3, unsigned, no
// CRC)" is the S3 dialect of "kossd 1 node", through a client that sends
// x-amz-content-sha256 UNSIGNED-PAYLOAD and no x-amz-checksum-* (newS3Client).
const s3Suffix = " (S3, unsigned, no CRC)"

// s3MinShare is the goal: an S3 row reaches at least this share of its
// OSS row's ops/s.
const s3MinShare = 0.9

// newS3Client returns a client of endpoint: aws-sdk-go-v2 built with
// config.LoadDefaultConfig, then set to do on the wire what the OSS rows'
// client does, so that the two rows differ only in the server's dialect:
//
//   - its transport keeps 64 idle connections per host, as the OSS rows'
//     client does (the SDK's default keeps 10, and 16 clients would then
//     reconnect for every request);
//   - request checksums and response validation only "when required"
//     (config.WithRequestChecksumCalculation, WithResponseChecksumValidation):
//     by default the SDK sends a CRC32 of every upload, which the server
//     verifies, and checks the CRC of every download; the OSS rows send
//     no digest and check none;
//   - the payload is not hashed for the signature: x-amz-content-sha256 is
//     UNSIGNED-PAYLOAD, the SDK's documented middleware swap
//     (v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware). Over
//     HTTPS the SDK sends an unsigned payload by default; over plain HTTP
//     it would hash every body with SHA-256, and the server would hash it
//     again to verify it, while the OSS rows' V1 signature covers no body;
//   - no "Expect: 100-continue" (ContinueHeaderThresholdBytes -1): the SDK
//     sends it on bodies above 2 MiB and waits for the server's interim
//     answer before the body, a round trip the OSS rows' client never
//     waits for.
//
// What is left is the SDK's own cost per request (its middleware stack,
// endpoint rules, SigV4 of the headers), which no option turns off: on
// 4 KiB requests it is the larger part of the client's CPU (doc.go).
func newS3Client(ctx context.Context, endpoint string) *s3.Client {
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.MaxIdleConnsPerHost = 64 })
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(awscreds.NewStaticCredentialsProvider(kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret, "")),
		config.WithHTTPClient(httpClient),
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
		// A failed call is counted, not retried: retries would hide errors
		// in the figures.
		config.WithRetryMaxAttempts(1),
	)
	if err != nil {
		fail(fmt.Errorf("S3 client: %w", err))
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
		o.ContinueHeaderThresholdBytes = -1
		o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
	})
}

// measureS3 runs, through the S3 dialect of target's endpoints, PUT then
// GET for every size and client count as measureNode does (worker w talks
// to endpoints[w % len(endpoints)]).
func measureS3(target string, endpoints []string, pids []int, sizes, clients []int, d time.Duration) []result {
	ctx := context.Background()
	target += s3Suffix
	cs := make([]*s3.Client, len(endpoints))
	for i, e := range endpoints {
		cs[i] = newS3Client(ctx, e)
	}
	bucket := fmt.Sprintf("bench-s3-%d", time.Now().UnixNano())
	if _, err := cs[0].CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		fail(fmt.Errorf("S3 create bucket: %w", err))
	}
	replicas := min(len(endpoints), 3)
	var out []result
	for _, size := range sizes {
		body := make([]byte, size)
		_, _ = rand.Read(body)
		for _, n := range clients {
			r := withServerCPU(pids, func() result {
				return runFor(target, "PUT", size, n, d, func(worker int, i int64) error {
					_, err := cs[worker%len(cs)].PutObject(ctx, &s3.PutObjectInput{
						Bucket: aws.String(bucket), Key: aws.String(key(size, worker, i)), Body: bytes.NewReader(body),
					})
					return err
				})
			})
			r.nodes = replicas
			progress(r)
			out = append(out, r)
		}
		// Read back what the single-client run wrote, from every reader.
		for _, n := range clients {
			r := withServerCPU(pids, func() result {
				return runFor(target, "GET", size, n, d, func(worker int, i int64) error {
					o, err := cs[worker%len(cs)].GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key(size, 0, i%8))})
					if err != nil {
						return err
					}
					defer func() { _ = o.Body.Close() }() // drained below; a failed read is the error
					_, err = io.Copy(io.Discard, o.Body)
					return err
				})
			})
			progress(r)
			out = append(out, r)
		}
	}
	return out
}

// s3Upload uploads a size-byte object with the SDK's manager.Uploader,
// multipartPartSize parts, parallel at once, timed from
// CreateMultipartUpload to Complete (what an application's upload of a
// file costs); each call uploads a new key of one bucket.
func s3Upload(endpoint string, size int64, parallel int) uploadFunc {
	ctx := context.Background()
	c := newS3Client(ctx, endpoint)
	bucket := fmt.Sprintf("bench-s3-mp-%d", time.Now().UnixNano())
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		fail(fmt.Errorf("S3 create bucket: %w", err))
	}
	// The Uploader has its own checksum setting, CRC32 on every part unless
	// told otherwise; the client's "when required" does not reach it.
	//nolint:staticcheck // manager is deprecated for the v0 transfermanager, but it is what applications (Velero among them) upload with today.
	u := manager.NewUploader(c, func(u *manager.Uploader) {
		u.PartSize = multipartPartSize
		u.Concurrency = parallel
		u.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	})
	round := 0
	return func() (time.Duration, error) {
		round++
		start := time.Now()
		// A ReaderAt+Seeker: the Uploader reads each part where it lies, as it
		// does a file, instead of buffering it.
		_, err := u.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("%s-%d", human(int(size)), round)), //nolint:staticcheck // the manager Uploader, as above
			Body: io.NewSectionReader(newPattern(), 0, size)})
		return time.Since(start), err
	}
}

// printS3Targets prints, for every S3 row of results, its goal (within
// 10% of the OSS row of the same target, operation, size and clients)
// with this run's share. A miss is reported, not failed, as printTargets
// does.
func printS3Targets(results []result) {
	fmt.Println()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Println("S3 rows: aws-sdk-go-v2 from config.LoadDefaultConfig; UNSIGNED-PAYLOAD, checksums and response validation when required,")
	fmt.Println("no Expect: 100-continue, 64 idle connections per host: on the wire what the OSS rows' client sends (test/bench/doc.go)")
	fmt.Fprintln(tw, "goal (S3 dialect)\tthis run\t\tserver CPU/op, S3 vs OSS\t")
	for _, r := range results {
		base, ok := strings.CutSuffix(r.target, s3Suffix)
		if !ok {
			continue
		}
		clients := fmt.Sprintf("%d clients", r.clients)
		if r.clients == 1 {
			clients = "1 client"
		}
		what := fmt.Sprintf("%s %s, %s", human(r.size), r.op, clients)
		if r.op == opMultipart {
			what = fmt.Sprintf("%s multipart upload (%s parts, %d in flight)", human(r.size), human(multipartPartSize), r.clients)
		}
		got, verdict, cpu := "no OSS row", "MISSED", ""
		for _, o := range results {
			if o.target != base || o.op != r.op || o.size != r.size || o.clients != r.clients {
				continue
			}
			if sc, oc := r.serverCPUPerOp(), o.serverCPUPerOp(); sc > 0 && oc > 0 {
				cpu = fmt.Sprintf("%v vs %v (%.0f%%)", sc.Round(time.Microsecond), oc.Round(time.Microsecond), 100*float64(sc)/float64(oc))
			}
			if o.opsPerSec() > 0 {
				share := r.opsPerSec() / o.opsPerSec()
				if r.rawMiBps > 0 && o.rawMiBps > 0 {
					// Uploads measured a minute apart: each against the raw
					// disk of its own moment (multipart.go).
					share = (r.mibPerSec() / r.rawMiBps) / (o.mibPerSec() / o.rawMiBps)
				}
				got = fmt.Sprintf("%.0f%% of OSS", 100*share)
				if share >= s3MinShare && r.errors == 0 {
					verdict = "met"
				}
			}
		}
		fmt.Fprintf(tw, "%s: %s via S3 >= %.0f%% of OSS\t%s\t%s\t%s\t\n", base, what, 100*s3MinShare, got, verdict, cpu)
	}
	tw.Flush()
}
