"""Shape of a distance-over-time curve: does the trajectory approach the concept, and what then?

Owns :func:`returns_to_concept`, the paper's main claim (section 3.1, Fig. 2 and
Fig. 6) as a number: the distance to the concept (eq. 10) first falls clearly
(the concept-first approach); afterwards the trajectory either stays near the
concept, comes back part of the way (settles near its memory), or runs away
beyond where it started. Optional SEM curves make "beyond" a statistical
statement rather than a point comparison.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import xarray as xr

from neurogen.analysis._validate import check_array

__all__ = ["OUTCOMES", "returns_to_concept"]

#: Possible values of the ``outcome`` variable, from "nothing happened" to "left for good".
OUTCOMES = ("no_approach", "approaches_and_stays", "settles", "runs_away")


def _check_tol(tol: float) -> float:
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.integer, np.floating)):
        msg = f"tol must be a number, got {type(tol).__name__}."
        raise TypeError(msg)
    if not (np.isfinite(tol) and tol > 0):
        msg = f"tol must be > 0 and finite: {tol}"
        raise ValueError(msg)
    return float(tol)


def _sem_values(sem: xr.DataArray | None, ordered: xr.DataArray, dim: Hashable) -> np.ndarray:
    """The SEM curve as an array shaped like ``ordered`` (zeros when not given)."""
    if sem is None:
        return np.zeros(ordered.shape)
    sem = check_array(sem, "sem", [dim])
    extra = set(sem.dims) - set(ordered.dims)
    if extra:
        msg = f"sem has dimension(s) {tuple(extra)!r} that curve lacks; it must match curve's dims {ordered.dims!r}."
        raise ValueError(msg)
    for d in sem.dims:
        if sem.sizes[d] != ordered.sizes[d]:
            msg = f"sem and curve must have the same length along {d!r}, got {sem.sizes[d]} and {ordered.sizes[d]}."
            raise ValueError(msg)
    values = sem.variable.set_dims(dict(ordered.sizes)).transpose(*ordered.dims).values
    values = np.asarray(values, dtype=np.float64)
    if (values < 0).any():
        msg = "sem must be >= 0 everywhere (a standard error is never negative)."
        raise ValueError(msg)
    return values


def returns_to_concept(
    curve: xr.DataArray,
    dim: Hashable = "time",
    *,
    tol: float = 0.05,
    sem: xr.DataArray | None = None,
) -> xr.Dataset:
    """Detect the concept-first approach in a distance-to-concept curve and classify what follows (eq. 10).

    Write d(t) for the curve along ``dim`` (positions 0..T), d(0) its first and
    d(T) its last value, t* the first position of its minimum d_min = d(t*),
    and s(t) the standard error of d(t) (``sem``; s ≡ 0 when ``sem`` is not
    given). ``tol`` is relative: the margin is tol·d(0).

    1. **approach** (the boolean ``dip``) ⇔ d(0) − d_min > tol·d(0) + s(t*):
       the curve falls below its start by more than the tolerance plus the
       standard error at its minimum.
    2. **outcome**, in this order:

       * ``"no_approach"``: no approach (flat, rising, or a fall within the
         margin);
       * ``"runs_away"``: an approach, and d(T) > d(0) + s(T): the curve ends
         above where it started by more than its standard error at T (a curve
         that ends above d(0) but within s(T) of it does not run away);
       * ``"approaches_and_stays"``: an approach, and d(T) − d_min ≤ tol·d(0) +
         s(T): at the end the curve is still near its minimum (a monotone
         approach, or a dip that never leaves the concept);
       * ``"settles"``: every other approach: the curve comes back part of the
         way, d_min + tol·d(0) + s(T) < d(T) ≤ d(0) + s(T) (it leaves the
         concept and levels off, e.g. near the memory).

    ``dip`` is True for every outcome but ``"no_approach"``. The outcomes are
    exclusive: an approach gives d(0) − d_min > tol·d(0), so a curve that runs
    away is never near its minimum.

    Parameters
    ----------
    curve : xarray.DataArray
        Distances to the concept over ``dim`` (e.g. the ``mean`` of
        :func:`~neurogen.analysis.mean_sem`); other dimensions (e.g.
        ``trial`` or ``label``) are treated independently (vectorised).
    dim : hashable, default "time"
        The time dimension.
    tol : float, default 0.05
        Relative tolerance (a fraction of d(0)), > 0 and finite.
    sem : xarray.DataArray, optional
        Standard error of ``curve`` (e.g. the ``sem`` of ``mean_sem``), ≥ 0,
        with ``dim`` and no dimension that ``curve`` lacks (it is broadcast).
        NaN is not allowed (one trial has no SEM: leave ``sem`` out).

    Returns
    -------
    xarray.Dataset
        Over the other dims of ``curve`` (with its coordinates):
        ``dip`` (bool), ``outcome`` (str, one of :data:`OUTCOMES`),
        ``t_min`` (the ``dim`` coordinate value of the first minimum),
        ``depth`` = d_min/d(0), ``final_ratio`` = d(T)/d(0),
        ``final_rise`` = (d(T) − d_min)/d(0), ``rise`` = (max_{t>t*} d(t) −
        d_min)/d(0) (0 if t* is last), ``late_change`` = (d(T) − d(t_q))/d(0)
        with t_q = ⌊3T/4⌋ (the start of the last quarter: positive while still
        rising), ``final_sem`` = s(T)/d(0); attrs ``tol``, ``with_sem``, ``rule``.

    Raises
    ------
    TypeError
        If ``curve`` or ``sem`` is not a numeric DataArray or ``tol`` not a number.
    ValueError
        If ``dim`` is missing or empty, ``curve`` or ``sem`` holds NaN/inf,
        ``sem`` is negative or does not match ``curve``, d(0) ≤ 0 anywhere
        (the tolerance is relative to it), or ``tol`` ≤ 0 or not finite.

    Examples
    --------
    A dip that comes back part of the way settles; the curve's first steps are
    a plain approach that stays:

    >>> import xarray as xr
    >>> d = xr.DataArray([10.0, 4.0, 2.0, 5.0, 6.0, 6.0, 6.0, 6.0, 6.0], dims="time")
    >>> res = returns_to_concept(d)
    >>> bool(res["dip"]), int(res["t_min"]), str(res["outcome"].values)
    (True, 2, 'settles')
    >>> str(returns_to_concept(d[:3])["outcome"].values)
    'approaches_and_stays'

    Ending 4 % above d(0) runs away by itself, but not within a standard error of 0.5:

    >>> d = xr.DataArray([10.0, 4.0, 2.0, 8.0, 10.4], dims="time")
    >>> str(returns_to_concept(d)["outcome"].values)
    'runs_away'
    >>> str(returns_to_concept(d, sem=xr.full_like(d, 0.5))["outcome"].values)
    'settles'
    """
    tol = _check_tol(tol)
    curve = check_array(curve, "curve", [dim])
    ordered = curve.transpose(..., dim)
    values = ordered.values.astype(np.float64)
    s = _sem_values(sem, ordered, dim)
    d0 = values[..., 0]
    n_bad = int(np.count_nonzero(d0 <= 0))
    if n_bad:
        msg = (
            f"curve must be > 0 at the first {dim} step (the tolerance is relative to "
            f"d(0)), but it is <= 0 for {n_bad} curve(s)."
        )
        raise ValueError(msg)

    n = values.shape[-1]
    last, s_last = values[..., -1], s[..., -1]
    imin = np.argmin(values, axis=-1)
    dmin = np.take_along_axis(values, imin[..., None], axis=-1)[..., 0]
    s_min = np.take_along_axis(s, imin[..., None], axis=-1)[..., 0]
    after = np.arange(n) > imin[..., None]
    after_max = np.where(after, values, -np.inf).max(axis=-1)
    rise = np.where(imin < n - 1, after_max - dmin, 0.0)

    dip = d0 - dmin > tol * d0 + s_min
    runs_away = last > d0 + s_last
    stays = last - dmin <= tol * d0 + s_last
    outcome = np.select(
        [~dip, runs_away, stays],
        ["no_approach", "runs_away", "approaches_and_stays"],
        default="settles",
    )

    template = ordered.isel({dim: 0}, drop=True)

    def wrap(data: np.ndarray, **attrs: object) -> xr.DataArray:
        return xr.DataArray(np.asarray(data), dims=template.dims, coords=template.coords, attrs=attrs)

    return xr.Dataset(
        {
            "dip": wrap(dip, long_name="the concept-first approach happened"),
            "outcome": wrap(np.asarray(outcome).astype(str), long_name="what the curve does after the approach"),
            "t_min": wrap(ordered[dim].values[imin], long_name=f"{dim} of the minimum"),
            "depth": wrap(dmin / d0, long_name="d_min / d(0)", units="1"),
            "final_ratio": wrap(last / d0, long_name="d(T) / d(0)", units="1"),
            "final_rise": wrap((last - dmin) / d0, long_name="(d(T) - d_min) / d(0)", units="1"),
            "rise": wrap(rise / d0, long_name="(max after minimum - d_min) / d(0)", units="1"),
            "late_change": wrap((last - values[..., (3 * (n - 1)) // 4]) / d0,
                                long_name="last-quarter change / d(0)", units="1"),
            "final_sem": wrap(s_last / d0, long_name="SEM at T / d(0)", units="1"),
        },
        attrs={
            "tol": tol,
            "with_sem": sem is not None,
            "dim": str(dim),
            "equation": "10",
            "rule": "dip: d(0)-d_min > tol*d(0)+s(t*); runs_away: d(T) > d(0)+s(T); "
                    "approaches_and_stays: d(T)-d_min <= tol*d(0)+s(T); settles: otherwise",
        },
    )
