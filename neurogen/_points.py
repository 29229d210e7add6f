"""Points of the state space, for :mod:`neurogen.fixed_points` (private).

:func:`as_points` normalises (n, N) input; :func:`merge` merges nearby points; the concept
hierarchy serves as landmarks: :func:`starts_from` builds starts from a
:class:`~neurogen.concepts.ConceptHierarchy`'s memories, concepts and abstract concept and from
recorded trajectories, and :func:`classify` finds each point's nearest level and its category.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import xarray as xr

from neurogen._checks import check_int
from neurogen.recording import Recording

if TYPE_CHECKING:
    from neurogen.concepts import ConceptHierarchy

__all__ = ["as_points", "classify", "merge", "starts_from"]


def as_points(points: Any, name: str) -> tuple[torch.Tensor, np.ndarray, dict[str, tuple]]:
    """(n, N) float32 CPU tensor, the unit coordinate, and the coords along the first dim."""
    coords: dict[str, tuple] = {}
    if isinstance(points, xr.Dataset) and "z" in points:
        points = points["z"]
    if isinstance(points, xr.DataArray):
        if points.ndim != 2 or points.dims[1] != "unit":
            msg = f"'{name}' as a DataArray must have dims (n, 'unit'), got {points.dims}."
            raise ValueError(msg)
        d0 = points.dims[0]
        coords = {k: (v.dims, v.values) for k, v in points.coords.items() if v.dims == (d0,)}
        units = points["unit"].values if "unit" in points.coords else np.arange(points.shape[1])
        arr = points.values
    elif isinstance(points, (torch.Tensor, np.ndarray, list, tuple)):
        arr = points.detach().cpu().numpy() if isinstance(points, torch.Tensor) else np.asarray(points)
        units = np.arange(arr.shape[1]) if arr.ndim == 2 else None
    else:
        msg = (f"'{name}' must be a tensor, an array or an xarray.DataArray (n, unit), "
               f"got {type(points).__name__}.")
        raise TypeError(msg)
    if arr.ndim != 2 or arr.size == 0 or arr.dtype.kind not in "iuf":
        msg = f"'{name}' must be a non-empty numeric (n, N) array, got shape {arr.shape} of dtype {arr.dtype}."
        raise ValueError(msg)
    if not np.isfinite(arr).all():
        msg = f"'{name}' holds NaN or inf at {int((~np.isfinite(arr)).sum())} position(s); it must be finite."
        raise ValueError(msg)
    return torch.as_tensor(arr.astype(np.float32)), np.asarray(units), coords


def _levels(hierarchy: Any) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """(memory, concept, abstract) of a ConceptHierarchy, or a TypeError."""
    levels = tuple(getattr(hierarchy, k, None) for k in ("memory", "concept", "abstract"))
    if not all(isinstance(a, xr.DataArray) for a in levels):
        msg = f"hierarchy must be a ConceptHierarchy, got {type(hierarchy).__name__}."
        raise TypeError(msg)
    return levels


def _nearest(points: np.ndarray, patterns: np.ndarray, chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Distance to, and index of, the nearest row of ``patterns`` for each point (float64)."""
    p = patterns.astype(np.float64)
    p2 = (p * p).sum(1)
    dist, arg = np.empty(len(points)), np.empty(len(points), dtype=np.int64)
    for i in range(0, len(points), chunk):
        x = points[i : i + chunk].astype(np.float64)
        d2 = (x * x).sum(1)[:, None] + p2[None] - 2 * x @ p.T
        arg[i : i + chunk] = d2.argmin(1)
        dist[i : i + chunk] = np.sqrt(np.maximum(d2[np.arange(len(x)), arg[i : i + chunk]], 0))
    return dist, arg


def classify(ds: xr.Dataset, hierarchy: Any, radius: float) -> xr.Dataset:
    """``ds`` (points ``z(point, unit)``) with the distances to each level and the category (rule in
    :func:`neurogen.fixed_points.find_fixed_points`)."""
    mem, con, ab = _levels(hierarchy)
    if mem.sizes["unit"] != ds.sizes["unit"]:
        msg = f"hierarchy has {mem.sizes['unit']} units but the points have {ds.sizes['unit']}."
        raise ValueError(msg)
    z = ds["z"].values
    d_mem, i_mem = _nearest(z, mem.values)
    d_con, i_con = _nearest(z, con.values)
    d_ab = np.linalg.norm(z.astype(np.float64) - ab.values.astype(np.float64), axis=1)
    own = con.sel(label=mem["label"].values).values
    spread = float(np.median(np.linalg.norm(mem.values.astype(np.float64) - own, axis=1)))
    d = np.stack([d_mem, d_con, d_ab], 1)
    level = np.array(["memory", "concept", "abstract"])[d.argmin(1)]
    near = d.min(1)
    category = np.where(near <= radius * spread, np.char.add(level, "-like"), "spurious")
    out = ds.assign(
        distance_memory=("point", d_mem), distance_concept=("point", d_con), distance_abstract=("point", d_ab),
        nearest_memory=("point", mem["sample"].values[i_mem]),
        nearest_concept=("point", con["label"].values[i_con]),
        nearest_label=("point", np.stack([mem["label"].values[i_mem], con["label"].values[i_con],
                                          np.full(len(z), -1)], 1)[np.arange(len(z)), d.argmin(1)]),
        nearest_level=("point", level), nearest_distance=("point", near), category=("point", category))
    out.attrs.update(radius=radius, spread=spread,
                     rule="category = nearest level if its distance <= radius * spread, else spurious; "
                          "spread = median distance of a memory to its own concept")
    return out


def starts_from(hierarchy: ConceptHierarchy, recording: Recording | xr.DataArray | None = None, *,
                memories: int = 0, concepts: bool = True, abstract: bool = True,
                times: Sequence[int] | None = None, seed: int = 0) -> xr.DataArray:
    """Starts for :func:`~neurogen.fixed_points.find_fixed_points`: a hierarchy's patterns, recorded states.

    Parameters
    ----------
    hierarchy : ConceptHierarchy
    recording : Recording or DataArray (trial, time, unit), optional
        Its states z(trial, t) at ``times`` are added (trial by trial).
    memories : int
        Memories per label, drawn without replacement with ``seed`` (all when fewer).
    concepts, abstract : bool
        Add the concepts ξ̄_num / the abstract concept ξ̄_all.
    times : sequence of int, optional
        Recorded time points to start from (default: all).
    seed : int

    Returns
    -------
    xarray.DataArray
        (start, unit), with coords ``origin`` ("memory", "concept", "abstract", "trajectory"),
        ``origin_index`` (sample, label, −1 or trial) and ``origin_time`` (−1 but for trajectories).

    Examples
    --------
    >>> from neurogen.concepts import ConceptHierarchy
    >>> hier = ConceptHierarchy.from_patterns(np.eye(4), np.array([0, 0, 1, 1]))
    >>> starts_from(hier, memories=1).origin.values.tolist()
    ['memory', 'memory', 'concept', 'concept', 'abstract']
    """
    memories = check_int("memories", memories, min=0)
    mem, con, ab = _levels(hierarchy)
    rows: list[np.ndarray] = []
    origin: list[str] = []
    index: list[np.ndarray] = []
    when: list[np.ndarray] = []

    def add(values: np.ndarray, name: str, idx: Any, t: Any = -1) -> None:
        rows.append(np.asarray(values, dtype=np.float32).reshape(-1, mem.sizes["unit"]))
        origin.extend([name] * len(rows[-1]))
        index.append(np.broadcast_to(np.asarray(idx, dtype=np.int64), len(rows[-1])))
        when.append(np.broadcast_to(np.asarray(t, dtype=np.int64), len(rows[-1])))

    if memories:
        rng, labels = np.random.default_rng(seed), mem["label"].values
        pick = np.sort(np.concatenate([rng.permutation(np.flatnonzero(labels == lab))[:memories]
                                       for lab in np.unique(labels)]))
        add(mem.values[pick], "memory", mem["sample"].values[pick])
    if concepts:
        add(con.values, "concept", con["label"].values)
    if abstract:
        add(ab.values, "abstract", -1)
    if recording is not None:
        lat = recording.latent if isinstance(recording, Recording) else recording
        if not isinstance(lat, xr.DataArray) or lat.dims != ("trial", "time", "unit"):
            msg = "recording must be a Recording or a (trial, time, unit) DataArray."
            raise TypeError(msg)
        lat = lat if times is None else lat.sel(time=list(times))
        tr, tm = np.meshgrid(lat["trial"].values if "trial" in lat.coords else np.arange(lat.sizes["trial"]),
                             lat["time"].values, indexing="ij")
        add(lat.values, "trajectory", tr.ravel(), tm.ravel())
    if not rows:
        msg = "no starts: ask for memories, concepts, abstract or a recording."
        raise ValueError(msg)
    units = mem["unit"].values if "unit" in mem.coords else np.arange(mem.sizes["unit"])
    return xr.DataArray(np.concatenate(rows), dims=("start", "unit"),
                        coords={"unit": units, "origin": ("start", np.array(origin)),
                                "origin_index": ("start", np.concatenate(index)),
                                "origin_time": ("start", np.concatenate(when))})


def merge(z: np.ndarray, dedup: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy merge in the given order: a point closer than ``dedup`` to a kept one joins the
    nearest kept one. Returns the rows kept, how many rows each stands for, and each row's kept one
    (as a position among those kept)."""
    n = len(z)
    if dedup == 0:
        return np.arange(n), np.ones(n, dtype=np.int64), np.arange(n)
    zt = z.astype(np.float64)
    kept, owner, counts, k = np.empty(n, np.int64), np.empty(n, np.int64), np.zeros(n, np.int64), 0
    kz = np.empty_like(zt)
    for i in range(n):
        if k:
            d = np.linalg.norm(kz[:k] - zt[i], axis=1)
            j = int(d.argmin())
            if d[j] < dedup:
                counts[j], owner[i] = counts[j] + 1, j
                continue
        kept[k], counts[k], kz[k], owner[i] = i, 1, zt[i], k
        k += 1
    return kept[:k], counts[:k], owner
