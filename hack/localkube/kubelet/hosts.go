package kubelet

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// hostRecord is one name the cluster DNS would answer: Name is relative to
// the namespace ("web" for a Service, "web-0.web" for a pod behind a
// headless Service), so it can be rendered with or without the namespace's
// short forms.
type hostRecord struct {
	IP        string
	Namespace string
	Name      string
}

// serviceRecords computes the DNS records of Services the way cluster DNS
// does: a ClusterIP Service's name points at its virtual IP (vip returns ""
// when the Service has none that is reachable here); a headless Service's
// name points at each ready pod it selects (all of them with
// publishNotReadyAddresses), and a pod whose spec.subdomain names the
// Service also gets <hostname>.<service>.
func serviceRecords(svcs []*corev1.Service, pods []*corev1.Pod, vip func(*corev1.Service) string) []hostRecord {
	var out []hostRecord
	for _, svc := range svcs {
		switch {
		case svc.Spec.Type == corev1.ServiceTypeExternalName:
			continue
		case svc.Spec.ClusterIP == corev1.ClusterIPNone:
			if len(svc.Spec.Selector) == 0 {
				continue
			}
			sel := labels.SelectorFromSet(svc.Spec.Selector)
			for _, p := range pods {
				if p.Namespace != svc.Namespace || !sel.Matches(labels.Set(p.Labels)) {
					continue
				}
				if !podServes(p, svc.Spec.PublishNotReadyAddresses) {
					continue
				}
				out = append(out, hostRecord{p.Status.PodIP, svc.Namespace, svc.Name})
				if p.Spec.Subdomain == svc.Name && p.Spec.Hostname != "" {
					out = append(out, hostRecord{p.Status.PodIP, svc.Namespace, p.Spec.Hostname + "." + svc.Name})
				}
			}
		default:
			if ip := vip(svc); ip != "" {
				out = append(out, hostRecord{ip, svc.Namespace, svc.Name})
			}
		}
	}
	slices.SortFunc(out, func(a, b hostRecord) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name), cmp.Compare(a.IP, b.IP))
	})
	return slices.Compact(out)
}

// podServes reports whether a pod is an endpoint: it has an IP, is not
// finished or terminating, and is Ready unless not-ready ones count too.
func podServes(p *corev1.Pod, notReadyToo bool) bool {
	if p.Status.PodIP == "" || p.DeletionTimestamp != nil {
		return false
	}
	if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return false
	}
	return notReadyToo || podReady(p)
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// recordNames lists the names a record answers to for a resolver in
// namespace ns ("" for the host, which has no search path): the full name,
// the shorter forms a pod's search path would complete, and the bare
// relative name inside the record's own namespace.
func recordNames(r hostRecord, ns, domain string) []string {
	names := []string{
		r.Name + "." + r.Namespace + ".svc." + domain,
		r.Name + "." + r.Namespace + ".svc",
		r.Name + "." + r.Namespace,
	}
	if ns == r.Namespace {
		names = append(names, r.Name)
	}
	return names
}

// podHostsInfo is what a pod's own lines in its hosts file need.
type podHostsInfo struct {
	IP        string
	Hostname  string
	Subdomain string
	Namespace string
	Aliases   []corev1.HostAlias
}

// hostnameOf returns a pod's hostname: spec.hostname, else its name cut to
// 63 characters, as the kubelet does.
func hostnameOf(p *corev1.Pod) string {
	h := p.Spec.Hostname
	if h == "" {
		h = p.Name
	}
	if len(h) > 63 {
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}

// renderHosts writes a pod's /etc/hosts: loopback, the pod's own name (its
// fully qualified one when it sits behind a headless Service), its
// hostAliases, then every cluster record with the short forms its namespace
// allows. own.IP == "" renders the host's view (no own lines, no short
// forms).
func renderHosts(own podHostsInfo, records []hostRecord, domain string) []byte {
	var b bytes.Buffer
	b.WriteString("# Kubernetes-managed hosts file (koss process kubelet).\n")
	b.WriteString("127.0.0.1\tlocalhost\n")
	b.WriteString("::1\tlocalhost ip6-localhost ip6-loopback\n")
	if own.IP != "" {
		if own.Subdomain != "" {
			fmt.Fprintf(&b, "%s\t%s.%s.%s.svc.%s\t%s\n", own.IP, own.Hostname, own.Subdomain, own.Namespace, domain, own.Hostname)
		} else {
			fmt.Fprintf(&b, "%s\t%s\n", own.IP, own.Hostname)
		}
		for _, a := range own.Aliases {
			fmt.Fprintf(&b, "%s\t%s\n", a.IP, strings.Join(a.Hostnames, "\t"))
		}
	}
	for _, r := range records {
		fmt.Fprintf(&b, "%s\t%s\n", r.IP, strings.Join(recordNames(r, own.Namespace, domain), " "))
	}
	return b.Bytes()
}

// writeHostsInPlace updates a hosts file that is bind-mounted into running
// pods. A bind mount pins the inode, so a rename would never reach them: the
// file is rewritten in place instead. It never shrinks (shorter content is
// padded with a blank line of spaces) so a reader never sees a truncated
// file, only, at worst for an instant, a mix of two complete versions'
// bytes.
func writeHostsInPlace(path string, content []byte) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	old, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	if n := len(old) - len(content); n > 0 {
		content = append(append(slices.Clone(content), bytes.Repeat([]byte{' '}, n-1)...), '\n')
	}
	if bytes.Equal(old, content) {
		return nil
	}
	if _, err := f.WriteAt(content, 0); err != nil {
		return err
	}
	return nil
}
