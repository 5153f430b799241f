#!/usr/bin/env bash
# tools/peers/run.sh: incc's generated GoogLeNet side by side with ONNX Runtime, PyTorch and
# pure-Go runtimes, on the same weights and input; prints a Markdown ratio table and writes
# JSON (tools/peers/cache/results/). See tools/peers/README.md.
#
#   tools/peers/run.sh [--install] [--rounds N] [--torch-rounds N] [--threads 1,2]
#                      [--batches 1,8] [--no-torch] [--no-purego] [--json FILE] [--quick]
#
#   --install   first install the peers: apt python3-torch python3-torchvision python3-onnx
#               (if missing) and npm onnxruntime-node (package.json) into tools/peers/node_modules
#   --quick     --rounds 2 --torch-rounds 1 --no-purego
# Other flags go to peers.py. Environment: PEERS_FORCE=1 remakes the shared inputs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
export PATH="/usr/local/go/bin:$PATH"
PY=/usr/bin/python3   # Debian's torch works with the system interpreter only

install=0
args=()
for a in "$@"; do
  case "$a" in
    --install) install=1 ;;
    --quick) args+=(--rounds 2 --torch-rounds 1 --no-purego) ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) args+=("$a") ;;
  esac
done

if ((install)); then
  need=()
  for p in python3-torch python3-torchvision python3-onnx nodejs npm; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  if ((${#need[@]})); then
    echo "[peers] apt-get install ${need[*]}" >&2
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
  fi
  # --ignore-scripts: the package's install script downloads from the internet; the CPU
  # build of ONNX Runtime is inside the npm package.
  echo "[peers] npm install --ignore-scripts (onnxruntime-node) in tools/peers" >&2
  (cd "$here" && npm install --ignore-scripts --no-audit --no-fund)
fi

cache="$here/cache"
bin="$cache/bin"
mkdir -p "$bin"

# ---- shared inputs (needs PyTorch; kept in cache/ while make_inputs.py and incc_init.py are unchanged)
if "$PY" -c 'import torch, torchvision' 2>/dev/null; then
  "$PY" "$here/make_inputs.py" --out "$cache" ${PEERS_FORCE:+--force} >&2
elif [[ -f "$cache/manifest.json" ]]; then
  echo "[peers] PyTorch missing: using the inputs already in $cache (install with: tools/peers/run.sh --install)" >&2
else
  echo "[peers] PyTorch is needed to make the shared inputs (ONNX model, reference logits)." >&2
  echo "        install with: tools/peers/run.sh --install   (apt python3-torch python3-torchvision python3-onnx)" >&2
  exit 1
fi

# ---- Go programs; a failed build leaves NAME.err and the engine is reported as skipped
build() {  # build NAME DIR PKG [ENV...]
  local name="$1" dir="$2" pkg="$3"; shift 3
  rm -f "$bin/$name" "$bin/$name.err"
  if ! (cd "$dir" && env "$@" go build -o "$bin/$name" "$pkg") >"$bin/$name.log" 2>&1; then
    { echo "build failed ($* go build $pkg):"; tail -n 5 "$bin/$name.log"; } >"$bin/$name.err"
    echo "[peers] $name: $(tail -n 1 "$bin/$name.err")" >&2
  fi
}
if command -v go >/dev/null; then
  echo "[peers] building inccbench (plain, GOEXPERIMENT=simd), peak, pure-Go peers" >&2
  build inccbench "$root" ./tools/peers/inccbench GOFLAGS="${GOFLAGS:-}"
  build inccbench-simd "$root" ./tools/peers/inccbench GOEXPERIMENT=simd
  build peak "$root" ./tools/peers/peak GOEXPERIMENT=simd
  build gomlx "$here/puregopeer" ./gomlx GOFLAGS="${GOFLAGS:-}"
  build onnxgo "$here/puregopeer" ./onnxgo GOFLAGS="${GOFLAGS:-}"
else
  echo "[peers] go not found: incc and the pure-Go peers are skipped" >&2
fi

exec python3 "$here/peers.py" --cache "$cache" "${args[@]}"
