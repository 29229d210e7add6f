"""The readings study at the tiny profile: four readings on the main subject, the best on every seed."""

from __future__ import annotations

import numpy as np

from neurogen.studies import readings
from neurogen.studies.claims import VERDICTS


def test_every_reading_then_the_best_on_each_seed(run_tiny):
    """Cases: the four readings on seed 0, then the best reading on seed 1."""
    result, _ = run_tiny("readings")
    ds = result.dataset
    modes = [str(m) for m in ds["case_mode"].values]
    seeds = [int(s) for s in ds["case_seed"].values]
    assert modes[:4] == list(readings.MODES) and seeds[:4] == [0, 0, 0, 0]
    best = ds.attrs["best_reading"]
    assert modes[4:] == [best] and seeds[4:] == [1]
    scores = [sum(bool(ok) for ok, _ in readings.evaluate(ds.isel(case=i)).values()) for i in range(4)]
    assert best == readings.MODES[int(np.argmax(scores))]


def test_matrix_and_claim_rows(run_tiny):
    """A claims × readings matrix of 0/1, and one row per (claim, reading) plus one per claim across seeds."""
    result, _ = run_tiny("readings")
    m = readings.matrix(result.dataset)
    assert m.dims == ("claim", "reading") and m.shape == (len(readings.CLAIMS), len(readings.MODES))
    assert set(np.unique(m.values[~np.isnan(m.values)])) <= {0.0, 1.0}
    rows = result.claims
    assert len(rows) == len(readings.CLAIMS) * (len(readings.MODES) + 1)
    assert {r.reading for r in rows} == set(readings.MODES) | {result.dataset.attrs["best_reading"]}
    across = [r for r in rows if "best reading" in r.claim]
    assert len(across) == len(readings.CLAIMS) and all("holds in" in r.subjects for r in across)
    assert all(r.verdict in VERDICTS for r in rows)
