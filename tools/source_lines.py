#!/usr/bin/python3
"""Lines of code of each shipped network: its incc spec against its PyTorch source.

Usage (from the repo root): /usr/bin/python3 tools/source_lines.py

A spec's lines are those of specs/<net>.inc that hold code (not blank, not only a
comment). The PyTorch source is the classes and functions that define the network, in
torchvision's installed modules (Debian's torchvision) or, for the three with timm's
layout, in tools/timm_ref.py (our modules; timm's own add options and registries); its
lines are those of those definitions that hold code: docstrings, comments and blank
lines left out. Weight-download enums, builder functions with only argument handling
and training-only code paths stay out where they are definitions of their own; code
inside a counted class is counted whole.
"""
import ast
import io
import os
import sys
import tokenize

import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TV = os.path.dirname(torchvision.__file__)

# network -> [(file, [definition names])]
SOURCES = {
    "inception_v3": [(f"{TV}/models/inception.py", ["Inception3", "InceptionA", "InceptionB", "InceptionC",
                                                    "InceptionD", "InceptionE", "InceptionAux",
                                                    "BasicConv2d"])],
    "resnet50": [(f"{TV}/models/resnet.py", ["conv3x3", "conv1x1", "Bottleneck", "ResNet"])],
    "mobilenet_v2": [(f"{TV}/models/mobilenetv2.py", ["InvertedResidual", "MobileNetV2"]),
                     (f"{TV}/ops/misc.py", ["ConvNormActivation", "Conv2dNormActivation"]),
                     (f"{TV}/models/_utils.py", ["_make_divisible"])],
    "inception_v4": [(f"{HERE}/timm_ref.py", ["ConvBN", "seq", "avgpool_excl", "maxpool_s2", "Concat",
                                              "v4_inception_a", "v4_reduction_a", "v4_inception_b",
                                              "v4_reduction_b", "V4InceptionC", "InceptionV4"])],
    "inception_resnet_v2": [(f"{HERE}/timm_ref.py", ["ConvBN", "seq", "avgpool_excl", "maxpool_s2",
                                                     "Concat", "ResidualBlock", "block35", "block17",
                                                     "block8", "InceptionResnetV2"])],
    "xception": [(f"{HERE}/timm_ref.py", ["SeparableConv2d", "XceptionBlock", "Xception"])],
}


def code_lines(path, names):
    """Lines of the named top-level definitions of path that hold code."""
    src = open(path).read()
    tree = ast.parse(src)
    spans, docs = [], set()
    for node in tree.body:
        if getattr(node, "name", None) in names:
            spans.append((node.lineno, node.end_lineno))
    missing = set(names) - {getattr(n, "name", None) for n in tree.body}
    assert not missing, f"{path}: no {missing}"
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                    and isinstance(body[0].value.value, str):
                docs.update(range(body[0].lineno, body[0].end_lineno + 1))
    code = set()
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                            tokenize.DEDENT, tokenize.ENDMARKER):
            code.update(range(tok.start[0], tok.end[0] + 1))
    return sum(1 for a, b in spans for line in range(a, b + 1) if line in code and line not in docs)


def spec_lines(net):
    n = 0
    with open(os.path.join(REPO, "specs", net + ".inc")) as f:
        for line in f:
            s = line.strip()
            if s and not s.startswith("#"):
                n += 1
    return n


def main():
    print(f"{'network':22} {'spec':>5} {'PyTorch':>8}")
    for net, sources in SOURCES.items():
        py = sum(code_lines(path, names) for path, names in sources)
        print(f"{net:22} {spec_lines(net):5} {py:8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
