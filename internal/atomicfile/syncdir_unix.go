//go:build unix

package atomicfile

import "os"

// syncDir makes a rename in dir durable, as far as the system allows.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
