#!/usr/bin/python3
"""Parity fixtures for incc: reference networks run by PyTorch with incc's seeded weights.

Usage (from the repo root; Debian's torch works with /usr/bin/python3 only):
  /usr/bin/python3 tools/make_fixtures.py            # writes testdata/parity/*.safetensors
  /usr/bin/python3 tools/make_fixtures.py --check    # recompute, compare with the files
  /usr/bin/python3 tools/make_fixtures.py --keys     # writes testdata/parity/<net>_keys.txt
  options: --nets a,b  --seeds 1,2,3 (default: each net's own)  --out DIR

Networks (eval mode, float32; see NETS below and tools/README.md):
  torchvision          torchvision.models.googlenet(weights=None, aux_logits=True,
                       transform_input=False, init_weights=False); seeds 1-3
  caffe                the BVLC/paper GoogLeNet, built below; seeds 1-3
  inception_v3         torchvision.models.inception_v3(weights=None, aux_logits=True,
                       transform_input=False, init_weights=False), 299x299; seed 1
  resnet50             torchvision.models.resnet50(weights=None), 224x224; seed 1
  mobilenet_v2         torchvision.models.mobilenet_v2(weights=None), 224x224; seed 1
  inception_v4         tools/timm_ref.py (timm's layout and keys), 299x299; seed 1
  inception_resnet_v2  tools/timm_ref.py, 299x299; seed 1
  xception             tools/timm_ref.py (timm legacy_xception), 299x299; seed 1

Every state_dict entry (except num_batches_tracked) is filled by tools/incc_init.py with
the seed. The kind comes from the module that holds the entry (conv/linear weight or bias,
batch norm weight/bias/running_mean/running_var), as incc's Go side takes it from the op.
The input, N=2 x 3 x S x S, is the tensor "input" of kind "input" with the same seed.

For all but the two GoogLeNets, the batch norm statistics are then calibrated, so that
activations stay O(1) through residual stacks (see calibrate_bn): each batch norm's
running_mean is multiplied by 2^k and running_var by 4^k, where k is an integer per batch
norm chosen from the RMS of its input on this seed's input. Powers of two are exact in
float32, so seeded weights times the stored table give the same bits anywhere. The table
is the file's metadata "bn_log2_scale" (JSON object: batch norm module path -> k).

Each file testdata/parity/<net>_s<seed>.safetensors holds outputs only (F32); tools/README.md
lists them. The vacuous-fixture guard (check_magnitudes) aborts if activations
vanish/explode or the logits are just the classifier bias.
"""
import copy
import json
import math
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
import timm_ref  # noqa: E402

REPO = os.path.dirname(HERE)
N_BATCH = 2
MAX_FILE_BYTES = 64 * 1024
TOL = 1e-4  # --check: max |new - old| / max |old| per tensor


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


# ------------------------------------------------------------------ the networks

class Net:
    """How to build, feed, fill and read one reference network.

    build      returns the nn.Module; doc says what it is (the file's "model")
    size       input height and width
    seeds      the seeds of the committed files
    head       path of the classifier nn.Linear; its input is stored as "features", and
               std(output - its bias) is checked
    aux        {output name: (aux module path, path of the module whose output feeds it,
               path of the aux head's last Linear)}; aux heads are run on that output
    means      {tensor name: module path}: per-channel mean over H,W of the output, [N,C]
    maps       {tensor name: (module path, channels, rows/cols)}: output[:, :channels,
               :rows, :cols] (None = all), a small spatial window
    params     (without aux heads, with them), checked against the built model
    bn_named   every batch norm is a module named "bn": incc_init.kind_for_key works on the
               keys too, and is cross-checked
    calibrate  calibrate_bn the batch norm statistics (see there)
    softmax    the network ends in a softmax (caffe): "fc" holds the classifier's output
    bounds     the range allowed for mean|x| and std of every activation checked
    """

    def __init__(self, build, doc, size, head, params, seeds=(1,), aux=None, means=None,
                 maps=None, bn_named=False, calibrate=True, softmax=False,
                 bounds=(0.05, 20.0)):
        self.build, self.doc, self.size, self.head, self.params = build, doc, size, head, params
        self.seeds, self.aux, self.means, self.maps = seeds, aux or {}, means or {}, maps or {}
        self.bn_named, self.calibrate, self.softmax, self.bounds = (bn_named, calibrate,
                                                                    softmax, bounds)


def torchvision_googlenet():
    return torchvision.models.googlenet(weights=None, aux_logits=True, transform_input=False,
                                        init_weights=False)


def torchvision_inception_v3():
    return torchvision.models.inception_v3(weights=None, aux_logits=True,
                                           transform_input=False, init_weights=False)


GOOGLENET_AUX = {"aux1": ("aux1", "inception4a", "aux1.fc2"),
                 "aux2": ("aux2", "inception4d", "aux2.fc2")}
GOOGLENET_MEANS = {"conv1": "conv1", "maxpool2": "maxpool2", "inception3a": "inception3a"}


def _means(*paths):
    return {f"mean/{p}": p for p in paths}


NETS = {
    "torchvision": Net(
        torchvision_googlenet, "torchvision.models.googlenet(weights=None, aux_logits=True, "
        "transform_input=False, init_weights=False)", 224, "fc", (6_624_904, 13_004_888),
        seeds=(1, 2, 3), bn_named=True, calibrate=False, bounds=(1e-2, 1e3),
        aux=GOOGLENET_AUX, means=GOOGLENET_MEANS),
    "caffe": Net(
        CaffeGoogLeNet, "BVLC GoogLeNet (tools/make_fixtures.py CaffeGoogLeNet)", 224, "fc",
        (6_998_552, 13_378_280), seeds=(1, 2, 3), bn_named=True, calibrate=False,
        softmax=True, bounds=(1e-2, 1e3),
        aux=GOOGLENET_AUX, means=GOOGLENET_MEANS),
    # torchvision docs: Inception_V3_Weights num_params 27,161,264 (with the aux head)
    "inception_v3": Net(
        torchvision_inception_v3, "torchvision.models.inception_v3(weights=None, "
        "aux_logits=True, transform_input=False, init_weights=False)", 299, "fc",
        (23_834_568, 27_161_264), bn_named=True,
        aux={"aux": ("AuxLogits", "Mixed_6e", "AuxLogits.fc")},
        means=_means("Conv2d_4a_3x3", "Mixed_5d", "Mixed_6e"),
        maps={"map/Conv2d_2b_3x3": ("Conv2d_2b_3x3", 4, 12),
              "map/Mixed_7c": ("Mixed_7c", 8, None)}),
    # torchvision docs: ResNet50_Weights num_params 25,557,032
    "resnet50": Net(
        lambda: torchvision.models.resnet50(weights=None),
        "torchvision.models.resnet50(weights=None)", 224, "fc", (25_557_032, 25_557_032),
        means=_means("maxpool", "layer1", "layer2", "layer3"),
        maps={"map/layer1": ("layer1", 4, 12), "map/layer4": ("layer4", 8, None)}),
    # torchvision docs: MobileNet_V2_Weights num_params 3,504,872
    "mobilenet_v2": Net(
        lambda: torchvision.models.mobilenet_v2(weights=None),
        "torchvision.models.mobilenet_v2(weights=None)", 224, "classifier.1",
        (3_504_872, 3_504_872),
        means=_means("features.3", "features.6", "features.13", "features.17"),
        maps={"map/features.1": ("features.1", 4, 12),
              "map/features.18": ("features.18", 8, None)}),
    "inception_v4": Net(
        lambda: timm_ref.InceptionV4(), "tools/timm_ref.py InceptionV4 (timm inception_v4)",
        299, "last_linear", (42_679_816, 42_679_816), bn_named=True,
        means=_means("features.3", "features.9", "features.17"),
        maps={"map/features.2": ("features.2", 4, 12),
              "map/features.21": ("features.21", 8, None)}),
    "inception_resnet_v2": Net(
        lambda: timm_ref.InceptionResnetV2(),
        "tools/timm_ref.py InceptionResnetV2 (timm inception_resnet_v2)", 299, "classif",
        (55_843_464, 55_843_464), bn_named=True,
        means=_means("conv2d_4a", "repeat", "repeat_1"),
        maps={"map/conv2d_2b": ("conv2d_2b", 4, 12), "map/conv2d_7b": ("conv2d_7b", 8, None)}),
    "xception": Net(
        lambda: timm_ref.Xception(), "tools/timm_ref.py Xception (timm legacy_xception)", 299,
        "fc", (22_855_952, 22_855_952),
        means=_means("block1", "block3", "block11"),
        maps={"map/act2": ("act2", 4, 12), "map/act4": ("act4", 8, None)}),
}


# The GoogLeNets' names are checked by tools/test_export.py instead.
KEYLESS = ("torchvision", "caffe")


# ------------------------------------------------------------------ building and filling

def build(name):
    return NETS[name].build().eval()


def count_params(net, m):
    total = sum(p.numel() for p in m.parameters())
    aux_paths = tuple(a[0] + "." for a in net.aux.values())
    aux = sum(p.numel() for n, p in m.named_parameters() if aux_paths and n.startswith(aux_paths))
    return total - aux, total


def kind_by_module(m):
    """Kind of every state_dict entry from the module types (what incc's Go side does: it
    takes the kind from the op and the weight's role, not from the name)."""
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


def fill_model(m, seed, cross_check_names=False):
    """Fills every state_dict entry but num_batches_tracked; returns the number of values.
    fan_in of a conv weight [out, in/groups, kh, kw] is (in/groups)*kh*kw."""
    by_module = kind_by_module(m)
    sd = m.state_dict()
    filled = {k for k in sd if not k.endswith("num_batches_tracked")}
    assert set(by_module) == filled, sorted(set(by_module) ^ filled)
    n = 0
    with torch.no_grad():
        for key in sorted(filled, key=list(sd).index):
            t, kind = sd[key], by_module[key]
            if cross_check_names:
                assert incc_init.kind_for_key(key) == kind, (key, kind)
            fan_in = incc_init.fan_in_for_shape(t.shape) if kind == "weight" else 0
            t.copy_(torch.from_numpy(incc_init.fill(key, seed, kind, t.shape, fan_in)))
            n += t.numel()
    return n


def seeded_input(seed, size):
    x64 = torch.from_numpy(incc_init.fill("input", seed, "input", (N_BATCH, 3, size, size))
                           .astype(np.float64))
    return x64.float(), x64


# ------------------------------------------------------------------ batch norm calibration

def calibrate_bn(net, m, x, table=None):
    """Scales every batch norm's running statistics by a power of two chosen from its input.

    Runs the network (with its aux heads) once on x. Just before each batch norm runs, with
    every earlier one already scaled: q = mean(x_in^2) over N,C,H,W (in float64), and
    k = floor(log2(q) / 2 + 1/2), the nearest integer to log2(RMS); then running_mean *= 2^k
    and running_var *= 4^k (exact in float32). The batch norm then sees an input of RMS
    ~2^k and normalises it by ~2^k, so it outputs O(1) whatever the depth: without this the
    plain seeded statistics (running_var ~ 1) let each residual add double the variance
    (ResNet-50's logits reach ~5e3, Xception's ~3e6).

    table: {module path: k} to apply instead of choosing (what a --check and incc's Go tests
    do). Returns (the table, in state_dict order; the smallest distance of log2(q)/2 from
    a rounding boundary, over all batch norms, as a robustness margin; the paths where the
    chosen k differs from the given table)."""
    chosen, margin, differ = {}, [math.inf], []
    hooks = []

    def pre_hook(path):
        def f(mod, inp):
            if path in chosen:
                raise RuntimeError(f"batch norm {path} runs twice; calibrate_bn assumes once")
            q = inp[0].detach().double().pow(2).mean().item()
            h = 0.5 * math.log2(q)
            k = math.floor(h + 0.5)
            margin[0] = min(margin[0], abs(h + 0.5 - round(h + 0.5)))
            if table is not None:
                if table[path] != k:
                    differ.append(path)
                k = table[path]
            chosen[path] = k
            mod.running_mean.mul_(2.0 ** k)
            mod.running_var.mul_(4.0 ** k)
        return f

    bns = [(p, mod) for p, mod in m.named_modules() if isinstance(mod, nn.BatchNorm2d)]
    if table is not None:
        assert set(table) == {p for p, _ in bns}, "the table does not name every batch norm"
    for p, mod in bns:
        hooks.append(mod.register_forward_pre_hook(pre_hook(p)))
    try:
        run(net, m, x)
    finally:
        for h in hooks:
            h.remove()
    missing = [p for p, _ in bns if p not in chosen]
    assert not missing, f"batch norms not reached by the calibration pass: {missing}"
    return {p: chosen[p] for p, _ in bns}, margin[0], differ


# ------------------------------------------------------------------ running

def stage_paths(net, m):
    """The modules whose outputs are printed and range-checked: the top-level children and,
    for a top-level nn.Sequential, its children; the aux heads are left out."""
    aux = {a[0] for a in net.aux.values()}
    out = []
    for name, mod in m.named_children():
        if name in aux:
            continue
        if isinstance(mod, nn.Sequential):
            out += [f"{name}.{c}" for c, _ in mod.named_children()]
        else:
            out.append(name)
    return out


def run(net, m, x):
    """One forward pass. Returns (outputs {tensor name: tensor}, acts {path: output}) where
    acts holds the stage outputs, the aux heads' inner outputs and the head's output."""
    acts, hooks, feats = {}, [], []
    paths = stage_paths(net, m)
    paths += [p for p in net.means.values()] + [v[0] for v in net.maps.values()]
    paths += [a[1] for a in net.aux.values()] + [net.head]
    for a in net.aux.values():  # the aux heads' layers with weights, for the printout
        paths += [f"{a[0]}.{c}" for c, mod in m.get_submodule(a[0]).named_children()
                  if any(True for _ in mod.parameters())]

    def hook(path):
        def f(mod, inp, out):
            acts[path] = out.detach().clone()
        return f

    for p in dict.fromkeys(paths):
        hooks.append(m.get_submodule(p).register_forward_hook(hook(p)))
    head = m.get_submodule(net.head)
    hooks.append(head.register_forward_pre_hook(lambda mod, inp: feats.append(inp[0].clone())))
    try:
        with torch.no_grad():
            y = m(x)
            aux = {name: m.get_submodule(a[0])(acts[a[1]]) for name, a in net.aux.items()}
            assert len(feats) == 1, f"{net.head} ran {len(feats)} times"
            fc = head(feats[0])
    finally:
        for h in hooks:
            h.remove()
    assert torch.equal(acts[net.head], fc), "the features do not feed the head"
    out = {"logits": y, "features": feats[0], **aux}
    if net.softmax:
        out["fc"] = acts[net.head]
        assert torch.allclose(y, torch.softmax(acts[net.head], 1))
    else:
        assert torch.equal(y, acts[net.head]), "the head's output is not the network's"
    for name, p in net.means.items():
        out[name] = acts[p].mean(dim=(2, 3))
    for name, (p, c, s) in net.maps.items():
        out[name] = acts[p][:, :c, :s, :s]
    return out, acts


def stat(t):
    t = t.detach().double()
    return t.abs().mean().item(), t.std().item()


def check_magnitudes(tag, net, m, out, acts):
    """The vacuous-fixture guard. Prints per-module mean|x| and std; raises on failure."""
    bad = []
    lo, hi = net.bounds
    print(f"[{tag}] {'activation':<22} {'shape':<20} {'mean|x|':>10} {'std':>10}")
    rows = [(k, v) for k, v in acts.items() if k != "softmax"]
    rows += [("features", out["features"])] + [(a, out[a]) for a in net.aux]
    for name, t in rows:
        ma, sd = stat(t)
        ok = lo <= ma <= hi and lo <= sd <= hi
        print(f"[{tag}] {name:<22} {str(list(t.shape)):<20} {ma:10.4g} {sd:10.4g}"
              f"{'' if ok else '   <-- OUT OF RANGE'}")
        if not ok:
            bad.append(name)
    # The logits must not be explained by the classifier bias alone (nor the aux outputs
    # by theirs), and must not explode either.
    trunk = {net.head: (acts[net.head], m.get_submodule(net.head).bias)}
    for name, a in net.aux.items():
        trunk[name] = (out[name], m.get_submodule(a[2]).bias)
    for name, (y, b) in trunk.items():
        s = (y - b).std().item()
        print(f"[{tag}] std({name} - bias) = {s:.4g}")
        if not 0.1 < s < (hi if net.calibrate else math.inf):
            bad.append(f"{name}-bias")
    if net.softmax:  # logits are probabilities; they must not be uniform
        p = out["logits"]
        pmax = p.max().item()
        print(f"[{tag}] softmax: max prob {pmax:.4g} (uniform = 1e-3), row sums "
              f"{[round(v, 6) for v in p.sum(1).tolist()]}")
        if not pmax > 2e-3:
            bad.append("softmax-uniform")
    d = (out["logits"][0] - out["logits"][1]).abs().max().item()
    print(f"[{tag}] max |logits[0] - logits[1]| = {d:.4g} "
          f"({d / out['logits'].abs().max().item():.3g} of max |logits|)")
    if not d > 1e-3:
        bad.append("batch-rows-equal")
    if bad:
        raise SystemExit(f"[{tag}] VACUOUS/UNSTABLE FIXTURE: {bad}")


def lrn_sensitivity(net, m, x, fc32):
    """How much the caffe fc output changes when both LRNs are removed (relative)."""
    m2 = copy.deepcopy(m)
    m2.lrn1, m2.lrn2 = nn.Identity(), nn.Identity()
    _, acts = run(net, m2, x)
    return ((acts["fc"] - fc32).abs().max() / fc32.abs().max()).item()


def rel_gap(a32, a64):
    return ((a32.double() - a64).abs().max() / a64.abs().max()).item()


def count_macs(m, size):
    """Multiply-accumulates of the convs and Linears for one image (trunk only)."""
    total = [0]

    def hook(mod, inp, out):
        if isinstance(mod, nn.Conv2d):
            k = mod.kernel_size[0] * mod.kernel_size[1] * (mod.in_channels // mod.groups)
            total[0] += out.numel() * k
        else:
            total[0] += out.numel() * mod.in_features

    hs = [x.register_forward_hook(hook) for x in m.modules()
          if isinstance(x, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        m(torch.zeros(1, 3, size, size))
    for h in hs:
        h.remove()
    return total[0]


# ------------------------------------------------------------------ one file

def googlenet_meta(name, net, seed, command):
    return {
        "network": name, "seed": str(seed), "batch": str(N_BATCH),
        "torch": torch.__version__, "torchvision": torchvision.__version__,
        "command": command,
        "weights": "tools/incc_init.py fill of every state_dict entry with this seed",
        "input": f"tools/incc_init.py fill name=input kind=input seed={seed} "
                 f"shape=[{N_BATCH},3,224,224]",
        "intermediates": "conv1, maxpool2, inception3a: per-channel mean over H,W of the "
                         "module output (after ReLU), [N,C]",
        "logits": "fc output" if name == "torchvision" else "softmax of fc",
    }


def fixture_path(name, seed, out_dir=None):
    return os.path.join(out_dir or os.path.join(REPO, "testdata", "parity"),
                        f"{name}_s{seed}.safetensors")


def prepare(name, seed, table=None):
    """Builds the network, fills it, makes the input and calibrates the batch norms (with
    table, if given: {path: k} as stored in a file). Returns (net, model, x, x64, table)."""
    net = NETS[name]
    tag = f"{name}_s{seed}"
    torch.manual_seed(0)  # nothing should depend on it; every value is set below
    m = build(name)
    trunk, total = count_params(net, m)
    filled = fill_model(m, seed, cross_check_names=net.bn_named)
    print(f"[{tag}] parameters: {trunk:,} without aux, {total:,} with aux; "
          f"{filled:,} values filled (incl. BN running stats)")
    assert (trunk, total) == net.params, ((trunk, total), net.params)
    x, x64 = seeded_input(seed, net.size)
    if net.calibrate:
        table, margin, differ = calibrate_bn(net, m, x, table)
        ks = list(table.values())
        print(f"[{tag}] batch norm calibration: {len(ks)} batch norms, k from {min(ks)} to "
              f"{max(ks)}, margin {margin:.3g} (distance of log2(rms) from a rounding point)")
        if differ:
            print(f"[{tag}] WARNING: the k chosen now differs from the given table's for "
                  f"{differ}; the table's is used (expected only if an input RMS lies within "
                  f"rounding noise of a boundary)")
    return net, m, x, x64, table


def reference(name, seed, out_dir=None):
    """The network exactly as its committed fixture was made: seeded weights, with the batch
    norm table read from the file. Returns (net, model in eval mode, input x). For tests
    that run other code (an exported spec, say) on the same weights: model.state_dict()."""
    table = None
    if NETS[name].calibrate:
        _, meta = safetensors_lite.read(fixture_path(name, seed, out_dir))
        table = json.loads(meta["bn_log2_scale"])
    net, m, x, _, _ = prepare(name, seed, table)
    return net, m, x


def make(name, seed, out_dir, command, check=False):
    tag = f"{name}_s{seed}"
    path = fixture_path(name, seed, out_dir)
    old = old_meta = None
    if check:
        old, old_meta = safetensors_lite.read(path)
    given = json.loads(old_meta["bn_log2_scale"]) if old_meta and NETS[name].calibrate else None
    net, m, x, x64, table = prepare(name, seed, given)
    trunk, total = net.params

    out, acts = run(net, m, x)
    check_magnitudes(tag, net, m, out, acts)
    tensors = {k: v.detach().float().contiguous().numpy() for k, v in out.items()}

    if check:
        assert sorted(old) == sorted(tensors), (sorted(old), sorted(tensors))
        worst = 0.0
        for k in sorted(tensors):
            a, b = tensors[k], old[k]
            assert a.shape == b.shape, (k, a.shape, b.shape)
            r = float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))
            worst = max(worst, r)
            print(f"[{tag}] check {k:<24} bit-equal={a.tobytes() == b.tobytes()} rel={r:.3g}")
        assert worst < TOL, f"{tag}: regenerated outputs differ by {worst:.3g}"
        return

    m64 = copy.deepcopy(m).double()
    out64, _ = run(net, m64, x64)
    gaps = {k: rel_gap(out[k], out64[k]) for k in ("logits", "fc", "features", *net.aux)
            if k in out}
    print(f"[{tag}] f32 vs f64, max|f32-f64| / max|f64|: "
          + ", ".join(f"{k} {v:.3g}" for k, v in gaps.items()))
    extra = {}
    if name == "caffe":
        s = lrn_sensitivity(net, m, x, out["fc"])
        extra["lrn_effect_on_fc_rel"] = f"{s:.3g}"
        print(f"[{tag}] removing both LRNs changes fc by {s:.3g} (relative to max|fc|)"
              + ("   WARNING: LRN barely matters with this input" if s < 1e-3 else ""))

    if not net.calibrate:  # the GoogLeNet files keep their original metadata
        meta = googlenet_meta(name, net, seed, command)
    else:
        macs = count_macs(m, net.size)
        print(f"[{tag}] {macs:,} multiply-accumulates per image (convs and Linears)")
        meta = {
            "network": name, "model": net.doc, "seed": str(seed), "batch": str(N_BATCH),
            "torch": torch.__version__, "torchvision": torchvision.__version__,
            "command": command,
            "params": f"{trunk},{total}", "macs": str(macs),
            "weights": "tools/incc_init.py fill of every state_dict entry with this seed "
                       "(kind from the module), then the batch norm calibration",
            "bn_calibration": "running_mean *= 2^k, running_var *= 4^k per batch norm, "
                              "k from bn_log2_scale (tools/make_fixtures.py calibrate_bn)",
            "bn_log2_scale": json.dumps(table, separators=(",", ":")),
            "input": f"tools/incc_init.py fill name=input kind=input seed={seed} "
                     f"shape=[{N_BATCH},3,{net.size},{net.size}]",
            "head": net.head,
            "outputs": "logits: network output; features: input of the head; "
                       + "".join(f"{a}: aux head {v[0]} on the output of {v[1]}; "
                                 for a, v in net.aux.items())
                       + "mean/<path>: per-channel mean over H,W of that module's output "
                         "[N,C]; map/<path>: that module's output [:, :C, :S, :S] "
                         "(a corner of an early map, the first channels of the last one)",
        }
    meta.update(f32_vs_f64_rel=",".join(f"{k}={v:.3g}" for k, v in sorted(gaps.items())),
                **extra)
    size = safetensors_lite.write(path, tensors, meta)
    back, bmeta = safetensors_lite.read(path)
    assert bmeta == meta and all(back[k].tobytes() == tensors[k].tobytes() for k in tensors)
    print(f"[{tag}] wrote {os.path.relpath(path, REPO)} ({size:,} bytes, "
          f"{', '.join(f'{k}{list(v.shape)}' for k, v in sorted(tensors.items()))})")
    assert size <= MAX_FILE_BYTES, size


def write_keys(name, out_dir, check=False):
    """Writes <name>_keys.txt: every state_dict key but num_batches_tracked, in
    state_dict order, with its shape ("key 64x3x7x7"). incc's tests compare a spec's
    weight names and shapes with it, exactly."""
    m = build(name)
    lines = [f"{k} {'x'.join(str(d) for d in v.shape)}\n" for k, v in m.state_dict().items()
             if not k.endswith("num_batches_tracked")]
    text = (f"# {NETS[name].doc}: state_dict keys (without num_batches_tracked) and shapes,\n"
            f"# written by /usr/bin/python3 tools/make_fixtures.py --keys\n") + "".join(lines)
    path = os.path.join(out_dir, f"{name}_keys.txt")
    if check:
        with open(path) as f:
            same = f.read() == text
        print(f"[{name}] {os.path.relpath(path, REPO)}: {'same' if same else 'DIFFERS'}")
        return same
    with open(path, "w") as f:
        f.write(text)
    print(f"[{name}] wrote {os.path.relpath(path, REPO)} ({len(lines)} keys)")
    return True


def main(argv):
    seeds, nets, out_dir, check, keys = None, list(NETS), None, False, False
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--seeds":
            seeds = [int(s) for s in args.pop(0).split(",")]
        elif a == "--nets":
            nets = args.pop(0).split(",")
            unknown = [n for n in nets if n not in NETS]
            if unknown:
                print(f"unknown network(s) {unknown}; known: {', '.join(NETS)}")
                return 2
        elif a == "--out":
            out_dir = args.pop(0)
        elif a == "--check":
            check = True
        elif a == "--keys":
            keys = True
        else:
            print(__doc__)
            return 2
    out_dir = out_dir or os.path.join(REPO, "testdata", "parity")
    os.makedirs(out_dir, exist_ok=True)
    if keys:
        ok = all([write_keys(name, out_dir, check) for name in nets if name not in KEYLESS])
        return 0 if ok else 1
    torch.set_num_threads(1)  # fixed reduction order: same bits on every run here
    command = " ".join(["/usr/bin/python3", "tools/make_fixtures.py"]
                       + [a for a in argv if a != "--check"])
    for name in nets:
        for seed in seeds or NETS[name].seeds:
            make(name, seed, out_dir, command, check)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
