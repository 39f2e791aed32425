//go:build !linux

package blob

import (
	"errors"
	"os"
)

const directIOSupported = false

// setDirectIO is never called where directIOSupported is false.
func setDirectIO(*os.File, bool) error { return errors.ErrUnsupported }
