"""Argument errors, side by side with good calls: every analyser names the argument and the fix."""

from __future__ import annotations

from contextlib import nullcontext as does_not_raise

import numpy as np
import pytest
import xarray as xr

import neurogen.analysis as na


def _nan(da: xr.DataArray, n: int = 3) -> xr.DataArray:
    values = da.values.astype(float)
    values.flat[:n] = np.nan
    return da.copy(data=values)


def _curve(lat: xr.DataArray) -> xr.DataArray:
    return na.distance(lat, lat.isel(trial=0, time=-1, drop=True) + 10.0).isel(trial=0)


# (id, call(latent, hier), expectation)
CASES = [
    # distance
    ("distance ok", lambda L, H: na.distance(L, H["concept"]), does_not_raise()),
    ("distance numpy", lambda L, H: na.distance(L.values, H["concept"]),
     pytest.raises(TypeError, match=r"latent must be an xarray.DataArray, got ndarray\. Wrap it")),
    ("distance dataset", lambda L, H: na.distance(L, H),
     pytest.raises(TypeError, match=r"target must be an xarray.DataArray, got Dataset\. Pick one")),
    ("distance strings", lambda L, H: na.distance(L.astype(str), H["concept"]),
     pytest.raises(TypeError, match="latent must hold numbers")),
    ("distance no unit", lambda L, H: na.distance(L.rename(unit="neuron"), H["concept"]),
     pytest.raises(ValueError, match=r"latent must have dimension\(s\) \('unit',\)")),
    ("distance empty", lambda L, H: na.distance(L.isel(trial=[]), H["concept"]),
     pytest.raises(ValueError, match=r"latent is empty: dimension\(s\) \('trial',\) have length 0")),
    ("distance nan", lambda L, H: na.distance(_nan(L), H["concept"]),
     pytest.raises(ValueError, match="latent contains NaN at 3 position")),
    ("distance nan target", lambda L, H: na.distance(L, _nan(H["concept"], 1)),
     pytest.raises(ValueError, match="target contains NaN at 1 position")),
    ("distance inf", lambda L, H: na.distance(L, H["abstract"] + np.inf),
     pytest.raises(ValueError, match="target contains inf")),
    # min_distance
    ("min_distance ok", lambda L, H: na.min_distance(na.distance(L, H["abstract"])), does_not_raise()),
    ("min_distance no time", lambda L, H: na.min_distance(na.distance(L, H["abstract"]).isel(time=0)),
     pytest.raises(ValueError, match=r"dist must have dimension\(s\) \('time',\)")),
    ("min_distance nan", lambda L, H: na.min_distance(_nan(na.distance(L, H["abstract"]))),
     pytest.raises(ValueError, match="dist contains NaN")),
    ("min_distance list", lambda L, H: na.min_distance([1.0, 2.0]),
     pytest.raises(TypeError, match="dist must be an xarray.DataArray, got list")),
    # mean_sem
    ("mean_sem ok", lambda L, H: na.mean_sem(L, by="noise"), does_not_raise()),
    ("mean_sem no trial", lambda L, H: na.mean_sem(L.isel(trial=0)),
     pytest.raises(ValueError, match=r"x must have dimension\(s\) \('trial',\)")),
    ("mean_sem empty", lambda L, H: na.mean_sem(L.isel(time=[])),
     pytest.raises(ValueError, match="x is empty")),
    ("mean_sem nan", lambda L, H: na.mean_sem(_nan(L)), pytest.raises(ValueError, match="x contains NaN")),
    # cosine_similarity / off_diagonal_mean / overlap
    ("cosine ok", lambda L, H: na.cosine_similarity(H["memory"]), does_not_raise()),
    ("cosine no unit", lambda L, H: na.cosine_similarity(H["memory"].rename(unit="u")),
     pytest.raises(ValueError, match=r"patterns must have dimension\(s\) \('unit',\)")),
    ("cosine empty", lambda L, H: na.cosine_similarity(H["memory"].isel(sample=[])),
     pytest.raises(ValueError, match="patterns is empty")),
    ("cosine nan", lambda L, H: na.cosine_similarity(_nan(H["memory"])),
     pytest.raises(ValueError, match="patterns contains NaN")),
    ("off_diagonal type", lambda L, H: na.off_diagonal_mean(np.eye(2)),
     pytest.raises(TypeError, match="matrix must be an xarray.DataArray")),
    ("overlap ok", lambda L, H: na.overlap(L, H["memory"]), does_not_raise()),
    ("overlap nan", lambda L, H: na.overlap(L, _nan(H["memory"])),
     pytest.raises(ValueError, match="patterns contains NaN")),
    ("overlap no unit", lambda L, H: na.overlap(L.isel(unit=0), H["memory"]),
     pytest.raises(ValueError, match=r"states must have dimension\(s\) \('unit',\)")),
    # population
    ("active_units ok", lambda L, H: na.active_units(H["memory"]), does_not_raise()),
    ("active_units no sample", lambda L, H: na.active_units(H["concept"]),
     pytest.raises(ValueError, match=r"memories must have dimension\(s\) \('sample',\)")),
    ("active_units 3-D", lambda L, H: na.active_units(L.rename(trial="sample")),
     pytest.raises(ValueError, match="memories must be 2-D")),
    ("active_units nan", lambda L, H: na.active_units(_nan(H["memory"])),
     pytest.raises(ValueError, match="memories contains NaN")),
    ("pca_spectrum empty", lambda L, H: na.pca_spectrum(H["memory"].isel(unit=[])),
     pytest.raises(ValueError, match="memories is empty")),
    ("pca_spectrum nan", lambda L, H: na.pca_spectrum(_nan(H["memory"])),
     pytest.raises(ValueError, match="memories contains NaN")),
    ("n_components_for type", lambda L, H: na.n_components_for([0.5, 1.0], 0.5),
     pytest.raises(TypeError, match="spectrum must be an xarray.DataArray")),
    ("n_components_for no cumulative", lambda L, H: na.n_components_for(H, 0.5),
     pytest.raises(ValueError, match="'cumulative' variable")),
    ("pca_embedding nan", lambda L, H: na.pca_embedding(_nan(H["memory"])),
     pytest.raises(ValueError, match="memories contains NaN")),
    # returns_to_concept
    ("returns ok", lambda L, H: na.returns_to_concept(_curve(L)), does_not_raise()),
    ("returns no time", lambda L, H: na.returns_to_concept(_curve(L).isel(time=0)),
     pytest.raises(ValueError, match=r"curve must have dimension\(s\) \('time',\)")),
    ("returns empty", lambda L, H: na.returns_to_concept(_curve(L).isel(time=[])),
     pytest.raises(ValueError, match="curve is empty")),
    ("returns nan", lambda L, H: na.returns_to_concept(_nan(_curve(L), 1)),
     pytest.raises(ValueError, match="curve contains NaN at 1 position")),
    # stages
    ("stages nan", lambda L, H: na.stages(
        {k: _nan(na.min_distance(na.distance(L, H[k]))["min"], 1) for k in na.LEVELS}),
     pytest.raises(ValueError, match=r"min_distances\['memory'\] contains NaN")),
    ("stages ok", lambda L, H: na.stages(
        {k: na.min_distance(na.distance(L, H[k]))["min"] for k in na.LEVELS}), does_not_raise()),
    ("stages type", lambda L, H: na.stages({k: [1.0] for k in na.LEVELS}),
     pytest.raises(TypeError, match=r"min_distances\['memory'\] must be an xarray.DataArray")),
]


@pytest.mark.parametrize(("call", "expectation"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_argument_errors(latent, hier, call, expectation):
    """Bad arguments raise TypeError/ValueError naming the argument; good ones do not."""
    with expectation:
        call(latent, hier)
