#!/usr/bin/python3
"""PyTorch CPU timing of the same network, for tools/peers/run.sh.

Usage: /usr/bin/python3 tools/peers/torch_bench.py --cache DIR [--threads 1,2]
       [--batches 1,8] [--modes eager,jit] [--warmup 2] [--iters 5] [--mintime 1] [--maxtime 3]
       [--logits-prefix PREFIX]

The model and input are those of DIR (make_inputs.py): make_inputs.load_model, with
incc_init weights, eval.
Modes: eager = the nn.Module under torch.no_grad(); jit = torch.jit.trace + torch.jit.freeze
+ optimize_for_inference, traced once per batch size. torch.set_num_threads(T), interop
threads 1, nothing else changed (OMP_* as in the environment). Each timing is one forward
call (ms per batch): after --warmup calls, at least --iters calls and --mintime seconds, but
no more than 3 calls once --maxtime seconds have passed. Prints one JSON object per line;
with --logits-prefix writes PREFIX{mode}.f32, the largest batch's logits (first thread count).
"""
import argparse
import json
import math
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_inputs  # noqa: E402


def stats(ts):
    ts = sorted(ts)
    n = len(ts)
    med = ts[n // 2] if n % 2 else (ts[n // 2 - 1] + ts[n // 2]) / 2
    p90 = ts[min(n - 1, max(0, math.ceil(0.9 * n) - 1))]
    return round(med, 3), round(p90, 3), round(ts[0], 3), n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--modes", default="eager,jit")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--mintime", type=float, default=1.0)
    ap.add_argument("--maxtime", type=float, default=3.0)
    ap.add_argument("--logits-prefix")
    a = ap.parse_args()
    torch.set_num_interop_threads(1)
    threads = [int(t) for t in a.threads.split(",")]
    batches = [int(b) for b in a.batches.split(",")]
    model, man = make_inputs.load_model(a.cache)
    x_all = torch.from_numpy(np.fromfile(os.path.join(a.cache, man["files"]["input"]),
                                         dtype="<f4")).reshape(-1, *man["input_shape"])
    for mode in a.modes.split(","):
        for b in batches:
            x = x_all[:b].clone()
            fn, load_ms = None, 0.0
            for ti, th in enumerate(threads):
                torch.set_num_threads(th)
                with torch.no_grad():
                    if fn is None:  # one traced graph per batch size, for every thread count
                        t0 = time.perf_counter()
                        if mode == "eager":
                            fn = model
                        elif mode == "jit":
                            fn = torch.jit.optimize_for_inference(
                                torch.jit.freeze(torch.jit.trace(model, x).eval()))
                        else:
                            raise SystemExit(f"unknown mode {mode}")
                        load_ms = (time.perf_counter() - t0) * 1e3
                    for _ in range(a.warmup):
                        out = fn(x)
                    ts = []
                    start = time.perf_counter()
                    while len(ts) < a.iters or time.perf_counter() - start < a.mintime:
                        if len(ts) >= 3 and time.perf_counter() - start > a.maxtime:
                            break
                        t = time.perf_counter_ns()
                        out = fn(x)
                        ts.append((time.perf_counter_ns() - t) / 1e6)
                if ti == 0 and b == max(batches) and a.logits_prefix:
                    out.flatten(1).numpy().astype("<f4").tofile(a.logits_prefix + mode + ".f32")
                med, p90, mn, n = stats(ts)
                print(json.dumps({"engine": f"torch-{mode}", "build": f"torch {torch.__version__}",
                                  "threads": th, "batch": b, "median_ms": med, "p90_ms": p90,
                                  "min_ms": mn, "n": n, "load_ms": round(load_ms, 3)}),
                      flush=True)


if __name__ == "__main__":
    main()
