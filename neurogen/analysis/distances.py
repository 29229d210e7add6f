"""Distances between recorded states and target patterns (paper eq. 10 and 13).

Owns :func:`distance` (Euclidean distance of z(t) to a memory, a concept or the
abstract concept), :func:`min_distance` (its minimum over inference time) and
:func:`min_distances` (that minimum to each level of a concept hierarchy: the
input of :func:`~neurogen.analysis.stages`, Fig. 4).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import xarray as xr

from neurogen.analysis._targets import align_targets, pairwise_reduce
from neurogen.analysis._validate import check_array

__all__ = ["distance", "min_distance", "min_distances"]

#: Hierarchy levels from detailed to coarse, and how each trial meets its pattern.
_LEVEL_MATCH = {"memory": "source", "concept": "label", "abstract": "all"}


def _euclidean(a: np.ndarray, b: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Euclidean norm of ``a - b`` over the last axis (broadcasting the rest).

    The plain sum of squares is used wherever it is a positive finite number;
    where it under- or overflowed (differences below ~1e-154 or above ~1e154
    in float64) the norm is recomputed with the differences rescaled, so the
    distance is 0 exactly when the two vectors are equal.
    """
    diff = np.subtract(a, b, dtype=dtype)
    out = np.asarray(np.sqrt(np.einsum("...i,...i->...", diff, diff)))
    suspect = (out == 0) | ~np.isfinite(out)
    if suspect.any():
        sub = diff[suspect]
        scale = np.abs(sub).max(axis=-1)
        safe = np.where(scale > 0, scale, 1)
        out[suspect] = scale * np.sqrt(np.einsum("...i,...i->...", sub / safe[:, None], sub / safe[:, None]))
    return out


def distance(
    latent: xr.DataArray,
    target: xr.DataArray,
    *,
    dim: Hashable = "unit",
    match: str | None = "auto",
) -> xr.DataArray:
    """Euclidean distance ‖z(t) − ξ‖₂ between states and target patterns (eq. 10).

    Parameters
    ----------
    latent : xarray.DataArray
        Recorded states, typically ``(trial, time, unit)`` with coordinates
        ``label``, ``source`` and ``noise`` on ``trial``. Any other dimensions
        are allowed and kept.
    target : xarray.DataArray
        The pattern(s) ξ to measure against, with dimension ``dim``:

        * one pattern (dims just ``(dim,)``, e.g. ``hier["abstract"]``):
          broadcast against every state;
        * per-label patterns (dim ``label``, e.g. ``hier["concept"]``, eq. 8);
        * per-sample patterns (dim ``sample``, e.g. ``hier["memory"]``, eq. 9).
    dim : hashable, default "unit"
        The dimension summed over.
    match : {"auto", "label", "source", "all", None}, default "auto"
        Which pattern each trial is compared with.

        * ``"label"``: a ``label``-indexed target is looked up with each trial's
          ``label`` coordinate (its own concept); the result has no ``label`` dim.
        * ``"source"``: a ``sample``-indexed target (memories) is looked up with
          each trial's ``source`` coordinate, matched to the target's ``sample``
          coordinate values (its own memory).
        * ``"auto"``: ``"source"`` if the target has a ``sample`` dim and
          ``latent`` a ``source`` coordinate, else ``"label"`` if the target
          has a ``label`` dim and ``latent`` a ``label`` coordinate, else
          ``"all"``.
        * ``"all"`` or ``None``: compare every state with every pattern; the
          result gains the target's extra dims (e.g. ``label``).

    Returns
    -------
    xarray.DataArray
        Named ``"distance"``, with the dims of ``latent`` minus ``dim`` (plus the
        target's pattern dim under ``match="all"``), the coordinates of
        ``latent``, and attrs ``target`` (the target's name), ``match`` (how
        trials met patterns) and ``equation``. Float32 inputs give float32.

    Raises
    ------
    TypeError
        If ``latent`` or ``target`` is not a numeric DataArray.
    ValueError
        If ``dim`` is missing, a dimension is empty, a value is NaN/inf, the two
        disagree along ``dim``, or ``match`` is unknown or impossible.
    KeyError
        If a trial's label or source has no pattern in ``target``.

    Notes
    -----
    Under ``match="all"`` a coordinate of ``latent`` named like a new dimension
    is renamed ``<its dims>_<name>`` (so a trial's own ``label`` becomes
    ``trial_label`` next to the new ``label`` dim), and a target coordinate
    clashing with one of ``latent``'s is renamed the same way (the memories'
    ``label(sample)`` becomes ``sample_label``). Large all-against-all
    comparisons are computed in chunks along the target's pattern dimension.

    Examples
    --------
    >>> import xarray as xr
    >>> z = xr.DataArray([[[0.0, 0.0], [3.0, 4.0]]], dims=("trial", "time", "unit"),
    ...                  coords={"label": ("trial", [1])})
    >>> concept = xr.DataArray([[1.0, 1.0], [0.0, 0.0]], dims=("label", "unit"),
    ...                        coords={"label": [0, 1]})
    >>> distance(z, concept).values
    array([[0., 5.]])
    >>> distance(z, concept, match="all").dims
    ('trial', 'time', 'label')
    """
    latent_a, target_a, how = align_targets(
        latent, target, dim=dim, match=match, latent_name="latent", target_name="target"
    )
    out = pairwise_reduce(_euclidean, latent_a, target_a, dim=dim)
    out.name = "distance"
    out.attrs = {
        "long_name": "Euclidean distance",
        "target": str(target.name) if target.name is not None else "pattern",
        "match": how,
        "equation": "10",
    }
    return out


def min_distance(dist: xr.DataArray, dim: Hashable = "time") -> xr.Dataset:
    """Minimum of a distance over inference time, and when it is reached (eq. 13).

    Parameters
    ----------
    dist : xarray.DataArray
        Distances, e.g. the output of :func:`distance`, with dimension ``dim``.
    dim : hashable, default "time"
        The dimension minimised over.

    Returns
    -------
    xarray.Dataset
        ``min`` (min_t ‖z(t) − ξ‖₂) and ``argmin`` (the *coordinate value* of
        ``dim`` at the first minimum, or its position if ``dim`` has no
        coordinate), both over the remaining dims of ``dist`` with its
        coordinates.

    Raises
    ------
    TypeError
        If ``dist`` is not a numeric DataArray.
    ValueError
        If ``dim`` is missing or empty, or ``dist`` contains NaN/inf.

    Examples
    --------
    >>> import xarray as xr
    >>> d = xr.DataArray([3.0, 1.0, 2.0], dims="time", coords={"time": [0, 5, 10]})
    >>> res = min_distance(d)
    >>> float(res["min"]), int(res["argmin"])
    (1.0, 5)
    """
    dist = check_array(dist, "dist", [dim])
    minimum = dist.min(dim, keep_attrs=True)
    index = np.asarray(dist.argmin(dim).values)
    times = dist[dim].values
    argmin = minimum.copy(data=np.asarray(times[index]))
    argmin.attrs = {"long_name": f"{dim} of the minimum"}
    minimum.attrs = {**dist.attrs, "equation": "13"}
    return xr.Dataset(
        {"min": minimum, "argmin": argmin},
        attrs={"dim": str(dim), "equation": "13"},
    )


def _level(hierarchy: Any, name: str) -> xr.DataArray:
    """One level of a hierarchy given as an object, a Dataset or a mapping."""
    if isinstance(hierarchy, (xr.Dataset, Mapping)):
        if name not in hierarchy:
            msg = (f"hierarchy has no {name!r} entry; it needs 'memory', 'concept' and 'abstract' "
                   "(a ConceptHierarchy, its .dataset, or a mapping of those DataArrays).")
            raise ValueError(msg)
        return hierarchy[name]
    if not hasattr(hierarchy, name):
        msg = (f"hierarchy must be a ConceptHierarchy, an xarray.Dataset or a mapping with 'memory', "
               f"'concept' and 'abstract', got {type(hierarchy).__name__} (no attribute {name!r}).")
        raise TypeError(msg)
    return getattr(hierarchy, name)


def min_distances(
    latent: xr.DataArray,
    hierarchy: Any,
    *,
    dim: Hashable = "unit",
    time: Hashable = "time",
) -> xr.Dataset:
    """Each trial's minimum distance over time to its memory, its concept and the abstract concept (eq. 13).

    For every trial, min_t ‖z(t) − ξ‖₂ with ξ = ξ(i) (the trial's own memory,
    looked up through its ``source`` coordinate), ξ̄_num (its own concept,
    through its ``label``) and ξ̄_all (eq. 12): the three quantities of Fig. 4.

    Parameters
    ----------
    latent : xarray.DataArray
        Recorded states ``(trial, time, unit)`` with ``source`` and ``label``
        coordinates on ``trial`` (e.g. ``Recording.latent``).
    hierarchy : ConceptHierarchy, xarray.Dataset or mapping
        Anything with ``memory`` ``(sample, unit)``, ``concept`` ``(label,
        unit)`` and ``abstract`` ``(unit,)``: a
        :class:`~neurogen.concepts.ConceptHierarchy` (its attributes), its
        ``dataset``, or a mapping of those DataArrays.
    dim : hashable, default "unit"
        The dimension of the patterns.
    time : hashable, default "time"
        The dimension minimised over.

    Returns
    -------
    xarray.Dataset
        ``memory``, ``concept`` and ``abstract``: the minimum distances over
        the dims of ``latent`` minus ``dim`` and ``time`` (with its trial
        coordinates, e.g. ``noise``); attrs ``equation`` = "13". Pass it to
        :func:`~neurogen.analysis.stages`.

    Raises
    ------
    TypeError
        If ``hierarchy`` has no levels, or an array is not numeric.
    ValueError
        As :func:`distance` (missing dims, NaN, mismatched units).
    KeyError
        If a trial's source has no memory or its label no concept.

    Examples
    --------
    >>> import xarray as xr
    >>> z = xr.DataArray([[[0.0, 0.0], [3.0, 4.0]]], dims=("trial", "time", "unit"),
    ...                  coords={"label": ("trial", [1]), "source": ("trial", [7])})
    >>> hier = {"memory": xr.DataArray([[3.0, 4.0]], dims=("sample", "unit"), coords={"sample": [7]}),
    ...         "concept": xr.DataArray([[9.0, 9.0], [0.0, 1.0]], dims=("label", "unit"),
    ...                                 coords={"label": [0, 1]}),
    ...         "abstract": xr.DataArray([1.0, 1.0], dims="unit")}
    >>> res = min_distances(z, hier)
    >>> [float(res[k][0]) for k in ("memory", "concept", "abstract")]
    [0.0, 1.0, 1.4142135623730951]
    """
    levels = {name: _level(hierarchy, name) for name in _LEVEL_MATCH}
    out = {}
    for name, how in _LEVEL_MATCH.items():
        out[name] = min_distance(distance(latent, levels[name], dim=dim, match=how), time)["min"]
        out[name].attrs = {"long_name": f"minimum over {time} of the distance to the {name}", "equation": "13"}
    return xr.Dataset(out, attrs={"equation": "13", "levels": list(_LEVEL_MATCH)})
