#!/usr/bin/python3
"""Cross-checks the trained digit classifier between PyTorch and incc (run by CI).

Usage (from the repo root): /usr/bin/python3 tools/test_mnist.py

1. The PyTorch module that `incc export` makes from specs/examples/mnist_inception.inc loads
   the committed weights (specs/examples/mnist_inception.safetensors) with strict=True: no
   renames.
2. On the first 64 test digits its logits equal those of `incc run` (the Go interpreter) on
   the same preprocessed input, to 1e-4 of the largest logit.
3. Its accuracy on the 10,000 test digits agrees to within 0.05 points with the accuracy the
   compiled Go model binary measures (`go run ./examples/digits`, which fails below 99.0 %).
Prints "N passed, M failed" and exits non-zero on any failure.
"""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train_mnist as tm  # noqa: E402  (data loading, export, preprocessing)
import safetensors_lite  # noqa: E402
import torch  # noqa: E402

WEIGHTS = "specs/examples/mnist_inception.safetensors"
passed = failed = 0


def check(name, ok, detail):
    global passed, failed
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    if ok:
        passed += 1
    else:
        failed += 1


def main():
    torch.set_num_threads(2)
    _, (x_test, y_test) = tm.load_mnist(tm.data_dir(None))
    with tempfile.TemporaryDirectory() as tmp:
        cls = tm.export(tm.SPEC, tmp)
        model = cls()
        tensors = safetensors_lite.read(os.path.join(tm.REPO, WEIGHTS))
        tensors = tensors[0] if isinstance(tensors, tuple) else tensors
        state = {k: torch.from_numpy(np.array(v)) for k, v in tensors.items()}
        for k, v in model.state_dict().items():  # torch's own counters, not spec weights
            if k.endswith("num_batches_tracked"):
                state[k] = v
        res = model.load_state_dict(state, strict=True)
        check("strict load", not res.missing_keys and not res.unexpected_keys, f"{len(tensors)} tensors")
        model.eval()

        x = tm.preprocess(cls, x_test[:64])
        with torch.no_grad():
            want = model(x).reshape(64, -1).numpy()
        xin, yout = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
        np.save(xin, x.numpy().astype(np.float32))
        subprocess.run(tm.incc_command() + ["run", tm.SPEC, "--weights", WEIGHTS, "--input", xin,
                                            "--output", yout, "--top", "0"], cwd=tm.REPO, check=True)
        got = np.load(yout).reshape(64, -1)
        rel = np.abs(got - want).max() / np.abs(want).max()
        check("logits of 64 digits, incc run vs PyTorch", rel <= 1e-4, f"max relative difference {rel:.2e}")

        acc_torch = tm.accuracy(model, tm.preprocess(cls, x_test), y_test)
    out = subprocess.run(["go", "run", "./examples/digits", "--show", "0"], cwd=tm.REPO,
                         capture_output=True, text=True)
    m = re.search(r"accuracy: (\d+)/(\d+)", out.stdout)
    if out.returncode != 0 or not m:
        check("Go model binary accuracy", False, out.stdout[-2000:] + out.stderr[-2000:])
    else:
        acc_go = int(m.group(1)) / int(m.group(2))
        check("accuracy, Go binary vs PyTorch", abs(acc_go - acc_torch) * 100 <= 0.05,
              f"Go {acc_go * 100:.2f} %, PyTorch {acc_torch * 100:.2f} %")
        check("accuracy at least 99.0 %", acc_go >= 0.99, f"{acc_go * 100:.2f} %")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
