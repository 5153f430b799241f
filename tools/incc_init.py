#!/usr/bin/python3
"""incc's deterministic weight initializer, bit-identical to the Go one.

Every tensor is its own stream, keyed by its name and a 64-bit seed:

    fnv1a64(name bytes): h = 14695981039346656037
                         for each byte b: h ^= b; h *= 1099511628211   (mod 2^64)
    state = fnv1a64(name) XOR (seed * 0x9E3779B97F4A7C15)               (mod 2^64)
    next(): state += 0x9E3779B97F4A7C15; z = state                      (splitmix64)
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB
            return z ^ (z >> 31)
    u = float64(next() >> 40) / 16777216.0        in [0, 1), exact
    r = 2*u - 1                                   in [-1, 1), exact

    value by kind, computed in float64 then rounded (nearest-even) to float32:
      weight        r * sqrt(6 / fan_in)   conv: fan_in = in_ch*kh*kw; fc: in_features
      bias          0.1 * r                conv / fc bias
      bn_weight     1 + 0.25 * r           batch norm gamma
      bn_bias       0.1 * r                batch norm beta
      running_mean  0.1 * r
      running_var   1 + 0.5 * r
      input         r                      the network input, tensor name "input"

Elements are drawn in C (row-major) order. The stream depends only on (name, seed),
not on the kind or the shape.

Usage:
  /usr/bin/python3 tools/incc_init.py --selftest
  /usr/bin/python3 tools/incc_init.py --write-vectors runtime/testdata/init_vectors.json
  /usr/bin/python3 tools/incc_init.py NAME SEED KIND [FAN_IN] [COUNT]   # print values

As a library (tools/ on sys.path): fill(name, seed, kind, shape, fan_in) -> np.float32 array;
kind_for_key(key) -> kind or None; fan_in_for_shape(shape).
"""
import json
import math
import sys

import numpy as np

MASK64 = (1 << 64) - 1
FNV_OFFSET = 14695981039346656037
FNV_PRIME = 1099511628211
GOLDEN = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB

KINDS = ("weight", "bias", "bn_weight", "bn_bias", "running_mean", "running_var", "input")


def fnv1a64(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    h = FNV_OFFSET
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & MASK64
    return h


def initial_state(name, seed):
    seed = int(seed)
    if not 0 <= seed <= MASK64:
        raise ValueError(f"seed {seed} is not a uint64")
    return fnv1a64(name) ^ ((seed * GOLDEN) & MASK64)


def splitmix_scalar(state, n):
    """Reference implementation with Python ints (slow; used by the self-test)."""
    out = []
    for _ in range(n):
        state = (state + GOLDEN) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * MIX1) & MASK64
        z = ((z ^ (z >> 27)) * MIX2) & MASK64
        out.append(z ^ (z >> 31))
    return out


def splitmix_stream(state, n):
    """The first n outputs of next() from `state`, as a uint64 array (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        k = np.arange(1, n + 1, dtype=np.uint64)
        z = k * np.uint64(GOLDEN)
        z += np.uint64(state)
        z ^= z >> np.uint64(30)
        z *= np.uint64(MIX1)
        z ^= z >> np.uint64(27)
        z *= np.uint64(MIX2)
        z ^= z >> np.uint64(31)
    return z


def uniform_r(name, seed, n):
    """r = 2u - 1 for the first n draws of (name, seed), float64."""
    z = splitmix_stream(initial_state(name, seed), n)
    u = (z >> np.uint64(40)).astype(np.float64) / 16777216.0
    return 2.0 * u - 1.0


def values_from_r(r, kind, fan_in=0):
    """float64 r -> float32 values for `kind` (the rounding happens once, at the end)."""
    if kind == "weight":
        if fan_in <= 0:
            raise ValueError("kind 'weight' needs fan_in > 0")
        v = r * math.sqrt(6.0 / float(fan_in))
    elif kind in ("bias", "bn_bias", "running_mean"):
        v = 0.1 * r
    elif kind == "bn_weight":
        v = 1.0 + 0.25 * r
    elif kind == "running_var":
        v = 1.0 + 0.5 * r
    elif kind == "input":
        v = r
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return np.asarray(v, dtype=np.float64).astype(np.float32)


def fill(name, seed, kind, shape, fan_in=0):
    """The float32 tensor (C order) for `name` with the given shape."""
    shape = tuple(int(d) for d in shape)
    n = int(np.prod(shape, dtype=np.int64)) if shape else 1
    return values_from_r(uniform_r(name, seed, n), kind, fan_in).reshape(shape)


def fan_in_for_shape(shape):
    """conv [out, in, kh, kw] -> in*kh*kw; fc [out, in] -> in. A grouped conv's weight is
    [out, in/groups, kh, kw], so its fan_in is (in/groups)*kh*kw (9 for a 3x3 depthwise)."""
    if len(shape) not in (2, 4):
        raise ValueError(f"no fan_in for shape {list(shape)}")
    return int(np.prod(shape[1:]))


def kind_for_key(key):
    """Kind of a state_dict entry by its name; None for entries that are not filled.

    The name tells a batch norm only when its module is called "bn" (GoogLeNet, Inception
    v3/v4, Inception-ResNet-v2). Elsewhere (ResNet's bn1, MobileNetV2's features.0.1,
    Xception's block1.rep.1) take the kind from the layer, as incc's Go side does
    (make_fixtures.kind_by_module); this function would call their weight a conv weight."""
    if key.endswith("num_batches_tracked"):
        return None
    if key.endswith(".running_mean"):
        return "running_mean"
    if key.endswith(".running_var"):
        return "running_var"
    if key.endswith(".bn.weight"):
        return "bn_weight"
    if key.endswith(".bn.bias"):
        return "bn_bias"
    if key.endswith(".weight"):
        return "weight"
    if key.endswith(".bias"):
        return "bias"
    raise ValueError(f"no initializer kind for {key!r}")


# ---------------------------------------------------------------- test vectors

VECTOR_TENSORS = [  # (name, kind, fan_in)
    ("conv1.weight", "weight", 3 * 7 * 7),
    ("inception3a.branch2.1.conv.weight", "weight", 96 * 3 * 3),
    ("fc.weight", "weight", 1024),
    ("aux1.fc1.weight", "weight", 2048),
    ("conv1.bias", "bias", 0),
    ("fc.bias", "bias", 0),
    ("conv1.bn.weight", "bn_weight", 0),
    ("conv1.bn.bias", "bn_bias", 0),
    ("conv1.bn.running_mean", "running_mean", 0),
    ("conv1.bn.running_var", "running_var", 0),
    ("input", "input", 0),
]
VECTOR_SEEDS = [0, 1, 2**63 + 5]
VECTOR_LEN = 16


def make_vectors():
    out = []
    for seed in VECTOR_SEEDS:
        for name, kind, fan_in in VECTOR_TENSORS:
            v = fill(name, seed, kind, (VECTOR_LEN,), fan_in)
            out.append({"name": name, "seed": seed, "kind": kind, "fan_in": fan_in,
                        "values": [float(x) for x in v]})  # repr of float(np.float32): round-trips
    return out


def write_vectors(path):
    vecs = make_vectors()
    text = "[\n" + ",\n".join(json.dumps(v, sort_keys=True) for v in vecs) + "\n]\n"
    with open(path, "w") as f:
        f.write(text)
    # Read back: every value must round-trip to the same float32 bits.
    with open(path) as f:
        back = json.load(f)
    for a, b in zip(vecs, back):
        assert a["name"] == b["name"] and a["seed"] == b["seed"]
        x = np.array(a["values"], dtype=np.float32)
        y = np.array(b["values"], dtype=np.float32)
        assert x.tobytes() == y.tobytes(), a["name"]
    print(f"wrote {len(vecs)} vectors ({len(VECTOR_TENSORS)} tensors x seeds {VECTOR_SEEDS}) "
          f"to {path}")


def selftest():
    # FNV-1a 64 published test vectors.
    assert fnv1a64(b"") == 0xCBF29CE484222325
    assert fnv1a64(b"a") == 0xAF63DC4C8601EC8C
    assert fnv1a64(b"foobar") == 0x85944171F73967E8
    # splitmix64 from state 0: the well-known first outputs.
    assert splitmix_scalar(0, 3) == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]
    # Vectorized == scalar, including a seed >= 2^63 and a wrapping state.
    for name in ("conv1.weight", "input", "", "inception5b.branch3.1.conv.weight"):
        for seed in (0, 1, 2, 3, 2**63 + 5, MASK64):
            s0 = initial_state(name, seed)
            ref = splitmix_scalar(s0, 1000)
            got = splitmix_stream(s0, 1000)
            assert [int(x) for x in got] == ref, (name, seed)
            # Scalar float path == vectorized float path, bit for bit.
            r = [2.0 * (float(x >> 40) / 16777216.0) - 1.0 for x in ref]
            for kind, fan_in in (("weight", 147), ("bias", 0), ("bn_weight", 0),
                                 ("running_var", 0), ("input", 0)):
                sv = np.array([values_from_r(np.float64(x), kind, fan_in) for x in r],
                              dtype=np.float32)
                vv = fill(name, seed, kind, (1000,), fan_in)
                assert sv.tobytes() == vv.tobytes(), (name, seed, kind)
    # Ranges.
    r = uniform_r("range", 7, 1 << 20)
    assert r.min() >= -1.0 and r.max() < 1.0 and abs(r.mean()) < 5e-3
    w = fill("w", 1, "weight", (1 << 20,), 6)
    assert np.abs(w).max() <= 1.0
    # Speed: the size of GoogLeNet with aux heads.
    import time
    t = time.time()
    fill("big", 1, "weight", (13_378_280,), 1024)
    print(f"selftest ok (13.4M values in {time.time() - t:.2f}s)")


def main(argv):
    if argv and argv[0] == "--selftest":
        selftest()
    elif len(argv) == 2 and argv[0] == "--write-vectors":
        write_vectors(argv[1])
    elif len(argv) >= 3:
        name, seed, kind = argv[0], int(argv[1], 0), argv[2]
        fan_in = int(argv[3]) if len(argv) > 3 else 0
        n = int(argv[4]) if len(argv) > 4 else 16
        for x in fill(name, seed, kind, (n,), fan_in):
            print(repr(float(x)))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
