package kubelet

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// ErrImagePull means a container's image is not in the node's image store
// (nor mapped to a local binary): the pod waits with ErrImagePull, then
// ImagePullBackOff, as on a node that cannot pull it.
var ErrImagePull = errors.New("image not found in the local image store")

// refNameAnnotation names an entry of an OCI layout's index.json.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// storeImage is an image resolved for this machine's platform and
// unpacked.
type storeImage struct {
	// Digest of the platform's image manifest: the cache key and ImageID.
	Digest string
	// RootFS is the unpacked, flattened file system (read-only to pods:
	// they see it through an overlay).
	RootFS string
	// Config is the image's runtime configuration.
	Config v1.Config
}

// imageStore resolves references in an OCI image layout (the node's image
// store, written by hack/imagebuild) and unpacks images into a cache by
// manifest digest, once, however many pods run them.
type imageStore struct {
	layoutDir string
	cacheDir  string
}

// unpackLocks serializes unpacking of one digest in this process (several
// kubelets of a cluster share the cache); across processes the rename of
// a finished tree decides.
var unpackLocks sync.Map // cache path → *sync.Mutex

// resolve finds ref in the layout (an image index is narrowed to
// linux/GOARCH) and returns it unpacked.
func (s *imageStore) resolve(ref string) (*storeImage, error) {
	want, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrImagePull, ref, err)
	}
	p, err := layout.FromPath(s.layoutDir)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: store %s: %w", ErrImagePull, ref, s.layoutDir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrImagePull, ref, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrImagePull, ref, err)
	}
	for _, d := range im.Manifests {
		have, err := name.ParseReference(d.Annotations[refNameAnnotation])
		if err != nil || have.Name() != want.Name() {
			continue
		}
		img, err := s.platformImage(idx, d)
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %w", ErrImagePull, ref, err)
		}
		return s.unpack(img)
	}
	return nil, fmt.Errorf("%w: %q (store %s)", ErrImagePull, ref, s.layoutDir)
}

// platformImage returns the image of d for linux/GOARCH.
func (s *imageStore) platformImage(idx v1.ImageIndex, d v1.Descriptor) (v1.Image, error) {
	if !d.MediaType.IsIndex() {
		return idx.Image(d.Digest)
	}
	child, err := idx.ImageIndex(d.Digest)
	if err != nil {
		return nil, err
	}
	cm, err := child.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, m := range cm.Manifests {
		if m.Platform != nil && m.Platform.OS == "linux" && m.Platform.Architecture == runtime.GOARCH {
			return child.Image(m.Digest)
		}
	}
	return nil, fmt.Errorf("no linux/%s image in the index", runtime.GOARCH)
}

// unpack flattens img's layers (whiteouts applied) into the cache, unless
// it is there already.
func (s *imageStore) unpack(img v1.Image) (*storeImage, error) {
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(s.cacheDir, digest.Algorithm+"-"+digest.Hex)
	out := &storeImage{Digest: digest.String(), RootFS: filepath.Join(dir, "rootfs"), Config: cf.Config}
	mu, _ := unpackLocks.LoadOrStore(dir, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if _, err := os.Stat(out.RootFS); err == nil {
		return out, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(dir, ".unpack-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	rc := mutate.Extract(img)
	defer func() { _ = rc.Close() }()
	if err := extractTar(rc, tmp); err != nil {
		return nil, fmt.Errorf("unpack %s: %w", digest, err)
	}
	// The image's root directory itself is 0755 root, as a runtime makes it.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, out.RootFS); err != nil {
		if _, statErr := os.Stat(out.RootFS); statErr == nil {
			return out, nil // another process won
		}
		return nil, err
	}
	return out, nil
}

// extractTar writes a flattened layer stream under dir with the owners,
// modes and times of its entries. Names are confined to dir: a .. or an
// absolute name never leaves it, and symlinks are written, never followed.
func extractTar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	type dirTime struct {
		path string
		t    time.Time
	}
	var dirs []dirTime
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		rel := filepath.Clean("/" + h.Name)
		if rel == "/" {
			continue
		}
		target := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(h.Mode).Perm()
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.Mkdir(target, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
				return err
			}
			dirs = append(dirs, dirTime{target, h.ModTime})
		case tar.TypeReg:
			f, err := os.OpenFile(target, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.Symlink(h.Linkname, target); err != nil {
				return err
			}
		case tar.TypeLink:
			src := filepath.Join(dir, filepath.Clean("/"+h.Linkname))
			if err := os.Link(src, target); err != nil {
				return err
			}
			continue
		default:
			continue // devices and fifos: a runtime would refuse them in an image anyway
		}
		if err := os.Lchown(target, h.Uid, h.Gid); err != nil {
			return err
		}
		if h.Typeflag != tar.TypeSymlink {
			// Chmod after chown: chown clears set-id bits.
			if err := os.Chmod(target, mode|specialBits(h.Mode)); err != nil {
				return err
			}
			if err := os.Chtimes(target, h.ModTime, h.ModTime); err != nil {
				return err
			}
		}
	}
	// Directory times last: writing into a directory changes its mtime.
	for i := len(dirs) - 1; i >= 0; i-- {
		_ = os.Chtimes(dirs[i].path, dirs[i].t, dirs[i].t)
	}
	return nil
}

// specialBits maps tar's set-id and sticky bits to os.FileMode's.
func specialBits(m int64) os.FileMode {
	var out os.FileMode
	if m&0o4000 != 0 {
		out |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		out |= os.ModeSetgid
	}
	if m&0o1000 != 0 {
		out |= os.ModeSticky
	}
	return out
}

// imageUser parses an image config's User ("uid", "uid:gid", or names
// looked up in the image's /etc/passwd and /etc/group); empty is root.
func imageUser(user, rootfs string) (uid, gid uint32, err error) {
	if user == "" {
		return 0, 0, nil
	}
	u, g, hasGroup := strings.Cut(user, ":")
	uid, pgid, err := lookupID(u, filepath.Join(rootfs, "etc", "passwd"), true)
	if err != nil {
		return 0, 0, err
	}
	gid = pgid
	if hasGroup {
		if gid, _, err = lookupID(g, filepath.Join(rootfs, "etc", "group"), false); err != nil {
			return 0, 0, err
		}
	}
	return uid, gid, nil
}

// lookupID resolves a numeric id or a name in a passwd/group file; for a
// passwd entry it also returns the user's primary group (0 for a number
// not in the file, as runtimes do).
func lookupID(s, file string, passwd bool) (id, primary uint32, err error) {
	n, numErr := strconv.ParseUint(s, 10, 32)
	b, _ := os.ReadFile(file)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 3 {
			continue
		}
		match := f[0] == s
		if numErr == nil {
			match = f[2] == s
		}
		if !match {
			continue
		}
		v, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: bad id %q", file, f[2])
		}
		if passwd && len(f) > 3 {
			if g, err := strconv.ParseUint(f[3], 10, 32); err == nil {
				primary = uint32(g)
			}
		}
		return uint32(v), primary, nil
	}
	if numErr == nil {
		return uint32(n), 0, nil
	}
	return 0, 0, fmt.Errorf("user or group %q not in the image's %s", s, filepath.Base(file))
}

// resolveImage finds a container's image: in the image store (nil, nil
// when the image is not there but a local binary plays it), else
// ErrImagePull.
func (k *Kubelet) resolveImage(ref string) (*storeImage, error) {
	var storeErr error
	if k.cfg.ImageStore != "" {
		s := &imageStore{layoutDir: k.cfg.ImageStore, cacheDir: filepath.Join(k.cfg.RootDir, "images")}
		img, err := s.resolve(ref)
		if err == nil {
			return img, nil
		}
		if !errors.Is(err, ErrImagePull) {
			return nil, err
		}
		storeErr = err
	}
	if _, ok := matchImage(k.cfg.Images, ref); ok {
		return nil, nil
	}
	if storeErr != nil {
		return nil, storeErr
	}
	return nil, fmt.Errorf("%w: %q (no image store, no local binary)", ErrImagePull, ref)
}
