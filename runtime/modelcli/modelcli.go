package modelcli

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	goruntime "runtime"
	"strings"
	"sync/atomic"

	"github.com/inccdev/incc/internal/output"
	"github.com/inccdev/incc/internal/safetext"
	"github.com/inccdev/incc/runtime/host"
	"github.com/inccdev/incc/runtime/labels"
	"github.com/inccdev/incc/runtime/preproc"
	"github.com/inccdev/incc/runtime/serve"
)

// Net is what a model binary uses of a generated network's Net: what its
// server uses too ([serve.Net]).
type Net = serve.Net

// Head is a side head that the binary runs (built with incc build --heads).
type Head = serve.Head

// Model describes a compiled network to the command line. A generated
// main fills it as a literal.
type Model struct {
	// Name is the network's name; Spec the spec path given to incc build;
	// Source the spec's text; Stats its cost table (incc stats).
	Name, Spec, Source, Stats string
	// Weights are the embedded safetensors bytes; WeightsSHA256 their
	// checksum (hex) computed when the binary was built.
	Weights       []byte
	WeightsSHA256 string
	// Input and Output are the shapes of one image's input and output.
	Input, Output [3]int
	// Heads are the side heads the binary runs, if built with them.
	Heads []Head
	// Preprocess turns an image into the input.
	Preprocess preproc.Config
	// Labels names the label set (labels.Labels), "" if none.
	Labels string
	// Softmax says the output already is a probability distribution (the
	// network ends with softmax); otherwise the binary applies softmax to
	// the scores to report probabilities.
	Softmax bool
	// Threads is the default number of threads (< 1: all CPUs).
	Threads int
	// ThreadBytes is the memory the network takes for each thread (its
	// arena and scratch): with the weights and the batches' tensors, what
	// bounds --threads and --batch.
	ThreadBytes int64
	// New returns the network with the embedded weights.
	New func(NetOptions) (Net, error)
}

// NetOptions configure the network a command makes ([Model].New).
type NetOptions struct {
	// Threads is the number of goroutines an inference uses (< 1:
	// GOMAXPROCS).
	Threads int
	// Profile records the time each layer takes (the generated
	// Options.Profile), for bench.
	Profile bool
}

// Exit codes. An interrupt (SIGINT) that a command handles, printing
// what it finished, exits with 130, as a shell reports a process that
// SIGINT killed (128 + 2).
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// errUsage means a usage error that was already printed.
var errUsage = errors.New("usage")

// errInterrupted means a command stopped on SIGINT, after printing what it
// finished.
var errInterrupted = errors.New("interrupted")

// afterInterrupt is called once an interrupt is noted (a variable for the
// tests).
var afterInterrupt = func() {}

// notifyInterrupt sets *flag when the process gets SIGINT (Ctrl-C), once:
// a second one kills the process as usual. stop ends the watch.
func notifyInterrupt(flag *atomic.Bool) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		select {
		case <-ch:
			flag.Store(true)
			afterInterrupt()
		case <-done:
		}
		signal.Stop(ch)
		close(stopped)
	}()
	return func() {
		close(done)
		<-stopped
	}
}

// cli is one run of the command line.
type cli struct {
	m              *Model
	prog           string
	stdout, stderr io.Writer
	labels         []string
}

// Main runs the command line on args (without the program name) and
// returns the exit code. It never calls os.Exit.
//
// Output that cannot be written (stdout is a full disk, /dev/full) is a
// failure: the command stops as soon as it can, the error is reported on
// stderr and the exit code is 1.
func (m *Model) Main(args []string, stdout, stderr io.Writer) int {
	out := output.New(stdout)
	code := m.main(args, out, stderr)
	if out.Err() != nil {
		fmt.Fprintf(stderr, "%s: writing the output: %v\n", progName(m), out.Err())
		if code == exitOK {
			code = exitFailure
		}
	}
	return code
}

// outputErr is the error of writing to stdout, if that failed.
func (c *cli) outputErr() error {
	if w, ok := c.stdout.(*output.Writer); ok {
		return w.Err()
	}
	return nil
}

func (m *Model) main(args []string, stdout, stderr io.Writer) int {
	c := &cli{m: m, prog: progName(m), stdout: stdout, stderr: stderr}
	if m.Labels != "" {
		c.labels, _ = labels.Labels(m.Labels)
	}
	if len(args) == 0 {
		c.usage(stderr)
		return exitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "classify":
		err = c.classify(rest)
	case "info":
		err = c.info(rest)
	case "bench":
		err = c.bench(rest)
	case "eval":
		err = c.eval(rest)
	case "serve":
		err = c.serveCmd(rest)
	case "help", "-h", "-help", "--help":
		c.usage(stdout)
		return exitOK
	default:
		fmt.Fprintf(stderr, "%s: unknown command %q\n", c.prog, cmd)
		c.usage(stderr)
		return exitUsage
	}
	var f failed
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		return exitUsage
	case errors.Is(err, errInterrupted):
		return exitInterrupted
	case errors.As(err, &f):
		return exitFailure
	case c.outputErr() != nil && errors.Is(err, c.outputErr()):
		return exitFailure // Main reports it
	}
	fmt.Fprintf(stderr, "%s: %s\n", c.prog, safetext.Escape(err.Error(), "\t"))
	return exitFailure
}

// failed ends a command with exit code 1 after its errors were printed.
type failed struct{ n int }

func (f failed) Error() string { return fmt.Sprintf("%d failures", f.n) }

// progName is the binary's name as invoked, else the network's.
func progName(m *Model) string {
	if len(os.Args) > 0 && os.Args[0] != "" {
		name := os.Args[0]
		if i := strings.LastIndexAny(name, `/\`); i >= 0 {
			name = name[i+1:]
		}
		if name != "" && !strings.HasSuffix(name, ".test") {
			return safetext.Quote(strings.TrimSuffix(name, ".exe"))
		}
	}
	return m.Name
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprintf(w, `%[1]s: the network %[2]s compiled by incc (input %[3]s, output %[4]s).

Usage:
  %[1]s classify [--top K] [--json] PATH...   top K classes of images or directories of images
  %[1]s info                                  spec, cost table, weights checksum, preprocessing, labels
  %[1]s bench [--batch N] [--threads T] [--iters N] [--top N]
                                              latency percentiles, images/s and the slowest layers
  %[1]s eval IMAGES.idx[.gz] LABELS.idx[.gz] [--show N]
                                              accuracy on an IDX (MNIST format) data set
  %[1]s serve [--http ADDR] [--grpc ADDR] [--max-batch N] [--max-delay D]
                                              an Open Inference Protocol (KServe v2) server, REST and gRPC

Run '%[1]s COMMAND -h' for a command's flags. Exit codes: 0 success, 1 failures, 2 bad usage,
130 interrupted (classify prints what it finished first).
`, c.prog, c.m.Name, shapeString(c.m.Input), shapeString(c.m.Output))
}

// flags returns a flag set for a command that prints its errors and
// usage to stderr.
func (c *cli) flags(cmd, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "usage: %s %s %s\n", c.prog, cmd, args)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and positional arguments in any order (flags may
// follow the paths); "--" ends the flags.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageErr prints a usage error for a command.
func (c *cli) usageErr(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(c.stderr, "%s %s: %s\n", c.prog, fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return errUsage
}

// preprocess is the network's preprocessing with --max-pixels (0: the
// network's own), checked.
func (c *cli) preprocess(maxPixels int) (preproc.Config, error) {
	cfg := c.m.Preprocess
	if maxPixels > 0 {
		cfg.MaxPixels = maxPixels
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("preprocessing: %v", cleanErr(err))
	}
	return cfg, nil
}

// threads is the effective thread count for a --threads value.
func (c *cli) threads(t int) int {
	if t < 1 {
		t = c.m.Threads
	}
	if t < 1 {
		t = goruntime.GOMAXPROCS(0)
	}
	return t
}

// fits returns an error if a run needing need bytes of memory (an
// estimate of what the flags and inputs ask for) cannot fit this process:
// the message names what (format, args) needs it and the limit.
func (c *cli) fits(need int64, format string, args ...any) error {
	if limit := host.MemoryLimit(); need > limit {
		return fmt.Errorf("%s need about %s of memory, more than the %s this process can use (%s)",
			fmt.Sprintf(format, args...), host.FormatBytes(need), host.FormatBytes(limit), host.MemoryLimitSource)
	}
	return nil
}

// fitFlags returns a usage error if the flags' sizes cannot fit memory:
// threads (as resolved) beyond host.MaxThreads, or threads and batch
// with the claims of the command (more) beyond host.MemoryLimit, with
// the embedded weights (decoded and repacked: twice their size). The
// error names the flag that asks for the most and the most it can be.
func (c *cli) fitFlags(fs *flag.FlagSet, threads, batch int, more ...host.MemoryClaim) error {
	if err := c.checkThreads(fs, threads); err != nil {
		return err
	}
	claims := append([]host.MemoryClaim{
		{Flag: "--batch", N: int64(batch), Bytes: c.m.imageBytes(), Unit: "an image"},
		{Flag: "--threads", N: int64(threads), Bytes: c.m.ThreadBytes, Unit: "a thread"},
	}, more...)
	if err := host.FitMemory(c.m.weightBytes(), claims...); err != nil {
		return c.usageErr(fs, "%v (%s)", err, host.MemoryLimitSource)
	}
	return nil
}

// checkThreads returns a usage error if threads (as resolved) is beyond
// host.MaxThreads.
func (c *cli) checkThreads(fs *flag.FlagSet, threads int) error {
	if threads > host.MaxThreads {
		return c.usageErr(fs, "--threads %d: at most %d (more threads than CPUs only slow a run down)", threads, host.MaxThreads)
	}
	return nil
}

// weightBytes is the memory of the weights once the network is made: the
// embedded file decoded, then repacked (twice its size).
func (m *Model) weightBytes() int64 { return 2 * int64(len(m.Weights)) }

// imageBytes is the memory of one image's input and outputs in a batch.
func (m *Model) imageBytes() int64 {
	n := int64(m.inputLen() + m.outputLen())
	for _, h := range m.Heads {
		n += int64(h.Shape[0] * h.Shape[1] * h.Shape[2])
	}
	return 4 * n
}

// open makes the network, running on threads goroutines.
func (c *cli) open(threads int) (Net, error) { return c.openNet(NetOptions{Threads: threads}) }

// openNet makes the network with options o.
func (c *cli) openNet(o NetOptions) (Net, error) {
	if c.m.New == nil {
		return nil, errors.New("the model has no network")
	}
	net, err := c.m.New(o)
	if err != nil {
		return nil, fmt.Errorf("embedded weights: %w", err)
	}
	return net, nil
}

func (m *Model) inputLen() int  { return m.Input[0] * m.Input[1] * m.Input[2] }
func (m *Model) outputLen() int { return m.Output[0] * m.Output[1] * m.Output[2] }

func shapeString(s [3]int) string { return fmt.Sprintf("%dx%dx%d", s[0], s[1], s[2]) }

// label returns the name of class i, "" if there is none.
func (c *cli) label(i int) string {
	if i < len(c.labels) {
		return c.labels[i]
	}
	return ""
}

// checksum returns the hex sha256 of the embedded weights.
func (m *Model) checksum() string {
	s := sha256.Sum256(m.Weights)
	return hex.EncodeToString(s[:])
}

// probs returns the class probabilities of one image's output: the output
// itself if the network ends with softmax, else its softmax.
func (m *Model) probs(out []float32) []float64 {
	p := make([]float64, len(out))
	if m.Softmax {
		for i, v := range out {
			p[i] = float64(v)
		}
		return p
	}
	mx := math.Inf(-1)
	for _, v := range out {
		mx = math.Max(mx, float64(v))
	}
	var sum float64
	for i, v := range out {
		p[i] = math.Exp(float64(v) - mx)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

// checkOutput returns an error if an image's output (what names it) holds
// a value that is not finite: its classes cannot be ranked, nor its
// probabilities computed (nor written as JSON).
func checkOutput(what string, out []float32) error {
	for i, v := range out {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("the network's %s is not finite (%v for class %d)", what, v, i)
		}
	}
	return nil
}

// argmax returns the index of the largest value, the first on ties.
func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// isTerminal reports whether w is a terminal (a variable for tests).
var isTerminal = isTerminalFile

func isTerminalFile(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// safely calls f, which runs on a goroutine of its own, and returns a
// panic in it as an error: a bug in decoding one image must not kill the
// process and lose the results of the others.
func safely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error (a bug in this program): %v", r)
		}
	}()
	return f()
}

// cleanErr drops the "preproc: " prefix of preprocessing errors: the
// binary names the file itself.
func cleanErr(err error) string {
	s := strings.TrimPrefix(err.Error(), "preproc: ")
	return strings.Replace(s, "(Config.MaxPixels)", "(--max-pixels)", 1)
}

// plural is "1 file", "2 files".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
