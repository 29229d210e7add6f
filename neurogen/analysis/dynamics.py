"""Shape of a distance-over-time curve: does the trajectory pass by the concept?

Owns :func:`returns_to_concept`, the paper's main claim (section 3.1, Fig. 2 and
Fig. 6) as a number: the distance to the concept (eq. 10) first falls, reaches a
minimum strictly inside the run, then rises again, and afterwards either
settles (near the memory) or keeps running away.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import xarray as xr

from neurogen.analysis._validate import check_array

__all__ = ["OUTCOMES", "returns_to_concept"]

#: Possible values of the ``outcome`` variable.
OUTCOMES = ("no_dip", "settles", "runs_away")


def _check_tol(tol: float) -> float:
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.integer, np.floating)):
        msg = f"tol must be a number, got {type(tol).__name__}."
        raise TypeError(msg)
    if not (np.isfinite(tol) and tol > 0):
        msg = f"tol must be > 0 and finite: {tol}"
        raise ValueError(msg)
    return float(tol)


def returns_to_concept(
    curve: xr.DataArray, dim: Hashable = "time", *, tol: float = 0.05
) -> xr.Dataset:
    """Detect a dip in a distance-to-concept curve and classify what follows (eq. 10).

    Write d(t) for the curve along ``dim`` with n points, d(0) its first and
    d(T) its last value, t* the first position of its minimum. All
    tolerances are relative: ``tol`` is multiplied by d(0).

    1. **dip** ⇔ 0 < t* < T (the minimum is strictly inside the run) **and**
       max_{t > t*} d(t) − d(t*) > tol·d(0) (the curve rises after it).
    2. late change Δ = d(T) − d(t_q), with t_q the position ⌊3(n − 1)/4⌋
       (the start of the last quarter).
    3. **outcome**:

       * ``"no_dip"``: no dip (a monotone approach, no approach at all, or a
         rise smaller than the tolerance);
       * ``"runs_away"``: a dip, and the curve is still rising at the end
         (Δ ≥ tol·d(0)) or ends farther away than it started (d(T) > d(0));
       * ``"settles"``: every other dip: over the last quarter the curve
         rises by less than tol·d(0) and it ends no farther than d(0), i.e.
         it has levelled off (or turned back) near the memory.

    Parameters
    ----------
    curve : xarray.DataArray
        Distances to the concept over ``dim``; other dimensions (e.g.
        ``trial`` or ``label``) are treated independently (vectorised).
    dim : hashable, default "time"
        The time dimension.
    tol : float, default 0.05
        Relative tolerance (a fraction of d(0)), > 0 (with 0 a perfectly flat
        end would already count as still rising).

    Returns
    -------
    xarray.Dataset
        Over the other dims of ``curve`` (with its coordinates):
        ``dip`` (bool), ``t_min`` (the ``dim`` coordinate value of the first
        minimum), ``depth`` = d(t*)/d(0), ``final_ratio`` = d(T)/d(0),
        ``rise`` = (max_{t>t*} d(t) − d(t*))/d(0) (0 if t* is last),
        ``late_change`` = Δ/d(0), and ``outcome`` (str, one of
        :data:`OUTCOMES`); attrs ``tol``.

    Raises
    ------
    TypeError
        If ``curve`` is not a numeric DataArray or ``tol`` not a number.
    ValueError
        If ``dim`` is missing or empty, ``curve`` holds NaN/inf, d(0) ≤ 0
        anywhere (the tolerance is relative to it), or ``tol`` ≤ 0 or not finite.

    Examples
    --------
    >>> import xarray as xr
    >>> d = xr.DataArray([10.0, 4.0, 2.0, 5.0, 6.0, 6.0, 6.0, 6.0, 6.0], dims="time")
    >>> res = returns_to_concept(d)
    >>> bool(res["dip"]), int(res["t_min"]), str(res["outcome"].values)
    (True, 2, 'settles')
    >>> str(returns_to_concept(d[:3])["outcome"].values)
    'no_dip'
    """
    tol = _check_tol(tol)
    curve = check_array(curve, "curve", [dim])
    ordered = curve.transpose(..., dim)
    values = ordered.values.astype(np.float64)
    d0 = values[..., 0]
    n_bad = int(np.count_nonzero(d0 <= 0))
    if n_bad:
        msg = (
            f"curve must be > 0 at the first {dim} step (the tolerance is relative to "
            f"d(0)), but it is <= 0 for {n_bad} curve(s)."
        )
        raise ValueError(msg)

    n = values.shape[-1]
    last = values[..., -1]
    imin = np.argmin(values, axis=-1)
    dmin = np.take_along_axis(values, imin[..., None], axis=-1)[..., 0]
    after = np.arange(n) > imin[..., None]
    after_max = np.where(after, values, -np.inf).max(axis=-1)
    rise = np.where(imin < n - 1, after_max - dmin, 0.0)
    dip = (imin > 0) & (imin < n - 1) & (rise > tol * d0)
    late_change = last - values[..., (3 * (n - 1)) // 4]
    runs_away = (late_change >= tol * d0) | (last > d0)
    outcome = np.where(dip, np.where(runs_away, "runs_away", "settles"), "no_dip")

    template = ordered.isel({dim: 0}, drop=True)
    coords = template.coords
    dims = template.dims

    def wrap(data: np.ndarray, **attrs: object) -> xr.DataArray:
        return xr.DataArray(np.asarray(data), dims=dims, coords=coords, attrs=attrs)

    return xr.Dataset(
        {
            "dip": wrap(dip),
            "t_min": wrap(ordered[dim].values[imin], long_name=f"{dim} of the minimum"),
            "depth": wrap(dmin / d0, long_name="d_min / d(0)"),
            "final_ratio": wrap(last / d0, long_name="d(T) / d(0)"),
            "rise": wrap(rise / d0, long_name="(max after minimum - d_min) / d(0)"),
            "late_change": wrap(late_change / d0, long_name="last-quarter change / d(0)"),
            "outcome": wrap(outcome.astype(str)),
        },
        attrs={"tol": tol, "dim": str(dim), "equation": "10"},
    )
