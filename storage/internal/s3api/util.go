package s3api

import (
	"fmt"
	"strconv"
)

func atoi(s string) (int, error) { return strconv.Atoi(s) }

// fmtSscanRange parses "first-last".
func fmtSscanRange(spec string, first, last *int64) (int, error) {
	return fmt.Sscanf(spec, "%d-%d", first, last)
}
