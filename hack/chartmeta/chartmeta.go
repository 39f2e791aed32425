package chartmeta

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ChartPath is the chart's Chart.yaml below a checkout's root.
func ChartPath(root string) string { return filepath.Join(root, "charts", "koss", "Chart.yaml") }

// AppVersion reads appVersion from a Chart.yaml (a top-level scalar,
// so a line scan is enough and no YAML library is needed here).
func AppVersion(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "appVersion:"); ok {
			return strings.Trim(strings.TrimSpace(v), `"'`), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s: no appVersion", path)
}
