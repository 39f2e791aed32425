package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/koss-io/koss/hack/chartmeta"
	"github.com/koss-io/koss/hack/localkube/framework"
)

// The pods of these specs run osscli (cmd/osscli), from its image in the
// kubelets' image store, with the tag the chart's images carry.
const osscliRepository = "koss/osscli"

// osscliImage is the osscli reference of this checkout's images: the
// chart's appVersion, which `make images` tags every image with. (Not the
// running operator's tag: the upgrade spec moves it to a copy of its image.)
func osscliImage(_ context.Context, env *framework.Env) (string, error) {
	v, err := chartmeta.AppVersion(chartmeta.ChartPath(env.Root()))
	if err != nil {
		return "", err
	}
	return osscliRepository + ":" + v, nil
}

// clientPod is an osscli pod that meets the restricted Pod Security
// Standard and runs once (restartPolicy Never).
func clientPod(namespace, name, image, serviceAccount string, args []string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: map[string]string{"app.kubernetes.io/name": "osscli-e2e"}},
		Spec: corev1.PodSpec{
			ServiceAccountName:           serviceAccount,
			AutomountServiceAccountToken: ptr.To(false),
			RestartPolicy:                corev1.RestartPolicyNever,
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot:   ptr.To(true),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Containers: []corev1.Container{{
				Name: "osscli", Image: image, Args: args,
				SecurityContext: &corev1.SecurityContext{
					AllowPrivilegeEscalation: ptr.To(false),
					ReadOnlyRootFilesystem:   ptr.To(true),
					Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				},
			}},
		},
	}
}

// podResult waits for a run-once pod to end and returns its phase and
// its container's log.
func podResult(ctx context.Context, env *framework.Env, namespace, name string, timeout time.Duration) (corev1.PodPhase, string, error) {
	deadline := time.Now().Add(timeout)
	for {
		var p corev1.Pod
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &p); err != nil {
			return "", "", err
		}
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			logs, err := env.Kubectl(ctx, "logs", "-n", namespace, name)
			return p.Status.Phase, logs, err
		}
		if time.Now().After(deadline) {
			logs, _ := env.Kubectl(ctx, "logs", "-n", namespace, name)
			return p.Status.Phase, logs, fmt.Errorf("pod %s/%s still %s after %s", namespace, name, p.Status.Phase, timeout)
		}
		select {
		case <-ctx.Done():
			return "", "", ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// deletePod removes a pod at once, if it is there.
func deletePod(ctx context.Context, env *framework.Env, namespace, name string) error {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	err := env.Client.Delete(ctx, p, client.GracePeriodSeconds(0))
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// soakSummary is the last line osscli soak prints.
type soakSummary struct {
	Acknowledged int    `json:"acknowledged"`
	Failed       int    `json:"failed"`
	FirstFailure string `json:"firstFailure"`
	Keys         int    `json:"keys"`
}

// parseSoakSummary finds the summary line in a soak pod's log.
func parseSoakSummary(logs string) (soakSummary, error) {
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var s soakSummary
		if strings.HasPrefix(lines[i], "{") && json.Unmarshal([]byte(lines[i]), &s) == nil {
			return s, nil
		}
	}
	return soakSummary{}, fmt.Errorf("no summary line in the log:\n%s", logs)
}

// serviceAccountToken asks the API server for a token of a ServiceAccount
// with an audience, as the kubelet does for a projected volume.
func serviceAccountToken(ctx context.Context, env *framework.Env, namespace, name, audience string) (string, error) {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		Audiences: []string{audience}, ExpirationSeconds: ptr.To[int64](600)}}
	if err := env.Client.SubResource("token").Create(ctx, sa, req); err != nil {
		return "", err
	}
	return req.Status.Token, nil
}

// assumeRoleWithOIDC makes the anonymous exchange as credentials-go does
// and returns the status and the STS error code ("" on success).
func assumeRoleWithOIDC(ctx context.Context, hc *http.Client, endpoint, roleArn, providerArn, token string) (int, string, error) {
	q := url.Values{"Version": {"2015-04-01"}, "Action": {"AssumeRoleWithOIDC"}, "Format": {"JSON"},
		"Timestamp": {time.Now().UTC().Format("2006-01-02T15:04:05Z")}}
	form := url.Values{"RoleArn": {roleArn}, "OIDCProviderArn": {providerArn}, "OIDCToken": {token}, "RoleSessionName": {"e2e"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/?"+q.Encode(), strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	var out struct{ Code string }
	if err := json.Unmarshal(b, &out); err != nil {
		return resp.StatusCode, "", fmt.Errorf("STS answer %q: %w", b, err)
	}
	return resp.StatusCode, out.Code, nil
}

// secretVolumePod is an osscli pod that takes its key pair from an
// AccessKey's Secret mounted as a volume (re-read when the kubelet
// refreshes it) and its endpoint from the same Secret.
func secretVolumePod(namespace, name, image, secretName string, args []string) *corev1.Pod {
	const dir = "/etc/koss/credentials"
	p := clientPod(namespace, name, image, "default", args)
	c := &p.Spec.Containers[0]
	fromSecret := func(env, key string) corev1.EnvVar {
		return corev1.EnvVar{Name: env, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: secretName}, Key: key}}}
	}
	c.Env = []corev1.EnvVar{fromSecret("OSS_ENDPOINT", "OSS_ENDPOINT"), fromSecret("OSS_REGION", "OSS_REGION"),
		{Name: "OSS_CREDENTIALS_DIR", Value: dir}, {Name: "OSS_CA_FILE", Value: dir + "/ca.crt"}}
	c.VolumeMounts = []corev1.VolumeMount{{Name: "credentials", MountPath: dir, ReadOnly: true}}
	p.Spec.Volumes = []corev1.Volume{{Name: "credentials", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: secretName}}}}
	return p
}

// lastModified lists a prefix with each object's modification time.
func lastModified(ctx context.Context, c *oss.Client, bucket, prefix string) map[string]time.Time {
	out := map[string]time.Time{}
	p := c.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket), Prefix: oss.Ptr(prefix)})
	for p.HasNext() {
		page, err := p.NextPage(ctx)
		must(err)
		for _, o := range page.Contents {
			out[oss.ToString(o.Key)] = oss.ToTime(o.LastModified)
		}
	}
	return out
}
