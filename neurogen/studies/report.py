"""``neurogen replicate``: run every study and write one self-contained HTML report with a claims table.

The report only loops: each study (:data:`neurogen.studies.STUDIES`) is run by
:func:`~neurogen.studies.run_study`, its claims (:class:`~neurogen.studies.claims.Claim`) are
collected, and the page shows the claims table (with the subjects, pixel-swap reading, robustness
and rule of each claim), every figure (base64 PNG, linked to its PNG, PDF and data files) beside
the paper's caption, and the run's provenance.

What the report publishes: every value read from a file (a checkpoint's training metadata, a zoo
subject's JSON, a study's text) is HTML-escaped, and only the report's own links are links (to
http(s) or relative addresses; anything else, ``javascript:`` included, is shown as text). The
command is recorded as typed, with paths relative to the report's folder; the host name and the
home folder are dropped from the provenance and from ``results.json`` (``redact=False`` keeps them).
"""

from __future__ import annotations

import base64
import html
import json
import os
import platform
import re
import shlex
import socket
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import torch
import xarray as xr

from neurogen._version import __version__
from neurogen._files import atomic_dir, atomic_path
from neurogen.studies import STUDIES, StudyResult, run_study
from neurogen.studies._common import context, get_profile, save_json
from neurogen.studies.claims import UNMEASURED, Claim

__all__ = ["replicate", "render_html", "safe_href", "typed_command", "redact", "Claim", "PAGE_WIDTH_IN",
           "PAGE_WIDTH_PX"]


def _versions() -> dict[str, str]:
    import netCDF4
    import numpy

    return {"python": platform.python_version(), "neurogen": __version__, "numpy": numpy.__version__,
            "xarray": xr.__version__, "torch": torch.__version__, "netCDF4": netCDF4.__version__}


#: Page width of the report in CSS pixels (``body{max-width}``). Studies draw their figures for it
#: (about :data:`PAGE_WIDTH_IN` wide, with fonts of at least 9 pt as shown; tests/studies/test_figure_sizes.py).
PAGE_WIDTH_PX = 1200
#: The page width in inches at a browser's 96 px per inch: a figure this wide shows at its own size.
PAGE_WIDTH_IN = PAGE_WIDTH_PX / 96

_SAFE_SCHEMES = ("http", "https")
# what a browser ignores inside a URL before reading its scheme (WHATWG URL: C0 controls, space, tab, newline)
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")


@attrs.frozen
class _Link:
    """A link the report itself makes (to one of its own files); nothing read from a file becomes one."""

    href: str
    text: str

    def as_json(self) -> dict[str, str]:
        return {"href": self.href, "text": self.text}


def safe_href(url: str) -> str | None:
    """``url`` if it is an http(s) or a relative address, else ``None`` (``javascript:``, ``data:``, ...).

    Examples
    --------
    >>> safe_href("training_log.json"), safe_href("https://arxiv.org/abs/1712.04195")
    ('training_log.json', 'https://arxiv.org/abs/1712.04195')
    >>> safe_href(" Java\tScript:alert(1)") is None
    True
    """
    cleaned = _URL_IGNORED.sub("", str(url))
    scheme = re.match(r"([^/?#]*):", cleaned)
    if scheme and scheme.group(1).lower() not in _SAFE_SCHEMES:
        return None
    return str(url)


def _link(href: str, text: str) -> str:
    """An ``<a>`` for a safe address, else the text alone; both escaped."""
    safe = safe_href(href)
    if safe is None:
        return html.escape(f"{text} ({href})" if text != href else text)
    return f"<a href='{html.escape(safe, quote=True)}'>{html.escape(text)}</a>"


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _anchor(name: str) -> str:
    return f"study-{re.sub(r'[^A-Za-z0-9_-]', '_', name)}"


def _figure(name: str, out: Path) -> str:
    """The figure (embedded) linked to its PNG, with a line of links to its PNG, PDF and data files."""
    png = out / f"{name}.png"
    files = [f"{name}.{ext}" for ext in ("png", "pdf", "nc") if (out / f"{name}.{ext}").exists()]
    links = " · ".join(_link(f, f) for f in files)
    href = html.escape(safe_href(png.name) or "", quote=True)
    image = f"<a href='{href}' title='{href}: full size'>{_img(png)}</a>" if href else _img(png)
    return image + (f"<p class='files'>files: {links}</p>" if links else "")


def _claim_row(c: Claim) -> str:
    e = html.escape
    fragile = c.fragile or "—"
    return (f"<tr class='{e(c.verdict.replace(' ', '-'))}'><td class='study'><a href='#{_anchor(c.study)}'>"
            f"{e(c.study)}</a></td><td>{e(c.claim)}</td><td>{e(c.paper)}</td><td class='measured'>{e(c.measured)}</td>"
            f"<td class='verdict'><b>{e(c.verdict)}</b></td><td class='{e(c.fragile or 'none')}'>{e(fragile)}</td>"
            f"<td class='small'>{e(c.robustness or '—')}</td><td class='small'>{e(c.subjects)}</td>"
            f"<td>{e(c.reading)}</td><td class='rule small'>{e(c.rule)}</td></tr>")


#: The claims table's columns and their share of the page's width (%).
_COLUMNS = (("study", 6), ("claim", 13), ("paper", 8), ("measured", 22), ("verdict", 7), ("fragile", 6),
            ("robustness", 11), ("subjects", 10), ("pixel-swap reading", 6), ("rule", 11))


def render_html(results: dict[str, StudyResult | str], claims: list[Claim], provenance: dict[str, Any],
                out: Path, profile: str = "quick") -> str:
    """The report page as a string (figures embedded, a table of contents, one anchor per study).

    ``results`` maps a study's name to its :class:`StudyResult`, or to an error message when it failed.
    Every value is shown as escaped text; only a ``_Link`` (the report's own files) in ``provenance``
    becomes a link, and only to an http(s) or relative address (:func:`safe_href`).
    """
    out = Path(out)
    rows = "".join(_claim_row(c) for c in claims)
    toc = "".join(f"<li><a href='#{_anchor(n)}'>{html.escape(n)}</a></li>" for n in results)
    figs = []
    for name, r in results.items():
        if isinstance(r, StudyResult) and (out / f"{name}.png").exists():
            body = _figure(name, out)
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
    cols = "".join(f"<col style='width:{w}%'>" for _, w in _COLUMNS)
    head = "".join(f"<th>{html.escape(n)}</th>" for n, _ in _COLUMNS)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>neurogen replication report</title>
<style>body{{font-family:sans-serif;max-width:{PAGE_WIDTH_PX}px;margin:2em auto;padding:0 1em;line-height:1.35}}
table{{border-collapse:collapse;}} td,th{{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left;}}
img{{max-width:100%;display:block}} table.claims{{table-layout:fixed;width:100%;font-size:13px}}
table.claims td{{overflow-wrap:anywhere}} table.claims th{{position:sticky;top:0;background:#f4f4f4}}
td.verdict{{white-space:normal}} tr.holds td.verdict{{color:#176317}} tr.does-not-hold td.verdict{{color:#a31515}}
tr.holds-for-some-subjects td.verdict{{color:#a36a15}} tr.not-measured td.verdict{{color:#555}}
td.fragile{{color:#a31515;font-weight:bold}} td.robust{{color:#176317}} td.small{{font-size:12px;color:#333}}
.banner{{background:#fff3cd;border:2px solid #d39e00;padding:1em;font-size:120%}}
.failed{{background:#f8d7da;border-color:#a31515}} p.files{{margin:.3em 0;font-size:90%}}
td.rule{{color:#555}} figure{{margin:0}} figcaption{{color:#333;margin:.5em 0 2em}}</style></head><body>
<h1>neurogen: replication of Nagano, Karakida &amp; Okada (2017)</h1>{failed_banner}{banner}
<p>Every number below was measured by this run; verdicts are computed by code from the rule shown.</p>
<nav><h2>Contents</h2><ol><li><a href="#claims">Claims</a></li>{toc}<li><a href="#provenance">Provenance</a></li></ol></nav>
<h2 id="claims">Claims</h2>
<p>Verdict rules: no fixed margin decides. A distance curve approaches the concept when d(0) &minus; d_min exceeds
z = 1.645 combined standard errors (a one-sided 5 % test over trials), and moves away when d(T) &minus; d_min does.
<b>fragile</b>: the verdict changes in more than 10 % of 200 bootstrap resamples of the trials, or when any
free parameter of its rule is halved or doubled; <b>robustness</b> says what was measured.</p>
<table class='claims'><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>
{rows}</tbody></table>{''.join(figs)}<h2 id="provenance">Provenance</h2><table>{prov}</table>
<script>window.addEventListener("load", () => {{ const imgs = [...document.images];
document.body.dataset.imagesRendered = imgs.filter(i => i.complete && i.naturalWidth > 0).length + "/" + imgs.length; }});</script>
</body></html>"""


def _prov_cell(v: Any) -> str:
    """A provenance value as escaped text; only the report's own ``_Link`` becomes a link."""
    if isinstance(v, _Link):
        return _link(v.href, v.text)
    return html.escape(v if isinstance(v, str) else json.dumps(v, default=str))


def typed_command(argv: Sequence[str], out: str | os.PathLike) -> str:
    """The command line as typed (``neurogen replicate ...``), with paths relative to ``out``.

    The program is named by its base name (``neurogen``, not ``/home/me/.venv/bin/neurogen``); an
    argument naming an existing path, an absolute path or the value of ``--out`` is rewritten relative
    to ``out``, so the report's own folder is ``.``.

    Examples
    --------
    >>> typed_command(["/opt/venv/bin/neurogen", "replicate", "--out", "/tmp/r", "--profile", "tiny"], "/tmp/r")
    'neurogen replicate --out . --profile tiny'
    """
    argv = [str(a) for a in argv]
    if not argv:
        return ""
    root = Path(out).resolve()
    prog = Path(argv[0]).name
    words = ["python -m neurogen" if prog == "__main__.py" else prog]
    after_out = False
    for a in argv[1:]:
        flag, eq, value = a.partition("=")
        if eq and flag == "--out":
            words.append(f"--out={shlex.quote(_relative(value, root))}")
        elif after_out or (not a.startswith("-") and (os.path.isabs(a) or (os.sep in a and os.path.exists(a)))):
            words.append(shlex.quote(_relative(a, root)))
        else:
            words.append(shlex.quote(a))
        after_out = a == "--out"
    return " ".join(words)


def _relative(path: str, root: Path) -> str:
    return os.path.relpath(Path(path).resolve(), root)


def redact(obj: Any, out: str | os.PathLike) -> Any:
    """``obj`` (nested dicts, lists, strings) with the report's folder as ``.``, the home folder as ``~``
    and this machine's host name as ``<host>``."""
    root = str(Path(out).resolve())
    home = str(Path.home())
    host = socket.gethostname()
    host_re = re.compile(rf"(?<![\w.-]){re.escape(host)}(?![\w-])") if host else None
    end = r"(?=$|[\s'\",;)\]}])"  # a path ends at the end of the text, a space, a quote or punctuation

    def clean(v: Any) -> Any:
        if isinstance(v, str):
            v = re.sub(rf"{re.escape(root + os.sep)}(?=\S)", "", v)
            v = re.sub(re.escape(root) + end, ".", v)
            if home and home != os.sep:
                v = re.sub(rf"{re.escape(home)}(?={re.escape(os.sep)})|{re.escape(home)}{end}", "~", v)
            return host_re.sub("<host>", v) if host_re else v
        if isinstance(v, dict):
            return {clean(k): clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if isinstance(v, _Link):
            return _Link(clean(v.href), clean(v.text))
        return v

    return clean(obj)


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


def replicate(profile: str = "quick", out: str | os.PathLike = "report", device: str = "auto",
              studies: list[str] | None = None, data: Any = None, *, quiet: bool = False,
              command: Sequence[str] | None = None, redact_paths: bool = True) -> Path:
    """Run every study (or those named in ``studies``), compute the claims, write ``out/index.html``.

    Each study writes ``NAME.nc`` (its dataset), ``NAME.png`` and ``NAME.pdf`` into ``out``;
    ``results.json`` holds the claims, per-study times and the provenance. One line per study goes
    to stderr as it starts and ends (``[3/11] fig4 … 41 s``) unless ``quiet``.

    A study that fails is reported (its claims become "not measured"; the page opens with a banner
    naming it) and the others still run. The folder is written whole: everything goes into a staging
    folder beside ``out`` that replaces it in one rename at the end (:func:`neurogen._files.atomic_dir`),
    so an interrupted run (SIGTERM, Ctrl-C, a full disk) leaves the previous report as it was. A folder
    holding other files than a report's is refused before any work. A study named twice in ``studies`` runs once, in the order
    of its first mention. Returns the page's path.

    ``command`` is the command line recorded as provenance (default ``sys.argv``), written as typed
    with paths relative to ``out`` (:func:`typed_command`). With ``redact_paths`` (the default) the
    host name and the home folder are dropped from the page and ``results.json`` (:func:`redact`),
    and the files listed there are relative to ``out``.
    """
    p = get_profile(profile)
    names = list(dict.fromkeys(studies)) if studies else list(STUDIES)
    unknown = sorted(set(names) - set(STUDIES))
    if unknown:
        msg = f"unknown studies {unknown}; choose from {list(STUDIES)}."
        raise ValueError(msg)
    final = Path(out).resolve()
    with atomic_dir(final, replaceable=REPORT_FILES) as stage:  # the old report stays whole until the swap
        page = _replicate_into(stage, final, p, names, device, data, quiet=quiet, command=command,
                               redact_paths=redact_paths)
    return final / page.name


#: What a report folder holds: an older report (written before folders carried a marker) is replaced.
REPORT_FILES = ("index.html", "results.json", "training_log.json", "*.png", "*.pdf", "*.nc")


def _replicate_into(out: Path, final: Path, p: Any, names: list[str], device: str, data: Any, *, quiet: bool,
                    command: Sequence[str] | None, redact_paths: bool) -> Path:
    """:func:`replicate`'s work, written into the staging folder ``out`` (``final`` once swapped in)."""
    t0 = time.perf_counter()
    _say(quiet, f"replicate: profile {p.name!r}, {len(names)} studies, writing to {final}")
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
        log_link = _Link("training_log.json", f"training_log.json ({len(log)} epochs)")
    provenance = {
        "command": typed_command(sys.argv if command is None else command, final),
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
    summary = {n: ({"seconds": r.seconds, "files": [os.path.relpath(Path(f).resolve(), out.resolve())
                                                     for f in r.files]} if isinstance(r, StudyResult)
                   else {"error": r}) for n, r in results.items()}
    if redact_paths:
        provenance = redact(redact(provenance, out), final)  # the staging folder and the final one read "."
        summary = redact(redact(summary, out), final)
    as_json = {k: (v.as_json() if isinstance(v, _Link) else v) for k, v in provenance.items()}
    save_json({"studies": summary, "claims": [attrs.asdict(c) for c in claims], "provenance": as_json},
              out, "results")
    page = out / "index.html"
    with atomic_path(page) as tmp:
        Path(tmp).write_text(render_html(results, claims, provenance, out, p.name), encoding="utf-8")
    _say(quiet, f"replicate: {len(claims)} claims in {time.perf_counter() - t0:.0f} s; report at {final / page.name}")
    return page
