"""fig7 at the tiny profile: the short-training grid through the sweep and the full-training reference; the plateau rule."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurogen.studies import fig7
from neurogen.studies.claims import FAILS, HOLDS, UNMEASURED


@pytest.mark.slow
def test_fig7_tiny_grid_and_reference(run_tiny):
    """The best setting per Nz is the grid's maximum; the reference holds one fully trained subject per Nz."""
    result, _ = run_tiny("fig7")
    ds = result.dataset
    sizes = fig7.SIZES["tiny"]
    assert ds["n_latent"].values.tolist() == sorted(sizes.n_latent)
    assert ds["grid_elbo"].dims == ("n_latent", "lr", "batch_size")
    best = ds["grid_elbo"].max(["lr", "batch_size"])
    np.testing.assert_allclose(ds["best_elbo"].values, best.values)
    assert ds["reference_n_latent"].values.tolist() == sorted(sizes.reference)
    assert np.isfinite(ds["reference_elbo"]).all() and np.isfinite(ds["reference_log_likelihood"]).all()
    # the IS bound (k > 1) is at least as tight as the ELBO, up to Monte-Carlo noise
    assert (ds["reference_log_likelihood"] >= ds["reference_elbo"] - 2.0).all()
    assert len(result.claims) == 3  # the 1-nat plateau on the grid and at full training; the seed-spread plateau


def _fake(bound, ref):
    nz = [2, 5, 10, 20, 30]
    return xr.Dataset({"best_elbo": ("n_latent", bound), "best_log_likelihood": ("n_latent", bound),
                       "reference_elbo": ("reference_n_latent", ref),
                       "reference_log_likelihood": ("reference_n_latent", ref)},
                      coords={"n_latent": nz, "reference_n_latent": nz},
                      attrs={"tol": 1.0, "epochs": 5, "n_train": 10000, "reference_training": "test"})


def test_fig7_plateau_rule():
    """Nz* within [7, 28] and not the largest Nz holds; still improving at the largest Nz fails."""
    grid, ref = fig7.claims(_fake([-150.0, -110.0, -100.0, -99.5, -99.4], [-150.0, -120.0, -110.0, -100.0, -95.0]))
    assert grid.verdict == HOLDS and "Nz* = 10" in grid.measured
    assert ref.verdict == FAILS and "still improving" in ref.measured
    nan = [np.nan] * 5
    assert fig7.claims(_fake(nan, nan))[0].verdict == UNMEASURED


def test_fig7_seed_spread_plateau():
    """Nz* = smallest Nz within the seeds' range of the best test ELBO; 7 <= Nz* <= 28 and not the largest."""
    def ds(elbo, spread):
        return xr.Dataset({"reference_elbo": ("reference_n_latent", elbo), "spread_elbo": ("spread_seed", spread)},
                          coords={"reference_n_latent": [2, 5, 8, 14, 20, 100], "spread_seed": [0, 1, 2]})
    star, spread = fig7.seed_plateau(ds([-150, -117, -108, -101.0, -100.3, -100.0], [-100.0, -100.2, -100.5]))
    assert (star, spread) == (20, 0.5)
    (claim,) = fig7._spread_claim(ds([-150, -117, -108, -100.6, -100.3, -100.0], [-100.0, -100.2, -100.7]))
    assert claim.verdict == HOLDS and "Nz* = 14" in claim.measured
    (claim,) = fig7._spread_claim(ds([-150, -117, -108, -103, -102, -100.0], [-100.0, -100.1, -100.2]))
    assert claim.verdict == FAILS and "Nz* = 100" in claim.measured
