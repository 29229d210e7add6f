"""Similarity between activity patterns: cosine similarity (eq. 11) and overlap.

Owns :func:`cosine_similarity` (the concept-by-concept matrix of Fig. 3c and
Fig. 6f-j), :func:`off_diagonal_mean` (how orthogonal the patterns are) and
:func:`overlap`, the Hopfield-model order parameter m = (1/N) Σ_i ξ_i s_i.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import xarray as xr

from neurogen.analysis._targets import align_targets, pairwise_reduce
from neurogen.analysis._validate import check_array

__all__ = ["cosine_similarity", "off_diagonal_mean", "overlap", "other_dim"]


def other_dim(name: Hashable) -> str:
    """Name of the second axis of a similarity matrix over ``name`` (``name + "_other"``)."""
    return f"{name}_other"


def cosine_similarity(patterns: xr.DataArray, dim: Hashable = "unit") -> xr.DataArray:
    """Cosine similarity C_ij = ξ_i·ξ_j / (‖ξ_i‖₂ ‖ξ_j‖₂) between patterns (eq. 11).

    Parameters
    ----------
    patterns : xarray.DataArray
        2-D: ``dim`` plus one pattern dimension, e.g. ``hier["concept"]``
        ``(label, unit)`` or ``hier["memory"]`` ``(sample, unit)``.
    dim : hashable, default "unit"
        The dimension the dot product runs over.

    Returns
    -------
    xarray.DataArray
        Square float64 matrix named ``"cosine_similarity"`` with dims
        ``(p, p + "_other")`` where ``p`` is the pattern dimension (e.g.
        ``("label", "label_other")``; :func:`other_dim` gives the name). Both
        axes carry the pattern coordinate; coordinates along ``p`` (e.g. the
        memories' ``label``) are repeated on the second axis with the suffix
        ``"_other"``. Values are clipped to [−1, 1].

    Raises
    ------
    TypeError
        If ``patterns`` is not a numeric DataArray.
    ValueError
        If ``patterns`` is not 2-D with ``dim``, is empty, holds NaN/inf, or
        contains a zero vector (its cosine is undefined); the message lists
        the zero rows.

    Examples
    --------
    >>> import xarray as xr
    >>> c = xr.DataArray([[1.0, 0.0], [1.0, 1.0]], dims=("label", "unit"),
    ...                  coords={"label": [0, 1]})
    >>> cosine_similarity(c).round(3).values
    array([[1.   , 0.707],
           [0.707, 1.   ]])
    """
    patterns = check_array(patterns, "patterns", [dim])
    if patterns.ndim != 2:
        msg = (
            f"patterns must be 2-D: {dim!r} plus one pattern dimension, but its dims "
            f"are {patterns.dims!r}; select or stack the others first."
        )
        raise ValueError(msg)
    (pdim,) = [d for d in patterns.dims if d != dim]
    odim = other_dim(pdim)
    values = patterns.transpose(pdim, dim).values.astype(np.float64)
    # rescale each row by its largest |entry| first, so tiny vectors do not underflow
    largest = np.abs(values).max(axis=1)
    zero = np.flatnonzero(largest == 0)
    if zero.size:
        where = patterns[pdim].values[zero] if pdim in patterns.coords else zero
        msg = (
            f"patterns has zero vectors at {pdim}={where.tolist()}; their cosine "
            "similarity is undefined: drop these rows first."
        )
        raise ValueError(msg)
    scaled = values / largest[:, None]
    unit_vectors = scaled / np.linalg.norm(scaled, axis=1)[:, None]
    matrix = np.clip(unit_vectors @ unit_vectors.T, -1.0, 1.0)
    coords = {}
    for name, coord in patterns.coords.items():
        if coord.dims == (pdim,):
            coords[name] = coord.variable
            other = odim if name == pdim else f"{name}_other"
            coords[other] = xr.Variable((odim,), coord.values, coord.attrs)
    return xr.DataArray(
        matrix,
        dims=(pdim, odim),
        coords=coords,
        name="cosine_similarity",
        attrs={"long_name": "cosine similarity", "equation": "11"},
    )


def off_diagonal_mean(matrix: xr.DataArray, *, absolute: bool = True) -> xr.DataArray:
    """Mean of the off-diagonal entries of a square matrix.

    With ``absolute=True`` this is the mean |C_ij| over i ≠ j: near 0 for
    orthogonal concepts, the paper's reading of Fig. 3c (eq. 11).

    Parameters
    ----------
    matrix : xarray.DataArray
        2-D square matrix, e.g. from :func:`cosine_similarity`.
    absolute : bool, default True
        Average absolute values (so that anti-correlation counts as overlap).

    Returns
    -------
    xarray.DataArray
        0-d float64, named ``"off_diagonal_mean"``, attrs ``absolute``.

    Raises
    ------
    TypeError
        If ``matrix`` is not a numeric DataArray.
    ValueError
        If it is not 2-D and square, is smaller than 2×2, or holds NaN/inf.

    Examples
    --------
    >>> import xarray as xr
    >>> m = xr.DataArray([[1.0, -0.5], [-0.5, 1.0]], dims=("label", "label_other"))
    >>> float(off_diagonal_mean(m)), float(off_diagonal_mean(m, absolute=False))
    (0.5, -0.5)
    """
    matrix = check_array(matrix, "matrix")
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        msg = f"matrix must be 2-D and square, got dims {dict(matrix.sizes)!r}."
        raise ValueError(msg)
    n = matrix.shape[0]
    if n < 2:
        msg = "matrix must be at least 2×2 to have off-diagonal entries, got 1×1."
        raise ValueError(msg)
    values = matrix.values.astype(np.float64)
    off = values[~np.eye(n, dtype=bool)]
    if absolute:
        off = np.abs(off)
    return xr.DataArray(
        np.sort(off).mean(),
        name="off_diagonal_mean",
        attrs={"absolute": int(absolute), "n_entries": int(off.size)},
    )


def _mean_product(a: np.ndarray, b: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """(1/N) Σ_i a_i b_i over the last axis, broadcasting the rest."""
    a = np.asarray(a, dtype=dtype)
    b = np.asarray(b, dtype=dtype)
    return np.einsum("...i,...i->...", a, b) / a.shape[-1]


def overlap(
    states: xr.DataArray,
    patterns: xr.DataArray,
    dim: Hashable = "unit",
    *,
    match: str | None = "auto",
) -> xr.DataArray:
    """Overlap m = (1/N) Σ_i ξ_i s_i between states and patterns (Hopfield order parameter).

    For ±1 states and patterns m is 1 for the pattern itself, −1 for its
    mirror image and near 0 for an unrelated random pattern; it is the
    associative-memory counterpart of the distance of eq. 10.

    Parameters
    ----------
    states : xarray.DataArray
        States s with dimension ``dim`` (e.g. ``(trial, time, unit)``).
    patterns : xarray.DataArray
        Pattern(s) ξ with dimension ``dim``; one pattern, per-label patterns
        (dim ``label``) or per-sample patterns (dim ``sample``).
    dim : hashable, default "unit"
        The dimension of length N summed over.
    match : {"auto", "label", "source", "all", None}, default "auto"
        Which pattern each trial meets: exactly as in
        :func:`~neurogen.analysis.distance`.

    Returns
    -------
    xarray.DataArray
        Named ``"overlap"``, dims of ``states`` minus ``dim`` (plus the
        patterns' extra dims under ``match="all"``), attrs ``target`` and
        ``match``.

    Raises
    ------
    TypeError, ValueError, KeyError
        As for :func:`~neurogen.analysis.distance`.

    Examples
    --------
    >>> import xarray as xr
    >>> s = xr.DataArray([[1, -1, 1, 1]], dims=("trial", "unit"))
    >>> xi = xr.DataArray([[1, -1, 1, 1], [1, 1, 1, 1]], dims=("pattern", "unit"))
    >>> overlap(s, xi).values
    array([[1. , 0.5]])
    """
    states_a, patterns_a, how = align_targets(
        states, patterns, dim=dim, match=match, latent_name="states", target_name="patterns"
    )
    out = pairwise_reduce(_mean_product, states_a, patterns_a, dim=dim)
    out.name = "overlap"
    out.attrs = {
        "long_name": "overlap (1/N) sum_i xi_i s_i",
        "target": str(patterns.name) if patterns.name is not None else "pattern",
        "match": how,
    }
    return out
