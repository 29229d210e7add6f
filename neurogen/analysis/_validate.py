"""Shared argument checks for :mod:`neurogen.analysis` (private).

Every public analyser validates its inputs here, so that the same mistake gives
the same message everywhere: a wrong type is a ``TypeError``; a missing or empty
dimension and a NaN/inf value are ``ValueError``; each message names the
argument, says what is wrong and how to fix it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np
import xarray as xr

__all__ = [
    "check_array",
    "centred",
    "check_fraction",
    "check_matrix",
    "lookup_positions",
    "require_dataarray",
    "require_dims",
    "require_finite",
    "require_nonempty",
]


def require_dataarray(obj: object, name: str) -> xr.DataArray:
    """Return ``obj`` if it is a numeric DataArray, else raise ``TypeError``."""
    if not isinstance(obj, xr.DataArray):
        hint = ""
        if isinstance(obj, xr.Dataset):
            hint = f" Pick one variable, e.g. {name}[<variable name>]."
        elif isinstance(obj, np.ndarray):
            hint = " Wrap it with xarray.DataArray(values, dims=[...]) to name its dimensions."
        msg = f"{name} must be an xarray.DataArray, got {type(obj).__name__}.{hint}"
        raise TypeError(msg)
    kind = obj.dtype.kind
    if kind not in "biuf":
        msg = (
            f"{name} must hold numbers (bool, int or float), got dtype {obj.dtype}; "
            f"convert it with {name}.astype(float)."
        )
        raise TypeError(msg)
    return obj


def require_dims(da: xr.DataArray, name: str, dims: Iterable[Hashable]) -> None:
    """Raise ``ValueError`` if ``da`` lacks any of ``dims``."""
    missing = [d for d in dims if d not in da.dims]
    if missing:
        msg = (
            f"{name} must have dimension(s) {tuple(missing)!r}, but its dims are "
            f"{tuple(da.dims)!r}; rename a dimension with {name}.rename({{old: new}}) "
            "or pass the matching `dim=` argument."
        )
        raise ValueError(msg)


def require_nonempty(da: xr.DataArray, name: str) -> None:
    """Raise ``ValueError`` if any dimension of ``da`` has length zero."""
    empty = [d for d, n in da.sizes.items() if n == 0]
    if empty:
        msg = (
            f"{name} is empty: dimension(s) {tuple(empty)!r} have length 0; "
            "there is nothing to analyse (check the selection that produced it)."
        )
        raise ValueError(msg)


def require_finite(da: xr.DataArray, name: str) -> None:
    """Raise ``ValueError`` if ``da`` contains NaN or infinite values."""
    values = np.asarray(da.values)
    if values.dtype.kind != "f":
        return
    n_nan = int(np.count_nonzero(np.isnan(values)))
    if n_nan:
        msg = (
            f"{name} contains NaN at {n_nan} position(s); analysers never skip "
            f"missing values silently: drop them (e.g. {name}.dropna('trial')) "
            "or fill them first."
        )
        raise ValueError(msg)
    n_inf = int(np.count_nonzero(np.isinf(values)))
    if n_inf:
        msg = (
            f"{name} contains inf at {n_inf} position(s); replace or drop them "
            "before analysing."
        )
        raise ValueError(msg)


def check_array(
    obj: object,
    name: str,
    dims: Iterable[Hashable] = (),
    *,
    finite: bool = True,
) -> xr.DataArray:
    """Run every standard check on one DataArray argument and return it.

    Parameters
    ----------
    obj
        The argument as passed by the user.
    name
        The argument's name, used in error messages.
    dims
        Dimensions that must be present.
    finite
        Also reject NaN and inf.
    """
    da = require_dataarray(obj, name)
    require_dims(da, name, dims)
    require_nonempty(da, name)
    if finite:
        require_finite(da, name)
    return da


def check_fraction(value: float, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as float if it lies in (0, 1] (or [0, 1]), else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        msg = f"{name} must be a number, got {type(value).__name__}."
        raise TypeError(msg)
    value = float(value)
    low_ok = value >= 0.0 if allow_zero else value > 0.0
    if not (low_ok and value <= 1.0):
        interval = "[0, 1]" if allow_zero else "(0, 1]"
        msg = f"{name} must be in {interval}: {value}"
        raise ValueError(msg)
    return value


def check_nonnegative(value: float, name: str, *, context: str = "") -> float:
    """``value`` as a float; TypeError unless a real number, ValueError unless finite and >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        msg = f"{name} must be a number, got {type(value).__name__}."
        raise TypeError(msg)
    if not (np.isfinite(value) and value >= 0):
        msg = f"{name} must be >= 0 and finite{context}: {value}"
        raise ValueError(msg)
    return float(value)


def lookup_positions(
    index_values: np.ndarray,
    keys: np.ndarray,
    *,
    target_name: str,
    target_dim: Hashable,
    key_name: str,
) -> np.ndarray:
    """Positions of ``keys`` in ``index_values`` (both 1-D), or raise ``KeyError``.

    Used to match each trial (through its ``label`` or ``source`` coordinate)
    to the pattern of ``target`` along ``target_dim``.
    """
    index_values = np.asarray(index_values)
    uniq, first = np.unique(index_values, return_index=True)
    if uniq.size != index_values.size:
        dup = np.unique(index_values[np.setdiff1d(np.arange(index_values.size), first)])
        msg = (
            f"{target_name} has duplicate {target_dim!r} coordinate values "
            f"{dup[:10].tolist()}; each pattern needs a unique key to be matched."
        )
        raise ValueError(msg)
    keys = np.asarray(keys)
    pos = np.searchsorted(uniq, keys)
    pos_clipped = np.minimum(pos, uniq.size - 1)
    found = uniq[pos_clipped] == keys
    if not np.all(found):
        missing = np.unique(keys[~found])
        msg = (
            f"{target_name} has no pattern for {key_name} value(s) "
            f"{missing[:10].tolist()}{' ...' if missing.size > 10 else ''} "
            f"(looked up in its {target_dim!r} coordinate); pass the full set of "
            "patterns, or match='all' to compare against every pattern."
        )
        raise KeyError(msg)
    return first[pos_clipped]


def check_matrix(memories: object, dim: Hashable, *, min_samples: int = 1) -> xr.DataArray:
    """Check a 2-D ``(dim, unit)`` pattern matrix with at least ``min_samples`` rows."""
    memories = check_array(memories, "memories", [dim])
    if memories.ndim != 2:
        msg = (
            f"memories must be 2-D: {dim!r} plus one unit dimension, but its dims are "
            f"{memories.dims!r}."
        )
        raise ValueError(msg)
    if memories.sizes[dim] < min_samples:
        msg = (
            f"memories needs at least {min_samples} entries along {dim!r}, "
            f"got {memories.sizes[dim]}."
        )
        raise ValueError(msg)
    return memories


def centred(memories: xr.DataArray, dim: Hashable) -> tuple[np.ndarray, Hashable]:
    """Float64 values ``(dim, unit)`` minus their mean over ``dim`` (order-independent), and the unit dim.

    A constant column is exactly 0 after centring (its float mean may differ from the value by
    an ulp, which would otherwise leave a spurious variance of ~1e-32).
    """
    (unit_dim,) = [d for d in memories.dims if d != dim]
    values = memories.transpose(dim, unit_dim).values.astype(np.float64)
    out = values - np.sort(values, axis=0).mean(axis=0)
    out[:, np.ptp(values, axis=0) == 0] = 0.0
    return out, unit_dim
