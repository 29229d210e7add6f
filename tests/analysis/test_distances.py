"""Tests for neurogen.analysis.distances: distance (eq. 10) and min_distance (eq. 13)."""

from __future__ import annotations

import time

import hypothesis.strategies as st
import numpy as np
import pytest
import xarray as xr
from hypothesis import given

import neurogen.analysis._targets as targets_module
from neurogen.analysis import distance, min_distance
from neurogen.testing.strategies import hierarchies, latents, patterns

ATOL = 1e-4  # float32 inputs in [-10, 10]: distances up to ~50 with ~1e-6 relative error


def _orthogonal(n: int, seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(n, n)))
    return q * np.sign(np.diag(r))


def _transform(da: xr.DataArray, q: np.ndarray, shift: np.ndarray) -> xr.DataArray:
    return da.copy(data=(da.values.astype(np.float64) @ q.T) + shift)


class TestDistanceExamples:
    def test_own_concept(self, latent, hier):
        """Each trial is compared with the concept of its own label."""
        d = distance(latent, hier["concept"])
        expected = np.linalg.norm(
            latent.values - hier["concept"].values[latent["label"].values][:, None, :], axis=-1
        )
        np.testing.assert_allclose(d.values, expected, rtol=1e-5)
        assert d.dims == ("trial", "time")
        assert d.name == "distance"
        assert d.attrs["match"] == "label"
        assert d.dtype == np.float64  # float32 latent, float64 target
        for coord in ("label", "source", "noise", "time"):
            assert coord in d.coords

    def test_own_memory_through_source(self, latent, hier):
        """Memories are matched through `source` to the `sample` coordinate, not by position."""
        d = distance(latent, hier["memory"])
        mem = hier["memory"].sel(sample=latent["source"].values).values
        expected = np.linalg.norm(latent.values - mem[:, None, :], axis=-1)
        np.testing.assert_allclose(d.values, expected, rtol=1e-5)
        assert d.attrs["match"] == "source"
        assert d.attrs["target"] == "memory"

    def test_abstract_broadcasts(self, latent, hier):
        """A single pattern is compared with every state."""
        d = distance(latent, hier["abstract"])
        expected = np.linalg.norm(latent.values - hier["abstract"].values, axis=-1)
        np.testing.assert_allclose(d.values, expected, rtol=1e-5)
        assert d.attrs["match"] == "all"

    @pytest.mark.parametrize("match", ["all", None])
    def test_all_labels(self, latent, hier, match):
        """match='all' adds a `label` dim and renames the trial's own label to `trial_label`."""
        d = distance(latent, hier["concept"], match=match)
        assert d.dims == ("trial", "time", "label")
        assert "trial_label" in d.coords and d["trial_label"].dims == ("trial",)
        own = d.isel(label=xr.DataArray(latent["label"].values, dims="trial"))
        np.testing.assert_allclose(own.values, distance(latent, hier["concept"]).values)

    def test_all_memories_renames_clashing_label(self, latent, hier):
        """A memory `label(sample)` coordinate becomes `sample_label` next to the trial's `label`."""
        mem = hier["memory"].assign_coords(label=hier["sample_label"]).drop_vars("sample_label")
        d = distance(latent, mem, match="all")
        assert d.dims == ("trial", "time", "sample")
        assert d["label"].dims == ("trial",)
        assert d["sample_label"].dims == ("sample",)

    def test_float32_stays_float32(self, latent):
        """Float32 inputs give a float32 result."""
        assert distance(latent, latent.isel(trial=0, time=0, drop=True)).dtype == np.float32

    def test_chunked_matches_unchunked(self, latent, hier, monkeypatch):
        """Splitting a large all-against-all comparison into chunks changes nothing."""
        whole = distance(latent, hier["memory"], match="all")
        monkeypatch.setattr(targets_module, "_CHUNK_ELEMENTS", 10)
        chunked = distance(latent, hier["memory"], match="all")
        xr.testing.assert_identical(whole, chunked)

    def test_fast_for_paper_sized_input(self):
        """500 trials × 81 steps × 100 units against per-trial patterns is vectorised."""
        rng = np.random.default_rng(0)
        lat = xr.DataArray(
            rng.normal(size=(500, 81, 100)).astype(np.float32),
            dims=("trial", "time", "unit"),
            coords={"label": ("trial", rng.integers(0, 10, 500)), "source": ("trial", np.arange(500))},
        )
        mem = xr.DataArray(
            rng.normal(size=(1000, 100)).astype(np.float32),
            dims=("sample", "unit"),
            coords={"sample": rng.permutation(1000)},
        )
        distance(lat, mem)  # warm up
        start = time.perf_counter()
        d = distance(lat, mem)
        assert time.perf_counter() - start < 1.0  # typically ~10 ms
        assert d.shape == (500, 81)

    def test_no_underflow_or_overflow(self):
        """Tiny and huge differences keep their size: distance is 0 only for equal vectors."""
        a = xr.DataArray([[1e-200, 0.0], [1e200, 1e200]], dims=("i", "unit"))
        d = distance(a, xr.DataArray([0.0, 0.0], dims="unit"))
        np.testing.assert_allclose(d.values, [1e-200, np.sqrt(2) * 1e200])

    def test_dask_backed_latent(self, latent, hier):
        """A lazily loaded (dask) recording gives the same distances."""
        pytest.importorskip("dask")
        lazy = distance(latent.chunk({"trial": 2}), hier["memory"])
        xr.testing.assert_allclose(lazy.compute(), distance(latent, hier["memory"]))

    def test_missing_source_raises_key_error(self, latent, hier):
        """A trial whose source has no memory is named in a KeyError."""
        with pytest.raises(KeyError, match=r"no pattern for .*source.* \[100\]"):
            distance(latent, hier["memory"].drop_sel(sample=100))

    def test_missing_label_raises_key_error(self, latent, hier):
        """A trial whose label has no concept is named in a KeyError."""
        with pytest.raises(KeyError, match=r"label.* \[1\]"):
            distance(latent, hier["concept"].sel(label=[0]))

    def test_duplicate_samples_raise(self, latent, hier):
        """Duplicate `sample` values make matching ambiguous."""
        mem = hier["memory"].assign_coords(sample=[100, 100, 101, 102])
        with pytest.raises(ValueError, match="duplicate 'sample'"):
            distance(latent, mem)

    def test_unknown_match(self, latent, hier):
        with pytest.raises(ValueError, match="match must be one of"):
            distance(latent, hier["concept"], match="own")

    def test_explicit_match_needs_coordinate(self, latent, hier):
        """match='label' without a label coordinate on the states is an error, not a broadcast."""
        with pytest.raises(ValueError, match="needs a 'label' coordinate"):
            distance(latent.drop_vars("label"), hier["concept"], match="label")
        with pytest.raises(ValueError, match="needs target to have a 'sample' dimension"):
            distance(latent, hier["concept"], match="source")

    def test_auto_without_label_coordinate_compares_all(self, latent, hier):
        d = distance(latent.drop_vars("label"), hier["concept"])
        assert "label" in d.dims

    def test_unit_mismatch(self, latent, hier):
        with pytest.raises(ValueError, match="same length along 'unit'"):
            distance(latent, hier["abstract"].isel(unit=slice(0, 2)))
        with pytest.raises(ValueError, match="different 'unit' coordinates"):
            distance(latent, hier["abstract"].assign_coords(unit=[2, 1, 0]))

    def test_other_dim_name(self, latent, hier):
        """`dim` selects the summed dimension."""
        d = distance(latent.rename(unit="neuron"), hier["abstract"].rename(unit="neuron"), dim="neuron")
        np.testing.assert_allclose(d.values, distance(latent, hier["abstract"]).values)


class TestDistanceProperties:
    @given(pair=st.integers(1, 6).flatmap(lambda n: st.tuples(patterns(n_units=n), patterns(n_units=n))))
    def test_metric_axioms(self, pair):
        """Non-negative, symmetric, zero iff equal, triangle inequality."""
        a, b = pair
        a = a.rename(label="i")
        b = b.rename(label="j")
        dab = distance(a, b, match="all").values
        dba = distance(b, a, match="all").transpose("i", "j").values
        assert (dab >= 0).all()
        np.testing.assert_allclose(dab, dba, atol=ATOL)
        daa = distance(a, a.rename(i="i2"), match="all").values
        np.testing.assert_allclose(np.diag(daa), 0.0, atol=ATOL)
        equal = (a.values[:, None, :] == b.values[None, :, :]).all(-1)
        assert ((dab == 0) == equal).all()
        # triangle inequality through every pattern c of b: d(a_i, a_k) <= d(a_i, c) + d(c, a_k)
        assert (daa[:, None, :] <= dab[:, :, None] + dab.T[None, :, :] + ATOL).all()

    @given(
        hier=hierarchies(), data=st.data(), seed=st.integers(0, 2**32 - 1),
        shift=st.floats(-5, 5),
    )
    def test_orthogonal_and_translation_invariance(self, hier, data, seed, shift):
        """A common rotation/reflection and translation of states and patterns keeps distances."""
        lat = data.draw(latents(hierarchy=hier))
        n = hier.sizes["unit"]
        q = _orthogonal(n, seed)
        offset = np.full(n, shift)
        for name in ("memory", "concept", "abstract"):
            before = distance(lat, hier[name])
            after = distance(_transform(lat, q, offset), _transform(hier[name], q, offset))
            np.testing.assert_allclose(after.values, before.values, atol=ATOL, rtol=1e-5)

    @given(hier=hierarchies(), data=st.data())
    def test_matched_equals_selected_from_all(self, hier, data):
        """Matching by label equals comparing with all concepts and picking the own one."""
        lat = data.draw(latents(hierarchy=hier))
        own = distance(lat, hier["concept"])
        every = distance(lat, hier["concept"], match="all")
        picked = every.sel(label=xr.DataArray(lat["label"].values, dims="trial"))
        np.testing.assert_allclose(own.values, picked.values, rtol=1e-6, atol=1e-6)
        assert own.dims == ("trial", "time")


class TestMinDistance:
    def test_argmin_is_coordinate_value(self):
        """argmin reports the time coordinate value of the first minimum."""
        d = xr.DataArray(
            [[3.0, 1.0, 1.0, 2.0], [0.5, 2.0, 3.0, 4.0]],
            dims=("trial", "time"),
            coords={"time": [10, 20, 30, 40], "label": ("trial", [3, 4])},
        )
        res = min_distance(d)
        assert res["min"].values.tolist() == [1.0, 0.5]
        assert res["argmin"].values.tolist() == [20, 10]
        assert res["min"].dims == ("trial",)
        assert "label" in res.coords
        assert res.attrs["equation"] == "13"

    @given(lat=latents(), seed=st.integers(0, 100), step=st.integers(1, 5))
    def test_min_bounds_and_attained(self, lat, seed, step):
        """min ≤ every time point, and the curve equals min at argmin."""
        lat = lat.assign_coords(time=lat["time"] * step + seed)
        dist = distance(lat, lat.isel(trial=0, time=0, drop=True))
        res = min_distance(dist)
        assert (res["min"] <= dist).all()
        at = dist.sel(time=res["argmin"])
        np.testing.assert_array_equal(at.values, res["min"].values)
        assert set(res["argmin"].values.ravel()) <= set(lat["time"].values)
