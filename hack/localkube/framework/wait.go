package framework

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

// ErrTimeout means objects did not become ready in time.
var ErrTimeout = errors.New("timed out")

// Object names a manifest's object.
type Object struct {
	Kind string
	Name string
}

// String is kind/name in kubectl's lower-case form (region/demo).
func (o Object) String() string { return strings.ToLower(o.Kind) + "/" + o.Name }

// Samples lists the objects of config/samples, in the order of its
// kustomization's resources.
func (e *Env) Samples() ([]Object, error) {
	return ReadKustomization(e.SamplesDir())
}

// ReadKustomization reads the objects of the resources (files) a
// kustomization.yaml in dir lists.
func ReadKustomization(dir string) ([]Object, error) {
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, err
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "kustomization.yaml"), err)
	}
	var objs []Object
	for _, r := range k.Resources {
		path := filepath.Join(dir, r)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		for doc := range strings.SplitSeq(string(b), "\n---") {
			var m struct {
				Kind     string `json:"kind"`
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			if m.Kind != "" {
				objs = append(objs, Object{Kind: m.Kind, Name: m.Metadata.Name})
			}
		}
	}
	return objs, nil
}

// ObjectState is what WaitReady reports about one object.
type ObjectState struct {
	Object
	Ready bool
	// Summary is one line: the condition that decides readiness, its reason
	// and message, and for a Region its ready pods.
	Summary string
}

// State reads one koss.io object and says whether it is ready: a Region
// when Available with every replica ready, a Bucket or an AccessKey when
// Ready; in each case for its current generation.
func (e *Env) State(ctx context.Context, namespace string, o Object) (ObjectState, error) {
	st := ObjectState{Object: o}
	key := client.ObjectKey{Namespace: namespace, Name: o.Name}
	var (
		conds      []metav1.Condition
		condType   string
		generation int64
		observed   int64
		extra      string
		extraReady = true
	)
	switch o.Kind {
	case "Region":
		var r kossv1alpha1.Region
		if err := e.Client.Get(ctx, key, &r); err != nil {
			return st, err
		}
		conds, condType, generation, observed = r.Status.Conditions, kossv1alpha1.RegionAvailableCondition, r.Generation, r.Status.ObservedGeneration
		want := r.Spec.Replicas
		if want == 0 {
			want = kossv1alpha1.DefaultRegionReplicas
		}
		extra = fmt.Sprintf("%d/%d pods ready", r.Status.ReadyReplicas, want)
		extraReady = r.Status.ReadyReplicas == want && r.Status.Replicas == want
		if extraReady {
			// The status may be a previous run's (a resumed cluster): ask the pods themselves.
			if err := e.PodsServing(ctx, namespace, o.Name); err != nil {
				extra, extraReady = err.Error(), false
			}
		}
	case "Bucket":
		var b kossv1alpha1.Bucket
		if err := e.Client.Get(ctx, key, &b); err != nil {
			return st, err
		}
		conds, condType, generation, observed = b.Status.Conditions, kossv1alpha1.BucketReadyCondition, b.Generation, b.Status.ObservedGeneration
	case "AccessKey":
		var a kossv1alpha1.AccessKey
		if err := e.Client.Get(ctx, key, &a); err != nil {
			return st, err
		}
		conds, condType, generation, observed = a.Status.Conditions, kossv1alpha1.AccessKeyReadyCondition, a.Generation, a.Status.ObservedGeneration
	default:
		return st, fmt.Errorf("framework: no readiness rule for kind %s", o.Kind)
	}
	c := meta.FindStatusCondition(conds, condType)
	var parts []string
	if extra != "" {
		parts = append(parts, extra)
	}
	if c == nil {
		parts = append(parts, condType+" not reported yet")
	} else {
		s := fmt.Sprintf("%s=%s", condType, c.Status)
		if c.Reason != "" {
			s += " (" + c.Reason + ")"
		}
		if c.Message != "" {
			s += ": " + c.Message
		}
		parts = append(parts, s)
	}
	st.Ready = c != nil && c.Status == metav1.ConditionTrue && observed == generation && extraReady
	if observed != generation {
		parts = append(parts, fmt.Sprintf("generation %d not observed yet", generation))
	}
	st.Summary = strings.Join(parts, ", ")
	return st, nil
}

// PodsServing checks that every pod of a Region answers GET /-/readyz on
// its pod IP (reachable from this machine). A TLS Region's pods are asked
// over https by their DNS names (<pod>.<region>-peers.<ns>.svc.cluster.local,
// which the certificate names, dialled through the cluster's DNS), trusting
// the Region's CA: a pod that serves a certificate clients cannot verify is
// not serving.
func (e *Env) PodsServing(ctx context.Context, namespace, region string) error {
	tlsOn, err := e.regionTLS(ctx, namespace, region)
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: 3 * time.Second}
	podURL := func(p *corev1.Pod) string { return fmt.Sprintf("http://%s:9000/-/readyz", p.Status.PodIP) }
	if tlsOn {
		ca, err := e.RegionCA(ctx, namespace, region)
		if err != nil {
			return err
		}
		hc = e.HTTPClientTrusting(ca)
		hc.Timeout = 3 * time.Second
		podURL = func(p *corev1.Pod) string {
			return fmt.Sprintf("https://%s.%s-peers.%s.svc.cluster.local:9000/-/readyz", p.Name, region, namespace)
		}
	}
	var pods corev1.PodList
	if err := e.Client.List(ctx, &pods, client.InNamespace(namespace),
		client.MatchingLabels{"app.kubernetes.io/name": "kossd", "app.kubernetes.io/instance": region}); err != nil {
		return err
	}
	if len(pods.Items) == 0 {
		return fmt.Errorf("%w: no pods", ErrNotReady)
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.Status.PodIP == "" {
			return fmt.Errorf("%w: pod %s has no IP yet", ErrNotReady, p.Name)
		}
		if err := httpOK(ctx, hc, podURL(p)); err != nil {
			return fmt.Errorf("%w: pod %s does not answer /-/readyz yet: %w", ErrNotReady, p.Name, err)
		}
	}
	return nil
}

func httpOK(ctx context.Context, hc *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

// WaitReady polls the objects until every one is ready (see State),
// writing a line to progress whenever an object's state changes. On
// timeout the error lists what is not ready and where to look.
func (e *Env) WaitReady(ctx context.Context, namespace string, objs []Object, timeout time.Duration, progress io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := map[Object]string{}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		var pending []string
		for _, o := range objs {
			st, err := e.State(ctx, namespace, o)
			line := st.Summary
			if err != nil {
				line = "not readable: " + err.Error()
			}
			if err != nil || !st.Ready {
				pending = append(pending, o.String()+": "+line)
			}
			if last[o] != line {
				last[o] = line
				mark := "waiting"
				if err == nil && st.Ready {
					mark = "ready"
				}
				fmt.Fprintf(progress, "    %-7s %s: %s\n", mark, o, line)
			}
		}
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%w after %v waiting for\n  %s\n%s", ErrTimeout, timeout, strings.Join(pending, "\n  "), e.Pointers(namespace))
			}
			return ctx.Err()
		case <-e.Cluster.Failed():
			return fmt.Errorf("local cluster failed: %w\n%s", e.Cluster.Err(), e.Pointers(namespace))
		case <-tick.C:
		}
	}
}

// Pointers tells a user where to look when something does not come up.
func (e *Env) Pointers(namespace string) string {
	kubectl := filepath.Join(e.bins.K8sDir, "kubectl")
	lines := []string{
		"Look at:",
		fmt.Sprintf("  export KUBECONFIG=%s", e.Cluster.KubeconfigPath()),
		fmt.Sprintf("  %s -n %s describe regions,buckets,accesskeys,pods", kubectl, namespace),
		fmt.Sprintf("  %s get events -A --sort-by=.lastTimestamp", kubectl),
		fmt.Sprintf("  operator log:   %s", e.operatorLogHint()),
		fmt.Sprintf("  kossd logs:     %s", filepath.Join(e.Cluster.PodLogDir(), namespace+"_*", "kossd", "*.log")),
		fmt.Sprintf("  control plane:  %s", e.Cluster.LogDir()),
	}
	return strings.Join(lines, "\n")
}
