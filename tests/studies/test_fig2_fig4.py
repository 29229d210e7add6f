"""fig2 and fig4 at the tiny profile: one curve (or sweep) per seed, claims per seed, shared axes."""

from __future__ import annotations

import numpy as np
import pytest

from neurogen import analysis as na
from neurogen.studies import fig2, fig4
from neurogen.studies.claims import FAILS, HOLDS, MIXED


def test_fig2_dataset_and_claim(run_tiny):
    """Curves over (seed, label, time), outcomes from the new dip rule, one claim naming every seed."""
    result, _ = run_tiny("fig2")
    ds = result.dataset
    assert set(ds["mean"].dims) == {"seed", "label", "time"}
    assert list(ds.seed.values) == [0, 1] and ds.sizes["label"] == 10
    assert bool((ds["sem"] >= 0).all())
    assert set(np.unique(ds["dip_outcome"].values)) <= set(na.OUTCOMES)
    assert len(set(ds["network_sha256"].values)) == 2  # two different subjects
    approach, move_away = result.claims
    for claim, var in ((approach, "dip_dip"), (move_away, "dip_leaves")):
        assert "seed 0" in claim.subjects and "seed 1" in claim.subjects and claim.reading == "invert"
        per_seed = [int(np.asarray(ds[var].sel(seed=s)).astype(bool).sum()) == 10 for s in (0, 1)]
        assert claim.verdict == {2: HOLDS, 1: MIXED, 0: FAILS}[sum(per_seed)]
        assert claim.fragile in ("fragile", "robust") and "bootstrap" in claim.robustness
    assert ds["distance"].dims == ("seed", "trial", "time") and ds.sizes["trial"] == 80


def test_fig2_move_away_is_a_separate_half(run_tiny):
    """A label that approaches and stays counts for the approach, not for the move-away (issue 23)."""
    result, _ = run_tiny("fig2")
    ds = result.dataset.copy()
    # trials of every label: a clear dip that stays at its minimum (approaches_and_stays)
    t = ds["time"].values
    curve = np.where(t == 0, 10.0, 5.0)
    rng = np.random.default_rng(0)
    offsets = 0.01 * rng.standard_normal(ds["distance"].shape[:-1] + (1,))  # per trial, constant in time
    ds["distance"] = ds["distance"].copy(data=curve + offsets)
    approach, move_away = fig2.claims(ds)
    assert approach.verdict == HOLDS and move_away.verdict == FAILS
    assert "moves away in 0 of 10" in move_away.measured


def test_fig2_panels_share_the_y_axis(run_tiny):
    """All ten panels share one y axis (Fig. 2 compares the labels' distances)."""
    result, _ = run_tiny("fig2")
    fig = fig2.plot(result.dataset)
    axes = [ax for ax in fig.axes if ax.get_title()]
    assert len(axes) == 10
    assert all(axes[0].get_shared_y_axes().joined(axes[0], ax) for ax in axes[1:])


def test_fig4_stages_recomputed_from_trials(run_tiny):
    """fig4 keeps every trial's minima with its noise; stages and the claim follow from them."""
    result, _ = run_tiny("fig4")
    ds = result.dataset
    assert set(ds["min_memory"].dims) == {"seed", "trial"} and "noise" in ds.coords
    assert sorted(np.unique(ds["noise"].values)) == pytest.approx([0, 0.25, 0.5, 0.75, 1.0])
    for seed in (0, 1):
        st = fig4.stages_of(ds, seed)
        text, ok = fig4.stage_text(st)
        assert text.startswith(str(st["sequence"].values))
        assert ok == bool(st["complete"] & st["in_order"])
