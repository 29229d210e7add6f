"""``neurogen replicate``: run every study and write one self-contained HTML report with a claims table.

The report only loops: each study (:data:`neurogen.studies.STUDIES`) is run by
:func:`~neurogen.studies.run_study`, its claims (:class:`~neurogen.studies.claims.Claim`) are
collected, and the page shows the claims table (with the subjects and pixel-swap reading of each
claim), every figure (base64 PNG) beside the paper's caption, and the run's provenance.
"""

from __future__ import annotations

import base64
import html
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import torch
import xarray as xr

from neurogen._version import __version__
from neurogen._files import atomic_path
from neurogen.studies import STUDIES, StudyResult, run_study
from neurogen.studies._common import context, get_profile, save_json
from neurogen.studies.claims import UNMEASURED, Claim

__all__ = ["replicate", "render_html", "Claim"]


def _versions() -> dict[str, str]:
    import netCDF4
    import numpy

    return {"python": platform.python_version(), "neurogen": __version__, "numpy": numpy.__version__,
            "xarray": xr.__version__, "torch": torch.__version__, "netCDF4": netCDF4.__version__}


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{path.stem}" src="data:image/png;base64,{data}">'


def _anchor(name: str) -> str:
    return f"study-{name}"


def render_html(results: dict[str, StudyResult | str], claims: list[Claim], provenance: dict[str, Any],
                out: Path, profile: str = "quick") -> str:
    """The report page as a string (figures embedded, a table of contents, one anchor per study).

    ``results`` maps a study's name to its :class:`StudyResult`, or to an error message when it failed.
    """
    rows = "".join(
        f"<tr class='{c.verdict.replace(' ', '-')}'><td><a href='#{_anchor(c.study)}'>{html.escape(c.study)}</a></td>"
        f"<td>{html.escape(c.claim)}</td><td>{html.escape(c.paper)}</td><td>{html.escape(c.measured)}</td>"
        f"<td><b>{c.verdict}</b></td><td class='{html.escape(c.fragile)}'>{html.escape(c.fragile)}"
        f"<br><small>{html.escape(c.robustness)}</small></td>"
        f"<td>{html.escape(c.subjects)}</td><td>{html.escape(c.reading)}</td>"
        f"<td class='rule'>{html.escape(c.rule)}</td></tr>" for c in claims)
    toc = "".join(f"<li><a href='#{_anchor(n)}'>{html.escape(n)}</a></li>" for n in results)
    figs = []
    for name, r in results.items():
        png = out / f"{name}.png"
        if isinstance(r, StudyResult) and png.exists():
            body = _img(png)
        else:
            body = f"<p>not produced: {html.escape(str(r))}</p>"
        caption = html.escape(getattr(STUDIES.get(name), "CAPTION", ""))
        secs = f" ({r.seconds:.0f} s)" if isinstance(r, StudyResult) else ""
        figs.append(f"<section id='{_anchor(name)}'><h2>{html.escape(name)}{secs}</h2><figure>{body}"
                    f"<figcaption><b>Paper:</b> {caption}</figcaption></figure></section>")
    prov = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{_prov_cell(v)}</td></tr>"
                   for k, v in provenance.items())
    failed = {n: r for n, r in results.items() if not isinstance(r, StudyResult)}
    failed_banner = ("<div class='banner failed' id='failed'><b>" + f"{len(failed)} of {len(results)} studies failed"
                     + ":</b><ul>" + "".join(f"<li><a href='#{_anchor(n)}'>{html.escape(n)}</a>: "
                                           f"{html.escape(str(r))}</li>" for n, r in failed.items())
                     + "</ul></div>") if failed else ""
    banner = ("<p class='banner'>This is a <b>tiny</b> report: its sizes are a smoke test of the code, and "
              "its verdicts mean nothing about the paper.</p>") if profile == "tiny" else ""
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>neurogen replication report</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:2em auto;}} table{{border-collapse:collapse;}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left;}} img{{max-width:100%;}}
tr.holds td:nth-child(5){{color:#176317}} tr.does-not-hold td:nth-child(5){{color:#a31515}}
tr.holds-for-some-subjects td:nth-child(5){{color:#a36a15}} td.fragile{{color:#a31515;font-weight:bold}}
.banner{{background:#fff3cd;border:2px solid #d39e00;padding:1em;font-size:120%}}
.failed{{background:#f8d7da;border-color:#a31515}}
td.rule{{color:#555;font-size:90%}} figcaption{{color:#333;margin:.5em 0 2em}}</style></head><body>
<h1>neurogen: replication of Nagano, Karakida &amp; Okada (2017)</h1>{failed_banner}{banner}
<p>Every number below was measured by this run; verdicts are computed by code from the rule shown.</p>
<nav><h2>Contents</h2><ol><li><a href="#claims">Claims</a></li>{toc}<li><a href="#provenance">Provenance</a></li></ol></nav>
<h2 id="claims">Claims</h2>
<p>Verdict rules: no fixed margin decides. A distance curve approaches the concept when d(0) &minus; d_min exceeds
z = 1.645 combined standard errors (a one-sided 5 % test over trials), and moves away when d(T) &minus; d_min does.
<b>fragile</b>: the verdict changes in more than 10 % of 200 bootstrap resamples of the trials, or when any
free parameter of its rule is halved or doubled.</p>
<table><tr><th>study</th><th>claim</th><th>paper</th><th>measured</th><th>verdict</th><th>fragile</th>
<th>subjects</th><th>pixel-swap reading</th><th>rule</th></tr>
{rows}</table>{''.join(figs)}<h2 id="provenance">Provenance</h2><table>{prov}</table>
<script>window.addEventListener("load", () => {{ const imgs = [...document.images];
document.body.dataset.imagesRendered = imgs.filter(i => i.complete && i.naturalWidth > 0).length + "/" + imgs.length; }});</script>
</body></html>"""


def _prov_cell(v: Any) -> str:
    if isinstance(v, dict) and "href" in v:
        return f"<a href='{html.escape(v['href'])}'>{html.escape(v.get('text', v['href']))}</a>"
    return html.escape(v if isinstance(v, str) else json.dumps(v, default=str))


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


def replicate(profile: str = "quick", out: str | os.PathLike = "report", device: str = "auto",
              studies: list[str] | None = None, data: Any = None, *, quiet: bool = False) -> Path:
    """Run every study (or those named in ``studies``), compute the claims, write ``out/index.html``.

    Each study writes ``NAME.nc`` (its dataset), ``NAME.png`` and ``NAME.pdf`` into ``out``;
    ``results.json`` holds the claims, per-study times and the provenance. One line per study goes
    to stderr as it starts and ends (``[3/11] fig4 … 41 s``) unless ``quiet``.

    A study that fails is reported (its claims become "not measured") and the others still run.
    Returns the page's path.
    """
    p = get_profile(profile)
    names = list(studies) if studies else list(STUDIES)
    unknown = sorted(set(names) - set(STUDIES))
    if unknown:
        msg = f"unknown studies {unknown}; choose from {list(STUDIES)}."
        raise ValueError(msg)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    _say(quiet, f"replicate: profile {p.name!r}, {len(names)} studies, writing to {out}")
    ctx = context(p, device, data)
    results: dict[str, StudyResult | str] = {}
    claims: list[Claim] = []
    for k, name in enumerate(names, 1):
        _say(quiet, f"[{k}/{len(names)}] {name} …")
        t = time.perf_counter()
        try:
            r = run_study(name, p, out, device, data=data, quiet=quiet)
            results[name] = r
            claims.extend(r.claims)
            _say(quiet, f"[{k}/{len(names)}] {name} … {time.perf_counter() - t:.0f} s")
        except Exception as err:  # keep going: a failed study is reported, not fatal
            results[name] = f"{type(err).__name__}: {err}"
            claims.append(Claim(name, "the study's claims", "—", f"— ({results[name]})", UNMEASURED))
            _say(quiet, f"[{k}/{len(names)}] {name} … failed after {time.perf_counter() - t:.0f} s: {results[name]}")
    net = ctx.network
    training = net.provenance.get("training", net.provenance)
    log = training.get("log") or net.provenance.get("log")
    log_link: Any = "—"
    if log:
        save_json(log, out, "training_log")
        log_link = {"href": "training_log.json", "text": f"training_log.json ({len(log)} epochs)"}
    provenance = {
        "command": " ".join(sys.argv),
        "profile": p.describe(),
        "network": repr(net), "network sha256": net.sha256,
        "training": {k: v for k, v in training.items() if k != "log"},
        "training log": log_link,
        "data": f"{ctx.train.name} ({len(ctx.train)} images), sha256 {ctx.train.sha256}",
        "seed": p.seed, **_versions(),
        "machine": f"{platform.machine()} {platform.processor()} {os.cpu_count()} cpus, device {net.device}",
        "study times (s)": {n: r.seconds for n, r in results.items() if isinstance(r, StudyResult)},
        "total time (s)": round(time.perf_counter() - t0, 1),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    summary = {n: ({"seconds": r.seconds, "files": [str(f) for f in r.files]} if isinstance(r, StudyResult)
                   else {"error": r}) for n, r in results.items()}
    save_json({"studies": summary, "claims": [attrs.asdict(c) for c in claims], "provenance": provenance},
              out, "results")
    page = out / "index.html"
    with atomic_path(page) as tmp:
        Path(tmp).write_text(render_html(results, claims, provenance, out, p.name), encoding="utf-8")
    _say(quiet, f"replicate: {len(claims)} claims in {time.perf_counter() - t0:.0f} s; report at {page}")
    return page
