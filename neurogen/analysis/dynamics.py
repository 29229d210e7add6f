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

__all__ = ["OUTCOMES", "RULE", "Z_ONE_SIDED_5", "returns_to_concept"]

#: Possible values of the ``outcome`` variable, from "nothing happened" to "left for good".
OUTCOMES = ("no_approach", "approaches_and_stays", "settles", "runs_away")


#: One-sided 5 % critical value of the standard normal: the default ``z`` of the approach test.
Z_ONE_SIDED_5 = 1.6448536269514722


#: The rule in words (the report states it).
RULE = ("approach: d(0) - d_min > z*sqrt(s(0)^2 + s(t*)^2); moves away: d(T) - d_min > z*sqrt(s(T)^2 + s(t*)^2); "
        "runs_away: d(T) - d(0) > z*sqrt(s(T)^2 + s(0)^2); z = 1.645 (one-sided 5 %), s = SEM over trials, "
        "no fixed margin")


def _check_tol(tol: float, name: str = "tol") -> float:
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.integer, np.floating)):
        msg = f"{name} must be a number, got {type(tol).__name__}."
        raise TypeError(msg)
    if not (np.isfinite(tol) and tol >= 0):
        msg = f"{name} must be >= 0 and finite: {tol}"
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
    tol: float = 0.0,
    sem: xr.DataArray | None = None,
    z: float = Z_ONE_SIDED_5,
) -> xr.Dataset:
    """Detect the concept-first approach in a distance-to-concept curve and classify what follows (eq. 10).

    Write d(t) for the curve along ``dim`` (positions 0..T), d(0) its first and
    d(T) its last value, t* the first position of its minimum d_min = d(t*),
    and s(t) the standard error of d(t) (``sem``; s ≡ 0 when ``sem`` is not
    given). Two values differ *significantly* when their difference exceeds
    z times their combined standard error, e.g. for the approach
    d(0) − d_min > z·√(s(0)² + s(t*)²): a one-sided z-test at the 5 % level
    for the default z = 1.645 (conservative for the positively correlated
    values of one set of trials). ``tol`` adds an optional relative margin
    tol·d(0) to every comparison (default 0: no fixed margin decides a verdict).

    1. **approach** (the boolean ``dip``) ⇔ d(0) − d_min > tol·d(0) + z·√(s(0)² + s(t*)²).
    2. **moves away** (the boolean ``leaves``) ⇔ d(T) − d_min > tol·d(0) + z·√(s(T)² + s(t*)²):
       after its minimum the curve rises significantly.
    3. **outcome**, in this order:

       * ``"no_approach"``: no approach;
       * ``"runs_away"``: an approach, and d(T) − d(0) > tol·d(0) + z·√(s(T)² + s(0)²):
         the curve ends significantly above where it started;
       * ``"approaches_and_stays"``: an approach that does not move away
         (a monotone approach, or a dip that never leaves the concept);
       * ``"settles"``: an approach that moves away and comes back part of the
         way, no further than d(0) (it levels off, e.g. near the memory).

    ``dip`` is True for every outcome but ``"no_approach"``; ``leaves`` for
    ``"settles"`` and ``"runs_away"``. Without ``sem`` (one trial) the
    comparisons are point comparisons plus ``tol``: pass a ``tol`` there.
    The minimum is located on the same data it is tested on, which favours an
    approach on a flat noisy curve; the report's bootstrap (``fragile``) shows
    when a verdict rests on that.

    Parameters
    ----------
    curve : xarray.DataArray
        Distances to the concept over ``dim`` (e.g. the ``mean`` of
        :func:`~neurogen.analysis.mean_sem`); other dimensions (e.g.
        ``trial`` or ``label``) are treated independently (vectorised).
    dim : hashable, default "time"
        The time dimension.
    tol : float, default 0.0
        Extra relative margin (a fraction of d(0)), ≥ 0 and finite.
    sem : xarray.DataArray, optional
        Standard error of ``curve`` (e.g. the ``sem`` of ``mean_sem``), ≥ 0,
        with ``dim`` and no dimension that ``curve`` lacks (it is broadcast).
        NaN is not allowed (one trial has no SEM: leave ``sem`` out).
    z : float, default 1.645
        How many combined standard errors a difference must exceed, ≥ 0.

    Returns
    -------
    xarray.Dataset
        Over the other dims of ``curve`` (with its coordinates):
        ``dip`` (bool), ``leaves`` (bool), ``outcome`` (str, one of :data:`OUTCOMES`),
        ``t_min`` (the ``dim`` coordinate value of the first minimum),
        ``depth`` = d_min/d(0), ``final_ratio`` = d(T)/d(0),
        ``final_rise`` = (d(T) − d_min)/d(0), ``rise`` = (max_{t>t*} d(t) −
        d_min)/d(0) (0 if t* is last), ``late_change`` = (d(T) − d(t_q))/d(0)
        with t_q = ⌊3T/4⌋ (the start of the last quarter: positive while still
        rising), ``final_sem`` = s(T)/d(0), ``approach_z`` = (d(0) − d_min)/√(s(0)² + s(t*)²)
        and ``leave_z`` = (d(T) − d_min)/√(s(T)² + s(t*)²) (inf without SEM);
        attrs ``tol``, ``z``, ``with_sem``, ``rule``.

    Raises
    ------
    TypeError
        If ``curve`` or ``sem`` is not a numeric DataArray or ``tol``/``z`` not a number.
    ValueError
        If ``dim`` is missing or empty, ``curve`` or ``sem`` holds NaN/inf,
        ``sem`` is negative or does not match ``curve``, d(0) ≤ 0 anywhere
        (the margin is relative to it), or ``tol``/``z`` < 0 or not finite.

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

    A fall of 0.3 is significant with a standard error of 0.1 at every step, not with 0.2:

    >>> d = xr.DataArray([10.0, 9.7, 9.7, 9.7], dims="time")
    >>> bool(returns_to_concept(d, sem=xr.full_like(d, 0.1))["dip"])
    True
    >>> bool(returns_to_concept(d, sem=xr.full_like(d, 0.2))["dip"])
    False

    Ending 4 % above d(0) runs away by itself, but not within a standard error of 0.5:

    >>> d = xr.DataArray([10.0, 4.0, 2.0, 8.0, 10.4], dims="time")
    >>> str(returns_to_concept(d)["outcome"].values)
    'runs_away'
    >>> str(returns_to_concept(d, sem=xr.full_like(d, 0.5))["outcome"].values)
    'settles'
    """
    tol = _check_tol(tol)
    z = _check_tol(z, "z")
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

    s0 = s[..., 0]
    se_approach = np.hypot(s0, s_min)
    se_leave = np.hypot(s_last, s_min)
    margin = tol * d0
    dip = d0 - dmin > margin + z * se_approach
    leaves = last - dmin > margin + z * se_leave
    runs_away = last - d0 > margin + z * np.hypot(s_last, s0)
    outcome = np.select(
        [~dip, runs_away, ~leaves],
        ["no_approach", "runs_away", "approaches_and_stays"],
        default="settles",
    )
    leaves = leaves & dip
    with np.errstate(divide="ignore", invalid="ignore"):
        approach_z = np.where(se_approach > 0, (d0 - dmin) / se_approach, np.inf)
        leave_z = np.where(se_leave > 0, (last - dmin) / se_leave, np.inf)

    template = ordered.isel({dim: 0}, drop=True)

    def wrap(data: np.ndarray, **attrs: object) -> xr.DataArray:
        return xr.DataArray(np.asarray(data), dims=template.dims, coords=template.coords, attrs=attrs)

    return xr.Dataset(
        {
            "dip": wrap(dip, long_name="the concept-first approach happened"),
            "leaves": wrap(leaves, long_name="after the approach the curve moves away from the concept"),
            "outcome": wrap(np.asarray(outcome).astype(str), long_name="what the curve does after the approach"),
            "t_min": wrap(ordered[dim].values[imin], long_name=f"{dim} of the minimum"),
            "depth": wrap(dmin / d0, long_name="d_min / d(0)", units="1"),
            "final_ratio": wrap(last / d0, long_name="d(T) / d(0)", units="1"),
            "final_rise": wrap((last - dmin) / d0, long_name="(d(T) - d_min) / d(0)", units="1"),
            "rise": wrap(rise / d0, long_name="(max after minimum - d_min) / d(0)", units="1"),
            "late_change": wrap((last - values[..., (3 * (n - 1)) // 4]) / d0,
                                long_name="last-quarter change / d(0)", units="1"),
            "final_sem": wrap(s_last / d0, long_name="SEM at T / d(0)", units="1"),
            "approach_z": wrap(approach_z, long_name="(d(0) - d_min) / combined SEM", units="1"),
            "leave_z": wrap(leave_z, long_name="(d(T) - d_min) / combined SEM", units="1"),
        },
        attrs={
            "tol": tol,
            "z": z,
            "with_sem": sem is not None,
            "dim": str(dim),
            "equation": "10",
            "rule": RULE,
        },
    )
