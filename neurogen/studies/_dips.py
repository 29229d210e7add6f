"""The dip rule as the studies apply it: per-trial distance curves → mean ± SEM → outcome.

Owns :func:`dips`, the one place where a study turns recorded per-trial distances into the
concept-first verdict (:func:`neurogen.analysis.returns_to_concept` with its SEM and the z of the
one-sided test read through :func:`~neurogen.studies.claims.param`). Studies keep the per-trial
curves in their datasets and call :func:`dips` in ``claims``, so that the report's bootstrap over
trials (:func:`~neurogen.studies.claims.robustness`) re-decides every verdict from resampled trials.
"""

from __future__ import annotations

from collections.abc import Hashable

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
    if by is None:
        band = na.mean_sem(distance, dim)
    else:
        band = na.mean_sem(distance, dim, by=by)
        if by == "trial_label":
            band = band.rename({"trial_label": "label"})
    mean = band["mean"].transpose(..., "time")
    sem = band["sem"].transpose(..., "time")
    single = bool((band["n"] < 2).any())
    res = na.returns_to_concept(mean, sem=None if single else sem, z=param(Z))
    return xr.merge([band, res.rename({k: f"dip_{k}" for k in res.data_vars})], compat="override",
                    combine_attrs="drop_conflicts")
