package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// overlayDir is where generated packages appear to go build: a directory
// of the module root that never exists on disk. go build -overlay shows
// it the files, which are written elsewhere (a temporary directory), so
// the import paths compiled into a binary, and with them its bytes, are
// the same whatever directory the files were written to, and concurrent
// builds do not collide.
const overlayDir = "_incc-build"

// tempPrefix starts the names of the temporary directories of builds,
// followed by the process ID (see cleanStale).
const tempPrefix = "incc-build-"

// goBuild compiles generated packages with go build in the current
// module, through an overlay. Its files live in a temporary directory that
// Close removes; run removes it too when incc is interrupted (SIGINT,
// SIGTERM), and a later build removes those of processes that were killed.
type goBuild struct {
	modDir, modPath string
	tmp             string
	replace         map[string]string // path in the module → file in tmp
	keepFiles       bool              // Close leaves the files (--keep)
	// ctx ends on SIGINT or SIGTERM, from newGoBuild to Close.
	ctx  context.Context
	stop context.CancelFunc
}

func newGoBuild(modDir, modPath string) (*goBuild, error) {
	cleanStale(modDir)
	tmp, err := os.MkdirTemp("", tempPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return nil, err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	return &goBuild{modDir: modDir, modPath: modPath, tmp: tmp, replace: map[string]string{}, ctx: ctx, stop: stop}, nil
}

// errInterrupted is returned when a signal stopped the build.
var errInterrupted = errors.New("interrupted")

// command is exec.CommandContext with the build's context: a signal stops
// it.
func (b *goBuild) command(name string, args ...string) *exec.Cmd {
	return exec.CommandContext(b.ctx, name, args...)
}

// importPath is the import path of package dir of the build.
func (b *goBuild) importPath(dir string) string {
	return b.modPath + "/" + overlayDir + "/" + dir
}

// add writes a file of the build, at rel (slash-separated) in the overlay
// directory.
func (b *goBuild) add(rel string, data []byte) error {
	path := filepath.Join(b.tmp, "src", filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	b.replace[filepath.Join(b.modDir, overlayDir, filepath.FromSlash(rel))] = path
	return nil
}

// overlay is the path of the overlay file go build reads.
func (b *goBuild) overlay() string { return filepath.Join(b.tmp, "overlay.json") }

// run builds the main package of the overlay into out, with the
// environment variables env set and flags added to go build's. It returns
// go build's output on failure, and errInterrupted after SIGINT or
// SIGTERM (Close then removes the files).
func (b *goBuild) run(out string, env []string, flags ...string) (string, error) {
	data, err := json.Marshal(struct{ Replace map[string]string }{b.replace})
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(b.overlay(), data, 0o644); err != nil {
		return "", err
	}
	if b.ctx.Err() != nil {
		return "", errInterrupted
	}
	args := append([]string{"build", "-overlay", b.overlay(), "-o", out}, flags...)
	cmd := b.command("go", append(args, "./"+overlayDir)...)
	cmd.Dir = b.modDir
	cmd.Env = append(os.Environ(), env...)
	var goOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &goOut, &goOut
	err = cmd.Run()
	if b.ctx.Err() != nil {
		return "", errInterrupted
	}
	return strings.TrimSpace(goOut.String()), err
}

// Close removes the build's files, unless keepFiles, and stops watching
// for signals. Run it deferred: on a signal, the command it ran returns,
// and so does incc.
func (b *goBuild) Close() {
	b.stop()
	if !b.keepFiles {
		os.RemoveAll(b.tmp)
	}
}

// keep describes the kept files, to rebuild by hand.
func (b *goBuild) keep() string {
	return fmt.Sprintf("%s (rebuild: cd %s && go build -overlay %s ./%s)", b.tmp, b.modDir, b.overlay(), overlayDir)
}

// cleanStale removes what killed builds left: the temporary directories of
// processes that no longer run, and the _incc-build-* directories that
// earlier versions of incc made in the module root, once an hour old.
func cleanStale(modDir string) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+"*"))
	for _, d := range dirs {
		pid, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(d), tempPrefix), "-")
		if n, err := strconv.Atoi(pid); err == nil && n != os.Getpid() && !alive(n) {
			os.RemoveAll(d)
		}
	}
	old, _ := filepath.Glob(filepath.Join(modDir, "_incc-build-*"))
	for _, d := range old {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() && time.Since(fi.ModTime()) > time.Hour {
			os.RemoveAll(d)
		}
	}
}

// alive reports whether process pid runs.
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	if goruntime.GOOS == "windows" {
		return true // FindProcess opened it: it exists
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, os.ErrPermission)
}
