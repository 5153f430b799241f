#!/usr/bin/python3
"""The benchmark zoo's specs (specs/zoo/), and the specs of specs/ that torchvision builds, are
torchvision's networks.

Usage (from the repo root; Debian's torch works with /usr/bin/python3 only):
  /usr/bin/python3 tools/test_zoo.py [-v]

For every spec in specs/zoo/ (each must have an entry in tools/peers/make_inputs.py's
TORCHVISION table), `incc export --lang pytorch` builds the spec's module; torchvision
builds its network (weights=None). Their state_dict keys and shapes, minus
num_batches_tracked, must be the same; both are filled by tools/incc_init.py (seed 1) and
must give the same output on the seeded input to 1e-5 of its largest value, and that output
must depend on the input (the two images' outputs differ). The incc command is
`go run ./cmd/incc`; set INCC=path/to/incc to use a built binary.
Prints "N passed, M failed" last; exits 1 if any failed.
"""
import glob
import os
import sys
import tempfile
import traceback

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "peers"))
import incc_init  # noqa: E402
import make_inputs  # noqa: E402

SEED = 1
TOL = 1e-5


def check(spec, tmp, incc):
    name = make_inputs.spec_name(spec)
    assert name in make_inputs.TORCHVISION, f"{name}: no torchvision model in make_inputs.TORCHVISION"
    cls = make_inputs.export(spec, os.path.join(tmp, name + ".py"), incc)
    mine = cls().eval()
    ref = make_inputs.torchvision_model(name, aux=True)  # the specs declare the side heads; eval runs without them
    got = {k: tuple(v.shape) for k, v in make_inputs.spec_state(mine).items()}
    want = {k: tuple(v.shape) for k, v in make_inputs.spec_state(ref).items()}
    assert got == want, (f"names only in the spec {sorted(set(got) - set(want))[:5]}, only in torchvision "
                         f"{sorted(set(want) - set(got))[:5]}, other shapes "
                         f"{[k for k in got if k in want and got[k] != want[k]][:5]}")
    state = make_inputs.seeded(mine, SEED)
    mine.load_state_dict(state, strict=True)
    make_inputs.load(ref, state)
    x = torch.from_numpy(incc_init.fill("input", SEED, "input", (2,) + tuple(cls.input_shape)))
    with torch.no_grad():
        y, r = mine(x).flatten(1), ref(x).flatten(1)
    d = make_inputs.rel(y, r)
    assert d <= TOL, f"output differs from torchvision's by {d:.2g} relative"
    assert (r[0] - r[1]).abs().max() > 1e-3 * r.abs().max(), "the output does not depend on the input"
    return d


def main():
    verbose = "-v" in sys.argv[1:]
    torch.set_num_threads(1)
    incc = os.environ["INCC"].split() if os.environ.get("INCC") else None
    tmp = tempfile.mkdtemp(prefix="incc_zoo_")
    passed = failed = 0
    specs = sorted(glob.glob(os.path.join(REPO, "specs", "zoo", "*.inc")))
    # The specs of specs/ that torchvision also builds (their weight names are torchvision's).
    specs += sorted(s for s in glob.glob(os.path.join(REPO, "specs", "*.inc"))
                    if make_inputs.spec_name(s) in make_inputs.TORCHVISION)
    for spec in specs:
        rel = os.path.relpath(spec, REPO)
        try:
            d = check(spec, tmp, incc)
            passed += 1
            if verbose:
                print(f"ok   {rel}: same names, shapes and output as torchvision (relative difference {d:.2g})")
        except Exception:  # noqa: BLE001
            failed += 1
            print(f"FAIL {rel}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
