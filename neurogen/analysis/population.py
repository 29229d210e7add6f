"""Population structure of the memory patterns: principal components.

Owns :func:`pca_spectrum` and :func:`n_components_for` (the cumulative
contribution ratio of Fig. 3b), :func:`component_counts` (how many components
under several criteria, beside :func:`~neurogen.analysis.active_unit_counts`)
and :func:`pca_embedding` (the 2-D cluster view of Fig. A.1). PCA is the SVD of
the centred data; no scikit-learn needed. (:func:`~neurogen.analysis.active_units`
lives in :mod:`neurogen.analysis.units` and is re-exported here.)
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import xarray as xr

from neurogen.analysis._validate import centred as _centred
from neurogen.analysis._validate import check_array, check_fraction, check_nonnegative
from neurogen.analysis._validate import check_matrix as _check_matrix
from neurogen.analysis.units import active_units

__all__ = ["active_units", "component_counts", "n_components_for", "pca_embedding", "pca_spectrum"]

#: Slack when comparing a cumulative ratio with the requested fraction.
_FRACTION_ATOL = 1e-9


def pca_spectrum(memories: xr.DataArray, dim: Hashable = "sample") -> xr.Dataset:
    """Explained-variance spectrum of the memory patterns (Fig. 3b).

    Parameters
    ----------
    memories : xarray.DataArray
        2-D, ``dim`` (observations) by unit, e.g. ``hier["memory"]``.
    dim : hashable, default "sample"
        The observation dimension.

    Returns
    -------
    xarray.Dataset
        Over dimension ``component`` (coordinate 1, 2, ..., K with
        K = min(n_samples, n_units); component k is the k-th largest):
        ``explained_variance`` (ddof=1), ``explained_variance_ratio`` and
        ``cumulative`` (the cumulative contribution ratio; non-decreasing,
        last value exactly 1). ``cumulative.sel(component=k)`` is the
        fraction of variance explained by the first k components.

    Raises
    ------
    TypeError
        If ``memories`` is not a numeric DataArray.
    ValueError
        If it is not 2-D with ``dim``, has fewer than 2 samples, holds NaN/inf,
        or has zero total variance.

    Examples
    --------
    >>> import xarray as xr
    >>> m = xr.DataArray([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0], [2.0, 1.0]],
    ...                  dims=("sample", "unit"))
    >>> pca_spectrum(m)["cumulative"].values
    array([0.8, 1. ])
    """
    memories = _check_matrix(memories, dim, min_samples=2)
    centred, _ = _centred(memories, dim)
    s2 = np.linalg.svd(centred, compute_uv=False) ** 2
    total = np.cumsum(s2)
    if total[-1] == 0:
        msg = f"memories has zero variance: all entries along {dim!r} are identical."
        raise ValueError(msg)
    component = np.arange(1, s2.size + 1)
    n = memories.sizes[dim]
    return xr.Dataset(
        {
            "explained_variance": ("component", s2 / (n - 1)),
            "explained_variance_ratio": ("component", s2 / total[-1]),
            "cumulative": ("component", total / total[-1]),
        },
        coords={"component": component},
        attrs={"n_samples": n, "dim": str(dim)},
    )


def n_components_for(spectrum: xr.Dataset | xr.DataArray, fraction: float) -> int:
    """Smallest number of components whose cumulative ratio reaches ``fraction``.

    Parameters
    ----------
    spectrum : xarray.Dataset or xarray.DataArray
        The output of :func:`pca_spectrum`, or its ``cumulative`` variable.
    fraction : float
        Target fraction of variance in (0, 1], e.g. 0.7 ("70% was explained by
        nine dimensions") or 1.0 ("explained entirely by 14 dimensions").

    Returns
    -------
    int
        The smallest k with cumulative[k] ≥ fraction − 1e-9 (counting from 1).

    Raises
    ------
    TypeError
        If ``spectrum`` is neither a Dataset with ``cumulative`` nor a DataArray.
    ValueError
        If ``fraction`` is outside (0, 1], or the cumulative ratio is not 1-D
        or never reaches ``fraction``.

    Examples
    --------
    >>> import xarray as xr
    >>> cum = xr.DataArray([0.5, 0.8, 1.0], dims="component", coords={"component": [1, 2, 3]})
    >>> n_components_for(cum, 0.7), n_components_for(cum, 1.0)
    (2, 3)
    """
    fraction = check_fraction(fraction, "fraction")
    if isinstance(spectrum, xr.Dataset):
        if "cumulative" not in spectrum:
            msg = "spectrum must have a 'cumulative' variable (the output of pca_spectrum)."
            raise ValueError(msg)
        spectrum = spectrum["cumulative"]
    cumulative = check_array(spectrum, "spectrum")
    if cumulative.ndim != 1:
        msg = f"spectrum's cumulative ratio must be 1-D, got dims {cumulative.dims!r}."
        raise ValueError(msg)
    reached = np.flatnonzero(cumulative.values >= fraction - _FRACTION_ATOL)
    if reached.size == 0:
        msg = (
            f"spectrum never reaches fraction={fraction} (its maximum is "
            f"{float(cumulative.max()):.6g})."
        )
        raise ValueError(msg)
    return int(reached[0]) + 1


def pca_embedding(memories: xr.DataArray, n: int = 2, dim: Hashable = "sample") -> xr.DataArray:
    """Project the memory patterns onto their first ``n`` principal components.

    Parameters
    ----------
    memories : xarray.DataArray
        2-D, ``dim`` by unit, e.g. ``hier["memory"]`` with coordinate ``label``.
    n : int, default 2
        Number of components, 1 ≤ n ≤ min(n_samples, n_units).
    dim : hashable, default "sample"
        The observation dimension.

    Returns
    -------
    xarray.DataArray
        ``(dim, "component")`` scores, named ``"pca_embedding"``, keeping every
        coordinate along ``dim`` (e.g. ``label``), ``component`` = 1..n, attrs
        ``explained_variance_ratio``. The sign of each component is fixed so
        that its largest-magnitude loading is positive (deterministic output).

    Raises
    ------
    TypeError
        If ``memories`` is not a numeric DataArray or ``n`` not an int.
    ValueError
        If ``memories`` is not 2-D with ``dim``, has fewer than 2 samples, holds
        NaN/inf, or ``n`` is out of range.

    Examples
    --------
    >>> import xarray as xr
    >>> m = xr.DataArray([[0.0, 0.0], [4.0, 0.0], [0.0, 1.0]], dims=("sample", "unit"),
    ...                  coords={"label": ("sample", [0, 1, 0])})
    >>> emb = pca_embedding(m, n=1)
    >>> emb.dims, emb["label"].values.tolist()
    (('sample', 'component'), [0, 1, 0])
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        msg = f"n must be an int, got {type(n).__name__}."
        raise TypeError(msg)
    memories = _check_matrix(memories, dim, min_samples=2)
    limit = min(memories.shape)
    if not 1 <= n <= limit:
        msg = f"n must be between 1 and min(n_samples, n_units) = {limit}: {n}"
        raise ValueError(msg)
    centred, _ = _centred(memories, dim)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    signs = np.sign(vt[np.arange(n), np.argmax(np.abs(vt[:n]), axis=1)])
    signs[signs == 0] = 1.0
    scores = u[:, :n] * s[:n] * signs
    total = float(np.sum(s**2))
    ratio = (s[:n] ** 2 / total).tolist() if total > 0 else [0.0] * n
    coords = {name: c.variable for name, c in memories.coords.items() if c.dims == (dim,)}
    coords["component"] = np.arange(1, n + 1)
    return xr.DataArray(
        scores,
        dims=(dim, "component"),
        coords=coords,
        name="pca_embedding",
        attrs={"explained_variance_ratio": ratio},
    )


def component_counts(
    memories: xr.DataArray,
    *,
    fractions: tuple[float, ...] = (0.7, 0.99),
    relative: float = 0.01,
    absolute: float = 0.01,
    dim: Hashable = "sample",
) -> xr.DataArray:
    """Number of principal components of the memories under several criteria (Fig. 3b).

    With λ_1 ≥ λ_2 ≥ ... the explained variances of :func:`pca_spectrum`
    (ddof=1) and c_k their cumulative ratio:

    * ``"cumulative_<f>"`` for each f in ``fractions``: the smallest k with
      c_k ≥ f (:func:`n_components_for`; the paper: 70 % in nine, "entirely"
      in 14);
    * ``"relative_eigenvalue"``: #{k : λ_k > ``relative``·λ_1} (the
      component analogue of ``active_units``' default criterion);
    * ``"eigenvalue"``: #{k : λ_k > ``absolute``} (the analogue of the
      absolute variance criterion).

    Parameters
    ----------
    memories : xarray.DataArray
        2-D, ``dim`` by unit, e.g. ``hier.memory``.
    fractions : tuple of float, default (0.7, 0.99)
        Cumulative fractions, each in (0, 1].
    relative : float, default 0.01
        Relative eigenvalue threshold, in [0, 1].
    absolute : float, default 0.01
        Absolute eigenvalue threshold (variance units), ≥ 0.
    dim : hashable, default "sample"
        The observation dimension.

    Returns
    -------
    xarray.DataArray
        Integer counts over dimension ``criterion`` (the names above), with
        coordinate ``threshold(criterion)``, named ``"n_components"``.

    Raises
    ------
    TypeError
        If ``memories`` is not a numeric DataArray or a threshold not a number.
    ValueError
        As :func:`pca_spectrum`, or a threshold out of range.

    Examples
    --------
    >>> import xarray as xr
    >>> m = xr.DataArray([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0], [2.0, 1.0]],
    ...                  dims=("sample", "unit"))
    >>> counts = component_counts(m, fractions=(0.7,))
    >>> counts.criterion.values.tolist(), counts.values.tolist()
    (['cumulative_0.7', 'relative_eigenvalue', 'eigenvalue'], [1, 2, 2])
    """
    fractions = tuple(check_fraction(f, "fractions") for f in fractions)
    relative = check_fraction(relative, "relative", allow_zero=True)
    absolute = check_nonnegative(absolute, "absolute")
    spectrum = pca_spectrum(memories, dim)
    lam = spectrum["explained_variance"].values
    names = [f"cumulative_{f:g}" for f in fractions] + ["relative_eigenvalue", "eigenvalue"]
    counts = [n_components_for(spectrum, f) for f in fractions]
    counts += [int(np.count_nonzero(lam > relative * lam[0])), int(np.count_nonzero(lam > float(absolute)))]
    return xr.DataArray(
        np.asarray(counts, dtype=np.int64),
        dims="criterion",
        coords={"criterion": names, "threshold": ("criterion", [*fractions, relative, float(absolute)])},
        name="n_components",
        attrs={"long_name": "number of principal components", "units": "1", "dim": str(dim)},
    )
