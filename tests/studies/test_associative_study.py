"""The associative study at the tiny profile: Hopfield subjects, the VAE and the beta sweep in one dataset."""

from __future__ import annotations

import attrs
import numpy as np
import pytest

from neurogen import analysis as na
from neurogen.studies import associative
from neurogen.studies._common import context
from neurogen.studies.claims import FAILS, HOLDS


def test_associative_tiny_all_subjects(run_tiny):
    """Every subject's variables come back under its prefix, with the tiny sizes."""
    result, _ = run_tiny("associative")
    ds = result.dataset
    sizes = associative.SIZES["tiny"]
    assert associative.kinds_of(ds) == list(associative.SUBJECTS)
    for kind in ("hopfield", "modern", "vae"):
        sub = associative.part(ds, kind)
        assert {"mean_concept", "sem_memory", "min_abstract"} <= set(sub.data_vars)
        assert sub.sizes["time"] == (sizes.vae.steps if kind == "vae" else sizes.steps) + 1
        s = associative.summary(sub)
        assert 0 <= s["t_min"] <= sub.sizes["time"] - 1
        assert s["concept"][1] <= s["concept"][0]
        assert str(s["stages"]["numeral"].values[0]) == "I"  # p = 0: the memory is nearest
    assert sorted(set(associative.part(ds, "vae")["noise"].values.tolist())) == [0.0, 0.25, 0.5, 0.75, 1.0]
    for kind in ("hopfield", "modern"):
        assert -1.0 <= float(associative.part(ds, kind)["memory_overlap_final"]) <= 1.0
    m = associative.part(ds, "modern_vae")
    assert int(m["n_patterns"]) == 200 and int(m["trials"]) == sizes.modern_vae.trials
    assert m["mean"].dims == ("start", "level", "beta")
    assert m["beta_scaled"].values == pytest.approx([1.0, 10.0, 100.0])
    for start in ("vae", "gaussian"):
        d = m.sel(start=start)
        assert d["nearest"].values.tolist() == [min(na.LEVELS, key=lambda lvl: float(d["mean"].sel(level=lvl, beta=b)))
                                                for b in d["beta"].values]
        np.testing.assert_allclose(d["fraction"].sum("level"), 1.0)
        assert (d["own_memory"] <= d["same_label"]).all()
        assert str(d["nearest"].values[0]) == "abstract"  # beta ~ 1/<|xi|^2>: the average of all memories
    texts = [c.claim for c in result.claims]
    assert len(texts) == 6 and "Hopfield stage order against p matches the VAE's" in texts


def test_associative_hopfield_only(digits_pair):
    """Only the Hopfield row: no VAE variables, the two Hopfield claims with verdicts from their rules."""
    ctx = context("tiny", "cpu", digits_pair)
    sizes = attrs.evolve(associative.SIZES["tiny"], subjects=("hopfield",))
    ds = associative.measure(ctx, sizes)
    assert associative.kinds_of(ds) == ["hopfield"]
    cl = associative.claims(ds)
    assert len(cl) == 2 and all(c.verdict in (HOLDS, FAILS) for c in cl)
    s = associative.summary(associative.part(ds, "hopfield"))
    assert cl[1].verdict == (HOLDS if s["in_order"] and s["present"] == "I → II → III" else FAILS)


def test_associative_sizes_reject_unknown_subject():
    with pytest.raises(ValueError, match="subjects"):
        attrs.evolve(associative.SIZES["tiny"], subjects=("rnn",))
