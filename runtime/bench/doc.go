// Package bench times a generated network: [Bench] runs it on a seeded
// batch, Warmup untimed inferences then Iters timed ones, and reports the
// latency percentiles of a batch, the throughput and, from the network's
// profile, each layer's time and GFLOP/s. A model binary's bench command
// (runtime/modelcli) and the profiles of the generated packages' tests
// use it.
package bench
