"""neurogen.sweep on a real dask.distributed LocalCluster: worker death, resume, failing tasks, named tasks.

The ``neurogen sweep`` command line is parsed in :mod:`neurogen.cli`; its grid parsing and its
end-to-end run are tested here too.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

import cloudpickle
import dask
import numpy as np
import pytest
import xarray as xr

from neurogen.cli import main, parse_constants, parse_grid
from neurogen.sweep import TASKS, config_key, expand, sweep, sweep_task, task_parameters

# the workers get these task functions by value: they need not import this test file
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def task(x: int, marks: str, crash_at: int = -1, fail_at: int = -1) -> dict:
    """x²; logs every call as a file in ``marks``; dies once at ``crash_at``; raises at ``fail_at``."""
    folder = Path(marks)
    (folder / f"call-{x}-{uuid.uuid4().hex}").touch()
    if x == crash_at and not (folder / "crashed").exists():
        (folder / "crashed").touch()
        os._exit(1)  # the worker process dies mid-task, as on a kill or an out-of-memory
    if x == fail_at:
        msg = f"bad value {x}"
        raise ValueError(msg)
    return {"y": x * x, "parity": "even" if x % 2 == 0 else "odd"}


def calls(marks: Path, x: int) -> int:
    return len(list(marks.glob(f"call-{x}-*")))


@pytest.fixture(scope="module")
def client(local_cluster):
    return local_cluster


def result_files(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("*.json") if not p.name.endswith(".error.json"))


def test_expand_grid_and_list():
    """A dict is the cartesian product in itertools order; a complete list is recognised as a grid."""
    tasks, grid = expand({"a": [1, 2], "b": ["x", "y", "z"]})
    assert len(tasks) == 6 and tasks[0] == {"a": 1, "b": "x"} and tasks[-1] == {"a": 2, "b": "z"}
    assert grid == {"a": [1, 2], "b": ["x", "y", "z"]}
    assert expand({"a": 3})[0] == [{"a": 3}]
    _, grid = expand([{"a": 2, "b": 0}, {"a": 1, "b": 0}])
    assert grid == {"a": [2, 1], "b": [0]}
    assert expand([{"a": 1}, {"b": 2}])[1] is None
    assert expand([{"a": 1, "b": 1}, {"a": 2, "b": 2}])[1] is None  # not a full product
    with pytest.raises(ValueError, match="more than once"):
        expand([{"a": 1}, {"a": 1}])
    with pytest.raises(ValueError, match="empty"):
        expand({"a": []})
    with pytest.raises(ValueError, match="repeats"):
        expand({"a": [1, 1]})
    with pytest.raises(TypeError, match="configs"):
        expand("a=1")
    with pytest.raises(TypeError, match=r"configs\[0\]"):
        expand([1])


def test_config_key_is_stable():
    """Keys ignore key order and numpy scalar types, and tell different configs apart."""
    assert config_key({"a": np.int64(2), "lr": np.float32(0.5)}) == config_key({"lr": 0.5, "a": 2})
    assert config_key({"a": 2}) != config_key({"a": 3})
    assert len(config_key({"a": 1})) == 16
    with pytest.raises(TypeError, match="config"):
        config_key({"a": object()})
    with pytest.raises(ValueError, match="finite"):
        config_key({"a": float("nan")})


def test_parse_grid():
    """--grid values become ints, floats or strings."""
    assert parse_grid(["n_latent=2,5,10", "lr=1e-3", "act=tanh"]) == {
        "n_latent": [2, 5, 10], "lr": [0.001], "act": ["tanh"]}
    for bad in (["n_latent"], ["=1"], ["a=1", "a=2"], []):
        with pytest.raises(ValueError, match="grid"):
            parse_grid(bad)


def test_parse_constants():
    """--set values become ints, floats, bools, None or strings; a malformed one is named."""
    assert parse_constants(["n=3", "lr=1e-3", "flag=true", "x=none", "mnist=/data"]) == {
        "n": 3, "lr": 0.001, "flag": True, "x": None, "mnist": "/data"}
    with pytest.raises(ValueError, match="--set must be NAME=VALUE, got 'n'"):
        parse_constants(["n"])


def test_named_task_checks_parameters(tmp_path):
    """sweep_task refuses an unknown task or parameter before any cluster starts or file is written."""
    assert "n_latent" in task_parameters("train_elbo") and "data" not in task_parameters("train_elbo")
    with pytest.raises(ValueError, match=r"'task' must be one of \['train_elbo'\]: 'fly'"):
        sweep_task("fly", {"x": [1]}, tmp_path)
    with pytest.raises(ValueError, match=r"task train_elbo has no parameter\(s\) \['nlatent'\]"):
        sweep_task("train_elbo", {"nlatent": [2]}, tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert sorted(TASKS) == ["train_elbo"]


def test_bad_arguments(tmp_path):
    """Bad arguments are named before any cluster starts."""
    with pytest.raises(ValueError, match="out="):
        sweep({"x": [1]}, task)
    with pytest.raises(ValueError, match="retries"):
        sweep({"x": [1]}, task, out=tmp_path, retries=-1)
    with pytest.raises(ValueError, match=r"\['nope'\]"):
        sweep({"nope": [1]}, task, out=tmp_path, constants={"marks": "."})
    with pytest.raises(ValueError, match="both set"):
        sweep({"x": [1]}, task, out=tmp_path, constants={"x": 2})
    with pytest.raises(TypeError, match="client"):
        sweep({"x": [1]}, task, client=3.5, out=tmp_path, constants={"marks": str(tmp_path)})


def test_worker_death_and_failing_task(client, tmp_path):
    """A worker dies mid-task and one task raises: every result still arrives exactly once."""
    marks = tmp_path / "marks"
    marks.mkdir()
    out = tmp_path / "out"
    xs = list(range(6))
    ds = sweep({"x": xs}, task, client, out, constants={"marks": str(marks), "crash_at": 3, "fail_at": 5})
    assert (marks / "crashed").exists()
    assert calls(marks, 3) == 2  # killed once, then rerun by the scheduler
    assert ds.sizes == {"x": 6} and list(ds["x"].values) == xs
    np.testing.assert_array_equal(ds["y"].values[:5], np.array(xs[:5]) ** 2)
    assert np.isnan(ds["y"].values[5])
    assert list(ds["parity"].values) == ["even", "odd", "even", "odd", "even", ""]
    assert list(ds["error"].values[:5]) == [""] * 5 and "bad value 5" in ds["error"].values[5]
    errors = json.loads(ds.attrs["errors"])
    assert [e["config"]["x"] for e in errors] == [5] and "ValueError" in errors[0]["error"]
    assert ds.attrs["n_failed"] == 1 and ds.attrs["n_run"] == 6
    # one result file per successful config, named by its key, holding its config and result
    files = result_files(out)
    assert [f.stem for f in files] == sorted(
        config_key({"x": x, "marks": str(marks), "crash_at": 3, "fail_at": 5}) for x in xs[:5])
    for f in files:
        rec = json.loads(f.read_text())
        assert rec["result"]["y"] == rec["config"]["x"] ** 2
    assert len(list(out.glob("*.error.json"))) == 1
    assert not list(out.glob(".*.part"))  # no half-written files left behind


def test_resume_skips_finished_tasks(client, tmp_path):
    """A second call runs only what is missing (and what failed), reading back the rest."""
    marks = tmp_path / "marks"
    marks.mkdir()
    out = tmp_path / "out"
    const = {"marks": str(marks), "fail_at": 2}
    first = sweep([{"x": x} for x in range(3)], task, client, out, constants=const)
    assert first.attrs["n_failed"] == 1 and first.attrs["n_resumed"] == 0
    second = sweep({"x": list(range(5))}, task, client, out, constants=const)
    assert [calls(marks, x) for x in range(5)] == [1, 1, 2, 1, 1], sorted(p.name for p in marks.iterdir())  # 2 failed before: retried
    assert second.attrs["n_resumed"] == 2 and second.attrs["n_run"] == 3
    assert len(result_files(out)) == 4
    np.testing.assert_array_equal(second["y"].values[[0, 1, 3, 4]], [0, 1, 9, 16])
    # a damaged result file is recomputed, not trusted
    damaged = out / f"{config_key({'x': 4, **const})}.json"
    damaged.write_text("{not json")
    third = sweep({"x": list(range(5))}, task, client, out, constants=const)
    assert calls(marks, 4) == 2 and calls(marks, 2) == 3
    assert third.attrs["n_resumed"] == 3 and third.attrs["n_run"] == 2
    assert float(third["y"].sel(x=4)) == 16


def test_scheduler_address(client, tmp_path):
    """A scheduler address connects to a running cluster; a list of dicts gives dim ``task``."""
    marks = tmp_path / "marks"
    marks.mkdir()
    ds = sweep([{"x": 1}, {"x": 2, "fail_at": 0}], task, client.scheduler.address, tmp_path / "out",
               constants={"marks": str(marks)})
    assert ds.sizes == {"task": 2} and list(ds["y"].values) == [1, 4]
    assert list(ds["x"].values) == [1, 2] and list(ds["fail_at"].values) == ["None", "0"]


def test_cli_trains_a_grid(idx_dir, tmp_path, capsys):
    """`neurogen sweep --task train_elbo` trains one tiny network per grid point (own LocalCluster)."""
    out = tmp_path / "sweep"
    rc = main(["sweep", "--task", "train_elbo", "--grid", "n_latent=2,3", "--grid", "lr=1e-3", "--epochs", "1",
               "--out", str(out), "--workers", "1", "--set", "n_hidden=8", "--set", f"mnist={idx_dir}",
               "--set", "ll_samples=4"])
    assert rc == 0
    with xr.open_dataset(out / "sweep.nc") as ds:
        assert dict(ds.sizes) == {"n_latent": 2, "lr": 1}
        assert bool(np.isfinite(ds["test_elbo"]).all()) and bool((ds["test_elbo"] < 0).all())
        assert bool((ds["test_log_likelihood"] < 0).all())
    assert "2 run, 0 resumed, 0 failed" in capsys.readouterr().out
    assert main(["sweep", "--grid", "nlatent=2", "--out", str(out)]) == 2
    assert "no parameter(s) ['nlatent']" in capsys.readouterr().err
