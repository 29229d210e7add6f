"""figA1 at the tiny profile: the memories' PCA plane and the between-label share of its variance."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurogen.studies import figA1, load_result
from neurogen.studies.claims import FAILS, HOLDS


@pytest.fixture(scope="module")
def figA1_run(run_tiny):
    result, out = run_tiny("figA1")
    return result, load_result(out / "figA1.nc")


def _embedding(points: np.ndarray, labels: list[int]) -> xr.DataArray:
    return xr.DataArray(points, dims=("sample", "component"), coords={"label": ("sample", labels)})


def test_separation_closed_form():
    """Clusters collapsed on their centres give 1; the same points under both labels give 0."""
    apart = _embedding(np.array([[0.0, 0.0], [0.0, 0.0], [4.0, 2.0], [4.0, 2.0]]), [0, 0, 1, 1])
    assert figA1.separation(apart, "sample") == pytest.approx(1.0)
    mixed = _embedding(np.array([[0.0, 0.0], [4.0, 2.0], [0.0, 0.0], [4.0, 2.0]]), [0, 0, 1, 1])
    assert figA1.separation(mixed, "sample") == pytest.approx(0.0)
    half = _embedding(np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 0.0], [12.0, 0.0]]), [0, 0, 1, 1])
    # class means 1 and 11 around 6: between 4 · 25 = 100, total 36 + 16 + 16 + 36 = 104
    assert figA1.separation(half, "sample") == pytest.approx(100 / 104)


def test_dataset(figA1_run):
    """All 600 synthetic memories in (a), the three labels' 180 in (b); the prototypes separate."""
    _, ds = figA1_run
    assert ds["embedding_all"].dims == ("sample", "component") and ds.sizes["sample"] == 600
    assert ds.component.values.tolist() == [1, 2]
    assert sorted(set(ds["label"].values.tolist())) == list(range(10))
    assert sorted(set(ds["label_three"].values.tolist())) == [0, 1, 6] and ds.sizes["sample_three"] == 180
    assert 0 < float(ds["explained_all"].sum()) <= 1 + 1e-9
    assert float(ds["separation_all"]) > 0.5  # ten well-separated prototypes
    assert 0 <= float(ds["separation_three"]) <= 1


def test_claim(figA1_run):
    """The verdict follows the 0.5 rule on the stored between-label share; seed 0 only."""
    result, ds = figA1_run
    (claim,) = result.claims
    assert claim.verdict == (HOLDS if float(ds["separation_all"]) > 0.5 else FAILS)
    assert f"{float(ds['separation_all']):.2f} (all)" in claim.measured
    assert claim.subjects.endswith("seed 0")


def test_every_variable_is_described(figA1_run):
    """Every variable and coordinate of the saved file has a long_name and units."""
    _, ds = figA1_run
    assert all({"long_name", "units"} <= set(ds[v].attrs) for v in ds.variables)
