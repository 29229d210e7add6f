"""fig6 at the tiny profile: one subject per Nz, its approach to the concept and its concepts' cosines; the claim rules."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurogen import analysis as na
from neurogen.studies import fig6
from neurogen.studies.claims import FAILS, HOLDS, UNMEASURED


def _fake(nzs, dips, offs, n_trials=20):
    """The variables fig6.claims reads: per-trial curves that dip (or rise) clearly, and cosines."""
    rng = np.random.default_rng(0)
    t = np.arange(8)
    curves = [np.where(t == 0, 10.0, 6.0 + 0.5 * t) if d else 10.0 + t for d in dips]
    noise = 0.1 * rng.standard_normal((len(nzs), n_trials, 1))  # per-trial offsets: no spurious dips
    distance = np.asarray(curves)[:, None, :] + noise
    return xr.Dataset(
        {"distance": (("n_latent", "trial", "time"), distance),
         "off_diagonal_abs_mean": ("n_latent", offs), "subject_seed": ("n_latent", [0] * len(nzs))},
        coords={"n_latent": nzs, "time": t}, attrs={"training": "test", "mode": "invert"})


def test_fig6_tiny_records_one_subject_per_latent_size(run_tiny):
    """Each Nz of the tiny sizes is its own subject (its own sha256 and latent size), measured alike."""
    result, _ = run_tiny("fig6")
    ds = result.dataset
    assert ds["n_latent"].values.tolist() == [2, 10]
    assert ds["subject_n_latent"].values.tolist() == [2, 10]
    assert len(set(ds["network_sha256"].values.tolist())) == 2
    assert ds["mean"].dims == ("n_latent", "time") and ds.sizes["time"] == fig6.SIZES["tiny"].steps + 1
    assert set(ds["dip_outcome"].values.astype(str)) <= set(na.OUTCOMES)
    assert ds["cosine"].dims == ("n_latent", "label", "label_other")
    np.testing.assert_allclose(np.diagonal(ds["cosine"].values, axis1=1, axis2=2), 1.0, atol=1e-5)
    assert [c.claim for c in result.claims][0].startswith("Inference approaches the concept")


@pytest.mark.parametrize(("dips", "offs", "expected"), [
    ([False, False, True, True], [0.6, 0.4, 0.2, 0.05], (HOLDS, HOLDS)),
    ([True, False, True, True], [0.1, 0.4, 0.2, 0.5], (FAILS, FAILS)),
    ([False, False, False, True], [0.6, 0.4, 0.2, 0.05], (FAILS, HOLDS)),
], ids=["paper", "small-dips-and-mixed-cosines", "Nz10-no-approach"])
def test_fig6_claim_rules(dips, offs, expected):
    """Approach for every Nz >= 10 and none <= 5; Spearman rho <= -0.8 between Nz and mean |C_ij|."""
    approach, _, ortho = fig6.claims(_fake([2, 5, 10, 20], dips, offs))
    assert (approach.verdict, ortho.verdict) == expected


@pytest.mark.parametrize(("nzs", "dips", "expected"), [
    ([2, 5, 6, 8, 10, 20], [False, False, True, True, True, True], HOLDS),
    ([2, 5, 6, 8, 10, 20], [False, False, False, True, True, True], HOLDS),
    ([2, 5, 6, 8, 10, 20], [False, False, False, False, True, True], FAILS),
    ([2, 5, 6, 8, 10, 20], [False, True, False, True, True, True], HOLDS),
    ([2, 5, 6, 8, 10, 20], [True, True, True, True, True, True], FAILS),
], ids=["onset-6", "onset-8", "onset-10", "onset-8-after-a-gap", "always"])
def test_fig6_onset_rule(nzs, dips, expected):
    """Onset = smallest Nz from which every larger Nz approaches; holds for 6 <= onset <= 8, not the smallest."""
    _, onset, _ = fig6.claims(_fake(nzs, dips, [0.5] * len(nzs)))
    assert onset.verdict == expected


def test_fig6_claim_unmeasured_without_both_groups():
    """Without any Nz >= 10 the approach claim is not measured; a constant cosine gives no rho."""
    first, onset, second = fig6.claims(_fake([2, 5], [False, False], [0.3, 0.3]))
    assert first.verdict == UNMEASURED and second.verdict == UNMEASURED and onset.verdict == UNMEASURED


def test_fig6_unknown_profile():
    with pytest.raises(ValueError, match="profile must be one of"):
        fig6.SIZES["fast"]
