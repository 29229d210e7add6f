#!/usr/bin/env bash
# Every benchmark, one after the other, on a quiet machine; output to benchmarks/last_run.txt.
# Usage: bash benchmarks/run_all.sh   (about 6 minutes on the 2-core CPU)
set -euo pipefail
cd "$(dirname "$0")"
{
  echo "== $(date -u +%FT%TZ) $(python -c 'import torch; print("torch", torch.__version__, torch.get_num_threads(), "threads")')"
  echo "== python train_throughput.py --rounds 5"; python train_throughput.py --rounds 5
  echo "== python record_throughput.py"; python record_throughput.py
  echo "== python interventions_throughput.py"; python interventions_throughput.py
} 2>&1 | tee last_run.txt
