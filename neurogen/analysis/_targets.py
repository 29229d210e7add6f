"""Matching recorded states to target patterns, and the chunked pairwise kernel (private).

:func:`~neurogen.analysis.distance` and :func:`~neurogen.analysis.overlap`
compare a recorded population state with one or more target patterns. This
module owns the rules shared by both: which pattern each trial is compared with
(``match``), how clashing coordinate names are renamed, and a broadcasting
kernel that splits very large comparisons into chunks to bound memory.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np
import xarray as xr

from neurogen.analysis._validate import check_array, lookup_positions

__all__ = ["MATCH_OPTIONS", "align_targets", "pairwise_reduce"]

#: Accepted values of the ``match`` keyword.
MATCH_OPTIONS = ("auto", "label", "source", "all", None)

#: For a target indexed by this dimension, the trial coordinate holding the key.
_KEY_OF_DIM = {"label": "label", "sample": "source"}
_DIM_OF_KEY = {"label": "label", "source": "sample"}

#: Largest broadcast (in elements) computed in one go before chunking.
_CHUNK_ELEMENTS = 2**23


def _resolve_match(
    latent: xr.DataArray, target: xr.DataArray, match: str | None, target_name: str
) -> str:
    """Return ``"label"``, ``"source"`` or ``"all"``: how trials meet patterns."""
    if match not in MATCH_OPTIONS:
        msg = f"match must be one of {MATCH_OPTIONS!r}, got {match!r}."
        raise ValueError(msg)
    if match in ("all", None):
        return "all"
    if match == "auto":
        for tdim in ("sample", "label"):
            key = _KEY_OF_DIM[tdim]
            if tdim in target.dims and key in latent.coords and key not in latent.dims:
                return key
        return "all"
    tdim = _DIM_OF_KEY[match]
    if tdim not in target.dims:
        msg = (
            f"match={match!r} needs {target_name} to have a {tdim!r} dimension, "
            f"but its dims are {tuple(target.dims)!r}."
        )
        raise ValueError(msg)
    if match not in latent.coords or match in latent.dims:
        msg = (
            f"match={match!r} needs a {match!r} coordinate on the trial dimension of "
            f"the recorded states; found coords {tuple(latent.coords)!r}. "
            "Use match='all' to compare every trial with every pattern."
        )
        raise ValueError(msg)
    return match


def _joined(dims: tuple[Hashable, ...], name: Hashable) -> str:
    return "_".join(str(d) for d in dims) + f"_{name}"


def align_targets(
    latent: xr.DataArray,
    target: xr.DataArray,
    *,
    dim: Hashable,
    match: str | None,
    latent_name: str,
    target_name: str,
) -> tuple[xr.DataArray, xr.DataArray, str]:
    """Validate both arrays and return them ready to broadcast against each other.

    Returns
    -------
    latent, target, how
        ``how`` is ``"label"`` or ``"source"`` (each trial meets its own pattern;
        the target's pattern dimension is replaced by the key's dimensions) or
        ``"all"`` (plain broadcasting; the target's own dimensions are added).
    """
    latent = check_array(latent, latent_name, [dim])
    target = check_array(target, target_name, [dim])
    if latent.sizes[dim] != target.sizes[dim]:
        msg = (
            f"{latent_name} and {target_name} must have the same length along {dim!r}, "
            f"got {latent.sizes[dim]} and {target.sizes[dim]}."
        )
        raise ValueError(msg)
    if dim in latent.indexes and dim in target.indexes:
        if not latent.indexes[dim].equals(target.indexes[dim]):
            msg = (
                f"{latent_name} and {target_name} have different {dim!r} coordinates; "
                f"they must label the same units in the same order "
                f"(reorder with {target_name}.sel({dim}={latent_name}[{dim!r}]))."
            )
            raise ValueError(msg)
    for d in set(latent.dims) & set(target.dims) - {dim}:
        if latent.sizes[d] != target.sizes[d]:
            msg = (
                f"{latent_name} and {target_name} share dimension {d!r} with different "
                f"lengths ({latent.sizes[d]} and {target.sizes[d]})."
            )
            raise ValueError(msg)

    how = _resolve_match(latent, target, match, target_name)
    if how in ("label", "source"):
        tdim = _DIM_OF_KEY[how]
        keys = latent.coords[how]
        if dim in keys.dims:
            msg = f"the {how!r} coordinate of {latent_name} must not lie along {dim!r}."
            raise ValueError(msg)
        index_values = (
            target.indexes[tdim].to_numpy()
            if tdim in target.indexes
            else np.arange(target.sizes[tdim])
        )
        pos = lookup_positions(
            index_values,
            keys.values.ravel(),
            target_name=target_name,
            target_dim=tdim,
            key_name=f"{latent_name}[{how!r}]",
        )
        indexer = xr.DataArray(pos.reshape(keys.shape), dims=keys.dims)
        target = target.isel({tdim: indexer}).reset_coords(drop=True)
        return latent, target, how

    # plain broadcasting: rename coordinates whose names would clash
    new_dims = [d for d in target.dims if d != dim and d not in latent.dims]
    renames = {
        name: _joined(coord.dims, name)
        for name, coord in latent.coords.items()
        if name in new_dims and name not in latent.dims
    }
    latent = latent.rename(renames) if renames else latent
    target_renames = {
        name: _joined(coord.dims, name)
        for name, coord in target.coords.items()
        if name not in target.dims and name in latent.coords and dim not in coord.dims
    }
    target = target.rename(target_renames) if target_renames else target
    drop = [n for n, c in target.coords.items() if n not in target.dims and dim in c.dims]
    target = target.drop_vars(drop) if drop else target
    return latent, target, how


def pairwise_reduce(
    kernel: Callable[[np.ndarray, np.ndarray, np.dtype], np.ndarray],
    latent: xr.DataArray,
    target: xr.DataArray,
    *,
    dim: Hashable,
) -> xr.DataArray:
    """Apply ``kernel(a, b, dtype)`` (reducing the last axis) with broadcasting.

    The target's extra dimensions are processed in chunks so that the
    broadcast intermediate never exceeds about ``_CHUNK_ELEMENTS`` elements.
    """
    dtype = np.result_type(latent.dtype, target.dtype, np.float32)

    def run(lat: xr.DataArray, tgt: xr.DataArray) -> xr.DataArray:
        return xr.apply_ufunc(
            kernel,
            lat,
            tgt,
            kwargs={"dtype": dtype},
            input_core_dims=[[dim], [dim]],
            join="exact",
            dask="parallelized",
            output_dtypes=[dtype],
            dask_gufunc_kwargs={"allow_rechunk": True},
        )

    sizes = dict(latent.sizes)
    sizes.update(target.sizes)
    total = int(np.prod(list(sizes.values()), dtype=np.int64))
    new_dims = [d for d in target.dims if d != dim and d not in latent.dims]
    if total <= _CHUNK_ELEMENTS or not new_dims:
        return run(latent, target)
    split = new_dims[0]
    step = max(1, int(_CHUNK_ELEMENTS // (total // sizes[split])))
    parts = [
        run(latent, target.isel({split: slice(start, start + step)}))
        for start in range(0, sizes[split], step)
    ]
    return xr.concat(parts, dim=split, coords="minimal", compat="override", join="exact")
