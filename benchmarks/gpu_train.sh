#!/usr/bin/env bash
# Training tokens/s and MFU of the GPT-2 124M preset on one GPU, with bf16 autocast and
# torch.compile, as model.train logs them (MFU against the card's dense bf16 peak; see
# PEAK_TFLOPS in model/meter.py, or pass --peak-tflops in EXTRA).
#
#   bash benchmarks/gpu_train.sh [STEPS] [EXTRA model.train flags...]
#
# Needs the project installed with a CUDA build of torch (pip install torch -e .).
# A few minutes, most of them the first compile. The data is the bundled sample: the
# speed of a step does not depend on which tokens it reads.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-50}
shift || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python -m webtext.collect --out "$work/data" > /dev/null
# 8 micro-batches of 12 x 1024 a step (the preset's 40 only make steps longer); no
# evaluation until the last step.
python -m model.train --preset gpt2 --data "$work/data" --out "$work/out" --device cuda --compile \
    --steps "$steps" --grad-accum 8 --warmup-steps 10 --log-interval 5 --eval-interval 1000000 \
    --eval-batches 1 "$@"
python - "$work/out/log.jsonl" <<'EOF'
import json, statistics, sys

import torch

logged = [e for e in map(json.loads, open(sys.argv[1])) if "tokens_per_s" in e]
steady = [e for e in logged if e["step"] >= 10]  # the first intervals include compiling
print(f"{torch.cuda.get_device_name()}: GPT-2 124M, bf16 autocast, torch.compile, "
      f"median of {len(steady)} log intervals")
print(f"tokens/s {statistics.median(e['tokens_per_s'] for e in steady):,.0f}")
print(f"TFLOP/s  {statistics.median(e['tflops'] for e in steady):.1f}")
if all("mfu" in e for e in steady):
    print(f"MFU      {statistics.median(e['mfu'] for e in steady):.1%}")
EOF
