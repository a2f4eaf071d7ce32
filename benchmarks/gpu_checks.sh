#!/usr/bin/env bash
# Every check that needs a CUDA GPU, in one run (a GPU is lent for minutes):
# the GPU tests, the epoch-time ratio, the image benchmark and the paper
# reproduction in full mode. Results go to $OUT (default
# benchmarks/results/gpu) as one tarball plus the logs.
#
#   bash benchmarks/gpu_checks.sh [PAPER_BUDGET_MINUTES]
#
# Data: MNIST and Fashion-MNIST are read from $SKDVAAN_DATA (default
# .gpu_data/{mnist,fashion-mnist}: copy the IDX .gz files there first).
# Wheels in .whl/ are installed to /tmp/site when the machine lacks them.
set -uo pipefail
OUT=${OUT:-benchmarks/results/gpu}
budget=${1:-5}
mkdir -p "$OUT/work"
export PYTHONUNBUFFERED=1
export SKDVAAN_DATA=${SKDVAAN_DATA:-$PWD/.gpu_data}
if [ -d .whl ]; then
  python3 -c "import imblearn" 2>/dev/null || python3 -m pip install -q --no-index \
    --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
    .whl/imbalanced_learn-*.whl .whl/sklearn_compat-*.whl
  export PYTHONPATH=/tmp/site:$PWD
  python3 -c "import sklearn,sys; v=tuple(map(int,sklearn.__version__.split('.')[:2])); sys.exit(v<(1,6))" \
    || python3 -m pip install -q --no-index --no-deps --no-compile --upgrade \
      --target /tmp/site .whl/scikit_learn-*.whl
fi
export PYTHONPATH=${PYTHONPATH:-$PWD}
log() { echo "== $* ($(date +%T))"; }
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  python3 -c "import torch, sklearn, imblearn; print('torch', torch.__version__, 'sklearn', sklearn.__version__, 'imblearn', imblearn.__version__)"
} 2>&1 | tee "$OUT/work/machine.txt"

log "GPU tests"
timeout 90 python3 -m pytest -q -p no:cacheprovider -o addopts="" \
  tests/test_gpu.py tests/test_reproducibility.py 2>&1 | tee "$OUT/work/tests.log" | tail -5

log "epoch time, DVAAN vs plain discriminator"
timeout 120 python3 benchmarks/bench_speed.py --device cuda 2>&1 | tee "$OUT/work/speed.log" | tail -30
cp benchmarks/results/bench_speed*.md benchmarks/results/bench_speed*.json "$OUT/work/" 2>/dev/null

log "paper reproduction, full mode, ${budget} min budget"
timeout $((budget * 60 + 90)) python3 -m benchmarks.paper.run --device cuda \
  --backbone conv --budget-minutes "$budget" --data-home "$SKDVAAN_DATA" \
  --out "$OUT/work/paper" 2>&1 | tee "$OUT/work/paper.log" | tail -60

tar -czf "$OUT/gpu_results.tar.gz" -C "$OUT/work" .
log "done"
