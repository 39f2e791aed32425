package kubelet

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podPhase derives a pod's phase from its container statuses with the
// kubelet's rules: any container never started yet keeps it Pending; a
// running one makes it Running; when all have stopped, the restart policy
// decides between Running (they will restart), Succeeded and Failed.
func podPhase(policy corev1.RestartPolicy, initDone, initFailed bool, statuses []corev1.ContainerStatus) corev1.PodPhase {
	if initFailed {
		return corev1.PodFailed
	}
	if !initDone {
		return corev1.PodPending
	}
	var waiting, running, stopped, succeeded int
	for _, cs := range statuses {
		switch {
		case cs.State.Running != nil:
			running++
		case cs.State.Terminated != nil:
			stopped++
			if cs.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case cs.LastTerminationState.Terminated != nil:
			stopped++ // waiting to restart
		default:
			waiting++
		}
	}
	switch {
	case waiting > 0:
		return corev1.PodPending
	case running > 0:
		return corev1.PodRunning
	case stopped > 0:
		switch {
		case policy == corev1.RestartPolicyAlways:
			return corev1.PodRunning
		case stopped == succeeded:
			return corev1.PodSucceeded
		case policy == corev1.RestartPolicyNever:
			return corev1.PodFailed
		}
		return corev1.PodRunning
	}
	return corev1.PodPending
}

// podConditions computes the kubelet-owned conditions.
type condInput struct {
	sandboxReady bool
	initDone     bool
	phase        corev1.PodPhase
	statuses     []corev1.ContainerStatus
	gatesOK      bool
}

func kubeletConditions(in condInput) []corev1.PodCondition {
	cond := func(t corev1.PodConditionType, ok bool, reason string) corev1.PodCondition {
		c := corev1.PodCondition{Type: t, Status: corev1.ConditionFalse, Reason: reason}
		if ok {
			c.Status, c.Reason = corev1.ConditionTrue, ""
		}
		return c
	}
	terminal := in.phase == corev1.PodSucceeded || in.phase == corev1.PodFailed
	allReady := len(in.statuses) > 0
	for _, cs := range in.statuses {
		allReady = allReady && cs.Ready
	}
	notReady := "ContainersNotReady"
	if terminal {
		notReady = "PodCompleted"
	}
	initReason := "ContainersNotInitialized"
	if terminal && in.initDone {
		initReason = "PodCompleted"
	}
	ready := cond(corev1.PodReady, allReady && in.gatesOK && !terminal, notReady)
	if allReady && !in.gatesOK && !terminal {
		ready.Reason = "ReadinessGatesNotReady"
	}
	return []corev1.PodCondition{
		cond(corev1.PodReadyToStartContainers, in.sandboxReady && !terminal, ""),
		cond(corev1.PodInitialized, in.initDone, initReason),
		cond(corev1.ContainersReady, allReady && !terminal, notReady),
		ready,
	}
}

// mergeConditions replaces the kubelet's condition types in old with fresh
// ones, keeping other components' conditions (PodScheduled,
// DisruptionTarget, readiness gates) and each unchanged condition's
// transition time.
func mergeConditions(old, fresh []corev1.PodCondition, now metav1.Time, generation int64) []corev1.PodCondition {
	byType := map[corev1.PodConditionType]corev1.PodCondition{}
	for _, c := range old {
		byType[c.Type] = c
	}
	owned := map[corev1.PodConditionType]bool{}
	for _, c := range fresh {
		owned[c.Type] = true
	}
	var out []corev1.PodCondition
	for _, c := range old {
		if !owned[c.Type] {
			out = append(out, c)
		}
	}
	for _, c := range fresh {
		c.LastTransitionTime = now
		if prev, ok := byType[c.Type]; ok && prev.Status == c.Status {
			c.LastTransitionTime = prev.LastTransitionTime
		}
		c.ObservedGeneration = generation
		out = append(out, c)
	}
	return out
}

// readinessGatesOK reports whether every readiness gate's condition is True.
func readinessGatesOK(pod *corev1.Pod) bool {
	for _, g := range pod.Spec.ReadinessGates {
		ok := false
		for _, c := range pod.Status.Conditions {
			if c.Type == g.ConditionType && c.Status == corev1.ConditionTrue {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// restartDelay is the crash-loop back-off before the n-th restart (n from
// 1): the first restart is immediate, then initial, doubling up to max.
func restartDelay(n int, initial, maxDelay time.Duration) time.Duration {
	if n <= 1 {
		return 0
	}
	d := initial
	for i := 2; i < n && d < maxDelay; i++ {
		d *= 2
	}
	return min(d, maxDelay)
}
