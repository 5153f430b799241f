#!/usr/bin/env python3
"""Runs one network's peers side by side and prints the ratio table (driver of run.sh).

Usage: python3 tools/peers/peers.py --cache DIR [--bin DIR] [--results DIR] [--rounds 5]
       [--torch-rounds 3] [--threads 1,2] [--batches 1,8] [--no-torch] [--no-purego]
       [--no-simd] [--json FILE]
       python3 tools/peers/peers.py --report RESULTS.json     (re-print an earlier table)

Standard library only. Expects what run.sh prepares: the network's DIR (make_inputs.py:
manifest.json and the files it names) and the bin/ directory (inccbench-NET,
inccbench-NET-simd, model-NET, peak, gomlx, onnxgo; a NAME.err file next to a missing
binary says why it is missing). Each engine runs as its own process, once per round, and the
engines' order rotates from round to round, so all of them see the same machine
conditions. A process times every (threads, batch) configuration after a warm-up and
prints one JSON line per configuration (see each bench's doc). An engine whose first run
took over --slow seconds gets at most 3 rounds. The pure-Go peers and the peak run once.

Per configuration the table gives the median over runs of the per-run medians (ms per
batch), the range of the per-run medians, the median p90, the best single call, and
x ORT: the median over rounds of (engine / ORT) from the same round (pure-Go peers, which
run once: engine / ORT's median). The logits of the first round (largest batch) are
compared with torch's reference (tools/peers/make_inputs.py): max|a-b| / max|ref| must be
at most 1e-4. Exit status 1 if an engine's logits disagree.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOL = 1e-4
NAMES = {"ort": "ONNX Runtime", "torch-jit": "PyTorch jit+freeze", "torch-eager": "PyTorch eager",
         "gomlx": "GoMLX SimpleGo", "onnx-go": "onnx-go + Gorgonia"}


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return None


def read_f32(path):
    import array
    a = array.array("f")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    if sys.byteorder != "little":
        a.byteswap()
    return a


def compare(got, ref, outlen):
    n = min(len(got), len(ref))
    if n == 0 or len(got) % outlen:
        return None
    amax = max(abs(ref[i]) for i in range(n))
    d = max(abs(got[i] - ref[i]) for i in range(n))
    return d / amax


class Engine:
    def __init__(self, key, label, argv, rounds, env=None, logits=None, cwd=None):
        self.key, self.label, self.argv, self.rounds = key, label, argv, rounds
        self.env, self.logits, self.cwd = env, logits or {}, cwd
        self.runs = 0
        self.first_seconds = None


def run_engine(e, rnd, records, errors, verbose):
    argv = []
    for a in e.argv:  # a ("@logits", FLAG, PATH) item: logits only from the first round
        if isinstance(a, tuple):
            if rnd == 0:
                argv += a[1:]
        else:
            argv.append(a)
    la = loadavg()
    t0 = time.time()
    env = dict(os.environ, **(e.env or {}))
    p = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=e.cwd or ROOT)
    dt = time.time() - t0
    if e.first_seconds is None:
        e.first_seconds = dt
    e.runs += 1
    got = 0
    for line in p.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        r.update(round=rnd + 1, loadavg_before=la, key=e.key)
        records.append(r)
        got += 1
    if p.returncode != 0 or got == 0:
        msg = (p.stderr.strip() or p.stdout.strip() or f"exit status {p.returncode}").splitlines()
        errors.setdefault(e.key, f"exit status {p.returncode}: " + " | ".join(msg[-3:])[:400])
    if verbose:
        print(f"[peers] round {rnd + 1}: {e.label} {dt:.1f} s (load {la})", file=sys.stderr, flush=True)
    return dt


def measure_startup(model, image, runs, weights, records):
    """The model binary (incc build) classifying one image, runs times: wall time from
    exec to exit (the first result) and peak RSS (ru_maxrss), each run a fresh process.
    Compared with the embedded weights + the heap after loading (packed weights and
    arenas, inccbench's heap_mb) + 20 MB."""
    if not model or not image or runs <= 0:
        return None
    walls, rss = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.Popen([model, "classify", "--json", image], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        _, st, ru = os.wait4(p.pid, 0)
        walls.append((time.perf_counter() - t0) * 1e3)
        p.returncode = os.waitstatus_to_exitcode(st)
        err = p.stderr.read().decode(errors="replace").strip()
        p.stderr.close()
        if p.returncode != 0:
            return {"error": f"exit status {p.returncode}: {err[-300:]}"}
        rss.append(ru.ru_maxrss / 1024)  # KiB -> MiB
    heap = [r["heap_mb"] for r in records if r.get("engine") == "incc" and "heap_mb" in r
            and r.get("build") == "go"]
    out = {"runs": runs, "first_result_ms": round(statistics.median(walls), 1),
           "first_result_ms_min": round(min(walls), 1), "peak_rss_mb": round(statistics.median(rss), 1),
           "weights_mb": round(os.path.getsize(weights) / 2**20, 1), "binary_mb": round(os.path.getsize(model) / 2**20, 1)}
    if heap:
        # heap_mb is per thread count of inccbench's first Net; the binary uses all CPUs.
        out["loaded_heap_mb"] = round(max(heap), 1)
        out["bound_mb"] = round(out["weights_mb"] + out["loaded_heap_mb"] + 20, 1)
    return out


def machine():
    model = None
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    fl = line.split()
                    flags = "AVX-512" if "avx512f" in fl else ("AVX2" if "avx2" in fl else "")
                    break
    except OSError:
        pass
    ver = lambda cmd: (subprocess.run(cmd, capture_output=True, text=True).stdout.strip()  # noqa: E731
                       if shutil.which(cmd[0]) else None)
    tree = ver(["git", "-C", ROOT, "describe", "--always", "--dirty"])
    return {"cpu": model, "cores": os.cpu_count(), "simd": flags, "kernel": platform.release(), "incc_tree": tree,
            "go": ver(["go", "env", "GOVERSION"]), "node": ver(["node", "--version"])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default=os.path.join(HERE, "cache", "googlenet_torchvision"))
    ap.add_argument("--bin", default=os.path.join(HERE, "cache", "bin"))
    ap.add_argument("--results", default=os.path.join(HERE, "cache", "results"))
    ap.add_argument("--no-simd", action="store_true", help="leave out the GOEXPERIMENT=simd build of incc")
    ap.add_argument("--startup-runs", type=int, default=5, help="runs of the model binary for its "
                    "start-up time and peak RSS (0: none)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--torch-rounds", type=int, default=3)
    ap.add_argument("--slow", type=float, default=30.0)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--no-purego", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--report", metavar="JSON", help="only print the Markdown of an earlier run's JSON")
    a = ap.parse_args()
    if a.report:
        with open(a.report) as f:
            print(markdown(json.load(f)))
        return
    cache, binr = a.cache, a.bin
    out = os.path.join(cache, "out")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(cache, "manifest.json")) as f:
        man = json.load(f)
    F = lambda k: os.path.join(cache, man["files"][k])  # noqa: E731
    inp, ref_path = F("input"), F("ref_logits")
    net = man["network"]
    shape = ",".join(str(d) for d in man["input_shape"])
    outlen = man["output_len"]
    T, B = a.threads, a.batches
    maxb = max(int(b) for b in B.split(","))
    if maxb > man["batch"]:
        raise SystemExit(f"--batches needs {maxb} images; the input holds {man['batch']}")
    skipped = {}

    def binary(name):
        p = os.path.join(binr, name)
        if os.path.exists(p):
            return p
        err = os.path.join(binr, name + ".err")
        why = open(err).read().strip().splitlines()[-1:] if os.path.exists(err) else ["not built"]
        skipped[name] = why[0][:300] if why else "not built"
        return None

    lg = lambda flag, name, ext=".f32": ("@logits", flag, os.path.join(out, f"logits_{name}{ext}"))  # noqa: E731
    fast = []
    for name, label in (("inccbench", "incc go"), ("inccbench-simd", "incc go+simd")):
        if name.endswith("simd") and a.no_simd:
            continue
        p = binary(name.replace("inccbench", f"inccbench-{net}"))
        if p:
            fast.append(Engine(name, label, [p, "-input", inp, "-threads", T, "-batches", B,
                                             lg("-logits", name)], a.rounds,
                               logits={name: os.path.join(out, f"logits_{name}.f32")}))
    ort_pkg = os.path.join(HERE, "node_modules", "onnxruntime-node", "package.json")
    if not shutil.which("node"):
        skipped["ort"] = "node not found: install with: apt-get install nodejs npm"
    elif not os.path.exists(ort_pkg):
        want = json.load(open(os.path.join(HERE, "package.json")))["dependencies"]["onnxruntime-node"]
        skipped["ort"] = (f"onnxruntime-node not installed: install with: (cd tools/peers && npm install "
                          f"--ignore-scripts onnxruntime-node@{want}), or tools/peers/run.sh --install")
    else:
        fast.append(Engine("ort", "ONNX Runtime", ["node", os.path.join(HERE, "ort_bench.js"), "--model", F("onnx"),
                                                  "--input", inp, "--shape", shape, "--threads", T, "--batches", B,
                                                  lg("--logits", "ort")], a.rounds,
                           logits={"ort": os.path.join(out, "logits_ort.f32")}))
    if not a.no_torch:
        ok = subprocess.run(["/usr/bin/python3", "-c", "import torch, torchvision"],
                            capture_output=True).returncode == 0 if os.path.exists("/usr/bin/python3") else False
        if ok:
            fast.append(Engine("torch", "PyTorch", ["/usr/bin/python3", os.path.join(HERE, "torch_bench.py"),
                                                    "--cache", cache, "--threads", T, "--batches", B,
                                                    lg("--logits-prefix", "torch-", "")], min(a.rounds, a.torch_rounds),
                               logits={"torch-eager": os.path.join(out, "logits_torch-eager.f32"),
                                       "torch-jit": os.path.join(out, "logits_torch-jit.f32")}))
        else:
            skipped["torch"] = ("PyTorch not importable by /usr/bin/python3: install with: apt-get install "
                                "python3-torch python3-torchvision python3-onnx, or tools/peers/run.sh --install")
    once = []
    if not a.no_purego and (man["input_shape"] != [3, 224, 224] or outlen != 1000):
        skipped["pure-Go peers"] = "they take 3x224x224 inputs and 1000 outputs only"
    elif not a.no_purego:
        p = binary("gomlx")
        if p and "onnx_floorpool" in man["files"]:
            once.append(Engine("gomlx", "GoMLX SimpleGo", [p, "-dir", cache, "-input", man["files"]["input"],
                                                           "-threads", T, "-batches", "1", "-iters", "3",
                                                           "-models", f"{man['files']['onnx']}=as exported,"
                                                           f"{man['files']['onnx_floorpool']}=ceil-mode pools rewritten",
                                                           lg("-logits", "gomlx")], 1,
                               logits={"gomlx": os.path.join(out, "logits_gomlx.f32")}))
        p = binary("onnxgo")
        if p and "onnx_floorpool_onnxgo" in man["files"]:
            once.append(Engine("onnxgo", "onnx-go", [p, "-dir", cache, "-input", man["files"]["input"],
                                                     "-threads", T, "-models",
                                                     f"{man['files']['onnx']}=as exported,"
                                                     f"{man['files']['onnx_floorpool_onnxgo']}=ceil-mode pools "
                                                     "rewritten; pads in onnx-go's order",
                                                     lg("-logits", "onnx-go")], 1,
                               logits={"onnx-go": os.path.join(out, "logits_onnx-go.f32")}))
    for k in list(os.listdir(out)):
        if k.startswith("logits_"):
            os.remove(os.path.join(out, k))

    info = machine()
    info["loadavg_start"] = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else None
    records, errors = [], {}
    started = time.time()
    peak = []
    peak_bin = binary("peak")

    def measure_peak():  # at the start and the end; the best of both counts (other jobs lower it)
        if not peak_bin:
            return
        r = subprocess.run([peak_bin, "-threads", str(max(int(t) for t in T.split(","))), "-reps", "5",
                            "-time", "200ms"], capture_output=True, text=True)
        for x in r.stdout.splitlines():
            if x.startswith("{"):
                x = json.loads(x)
                old = next((q for q in peak if q["kernel"] == x["kernel"] and q["threads"] == x["threads"]), None)
                if old is None:
                    peak.append(x)
                elif x["max_gflops"] > old["max_gflops"]:
                    old.update(x)

    measure_peak()
    for rnd in range(a.rounds):
        k = rnd % max(1, len(fast))
        for e in fast[k:] + fast[:k]:
            if e.runs >= e.rounds:
                continue
            dt = run_engine(e, rnd, records, errors, not a.quiet)
            if e.runs == 1 and dt > a.slow:
                e.rounds = min(e.rounds, 3)
        if rnd == 0:
            for e in once:
                run_engine(e, rnd, records, errors, not a.quiet)
    measure_peak()
    startup = measure_startup(binary(f"model-{net}"), F("image") if "image" in man["files"] else None,
                              a.startup_runs, F("weights"), records)
    info["loadavg_end"] = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else None
    elapsed = time.time() - started

    # ---- aggregate
    def name_of(r):
        if r["engine"] == "incc":
            return f"incc ({r['build']})"
        return NAMES.get(r["engine"], r["engine"])

    groups = {}
    for r in records:
        if "median_ms" not in r:
            continue
        g = groups.setdefault((name_of(r), r.get("case", ""), r["threads"], r["batch"]), [])
        g.append(r)
    ort_by_round = {(r["threads"], r["batch"], r["round"]): r["median_ms"] for r in records
                    if r["engine"] == "ort" and "median_ms" in r}
    ort_cpu_by_round = {(r["threads"], r["batch"], r["round"]): r["cpu_median_ms"] for r in records
                        if r["engine"] == "ort" and r.get("cpu_median_ms")}
    ort_med, ort_min = {}, {}
    for (name, case, th, b), g in groups.items():
        if name == NAMES["ort"]:
            ort_med[(th, b)] = statistics.median(x["median_ms"] for x in g)
            ort_min[(th, b)] = min(x["min_ms"] for x in g)
    macs = man.get("macs_per_image")
    peak_by_threads = {}
    for p in peak:
        peak_by_threads[p["threads"]] = max(peak_by_threads.get(p["threads"], 0), p["max_gflops"])

    order = [NAMES["ort"], "incc (go)", "incc (go+simd)", NAMES["torch-jit"], NAMES["torch-eager"],
             NAMES["gomlx"], NAMES["onnx-go"]]
    rows = []
    for (name, case, th, b), g in sorted(groups.items(), key=lambda kv: (
            kv[0][2], kv[0][3], order.index(kv[0][0]) if kv[0][0] in order else 99, kv[0][1])):
        meds = [x["median_ms"] for x in g]
        ms = statistics.median(meds)
        pairs = [x["median_ms"] / ort_by_round[(th, b, x["round"])] for x in g
                 if (th, b, x["round"]) in ort_by_round]
        if name == NAMES["ort"]:
            ratio, how = 1.0, "-"
        elif len(pairs) == len(g) and pairs:
            ratio, how = statistics.median(pairs), "paired"
        elif (th, b) in ort_med:
            ratio, how = ms / ort_med[(th, b)], "medians"
        else:
            ratio, how = None, None
        gf = 2 * macs * b / ms / 1e6 if macs else None
        pk = peak_by_threads.get(th)
        cpus = [x["cpu_median_ms"] for x in g if x.get("cpu_median_ms")]
        cpu_pairs = [x["cpu_median_ms"] / ort_cpu_by_round[(th, b, x["round"])] for x in g
                     if x.get("cpu_median_ms") and (th, b, x["round"]) in ort_cpu_by_round]
        rows.append({"engine": name, "case": case, "build": g[0].get("build"), "threads": th, "batch": b,
                     "ms": round(ms, 3), "runs": len(g), "run_medians_ms": meds,
                     "p90_ms": round(statistics.median(x["p90_ms"] for x in g), 3),
                     "min_ms": min(x["min_ms"] for x in g), "ms_per_image": round(ms / b, 3),
                     "img_per_s": round(1000 * b / ms, 2), "gflops": round(gf, 1) if gf else None,
                     "pct_of_peak": round(100 * gf / pk, 1) if gf and pk else None,
                     "x_ort": round(ratio, 3) if ratio else None, "x_ort_from": how,
                     "x_ort_rounds": [round(v, 3) for v in pairs],
                     "x_ort_min": round(min(x["min_ms"] for x in g) / ort_min[(th, b)], 3) if (th, b) in ort_min else None,
                     "cpu_ms": round(statistics.median(cpus), 3) if cpus else None,
                     "x_ort_cpu": round(statistics.median(cpu_pairs), 3) if cpu_pairs else None})
        drift = max((x.get("repeat_drift_rel", 0) for x in g), default=0)
        if drift > TOL:
            rows[-1]["note"] = (f"output correct on the first Run only: later Runs drift by {drift:.2g} "
                                "relative (its Gemm accumulates into the fc bias)")
    for r in records:
        if "error" in r:
            rows.append({"engine": name_of(r), "case": r.get("case", ""), "build": r.get("build"),
                         "error": r["error"]})

    # ---- logits check
    ref = read_f32(ref_path)
    checks = {}
    for e in fast + once:
        for name, path in e.logits.items():
            if os.path.exists(path):
                got = read_f32(path)
                d = compare(got, ref, outlen)
                checks[name] = {"max_rel_diff": d, "images": len(got) // outlen, "ok": d is not None and d <= TOL}
            elif e.key not in errors:
                checks[name] = {"max_rel_diff": None, "ok": False, "note": "no logits written"}
    ort_l = os.path.join(out, "logits_ort.f32")
    if os.path.exists(ort_l):
        o = read_f32(ort_l)
        for name in ("inccbench", "inccbench-simd"):
            p = os.path.join(out, f"logits_{name}.f32")
            if os.path.exists(p) and name in checks:
                checks[name]["max_rel_diff_vs_ort"] = compare(read_f32(p), o, outlen)

    result = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "machine": info,
              "elapsed_s": round(elapsed, 1), "rounds": a.rounds, "torch_rounds": a.torch_rounds,
              "runs": {e.key: e.runs for e in fast + once}, "inputs": {k: man.get(k) for k in (
                  "network", "spec", "model", "input", "input_shape", "torch", "torchvision",
                  "torchvision_version", "onnx", "macs_per_image", "checks")},
              "peak": peak, "startup": startup, "rows": rows, "logits_check": checks, "tolerance": TOL, "skipped": skipped,
              "errors": errors,
              "loadavg_during": [r["loadavg_before"] for r in records if r.get("loadavg_before") is not None]}
    md = markdown(result)
    print(md)
    path = a.json or os.path.join(a.results, time.strftime(f"peers-{net}-%Y%m%d-%H%M%S.json"))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    latest = a.results
    os.makedirs(latest, exist_ok=True)
    with open(os.path.join(latest, f"latest-{net}.json"), "w") as f:
        json.dump(result, f, indent=1)
    with open(os.path.join(latest, f"latest-{net}.md"), "w") as f:
        f.write(md + "\n")
    print(f"\nJSON: {os.path.relpath(path, ROOT)} (also {os.path.relpath(latest, ROOT)}/latest-{net}.{{json,md}})")
    bad = [k for k, v in checks.items() if not v["ok"] and k in ("inccbench", "inccbench-simd", "ort",
                                                                 "torch-eager", "torch-jit")]
    sys.exit(1 if bad else 0)


def fmt(v, nd=2):
    if v is None:
        return "–"
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.1f}"
    return f"{v:.{nd}f}"


def headline(rows):
    """incc / ORT per configuration, and the fastest pure-Go peer / incc."""
    ok = [r for r in rows if "error" not in r]
    out = []
    for build in ("incc (go)", "incc (go+simd)"):
        rs = [r for r in ok if r["engine"] == build and r["x_ort"] is not None]
        if rs:
            out.append(f"- **{build} / ONNX Runtime**: " + ", ".join(
                f"{r['x_ort']:.2f} (T{r['threads']} b{r['batch']})" for r in rs))
    pure = {}
    for r in ok:
        if r["engine"] in (NAMES["gomlx"], NAMES["onnx-go"]):
            k = (r["threads"], r["batch"])
            if k not in pure or r["ms"] < pure[k]["ms"]:
                pure[k] = r
    incc = {}
    for r in ok:
        if r["engine"].startswith("incc"):
            k = (r["threads"], r["batch"])
            if k not in incc or r["ms"] < incc[k]["ms"]:
                incc[k] = r
    parts = [f"{pure[k]['ms'] / incc[k]['ms']:.1f}× (T{k[0]} b{k[1]}, {pure[k]['engine']} "
             f"{fmt(pure[k]['ms'])} ms)" for k in sorted(pure) if k in incc]
    if parts:
        out.append("- **fastest pure-Go peer / incc**: " + ", ".join(parts))
    return out


def markdown(res):
    m = res["machine"]
    la = res["loadavg_during"]
    load = f"load average at start {' '.join(m['loadavg_start'] or ['?'])}"
    if la:
        load += f", before each run {min(la):.2f}–{max(la):.2f}"
    inp = res["inputs"]
    L = [f"## {inp.get('network', 'googlenet_torchvision')} ({inp['model']}) — {res['date'][:10]}", "",
         f"{m['cpu']}, {m['cores']} cores ({m['simd']}), {m['go']}, node {m['node']}, incc tree "
         f"{m.get('incc_tree') or '?'}; {load}; "
         f"{res['elapsed_s']:.0f} s", "",
         "ms per batch: median of the per-process medians; ×ORT = engine / ONNX Runtime at the same threads "
         "and batch (median of same-round ratios; < 1 is faster than ORT). cpu ms: the process's CPU time per "
         "batch (all its threads, so also what ONNX Runtime's Node.js threads and spinning workers take), and "
         "×ORT by it. ×ORT min: the best single call's ratio, what is left of the comparison when the machine "
         "is loaded.", "",
         "| engine | threads | batch | ms | runs: range | p90 | min | img/s | GFLOP/s (% peak) | ×ORT | ×ORT min | cpu ms | ×ORT cpu |",
         "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in res["rows"]:
        if "error" in r:
            continue
        name = r["engine"] + (f" [{r['case']}]" if r["case"] else "")
        rng = f"{r['runs']}: {fmt(min(r['run_medians_ms']))}–{fmt(max(r['run_medians_ms']))}"
        gf = (f"{r['gflops']:.1f}" + (f" ({r['pct_of_peak']:.0f} %)" if r["pct_of_peak"] is not None else "")
              if r["gflops"] else "–")
        L.append(f"| {name} | {r['threads']} | {r['batch']} | {fmt(r['ms'])} | {rng} | {fmt(r['p90_ms'])} | "
                 f"{fmt(r['min_ms'])} | {r['img_per_s']:.1f} | {gf} | "
                 f"{'**' + format(r['x_ort'], '.2f') + '**' if r['x_ort'] is not None else '–'} | "
                 f"{format(r['x_ort_min'], '.2f') if r.get('x_ort_min') is not None else '–'} | "
                 f"{fmt(r.get('cpu_ms'))} | {format(r['x_ort_cpu'], '.2f') if r.get('x_ort_cpu') is not None else '–'} |")
    L.append("")
    builds = {}
    for r in res["rows"]:
        if r.get("build") and not r["engine"].startswith("incc"):
            builds.setdefault(r["engine"], r["build"])
    if builds:
        L.append("- versions: " + "; ".join(f"{k}: {v}" for k, v in builds.items()))
    L.extend(headline(res["rows"]))
    notes = {}
    for r in res["rows"]:
        if r.get("note"):
            notes.setdefault(r["engine"], r["note"])
    for k, v in notes.items():
        L.append(f"- {k}: {v}")
    errs = [r for r in res["rows"] if "error" in r]
    for r in errs:
        L.append(f"- cannot run: {r['engine']} [{r['case']}] ({r['build']}): {r['error']}")
    for k, v in res["errors"].items():
        L.append(f"- {k} failed: {v}")
    for k, v in res["skipped"].items():
        L.append(f"- skipped {k}: {v}")
    if res["peak"]:
        pk = "; ".join(f"{p['kernel']}, {p['threads']} thread{'s' if p['threads'] > 1 else ''}: "
                       f"{p['max_gflops']:.0f} (median {p['median_gflops']:.0f})" for p in res["peak"])
        best = {}
        for p in res["peak"]:
            best[p["threads"]] = max(best.get(p["threads"], 0), p["max_gflops"])
        macs = res["inputs"]["macs_per_image"]
        lim = ", ".join(f"{2 * macs / g / 1e6:.2f} ms/image on {t} thread{'s' if t > 1 else ''}"
                        for t, g in sorted(best.items()))
        L.append(f"- CPU peak (tools/peers/peak, FMA GFLOP/s, best of 5 runs at the start and 5 at the end; "
                 f"% peak above uses it): {pk}. {inp.get('network', 'The network')} = {2 * macs / 1e9:.2f} GFLOP/image, "
                 f"so the limit is {lim}.")
    st = res.get("startup")
    if st and "error" in st:
        L.append(f"- model binary (incc build): {st['error']}")
    elif st:
        s = (f"- model binary (incc build, {st['binary_mb']:.0f} MB; `classify` of one image, a fresh process each "
             f"of {st['runs']} runs): exec to first result {st['first_result_ms']:.0f} ms (median; min "
             f"{st['first_result_ms_min']:.0f}), peak RSS {st['peak_rss_mb']:.0f} MB")
        if "bound_mb" in st:
            ok = "within" if st["peak_rss_mb"] <= st["bound_mb"] else "**above**"
            s += (f"; {ok} the bound {st['bound_mb']:.0f} MB = weights {st['weights_mb']:.0f} + heap of a "
                  f"loaded Net (packed weights, arenas) {st['loaded_heap_mb']:.0f} + 20")
        L.append(s)
    chk = []
    for k, v in res["logits_check"].items():
        d = v.get("max_rel_diff")
        s = f"{k} {d:.1e}" if d is not None else f"{k} –"
        if v.get("max_rel_diff_vs_ort") is not None:
            s += f" (vs ORT {v['max_rel_diff_vs_ort']:.1e})"
        if not v["ok"]:
            s += " **MISMATCH**"
        chk.append(s)
    L.append(f"- logits vs torch reference (max|a−b|/max|ref|, ≤ {res['tolerance']:g} required): " + "; ".join(chk))
    return "\n".join(L)


if __name__ == "__main__":
    main()
