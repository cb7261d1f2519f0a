#!/usr/bin/env bash
# Paper preset (200 epochs) of CIFAR-10-LT, ρ = 100, with LDAM-DRW and with ERM, on XLA/CUDA.
#
# For an offline GPU machine whose Python environment holds jax-cuda13-pjrt: the PJRT CUDA
# plugin (xla_cuda_plugin.so) comes from that package and the CUDA libraries from the nvidia-*
# packages beside it (the plugin finds them through its RPATH, $ORIGIN/../../nvidia).
#
# Build the command here (cgo, -tags xla), then carry it and the datasets:
#   CGO_ENABLED=1 GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd go build -tags xla -o bin/ldam-xla ./ldam/cmd/ldam
#   LDAMLAB_DATASETS=/path/to/datasets scripts/gpu-paper-preset.sh [bin/ldam-xla] [results/paper]
#
# Writes results/paper/<run>/results.json (per-epoch seconds, final and best balanced error) and
# a summary line per run on stdout.
set -euo pipefail
bin=${1:-bin/ldam-xla}
out=${2:-results/paper}
: "${LDAMLAB_DATASETS:?set LDAMLAB_DATASETS to the directory with cifar10-jpeg-*.tar.gz}"

# shellcheck source=scripts/cuda-backend.sh
source "$(dirname "$0")/cuda-backend.sh"
echo "backend: $GOMLX_BACKEND"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true

run() {
  local name=$1; shift
  "$bin" train --dataset cifar10 --imb_type exp --imb_factor 0.01 --preset paper --progress=false \
    --out "$out/$name" --resume "$@" | tee "$out/$name.log"
}
mkdir -p "$out"
run cifar10-lt100-ldam-drw --loss_type LDAM --train_rule DRW
run cifar10-lt100-erm --loss_type CE --train_rule None

for r in "$out"/cifar10-lt100-*/results.json; do
  python3 - "$r" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))
h = r["history"]
print(f'{sys.argv[1]}: {len(h)} epochs, median {statistics.median(e["seconds"] for e in h):.1f} s/epoch, '
      f'final balanced top-1 error {100*r["final"]["Top1Error"]:.2f}% '
      f'(best {100*r["best"]["Top1Error"]:.2f}%), backend {r["backend"]}')
PY
done
