"""Tests for the ``neurogen`` command line: ``train`` and ``info``, and how bad input is reported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from neurogen._files import sha256_file
from neurogen.cli import main
from neurogen.network import Network, NetworkConfig

pytestmark = pytest.mark.usefixtures("torch_one_thread")

TINY = ["--latent", "4", "--hidden", "16", "--device", "cpu"]


def run_main(argv: list[str]) -> int:
    """main(argv)'s exit status, whether it returns it or raises SystemExit (argparse errors)."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code)


@pytest.fixture(scope="module")
def cli_model(idx_dir, tmp_path_factory) -> tuple[Path, str, str]:
    """One `neurogen train` run (1 epoch): (checkpoint path, stdout, stderr)."""
    out = tmp_path_factory.mktemp("cli") / "net.pt"
    argv = ["train", "--epochs", "1", *TINY, "--data", str(idx_dir), "--out", str(out),
            "--batch-size", "50", "--seed", "3", "--keep", "1"]
    import io
    from contextlib import redirect_stderr, redirect_stdout

    so, se = io.StringIO(), io.StringIO()
    with redirect_stdout(so), redirect_stderr(se):
        assert main(argv) == 0
    return out, so.getvalue(), se.getvalue()


def test_train_writes_a_loadable_checkpoint(cli_model):
    """`neurogen train` exits 0 and writes a checkpoint with the asked architecture and provenance."""
    out, stdout, _ = cli_model
    net = Network.load(out)
    assert net.config == NetworkConfig(n_latent=4, n_hidden=16)
    assert net.sha256 == sha256_file(out)
    training = net.metadata["training"]
    assert training["epoch"] == 1 and training["seed"] == 3 and training["batch_size"] == 50
    assert training["n_train"] == 200 and "idx" in training["data"]
    assert net.metadata["command"].startswith("neurogen train --epochs 1 --latent 4")
    assert net.metadata["wall_seconds"] >= 0
    assert "trained Network(n_latent=4" in stdout and "test ELBO" in stdout
    assert net.sha256[:16] in stdout


def test_train_checkpoint_folder_defaults_next_to_out(cli_model):
    """Without --checkpoints, last.pt and kept epochs go to OUT-checkpoints/."""
    out, _, _ = cli_model
    ck = out.with_name("net-checkpoints")
    assert sorted(p.name for p in ck.iterdir()) == ["epoch-0001.pt", "last.pt"]
    assert Network.load(ck / "epoch-0001.pt").metadata["training"]["epoch"] == 1
    torch.testing.assert_close(Network.load(ck / "epoch-0001.pt").state_dict(),
                               Network.load(out).state_dict(), rtol=0, atol=0)


def test_train_limit_and_resume(idx_dir, tmp_path, capsys):
    """--limit trains on fewer images; --resume continues from --checkpoints to more epochs."""
    base = ["train", *TINY, "--data", str(idx_dir), "--limit", "100", "--batch-size", "50",
            "--checkpoints", str(tmp_path / "ck")]
    assert main([*base, "--epochs", "1", "--out", str(tmp_path / "a.pt")]) == 0
    assert main([*base, "--epochs", "2", "--resume", "--out", str(tmp_path / "b.pt")]) == 0
    assert main([*base[:-2], "--checkpoints", str(tmp_path / "ck2"), "--epochs", "2",
                 "--out", str(tmp_path / "c.pt")]) == 0
    b, c = Network.load(tmp_path / "b.pt"), Network.load(tmp_path / "c.pt")
    assert b.metadata["training"]["n_train"] == 100
    torch.testing.assert_close(b.state_dict(), c.state_dict(), rtol=0, atol=0)
    capsys.readouterr()


def test_info_prints_config_and_sha256(cli_model, capsys):
    """`neurogen info --model PATH` prints the architecture, the file's sha256 and provenance."""
    out, _, _ = cli_model
    assert main(["info", "--model", str(out)]) == 0
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert lines[0].startswith("Network(n_latent=4, n_hidden=16, activation='tanh', n_samples=2")
    assert lines[1] == f"sha256: {sha256_file(out)}"
    provenance = json.loads("\n".join(lines[2:]))
    assert provenance["training"]["epoch"] == 1


def _assert_one_line_error(capsys, argv: list[str], match: str) -> str:
    assert run_main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert match in err, err
    return err


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["train", *TINY, "--out", "x.pt"], "the following arguments are required: --epochs"),
        (["train", "--epochs", "1", "--latent", "-1", "--out", "x.pt"], "'n_latent' must be >= 1: -1"),
        (["train", "--epochs", "1", "--latent", "four", "--out", "x.pt"], "invalid int value: 'four'"),
        (["train", "--epochs", "0", *TINY, "--data", "IDX", "--out", "x.pt"],
         "'epochs' must be a positive int: 0"),
        (["fly"], "invalid choice: 'fly'"),
        ([], "the following arguments are required: command"),
        (["train", "--epochs", "1", "--out", "x.pt", "--bogus"], "unrecognized arguments: --bogus"),
        (["info", "--model", "missing.pt"], "missing.pt: checkpoint not found"),
    ],
    ids=["no-epochs", "negative-latent", "non-int-latent", "zero-epochs", "unknown-command",
         "no-command", "unknown-flag", "missing-model"],
)
def test_bad_arguments_exit_2_with_one_line(capsys, tmp_path, monkeypatch, neurogen_cache, idx_dir,
                                            argv, match):
    """Bad arguments exit with status 2 and one line on stderr, without a traceback."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    argv = [str(idx_dir) if a == "IDX" else a for a in argv]
    err = _assert_one_line_error(capsys, argv, match)
    assert err.startswith("neurogen")
    assert list(work.iterdir()) == []  # nothing written


def test_missing_data_folder_exit_2(capsys, tmp_path):
    """--data pointing at a missing folder exits 2 with one line naming it; nothing is written."""
    missing = tmp_path / "no-such-folder"
    out = tmp_path / "net.pt"
    _assert_one_line_error(capsys, ["train", "--epochs", "1", *TINY, "--data", str(missing),
                                    "--out", str(out)], f"{missing}: not a directory")
    assert not out.exists()


def test_bad_data_file_exit_2(capsys, idx_dir, tmp_path):
    """A corrupt IDX file exits 2 with the DataError on one line."""
    import shutil

    data = Path(shutil.copytree(idx_dir, tmp_path / "idx"))
    (data / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08")
    _assert_one_line_error(capsys, ["train", "--epochs", "1", *TINY, "--data", str(data),
                                    "--out", str(tmp_path / "n.pt")], "truncated file (3 bytes")


def test_keep_out_of_range_exit_2(capsys, idx_dir, tmp_path):
    """--keep beyond --epochs is bad input (exit 2), reported before any training."""
    _assert_one_line_error(capsys, ["train", "--epochs", "1", *TINY, "--data", str(idx_dir),
                                    "--keep", "5", "--out", str(tmp_path / "n.pt")],
                           "'keep' epochs must be ints in [1, 1]: [5]")


def test_subprocess_bad_latent_exit_2(idx_dir, tmp_path):
    """`python -m neurogen.cli train --latent -1 ...` as a real process: status 2, no traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "neurogen.cli", "train", "--latent", "-1", "--epochs", "1",
         "--data", str(idx_dir), "--out", str(tmp_path / "n.pt")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == ["neurogen train: error: 'n_latent' must be >= 1: -1"]
    assert proc.stdout == ""
    assert not (tmp_path / "n.pt").exists()


def test_sweep_is_a_subcommand(tmp_path, capsys):
    """`neurogen sweep` parses through the main CLI; a bad grid is one line on stderr, exit 2."""
    rc = main(["sweep", "--grid", "nlatent=2", "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "no parameter(s) ['nlatent']" in err and "Traceback" not in err
    assert not (tmp_path / "s" / "sweep.nc").exists()
