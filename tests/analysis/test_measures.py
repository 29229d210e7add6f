"""Shared measurements moved down from the studies: min_distances, stages' completeness,
plateau, rank correlation and per-label trial clipping."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from scipy.stats import spearmanr

import neurogen.analysis as na
from neurogen.testing.strategies import hierarchies, latents, level_distances


class _Hierarchy:
    """A stand-in for ConceptHierarchy: memory (with label coord), concept, abstract as attributes."""

    def __init__(self, ds: xr.Dataset) -> None:
        self.memory = ds["memory"].assign_coords(label=ds["sample_label"]).drop_vars("sample_label")
        self.concept = ds["concept"]
        self.abstract = ds["abstract"]


class TestMinDistances:
    @given(hier=hierarchies(), data=st.data())
    def test_equals_min_over_time_of_each_level(self, hier, data):
        """Each level's value is min_t ‖z(t) − ξ‖ with ξ the trial's memory, concept, abstract (eq. 13)."""
        lat = data.draw(latents(hierarchy=hier))
        for form in (hier, _Hierarchy(hier), {k: hier[k] for k in ("memory", "concept", "abstract")}):
            res = na.min_distances(lat, form)
            assert set(res.data_vars) == {"memory", "concept", "abstract"}
            assert res["memory"].dims == ("trial",)
            assert res["noise"].values.tolist() == lat["noise"].values.tolist()
            z = lat.values.astype(np.float64)
            mem = hier["memory"].sel(sample=lat["source"].values).values
            con = hier["concept"].sel(label=lat["label"].values).values
            expected = {
                "memory": np.linalg.norm(z - mem[:, None], axis=-1).min(1),
                "concept": np.linalg.norm(z - con[:, None], axis=-1).min(1),
                "abstract": np.linalg.norm(z - hier["abstract"].values, axis=-1).min(1),
            }
            for k, v in expected.items():
                np.testing.assert_allclose(res[k].values, v, rtol=1e-4, atol=1e-4)

    def test_feeds_stages(self):
        lat = xr.DataArray(np.zeros((2, 3, 2)), dims=("trial", "time", "unit"),
                           coords={"label": ("trial", [0, 0]), "source": ("trial", [5, 5]),
                                   "noise": ("trial", [0.0, 0.5])})
        hier = {"memory": xr.DataArray([[0.0, 0.0]], dims=("sample", "unit"), coords={"sample": [5]}),
                "concept": xr.DataArray([[1.0, 0.0]], dims=("label", "unit"), coords={"label": [0]}),
                "abstract": xr.DataArray([2.0, 0.0], dims="unit")}
        st_ = na.stages(na.min_distances(lat, hier))
        assert st_["numeral"].values.tolist() == ["I", "I"]

    def test_errors(self):
        lat = xr.DataArray(np.zeros((1, 2, 2)), dims=("trial", "time", "unit"),
                           coords={"label": ("trial", [0]), "source": ("trial", [9])})
        with pytest.raises(TypeError, match="hierarchy must be a ConceptHierarchy"):
            na.min_distances(lat, 3)
        with pytest.raises(ValueError, match="hierarchy has no 'abstract' entry"):
            na.min_distances(lat, {"memory": None, "concept": None})
        hier = {"memory": xr.DataArray([[0.0, 0.0]], dims=("sample", "unit"), coords={"sample": [5]}),
                "concept": xr.DataArray([[1.0, 0.0]], dims=("label", "unit"), coords={"label": [0]}),
                "abstract": xr.DataArray([2.0, 0.0], dims="unit")}
        with pytest.raises(KeyError, match="no pattern for"):
            na.min_distances(lat, hier)


class TestStagesComplete:
    @pytest.mark.parametrize(
        ("winners", "complete", "in_order", "sequence"),
        [
            ([0, 1, 2], True, True, "I → II → III"),
            ([0, 0, 2], False, True, "I → III"),
            ([0, 2, 1], True, False, "I → III → II"),
            ([1, 1, 1], False, True, "II"),
        ],
    )
    def test_examples(self, winners, complete, in_order, sequence):
        """complete ⇔ I, II and III all occur; sequence lists them in order of first appearance."""
        noise = np.repeat([0.0, 0.5, 1.0], 2)
        values = {lvl: np.full(6, 5.0) for lvl in na.LEVELS}
        for i, w in enumerate(winners):
            values[na.LEVELS[w]][2 * i : 2 * i + 2] = 1.0
        ds = xr.Dataset({k: ("trial", v) for k, v in values.items()}, coords={"noise": ("trial", noise)})
        res = na.stages(ds)
        assert bool(res["complete"]) is complete
        assert bool(res["in_order"]) is in_order
        assert str(res["sequence"].values) == sequence

    @given(ds=level_distances())
    def test_complete_is_all_present(self, ds):
        res = na.stages(ds)
        present = set(res["numeral"].values.tolist())
        assert bool(res["complete"]) == (present == {"I", "II", "III"})
        assert res["present"].dims == ("level",)
        assert [na.NUMERALS[lvl] for lvl in res["level"].values[res["present"].values]] == sorted(
            present, key=["I", "II", "III"].index)
        assert str(res["sequence"].values).split(" → ")[0] == str(res["numeral"].values[0])


class TestPlateau:
    def test_fig7_example_and_unsorted_input(self):
        b = xr.DataArray([-99.5, -150.0, -100.0, -110.0], dims="n_latent", coords={"n_latent": [20, 2, 10, 5]})
        assert na.plateau(b) == 10
        assert na.plateau(b, tol=0.1) == 20
        assert na.plateau(b, tol=100) == 2

    def test_nonfinite_entries_are_ignored(self):
        b = xr.DataArray([np.nan, -110.0, -100.0, np.inf * -1], dims="n_latent", coords={"n_latent": [2, 5, 10, 20]})
        assert na.plateau(b) == 10
        assert na.plateau(b * np.nan) is None

    @given(st.lists(st.floats(-200, 0), min_size=1, max_size=8), st.floats(0, 20))
    def test_rule(self, bounds, tol):
        """The plateau is within tol of every larger Nz's bound, and no smaller Nz is."""
        nz = np.arange(1, len(bounds) + 1) * 3
        b = np.asarray(bounds)
        k = na.plateau(xr.DataArray(b, dims="n_latent", coords={"n_latent": nz}), tol=tol)
        i = int(np.flatnonzero(nz == k)[0])
        assert b[i] >= b[i:].max() - tol
        assert all(b[j] < b[j:].max() - tol for j in range(i))

    def test_errors(self):
        with pytest.raises(ValueError, match="1-D along 'n_latent'"):
            na.plateau(xr.DataArray([[1.0]], dims=("n_latent", "lr")))
        with pytest.raises(ValueError, match="tol must be >= 0"):
            na.plateau(xr.DataArray([1.0], dims="n_latent"), tol=-1)


class TestRankCorrelation:
    @given(st.lists(st.tuples(st.floats(-10, 10), st.floats(-10, 10)), min_size=3, max_size=12))
    def test_equals_scipy(self, pairs):
        x, y = (np.array(v) for v in zip(*pairs))
        res = na.rank_correlation(xr.DataArray(x, dims="n"), xr.DataArray(y, dims="n"), "n")
        if np.ptp(x) == 0 or np.ptp(y) == 0:
            assert np.isnan(float(res["rho"]))
        else:
            np.testing.assert_allclose(float(res["rho"]), spearmanr(x, y).statistic)
        assert int(res["n"]) == len(pairs)

    def test_vectorised_over_other_dims(self):
        nz = xr.DataArray([2, 5, 10, 20], dims="n_latent", coords={"n_latent": [2, 5, 10, 20]})
        y = xr.DataArray([[4.0, 3, 2, 1], [1, 2, 3, 4]], dims=("seed", "n_latent"), coords={"seed": [0, 1]})
        res = na.rank_correlation(nz, y, "n_latent")
        assert res["rho"].dims == ("seed",)
        np.testing.assert_allclose(res["rho"].values, [-1.0, 1.0])

    def test_undefined_cases_and_errors(self):
        one = xr.DataArray([1.0], dims="n")
        assert np.isnan(float(na.rank_correlation(one, one, "n")["rho"]))
        with pytest.raises(ValueError, match="same length along 'n'"):
            na.rank_correlation(xr.DataArray([1.0, 2.0], dims="n"), one, "n")
        with pytest.raises(ValueError, match="must have dimension"):
            na.rank_correlation(one, one, "m")


class TestTrialsPerLabel:
    @given(st.lists(st.integers(0, 4), min_size=1, max_size=40), st.integers(1, 50), st.data())
    def test_rule(self, labels, trials, data):
        """n = min(trials, count of the rarest requested label), and each label has ≥ n images."""
        present = sorted(set(labels))
        wanted = data.draw(st.one_of(st.none(), st.sampled_from(present),
                                     st.lists(st.sampled_from(present), min_size=1)))
        n = na.trials_per_label(np.array(labels), trials, wanted)
        chosen = present if wanted is None else ([wanted] if isinstance(wanted, int) else wanted)
        assert n == min(trials, min(labels.count(c) for c in chosen))
        assert na.trials_per_label(xr.DataArray(labels, dims="sample"), trials, wanted) == n

    @pytest.mark.parametrize(
        ("args", "error", "match"),
        [
            (([0, 1], 5, 7), ValueError, r"label\(s\) \[7\] have no image"),
            (([0, 1], 0), ValueError, "trials must be >= 1"),
            (([0, 1], 2.0), TypeError, "trials must be an int"),
            (([0, 1], 2, "0"), TypeError, "label must be an int"),
            (([0, 1], 2, []), ValueError, "at least one label"),
            (([], 2), ValueError, "non-empty 1-D"),
        ],
    )
    def test_errors(self, args, error, match):
        with pytest.raises(error, match=match):
            na.trials_per_label(*args)
