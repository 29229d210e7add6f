"""Tests for neurogen.analysis.similarity: cosine similarity (eq. 11), off-diagonal mean, overlap."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
import xarray as xr
from hypothesis import given

from neurogen.analysis import cosine_similarity, off_diagonal_mean, other_dim, overlap
from neurogen.testing.strategies import hierarchies, latents, patterns

ATOL = 1e-9


class TestCosineSimilarityExamples:
    def test_orthogonal_concepts(self):
        """Orthogonal concepts give the identity matrix, labelled on both axes."""
        c = xr.DataArray(np.eye(3) * [1.0, 2.0, 5.0], dims=("label", "unit"), coords={"label": [4, 5, 6]})
        m = cosine_similarity(c)
        assert m.dims == ("label", "label_other")
        assert other_dim("label") == "label_other"
        np.testing.assert_allclose(m.values, np.eye(3))
        assert m["label"].values.tolist() == [4, 5, 6]
        assert m["label_other"].values.tolist() == [4, 5, 6]
        assert m.name == "cosine_similarity"
        assert m.attrs["equation"] == "11"

    def test_memories_keep_their_labels_on_both_axes(self, hier):
        """Coordinates along the pattern dim are repeated on the second axis with suffix `_other`."""
        m = cosine_similarity(hier["memory"])
        assert m.dims == ("sample", "sample_other")
        assert m["sample_label"].dims == ("sample",)
        assert m["sample_label_other"].dims == ("sample_other",)

    def test_tiny_patterns_are_not_zero(self):
        """A pattern of tiny but non-zero entries is normalised, not reported as zero."""
        c = xr.DataArray([[1e-200, 1e-200], [1.0, 0.0]], dims=("label", "unit"))
        np.testing.assert_allclose(cosine_similarity(c).values, [[1, 0.5**0.5], [0.5**0.5, 1]])

    def test_zero_rows_are_named(self):
        c = xr.DataArray([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]], dims=("label", "unit"), coords={"label": [7, 8, 9]})
        with pytest.raises(ValueError, match=r"zero vectors at label=\[8, 9\]"):
            cosine_similarity(c)

    def test_needs_2d(self, latent):
        with pytest.raises(ValueError, match="patterns must be 2-D"):
            cosine_similarity(latent)


class TestCosineSimilarityProperties:
    @given(p=patterns(nonzero=True))
    def test_symmetric_bounded_unit_diagonal(self, p):
        """Symmetric, within [−1, 1], ones on the diagonal."""
        m = cosine_similarity(p).values
        np.testing.assert_allclose(m, m.T, atol=ATOL)
        assert (np.abs(m) <= 1.0).all()
        np.testing.assert_allclose(np.diag(m), 1.0, atol=1e-12)

    @given(p=patterns(nonzero=True), scales=st.lists(st.floats(0.01, 100.0), min_size=5, max_size=5))
    def test_positive_scale_invariance(self, p, scales):
        """Scaling each pattern by a positive number changes nothing."""
        factors = xr.DataArray(np.asarray(scales[: p.sizes["label"]]), dims="label")
        np.testing.assert_allclose(
            cosine_similarity(p * factors).values, cosine_similarity(p).values, atol=1e-9
        )

    @given(p=patterns(nonzero=True, n_patterns=st.integers(2, 5)))
    def test_off_diagonal_mean_bounds(self, p):
        """The mean |C_ij| (i ≠ j) lies in [0, 1] and bounds the signed mean."""
        m = cosine_similarity(p)
        absolute = float(off_diagonal_mean(m))
        signed = float(off_diagonal_mean(m, absolute=False))
        assert 0.0 <= absolute <= 1.0
        assert abs(signed) <= absolute + 1e-12


class TestOffDiagonalMean:
    def test_known(self):
        m = xr.DataArray([[1.0, 0.2, -0.4], [0.2, 1.0, 0.0], [-0.4, 0.0, 1.0]], dims=("a", "a_other"))
        np.testing.assert_allclose(float(off_diagonal_mean(m)), 1.2 / 6)
        np.testing.assert_allclose(float(off_diagonal_mean(m, absolute=False)), -0.4 / 6)

    @pytest.mark.parametrize(
        ("matrix", "match"),
        [
            (xr.DataArray(np.ones((2, 3)), dims=("a", "b")), "2-D and square"),
            (xr.DataArray(np.ones((1, 1)), dims=("a", "b")), "at least 2×2"),
        ],
    )
    def test_shape_errors(self, matrix, match):
        with pytest.raises(ValueError, match=match):
            off_diagonal_mean(matrix)


class TestOverlap:
    def test_hopfield_values(self):
        """m is 1 for the stored pattern, −1 for its mirror image, 0 for an orthogonal one."""
        xi = xr.DataArray([[1, -1, 1, -1], [1, 1, 1, 1]], dims=("pattern", "unit"))
        s = xr.DataArray([[1, -1, 1, -1], [-1, 1, -1, 1]], dims=("trial", "unit"))
        m = overlap(s, xi)
        assert m.dims == ("trial", "pattern")
        np.testing.assert_allclose(m.values, [[1.0, 0.0], [-1.0, 0.0]])
        assert m.name == "overlap"

    def test_matches_like_distance(self, latent, hier):
        """Per-label patterns are matched through the trial's label, as in `distance`."""
        m = overlap(latent, hier["concept"])
        own = hier["concept"].values[latent["label"].values]
        expected = np.einsum("ktu,ku->kt", latent.values.astype(np.float64), own) / latent.sizes["unit"]
        np.testing.assert_allclose(m.values, expected, rtol=1e-6)
        assert overlap(latent, hier["concept"], match="all").dims == ("trial", "time", "label")

    @given(hier=hierarchies(), data=st.data())
    def test_overlap_with_itself_is_mean_square(self, hier, data):
        """m(s, s) = (1/N)‖s‖², and overlap is symmetric."""
        lat = data.draw(latents(hierarchy=hier))
        pattern = lat.isel(trial=0, time=0, drop=True)
        m = overlap(lat, pattern)
        m_rev = overlap(pattern, lat)
        np.testing.assert_allclose(m.values, m_rev.values, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(
            float(overlap(pattern, pattern)), float((pattern.astype(float) ** 2).mean()), rtol=1e-5,
            atol=1e-30,  # float32 squares of subnormal values underflow to 0
        )
