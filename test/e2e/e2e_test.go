package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/hack/localkube/framework"
	"github.com/koss-io/koss/hack/localkube/kubelet"
	"github.com/koss-io/koss/hack/localkube/localcluster"
	"github.com/koss-io/koss/storage/adminclient"
	"github.com/koss-io/koss/storage/pki"
)

// namespace holds the samples and everything the suite creates.
const namespace = "e2e"

// otherBucket is a Bucket the sample AccessKey has no grant on.
const otherBucket = "e2e-not-granted"

var _ = Describe("Operator", Ordered, ContinueOnFailure, func() {
	var (
		env      *framework.Env
		stateDir string
		failed   bool

		// Names read from config/samples.
		regionName, bucketName, accessKeyName string
		// manifests are the kubectl arguments (-k dir, -f file) of what the
		// suite applied; the no-drift spec re-applies every one server-side.
		manifests [][]string

		userCreds framework.Credentials
		rootCreds framework.Credentials
		// imagesDir is the process kubelets' image store (an OCI layout).
		imagesDir string
		// objects are what the sample bucket must hold: every acknowledged
		// write that was not deleted since.
		objects = map[string]digest{}
	)

	BeforeAll(func(ctx SpecContext) {
		start := time.Now()
		root, err := localcluster.RepoRoot()
		Expect(err).NotTo(HaveOccurred(), "finding the koss checkout")

		bins := framework.DefaultBinaries(root)
		if os.Getenv("KOSS_IMAGES") == "" {
			// Build the images from this checkout (this machine's platform
			// only), so the suite never runs stale ones; `make test-e2e`
			// passes those of `make images` instead.
			bins.Images, err = framework.BuildImages(ctx, root, GinkgoT().TempDir(), "linux/"+runtime.GOARCH, GinkgoWriter)
			must(err)
		}
		must(bins.Check())
		imagesDir = bins.Images

		stateDir, err = os.MkdirTemp("", "koss-e2e-")
		must(err)
		By("starting a local control plane with 3 process kubelets in " + stateDir)
		env, err = framework.Start(ctx, framework.Options{
			Root:     root,
			StateDir: stateDir,
			Nodes:    3,
			Binaries: bins,
			Logger:   slog.New(slog.NewTextHandler(GinkgoWriter, nil)),
		})
		must(err)
		DeferCleanup(func() {
			Expect(env.Stop()).To(Succeed())
			if failed || os.Getenv("KOSS_E2E_KEEP") == "1" {
				fmt.Fprintf(GinkgoWriter, "kept the e2e cluster's state (logs, pods) in %s\n", stateDir)
				return
			}
			Expect(os.RemoveAll(stateDir)).To(Succeed())
		})
		fmt.Fprintf(GinkgoWriter, "cluster up after %v\n", time.Since(start).Round(time.Second))

		By("helm install charts/koss")
		_, err = env.InstallChart(ctx, 3*time.Minute)
		must(err)
		var deploys appsv1.DeploymentList
		Expect(env.Client.List(ctx, &deploys, client.InNamespace(framework.ReleaseNamespace))).To(Succeed())
		Expect(deploys.Items).To(HaveLen(1), "the chart installs one operator Deployment")
		Expect(deploys.Items[0].Spec.Template.Spec.Containers[0].Image).To(HavePrefix(framework.ManagerImage))
		Expect(deploys.Items[0].Status.AvailableReplicas).To(BeNumerically(">=", 1), "helm --wait returned before the operator was available")
		fmt.Fprintf(GinkgoWriter, "operator available after %v\n", time.Since(start).Round(time.Second))

		By("kubectl apply the samples and a Bucket the sample AccessKey has no grant on")
		samples, err := env.Samples()
		must(err)
		for _, o := range samples {
			switch o.Kind {
			case "Region":
				regionName = o.Name
			case "Bucket":
				bucketName = o.Name
			case "AccessKey":
				accessKeyName = o.Name
			}
		}
		Expect([]string{regionName, bucketName, accessKeyName}).NotTo(ContainElement(""),
			"config/samples must hold a Region, a Bucket and an AccessKey: %v", samples)
		// The samples' namespace enforces the restricted Pod Security Standard, as a
		// platform team's would: a kossd pod that broke it would be refused.
		must(env.RestrictNamespace(ctx, namespace))
		_, err = env.ApplySamples(ctx, namespace)
		must(err)
		other := filepath.Join(stateDir, "other-bucket.yaml")
		Expect(os.WriteFile(other, fmt.Appendf(nil, `apiVersion: koss.io/v1alpha1
kind: Bucket
metadata:
  name: %s
spec:
  regionRef:
    name: %s
`, otherBucket, regionName), 0o644)).To(Succeed())
		_, err = env.Kubectl(ctx, "apply", "--server-side", "-n", namespace, "-f", other)
		must(err)
		manifests = [][]string{{"-k", env.SamplesDir()}, {"-f", other}}

		By("kubectl wait for the Region to be Available and the Buckets and AccessKey to be Ready")
		_, err = env.Kubectl(ctx, "wait", "-n", namespace, "--for=condition=Available", "region/"+regionName, "--timeout=3m")
		must(err)
		_, err = env.Kubectl(ctx, "wait", "-n", namespace, "--for=condition=Ready",
			"bucket/"+bucketName, "bucket/"+otherBucket, "accesskey/"+accessKeyName, "--timeout=2m")
		must(err)
		// Every pod ready too, so the first scenarios start from a whole Region.
		Expect(env.WaitReady(ctx, namespace, append(samples, framework.Object{Kind: "Bucket", Name: otherBucket}),
			3*time.Minute, GinkgoWriter)).To(Succeed())
		fmt.Fprintf(GinkgoWriter, "samples ready after %v\n", time.Since(start).Round(time.Second))

		userCreds, err = env.AccessKeyCredentials(ctx, namespace, accessKeyName)
		must(err)
		rootCreds, err = env.RootCredentials(ctx, namespace, regionName)
		must(err)
	}, NodeTimeout(10*time.Minute))

	AfterEach(func() {
		if !CurrentSpecReport().Failed() {
			return
		}
		failed = true
		if env != nil {
			env.Dump(GinkgoWriter, 200, namespace)
		}
	})

	// regionState reads the sample Region.
	regionState := func(ctx context.Context) (*kossv1alpha1.Region, error) {
		var r kossv1alpha1.Region
		err := env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: regionName}, &r)
		return &r, err
	}

	// admin is the Region's admin API with the root key.
	admin := func() *adminclient.Client {
		c, err := adminclient.New(rootCreds.Endpoint, rootCreds.AccessKeyID, rootCreds.AccessKeySecret,
			adminclient.WithHTTPClient(env.HTTPClientTrusting(rootCreds.CACert)))
		must(err)
		return c
	}

	// everyPodHasObjects reads every object the sample bucket must hold
	// through each ready pod of the Region in turn.
	everyPodHasObjects := func(ctx context.Context) {
		GinkgoHelper()
		eps, err := podEndpoints(ctx, env, namespace, regionName)
		must(err)
		Expect(eps).NotTo(BeEmpty())
		for pod, ep := range eps {
			c := userCreds
			c.Endpoint = ep
			Expect(checkObjects(ctx, env.OSSClient(c), bucketName, objects)).To(BeEmpty(),
				"objects missing or different when read through pod %s (%d objects checked)", pod, len(objects))
		}
	}

	It("runs the operator and the Region in restricted namespaces, which refuse a pod that breaks the standard", func(ctx SpecContext) {
		for _, ns := range []string{framework.ReleaseNamespace, namespace} {
			var n corev1.Namespace
			Expect(env.Client.Get(ctx, client.ObjectKey{Name: ns}, &n)).To(Succeed())
			Expect(n.Labels).To(HaveKeyWithValue("pod-security.kubernetes.io/enforce", "restricted"), "namespace %s", ns)
			// Enforcement is live, not a label nobody reads: a privileged pod is refused.
			bad := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "breaks-restricted"},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "c", Image: framework.KossdImage,
					SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)},
				}}},
			}
			err := env.Client.Create(ctx, bad)
			Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a privileged pod in %s: %v, want Forbidden by Pod Security admission", ns, err)
		}
		// The Region's pods were admitted there, so they meet the standard.
		eps, err := podEndpoints(ctx, env, namespace, regionName)
		must(err)
		Expect(eps).NotTo(BeEmpty())
	})

	It("writes the AccessKey's credentials into its Secret, for envFrom and for SDKs", func(ctx SpecContext) {
		var region kossv1alpha1.Region
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: regionName}, &region)).To(Succeed())
		Expect(userCreds.Endpoint).To(Equal(region.Status.Endpoints.Internal), "the Secret's endpoint is the Region's internal endpoint")
		Expect(userCreds.Endpoint).To(Equal(fmt.Sprintf("https://%s.%s.svc.cluster.local:9000", regionName, namespace)),
			"the sample Region serves TLS by default")
		Expect(userCreds.Region).To(Equal(regionName))
		var s corev1.Secret
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: accessKeyName}, &s)).To(Succeed())
		for _, k := range []string{"OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_ENDPOINT", "OSS_REGION"} {
			Expect(s.Data).To(HaveKey(k), "Secret %s has no %s for envFrom", s.Name, k)
		}
		Expect(string(s.Data["OSS_ACCESS_KEY_ID"])).To(Equal(userCreds.AccessKeyID))
		Expect(bytes.Equal(s.Data["OSS_ACCESS_KEY_SECRET"], s.Data["accessKeySecret"])).To(BeTrue(), "OSS_ACCESS_KEY_SECRET and accessKeySecret differ")
		owner := metav1.GetControllerOf(&s)
		Expect(owner).NotTo(BeNil(), "the Secret has no controller owner")
		Expect(owner.Kind).To(Equal("AccessKey"))
		Expect(owner.Name).To(Equal(accessKeyName))
	})

	It("serves TLS by default: the Secret's https endpoint and ca.crt work with the OSS SDK, plain HTTP and other CAs do not, and the peer port wants the Region's certificate", func(ctx SpecContext) {
		var s, regionTLS corev1.Secret
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: accessKeyName}, &s)).To(Succeed())
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: regionName + "-tls"}, &regionTLS)).To(Succeed())
		endpoint := string(s.Data["endpoint"])
		for _, k := range []string{"endpoint", "OSS_ENDPOINT", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"} {
			Expect(string(s.Data[k])).To(HavePrefix("https://"), "Secret key %s", k)
		}
		ca := s.Data["ca.crt"]
		Expect(ca).NotTo(BeEmpty(), "the AccessKey Secret has no ca.crt")
		Expect(ca).To(Equal(regionTLS.Data["ca.crt"]), "the AccessKey Secret's ca.crt is not the Region's CA")
		Expect(s.Data).NotTo(HaveKey("tls.key"), "a client's Secret holds the pods' private key")

		sdk := func(hc *http.Client) *oss.Client {
			return oss.NewClient(oss.LoadDefaultConfig().
				WithCredentialsProvider(credentials.NewStaticCredentialsProvider(string(s.Data["OSS_ACCESS_KEY_ID"]), string(s.Data["OSS_ACCESS_KEY_SECRET"]))).
				WithRegion(string(s.Data["OSS_REGION"])).
				WithEndpoint(string(s.Data["OSS_ENDPOINT"])).
				WithUsePathStyle(true).
				WithSignatureVersion(oss.SignatureVersionV4).
				WithRetryMaxAttempts(1).
				WithConnectTimeout(5 * time.Second).
				WithHttpClient(hc))
		}

		By("the OSS Go SDK v2 with an http.Client trusting only the Secret's ca.crt: PUT and GET over https")
		trusted := env.HTTPClientTrusting(ca)
		c := sdk(trusted)
		body := []byte("written over TLS, verified against the Region's CA\n")
		Expect(put(ctx, c, bucketName, "tls/hello.txt", body)).To(Succeed())
		Expect(get(ctx, c, bucketName, "tls/hello.txt")).To(Equal(body))
		objects["tls/hello.txt"] = digestOf(body)

		By("GetBucketInfo names the client Service as the bucket's intranet endpoint")
		info, err := c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(bucketName)})
		Expect(err).NotTo(HaveOccurred())
		Expect(oss.ToString(info.BucketInfo.IntranetEndpoint)).To(Equal(regionName + "." + namespace + ".svc.cluster.local:9000"))

		By("plain HTTP to the TLS port is refused, never served")
		plainURL := strings.Replace(endpoint, "https://", "http://", 1) + "/" + bucketName + "/tls/hello.txt"
		resp, err := env.HTTPClient().Get(plainURL)
		if err == nil {
			got, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusBadRequest), "plain HTTP to the TLS port answered %s", resp.Status)
			Expect(bytes.Contains(got, body)).To(BeFalse(), "plain HTTP to the TLS port served the object")
		}

		By("a client trusting another CA fails verification")
		otherCA, err := pki.NewCA("not the Region's CA", time.Hour, time.Now())
		must(err)
		_, err = get(ctx, sdk(env.HTTPClientTrusting(otherCA.CertPEM)), bucketName, "tls/hello.txt")
		Expect(err).To(HaveOccurred(), "a client trusting another CA read the object")
		Expect(err.Error()).To(ContainSubstring("certificate signed by unknown authority"))

		By("the peer port refuses a client without a certificate, and one whose certificate another CA signed")
		peerURL := fmt.Sprintf("https://%s-0.%s-peers.%s.svc.cluster.local:9001/", regionName, regionName, namespace)
		noCert := env.HTTPClientTrusting(ca)
		noCert.Timeout = 10 * time.Second
		resp, err = noCert.Get(peerURL)
		if err == nil {
			_ = resp.Body.Close()
		}
		Expect(err).To(HaveOccurred(), "the peer port answered a client without a certificate")
		leaf, err := pki.Issue(otherCA, pki.Request{CommonName: "intruder", Usage: pki.UsageClient, Validity: time.Hour}, time.Now())
		must(err)
		cert, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
		must(err)
		foreign := env.HTTPClientTrusting(ca)
		foreign.Timeout = 10 * time.Second
		foreign.Transport.(*http.Transport).TLSClientConfig.Certificates = []tls.Certificate{cert}
		resp, err = foreign.Get(peerURL)
		if err == nil {
			_ = resp.Body.Close()
		}
		Expect(err).To(HaveOccurred(), "the peer port answered a client whose certificate the Region's CA did not sign")
	})

	It("takes a renewed certificate under load without a failed request", func(ctx SpecContext) {
		var caSecret, tlsSecret corev1.Secret
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: regionName + "-ca"}, &caSecret)).To(Succeed())
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: regionName + "-tls"}, &tlsSecret)).To(Succeed())
		old, err := pki.ParseCertificate(tlsSecret.Data["tls.crt"])
		must(err)
		caPEM := tlsSecret.Data["ca.crt"]

		// servedSerial is the serial of the certificate the pod at ep presents on a
		// fresh connection.
		servedSerial := func(ep string) (string, error) {
			resp, err := env.HTTPClientTrusting(caPEM).Get(ep + "/-/healthz")
			if err != nil {
				return "", err
			}
			_ = resp.Body.Close()
			if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
				return "", fmt.Errorf("%s answered without TLS", ep)
			}
			return resp.TLS.PeerCertificates[0].SerialNumber.String(), nil
		}

		c := env.OSSClient(userCreds)
		stream := startWriters(ctx, c, bucketName, "renew", 200, "writes before the renewal")
		defer stream.stop()

		By("renewing the certificate in place, as the operator does: a new leaf from the Region's CA, same names, into the same Secret")
		leaf, err := pki.Issue(pki.KeyPair{CertPEM: caSecret.Data["ca.crt"], KeyPEM: caSecret.Data["ca.key"]}, pki.Request{
			CommonName: old.Subject.CommonName, DNSNames: old.DNSNames, IPs: old.IPAddresses,
			Usage: pki.UsageServer | pki.UsageClient, Validity: 90 * 24 * time.Hour,
		}, time.Now())
		must(err)
		renewed, err := pki.ParseCertificate(leaf.CertPEM)
		must(err)
		tlsSecret.Data["tls.crt"], tlsSecret.Data["tls.key"] = leaf.CertPEM, leaf.KeyPEM
		Expect(env.Client.Update(ctx, &tlsSecret)).To(Succeed())
		renewedAt := time.Now()

		By("every pod serves the renewed certificate, the writers going on")
		Eventually(ctx, func(g Gomega) {
			eps, err := podEndpoints(ctx, env, namespace, regionName)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(eps).NotTo(BeEmpty())
			for pod, ep := range eps {
				serial, err := servedSerial(ep)
				g.Expect(err).NotTo(HaveOccurred(), "pod %s", pod)
				g.Expect(serial).To(Equal(renewed.SerialNumber.String()), "pod %s still serves certificate %s", pod, old.SerialNumber)
			}
		}).WithTimeout(2 * time.Minute).WithPolling(2 * time.Second).Should(Succeed())
		fmt.Fprintf(GinkgoWriter, "every pod served the renewed certificate %v after the Secret changed\n", time.Since(renewedAt).Round(100*time.Millisecond))
		at := stream.count()
		Eventually(ctx, stream.count).WithTimeout(time.Minute).Should(BeNumerically(">=", at+20), "writes after the renewal")
		acked, failures, lastErr := stream.finish()
		fmt.Fprintf(GinkgoWriter, "%d writes acknowledged across the renewal, %d failed (last failure: %s)\n", len(acked), failures, lastErr)
		Expect(failures).To(BeZero(), "requests failed across the renewal; last: %s", lastErr)

		By("the operator keeps the renewed certificate: it is valid and names everything")
		Consistently(ctx, func(g Gomega) {
			var s corev1.Secret
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: regionName + "-tls"}, &s)).To(Succeed())
			g.Expect(s.Data["tls.crt"]).To(Equal(leaf.CertPEM))
		}).WithTimeout(5 * time.Second).WithPolling(time.Second).Should(Succeed())
		for k, d := range acked {
			objects[k] = d
		}
		everyPodHasObjects(ctx)
	})

	It("serves the S3 dialect to the same key, configured from the Secret's AWS_* values as envFrom gives them", func(ctx SpecContext) {
		var s corev1.Secret
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: accessKeyName}, &s)).To(Succeed())
		Expect(string(s.Data["AWS_ACCESS_KEY_ID"])).To(Equal(userCreds.AccessKeyID))
		Expect(string(s.Data["AWS_ENDPOINT_URL"])).To(Equal(userCreds.Endpoint), "S3 and OSS share the endpoint")
		Expect(string(s.Data["AWS_ENDPOINT_URL_S3"])).To(Equal(userCreds.Endpoint))
		Expect(string(s.Data["AWS_REGION"])).To(Equal(regionName))
		c, err := s3FromSecret(ctx, &s, env.HTTPClientTrusting(s.Data["ca.crt"]))
		must(err)

		By("PUT through S3, GET through S3 and through OSS")
		body := []byte("written through the S3 dialect\n")
		Expect(s3Put(ctx, c, bucketName, "s3/hello.txt", body)).To(Succeed())
		Expect(s3Get(ctx, c, bucketName, "s3/hello.txt")).To(Equal(body))
		Expect(get(ctx, env.OSSClient(userCreds), bucketName, "s3/hello.txt")).To(Equal(body))
		objects["s3/hello.txt"] = digestOf(body)

		By("refusing a bucket the key has no grant on")
		Expect(s3Code(s3Put(ctx, c, otherBucket, "x", []byte("x")))).To(Equal("AccessDenied"))
	})

	It("changes nothing when every manifest is applied again server-side", func(ctx SpecContext) {
		refs := []objectRef{
			{&kossv1alpha1.Region{}, regionName},
			{&kossv1alpha1.Bucket{}, bucketName},
			{&kossv1alpha1.Bucket{}, otherBucket},
			{&kossv1alpha1.AccessKey{}, accessKeyName},
			{&appsv1.StatefulSet{}, regionName},
			{&corev1.Service{}, regionName},
			{&corev1.Service{}, regionName + "-peers"},
			{&policyv1.PodDisruptionBudget{}, regionName},
			{&corev1.Secret{}, regionName + "-root-key"},
			{&corev1.Secret{}, accessKeyName},
		}
		By("waiting until the operator has finished its first reconciles (no resourceVersion moves for 3s)")
		var before map[string]string
		Eventually(ctx, func(g Gomega) {
			rv, err := resourceVersions(ctx, env.Client, namespace, refs)
			g.Expect(err).NotTo(HaveOccurred())
			g.Consistently(ctx, func() (map[string]string, error) {
				return resourceVersions(ctx, env.Client, namespace, refs)
			}).WithTimeout(3 * time.Second).WithPolling(500 * time.Millisecond).Should(Equal(rv))
			before = rv
		}).WithTimeout(2 * time.Minute).WithPolling(time.Second).Should(Succeed())

		By("kubectl apply --server-side of every manifest")
		for _, m := range manifests {
			out, err := env.Kubectl(ctx, append([]string{"apply", "--server-side", "-n", namespace}, m...)...)
			must(err)
			fmt.Fprint(GinkgoWriter, out)
		}
		after, err := resourceVersions(ctx, env.Client, namespace, refs)
		must(err)
		Expect(after).To(Equal(before), "a no-op re-apply wrote to these objects (resourceVersion moved)")
	})

	It("serves PUT, GET, APPEND, COPY, LIST and DELETE to the AccessKey's credentials", func(ctx SpecContext) {
		c := env.OSSClient(userCreds)

		By("PUT and GET a small and a 1 MiB object")
		small := []byte("hello from the koss e2e suite\n")
		Expect(put(ctx, c, bucketName, "docs/hello.txt", small)).To(Succeed())
		big := payload(1, 0)
		big = bytes.Repeat(big, (1<<20)/len(big)+1)[:1<<20]
		Expect(put(ctx, c, bucketName, "blobs/1mib.bin", big)).To(Succeed())
		Expect(get(ctx, c, bucketName, "docs/hello.txt")).To(Equal(small))
		got, err := get(ctx, c, bucketName, "blobs/1mib.bin")
		must(err)
		Expect(digestOf(got)).To(Equal(digestOf(big)), "the 1 MiB object came back different")
		objects["docs/hello.txt"], objects["blobs/1mib.bin"] = digestOf(small), digestOf(big)

		By("APPEND two segments, then refuse an append at the wrong position")
		first, second := []byte("line 1\n"), []byte("line 2\n")
		res, err := c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(bucketName), Key: oss.Ptr("logs/app.log"),
			Position: oss.Ptr(int64(0)), Body: bytes.NewReader(first)})
		must(err)
		Expect(res.NextPosition).To(Equal(int64(len(first))))
		_, err = c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(bucketName), Key: oss.Ptr("logs/app.log"),
			Position: oss.Ptr(res.NextPosition), Body: bytes.NewReader(second)})
		must(err)
		_, err = c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(bucketName), Key: oss.Ptr("logs/app.log"),
			Position: oss.Ptr(int64(1)), Body: bytes.NewReader(second)})
		Expect(describeErr(err)).To(Equal("PositionNotEqualToLength (409)"))
		appended := append(append([]byte{}, first...), second...)
		Expect(get(ctx, c, bucketName, "logs/app.log")).To(Equal(appended))
		objects["logs/app.log"] = digestOf(appended)

		By("COPY an object")
		_, err = c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(bucketName), Key: oss.Ptr("docs/copy.txt"),
			SourceBucket: oss.Ptr(bucketName), SourceKey: oss.Ptr("docs/hello.txt")})
		must(err)
		Expect(get(ctx, c, bucketName, "docs/copy.txt")).To(Equal(small))

		By("LIST by prefix")
		Expect(list(ctx, c, bucketName, "docs/")).To(Equal([]string{"docs/copy.txt", "docs/hello.txt"}))

		By("DELETE the copy; the original stays")
		_, err = c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucketName), Key: oss.Ptr("docs/copy.txt")})
		must(err)
		_, err = get(ctx, c, bucketName, "docs/copy.txt")
		Expect(describeErr(err)).To(Equal("NoSuchKey (404)"))
		Expect(list(ctx, c, bucketName, "docs/")).To(Equal([]string{"docs/hello.txt"}))
		Expect(get(ctx, c, bucketName, "docs/hello.txt")).To(Equal(small))
	})

	It("refuses the AccessKey on a bucket it was not granted", func(ctx SpecContext) {
		c := env.OSSClient(userCreds)
		Expect(describeErr(put(ctx, c, otherBucket, "x", []byte("x")))).To(Equal("AccessDenied (403)"), "PUT")
		_, err := list(ctx, c, otherBucket, "")
		Expect(describeErr(err)).To(Equal("AccessDenied (403)"), "LIST")

		By("the root key may use that bucket, so it exists and the refusal is the grant's")
		r := env.OSSClient(rootCreds)
		Expect(put(ctx, r, otherBucket, "x", []byte("x"))).To(Succeed())
		_, err = get(ctx, c, otherBucket, "x")
		Expect(describeErr(err)).To(Equal("AccessDenied (403)"), "GET")
	})

	It("loses no acknowledged write when a kossd pod is killed during writes", func(ctx SpecContext) {
		c := env.OSSClient(userCreds)
		stream := startWriters(ctx, c, bucketName, "kill", 100, "writes before the kill")
		defer stream.stop()

		st, err := admin().ClusterStatus(ctx)
		must(err)
		victim := st.Leader
		Expect(victim).NotTo(BeEmpty(), "the Region has no leader")
		var pod corev1.Pod
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: victim}, &pod)).To(Succeed(),
			"the leader %q is not a pod of the Region", victim)
		oldUID := pod.UID
		By(fmt.Sprintf("deleting the leader pod %s with grace period 0 after %d acknowledged writes", victim, stream.count()))
		Expect(env.Client.Delete(ctx, &pod, client.GracePeriodSeconds(0))).To(Succeed())
		killedAt := time.Now()

		By("the StatefulSet brings the pod back and it becomes Ready")
		Eventually(ctx, func(g Gomega) {
			var p corev1.Pod
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: victim}, &p)).To(Succeed())
			g.Expect(p.UID).NotTo(Equal(oldUID), "still the old pod")
			g.Expect(podReady(&p)).To(BeTrue(), "new pod not Ready yet")
		}).WithTimeout(3 * time.Minute).WithPolling(time.Second).Should(Succeed())
		fmt.Fprintf(GinkgoWriter, "pod %s back and Ready %v after the kill\n", victim, time.Since(killedAt).Round(100*time.Millisecond))

		By("writes go on after the pod is back")
		backAt := stream.count()
		Eventually(ctx, stream.count).WithTimeout(2*time.Minute).Should(BeNumerically(">=", backAt+20), "writes after the pod came back")
		acked, failures, lastErr := stream.finish()
		fmt.Fprintf(GinkgoWriter, "%d writes acknowledged, %d failed (last failure: %s)\n", len(acked), failures, lastErr)

		Eventually(ctx, func(g Gomega) {
			r, err := regionState(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(meta.IsStatusConditionTrue(r.Status.Conditions, kossv1alpha1.RegionAvailableCondition)).To(BeTrue())
			g.Expect(r.Status.ReadyReplicas).To(Equal(r.Spec.Replicas))
		}).WithTimeout(2 * time.Minute).WithPolling(time.Second).Should(Succeed())

		By(fmt.Sprintf("reading all %d acknowledged writes back through every pod", len(acked)))
		for k, d := range acked {
			objects[k] = d
		}
		everyPodHasObjects(ctx)
	})

	// scaleTo patches spec.replicas and waits until the Region, its
	// StatefulSet and its raft membership all have n members.
	scaleTo := func(ctx context.Context, n int32) {
		GinkgoHelper()
		start := time.Now()
		_, err := env.Kubectl(ctx, "patch", "-n", namespace, "region/"+regionName, "--type=merge",
			"-p", fmt.Sprintf(`{"spec":{"replicas":%d}}`, n))
		must(err)
		Eventually(ctx, func(g Gomega) {
			r, err := regionState(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(r.Status.ObservedGeneration).To(Equal(r.Generation), "generation not observed yet")
			progressing := meta.FindStatusCondition(r.Status.Conditions, kossv1alpha1.RegionProgressingCondition)
			g.Expect(progressing).NotTo(BeNil())
			g.Expect(progressing.Status).To(Equal(metav1.ConditionFalse), "Progressing: %s: %s", progressing.Reason, progressing.Message)
			g.Expect(meta.IsStatusConditionTrue(r.Status.Conditions, kossv1alpha1.RegionAvailableCondition)).To(BeTrue(), "not Available")
			g.Expect(r.Status.ReadyReplicas).To(Equal(n), "ready replicas")
			var sts appsv1.StatefulSet
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: regionName}, &sts)).To(Succeed())
			g.Expect(*sts.Spec.Replicas).To(Equal(n), "StatefulSet replicas")
			g.Expect(sts.Status.ReadyReplicas).To(Equal(n), "StatefulSet ready replicas")
			eps, err := podEndpoints(ctx, env, namespace, regionName)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(eps).To(HaveLen(int(n)), "ready pods")
			st, err := admin().ClusterStatus(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(st.Members).To(HaveLen(int(n)), "raft members")
			g.Expect(st.Leader).NotTo(BeEmpty(), "raft leader")
		}).WithTimeout(4 * time.Minute).WithPolling(2 * time.Second).Should(Succeed())
		fmt.Fprintf(GinkgoWriter, "scaled to %d in %v\n", n, time.Since(start).Round(100*time.Millisecond))
	}

	It("scales the Region up 3 → 5 with every object readable through every pod", func(ctx SpecContext) {
		scaleTo(ctx, 5)
		everyPodHasObjects(ctx)
	})

	It("scales the Region back down 5 → 3 with every object still readable", func(ctx SpecContext) {
		scaleTo(ctx, 3)
		everyPodHasObjects(ctx)
	})

	It("rolls a new kossd image out one pod at a time under load, losing no acknowledged write", func(ctx SpecContext) {
		var sts appsv1.StatefulSet
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: regionName}, &sts)).To(Succeed())
		oldImage := sts.Spec.Template.Spec.Containers[0].Image
		newImage := tagImage(imagesDir, oldImage, "rolled")
		By(fmt.Sprintf("the node image store holds %s too (the same image under a new tag)", newImage))

		c := env.OSSClient(userCreds)
		stream := startWriters(ctx, c, bucketName, "upgrade", 300, "writes before the upgrade")
		defer stream.stop()

		By("spec.image names the new tag; the StatefulSet replaces the pods one at a time")
		_, err := env.Kubectl(ctx, "patch", "-n", namespace, "region/"+regionName, "--type=merge",
			"-p", fmt.Sprintf(`{"spec":{"image":%q}}`, newImage))
		must(err)
		start := time.Now()
		maxUnready := 0
		Eventually(ctx, func(g Gomega) {
			var pods corev1.PodList
			g.Expect(env.Client.List(ctx, &pods, client.InNamespace(namespace),
				client.MatchingLabels{"app.kubernetes.io/name": "kossd", "app.kubernetes.io/instance": regionName})).To(Succeed())
			unready, updated := 0, 0
			for _, p := range pods.Items {
				if p.DeletionTimestamp != nil || !podReady(&p) {
					unready++
				}
				if p.DeletionTimestamp == nil && podReady(&p) && p.Spec.Containers[0].Image == newImage {
					updated++
				}
			}
			unready += 3 - len(pods.Items) // a pod deleted and not yet recreated
			maxUnready = max(maxUnready, unready)
			g.Expect(updated).To(Equal(3), "pods ready on the new image")
		}).WithTimeout(5 * time.Minute).WithPolling(300 * time.Millisecond).Should(Succeed())
		fmt.Fprintf(GinkgoWriter, "rolled to %s in %v, at most %d pod(s) unready at once\n", newImage, time.Since(start).Round(100*time.Millisecond), maxUnready)
		Expect(maxUnready).To(BeNumerically("<=", 1), "more than one pod was down at once during the rollout")

		Eventually(ctx, func(g Gomega) {
			r, err := regionState(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(meta.IsStatusConditionTrue(r.Status.Conditions, kossv1alpha1.RegionAvailableCondition)).To(BeTrue())
			g.Expect(r.Status.ReadyReplicas).To(Equal(r.Spec.Replicas))
			st, err := admin().ClusterStatus(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(st.Members).To(HaveLen(3))
			g.Expect(offlineMemberIDs(st)).To(BeEmpty(), "members offline after the rollout")
		}).WithTimeout(2 * time.Minute).WithPolling(time.Second).Should(Succeed())
		at := stream.count()
		Eventually(ctx, stream.count).WithTimeout(time.Minute).Should(BeNumerically(">=", at+20), "writes after the rollout")
		acked, failures, lastErr := stream.finish()
		fmt.Fprintf(GinkgoWriter, "%d writes acknowledged across the rollout, %d failed (last failure: %s)\n", len(acked), failures, lastErr)

		By(fmt.Sprintf("reading all %d acknowledged writes back through every pod", len(acked)))
		for k, d := range acked {
			objects[k] = d
		}
		everyPodHasObjects(ctx)
	})

	// kossdPods maps the Region's kossd pod names to their UIDs and nodes.
	kossdPods := func(ctx context.Context, g Gomega) []corev1.Pod {
		var pods corev1.PodList
		g.Expect(env.Client.List(ctx, &pods, client.InNamespace(namespace),
			client.MatchingLabels{"app.kubernetes.io/name": "kossd", "app.kubernetes.io/instance": regionName})).To(Succeed())
		return pods.Items
	}
	// unreadyKossd counts the Region's pods that are not serving: deleting, not ready,
	// or missing from the three.
	unreadyKossd := func(pods []corev1.Pod) int {
		ready := 0
		for _, p := range pods {
			if p.DeletionTimestamp == nil && podReady(&p) {
				ready++
			}
		}
		return 3 - ready
	}

	It("upgrades the operator with helm under load without restarting a kossd pod", func(ctx SpecContext) {
		var deploys appsv1.DeploymentList
		Expect(env.Client.List(ctx, &deploys, client.InNamespace(framework.ReleaseNamespace))).To(Succeed())
		Expect(deploys.Items).To(HaveLen(1))
		oldImage := deploys.Items[0].Spec.Template.Spec.Containers[0].Image
		newImage := tagImage(imagesDir, oldImage, "next")
		_, newTag, _ := strings.Cut(newImage, ":")
		before := map[string]types.UID{}
		for _, p := range kossdPods(ctx, Default) {
			before[p.Name] = p.UID
		}
		var sts appsv1.StatefulSet
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: regionName}, &sts)).To(Succeed())

		c := env.OSSClient(userCreds)
		stream := startWriters(ctx, c, bucketName, "operator-upgrade", 400, "writes before the upgrade")
		defer stream.stop()

		By(fmt.Sprintf("helm upgrade to the manager image %s", newImage))
		_, err := env.InstallChart(ctx, 3*time.Minute, "--set", "image.tag="+newTag)
		must(err)
		Expect(env.Client.List(ctx, &deploys, client.InNamespace(framework.ReleaseNamespace))).To(Succeed())
		Expect(deploys.Items[0].Spec.Template.Spec.Containers[0].Image).To(Equal(newImage))

		By("the new operator reconciles (a new Bucket gets Ready) and leaves the Region's pods alone")
		upgraded := filepath.Join(stateDir, "after-upgrade-bucket.yaml")
		Expect(os.WriteFile(upgraded, fmt.Appendf(nil, "apiVersion: koss.io/v1alpha1\nkind: Bucket\nmetadata:\n  name: e2e-after-upgrade\nspec:\n  regionRef:\n    name: %s\n", regionName), 0o644)).To(Succeed())
		_, err = env.Kubectl(ctx, "apply", "--server-side", "-n", namespace, "-f", upgraded)
		must(err)
		_, err = env.Kubectl(ctx, "wait", "-n", namespace, "--for=condition=Ready", "bucket/e2e-after-upgrade", "--timeout=2m")
		must(err)
		Consistently(ctx, func(g Gomega) {
			now := map[string]types.UID{}
			for _, p := range kossdPods(ctx, g) {
				now[p.Name] = p.UID
			}
			g.Expect(now).To(Equal(before), "a kossd pod was replaced by the operator upgrade")
			var cur appsv1.StatefulSet
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: regionName}, &cur)).To(Succeed())
			g.Expect(cur.Generation).To(Equal(sts.Generation), "the new operator changed the StatefulSet")
		}).WithTimeout(10 * time.Second).WithPolling(time.Second).Should(Succeed())
		acked, failures, lastErr := stream.finish()
		fmt.Fprintf(GinkgoWriter, "%d writes acknowledged across the operator upgrade, %d failed (last failure: %s)\n", len(acked), failures, lastErr)
		Expect(failures).To(BeZero(), "the operator is not in the data path, yet writes failed; last: %s", lastErr)
		for k, d := range acked {
			objects[k] = d
		}
		_, err = env.Kubectl(ctx, "delete", "-n", namespace, "bucket/e2e-after-upgrade", "--wait=true", "--timeout=2m")
		must(err)
	})

	It("drains two nodes at once under load: the PodDisruptionBudget lets one kossd pod go at a time", func(ctx SpecContext) {
		var nodes []string
		for _, p := range kossdPods(ctx, Default) {
			if p.Spec.NodeName != "" && !slices.Contains(nodes, p.Spec.NodeName) {
				nodes = append(nodes, p.Spec.NodeName)
			}
		}
		Expect(len(nodes)).To(BeNumerically(">=", 2), "the Region's pods are not spread over two nodes")
		nodes = nodes[:2]

		c := env.OSSClient(userCreds)
		stream := startWriters(ctx, c, bucketName, "drain", 500, "writes before the drain")
		defer stream.stop()

		By(fmt.Sprintf("kubectl drain %v at the same time, while sampling the Region's pods", nodes))
		defer func() {
			for _, n := range nodes {
				_, _ = env.Kubectl(context.Background(), "uncordon", n)
			}
		}()
		drained := make(chan error, len(nodes))
		for _, n := range nodes {
			go func() {
				_, err := env.Kubectl(ctx, "drain", n, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=4m")
				drained <- err
			}()
		}
		maxUnready, done := 0, 0
		start := time.Now()
		for done < len(nodes) {
			select {
			case err := <-drained:
				Expect(err).NotTo(HaveOccurred(), "kubectl drain")
				done++
			case <-time.After(300 * time.Millisecond):
				maxUnready = max(maxUnready, unreadyKossd(kossdPods(ctx, Default)))
			}
		}
		By("every kossd pod ready again, on the node left")
		Eventually(ctx, func(g Gomega) {
			pods := kossdPods(ctx, g)
			n := unreadyKossd(pods)
			maxUnready = max(maxUnready, n)
			g.Expect(n).To(BeZero(), "kossd pods not ready after the drain")
			for _, p := range pods {
				g.Expect(nodes).NotTo(ContainElement(p.Spec.NodeName), "pod %s still on a drained node", p.Name)
			}
		}).WithTimeout(4 * time.Minute).WithPolling(300 * time.Millisecond).Should(Succeed())
		fmt.Fprintf(GinkgoWriter, "drained %v in %v, at most %d kossd pod(s) unready at once\n", nodes, time.Since(start).Round(100*time.Millisecond), maxUnready)
		Expect(maxUnready).To(BeNumerically("<=", 1), "the drain took more than one kossd pod down at once: the PodDisruptionBudget was not respected")

		at := stream.count()
		Eventually(ctx, stream.count).WithTimeout(time.Minute).Should(BeNumerically(">=", at+20), "writes after the drain")
		acked, failures, lastErr := stream.finish()
		fmt.Fprintf(GinkgoWriter, "%d writes acknowledged across the drain, %d failed (last failure: %s)\n", len(acked), failures, lastErr)
		for _, n := range nodes {
			_, err := env.Kubectl(ctx, "uncordon", n)
			must(err)
		}
		By(fmt.Sprintf("reading all %d acknowledged writes back through every pod", len(acked)))
		for k, d := range acked {
			objects[k] = d
		}
		everyPodHasObjects(ctx)
	})

	It("fills the kossd volumes under load: 507 XKossStorageFull, nothing partial, reads go on, the Region says StorageFull, and writes return once space is freed", func(ctx SpecContext) {
		const fullRegion = "e2e-full"
		By("creating Region " + fullRegion + " on 128Mi volumes of the capped class (a file system of exactly that size per pod)")
		region := &kossv1alpha1.Region{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: fullRegion},
			Spec: kossv1alpha1.RegionSpec{Replicas: 3, Storage: kossv1alpha1.RegionStorage{
				Size: resource.MustParse("128Mi"), StorageClassName: ptr.To(kubelet.CappedStorageClass)}},
		}
		Expect(env.Client.Create(ctx, region)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) {
			// The Region, then its volumes: the kubelet unmounts a capped
			// volume when its PersistentVolume is reclaimed.
			_, err := env.Kubectl(ctx, "delete", "-n", namespace, "region/"+fullRegion, "--timeout=2m")
			must(err)
			claims := []string{}
			for i := range 3 {
				claims = append(claims, fmt.Sprintf("pvc/data-%s-%d", fullRegion, i))
			}
			_, err = env.Kubectl(ctx, append([]string{"delete", "-n", namespace, "--ignore-not-found", "--timeout=2m"}, claims...)...)
			must(err)
			Eventually(ctx, func(g Gomega) {
				var pvs corev1.PersistentVolumeList
				g.Expect(env.Client.List(ctx, &pvs)).To(Succeed())
				for _, pv := range pvs.Items {
					if ref := pv.Spec.ClaimRef; ref != nil && strings.HasPrefix(ref.Name, "data-"+fullRegion+"-") {
						g.Expect(ref.Name).To(BeEmpty(), "volume %s of %s not reclaimed yet", pv.Name, ref.Name)
					}
				}
			}).WithTimeout(2 * time.Minute).WithPolling(time.Second).Should(Succeed())
		}, NodeTimeout(5*time.Minute))
		_, err := env.Kubectl(ctx, "wait", "-n", namespace, "--for=condition=Available", "region/"+fullRegion, "--timeout=4m")
		must(err)
		creds, err := env.RootCredentials(ctx, namespace, fullRegion)
		must(err)
		c := env.OSSClient(creds)
		const bucket = "e2e-full"
		_, err = c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(bucket)})
		must(err)
		// Small writes (kept in the metadata), paced, all along: each still
		// grows the raft log and the metadata store by a few KiB, and at
		// full speed they would fill the freed space again themselves.
		stream := startWritersOf(ctx, c, bucket, "small", 900, "writes before filling the volumes", smallPayload, 100*time.Millisecond)
		defer stream.stop()

		By("writing 4 MiB objects until one is refused")
		fill := map[string]digest{}
		refused := ""
		for i := 0; i < 100 && refused == ""; i++ {
			key := fmt.Sprintf("fill/%03d", i)
			body := randomPayload(901, i, 4<<20)
			wctx, cancel := context.WithTimeout(ctx, time.Minute)
			err := put(wctx, c, bucket, key, body)
			cancel()
			if err == nil {
				fill[key] = digestOf(body)
				continue
			}
			Expect(describeErr(err)).To(Equal("XKossStorageFull (507)"), "the write that found the volumes full (%s, after %d of 4 MiB)", key, len(fill))
			refused = key
		}
		Expect(refused).NotTo(BeEmpty(), "400 MiB written to 128 MiB volumes and no write refused")
		fmt.Fprintf(GinkgoWriter, "%d objects of 4 MiB acknowledged, then %s refused with XKossStorageFull (507)\n", len(fill), refused)

		By("nothing of the refused write is visible")
		_, err = get(ctx, c, bucket, refused)
		Expect(describeErr(err)).To(Equal("NoSuchKey (404)"))
		keys, err := list(ctx, c, bucket, "fill/")
		must(err)
		Expect(keys).NotTo(ContainElement(refused))
		Expect(keys).To(HaveLen(len(fill)))

		By("the Region says StorageFull: the Degraded condition, a Warning event, the pods' metrics")
		degradedReason := func(g Gomega) string {
			var r kossv1alpha1.Region
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(region), &r)).To(Succeed())
			cond := meta.FindStatusCondition(r.Status.Conditions, kossv1alpha1.RegionDegradedCondition)
			g.Expect(cond).NotTo(BeNil())
			return cond.Reason + ": " + cond.Message
		}
		Eventually(ctx, degradedReason).WithTimeout(2*time.Minute).WithPolling(time.Second).
			Should(HavePrefix(kossv1alpha1.RegionStorageFullReason+": "), "the Degraded condition")
		fmt.Fprintf(GinkgoWriter, "Degraded: %s\n", degradedReason(Default))
		events := func(reason string) string {
			out, err := env.Kubectl(ctx, "get", "events", "-n", namespace, "-o", "name",
				"--field-selector", "reason="+reason+",involvedObject.name="+fullRegion)
			must(err)
			return strings.TrimSpace(out)
		}
		Eventually(ctx, func() string { return events(kossv1alpha1.RegionStorageFullReason) }).
			WithTimeout(time.Minute).WithPolling(time.Second).ShouldNot(BeEmpty(), "a StorageFull event")
		eps, err := podEndpoints(ctx, env, namespace, fullRegion)
		must(err)
		Expect(eps).To(HaveLen(3))
		hc := env.HTTPClientTrusting(creds.CACert)
		var refusals float64
		for pod, ep := range eps {
			resp, err := hc.Get(ep + "/-/metrics")
			must(err)
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			must(err)
			n, ok := metricSum(string(body), "koss_writes_refused_no_space_total")
			Expect(ok).To(BeTrue(), "pod %s exports no koss_writes_refused_no_space_total", pod)
			refusals += n
		}
		Expect(refusals).To(BeNumerically(">=", 1), "no pod counted a write refused for space")

		By("reads keep working: every acknowledged write, through every pod")
		acked, _, _ := stream.snapshot()
		for pod, ep := range eps {
			pc := creds
			pc.Endpoint = ep
			Expect(checkObjects(ctx, env.OSSClient(pc), bucket, fill)).To(BeEmpty(), "4 MiB objects read through %s", pod)
			Expect(checkObjects(ctx, env.OSSClient(pc), bucket, acked)).To(BeEmpty(), "small objects read through %s", pod)
		}

		By("freeing space: deleting all but three of the 4 MiB objects, then writing again")
		deleted, toDelete := 0, len(fill)-3
		for key := range fill {
			if deleted >= toDelete {
				break
			}
			_, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
			Expect(err).NotTo(HaveOccurred(), "DeleteObject %s on full volumes", key)
			delete(fill, key)
			deleted++
		}
		start := time.Now()
		Eventually(ctx, func() string {
			body := randomPayload(902, 0, 4<<20)
			err := put(ctx, c, bucket, "after/big", body)
			if err == nil {
				fill["after/big"] = digestOf(body)
			}
			return describeErr(err)
		}).WithTimeout(2*time.Minute).WithPolling(2*time.Second).Should(Equal("success"), "a 4 MiB write after deleting %d MiB", 4*deleted)
		fmt.Fprintf(GinkgoWriter, "a 4 MiB write succeeded %v after deleting %d objects of 4 MiB\n", time.Since(start).Round(100*time.Millisecond), deleted)
		Eventually(ctx, degradedReason).WithTimeout(2*time.Minute).WithPolling(time.Second).
			ShouldNot(HavePrefix(kossv1alpha1.RegionStorageFullReason+": "), "the Degraded condition after space was freed")
		Eventually(ctx, func() string { return events("StorageAvailable") }).
			WithTimeout(time.Minute).WithPolling(time.Second).ShouldNot(BeEmpty(), "a StorageAvailable event")
		at := stream.count()
		Eventually(ctx, stream.count).WithTimeout(time.Minute).Should(BeNumerically(">=", at+20), "small writes after space was freed")

		acked, failures, lastErr := stream.finish()
		fmt.Fprintf(GinkgoWriter, "%d small writes acknowledged while the volumes filled and emptied, %d failed (last failure: %s)\n", len(acked), failures, lastErr)
		By(fmt.Sprintf("reading all %d acknowledged writes back through every pod", len(acked)+len(fill)))
		for k, d := range fill {
			acked[k] = d
		}
		eps, err = podEndpoints(ctx, env, namespace, fullRegion)
		must(err)
		for pod, ep := range eps {
			pc := creds
			pc.Endpoint = ep
			Expect(checkObjects(ctx, env.OSSClient(pc), bucket, acked)).To(BeEmpty(), "objects read through %s", pod)
		}
	})

	It("rotates the AccessKey under load: a writer that reloads the Secret never fails, and the old key is refused after the overlap", func(ctx SpecContext) {
		oldCreds := userCreds
		// The writer reads the Secret before every write, as an app that reloads its
		// mounted credentials does, and counts every failure.
		var (
			mu               sync.Mutex
			acked            = map[string]digest{}
			failures         int
			lastErr          string
			pairsUsed        = map[string]bool{}
			wctx, stopWriter = context.WithCancel(ctx)
			done             = make(chan struct{})
		)
		go func() {
			defer close(done)
			for n := 0; wctx.Err() == nil; n++ {
				creds, err := env.AccessKeyCredentials(wctx, namespace, accessKeyName)
				if err == nil {
					key := fmt.Sprintf("rotation/%05d", n)
					body := smallPayload(950, n)
					if err = put(wctx, env.OSSClient(creds), bucketName, key, body); err == nil {
						mu.Lock()
						acked[key] = digestOf(body)
						pairsUsed[creds.AccessKeyID] = true
						mu.Unlock()
					}
				}
				if err != nil && wctx.Err() == nil {
					mu.Lock()
					failures++
					lastErr = describeErr(err)
					mu.Unlock()
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
		defer func() { stopWriter(); <-done }()
		count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
		Eventually(ctx, count).WithTimeout(time.Minute).Should(BeNumerically(">=", 20), "writes before the rotation")

		By("starting a pod that mounts the AccessKey's Secret as a volume and reloads it, writing throughout")
		var before kossv1alpha1.AccessKey
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: accessKeyName}, &before)).To(Succeed())
		image, err := osscliImage(ctx, env)
		must(err)
		const podWriter, podPrefix = "rotation-writer", "rotation-pod/"
		must(deletePod(ctx, env, namespace, podWriter))
		Expect(env.Client.Create(ctx, secretVolumePod(namespace, podWriter, image, before.Status.SecretName,
			[]string{"soak", bucketName, podPrefix, "--interval", "200ms", "--duration", "100s"}))).To(Succeed())
		Eventually(ctx, func() int {
			keys, _ := list(ctx, env.OSSClient(oldCreds), bucketName, podPrefix)
			return len(keys)
		}).WithTimeout(2*time.Minute).WithPolling(time.Second).Should(BeNumerically(">=", 10), "the pod's writes before the rotation")

		By("annotating the AccessKey with koss.io/rotate, with a 30s overlap (the kubelet refreshes Secret volumes every 10s here)")
		_, err = env.Kubectl(ctx, "patch", "-n", namespace, "accesskey/"+accessKeyName, "--type", "merge", "-p",
			`{"spec":{"rotation":{"overlap":"30s"}},"metadata":{"annotations":{"`+kossv1alpha1.RotateAnnotation+`":"e2e-1"}}}`)
		must(err)
		var newCreds framework.Credentials
		Eventually(ctx, func(g Gomega) {
			c, err := env.AccessKeyCredentials(ctx, namespace, accessKeyName)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(c.AccessKeyID).NotTo(Equal(oldCreds.AccessKeyID), "the Secret still holds the old pair")
			newCreds = c
		}).WithTimeout(time.Minute).WithPolling(time.Second).Should(Succeed())
		var ak kossv1alpha1.AccessKey
		Eventually(ctx, func(g Gomega) {
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: accessKeyName}, &ak)).To(Succeed())
			g.Expect(ak.Status.PreviousAccessKeyID).To(Equal(oldCreds.AccessKeyID))
			g.Expect(ak.Status.AccessKeyID).To(Equal(newCreds.AccessKeyID))
		}).WithTimeout(time.Minute).WithPolling(time.Second).Should(Succeed())
		retires := ak.Status.PreviousKeyRetiresAt.Time
		fmt.Fprintf(GinkgoWriter, "rotated %s -> %s; the previous key retires at %s\n", oldCreds.AccessKeyID, newCreds.AccessKeyID, retires.Format(time.RFC3339))

		By("the previous key refused once the overlap ends, the writer going on with the new one")
		Eventually(ctx, func() string {
			return describeErr(put(ctx, env.OSSClient(oldCreds), bucketName, "rotation/old-pair", []byte("x")))
		}).WithTimeout(2 * time.Minute).WithPolling(time.Second).Should(Equal("InvalidAccessKeyId (403)"))
		Expect(time.Now()).To(BeTemporally(">=", retires), "the previous key was refused before its overlap ended")
		at := count()
		Eventually(ctx, count).WithTimeout(time.Minute).Should(BeNumerically(">=", at+20), "writes after the previous key retired")
		stopWriter()
		<-done
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(GinkgoWriter, "%d writes acknowledged across the rotation with %d pairs, %d failed (last failure: %s)\n", len(acked), len(pairsUsed), failures, lastErr)
		Expect(failures).To(BeZero(), "writes failed across the rotation (last: %s)", lastErr)
		Expect(pairsUsed).To(HaveLen(2), "the writer used both pairs")
		for k, d := range acked {
			objects[k] = d
		}
		userCreds = newCreds

		By("the pod's writes: none failed, and it went on past the previous key's retirement")
		phase, logs, err := podResult(ctx, env, namespace, podWriter, 3*time.Minute)
		must(err)
		sum, err := parseSoakSummary(logs)
		must(err)
		fmt.Fprintf(GinkgoWriter, "pod %s: %s, %+v\n", podWriter, phase, sum)
		Expect(sum.Failed).To(BeZero(), "the pod's writes failed across the rotation: %s", sum.FirstFailure)
		Expect(phase).To(Equal(corev1.PodSucceeded), "pod %s:\n%s", podWriter, logs)
		after := 0
		for k, mod := range lastModified(ctx, env.OSSClient(newCreds), bucketName, podPrefix) {
			if strings.HasSuffix(k, "acknowledged.txt") {
				continue
			}
			if mod.After(retires.Add(2 * time.Second)) {
				after++
			}
			body, err := get(ctx, env.OSSClient(newCreds), bucketName, k)
			must(err)
			objects[k] = digestOf(body)
		}
		fmt.Fprintf(GinkgoWriter, "the pod acknowledged %d writes, %d of them after the previous key retired\n", sum.Acknowledged, after)
		Expect(after).To(BeNumerically(">=", 10), "writes the pod made with the new pair, read from its volume")
		must(deletePod(ctx, env, namespace, podWriter))
		everyPodHasObjects(ctx)
	})

	It("gives pods of the AccessKey's ServiceAccounts credentials for a projected token, and refuses other ServiceAccounts, namespaces and audiences", func(ctx SpecContext) {
		workloadIdentitySpec(ctx, env, namespace, regionName, accessKeyName, bucketName, userCreds, objects)
		everyPodHasObjects(ctx)
	})

	It("revokes the key and removes its Secret when the AccessKey is deleted", func(ctx SpecContext) {
		c := env.OSSClient(userCreds)
		Expect(put(ctx, c, bucketName, "docs/before-revoke.txt", []byte("still allowed"))).To(Succeed())
		objects["docs/before-revoke.txt"] = digestOf([]byte("still allowed"))

		_, err := env.Kubectl(ctx, "delete", "-n", namespace, "accesskey/"+accessKeyName, "--timeout=2m")
		must(err)
		Eventually(ctx, func() error {
			return env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: accessKeyName}, &corev1.Secret{})
		}).WithTimeout(time.Minute).WithPolling(time.Second).Should(Satisfy(apierrors.IsNotFound), "the Secret stays")
		Eventually(ctx, func() string {
			return describeErr(put(ctx, c, bucketName, "docs/after-revoke.txt", []byte("refused")))
		}).WithTimeout(time.Minute).WithPolling(time.Second).Should(Equal("InvalidAccessKeyId (403)"))
		_, err = get(ctx, c, bucketName, "docs/hello.txt")
		Expect(describeErr(err)).To(Equal("InvalidAccessKeyId (403)"))
	})

	It("keeps a Retain Bucket's data after the Bucket is deleted", func(ctx SpecContext) {
		var b kossv1alpha1.Bucket
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: bucketName}, &b)).To(Succeed())
		Expect(b.Spec.DeletionPolicy).To(Equal(kossv1alpha1.DeletionPolicyRetain))
		_, err := env.Kubectl(ctx, "delete", "-n", namespace, "bucket/"+bucketName, "--timeout=2m")
		must(err)
		err = env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: bucketName}, &kossv1alpha1.Bucket{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the Bucket object is still there: %v", err)

		By(fmt.Sprintf("reading all %d objects with the Region's root key", len(objects)))
		r := env.OSSClient(rootCreds)
		keys, err := list(ctx, r, bucketName, "")
		must(err)
		for k := range objects {
			Expect(keys).To(ContainElement(k))
		}
		Expect(checkObjects(ctx, r, bucketName, objects)).To(BeEmpty())
		_, err = admin().GetBucket(ctx, bucketName)
		Expect(err).NotTo(HaveOccurred(), "the bucket is gone from the Region")
	})
})
