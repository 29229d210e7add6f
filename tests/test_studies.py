"""The studies at a tiny profile: each writes its figure and data and returns numbers in range."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from neurogen.data import Digits
from neurogen.studies import STUDIES, run_study
from neurogen.studies.report import FAILS, HOLDS, UNMEASURED, replicate



@pytest.fixture(scope="module")
def report(digits_pair, tmp_path_factory):
    """One tiny replication run shared by the report tests."""
    out = tmp_path_factory.mktemp("report")
    return replicate("tiny", out, device="cpu", data=digits_pair)



def test_fig1(check_study_files, digits_pair, tmp_path):
    """fig1 writes images x(t) and the concept image, and measures the data-space distance."""
    r = run_study("fig1", "tiny", tmp_path, "cpu", data=digits_pair)
    check_study_files(r, tmp_path, "fig1")
    assert r["data_distance_min"] <= r["data_distance_t0"]
    assert 0 <= r["data_distance_t_min"] <= 6
    assert r["outcome"] in {"no_dip", "settles", "runs_away"}
    with xr.open_dataset(tmp_path / "fig1.nc") as ds:
        assert ds["images"].dims == ("time", "row", "col")
        assert float(ds["images"].min()) >= 0 and float(ds["images"].max()) <= 1


def test_fig2(check_study_files, digits_pair, tmp_path):
    """fig2 gives one dip verdict per label and mean ± SEM curves over time."""
    r = run_study("fig2", "tiny", tmp_path, "cpu", data=digits_pair)
    check_study_files(r, tmp_path, "fig2")
    assert r["labels"] == list(range(10))
    assert len(r["dip"]) == len(r["outcome"]) == len(r["depth"]) == 10
    assert r["n_dip"] == sum(r["dip"])
    assert all(0 <= d <= 1 for d in r["depth"])
    with xr.open_dataset(tmp_path / "fig2.nc") as ds:
        assert set(ds["mean"].dims) == {"label", "time"}
        assert ds.sizes["time"] == 7 and bool((ds["sem"] >= 0).all())


def test_fig3(check_study_files, digits_pair, tmp_path):
    """fig3 counts active units and PCA components within the latent size."""
    r = run_study("fig3", "tiny", tmp_path, "cpu", data=digits_pair)
    check_study_files(r, tmp_path, "fig3")
    assert 1 <= r["active_units"] <= r["n_units"] == 8
    assert 1 <= r["components_70"] <= r["components_99"] <= 8
    assert 0 <= r["off_diagonal_abs_mean"] <= 1


def test_fig4(check_study_files, digits_pair, tmp_path):
    """fig4 finds a stage for every noise level, for both pixel-swap readings."""
    r = run_study("fig4", "tiny", tmp_path, "cpu", data=digits_pair)
    check_study_files(r, tmp_path, "fig4")
    for mode in ("invert", "permute"):
        m = r[mode]
        assert len(m["stages"]) == len(m["noise"]) == 5
        assert set(m["stages"]) <= {"I", "II", "III"}
        assert all(0 <= b <= 1 for b in m["boundaries"])
        assert m["stages"][0] == "I"  # p = 0: the memory itself is the closest


def test_figA1(check_study_files, digits_pair, tmp_path):
    """figA1 embeds the memories in 2-D; synthetic prototypes separate into clusters."""
    r = run_study("figA1", "tiny", tmp_path, "cpu", data=digits_pair)
    check_study_files(r, tmp_path, "figA1")
    assert r["points"] == 600
    assert 0 <= r["separation_all"] <= 1


def test_concept_formation(check_study_files, digits_pair, tmp_path):
    """The development study measures two kept checkpoints of a tiny network."""
    r = run_study("concept_formation", "tiny", tmp_path, "cpu", data=digits_pair)
    check_study_files(r, tmp_path, "concept_formation")
    assert r["epochs"] == [1, 2]
    assert [row["epoch"] for row in r["table"]] == [1, 2]
    for row in r["table"]:
        assert row["n_settles"] + row["n_runs_away"] == row["n_dip"] <= 10


def test_unknown_study_and_profile(tmp_path):
    """Unknown study or profile names are clear ValueErrors."""
    with pytest.raises(ValueError, match="unknown study"):
        run_study("fig99", "tiny", tmp_path)
    with pytest.raises(ValueError, match="profile must be one of"):
        run_study("fig2", "huge", tmp_path)


def test_report_page(report):
    """replicate writes one page with every figure embedded and a computed claims table."""
    html = report.read_text()
    assert html.count("data:image/png;base64,") == len(STUDIES)
    results = json.loads((report.parent / "results.json").read_text())
    claims = results["claims"]
    assert {c["figure"] for c in claims} >= {"fig1", "fig2", "fig3", "fig4", "figA1", "concept_formation"}
    assert all(c["verdict"] in {HOLDS, FAILS, UNMEASURED} for c in claims)
    assert all(c["verdict"] != UNMEASURED for c in claims)
    assert "network sha256" in results["provenance"]


def test_report_survives_failing_study(digits_pair, tmp_path, monkeypatch):
    """A study that raises makes its claims 'not measured'; the other studies still report."""
    import neurogen.studies.fig3 as fig3

    def boom(*a, **k):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(fig3, "study", boom)
    page = replicate("tiny", tmp_path, device="cpu", data=digits_pair, studies=["fig2", "fig3"])
    claims = json.loads((tmp_path / "results.json").read_text())["claims"]
    fig3_claims = [c for c in claims if c["figure"] == "fig3"]
    assert fig3_claims and all(c["verdict"] == UNMEASURED for c in fig3_claims)
    assert "simulated failure" in fig3_claims[0]["measured"]
    assert any(c["figure"] == "fig2" and c["verdict"] != UNMEASURED for c in claims)
    assert page.exists()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_report_renders_in_chromium(report, tmp_path):
    """Headless Chromium loads the page and every embedded figure decodes (naturalWidth > 0)."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", report.as_uri()], capture_output=True,
                         text=True, timeout=120).stdout
    n = len(STUDIES)
    assert f'data-images-rendered="{n}/{n}"' in dom
    shot = tmp_path / "page.png"
    subprocess.run(["chromium", *flags, f"--screenshot={shot}", "--window-size=1200,3000", report.as_uri()],
                   capture_output=True, timeout=120, check=False)
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)
    assert pixels.std() > 0.01  # not a blank page


def test_replicate_rejects_unknown_studies(tmp_path):
    """An unknown study name is a ValueError before anything runs or is written."""
    with pytest.raises(ValueError, match="unknown studies"):
        replicate("tiny", tmp_path / "r", studies=["fig2", "fig99"])
    assert not (tmp_path / "r").exists()
