package modelcli

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/inccdev/incc/internal/regular"
	"github.com/inccdev/incc/internal/safetext"
	"github.com/inccdev/incc/runtime/host"
	"github.com/inccdev/incc/runtime/labels"
	"github.com/inccdev/incc/runtime/preproc"
)

// imageExts are the extensions classify picks in a directory.
var imageExts = []string{".bmp", ".gif", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp"}

func isImageName(name string) bool {
	return slices.Contains(imageExts, strings.ToLower(filepath.Ext(name)))
}

// class is one of an image's top classes.
type class struct {
	Class int     `json:"class"`
	Label string  `json:"label,omitempty"`
	Score float32 `json:"score"` // the network's output
	Prob  float64 `json:"prob"`  // its probability
}

// result is one input's outcome, in input order.
type result struct {
	File string `json:"file"`
	// FileBytes holds the exact bytes of a file name that is not valid
	// UTF-8 (JSON strings cannot), which File then shows with U+FFFD.
	FileBytes []byte             `json:"file_bytes,omitempty"`
	Top       []class            `json:"top,omitempty"`
	Heads     map[string][]class `json:"heads,omitempty"`
	Error     string             `json:"error,omitempty"`
}

// summary ends a classify run.
type summary struct {
	Images     int     `json:"images"`     // image files found or named
	Classified int     `json:"classified"` // of them, classified
	Failures   int     `json:"failures"`   // every error, of files and directories
	Skipped    int     `json:"skipped"`    // files in directories without an image extension
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"images_per_second"`
	// Interrupted says the run stopped on SIGINT: the results are those of
	// the images done by then.
	Interrupted bool `json:"interrupted,omitempty"`
}

// job is an input: an image file to classify, or an error found while
// listing the inputs (a missing path, an empty directory, a file that is
// not a regular file).
type job struct {
	path string
	err  error
	file bool // an image file, counted in the summary's images
}

func (c *cli) classify(args []string) error {
	fs := c.flags("classify", "[flags] IMAGE|DIR...")
	top := fs.Int("top", 5, "print the `K` most likely classes of each image")
	asJSON := fs.Bool("json", false, "print one JSON document on stdout")
	batch := fs.Int("batch", 16, "`N` images per inference batch")
	threads := fs.Int("threads", 0, "`T` threads (default: the build's --threads, else all CPUs)")
	maxPixels := fs.Int("max-pixels", 0, "refuse images of more than `P` pixels (default 50,000,000)")
	paths, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(paths) == 0:
		return c.usageErr(fs, "no images or directories given")
	case *top < 1:
		return c.usageErr(fs, "--top must be at least 1, got %d", *top)
	case *batch < 1:
		return c.usageErr(fs, "--batch must be at least 1, got %d", *batch)
	case *maxPixels < 0:
		return c.usageErr(fs, "--max-pixels must be positive, got %d", *maxPixels)
	}
	cfg, err := c.preprocess(*maxPixels)
	if err != nil {
		return err
	}
	nt := c.threads(*threads)
	maxPx := int64(cmp.Or(cfg.MaxPixels, preproc.DefaultMaxPixels))
	if err := c.fitFlags(fs, nt, *batch, host.MemoryClaim{Flag: "--max-pixels", N: maxPx, Bytes: preproc.MaxDecodeBytes(1), Unit: "a pixel"}); err != nil {
		return err
	}
	cfg.Memory = newDecodeBudget(maxPx)
	jobs, skipped := listInputs(paths)
	net, err := c.open(nt)
	if err != nil {
		return err
	}
	defer net.Close()

	r := &classifyRun{cli: c, top: *top, json: *asJSON, sum: summary{Skipped: skipped}}
	for _, j := range jobs {
		if j.file {
			r.sum.Images++
		}
	}
	many := len(paths) > 1 || r.sum.Images > 1 || len(jobs) != 1
	if isTerminal(c.stderr) && r.sum.Images > 1 {
		r.bar = newProgress(c.stderr, r.sum.Images)
	}
	start := time.Now()
	inLen, outLen := c.m.inputLen(), c.m.outputLen()
	*batch = max(1, min(*batch, len(jobs))) // no room for images that are not there
	src := make([]float32, *batch*inLen)
	dst := make([]float32, *batch*outLen)
	heads := make([][]float32, len(c.m.Heads))
	headLen := make([]int, len(c.m.Heads))
	for i, h := range c.m.Heads {
		headLen[i] = h.Shape[0] * h.Shape[1] * h.Shape[2]
		heads[i] = make([]float32, *batch*headLen[i])
	}
	// On SIGINT, finish the batch, then print what is done and the
	// summary. Stop too when the results cannot be written.
	var interrupted atomic.Bool
	stop := notifyInterrupt(&interrupted)
	defer stop()
	for lo := 0; lo < len(jobs); lo += *batch {
		if interrupted.Load() || c.outputErr() != nil {
			r.sum.Interrupted = interrupted.Load()
			break
		}
		chunk := jobs[lo:min(lo+*batch, len(jobs))]
		errs := loadImages(cfg, chunk, src, inLen)
		// Pack the images that loaded at the front of src.
		var ok []int
		for i := range chunk {
			if errs[i] == nil {
				if k := len(ok); k != i {
					copy(src[k*inLen:(k+1)*inLen], src[i*inLen:(i+1)*inLen])
				}
				ok = append(ok, i)
			}
		}
		n := len(ok)
		if n > 0 {
			var err error
			if len(heads) > 0 {
				hs := make([][]float32, len(heads))
				for i, h := range heads {
					hs[i] = h[:n*headLen[i]]
				}
				err = net.InferHeads(dst[:n*outLen], src[:n*inLen], n, hs)
			} else {
				err = net.Infer(dst[:n*outLen], src[:n*inLen], n)
			}
			if err != nil {
				return err
			}
		}
		k := 0
		for i, j := range chunk {
			if errs[i] != nil {
				r.fail(j.path, errs[i])
				continue
			}
			out := dst[k*outLen : (k+1)*outLen]
			if err := checkOutput("output", out); err != nil {
				k++
				r.fail(j.path, err)
				continue
			}
			res := newResult(j.path)
			res.Top = c.top(out, *top)
			var err error
			for h, head := range c.m.Heads {
				l := headLen[h]
				ho := heads[h][k*l : (k+1)*l]
				if err = checkOutput("head "+head.Name+"'s output", ho); err != nil {
					break
				}
				if res.Heads == nil {
					res.Heads = map[string][]class{}
				}
				res.Heads[head.Name] = c.top(ho, *top)
			}
			k++
			if err != nil {
				r.fail(j.path, err)
				continue
			}
			r.ok(res)
		}
		r.progress()
	}
	r.sum.Interrupted = r.sum.Interrupted || interrupted.Load()
	r.sum.Seconds = time.Since(start).Seconds()
	if r.sum.Seconds > 0 {
		r.sum.PerSecond = float64(r.sum.Classified) / r.sum.Seconds
	}
	return r.finish(many)
}

// classifyRun prints a classify run as it goes.
type classifyRun struct {
	*cli
	top      int
	json     bool
	bar      *progress
	results  []result
	failures []result
	sum      summary
}

func (r *classifyRun) ok(res result) {
	r.sum.Classified++
	if r.json {
		r.results = append(r.results, res)
		return
	}
	r.bar.clear()
	fmt.Fprintln(r.stdout, safetext.Quote(res.File))
	r.printTop(res.Top, "")
	for _, h := range r.m.Heads {
		fmt.Fprintf(r.stdout, "  head %s:\n", h.Name)
		r.printTop(res.Heads[h.Name], "  ")
	}
}

func (r *classifyRun) printTop(top []class, indent string) {
	for _, t := range top {
		label := ""
		if t.Label != "" && t.Label != strconv.Itoa(t.Class) {
			label = "  " + t.Label
		}
		fmt.Fprintf(r.stdout, "%s  %7.2f%%  %4d%s\n", indent, 100*t.Prob, t.Class, label)
	}
}

func (r *classifyRun) fail(path string, err error) {
	r.sum.Failures++
	res := newResult(path)
	res.Error = cleanErr(err)
	r.failures = append(r.failures, res)
	if r.json {
		r.results = append(r.results, res)
	}
	r.bar.clear()
	fmt.Fprintf(r.stderr, "%s: %s\n", r.prog, errorLine(res))
}

func (r *classifyRun) progress() {
	r.bar.set(r.sum.Classified + r.sum.Failures)
}

// newResult is the result for the file at path.
func newResult(path string) result {
	r := result{File: path}
	if !utf8.ValidString(path) {
		r.FileBytes = []byte(path)
	}
	return r
}

// errorLine is "path: error", without repeating a path the error names,
// safe for a terminal (see internal/safetext).
func errorLine(res result) string {
	if strings.Contains(res.Error, res.File) {
		return safetext.Escape(res.Error, "")
	}
	return safetext.Quote(res.File) + ": " + safetext.Escape(res.Error, "")
}

func (r *classifyRun) finish(many bool) error {
	r.bar.done()
	s := r.sum
	if r.json {
		enc := json.NewEncoder(r.stdout)
		enc.SetIndent("", "  ")
		if r.results == nil {
			r.results = []result{}
		}
		err := enc.Encode(struct {
			Model   string   `json:"model"`
			Results []result `json:"results"`
			Summary summary  `json:"summary"`
		}{r.m.Name, r.results, s})
		if err != nil {
			return err
		}
	}
	if many || s.Failures > 0 || s.Interrupted {
		stopped := ""
		if s.Interrupted {
			stopped = "interrupted: "
		}
		fmt.Fprintf(r.stderr, "%s: %s%d of %s classified in %.2f s (%.1f images/s), %s",
			r.prog, stopped, s.Classified, plural(s.Images, "image"), s.Seconds, s.PerSecond, plural(s.Failures, "failure"))
		if s.Skipped > 0 {
			fmt.Fprintf(r.stderr, ", %s without an image extension skipped (%s)", plural(s.Skipped, "file"), strings.Join(imageExts, " "))
		}
		fmt.Fprintln(r.stderr)
	}
	if s.Failures > 0 {
		fmt.Fprintf(r.stderr, "%s: failed:\n", r.prog)
		for _, f := range r.failures {
			fmt.Fprintf(r.stderr, "  %s\n", errorLine(f))
		}
	}
	switch {
	case s.Interrupted:
		return errInterrupted
	case s.Failures > 0:
		return failed{s.Failures}
	}
	return nil
}

// top returns the k most likely classes of one image's output.
func (c *cli) top(out []float32, k int) []class {
	p := c.m.probs(out)
	var t []class
	for _, i := range labels.TopK(out, k) {
		t = append(t, class{Class: i, Label: c.label(i), Score: out[i], Prob: p[i]})
	}
	return t
}

// listInputs expands the paths: files as they are, directories walked
// recursively in lexical order for files with an image extension. It
// counts the other files of directories as skipped. A missing path, an
// unreadable directory, a directory without images and a file that is
// not a regular file (a named pipe, a socket, a device: reading one could
// block forever) are error jobs, found without opening anything.
func listInputs(paths []string) (jobs []job, skipped int) {
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			jobs = append(jobs, job{path: p, err: err})
			continue
		}
		if !fi.IsDir() {
			jobs = append(jobs, job{path: p, err: regular.Check(p, fi.Mode()), file: true})
			continue
		}
		found, other := 0, 0
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				jobs = append(jobs, job{path: path, err: err})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
			case d.IsDir():
			case isImageName(d.Name()):
				// A symbolic link is followed when the file is opened.
				var err error
				if d.Type()&fs.ModeSymlink == 0 {
					err = regular.Check(path, d.Type())
				}
				jobs = append(jobs, job{path: path, err: err, file: true})
				found++
			default:
				other++
			}
			return nil
		})
		if err != nil {
			jobs = append(jobs, job{path: p, err: err})
		}
		skipped += other
		if found == 0 {
			msg := "directory has no images"
			if other > 0 {
				msg = fmt.Sprintf("directory has no images (%s without an image extension: %s)", plural(other, "file"), strings.Join(imageExts, " "))
			}
			jobs = append(jobs, job{path: p, err: fmt.Errorf("%s", msg)})
		}
	}
	return jobs, skipped
}

// newDecodeBudget returns the memory budget of the images being decoded
// at the same time, which are at most maxPixels pixels each: a quarter of
// host.MemoryLimit, at most 2 GiB, but at least what one image of
// maxPixels may take. (A variable for the tests.)
var newDecodeBudget = func(maxPixels int64) *preproc.Budget {
	return preproc.NewBudget(max(preproc.MaxDecodeBytes(maxPixels), min(host.MemoryLimit()/4, 2<<30)))
}

// loadImages decodes and preprocesses the images of jobs in parallel into
// src (image i at i·inLen) and returns each one's error. The decodes
// running at once hold their memory from cfg.Memory, so that it does not
// grow with the number of CPUs.
func loadImages(cfg preproc.Config, jobs []job, src []float32, inLen int) []error {
	errs := make([]error, len(jobs))
	workers := min(goruntime.GOMAXPROCS(0), len(jobs))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(jobs); i += workers {
				if errs[i] = jobs[i].err; errs[i] == nil {
					errs[i] = safely(func() error { return loadImage(cfg, jobs[i].path, src[i*inLen:(i+1)*inLen]) })
				}
			}
		}()
	}
	wg.Wait()
	return errs
}

// loadImage reads one image file into dst. A file that is not a regular
// file is an error (preproc opens without blocking and checks).
func loadImage(cfg preproc.Config, path string, dst []float32) error {
	return cfg.Load(path, dst)
}
