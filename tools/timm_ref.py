#!/usr/bin/python3
"""PyTorch reference modules for three timm networks, written from the papers, with
timm's module layout so that their state_dict keys are timm's keys.

timm itself is not a dependency: these classes are our own code. What carries over from
timm (and from the TF-slim checkpoints timm's weights were ported from) is the layout:
module and parameter names, layer sizes, strides and paddings, batch norm eps, and
count_include_pad=False in the average pools. A timm state_dict for the same model name
is meant to load into these modules with strict=True (not tried: timm is not installed).

  inception_v4         Szegedy et al. 2016, "Inception-v4, Inception-ResNet and the Impact of
                       Residual Connections on Learning" (arXiv:1602.07261), figs. 3-9.
                       timm: inception_v4 (class InceptionV4): features.0 .. features.21,
                       last_linear. 42,679,816 parameters.
  inception_resnet_v2  Same paper: the residual blocks of figs. 16, 17, 19 and the
                       reductions of figs. 7 and 18, with the stem and filter counts of the
                       TF-slim model (whose weights timm uses), which differ from the
                       paper's: 320/1088/2080 channels in the three residual stages.
                       timm: inception_resnet_v2 (class InceptionResnetV2): conv2d_1a ..
                       conv2d_7b, mixed_5b, repeat, repeat_1, repeat_2, block8, classif.
                       55,843,464 parameters.
  xception             Chollet 2017, "Xception: Deep Learning with Depthwise Separable
                       Convolutions" (arXiv:1610.02357), fig. 5. timm: legacy_xception
                       (called xception before timm 0.9; class Xception, the Keras port):
                       conv1, bn1, conv2, bn2, block1 .. block12, conv3, bn3, conv4, bn4, fc.
                       22,855,952 parameters.

Facts that the modules reproduce (each checked by --check where a test can see it):
  - Every Inception conv is conv (no bias) -> BatchNorm2d(eps=1e-3) -> ReLU, as timm's
    ConvNormAct/BasicConv2d: keys <name>.conv.weight, <name>.bn.{weight,bias,running_mean,
    running_var,num_batches_tracked}. Xception's batch norms keep PyTorch's eps=1e-5.
  - Inception average pools: 3x3, stride 1, pad 1, count_include_pad=False.
  - Max pools: 3x3 stride 2, no padding (Inception); 3x3 stride 2 pad 1 (Xception blocks).
  - Inception-ResNet residual: relu(x + scale * conv2d(concat(branches))), where conv2d is a
    plain 1x1 conv WITH bias; scales 0.17 (repeat), 0.10 (repeat_1), 0.20 (repeat_2), and
    1.0 without the ReLU for the last Block8 (block8).
  - Xception block: rep = Sequential of [ReLU, SeparableConv2d, BatchNorm2d] x reps (block1
    starts without the ReLU), then MaxPool2d(3, 2, 1) when strided; a 1x1 strided skip conv
    + BN (skip, skipbn) when the shape changes; the block adds, with no ReLU after the add.
    SeparableConv2d = depthwise 3x3 (conv1, groups = in) then 1x1 (pointwise), no biases.
  - Heads: global average pool, then a Linear (last_linear / classif / fc), 1000 classes.

Usage:
  /usr/bin/python3 tools/timm_ref.py            # print parameter counts and a few keys
  /usr/bin/python3 tools/timm_ref.py --check    # assert counts, keys, shapes; run 299x299
  /usr/bin/python3 tools/timm_ref.py --keys NET # print NET's state_dict keys and shapes
As a library: timm_ref.build(name) -> nn.Module in eval mode; timm_ref.NETS.
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

INCEPTION_BN_EPS = 1e-3


# ------------------------------------------------------------------ shared pieces

class ConvBN(nn.Module):
    """conv (no bias) -> batch norm (eps 1e-3) -> ReLU; timm's ConvNormAct layout."""

    def __init__(self, cin, cout, kernel, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=INCEPTION_BN_EPS)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


def seq(*convs):
    """nn.Sequential of ConvBN from (cin, cout, kernel[, stride[, padding]]) tuples."""
    return nn.Sequential(*[ConvBN(*c) for c in convs])


def avgpool_excl():
    """The Inception pool branch's 3x3 average pool (padding left out of the divisor)."""
    return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)


def maxpool_s2():
    return nn.MaxPool2d(3, stride=2)


class Concat(nn.Module):
    """Runs every child on the input and concatenates their outputs along channels, in the
    order the children were given (which is also their state_dict order)."""

    def __init__(self, **branches):
        super().__init__()
        for name, mod in branches.items():
            self.add_module(name, mod)

    def forward(self, x):
        return torch.cat([m(x) for m in self.children()], 1)


# ------------------------------------------------------------------ Inception-v4

def v4_inception_a():
    return Concat(
        branch0=ConvBN(384, 96, 1),
        branch1=seq((384, 64, 1), (64, 96, 3, 1, 1)),
        branch2=seq((384, 64, 1), (64, 96, 3, 1, 1), (96, 96, 3, 1, 1)),
        branch3=nn.Sequential(avgpool_excl(), ConvBN(384, 96, 1)))


def v4_reduction_a():
    return Concat(
        branch0=ConvBN(384, 384, 3, 2),
        branch1=seq((384, 192, 1), (192, 224, 3, 1, 1), (224, 256, 3, 2)),
        branch2=maxpool_s2())


def v4_inception_b():
    return Concat(
        branch0=ConvBN(1024, 384, 1),
        branch1=seq((1024, 192, 1), (192, 224, (1, 7), 1, (0, 3)),
                    (224, 256, (7, 1), 1, (3, 0))),
        branch2=seq((1024, 192, 1), (192, 192, (7, 1), 1, (3, 0)),
                    (192, 224, (1, 7), 1, (0, 3)), (224, 224, (7, 1), 1, (3, 0)),
                    (224, 256, (1, 7), 1, (0, 3))),
        branch3=nn.Sequential(avgpool_excl(), ConvBN(1024, 128, 1)))


def v4_reduction_b():
    return Concat(
        branch0=seq((1024, 192, 1), (192, 192, 3, 2)),
        branch1=seq((1024, 256, 1), (256, 256, (1, 7), 1, (0, 3)),
                    (256, 320, (7, 1), 1, (3, 0)), (320, 320, 3, 2)),
        branch2=maxpool_s2())


class V4InceptionC(nn.Module):
    """Inception-C (fig. 6): branches 1 and 2 each end in a 1x3 / 3x1 pair whose outputs
    are concatenated; timm names these modules flat (branch1_0, branch1_1a, ...)."""

    def __init__(self):
        super().__init__()
        self.branch0 = ConvBN(1536, 256, 1)
        self.branch1_0 = ConvBN(1536, 384, 1)
        self.branch1_1a = ConvBN(384, 256, (1, 3), 1, (0, 1))
        self.branch1_1b = ConvBN(384, 256, (3, 1), 1, (1, 0))
        self.branch2_0 = ConvBN(1536, 384, 1)
        self.branch2_1 = ConvBN(384, 448, (3, 1), 1, (1, 0))
        self.branch2_2 = ConvBN(448, 512, (1, 3), 1, (0, 1))
        self.branch2_3a = ConvBN(512, 256, (1, 3), 1, (0, 1))
        self.branch2_3b = ConvBN(512, 256, (3, 1), 1, (1, 0))
        self.branch3 = nn.Sequential(avgpool_excl(), ConvBN(1536, 256, 1))

    def forward(self, x):
        b1 = self.branch1_0(x)
        b2 = self.branch2_2(self.branch2_1(self.branch2_0(x)))
        return torch.cat([self.branch0(x),
                          self.branch1_1a(b1), self.branch1_1b(b1),
                          self.branch2_3a(b2), self.branch2_3b(b2),
                          self.branch3(x)], 1)


class InceptionV4(nn.Module):
    """timm inception_v4. features: 0-2 stem convs, 3 Mixed3a, 4 Mixed4a, 5 Mixed5a,
    6-9 Inception-A, 10 Reduction-A, 11-17 Inception-B, 18 Reduction-B, 19-21 Inception-C."""

    head = "last_linear"

    def __init__(self, num_classes=1000):
        super().__init__()
        layers = [
            ConvBN(3, 32, 3, 2),
            ConvBN(32, 32, 3),
            ConvBN(32, 64, 3, 1, 1),
            Concat(maxpool=maxpool_s2(), conv=ConvBN(64, 96, 3, 2)),            # Mixed3a
            Concat(branch0=seq((160, 64, 1), (64, 96, 3)),                       # Mixed4a
                   branch1=seq((160, 64, 1), (64, 64, (1, 7), 1, (0, 3)),
                               (64, 64, (7, 1), 1, (3, 0)), (64, 96, 3))),
            Concat(conv=ConvBN(192, 192, 3, 2), maxpool=maxpool_s2()),          # Mixed5a
        ]
        layers += [v4_inception_a() for _ in range(4)]
        layers += [v4_reduction_a()]
        layers += [v4_inception_b() for _ in range(7)]
        layers += [v4_reduction_b()]
        layers += [V4InceptionC() for _ in range(3)]
        self.features = nn.Sequential(*layers)
        self.last_linear = nn.Linear(1536, num_classes)

    def forward_features(self, x):
        return self.features(x)

    def forward(self, x):
        return self.last_linear(self.forward_features(x).mean((2, 3)))


# ------------------------------------------------------------------ Inception-ResNet-v2

class ResidualBlock(nn.Module):
    """Inception-ResNet block: relu(x + scale * conv2d(concat(branches))). The 1x1
    up-projection conv2d has a bias and no batch norm. relu=False for the final block8."""

    def __init__(self, branches, cat_ch, ch, scale, relu=True):
        super().__init__()
        for name, mod in branches.items():
            self.add_module(name, mod)
        self.names = list(branches)
        self.conv2d = nn.Conv2d(cat_ch, ch, 1)
        self.scale = scale
        self.relu = relu

    def forward(self, x):
        y = torch.cat([getattr(self, n)(x) for n in self.names], 1)
        y = self.conv2d(y) * self.scale + x
        return F.relu(y) if self.relu else y


def block35(scale=0.17):
    return ResidualBlock(dict(
        branch0=ConvBN(320, 32, 1),
        branch1=seq((320, 32, 1), (32, 32, 3, 1, 1)),
        branch2=seq((320, 32, 1), (32, 48, 3, 1, 1), (48, 64, 3, 1, 1))), 128, 320, scale)


def block17(scale=0.10):
    return ResidualBlock(dict(
        branch0=ConvBN(1088, 192, 1),
        branch1=seq((1088, 128, 1), (128, 160, (1, 7), 1, (0, 3)),
                    (160, 192, (7, 1), 1, (3, 0)))), 384, 1088, scale)


def block8(scale=0.20, relu=True):
    return ResidualBlock(dict(
        branch0=ConvBN(2080, 192, 1),
        branch1=seq((2080, 192, 1), (192, 224, (1, 3), 1, (0, 1)),
                    (224, 256, (3, 1), 1, (1, 0)))), 448, 2080, scale, relu)


class InceptionResnetV2(nn.Module):
    head = "classif"
    TRUNK = ("conv2d_1a", "conv2d_2a", "conv2d_2b", "maxpool_3a", "conv2d_3b", "conv2d_4a",
             "maxpool_5a", "mixed_5b", "repeat", "mixed_6a", "repeat_1", "mixed_7a",
             "repeat_2", "block8", "conv2d_7b")

    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv2d_1a = ConvBN(3, 32, 3, 2)
        self.conv2d_2a = ConvBN(32, 32, 3)
        self.conv2d_2b = ConvBN(32, 64, 3, 1, 1)
        self.maxpool_3a = maxpool_s2()
        self.conv2d_3b = ConvBN(64, 80, 1)
        self.conv2d_4a = ConvBN(80, 192, 3)
        self.maxpool_5a = maxpool_s2()
        self.mixed_5b = Concat(
            branch0=ConvBN(192, 96, 1),
            branch1=seq((192, 48, 1), (48, 64, 5, 1, 2)),
            branch2=seq((192, 64, 1), (64, 96, 3, 1, 1), (96, 96, 3, 1, 1)),
            branch3=nn.Sequential(avgpool_excl(), ConvBN(192, 64, 1)))        # 320
        self.repeat = nn.Sequential(*[block35(0.17) for _ in range(10)])
        self.mixed_6a = Concat(
            branch0=ConvBN(320, 384, 3, 2),
            branch1=seq((320, 256, 1), (256, 256, 3, 1, 1), (256, 384, 3, 2)),
            branch2=maxpool_s2())                                                # 1088
        self.repeat_1 = nn.Sequential(*[block17(0.10) for _ in range(20)])
        self.mixed_7a = Concat(
            branch0=seq((1088, 256, 1), (256, 384, 3, 2)),
            branch1=seq((1088, 256, 1), (256, 288, 3, 2)),
            branch2=seq((1088, 256, 1), (256, 288, 3, 1, 1), (288, 320, 3, 2)),
            branch3=maxpool_s2())                                                # 2080
        self.repeat_2 = nn.Sequential(*[block8(0.20) for _ in range(9)])
        self.block8 = block8(1.0, relu=False)
        self.conv2d_7b = ConvBN(2080, 1536, 1)
        self.classif = nn.Linear(1536, num_classes)

    def forward_features(self, x):
        for name in self.TRUNK:
            x = getattr(self, name)(x)
        return x

    def forward(self, x):
        return self.classif(self.forward_features(x).mean((2, 3)))


# ------------------------------------------------------------------ Xception

class SeparableConv2d(nn.Module):
    """Depthwise kxk (conv1, groups = cin) then pointwise 1x1, both without bias."""

    def __init__(self, cin, cout, kernel=3, stride=1, padding=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cin, kernel, stride, padding, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=False)

    def forward(self, x):
        return self.pointwise(self.conv1(x))


class XceptionBlock(nn.Module):
    """reps x (ReLU, SeparableConv2d 3x3, BN); grow_first puts the channel change in the
    first separable conv, else in the last. Strided blocks end in a 3x3/2 max pool (pad 1)
    and, like any block whose shape changes, have a 1x1 conv + BN shortcut."""

    def __init__(self, cin, cout, reps, stride=1, start_with_relu=True, grow_first=True):
        super().__init__()
        if cout != cin or stride != 1:
            self.skip = nn.Conv2d(cin, cout, 1, stride=stride, bias=False)
            self.skipbn = nn.BatchNorm2d(cout)
        else:
            self.skip = None
        if grow_first:
            chans = [cin] + [cout] * reps
        else:
            chans = [cin] * reps + [cout]
        rep = []
        for i in range(reps):
            rep += [nn.ReLU(), SeparableConv2d(chans[i], chans[i + 1]),
                    nn.BatchNorm2d(chans[i + 1])]
        if not start_with_relu:
            rep = rep[1:]
        if stride != 1:
            rep.append(nn.MaxPool2d(3, stride, 1))
        self.rep = nn.Sequential(*rep)

    def forward(self, x):
        skip = x if self.skip is None else self.skipbn(self.skip(x))
        return self.rep(x) + skip


class Xception(nn.Module):
    head = "fc"
    TRUNK = ("conv1", "bn1", "act1", "conv2", "bn2", "act2") + tuple(
        f"block{i}" for i in range(1, 13)) + ("conv3", "bn3", "act3", "conv4", "bn4", "act4")

    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, 2, 0, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.act1 = nn.ReLU()
        self.conv2 = nn.Conv2d(32, 64, 3, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.act2 = nn.ReLU()
        self.block1 = XceptionBlock(64, 128, 2, 2, start_with_relu=False)
        self.block2 = XceptionBlock(128, 256, 2, 2)
        self.block3 = XceptionBlock(256, 728, 2, 2)
        for i in range(4, 12):  # middle flow
            setattr(self, f"block{i}", XceptionBlock(728, 728, 3, 1))
        self.block12 = XceptionBlock(728, 1024, 2, 2, grow_first=False)
        self.conv3 = SeparableConv2d(1024, 1536)
        self.bn3 = nn.BatchNorm2d(1536)
        self.act3 = nn.ReLU()
        self.conv4 = SeparableConv2d(1536, 2048)
        self.bn4 = nn.BatchNorm2d(2048)
        self.act4 = nn.ReLU()
        self.fc = nn.Linear(2048, num_classes)

    def forward_features(self, x):
        for name in self.TRUNK:
            x = getattr(self, name)(x)
        return x

    def forward(self, x):
        return self.fc(self.forward_features(x).mean((2, 3)))


# ------------------------------------------------------------------ registry and checks

# name -> (class, parameter count, feature map at the head for a 299x299 input)
NETS = {
    "inception_v4": (InceptionV4, 42_679_816, (1536, 8, 8)),
    "inception_resnet_v2": (InceptionResnetV2, 55_843_464, (1536, 8, 8)),
    "xception": (Xception, 22_855_952, (2048, 10, 10)),
}

# Keys written out by hand from timm's source (module attribute names and Sequential
# indices), and from TF-slim -> timm conversion tables; each must be in the state_dict
# with this shape. A layout slip (a missing ReLU slot in a Sequential, a renamed branch,
# a bias where timm has none) changes one of these.
SPOT_KEYS = {
    "inception_v4": {
        "features.0.conv.weight": (32, 3, 3, 3),
        "features.2.bn.running_var": (64,),
        "features.3.conv.conv.weight": (96, 64, 3, 3),
        "features.4.branch1.1.conv.weight": (64, 64, 1, 7),
        "features.4.branch1.3.conv.weight": (96, 64, 3, 3),
        "features.5.conv.bn.bias": (192,),
        "features.6.branch3.1.conv.weight": (96, 384, 1, 1),
        "features.10.branch1.2.conv.weight": (256, 224, 3, 3),
        "features.17.branch2.4.conv.weight": (256, 224, 1, 7),
        "features.18.branch1.3.bn.running_mean": (320,),
        "features.21.branch1_1b.conv.weight": (256, 384, 3, 1),
        "features.21.branch2_3b.bn.running_var": (256,),
        "features.21.branch3.1.conv.weight": (256, 1536, 1, 1),
        "last_linear.weight": (1000, 1536),
        "last_linear.bias": (1000,),
    },
    "inception_resnet_v2": {
        "conv2d_1a.conv.weight": (32, 3, 3, 3),
        "conv2d_4a.bn.running_mean": (192,),
        "mixed_5b.branch0.conv.weight": (96, 192, 1, 1),
        "mixed_5b.branch1.1.conv.weight": (64, 48, 5, 5),
        "mixed_5b.branch3.1.conv.weight": (64, 192, 1, 1),
        "repeat.0.branch1.0.conv.weight": (32, 320, 1, 1),
        "repeat.9.branch2.2.bn.weight": (64,),
        "repeat.0.conv2d.weight": (320, 128, 1, 1),
        "repeat.0.conv2d.bias": (320,),
        "mixed_6a.branch1.2.conv.weight": (384, 256, 3, 3),
        "repeat_1.19.branch1.2.conv.weight": (192, 160, 7, 1),
        "repeat_1.19.conv2d.bias": (1088,),
        "mixed_7a.branch2.2.conv.weight": (320, 288, 3, 3),
        "repeat_2.8.branch1.1.conv.weight": (224, 192, 1, 3),
        "block8.conv2d.weight": (2080, 448, 1, 1),
        "block8.branch1.2.bn.running_var": (256,),
        "conv2d_7b.bn.running_var": (1536,),
        "classif.weight": (1000, 1536),
    },
    "xception": {
        "conv1.weight": (32, 3, 3, 3),
        "bn1.running_var": (32,),
        "conv2.weight": (64, 32, 3, 3),
        "block1.rep.0.conv1.weight": (64, 1, 3, 3),
        "block1.rep.0.pointwise.weight": (128, 64, 1, 1),
        "block1.rep.1.weight": (128,),
        "block1.rep.3.pointwise.weight": (128, 128, 1, 1),
        "block1.skip.weight": (128, 64, 1, 1),
        "block1.skipbn.running_mean": (128,),
        "block2.rep.1.conv1.weight": (128, 1, 3, 3),
        "block2.rep.2.bias": (256,),
        "block4.rep.7.pointwise.weight": (728, 728, 1, 1),
        "block4.rep.8.running_var": (728,),
        "block12.rep.1.pointwise.weight": (728, 728, 1, 1),
        "block12.rep.4.pointwise.weight": (1024, 728, 1, 1),
        "block12.rep.5.weight": (1024,),
        "block12.skipbn.bias": (1024,),
        "conv3.conv1.weight": (1024, 1, 3, 3),
        "conv3.pointwise.weight": (1536, 1024, 1, 1),
        "bn4.running_var": (2048,),
        "fc.weight": (1000, 2048),
    },
}

# Keys that must NOT exist (timm has no such parameter).
ABSENT_KEYS = {
    "inception_v4": ("features.0.conv.bias", "features.3.maxpool.weight"),
    "inception_resnet_v2": ("repeat.0.conv2d.bn.weight", "conv2d_1a.conv.bias",
                            "block8.relu.weight"),
    "xception": ("block4.skip.weight", "block1.rep.0.conv1.bias", "block1.rep.2.weight",
                 "conv1.bias"),
}


def build(name):
    cls = NETS[name][0]
    return cls().eval()


def count_params(m):
    return sum(p.numel() for p in m.parameters())


def check(name, verbose=True):
    cls, want_params, feat_shape = NETS[name]
    torch.manual_seed(0)
    m = cls().eval()
    n = count_params(m)
    sd = m.state_dict()
    if verbose:
        n_bn = sum(isinstance(x, nn.BatchNorm2d) for x in m.modules())
        n_conv = sum(isinstance(x, nn.Conv2d) for x in m.modules())
        print(f"{name}: {n:,} parameters ({n / 1e6:.2f} M), {len(sd)} state_dict entries, "
              f"{n_conv} convs, {n_bn} batch norms")
    assert n == want_params, f"{name}: {n:,} parameters, want {want_params:,}"
    for key, shape in SPOT_KEYS[name].items():
        assert key in sd, f"{name}: missing key {key}"
        assert tuple(sd[key].shape) == shape, (name, key, tuple(sd[key].shape), shape)
    for key in ABSENT_KEYS[name]:
        assert key not in sd, f"{name}: unexpected key {key}"
    # Every batch norm: eps as timm's; every Inception conv without bias.
    eps = 1e-5 if name == "xception" else INCEPTION_BN_EPS
    for mname, mod in m.named_modules():
        if isinstance(mod, nn.BatchNorm2d):
            assert mod.eps == eps, (name, mname, mod.eps)
        if isinstance(mod, nn.AvgPool2d):
            assert mod.count_include_pad is False, (name, mname)
        if isinstance(mod, nn.Conv2d) and not mname.endswith("conv2d"):
            assert mod.bias is None, (name, mname)
    # A strict round trip through a plain dict (what a converted checkpoint is).
    m2 = cls().eval()
    m2.load_state_dict({k: v.clone() for k, v in sd.items()}, strict=True)
    # Forward: 299x299 -> 1000 logits, feature map of timm's pool_size.
    x = torch.randn(1, 3, 299, 299)
    with torch.no_grad():
        f = m.forward_features(x)
        y = m(x)
    assert tuple(f.shape[1:]) == feat_shape, (name, tuple(f.shape), feat_shape)
    assert tuple(y.shape) == (1, 1000), (name, tuple(y.shape))
    assert torch.isfinite(y).all()
    if verbose:
        print(f"  features {list(f.shape)}, logits {list(y.shape)}; "
              f"{len(SPOT_KEYS[name])} spot keys ok")
    return n


def main(argv):
    if argv == ["--check"]:
        torch.set_num_threads(min(2, torch.get_num_threads()))
        for name in NETS:
            check(name)
        print("timm_ref: ok")
    elif len(argv) == 2 and argv[0] == "--keys":
        for k, v in build(argv[1]).state_dict().items():
            print(k, list(v.shape))
    elif not argv:
        for name in NETS:
            m = build(name)
            print(f"{name}: {count_params(m):,} parameters; "
                  f"first keys {list(m.state_dict())[:3]}")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
