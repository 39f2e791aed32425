// Package chartmeta reads what the build and the tests need from the
// chart's Chart.yaml: its appVersion, the tag every image of a checkout
// carries (hack/imagebuild tags them with it, the chart refers to it).
package chartmeta
