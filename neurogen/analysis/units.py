"""Which latent units are active: "14 out of 100" (Fig. 3a) under several criteria.

Owns :func:`active_units` (a bool per unit under one criterion) and
:func:`active_unit_counts` (the count under every criterion the inputs allow,
labelled by a ``criterion`` dimension). Collapsed ("pruned") units of a VAE
keep the same posterior mean μ ≈ 0 and variance σ² ≈ 1 for every input; the
criteria differ in how they draw the line:

* ``"relative_variance"``: Var_i(μ_u) > threshold · max_u' Var_i(μ_u')
  (default threshold 0.01: above 1 % of the largest; neurogen's original rule);
* ``"variance"``: Var_i(μ_u) > threshold (default 0.01; the "active units"
  statistic of Burda et al. 2016, A_u = Cov_x(E_q[u]) > 0.01);
* ``"kl"``: (1/n) Σ_i ½(μ_iu² + σ_iu² − 1 − log σ_iu²) > threshold nats
  (default 0.01): the unit's KL(q(z_u|x) ‖ N(0, 1)) averaged over the data;
  needs the posterior log-variances;
* ``"concept_amplitude"``: max_num |ξ̄_num,u| > threshold (default 0.1): some
  concept (eq. 8) sits away from 0 along the unit.

Variances are over the samples with ddof = 0.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
import xarray as xr

from neurogen.analysis._validate import centred, check_array, check_fraction, check_matrix, check_nonnegative

__all__ = ["CRITERIA", "THRESHOLDS", "active_unit_counts", "active_units", "widest_plateau"]

#: The active-unit criteria, in the order :func:`active_unit_counts` reports them.
CRITERIA = ("relative_variance", "variance", "kl", "concept_amplitude")
#: The default threshold of each criterion.
THRESHOLDS = {"relative_variance": 0.01, "variance": 0.01, "kl": 0.01, "concept_amplitude": 0.1}

_RULES = {
    "relative_variance": "Var_i(mu_u) > threshold * max_u Var_i(mu_u)",
    "variance": "Var_i(mu_u) > threshold",
    "kl": "mean_i 0.5*(mu_iu^2 + sigma_iu^2 - 1 - log sigma_iu^2) > threshold (nats)",
    "concept_amplitude": "max_num |concept_num,u| > threshold",
}


def _check_threshold(criterion: str, threshold: float | None) -> float:
    if threshold is None:
        return THRESHOLDS[criterion]
    if criterion == "relative_variance":
        return check_fraction(threshold, "threshold", allow_zero=True)
    return check_nonnegative(threshold, "threshold", context=f" for criterion={criterion!r}")


def _kl_per_unit(memories: xr.DataArray, logvar: object, dim: Hashable, unit_dim: Hashable) -> np.ndarray:
    logvar = check_array(logvar, "logvar", [dim, unit_dim])
    if logvar.ndim != 2 or any(logvar.sizes[d] != memories.sizes[d] for d in (dim, unit_dim)):
        msg = (f"logvar must have the same {dim!r} and {unit_dim!r} sizes as memories "
               f"{dict(memories.sizes)}, got {dict(logvar.sizes)}.")
        raise ValueError(msg)
    mu = memories.transpose(dim, unit_dim).values.astype(np.float64)
    lv = logvar.transpose(dim, unit_dim).values.astype(np.float64)
    kl = 0.5 * (mu**2 + np.exp(lv) - 1.0 - lv)
    return np.sort(kl, axis=0).mean(axis=0)


def _concept_amplitude(memories: xr.DataArray, concept: object, dim: Hashable, unit_dim: Hashable) -> np.ndarray:
    if concept is None:
        if "label" not in memories.coords or memories["label"].dims != (dim,):
            msg = (f"criterion='concept_amplitude' needs the concepts: pass concept=hier.concept, or "
                   f"memories with a 'label' coordinate along {dim!r} (as ConceptHierarchy.memory has).")
            raise ValueError(msg)
        values = memories.transpose(dim, unit_dim).values.astype(np.float64)
        labels = memories["label"].values
        means = np.stack([values[labels == k].mean(axis=0) for k in np.unique(labels)])
    else:
        concept = check_array(concept, "concept", [unit_dim])
        if concept.sizes[unit_dim] != memories.sizes[unit_dim]:
            msg = (f"concept must have {memories.sizes[unit_dim]} entries along {unit_dim!r}, "
                   f"got {concept.sizes[unit_dim]}.")
            raise ValueError(msg)
        means = concept.transpose(..., unit_dim).values.reshape(-1, concept.sizes[unit_dim]).astype(np.float64)
    return np.abs(means).max(axis=0)


def active_units(
    memories: xr.DataArray,
    threshold: float | None = None,
    dim: Hashable = "sample",
    *,
    criterion: str = "relative_variance",
    logvar: xr.DataArray | None = None,
    concept: xr.DataArray | None = None,
) -> xr.DataArray:
    """Units that carry information, under one criterion (Fig. 3a; rules in the module docstring).

    Parameters
    ----------
    memories : xarray.DataArray
        2-D, ``dim`` by unit: the encoder means μ, e.g. ``hier.memory``
        ``(sample, unit)`` (eq. 9).
    threshold : float, optional
        The criterion's threshold (default :data:`THRESHOLDS`); in [0, 1] for
        ``"relative_variance"``, ≥ 0 otherwise.
    dim : hashable, default "sample"
        The dimension the statistics are taken over.
    criterion : {"relative_variance", "variance", "kl", "concept_amplitude"}
        The rule (see :data:`CRITERIA` and the module docstring).
    logvar : xarray.DataArray, optional
        Posterior log σ² per sample and unit, shaped like ``memories``; needed
        by ``"kl"``.
    concept : xarray.DataArray, optional
        Concepts ``(label, unit)`` for ``"concept_amplitude"``; by default the
        class means of ``memories`` over its ``label`` coordinate (eq. 8).

    Returns
    -------
    xarray.DataArray
        Bool over the unit dimension, named ``"active"``, with coordinates
        ``variance`` (per unit, ddof=0) and ``score`` (the statistic compared
        with the threshold: variance / largest variance, variance, KL in nats,
        or concept amplitude), and attrs ``count``, ``threshold``,
        ``criterion``, ``rule``, ``dim``. No unit is relatively active if
        every variance is 0.

    Raises
    ------
    TypeError
        If an array is not a numeric DataArray, or ``threshold`` not a number.
    ValueError
        If ``memories`` is not 2-D with ``dim``, is empty or holds NaN/inf,
        ``criterion`` is unknown, ``threshold`` is out of range, or the input
        the criterion needs (``logvar``, concepts) is missing or mismatched.

    Examples
    --------
    >>> import xarray as xr
    >>> m = xr.DataArray([[0.0, 1.0, 5.0], [0.0, -1.0, 5.001]], dims=("sample", "unit"),
    ...                  coords={"label": ("sample", [0, 1])})
    >>> active_units(m).values
    array([False,  True, False])
    >>> active_units(m).attrs["count"]
    1

    The concept amplitude counts the constant unit at 5 too:

    >>> active_units(m, criterion="concept_amplitude").values
    array([False,  True,  True])
    """
    if criterion not in CRITERIA:
        msg = f"criterion must be one of {CRITERIA!r}, got {criterion!r}."
        raise ValueError(msg)
    threshold = _check_threshold(criterion, threshold)
    memories = check_matrix(memories, dim)
    values, unit_dim = centred(memories, dim)
    variance = np.sort(values**2, axis=0).mean(axis=0)
    if criterion == "relative_variance":
        top = variance.max()
        score = variance / top if top > 0 else np.zeros_like(variance)
        active = variance > threshold * top
    else:
        if criterion == "variance":
            score = variance
        elif criterion == "kl":
            if logvar is None:
                msg = "criterion='kl' needs logvar: the posterior log σ² per sample and unit, shaped like memories."
                raise ValueError(msg)
            score = _kl_per_unit(memories, logvar, dim, unit_dim)
        else:
            score = _concept_amplitude(memories, concept, dim, unit_dim)
        active = score > threshold
    unit_coords = {name: c.variable for name, c in memories.coords.items() if c.dims == (unit_dim,)}
    return xr.DataArray(
        active,
        dims=(unit_dim,),
        coords={**unit_coords, "variance": ((unit_dim,), variance), "score": ((unit_dim,), score)},
        name="active",
        attrs={"count": int(active.sum()), "threshold": threshold, "criterion": criterion,
               "rule": _RULES[criterion], "dim": str(dim)},
    )


def active_unit_counts(
    memories: xr.DataArray,
    *,
    logvar: xr.DataArray | None = None,
    concept: xr.DataArray | None = None,
    thresholds: Mapping[str, float] | None = None,
    criteria: tuple[str, ...] | None = None,
    dim: Hashable = "sample",
) -> xr.DataArray:
    """The number of active units under each criterion (Fig. 3a: "14 out of 100").

    Parameters
    ----------
    memories, logvar, concept, dim
        As :func:`active_units`.
    thresholds : mapping of str to float, optional
        Thresholds overriding :data:`THRESHOLDS` for some criteria.
    criteria : tuple of str, optional
        The criteria to count. By default every criterion the inputs allow:
        ``"kl"`` only with ``logvar``, ``"concept_amplitude"`` only with
        ``concept`` or a ``label`` coordinate on ``memories``. Naming a
        criterion whose input is missing raises.

    Returns
    -------
    xarray.DataArray
        Integer counts over dimension ``criterion``, named ``"active_units"``,
        with coordinates ``threshold(criterion)`` and ``rule(criterion)``;
        attrs ``n_units``, ``dim``.

    Raises
    ------
    TypeError, ValueError
        As :func:`active_units`; also an unknown name in ``thresholds`` or
        ``criteria``.

    Examples
    --------
    >>> import xarray as xr
    >>> m = xr.DataArray([[0.0, 1.0, 5.0], [0.0, -1.0, 5.001]], dims=("sample", "unit"),
    ...                  coords={"label": ("sample", [0, 1])})
    >>> lv = xr.zeros_like(m)
    >>> counts = active_unit_counts(m, logvar=lv)
    >>> dict(zip(counts.criterion.values.tolist(), counts.values.tolist()))
    {'relative_variance': 1, 'variance': 1, 'kl': 2, 'concept_amplitude': 2}
    """
    thresholds = dict(thresholds or {})
    unknown = sorted(set(thresholds) - set(CRITERIA))
    if unknown:
        msg = f"thresholds has unknown criteria {unknown}; known: {CRITERIA!r}."
        raise ValueError(msg)
    if criteria is None:
        has_labels = isinstance(memories, xr.DataArray) and "label" in memories.coords
        criteria = tuple(c for c in CRITERIA if not (c == "kl" and logvar is None)
                         and not (c == "concept_amplitude" and concept is None and not has_labels))
    unknown = [c for c in criteria if c not in CRITERIA]
    if unknown or not criteria:
        msg = f"criteria must be a non-empty tuple of names from {CRITERIA!r}, got {criteria!r}."
        raise ValueError(msg)
    results = [active_units(memories, thresholds.get(c), dim, criterion=c, logvar=logvar, concept=concept)
               for c in criteria]
    return xr.DataArray(
        np.array([r.attrs["count"] for r in results], dtype=np.int64),
        dims="criterion",
        coords={"criterion": list(criteria),
                "threshold": ("criterion", [r.attrs["threshold"] for r in results]),
                "rule": ("criterion", [r.attrs["rule"] for r in results])},
        name="active_units",
        attrs={"long_name": "number of active latent units", "units": "1",
               "n_units": int(results[0].sizes[results[0].dims[0]]), "dim": str(dim)},
    )


def widest_plateau(score: xr.DataArray, dim: Hashable = "unit") -> xr.Dataset:
    """The count of units above a threshold that stays constant over the widest range of thresholds.

    For scores s (each unit's statistic of an active-unit criterion; a unit counts when s > threshold)
    the count is a step function of the threshold: it equals k on [s₍ₙ₋ₖ₎, s₍ₙ₋ₖ₊₁₎) for the sorted
    positive scores. The widest plateau is the k ≥ 1 whose interval is widest in log₁₀ (decades); the
    threshold-free count the paper's "14 active units" asks for, when one plateau dominates. The
    count of all units (thresholds below the smallest score) is excluded: its interval is unbounded.

    Parameters
    ----------
    score : xarray.DataArray
        Non-negative scores along ``dim`` (other dims vectorised).
    dim : hashable, default "unit"

    Returns
    -------
    xarray.Dataset
        ``count`` (int), ``low`` and ``high`` (the threshold interval), ``decades`` = log₁₀(high/low);
        count 0 and decades 0 when fewer than two units have a positive score.

    Examples
    --------
    >>> import xarray as xr
    >>> s = xr.DataArray([1.0, 0.9, 0.8, 1e-4, 2e-5], dims="unit")
    >>> int(widest_plateau(s)["count"]), round(float(widest_plateau(s)["decades"]), 2)
    (3, 3.9)
    """
    score = check_array(score, "score", [dim])
    if bool((score < 0).any()):
        msg = "score must be >= 0 everywhere."
        raise ValueError(msg)
    stacked = score.transpose(..., dim)
    flat = stacked.values.reshape(-1, stacked.sizes[dim]).astype(np.float64)
    counts, lows, highs, decades = [], [], [], []
    for row in flat:
        s = np.sort(row[row > 0])[::-1]  # descending: s[k-1] is the k-th largest
        best = (0, 0.0, 0.0, 0.0)
        for k in range(1, s.size):
            hi, lo = s[k - 1], s[k]
            width = float(np.log10(hi / lo))
            if width > best[3]:
                best = (k, float(lo), float(hi), width)
        counts.append(best[0]); lows.append(best[1]); highs.append(best[2]); decades.append(best[3])
    shape = stacked.shape[:-1]
    template = stacked.isel({dim: 0}, drop=True)

    def wrap(v: list, **attrs: object) -> xr.DataArray:
        return xr.DataArray(np.asarray(v).reshape(shape), dims=template.dims, coords=template.coords, attrs=attrs)

    return xr.Dataset({"count": wrap(counts, long_name="count at the widest plateau"),
                       "low": wrap(lows, long_name="lowest threshold of the plateau"),
                       "high": wrap(highs, long_name="highest threshold of the plateau"),
                       "decades": wrap(decades, long_name="width of the plateau", units="decades")})
