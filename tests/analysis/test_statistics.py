"""Tests for neurogen.analysis.statistics: mean_sem (Fig. 2 bands, Fig. 4 bars)."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
import xarray as xr
from hypothesis import given

from neurogen.analysis import distance, mean_sem
from neurogen.testing.strategies import latents


class TestMeanSemExamples:
    def test_known_values(self):
        """Mean, SEM (ddof=1) and n of a small vector."""
        res = mean_sem(xr.DataArray([1.0, 2.0, 3.0, 4.0], dims="trial"))
        assert res["mean"].item() == 2.5
        np.testing.assert_allclose(res["sem"].item(), np.std([1, 2, 3, 4], ddof=1) / 2)
        assert res["n"].item() == 4

    def test_grouped_by_noise(self, latent, hier):
        """by='noise' gives one row per noise level, sorted, with per-group n."""
        d = distance(latent, hier["concept"])
        res = mean_sem(d, by="noise")
        assert res["mean"].dims == ("noise", "time")
        assert res["noise"].values.tolist() == [0.1, 0.3]
        assert res["n"].values.tolist() == [2, 2]
        first = d.isel(trial=[0, 1])
        np.testing.assert_allclose(res["mean"].sel(noise=0.1).values, first.mean("trial").values, rtol=1e-6)
        np.testing.assert_allclose(
            res["sem"].sel(noise=0.1).values, first.std("trial", ddof=1).values / np.sqrt(2), rtol=1e-6
        )

    def test_single_trial_sem_is_nan(self):
        """SEM is NaN (undefined) when only one value is averaged."""
        res = mean_sem(xr.DataArray([1.0], dims="trial"))
        assert np.isnan(res["sem"].item())

    def test_other_dim(self, latent):
        res = mean_sem(latent, dim="time")
        assert res["mean"].dims == ("trial", "unit")

    @pytest.mark.parametrize(
        ("by", "match"),
        [("mode", "not a coordinate"), ("time", "must lie along 'trial' only")],
    )
    def test_bad_by(self, latent, by, match):
        with pytest.raises(ValueError, match=match):
            mean_sem(latent, by=by)

    def test_nan_group_key(self, latent):
        bad = latent.assign_coords(noise=("trial", [0.1, np.nan, 0.2, 0.2]))
        with pytest.raises(ValueError, match="'noise' coordinate of x contains NaN"):
            mean_sem(bad, by="noise")


class TestMeanSemProperties:
    @given(lat=latents())
    def test_equals_numpy(self, lat):
        """mean and sem equal numpy's on the raw values."""
        res = mean_sem(lat)
        values = lat.values.astype(np.float64)
        np.testing.assert_allclose(res["mean"].values, values.mean(0), rtol=1e-9, atol=1e-9)
        if lat.sizes["trial"] > 1:
            expected = values.std(0, ddof=1) / np.sqrt(values.shape[0])
            np.testing.assert_allclose(res["sem"].values, expected, rtol=1e-7, atol=1e-9)
        assert res["mean"].dims == ("time", "unit")

    @given(lat=latents(n_trials=1), repeats=st.integers(2, 6))
    def test_identical_trials_have_zero_sem(self, lat, repeats):
        """SEM of identical trials is zero."""
        stacked = xr.concat([lat] * repeats, dim="trial")
        np.testing.assert_allclose(mean_sem(stacked)["sem"].values, 0.0, atol=1e-12)

    @given(lat=latents(), data=st.data())
    def test_trial_order_is_irrelevant(self, lat, data):
        """Permuting trials changes nothing (exactly), with or without grouping."""
        perm = data.draw(st.permutations(range(lat.sizes["trial"])))
        shuffled = lat.isel(trial=list(perm))
        xr.testing.assert_identical(mean_sem(lat), mean_sem(shuffled))
        xr.testing.assert_identical(mean_sem(lat, by="noise"), mean_sem(shuffled, by="noise"))

    @given(lat=latents())
    def test_groups_partition_trials(self, lat):
        """The per-group counts add up to the number of trials; grouped means match subsets."""
        res = mean_sem(lat, by="noise")
        assert int(res["n"].sum()) == lat.sizes["trial"]
        for p in res["noise"].values:
            subset = lat.where(lat["noise"] == p, drop=True)
            np.testing.assert_allclose(
                res["mean"].sel(noise=p).values, subset.values.astype(np.float64).mean(0), rtol=1e-9, atol=1e-9
            )
