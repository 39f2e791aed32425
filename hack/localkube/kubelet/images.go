package kubelet

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ErrNoImage means no Image entry matches a container's image reference.
var ErrNoImage = errors.New("no local binary is configured for the image")

// Image maps container images to a binary on this machine: the process
// kubelet never pulls anything, it runs local builds instead.
type Image struct {
	// Prefix is matched against the container's image reference as a plain
	// string prefix ("koss/kossd" matches "koss/kossd:v1"); the longest
	// matching prefix wins, so a more specific entry can override a general one.
	Prefix string `json:"prefix"`
	// Binary is the executable that plays the image's entrypoint.
	Binary string `json:"binary"`
	// Args are the image's default arguments (its CMD), used only when the
	// container sets neither command nor args.
	Args []string `json:"args,omitempty"`
}

// matchImage returns the entry with the longest prefix of ref.
func matchImage(images []Image, ref string) (Image, bool) {
	best, found := Image{}, false
	for _, im := range images {
		if strings.HasPrefix(ref, im.Prefix) && (!found || len(im.Prefix) > len(best.Prefix)) {
			best, found = im, true
		}
	}
	return best, found
}

// resolveArgv turns a container's image, command and args into the argv of a
// local process, following the image rules of container runtimes: command
// replaces the entrypoint and drops the image's default args; args alone
// replace the default args. command[0] names a file inside the image, so it
// maps to the image's binary when its base name is the binary's; an absolute
// path that exists on this machine (/bin/sh) or a name on PATH runs as is.
func resolveArgv(images []Image, c *corev1.Container, command, args []string) ([]string, error) {
	im, ok := matchImage(images, c.Image)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoImage, c.Image)
	}
	if len(command) == 0 {
		if len(c.Command) == 0 && len(c.Args) == 0 {
			args = im.Args
		}
		return append([]string{im.Binary}, args...), nil
	}
	first := command[0]
	var bin string
	switch {
	case first == im.Binary || filepath.Base(first) == filepath.Base(im.Binary):
		bin = im.Binary
	case filepath.IsAbs(first):
		if _, err := os.Stat(first); err != nil {
			return nil, fmt.Errorf("command %q: %w", first, err)
		}
		bin = first
	default:
		p, err := exec.LookPath(first)
		if err != nil {
			return nil, fmt.Errorf("command %q: %w", first, err)
		}
		bin = p
	}
	argv := append([]string{bin}, command[1:]...)
	return append(argv, args...), nil
}
