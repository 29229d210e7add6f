"""Weak messages become one line naming what is wrong: deeply nested JSON (checkpoint metadata,
resume state, NWB notes), bad NWB files, CLI values named by their option (--trials, --noise,
--clamp, --scheduler), and a NEUROGEN_CACHE that is a file."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch

from neurogen import Digits, Network, NetworkConfig, Stimulus, run
from neurogen._checkpoint import CheckpointError
from neurogen.cli import main
from neurogen.data import DataError, load_mnist
from neurogen.recording import RecordingError
from neurogen.training import train

TINY = NetworkConfig(n_latent=4, n_hidden=16)
DEEP = "[" * 100_000 + "]" * 100_000  # RecursionError in json.loads


def one_line(capsys, argv: list[str], code: int = 2) -> str:
    """Run the CLI: exit ``code``, no traceback, the error on one line (after the usage line)."""
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own errors exit from the parser
        status = exc.code
    assert status == code
    err = capsys.readouterr().err
    lines = [line for line in err.strip().splitlines() if not line.startswith("usage:")]
    assert "Traceback" not in err and len(lines) == 1, err
    return lines[0]


# --------------------------------------------------------------------------- deeply nested JSON


def test_deeply_nested_checkpoint_metadata(tmp_path):
    """Metadata nested 100,000 levels deep: a CheckpointError naming the depth (a RecursionError
    traceback before)."""
    path = Network(TINY, seed=0).save(tmp_path / "deep.pt")
    payload = torch.load(path, weights_only=True)
    payload["metadata"] = DEEP
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=r"deep\.pt: the checkpoint's metadata is nested more than 64 levels"):
        Network.load(path)


def test_deeply_nested_resume_state(tmp_path, tiny_digits):
    """A last.pt whose settings are nested 100,000 deep: `cannot resume`, one line."""
    ck = tmp_path / "ck"
    net = Network(TINY, seed=0)
    train(net, tiny_digits.select(n=50, seed=0), 1, batch_size=50, checkpoint_dir=ck, device="cpu", progress=False)
    state = torch.load(ck / "last.pt", weights_only=True)
    state["settings"] = DEEP
    torch.save(state, ck / "last.pt")
    with pytest.raises(CheckpointError, match=r"last\.pt: cannot resume from this checkpoint: its settings is "
                                              r"nested more than 64 levels deep"):
        train(net, tiny_digits.select(n=50, seed=0), 2, batch_size=50, checkpoint_dir=ck, resume=True,
              device="cpu", progress=False)


@pytest.fixture(scope="module")
def nwb_file(tmp_path_factory) -> Path:
    from neurogen.nwb import to_nwb

    rng = np.random.default_rng(0)
    stim = Stimulus.from_dataset(Digits(rng.random((4, 784), dtype=np.float32), np.arange(4)), seed=0)
    rec = run(Network(TINY, seed=0), stim, steps=2, progress=False)
    return to_nwb(rec, tmp_path_factory.mktemp("nwb") / "rec.nwb")


def test_deeply_nested_nwb_notes(nwb_file, tmp_path):
    """NWB notes nested 100,000 deep: a RecordingError, not a RecursionError."""
    from neurogen.nwb import from_nwb

    path = tmp_path / "deep.nwb"
    path.write_bytes(nwb_file.read_bytes())
    with h5py.File(path, "r+") as f:
        del f["general/notes"]
        f["general/notes"] = DEEP
    with pytest.raises(RecordingError, match=r"deep\.nwb: the NWB notes is nested more than 64 levels deep"):
        from_nwb(path)


@pytest.mark.parametrize("damage", ["not-hdf5", "truncated", "no-trials-column"])
def test_bad_nwb_files_are_one_recording_error(nwb_file, tmp_path, damage):
    """from_nwb on a file that is not HDF5, a truncated one, or one missing a column: a
    RecordingError naming the file (raw OSError, KeyError or RuntimeError before)."""
    from neurogen.nwb import from_nwb

    path = tmp_path / "bad.nwb"
    raw = nwb_file.read_bytes()
    if damage == "not-hdf5":
        path.write_text("just text\n")
    elif damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    else:
        path.write_bytes(raw)
        with h5py.File(path, "r+") as f:
            del f["intervals/trials/start_time"]
    with pytest.raises(RecordingError, match=r"bad\.nwb: ") as info:
        from_nwb(path)
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- CLI values


@pytest.fixture
def model(tmp_path) -> Path:
    return Network(TINY, seed=0).save(tmp_path / "m.pt")


def _record(model: Path, idx_dir: Path, tmp_path: Path, *extra: str) -> list[str]:
    return ["record", "--model", str(model), "--data", str(idx_dir), "--out", str(tmp_path / "r.nc"), "--quiet",
            "--trials", "2", "--steps", "3", *extra]


@pytest.mark.parametrize(
    ("extra", "match"),
    [(["--trials", "0"], "argument --trials: must be an int >= 1, got 0"),
     (["--steps", "-1"], "argument --steps: must be an int >= 0, got -1"),
     (["--noise", "1:0:0.1"], "--noise 1:0:0.1: the range is reversed (start 1 > stop 0)"),
     (["--noise", "0:1e-11:1e-12"], "step 1e-12 is finer than the 1e-10 resolution of noise levels"),
     (["--noise", "0.2", "--noise", "0:1:0.1"], "--noise gives the level 0.2 more than once"),
     (["--noise", "0:1:1e-320"], "--noise 0:1:1e-320: step 9.99989e-321 is finer than the 1e-10 resolution"),
     (["--steps", "80", "--clamp", "0=1@100:200"],
      "--clamp 0=1@100:200: its window starts at step 100, after the last step 80 (--steps); it would never act")],
    ids=["trials-0", "steps-negative", "reversed-noise", "noise-collapse", "noise-duplicate", "noise-1e-320",
         "clamp-after-steps"],
)
def test_cli_values_are_named_by_their_option(model, idx_dir, tmp_path, capsys, extra, match):
    """Each bad value is one line naming the option (`'n' must be >= 1` for --trials, an
    OverflowError traceback for 0:1:1e-320, a clamp that silently did nothing, before)."""
    line = one_line(capsys, _record(model, idx_dir, tmp_path, *extra))
    assert match in line, line
    assert not (tmp_path / "r.nc").exists()


def test_refused_scheduler_is_named_at_once(tmp_path, capsys):
    """A scheduler port nothing listens on: one line naming --scheduler in a second (30 s before)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    line = one_line(capsys, ["sweep", "--grid", "n_latent=2", "--scheduler", f"tcp://127.0.0.1:{port}",
                             "--out", str(tmp_path / "runs")])
    assert time.perf_counter() - t0 < 5
    assert f"--scheduler tcp://127.0.0.1:{port}: cannot reach a dask scheduler there (Connection refused)" in line


def test_neurogen_cache_that_is_a_file(tmp_path, monkeypatch):
    """NEUROGEN_CACHE naming a file: a DataError naming the variable ('File exists' before)."""
    cache = tmp_path / "cache"
    cache.write_text("not a folder")
    monkeypatch.setenv("NEUROGEN_CACHE", str(cache))
    with pytest.raises(DataError, match=rf"^NEUROGEN_CACHE={cache} is a file, not a folder; point NEUROGEN_CACHE "
                                        r"at a folder"):
        load_mnist("train")
    assert cache.read_text() == "not a folder"  # the file is untouched
