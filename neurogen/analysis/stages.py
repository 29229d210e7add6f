"""Stages I/II/III of the noise sweep: which hierarchy level attracts the dynamics.

Owns :func:`stages`, the reading of the paper's Fig. 4 (section 3.2): for each
noise fraction p, is the trajectory on average closest to its memory (stage I),
its concept (II) or the abstract concept (III), and where the stages change.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
import pandas as pd
import xarray as xr

from neurogen.analysis._validate import check_array
from neurogen.analysis.statistics import _mean_sem

__all__ = ["LEVELS", "NUMERALS", "stages"]

#: Hierarchy levels from detailed to coarse (ξ(i), ξ̄_num, ξ̄_all).
LEVELS = ("memory", "concept", "abstract")
#: The paper's stage numeral for each level being the closest.
NUMERALS = {"memory": "I", "concept": "II", "abstract": "III"}


def _group_stats(da: xr.DataArray, by: Hashable, dim: Hashable) -> tuple[np.ndarray, ...]:
    """(groups, mean, sem, n) of ``da`` per value of its ``by`` coordinate, as :func:`mean_sem` computes them."""
    keys = np.asarray(da.coords[by].values)
    if keys.dtype.kind == "f" and np.isnan(keys).any():
        msg = f"the {by!r} coordinate contains NaN; every {dim} needs a group."
        raise ValueError(msg)
    values = np.asarray(da.values)
    groups, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    stats = [_mean_sem(values[inverse.reshape(-1) == g]) for g in range(groups.size)]
    return (groups, np.array([float(m) for m, _ in stats]), np.array([float(e) for _, e in stats]),
            counts.astype(np.int64))


def stages(
    min_distances: xr.Dataset | Mapping[str, xr.DataArray],
    *,
    by: Hashable = "noise",
    dim: Hashable = "trial",
) -> xr.Dataset:
    """Classify each noise level into stage I, II or III (Fig. 4, eq. 13).

    Parameters
    ----------
    min_distances : xarray.Dataset or mapping of str to xarray.DataArray
        Entries ``"memory"``, ``"concept"`` and ``"abstract"``: for each trial,
        min_t ‖z(t) − ξ‖₂ to its memory ξ(i), its concept ξ̄_num and the
        abstract concept ξ̄_all (eq. 13; e.g. ``min_distance(...)["min"]``).
        Each is 1-D along ``dim`` with a coordinate ``by`` on it.
    by : hashable, default "noise"
        The trial coordinate defining the sweep (noise fraction p).
    dim : hashable, default "trial"
        The dimension averaged over.

    Returns
    -------
    xarray.Dataset
        Data variables:

        * ``mean``, ``sem``, ``n`` over ``(level, by)``: the Fig. 4 dots and
          bars, ``level`` = ``("memory", "concept", "abstract")``;
        * ``stage`` over ``by``: the level with the smallest mean distance
          (``"memory"``, ``"concept"`` or ``"abstract"``; ties go to the more
          detailed level);
        * ``numeral`` over ``by``: ``"I"``, ``"II"`` or ``"III"`` for the same;
        * ``boundary`` over ``transition``: the value of ``by`` halfway between
          the last p of one stage and the first p of the next, for every change
          of stage along increasing p, with coordinates ``before`` and
          ``after`` (the stages on either side); empty if the stage never
          changes;
        * ``in_order`` (0-d bool): True if the stage never goes back to a more
          detailed level as p increases (memory → concept → abstract; stages
          may be skipped or absent);
        * ``present`` over ``level`` (bool): whether each level is the stage at
          some value of ``by``;
        * ``complete`` (0-d bool): True if all three stages I, II and III occur
          (``present.all()``); ``complete & in_order`` is the paper's
          "I → II → III, all present and in order";
        * ``sequence`` (0-d str): the distinct numerals in order of first
          appearance along increasing ``by``, joined by " → " (e.g.
          ``"I → II → III"``, ``"I → III"``).

    Raises
    ------
    TypeError
        If ``min_distances`` is not a Dataset or mapping, or an entry is not a
        numeric DataArray.
    ValueError
        If an entry is missing, not 1-D along ``dim``, has NaN, lacks the
        ``by`` coordinate, or the three entries cover different values of ``by``.

    Notes
    -----
    The result depends only on the multiset of values per noise level, so it
    is exactly invariant to permuting or relabelling trials.

    Examples
    --------
    >>> import xarray as xr
    >>> p = ("trial", [0.0, 0.0, 0.5, 0.5, 1.0, 1.0])
    >>> d = {
    ...     "memory": xr.DataArray([1, 1, 5, 5, 9, 9.0], dims="trial", coords={"noise": p}),
    ...     "concept": xr.DataArray([2, 2, 3, 3, 8, 8.0], dims="trial", coords={"noise": p}),
    ...     "abstract": xr.DataArray([3, 3, 4, 4, 7, 7.0], dims="trial", coords={"noise": p}),
    ... }
    >>> res = stages(d)
    >>> res["numeral"].values.tolist(), res["boundary"].values.tolist()
    (['I', 'II', 'III'], [0.25, 0.75])
    >>> bool(res["in_order"]), bool(res["complete"]), str(res["sequence"].values)
    (True, True, 'I → II → III')
    """
    if not isinstance(min_distances, (xr.Dataset, Mapping)):
        msg = (
            "min_distances must be an xarray.Dataset or a mapping with entries "
            f"{LEVELS!r}, got {type(min_distances).__name__}."
        )
        raise TypeError(msg)
    missing = [lvl for lvl in LEVELS if lvl not in min_distances]
    if missing:
        msg = (
            f"min_distances lacks entries {tuple(missing)!r}; it needs the minimum "
            f"distance of each trial to each level {LEVELS!r}."
        )
        raise ValueError(msg)

    stats = {}
    for lvl in LEVELS:
        name = f"min_distances[{lvl!r}]"
        da = check_array(min_distances[lvl], name, [dim])
        if da.dims != (dim,):
            msg = f"{name} must be 1-D along {dim!r}, but its dims are {da.dims!r}."
            raise ValueError(msg)
        if by not in da.coords:
            msg = f"{name} needs a {by!r} coordinate along {dim!r} to group trials by."
            raise ValueError(msg)
        stats[lvl] = _group_stats(da, by, dim)  # numpy: the report's bootstrap calls this hundreds of times

    groups = stats[LEVELS[0]][0]
    for lvl in LEVELS[1:]:
        other = stats[lvl][0]
        if other.shape != groups.shape or not np.array_equal(other, groups):
            msg = (
                f"min_distances[{lvl!r}] covers {by} values {other.tolist()} "
                f"but min_distances['memory'] covers {groups.tolist()}; use the same trials."
            )
            raise ValueError(msg)
    reference = pd.Index(groups, name=by)

    coords = {"level": list(LEVELS), by: groups}
    summary = xr.Dataset(
        {
            name: xr.DataArray(np.stack([stats[lvl][k] for lvl in LEVELS]), dims=("level", by), coords=coords)
            for k, name in ((1, "mean"), (2, "sem"), (3, "n"))
        }
    )
    winner = np.argmin(summary["mean"].transpose("level", by).values, axis=0)
    names = np.array(LEVELS)[winner]
    numerals = np.array([NUMERALS[s] for s in names], dtype=str)
    values = reference.to_numpy()
    change = np.flatnonzero(winner[1:] != winner[:-1])
    boundary = xr.DataArray(
        (values[change] + values[change + 1]) / 2.0 if change.size else np.empty(0),
        dims="transition",
        coords={
            "before": ("transition", names[change].astype(str)),
            "after": ("transition", names[change + 1].astype(str)),
        },
        attrs={"long_name": f"{by} at the change of stage (midpoint)"},
    )
    present = np.isin(np.arange(len(LEVELS)), winner)
    first_seen = [int(np.flatnonzero(winner == k)[0]) for k in range(len(LEVELS)) if present[k]]
    order = [NUMERALS[LEVELS[k]] for _, k in sorted(zip(first_seen, np.flatnonzero(present)))]
    out = summary.assign(
        stage=xr.DataArray(names.astype(str), dims=by),
        numeral=xr.DataArray(numerals, dims=by),
        boundary=boundary,
        in_order=xr.DataArray(bool(np.all(np.diff(winner) >= 0)), attrs={"long_name": "stages never go back"}),
        present=xr.DataArray(present, dims="level", attrs={"long_name": "level is the stage somewhere"}),
        complete=xr.DataArray(bool(present.all()), attrs={"long_name": "stages I, II and III all occur"}),
        sequence=xr.DataArray(" → ".join(order), attrs={"long_name": "stages in order of appearance"}),
    )
    out.attrs = {
        "levels": list(LEVELS),
        "by": str(by),
        "rule": "stage = level with the smallest mean min-distance (ties: more detailed level)",
        "equation": "13",
    }
    return out
