#!/usr/bin/env bash
# Tables 2 and 5 (CIFAR-10 columns) in one call on a lent GPU machine: `ldam sweep` of the
# table's grid on XLA/CUDA with several runs at once, stopped before the call's limit, the
# results packed into one archive to bring back and commit. Finished runs are skipped and
# interrupted ones resume (their checkpoints are in the archive too), so calls add up.
#
# Here (cgo, -tags xla), then carry bin/ldam-xla, data/ (the CIFAR-10 archives) and results/:
#   CGO_ENABLED=1 GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd go build -tags xla -o bin/ldam-xla ./ldam/cmd/ldam
#   mkdir -p data && cp ../shared/datasets/cifar10-jpeg-*.tar.gz data/
# There:
#   scripts/gpu-tables.sh            # paper preset, seed 0, 8 runs at once, 9 minutes
# Settings (environment): BIN, PRESET (paper), SEEDS (0), PARALLEL (8), LIMIT (540 s),
# METHODS (the rows; default the core ones), COLUMNS (the CIFAR-10 ones), EXTRA (more ldam
# train flags), OUT (where results.tar.gz goes; $OUT of the device tool), ROOT (where results/
# is written; the repository), GOMLX_BACKEND (default:
# the jax-cuda13-pjrt plugin's xla_cuda_plugin.so). On a CPU it runs the same way with
# GOMLX_BACKEND=go BIN=bin/ldam PRESET=quick (how the tests run it).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/ldam-xla}
PRESET=${PRESET:-paper}
SEEDS=${SEEDS:-0}
PARALLEL=${PARALLEL:-8}
LIMIT=${LIMIT:-540}
METHODS=${METHODS:-ERM,LDAM,LDAM-DRW,ERM-DRW,ERM-DRS,CB RW,CB RS,Focal,M-DRW}
COLUMNS=${COLUMNS:-C10 LT 100,C10 LT 10,C10 step 100,C10 step 10}
OUT=${OUT:-results}
ROOT=${ROOT:-.}
EXTRA=${EXTRA:-}
export LDAMLAB_DATASETS=${LDAMLAB_DATASETS:-$PWD/data}

# shellcheck source=scripts/cuda-backend.sh
source scripts/cuda-backend.sh
echo "backend: $GOMLX_BACKEND; preset $PRESET; seeds $SEEDS; $PARALLEL at once; limit ${LIMIT}s"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true

rc=0
# shellcheck disable=SC2086
timeout --signal=INT "$LIMIT" "$BIN" sweep --table table2 --preset "$PRESET" --seeds "$SEEDS" --methods "$METHODS" \
  --columns "$COLUMNS" --parallel "$PARALLEL" --root "$ROOT" -- $EXTRA || rc=$?
case $rc in
  0) echo "sweep finished" ;;
  124|130) echo "sweep stopped at the time limit; run again to continue" ;;
  *) echo "sweep failed ($rc)" ;;
esac
"$BIN" table --table table2 --preset "$PRESET" --root "$ROOT" || true
mkdir -p "$OUT"
tar -czf "$OUT/results.tar.gz" -C "$ROOT" "results/$PRESET/table2"
echo "packed $(tar -tzf "$OUT/results.tar.gz" | grep -c results.json) results into $OUT/results.tar.gz"
exit $(( rc == 124 || rc == 130 ? 0 : rc ))
