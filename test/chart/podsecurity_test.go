package chart

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// TestDefaultsAreRestricted renders the chart with default values and checks
// every pod template against the "restricted" Pod Security Standard, so the
// chart installs into a namespace labelled
// pod-security.kubernetes.io/enforce: restricted. (The kossd pods are built
// by the operator; controllers/region tests them the same way.)
func TestDefaultsAreRestricted(t *testing.T) {
	objs, _ := render(t)
	pods := 0
	for _, o := range objs {
		var spec *corev1.PodSpec
		switch o.Kind {
		case "Deployment":
			var d appsv1.Deployment
			objs.decode(t, o.Kind, o.Namespace, o.Name, &d)
			spec = &d.Spec.Template.Spec
		case "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet":
			t.Errorf("%s %s: add it to this test's decoding", o.Kind, o.Name)
			continue
		default:
			continue
		}
		pods++
		checkRestrictedPod(t, o.Kind+" "+o.Name, spec)
	}
	if pods == 0 {
		t.Fatal("no pod template rendered")
	}
}

func checkRestrictedPod(t *testing.T, what string, spec *corev1.PodSpec) {
	t.Helper()
	psc := spec.SecurityContext
	podNonRoot := psc != nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot
	podSeccomp := psc != nil && psc.SeccompProfile != nil && psc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault
	if psc != nil && psc.RunAsUser != nil && *psc.RunAsUser == 0 {
		t.Errorf("%s: runAsUser 0", what)
	}
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		t.Errorf("%s: uses host namespaces", what)
	}
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			t.Errorf("%s: hostPath volume %s", what, v.Name)
		}
	}
	for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		sc := c.SecurityContext
		name := what + " container " + c.Name
		if !podNonRoot && (sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot) {
			t.Errorf("%s: runAsNonRoot is not true", name)
		}
		if !podSeccomp && (sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault) {
			t.Errorf("%s: seccompProfile is not RuntimeDefault", name)
		}
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s: allowPrivilegeEscalation is not false", name)
		}
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: readOnlyRootFilesystem is not true", name)
		}
		if sc == nil || sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) != 0 {
			t.Errorf("%s: capabilities do not drop exactly ALL", name)
		}
		if sc != nil && sc.Privileged != nil && *sc.Privileged {
			t.Errorf("%s: privileged", name)
		}
		if sc != nil && sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			t.Errorf("%s: runAsUser 0", name)
		}
	}
}
