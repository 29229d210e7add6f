"""Tests for neurogen.analysis.stages: stages I/II/III of the noise sweep (Fig. 4)."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
import xarray as xr
from hypothesis import given

from neurogen.analysis import LEVELS, stages
from neurogen.testing.strategies import level_distances


def _sweep(winners: list[str], noise: list[float], n_trials: int = 3, seed: int = 0) -> xr.Dataset:
    """Min distances where level `winners[i]` is closest at noise[i] (by a clear margin)."""
    rng = np.random.default_rng(seed)
    trial_noise = np.repeat(noise, n_trials)
    data = {}
    for level in LEVELS:
        base = np.repeat([1.0 if w == level else 3.0 for w in winners], n_trials)
        data[level] = ("trial", base + rng.uniform(-0.5, 0.5, base.size))
    return xr.Dataset(data, coords={"noise": ("trial", trial_noise)})


class TestStagesExamples:
    def test_three_stages_in_order(self):
        """Memory, then concept, then abstract: numerals, midpoint boundaries, in order."""
        ds = _sweep(["memory", "memory", "concept", "abstract"], [0.0, 0.1, 0.3, 0.5])
        res = stages(ds)
        assert res["stage"].values.tolist() == ["memory", "memory", "concept", "abstract"]
        assert res["numeral"].values.tolist() == ["I", "I", "II", "III"]
        np.testing.assert_allclose(res["boundary"].values, [0.2, 0.4])
        assert res["before"].values.tolist() == ["memory", "concept"]
        assert res["after"].values.tolist() == ["concept", "abstract"]
        assert bool(res["in_order"]) is True
        assert res["mean"].dims == ("level", "noise")
        assert res["level"].values.tolist() == list(LEVELS)

    def test_out_of_order(self):
        """Going back to a more detailed level is flagged."""
        res = stages(_sweep(["concept", "memory", "abstract"], [0.0, 0.2, 0.4]))
        assert bool(res["in_order"]) is False

    def test_single_stage_has_no_boundary(self):
        res = stages(_sweep(["concept", "concept"], [0.1, 0.2]))
        assert res.sizes["transition"] == 0
        assert bool(res["in_order"]) is True

    def test_accepts_mapping(self):
        ds = _sweep(["memory", "abstract"], [0.0, 0.5])
        xr.testing.assert_identical(stages(ds), stages({k: ds[k] for k in LEVELS}))

    def test_ties_go_to_detailed_level(self):
        ds = xr.Dataset(
            {k: ("trial", [1.0, 1.0]) for k in LEVELS}, coords={"noise": ("trial", [0.1, 0.1])}
        )
        assert stages(ds)["stage"].values.tolist() == ["memory"]

    def test_missing_level(self):
        ds = _sweep(["memory"], [0.0]).drop_vars("abstract")
        with pytest.raises(ValueError, match=r"lacks entries \('abstract',\)"):
            stages(ds)

    def test_not_a_mapping(self):
        with pytest.raises(TypeError, match="min_distances must be an xarray.Dataset or a mapping"):
            stages([1, 2, 3])

    def test_missing_noise(self):
        ds = _sweep(["memory"], [0.0]).drop_vars("noise")
        with pytest.raises(ValueError, match="needs a 'noise' coordinate"):
            stages(ds)

    def test_levels_cover_different_noise(self):
        ds = _sweep(["memory", "concept"], [0.0, 0.5])
        mapping = {k: ds[k] for k in LEVELS}
        mapping["concept"] = mapping["concept"].assign_coords(noise=("trial", np.full(6, 0.7)))
        with pytest.raises(ValueError, match="covers noise values"):
            stages(mapping)

    def test_not_1d(self):
        ds = _sweep(["memory"], [0.0])
        mapping = {k: ds[k] for k in LEVELS}
        mapping["memory"] = mapping["memory"].expand_dims(label=2)
        with pytest.raises(ValueError, match="must be 1-D along 'trial'"):
            stages(mapping)


class TestStagesProperties:
    @given(ds=level_distances(), data=st.data())
    def test_invariant_to_permuting_and_relabelling_trials(self, ds, data):
        """Shuffling trials and renaming their ids gives the identical result."""
        n = ds.sizes["trial"]
        perm = list(data.draw(st.permutations(range(n))))
        ids = data.draw(st.lists(st.integers(-10**6, 10**6), min_size=n, max_size=n, unique=True))
        shuffled = ds.isel(trial=perm).assign_coords(trial=ids)
        xr.testing.assert_identical(stages(ds), stages(shuffled))

    @given(ds=level_distances())
    def test_structure(self, ds):
        """One stage per noise level; the stage is the level with the smallest mean; boundaries sit between."""
        res = stages(ds)
        noise = res["noise"].values
        assert res["stage"].dims == ("noise",)
        assert set(res["stage"].values) <= set(LEVELS)
        best = res["mean"].values.min(axis=0)
        chosen = res["mean"].sel(level=xr.DataArray(res["stage"].values, dims="noise")).values
        np.testing.assert_array_equal(chosen, best)
        for b in res["boundary"].values:
            assert noise.min() < b < noise.max()
        assert res.sizes["transition"] == int(np.sum(res["stage"].values[1:] != res["stage"].values[:-1]))
        ranks = [LEVELS.index(s) for s in res["stage"].values]
        assert bool(res["in_order"]) == all(a <= b for a, b in zip(ranks, ranks[1:]))
