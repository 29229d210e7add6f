"""Leaving cleanly: multi-file exports are atomic as a whole (atomic_dir), SIGTERM stops the work
(exit 143) also when its exception lands where Python swallows it, a large sweep stops at once,
and an --out name too long for its temporary is handled before the work."""

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

from neurogen import Digits, Network, NetworkConfig, Probe, Stimulus, run
from neurogen._files import FOLDER_MARKER, Terminated, atomic_dir, atomic_path, check_output_dir, check_output_path
from neurogen.cli import main

TINY = NetworkConfig(n_latent=4, n_hidden=16)


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    """Two recordings: ``with_data`` (latent and data) and ``latent_only``, saved as .nc."""
    folder = tmp_path_factory.mktemp("recs")
    rng = np.random.default_rng(0)
    stim = Stimulus.from_dataset(Digits(rng.random((6, 784), dtype=np.float32), np.arange(6)), seed=0)
    net = Network(TINY, seed=0)
    both = run(net, stim, steps=2, probe=Probe(["latent", "data"]), progress=False).save(folder / "both.nc")
    latent = run(net, stim, steps=3, progress=False).save(folder / "latent.nc")
    return both, latent


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# --------------------------------------------------------------------------- folder-atomic exports


@pytest.mark.parametrize("fault", ["disk-full", "sigterm"])
def test_pynapple_export_over_an_older_one_is_atomic(recordings, tmp_path, monkeypatch, fault, no_temporaries):
    """An export into the folder of an older export that fails on its second file (disk full, or
    SIGTERM) leaves the older export exactly as it was, with no staging folder beside it (it
    used to leave the new latent.npz beside the old trials.npz and data.npz)."""
    import pynapple as nap

    from neurogen.nwb import export

    both, latent = recordings
    out = tmp_path / "export"
    export(both, "pynapple-npz", out)
    before = snapshot(out)
    assert sorted(before) == ["data.npz", "latent.npz", "trials.npz"]
    real = nap.IntervalSet.save

    def second_file_fails(self, filename):
        if fault == "sigterm":
            raise Terminated("terminated by signal 15 (SIGTERM)")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(nap.IntervalSet, "save", second_file_fails)
    with pytest.raises(Terminated if fault == "sigterm" else OSError) as info:
        export(latent, "pynapple-npz", out)
    if fault == "disk-full":
        assert str(info.value) == f"[Errno 28] No space left on device: '{out}'"
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]
    monkeypatch.setattr(nap.IntervalSet, "save", real)
    export(latent, "pynapple-npz", out)  # a complete new export replaces the old one as a whole
    assert sorted(snapshot(out)) == ["latent.npz", "trials.npz"]
    no_temporaries(tmp_path)


def test_pynapple_export_never_replaces_a_folder_of_other_files(recordings, tmp_path, capsys):
    """Exporting into a folder holding someone else's files is refused before any work (the
    whole folder would be replaced)."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    assert main(["export", str(recordings[1]), "--to", "pynapple-npz", str(out)]) == 2
    assert "holding files neurogen did not write" in capsys.readouterr().err
    assert snapshot(out) == {"thesis.tex": b"precious"}


def test_atomic_dir_swaps_a_folder_as_a_whole(tmp_path):
    """atomic_dir: the old folder stays until the new one is complete, then is replaced in one
    step; a failure leaves it; the next call removes a staging folder left by kill -9; a folder
    it made (with its marker) may be replaced, a foreign one may not."""
    target = tmp_path / "report"
    with atomic_dir(target) as stage:
        (stage / "index.html").write_text("one")
        assert not target.exists() and stage.parent == tmp_path
    assert snapshot(target) == {FOLDER_MARKER: snapshot(target)[FOLDER_MARKER], "index.html": b"one"}
    with pytest.raises(RuntimeError), atomic_dir(target) as stage:
        (stage / "index.html").write_text("half")
        raise RuntimeError("boom")
    assert (target / "index.html").read_text() == "one"
    orphan = tmp_path / ".report.999999999.abcdef12.part"  # a staging folder of a dead writer
    orphan.mkdir()
    with atomic_dir(target) as stage:
        (stage / "other.html").write_text("two")
    assert sorted(p.name for p in target.iterdir()) == [FOLDER_MARKER, "other.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "a.txt").write_text("x")
    with pytest.raises(FileExistsError, match="holding files neurogen did not write"):
        check_output_dir(foreign)
    assert check_output_dir(foreign, replaceable=["*.txt"]) == foreign


# --------------------------------------------------------------------------- SIGTERM

# the child runs the CLI; the first time the hooked function (argv[1]: module, argv[2]: attribute
# path) is called, an object's __del__ sends SIGTERM to this process and sleeps, so the handler's
# exception is raised inside __del__, where Python swallows it
_SWALLOWED = textwrap.dedent("""
    import os, signal, sys, time
    import importlib
    owner = importlib.import_module(sys.argv[1])
    *path, name = sys.argv[2].split(".")
    for part in path:
        owner = getattr(owner, part)
    real = getattr(owner, name)
    fired = []

    class _Bomb:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.5)  # the handler runs here: its Terminated is swallowed

    def hooked(*args, **kwargs):
        if not fired:
            fired.append(1)
            print("signalled", flush=True)
            _Bomb()
        return real(*args, **kwargs)

    setattr(owner, name, hooked)
    if sys.argv[3] == "sweep":
        import neurogen.sweep
        neurogen.sweep.TASKS["nap"] = "fault_task:nap"
    from neurogen.cli import main
    if __name__ == "__main__":
        raise SystemExit(main(sys.argv[3:]))
""")


def _child(tmp_path: Path, argv: list[str], hook: str) -> subprocess.CompletedProcess:
    module, name = hook.split(":")
    (tmp_path / "fault_task.py").write_text("import time\n\ndef nap(*, i: int = 0) -> dict:\n"
                                            "    time.sleep(0.1)\n    return {'v': i}\n")
    script = tmp_path / "child.py"
    script.write_text(_SWALLOWED)
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, str(script), module, name, *argv], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env=env)


def test_sigterm_swallowed_in_del_still_stops_an_export(recordings, tmp_path, no_temporaries):
    """SIGTERM landing in a __del__ (Python swallows the handler's exception) during
    `export --to nwb`: exit 143 with one line, no NWB file, no temporary (the export used to
    complete and exit 0)."""
    out = tmp_path / "out.nwb"
    proc = _child(tmp_path, ["export", str(recordings[0]), "--to", "nwb", str(out)], "neurogen.nwb:build_file")
    assert "signalled" in proc.stdout
    assert proc.returncode == 143, proc.stderr
    assert proc.stderr.strip().splitlines() == ["neurogen export: terminated (SIGTERM); no partial files left"]
    assert not out.exists()
    no_temporaries(tmp_path)


def test_sigterm_stops_a_sweep_at_once(tmp_path, no_temporaries):
    """A SIGTERM swallowed in a __del__ at the sweep's first finished task (its progress update):
    the sweep stops at the next poll and exits 143 with one line, in seconds (it used to run
    every task; a large sweep took 30–37 s to exit, with tracebacks)."""
    out = tmp_path / "runs"
    t0 = time.monotonic()
    proc = _child(tmp_path, ["sweep", "--task", "nap", "--grid", "i=" + ",".join(map(str, range(400))),
                             "--out", str(out), "--workers", "2", "--quiet"], "tqdm.std:tqdm.update")
    elapsed = time.monotonic() - t0
    assert "signalled" in proc.stdout
    assert proc.returncode == 143, proc.stderr[-3000:]
    assert proc.stderr.strip().splitlines() == ["neurogen sweep: terminated (SIGTERM); no partial files left"]
    assert len(list(out.glob("*.json"))) < 100  # 400 tasks × 0.1 s on 2 workers would take 20 s
    assert elapsed < 30, elapsed
    no_temporaries(out)


# --------------------------------------------------------------------------- long names


def test_long_out_name_gets_its_temporary(tmp_path):
    """A 245-character file name (legal: 255 is the limit) is written although its temporary's
    usual name would be too long (it failed with 'File name too long' after the work); a
    256-character one is refused before any work, naming the limit."""
    long = tmp_path / ("n" * 242 + ".pt")
    assert check_output_path(long) == long
    with atomic_path(long) as tmp:
        assert len(Path(tmp).name) <= 255
        Path(tmp).write_text("done")
    assert long.read_text() == "done"
    with pytest.raises(OSError, match=r"file name too long \(256 bytes; this file system allows 255\)"):
        check_output_path(tmp_path / ("n" * 253 + ".pt"))


def test_train_with_a_long_out_name_keeps_its_final_save(idx_dir, tmp_path, capsys):
    """`train --out <245 characters>` saves the trained network (it used to train, then fail)."""
    out = tmp_path / ("t" * 242 + ".pt")
    argv = ["train", "--epochs", "1", "--latent", "2", "--hidden", "8", "--limit", "50", "--batch-size", "50",
            "--data", str(idx_dir), "--device", "cpu", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0, capsys.readouterr().err
    assert Network.load(out).config.n_latent == 2
    too_long = tmp_path / ("t" * 250 + ".pt")  # its checkpoint folder's name would be 258 bytes
    assert main([*argv, "--out", str(too_long)]) == 2
    err = capsys.readouterr().err
    assert "--out (its checkpoint folder)" in err and "file name too long" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, out.stem + "-checkpoints"])


def test_terminate_cleanly_exits_143_when_the_work_ended_after_a_swallowed_sigterm():
    """The flag outlives a swallowed exception: the block ends with Terminated all the same."""
    from neurogen._files import terminate_cleanly

    class _Bomb:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)

    with pytest.raises(Terminated), terminate_cleanly():
        _Bomb()
        time.sleep(0.05)
