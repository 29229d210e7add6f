"""Shared helpers for the fault-injection suite (``tests/faults``).

Each fault test breaks something on purpose (kills a process, fills a disk, flips a byte, plants a
malicious pickle, asks for too much) and then asserts two things: the message the user gets, and
that nothing was lost (the old file is intact, no temporary ``.NAME.*.part`` is left behind).

Fixtures
--------
no_temporaries  ``check(folder)``: asserts no ``*.part`` file anywhere under ``folder``.
cli_child       ``start(argv, delay=...)``: a ``neurogen`` CLI process whose training is slowed
                down (same numbers) so that a test can signal it mid-run; returns the Popen.
as_root         skips unless the tests run as root (real tmpfs / read-only mounts).
tmpfs           ``mount(size, readonly=False)``: a real small tmpfs (root only, skipped otherwise).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# The child runs the real CLI (neurogen.cli.main) with Network.loss_terms slowed down by `delay`
# seconds per batch, so that a signal lands mid-epoch; the numbers are unchanged.
_SLOW_CLI = textwrap.dedent("""
    import sys, time
    import torch
    torch.set_num_threads(1)
    from neurogen.network import Network
    _real = Network.loss_terms
    def _slow(self, *args, **kwargs):
        time.sleep(float(sys.argv[1]))
        return _real(self, *args, **kwargs)
    Network.loss_terms = _slow
    from neurogen.cli import main
    raise SystemExit(main(sys.argv[2:]))
""")


def _parts(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*.part"))


@pytest.fixture
def no_temporaries():
    """``check(folder)``: assert that no temporary (``*.part``) is left under ``folder``."""
    def check(folder: Path) -> None:
        left = _parts(folder)
        assert left == [], f"temporaries left behind: {left}"

    return check


@pytest.fixture
def cli_child(tmp_path):
    """``start(argv, delay=0.05)``: run ``neurogen ARGV`` (training slowed by ``delay`` s per
    batch) in a child process with piped output; every child is killed at teardown."""
    procs: list[subprocess.Popen] = []

    def start(argv: list[str], delay: float = 0.05) -> subprocess.Popen:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
        p = subprocess.Popen([sys.executable, "-c", _SLOW_CLI, str(delay), *map(str, argv)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
        procs.append(p)
        return p

    yield start
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.fixture
def as_root():
    """Skip unless running as root (needed to mount a real tmpfs)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs")


@pytest.fixture
def tmpfs(tmp_path, as_root):
    """``mount(size_bytes, readonly=False) -> Path``: a real small tmpfs, unmounted at teardown;
    skipped when mounting is not allowed (e.g. an unprivileged container)."""
    mounted: list[Path] = []

    def mount(size: int, readonly: bool = False, name: str = "mnt") -> Path:
        where = tmp_path / name
        where.mkdir()
        opts = f"size={size}" + (",ro" if readonly else "")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        with contextlib.suppress(Exception):
            subprocess.run(["umount", "-l", str(where)], capture_output=True)
