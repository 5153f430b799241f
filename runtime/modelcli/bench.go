package modelcli

import (
	"encoding/json"

	"github.com/inccdev/incc/runtime/bench"
)

func (c *cli) bench(args []string) error {
	fs := c.flags("bench", "[flags]")
	batch := fs.Int("batch", 1, "`N` images per inference batch")
	threads := fs.Int("threads", 0, "`T` threads (default: the build's --threads, else all CPUs)")
	iters := fs.Int("iters", 100, "timed inferences `N`")
	warmup := fs.Int("warmup", 3, "untimed inferences `N` first")
	top := fs.Int("top", 10, "list the `N` slowest layers (0: all, in execution order)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return c.usageErr(fs, "takes no arguments, got %q", pos[0])
	case *batch < 1:
		return c.usageErr(fs, "--batch must be at least 1, got %d", *batch)
	case *iters < 1:
		return c.usageErr(fs, "--iters must be at least 1, got %d", *iters)
	case *warmup < 0 || *top < 0:
		return c.usageErr(fs, "--warmup and --top must not be negative")
	}
	cfg := bench.Config{Input: c.m.Input, OutputLen: c.m.outputLen(), Batch: *batch, Iters: *iters, Warmup: *warmup, Threads: c.threads(*threads)}
	if err := c.checkThreads(fs, cfg.Threads); err != nil {
		return err
	}
	if err := bench.Memory(cfg, c.m.ThreadBytes, c.m.weightBytes()); err != nil {
		return c.usageErr(fs, "%v", err)
	}
	net, err := c.openNet(NetOptions{Threads: cfg.Threads, Profile: true})
	if err != nil {
		return err
	}
	defer net.Close()
	r, err := bench.Run(net, cfg)
	if err != nil {
		return err
	}
	r.Model = c.m.Name
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return r.WriteText(c.stdout, *top)
}
