package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"

	"github.com/inccdev/incc/runtime/serve/inference"
)

// Options configure a [Server]. Zero values take the defaults.
type Options struct {
	// HTTP and GRPC are the listen addresses (default ":8080" and
	// ":8081", KServe's ports); "off" disables one.
	HTTP, GRPC string
	// MaxBatch is the most images in one batch (default 32), and the most
	// a request may carry.
	MaxBatch int
	// MaxDelay is how long a batch waits for more requests after its
	// first was queued (default 2ms; negative: no wait).
	MaxDelay time.Duration
	// Queue is the most inference requests admitted at once: being read,
	// queued or running (default DefaultQueue). More are refused at once
	// with 503 / RESOURCE_EXHAUSTED.
	Queue int
	// Timeout bounds an inference request's wait for the model
	// (default 30s).
	Timeout time.Duration
	// MaxBody is the largest request body or gRPC message in bytes
	// (default: DefaultMaxBody).
	MaxBody int64
	// ReadHeaderTimeout bounds reading a request's headers (default 10s),
	// ReadTimeout a whole request (default 60s) and IdleTimeout a
	// keep-alive connection's wait for the next (default 120s).
	ReadHeaderTimeout, ReadTimeout, IdleTimeout time.Duration
	// Drain bounds the graceful shutdown (default 30s): in-flight
	// requests still running then are cut off.
	Drain time.Duration
	// Log receives the structured log: one record a request (the access
	// log) and the server's start and stop. Nil discards it.
	Log *slog.Logger
	// AccessLog turns the per-request records on.
	AccessLog bool
	// Ready, if set, is told the listening addresses once both listen.
	Ready func(http, grpc net.Addr)
}

func (o *Options) defaults(m *Model) {
	if o.HTTP == "" {
		o.HTTP = ":8080"
	}
	if o.GRPC == "" {
		o.GRPC = ":8081"
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 32
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = 2 * time.Millisecond
	}
	if o.Queue <= 0 {
		o.Queue = DefaultQueue(o.MaxBatch)
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody(m.inLen(), o.MaxBatch)
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = 10 * time.Second
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 60 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 120 * time.Second
	}
	if o.Drain <= 0 {
		o.Drain = 30 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// DefaultQueue is Options.Queue's default: 4·maxBatch, at least 64.
func DefaultQueue(maxBatch int) int { return max(64, 4*maxBatch) }

// DefaultMaxBody is Options.MaxBody's default for a model whose input has
// inLen values: a full batch of JSON numbers (16 bytes each at most) and
// 1 MiB, at least 4 MiB.
func DefaultMaxBody(inLen, maxBatch int) int64 {
	return max(4<<20, int64(maxBatch)*int64(inLen)*16+1<<20)
}

// Server serves one model over the Open Inference Protocol: REST and
// gRPC, with dynamic batching. See the package doc.
type Server struct {
	model    *Model
	opts     Options
	outs     []output
	version  string
	met      *metrics
	batch    *batcher
	draining atomic.Bool
	health   *health.Server
	handler  http.Handler
	grpc     *grpc.Server
}

// New makes a server for m. Call [Server.Run] to serve, or use
// [Server.Handler] and [Server.GRPC] with listeners of your own and
// [Server.Close] when done.
func New(m *Model, opts Options) (*Server, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	opts.defaults(m)
	s := &Server{
		model: m, opts: opts, outs: m.outputs(), version: version(),
		met:    newMetrics(opts.MaxBatch),
		health: health.NewServer(),
	}
	s.batch = newBatcher(m, opts.MaxBatch, max(opts.MaxDelay, 0), opts.Queue, s.met)
	s.handler = s.routes()
	s.grpc = grpc.NewServer(
		grpc.MaxRecvMsgSize(int(min(opts.MaxBody, 1<<30))),
		grpc.MaxConcurrentStreams(uint32(max(opts.Queue, 16))),
		grpc.ConnectionTimeout(opts.ReadHeaderTimeout),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: opts.IdleTimeout}),
		grpc.ChainUnaryInterceptor(s.grpcLog),
	)
	inference.RegisterGRPCInferenceServiceServer(s.grpc, &grpcService{s: s})
	healthpb.RegisterHealthServer(s.grpc, s.health)
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	s.health.SetServingStatus(inference.GRPCInferenceService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	return s, nil
}

// Handler is the REST API, the page and /metrics.
func (s *Server) Handler() http.Handler { return s.handler }

// GRPC is the gRPC server: the inference service and grpc.health.v1.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// ready reports whether the server takes inference requests.
func (s *Server) ready() bool { return !s.draining.Load() }

// admit takes a slot for an inference request: errFull when the queue is
// full, errClosed once the batcher is closed. While draining, requests
// that the servers still read are admitted: whatever was accepted is
// answered.
func (s *Server) admit() error { return s.batch.admit() }

// drain turns readiness off (REST ready, gRPC ServerReady, ModelReady and
// health) and stops admitting inference requests.
func (s *Server) drain() {
	if !s.draining.Swap(true) {
		s.health.Shutdown()
	}
}

// Close drains the server and waits for the queued batches to finish. It
// does not close listeners; Run does.
func (s *Server) Close() {
	s.drain()
	s.batch.close()
	s.batch.wait()
}

// Run listens on the configured addresses and serves until ctx ends, then
// drains: readiness goes false, the listeners close, requests already
// accepted are answered (for at most Options.Drain), and Run returns nil.
// It returns an error if it cannot listen or a server fails.
func (s *Server) Run(ctx context.Context) error {
	defer s.Close() // also when Run cannot listen
	var hl, gl net.Listener
	var err error
	if s.opts.HTTP != "off" {
		if hl, err = net.Listen("tcp", s.opts.HTTP); err != nil {
			return fmt.Errorf("serve: REST: %v", err)
		}
	}
	if s.opts.GRPC != "off" {
		if gl, err = net.Listen("tcp", s.opts.GRPC); err != nil {
			if hl != nil {
				hl.Close()
			}
			return fmt.Errorf("serve: gRPC: %v", err)
		}
	}
	if hl == nil && gl == nil {
		return errors.New("serve: both --http and --grpc are off")
	}
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.ReadTimeout + s.opts.Timeout,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.opts.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 2)
	var wg sync.WaitGroup
	attrs := []any{"model", s.model.Name, "max_batch", s.opts.MaxBatch, "max_delay", s.opts.MaxDelay.String(), "queue", s.opts.Queue}
	var haddr, gaddr net.Addr
	if hl != nil {
		haddr = hl.Addr()
		attrs = append(attrs, "http", haddr.String())
		wg.Go(func() {
			if err := hs.Serve(hl); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("serve: REST: %v", err)
			}
		})
	}
	if gl != nil {
		gaddr = gl.Addr()
		attrs = append(attrs, "grpc", gaddr.String())
		wg.Go(func() {
			if err := s.grpc.Serve(gl); err != nil {
				errc <- fmt.Errorf("serve: gRPC: %v", err)
			}
		})
	}
	s.opts.Log.Info("serving", attrs...)
	if s.opts.Ready != nil {
		s.opts.Ready(haddr, gaddr)
	}
	var failed error
	select {
	case <-ctx.Done():
	case failed = <-errc:
	}
	s.opts.Log.Info("draining", "inflight", s.met.inflight.Load(), "queued", s.met.queued.Load())
	start := time.Now()
	s.drain()
	dctx, cancel := context.WithTimeout(context.Background(), s.opts.Drain)
	defer cancel()
	stopped := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(stopped)
	}()
	if err := hs.Shutdown(dctx); err != nil {
		hs.Close()
		s.opts.Log.Warn("drain timed out: REST requests cut off", "after", s.opts.Drain.String())
	}
	select {
	case <-stopped:
	case <-dctx.Done():
		s.grpc.Stop()
		<-stopped
		s.opts.Log.Warn("drain timed out: gRPC requests cut off", "after", s.opts.Drain.String())
	}
	s.batch.close()
	s.batch.wait()
	wg.Wait()
	s.opts.Log.Info("stopped", "drain", time.Since(start).Round(time.Millisecond).String(),
		"requests", s.met.inferRequests.Load(), "images", s.met.images.Load(), "batches", s.met.batches.Load())
	return failed
}

// version is incc's module version in the binary, "devel" if unknown.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := bi.Main.Version
	if bi.Main.Path != "github.com/inccdev/incc" {
		for _, d := range bi.Deps {
			if d.Path == "github.com/inccdev/incc" {
				v = d.Version
			}
		}
	}
	if v == "" || v == "(devel)" {
		return "devel"
	}
	return v
}
