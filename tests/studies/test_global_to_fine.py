"""global_to_fine at the tiny profile, and its rule on synthetic information curves."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurogen.studies import global_to_fine as g2f
from neurogen.studies.claims import FAILS, HOLDS, UNMEASURED


def test_global_to_fine_tiny(run_tiny):
    """Normalised information over time for both subjects and variables; the gain is 0 at t = 0."""
    result, _ = run_tiny("global_to_fine")
    ds = result.dataset
    sizes = g2f.SIZES["tiny"]
    assert ds["information"].dims == ("subject", "noise", "variable", "time")
    assert ds["subject"].values.tolist() == list(g2f.SUBJECTS)
    assert ds.sizes["time"] == sizes.steps + 1
    np.testing.assert_allclose(ds["gain"].isel(time=0), 0.0, atol=1e-12)
    assert float(ds["information"].max()) <= 1.0 + 1e-9  # a fraction of the entropy
    # matched class counts: 10 labels and 5 images per label for the VAE; K = M = 5 for the Hopfield net
    assert ds["n_classes"].sel(subject="vae").isel(noise=0).values.tolist() == [10, sizes.per_label]
    assert ds["n_classes"].sel(subject="hopfield").isel(noise=0).values.tolist() == [sizes.n_concepts, sizes.n_memories]
    assert [c.claim.split(":")[0] for c in result.claims] == list(g2f.SUBJECTS)


def _fake(category, identity, start=0.2):
    t = len(category)
    gain = np.array([[[category, identity]]] * 2)  # (subject, noise, variable, time)
    return xr.Dataset({"gain": (("subject", "noise", "variable", "time"), gain),
                       "information": (("subject", "noise", "variable", "time"), gain + start)},
                      coords={"subject": list(g2f.SUBJECTS), "noise": [0.2], "variable": list(g2f.VARIABLES),
                              "time": np.arange(t)}, attrs={"tol": 0.05, "mode": "invert", "hopfield": "test"})


@pytest.mark.parametrize(("category", "identity", "expected"), [
    ([0, 0.5, 0.4, 0.3, 0.3], [0, 0.1, 0.3, 0.6, 0.6], HOLDS),
    ([0, 0.5, 0.5, 0.5, 0.5], [0, 0.6, 0.6, 0.6, 0.6], FAILS),
    ([0, 0.5, 0.4, 0.3, 0.3], [0, -0.1, -0.2, -0.3, -0.3], FAILS),
    ([0, 0.02, 0.01, 0.0, 0.0], [0, 0.1, 0.3, 0.6, 0.6], FAILS),
], ids=["category-first", "same-step", "identity-only-declines", "category-gains-nothing"])
def test_global_to_fine_rule(category, identity, expected):
    """Both gain at least tol and the category's gain peaks strictly earlier."""
    assert [c.verdict for c in g2f.claims(_fake(category, identity))] == [expected, expected]


def test_global_to_fine_rule_skips_ceiling():
    """A level where a variable already carries (almost) all its entropy at t = 0 does not count."""
    cl = g2f.claims(_fake([0, 0.5, 0.4, 0.3, 0.3], [0, 0.0, 0.0, 0.0, 0.0], start=0.97))
    assert [c.verdict for c in cl] == [UNMEASURED, UNMEASURED]
    assert "not counted" in cl[0].measured
