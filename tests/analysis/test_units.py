"""Active units under several criteria, and principal-component counts (Fig. 3a, 3b)."""

from __future__ import annotations

from contextlib import nullcontext as does_not_raise

import hypothesis.strategies as st
import numpy as np
import pytest
import xarray as xr
from hypothesis import given

from neurogen.analysis import (
    CRITERIA,
    THRESHOLDS,
    active_unit_counts,
    active_units,
    component_counts,
    n_components_for,
    pca_spectrum,
)
from neurogen.testing.strategies import hierarchies


def _vae_like(n_samples: int = 60, n_active: int = 4, n_units: int = 10, seed: int = 0):
    """Posterior means and log-variances of a VAE with ``n_active`` working units.

    Active units: μ ~ N(±2 by label, 0.5), log σ² = −3. Collapsed units: μ ~ N(0, 0.01), log σ² ≈ 0
    (the prior). One weak unit: μ = ±0.13 alternating, log σ² = 0: variance 0.0169 (above 0.01
    absolute, under 1 % of the largest ≈ 4.25), KL 0.00845 nats, concept amplitude ≈ 0.
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(n_samples) % 3
    mu = rng.normal(scale=0.01, size=(n_samples, n_units))
    logvar = rng.normal(scale=0.001, size=(n_samples, n_units))
    signs = rng.choice([-2.0, 2.0], size=(3, n_active))
    mu[:, :n_active] = signs[labels] + rng.normal(scale=0.5, size=(n_samples, n_active))
    logvar[:, :n_active] = -3.0
    mu[:, n_active] = 0.13 * (-1.0) ** np.arange(n_samples)
    logvar[:, n_active] = 0.0
    coords = {"sample": np.arange(n_samples), "unit": np.arange(n_units), "label": ("sample", labels)}
    return (xr.DataArray(mu, dims=("sample", "unit"), coords=coords, name="memory"),
            xr.DataArray(logvar, dims=("sample", "unit"), coords=coords, name="logvar"))


class TestCriteria:
    def test_each_criterion_on_a_vae_like_population(self):
        mu, logvar = _vae_like()
        counts = active_unit_counts(mu, logvar=logvar)
        assert counts.dims == ("criterion",)
        assert counts.criterion.values.tolist() == list(CRITERIA)
        got = dict(zip(counts.criterion.values.tolist(), counts.values.tolist()))
        # only the absolute variance criterion counts the weak unit
        assert got == {"relative_variance": 4, "variance": 5, "kl": 4, "concept_amplitude": 4}
        assert counts["threshold"].values.tolist() == [THRESHOLDS[c] for c in CRITERIA]
        assert counts.attrs["n_units"] == 10

    def test_relative_threshold_decides_the_weak_unit(self):
        mu, _ = _vae_like()
        assert active_units(mu, 0.0001).attrs["count"] == 5
        assert active_units(mu, 0.001, criterion="variance").attrs["count"] == 5
        assert active_units(mu, 0.02, criterion="variance").attrs["count"] == 4

    def test_kl_matches_closed_form(self):
        """KL of N(μ, σ²) to N(0, 1) per unit, averaged over samples: ½(μ² + σ² − 1 − log σ²)."""
        mu = xr.DataArray([[1.0, 0.0], [3.0, 0.0]], dims=("sample", "unit"))
        logvar = xr.DataArray([[0.0, np.log(2.0)], [0.0, np.log(2.0)]], dims=("sample", "unit"))
        res = active_units(mu, criterion="kl", logvar=logvar)
        expected = [0.5 * (1 + 9) / 2, 0.5 * (2 - 1 - np.log(2))]
        np.testing.assert_allclose(res["score"].values, expected)
        assert res.values.tolist() == [True, True]
        assert res.attrs["rule"].startswith("mean_i 0.5")

    def test_concept_amplitude_from_labels_or_given_concepts(self):
        mu = xr.DataArray([[0.05, 1.0], [-0.05, 1.2]], dims=("sample", "unit"),
                          coords={"label": ("sample", [0, 1])})
        res = active_units(mu, criterion="concept_amplitude")
        np.testing.assert_allclose(res["score"].values, [0.05, 1.2])
        assert res.values.tolist() == [False, True]
        concept = xr.DataArray([[0.5, 0.0]], dims=("label", "unit"))
        given_concepts = active_units(mu, criterion="concept_amplitude", concept=concept)
        assert given_concepts.values.tolist() == [True, False]

    @given(hier=hierarchies(n_units=st.integers(2, 6), n_labels=st.integers(1, 4)),
           threshold=st.floats(0.0, 1.0))
    def test_counts_equal_each_criterion(self, hier, threshold):
        """The counts table equals active_units(...).sum() per criterion, at any shared threshold."""
        mem = hier["memory"].assign_coords(label=hier["sample_label"])
        logvar = xr.zeros_like(mem)
        thresholds = dict.fromkeys(CRITERIA, threshold)
        counts = active_unit_counts(mem, logvar=logvar, thresholds=thresholds)
        for c in CRITERIA:
            single = active_units(mem, threshold, criterion=c, logvar=logvar)
            assert int(counts.sel(criterion=c)) == int(single.sum()) == single.attrs["count"]

    @given(hier=hierarchies(n_units=st.integers(2, 6)), threshold=st.floats(0.0, 0.5))
    def test_absolute_criteria_are_monotone_in_the_threshold(self, hier, threshold):
        """Raising a threshold never adds an active unit."""
        mem = hier["memory"].assign_coords(label=hier["sample_label"])
        for c in ("relative_variance", "variance", "concept_amplitude"):
            low = active_units(mem, threshold, criterion=c)
            high = active_units(mem, threshold + 0.25, criterion=c)
            assert np.all(high.values <= low.values)

    def test_default_criteria_depend_on_the_inputs(self):
        mu, logvar = _vae_like()
        assert active_unit_counts(mu.drop_vars("label")).criterion.values.tolist() == ["relative_variance", "variance"]
        assert "kl" in active_unit_counts(mu, logvar=logvar).criterion.values

    def test_backwards_compatible_default(self):
        """The default stays today's rule: variance above 1 % of the largest, with a variance coord."""
        m = xr.DataArray([[0.0, 1.0, 5.0], [0.0, -1.0, 5.001]], dims=("sample", "unit"))
        res = active_units(m)
        assert res.values.tolist() == [False, True, False]
        assert res.attrs["criterion"] == "relative_variance" and res.attrs["threshold"] == 0.01
        np.testing.assert_allclose(res["variance"].values, [0.0, 1.0, 0.00000025])

    @pytest.mark.parametrize(
        ("kwargs", "expectation"),
        [
            ({}, does_not_raise()),
            ({"criterion": "entropy"}, pytest.raises(ValueError, match="criterion must be one of")),
            ({"criterion": "kl"}, pytest.raises(ValueError, match="criterion='kl' needs logvar")),
            ({"criterion": "kl", "logvar": xr.DataArray(np.zeros((2, 2)), dims=("sample", "unit"))},
             pytest.raises(ValueError, match="same 'sample' and 'unit' sizes")),
            ({"criterion": "concept_amplitude"}, pytest.raises(ValueError, match="needs the concepts")),
            ({"threshold": 2.0}, pytest.raises(ValueError, match=r"threshold must be in \[0, 1\]")),
            ({"threshold": -1.0, "criterion": "variance"}, pytest.raises(ValueError, match="threshold must be >= 0")),
            ({"threshold": "0.1", "criterion": "variance"}, pytest.raises(TypeError, match="threshold must be a number")),
        ],
        ids=["ok", "unknown", "kl-no-logvar", "kl-shape", "amplitude-no-labels", "relative-range",
             "negative", "type"],
    )
    def test_errors(self, kwargs, expectation):
        m = xr.DataArray(np.arange(6.0).reshape(3, 2), dims=("sample", "unit"))
        with expectation:
            active_units(m, **kwargs)

    def test_counts_errors(self):
        mu, _ = _vae_like()
        with pytest.raises(ValueError, match="thresholds has unknown criteria"):
            active_unit_counts(mu, thresholds={"entropy": 1.0})
        with pytest.raises(ValueError, match="criterion='kl' needs logvar"):
            active_unit_counts(mu, criteria=("kl",))
        with pytest.raises(ValueError, match="criteria must be a non-empty tuple"):
            active_unit_counts(mu, criteria=())


class TestComponentCounts:
    def test_low_rank_population(self):
        """Rank-3 memories: 3 components by eigenvalue criteria, cumulative counts as n_components_for."""
        rng = np.random.default_rng(0)
        values = rng.normal(size=(50, 3)) @ rng.normal(size=(3, 8))
        mem = xr.DataArray(values, dims=("sample", "unit"))
        counts = component_counts(mem, fractions=(0.7, 0.99))
        spec = pca_spectrum(mem)
        assert counts.sel(criterion="relative_eigenvalue") == 3
        assert counts.sel(criterion="eigenvalue") == 3
        assert counts.sel(criterion="cumulative_0.7") == n_components_for(spec, 0.7)
        assert counts.sel(criterion="cumulative_0.99") == n_components_for(spec, 0.99) <= 3
        assert counts["threshold"].sel(criterion="eigenvalue") == 0.01

    def test_errors(self):
        mem = xr.DataArray(np.arange(6.0).reshape(3, 2), dims=("sample", "unit"))
        with pytest.raises(ValueError, match="fractions must be in"):
            component_counts(mem, fractions=(1.5,))
        with pytest.raises(ValueError, match="absolute must be >= 0"):
            component_counts(mem, absolute=-0.1)
