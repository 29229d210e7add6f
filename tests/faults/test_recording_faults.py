"""Faults around recordings and concepts files: flipped bytes, disk full, read-only, SIGTERM.

Each test asserts the message (a :class:`RecordingError` naming the file and the variable, or one
line naming the path) and that nothing was lost: the old file intact, no temporary left, no
descriptor left open, and the process able to write again.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
import pytest
import torch
import xarray as xr

from neurogen import ConceptHierarchy, Digits, Network, NetworkConfig, Probe, Recording, Stimulus, run
from neurogen.recording import RecordingError, RecordingWriter


def make_recording(n: int = 40, steps: int = 6) -> Recording:
    """A small in-memory recording of an untrained tiny VAE (latent and data)."""
    rng = np.random.default_rng(0)
    digits = Digits(rng.random((n, 784), dtype=np.float32), np.arange(n) % 10, name="random")
    torch.manual_seed(0)
    net = Network(NetworkConfig(n_latent=4, n_hidden=16), seed=0)
    stim = Stimulus.from_dataset(digits, noise=[0.1, 0.3], seed=1)
    return run(net, stim, steps=steps, probe=Probe(["latent", "data"]), progress=False)


@pytest.fixture(scope="module")
def recording() -> Recording:
    return make_recording()


def flip_chunk_byte(path: Path, variable: str) -> None:
    """Flip one byte in the middle of ``variable``'s first stored chunk."""
    with h5py.File(path, "r") as f:
        info = f[variable].id.get_chunk_info(0)
    raw = bytearray(path.read_bytes())
    raw[info.byte_offset + info.size // 2] ^= 0xFF
    path.write_bytes(bytes(raw))


def open_descriptors(folder: Path) -> list[str]:
    """Paths under ``folder`` this process holds open (Linux)."""
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)):
            out.append(target)
    return out


# --------------------------------------------------------------------------- flipped bytes


@pytest.mark.parametrize("complevel", [0, 1], ids=["uncompressed", "compressed"])
def test_flipped_byte_in_a_signal(recording, tmp_path, complevel):
    """A flipped byte in 'latent' is a RecordingError naming the file and 'latent', lazily on read
    and at once with lazy=False; the other signal still reads."""
    path = recording.save(tmp_path / "rec.nc", complevel=complevel)
    flip_chunk_byte(path, "latent")
    with Recording.load(path) as rec:  # coordinates are intact: it opens
        np.testing.assert_array_equal(rec.data.values, recording.data.values)
        with pytest.raises(RecordingError, match=r"rec.nc: variable 'latent' is corrupt \(HDF5 checksum"):
            _ = rec.latent.values
    with pytest.raises(RecordingError, match=r"rec.nc: variable 'latent' is corrupt"):
        Recording.load(path, lazy=False)


def test_flipped_byte_in_a_coordinate(recording, tmp_path):
    """A flipped byte in a trial coordinate is found when the file is opened (coordinates load eagerly)."""
    path = recording.save(tmp_path / "rec.nc", complevel=0)
    flip_chunk_byte(path, "noise")
    with pytest.raises(RecordingError, match=r"rec.nc: variable 'noise' is corrupt"):
        Recording.load(path)


def test_flipped_byte_in_a_concepts_file(tmp_path):
    """A flipped byte in a concepts file's memories is a RecordingError naming 'memory'."""
    rng = np.random.default_rng(0)
    h = ConceptHierarchy.from_patterns(rng.normal(size=(50, 8)).astype(np.float32), np.arange(50) % 5)
    path = h.save(tmp_path / "c.nc")
    flip_chunk_byte(path, "memory")
    with pytest.raises(RecordingError, match=r"c.nc: variable 'memory' is corrupt"):
        ConceptHierarchy.load(path)


# --------------------------------------------------------------------------- disk full, read-only


def test_disk_full_simulated(recording, tmp_path, monkeypatch, no_temporaries):
    """netCDF's bare "HDF error" on a full disk becomes one line with ENOSPC naming the file; the old
    file stays, no temporary or descriptor is left, and the next save works."""
    import neurogen._netcdf

    path = recording.save(tmp_path / "rec.nc")
    before = path.read_bytes()
    real_define = RecordingWriter._define

    class Full:
        def __setitem__(self, key, value):
            raise RuntimeError("NetCDF: HDF error")

    def define(self, *args):
        real_define(self, *args)
        self._vars = {k: Full() for k in self._vars}

    monkeypatch.setattr(RecordingWriter, "_define", define)
    monkeypatch.setattr(neurogen._netcdf.shutil, "disk_usage", lambda p: SimpleNamespace(free=0))
    with pytest.raises(OSError, match=rf"\[Errno 28\] No space left on device: '{path}'") as info:
        recording.save(path)
    assert info.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert path.read_bytes() == before
    no_temporaries(tmp_path)
    assert open_descriptors(tmp_path) == []
    recording.save(path)
    xr.testing.assert_equal(Recording.load(path, lazy=False).dataset, recording.dataset)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_disk_full_on_a_real_tmpfs(tmpfs, no_temporaries):
    """On a real 256 KB tmpfs a 1 MB recording and a large concepts file fail with ENOSPC naming the
    path; the space is freed (no deleted file held open) and the same process writes again."""
    where = tmpfs(256 * 1024)
    big = make_recording(n=200, steps=10)
    target = where / "rec.nc"
    with pytest.raises(OSError, match=rf"No space left on device: '{target}'"):
        big.save(target, complevel=0)
    assert list(where.iterdir()) == [] and open_descriptors(where) == []
    assert os.statvfs(where).f_bfree * os.statvfs(where).f_frsize > 200 * 1024
    rng = np.random.default_rng(0)
    h = ConceptHierarchy.from_patterns(rng.normal(size=(5000, 20)).astype(np.float32), np.arange(5000) % 10)
    with pytest.raises(OSError, match=rf"No space left on device: '{where / 'c.nc'}'"):
        h.save(where / "c.nc")
    assert list(where.iterdir()) == [] and open_descriptors(where) == []
    small = big.isel(trial=[0, 1], time=[0, 1])
    small.save(where / "small.nc")  # the process can write again
    xr.testing.assert_equal(Recording.load(where / "small.nc", lazy=False).dataset, small.dataset)
    no_temporaries(where)


def test_read_only_target(tmpfs, recording, tmp_path, capsys):
    """A read-only place: save fails with one line naming the path; the CLI refuses before any work."""
    from neurogen.cli import main

    where = tmpfs(64 * 1024, readonly=True)
    with pytest.raises(OSError, match=rf"Read-only file system: '{where / 'r.nc'}'"):
        recording.save(where / "r.nc")
    assert main(["record", "--model", str(tmp_path / "missing.pt"), "--out", str(where / "r.nc")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("usage: neurogen record") and err[1].endswith("Read-only file system")


def test_interrupted_stream_closes_and_removes(recording, tmp_path, monkeypatch, no_temporaries):
    """A KeyboardInterrupt in the middle of run(out=...) leaves no file, temporary or descriptor."""
    real_write = RecordingWriter.write

    def interrupt(self, *args):
        real_write(self, *args)
        raise KeyboardInterrupt

    monkeypatch.setattr(RecordingWriter, "write", interrupt)
    rng = np.random.default_rng(0)
    digits = Digits(rng.random((20, 784), dtype=np.float32), np.arange(20) % 10, name="random")
    stim = Stimulus.from_dataset(digits, seed=0)
    with pytest.raises(KeyboardInterrupt):
        run(Network(NetworkConfig(n_latent=4, n_hidden=16)), stim, steps=2, out=tmp_path / "r.nc",
            batch_size=5, progress=False)
    assert list(tmp_path.iterdir()) == []
    assert open_descriptors(tmp_path) == []


# --------------------------------------------------------------------------- SIGTERM

# the child records with a tiny network whose encode sleeps, so that SIGTERM lands mid-run
_SLOW_RECORD = textwrap.dedent("""
    import sys, time
    import torch
    torch.set_num_threads(1)
    from neurogen.network import Network
    _real = Network.encode
    def _slow(self, x):
        time.sleep(0.02)
        return _real(self, x)
    Network.encode = _slow
    from neurogen.cli import main
    raise SystemExit(main(sys.argv[1:]))
""")


@pytest.mark.slow
def test_sigterm_during_record(idx_dir, tmp_path, no_temporaries):
    """SIGTERM during `neurogen record` exits 143 with one line; no file and no temporary remain,
    and the old recording at the same path is intact."""
    model = tmp_path / "m.pt"
    Network(NetworkConfig(n_latent=4, n_hidden=16), seed=0).save(model)
    out = tmp_path / "rec.nc"
    make_recording(n=10, steps=2).save(out)
    before = out.read_bytes()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_RECORD, "record", "--model", str(model), "--data",
                             str(idx_dir), "--trials", "2", "--steps", "2000", "--device", "cpu", "--quiet",
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".rec.nc.*.part")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the child never started writing"
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, stderr
    assert stderr.strip().splitlines() == ["neurogen record: terminated (SIGTERM); no partial files left"]
    assert out.read_bytes() == before
    no_temporaries(tmp_path)
