"""Unbounded loads and requests are refused before they cost: a checkpoint zip bomb, IDX headers
claiming a billion images, IDX "files" that are /dev/zero or a FIFO, weights that overflow the
network's float32, and unit selections or sweep grids far beyond the subject or the limits."""

from __future__ import annotations

import gzip
import os
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from neurogen._checkpoint import CheckpointError, tensors_sha256
from neurogen.cli import main
from neurogen.data import DataError, load_mnist, write_idx
from neurogen.network import Network, NetworkConfig
from neurogen.sweep import expand

TINY = NetworkConfig(n_latent=4, n_hidden=16)
IMAGES, LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"


def peak_rss_mb(code: str, timeout: float = 60) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter (memory capped at 4 GB, so a regression cannot hurt the
    machine); return its peak RSS beyond the imports (MB) and its output."""
    script = textwrap.dedent("""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))
        import neurogen.data, neurogen.network
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    """) + textwrap.dedent(code) + textwrap.dedent("""
        print("PEAK_MB", (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    peak = float(proc.stdout.split("PEAK_MB")[-1])
    return peak, proc.stdout


# --------------------------------------------------------------------------- checkpoints


def zip_bomb(good: Path, out: Path, inflated_mb: int) -> Path:
    """``good`` with its first weight record replaced by ``inflated_mb`` MB of zeros, deflated."""
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename.endswith("/data/0"):
                with dst.open(info.filename, "w", force_zip64=True) as fh:
                    for _ in range(inflated_mb):
                        fh.write(bytes(2**20))
            else:
                dst.writestr(info.filename, src.read(info.filename))
    return out


def test_checkpoint_zip_bomb_is_refused_before_inflating(tmp_path):
    """A checkpoint of a few hundred KB whose weight record inflates to 256 MB is refused from the
    zip's declared sizes, in milliseconds and without the memory (it used to be read in full)."""
    good = Network(TINY, seed=0).save(tmp_path / "good.pt")
    with zipfile.ZipFile(good) as z:  # the records of a torch checkpoint are stored, not deflated
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}
    bomb = zip_bomb(good, tmp_path / "bomb.pt", 256)
    assert bomb.stat().st_size < 2**20
    t0 = time.perf_counter()
    with pytest.raises(CheckpointError, match=r"bomb\.pt: the checkpoint's zip records declare 268,.* bytes "
                                              r"uncompressed in a .*-byte file .*zip bomb"):
        Network.load(bomb)
    assert time.perf_counter() - t0 < 1.0
    peak, _ = peak_rss_mb(f"""
        from neurogen._checkpoint import CheckpointError
        try:
            neurogen.network.Network.load({str(bomb)!r})
        except CheckpointError:
            pass
    """)
    assert peak < 64, peak


def test_float64_weights_that_overflow_float32_are_refused(tmp_path):
    """float64 weights of 1e300 with a recomputed tensor hash are finite, but inf in the float32 the
    network computes in: refused naming the tensor (they used to load as inf)."""
    path = Network(TINY, seed=0).save(tmp_path / "big.pt")
    payload = torch.load(path, weights_only=True)
    payload["state_dict"] = {k: v.double() for k, v in payload["state_dict"].items()}
    payload["state_dict"]["dec_out.bias"][0] = 1e300
    payload["tensors_sha256"] = tensors_sha256(payload["state_dict"])
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=r"big\.pt: dec_out\.bias holds weights beyond the range of float32 "
                                              r"\(largest magnitude 1e\+300\)"):
        Network.load(path)


def test_checkpoint_that_is_a_fifo_or_a_device_is_refused(tmp_path):
    """A 'checkpoint' that is a FIFO (it used to block forever) or /dev/zero is refused at once."""
    fifo = tmp_path / "net.pt"
    os.mkfifo(fifo)
    (tmp_path / "zero.pt").symlink_to("/dev/zero")
    t0 = time.perf_counter()
    with pytest.raises(CheckpointError, match=r"net\.pt: cannot read the checkpoint: the checkpoint is a FIFO"):
        Network.load(fifo)
    with pytest.raises(CheckpointError, match=r"zero\.pt: cannot read the checkpoint: the checkpoint is a device"):
        Network.load(tmp_path / "zero.pt")
    assert time.perf_counter() - t0 < 1.0


# --------------------------------------------------------------------------- IDX files


def idx_folder(tmp_path: Path, n: int = 20) -> Path:
    folder = tmp_path / "idx"
    write_idx(folder, "train", np.zeros((n, 28, 28), np.uint8), np.arange(n) % 10)
    return folder


def test_idx_header_claiming_a_billion_images_is_refused_from_the_header(tmp_path):
    """A small .gz whose header claims 10⁹ images is refused from the header alone, before
    anything is inflated (it used to inflate the whole stream first)."""
    folder = idx_folder(tmp_path)
    payload = struct.pack(">HBB3I", 0, 8, 3, 10**9, 28, 28) + bytes(32 * 2**20)
    (folder / IMAGES).unlink()
    (folder / (IMAGES + ".gz")).write_bytes(gzip.compress(payload, compresslevel=1))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz: the header claims 1,000,000,000 items, "
                                        r"more than the 1,000,000 neurogen reads"):
        load_mnist("train", path=folder)
    peak, _ = peak_rss_mb(f"""
        try:
            neurogen.data.load_mnist("train", path={str(folder)!r})
        except neurogen.data.DataError:
            pass
    """)
    assert peak < 16, peak


def test_consistent_gzipped_idx_is_read_incrementally(tmp_path):
    """40,000 zero images in a 30 KB .gz (31 MB of pixels): the load costs the float32 result
    (125 MB) and a few blocks, never a full uint8 copy or a second float32 one (it cost 181 MB)."""
    folder = tmp_path / "idx"
    write_idx(folder, "train", np.zeros((40_000, 28, 28), np.uint8), np.arange(40_000) % 10, gz=True)
    peak, out = peak_rss_mb(f"""
        d = neurogen.data.load_mnist("train", path={str(folder)!r})
        print("N", len(d), float(d.images.max()))
    """)
    assert "N 40000 0.0" in out
    assert peak < 125.4 + 20, peak


@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
def test_idx_that_is_not_a_regular_file_is_refused(tmp_path, kind):
    """An IDX 'file' that is a symlink to /dev/zero (read without bound before) or a FIFO (the
    load hung forever) is refused at once, naming what it is."""
    folder = idx_folder(tmp_path)
    (folder / IMAGES).unlink()
    if kind == "fifo":
        os.mkfifo(folder / IMAGES)
    else:
        (folder / IMAGES).symlink_to("/dev/zero")
    code = f"""
        try:
            neurogen.data.load_mnist("train", path={str(folder)!r})
        except neurogen.data.DataError as err:
            print("REFUSED", err)
    """
    peak, out = peak_rss_mb(code, timeout=30)
    what = "a FIFO" if kind == "fifo" else "a device"
    assert f"REFUSED {folder / IMAGES}: cannot read (the IDX file is {what}, not a regular file)" in out, out
    assert peak < 16, peak


# --------------------------------------------------------------------------- requests


@pytest.fixture
def tiny_model(tmp_path) -> Path:
    return Network(TINY, seed=0).save(tmp_path / "m.pt")


@pytest.mark.parametrize("flag", [["--lesion", "0:20000000"], ["--clamp", "0:20000000=1"]], ids=["lesion", "clamp"])
def test_units_beyond_the_subject_are_refused_before_allocating(tiny_model, idx_dir, tmp_path, capsys, flag):
    """`--lesion 0:20000000` / `--clamp 0:20000000=1` on a 4-unit subject: one line naming the
    option and the subject's width, in well under a second (it used to build 20 million units)."""
    t0 = time.perf_counter()
    code = main(["record", "--model", str(tiny_model), "--data", str(idx_dir), "--trials", "1", "--steps", "1",
                 *flag, "--out", str(tmp_path / "r.nc"), "--quiet"])
    assert time.perf_counter() - t0 < 1.5
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"{flag[0]} 0:20000000: names unit 19,999,999, but the subject has 4 units (0 to 3)" in err
    assert not (tmp_path / "r.nc").exists()


def test_sweep_grid_beyond_the_limit_is_refused_unless_forced(tmp_path, capsys):
    """A 10⁶-task grid is refused from its size before one task is made; force lifts the limit;
    the CLI says so in one line."""
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"the sweep has 1,000,000 tasks \(1,000 a × 1,000 b\), more than the "
                                         r"limit of 10,000; .*--force"):
        expand({"a": list(range(1000)), "b": list(range(1000))})
    assert time.perf_counter() - t0 < 0.5
    assert len(expand({"a": list(range(200)), "b": list(range(60))}, force=True)[0]) == 12_000
    grid = ",".join(map(str, range(1000)))
    assert main(["sweep", "--grid", f"n_latent={grid}", "--grid", f"seed={grid}", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "1,000,000 tasks" in err, err
