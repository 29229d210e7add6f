"""Faults while writing files: disk full (simulated and on a real tmpfs), read-only targets, a
folder in the way, stale temporaries of killed writers, SIGTERM mid-write, outputs that are inputs."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import neurogen._files
from neurogen._files import Terminated, atomic_path, check_output_path, remove_stale_temporaries
from neurogen.data import write_idx
from neurogen.network import Network, NetworkConfig

TINY = NetworkConfig(n_latent=4, n_hidden=16)
_FILES = neurogen._files.__file__


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0


def _enospc_on_write(monkeypatch, after: int = 0):
    """Make writes to files under neurogen's writers raise ENOSPC after ``after`` bytes."""
    import io

    real_open = open
    written = {"n": 0}

    class _Full(io.FileIO):
        def write(self, b):  # noqa: ANN001
            written["n"] += len(b)
            if written["n"] > after:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return super().write(b)

    def fake_open(file, mode="r", *args, **kwargs):  # noqa: ANN001
        if "w" in mode and str(file).endswith(".part"):
            return _Full(file, "wb")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)


# ------------------------------------------------------------------------------ disk full


def test_disk_full_simulated_keeps_old_checkpoint(tmp_path, monkeypatch, no_temporaries):
    """A save that hits ENOSPC halfway: one line naming the path and 'No space left on device',
    the old checkpoint intact, no temporary, no open file, and the next save succeeds."""
    path = Network(TINY, seed=0).save(tmp_path / "net.pt")
    good = path.read_bytes()
    fds = _open_fds()
    _enospc_on_write(monkeypatch, after=1000)
    with pytest.raises(OSError, match=r"^\[Errno 28\] No space left on device: '.*net\.pt'$") as info:
        Network(TINY, seed=1).save(path)
    assert info.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert path.read_bytes() == good
    no_temporaries(tmp_path)
    assert _open_fds() == fds
    Network(TINY, seed=1).save(path)  # the process can write again
    assert path.read_bytes() != good
    assert Network.load(path).enc_hidden.weight.shape == (16, 784)


def test_disk_full_on_a_real_tmpfs(tmpfs, no_temporaries):
    """On a real 64 KB tmpfs, saving a 110 KB checkpoint fails with ENOSPC naming the path; the
    space is given back (no temporary), so a small file can be written right after."""
    where = tmpfs(64 * 1024)
    (where / "small.txt").write_text("x")
    with pytest.raises(OSError, match=r"No space left on device: '.*net\.pt'") as info:
        Network(TINY, seed=0).save(where / "net.pt")
    assert info.value.errno == errno.ENOSPC
    assert not (where / "net.pt").exists()
    no_temporaries(where)
    with atomic_path(where / "after.txt") as tmp:
        Path(tmp).write_text("written after the failure")
    assert (where / "after.txt").read_text() == "written after the failure"


def test_disk_full_in_data_cache_write(tmp_path, monkeypatch, no_temporaries):
    """write_idx (an atomic writer) hitting ENOSPC leaves no file and no temporary."""
    real = Path.write_bytes

    def half_then_full(self, data):  # noqa: ANN001
        real(self, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", half_then_full)
    imgs = np.zeros((3, 28, 28), np.uint8)
    with pytest.raises(OSError, match=r"No space left on device: '.*train-images-idx3-ubyte'"):
        write_idx(tmp_path, "train", imgs, [0, 1, 2])
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------ read-only, folders


def test_read_only_simulated(tmp_path, monkeypatch, no_temporaries):
    """A target on a read-only file system (EROFS from os.open): one line naming the path."""
    real = os.open

    def ro(path, flags, *args):  # noqa: ANN001
        if str(path).endswith(".part"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, flags, *args)

    monkeypatch.setattr(os, "open", ro)
    with pytest.raises(OSError, match=r"^\[Errno 30\] Read-only file system: '.*net\.pt'$"):
        Network(TINY, seed=0).save(tmp_path / "net.pt")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_read_only_real_mount(tmpfs):
    """On a real read-only mount, check_output_path refuses before any work, and a write fails
    with one line naming the path; the existing file is untouched."""
    where = tmpfs(64 * 1024, readonly=True)
    with pytest.raises(OSError, match=r"Read-only file system: '.*out\.nc'"):
        check_output_path(where / "out.nc")
    with pytest.raises(OSError, match=r"Read-only file system: '.*net\.pt'"):
        Network(TINY, seed=0).save(where / "net.pt")
    assert list(where.iterdir()) == []


def test_target_is_a_directory(tmp_path):
    """Writing over an existing folder is refused at once with EISDIR naming it."""
    (tmp_path / "out.pt").mkdir()
    with pytest.raises(IsADirectoryError, match=r"Is a directory: '.*out\.pt'"):
        Network(TINY, seed=0).save(tmp_path / "out.pt")
    with pytest.raises(IsADirectoryError, match=r"Is a directory"):
        check_output_path(tmp_path / "out.pt")
    assert list(tmp_path.iterdir()) == [tmp_path / "out.pt"]


def test_output_that_is_an_input_is_refused(tmp_path):
    """check_output_path refuses an output that is one of the inputs (also through a symlink or
    another spelling of the path), naming both."""
    model = Network(TINY, seed=0).save(tmp_path / "m.pt")
    good = model.read_bytes()
    (tmp_path / "link.pt").symlink_to(model)
    for out in (model, tmp_path / "link.pt", tmp_path / "sub" / ".." / "m.pt"):
        with pytest.raises(ValueError, match=r"--out .* is also an input of this command .*m\.pt.*destroy"):
            check_output_path(out, [None, model])
    assert model.read_bytes() == good
    assert check_output_path(tmp_path / "other.nc", [model]) == tmp_path / "other.nc"


# ------------------------------------------------------------------------------ stale temporaries


def test_stale_temporaries_are_removed_by_the_next_write(tmp_path):
    """Temporaries of a dead writer (pid gone) and old unnamed ones (an older version's) are
    removed by the next write to the same target; a live writer's and fresh unnamed ones stay,
    and temporaries of other targets are never touched."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    target = tmp_path / "rec.nc"
    stale_pid = tmp_path / f".rec.nc.{dead}.ab12cd34.part"
    stale_old = tmp_path / ".rec.nc.k2j4h5g6.part"
    live = tmp_path / f".rec.nc.{os.getppid()}.00000000.part"
    fresh_old = tmp_path / ".rec.nc.zzzzzzzz.part"
    other = tmp_path / f".other.nc.{dead}.ab12cd34.part"
    for p in (stale_pid, stale_old, live, fresh_old, other):
        p.write_bytes(b"half a file")
    past = time.time() - 3600
    os.utime(stale_old, (past, past))
    with atomic_path(target) as tmp:
        Path(tmp).write_text("done")
    assert target.read_text() == "done"
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([live.name, fresh_old.name, other.name, "rec.nc"])
    assert remove_stale_temporaries(tmp_path / "other.nc") == [other]


def test_failed_write_removes_its_temporary_on_any_exception(tmp_path, no_temporaries):
    """KeyboardInterrupt, Terminated and ordinary errors inside atomic_path all remove the
    temporary and leave the old file."""
    target = tmp_path / "f.txt"
    target.write_text("old")
    for exc in (KeyboardInterrupt(), Terminated("SIGTERM"), RuntimeError("boom"), MemoryError()):
        with pytest.raises(type(exc)):
            with atomic_path(target) as tmp:
                Path(tmp).write_text("new, half")
                raise exc
        assert target.read_text() == "old"
        no_temporaries(tmp_path)


# ------------------------------------------------------------------------------ SIGTERM mid-write

# The writer loads neurogen/_files.py on its own (it imports nothing from neurogen), so that the
# child starts in a fraction of a second instead of importing torch.
_WRITER = textwrap.dedent("""
    import importlib.util, sys, time
    from pathlib import Path
    spec = importlib.util.spec_from_file_location("_files", sys.argv[2])
    files = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(files)
    Terminated, atomic_path, terminate_cleanly = files.Terminated, files.atomic_path, files.terminate_cleanly
    try:
        with terminate_cleanly():
            with atomic_path(sys.argv[1]) as tmp:
                Path(tmp).write_text("half")
                print("writing", flush=True)
                time.sleep(60)
    except Terminated:
        sys.exit(143)
""")


def test_sigterm_during_a_write_cleans_up(tmp_path, no_temporaries):
    """SIGTERM while a file is being written: exit 143, the old file intact, no temporary."""
    target = tmp_path / "out.nc"
    target.write_text("old and good")
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target), _FILES], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        assert len(list(tmp_path.glob(".out.nc.*.part"))) == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 143
    finally:
        if proc.poll() is None:
            proc.kill()
    assert target.read_text() == "old and good"
    no_temporaries(tmp_path)


def test_sigkill_during_a_write_leaves_the_old_file(tmp_path):
    """kill -9 while writing leaves the old file intact; the next write removes the orphan."""
    target = tmp_path / "out.nc"
    target.write_text("old and good")
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target), _FILES], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        proc.kill()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert target.read_text() == "old and good"
    assert len(list(tmp_path.glob(".out.nc.*.part"))) == 1  # the orphan kill -9 leaves
    with atomic_path(target) as tmp:
        Path(tmp).write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.nc"]


def test_torch_tensor_save_error_message_is_one_line(tmp_path, monkeypatch):
    """Whatever torch raises mid-save with an errno, the user sees one line with the path."""
    def broken(obj, f, *a, **k):  # noqa: ANN001
        raise OSError(errno.EDQUOT, "Disk quota exceeded")

    monkeypatch.setattr(torch, "save", broken)
    with pytest.raises(OSError, match=r"^\[Errno 122\] Disk quota exceeded: '.*n\.pt'$"):
        Network(TINY, seed=0).save(tmp_path / "n.pt")
    assert list(tmp_path.iterdir()) == []
