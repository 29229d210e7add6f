"""Argument checks shared by every module of neurogen (private), and the bounds on a request.

One mistake gives one message everywhere: a wrong *type* is a ``TypeError``, a wrong *value* a
``ValueError``; each message names the argument, shows the value and says what is allowed, in the
style of :mod:`neurogen.analysis._validate` (``'epochs' must be >= 1: 0``). ``bool`` is not an int
and a float (even ``2.0``) is not an int: nothing is silently truncated.

:func:`validator` turns a check into an attrs validator whose message names the field (never
attrs' ``Attribute(...)`` tuple).

:func:`check_request` estimates the trials, memory and disk a recording needs *before* anything
is allocated and refuses a request beyond what this machine has, or beyond the documented limits
:data:`MAX_TRIALS`, :data:`MAX_STEPS` and :data:`MAX_NOISE_LEVELS`; ``force=True`` lifts the
documented limits (never the machine's memory).
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MAX_NOISE_LEVELS",
    "MAX_STEPS",
    "MAX_TRIALS",
    "available_memory",
    "check_choice",
    "check_int",
    "check_int_array",
    "check_number",
    "check_request",
    "check_seed",
    "check_unit_interval",
    "load_json",
    "show",
    "validator",
]

#: Trials in one recording (noise levels × images × repeats) allowed without ``force=True``.
#: The paper's largest experiment (Fig. 2: 21 noise levels × 10 labels × 300 images) has 63,000.
MAX_TRIALS = 1_000_000
#: Inference steps T of one run allowed without ``force=True`` (the paper uses T ≤ 80).
MAX_STEPS = 100_000
#: Noise levels of one pixel-swap grid allowed without ``force=True``.
MAX_NOISE_LEVELS = 10_001
#: Largest seed (numpy's SeedSequence and torch both take it).
MAX_SEED = 2**63 - 1
#: Tasks of one sweep allowed without ``force=True`` (each task is, e.g., a training run).
MAX_SWEEP_TASKS = 10_000
#: Nesting of the JSON neurogen reads from its files (metadata, settings, notes): its own is
#: at most a few levels deep; deeper text is refused before anything walks it.
MAX_JSON_DEPTH = 64


def show(value: Any) -> str:
    """``repr`` of a value as the user typed it (numpy scalars shown as plain Python numbers)."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _range_text(min: float | None, max: float | None, *, open_min: bool = False) -> str:
    lo = ">" if open_min else ">="
    if min is not None and max is not None:
        return f"in {'(' if open_min else '['}{min}, {max}]"
    if min is not None:
        return f"{lo} {min}"
    return f"<= {max}"


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value: Any, *, min: int | None = None, max: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is one (not a bool, not a float) within [min, max].

    Raises
    ------
    TypeError
        ``value`` is not an int (``True``, ``2.0`` and ``"3"`` are not).
    ValueError
        ``value`` lies outside [min, max].

    Examples
    --------
    >>> check_int("epochs", 3, min=1)
    3
    >>> check_int("epochs", 0, min=1)
    Traceback (most recent call last):
    ...
    ValueError: 'epochs' must be >= 1: 0
    """
    if not _is_int(value):
        msg = f"'{name}' must be an int, got {type(value).__name__} {show(value)}."
        raise TypeError(msg)
    value = int(value)
    if (min is not None and value < min) or (max is not None and value > max):
        msg = f"'{name}' must be {_range_text(min, max)}: {value}"
        raise ValueError(msg)
    return value


def check_number(name: str, value: Any, *, finite: bool = True, min: float | None = None,
                 max: float | None = None, open_min: bool = False) -> float:
    """Return ``value`` as a ``float`` if it is a real number (not a bool) within the bounds.

    Parameters
    ----------
    finite : bool
        Reject NaN and ±inf (default).
    min, max : float, optional
        Bounds, inclusive (``open_min=True`` makes ``min`` exclusive: "> min").

    Raises
    ------
    TypeError
        Not a real number.
    ValueError
        NaN/inf (with ``finite``) or outside the bounds.
    """
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    if not ok:
        msg = f"'{name}' must be a number, got {type(value).__name__} {show(value)}."
        raise TypeError(msg)
    value = float(value)
    if finite and not math.isfinite(value):
        msg = f"'{name}' must be a finite number: {value}"
        raise ValueError(msg)
    low_bad = min is not None and (value <= min if open_min else value < min)
    if low_bad or (max is not None and value > max):
        msg = f"'{name}' must be {_range_text(min, max, open_min=open_min)}: {value!r}"
        raise ValueError(msg)
    return value


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError`` listing them."""
    choices = tuple(choices)
    try:
        ok = value in choices
    except TypeError:  # unhashable or incomparable
        ok = False
    if not ok:
        msg = f"'{name}' must be one of {', '.join(map(repr, choices))}: {show(value)}"
        raise ValueError(msg)
    return value


def check_seed(name: str, value: Any) -> int:
    """Return a seed as ``int`` in [0, 2**63 − 1]; a negative or float seed names the argument."""
    return check_int(name, value, min=0, max=MAX_SEED)


def check_int_array(name: str, value: Any, *, min: int | None = None, max: int | None = None,
                    ndim: int | None = 1) -> np.ndarray:
    """Return ``value`` as an int64 array if every element is an integer within [min, max].

    Floats are refused even when integral-looking ``1.5`` would otherwise be truncated to 1; an
    empty array is refused (``'label' must hold at least one value``).
    """
    arr = np.asarray(value)
    if arr.dtype == object:
        try:
            arr = np.asarray(value.tolist() if hasattr(value, "tolist") else list(value))
        except TypeError:
            arr = np.asarray([value])
    if arr.size == 0:
        msg = f"'{name}' must hold at least one value, got {show(value)}."
        raise ValueError(msg)
    if arr.dtype.kind not in "iu":
        msg = (f"'{name}' must hold ints, got {show(value) if arr.size <= 10 else arr.dtype} "
               f"(dtype {arr.dtype}); floats are never truncated.")
        raise TypeError(msg)
    if ndim is not None and arr.ndim > ndim:
        msg = f"'{name}' must be at most {ndim}-D, got shape {arr.shape}."
        raise ValueError(msg)
    bad = arr[((arr < min) if min is not None else False) | ((arr > max) if max is not None else False)]
    if bad.size:
        msg = f"'{name}' must be {_range_text(min, max)}: {sorted(set(bad.ravel().tolist()))[:10]}"
        raise ValueError(msg)
    return arr.astype(np.int64)


def check_unit_interval(name: str, values: np.ndarray, *, lo: float = 0.0, hi: float = 1.0) -> None:
    """Raise ``ValueError`` if a float array holds NaN/inf or values outside [lo, hi]."""
    arr = np.asarray(values)
    if arr.size == 0 or arr.dtype.kind not in "f":
        return
    flat = arr.reshape(-1)  # in blocks: no full-size boolean temporaries for a large array
    step = 1 << 22
    n_bad = sum(int(step_ - np.count_nonzero(np.isfinite(flat[i : i + step])))
                for i in range(0, flat.size, step) for step_ in (min(step, flat.size - i),))
    if n_bad:
        msg = f"'{name}' must be finite; it holds NaN or inf at {n_bad} position(s)."
        raise ValueError(msg)
    amin, amax = float(arr.min()), float(arr.max())
    if amin < lo or amax > hi:
        msg = (f"'{name}' must lie in [{lo:g}, {hi:g}]; its values span [{amin:g}, {amax:g}] "
               "(rescale the images first, e.g. divide uint8 pixels by 255).")
        raise ValueError(msg)


def load_json(text: Any, what: str = "JSON text", *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON read from a file, refusing text nested deeper than ``max_depth`` levels.

    The depth is counted on the text before parsing (brackets outside strings), so a file
    holding ``[[[[...]]]]`` a million deep costs one pass and never a RecursionError.

    Raises
    ------
    ValueError
        Not valid JSON, not text, or nested too deeply; the message starts with ``what``.
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = text.decode()
        except UnicodeDecodeError as err:
            raise ValueError(f"{what} is not UTF-8 text: {err}") from None
    if not isinstance(text, str):
        raise ValueError(f"{what} is not JSON text but {type(text).__name__}")
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > max_depth:
                raise ValueError(f"{what} is nested more than {max_depth} levels deep; refusing to read it")
        elif ch in "]}":
            depth -= 1
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise ValueError(f"{what} is not valid JSON: {err}") from None


def validator(check: Callable[..., Any], **kwargs: Any) -> Callable[[Any, Any, Any], None]:
    """An attrs validator running ``check(attribute.name, value, **kwargs)``.

    Examples
    --------
    >>> import attrs
    >>> @attrs.frozen
    ... class A:
    ...     n: int = attrs.field(validator=validator(check_int, min=1))
    >>> A(0)
    Traceback (most recent call last):
    ...
    ValueError: 'n' must be >= 1: 0
    """
    def _validate(instance: Any, attribute: Any, value: Any) -> None:
        check(attribute.name, value, **kwargs)

    return _validate


# ------------------------------------------------------------------------------ bounded requests


def available_memory() -> int:
    """Bytes of memory this process may still use (``MemAvailable``; cgroup limit if lower)."""
    avail = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            avail = 2**62
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            avail = min(avail, int(text))
    return int(avail)


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} TB"


def check_request(
    n_trials: int,
    steps: int,
    widths: Mapping[str, int],
    dtype: str = "float32",
    *,
    every: int = 1,
    out: str | os.PathLike | None = None,
    complevel: int = 1,
    memory_budget: int | None = None,
    force: bool = False,
) -> dict[str, int]:
    """Estimate what a recording needs and refuse it, before allocating, when it cannot be done.

    Parameters
    ----------
    n_trials : int
        Trials of the stimulus (noise levels × images × repeats).
    steps : int
        Inference steps T (time points 0..T are computed).
    widths : mapping
        Width of each recorded signal, e.g. ``{"latent": 100, "data": 784}``.
    dtype : {"float32", "float16"}
    every : int
        The probe keeps every k-th step (and the last).
    out : path-like, optional
        The file streamed to; ``None`` keeps the whole recording in memory.
    complevel : int
        zlib level of ``out`` (0: none; the disk estimate is then exact, else an upper bound).
    memory_budget : int, optional
        Bytes of recorded values per batch (``run``'s ``memory_budget``); must be >= 1.
    force : bool
        Lift the documented limits :data:`MAX_TRIALS` and :data:`MAX_STEPS` (the machine's
        memory and disk are never lifted).

    Returns
    -------
    dict
        ``trials``, ``times`` (recorded time points), ``bytes`` (recorded values, uncompressed),
        ``memory`` (bytes held in memory at once) and ``disk`` (bytes written, upper bound).

    Raises
    ------
    ValueError
        Beyond a documented limit (the message says how to lift it) or beyond this machine's free
        memory or disk (the message gives both numbers).
    """
    n_trials = check_int("n_trials", n_trials, min=1)
    steps = check_int("steps", steps, min=0)
    every = check_int("every", every, min=1)
    check_choice("dtype", dtype, ("float32", "float16"))
    if memory_budget is not None:
        memory_budget = check_int("memory_budget", memory_budget, min=1)
    if not force and n_trials > MAX_TRIALS:
        msg = (f"the stimulus has {n_trials:,} trials, more than the limit of {MAX_TRIALS:,} "
               "(noise levels × images × repeats); narrow the request, or pass force=True "
               "(--force) if you mean it.")
        raise ValueError(msg)
    if not force and steps > MAX_STEPS:
        msg = (f"'steps' is {steps:,}, more than the limit of {MAX_STEPS:,}; pass force=True "
               "(--force) if you mean it.")
        raise ValueError(msg)
    times = steps // every + 1 + (1 if steps % every else 0)
    per_trial = times * sum(int(w) for w in widths.values()) * np.dtype(dtype).itemsize
    total = n_trials * per_trial
    budget = memory_budget if memory_budget is not None else 256 * 2**20
    memory = total if out is None else 2 * max(per_trial, min(total, budget))
    avail = available_memory()
    if memory > avail:
        where = ("the recording is kept in memory; pass out= to stream it to a file"
                 if out is None else "one batch does not fit; lower memory_budget")
        msg = (f"this recording needs {_human(memory)} of memory ({n_trials:,} trials × {times:,} "
               f"time points); this machine has {_human(avail)} available ({where}).")
        raise ValueError(msg)
    disk = total if out is not None else 0
    if out is not None and complevel == 0:
        folder = Path(out).resolve().parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        free = shutil.disk_usage(folder).free
        if disk > free:
            msg = (f"{out}: this recording needs {_human(disk)} on disk (uncompressed); "
                   f"{folder} has {_human(free)} free.")
            raise ValueError(msg)
    return {"trials": n_trials, "times": times, "bytes": total, "memory": memory, "disk": disk}
