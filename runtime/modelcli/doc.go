// Package modelcli is the command line of the model binaries that
// `incc build` makes: a generated main fills a [Model] (the network's
// constructor, its embedded weights, preprocessing, labels and an info
// text) and calls [Model.Main], which returns the exit code.
//
// It imports only the standard library and incc's runtime packages
// (runtime/preproc, runtime/bench, runtime/labels, runtime/host and what
// they link): model binaries never link the compiler, and they use the
// flag package, not a CLI library, to stay small.
//
// # Commands
//
//	MODEL classify [--top K] [--json] [--batch N] [--threads T] [--max-pixels P] PATH...
//	MODEL info
//	MODEL bench [--batch N] [--threads T] [--iters N] [--warmup N] [--top N] [--json]
//	MODEL eval IMAGES.idx[.gz] LABELS.idx[.gz] [--show N] [--limit N] [--batch N] [--threads T] [--json]
//	MODEL serve [--http ADDR] [--grpc ADDR] [--name NAME] [--max-batch N] [--max-delay D] [--queue N] [--timeout D] [...]
//
// classify prints the top K classes of each image (JPEG, PNG, GIF, BMP,
// TIFF, WebP) after the spec's preprocessing. A directory is walked
// recursively in lexical order and every file with an image extension is
// classified; other files are counted and reported as skipped. On a
// terminal, stderr shows a progress bar. Every file that cannot be read or
// decoded (missing, unreadable, not an image, truncated, too large) is
// reported on stderr when it happens and again at the end, and the run
// carries on; the exit code is then 1. A file that is not a regular file
// (a named pipe, a socket, a device) is reported without being read: it
// could block the run forever. Images are decoded in parallel, but the
// memory of the decodes running at once is bounded (a preproc.Budget of a
// quarter of the memory, at most 2 GiB, at least one image of
// --max-pixels; each decode holds its estimate from the image's header),
// so it does not grow with the number of CPUs. A directory without images is an
// error too. With several images, a summary (images, failures, throughput)
// ends the run. --json prints one JSON document on stdout instead. On
// SIGINT (Ctrl-C), classify finishes the batch it is running, prints the
// results done so far and the summary, marked interrupted ("interrupted":
// true in JSON, so the document stays valid), and exits with 130; a
// second SIGINT kills it at once.
//
// info prints the network's name, spec source, cost table, the sha256 of
// the embedded weights (recomputed and compared), the input and output
// shapes, the preprocessing and the labels.
//
// bench runs a seeded input batch repeatedly (package runtime/bench, the
// loop incc bench runs too) and prints the latency percentiles (p50, p90,
// p99) of one batch, the throughput in images/s and GFLOP/s, and the
// time of the --top N slowest layers (0: every layer, in order).
//
// eval classifies an IDX data set (the MNIST format: an idx3 file of
// unsigned bytes, N×H×W, and an idx1 file of N labels; either may be
// gzipped, detected by its magic bytes). Each image goes through the
// spec's preprocessing as an 8-bit grayscale image, exactly as
// torchvision's ToTensor and Normalize treat MNIST. It prints the accuracy
// and the throughput and, with --show N, draws N digits in the terminal
// with their true and predicted labels, the first misclassified ones among
// them. IDX headers are validated against the data (magic, type,
// dimensions, counts, sizes) and nothing is allocated from a header's
// claims alone.
//
// serve runs the network as an Open Inference Protocol (KServe v2) server,
// REST on --http and gRPC on --grpc, with dynamic batching, Prometheus
// metrics, an access log on stderr and a page at GET / to try the model;
// SIGTERM or SIGINT drain it and it exits 0. See package runtime/serve.
//
// Sizes are checked before anything is allocated for them: --threads is
// at most host.MaxThreads (1024), and --batch, --threads and bench's
// --iters must fit host.MemoryLimit (the machine's memory or the memory
// cgroup's limit, or GOMEMLIMIT if lower) with the weights and a thread's
// arena (Model.ThreadBytes); otherwise it is a usage error naming the flag
// and the most it can be. eval refuses a data set whose images cannot fit
// (from the IDX header, before reading them).
//
// Output that cannot be written (stdout on a full disk, /dev/full) is a
// failure: the command stops, says so on stderr and exits with 1.
//
// Exit codes: 0 success, 1 a failure (an image, a data set, the weights,
// the output), 2 bad usage, 130 interrupted (classify).
package modelcli
