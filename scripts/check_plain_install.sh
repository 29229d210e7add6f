#!/usr/bin/env bash
# CI: README's first command from a plain install (no extras) in a fresh virtual environment, at the
# tiny profile: `neurogen replicate` must write a report in which no study failed (it exits 1 if one
# did), and an optional feature must fail with one line naming its extra.
# Usage: bash scripts/check_plain_install.sh [VENV_DIR]   (default: a temporary folder, removed after)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-$(mktemp -d)/venv}"
base="${PYTHON:-$(command -v python3 || command -v python)}"
echo "plain-install: fresh venv at $venv (from $base)"
"$base" -m venv "$venv"
PYTHON="$venv/bin/python" bash scripts/setup.sh
out="$(mktemp -d)/report"
"$venv/bin/neurogen" replicate --profile tiny --out "$out" --quiet
msg=$("$venv/bin/python" -c 'import neurogen.testing.strategies' 2>&1 | tail -n 1 || true)
case "$msg" in
  *"pip install 'neurogen[test]'"*) echo "plain-install: extra message ok: $msg" ;;
  *) echo "plain-install: expected a one-line message naming the test extra, got: $msg" >&2; exit 1 ;;
esac
echo "plain-install: every study of the tiny report ran from a plain install"
