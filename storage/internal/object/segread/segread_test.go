package segread

import (
	"slices"
	"testing"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

func TestSliceParts(t *testing.T) {
	segs := []record.Segment{{Size: 5, Data: []byte("01234")}, {Blob: "b", Size: 10}, {Size: 0}, {Size: 3, Data: []byte("xyz")}}
	tests := map[string]struct {
		start, length int64
		want          [][3]int64 // segment size, off, n
	}{
		"all":            {0, 18, [][3]int64{{5, 0, 5}, {10, 0, 10}, {3, 0, 3}}},
		"inside first":   {1, 3, [][3]int64{{5, 1, 3}}},
		"across":         {4, 3, [][3]int64{{5, 4, 1}, {10, 0, 2}}},
		"last byte":      {17, 1, [][3]int64{{3, 2, 1}}},
		"empty":          {3, 0, nil},
		"exactly second": {5, 10, [][3]int64{{10, 0, 10}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got [][3]int64
			for _, p := range Slice(segs, tc.start, tc.length) {
				got = append(got, [3]int64{p.Seg.Size, p.Off, p.N})
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("slice = %v, want %v", got, tc.want)
			}
		})
	}
}
