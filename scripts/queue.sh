#!/usr/bin/env bash
# The background queue: resumes every unfinished run of the open issues, in order, each command
# skipping finished runs and resuming interrupted ones from their checkpoints. Run it at low
# priority from the repository root, and commit what it finishes:
#
#   nice -n 19 scripts/queue.sh > /tmp/queue.log 2>&1 &
#
# Before stopping it, commit the unfinished runs' checkpoints (git add -f) so that the next
# start resumes them.
set -u
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd LDAMLAB_DATASETS="${LDAMLAB_DATASETS:-$(cd .. && pwd)/shared/datasets}"
# One queue at a time: a queue started earlier (or its orphaned ldam command) finishes first, so
# that two processes never write one run directory.
while pgrep -f "bin/ldam (sweep|reference)" > /dev/null; do sleep 60; done
go build -o bin/ldam ./ldam/cmd/ldam || exit 1
rows=ERM,ERM-DRW,LDAM,LDAM-DRW
col="C10 LT 100"
# Fidelity (issue 30): the official recipe's reference and ours on the same images (our selection
# is the official code's), quick then lite. Runs made on the earlier image selection are moved
# aside by the sweep and trained again.
bin/ldam reference --preset quick --seeds 0,1,2,3,4,5,6,7,8,9 --methods $rows --column "$col"
bin/ldam sweep --table table2 --preset quick --seeds 0,1,2,3,4,5,6,7,8,9 --methods $rows --columns "$col"
bin/ldam reference --preset lite --seeds 0,1,2,3,4 --methods $rows --column "$col"
# Ours on the official selection: the new seeds first, then seeds 0-2, whose committed runs on the
# earlier selection the sweep moves aside as it retrains each (the notebooks read those until then).
bin/ldam sweep --table table2 --preset lite --seeds 3,4 --methods $rows --columns "$col"
bin/ldam sweep --table table2 --preset lite --seeds 0,1,2 --methods $rows,ERM-DRS --columns "$col"
# The 200-epoch campaign (issue 31), from the recipe the lockstep test and the lite reconciliation
# hold to the official one: seed 0's core rows first (ERM with its DRW and DRS branches, then LDAM
# with its DRW branch, then M-DRW: a 200-epoch first stage is about 3.5 h of both cores here, a
# 40-epoch branch about 45 min). Each line resumes its unfinished runs.
bin/ldam sweep --table table2 --preset paper --seeds 0 --methods ERM,ERM-DRW,ERM-DRS --columns "$col"
bin/ldam sweep --table table2 --preset paper --seeds 0 --methods LDAM,LDAM-DRW --columns "$col"
bin/ldam sweep --table table2 --preset paper --seeds 0 --methods M-DRW --columns "$col"
# The teaching issue's figures from lite runs (notebooks 04 and 06 read them once finished; Fig. 5's
# are committed): Figs. 2 and 6's runs on CIFAR-10 step rho = 100 (Fig. 6 probes the first stages of
# ERM, CB RS and CB RW; Fig. 2 reads LDAM-DRW, CB RS and CB RW): about 2.5 h.
bin/ldam sweep --table table2 --preset lite --seeds 0 --methods "ERM,CB RS,CB RW,LDAM-DRW" --columns "C10 step 100"
# Then the rest of the campaign: the re-balanced-from-the-start CB RW and CB RS that Fig. 3 reads,
# then seeds 1 and 2 of the core rows.
bin/ldam sweep --table table2 --preset paper --seeds 0 --methods "CB RW,CB RS" --columns "$col"
bin/ldam sweep --table table2 --preset paper --seeds 1,2 --methods $rows --columns "$col"
