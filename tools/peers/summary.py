#!/usr/bin/env python3
"""One table for several networks: incc / ONNX Runtime per configuration, from the JSON
results of peers.py (one file per network). Standard library only.

Usage: python3 tools/peers/summary.py RESULTS.json...
"""
import json
import sys


def main():
    res = []
    for p in sys.argv[1:]:
        try:
            with open(p) as f:
                res.append(json.load(f))
        except OSError as e:
            print(f"summary: {e}", file=sys.stderr)
    if not res:
        raise SystemExit("summary: no results")
    confs = sorted({(r["threads"], r["batch"]) for x in res for r in x["rows"] if "error" not in r})
    head = "| network | GFLOP/img | " + " | ".join(f"T{t} b{b}: incc ms, ×ORT, GFLOP/s (% peak)" for t, b in confs) + " | start, peak RSS |"
    L = ["## incc ÷ ONNX Runtime, every network", "", head, "|" + " --- |" * (len(confs) + 3)]
    for x in res:
        inp = x["inputs"]
        cells = []
        for t, b in confs:
            r = next((r for r in x["rows"] if r.get("engine") == "incc (go)" and r["threads"] == t
                      and r["batch"] == b), None)
            if r is None or r.get("x_ort") is None:
                cells.append("–")
                continue
            pk = f" ({r['pct_of_peak']:.0f} %)" if r.get("pct_of_peak") is not None else ""
            cpu = f" [min {r['x_ort_min']:.2f}]" if r.get("x_ort_min") is not None else ""
            cells.append(f"{r['ms']:.4g}, **{r['x_ort']:.2f}**{cpu}, {r['gflops']:.0f}{pk}")
        st = x.get("startup") or {}
        start = (f"{st['first_result_ms']:.0f} ms, {st['peak_rss_mb']:.0f} MB"
                 + (f" (bound {st['bound_mb']:.0f})" if "bound_mb" in st else "")) if "peak_rss_mb" in st else "–"
        gf = 2 * inp["macs_per_image"] / 1e9 if inp.get("macs_per_image") else None
        L.append(f"| {inp.get('network')} | {gf:.2f} | " + " | ".join(cells) + f" | {start} |")
    la = [v for x in res for v in x.get("loadavg_during", [])]
    L.append("")
    L.append(f"×ORT: incc (plain go build) ÷ ONNX Runtime, median of same-round ratios of latency; [min …]: "
             f"the ratio of the best single calls; load average before each process "
             f"{min(la):.2f}–{max(la):.2f}." if la else "")
    print("\n".join(L))


if __name__ == "__main__":
    main()
