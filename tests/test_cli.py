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


def test_train_limit_resume_and_force(idx_dir, tmp_path, capsys):
    """--limit trains on fewer images; --resume with another setting is refused naming the field;
    --force starts over and gives the same network as a fresh run."""
    base = ["train", *TINY, "--data", str(idx_dir), "--limit", "100", "--batch-size", "50",
            "--checkpoints", str(tmp_path / "ck"), "--quiet"]
    assert main([*base, "--epochs", "2", "--out", str(tmp_path / "a.pt")]) == 0
    capsys.readouterr()
    assert main([*base, "--epochs", "2", "--seed", "1", "--resume", "--out", str(tmp_path / "b.pt")]) == 2
    err = capsys.readouterr().err
    assert "cannot resume" in err and "seed (checkpoint 0, asked 1)" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "b.pt").exists()
    with pytest.warns(UserWarning, match="starting over"):
        assert main([*base, "--epochs", "2", "--seed", "1", "--resume", "--force", "--out", str(tmp_path / "b.pt")]) == 0
    assert main([*base[:-3], "--checkpoints", str(tmp_path / "ck2"), "--epochs", "2", "--seed", "1",
                 "--out", str(tmp_path / "c.pt")]) == 0
    b, c = Network.load(tmp_path / "b.pt"), Network.load(tmp_path / "c.pt")
    assert b.metadata["training"]["n_train"] == 100
    torch.testing.assert_close(b.state_dict(), c.state_dict(), rtol=0, atol=0)
    capsys.readouterr()


def test_resume_extends_a_finished_run(idx_dir, tmp_path, capsys):
    """`train --resume --epochs 2` after a finished 1-epoch run trains one more epoch (what the help
    says); here the schedule over 2 epochs gives epoch 1 the rate it had, so the result is the fresh
    2-epoch run's, bit for bit. A smaller --epochs, or an extension with another setting, is refused."""
    base = ["train", *TINY, "--data", str(idx_dir), "--limit", "100", "--batch-size", "50", "--quiet"]
    ck = ["--checkpoints", str(tmp_path / "ck")]
    assert main([*base, *ck, "--epochs", "1", "--out", str(tmp_path / "one.pt")]) == 0
    assert main([*base, *ck, "--epochs", "2", "--resume", "--out", str(tmp_path / "more.pt")]) == 0
    assert capsys.readouterr().out == ""
    assert main([*base, "--checkpoints", str(tmp_path / "ck2"), "--epochs", "2", "--out", str(tmp_path / "fresh.pt")]) == 0
    more, fresh = Network.load(tmp_path / "more.pt"), Network.load(tmp_path / "fresh.pt")
    assert more.metadata["training"]["epoch"] == 2
    torch.testing.assert_close(more.state_dict(), fresh.state_dict(), rtol=0, atol=0)
    for argv, field in ((["--epochs", "1"], "epochs (checkpoint 2, asked 1)"),
                        (["--epochs", "3", "--batch-size", "25"], "batch_size (checkpoint 50, asked 25)")):
        assert main([*base, *ck, *argv, "--resume", "--out", str(tmp_path / "no.pt")]) == 2
        assert field in capsys.readouterr().err
    assert not (tmp_path / "no.pt").exists()
    help_text = " ".join(_subparsers()["train"].format_help().split())
    assert "a larger --epochs extends a finished run when nothing else changed" in help_text


def test_info_prints_a_summary_and_json_the_full_record(cli_model, capsys):
    """`neurogen info --model PATH` prints a few summary lines (architecture, the file's sha256, how it
    was trained); --json prints the full record; --quiet prints nothing."""
    out, _, _ = cli_model
    assert main(["info", "--model", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Network(n_latent=4, n_hidden=16, activation='tanh', n_samples=2")
    assert lines[1] == f"sha256:     {sha256_file(out)}"
    assert any(line.startswith("trained:    1 epochs on") and "200 images" in line and "seed 3" in line
               for line in lines), lines
    assert len(lines) < 12 and "{" not in "".join(lines)
    assert main(["info", "--model", str(out), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["sha256"] == sha256_file(out) and record["config"]["n_latent"] == 4
    assert record["provenance"]["training"]["epoch"] == 1
    assert main(["info", "--model", str(out), "--quiet"]) == 0
    assert capsys.readouterr().out == ""


def _assert_one_line_error(capsys, argv: list[str], match: str, code: int = 2) -> str:
    """A library or file error: exactly one line on stderr, no traceback, exit ``code``."""
    assert run_main(argv) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert match in err, err
    return err


def _assert_misuse(capsys, argv: list[str], match: str) -> list[str]:
    """Misuse: the usage line, then one error line, exit 2, no traceback."""
    assert run_main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    assert len(lines) == 2, err
    assert lines[0].startswith("usage: neurogen"), err
    assert ": error: " in lines[1] and match in lines[1], err
    return lines


@pytest.mark.parametrize(
    ("argv", "match", "usage"),
    [
        (["train", *TINY, "--out", "x.pt"], "the following arguments are required: --epochs", True),
        (["train", "--epochs", "1", "--latent", "-1", "--out", "x.pt"], "argument --latent: must be an int >= 1, got -1",
         True),
        (["train", "--epochs", "1", "--latent", "four", "--out", "x.pt"], "invalid int value: 'four'", True),
        (["train", "--epochs", "0", *TINY, "--data", "IDX", "--out", "x.pt"], "argument --epochs: must be an int >= 1",
         True),
        (["fly"], "invalid choice: 'fly'", True),
        ([], "the following arguments are required: COMMAND", True),
        (["train", "--epochs", "1", "--out", "x.pt", "--bogus"], "unrecognized arguments: --bogus", True),
        (["info", "--model", "missing.pt"], "--model missing.pt: no such file", True),
        (["record", "--out", "x.nc", "--label", "six"], "invalid label 'six'", True),
        (["record", "--out", "x.nc", "--mode", "blur"], "invalid choice: 'blur'", True),
        (["record", "--out", "x.nc", "--complevel", "10"], "invalid choice: 10", True),
        (["record", "--out", "x.nc", "--noise", "0:1:1e-9"], "--noise 0:1:1e-9 makes 1,000,000,001 noise levels", True),
        (["record", "--out", "x.nc", "--noise", "nan"], "--noise must be a finite number", True),
        (["record", "--out", "x.nc", "--lesion", "a:b"], "--lesion should be unit indices", True),
        (["record", "--out", "x.nc", "--clamp", "3"], "--clamp should look like UNIT=VALUE", True),
        (["record", "--out", "x.nc", "--label", "1", "--label", "1"], "--label gives a label more than once", True),
        (["record", "--out", "no/such/folder/x.nc"], "--out no/such/folder/x.nc: the folder no/such/folder does not "
                                                      "exist", True),
        (["train", "--epochs", "1", "--keep", "5", "--out", "x.pt"], "--keep 5: kept epochs must lie in [1, 1]", True),
        (["sweep", "--grid", "n_latent", "--out", "s"], "--grid must be NAME=V1,V2,...", True),
        (["sweep", "--study", "train_elbo", "--grid", "n_latent=2", "--out", "s"],
         "unrecognized arguments: --study", True),
        (["export", "missing.nc", "--to", "nwb", "x.nwb"], "RECORDING missing.nc: no such file", True),
        (["info", "--list", "--model", "x.pt"], "give --model or --list, not both", True),
    ],
    ids=["no-epochs", "negative-latent", "non-int-latent", "zero-epochs", "unknown-command",
         "no-command", "unknown-flag", "missing-model", "bad-label", "bad-mode", "bad-complevel",
         "too-many-noise-levels", "nan-noise", "bad-lesion", "bad-clamp", "twice-label", "no-such-folder",
         "keep-beyond-epochs", "bad-grid", "sweep-study-renamed", "missing-recording", "list-and-model"],
)
def test_bad_arguments_exit_2(capsys, tmp_path, monkeypatch, neurogen_cache, idx_dir, argv, match, usage):
    """Bad arguments exit 2 without a traceback: misuse with the usage line, bad values in one line."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    argv = [str(idx_dir) if a == "IDX" else a for a in argv]
    if usage:
        _assert_misuse(capsys, argv, match)
    else:
        assert _assert_one_line_error(capsys, argv, match).startswith("neurogen")
    assert list(work.iterdir()) == []  # nothing written


def test_missing_data_folder_exit_2(capsys, tmp_path):
    """--data pointing at a missing folder is misuse naming it; nothing is written."""
    missing = tmp_path / "no-such-folder"
    out = tmp_path / "net.pt"
    _assert_misuse(capsys, ["train", "--epochs", "1", *TINY, "--data", str(missing), "--out", str(out)],
                   f"--data {missing}: no such folder")
    assert not out.exists()


def test_bad_data_file_exit_2(capsys, idx_dir, tmp_path):
    """A corrupt IDX file exits 2 with the DataError on one line."""
    import shutil

    data = Path(shutil.copytree(idx_dir, tmp_path / "idx"))
    (data / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08")
    _assert_one_line_error(capsys, ["train", "--epochs", "1", *TINY, "--data", str(data),
                                    "--out", str(tmp_path / "n.pt")], "truncated file (3 bytes")


def test_subprocess_bad_latent_exit_2(idx_dir, tmp_path):
    """`python -m neurogen.cli train --latent -1 ...` as a real process: status 2, no traceback, the
    usage line and one line naming the option."""
    proc = subprocess.run(
        [sys.executable, "-m", "neurogen.cli", "train", "--latent", "-1", "--epochs", "1",
         "--data", str(idx_dir), "--out", str(tmp_path / "n.pt")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[1:] == ["neurogen train: error: argument --latent: must be an int >= 1, got -1"]
    assert proc.stdout == ""
    assert not (tmp_path / "n.pt").exists()


def test_sweep_is_a_subcommand(tmp_path, capsys):
    """`neurogen sweep` parses through the main CLI; a bad grid is one line on stderr, exit 2."""
    rc = main(["sweep", "--grid", "nlatent=2", "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "no parameter(s) ['nlatent']" in err and "Traceback" not in err
    assert not (tmp_path / "s" / "sweep.nc").exists()


# --------------------------------------------------------------------------- a conventional CLI


def _subparsers() -> dict:
    import argparse

    from neurogen.cli import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


def test_version(capsys):
    """`neurogen --version` prints the package version and exits 0."""
    from neurogen._version import __version__

    assert run_main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"neurogen {__version__}"


HELP_IMPORTS = """
import sys
from neurogen.cli import main
try:
    main([sys.argv[1]])
except SystemExit:
    pass
heavy = sorted(m for m in ("torch", "xarray", "numpy", "netCDF4") if m in sys.modules)
print("HEAVY", heavy)
"""


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_nothing_heavy(flag):
    """`neurogen --help` / `--version` import neither torch nor xarray (4-7 s before, issue 29)."""
    proc = subprocess.run([sys.executable, "-c", HELP_IMPORTS, flag], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY []"


def test_help_opens_with_a_sentence_for_users(capsys):
    """`neurogen --help`: the usage line, then a sentence saying what neurogen does (not a module docstring)."""
    assert run_main(["--help"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[2].startswith("Study a trained deep generative model (a VAE) like a brain")
    assert "``" not in text and "argument parsing" not in text


def test_every_command_has_quiet():
    """--quiet / -q is an option of every command."""
    for name, sub in _subparsers().items():
        flags = {f for a in sub._actions for f in a.option_strings}
        assert {"--quiet", "-q"} <= flags, name


def test_every_option_has_help_defaults_and_examples():
    """Every option of every command has help; defaults are shown; each epilog has examples."""
    subs = _subparsers()
    assert set(subs) == {"train", "record", "concepts", "info", "study", "sweep", "replicate", "export"}
    for name, sub in subs.items():
        for action in sub._actions:
            assert action.help, f"neurogen {name} {action.option_strings or action.dest} has no help"
        assert sub.epilog.startswith("examples:") and f"neurogen {name}" in sub.epilog
    text = subs["record"].format_help()
    for shown in ("(default: 80)", "(default: 300)", "(default: invert)", "(default: 0)"):
        assert shown in text, text
    assert "(default: None)" not in text


def test_record_modes_and_sweep_tasks_come_from_the_library():
    """--mode offers the stimulus module's modes, --task the sweep module's tasks."""
    from neurogen.stimulus import MODES
    from neurogen.sweep import TASKS

    subs = _subparsers()
    mode = next(a for a in subs["record"]._actions if a.dest == "mode")
    task = next(a for a in subs["sweep"]._actions if a.dest == "task")
    assert list(mode.choices) == list(MODES)
    assert list(task.choices) == sorted(TASKS)


def test_study_and_profile_choices_are_the_registered_ones():
    """`study NAME` and `--profile` offer exactly neurogen.studies' STUDIES and PROFILES."""
    from neurogen.studies import PROFILES, STUDIES

    subs = _subparsers()
    name = next(a for a in subs["study"]._actions if a.dest == "name")
    assert list(name.choices) == list(STUDIES)
    for sub in ("study", "replicate"):
        profile = next(a for a in subs[sub]._actions if a.dest == "profile")
        assert list(profile.choices) == list(PROFILES)


@pytest.fixture(scope="module")
def tiny_model(cli_model) -> Path:
    """The checkpoint trained by the module's `neurogen train` run."""
    return cli_model[0]


def test_record_several_labels_quiet_and_location(tiny_model, idx_dir, tmp_path, capsys):
    """--label takes several labels (spaces, commas, repeats); --quiet silences stderr; the file
    written is printed, and it holds what was asked."""
    from neurogen import Recording

    out = tmp_path / "rec.nc"
    argv = ["record", "--model", str(tiny_model), "--data", str(idx_dir), "--label", "1,7", "--label", "3",
            "--trials", "2", "--noise", "0:0.2:0.1", "--steps", "3", "--device", "cpu", "--out", str(out)]
    assert main([*argv, "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")  # --quiet: nothing but errors
    with Recording.load(out) as rec:
        assert sorted(set(rec.dataset.label.values.tolist())) == [1, 3, 7]
        assert sorted(set(rec.dataset.noise.values.round(3).tolist())) == [0.0, 0.1, 0.2]
        assert rec.n_trials == 3 * 2 * 3 and rec.dataset.sizes["time"] == 4
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "recording 18 trials × 4 time points" in captured.err
    assert captured.out.strip().splitlines()[-1] == f"wrote {out}"


def test_record_trials_per_label_without_label(tiny_model, idx_dir, tmp_path, capsys):
    """Without --label, --trials is per label of each of the ten labels, as its help says; more
    trials than a label has images is one line naming --trials."""
    from neurogen import Recording

    out = tmp_path / "rec.nc"
    base = ["record", "--model", str(tiny_model), "--data", str(idx_dir), "--steps", "1", "--device", "cpu", "-q"]
    assert main([*base, "--trials", "2", "--out", str(out)]) == 0
    with Recording.load(out) as rec:
        labels = rec.dataset.label.values.tolist()
    assert sorted(set(labels)) == list(range(10)) and all(labels.count(k) == 2 for k in range(10))
    assert "source images per label (each of the ten labels without --label)" in " ".join(
        _subparsers()["record"].format_help().split())
    _assert_one_line_error(capsys, [*base, "--trials", "21", "--out", str(tmp_path / "r2.nc")],
                           "--trials 21: label 0 has only 20 images")
    assert not (tmp_path / "r2.nc").exists()


@pytest.mark.parametrize("command", ["record", "study", "export"])
def test_out_never_creates_folders_above_an_existing_one(tiny_model, tmp_path, capsys, command):
    """--out in a folder that does not exist is refused (it used to make the folders); a folder
    --out DIR is created only inside an existing one."""
    deep = tmp_path / "no" / "such"
    argv = {"record": ["record", "--model", str(tiny_model), "--out", str(deep / "x.nc")],
            "study": ["study", "fig2", "--profile", "tiny", "--out", str(deep)],
            "export": ["export", str(tiny_model), "--to", "pynapple-npz", str(deep)]}[command]
    _assert_misuse(capsys, argv, f"the folder {deep.parent if command != 'record' else deep} does not exist")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", ["folder", "same-as-model", "parent-is-file"])
def test_out_checked_before_any_work(tiny_model, tmp_path, capsys, case):
    """--out that is a folder, the input model, or under a file: usage + one error line, exit 2,
    before anything is loaded (a missing --data would fail otherwise) and the input kept intact."""
    before = sha256_file(tiny_model)
    (tmp_path / "afile").write_text("x")
    out = {"folder": str(tmp_path), "same-as-model": str(tiny_model),
           "parent-is-file": str(tmp_path / "afile" / "rec.nc")}[case]
    match = {"folder": "is an existing folder", "same-as-model": "is also an input of this command",
             "parent-is-file": "is a file, not a folder"}[case]
    _assert_misuse(capsys, ["record", "--model", str(tiny_model), "--data", str(tmp_path / "no-such-data"),
                            "--out", out], match)
    assert sha256_file(tiny_model) == before


def test_out_folder_of_study_checked(tmp_path, capsys):
    """replicate/study/sweep --out must be a folder: an existing file is refused before any work."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    _assert_misuse(capsys, ["replicate", "--out", str(afile)], "is a file; give a folder")
    _assert_misuse(capsys, ["sweep", "--grid", "n_latent=2", "--out", str(afile)], "is a file; give a folder")
    assert afile.read_text() == "x"


def test_oversized_steps_refused_before_running(tiny_model, idx_dir, tmp_path, capsys):
    """--steps beyond the documented limit is refused with how to lift it; nothing is written."""
    _assert_one_line_error(capsys, ["record", "--model", str(tiny_model), "--data", str(idx_dir), "--trials", "2",
                                    "--steps", "1000000000", "--out", str(tmp_path / "r.nc")], "--force")
    assert list(tmp_path.iterdir()) == []


def test_os_error_during_work_is_one_line_exit_1(tiny_model, idx_dir, tmp_path, capsys, monkeypatch):
    """An OS error while working (here a simulated full disk) prints one line naming the path, exit 1."""
    import errno

    import neurogen.engine

    out = tmp_path / "r.nc"

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(out))

    monkeypatch.setattr(neurogen.engine, "run", full)
    err = _assert_one_line_error(capsys, ["record", "--model", str(tiny_model), "--data", str(idx_dir),
                                          "--trials", "2", "--steps", "2", "--quiet", "--out", str(out)], "No space left on device", code=1)
    assert str(out) in err


def test_force_and_quiet_reach_the_library(monkeypatch, tmp_path, capsys):
    """train --force passes force=True to neurogen.training.train; --quiet reaches replicate and
    run_study as quiet=True (fake library functions record what they get)."""
    import types

    import neurogen.training

    got: dict = {}

    def fake_train(*args, **kwargs):
        got.update(kwargs)
        raise ValueError("stopped by the test")

    monkeypatch.setattr(neurogen.training, "train", fake_train)
    monkeypatch.setattr("neurogen._commands._data", lambda source, split: _FakeData())
    _assert_one_line_error(capsys, ["train", "--epochs", "1", *TINY, "--force", "--quiet",
                                    "--out", str(tmp_path / "n.pt")], "stopped by the test")
    assert got["force"] is True and got["progress"] is False

    calls = []
    fake_report = types.ModuleType("neurogen.studies.report")
    fake_report.replicate = lambda profile, out, device, studies, *, quiet=False, **kw: calls.append(
        ("replicate", quiet)) or Path(out) / "index.html"
    fake_studies = types.ModuleType("neurogen.studies")
    fake_studies.STUDIES, fake_studies.PROFILES = {"fig2": None}, {"tiny": None}
    fake_studies.run_study = lambda name, profile, out, device, *, quiet=False: calls.append(("study", quiet)) or \
        types.SimpleNamespace(claims=[], files=[])
    fake_studies.report = fake_report
    monkeypatch.setitem(sys.modules, "neurogen.studies", fake_studies)
    monkeypatch.setitem(sys.modules, "neurogen.studies.report", fake_report)
    assert main(["replicate", "--profile", "tiny", "--out", str(tmp_path / "rep"), "--quiet"]) == 0
    assert main(["study", "fig2", "--profile", "tiny", "--out", str(tmp_path / "st"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert calls == [("replicate", True), ("study", True)]


class _FakeData:
    """Stands in for MNIST where a test stops before the data is used."""

    def select(self, **kwargs):
        return self


def test_study_script_defaults_out(monkeypatch, tmp_path):
    """The thin scripts' entry runs `neurogen study NAME` with --out out/NAME unless given (and
    makes the folder out/, which --out would not)."""
    import neurogen.cli

    monkeypatch.chdir(tmp_path)
    seen = []
    monkeypatch.setattr(neurogen.cli, "main", lambda argv: seen.append(argv) or 0)
    assert neurogen.cli.study_script("fig2", ["--profile", "tiny"]) == 0
    assert neurogen.cli.study_script("fig2", ["--out", "elsewhere"]) == 0
    assert seen == [["study", "fig2", "--profile", "tiny", "--out", "out/fig2"], ["study", "fig2", "--out", "elsewhere"]]
    assert (tmp_path / "out").is_dir()


def test_noise_levels():
    """start:stop:step includes stop; single values pass; too many levels need force."""
    from neurogen.cli import noise_levels

    assert noise_levels(["0:1:0.25"]) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert noise_levels(["0.2", "0.5:0.7:0.1"]) == [0.2, 0.5, 0.6, 0.7]
    with pytest.raises(ValueError, match="more than the limit of 10,001; use a coarser step, or --force"):
        noise_levels(["0:1:1e-5"])
    assert len(noise_levels(["0:1:1e-5"], force=True)) == 100_001
    with pytest.raises(ValueError, match="step must be > 0"):
        noise_levels(["0:1:0"])
    with pytest.raises(ValueError, match="start:stop:step"):
        noise_levels(["0:1"])


def test_record_with_lesion_and_clamp(tmp_path, idx_dir, capsys):
    """`record --lesion … --clamp …` holds and drives units; the file says what was done."""
    import json

    import numpy as np

    from neurogen.network import Network, NetworkConfig
    from neurogen.recording import Recording

    model = Network(NetworkConfig(n_latent=6, n_hidden=32), seed=0).save(tmp_path / "m.pt")
    out = tmp_path / "rec.nc"
    assert run_main(["record", "--model", str(model), "--data", str(idx_dir), "--label", "6", "--trials", "3",
                     "--steps", "4", "--lesion", "0,1", "--lesion-value", "0.5", "--clamp", "2=1.0@1:3",
                     "--out", str(out), "--quiet"]) == 0
    with Recording.load(out) as rec:
        z = rec.latent.values
        assert np.all(z[:, :, :2] == np.float32(0.5))
        assert np.all(z[:, 1:3, 2] == np.float32(1.0)) and not np.all(z[:, 0, 2] == np.float32(1.0))
        done = json.loads(rec.attrs["interventions"])
    assert [d["kind"] for d in done] == ["Lesion", "Clamp"]


def test_record_lesion_value_needs_lesion(tmp_path, idx_dir, capsys):
    """--lesion-value without --lesion is misuse: usage line, one error line, exit 2."""
    code = run_main(["record", "--data", str(idx_dir), "--lesion-value", "0", "--out", str(tmp_path / "r.nc")])
    assert code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "--lesion-value needs --lesion" in err
