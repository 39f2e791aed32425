package blob

import (
	"os"
	"path/filepath"
	"sync"
)

// dirLocks shares one flock per directory within a process: flock excludes
// other processes, while a process may open its own store again (tests and
// in-process restarts do) without closing the first Disk.
var dirLocks = struct {
	sync.Mutex
	m map[string]*dirLock
}{m: map[string]*dirLock{}}

type dirLock struct {
	f    *os.File
	refs int
}

// acquireDirLock locks <dir>/LOCK for this process and returns its release.
func acquireDirLock(dir string) (func() error, error) {
	path, err := filepath.Abs(filepath.Join(dir, "LOCK"))
	if err != nil {
		return nil, err
	}
	dirLocks.Lock()
	defer dirLocks.Unlock()
	l := dirLocks.m[path]
	if l == nil {
		f, err := lockDir(path)
		if err != nil {
			return nil, err
		}
		l = &dirLock{f: f}
		dirLocks.m[path] = l
	}
	l.refs++
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() {
			dirLocks.Lock()
			defer dirLocks.Unlock()
			if l.refs--; l.refs == 0 {
				delete(dirLocks.m, path)
				err = l.f.Close()
			}
		})
		return err
	}, nil
}
