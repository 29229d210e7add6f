"""Faults during ``neurogen train``: kill -9 and SIGTERM mid-run (then an exact resume), and a
resume asked with other settings (refused naming the field; ``--force`` starts over)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import torch

from neurogen.cli import main
from neurogen.network import Network

pytestmark = pytest.mark.usefixtures("torch_one_thread")


def _argv(idx_dir: Path, out: Path, *extra: str, epochs: int = 4, seed: int = 3) -> list[str]:
    return ["train", "--epochs", str(epochs), "--latent", "4", "--hidden", "16", "--device", "cpu",
            "--data", str(idx_dir), "--out", str(out), "--batch-size", "50", "--seed", str(seed),
            "--limit", "100", "--quiet", *extra]


def _wait_for(path: Path, proc, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"trainer exited early ({proc.returncode}): {proc.communicate()[1][-2000:]}")
        assert time.monotonic() < deadline, f"no {path.name} after {timeout} s"
        time.sleep(0.01)


def _same_weights(a: Path, b: Path) -> None:
    na, nb = Network.load(a), Network.load(b)
    for k, v in na.state_dict().items():
        assert torch.equal(v, nb.state_dict()[k]), k


@pytest.fixture(scope="module")
def reference(idx_dir, tmp_path_factory) -> Path:
    """An uninterrupted 4-epoch run, for the resumed runs to equal bit for bit."""
    out = tmp_path_factory.mktemp("ref") / "net.pt"
    assert main(_argv(idx_dir, out)) == 0
    return out


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_killed_training_resumes_exactly(idx_dir, tmp_path, cli_child, no_temporaries, reference, capsys, sig):
    """`neurogen train` killed mid-run (SIGKILL, or SIGTERM → exit 143 with one line): last.pt is
    a good checkpoint, no output and (for SIGTERM) no temporary is left, and `--resume` ends with
    the same weights as an uninterrupted run."""
    out = tmp_path / "net.pt"
    last = tmp_path / "net-checkpoints" / "last.pt"
    proc = cli_child(_argv(idx_dir, out), delay=0.15)
    _wait_for(last, proc)
    time.sleep(0.2)  # mid-epoch 2
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    if sig == signal.SIGTERM:
        assert proc.returncode == 143, stderr
        assert stderr.strip().splitlines() == ["neurogen train: terminated (SIGTERM); no partial files left"]
        no_temporaries(tmp_path)
    else:
        assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    done = torch.load(last, weights_only=True)["epoch"]
    assert 1 <= done < 4
    capsys.readouterr()
    assert main(_argv(idx_dir, out, "--resume")) == 0
    _same_weights(out, reference)
    no_temporaries(tmp_path)  # the resumed run's first write removed any orphan of the killed one


@pytest.mark.parametrize(
    ("change", "field"),
    [(["--seed", "4"], "seed (checkpoint 3, asked 4)"),
     (["--batch-size", "25"], "batch_size (checkpoint 50, asked 25)"),
     (["--limit", "60"], "n_train (checkpoint 100, asked 60)"),
     (["--epochs", "5"], "epochs (checkpoint 4, asked 5)"),
     (["--latent", "5"], "config")],
    ids=["seed", "batch-size", "limit", "epochs", "latent"],
)
def test_resume_with_changed_settings_is_refused(idx_dir, tmp_path, capsys, no_temporaries, change, field):
    """`train --resume` with another --seed, --batch-size, --limit, --epochs or --latent exits 2
    with one line naming the field; last.pt is unchanged and no output is written."""
    out = tmp_path / "net.pt"
    assert main(_argv(idx_dir, out, epochs=1)) == 0
    last = tmp_path / "net-checkpoints" / "last.pt"
    # make it a 4-epoch run that stopped after epoch 1: rewrite the settings' epochs to 4
    import json

    state = torch.load(last, weights_only=True)
    settings = json.loads(state["settings"])
    settings["epochs"] = 4
    state["settings"] = json.dumps(settings)
    torch.save(state, last)
    before, out_before = last.read_bytes(), out.read_bytes()
    capsys.readouterr()
    argv = _argv(idx_dir, out, "--resume")
    for i in range(0, len(change), 2):
        argv[argv.index(change[i]) + 1] = change[i + 1]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert "cannot resume" in err and field in err and "--force" in err, err
    assert last.read_bytes() == before and out.read_bytes() == out_before
    no_temporaries(tmp_path)


def test_force_starts_over(idx_dir, tmp_path, capsys):
    """`train --resume --force` with another seed trains from scratch: the same weights as a
    fresh run with that seed."""
    out = tmp_path / "net.pt"
    assert main(_argv(idx_dir, out, epochs=2, seed=3)) == 0
    with pytest.warns(UserWarning, match="starting over"):
        assert main(_argv(idx_dir, out, "--resume", "--force", epochs=2, seed=4)) == 0
    fresh = tmp_path / "fresh.pt"
    assert main(_argv(idx_dir, fresh, "--checkpoints", str(tmp_path / "ck2"), epochs=2, seed=4)) == 0
    _same_weights(out, fresh)
