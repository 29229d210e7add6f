"""scripts/setup.sh says what it does, finds python3 when there is no `python`, and uses a virtual
environment for an operating system's Python (checked with ``--dry-run``: nothing is installed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SETUP = ROOT / "scripts" / "setup.sh"


def bare_path(tmp_path: Path, **links: str) -> str:
    """A PATH holding only the named programs (``name=target``) and what setup.sh needs besides."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dirname", "sed"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    for name, target in links.items():
        (bin_dir / name).symlink_to(target)
    return str(bin_dir)


def setup(tmp_path: Path, *args: str, path: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("bash"), str(SETUP), *args], capture_output=True, text=True, timeout=60,
                          env={"PATH": path, "HOME": str(tmp_path), **env})


def test_finds_python3_when_python_is_missing(tmp_path):
    """With only `python3` on PATH, setup.sh uses it and prints each step and command."""
    proc = setup(tmp_path, "test", "--dry-run", path=bare_path(tmp_path, python3=sys.executable))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"setup: using Python {sys.version.split()[0]} at {tmp_path / 'bin' / 'python3'}"
    assert "setup: installing PyTorch 2.13.0 (CPU build, pinned in constraints.txt)" in lines
    assert "  $ python3 -m pip install -q -c constraints.txt torch==2.13.0" in lines
    assert "  $ python3 -m pip install -q -c constraints.txt -e .[test]" in lines
    assert lines[-1] == "setup: dry run: nothing was installed"


def test_no_python_at_all(tmp_path):
    """Without any Python >= 3.10 the script stops with one line saying what it tried."""
    proc = setup(tmp_path, "--dry-run", path=bare_path(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("setup: no Python >= 3.10 found (tried $PYTHON, python, python3); install one, "
                                   "or set PYTHON=/path/to/python")


def test_bad_argument(tmp_path):
    """An unknown argument: one line with the usage, exit 2."""
    proc = setup(tmp_path, "tests", path=bare_path(tmp_path, python3=sys.executable))
    assert proc.returncode == 2 and "unknown argument 'tests'" in proc.stderr and "usage:" in proc.stderr


def test_venv_on_request(tmp_path):
    """--venv installs into ./.venv (made if missing)."""
    proc = setup(tmp_path, "--venv", "--dry-run", path=bare_path(tmp_path, python=sys.executable))
    assert proc.returncode == 0, proc.stderr
    assert "  $ .venv/bin/python -m pip install -q -c constraints.txt -e ." in proc.stdout.splitlines()
    if not (ROOT / ".venv" / "bin" / "python").exists():
        assert "setup: making the virtual environment .venv" in proc.stdout


def _externally_managed_python() -> str | None:
    for cand in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if not os.path.exists(cand):
            continue
        out = subprocess.run([cand, "-c", "import os, sys, sysconfig; print(sys.version_info >= (3, 10) and "
                              "os.path.exists(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))"],
                             capture_output=True, text=True)
        if out.stdout.strip() == "True":
            return cand
    return None


@pytest.mark.skipif(_externally_managed_python() is None, reason="no OS-managed (PEP 668) Python here")
def test_os_python_gets_a_virtual_environment(tmp_path):
    """An operating system's Python (PEP 668) is never installed into: setup.sh uses ./.venv."""
    proc = setup(tmp_path, "--dry-run", path=bare_path(tmp_path), PYTHON=_externally_managed_python())
    assert proc.returncode == 0, proc.stderr
    assert "managed by the operating system (PEP 668)" in proc.stdout
    assert "  $ .venv/bin/python -m pip install -q -c constraints.txt -e ." in proc.stdout.splitlines()
    assert sysconfig.get_path("stdlib")  # this interpreter is untouched
