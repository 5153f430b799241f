#!/usr/bin/python3
"""Parity fixtures for incc: two GoogLeNets run by PyTorch with incc's seeded weights.

Usage (from the repo root; Debian's torch works with /usr/bin/python3 only):
  /usr/bin/python3 tools/make_fixtures.py            # writes testdata/parity/*.safetensors
  /usr/bin/python3 tools/make_fixtures.py --check    # recompute, compare with the files
  options: --seeds 1,2,3  --nets torchvision,caffe  --out DIR

Networks (eval mode, float32):
  torchvision  torchvision.models.googlenet(weights=None, aux_logits=True,
               transform_input=False, init_weights=False)
  caffe        the BVLC/paper GoogLeNet (conv+bias+ReLU everywhere, LRN, ceil pooling,
               5x5 branch, aux heads avgpool 5/3 -> conv 128 -> fc 1024 -> fc 1000),
               built below; state_dict keys conv1.weight, inception3a.branch2.1.weight, ...
Every state_dict entry (except num_batches_tracked) is filled by tools/incc_init.py with
the seed; the kind comes from the key (incc_init.kind_for_key). The input, N=2 3x224x224,
is the tensor "input" of kind "input" with the same seed.

Each file testdata/parity/<net>_s<seed>.safetensors holds outputs only (F32):
  logits      [2,1000]  torchvision: fc output; caffe: softmax output ("prob")
  fc          [2,1000]  caffe only: fc output before the softmax
  features    [2,1024]  the avgpool output, flattened (the fc input)
  aux1, aux2  [2,1000]  aux heads (eval mode) on the outputs of inception4a / inception4d
  conv1, maxpool2, inception3a  [2,C]  per-channel spatial mean of that module's output
The vacuous-fixture guard (see check_magnitudes) aborts if activations vanish/explode or
the logits are just the fc bias.
"""
import copy
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import incc_init  # noqa: E402
import safetensors_lite  # noqa: E402

REPO = os.path.dirname(HERE)
N_BATCH = 2
INTERMEDIATES = ("conv1", "maxpool2", "inception3a")  # stored as per-channel means
LO, HI = 1e-2, 1e3  # allowed range of mean|x| and std of every activation checked
MAX_FILE_BYTES = 48 * 1024


# ------------------------------------------------------------------ the Caffe GoogLeNet

class ConvReLU(nn.Conv2d):
    """Caffe Convolution (with bias) followed by its in-place ReLU; keys .weight/.bias."""

    def forward(self, x):
        return F.relu(super().forward(x))


class CaffeInception(nn.Module):
    def __init__(self, cin, c1, c3r, c3, c5r, c5, pp):
        super().__init__()
        self.branch1 = ConvReLU(cin, c1, 1)
        self.branch2 = nn.Sequential(ConvReLU(cin, c3r, 1), ConvReLU(c3r, c3, 3, padding=1))
        self.branch3 = nn.Sequential(ConvReLU(cin, c5r, 1), ConvReLU(c5r, c5, 5, padding=2))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
                                     ConvReLU(cin, pp, 1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class CaffeAux(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.avgpool = nn.AvgPool2d(5, stride=3, ceil_mode=True)
        self.conv = ConvReLU(cin, 128, 1)
        self.fc1 = nn.Linear(128 * 4 * 4, 1024)
        self.dropout = nn.Dropout(0.7)
        self.fc2 = nn.Linear(1024, 1000)

    def forward(self, x):
        x = self.conv(self.avgpool(x))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(self.dropout(x))


class CaffeGoogLeNet(nn.Module):
    """BVLC models/bvlc_googlenet (train_val, i.e. with the aux heads). forward() returns
    the softmax of the trunk; aux1/aux2 are run separately on the 4a/4d outputs."""

    def __init__(self):
        super().__init__()
        self.conv1 = ConvReLU(3, 64, 7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.lrn1 = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)
        self.conv2 = ConvReLU(64, 64, 1)
        self.conv3 = ConvReLU(64, 192, 3, padding=1)
        self.lrn2 = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = CaffeInception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = CaffeInception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = CaffeInception(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = CaffeInception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = CaffeInception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = CaffeInception(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = CaffeInception(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception5a = CaffeInception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = CaffeInception(832, 384, 192, 384, 48, 128, 128)
        self.avgpool = nn.AvgPool2d(7, stride=1)
        self.dropout = nn.Dropout(0.4)
        self.fc = nn.Linear(1024, 1000)
        self.softmax = nn.Softmax(dim=1)
        self.aux1 = CaffeAux(512)
        self.aux2 = CaffeAux(528)

    TRUNK = ("conv1", "maxpool1", "lrn1", "conv2", "conv3", "lrn2", "maxpool2",
             "inception3a", "inception3b", "maxpool3", "inception4a", "inception4b",
             "inception4c", "inception4d", "inception4e", "maxpool4", "inception5a",
             "inception5b", "avgpool", "dropout")

    def forward(self, x):
        for name in self.TRUNK:
            x = getattr(self, name)(x)
        return self.softmax(self.fc(torch.flatten(x, 1)))


# ------------------------------------------------------------------ building and filling

def build(net):
    if net == "torchvision":
        m = torchvision.models.googlenet(weights=None, aux_logits=True, transform_input=False,
                                         init_weights=False)
    elif net == "caffe":
        m = CaffeGoogLeNet()
    else:
        raise ValueError(net)
    return m.eval()


def count_params(m):
    total = sum(p.numel() for p in m.parameters())
    aux = sum(p.numel() for n, p in m.named_parameters() if n.startswith(("aux1.", "aux2.")))
    return total - aux, total


def kind_by_module(m):
    """Kind of every state_dict entry from the module types (cross-check of kind_for_key)."""
    out = {}
    for mname, mod in m.named_modules():
        p = mname + "." if mname else ""
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            out[p + "weight"] = "weight"
            if mod.bias is not None:
                out[p + "bias"] = "bias"
        elif isinstance(mod, nn.BatchNorm2d):
            out.update({p + "weight": "bn_weight", p + "bias": "bn_bias",
                        p + "running_mean": "running_mean", p + "running_var": "running_var"})
    return out


def fill_model(m, seed):
    by_module = kind_by_module(m)
    sd = m.state_dict()
    n = 0
    with torch.no_grad():
        for key, t in sd.items():
            kind = incc_init.kind_for_key(key)
            if kind is None:
                continue
            assert by_module.get(key) == kind, (key, kind, by_module.get(key))
            fan_in = incc_init.fan_in_for_shape(t.shape) if kind == "weight" else 0
            t.copy_(torch.from_numpy(incc_init.fill(key, seed, kind, t.shape, fan_in)))
            n += t.numel()
    assert set(by_module) == {k for k in sd if incc_init.kind_for_key(k)}
    return n


# ------------------------------------------------------------------ running

def run(m, x):
    """Returns (outputs {name: tensor}, acts {module: output}) for one forward pass."""
    acts, hooks = {}, []

    def hook(name):
        def f(mod, inp, out):
            acts[name] = out
        return f

    for name, mod in m.named_children():
        if name not in ("aux1", "aux2"):
            hooks.append(mod.register_forward_hook(hook(name)))
    for a in ("aux1", "aux2"):
        for sub in ("conv", "fc1"):
            hooks.append(getattr(getattr(m, a), sub).register_forward_hook(hook(f"{a}.{sub}")))
    with torch.no_grad():
        y = m(x)
        aux1 = m.aux1(acts["inception4a"])
        aux2 = m.aux2(acts["inception4d"])
    for h in hooks:
        h.remove()
    feats = torch.flatten(acts["avgpool"], 1)
    with torch.no_grad():
        fc = m.fc(feats)
    assert torch.allclose(acts["fc"], fc, rtol=0, atol=0), "features do not feed fc"
    out = {"logits": y, "features": feats, "aux1": aux1, "aux2": aux2}
    if isinstance(m, CaffeGoogLeNet):
        out["fc"] = acts["fc"]
        assert torch.allclose(y, torch.softmax(acts["fc"], 1))
    else:
        assert torch.equal(y, acts["fc"])
    for name in INTERMEDIATES:
        out[name] = acts[name].mean(dim=(2, 3))
    return out, acts


def stat(t):
    t = t.detach().double()
    return t.abs().mean().item(), t.std().item()


def check_magnitudes(tag, m, out, acts):
    """The vacuous-fixture guard. Prints per-module mean|x| and std; raises on failure."""
    bad = []
    print(f"[{tag}] {'activation':<14} {'shape':<18} {'mean|x|':>10} {'std':>10}")
    rows = [(k, v) for k, v in acts.items() if k not in ("softmax",)]
    rows += [("features", out["features"]), ("aux1", out["aux1"]), ("aux2", out["aux2"])]
    for name, t in rows:
        ma, sd = stat(t)
        ok = LO <= ma <= HI and LO <= sd <= HI
        print(f"[{tag}] {name:<14} {str(list(t.shape)):<18} {ma:10.4g} {sd:10.4g}"
              f"{'' if ok else '   <-- OUT OF RANGE'}")
        if not ok:
            bad.append(name)
    # The logits must not be explained by the fc bias alone (nor the aux outputs by theirs).
    trunk = {"fc": (acts["fc"], m.fc.bias), "aux1": (out["aux1"], m.aux1.fc2.bias),
             "aux2": (out["aux2"], m.aux2.fc2.bias)}
    for name, (y, b) in trunk.items():
        s = (y - b).std().item()
        print(f"[{tag}] std({name} - {name if name == 'fc' else name + '.fc2'}.bias) = {s:.4g}")
        if not s > 0.1:
            bad.append(f"{name}-bias")
    if "fc" in out:  # caffe: logits are probabilities; they must not be uniform
        p = out["logits"]
        pmax = p.max().item()
        print(f"[{tag}] softmax: max prob {pmax:.4g} (uniform = 1e-3), row sums "
              f"{[round(v, 6) for v in p.sum(1).tolist()]}")
        if not pmax > 2e-3:
            bad.append("softmax-uniform")
    d = (out["logits"][0] - out["logits"][1]).abs().max().item()
    print(f"[{tag}] max |logits[0] - logits[1]| = {d:.4g}")
    if not d > 1e-3:
        bad.append("batch-rows-equal")
    if bad:
        raise SystemExit(f"[{tag}] VACUOUS/UNSTABLE FIXTURE: {bad}")


def lrn_sensitivity(m, x, fc32):
    """How much the caffe fc output changes when both LRNs are removed (relative)."""
    m2 = copy.deepcopy(m)
    m2.lrn1, m2.lrn2 = nn.Identity(), nn.Identity()
    _, acts = run(m2, x)
    return ((acts["fc"] - fc32).abs().max() / fc32.abs().max()).item()


def rel_gap(a32, a64):
    return ((a32.double() - a64).abs().max() / a64.abs().max()).item()


def make(net, seed, out_dir, command, check=False):
    tag = f"{net}_s{seed}"
    torch.manual_seed(0)  # nothing should depend on it; every value is set below
    m = build(net)
    trunk, total = count_params(m)
    filled = fill_model(m, seed)
    print(f"[{tag}] parameters: {trunk:,} without aux, {total:,} with aux; "
          f"{filled:,} values filled (incl. BN running stats)")
    if net == "caffe":
        assert (trunk, total) == (6_998_552, 13_378_280), (trunk, total)
    else:
        assert trunk == 6_624_904, trunk  # torchvision docs: GoogLeNet_Weights num_params
    x64 = torch.from_numpy(incc_init.fill("input", seed, "input", (N_BATCH, 3, 224, 224))
                           .astype(np.float64))
    x = x64.float()

    out, acts = run(m, x)
    check_magnitudes(tag, m, out, acts)

    m64 = copy.deepcopy(m).double()
    out64, _ = run(m64, x64)
    gaps = {k: rel_gap(out[k], out64[k]) for k in ("logits", "fc", "features", "aux1", "aux2")
            if k in out}
    print(f"[{tag}] f32 vs f64, max|f32-f64| / max|f64|: "
          + ", ".join(f"{k} {v:.3g}" for k, v in gaps.items()))
    extra = {}
    if net == "caffe":
        s = lrn_sensitivity(m, x, out["fc"])
        extra["lrn_effect_on_fc_rel"] = f"{s:.3g}"
        print(f"[{tag}] removing both LRNs changes fc by {s:.3g} (relative to max|fc|)"
              + ("   WARNING: LRN barely matters with this input" if s < 1e-3 else ""))

    tensors = {k: v.detach().float().contiguous().numpy() for k, v in out.items()}
    meta = {
        "network": net, "seed": str(seed), "batch": str(N_BATCH),
        "torch": torch.__version__, "torchvision": torchvision.__version__,
        "command": command,
        "weights": "tools/incc_init.py fill of every state_dict entry with this seed",
        "input": f"tools/incc_init.py fill name=input kind=input seed={seed} "
                 f"shape=[{N_BATCH},3,224,224]",
        "intermediates": "conv1, maxpool2, inception3a: per-channel mean over H,W of the "
                         "module output (after ReLU), [N,C]",
        "logits": "fc output" if net == "torchvision" else "softmax of fc",
        "f32_vs_f64_rel": ",".join(f"{k}={v:.3g}" for k, v in sorted(gaps.items())),
        **extra,
    }
    path = os.path.join(out_dir, f"{tag}.safetensors")
    if check:
        old, _ = safetensors_lite.read(path)
        assert sorted(old) == sorted(tensors), (sorted(old), sorted(tensors))
        worst = 0.0
        for k in sorted(tensors):
            a, b = tensors[k], old[k]
            r = float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))
            worst = max(worst, r)
            print(f"[{tag}] check {k:<12} bit-equal={a.tobytes() == b.tobytes()} rel={r:.3g}")
        assert worst < 1e-4, f"{tag}: regenerated outputs differ by {worst:.3g}"
        return
    size = safetensors_lite.write(path, tensors, meta)
    back, bmeta = safetensors_lite.read(path)
    assert bmeta == meta and all(back[k].tobytes() == tensors[k].tobytes() for k in tensors)
    print(f"[{tag}] wrote {os.path.relpath(path, REPO)} ({size:,} bytes, "
          f"{', '.join(f'{k}{list(v.shape)}' for k, v in sorted(tensors.items()))})")
    assert size <= MAX_FILE_BYTES, size


def main(argv):
    seeds, nets, out_dir, check = [1, 2, 3], ["torchvision", "caffe"], None, False
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--seeds":
            seeds = [int(s) for s in args.pop(0).split(",")]
        elif a == "--nets":
            nets = args.pop(0).split(",")
        elif a == "--out":
            out_dir = args.pop(0)
        elif a == "--check":
            check = True
        else:
            print(__doc__)
            return 2
    out_dir = out_dir or os.path.join(REPO, "testdata", "parity")
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)  # fixed reduction order: same bits on every run here
    command = " ".join(["/usr/bin/python3", "tools/make_fixtures.py"]
                       + [a for a in argv if a != "--check"])
    for net in nets:
        for seed in seeds:
            make(net, seed, out_dir, command, check)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
