"""Tests for neurogen.analysis.population: active units, PCA spectrum and embedding (Fig. 3)."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
import xarray as xr
from hypothesis import assume, given

from neurogen.analysis import active_units, n_components_for, pca_embedding, pca_spectrum
from neurogen.testing.strategies import hierarchies, patterns


def _low_rank(n_samples: int = 40, n_units: int = 10, rank: int = 3, seed: int = 0) -> xr.DataArray:
    """Memories living in a `rank`-dimensional subspace, two units collapsed to a constant."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(n_samples, rank)) @ rng.normal(size=(rank, n_units))
    values[:, -2:] = 0.3  # collapsed units
    return xr.DataArray(
        values,
        dims=("sample", "unit"),
        coords={"sample": np.arange(n_samples) * 3, "label": ("sample", np.arange(n_samples) % 4)},
        name="memory",
    )


class TestActiveUnits:
    def test_collapsed_units_are_inactive(self):
        """Units with constant activity are inactive; the count is in attrs and in .sum()."""
        res = active_units(_low_rank())
        assert res.dims == ("unit",)
        assert res.dtype == bool
        assert res.values.tolist() == [True] * 8 + [False] * 2
        assert res.attrs["count"] == 8 == int(res.sum())
        assert "variance" in res.coords

    def test_threshold(self):
        m = xr.DataArray([[0.0, 0.0], [1.0, 0.2]], dims=("sample", "unit"))
        assert active_units(m, threshold=0.01).values.tolist() == [True, True]
        assert active_units(m, threshold=0.5).values.tolist() == [True, False]
        with pytest.raises(ValueError, match=r"threshold must be in \[0, 1\]"):
            active_units(m, threshold=2.0)

    def test_all_constant(self):
        m = xr.DataArray(np.ones((3, 2)), dims=("sample", "unit"))
        assert active_units(m).attrs["count"] == 0

    @given(hier=hierarchies(), data=st.data())
    def test_invariant_to_sample_order(self, hier, data):
        """Reordering the memories gives the identical result."""
        mem = hier["memory"]
        perm = list(data.draw(st.permutations(range(mem.sizes["sample"]))))
        xr.testing.assert_identical(active_units(mem), active_units(mem.isel(sample=perm)))


class TestPcaSpectrum:
    def test_low_rank(self):
        """Rank-3 data is explained entirely by three components."""
        spec = pca_spectrum(_low_rank())
        assert spec["component"].values[0] == 1
        assert n_components_for(spec, 1.0) == 3
        assert n_components_for(spec["cumulative"], 0.3) == 1
        np.testing.assert_allclose(spec["explained_variance_ratio"].values[3:], 0.0, atol=1e-12)

    def test_matches_covariance_eigenvalues(self):
        m = _low_rank(rank=5)
        spec = pca_spectrum(m)
        eig = np.sort(np.linalg.eigvalsh(np.cov(m.values.T)))[::-1]
        np.testing.assert_allclose(spec["explained_variance"].values, eig[: spec.sizes["component"]], atol=1e-9)

    def test_zero_variance(self):
        with pytest.raises(ValueError, match="zero variance"):
            pca_spectrum(xr.DataArray(np.ones((3, 2)), dims=("sample", "unit")))

    def test_one_sample(self):
        with pytest.raises(ValueError, match="at least 2 entries along 'sample'"):
            pca_spectrum(xr.DataArray(np.ones((1, 2)), dims=("sample", "unit")))

    @pytest.mark.parametrize("fraction", [0.0, 1.5, -0.1])
    def test_bad_fraction(self, fraction):
        with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\]"):
            n_components_for(pca_spectrum(_low_rank()), fraction)

    @given(p=patterns(dim="sample", n_patterns=st.integers(2, 6)), fraction=st.floats(0.01, 1.0))
    def test_cumulative_monotone_to_one(self, p, fraction):
        """The cumulative ratio is non-decreasing and ends at exactly 1; k is minimal."""
        spread = float(np.ptp(p.values, axis=0).max())
        if spread == 0:  # no variance at all
            with pytest.raises(ValueError, match="zero variance"):
                pca_spectrum(p)
            return
        # spreads so small that their square underflows float32 may or may not be called zero variance
        assume(spread ** 2 > 0 and np.float32(spread) ** 2 > 0)
        spec = pca_spectrum(p)
        cum = spec["cumulative"].values
        assert (np.diff(cum) >= 0).all()
        assert cum[-1] == 1.0
        np.testing.assert_allclose(spec["explained_variance_ratio"].sum(), 1.0)
        k = n_components_for(spec, fraction)
        assert cum[k - 1] >= fraction - 1e-9
        assert k == 1 or cum[k - 2] < fraction - 1e-9


class TestPcaEmbedding:
    def test_shape_coords_and_variance(self):
        m = _low_rank()
        emb = pca_embedding(m, n=3)
        assert emb.dims == ("sample", "component")
        assert emb["component"].values.tolist() == [1, 2, 3]
        xr.testing.assert_equal(emb["label"], m["label"])
        # the scores' variances are the top explained variances
        np.testing.assert_allclose(
            emb.var("sample", ddof=1).values, pca_spectrum(m)["explained_variance"].values[:3], rtol=1e-9
        )
        # rank 3: the three components reconstruct the centred data exactly
        centred = m.values - m.values.mean(0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        np.testing.assert_allclose(np.abs(emb.values), np.abs(centred @ vt[:3].T), atol=1e-9)

    def test_deterministic_sign(self):
        """Flipping all memories' signs keeps the largest loading positive."""
        m = _low_rank()
        a = pca_embedding(m)
        b = pca_embedding(-m)
        np.testing.assert_allclose(np.abs(a.values), np.abs(b.values), atol=1e-9)

    @pytest.mark.parametrize(("n", "error"), [(0, ValueError), (11, ValueError), (2.0, TypeError)])
    def test_bad_n(self, n, error):
        with pytest.raises(error, match="n must be"):
            pca_embedding(_low_rank(), n=n)
