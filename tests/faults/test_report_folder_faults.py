"""The report folder is written whole (issue 28): an interrupted replicate leaves the old report as it
was, a folder of other files is refused before any work, and the report's HTML takes no live link from
a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurogen._files import Terminated
from neurogen.studies import report


def _old_report(folder: Path) -> dict[str, bytes]:
    folder.mkdir()
    files = {"index.html": b"<html>old</html>", "results.json": b"{}", "fig1.png": b"old png", "fig1.nc": b"old"}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return files


class _Ctx:
    network = None
    train = None


@pytest.mark.parametrize("stop", [Terminated, KeyboardInterrupt])
def test_interrupted_replicate_leaves_the_old_report_whole(tmp_path, monkeypatch, stop):
    """SIGTERM (or Ctrl-C) in the middle of a study: the old report is left as it was (item 3)."""
    out = tmp_path / "report"
    old = _old_report(out)

    def study(name, profile, stage, device, *, data=None, quiet=False):
        (Path(stage) / f"{name}.png").write_bytes(b"new png")  # half of a new report, when the signal comes
        raise stop("SIGTERM") if stop is Terminated else stop()

    monkeypatch.setattr(report, "run_study", study)
    monkeypatch.setattr(report, "context", lambda *a, **k: _Ctx())
    with pytest.raises(stop):
        report.replicate("tiny", out, "cpu", ["fig1"], quiet=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == old
    assert [p.name for p in tmp_path.iterdir()] == ["report"]  # no staging folder left behind


def test_a_folder_of_other_files_is_refused_before_any_work(tmp_path, monkeypatch):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    called = []
    monkeypatch.setattr(report, "context", lambda *a, **k: called.append(1))
    with pytest.raises(FileExistsError):
        report.replicate("tiny", out, "cpu", ["fig1"], quiet=True)
    assert not called and (out / "thesis.tex").read_text() == "precious"


@pytest.mark.parametrize("href", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,x", "vbscript:x",
                                  "java\tscript:alert(1)"])
def test_no_live_link_but_http_and_relative(href):
    """A value read from a file never becomes a live link unless it is http(s) or relative (item 9)."""
    assert report.safe_href(href) is None
    assert report.safe_href("https://arxiv.org/abs/1712.04195") and report.safe_href("fig1.png")


def test_published_values_drop_host_home_and_absolute_paths(tmp_path):
    """What the report publishes names no host, home folder or absolute path of the run (item 11)."""
    import socket

    home, host = str(Path.home()), socket.gethostname()
    out = tmp_path / "report"
    obj = {"command": f"{home}/venv/bin/neurogen replicate --out {out}", "machine": f"{host} x86_64",
           "files": [str(out / "fig1.png")]}
    clean = report.redact(obj, out)
    text = repr(clean)
    assert home not in text and str(out) not in text and (not host or host not in text)
    assert clean["files"] == ["fig1.png"]
    assert report.typed_command(["/opt/venv/bin/neurogen", "replicate", "--out", str(out)], out) == \
        "neurogen replicate --out ."
