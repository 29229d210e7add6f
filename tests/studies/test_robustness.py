"""The robustness of a verdict (issue 23): bootstrap over trials, rule parameters halved and doubled."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurogen.studies.claims import (FAILS, FRAGILE, HOLDS, ROBUST, Claim, param, resample_trials, robustness,
                                     scaled, trial_dims, verdict)


def _ds(values, labels=None, n_other=3):
    values = np.asarray(values, float)
    coords = {} if labels is None else {"trial_label": ("trial", np.asarray(labels))}
    return xr.Dataset({"x": ("trial", values), "other": ("sweep_trial", np.arange(n_other, dtype=float))},
                      coords=coords)


def _mean_claims(threshold: float):
    def claims(ds):
        m = float(ds["x"].mean())
        return [Claim("t", "mean above the threshold", "—", f"mean {m:.3f}", verdict(m > param(threshold)))]
    return claims


def test_trial_dims_are_trial_and_suffixed():
    assert trial_dims(_ds([1, 2, 3])) == ["trial", "sweep_trial"]


def test_resample_keeps_strata_and_pairs():
    """Each label keeps its trial count; the labels stay where they were; values come from their own label."""
    labels = [0, 0, 0, 1, 1]
    ds = _ds([1.0, 2.0, 3.0, 10.0, 20.0], labels)
    rng = np.random.default_rng(0)
    for _ in range(20):
        r = resample_trials(ds, rng)
        assert r["trial_label"].values.tolist() == labels
        assert set(r["x"].values[:3]) <= {1.0, 2.0, 3.0} and set(r["x"].values[3:]) <= {10.0, 20.0}


def test_scaled_parameters_and_restore():
    assert param(2.0) == 2.0
    with scaled(0.5):
        assert param(2.0) == 1.0
        with scaled(2.0):
            assert param(2.0) == 4.0
    assert param(2.0) == 2.0
    with pytest.raises(ValueError, match="factor"):
        with scaled(0):
            pass


def test_a_clear_verdict_is_robust():
    ds = _ds(np.linspace(9, 11, 40))  # mean 10, threshold 1: halved 0.5, doubled 2 — all hold
    (c,) = robustness(_mean_claims(1.0), ds, n_boot=50)
    assert c.verdict == HOLDS and c.fragile == ROBUST and "50 of 50 resamples agree" in c.robustness


def test_a_verdict_at_the_threshold_is_fragile_under_the_bootstrap():
    rng = np.random.default_rng(1)
    ds = _ds(rng.standard_normal(40) * 0.5)
    ds["x"] = ds["x"] - float(ds["x"].mean()) + 1.0 + 1e-6  # mean just above the threshold 1
    (c,) = robustness(_mean_claims(1.0), ds, n_boot=100)
    assert c.verdict == HOLDS and c.fragile == FRAGILE
    assert "bootstrap" in c.robustness


def test_a_verdict_that_flips_with_the_parameter_is_fragile():
    ds = _ds(np.full(10, 3.0))  # mean 3 > 2 holds; doubled threshold 4 fails; no trial noise at all
    (c,) = robustness(_mean_claims(2.0), ds, n_boot=20)
    assert c.verdict == HOLDS and c.fragile == FRAGILE and "×2: does not hold" in c.robustness


def test_no_trials_means_no_bootstrap():
    ds = xr.Dataset({"x": ("unit", [5.0, 5.0])})

    def claims(d):
        return [Claim("t", "c", "—", "m", verdict(float(d["x"].mean()) > param(1.0)))]
    (c,) = robustness(claims, ds, n_boot=10)
    assert c.fragile == ROBUST and "no trials" in c.robustness


def test_bad_n_boot():
    with pytest.raises(ValueError, match="n_boot"):
        robustness(_mean_claims(1.0), _ds([1, 2]), n_boot=-1)


def test_failing_verdicts_are_judged_alike():
    ds = _ds(np.full(10, 0.1))
    (c,) = robustness(_mean_claims(1.0), ds, n_boot=10)
    assert c.verdict == FAILS and c.fragile == ROBUST
