#!/usr/bin/python3
"""Convert a torchvision GoogLeNet checkpoint (.pth state_dict) to safetensors for incc.

Usage:
  /usr/bin/python3 tools/convert_torchvision.py googlenet-1378be20.pth [-o OUT.safetensors] [--no-aux]
  /usr/bin/python3 tools/convert_torchvision.py --selftest      # offline round trip

The tensor names are the state_dict keys unchanged (they are incc's spec names, e.g.
"inception3a.branch2.1.conv.weight", "conv1.bn.running_var"); num_batches_tracked is
dropped; every tensor is stored as F32. The keys and shapes are checked against
torchvision.models.googlenet(aux_logits=True); a checkpoint without aux1/aux2 is accepted,
--no-aux drops them. __metadata__ records the source file name and its sha256.
The output defaults to the source path with .safetensors instead of .pth.

Note: torchvision's pretrained GoogLeNet is run with transform_input=True (it maps
ImageNet-normalised input back to [-1,1]-style scaling per channel) and its aux heads are
not trained; neither is a property of the weights file.
"""
import hashlib
import os
import sys
import tempfile

import numpy as np
import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_lite  # noqa: E402

AUX = ("aux1.", "aux2.")


def expected_shapes():
    m = torchvision.models.googlenet(weights=None, aux_logits=True, transform_input=False,
                                     init_weights=False)
    return {k: tuple(v.shape) for k, v in m.state_dict().items()
            if not k.endswith("num_batches_tracked")}


def load_state_dict(src):
    sd = torch.load(src, map_location="cpu")
    if isinstance(sd, dict) and isinstance(sd.get("state_dict"), dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict):
        raise SystemExit(f"{src}: not a state_dict (got {type(sd).__name__})")
    if sd and all(k.startswith("module.") for k in sd):  # saved from DataParallel
        sd = {k[len("module."):]: v for k, v in sd.items()}
    return sd


def convert(src, dst=None, no_aux=False):
    dst = dst or os.path.splitext(src)[0] + ".safetensors"
    sd = load_state_dict(src)
    want = expected_shapes()
    tensors, dropped = {}, []
    for k, v in sd.items():
        if k.endswith("num_batches_tracked") or (no_aux and k.startswith(AUX)):
            dropped.append(k)
            continue
        if k not in want:
            raise SystemExit(f"{src}: unexpected key {k!r} (not in torchvision GoogLeNet)")
        if not torch.is_tensor(v) or not v.is_floating_point():
            raise SystemExit(f"{src}: {k} is not a floating-point tensor")
        if tuple(v.shape) != want[k]:
            raise SystemExit(f"{src}: {k} has shape {list(v.shape)}, want {list(want[k])}")
        tensors[k] = v.detach().to(torch.float32).contiguous().numpy()
    missing = sorted(k for k in want if k not in tensors
                     and not ((no_aux or not any(x.startswith(AUX) for x in sd))
                              and k.startswith(AUX)))
    if missing:
        raise SystemExit(f"{src}: missing {len(missing)} tensors, e.g. {missing[:5]}")
    with open(src, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    meta = {"format": "pt", "model": "torchvision.models.googlenet",
            "source": os.path.basename(src), "source_sha256": sha,
            "converter": "tools/convert_torchvision.py",
            "aux": "yes" if any(k.startswith(AUX) for k in tensors) else "no"}
    size = safetensors_lite.write(dst, tensors, meta)
    n = sum(a.size for a in tensors.values())
    print(f"{src} -> {dst}: {len(tensors)} tensors, {n:,} values, {size:,} bytes "
          f"(dropped {len(dropped)}: num_batches_tracked{' + aux' if no_aux else ''})")
    return dst


def selftest():
    import incc_init
    with tempfile.TemporaryDirectory() as d:
        m = torchvision.models.googlenet(weights=None, aux_logits=True, transform_input=False,
                                         init_weights=False).eval()
        with torch.no_grad():
            for k, t in m.state_dict().items():
                kind = incc_init.kind_for_key(k)
                if kind is None:
                    t.fill_(12345)  # num_batches_tracked: must be dropped
                    continue
                fan_in = incc_init.fan_in_for_shape(t.shape) if kind == "weight" else 0
                t.copy_(torch.from_numpy(incc_init.fill(k, 7, kind, t.shape, fan_in)))
        sd = m.state_dict()
        src = os.path.join(d, "googlenet-selftest.pth")
        torch.save(sd, src)
        for no_aux in (False, True):
            dst = convert(src, os.path.join(d, f"out{int(no_aux)}.safetensors"), no_aux)
            back, meta = safetensors_lite.read(dst)
            keep = {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")
                    and not (no_aux and k.startswith(AUX))}
            assert sorted(back) == sorted(keep), set(back) ^ set(keep)
            for k, v in keep.items():
                assert back[k].tobytes() == v.numpy().astype("<f4").tobytes(), k
            assert meta["source"] == "googlenet-selftest.pth" and meta["aux"] == \
                ("no" if no_aux else "yes"), meta
            # Load the converted weights into a fresh model: same outputs, bit for bit.
            m2 = torchvision.models.googlenet(weights=None, aux_logits=not no_aux,
                                              transform_input=False,
                                              init_weights=False).eval()
            missing, unexpected = m2.load_state_dict(
                {k: torch.from_numpy(np.array(v)) for k, v in back.items()}, strict=False)
            assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing)
            x = torch.from_numpy(incc_init.fill("input", 7, "input", (1, 3, 224, 224)))
            with torch.no_grad():
                assert torch.equal(m(x), m2(x))
        # Deterministic output bytes.
        a = open(convert(src, os.path.join(d, "a.safetensors")), "rb").read()
        b = open(convert(src, os.path.join(d, "b.safetensors")), "rb").read()
        assert a == b
    print("selftest ok: round trip bit-exact, num_batches_tracked dropped, --no-aux works, "
          "outputs equal after reload, deterministic bytes")


def main(argv):
    if argv == ["--selftest"]:
        selftest()
        return 0
    src, dst, no_aux, args = None, None, False, list(argv)
    while args:
        a = args.pop(0)
        if a == "-o":
            dst = args.pop(0)
        elif a == "--no-aux":
            no_aux = True
        elif a.startswith("-") or src is not None:
            print(__doc__)
            return 2
        else:
            src = a
    if src is None:
        print(__doc__)
        return 2
    convert(src, dst, no_aux)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
