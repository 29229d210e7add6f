"""Tests for neurogen.testing.strategies: the strategies produce what they claim."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

from neurogen.testing.strategies import (
    CURVE_KINDS,
    distance_curves,
    hierarchies,
    latents,
    level_distances,
    patterns,
)


class TestLatents:
    @given(lat=latents(with_mode=True))
    def test_contract(self, lat):
        """dims, dtypes, coordinates as in the Recording.latent contract; finite values."""
        assert lat.name == "latent"
        assert lat.dims == ("trial", "time", "unit")
        assert lat.dtype in (np.float32, np.float64)
        assert np.isfinite(lat.values).all()
        assert lat["label"].dtype == np.int64 and lat["label"].dims == ("trial",)
        assert lat["source"].dtype == np.int64 and lat["source"].dims == ("trial",)
        assert lat["noise"].dtype == np.float64 and lat["noise"].dims == ("trial",)
        assert set(lat["mode"].values) <= {"invert", "permute"}
        np.testing.assert_array_equal(lat["time"].values, np.arange(lat.sizes["time"]))
        np.testing.assert_array_equal(lat["unit"].values, np.arange(lat.sizes["unit"]))

    @given(lat=latents(n_trials=3, n_times=st.just(4), n_units=2, dtype=np.float32))
    def test_fixed_sizes(self, lat):
        assert lat.shape == (3, 4, 2)
        assert lat.dtype == np.float32

    @given(hier=hierarchies(), data=st.data())
    def test_matches_hierarchy(self, hier, data):
        """With a hierarchy, every source is one of its samples and carries that sample's label."""
        lat = data.draw(latents(hierarchy=hier))
        assert lat.sizes["unit"] == hier.sizes["unit"]
        labels = hier["sample_label"].sel(sample=lat["source"].values).values
        np.testing.assert_array_equal(labels, lat["label"].values)

    @given(data=st.data())
    def test_bad_size_argument(self, data):
        with pytest.raises(TypeError, match="n_trials must be an int, a hypothesis strategy"):
            data.draw(latents(n_trials="3"))


class TestHierarchies:
    @given(hier=hierarchies())
    def test_levels_are_means(self, hier):
        """Concepts are class means of memories (eq. 8); the abstract concept their mean (eq. 12)."""
        assert hier["memory"].dims == ("sample", "unit")
        assert hier["concept"].dims == ("label", "unit")
        assert hier["abstract"].dims == ("unit",)
        assert len(set(hier["sample"].values)) == hier.sizes["sample"]
        for k in hier["label"].values:
            members = hier["memory"].where(hier["sample_label"] == k, drop=True)
            assert members.sizes["sample"] >= 1
            np.testing.assert_allclose(
                hier["concept"].sel(label=k).values, members.values.mean(0), rtol=1e-5, atol=1e-5
            )
        np.testing.assert_allclose(hier["abstract"].values, hier["concept"].values.mean(0), rtol=1e-5, atol=1e-5)


class TestPatterns:
    @given(p=patterns(nonzero=True, dim="sample"))
    def test_nonzero(self, p):
        assert p.dims == ("sample", "unit")
        assert (np.linalg.norm(p.values.astype(float), axis=1) >= 1e-3).all()


class TestLevelDistances:
    @given(ds=level_distances(n_levels=3, n_per_level=2))
    def test_layout(self, ds):
        assert set(ds.data_vars) == {"memory", "concept", "abstract"}
        assert ds.sizes["trial"] == 6
        assert len(np.unique(ds["noise"].values)) == 3
        assert all((ds[k] >= 0).all() for k in ds.data_vars)


class TestDistanceCurves:
    @pytest.mark.parametrize("kind", CURVE_KINDS)
    @given(data=st.data())
    def test_kind_recorded(self, kind, data):
        curve = data.draw(distance_curves(kind))
        assert curve.attrs["kind"] == kind
        assert curve.dims == ("time",)
        assert (curve > 0).all()
        if kind != "no_approach":
            assert 0 < int(curve.argmin("time"))

    @given(data=st.data())
    def test_unknown_kind(self, data):
        with pytest.raises(ValueError, match="kind must be one of"):
            data.draw(distance_curves("wiggles"))
