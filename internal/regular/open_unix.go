//go:build unix

package regular

import (
	"os"
	"syscall"
)

// openFlags opens without waiting for a named pipe's writer (or a
// device's carrier); reads of a regular file do not depend on the flag.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK
