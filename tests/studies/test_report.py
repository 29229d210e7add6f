"""The report: one page, a claims table with subjects and readings, a contents list, progress lines."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from neurogen.studies.claims import UNMEASURED, VERDICTS
from neurogen.studies.report import replicate

RUN = ["fig2", "fig3"]


@pytest.fixture(scope="module")
def report(digits_pair, tmp_path_factory):
    """One tiny replication of two studies, shared by the module's tests."""
    return replicate("tiny", tmp_path_factory.mktemp("report"), device="cpu", data=digits_pair, studies=RUN,
                     quiet=True)


def test_report_page(report):
    """The page embeds every figure, links each study from its contents, and shows the tiny banner."""
    html = report.read_text()
    assert html.count("data:image/png;base64,") == len(RUN)
    for name in RUN:
        assert f"id='study-{name}'" in html and f"href='#study-{name}'" in html
    assert "its verdicts mean nothing" in html
    assert "<th>subjects</th>" in html and "<th>pixel-swap reading</th>" in html


def test_results_json(report):
    """results.json holds every claim with its subjects and reading, per-study times and versions."""
    results = json.loads((report.parent / "results.json").read_text())
    claims = results["claims"]
    assert {c["study"] for c in claims} == set(RUN)
    assert all(c["verdict"] in VERDICTS and c["verdict"] != UNMEASURED for c in claims)
    assert all(c["subjects"] and c["reading"] for c in claims)
    prov = results["provenance"]
    for key in ("python", "numpy", "xarray", "torch", "netCDF4", "command", "network sha256"):
        assert key in prov, key
    assert set(prov["study times (s)"]) == set(RUN)


def test_progress_lines(digits_pair, tmp_path, capsys):
    """Each study prints a start and an end line with its time; quiet prints nothing."""
    replicate("tiny", tmp_path / "a", device="cpu", data=digits_pair, studies=["figA1"])
    err = capsys.readouterr().err
    assert "[1/1] figA1 …" in err and err.count("figA1") >= 2 and " s" in err
    replicate("tiny", tmp_path / "b", device="cpu", data=digits_pair, studies=["figA1"], quiet=True)
    assert capsys.readouterr().err == ""


def test_report_survives_failing_study(digits_pair, tmp_path, monkeypatch):
    """A study that raises makes its claims 'not measured'; the other studies still report."""
    import neurogen.studies.fig3 as fig3

    def boom(*a, **k):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(fig3, "measure", boom)
    page = replicate("tiny", tmp_path, device="cpu", data=digits_pair, studies=["figA1", "fig3"], quiet=True)
    claims = json.loads((tmp_path / "results.json").read_text())["claims"]
    failed = [c for c in claims if c["study"] == "fig3"]
    assert failed and all(c["verdict"] == UNMEASURED for c in failed)
    assert "simulated failure" in failed[0]["measured"]
    assert any(c["study"] == "figA1" and c["verdict"] != UNMEASURED for c in claims)
    assert page.exists()


def test_replicate_rejects_unknown_studies(tmp_path):
    """An unknown study name is a ValueError before anything runs or is written."""
    with pytest.raises(ValueError, match="unknown studies"):
        replicate("tiny", tmp_path / "r", studies=["fig2", "fig99"])
    assert not (tmp_path / "r").exists()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_report_renders_in_chromium(report, tmp_path):
    """Headless Chromium loads the page and every embedded figure decodes (naturalWidth > 0)."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", report.as_uri()], capture_output=True,
                         text=True, timeout=120).stdout
    n = len(RUN)
    assert f'data-images-rendered="{n}/{n}"' in dom
