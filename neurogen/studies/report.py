"""``neurogen replicate``: run every study and write one self-contained HTML report with a claims table.

Each claim of the paper is a :class:`Claim`: the figure it comes from, the paper's value, the value
measured now and a verdict computed by code (``holds`` / ``does not hold`` / ``not measured``).
The page embeds every figure (base64 PNG) beside the paper's caption and states the run's
provenance.
"""

from __future__ import annotations

import base64
import html
import importlib
import json
import os
import platform
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import torch

from neurogen._version import __version__
from neurogen._files import atomic_path
from neurogen.studies import STUDIES, run_study
from neurogen.studies._common import context, get_profile, save_json

__all__ = ["Claim", "claims_from", "replicate", "render_html"]

HOLDS, FAILS, UNMEASURED = "holds", "does not hold", "not measured"


@attrs.frozen
class Claim:
    """One claim of the paper checked against this run."""

    figure: str
    claim: str
    paper: str
    measured: str
    verdict: str
    rule: str = ""


def _verdict(ok: bool | None) -> str:
    return UNMEASURED if ok is None else (HOLDS if ok else FAILS)


def _claim(results: dict[str, Any], fig: str, text: str, paper: str, rule: str,
           measure: Callable[[dict[str, Any]], tuple[str, bool]]) -> Claim:
    r = results.get(fig)
    if not isinstance(r, dict) or "error" in r:
        why = r.get("error", "study not run") if isinstance(r, dict) else "study not run"
        return Claim(fig, text, paper, f"— ({why})", UNMEASURED, rule)
    measured, ok = measure(r)
    return Claim(fig, text, paper, measured, _verdict(ok), rule)


def _stages_text(r: dict[str, Any]) -> tuple[str, bool]:
    b = ", ".join(f"{v:.3f}" for v in r["boundaries"]) or "none"
    present = r["present"]
    ok = r["in_order"] and present == ["I", "II", "III"]
    return f"stages {' → '.join(present)}; in order: {r['in_order']}; boundaries at p = {b}", ok


def claims_from(results: dict[str, Any]) -> list[Claim]:
    """The claims table, computed from the studies' returned numbers."""
    cl = [
        _claim(results, "fig1", "Inference approaches the concept image in data space before settling "
               "(distance of x(t) to E_p[x|ξ̄6] dips)", "qualitative (Fig. 1)",
               "mean data-space distance over trials has a dip (returns_to_concept)",
               lambda r: (f"d(0) = {r['data_distance_t0']:.2f}, min {r['data_distance_min']:.2f} at t = "
                          f"{r['data_distance_t_min']}, d(T) = {r['data_distance_final']:.2f}; {r['outcome']}",
                          r["dip"])),
        _claim(results, "fig2", "Trajectories first approach the concept, then move away (each label)",
               "10 of 10 labels", "a dip in the mean distance-to-concept curve for all 10 labels",
               lambda r: (f"{r['n_dip']} of {r['n_labels']} labels (outcomes: "
                          f"{', '.join(f'{lab}:{o}' for lab, o in zip(r['labels'], r['outcome']))})",
                          r["n_dip"] == r["n_labels"])),
        _claim(results, "fig3", "Active latent units (variance > 1 % of the largest)", "14 of 100",
               "within 7–21 (half to 1.5× the paper's 14)",
               lambda r: (f"{r['active_units']} of {r['n_units']}", 7 <= r["active_units"] <= 21)),
        _claim(results, "fig3", "Principal components explaining all the variance", "14",
               "components for 99 % within 7–21",
               lambda r: (f"{r['components_99']} (99 %)", 7 <= r["components_99"] <= 21)),
        _claim(results, "fig3", "Principal components explaining 70 % of the variance", "9",
               "within 5–13", lambda r: (f"{r['components_70']}", 5 <= r["components_70"] <= 13)),
        _claim(results, "fig3", "Concepts of different labels are nearly orthogonal",
               "off-diagonal cosine ≈ 0", "mean |off-diagonal cosine| < 0.2",
               lambda r: (f"mean |C_ij| = {r['off_diagonal_abs_mean']:.3f}", r["off_diagonal_abs_mean"] < 0.2)),
    ]
    for mode in ("invert", "permute"):
        cl.append(_claim(results, "fig4", f"Stage order memory → concept → abstract as p grows ({mode})",
                         "I → II → III", "all three stages present, never going back",
                         lambda r, m=mode: _stages_text(r[m]) if m in r else ("—", None)))
    cl.append(_claim(results, "figA1", "Latent space shows the 10 label clusters (PCA)", "qualitative (Fig. A.1)",
                     "between-label share of the 2-D embedding's variance > 0.5",
                     lambda r: (f"between-label variance share {r['separation_all']:.2f} (all), "
                                f"{r['separation_three']:.2f} (three labels)", r["separation_all"] > 0.5)))
    cl = [c for c in cl if c.figure in results]  # the built-in claims of the studies that ran
    for name in results:
        mod = importlib.import_module(f"neurogen.studies.{STUDIES[name]}") if name in STUDIES else None
        extra = getattr(mod, "claims", None)
        r = results[name]
        if extra is not None and isinstance(r, dict) and "error" in r:
            cl.append(Claim(name, "the study's claims", "—", f"— ({r['error']})", UNMEASURED))
        elif extra is not None:
            cl.extend(extra(r))
    return cl


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{path.stem}" src="data:image/png;base64,{data}">'


def render_html(results: dict[str, Any], claims: list[Claim], provenance: dict[str, Any], out: Path) -> str:
    """The report page as a string (figures embedded)."""
    rows = "".join(
        f"<tr class='{c.verdict.replace(' ', '-')}'><td>{html.escape(c.figure)}</td><td>{html.escape(c.claim)}</td>"
        f"<td>{html.escape(c.paper)}</td><td>{html.escape(c.measured)}</td><td><b>{c.verdict}</b></td>"
        f"<td class='rule'>{html.escape(c.rule)}</td></tr>" for c in claims)
    figs = []
    for name in results:
        mod = importlib.import_module(f"neurogen.studies.{STUDIES[name]}")
        png = out / f"{name}.png"
        body = _img(png) if png.exists() else f"<p>not produced: {html.escape(str(results[name].get('error')))}</p>"
        figs.append(f"<section><h2>{name}</h2><figure>{body}<figcaption><b>Paper:</b> "
                    f"{html.escape(getattr(mod, 'CAPTION', ''))}</figcaption></figure></section>")
    prov = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in provenance.items())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>neurogen replication report</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:2em auto;}} table{{border-collapse:collapse;}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left;}} img{{max-width:100%;}}
tr.holds td:nth-child(5){{color:#176317}} tr.does-not-hold td:nth-child(5){{color:#a31515}}
td.rule{{color:#555;font-size:90%}} figcaption{{color:#333;margin:.5em 0 2em}}</style></head><body>
<h1>neurogen: replication of Nagano, Karakida &amp; Okada (2017)</h1>
<p>Every number below was measured by this run; verdicts are computed by code from the rule shown.</p>
<h2>Claims</h2><table><tr><th>figure</th><th>claim</th><th>paper</th><th>measured</th><th>verdict</th><th>rule</th></tr>
{rows}</table>{''.join(figs)}<h2>Provenance</h2><table>{prov}</table>
<script>window.addEventListener("load", () => {{ const imgs = [...document.images];
document.body.dataset.imagesRendered = imgs.filter(i => i.complete && i.naturalWidth > 0).length + "/" + imgs.length; }});</script>
</body></html>"""


def replicate(profile: str = "quick", out: str | os.PathLike = "report", device: str = "auto",
              studies: list[str] | None = None, data: Any = None) -> Path:
    """Run every study (or those named in ``studies``), compute the claims, write ``out/index.html``.

    Returns the page's path. Measured on the 2-core CPU: the ``quick`` profile takes about 11
    minutes (5 for the studies on the default subject, 6.5 for fig6 and fig7, which train a
    network per grid point).

    A study that fails is reported (its claims become "not measured") and the others still run.
    """
    p = get_profile(profile)
    unknown = sorted(set(studies or ()) - set(STUDIES))
    if unknown:
        msg = f"unknown studies {unknown}; choose from {sorted(STUDIES)}."
        raise ValueError(msg)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ctx = context(p, device, data)
    results: dict[str, Any] = {}
    timings: dict[str, float] = {}
    for name in studies or list(STUDIES):
        t = time.perf_counter()
        try:
            kwargs = {"data": data} if data is not None else {}
            results[name] = run_study(name, p, out, device, **kwargs)
        except Exception as err:  # keep going: a failed study is reported, not fatal
            results[name] = {"error": f"{type(err).__name__}: {err}"}
        timings[name] = round(time.perf_counter() - t, 1)
    claims = claims_from(results)
    net = ctx.network
    provenance = {
        "profile": p.describe(),
        "subject": "shipped default subject (Network.default())" if p.subject == "default"
        else "retrained from scratch for this report",
        "network": repr(net), "network sha256": net.sha256,
        "training": json.dumps({k: v for k, v in net.provenance.get("training", net.provenance).items()
                                if k != "log"}, default=str)[:600],
        "data": f"{ctx.train.name} ({len(ctx.train)} images), sha256 {ctx.train.sha256}",
        "seed": p.seed, "neurogen": __version__, "torch": torch.__version__,
        "machine": f"{platform.machine()} {platform.processor()} {os.cpu_count()} cpus, device {net.device}",
        "study times (s)": json.dumps(timings), "total time (s)": round(time.perf_counter() - t0, 1),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    save_json({"results": results, "claims": [attrs.asdict(c) for c in claims], "provenance": provenance},
              out, "results")
    page = out / "index.html"
    with atomic_path(page) as tmp:
        Path(tmp).write_text(render_html(results, claims, provenance, out), encoding="utf-8")
    return page
