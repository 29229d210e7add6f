"""Parameter sweeps on ``dask.distributed``: one task per configuration, one result file per task.

This module owns :func:`sweep` (map a function over a grid of configurations on a dask.distributed
cluster — a local process cluster by default, any scheduler when given), :func:`expand` (a grid or
a list of configurations → the task list), :func:`config_key` (a configuration's stable name) and
the named tasks the ``neurogen sweep`` command runs (:data:`TASKS`, :func:`sweep_task`; the
command's argument parsing lives in :mod:`neurogen.cli`).

Fault tolerance, in three layers:

* every task writes ``out/<config_key>.json`` atomically when it succeeds; a later call with the
  same ``out`` skips the configurations whose file is there (resume after a crash);
* a task whose worker process dies (killed, out of memory, segfault) is rerun by the scheduler on
  another worker, up to ``retries`` times (the scheduler's ``allowed-failures``);
* a task that raises is *not* retried (an exception is taken to be deterministic): it is reported
  in the result with its configuration (variable ``error`` and attrs ``errors``), its traceback is
  kept in ``out/<config_key>.error.json``, and the other tasks go on. A rerun retries it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import inspect
import itertools
import json
import logging
import math
import os
import socket
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from neurogen._checks import MAX_SWEEP_TASKS
from neurogen._files import atomic_path, check_terminated, remove_dead_writers_temporaries

__all__ = ["sweep", "expand", "config_key", "TASKS", "MAX_SWEEP_TASKS", "check_scheduler", "sweep_task",
           "task_function", "task_parameters"]

_FORMAT = "neurogen-sweep-result-1"
_RESERVED = ("error", "task_seconds")
log = logging.getLogger(__name__)

#: Task functions ``neurogen sweep --task NAME`` can run ("module:function").
TASKS = {"train_elbo": "neurogen.evaluation:train_elbo"}


# ------------------------------------------------------------------------------------ configs


def _plain(value: Any, where: str, finite: bool = True) -> Any:
    """A JSON-able copy of ``value`` (numpy scalars → Python), or a TypeError naming ``where``."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if finite and not math.isfinite(value):
            msg = f"{where} must be finite, got {value!r}."
            raise ValueError(msg)
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v, where, finite) for v in value]
    msg = f"{where} must be a number, string, bool or None, got {type(value).__name__} ({value!r})."
    raise TypeError(msg)


def config_key(config: Mapping[str, Any]) -> str:
    """A stable 16-hex-digit name for ``config`` (sha256 of its canonical JSON, keys sorted).

    Examples
    --------
    >>> config_key({"n_latent": 2, "lr": 0.001}) == config_key({"lr": 1e-3, "n_latent": 2})
    True
    """
    if not isinstance(config, Mapping):
        msg = f"config must be a mapping, got {type(config).__name__}."
        raise TypeError(msg)
    plain = {str(k): _plain(v, f"config[{k!r}]") for k, v in config.items()}
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def expand(configs: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]], *, force: bool = False
           ) -> tuple[list[dict[str, Any]], dict[str, list[Any]] | None]:
    """Turn ``configs`` into the list of task configurations and, when it is a grid, the grid.

    Parameters
    ----------
    configs : dict of lists, or list of dicts
        ``{"n_latent": [2, 5], "seed": [0, 1]}`` is the cartesian product (4 tasks, in
        ``itertools.product`` order); a scalar value counts as a one-element list. A list of dicts
        is taken as is; if it happens to be a complete product of its keys' values it is also
        reported as a grid.

    force : bool
        Allow more than :data:`~neurogen._checks.MAX_SWEEP_TASKS` tasks (counted before any
        task is made).

    Returns
    -------
    tasks : list of dict
    grid : dict of lists or None
        The grid's dims and their values, in the tasks' order; ``None`` when not a grid.
    """
    if isinstance(configs, Mapping):
        if not configs:
            msg = "configs must name at least one parameter, got an empty dict."
            raise ValueError(msg)
        grid: dict[str, list[Any]] = {}
        for name, values in configs.items():
            if not isinstance(name, str) or not name.isidentifier():
                msg = f"configs keys must be parameter names, got {name!r}."
                raise ValueError(msg)
            vals = list(values) if isinstance(values, (list, tuple, np.ndarray, range)) else [values]
            if not vals:
                msg = f"configs[{name!r}] is empty; give at least one value."
                raise ValueError(msg)
            vals = [_plain(v, f"configs[{name!r}]") for v in vals]
            if len({json.dumps(v) for v in vals}) != len(vals):
                msg = f"configs[{name!r}] repeats a value: {vals}."
                raise ValueError(msg)
            grid[name] = vals
        _check_count(math.prod(len(v) for v in grid.values()), force,
                     " × ".join(f"{len(v):,} {k}" for k, v in grid.items()))
        tasks = [dict(zip(grid, combo)) for combo in itertools.product(*grid.values())]
        return tasks, grid
    if isinstance(configs, (str, bytes)) or not isinstance(configs, Sequence):
        msg = f"configs must be a dict of lists (a grid) or a list of dicts, got {type(configs).__name__}."
        raise TypeError(msg)
    if not configs:
        msg = "configs is an empty list; give at least one configuration."
        raise ValueError(msg)
    _check_count(len(configs), force, "configurations listed")
    tasks = []
    for i, c in enumerate(configs):
        if not isinstance(c, Mapping):
            msg = f"configs[{i}] must be a dict, got {type(c).__name__}."
            raise TypeError(msg)
        tasks.append({str(k): _plain(v, f"configs[{i}][{k!r}]") for k, v in c.items()})
    keys = [config_key(t) for t in tasks]
    if len(set(keys)) != len(keys):
        dup = next(t for t, k in zip(tasks, keys) if keys.count(k) > 1)
        msg = f"configs lists the configuration {dup} more than once."
        raise ValueError(msg)
    return tasks, _as_grid(tasks)


def _check_count(n: int, force: bool, what: str) -> None:
    if n > MAX_SWEEP_TASKS and not force:
        msg = (f"the sweep has {n:,} tasks ({what}), more than the limit of {MAX_SWEEP_TASKS:,}; narrow "
               "the grid, or pass force=True (--force) if you mean it.")
        raise ValueError(msg)


def check_scheduler(address: str, *, name: str = "client", timeout: float = 5.0) -> None:
    """Refuse at once a scheduler address nothing listens on (dask would retry for 30 s).

    ``tcp://host:port`` (or ``host:port``) is tried with one TCP connection; other schemes
    (``tls://``, ``inproc://``, ...) are left to dask.

    Raises
    ------
    ValueError
        Connection refused, no such host, or no answer within ``timeout`` seconds.
    """
    text = str(address)
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme != "tcp":
        return
    host, colon, port = rest.rstrip("/").rpartition(":")
    if not colon or not port.isdigit():
        msg = f"{name} {address}: expected tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786."
        raise ValueError(msg)
    host = host.strip("[]") or "127.0.0.1"
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as err:
        reason = err.strerror or str(err) or type(err).__name__
        msg = f"{name} {address}: cannot reach a dask scheduler there ({reason})."
        raise ValueError(msg) from None


def _kill_workers(cluster: Any) -> None:
    """SIGKILL the worker processes of a LocalCluster this call started (by their pids)."""
    import signal

    for nanny in list(getattr(cluster, "workers", {}).values()):
        pid = getattr(getattr(getattr(nanny, "process", None), "process", None), "pid", None)
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))


@contextlib.contextmanager
def _quiet_shutdown() -> Iterator[None]:
    """Silence distributed's loggers while an interrupted sweep's cluster is torn down."""
    names = ["distributed", *(n for n in list(logging.root.manager.loggerDict) if n.startswith("distributed."))]
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _as_grid(tasks: list[dict[str, Any]]) -> dict[str, list[Any]] | None:
    names = list(tasks[0])
    if not names or any(set(t) != set(names) for t in tasks):
        return None
    grid = {n: list({json.dumps(t[n]): t[n] for t in tasks}.values()) for n in names}
    if math.prod(len(v) for v in grid.values()) != len(tasks):
        return None
    order = [dict(zip(grid, c)) for c in itertools.product(*grid.values())]
    return grid if {config_key(t) for t in order} == {config_key(t) for t in tasks} else None


def _check_params(fn: Callable[..., Any], names: set[str]) -> None:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature: let the task tell
        return
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return
    accepted = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    unknown = sorted(names - accepted)
    if unknown:
        msg = f"fn does not accept the configuration parameter(s) {unknown}; it takes {sorted(accepted)}."
        raise ValueError(msg)


# ------------------------------------------------------------------------------------ tasks


def _run_task(fn: Callable[..., Mapping[str, Any]], config: dict[str, Any], path: str) -> dict[str, Any]:
    """Run one configuration on a worker; write its result file; return the record."""
    t0 = time.perf_counter()
    record: dict[str, Any] = {"format": _FORMAT, "key": Path(path).stem, "config": config,
                              "host": socket.gethostname(), "pid": os.getpid()}
    try:
        out = fn(**config)
        if not isinstance(out, Mapping):
            msg = f"fn must return a dict of scalars, got {type(out).__name__}."
            raise TypeError(msg)
        result = {str(k): _plain(v, f"result[{k!r}]", finite=False) for k, v in out.items()}
        bad = [k for k, v in result.items() if isinstance(v, list) or k in _RESERVED]
        if bad:
            msg = f"fn's result must map names to scalars (reserved: {_RESERVED}); bad entries {bad}."
            raise ValueError(msg)
    except Exception as err:  # reported with its config, not retried: see the module docstring
        record.update(error=f"{type(err).__name__}: {err}", traceback=traceback.format_exc(),
                      seconds=time.perf_counter() - t0)
        _write(Path(path).with_suffix(".error.json"), record)
        return record
    record.update(result=result, seconds=time.perf_counter() - t0,
                  finished=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    _write(Path(path), record)
    with contextlib.suppress(FileNotFoundError):
        Path(path).with_suffix(".error.json").unlink()
    return record


def _write(path: Path, record: dict[str, Any]) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(record, indent=1))


def _read(path: Path, config: dict[str, Any]) -> dict[str, Any] | None:
    """A finished task's record, or None if it is missing, unreadable or for another config."""
    if not path.is_file():
        return None
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        log.warning("%s: unreadable result file (%s); rerunning that task", path, err)
        return None
    if not isinstance(rec, dict) or rec.get("format") != _FORMAT or "result" not in rec:
        return None
    if config_key(rec.get("config", {})) != config_key(config):
        log.warning("%s: holds another configuration; rerunning that task", path)
        return None
    return rec


@contextlib.contextmanager
def _client(client: Any, retries: int, n_workers: int | None) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if isinstance(client, Client):
        yield client
        return
    if client is None:
        import dask

        # the scheduler reruns a task whose worker died up to `retries` times
        with dask.config.set({"distributed.scheduler.allowed-failures": retries}):
            cluster = LocalCluster(n_workers=n_workers or os.cpu_count() or 1, threads_per_worker=1,
                                   processes=True, dashboard_address=":0",
                                   silence_logs=logging.ERROR)
        own = Client(cluster)
        try:
            yield own
        except BaseException:  # interrupted (Ctrl-C, SIGTERM) or failed: tear down at once, quietly
            with _quiet_shutdown():
                _kill_workers(cluster)  # their tasks are abandoned: no need to wait for them
                with contextlib.suppress(Exception):
                    cluster.close(timeout=5)
                with contextlib.suppress(Exception):
                    own.close(timeout=2)
            raise
        own.close()
        cluster.close()
        return
    if isinstance(client, str) or hasattr(client, "scheduler_address"):
        if isinstance(client, str):
            check_scheduler(client)
        own = Client(client, timeout=10)
        try:
            yield own
        except BaseException:
            with _quiet_shutdown(), contextlib.suppress(Exception):
                own.close(timeout=5)
            raise
        own.close()
        return
    msg = f"client must be None, a scheduler address or a distributed.Client, got {type(client).__name__}."
    raise TypeError(msg)


def sweep(
    configs: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]],
    fn: Callable[..., Mapping[str, Any]],
    client: Any = None,
    out: str | os.PathLike | None = None,
    *,
    retries: int = 2,
    progress: bool | None = None,
    constants: Mapping[str, Any] | None = None,
    n_workers: int | None = None,
    force: bool = False,
) -> Any:
    """Run ``fn(**config)`` for every configuration on dask.distributed; gather one Dataset.

    Parameters
    ----------
    configs : dict of lists, or list of dicts
        The grid (cartesian product, see :func:`expand`) or the explicit configurations.
    fn : callable
        Called as ``fn(**constants, **config)`` on a worker; returns a dict of scalars (numbers,
        bools, strings). It must be picklable (a module-level function or a ``functools.partial``
        of one) and should be deterministic given its arguments.
    client : None, str, distributed.Client or cluster
        ``None``: start a ``LocalCluster`` of ``n_workers`` single-threaded worker processes for
        this call. A scheduler address (``"tcp://host:8786"``) or a cluster: connect to it. A
        ``Client``: use it as is (its scheduler's ``allowed-failures`` then sets the worker-death
        retries).
    out : path-like
        Folder of the result files ``<config_key>.json`` (required). With a remote cluster it must
        be a folder the workers share with the caller for resuming to work.
    retries : int
        Reruns of a task whose worker died (``LocalCluster`` only; see ``client``); also passed
        to ``Client.submit`` for failures outside ``fn`` (e.g. writing the result file).
    progress : bool, optional
        tqdm bar over the tasks; ``None`` shows it only on a terminal.
    constants : dict, optional
        Parameters passed to every task. They are part of each task's key (so changing them does
        not reuse stale results) but not dims of the result; they are kept in its attrs.
    n_workers : int, optional
        Workers of the default ``LocalCluster`` (default: one per CPU).
    force : bool
        Allow more than :data:`~neurogen._checks.MAX_SWEEP_TASKS` tasks.

    Returns
    -------
    xarray.Dataset
        One variable per result name over the grid's dims (or dim ``task``, with the parameters
        as coordinates, for a list that is not a grid), NaN / ``""`` where a task failed;
        ``error`` (``""`` when the task succeeded) and ``task_seconds``. Attrs: ``n_tasks``,
        ``n_resumed`` (found finished), ``n_run``, ``n_failed``, ``errors`` (JSON list of
        ``{"config", "error"}``), ``constants`` (JSON), ``out``.

    Examples
    --------
    >>> ds = sweep({"n_latent": [2, 10], "seed": [0, 1]}, train_fn, out="runs")  # doctest: +SKIP
    >>> ds["test_elbo"].sel(seed=0)  # doctest: +SKIP
    """
    from tqdm.auto import tqdm

    if not callable(fn):
        msg = f"fn must be callable, got {type(fn).__name__}."
        raise TypeError(msg)
    if out is None:
        msg = "out= is required: the folder where each task writes its result file."
        raise ValueError(msg)
    if isinstance(retries, bool) or not isinstance(retries, (int, np.integer)) or retries < 0:
        msg = f"'retries' must be an int >= 0: {retries!r}"
        raise ValueError(msg)
    if n_workers is not None and (not isinstance(n_workers, (int, np.integer)) or n_workers < 1):
        msg = f"'n_workers' must be a positive int: {n_workers!r}"
        raise ValueError(msg)
    tasks, grid = expand(configs, force=force)
    const = {str(k): _plain(v, f"constants[{k!r}]") for k, v in (constants or {}).items()}
    clash = sorted(set(const) & {k for t in tasks for k in t})
    if clash:
        msg = f"constants and configs both set {clash}; give each parameter in one place."
        raise ValueError(msg)
    _check_params(fn, set(const) | {k for t in tasks for k in t})
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    merged = [{**const, **t} for t in tasks]
    keys = [config_key(m) for m in merged]
    records: dict[str, dict[str, Any]] = {}
    for k, m in zip(keys, merged):
        rec = _read(out / f"{k}.json", m)
        if rec is not None:
            records[k] = rec
    n_resumed = len(records)
    todo = [(k, m) for k, m in zip(keys, merged) if k not in records]
    bar = tqdm(total=len(tasks), initial=n_resumed, desc="sweep", unit="task",
               disable=(None if progress is None else not progress))
    try:
        if todo:
            token = uuid.uuid4().hex[:8]  # fresh keys: never the result of an earlier call's task
            futures: dict[Any, tuple[str, dict[str, Any]]] = {}
            try:
                _run_all(client, retries, n_workers, todo, fn, out, token, records, bar, futures)
            except BaseException:  # drop the futures while distributed is silenced: once the
                with _quiet_shutdown():  # cluster is gone their releases only log errors
                    futures.clear()
                if client is None:  # our workers were killed: remove what they were writing
                    remove_dead_writers_temporaries(out)
                raise
    finally:
        bar.close()
    for k in keys:
        if "error" in records.get(k, {}):
            log.warning("sweep task %s failed: %s", records[k]["config"], records[k]["error"])
    return _gather(tasks, grid, [records[k] for k in keys], const, out, n_resumed)


#: Tasks handed to the scheduler at once; more are submitted as these finish, so that a large
#: sweep neither floods the scheduler nor takes long to tear down when interrupted.
_WINDOW = 256


def _run_all(client: Any, retries: int, n_workers: int | None, todo: list[tuple[str, dict[str, Any]]],
             fn: Callable[..., Mapping[str, Any]], out: Path, token: str, records: dict[str, dict[str, Any]],
             bar: Any, futures: dict[Any, tuple[str, dict[str, Any]]]) -> None:
    """Run every task of ``todo`` (the body of :func:`sweep`): at most :data:`_WINDOW` submitted
    at a time, each collected as it finishes; a SIGTERM is seen at the next poll (every 50 ms),
    also one whose exception Python swallowed."""
    from distributed import as_completed

    queue = iter(todo)
    with _client(client, int(retries), n_workers) as c:
        done, ready = as_completed(), []

        def submit(n: int) -> None:
            for k, m in itertools.islice(queue, n):
                fut = c.submit(_run_task, fn, m, str(out / f"{k}.json"), key=f"neurogen-sweep-{token}-{k}",
                               retries=int(retries), pure=False)
                futures[fut] = (k, m)
                done.add(fut)

        try:
            submit(_WINDOW)
            while not done.is_empty():
                check_terminated()  # also a SIGTERM whose exception was swallowed
                ready = done.next_batch(block=False)
                if not ready:
                    time.sleep(0.05)
                    continue
                while ready:
                    fut = ready.pop()
                    k, m = futures.pop(fut)
                    records[k] = _collect(fut, k, m, out)
                    fut.release()
                    bar.update(1)
                    del fut
                submit(_WINDOW - len(futures))
        except BaseException:
            done, ready = None, []  # no future kept alive by this frame (the traceback holds it)
            if client is not None:  # a cluster that is not ours: leave it no work of ours
                with _quiet_shutdown(), contextlib.suppress(Exception):
                    c.cancel(list(futures), force=True)
            raise


def _collect(fut: Any, k: str, m: dict[str, Any], out: Path) -> dict[str, Any]:
    """A finished future's record (a failure as a record too), its result file written."""
    try:
        rec = fut.result()
    except Exception as err:  # e.g. KilledWorker: the worker died on every try
        rec = {"config": m, "error": f"{type(err).__name__}: {err}"}
        with contextlib.suppress(OSError):
            _write(out / f"{k}.error.json", {"format": _FORMAT, "key": k, **rec})
    if "result" in rec and not (out / f"{k}.json").exists():
        _write(out / f"{k}.json", rec)  # workers without the caller's file system
    return rec


def _gather(tasks: list[dict[str, Any]], grid: dict[str, list[Any]] | None,
            records: list[dict[str, Any]], const: dict[str, Any], out: Path, n_resumed: int) -> Any:
    import xarray as xr

    if grid is not None:
        dims = list(grid)
        shape = tuple(len(v) for v in grid.values())
        index = {json.dumps([t[d] for d in dims]): i for i, t in
                 enumerate(dict(zip(grid, c)) for c in itertools.product(*grid.values()))}
        pos = [np.unravel_index(index[json.dumps([t[d] for d in dims])], shape) for t in tasks]
        coords: dict[str, Any] = {d: _coord(v) for d, v in grid.items()}
    else:
        dims, shape = ["task"], (len(tasks),)
        pos = [(i,) for i in range(len(tasks))]
        names = list(dict.fromkeys(k for t in tasks for k in t))
        coords = {"task": np.arange(len(tasks))}
        coords.update({n: ("task", _coord([t.get(n) for t in tasks])) for n in names})
    names = list(dict.fromkeys(k for r in records for k in r.get("result", {})))
    data: dict[str, Any] = {}
    for name in names:
        values = [r.get("result", {}).get(name) for r in records]
        numeric = all(v is None or isinstance(v, (bool, int, float)) for v in values)
        arr = np.full(shape, np.nan) if numeric else np.full(shape, "", dtype=object)
        for p, v in zip(pos, values):
            if v is not None:
                arr[p] = float(v) if numeric else str(v)
        data[name] = (dims, arr)
    err = np.full(shape, "", dtype=object)
    secs = np.full(shape, np.nan)
    for p, r in zip(pos, records):
        err[p] = r.get("error", "")
        secs[p] = r.get("seconds", np.nan)
    data["error"] = (dims, err)
    data["task_seconds"] = (dims, secs, {"units": "s"})
    errors = [{"config": r["config"], "error": r["error"]} for r in records if "error" in r]
    attrs = {"n_tasks": len(tasks), "n_resumed": n_resumed, "n_run": len(tasks) - n_resumed,
             "n_failed": len(errors), "errors": json.dumps(errors), "constants": json.dumps(const),
             "out": str(out)}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _coord(values: list[Any]) -> np.ndarray:
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.asarray(values)
    if all(isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=bool)
    return np.asarray([json.dumps(v) if isinstance(v, list) else str(v) for v in values], dtype=object)


# ------------------------------------------------------------------------------------ named tasks


def task_function(task: str) -> Callable[..., Mapping[str, Any]]:
    """The function behind a name of :data:`TASKS` (``"train_elbo"``)."""
    if task not in TASKS:
        msg = f"'task' must be one of {sorted(TASKS)}: {task!r}"
        raise ValueError(msg)
    module, _, name = TASKS[task].partition(":")
    return getattr(importlib.import_module(module), name)


def task_parameters(task: str) -> list[str]:
    """The parameters a named task takes from a grid or as constants (its keyword-only ones)."""
    fn = task_function(task)
    return [n for n, q in inspect.signature(fn).parameters.items() if q.kind is q.KEYWORD_ONLY and n != "data"]


def sweep_task(task: str, grid: Mapping[str, Sequence[Any]], out: str | os.PathLike, *,
               constants: Mapping[str, Any] | None = None, client: Any = None, retries: int = 2,
               n_workers: int | None = None, progress: bool | None = None, force: bool = False) -> Any:
    """Run the named ``task`` over ``grid`` with :func:`sweep`; also write ``out/sweep.nc``.

    Parameters
    ----------
    task : str
        A key of :data:`TASKS`.
    grid, constants
        As for :func:`sweep`; every name must be one of :func:`task_parameters`.
    out, client, retries, n_workers, progress, force
        As for :func:`sweep`.

    Returns
    -------
    xarray.Dataset
        :func:`sweep`'s result (``error`` as strings), as written to ``out/sweep.nc``.
    """
    fn = task_function(task)
    params = task_parameters(task)
    const = dict(constants or {})
    unknown = sorted((set(grid) | set(const)) - set(params))
    if unknown:
        msg = f"task {task} has no parameter(s) {unknown}; choose from {params}."
        raise ValueError(msg)
    ds = sweep(grid, fn, client, out, retries=retries, constants=const, n_workers=n_workers, progress=progress,
               force=force)
    ds = ds.assign(error=ds["error"].astype(str))
    with atomic_path(Path(out) / "sweep.nc") as tmp:
        ds.to_netcdf(tmp, engine="netcdf4")
    return ds
