#!/usr/bin/python3
"""Tests of `incc export --lang pytorch`: the generated modules run in PyTorch.

Usage (from the repo root; Debian's torch works with /usr/bin/python3 only):
  /usr/bin/python3 tools/test_export.py [-v]

The incc command is `go run ./cmd/incc`; set INCC=path/to/incc to use a built binary.

For both GoogLeNet specs (specs/googlenet_torchvision.inc and specs/googlenet.inc):
  - state_dict keys and shapes, minus num_batches_tracked, are the spec's weights
    (the class's weight_shapes, from the IR) and those of an independent PyTorch build
    of the same network (torchvision.models.googlenet, make_fixtures.CaffeGoogLeNet);
  - every weight is filled with tools/incc_init.py (seed 1) and loaded with strict=True;
  - eval on the seeded input matches testdata/parity/<net>_s1.safetensors: logits,
    features (the fc input), aux1, aux2 (heads=True in eval), and caffe's fc, each to
    1e-4 relative to max|want|;
  - training mode returns (output, {head: output}) with loss_weights 0.3 each.
For the six networks of specs/ with PyTorch fixtures (Inception-v3, ResNet-50,
MobileNetV2, Inception-v4, Inception-ResNet-v2, Xception): state_dict keys and shapes
are the reference module's (make_fixtures.build), and with the fixture's weights
(seeded, batch norms calibrated by its bn_log2_scale) the export's logits (and aux)
match the fixture to 1e-4: grouped convolutions, ReLU6, scaled residuals and
count_include_pad=False as PyTorch computes them.
compiler/export/testdata/kinds.inc (the new activations, groups, scale,
mul with broadcasting, excludepad) exported and run by PyTorch matches `incc run` (the
interpreter) on the same seeded weights and input.
Every spec in specs/ and specs/examples/ must export, build and run, with the output
shape the spec declares. Pooling with asymmetric padding and ceil rounding (average
pools with and without the padding in the divisor) is checked against a naive loop
written from the IR's definitions.
Prints "N passed, M failed" last; exits 1 if any failed.
"""
import glob
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import traceback

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import incc_init  # noqa: E402
import safetensors_lite  # noqa: E402

SEED = 1
TOL = 1e-4
TMP = tempfile.mkdtemp(prefix="incc_export_")
VERBOSE = False


def incc_command():
    if os.environ.get("INCC"):
        return [os.environ["INCC"]]
    return ["go", "run", "./cmd/incc"]


def export(spec, tag=None):
    """Exports spec with incc and imports the result; returns the module's class."""
    tag = tag or os.path.splitext(os.path.basename(spec))[0]
    out = os.path.join(TMP, tag + ".py")
    subprocess.run(incc_command() + ["export", spec, "--lang", "pytorch", "-o", out],
                   cwd=REPO, check=True)
    mod_spec = importlib.util.spec_from_file_location("incc_export_" + tag, out)
    mod = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(mod)
    classes = [v for v in vars(mod).values()
               if isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ == mod.__name__]
    assert len(classes) == 1, f"{out}: want one nn.Module class, got {classes}"
    return classes[0]


def rel(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, f"shape {got.shape}, want {want.shape}"
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))


def spec_state(model):
    """state_dict minus torch's num_batches_tracked buffers."""
    return {k: v for k, v in model.state_dict().items() if not k.endswith(".num_batches_tracked")}


def kind_by_module(model, key):
    """incc_init kind of a weight, from the module that holds it."""
    path, attr = key.rsplit(".", 1)
    m = model.get_submodule(path)
    if isinstance(m, nn.BatchNorm2d):
        return {"weight": "bn_weight", "bias": "bn_bias", "running_mean": "running_mean",
                "running_var": "running_var"}[attr]
    assert isinstance(m, (nn.Conv2d, nn.Linear)), (key, type(m))
    return attr


def seeded_weights(model, seed, cross_check=False):
    """incc_init fill of every weight; the kind comes from the module type (cross_check:
    also from the name, as make_fixtures.py does, which needs batch norms named *.bn)."""
    out = {}
    for key, t in spec_state(model).items():
        kind = kind_by_module(model, key)
        assert not cross_check or kind == incc_init.kind_for_key(key), (key, kind)
        fan_in = incc_init.fan_in_for_shape(t.shape) if kind == "weight" else 0
        out[key] = torch.from_numpy(incc_init.fill(key, seed, kind, t.shape, fan_in))
    return out


def reference_model(net):
    if net == "torchvision":
        import torchvision
        return torchvision.models.googlenet(weights=None, aux_logits=True,
                                            transform_input=False, init_weights=False)
    import make_fixtures
    return make_fixtures.CaffeGoogLeNet()


# ------------------------------------------------------------------ GoogLeNet parity

def googlenet_parity(spec, net):
    cls = export(spec)
    model = cls().eval()
    state = spec_state(model)
    names = list(state)
    assert names == list(cls.weight_shapes), "state_dict keys are not weight_shapes, in order"
    for k, v in state.items():
        assert tuple(v.shape) == tuple(cls.weight_shapes[k]), (k, v.shape, cls.weight_shapes[k])
    n_bn = sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    extra = [k for k in model.state_dict() if k not in state]
    assert len(extra) == n_bn, f"{len(extra)} extra keys for {n_bn} batch norms: {extra[:3]}"
    ref = {k: tuple(v.shape) for k, v in spec_state(reference_model(net)).items()}
    mine = {k: tuple(v.shape) for k, v in state.items()}
    assert mine == ref, (f"keys/shapes differ from the PyTorch reference: only here "
                         f"{sorted(set(mine) - set(ref))[:5]}, only there "
                         f"{sorted(set(ref) - set(mine))[:5]}, shapes "
                         f"{[k for k in mine if k in ref and mine[k] != ref[k]][:5]}")
    assert cls.loss_weights == {"aux1": 0.3, "aux2": 0.3}, cls.loss_weights
    assert cls.input_shape == (3, 224, 224) and cls.labels == "imagenet"

    model.load_state_dict(seeded_weights(model, SEED, cross_check=True), strict=True)
    want, meta = safetensors_lite.read(os.path.join(REPO, "testdata", "parity",
                                                    f"{net}_s{SEED}.safetensors"))
    x = torch.from_numpy(incc_init.fill("input", SEED, "input", (2, 3, 224, 224)))

    got = {}
    fc = model.get_submodule("fc")
    hooks = [fc.register_forward_pre_hook(lambda m, inp: got.__setitem__("features", inp[0])),
             fc.register_forward_hook(lambda m, inp, out: got.__setitem__("fc", out))]
    with torch.no_grad():
        got["logits"] = model(x)
        y, aux = model(x, heads=True)
    for h in hooks:
        h.remove()
    assert torch.equal(y, got["logits"]), "heads=True changed the trunk output"
    assert sorted(aux) == ["aux1", "aux2"], sorted(aux)
    got.update(aux)
    keys = ["logits", "features", "aux1", "aux2"] + (["fc"] if "fc" in want else [])
    errs = {}
    for k in keys:
        errs[k] = rel(got[k].flatten(1).numpy(), want[k])
    if VERBOSE:
        print("   ", net, " ".join(f"{k} {v:.2g}" for k, v in errs.items()))
    bad = {k: v for k, v in errs.items() if not v <= TOL}
    assert not bad, f"relative error above {TOL}: {bad}"

    model.train()
    out = model(x)
    assert isinstance(out, tuple) and len(out) == 2, "training mode: want (output, heads)"
    assert sorted(out[1]) == ["aux1", "aux2"] and tuple(out[1]["aux1"].shape) == (2, 1000)
    with torch.no_grad():
        assert model(x, heads=False).shape == (2, 1000), "heads=False in training mode"


# ------------------------------------------------------------------ the other six networks

NETWORKS = ["mobilenet_v2", "resnet50", "inception_v3", "xception", "inception_v4",
            "inception_resnet_v2"]


def network_parity(net):
    import make_fixtures
    cls = export(f"specs/{net}.inc")
    model = cls().eval()
    mine = {k: tuple(v.shape) for k, v in spec_state(model).items()}
    assert list(mine) == list(cls.weight_shapes), "state_dict keys are not weight_shapes"
    ref = {k: tuple(v.shape) for k, v in spec_state(make_fixtures.build(net)).items()}
    assert mine == ref, (f"keys/shapes differ from the PyTorch reference: only here "
                         f"{sorted(set(mine) - set(ref))[:5]}, only there "
                         f"{sorted(set(ref) - set(mine))[:5]}")
    want, meta = safetensors_lite.read(os.path.join(REPO, "testdata", "parity",
                                                    f"{net}_s{SEED}.safetensors"))
    w = seeded_weights(model, SEED)
    for bn, k in json.loads(meta["bn_log2_scale"]).items():
        w[bn + ".running_mean"] *= 2.0 ** k
        w[bn + ".running_var"] *= 4.0 ** k
    model.load_state_dict(w, strict=True)
    s = cls.input_shape
    x = torch.from_numpy(incc_init.fill("input", SEED, "input", (2,) + tuple(s)))
    with torch.no_grad():
        got = {"logits": model(x)}
        if "aux" in want:
            got["aux"] = model(x, heads=True)[1]["AuxLogits"]
    errs = {k: rel(v.flatten(1).numpy(), want[k]) for k, v in got.items()}
    if VERBOSE:
        print("   ", net, " ".join(f"{k} {v:.2g}" for k, v in errs.items()))
    bad = {k: v for k, v in errs.items() if not v <= TOL}
    assert not bad, f"relative error above {TOL}: {bad}"


# ------------------------------------------------------------------ every kind, against incc run

def kinds_against_incc(spec):
    """The export of spec, run by PyTorch, against incc's interpreter on the same
    seeded weights (incc run --seed) and input."""
    cls = export(spec, "kinds")
    model = cls().eval()
    model.load_state_dict(seeded_weights(model, SEED), strict=True)
    x = incc_init.fill("input", SEED, "input", (2,) + tuple(cls.input_shape))
    xin, yout = os.path.join(TMP, "kinds_in.npy"), os.path.join(TMP, "kinds_out.npy")
    np.save(xin, x)
    subprocess.run(incc_command() + ["run", spec, "--seed", str(SEED), "--input", xin,
                                     "--output", yout, "--top", "0"], cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)
    want = np.load(yout)
    with torch.no_grad():
        got = model(torch.from_numpy(x)).numpy()
    e = rel(got.reshape(want.shape), want)
    if VERBOSE:
        print("    kinds:", f"{e:.2g}", "of", f"{np.abs(want).max():.3g}")
    assert e <= TOL, f"relative error {e:.3g} above {TOL}"


# ------------------------------------------------------------------ every spec

def every_spec(spec):
    cls = export(spec, "spec_" + os.path.splitext(os.path.basename(spec))[0])
    model = cls()
    model.load_state_dict(seeded_weights(model, SEED), strict=True)
    model.eval()
    x = torch.from_numpy(incc_init.fill("input", SEED, "input", (2,) + tuple(cls.input_shape)))
    with torch.no_grad():
        y = model(x)
    c, h, w = cls.output_shape
    assert tuple(y.shape) in ((2, c, h, w), (2, c * h * w)) and (y.dim() == 4 or h == w == 1), \
        f"output {tuple(y.shape)}, spec says {cls.output_shape}"
    assert torch.isfinite(y).all()
    if cls.loss_weights:
        model.train()
        out, heads = model(x)
        assert sorted(heads) == sorted(cls.loss_weights), (sorted(heads), cls.loss_weights)


# ------------------------------------------------------------------ pooling semantics

def ceil_out(n, k, s, lo, hi, ceil):
    """incc's window count (compiler windowOut)."""
    span = n + lo + hi - k
    if not ceil:
        return span // s + 1
    out = -(-span // s) + 1
    if (out - 1) * s >= n + lo:
        out -= 1
    return out


def naive_pool(x, kind, k, s, pad, ceil, exclude=False):
    """Pooling as ir.KindMaxPool / ir.KindAvgPool define it; pad = (top, left, bottom, right);
    exclude leaves the padding out of an average's divisor."""
    t, l, b, r = pad
    n, c, hh, ww = x.shape
    oh, ow = ceil_out(hh, k[0], s[0], t, b, ceil), ceil_out(ww, k[1], s[1], l, r, ceil)
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * s[0] - t, j * s[1] - l          # window start, image coordinates
            h1 = min(h0 + k[0], hh + b)                    # clipped to the padded input
            w1 = min(w0 + k[1], ww + r)
            win = x[:, :, max(h0, 0):min(h1, hh), max(w0, 0):min(w1, ww)]
            if kind == "maxpool":
                y[:, :, i, j] = win.max(axis=(2, 3))
            elif exclude:
                y[:, :, i, j] = win.sum(axis=(2, 3)) / (win.shape[2] * win.shape[3])
            else:
                y[:, :, i, j] = win.sum(axis=(2, 3)) / ((h1 - h0) * (w1 - w0))
    return y


POOL_CASES = [  # kind, kernel, stride, pad (T, L, B, R), ceil, input HxW[, excludepad]
    ("maxpool", (3, 3), (2, 2), (1, 1, 0, 0), True, (7, 6)),
    ("maxpool", (3, 3), (2, 2), (0, 0, 1, 1), True, (8, 8)),
    ("maxpool", (3, 2), (2, 1), (1, 0, 0, 1), False, (9, 5)),
    ("maxpool", (3, 3), (2, 2), (1, 1, 1, 1), True, (8, 7)),
    ("avgpool", (2, 2), (2, 2), (0, 1, 1, 0), True, (4, 3)),
    ("avgpool", (3, 3), (2, 2), (1, 0, 1, 1), True, (8, 9)),
    ("avgpool", (5, 5), (3, 3), (0, 0, 0, 0), True, (14, 14)),
    ("avgpool", (3, 3), (2, 2), (1, 1, 1, 1), True, (6, 6)),
    ("avgpool", (3, 3), (1, 1), (1, 1, 1, 1), False, (5, 5)),
    ("avgpool", (3, 3), (1, 1), (1, 1, 1, 1), False, (5, 5), True),
    ("avgpool", (3, 3), (2, 2), (1, 0, 1, 1), True, (8, 9), True),
    ("avgpool", (2, 2), (2, 2), (0, 1, 1, 0), True, (4, 3), True),
]


def pool_case(i):
    kind, k, s, pad, ceil, (hh, ww), *rest = POOL_CASES[i]
    exclude = bool(rest and rest[0])
    spec = os.path.join(TMP, f"pool{i}.inc")
    with open(spec, "w") as f:
        f.write(f"network pool{i} {{\n    input 3x{hh}x{ww}\n"
                f"    p: {kind} {k[0]}x{k[1]} stride {s[0]}x{s[1]} pad {pad}"
                f"{' ceil' if ceil else ''}{' excludepad' if exclude else ''}\n}}\n")
    cls = export(spec)
    x = incc_init.fill("input", i, "input", (2, 3, hh, ww)).astype(np.float64)
    with torch.no_grad():
        y = cls().double()(torch.from_numpy(x)).numpy()
    want = naive_pool(x, kind, k, s, pad, ceil, exclude)
    assert y.shape == want.shape, f"shape {y.shape}, want {want.shape}"
    assert np.abs(y - want).max() < 1e-12, np.abs(y - want).max()


# ------------------------------------------------------------------ driver

def main(argv):
    global VERBOSE
    VERBOSE = "-v" in argv
    torch.set_num_threads(2)
    tests = [
        ("googlenet_torchvision parity", lambda: googlenet_parity("specs/googlenet_torchvision.inc", "torchvision")),
        ("googlenet (caffe) parity", lambda: googlenet_parity("specs/googlenet.inc", "caffe")),
    ]
    for net in NETWORKS:
        tests.append((f"{net} parity", lambda n=net: network_parity(n)))
    tests.append(("every kind against incc run",
                  lambda: kinds_against_incc("compiler/export/testdata/kinds.inc")))
    specs = sorted(glob.glob(os.path.join(REPO, "specs", "*.inc"))
                   + glob.glob(os.path.join(REPO, "specs", "examples", "*.inc")))
    for spec in specs:
        rel_spec = os.path.relpath(spec, REPO)
        tests.append((f"runs {rel_spec}", lambda s=rel_spec: every_spec(s)))
    for i, case in enumerate(POOL_CASES):
        tests.append((f"pool {case}", lambda i=i: pool_case(i)))
    passed = failed = 0
    for name, fn in tests:
        try:
            fn()
        except Exception as e:  # noqa: BLE001 -- report and go on
            failed += 1
            print(f"FAIL {name}: {e}")
            if VERBOSE:
                traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {name}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
