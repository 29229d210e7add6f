"""Tests for neurogen.analysis.dynamics: returns_to_concept (the concept-first approach, Fig. 2, 6, B.2).

The strategy :func:`dip_curves` draws curves of each outcome with margins that make the expected
outcome unambiguous for every tolerance in ``TOLS``, optionally with an SEM curve.
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
import xarray as xr
from hypothesis import given

from neurogen.analysis import OUTCOMES, returns_to_concept

#: Tolerances the drawn curves are unambiguous for.
TOLS = (0.01, 0.02, 0.05, 0.1)


def _curve(values, times=None) -> xr.DataArray:
    times = np.arange(len(values)) if times is None else times
    return xr.DataArray(np.asarray(values, dtype=float), dims="time", coords={"time": times})


def _outcome(res: xr.Dataset) -> str:
    return str(res["outcome"].values)


@st.composite
def dip_curves(draw, kind: str | None = None, *, with_sem: bool | None = None, n_times=None):
    """(curve, sem or None) over ``time`` whose outcome is ``curve.attrs["kind"]`` for any tol in TOLS.

    * ``no_approach``: never below d(0) (rising, flat, or rising then falling back to d(0)), or,
      with an SEM, a 10 % dip inside an SEM of ≥ 12 % of d(0);
    * ``approaches_and_stays``: falls to d_min ≤ 0.7·d(0), then stays within 0.5 % of d(0) above
      d_min to the end (flat, or still creeping down);
    * ``settles``: falls to d_min ≤ 0.7·d(0), rises back to d(T) in [d_min + 0.3·d(0), 0.95·d(0)],
      or, with an SEM, to 2–8 % above d(0) within an SEM s ≥ 1.2 × the excess;
    * ``runs_away``: falls to d_min ≤ 0.7·d(0), ends at (1 + e)·d(0), e in [0.15, 1], with an SEM
      below 0.4·(e − 0.1)·d(0) (the excess beats tol + z·√2·s for the default z = 1.645).
    """
    kind = draw(st.sampled_from(OUTCOMES)) if kind is None else kind
    with_sem = draw(st.booleans()) if with_sem is None else with_sem
    n = draw(st.integers(6, 40)) if n_times is None else n_times
    d0 = draw(st.floats(0.5, 20.0))
    t = np.arange(n, dtype=float)
    t_min = draw(st.integers(1, n // 2))
    depth = draw(st.floats(0.05, 0.7))  # d_min / d(0)
    down = np.interp(t[: t_min + 1], [0, t_min], [1.0, depth])
    sem_level = 0.0
    if kind == "no_approach":
        shape = draw(st.sampled_from(["rising", "flat", "hump", *(["small_dip"] if with_sem else [])]))
        if shape == "rising":
            rel = 1.0 + draw(st.floats(0.0, 1.0)) * t / (n - 1)
        elif shape == "flat":
            rel = np.ones(n)
        elif shape == "hump":
            rel = 1.0 + draw(st.floats(0.05, 1.0)) * np.sin(np.pi * t / (n - 1))
        else:
            rel = 1.0 - 0.1 * np.sin(np.pi * t / (n - 1))
            sem_level = draw(st.floats(0.12, 0.3))
    elif kind == "approaches_and_stays":
        creep = draw(st.sampled_from(["flat", "down", "wobble"]))
        rest = t[t_min + 1 :]
        if creep == "flat":
            after = np.full(rest.size, depth)
        elif creep == "down":
            after = depth - 0.04 * depth * (rest - t_min) / max(1.0, n - 1 - t_min)
        else:
            after = depth + 0.005 * np.abs(np.sin(rest))
        rel = np.concatenate([down, after])
        sem_level = draw(st.floats(0.0, 0.1))
    else:
        if kind == "settles" and with_sem and draw(st.booleans()):
            excess = draw(st.floats(0.02, 0.08))
            end = 1.0 + excess
            sem_level = draw(st.floats(1.2 * excess, 0.1))
        elif kind == "settles":
            depth = min(depth, 0.65)
            end = draw(st.floats(depth + 0.3, 0.95))
            sem_level = draw(st.floats(0.0, 0.05))
        else:
            excess = draw(st.floats(0.15, 1.0))
            end = 1.0 + excess
            sem_level = draw(st.floats(0.0, min(0.1, 0.4 * (excess - 0.1))))  # excess > tol + z·√2·s
        depth = min(depth, 0.7)
        down = np.interp(t[: t_min + 1], [0, t_min], [1.0, depth])
        t_end = draw(st.integers(t_min + 1, n - 1))
        rel = np.concatenate([down, np.interp(t[t_min + 1 :], [t_min, t_end], [depth, end])])
    curve = xr.DataArray(d0 * rel, dims="time", coords={"time": np.arange(n)}, name="distance",
                         attrs={"kind": kind})
    sem = xr.full_like(curve, d0 * sem_level).assign_attrs(kind=None) if with_sem else None
    return curve, sem


class TestReturnsToConceptExamples:
    @pytest.mark.parametrize(
        ("values", "outcome"),
        [
            ([10, 8, 6, 5, 4, 3, 2, 2, 2], "approaches_and_stays"),  # monotone approach
            ([10, 11, 12, 13, 14, 15, 16, 17, 18], "no_approach"),  # no approach
            ([10, 10, 10, 10], "no_approach"),  # flat
            ([10, 9.8, 9.7, 9.9, 10], "no_approach"),  # a fall within tol
            ([10, 4, 2, 5, 6, 6, 6, 6, 6], "settles"),  # approach, rise, level off
            ([10, 4, 2, 3, 4, 5, 6, 7, 8], "settles"),  # still rising, but below d(0)
            ([10, 4, 2, 5, 12, 12, 12, 12, 12], "runs_away"),  # ends beyond d(0)
            ([10, 9, 2, 2.2, 2.3, 2.3, 2.3, 2.3, 2.3], "approaches_and_stays"),  # rise below tol
            ([10, 4, 2, 8, 9, 9, 9, 5, 3], "settles"),  # turns back down, ends above the margin
            ([10, 4, 2, 8, 9, 9, 9, 5, 2.1], "approaches_and_stays"),  # back at its minimum
        ],
    )
    def test_outcomes(self, values, outcome):
        res = returns_to_concept(_curve(values), tol=0.05)
        assert _outcome(res) == outcome
        assert bool(res["dip"]) == (outcome != "no_approach")

    def test_figB2_approach_and_stay(self):
        """Issue 15: 5.47 → 4.67 by t = 2, then near 4.65 up to T = 80, is an approach that stays."""
        rng = np.random.default_rng(0)
        values = np.concatenate([[5.47, 5.0, 4.67], 4.65 + rng.uniform(-0.02, 0.02, 78)])
        curve = _curve(values)
        sem = xr.full_like(curve, 0.04)
        for s, tol in ((None, 0.05), (sem, 0.0)):  # without an SEM, a point comparison needs a margin
            res = returns_to_concept(curve, sem=s, tol=tol)
            assert _outcome(res) == "approaches_and_stays"
            assert bool(res["dip"])

    @pytest.mark.parametrize("excess", [0.02, 0.05, 0.08])
    def test_fig2_small_excess_within_sem_does_not_run_away(self, excess):
        """Issue 15: ending 2–8 % above d(0) within its SEM is not running away; beyond it, it is."""
        d0 = 5.0
        values = [d0, 3.0, 2.5, 3.5, 4.5, d0 * (1 + excess)]
        curve = _curve(values)
        within = xr.full_like(curve, d0 * excess * 1.1)
        assert _outcome(returns_to_concept(curve, sem=within)) == "settles"
        beyond = xr.full_like(curve, d0 * excess * 0.9 / (1.645 * np.sqrt(2)))
        assert _outcome(returns_to_concept(curve, sem=beyond)) == "runs_away"

    def test_sem_at_the_minimum_can_hide_the_approach(self):
        """A 10 % fall with an SEM of 12 % of d(0) at the minimum is no clear approach."""
        curve = _curve([10, 9, 9, 10])
        assert _outcome(returns_to_concept(curve)) == "settles"
        assert _outcome(returns_to_concept(curve, sem=xr.full_like(curve, 1.2))) == "no_approach"

    def test_sem_at_the_end_widens_near_the_minimum(self):
        """Ending 8 % of d(0) above the minimum settles at tol 0.05, but stays within an SEM of 5 %."""
        curve = _curve([10, 5, 5, 5.8])
        assert _outcome(returns_to_concept(curve)) == "settles"
        assert _outcome(returns_to_concept(curve, sem=xr.full_like(curve, 0.5))) == "approaches_and_stays"

    def test_quantities(self):
        """t_min is a time coordinate value; ratios are relative to d(0)."""
        curve = _curve([10, 4, 2, 5, 6, 6, 6, 6, 6], times=np.arange(9) * 10)
        res = returns_to_concept(curve, sem=xr.full_like(curve, 0.5))
        assert int(res["t_min"]) == 20
        assert float(res["depth"]) == pytest.approx(0.2)
        assert float(res["final_ratio"]) == pytest.approx(0.6)
        assert float(res["final_rise"]) == pytest.approx(0.4)
        assert float(res["rise"]) == pytest.approx(0.4)
        assert float(res["final_sem"]) == pytest.approx(0.05)
        assert res.attrs["tol"] == 0.0 and res.attrs["with_sem"] is True
        assert res.attrs["z"] == pytest.approx(1.645, abs=1e-3)
        assert float(res["approach_z"]) == pytest.approx(8 / np.hypot(0.5, 0.5))

    def test_tolerance_is_relative(self):
        """The same fall is an approach at a small tolerance and none at a large one, at any scale."""
        c = _curve([10, 9, 9, 9, 9])  # fall = 0.1·d(0)
        assert bool(returns_to_concept(c, tol=0.05)["dip"])
        assert not bool(returns_to_concept(c, tol=0.2)["dip"])
        assert not bool(returns_to_concept(c * 100, tol=0.2)["dip"])

    def test_single_time_point(self):
        assert _outcome(returns_to_concept(_curve([1.0]))) == "no_approach"

    def test_vectorised_over_other_dims_with_sem(self):
        """Extra dims are kept with their coordinates; an SEM over fewer dims is broadcast."""
        curves = xr.concat(
            [_curve([10, 4, 2, 5, 6, 6, 6, 6, 6]), _curve([10, 11, 12, 12, 12, 12, 12, 12, 10.5])],
            dim="label",
        ).assign_coords(label=[3, 6])
        res = returns_to_concept(curves.transpose("time", "label"), sem=xr.full_like(curves["time"], 0.1, dtype=float))
        assert res["outcome"].dims == ("label",)
        assert res["label"].values.tolist() == [3, 6]
        assert res["outcome"].values.tolist() == ["settles", "no_approach"]

    def test_nonpositive_start(self):
        with pytest.raises(ValueError, match="must be > 0 at the first time step"):
            returns_to_concept(_curve([0.0, 1.0, 2.0]))

    @pytest.mark.parametrize(("tol", "error"), [(-0.1, ValueError), ("0.1", TypeError), (np.inf, ValueError)])
    def test_bad_tol(self, tol, error):
        with pytest.raises(error, match="tol must be"):
            returns_to_concept(_curve([1.0, 2.0]), tol=tol)

    @pytest.mark.parametrize(
        ("sem", "error", "match"),
        [
            (xr.DataArray([0.1, -0.1], dims="time"), ValueError, "sem must be >= 0"),
            (xr.DataArray([0.1, 0.1, 0.1], dims="time"), ValueError, "same length along 'time'"),
            (xr.DataArray([[0.1, 0.1]], dims=("trial", "time")), ValueError, "that curve lacks"),
            (xr.DataArray([0.1, np.nan], dims="time"), ValueError, "NaN"),
            (np.array([0.1, 0.1]), TypeError, "sem must be an xarray.DataArray"),
        ],
    )
    def test_bad_sem(self, sem, error, match):
        with pytest.raises(error, match=match):
            returns_to_concept(_curve([1.0, 2.0]), sem=sem)


class TestReturnsToConceptProperties:
    @pytest.mark.parametrize("kind", OUTCOMES)
    @given(data=st.data(), tol=st.sampled_from(TOLS))
    def test_classifies_synthetic_curves(self, kind, data, tol):
        """Each drawn kind gets its own outcome, with or without its SEM; dip ⇔ not no_approach."""
        curve, sem = data.draw(dip_curves(kind))
        res = returns_to_concept(curve, tol=tol, sem=sem)
        assert _outcome(res) == kind
        assert bool(res["dip"]) == (kind != "no_approach")

    @given(case=dip_curves(), scale=st.floats(0.1, 100.0))
    def test_scale_invariant(self, case, scale):
        """Multiplying distances and SEM by a positive constant changes no outcome."""
        curve, sem = case
        a = returns_to_concept(curve, sem=sem, tol=0.01)
        b = returns_to_concept(curve * scale, sem=None if sem is None else sem * scale, tol=0.01)
        assert _outcome(a) == _outcome(b)
        np.testing.assert_allclose(float(a["depth"]), float(b["depth"]), rtol=1e-9)

    @given(case=dip_curves(with_sem=False), sem_level=st.floats(0.0, 2.0))
    def test_an_sem_only_makes_verdicts_more_cautious(self, case, sem_level):
        """With an SEM, an approach or a run-away can disappear but never appear."""
        curve, _ = case
        plain = returns_to_concept(curve)
        with_sem = returns_to_concept(curve, sem=xr.full_like(curve, sem_level * float(curve[0])))
        assert bool(with_sem["dip"]) <= bool(plain["dip"])
        assert (_outcome(with_sem) == "runs_away") <= (_outcome(plain) == "runs_away")

    @given(cases=st.lists(dip_curves(n_times=12), min_size=1, max_size=4))
    def test_vectorised_equals_loop(self, cases):
        """Classifying a stack (with a stacked SEM) equals classifying each curve."""
        curves = xr.concat([c for c, _ in cases], dim="trial")
        sems = xr.concat([xr.zeros_like(c) if s is None else s for c, s in cases], dim="trial")
        res = returns_to_concept(curves, sem=sems, tol=0.01)
        assert res["outcome"].values.tolist() == [c.attrs["kind"] for c, _ in cases]
        for i, (c, s) in enumerate(cases):
            single = returns_to_concept(c, sem=s, tol=0.01)
            assert _outcome(single) == str(res["outcome"][i].values)
            assert float(res["final_ratio"][i]) == float(single["final_ratio"])


class TestStatisticalRule:
    """Issue 23: no fixed margin decides; a difference must beat z combined standard errors."""

    @pytest.mark.parametrize(("fall", "sem", "dip"), [(0.22, 0.1, False), (0.24, 0.1, True), (2.2, 1.0, False)])
    def test_approach_is_a_one_sided_z_test(self, fall, sem, dip):
        """d(0) − d_min > 1.645·√2·s at constant s: 0.2326 for s = 0.1."""
        c = _curve([10.0, 10.0 - fall, 10.0 - fall])
        assert bool(returns_to_concept(c, sem=xr.full_like(c, sem))["dip"]) is dip

    def test_small_relative_dip_counts_when_significant(self):
        """A 3 % dip (fig6 at Nz = 10) is an approach when it beats the combined SEM; 5 % no longer needed."""
        c = _curve([10.0, 9.7, 9.68, 9.7, 9.75])
        res = returns_to_concept(c, sem=xr.full_like(c, 0.05))
        assert bool(res["dip"]) and float(res["approach_z"]) > 1.645

    def test_leaves_is_the_move_away(self):
        """``leaves``: the rise after the minimum is significant; stays otherwise."""
        c = _curve([10.0, 6.0, 6.15, 6.2])
        assert not bool(returns_to_concept(c, sem=xr.full_like(c, 0.1))["leaves"])
        c2 = _curve([10.0, 6.0, 6.5, 7.0])
        res = returns_to_concept(c2, sem=xr.full_like(c2, 0.1))
        assert bool(res["leaves"]) and _outcome(res) == "settles"

    @pytest.mark.parametrize("z", [0.5, 1.645, 3.0])
    def test_larger_z_is_more_cautious(self, z):
        c = _curve([10.0, 9.5, 9.6, 10.6])
        sem = xr.full_like(c, 0.2)
        lo, hi = returns_to_concept(c, sem=sem, z=z / 2), returns_to_concept(c, sem=sem, z=z * 2)
        assert bool(hi["dip"]) <= bool(lo["dip"]) and bool(hi["leaves"]) <= bool(lo["leaves"])

    def test_bad_z(self):
        with pytest.raises(ValueError, match="z must be >= 0"):
            returns_to_concept(_curve([1.0, 2.0]), z=-1.0)
