#!/usr/bin/python3
"""Tiny ONNX models for the unit tests of `incc import` (compiler/onnx/testdata/models).

Usage (from the repo root; Debian's torch and onnx work with /usr/bin/python3 only):
  /usr/bin/python3 tools/make_onnx_testdata.py           # (re)writes the files
  /usr/bin/python3 tools/make_onnx_testdata.py --check   # rebuild in memory, compare

Each model is built with onnx.helper and checked with onnx.checker. One model shows one
mapping (an op with the attributes that matter) or one error. For the mappings incc can run
today, PyTorch computes the expected output from the same weights with torch.nn.functional,
written from the ONNX operator definitions (not from incc): NAME.in.npy and NAME.out.npy;
the mappings to the language's additions (groups, relu6, ...) too. The emitted specs are golden
files checked by a person (compiler/onnx/testdata/golden/).
Weights come from numpy's PCG64 with a fixed seed; everything is float32.
"""
import io
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OUT = os.path.join(REPO, "compiler", "onnx", "testdata", "models")

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


class B:
    """Builds one graph: an input x, nodes, initializers."""

    def __init__(self, name, shape, opset=13, seed=1, batch=None):
        self.name, self.opset = name, opset
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.k = [], [], 0
        self.shape = shape
        dims = list(shape)
        if batch is not None:
            dims[0] = batch
        self.inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)]
        self.x = self.rng.uniform(-1, 1, shape).astype(np.float32)
        self.functions = []

    def w(self, name, shape, scale=None, low=None):
        if low is not None:
            a = self.rng.uniform(low, low + 1, shape).astype(np.float32)
        else:
            fan = int(np.prod(shape[1:])) if len(shape) > 1 else 1
            a = (self.rng.uniform(-1, 1, shape) * (scale or np.sqrt(3.0 / fan))).astype(np.float32)
        self.inits.append(numpy_helper.from_array(a, name))
        return name, a

    def const(self, name, value, dtype=np.int64):
        a = np.asarray(value, dtype=dtype)
        self.inits.append(numpy_helper.from_array(a, name))
        return name

    def node(self, op, inputs, outputs=None, name=None, **attrs):
        self.k += 1
        outputs = outputs or [f"t{self.k}"]
        self.nodes.append(helper.make_node(op, inputs, outputs, name=f"/{op.lower()}{self.k}/{op}" if name is None else name, **attrs))
        return outputs[0]

    def model(self, out, out_shape=None, outputs=None, check=True):
        outs = outputs or [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)]
        g = helper.make_graph(self.nodes, self.name, self.inputs, outs, self.inits)
        opsets = [helper.make_opsetid("", self.opset)]
        opsets += [helper.make_opsetid(f.domain, 1) for f in self.functions[:1]]
        m = helper.make_model(g, opset_imports=opsets,
                              producer_name="make_onnx_testdata", functions=self.functions)
        m.ir_version = 8
        if check:
            onnx.checker.check_model(m)
        return m


def t(a):
    return torch.from_numpy(a)


def conv_ref(x, w, b, stride=1, pads=(0, 0, 0, 0), groups=1):
    """pads: top, left, bottom, right."""
    xp = F.pad(t(x), (pads[1], pads[3], pads[0], pads[2]))
    return F.conv2d(xp, t(w), None if b is None else t(b), stride=stride, groups=groups).numpy()


def same_pads(n, k, s, upper):
    out = (n + s - 1) // s
    total = max((out - 1) * s + k - n, 0)
    lo = total // 2 if upper else total - total // 2
    return lo, total - lo


# ------------------------------------------------------------------ mappings incc runs today

@case
def conv_pads():
    """Conv with asymmetric pads, stride 2, bias; Relu fused as a flag."""
    b = B("conv_pads", (2, 3, 9, 9))
    w, wa = b.w("conv.weight", (4, 3, 3, 3))
    bb, ba = b.w("conv.bias", (4,), scale=0.1)
    y = b.node("Conv", ["x", w, bb], pads=[0, 1, 2, 1], strides=[2, 2], kernel_shape=[3, 3], name="/conv/Conv")
    y = b.node("Relu", [y], name="/relu/Relu")
    ref = np.maximum(conv_ref(b.x, wa, ba, 2, (0, 1, 2, 1)), 0)
    return b.model(y, list(ref.shape)), b.x, ref


@case
def conv_same_upper():
    """auto_pad SAME_UPPER (TensorFlow's SAME: the odd pixel at the end), no bias."""
    b = B("conv_same_upper", (1, 2, 8, 8), opset=11)
    w, wa = b.w("w", (3, 2, 3, 3))
    y = b.node("Conv", ["x", w], auto_pad="SAME_UPPER", strides=[2, 2], name="")
    t0, b0 = same_pads(8, 3, 2, True)
    ref = conv_ref(b.x, wa, None, 2, (t0, t0, b0, b0))
    return b.model(y, list(ref.shape)), b.x, ref


@case
def conv_same_lower():
    """auto_pad SAME_LOWER: the odd pixel at the start."""
    b = B("conv_same_lower", (1, 2, 8, 8), opset=17)
    w, wa = b.w("w", (3, 2, 2, 2))
    y = b.node("Conv", ["x", w], auto_pad="SAME_LOWER", name="")
    t0, b0 = same_pads(8, 2, 1, False)
    ref = conv_ref(b.x, wa, None, 1, (t0, t0, b0, b0))
    return b.model(y, list(ref.shape)), b.x, ref


@case
def batchnorm():
    """BatchNormalization with epsilon 1e-3 after a conv without bias, then Relu."""
    b = B("batchnorm", (2, 3, 6, 6))
    w, wa = b.w("features.0.weight", (5, 3, 1, 1))
    g, ga = b.w("features.1.weight", (5,), low=0.5)
    be, bea = b.w("features.1.bias", (5,), scale=0.1)
    m, ma = b.w("features.1.running_mean", (5,), scale=0.1)
    v, va = b.w("features.1.running_var", (5,), low=0.5)
    y = b.node("Conv", ["x", w], name="/features/features.0/Conv")
    y = b.node("BatchNormalization", [y, g, be, m, v], epsilon=1e-3, name="/features/features.1/BatchNormalization")
    y = b.node("Relu", [y], name="/features/features.2/Relu")
    c = conv_ref(b.x, wa, None)
    ref = (c - ma[:, None, None]) / np.sqrt(va[:, None, None] + 1e-3) * ga[:, None, None] + bea[:, None, None]
    ref = np.maximum(ref, 0).astype(np.float32)
    return b.model(y, list(ref.shape)), b.x, ref


@case
def clip_relu():
    """Clip with min 0 and no max (opset 11 inputs) is relu; opset 9's attributes too."""
    b = B("clip_relu", (1, 2, 4, 4), opset=11)
    zero = b.const("zero", 0.0, np.float32)
    y = b.node("Clip", ["x", zero, ""])
    return b.model(y, [1, 2, 4, 4]), b.x, np.maximum(b.x, 0)


@case
def maxpool_ceil():
    """MaxPool 3x3 stride 2, pad 1, ceil_mode: the last window starting in the padding is dropped."""
    b = B("maxpool_ceil", (1, 2, 8, 8))
    y = b.node("MaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1, name="/pool/MaxPool")
    ref = F.max_pool2d(t(b.x), 3, 2, 1, ceil_mode=True).numpy()
    return b.model(y, list(ref.shape)), b.x, ref


@case
def maxpool_same():
    """MaxPool with auto_pad SAME_UPPER on an even size: the padding is one pixel, at the end."""
    b = B("maxpool_same", (1, 2, 8, 8))
    y = b.node("MaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER", name="/pool/MaxPool")
    ref = F.max_pool2d(F.pad(t(b.x), (0, 1, 0, 1), value=-np.inf), 3, 2).numpy()
    return b.model(y, list(ref.shape)), b.x, ref


@case
def clip_attrs():
    """Opset 9's Clip with min and max attributes: min 0 and no max is relu."""
    b = B("clip_attrs", (1, 2, 3, 3), opset=9)
    y = b.node("Clip", ["x"], min=0.0, name="/act/Clip")
    return b.model(y, [1, 2, 3, 3]), b.x, np.maximum(b.x, 0)


@case
def maxpool_asym():
    """MaxPool with pads only at the bottom and right (as Caffe-converted models have)."""
    b = B("maxpool_asym", (1, 2, 7, 7), opset=11)
    y = b.node("MaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1], name="pool")
    ref = F.max_pool2d(F.pad(t(b.x), (0, 1, 0, 1), value=-np.inf), 3, 2).numpy()
    return b.model(y, list(ref.shape)), b.x, ref


@case
def avgpool_pads():
    """AveragePool with pads and count_include_pad=1 (PyTorch's default)."""
    b = B("avgpool_pads", (1, 3, 7, 7))
    y = b.node("AveragePool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)
    ref = F.avg_pool2d(t(b.x), 3, 2, 1, count_include_pad=True).numpy()
    return b.model(y, list(ref.shape)), b.x, ref


@case
def avgpool_ceil():
    """AveragePool ceil_mode without padding: the last window is clipped to the input."""
    b = B("avgpool_ceil", (1, 2, 8, 8), opset=17)
    y = b.node("AveragePool", ["x"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
    ref = F.avg_pool2d(t(b.x), 3, 2, ceil_mode=True).numpy()
    return b.model(y, list(ref.shape)), b.x, ref


@case
def pad_avgpool():
    """An explicit zero Pad before AveragePool (how torch.onnx writes avg_pool2d(padding=1)) folds into the pool."""
    b = B("pad_avgpool", (1, 2, 6, 6))
    pads = b.const("pads", [0, 0, 1, 1, 0, 0, 1, 1])
    y = b.node("Pad", ["x", pads], mode="constant", name="/Mixed/Pad")
    y = b.node("AveragePool", [y], kernel_shape=[3, 3], strides=[1, 1], name="/Mixed/AveragePool")
    ref = F.avg_pool2d(t(b.x), 3, 1, 1, count_include_pad=True).numpy()
    return b.model(y, list(ref.shape)), b.x, ref


@case
def lrn():
    """The LRN op (as Caffe converters write it): size 5, alpha 1e-4, beta 0.75, bias 2."""
    b = B("lrn", (1, 7, 3, 3))
    x = (b.x * 20).astype(np.float32)
    b.x = x
    y = b.node("LRN", ["x"], size=5, alpha=1e-4, beta=0.75, bias=2.0, name="norm1")
    ref = F.local_response_norm(t(x), 5, 1e-4, 0.75, 2.0).numpy()
    return b.model(y, list(ref.shape)), b.x, ref


@case
def classifier():
    """GlobalAveragePool, Flatten, Gemm (transB), Dropout (opset 12 ratio input), Identity, Softmax."""
    b = B("classifier", (2, 6, 5, 5))
    w, wa = b.w("fc.weight", (10, 6))
    bb, ba = b.w("fc.bias", (10,), scale=0.1)
    ratio = b.const("ratio", 0.3, np.float32)
    y = b.node("GlobalAveragePool", ["x"], name="/avgpool/GlobalAveragePool")
    y = b.node("Flatten", [y], axis=1, name="/Flatten")
    y = b.node("Dropout", [y, ratio], name="/dropout/Dropout")
    y = b.node("Gemm", [y, w, bb], transB=1, name="/fc/Gemm")
    y = b.node("Identity", [y], name="/Identity")
    y = b.node("Softmax", [y], axis=1, name="/softmax/Softmax")
    f = b.x.mean(axis=(2, 3))
    ref = torch.softmax(t(f @ wa.T + ba), 1).numpy()
    return b.model(y, list(ref.shape)), b.x, ref


@case
def gemm_alpha():
    """Gemm without transB, alpha 0.5, beta 2 and a [1, N] bias; MatMul + Add is fc too."""
    b = B("gemm_alpha", (2, 3, 2, 2))
    w, wa = b.w("w", (12, 5))
    bb, ba = b.w("b", (1, 5), scale=0.1)
    w2, w2a = b.w("w2", (5, 4))
    b2, b2a = b.w("b2", (4,), scale=0.1)
    y = b.node("Flatten", ["x"], axis=1, name="")
    y = b.node("Gemm", [y, w, bb], alpha=0.5, beta=2.0, name="")
    y = b.node("MatMul", [y, w2], name="")
    y = b.node("Add", [y, b2], name="")
    f = b.x.reshape(2, 12)
    ref = ((0.5 * (f @ wa) + 2 * ba) @ w2a + b2a).astype(np.float32)
    return b.model(y, list(ref.shape)), b.x, ref


@case
def shape_reshape():
    """x.view(x.size(0), -1) with a symbolic batch: Shape, Gather, Unsqueeze, Concat fold into Reshape = flatten."""
    b = B("shape_reshape", (2, 3, 2, 2), batch="N")
    w, wa = b.w("fc.weight", (4, 12))
    s = b.node("Shape", ["x"], name="/Shape")
    i0 = b.const("zero", 0)
    n = b.node("Gather", [s, i0], axis=0, name="/Gather")
    ax = b.const("axes", [0])
    n = b.node("Unsqueeze", [n, ax], name="/Unsqueeze")
    m1 = b.const("minus1", [-1])
    shape = b.node("Concat", [n, m1], axis=0, name="/Concat")
    y = b.node("Reshape", ["x", shape], name="/Reshape")
    y = b.node("Gemm", [y, w], transB=1, name="/fc/Gemm")
    ref = (b.x.reshape(2, 12) @ wa.T).astype(np.float32)
    return b.model(y, ["N", 4]), b.x, ref


@case
def squeeze_concat():
    """Concat of two branches along channels; Squeeze of [N, C, 1, 1] to [N, C] is a flatten."""
    b = B("squeeze_concat", (1, 2, 4, 4))
    w1, w1a = b.w("a.weight", (3, 2, 1, 1))
    w2, w2a = b.w("b.weight", (2, 2, 3, 3))
    y1 = b.node("Conv", ["x", w1], name="/a/Conv")
    y2 = b.node("Conv", ["x", w2], pads=[1, 1, 1, 1], name="/b/Conv")
    y = b.node("Concat", [y1, y2], axis=1, name="/Concat")
    y = b.node("GlobalAveragePool", [y], name="/pool/GlobalAveragePool")
    ax = b.const("axes", [2, 3])
    y = b.node("Squeeze", [y, ax], name="/Squeeze")
    c = np.concatenate([conv_ref(b.x, w1a, None), conv_ref(b.x, w2a, None, 1, (1, 1, 1, 1))], 1)
    ref = c.mean(axis=(2, 3)).astype(np.float32)
    return b.model(y, list(ref.shape)), b.x, ref


@case
def residual():
    """y = relu(conv(relu(conv(x))) + x): add with an identity branch."""
    b = B("residual", (1, 3, 5, 5))
    w1, w1a = b.w("block.conv1.weight", (3, 3, 3, 3))
    w2, w2a = b.w("block.conv2.weight", (3, 3, 3, 3))
    y = b.node("Conv", ["x", w1], pads=[1, 1, 1, 1], name="/block/conv1/Conv")
    y = b.node("Relu", [y], name="/block/relu/Relu")
    y = b.node("Conv", [y, w2], pads=[1, 1, 1, 1], name="/block/conv2/Conv")
    y = b.node("Add", [y, "x"], name="/block/Add")
    y = b.node("Relu", [y], name="/block/relu_1/Relu")
    r = conv_ref(np.maximum(conv_ref(b.x, w1a, None, 1, (1, 1, 1, 1)), 0), w2a, None, 1, (1, 1, 1, 1))
    ref = np.maximum(r + b.x, 0).astype(np.float32)
    return b.model(y, list(ref.shape)), b.x, ref


@case
def function_if():
    """A model-local function (conv + relu) called twice, and an If whose condition folds."""
    b = B("function_if", (1, 2, 4, 4))
    w1, w1a = b.w("w1", (2, 2, 3, 3))
    w2, w2a = b.w("w2", (2, 2, 3, 3))
    body = [helper.make_node("Conv", ["X", "W"], ["c"], pads=[1, 1, 1, 1], name="/conv/Conv"),
            helper.make_node("Relu", ["c"], ["Y"], name="/Relu")]
    b.functions.append(helper.make_function("local", "ConvRelu", ["X", "W"], ["Y"], body,
                                            [helper.make_opsetid("", 13)]))
    y = b.node("ConvRelu", ["x", w1], name="/unit1/ConvRelu", domain="local")
    y = b.node("ConvRelu", [y, w2], name="/unit2/ConvRelu", domain="local")
    s = b.node("Shape", [y], name="/Shape")
    one = b.const("one", [1])
    c = b.node("Gather", [s, one], axis=0, name="/Gather")
    two = b.const("two", [2])
    cond = b.node("Equal", [c, two], name="/Equal")
    then = helper.make_graph([helper.make_node("Relu", [y], ["then_out"], name="/then/Relu")], "then", [],
                             [helper.make_tensor_value_info("then_out", TensorProto.FLOAT, None)])
    els = helper.make_graph([helper.make_node("Identity", [y], ["else_out"], name="/else/Identity")], "else", [],
                            [helper.make_tensor_value_info("else_out", TensorProto.FLOAT, None)])
    out = b.node("If", [cond], then_branch=then, else_branch=els, name="/If")
    m = b.model(out, [1, 2, 4, 4])
    r = np.maximum(conv_ref(b.x, w1a, None, 1, (1, 1, 1, 1)), 0)
    r = np.maximum(conv_ref(r, w2a, None, 1, (1, 1, 1, 1)), 0)
    return m, b.x, r


@case
def lrn_torch():
    """LRN as torch.onnx decomposes F.local_response_norm (opset 13): x / (k + alpha·avg3d(pad(x²)))^beta."""
    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = torch.nn.LocalResponseNorm(3, alpha=2e-4, beta=0.75, k=1.0)

        def forward(self, x):
            return self.norm(x)
    x = (np.random.default_rng(7).uniform(-1, 1, (1, 6, 3, 3)) * 30).astype(np.float32)
    m = M().eval()
    f = io.BytesIO()
    torch.onnx.export(m, t(x), f, opset_version=13, input_names=["x"], output_names=["y"])
    model = onnx.load_from_string(f.getvalue())
    model.producer_version = ""  # keep the file the same whatever torch's version string
    with torch.no_grad():
        ref = m(t(x)).numpy()
    return model, x, ref


@case
def caffe_names():
    """Layer names as Caffe converters write them ("inception_3a/3x3_reduce"), weights named
    "..._w_0": the slashes give the structure, and the two modules one block."""
    b = B("caffe_names", (1, 3, 8, 8), opset=11)
    ref = b.x

    def conv_relu(x, xr, name, cin, cout, k, pad=0):
        w, wa = b.w(name + "_w_0", (cout, cin, k, k))
        bb, ba = b.w(name + "_b_0", (cout,), scale=0.1)
        y = b.node("Conv", [x, w, bb], pads=[pad] * 4, kernel_shape=[k, k], name=name)
        y = b.node("Relu", [y], name=name.rsplit("/", 1)[0] + "/relu_" + name.rsplit("/", 1)[-1])
        return y, np.maximum(conv_ref(xr, wa, ba, 1, (pad,) * 4), 0)

    y, ref = conv_relu("x", ref, "conv1/3x3", 3, 4, 3, 1)
    y = b.node("LRN", [y], size=3, alpha=1e-4, beta=0.75, bias=1.0, name="pool1/norm1")
    ref = F.local_response_norm(t(ref), 3, 1e-4, 0.75, 1.0).numpy()
    for mod, (c1, r3, c3, pp) in (("inception_3a", (2, 2, 3, 1)), ("inception_3b", (3, 2, 4, 2))):
        cin = ref.shape[1]
        a, ar = conv_relu(y, ref, mod + "/1x1", cin, c1, 1)
        r, rr = conv_relu(y, ref, mod + "/3x3_reduce", cin, r3, 1)
        c, cr = conv_relu(r, rr, mod + "/3x3", r3, c3, 3, 1)
        p = b.node("MaxPool", [y], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], name=mod + "/pool")
        pr = F.max_pool2d(t(ref), 3, 1, 1).numpy()
        q, qr = conv_relu(p, pr, mod + "/pool_proj", cin, pp, 1)
        y = b.node("Concat", [a, c, q], axis=1, name=mod + "/output")
        ref = np.concatenate([ar, cr, qr], 1)
    return b.model(y, list(ref.shape)), b.x, ref.astype(np.float32)


# ------------------------------------------------------------------ mappings to language additions

@case
def mobile_ops():
    """Depthwise conv (groups), relu6 (Clip 0..6), hardswish (opset 14 op and x·hardsigmoid(x)),
    silu (x·sigmoid(x)), a squeeze-and-excitation mul, clamp, scale (Mul and Div by a number), excludepad, sigmoid."""
    b = B("mobile_ops", (1, 4, 8, 8), opset=14)
    w1, w1a = b.w("dw.weight", (4, 1, 3, 3))
    lo, hi = b.const("lo", 0.0, np.float32), b.const("hi", 6.0, np.float32)
    y = b.node("Conv", ["x", w1], group=4, pads=[1, 1, 1, 1], name="/dw/Conv")
    y = b.node("Clip", [y, lo, hi], name="/act1/Clip")
    y1 = b.node("HardSwish", [y], name="/act2/HardSwish")
    hs = b.node("HardSigmoid", [y1], alpha=1.0 / 6, name="/act3/HardSigmoid")
    y2 = b.node("Mul", [y1, hs], name="/act3/Mul")
    sg = b.node("Sigmoid", [y2], name="/act4/Sigmoid")
    y3 = b.node("Mul", [y2, sg], name="/act4/Mul")
    g = b.node("GlobalAveragePool", [y3], name="/se/avgpool/GlobalAveragePool")
    w2, w2a = b.w("se.fc1.weight", (2, 4, 1, 1))
    w3, w3a = b.w("se.fc2.weight", (4, 2, 1, 1))
    g = b.node("Conv", [g, w2], name="/se/fc1/Conv")
    g = b.node("Relu", [g], name="/se/relu/Relu")
    g = b.node("Conv", [g, w3], name="/se/fc2/Conv")
    g = b.node("HardSigmoid", [g], alpha=1.0 / 6, name="/se/gate/HardSigmoid")
    y4 = b.node("Mul", [g, y3], name="/se/Mul")
    lo2, hi2 = b.const("lo2", -1.0, np.float32), b.const("hi2", 2.5, np.float32)
    y5 = b.node("Clip", [y4, lo2, hi2], name="/clamp/Clip")
    s = b.const("half", 0.5, np.float32)
    y6 = b.node("Mul", [y5, s], name="/scale/Mul")
    four = b.const("four", 4.0, np.float32)
    y6 = b.node("Div", [y6, four], name="/div/Div")
    y7 = b.node("AveragePool", [y6], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=0, name="/pool/AveragePool")
    y8 = b.node("Sigmoid", [y7], name="/gate/Sigmoid")

    # The same, by the ONNX operators' definitions: HardSigmoid is
    # max(0, min(1, alpha·x + beta)) (beta 0.5), HardSwish x·HardSigmoid(x) with alpha 1/6.
    def hard_sigmoid(v):
        return torch.clamp(v * (1.0 / 6) + 0.5, 0, 1)
    r = torch.clamp(F.conv2d(t(b.x), t(w1a), padding=1, groups=4), 0, 6)
    r1 = r * hard_sigmoid(r)
    r2 = r1 * hard_sigmoid(r1)
    r3 = r2 * torch.sigmoid(r2)
    g = F.conv2d(F.relu(F.conv2d(r3.mean((2, 3), keepdim=True), t(w2a))), t(w3a))
    r4 = hard_sigmoid(g) * r3
    r5 = torch.clamp(r4, -1.0, 2.5) * 0.5 / 4
    ref = torch.sigmoid(F.avg_pool2d(r5, 3, 1, 1, count_include_pad=False)).numpy()
    return b.model(y8, [1, 4, 8, 8]), b.x, ref


# ------------------------------------------------------------------ errors

@case
def unsupported_ops():
    """Three ops incc has no layer for, all reported at once, and a dilated conv."""
    b = B("unsupported_ops", (1, 2, 8, 8))
    w, _ = b.w("w", (2, 2, 3, 3))
    y = b.node("LeakyRelu", ["x"], alpha=0.1, name="/act/LeakyRelu")
    y = b.node("Conv", [y, w], dilations=[2, 2], name="/conv/Conv")
    sc = b.const("scales", [1.0, 1.0, 2.0, 2.0], np.float32)
    y = b.node("Resize", [y, "", sc], mode="nearest", name="/up/Resize")
    y = b.node("GlobalMaxPool", [y], name="/pool/GlobalMaxPool")
    return b.model(y, [1, 2, 1, 1]), None, None


@case
def densenet_like():
    """concat(x, f(x), g(concat(x, f(x)))): f's output is used by two joins."""
    b = B("densenet_like", (1, 2, 4, 4))
    w1, _ = b.w("w1", (2, 2, 1, 1))
    w2, _ = b.w("w2", (2, 4, 1, 1))
    f = b.node("Conv", ["x", w1], name="/f/Conv")
    c1 = b.node("Concat", ["x", f], axis=1, name="/cat1")
    gg = b.node("Conv", [c1, w2], name="/g/Conv")
    y = b.node("Concat", ["x", f, gg], axis=1, name="/cat2")
    return b.model(y, [1, 6, 4, 4]), None, None


@case
def elementwise_consts():
    """Adding a per-channel constant, subtracting activations, reshaping the batch away."""
    b = B("elementwise_consts", (1, 2, 4, 4))
    c = b.const("bias", np.ones((1, 2, 1, 1)), np.float32)
    y = b.node("Add", ["x", c], name="/add/Add")
    y = b.node("Sub", [y, "x"], name="/sub/Sub")
    s = b.const("shape", [2, 16])
    y = b.node("Reshape", [y, s], name="/Reshape")
    return b.model(y, [2, 16]), None, None


@case
def two_inputs():
    """Two inputs and a symbolic height."""
    b = B("two_inputs", (1, 2, 4, 4))
    b.inputs.append(helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 2, "H", 4]))
    y = b.node("Add", ["x", "z"], name="/Add")
    return b.model(y, [1, 2, 4, 4]), None, None


@case
def hostile():
    """A function that calls itself twice (2^depth nodes if expanded) and a ConstantOfShape
    asking for 2^40 values: errors, after bounded work."""
    b = B("hostile", (1, 2, 4, 4))
    body = [helper.make_node("Twice", ["X"], ["a"], domain="local", name="/a/Twice"),
            helper.make_node("Twice", ["a"], ["Y"], domain="local", name="/b/Twice")]
    b.functions.append(helper.make_function("local", "Twice", ["X"], ["Y"], body,
                                            [helper.make_opsetid("", 13), helper.make_opsetid("local", 1)]))
    y = b.node("Twice", ["x"], name="/t/Twice", domain="local")
    s = b.const("huge", [1 << 20, 1 << 20])
    c = b.node("ConstantOfShape", [s], name="/c/ConstantOfShape")
    y = b.node("Add", [y, c], name="/add/Add")
    m = b.model(y, [1, 2, 4, 4], check=False)
    return m, None, None


def build():
    out = {}
    for name, fn in CASES.items():
        m, x, ref = fn()
        out[name + ".onnx"] = m.SerializeToString()
        if x is not None:
            out[name + ".in.npy"] = npy(x)
            out[name + ".out.npy"] = npy(ref.astype(np.float32))
    return out


def npy(a):
    f = io.BytesIO()
    np.save(f, np.ascontiguousarray(a, dtype="<f4"))
    return f.getvalue()


def main(argv):
    torch.set_num_threads(1)
    files = build()
    if argv == ["--check"]:
        bad = 0
        for name, data in sorted(files.items()):
            path = os.path.join(OUT, name)
            old = open(path, "rb").read() if os.path.exists(path) else None
            if name.endswith(".npy") and old is not None:
                a, b = np.load(io.BytesIO(old)), np.load(io.BytesIO(data))
                same = a.shape == b.shape and np.abs(a - b).max() <= 1e-6 * max(np.abs(b).max(), 1)
            else:
                same = old == data
            if not same:
                print(f"{path}: differs from what the script makes")
                bad += 1
        print(f"{len(files)} files checked, {bad} differ")
        return 1 if bad else 0
    if argv:
        print(__doc__)
        return 2
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(files.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(files)} files to {os.path.relpath(OUT, REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
