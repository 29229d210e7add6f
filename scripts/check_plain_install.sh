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
tmp="$(dirname "$out")"
"$venv/bin/neurogen" record --model default --label 6 --trials 2 --steps 2 --out "$tmp/r.nc" --quiet
if msg=$("$venv/bin/neurogen" export "$tmp/r.nc" --to nwb "$tmp/r.nwb" 2>&1); then
  echo "plain-install: export --to nwb should fail without the nwb extra" >&2; exit 1
fi
case "$msg" in
  *"pip install 'neurogen[nwb]'"*) echo "plain-install: export names its extra" ;;
  *) echo "plain-install: export without pynwb should name the nwb extra, got: $msg" >&2; exit 1 ;;
esac
echo "plain-install: every study of the tiny report ran from a plain install"
