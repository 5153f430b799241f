#!/usr/bin/python3
"""Shared inputs for tools/peers/run.sh: one network, one input, one reference.

Usage: /usr/bin/python3 tools/peers/make_inputs.py [--out DIR] [--seed 1] [--batch 8] [--force]

Writes into DIR (default tools/peers/cache):
  googlenet_s1.onnx         torchvision googlenet(weights=None, aux_logits=False,
                            transform_input=False) in eval mode, every state_dict entry
                            filled by tools/incc_init.py with the seed (the weights
                            NewSeeded(seed) computes in Go); ONNX opset 13, input
                            "input" [batch,3,224,224], output "logits" [batch,1000],
                            dynamic batch. Exported with torch's defaults; no other
                            graph optimisation: ONNX Runtime does its own.
  googlenet_s1_floorpool.onnx  the same graph with every MaxPool(ceil_mode=1) rewritten
                            as ceil_mode=0 plus one end pad where ceil adds a row/column
                            (the 4 stride-2 pools), for runtimes without ceil_mode (the
                            pure-Go peers); run.sh checks its logits like every engine's.
  googlenet_s1_floorpool_onnxgo.onnx  the same with the end pads in the order onnx-go
                            reads them (not valid ONNX: for onnx-go only).
  input_s1_b8.f32           incc_init tensor "input", kind input, shape [8,3,224,224]:
                            the same values as Go's runtime.SeededInput(seed, 8, 3, 224, 224).
                            Batch b uses the first b images.
  ref_logits_s1_b8.f32      torch eager logits for that input, float32, 1 thread.
  manifest.json             versions, checks, and the key that decides whether to rebuild.

Raw files are little-endian float32, row-major (NCHW). The script refuses vacuous
references: std(logits - fc.bias) must exceed 0.1 and the batch rows must differ.
"""
import argparse
import hashlib
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(HERE)
sys.path.insert(0, TOOLS)


def key_of(seed, batch):
    h = hashlib.sha256()
    for p in (os.path.abspath(__file__), os.path.join(TOOLS, "incc_init.py")):
        with open(p, "rb") as f:
            h.update(f.read())
    h.update(f"{seed}/{batch}".encode())
    return h.hexdigest()[:16]


def build(seed):
    import torch
    import torchvision
    import incc_init

    m = torchvision.models.googlenet(weights=None, aux_logits=False, transform_input=False,
                                     init_weights=False).eval()
    sd = m.state_dict()
    n = 0
    with torch.no_grad():
        for k, t in sd.items():
            kind = incc_init.kind_for_key(k)
            if kind is None:
                continue
            fan_in = incc_init.fan_in_for_shape(t.shape) if kind == "weight" else 0
            t.copy_(torch.from_numpy(incc_init.fill(k, seed, kind, t.shape, fan_in)))
            n += t.numel()
    return m, n


def count_macs(m):
    """Multiply-accumulates of one 3x224x224 image: convs and the fc (bias, BN, pools not counted)."""
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
        m(torch.zeros(1, 3, 224, 224))
    for h in hs:
        h.remove()
    return total[0]


def floor_pool_variant(src, dst, onnxgo_order=False):
    """ceil_mode=1 MaxPools -> ceil_mode=0 (+1 end pad where ceil adds an output).

    onnxgo_order: write the end pads as onnx-go v0.5 / Gorgonia v0.9.18 read them. They
    do not follow the ONNX order [h_begin, w_begin, h_end, w_end] for asymmetric pads:
    [0,0,1,1] gives a 55x56 output; [1,0,1,0] pads both ends (found by trial, and
    confirmed here by the logits check in run.sh). Not valid ONNX semantics."""
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
            assert p == [0, 0, 1, 1], (node.name, p)
            p = [1, 0, 1, 0]
        node.attribute.append(helper.make_attribute("pads", p))
        node.attribute.append(helper.make_attribute("ceil_mode", 0))
        changed += 1
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    return changed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "cache"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--force", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    P = lambda n: os.path.join(a.out, n)  # noqa: E731
    tag = f"s{a.seed}"
    key = key_of(a.seed, a.batch)
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

    torch.set_num_threads(1)
    m, nfilled = build(a.seed)
    x = torch.from_numpy(incc_init.fill("input", a.seed, "input", (a.batch, 3, 224, 224)))
    with torch.no_grad():
        logits = m(x)
        logits64 = m.double()(x.double())
    m.float()
    files = {"onnx": f"googlenet_{tag}.onnx", "onnx_floorpool": f"googlenet_{tag}_floorpool.onnx",
             "onnx_floorpool_onnxgo": f"googlenet_{tag}_floorpool_onnxgo.onnx",
             "input": f"input_{tag}_b{a.batch}.f32", "ref_logits": f"ref_logits_{tag}_b{a.batch}.f32"}
    x.numpy().astype("<f4").tofile(P(files["input"]))
    logits.numpy().astype("<f4").tofile(P(files["ref_logits"]))

    # vacuous-reference guard (see tools/README.md)
    trunk_std = float((logits - m.fc.bias).std())
    row_diff = float((logits[0] - logits[1]).abs().max()) if a.batch > 1 else None
    gap = float((logits.double() - logits64).abs().max() / logits64.abs().max())
    if trunk_std <= 0.1 or (row_diff is not None and row_diff <= 1e-3):
        raise SystemExit(f"vacuous reference: std(logits-fc.bias)={trunk_std} row_diff={row_diff}")

    torch.onnx.export(m, x[:1], P(files["onnx"]), opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    ops = {}
    try:
        import onnx
        om = onnx.load(P(files["onnx"]))
        onnx.checker.check_model(om)
        for nd in om.graph.node:
            ops[nd.op_type] = ops.get(nd.op_type, 0) + 1
        npools = floor_pool_variant(P(files["onnx"]), P(files["onnx_floorpool"]))
        floor_pool_variant(P(files["onnx"]), P(files["onnx_floorpool_onnxgo"]), onnxgo_order=True)
        onnx_version = onnx.__version__
    except ImportError:
        del files["onnx_floorpool"], files["onnx_floorpool_onnxgo"]
        npools, onnx_version = None, None
        print("[inputs] python3-onnx missing: no floor-pool variant (pure-Go peer skipped)")

    man = {"key": key, "seed": a.seed, "batch": a.batch, "files": files,
           "model": "torchvision.models.googlenet(weights=None, aux_logits=False, "
                    "transform_input=False).eval(), weights incc_init seed %d" % a.seed,
           "input": f'incc_init.fill("input", {a.seed}, "input", ({a.batch},3,224,224)) '
                    f"== runtime.SeededInput({a.seed}, {a.batch}, 3, 224, 224)",
           "filled_values": nfilled, "macs_per_image": count_macs(m), "torch": torch.__version__,
           "torchvision": torchvision.__version__, "onnx": onnx_version, "onnx_ops": ops,
           "maxpools_rewritten": npools,
           "checks": {"std(logits-fc.bias)": trunk_std, "max|row0-row1|": row_diff,
                      "logits_absmax": float(logits.abs().max()),
                      "f32_vs_f64_rel": gap, "argmax": logits.argmax(1).tolist()}}
    with open(man_path, "w") as f:
        json.dump(man, f, indent=1)
    print(f"[inputs] wrote {', '.join(files.values())} into {a.out}; "
          f"std(logits-fc.bias)={trunk_std:.3g} f32-vs-f64 {gap:.2g}; ops {ops}")


if __name__ == "__main__":
    main()
