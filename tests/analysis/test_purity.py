"""Every analyser is pure: it leaves its inputs unchanged and keeps dimension names."""

from __future__ import annotations

import copy

import hypothesis.strategies as st
import numpy as np
import xarray as xr
from hypothesis import given

import neurogen.analysis as na
from neurogen.testing.strategies import distance_curves, hierarchies, latents, level_distances


def _nonzero_rows(patterns: xr.DataArray) -> xr.DataArray:
    """The patterns without zero vectors (whose cosine similarity is undefined)."""
    keep = np.flatnonzero(np.linalg.norm(patterns.values.astype(float), axis=1) > 0)
    return patterns.isel({patterns.dims[0]: keep})


def _calls(lat: xr.DataArray, hier: xr.Dataset):
    """(name, function of (lat, hier)) for every public analyser."""
    mem = hier["memory"]
    nonzero = _nonzero_rows(mem)
    calls = [
        ("distance/concept", lambda: na.distance(lat, hier["concept"])),
        ("distance/memory", lambda: na.distance(lat, mem)),
        ("distance/all", lambda: na.distance(lat, hier["concept"], match="all")),
        ("min_distance", lambda: na.min_distance(na.distance(lat, hier["abstract"]))),
        ("mean_sem", lambda: na.mean_sem(lat)),
        ("mean_sem/by", lambda: na.mean_sem(lat, by="noise")),
        ("overlap", lambda: na.overlap(lat, hier["concept"])),
        ("active_units", lambda: na.active_units(mem)),
        ("active_unit_counts", lambda: na.active_unit_counts(mem.assign_coords(label=hier["sample_label"]),
                                                             logvar=xr.zeros_like(mem))),
        ("min_distances", lambda: na.min_distances(lat, hier)),
    ]
    if nonzero.sizes["sample"]:
        calls.append(("cosine_similarity", lambda: na.cosine_similarity(nonzero)))
    return calls


@given(hier=hierarchies(), data=st.data())
def test_inputs_unchanged_and_dims_kept(hier, data):
    """No analyser mutates its inputs; results keep the inputs' dimension names."""
    lat = data.draw(latents(hierarchy=hier, with_mode=True))
    lat_before, hier_before = copy.deepcopy(lat), copy.deepcopy(hier)
    for _name, call in _calls(lat, hier):
        call()
    xr.testing.assert_identical(lat, lat_before)
    xr.testing.assert_identical(hier, hier_before)

    assert na.distance(lat, hier["concept"]).dims == ("trial", "time")
    assert na.distance(lat, hier["concept"], match="all").dims == ("trial", "time", "label")
    assert na.mean_sem(lat)["mean"].dims == ("time", "unit")
    assert na.min_distance(na.distance(lat, hier["abstract"]))["min"].dims == ("trial",)
    assert na.active_units(hier["memory"]).dims == ("unit",)
    assert na.min_distances(lat, hier)["concept"].dims == ("trial",)


@given(hier=hierarchies(n_labels=st.integers(2, 4), n_units=st.integers(2, 5)))
def test_pattern_analysers_are_pure(hier):
    """cosine_similarity and PCA leave the patterns unchanged and name their outputs' dims."""
    before = copy.deepcopy(hier)
    mem = hier["memory"]
    concept = _nonzero_rows(hier["concept"])
    if concept.sizes["label"] >= 2:
        matrix = na.cosine_similarity(concept)
        assert matrix.dims == ("label", "label_other")
        matrix_before = copy.deepcopy(matrix)
        na.off_diagonal_mean(matrix)
        xr.testing.assert_identical(matrix, matrix_before)
    try:
        spec = na.pca_spectrum(mem)
    except ValueError as err:  # all memories identical, or a variance that underflows (8.9e-265 squared)
        assert "zero variance" in str(err)
        spec = None
    if spec is not None:
        assert spec["cumulative"].dims == ("component",)
        spec_before = copy.deepcopy(spec)
        na.n_components_for(spec, 0.5)
        xr.testing.assert_identical(spec, spec_before)
        assert na.pca_embedding(mem, n=1).dims == ("sample", "component")
    xr.testing.assert_identical(hier, before)


@given(ds=level_distances(), curve=distance_curves())
def test_stages_and_dynamics_are_pure(ds, curve):
    before_ds, before_curve = copy.deepcopy(ds), copy.deepcopy(curve)
    assert na.stages(ds)["stage"].dims == ("noise",)
    assert na.returns_to_concept(curve)["outcome"].dims == ()
    xr.testing.assert_identical(ds, before_ds)
    xr.testing.assert_identical(curve, before_curve)
