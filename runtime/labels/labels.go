package labels

import (
	"embed"
	"fmt"
	"strings"
)

//go:embed *.txt
var labelFiles embed.FS

// Labels returns the class names of a label set named in a spec's
// `labels` statement: "imagenet" (the 1000 ImageNet-1k classes in the
// order torchvision and Caffe use) or "mnist" (the digits 0–9).
func Labels(set string) ([]string, error) {
	data, err := labelFiles.ReadFile(set + ".txt")
	if err != nil {
		return nil, fmt.Errorf("runtime: unknown label set %q", set)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n"), nil
}

// TopK returns the indices of the k largest values of v, largest first;
// ties keep the lower index first.
func TopK(v []float32, k int) []int {
	k = min(k, len(v))
	idx := make([]int, 0, k+1)
	for i, x := range v {
		// Insertion into a short sorted list: k is small.
		pos := len(idx)
		for pos > 0 && v[idx[pos-1]] < x {
			pos--
		}
		if pos >= k {
			continue
		}
		idx = append(idx, 0)
		copy(idx[pos+1:], idx[pos:])
		idx[pos] = i
		if len(idx) > k {
			idx = idx[:k]
		}
	}
	return idx
}
