package kubelet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// ErrConfig marks a container whose configuration cannot be built yet (a
// missing Secret key, an unsupported field path); the kubelet reports it as
// CreateContainerConfigError and retries, as a real kubelet does.
var ErrConfig = errors.New("container configuration error")

// expand replaces $(NAME) in s with mapping's value for NAME, leaving unknown
// references as they are and turning $$ into $, which is how the kubelet
// expands env values, command and args.
func expand(s string, lookup func(string) (string, bool)) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString("$(")
				i++
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// expandAll applies expand to each string.
func expandAll(in []string, lookup func(string) (string, bool)) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = expand(s, lookup)
	}
	return out
}

// objectSource reads the Secrets and ConfigMaps a pod refers to.
type objectSource interface {
	secret(ctx context.Context, namespace, name string) (*corev1.Secret, error)
	configMap(ctx context.Context, namespace, name string) (*corev1.ConfigMap, error)
}

// envVar is one resolved variable; order matters for $(VAR) expansion.
type envVar struct{ Name, Value string }

// buildEnv resolves a container's environment in the order Kubernetes
// defines: envFrom sources first, then env entries (each may refer to the
// ones before it), with base (KUBERNETES_SERVICE_HOST and friends) underneath.
func buildEnv(ctx context.Context, src objectSource, pod *corev1.Pod, c *corev1.Container, base []envVar, alloc corev1.ResourceList) ([]envVar, error) {
	vars := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			order = append(order, k)
		}
		vars[k] = v
	}
	for _, v := range base {
		set(v.Name, v.Value)
	}
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			cm, err := src.configMap(ctx, pod.Namespace, from.ConfigMapRef.Name)
			if err != nil {
				if isOptional(from.ConfigMapRef.Optional) && isNotFound(err) {
					continue
				}
				return nil, fmt.Errorf("%w: configmap %s: %w", ErrConfig, from.ConfigMapRef.Name, err)
			}
			for _, k := range sortedKeys(cm.Data) {
				set(from.Prefix+k, cm.Data[k])
			}
		case from.SecretRef != nil:
			s, err := src.secret(ctx, pod.Namespace, from.SecretRef.Name)
			if err != nil {
				if isOptional(from.SecretRef.Optional) && isNotFound(err) {
					continue
				}
				return nil, fmt.Errorf("%w: secret %s: %w", ErrConfig, from.SecretRef.Name, err)
			}
			for _, k := range sortedKeys(s.Data) {
				set(from.Prefix+k, string(s.Data[k]))
			}
		}
	}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			set(e.Name, expand(e.Value, lookup))
			continue
		}
		v, skip, err := envFromSource(ctx, src, pod, c, e.ValueFrom, alloc)
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", e.Name, err)
		}
		if !skip {
			set(e.Name, v)
		}
	}
	out := make([]envVar, 0, len(order))
	for _, k := range order {
		out = append(out, envVar{k, vars[k]})
	}
	return out, nil
}

func envFromSource(ctx context.Context, src objectSource, pod *corev1.Pod, c *corev1.Container, from *corev1.EnvVarSource, alloc corev1.ResourceList) (value string, skip bool, err error) {
	switch {
	case from.FieldRef != nil:
		v, err := podField(pod, from.FieldRef.FieldPath)
		return v, false, err
	case from.ResourceFieldRef != nil:
		v, err := resourceField(c, from.ResourceFieldRef, alloc)
		return v, false, err
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		s, err := src.secret(ctx, pod.Namespace, ref.Name)
		if err != nil {
			if isOptional(ref.Optional) && isNotFound(err) {
				return "", true, nil
			}
			return "", false, fmt.Errorf("%w: secret %s: %w", ErrConfig, ref.Name, err)
		}
		v, ok := s.Data[ref.Key]
		if !ok {
			if isOptional(ref.Optional) {
				return "", true, nil
			}
			return "", false, fmt.Errorf("%w: secret %s has no key %q", ErrConfig, ref.Name, ref.Key)
		}
		return string(v), false, nil
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		cm, err := src.configMap(ctx, pod.Namespace, ref.Name)
		if err != nil {
			if isOptional(ref.Optional) && isNotFound(err) {
				return "", true, nil
			}
			return "", false, fmt.Errorf("%w: configmap %s: %w", ErrConfig, ref.Name, err)
		}
		if v, ok := cm.Data[ref.Key]; ok {
			return v, false, nil
		}
		if v, ok := cm.BinaryData[ref.Key]; ok {
			return string(v), false, nil
		}
		if isOptional(ref.Optional) {
			return "", true, nil
		}
		return "", false, fmt.Errorf("%w: configmap %s has no key %q", ErrConfig, ref.Name, ref.Key)
	}
	return "", false, fmt.Errorf("%w: unsupported env source", ErrConfig)
}

// podField answers the downward API's field paths.
func podField(pod *corev1.Pod, path string) (string, error) {
	if k, ok := subscript(path, "metadata.labels"); ok {
		return pod.Labels[k], nil
	}
	if k, ok := subscript(path, "metadata.annotations"); ok {
		return pod.Annotations[k], nil
	}
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP":
		return pod.Status.HostIP, nil
	case "status.hostIPs":
		return joinIPs(pod.Status.HostIPs, func(ip corev1.HostIP) string { return ip.IP }), nil
	case "status.podIP":
		return pod.Status.PodIP, nil
	case "status.podIPs":
		return joinIPs(pod.Status.PodIPs, func(ip corev1.PodIP) string { return ip.IP }), nil
	}
	return "", fmt.Errorf("%w: unsupported field path %q", ErrConfig, path)
}

func joinIPs[T any](ips []T, ip func(T) string) string {
	s := make([]string, len(ips))
	for i := range ips {
		s[i] = ip(ips[i])
	}
	return strings.Join(s, ",")
}

// subscript parses `prefix['key']`.
func subscript(path, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(path, prefix+"['")
	if !ok || !strings.HasSuffix(rest, "']") {
		return "", false
	}
	return strings.TrimSuffix(rest, "']"), true
}

// formatMap renders labels or annotations the way the downward API volume
// does: sorted key="value" lines.
func formatMap(m map[string]string) string {
	var b strings.Builder
	for _, k := range sortedKeys(m) {
		fmt.Fprintf(&b, "%s=%q\n", k, m[k])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// resourceField answers resourceFieldRef; an unset limit falls back to the
// node's allocatable amount, as in Kubernetes.
func resourceField(c *corev1.Container, ref *corev1.ResourceFieldSelector, alloc corev1.ResourceList) (string, error) {
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok {
		return "", fmt.Errorf("%w: unsupported resource %q", ErrConfig, ref.Resource)
	}
	rn := corev1.ResourceName(name)
	var q resource.Quantity
	switch kind {
	case "limits":
		v, ok := c.Resources.Limits[rn]
		if !ok {
			v = alloc[rn]
		}
		q = v
	case "requests":
		q = c.Resources.Requests[rn]
	default:
		return "", fmt.Errorf("%w: unsupported resource %q", ErrConfig, ref.Resource)
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	v := math.Ceil(float64(q.MilliValue()) / float64(divisor.MilliValue()))
	return fmt.Sprintf("%d", int64(v)), nil
}

func isOptional(b *bool) bool { return b != nil && *b }
