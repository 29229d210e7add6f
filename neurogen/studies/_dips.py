"""The dip rule as the studies apply it: per-trial distance curves → mean ± SEM → outcome.

Owns :func:`dips`, the one place where a study turns recorded per-trial distances into the
concept-first verdict (:func:`neurogen.analysis.returns_to_concept` with its SEM and the z of the
one-sided test read through :func:`~neurogen.studies.claims.param`). Studies keep the per-trial
curves in their datasets and call :func:`dips` in ``claims``, so that the report's bootstrap over
trials (:func:`~neurogen.studies.claims.robustness`) re-decides every verdict from resampled trials.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen.analysis.dynamics import Z_ONE_SIDED_5
from neurogen.studies.claims import param

__all__ = ["Z", "dips", "RULE"]

#: z of the one-sided test (5 %), halved and doubled by the robustness check.
Z = Z_ONE_SIDED_5
RULE = na.dynamics.RULE


def dips(distance: xr.DataArray, by: Hashable | None = "trial_label", dim: Hashable = "trial") -> xr.Dataset:
    """Mean ± SEM of per-trial distance curves (per ``by`` group) and their dip measures.

    ``by``: a coordinate along ``dim`` (default ``trial_label``, as :func:`distance_curves` stores
    it; the result's group dimension is then called ``label``), or None for one curve.
    Returns ``mean``, ``sem``, ``n`` and the variables of ``returns_to_concept`` prefixed ``dip_``.
    One trial has no SEM: the curve is then judged by point comparisons.
    """
    if dim not in distance.dims or "time" not in distance.dims:
        msg = f"distance must have dims {dim!r} and 'time', got {distance.dims}."
        raise ValueError(msg)
    d = distance.transpose(..., dim, "time")
    values = np.asarray(d.values, dtype=np.float64)
    other = [str(x) for x in d.dims[:-2]]
    coords = {k: d[k] for k in other if k in d.coords}
    coords["time"] = d["time"]
    # numpy, not xarray groupby: the bootstrap calls this hundreds of times per study
    if by is None:
        groups, name, keys = [np.arange(values.shape[-2])], None, None
    else:
        labels = np.asarray(distance[by].values)
        keys = np.unique(labels)
        groups = [np.flatnonzero(labels == k) for k in keys]
        name = "label" if by == "trial_label" else str(by)
    means, sems, ns = [], [], []
    for idx in groups:
        x = values[..., idx, :]
        n = idx.size
        means.append(x.mean(axis=-2))
        sems.append(x.std(axis=-2, ddof=1) / np.sqrt(n) if n > 1 else np.full(x.shape[:-2] + x.shape[-1:], np.nan))
        ns.append(n)
    if name is None:
        dims = (*other, "time")
        mean, sem, n_da = means[0], sems[0], xr.DataArray(ns[0])
    else:
        dims = (*other, name, "time")
        mean, sem = np.stack(means, axis=-2), np.stack(sems, axis=-2)
        coords[name] = keys
        n_da = xr.DataArray(np.asarray(ns), dims=name, coords={name: keys})
    band = xr.Dataset({"mean": (dims, mean), "sem": (dims, sem), "n": n_da}, coords=coords)
    single = min(ns) < 2
    res = na.returns_to_concept(band["mean"], sem=None if single else band["sem"], z=param(Z))
    out = xr.merge([band, res.rename({k: f"dip_{k}" for k in res.data_vars})], compat="override",
                   combine_attrs="drop_conflicts")
    out["mean"].attrs.update(long_name="mean distance over trials", units="1")
    out["sem"].attrs.update(long_name="standard error of the mean distance", units="1")
    out["n"].attrs.update(long_name="number of trials", units="1")
    return out
