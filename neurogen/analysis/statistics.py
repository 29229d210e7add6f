"""Summary statistics: mean ± SEM over trials, rank correlation, and where a curve levels off.

Owns :func:`mean_sem`, the ±1 SEM bands of the paper's Fig. 2 and the error
bars of Fig. 4 (optionally grouped by a trial coordinate such as ``noise``);
:func:`rank_correlation` (Spearman's ρ, scipy, e.g. Nz against the concepts'
mean off-diagonal cosine in Fig. 6); and :func:`plateau` (the smallest Nz from
which a bound stops improving, Fig. 7).
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable

import numpy as np
import xarray as xr
from scipy import stats as _stats

from neurogen.analysis._validate import check_array, check_nonnegative

__all__ = ["mean_sem", "plateau", "rank_correlation"]


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


def _check_tol(tol: float) -> float:
    return check_nonnegative(tol, "tol")


def _spearman(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(ρ, p-value) of two 1-D arrays; NaN for fewer than 2 values or a constant input."""
    if a.size < 2 or np.all(a == a[0]) or np.all(b == b[0]):
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # p-value of n = 2 is undefined
        res = _stats.spearmanr(a, b)
    return float(res.statistic), float(res.pvalue)


def rank_correlation(x: xr.DataArray, y: xr.DataArray, dim: Hashable) -> xr.Dataset:
    """Spearman's rank correlation ρ between ``x`` and ``y`` along ``dim`` (``scipy.stats.spearmanr``).

    Parameters
    ----------
    x, y : xarray.DataArray
        Values along ``dim`` (same length); other dimensions are broadcast
        against each other and correlated independently. Ties get average ranks.
    dim : hashable
        The dimension correlated over (e.g. ``"n_latent"``).

    Returns
    -------
    xarray.Dataset
        ``rho`` (Spearman's ρ in [−1, 1]) and ``pvalue`` (scipy's two-sided
        test of ρ = 0; NaN for two values) over the other dims, and ``n`` (the
        number of pairs). Both are NaN where there are fewer than 2 pairs or
        either input is constant along ``dim`` (ρ is undefined there).

    Raises
    ------
    TypeError
        If ``x`` or ``y`` is not a numeric DataArray.
    ValueError
        If ``dim`` is missing or empty, a value is NaN/inf, or the lengths differ.

    Examples
    --------
    >>> import xarray as xr
    >>> nz = xr.DataArray([2, 5, 10, 100], dims="n_latent")
    >>> off = xr.DataArray([0.30, 0.12, 0.05, 0.06], dims="n_latent")
    >>> round(float(rank_correlation(nz, off, "n_latent")["rho"]), 6)
    -0.8
    >>> bool(rank_correlation(nz, nz * 0 + 1, "n_latent")["rho"].isnull())
    True
    """
    x = check_array(x, "x", [dim])
    y = check_array(y, "y", [dim])
    if x.sizes[dim] != y.sizes[dim]:
        msg = f"x and y must have the same length along {dim!r}, got {x.sizes[dim]} and {y.sizes[dim]}."
        raise ValueError(msg)
    plain = [a.drop_vars([c for c in a.coords if dim in a[c].dims]) for a in (x, y)]
    xb, yb = xr.broadcast(*plain)
    rest = [d for d in xb.dims if d != dim]
    xv = xb.transpose(*rest, dim).values.astype(np.float64)
    yv = yb.transpose(*rest, dim).values.astype(np.float64)
    flat = [_spearman(a, b) for a, b in zip(xv.reshape(-1, xv.shape[-1]), yv.reshape(-1, yv.shape[-1]))]
    shape = xv.shape[:-1]
    template = xb.isel({dim: 0}, drop=True).transpose(*rest)
    rho = template.copy(data=np.array([r for r, _ in flat]).reshape(shape))
    pvalue = template.copy(data=np.array([p for _, p in flat]).reshape(shape))
    return xr.Dataset(
        {
            "rho": rho.assign_attrs(long_name="Spearman rank correlation", units="1"),
            "pvalue": pvalue.assign_attrs(long_name="two-sided p-value of rho = 0", units="1"),
            "n": xr.DataArray(np.int64(x.sizes[dim])),
        },
        attrs={"dim": str(dim), "method": "scipy.stats.spearmanr"},
    )


def plateau(bound: xr.DataArray, dim: Hashable = "n_latent", *, tol: float = 1.0) -> float | int | None:
    """The smallest ``dim`` value from which ``bound`` stops improving by more than ``tol``.

    Rule: sort by ``dim``, drop non-finite values; the plateau is the smallest
    k with b(k) ≥ max_{k' ≥ k} b(k') − ``tol`` (within ``tol`` of every larger
    ``dim`` value's bound; the largest value always qualifies). For a
    log-likelihood bound over Nz (higher is better), this is the Nz from which
    adding latent units gains at most ``tol`` nats (Fig. 7: "about 14").

    Parameters
    ----------
    bound : xarray.DataArray
        1-D along ``dim`` (e.g. the best test ELBO per Nz), higher is better;
        NaN or ±inf entries (runs that failed) are ignored.
    dim : hashable, default "n_latent"
        The dimension; its coordinate values are returned (positions if it
        has no coordinate).
    tol : float, default 1.0
        Absolute tolerance in the units of ``bound``, ≥ 0.

    Returns
    -------
    int, float or None
        The ``dim`` coordinate value of the plateau (a Python scalar), or
        None if no entry is finite.

    Raises
    ------
    TypeError
        If ``bound`` is not a numeric DataArray or ``tol`` not a number.
    ValueError
        If ``bound`` is not 1-D along ``dim`` or is empty, or ``tol`` < 0.

    Examples
    --------
    >>> import xarray as xr
    >>> b = xr.DataArray([-150.0, -110.0, -100.0, -99.5], dims="n_latent",
    ...                  coords={"n_latent": [2, 5, 10, 20]})
    >>> plateau(b)
    10
    >>> plateau(b, tol=0.1)
    20
    """
    tol = _check_tol(tol)
    bound = check_array(bound, "bound", [dim], finite=False)
    if bound.dims != (dim,):
        msg = f"bound must be 1-D along {dim!r}, but its dims are {bound.dims!r}."
        raise ValueError(msg)
    keys = bound[dim].values if dim in bound.coords else np.arange(bound.sizes[dim])
    b = bound.values.astype(np.float64)
    order = np.argsort(keys, kind="stable")
    keys, b = keys[order], b[order]
    finite = np.isfinite(b)
    if not finite.any():
        return None
    keys, b = keys[finite], b[finite]
    best_after = np.maximum.accumulate(b[::-1])[::-1]  # max over this and every larger key
    return keys[np.flatnonzero(b >= best_after - tol)[0]].item()
