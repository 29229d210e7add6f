#!/usr/bin/env bash
# Train the subject zoo with the paper's recipe (100 epochs, 60,000 images, batch 100,
# Adam 5e-4 -> 1e-4 -> 5e-5), one network after another, resumably, and ship each finished
# subject into neurogen/zoo/ (float16, sha256, provenance) with scripts/ship_zoo.py.
# Usage: bash scripts/train_zoo.sh [NAME ...]   (NAME like nz100-seed1; default: the whole zoo)
# Re-running it resumes an interrupted network exactly (train --resume) and skips shipped ones;
# two runners may share the work: a network being trained by one (build/zoo/NAME.lock) is skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
subjects=("$@")
if [ ${#subjects[@]} -eq 0 ]; then
  subjects=(nz100-seed1 nz100-seed2 nz2-seed0 nz5-seed0 nz10-seed0 nz20-seed0)
fi
mkdir -p build/zoo
for name in "${subjects[@]}"; do
  nz=${name#nz}; nz=${nz%%-*}; seed=${name##*seed}
  if [ -f "neurogen/zoo/${name}.pt" ]; then echo "zoo: ${name} already shipped"; continue; fi
  if ! mkdir "build/zoo/${name}.lock" 2>/dev/null; then echo "zoo: ${name} taken by another runner"; continue; fi
  trap 'rmdir "build/zoo/${name}.lock" 2>/dev/null' EXIT
  echo "zoo: training ${name} (Nz=${nz}, seed=${seed}) at $(date -u +%FT%TZ)"
  neurogen train --latent "${nz}" --epochs 100 --seed "${seed}" \
      --out "build/zoo/${name}/network.pt" --resume || exit 1
  python scripts/ship_zoo.py "build/zoo/${name}" || exit 1
  if [ "${ZOO_COMMIT:-0}" = "1" ]; then
    for i in 1 2 3 4 5 6 7 8 9 10; do
      git add "neurogen/zoo/${name}.pt" "neurogen/zoo/${name}.json" && \
        git commit -q -m "zoo: ship ${name} (100 epochs, paper's recipe)" -- \
          "neurogen/zoo/${name}.pt" "neurogen/zoo/${name}.json" && break
      sleep 7
    done
  fi
  rmdir "build/zoo/${name}.lock" 2>/dev/null
  echo "zoo: shipped ${name} at $(date -u +%FT%TZ)"
done
