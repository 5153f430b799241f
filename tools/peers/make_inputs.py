#!/usr/bin/python3
"""Shared inputs for tools/peers/run.sh: one network, one input, one reference.

Usage: /usr/bin/python3 tools/peers/make_inputs.py --spec SPEC --out DIR [--incc INCC]
           [--torchvision NAME|none] [--seed 1] [--batch 8] [--force]

The network is the spec, exported by `incc export --lang pytorch` (INCC, default
`go run ./cmd/incc`) and filled by tools/incc_init.py with the seed: the weights
NewSeeded(seed) computes in Go. When torchvision builds the same network (TORCHVISION below,
chosen by the spec's file name, or --torchvision), that model is built too, with
weights=None; its state_dict keys and shapes must be the spec's weight names, and its
output on the input must match the exported module's (1e-5 of the largest value): the spec
is then torchvision's network, and torchvision's module is what the peers run (as a user
of ONNX Runtime would export it). Otherwise the peers run the exported module.

Writes into DIR:
  net.py                    the exported module (incc export --lang pytorch)
  net_s1.onnx               the model in eval mode, ONNX opset 13, input "input"
                            [batch,C,H,W], output "logits" [batch,K], dynamic batch,
                            torch's default export (it folds each BatchNorm that follows a
                            conv into it); ONNX Runtime does all other graph optimisation.
  net_s1_floorpool.onnx     the same graph with every MaxPool(ceil_mode=1) rewritten as
                            ceil_mode=0 plus one end pad where ceil adds a row/column, for
                            runtimes without ceil_mode (the pure-Go peers); run.sh checks its
                            logits like every engine's. (Only when the graph has such pools.)
  net_s1_floorpool_onnxgo.onnx  the same with the end pads in the order onnx-go reads them
                            (not valid ONNX: for onnx-go only; only where that order is known).
  weights_s1.safetensors    the weights of the trunk (not of side heads), named as the spec
                            names them (for incc build).
  image.png                 an H×W RGB noise image (for the model binary's classify).
  input_s1_b8.f32           incc_init tensor "input", kind input, shape [8,C,H,W]: the same
                            values as Go's runtime.SeededInput(seed, 8, C, H, W). Batch b
                            uses the first b images.
  ref_logits_s1_b8.f32      torch eager output for that input, float32, 1 thread.
  manifest.json             versions, shapes, multiply-adds, checks, and the key that decides
                            whether to rebuild.

Raw files are little-endian float32, row-major (NCHW). The script refuses vacuous
references: the output minus the last layer's bias (or, for a softmax output, its
logarithm) must vary (std > 0.1), and the batch rows must differ.
"""
import argparse
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import warnings

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(HERE)
ROOT = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)

# Specs (by file name) that are torchvision's networks: the constructor's keyword arguments
# (weights=None is added). Their weight names are torchvision's state_dict keys.
TORCHVISION = {
    "googlenet_torchvision": ("googlenet", {"aux_logits": False, "transform_input": False, "init_weights": False}),
    "inception_v3": ("inception_v3", {"aux_logits": False, "transform_input": False, "init_weights": False}),
    "resnet50": ("resnet50", {}),
    "densenet121": ("densenet121", {}),
    "vgg11": ("vgg11", {}),
    "mobilenet_v2": ("mobilenet_v2", {}),
}


def spec_name(spec):
    return os.path.splitext(os.path.basename(spec))[0]


def key_of(spec, seed, batch, tv):
    h = hashlib.sha256()
    for p in (os.path.abspath(__file__), os.path.join(TOOLS, "incc_init.py"), spec):
        with open(p, "rb") as f:
            h.update(f.read())
    h.update(f"{seed}/{batch}/{tv}".encode())
    return h.hexdigest()[:16]


def export(spec, out, incc):
    """incc export --lang pytorch; returns the module's nn.Module class."""
    from torch import nn
    cmd = incc or ["go", "run", "./cmd/incc"]
    subprocess.run(cmd + ["export", spec, "--lang", "pytorch", "-o", out], cwd=ROOT, check=True)
    mod_spec = importlib.util.spec_from_file_location("peers_net_" + spec_name(spec), out)
    mod = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(mod)
    classes = [v for v in vars(mod).values()
               if isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ == mod.__name__]
    if len(classes) != 1:
        raise SystemExit(f"{out}: want one nn.Module class, got {classes}")
    return classes[0]


def spec_state(model):
    """state_dict minus torch's num_batches_tracked buffers."""
    return {k: v for k, v in model.state_dict().items() if not k.endswith(".num_batches_tracked")}


def kind_of(model, key):
    """incc_init kind of a weight, from the module that holds it (as incc's IR knows it)."""
    from torch import nn
    path, attr = key.rsplit(".", 1)
    m = model.get_submodule(path)
    if isinstance(m, nn.BatchNorm2d):
        return {"weight": "bn_weight", "bias": "bn_bias", "running_mean": "running_mean",
                "running_var": "running_var"}[attr]
    if not isinstance(m, (nn.Conv2d, nn.Linear)):
        raise SystemExit(f"{key}: no incc_init kind for a {type(m).__name__}")
    return attr


def seeded(model, seed):
    import torch
    import incc_init
    out = {}
    for key, t in spec_state(model).items():
        kind = kind_of(model, key)
        fan_in = incc_init.fan_in_for_shape(t.shape) if kind == "weight" else 0
        out[key] = torch.from_numpy(incc_init.fill(key, seed, kind, t.shape, fan_in))
    return out


def torchvision_model(tv, aux=False):
    """torchvision's model for TORCHVISION[tv]; aux: with its side heads (aux_logits), if it has any."""
    import torchvision
    fn, kw = TORCHVISION[tv]
    if aux and "aux_logits" in kw:
        kw = dict(kw, aux_logits=True)
    return getattr(torchvision.models, fn)(weights=None, **kw).eval()


def load_model(cache):
    """The model the peers run, with its weights, from DIR/manifest.json (torch_bench.py)."""
    with open(os.path.join(cache, "manifest.json")) as f:
        man = json.load(f)
    seed = man["seed"]
    if man.get("torchvision"):
        m = torchvision_model(man["torchvision"])
    else:
        m = export_class(os.path.join(cache, man["files"]["module"]))().eval()
    load(m, seeded(m, seed))
    return m, man


def load(m, state):
    """load_state_dict, strict but for torch's num_batches_tracked buffers."""
    missing, unexpected = m.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith(".num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"weights do not fit: missing {missing[:5]}, unexpected {unexpected[:5]}")


def export_class(path):
    from torch import nn
    mod_spec = importlib.util.spec_from_file_location("peers_net", path)
    mod = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(mod)
    return [v for v in vars(mod).values()
            if isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ == mod.__name__][0]


def count_macs(m, shape):
    """Multiply-accumulates of one image: convolutions and fully connected layers (bias, batch
    norm, pools, additions not counted)."""
    import torch
    import torch.nn as nn

    total = [0]

    def hook(mod, inp, out):
        if isinstance(mod, nn.Conv2d):
            total[0] += out.numel() * (mod.in_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1]
        elif isinstance(mod, nn.Linear):
            total[0] += out.numel() * mod.in_features

    hs = [x.register_forward_hook(hook) for x in m.modules() if isinstance(x, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        m(torch.zeros((1,) + tuple(shape)))
    for h in hs:
        h.remove()
    return total[0]


def last_bias(m):
    """The bias of the last fully connected layer, or None."""
    import torch.nn as nn
    lin = [x for x in m.modules() if isinstance(x, nn.Linear)]
    return lin[-1].bias if lin and lin[-1].bias is not None else None


def floor_pool_variant(src, dst, onnxgo_order=False):
    """ceil_mode=1 MaxPools -> ceil_mode=0 (+1 end pad where ceil adds an output).

    onnxgo_order: write the end pads as onnx-go v0.5 / Gorgonia v0.9.18 read them. They
    do not follow the ONNX order [h_begin, w_begin, h_end, w_end] for asymmetric pads:
    [0,0,1,1] gives a 55x56 output; [1,0,1,0] pads both ends (found by trial, and
    confirmed here by the logits check in run.sh). Not valid ONNX semantics.
    Returns the number of pools rewritten (0: nothing written)."""
    import onnx
    from onnx import helper

    model = onnx.load(src)
    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {vi.name: [d.dim_value for d in vi.type.tensor_type.shape.dim]
              for vi in list(inferred.graph.value_info) + list(inferred.graph.input)}
    changed = 0
    for node in model.graph.node:
        if node.op_type != "MaxPool":
            continue
        a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
        if a.get("ceil_mode", 0) != 1:
            continue
        k, s = a["kernel_shape"], a.get("strides", [1, 1])
        p = list(a.get("pads", [0, 0, 0, 0]))
        hw = shapes[node.input[0]][2:4]
        for i, size in enumerate(hw):
            span = size + p[i] + p[i + 2] - k[i]
            ceil_o, floor_o = -(-span // s[i]) + 1, span // s[i] + 1
            if (ceil_o - 1) * s[i] >= size + p[i]:  # last window must start inside
                ceil_o -= 1
            p[i + 2] += ceil_o - floor_o  # ONNX order: begins..., ends...
        keep = [x for x in node.attribute if x.name not in ("ceil_mode", "pads")]
        del node.attribute[:]
        node.attribute.extend(keep)
        if onnxgo_order and p != [0, 0, 0, 0] and p[:2] == [0, 0]:
            if p != [0, 0, 1, 1]:
                raise ValueError(f"{node.name}: pads {p} in onnx-go's order are unknown")
            p = [1, 0, 1, 0]
        node.attribute.append(helper.make_attribute("pads", p))
        node.attribute.append(helper.make_attribute("ceil_mode", 0))
        changed += 1
    if changed:
        onnx.checker.check_model(model)
        onnx.save(model, dst)
    return changed


def rel(a, b):
    a, b = a.double(), b.double()
    return float((a - b).abs().max() / b.abs().max())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", default=os.path.join(ROOT, "specs", "googlenet_torchvision.inc"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--incc", help="the incc binary (default: go run ./cmd/incc)")
    ap.add_argument("--torchvision", help="torchvision model to check against and run "
                    "(a key of TORCHVISION, or none; default: by the spec's file name)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--force", action="store_true")
    a = ap.parse_args()
    spec = os.path.abspath(a.spec)
    tv = a.torchvision if a.torchvision is not None else (spec_name(spec) if spec_name(spec) in TORCHVISION else "none")
    if tv != "none" and tv not in TORCHVISION:
        raise SystemExit(f"--torchvision {tv}: want one of {', '.join(TORCHVISION)} or none")
    tv = None if tv == "none" else tv
    os.makedirs(a.out, exist_ok=True)
    P = lambda n: os.path.join(a.out, n)  # noqa: E731
    tag = f"s{a.seed}"
    key = key_of(spec, a.seed, a.batch, tv)
    man_path = P("manifest.json")
    if not a.force and os.path.exists(man_path):
        with open(man_path) as f:
            old = json.load(f)
        if old.get("key") == key and all(os.path.exists(P(v)) for v in old["files"].values()):
            print(f"[inputs] up to date ({man_path})")
            return

    import numpy as np
    import torch
    import torchvision
    import incc_init
    import safetensors_lite

    torch.set_num_threads(1)
    files = {"module": "net.py", "onnx": f"net_{tag}.onnx", "weights": f"weights_{tag}.safetensors",
             "input": f"input_{tag}_b{a.batch}.f32", "ref_logits": f"ref_logits_{tag}_b{a.batch}.f32"}
    cls = export(spec, P(files["module"]), a.incc.split() if a.incc else None)
    shape = tuple(cls.input_shape)
    mine = cls().eval()
    state = seeded(mine, a.seed)
    mine.load_state_dict(state, strict=True)
    heads = tuple(h + "." for h in getattr(cls, "loss_weights", {}))  # side heads' weights
    trunk = {k: v for k, v in state.items() if not k.startswith(heads)} if heads else state
    safetensors_lite.write(P(files["weights"]), {k: v.numpy() for k, v in trunk.items()})
    from PIL import Image
    rng = np.random.default_rng(a.seed)
    Image.fromarray(rng.integers(0, 256, (shape[1], shape[2], 3), dtype=np.uint8)).save(P("image.png"))
    files["image"] = "image.png"
    x = torch.from_numpy(incc_init.fill("input", a.seed, "input", (a.batch,) + shape))
    with torch.no_grad():
        y_mine = mine(x).flatten(1)
    checks = {}
    m = mine
    if tv:
        ref = torchvision_model(tv)
        want = {k: tuple(v.shape) for k, v in spec_state(ref).items()}
        got = {k: tuple(v.shape) for k, v in trunk.items()}
        if want != got:
            raise SystemExit(f"{a.spec} is not torchvision's {tv}: names only in the spec "
                             f"{sorted(set(got) - set(want))[:5]}, only in torchvision "
                             f"{sorted(set(want) - set(got))[:5]}, other shapes "
                             f"{[k for k in got if k in want and got[k] != want[k]][:5]}")
        load(ref, trunk)
        with torch.no_grad():
            y_ref = ref(x).flatten(1)
        d = rel(y_mine, y_ref)
        checks["spec_vs_torchvision_rel"] = d
        if not d <= 1e-5:
            raise SystemExit(f"{a.spec}: output differs from torchvision's {tv} by {d:.2g} (relative)")
        m = ref
    with torch.no_grad():
        logits = m(x).flatten(1)
        logits64 = m.double()(x.double()).flatten(1)
    m.float()
    x.numpy().astype("<f4").tofile(P(files["input"]))
    logits.numpy().astype("<f4").tofile(P(files["ref_logits"]))

    # vacuous-reference guard (see tools/README.md)
    bias = last_bias(m)
    if bool((logits >= 0).all()) and bool(((logits.double().sum(1) - 1).abs() < 1e-4).all()):
        trunk = logits.double().clamp_min(1e-30).log()  # a softmax: check its logarithm
    elif bias is not None and bias.shape[0] == logits.shape[1]:
        trunk = logits - bias
    else:
        trunk = logits
    trunk_std = float(trunk.std())
    row_diff = float((logits[0] - logits[1]).abs().max() / logits.abs().max()) if a.batch > 1 else None
    gap = rel(logits, logits64)
    if trunk_std <= 0.1 or (row_diff is not None and row_diff <= 1e-3):
        raise SystemExit(f"vacuous reference: std(logits-bias)={trunk_std} row_diff={row_diff}")

    torch.onnx.export(m, x[:1], P(files["onnx"]), opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    ops = {}
    onnx_version, npools = None, None
    try:
        import onnx
        om = onnx.load(P(files["onnx"]))
        onnx.checker.check_model(om)
        for nd in om.graph.node:
            ops[nd.op_type] = ops.get(nd.op_type, 0) + 1
        onnx_version = onnx.__version__
        npools = floor_pool_variant(P(files["onnx"]), P(f"net_{tag}_floorpool.onnx"))
        if npools:
            files["onnx_floorpool"] = f"net_{tag}_floorpool.onnx"
            try:
                floor_pool_variant(P(files["onnx"]), P(f"net_{tag}_floorpool_onnxgo.onnx"), onnxgo_order=True)
                files["onnx_floorpool_onnxgo"] = f"net_{tag}_floorpool_onnxgo.onnx"
            except ValueError as e:
                print(f"[inputs] no onnx-go variant: {e}")
    except ImportError:
        print("[inputs] python3-onnx missing: no floor-pool variant (pure-Go peers skipped)")

    man = {"key": key, "spec": os.path.relpath(spec, ROOT), "network": spec_name(spec), "seed": a.seed,
           "batch": a.batch, "files": files, "input_shape": list(shape), "output_len": int(logits.shape[1]),
           "torchvision": tv,
           "model": (f"torchvision.models.{TORCHVISION[tv][0]}("
                     + ", ".join(f"{k}={v}" for k, v in dict(weights=None, **TORCHVISION[tv][1]).items()) + ").eval()"
                     if tv else f"incc export --lang pytorch {os.path.relpath(spec, ROOT)}")
           + f", weights incc_init seed {a.seed}",
           "input": f'incc_init.fill("input", {a.seed}, "input", ({a.batch},{",".join(map(str, shape))})) '
                    f"== runtime.SeededInput({a.seed}, {a.batch}, {', '.join(map(str, shape))})",
           "filled_values": sum(v.numel() for v in state.values()), "macs_per_image": count_macs(m, shape),
           "torch": torch.__version__, "torchvision_version": torchvision.__version__, "onnx": onnx_version,
           "onnx_ops": ops, "maxpools_rewritten": npools,
           "checks": dict(checks, **{"std(logits-bias)": trunk_std, "max|row0-row1|/max": row_diff,
                                     "logits_absmax": float(logits.abs().max()),
                                     "f32_vs_f64_rel": gap, "argmax": logits.argmax(1).tolist()})}
    with open(man_path, "w") as f:
        json.dump(man, f, indent=1)
    print(f"[inputs] {man['network']}: wrote {', '.join(files.values())} into {a.out}; "
          f"std(logits-bias)={trunk_std:.3g} f32-vs-f64 {gap:.2g}"
          + (f", spec vs torchvision {checks['spec_vs_torchvision_rel']:.2g}" if tv else "") + f"; ops {ops}")


if __name__ == "__main__":
    main()
