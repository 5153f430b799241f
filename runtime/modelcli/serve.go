package modelcli

import (
	"cmp"
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/inccdev/incc/runtime/host"
	"github.com/inccdev/incc/runtime/preproc"
	"github.com/inccdev/incc/runtime/serve"
)

// serveCmd is MODEL serve: the network as an Open Inference Protocol
// (KServe v2) server, REST and gRPC, until SIGTERM or SIGINT.
func (c *cli) serveCmd(args []string) error {
	fs := c.flags("serve", "[flags]")
	httpAddr := fs.String("http", ":8080", "REST listen `ADDR` (\"off\": none)")
	grpcAddr := fs.String("grpc", ":8081", "gRPC listen `ADDR` (\"off\": none)")
	name := fs.String("name", c.m.Name, "the model's `NAME` in the protocol")
	maxBatch := fs.Int("max-batch", 32, "gather at most `N` images into one batch (and accept at most N in a request)")
	maxDelay := fs.Duration("max-delay", 2*time.Millisecond, "wait at most `D` for more requests to fill a batch (0: never wait)")
	queue := fs.Int("queue", 0, "admit at most `N` inference requests at once, refuse more with 503 (default 4 × max-batch, at least 64)")
	timeout := fs.Duration("timeout", 30*time.Second, "answer 503 to a request still waiting for the model after `D`")
	maxBody := fs.Int64("max-body", 0, "refuse request bodies of more than `BYTES` with 413 (default: a full batch as JSON and 1 MiB, at least 4 MiB)")
	headerTimeout := fs.Duration("read-header-timeout", 10*time.Second, "drop a connection whose request headers take longer than `D`")
	readTimeout := fs.Duration("read-timeout", 60*time.Second, "drop a connection whose request takes longer than `D` to arrive")
	drain := fs.Duration("drain", 30*time.Second, "on SIGTERM or SIGINT, wait at most `D` for accepted requests")
	threads := fs.Int("threads", 0, "`T` threads (default: the build's --threads, else all CPUs)")
	maxPixels := fs.Int("max-pixels", 0, "refuse images of more than `P` pixels (default 50,000,000)")
	accessLog := fs.Bool("access-log", true, "log every request on stderr (JSON lines)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) > 0:
		return c.usageErr(fs, "unexpected argument %q", rest[0])
	case *name == "":
		return c.usageErr(fs, "--name must not be empty")
	case *maxBatch < 1:
		return c.usageErr(fs, "--max-batch must be at least 1, got %d", *maxBatch)
	case *maxDelay < 0:
		return c.usageErr(fs, "--max-delay must not be negative, got %v", *maxDelay)
	case *queue < 0:
		return c.usageErr(fs, "--queue must not be negative, got %d", *queue)
	case *timeout <= 0 || *headerTimeout <= 0 || *readTimeout <= 0 || *drain <= 0:
		return c.usageErr(fs, "--timeout, --read-header-timeout, --read-timeout and --drain must be positive")
	case *maxBody < 0:
		return c.usageErr(fs, "--max-body must not be negative, got %d", *maxBody)
	case *maxPixels < 0:
		return c.usageErr(fs, "--max-pixels must be positive, got %d", *maxPixels)
	}
	cfg, err := c.preprocess(*maxPixels)
	if err != nil {
		return err
	}
	// The flags' memory, as classify counts it, with the batch buffers
	// (the batch and the requests' copies) and, for every request the
	// queue admits, a body of at most --max-body.
	nt := c.threads(*threads)
	if nt > host.MaxThreads {
		return c.usageErr(fs, "--threads %d: at most %d (more threads than CPUs only slow a run down)", nt, host.MaxThreads)
	}
	q := *queue
	if q == 0 {
		q = serve.DefaultQueue(*maxBatch)
	}
	body := *maxBody
	if body == 0 {
		body = serve.DefaultMaxBody(c.m.inputLen(), *maxBatch)
	}
	maxPx := int64(cmp.Or(cfg.MaxPixels, preproc.DefaultMaxPixels))
	err = host.FitMemory(2*int64(len(c.m.Weights)),
		host.MemoryClaim{Flag: "--max-batch", N: 2 * int64(*maxBatch), Bytes: c.m.imageBytes(), Unit: "an image, twice"},
		host.MemoryClaim{Flag: "--threads", N: int64(nt), Bytes: c.m.ThreadBytes, Unit: "a thread"},
		host.MemoryClaim{Flag: "--queue", N: int64(q), Bytes: body, Unit: "a request of --max-body"},
		host.MemoryClaim{Flag: "--max-pixels", N: maxPx, Bytes: preproc.MaxDecodeBytes(1), Unit: "a pixel"})
	if err != nil {
		return c.usageErr(fs, "%v (%s)", err, host.MemoryLimitSource)
	}
	cfg.Memory = newDecodeBudget(maxPx)
	net, err := c.open(nt)
	if err != nil {
		return err
	}
	defer net.Close()
	m := &serve.Model{Name: *name, Input: c.m.Input, Output: c.m.Output, Preprocess: cfg, Labels: c.labels, Softmax: c.m.Softmax, Net: net}
	for _, h := range c.m.Heads {
		m.Heads = append(m.Heads, serve.Head{Name: h.Name, Shape: h.Shape})
	}
	delay := *maxDelay
	if delay == 0 {
		delay = -1 // serve.Options: no wait
	}
	s, err := serve.New(m, serve.Options{
		HTTP: *httpAddr, GRPC: *grpcAddr, MaxBatch: *maxBatch, MaxDelay: delay, Queue: *queue,
		Timeout: *timeout, MaxBody: *maxBody, ReadHeaderTimeout: *headerTimeout, ReadTimeout: *readTimeout,
		Drain: *drain, Log: slog.New(slog.NewJSONHandler(c.stderr, nil)), AccessLog: *accessLog,
	})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return s.Run(ctx)
}
