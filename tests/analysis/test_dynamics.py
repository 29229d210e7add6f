"""Tests for neurogen.analysis.dynamics: returns_to_concept (dip detection, Fig. 2 and 6)."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
import xarray as xr
from hypothesis import given

from neurogen.analysis import OUTCOMES, returns_to_concept
from neurogen.testing.strategies import CURVE_KINDS, distance_curves


def _curve(values, times=None) -> xr.DataArray:
    times = np.arange(len(values)) if times is None else times
    return xr.DataArray(np.asarray(values, dtype=float), dims="time", coords={"time": times})


class TestReturnsToConceptExamples:
    @pytest.mark.parametrize(
        ("values", "outcome"),
        [
            ([10, 8, 6, 5, 4, 3, 2, 2, 2], "no_dip"),  # monotone approach
            ([10, 11, 12, 13, 14, 15, 16, 17, 18], "no_dip"),  # no approach
            ([10, 4, 2, 5, 6, 6, 6, 6, 6], "settles"),  # approach, rise, level off
            ([10, 4, 2, 3, 4, 5, 6, 7, 8], "runs_away"),  # approach, keep rising
            ([10, 4, 2, 5, 12, 12, 12, 12, 12], "runs_away"),  # ends beyond d(0)
            ([10, 9, 2, 2.2, 2.3, 2.3, 2.3, 2.3, 2.3], "no_dip"),  # rise below tol
            ([10, 4, 2, 8, 9, 9, 9, 5, 3], "settles"),  # turns back down at the end: bounded
        ],
    )
    def test_outcomes(self, values, outcome):
        res = returns_to_concept(_curve(values))
        assert str(res["outcome"].values) == outcome
        assert bool(res["dip"]) == (outcome != "no_dip")

    def test_quantities(self):
        """t_min is a time coordinate value; depth and final ratio are relative to d(0)."""
        res = returns_to_concept(_curve([10, 4, 2, 5, 6, 6, 6, 6, 6], times=np.arange(9) * 10))
        assert int(res["t_min"]) == 20
        assert float(res["depth"]) == pytest.approx(0.2)
        assert float(res["final_ratio"]) == pytest.approx(0.6)
        assert float(res["rise"]) == pytest.approx(0.4)
        assert res.attrs["tol"] == 0.05

    def test_tolerance_is_relative(self):
        """The same rise is a dip at a small tolerance and none at a large one."""
        c = _curve([10, 4, 2, 3, 3, 3, 3, 3, 3])  # rise = 0.1·d(0)
        assert bool(returns_to_concept(c, tol=0.05)["dip"])
        assert not bool(returns_to_concept(c, tol=0.2)["dip"])
        assert not bool(returns_to_concept(c * 100, tol=0.2)["dip"])

    def test_minimum_at_the_end_is_no_dip(self):
        assert str(returns_to_concept(_curve([5, 4, 3]))["outcome"].values) == "no_dip"

    def test_single_time_point(self):
        assert not bool(returns_to_concept(_curve([1.0]))["dip"])

    def test_vectorised_over_other_dims(self):
        """Extra dims are kept, with their coordinates, and treated independently."""
        curves = xr.concat(
            [_curve([10, 4, 2, 5, 6, 6, 6, 6, 6]), _curve([10, 8, 6, 5, 4, 3, 2, 2, 2])],
            dim="label",
        ).assign_coords(label=[3, 6])
        res = returns_to_concept(curves.transpose("time", "label"))
        assert res["outcome"].dims == ("label",)
        assert res["label"].values.tolist() == [3, 6]
        assert res["outcome"].values.tolist() == ["settles", "no_dip"]

    def test_nonpositive_start(self):
        with pytest.raises(ValueError, match="must be > 0 at the first time step"):
            returns_to_concept(_curve([0.0, 1.0, 2.0]))

    @pytest.mark.parametrize(("tol", "error"), [(-0.1, ValueError), (0, ValueError), ("0.1", TypeError), (np.inf, ValueError)])
    def test_bad_tol(self, tol, error):
        with pytest.raises(error, match="tol must be"):
            returns_to_concept(_curve([1.0, 2.0]), tol=tol)


class TestReturnsToConceptProperties:
    @pytest.mark.parametrize("kind", CURVE_KINDS)
    @given(data=st.data(), tol=st.sampled_from([0.001, 0.01, 0.05, 0.1]))
    def test_classifies_synthetic_curves(self, kind, data, tol):
        """Monotone → no_dip; dip then plateau → settles; dip then linear rise → runs_away."""
        curve = data.draw(distance_curves(kind))
        assert curve.attrs["kind"] == kind
        res = returns_to_concept(curve, tol=tol)
        assert str(res["outcome"].values) == curve.attrs["kind"]
        assert str(res["outcome"].values) in OUTCOMES

    @given(curve=distance_curves(), scale=st.floats(0.1, 100.0))
    def test_scale_invariant(self, curve, scale):
        """Multiplying the distances by a positive constant changes no outcome."""
        a = returns_to_concept(curve)
        b = returns_to_concept(curve * scale)
        assert str(a["outcome"].values) == str(b["outcome"].values)
        # the same minimum (on a plateau the scaled curve may pick an equal neighbour by rounding)
        np.testing.assert_allclose(curve.values[int(b["t_min"])], curve.values[int(a["t_min"])], rtol=1e-9)
        np.testing.assert_allclose(float(a["depth"]), float(b["depth"]), rtol=1e-9)

    @given(curves=st.lists(distance_curves(n_times=12), min_size=1, max_size=4))
    def test_vectorised_equals_loop(self, curves):
        """Classifying a stack equals classifying each curve."""
        stacked = xr.concat(curves, dim="trial")
        res = returns_to_concept(stacked)
        assert res["outcome"].values.tolist() == [c.attrs["kind"] for c in curves]
        for i, c in enumerate(curves):
            single = returns_to_concept(c)
            assert bool(res["dip"][i]) == bool(single["dip"])
            assert float(res["final_ratio"][i]) == float(single["final_ratio"])
