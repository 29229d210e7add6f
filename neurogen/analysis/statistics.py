"""Summary statistics over trials: mean and standard error of the mean.

Owns :func:`mean_sem`, the ±1 SEM bands of the paper's Fig. 2 and the error
bars of Fig. 4 (optionally grouped by a trial coordinate such as ``noise``).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import xarray as xr

from neurogen.analysis._validate import check_array

__all__ = ["mean_sem"]


def _sorted(values: np.ndarray) -> np.ndarray:
    # Sorting fixes the summation order, so results do not depend on trial order.
    return np.sort(np.asarray(values, dtype=np.float64), axis=0)


def _mean_sem(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and SEM (ddof=1; NaN for a single value) over axis 0."""
    values = _sorted(values)
    n = values.shape[0]
    mean = values.mean(axis=0)
    if n < 2:
        return mean, np.full(values.shape[1:], np.nan)
    return mean, values.std(axis=0, ddof=1) / np.sqrt(n)


def mean_sem(
    x: xr.DataArray,
    dim: Hashable = "trial",
    *,
    by: Hashable | None = None,
) -> xr.Dataset:
    """Mean and standard error of the mean over ``dim``, optionally per group.

    Parameters
    ----------
    x : xarray.DataArray
        Values with dimension ``dim``, e.g. distances ``(trial, time)`` (Fig. 2,
        eq. 10) or minimum distances ``(trial,)`` (Fig. 4, eq. 13).
    dim : hashable, default "trial"
        The dimension averaged over.
    by : hashable, optional
        Name of a coordinate along ``dim`` (e.g. ``"noise"``). If given, the
        statistics are computed separately for each of its distinct values,
        and the result has a dimension named ``by`` (sorted ascending)
        instead of ``dim``: the Fig. 4 sweep, where every noise level is
        stacked along ``trial``.

    Returns
    -------
    xarray.Dataset
        ``mean``, ``sem`` = std(ddof=1) / √n, and ``n`` (the number of values
        averaged: a scalar, or one per group), in float64 over the remaining
        dims of ``x`` (plus ``by``).

    Raises
    ------
    TypeError
        If ``x`` is not a numeric DataArray.
    ValueError
        If ``dim`` or the ``by`` coordinate is missing or lies along other
        dims, a dimension is empty, or ``x`` or the ``by`` coordinate holds NaN.

    Notes
    -----
    ``sem`` is NaN where ``n < 2``: one value has no standard error. Values are
    sorted along ``dim`` before summation, so the result is exactly the same
    for any order of the trials.

    Examples
    --------
    >>> import xarray as xr
    >>> d = xr.DataArray([1.0, 3.0, 2.0, 6.0], dims="trial",
    ...                  coords={"noise": ("trial", [0.1, 0.1, 0.2, 0.2])})
    >>> mean_sem(d)["mean"].item()
    3.0
    >>> mean_sem(d, by="noise")["mean"].values
    array([2., 4.])
    """
    x = check_array(x, "x", [dim])
    rest = [d for d in x.dims if d != dim]
    ordered = x.transpose(dim, *rest)
    values = ordered.values
    template = ordered.isel({dim: 0}, drop=True)
    sem_attrs = {"long_name": "standard error of the mean", "ddof": 1}
    if by is None:
        mean, sem = _mean_sem(values)
        return xr.Dataset(
            {
                "mean": template.copy(data=mean).assign_attrs(x.attrs),
                "sem": template.copy(data=sem).assign_attrs(sem_attrs),
                "n": xr.DataArray(np.int64(x.sizes[dim])),
            },
            attrs={"dim": str(dim), "ddof": 1},
        )

    if by not in x.coords:
        msg = (
            f"by={by!r} is not a coordinate of x (coordinates: {tuple(x.coords)!r}); "
            f"attach it with x.assign_coords({by}=(dim, values))."
        )
        raise ValueError(msg)
    key = x.coords[by]
    if key.dims != (dim,):
        msg = f"the {by!r} coordinate must lie along {dim!r} only, but its dims are {key.dims!r}."
        raise ValueError(msg)
    keys = key.values
    if keys.dtype.kind == "f" and np.isnan(keys).any():
        msg = f"the {by!r} coordinate of x contains NaN; every {dim} needs a group."
        raise ValueError(msg)
    groups, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    stats = [_mean_sem(values[inverse == g]) for g in range(groups.size)]
    dims = (by, *template.dims)
    coords = {**template.coords, by: groups}
    return xr.Dataset(
        {
            "mean": xr.DataArray(np.stack([m for m, _ in stats]), dims=dims, coords=coords, attrs=x.attrs),
            "sem": xr.DataArray(np.stack([s for _, s in stats]), dims=dims, coords=coords, attrs=sem_attrs),
            "n": xr.DataArray(counts.astype(np.int64), dims=(by,), coords={by: groups}),
        },
        attrs={"dim": str(dim), "by": str(by), "ddof": 1},
    )
