"""Writes the PyTorch fixtures of runtime/ref's kernel tests (TestTorchFixtures).

Run with Debian's python3-torch (1.13) and python3-numpy:
    /usr/bin/python3 make_fixtures.py
Inputs come from numpy's PCG64 with a fixed seed and are saved too, so the Go
test needs no torch. Each output file is named after the kernel and its
arguments as the Go test passes them.
"""
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.Generator(np.random.PCG64(7))
f32 = lambda a: np.ascontiguousarray(a, dtype="<f4")
x = f32(rng.uniform(-30, 30, size=(2, 8, 7, 7)))
c = x.shape[1]
g, b, m = (f32(rng.uniform(-1, 1, size=c)) for _ in range(3))
v = f32(rng.uniform(0.1, 2, size=c))
w = f32(rng.uniform(-1, 1, size=(5, c, 3, 2)))
wb = f32(rng.uniform(-1, 1, size=5))
fw = f32(rng.uniform(-1, 1, size=(10, c * 7 * 7)))
fb = f32(rng.uniform(-1, 1, size=10))

T = torch.from_numpy
out = {"x": x, "gamma": g, "beta": b, "mean": m, "var": v,
       "conv_w": w, "conv_b": wb, "fc_w": fw, "fc_b": fb}
with torch.no_grad():
    out["batchnorm_eps1e-3"] = F.batch_norm(T(x), T(m), T(v), T(g), T(b), False, 0.0, 1e-3)
    out["lrn_5_1e-4_0.75_1"] = torch.nn.LocalResponseNorm(5, 1e-4, 0.75, 1.0)(T(x))
    out["maxpool_3s2p1_ceil"] = F.max_pool2d(T(x), 3, 2, 1, ceil_mode=True)
    out["avgpool_3s2p1_ceil"] = F.avg_pool2d(T(x), 3, 2, 1, ceil_mode=True, count_include_pad=True)
    out["avgpool_2s2_ceil"] = F.avg_pool2d(T(x), 2, 2, 0, ceil_mode=True, count_include_pad=True)
    out["adaptive_3x2"] = F.adaptive_avg_pool2d(T(x), (3, 2))
    out["adaptive_1x1"] = F.adaptive_avg_pool2d(T(x), (1, 1))
    # pad top 1, left 0, bottom 2, right 1; stride 2x1
    out["conv_3x2_s2x1_pad1021"] = F.conv2d(F.pad(T(x), (0, 1, 1, 2)), T(w), T(wb), stride=(2, 1))
    out["linear"] = F.linear(T(x).reshape(2, -1), T(fw), T(fb))
    out["softmax"] = F.softmax(T(x).reshape(2, -1) / 10, dim=1)
for name, a in out.items():
    np.save(name + ".npy", f32(a))
