package kubelet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ErrVolume means a pod's volume cannot be set up (yet): a claim not bound,
// a Secret missing, an unsupported volume type.
var ErrVolume = errors.New("volume setup")

// volumeFile is one file of a Secret, ConfigMap, projected or downward API
// volume.
type volumeFile struct {
	data []byte
	mode os.FileMode
}

// writeVolumeFiles publishes files in dir the way the kubelet's atomic
// writer does: the data goes to a fresh hidden directory, the ..data
// symlink is switched to it by a rename, and each top-level name is a
// symlink through ..data. A reader (inside a container, through a bind
// mount of dir) therefore sees either the old or the new set, never a mix.
// It reports whether anything changed.
func writeVolumeFiles(dir string, files map[string]volumeFile) (bool, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	if current, err := readVolumeFiles(filepath.Join(dir, "..data")); err == nil && sameFiles(current, files) {
		return false, nil
	}
	ts := "..ts_" + time.Now().UTC().Format("20060102T150405.000000000")
	tsDir := filepath.Join(dir, ts)
	if err := os.Mkdir(tsDir, 0o755); err != nil {
		return false, err
	}
	tops := map[string]bool{}
	for p, f := range files {
		clean := filepath.Clean(p)
		if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || strings.HasPrefix(clean, "..") {
			return false, fmt.Errorf("%w: bad file path %q", ErrVolume, p)
		}
		full := filepath.Join(tsDir, clean)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return false, err
		}
		if err := os.WriteFile(full, f.data, f.mode); err != nil {
			return false, err
		}
		if err := os.Chmod(full, f.mode); err != nil {
			return false, err
		}
		tops[strings.Split(clean, "/")[0]] = true
	}
	old, _ := os.Readlink(filepath.Join(dir, "..data"))
	tmpLink := filepath.Join(dir, "..data_tmp")
	_ = os.Remove(tmpLink)
	if err := os.Symlink(ts, tmpLink); err != nil {
		return false, err
	}
	if err := os.Rename(tmpLink, filepath.Join(dir, "..data")); err != nil {
		return false, err
	}
	for top := range tops {
		link := filepath.Join(dir, top)
		if _, err := os.Lstat(link); errors.Is(err, fs.ErrNotExist) {
			if err := os.Symlink(filepath.Join("..data", top), link); err != nil {
				return false, err
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "..") && !tops[e.Name()] {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	if old != "" && old != ts {
		_ = os.RemoveAll(filepath.Join(dir, old))
	}
	return true, nil
}

func readVolumeFiles(root string) (map[string]volumeFile, error) {
	out := map[string]volumeFile{}
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	err = filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(real, p)
		out[rel] = volumeFile{data: b, mode: fi.Mode().Perm()}
		return nil
	})
	return out, err
}

func sameFiles(a, b map[string]volumeFile) bool {
	if len(a) != len(b) {
		return false
	}
	for k, fa := range a {
		fb, ok := b[filepath.Clean(k)]
		if !ok {
			fb, ok = b[k]
		}
		if !ok || fa.mode != fb.mode.Perm() || !bytes.Equal(fa.data, fb.data) {
			return false
		}
	}
	return true
}

// keyFiles selects a Secret's or ConfigMap's keys as files: all keys, or
// the listed items (a missing listed key is an error unless optional).
func keyFiles(data map[string][]byte, items []corev1.KeyToPath, defaultMode *int32, optional bool, what string) (map[string]volumeFile, error) {
	mode := os.FileMode(0o644)
	if defaultMode != nil {
		mode = os.FileMode(*defaultMode)
	}
	out := map[string]volumeFile{}
	if len(items) == 0 {
		for k, v := range data {
			out[k] = volumeFile{v, mode}
		}
		return out, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, fmt.Errorf("%w: %s has no key %q", ErrVolume, what, it.Key)
		}
		m := mode
		if it.Mode != nil {
			m = os.FileMode(*it.Mode)
		}
		out[it.Path] = volumeFile{v, m}
	}
	return out, nil
}

func secretData(s *corev1.Secret) map[string][]byte { return s.Data }

func configMapData(cm *corev1.ConfigMap) map[string][]byte {
	out := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for k, v := range cm.Data {
		out[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		out[k] = v
	}
	return out
}

// volumeSet is a pod's prepared volumes: name -> host path.
type volumeSet map[string]string

// setupVolumes prepares every volume of the pod (creating or refreshing the
// directories); it is called before the first container starts and again
// periodically, so Secret, ConfigMap and token contents follow their
// sources as they do in Kubernetes.
func (w *podWorker) setupVolumes(ctx context.Context, pod *corev1.Pod) (volumeSet, error) {
	vs := volumeSet{}
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		p, err := w.setupVolume(ctx, pod, v)
		if err != nil {
			return nil, fmt.Errorf("volume %q: %w", v.Name, err)
		}
		vs[v.Name] = p
	}
	return vs, nil
}

func (w *podWorker) setupVolume(ctx context.Context, pod *corev1.Pod, v *corev1.Volume) (string, error) {
	dir := filepath.Join(w.dir, "volumes", v.Name)
	src := w.k.objects()
	switch {
	case v.EmptyDir != nil:
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return "", err
		}
		// 0777 whatever the umask, as the kubelet makes an emptyDir, so
		// any user of the pod can write it.
		if err := os.Chmod(dir, 0o777); err != nil {
			return "", err
		}
		return dir, w.applyFSGroup(pod, v.Name, dir)
	case v.HostPath != nil:
		if t := v.HostPath.Type; t != nil && *t == corev1.HostPathDirectoryOrCreate {
			if err := os.MkdirAll(v.HostPath.Path, 0o755); err != nil {
				return "", err
			}
		}
		return v.HostPath.Path, nil
	case v.Secret != nil:
		s, err := src.secret(ctx, pod.Namespace, v.Secret.SecretName)
		var files map[string]volumeFile
		switch {
		case err == nil:
			if files, err = keyFiles(secretData(s), v.Secret.Items, v.Secret.DefaultMode, isOptional(v.Secret.Optional), "secret "+v.Secret.SecretName); err != nil {
				return "", err
			}
		case isNotFound(err) && isOptional(v.Secret.Optional):
		default:
			return "", fmt.Errorf("%w: secret %s: %w", ErrVolume, v.Secret.SecretName, err)
		}
		_, err = writeVolumeFiles(dir, files)
		return dir, err
	case v.ConfigMap != nil:
		cm, err := src.configMap(ctx, pod.Namespace, v.ConfigMap.Name)
		var files map[string]volumeFile
		switch {
		case err == nil:
			if files, err = keyFiles(configMapData(cm), v.ConfigMap.Items, v.ConfigMap.DefaultMode, isOptional(v.ConfigMap.Optional), "configmap "+v.ConfigMap.Name); err != nil {
				return "", err
			}
		case isNotFound(err) && isOptional(v.ConfigMap.Optional):
		default:
			return "", fmt.Errorf("%w: configmap %s: %w", ErrVolume, v.ConfigMap.Name, err)
		}
		_, err = writeVolumeFiles(dir, files)
		return dir, err
	case v.DownwardAPI != nil:
		files, err := w.downwardFiles(pod, v.DownwardAPI.Items, v.DownwardAPI.DefaultMode)
		if err != nil {
			return "", err
		}
		_, err = writeVolumeFiles(dir, files)
		return dir, err
	case v.Projected != nil:
		files, err := w.projectedFiles(ctx, pod, v.Name, v.Projected)
		if err != nil {
			return "", err
		}
		_, err = writeVolumeFiles(dir, files)
		return dir, err
	case v.PersistentVolumeClaim != nil, v.Ephemeral != nil:
		claim := pod.Name + "-" + v.Name // the ephemeral volume controller's name
		if v.PersistentVolumeClaim != nil {
			claim = v.PersistentVolumeClaim.ClaimName
		}
		p, err := w.claimPath(ctx, pod.Namespace, claim)
		if err != nil {
			return "", err
		}
		return p, w.applyFSGroup(pod, v.Name, p)
	}
	return "", fmt.Errorf("%w: unsupported volume type", ErrVolume)
}

// claimPath returns the directory of a bound claim's volume.
func (w *podWorker) claimPath(ctx context.Context, ns, name string) (string, error) {
	pvc, err := w.k.client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("%w: claim %s: %w", ErrVolume, name, err)
	}
	if pvc.Spec.VolumeName == "" || pvc.Status.Phase != corev1.ClaimBound {
		return "", fmt.Errorf("%w: claim %s is not bound yet", ErrVolume, name)
	}
	pv, err := w.k.client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("%w: volume %s: %w", ErrVolume, pvc.Spec.VolumeName, err)
	}
	switch {
	case pv.Spec.HostPath != nil:
		return pv.Spec.HostPath.Path, os.MkdirAll(pv.Spec.HostPath.Path, 0o777)
	case pv.Spec.Local != nil:
		return pv.Spec.Local.Path, nil
	}
	return "", fmt.Errorf("%w: volume %s is neither hostPath nor local", ErrVolume, pv.Name)
}

func (w *podWorker) downwardFiles(pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile, defaultMode *int32) (map[string]volumeFile, error) {
	mode := os.FileMode(0o644)
	if defaultMode != nil {
		mode = os.FileMode(*defaultMode)
	}
	out := map[string]volumeFile{}
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = podField(pod, it.FieldRef.FieldPath)
		case it.ResourceFieldRef != nil:
			c := findContainer(pod, it.ResourceFieldRef.ContainerName)
			if c == nil {
				return nil, fmt.Errorf("%w: no container %q", ErrVolume, it.ResourceFieldRef.ContainerName)
			}
			v, err = resourceField(c, it.ResourceFieldRef, w.k.capacity)
		}
		if err != nil {
			return nil, err
		}
		m := mode
		if it.Mode != nil {
			m = os.FileMode(*it.Mode)
		}
		out[it.Path] = volumeFile{[]byte(v), m}
	}
	return out, nil
}

func findContainer(pod *corev1.Pod, name string) *corev1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name || name == "" {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}

// projectedFiles merges a projected volume's sources; the service-account
// token source is what the ServiceAccount admission plugin adds to every
// pod (kube-api-access-*: token, ca.crt, namespace).
func (w *podWorker) projectedFiles(ctx context.Context, pod *corev1.Pod, volName string, pv *corev1.ProjectedVolumeSource) (map[string]volumeFile, error) {
	src := w.k.objects()
	out := map[string]volumeFile{}
	merge := func(m map[string]volumeFile) {
		for k, v := range m {
			out[k] = v
		}
	}
	for i, s := range pv.Sources {
		switch {
		case s.Secret != nil:
			sec, err := src.secret(ctx, pod.Namespace, s.Secret.Name)
			if err != nil {
				if isNotFound(err) && isOptional(s.Secret.Optional) {
					continue
				}
				return nil, fmt.Errorf("%w: secret %s: %w", ErrVolume, s.Secret.Name, err)
			}
			m, err := keyFiles(secretData(sec), s.Secret.Items, pv.DefaultMode, isOptional(s.Secret.Optional), "secret "+s.Secret.Name)
			if err != nil {
				return nil, err
			}
			merge(m)
		case s.ConfigMap != nil:
			cm, err := src.configMap(ctx, pod.Namespace, s.ConfigMap.Name)
			if err != nil {
				if isNotFound(err) && isOptional(s.ConfigMap.Optional) {
					continue
				}
				return nil, fmt.Errorf("%w: configmap %s: %w", ErrVolume, s.ConfigMap.Name, err)
			}
			m, err := keyFiles(configMapData(cm), s.ConfigMap.Items, pv.DefaultMode, isOptional(s.ConfigMap.Optional), "configmap "+s.ConfigMap.Name)
			if err != nil {
				return nil, err
			}
			merge(m)
		case s.DownwardAPI != nil:
			m, err := w.downwardFiles(pod, s.DownwardAPI.Items, pv.DefaultMode)
			if err != nil {
				return nil, err
			}
			merge(m)
		case s.ServiceAccountToken != nil:
			tok, err := w.token(ctx, pod, fmt.Sprintf("%s/%d", volName, i), s.ServiceAccountToken)
			if err != nil {
				return nil, err
			}
			mode := os.FileMode(0o644)
			if pv.DefaultMode != nil {
				mode = os.FileMode(*pv.DefaultMode)
			}
			out[s.ServiceAccountToken.Path] = volumeFile{[]byte(tok), mode}
		case s.ClusterTrustBundle != nil, s.PodCertificate != nil:
			return nil, fmt.Errorf("%w: unsupported projected source", ErrVolume)
		}
	}
	return out, nil
}

// cachedToken is a service-account token and when to replace it.
type cachedToken struct {
	token   string
	refresh time.Time
}

// token returns a pod-bound service-account token from the TokenRequest
// API, reusing it until 80% of its lifetime has passed, as the kubelet does.
func (w *podWorker) token(ctx context.Context, pod *corev1.Pod, key string, s *corev1.ServiceAccountTokenProjection) (string, error) {
	w.mu.Lock()
	ct, ok := w.tokens[key]
	w.mu.Unlock()
	if ok && time.Now().Before(ct.refresh) {
		return ct.token, nil
	}
	exp := int64(3600)
	if s.ExpirationSeconds != nil {
		exp = *s.ExpirationSeconds
	}
	var aud []string
	if s.Audience != "" {
		aud = []string{s.Audience}
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	tr, err := w.k.client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{
			Audiences:         aud,
			ExpirationSeconds: &exp,
			BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("%w: token for service account %s: %w", ErrVolume, sa, err)
	}
	issued := time.Now()
	life := tr.Status.ExpirationTimestamp.Sub(issued)
	if life <= 0 {
		life = time.Duration(exp) * time.Second
	}
	w.mu.Lock()
	w.tokens[key] = cachedToken{token: tr.Status.Token, refresh: issued.Add(life * 8 / 10)}
	w.mu.Unlock()
	return tr.Status.Token, nil
}

// applyFSGroup gives a writable volume to the pod's fsGroup, as the
// kubelet's volume ownership management does for emptyDir and claims (not
// hostPath): every file's group becomes fsGroup, with group read and write
// (and search on directories), and directories get the set-group-id bit
// so new files inherit the group. Done once per volume and pod start,
// recursively, like fsGroupChangePolicy Always; so data written by an
// earlier pod running as another user stays usable.
func (w *podWorker) applyFSGroup(pod *corev1.Pod, volume, dir string) error {
	sc := pod.Spec.SecurityContext
	if sc == nil || sc.FSGroup == nil {
		return nil
	}
	w.mu.Lock()
	done := w.fsGroupDone[volume]
	w.mu.Unlock()
	if done {
		return nil
	}
	gid := int(*sc.FSGroup)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(p, -1, gid); err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		mode := fi.Mode()
		perm := mode.Perm() | 0o060
		extra := mode & (os.ModeSetuid | os.ModeSticky)
		if d.IsDir() {
			perm |= 0o010
			extra |= os.ModeSetgid
		}
		return os.Chmod(p, perm|extra)
	})
	if err != nil {
		return fmt.Errorf("%w: fsGroup %d on %s: %w", ErrVolume, gid, volume, err)
	}
	w.mu.Lock()
	if w.fsGroupDone == nil {
		w.fsGroupDone = map[string]bool{}
	}
	w.fsGroupDone[volume] = true
	w.mu.Unlock()
	return nil
}
