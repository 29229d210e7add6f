"""The geometry study at the tiny profile, and its six rules on synthetic measurements."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurogen.studies import geometry
from neurogen.studies.claims import FAILS, HOLDS, MIXED, UNMEASURED


def test_geometry_tiny(run_tiny):
    """RDM similarities and frames per p, CKA per seed pair and per Nz, PR per Nz, both decoders' matrices."""
    result, _ = run_tiny("geometry")
    ds = result.dataset
    sizes = geometry.SIZES["tiny"]
    steps = sizes.steps + 1
    assert ds["rdm_similarity"].dims == ("noise", "time", "model") and ds.sizes["time"] == steps
    assert ds["model"].values.tolist() == list(geometry.MODELS)
    assert np.isnan(ds["rdm_similarity"].sel(model="abstract")).all()  # constant model: undefined
    assert np.isfinite(ds["rdm_similarity"].sel(model="class")).all()
    n_trials = 10 * sizes.per_label * sizes.repeats
    assert ds["rdm_frame"].dims == ("noise", "frame", "pattern", "pattern_other")
    assert ds["rdm_frame"].shape[1:] == (len(sizes.frames), n_trials, n_trials)
    labels = ds["label"].values
    assert np.all(np.diff(labels) >= 0)  # trials sorted by label: the class blocks are visible
    assert ds["cka_seeds"].dims == ("pair", "time") and ds["pair"].values.tolist() == ["0-1"]
    assert ds["other_n_latent"].values.tolist() == [2]
    cka = np.concatenate([ds["cka_seeds"].values.ravel(), ds["cka_n_latent"].values.ravel()])
    assert np.all((cka >= 0) & (cka <= 1))
    assert ds["n_latent"].values.tolist() == list(sizes.n_latent)
    assert ds["subject_n_latent"].values.tolist() == list(sizes.n_latent)
    assert bool((ds["participation_ratio"] <= ds["n_latent"] + 1e-9).all())
    assert bool((ds["ci_low"] <= ds["corrected"]).all() and (ds["corrected"] <= ds["ci_high"]).all())
    assert ds["generalization"].dims == ("noise", "decoder", "train_time", "test_time")
    assert ds["chance"].sel(decoder="label") == pytest.approx(0.1)
    assert ds["chance"].sel(decoder="identity") == pytest.approx(1 / (10 * sizes.per_label))
    assert len(result.claims) == 6


def _fake(class_curve, identity_curve, *, seeds=(0.9, 0.8), nz=(0.5, 0.7), pr=(1.8, 4.0, 9.0),
          high=10.0, label_tg=None, identity_tg=None):
    """The variables geometry.claims reads: one p, Nz 2/10 against the reference 100, PR for 2/10/100."""
    t = len(class_curve)
    sim = np.stack([identity_curve, class_curve, [np.nan] * t], -1)[None]
    eye = np.eye(3)
    label_tg = 0.1 + 0.8 * np.ones((3, 3)) if label_tg is None else np.asarray(label_tg)
    identity_tg = 0.02 + 0.8 * eye if identity_tg is None else np.asarray(identity_tg)
    return xr.Dataset(
        {"rdm_similarity": (("noise", "time", "model"), sim),
         "cka_seeds": (("pair", "time"), np.array(seeds)[:, None] * np.ones(t)),
         "cka_n_latent": (("other_n_latent", "time"), np.array(nz)[:, None] * np.ones(t)),
         "corrected": ("n_latent", list(pr)), "participation_ratio": ("n_latent", list(pr)),
         "ci_low": ("n_latent", [p - 0.5 for p in pr]), "ci_high": ("n_latent", [*[p + 0.5 for p in pr[:-1]], high]),
         "generalization": (("noise", "decoder", "train_time", "test_time"), np.stack([label_tg, identity_tg])[None]),
         "chance": ("decoder", [0.1, 0.02])},
        coords={"noise": [0.2], "time": np.arange(t), "model": list(geometry.MODELS), "pair": ["0-1", "0-2"],
                "other_n_latent": [2, 10], "n_latent": [2, 10, 100], "decoder": list(geometry.DECODERS),
                "train_time": np.arange(3), "test_time": np.arange(3)},
        attrs={"tol": 0.02, "min_gain": 0.05, "reference_n_latent": 100, "mode": "invert", "training": "test",
               "cv": 4})


def _verdicts(ds):
    return [c.verdict for c in geometry.claims(ds)]


def test_rules_hold():
    """Class peaks at t = 1, identity at t = 3; class gains 0.3; Nz below the ceiling; PR small and rising;
    a square label matrix against a diagonal identity matrix."""
    ds = _fake([0.2, 0.5, 0.4, 0.3], [0.1, 0.2, 0.3, 0.6])
    assert _verdicts(ds) == [HOLDS] * 6


def test_rules_fail():
    ds = _fake([0.5, 0.4, 0.3, 0.3], [0.1, 0.2, 0.3, 0.6], seeds=(0.9, 0.6), nz=(0.7, 0.5), pr=(1.8, 9.0, 4.0),
               high=60.0, label_tg=0.1 + 0.8 * np.eye(3), identity_tg=0.02 + 0.8 * np.ones((3, 3)))
    v = _verdicts(ds)
    assert v[0] == HOLDS  # class still peaks first (at t = 0)
    assert v[1] == FAILS  # no gain over t = 0
    assert v[2] == MIXED  # Nz = 2 above the ceiling 0.6, Nz = 10 below
    assert v[3] == FAILS and v[4] == FAILS and v[5] == FAILS


def test_peak_tolerance_and_ties():
    """Within tol of the maximum counts as the peak; the same step is not 'before'."""
    assert _verdicts(_fake([0.2, 0.5, 0.6, 0.6], [0.1, 0.2, 0.6, 0.6]))[0] == FAILS  # both at t = 2
    assert _verdicts(_fake([0.2, 0.59, 0.6, 0.6], [0.1, 0.2, 0.6, 0.6]))[0] == HOLDS  # class within tol at t = 1


def test_generalization_near_chance_is_not_counted():
    cl = geometry.claims(_fake([0.2, 0.5, 0.4, 0.3], [0.1, 0.2, 0.3, 0.6], identity_tg=0.03 * np.ones((3, 3))))
    assert cl[5].verdict == UNMEASURED and "not counted" in cl[5].measured


def test_fig3_reports_the_participation_ratio(run_tiny, digits_pair):
    """fig3 keeps the memories' corrected participation ratio per seed and names it beside the active units."""
    from neurogen import analysis as na
    from neurogen.studies import context

    result, _ = run_tiny("fig3")
    ds = result.dataset
    expected = na.participation_ratio(context("tiny", "cpu", digits_pair).hierarchy.memory, n_boot=0)["corrected"]
    assert float(ds["participation_ratio"].sel(seed=0)) == pytest.approx(float(expected))
    active = [c for c in result.claims if c.claim.startswith("Active latent units")]
    assert active and all("participation ratio of the memories: seed 0: " in c.measured for c in active)
    assert not any("participation ratio" in c.measured for c in result.claims if c not in active)


def test_geometry_without_rsatoolbox(run_tiny, digits_pair, monkeypatch):
    """A plain install (no extra 'geometry'): everything but the RDMs is measured, their claims are
    not measured and say why, and the figure still draws."""
    import sys

    from neurogen.studies import context

    run_tiny("geometry")  # the subjects, trained once for the module
    for name in [m for m in sys.modules if m == "rsatoolbox" or m.startswith("rsatoolbox.")]:
        monkeypatch.setitem(sys.modules, name, None)
    ds = geometry.measure(context("tiny", "cpu", digits_pair), geometry.SIZES["tiny"])
    assert "rdm_similarity" not in ds and "generalization" in ds and "cka_seeds" in ds and "corrected" in ds
    cl = geometry.claims(ds)
    assert [c.verdict for c in cl[:2]] == [UNMEASURED, UNMEASURED]
    assert all("pip install 'neurogen[geometry]'" in c.measured for c in cl[:2])
    assert all(c.verdict != UNMEASURED for c in cl[2:5])
    assert geometry.plot(ds).axes
