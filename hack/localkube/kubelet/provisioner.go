package kubelet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Provisioner defaults.
const (
	DefaultStorageClass = "standard"
	DefaultProvisioner  = "koss.io/local-path"
	provisionedByAnn    = "pv.kubernetes.io/provisioned-by"
)

// ProvisionerConfig configures a Provisioner.
type ProvisionerConfig struct {
	// Client manages StorageClasses, PersistentVolumes and reads claims.
	Client kubernetes.Interface
	// Dir holds one directory per volume.
	Dir string
	// StorageClass is the default StorageClass created and served,
	// DefaultStorageClass when empty.
	StorageClass string
	// Name is the provisioner name, DefaultProvisioner when empty.
	Name string
	// Logger; nil discards.
	Logger *slog.Logger
}

// Provisioner is a dynamic volume provisioner for local directories: it
// creates a default StorageClass and, for each claim of that class, a
// hostPath PersistentVolume pre-bound to the claim (the controller
// manager's binder completes the binding). A claim's directory lives as long
// as its PersistentVolume, so a StatefulSet pod that is deleted and
// re-created finds its data again. With the Delete reclaim policy a
// released volume's directory and object are removed. Claims of
// CappedStorageClass get a file system of their requested size mounted on
// that directory (capped.go), for tests that fill a volume.
type Provisioner struct {
	cfg   ProvisionerConfig
	log   *slog.Logger
	queue workqueue.TypedRateLimitingInterface[string]
}

// NewProvisioner checks the configuration.
func NewProvisioner(cfg ProvisionerConfig) (*Provisioner, error) {
	if cfg.Client == nil || cfg.Dir == "" {
		return nil, errors.New("kubelet provisioner: Client and Dir are required")
	}
	if cfg.StorageClass == "" {
		cfg.StorageClass = DefaultStorageClass
	}
	if cfg.Name == "" {
		cfg.Name = DefaultProvisioner
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	cfg.Dir = dir
	return &Provisioner{cfg: cfg, log: orDiscard(cfg.Logger)}, nil
}

// Run serves claims until ctx ends.
func (p *Provisioner) Run(ctx context.Context) error {
	if err := os.MkdirAll(p.cfg.Dir, 0o755); err != nil {
		return err
	}
	if err := p.ensureClass(ctx); err != nil {
		return err
	}
	p.queue = workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())
	defer p.queue.ShutDown()
	factory := informers.NewSharedInformerFactory(p.cfg.Client, 0)
	pvcs := factory.Core().V1().PersistentVolumeClaims()
	pvs := factory.Core().V1().PersistentVolumes()
	enqueue := func(prefix string) func(any) {
		return func(obj any) {
			if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
				p.queue.Add(prefix + key)
			}
		}
	}
	for inf, prefix := range map[cache.SharedIndexInformer]string{pvcs.Informer(): "pvc:", pvs.Informer(): "pv:"} {
		add := enqueue(prefix)
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    add,
			UpdateFunc: func(_, o any) { add(o) },
		}); err != nil {
			return err
		}
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), pvcs.Informer().HasSynced, pvs.Informer().HasSynced) {
		return ctx.Err()
	}
	go func() {
		<-ctx.Done()
		p.queue.ShutDown()
	}()
	for {
		key, quit := p.queue.Get()
		if quit {
			return nil
		}
		var err error
		if rest, ok := strings.CutPrefix(key, "pvc:"); ok {
			ns, name, _ := cache.SplitMetaNamespaceKey(rest)
			var pvc *corev1.PersistentVolumeClaim
			if pvc, err = pvcs.Lister().PersistentVolumeClaims(ns).Get(name); err == nil {
				err = p.provision(ctx, pvc)
			}
		} else {
			var pv *corev1.PersistentVolume
			if pv, err = pvs.Lister().Get(strings.TrimPrefix(key, "pv:")); err == nil {
				err = p.reclaim(ctx, pv)
			}
		}
		if err != nil && !apierrors.IsNotFound(err) && ctx.Err() == nil {
			p.log.Warn("volume", "key", key, "err", err)
			p.queue.AddRateLimited(key)
		} else {
			p.queue.Forget(key)
		}
		p.queue.Done(key)
	}
}

// ensureClass creates the default StorageClass and the capped one.
func (p *Provisioner) ensureClass(ctx context.Context) error {
	policy := corev1.PersistentVolumeReclaimDelete
	mode := storagev1.VolumeBindingImmediate
	class := func(name string, annotations map[string]string) *storagev1.StorageClass {
		return &storagev1.StorageClass{
			ObjectMeta:        metav1.ObjectMeta{Name: name, Annotations: annotations},
			Provisioner:       p.cfg.Name,
			ReclaimPolicy:     &policy,
			VolumeBindingMode: &mode,
		}
	}
	for _, sc := range []*storagev1.StorageClass{
		class(p.cfg.StorageClass, map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}),
		class(CappedStorageClass, nil),
	} {
		for {
			_, err := p.cfg.Client.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{})
			if err == nil || apierrors.IsAlreadyExists(err) {
				break
			}
			p.log.Warn("create storage class", "class", sc.Name, "err", err)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Second):
			}
		}
	}
	return nil
}

func (p *Provisioner) provision(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	if pvc.Spec.VolumeName != "" || pvc.DeletionTimestamp != nil || pvc.Status.Phase != corev1.ClaimPending {
		return nil
	}
	if pvc.Spec.StorageClassName == nil {
		return nil
	}
	class := *pvc.Spec.StorageClassName
	if class != p.cfg.StorageClass && class != CappedStorageClass {
		return nil
	}
	name := "pvc-" + string(pvc.UID)
	dir := filepath.Join(p.cfg.Dir, pvc.Namespace+"_"+pvc.Name+"_"+name)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	size := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if size.IsZero() {
		size = resource.MustParse("1Gi")
	}
	if class == CappedStorageClass {
		kind, err := mountCapped(dir, size.Value())
		if err != nil {
			return err
		}
		p.log.Info("mounted a capped volume", "pvc", pvc.Namespace+"/"+pvc.Name, "size", size.String(), "fs", kind)
	}
	hostPathType := corev1.HostPathDirectory
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{provisionedByAnn: p.cfg.Name},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes:                   pvc.Spec.AccessModes,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			StorageClassName:              class,
			VolumeMode:                    pvc.Spec.VolumeMode,
			ClaimRef: &corev1.ObjectReference{
				Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID, ResourceVersion: pvc.ResourceVersion,
			},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: dir, Type: &hostPathType},
			},
		},
	}
	if len(pv.Spec.AccessModes) == 0 {
		pv.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	_, err := p.cfg.Client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
		return nil // the claim's update raced the binding
	case err != nil:
		return fmt.Errorf("create %s: %w", name, err)
	}
	p.log.Info("provisioned", "pvc", pvc.Namespace+"/"+pvc.Name, "pv", name, "dir", dir)
	return nil
}

func (p *Provisioner) reclaim(ctx context.Context, pv *corev1.PersistentVolume) error {
	if pv.Annotations[provisionedByAnn] != p.cfg.Name || pv.Status.Phase != corev1.VolumeReleased ||
		pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete || pv.DeletionTimestamp != nil {
		return nil
	}
	if hp := pv.Spec.HostPath; hp != nil && filepath.Dir(hp.Path) == p.cfg.Dir {
		if err := unmountCapped(hp.Path); err != nil {
			return err
		}
		if err := os.RemoveAll(hp.Path); err != nil {
			return err
		}
	}
	err := p.cfg.Client.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pv.UID}})
	if err == nil {
		p.log.Info("deleted released volume", "pv", pv.Name)
	}
	return err
}
