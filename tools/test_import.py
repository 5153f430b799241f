#!/usr/bin/python3
"""Tests of `incc import`: torchvision networks exported by torch.onnx become specs that
incc checks and runs with PyTorch's outputs.

Usage (from the repo root; Debian's torch works with /usr/bin/python3 only):
  /usr/bin/python3 tools/test_import.py [-v] [--keep DIR] [--only NAME[,NAME...]] [--update]

The incc command is built once from ./cmd/incc; set INCC=path/to/incc to use another.

For every case (network, opset, export mode):
  - the network is built in PyTorch, every weight filled with tools/incc_init.py (seed 1;
    the kind comes from the module type), batch norm statistics included, so activations
    stay O(1) and the logits are not the fc bias (checked);
  - torch.onnx.export writes it, in eval mode (batch norm folded into the convolutions by
    the exporter) or with training=PRESERVE on the model in eval mode (batch norm nodes
    kept, initializers named by their state_dict keys);
  - `incc import` writes the spec and the weights; the spec must be the golden file
    compiler/onnx/testdata/golden/torchvision/CASE.inc (checked by a person; --update
    rewrites them), check, be `incc fmt`-clean, and (PRESERVE) name its weights exactly as
    the state_dict does, with the same values;
  - `incc run` (the reference interpreter) on the seeded input (N=2) gives PyTorch's output
    to 1e-4 relative to max|output|, with the same top-5 classes for each image.
MobileNetV2's spec uses the language's depthwise convolution (groups) and relu6.
The README's imported GoogLeNet is checked too: the opset-13 PRESERVE export, imported as
googlenet.onnx with --labels imagenet, must print the README's summary and spec.
Prints a line per case and "N passed, M failed, K skipped" last; exits 1 if any failed.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import incc_init  # noqa: E402
import make_fixtures  # noqa: E402

SEED = 1
TOL = 1e-4
GOLDEN = os.path.join(REPO, "compiler", "onnx", "testdata", "golden", "torchvision")
UPDATE = False
BATCH = 2
VERBOSE = False


def googlenet():
    return torchvision.models.googlenet(weights=None, aux_logits=False, transform_input=False,
                                        init_weights=False)


def inception_v3():
    return torchvision.models.inception_v3(weights=None, aux_logits=False, transform_input=False,
                                           init_weights=False)


NETS = {
    "googlenet": (googlenet, 224),
    "caffe_googlenet": (make_fixtures.CaffeGoogLeNet, 224),
    "resnet18": (torchvision.models.resnet18, 224),
    "resnet50": (torchvision.models.resnet50, 224),
    "inception_v3": (inception_v3, 299),
    "squeezenet": (torchvision.models.squeezenet1_0, 224),
    "mobilenet_v2": (torchvision.models.mobilenet_v2, 224),
}

# (network, opset, mode): mode "eval" folds batch norm into the convolutions,
# "preserve" keeps it; "dynamic" is eval with a symbolic batch size.
CASES = [
    ("googlenet", 11, "eval"),
    ("googlenet", 13, "eval"),
    ("googlenet", 17, "eval"),
    ("googlenet", 13, "preserve"),
    ("caffe_googlenet", 11, "eval"),
    ("caffe_googlenet", 17, "eval"),
    ("resnet18", 13, "dynamic"),
    ("resnet18", 17, "preserve"),
    ("resnet50", 11, "eval"),
    ("resnet50", 13, "preserve"),
    ("inception_v3", 13, "eval"),
    ("inception_v3", 17, "preserve"),
    ("squeezenet", 13, "preserve"),
    ("mobilenet_v2", 13, "eval"),
]


def kind_by_module(model, key):
    """incc_init kind of a state_dict entry, from the module that holds it."""
    path, attr = key.rsplit(".", 1)
    m = model.get_submodule(path)
    if isinstance(m, nn.BatchNorm2d):
        return {"weight": "bn_weight", "bias": "bn_bias", "running_mean": "running_mean",
                "running_var": "running_var"}[attr]
    assert isinstance(m, (nn.Conv2d, nn.Linear)), (key, type(m))
    return attr


def fill(model, seed):
    with torch.no_grad():
        for key, t in model.state_dict().items():
            if key.endswith("num_batches_tracked"):
                continue
            kind = kind_by_module(model, key)
            fan_in = incc_init.fan_in_for_shape(t.shape) if kind == "weight" else 0
            t.copy_(torch.from_numpy(incc_init.fill(key, seed, kind, t.shape, fan_in)))


def incc_command(tmp):
    if os.environ.get("INCC"):
        return os.environ["INCC"]
    exe = os.path.join(tmp, "incc")
    subprocess.run(["go", "build", "-o", exe, "./cmd/incc"], cwd=REPO, check=True)
    return exe


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if VERBOSE:
        print("$", " ".join(cmd))
        sys.stdout.write(p.stdout)
        sys.stdout.write(p.stderr)
    return p


def export(model, x, path, opset, mode):
    kw = dict(opset_version=opset, input_names=["input"], output_names=["output"])
    if mode == "preserve":
        kw.update(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    if mode == "dynamic":
        kw.update(dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    with torch.no_grad():
        torch.onnx.export(model, x, path, **kw)


def rel(got, want):
    return float(np.abs(got.astype(np.float64) - want).max() / np.abs(want).max())


def top5(y):
    return [list(np.argsort(-row, kind="stable")[:5]) for row in y]


def case(incc, tmp, net, opset, mode):
    ctor, size = NETS[net]
    torch.manual_seed(0)
    model = ctor().eval()
    fill(model, SEED)
    x = torch.from_numpy(incc_init.fill("input", SEED, "input", (BATCH, 3, size, size)))
    with torch.no_grad():
        want = model(x).numpy().astype(np.float64)
    # The vacuous-fixture guard: outputs that do not depend on the input (or are just the
    # classifier's bias) would make any comparison pass.
    spread = float(np.abs(want[0] - want[1]).max() / np.abs(want).max())
    assert spread > 1e-2, f"the two images give the same output (spread {spread:.2g})"

    tag = f"{net}_op{opset}_{mode}"
    onnx_path = os.path.join(tmp, tag + ".onnx")
    export(model, x, onnx_path, opset, mode)
    spec, weights = os.path.join(tmp, tag + ".inc"), os.path.join(tmp, tag + ".safetensors")
    p = run([incc, "import", onnx_path, "-o", spec, "--weights", weights])
    assert p.returncode == 0, f"import failed:\n{p.stderr}"
    # incc import's summary: "OUT.inc: N lines, blocks NAME(PARAMS) xINSTANCES, ..."
    summary = p.stderr.splitlines()[0].split(": ", 1)[1]

    text = open(spec).read()
    gold = os.path.join(GOLDEN, tag + ".inc")
    if UPDATE:
        os.makedirs(GOLDEN, exist_ok=True)
        with open(gold, "w") as f:
            f.write(text)
    want_text = open(gold).read() if os.path.exists(gold) else None
    assert text == want_text, f"the spec differs from {os.path.relpath(gold, REPO)} (--update rewrites it):\n{text}"

    p = run([incc, "check", spec])
    assert p.returncode == 0, f"check failed:\n{p.stderr}"
    p = run([incc, "fmt", "-l", spec])
    assert p.returncode == 0 and p.stdout == "", f"incc fmt would change the spec:\n{p.stdout}{p.stderr}"

    import safetensors_lite
    got_w, _ = safetensors_lite.read(weights)
    if mode == "preserve":
        keys = {k for k in model.state_dict() if not k.endswith("num_batches_tracked")}
        assert set(got_w) == keys, (f"weight names differ from the state_dict: only imported "
                                    f"{sorted(set(got_w) - keys)[:5]}, only in PyTorch "
                                    f"{sorted(keys - set(got_w))[:5]}")
        for k in keys:
            np.testing.assert_array_equal(got_w[k], model.state_dict()[k].numpy(), err_msg=k)

    if (net, opset, mode) == README_CASE:
        readme(incc, tmp, onnx_path)

    xin, yout = os.path.join(tmp, tag + "_x.npy"), os.path.join(tmp, tag + "_y.npy")
    np.save(xin, x.numpy())
    t = time.time()
    p = run([incc, "run", spec, "--weights", weights, "--input", xin, "--output", yout, "--top", "0"])
    assert p.returncode == 0, f"run failed:\n{p.stderr}"
    secs = time.time() - t
    got = np.load(yout).reshape(want.shape)
    r = rel(got, want)
    same = top5(got) == top5(want)
    assert r <= TOL, f"output differs from PyTorch: {r:.2g} relative"
    assert same, f"top-5 differ: incc {top5(got)}, PyTorch {top5(want)}"
    return "pass", f"{summary}; max|diff|/max|y| {r:.1e}, top-5 identical ({BATCH} images, run {secs:.1f} s)"


README_CASE = ("googlenet", 13, "preserve")


def readme(incc, tmp, onnx_path):
    """The README's import of GoogLeNet is what incc prints."""
    d = os.path.join(tmp, "readme")
    os.makedirs(d, exist_ok=True)
    shutil.copy(onnx_path, os.path.join(d, "googlenet.onnx"))
    p = run([incc, "import", "googlenet.onnx", "-o", "googlenet.inc", "--weights", "googlenet.safetensors",
             "--labels", "imagenet"], cwd=d)
    assert p.returncode == 0, p.stderr
    text = open(os.path.join(REPO, "README.md")).read()
    cmd = "$ go run ./cmd/incc import googlenet.onnx -o googlenet.inc --weights googlenet.safetensors --labels imagenet\n"
    assert cmd + p.stderr in text, f"README: the import's summary is now\n{p.stderr}"
    spec = open(os.path.join(d, "googlenet.inc")).read()
    assert "```\n" + spec + "```" in text, f"README: the imported GoogLeNet is now\n{spec}"


def main(argv):
    global VERBOSE, UPDATE
    keep, only = None, None
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "-v":
            VERBOSE = True
        elif a == "--keep":
            keep = args.pop(0)
        elif a == "--update":
            UPDATE = True
        elif a == "--only":
            only = set(args.pop(0).split(","))
        else:
            print(__doc__)
            return 2
    torch.set_num_threads(1)
    tmp = keep or tempfile.mkdtemp(prefix="incc_import_")
    os.makedirs(tmp, exist_ok=True)
    incc = incc_command(tmp)
    passed = failed = skipped = 0
    for net, opset, mode in CASES:
        if only and net not in only:
            continue
        name = f"{net} opset {opset} {mode}"
        try:
            status, msg = case(incc, tmp, net, opset, mode)
        except Exception as e:  # noqa: BLE001 - report every case
            failed += 1
            print(f"FAIL {name}: {e}")
            continue
        if status == "skip":
            skipped += 1
            print(f"skip {name}: {msg}")
        else:
            passed += 1
            print(f"ok   {name}: {msg}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    if not keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
