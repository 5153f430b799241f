package host

import (
	"bufio"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
)

// systemMemory is the physical memory, or the memory cgroup's limit if it
// is smaller (cgroup v2 memory.max, v1 memory.limit_in_bytes, of the
// process's cgroup and its ancestors that are visible).
func systemMemory() int64 {
	var info syscall.Sysinfo_t
	if syscall.Sysinfo(&info) != nil {
		return 0
	}
	limit := int64(info.Totalram) * int64(info.Unit)
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return limit
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		// hierarchy-ID:controllers:path
		parts := strings.SplitN(s.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		var dir, file string
		switch {
		case parts[0] == "0" && parts[1] == "":
			dir, file = "/sys/fs/cgroup", "memory.max"
		case strings.Contains(","+parts[1]+",", ",memory,"):
			dir, file = "/sys/fs/cgroup/memory", "memory.limit_in_bytes"
		default:
			continue
		}
		for p := path.Clean("/" + parts[2]); ; p = path.Dir(p) {
			if b, err := os.ReadFile(path.Join(dir, p, file)); err == nil {
				if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 {
					limit = min(limit, v)
				}
			}
			if p == "/" {
				break
			}
		}
	}
	return limit
}
