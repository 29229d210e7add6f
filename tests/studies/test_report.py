"""The report: one page, a claims table with subjects and readings, a contents list, progress lines."""

from __future__ import annotations

import functools
import json
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from neurogen.studies.claims import UNMEASURED, VERDICTS, Claim
from neurogen.studies.report import redact, render_html, replicate, safe_href

RUN = ["fig2", "fig3"]
#: what a checkpoint's training metadata could carry (issue 29): a live link and markup, if not escaped
EVIL = {"href": "javascript:alert(document.cookie)", "text": "<script>alert(1)</script>"}


@pytest.fixture(scope="module")
def report(digits_pair, tmp_path_factory):
    """One tiny replication of two studies (fig2 named twice), shared by the module's tests; the
    subject's training metadata carries a ``javascript:`` link and markup, and the command line is
    the one a user types, with an absolute --out."""
    from neurogen.studies._common import context

    out = tmp_path_factory.mktemp("report")
    net = context("tiny", "cpu", digits_pair).network
    argv = ["/home/someone/.venv/bin/neurogen", "replicate", "--profile", "tiny", "--studies", *RUN, "fig2",
            "--out", str(out)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(net, "metadata", {**net.metadata, "training": {**net.metadata.get("training", {}), **EVIL}})
        return replicate("tiny", out, device="cpu", data=digits_pair, studies=[*RUN, "fig2"], quiet=True,
                         command=argv)


def _without_images(text: str) -> str:
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)


def test_report_page(report):
    """The page embeds every figure, links each study from its contents, and shows the tiny banner."""
    html = report.read_text()
    assert html.count("data:image/png;base64,") == len(RUN)
    for name in RUN:
        assert f"id='study-{name}'" in html and f"href='#study-{name}'" in html
    assert "its verdicts mean nothing" in html
    for column in ("subjects", "pixel-swap reading", "fragile", "robustness", "rule"):
        assert f"<th>{column}</th>" in html, column


def test_report_runs_a_study_named_twice_once(report):
    """`--studies fig2 fig3 fig2` runs fig2 once and lists its claims once, in first-mention order (issue 29)."""
    results = json.loads((report.parent / "results.json").read_text())
    assert list(results["studies"]) == RUN
    keys = [(c["study"], c["claim"], c["reading"]) for c in results["claims"]]
    assert len(keys) == len(set(keys))
    assert [c["study"] for c in results["claims"]] == sorted((c["study"] for c in results["claims"]), key=RUN.index)


def test_report_links_each_figure_to_its_files(report):
    """Each figure is a link to its PNG, followed by links to its PNG, PDF and data file (issue 29)."""
    html = report.read_text()
    for name in RUN:
        assert re.search(rf"<a href='{name}.png'[^>]*><img alt=\"{name}\"", html), name
        for ext in ("png", "pdf", "nc"):
            assert f"<a href='{name}.{ext}'>{name}.{ext}</a>" in html
            assert (report.parent / f"{name}.{ext}").is_file()


def test_report_escapes_file_values_and_allows_only_safe_links(report):
    """A `javascript:` link and markup in a checkpoint's metadata arrive as escaped text, not as a
    link or a script; every href on the page is relative or http(s) (issue 29)."""
    html = _without_images(report.read_text())
    hrefs = re.findall(r"href=['\"]([^'\"]*)", html)
    assert hrefs and all(safe_href(h) == h for h in hrefs)
    assert not any("javascript" in h.lower() for h in hrefs)
    assert "<script>alert" not in html and html.count("<script>") == 1  # the report's own image check
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_render_html_escapes_every_value(tmp_path):
    """Claims, study names, errors and provenance are all escaped; a dict with an href is not a link."""
    bad = "<img src=x onerror=alert(1)>"
    claim = Claim("fig2", bad, bad, bad, "holds", rule=bad, subjects=bad, reading=bad, fragile=bad, robustness=bad)
    page = render_html({"fig2": f"RuntimeError: {bad}"}, [claim], {"training": EVIL, bad: bad}, tmp_path, "tiny")
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert all(safe_href(h) == h for h in re.findall(r"href=['\"]([^'\"]*)", page))


@pytest.mark.parametrize(("url", "safe"), [
    ("training_log.json", True), ("fig2.png", True), ("sub/dir/a:b.nc", True), ("#claims", True),
    ("https://arxiv.org/abs/1712.04195", True), ("HTTP://example.org", True),
    ("javascript:alert(1)", False), ("JavaScript:alert(1)", False), (" javascript:alert(1)", False),
    ("java\tscript:alert(1)", False), ("\x01javascript:alert(1)", False), ("data:text/html,<b>x</b>", False),
    ("vbscript:msgbox(1)", False), ("file:///etc/passwd", False),
])
def test_safe_href(url, safe):
    """Only http(s) and relative addresses are links, however the scheme is spelled."""
    assert (safe_href(url) is not None) is safe


def test_report_publishes_the_typed_command_without_local_paths(report):
    """The command is as typed, with paths relative to the report's folder; no absolute path of the
    report folder or of the home folder is in the page or results.json (issue 29)."""
    out = report.parent
    results = json.loads((out / "results.json").read_text())
    assert results["provenance"]["command"] == "neurogen replicate --profile tiny --studies fig2 fig3 fig2 --out ."
    for f in (report, out / "results.json"):
        text = _without_images(f.read_text())
        assert str(out.resolve()) not in text and str(Path.home()) + "/" not in text, f.name
    assert all(not Path(p).is_absolute() and (out / p).is_file()
               for s in results["studies"].values() for p in s["files"])


def test_redact_drops_host_and_home(tmp_path, monkeypatch):
    """`redact` writes the report folder as '.', the home folder as '~' and the host name as '<host>'."""
    monkeypatch.setattr(socket, "gethostname", lambda: "lab-pc-7")
    monkeypatch.setenv("HOME", "/home/ada")
    got = redact({"a": f"{tmp_path}/fig2.png", "b": ["/home/ada/mnist", "/home/adam"], "c": "trained on lab-pc-7"},
                 tmp_path)
    assert got == {"a": "fig2.png", "b": ["~/mnist", "/home/adam"], "c": "trained on <host>"}


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


def test_cli_replicate_exits_1_and_names_a_failed_study(digits_pair, tmp_path, monkeypatch, capsys):
    """`neurogen replicate` with a study that raises exits 1, says FAILED on stderr, and the page
    opens with a banner naming and linking the failed study (issue 29)."""
    import neurogen.studies.fig3 as fig3
    import neurogen.studies.report as report_module
    from neurogen.cli import main

    def boom(*a, **k):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(fig3, "measure", boom)
    monkeypatch.setattr(report_module, "replicate", functools.partial(report_module.replicate, data=digits_pair))
    code = main(["replicate", "--profile", "tiny", "--device", "cpu", "--studies", "figA1", "fig3",
                 "--out", str(tmp_path / "r"), "--quiet"])
    assert code == 1
    assert "FAILED fig3: RuntimeError: simulated failure" in capsys.readouterr().err
    html = (tmp_path / "r" / "index.html").read_text()
    banner = re.search(r"<div class='banner failed' id='failed'>(.*?)</div>", html, re.S)
    assert banner and "1 of 2 studies failed" in banner.group(1)
    assert "<a href='#study-fig3'>fig3</a>: RuntimeError: simulated failure" in banner.group(1)
    assert "figA1" not in banner.group(1)


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
