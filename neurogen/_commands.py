"""What each ``neurogen`` sub-command does once :mod:`neurogen.cli` has parsed it (private).

One function per command, ``cmd_<name>(args) -> exit status``. Each checks its options before
any work: :class:`Misuse` (printed with the usage line) for an option given wrongly (a value that
does not parse, options that contradict each other, an input path that does not exist, an
``--out`` that cannot be written or whose folder does not exist), then calls the library. Errors
found by the library are left to :func:`neurogen.cli.main`, which prints them as one line; the
messages name the option they come from. With ``--quiet`` a command prints nothing but errors
(and warnings).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["Misuse", "cmd_export", "cmd_concepts", "cmd_info", "cmd_record", "cmd_replicate", "cmd_study", "cmd_sweep",
           "cmd_train"]


class Misuse(Exception):
    """Bad command-line input found after parsing: printed with the usage line, exit status 2."""


def _progress(a: argparse.Namespace) -> bool | None:
    return False if a.quiet else None


def _say(a: argparse.Namespace, *lines: str) -> None:
    """Print results on stdout, unless ``--quiet`` (which prints nothing but errors)."""
    if not a.quiet:
        for line in lines:
            print(line)


@contextlib.contextmanager
def _option(flag: str) -> Iterator[None]:
    """A ``ValueError`` / ``TypeError`` parsing ``flag``'s value becomes :class:`Misuse` naming it."""
    try:
        yield
    except (ValueError, TypeError) as err:
        text = " ".join(str(err).split())
        raise Misuse(text if flag in text else f"{flag}: {text}") from None


def _existing(flag: str, value: str, *, folder: bool = False) -> None:
    """An input path given on the command line must exist (Misuse otherwise)."""
    path = Path(value)
    try:
        ok = path.is_dir() if folder else path.is_file()
        there = path.exists()
    except OSError:  # a name too long to look up
        ok = there = False
    if not ok:
        kind = "folder" if folder else "file"
        why = f"not a {kind}" if there else "no such " + kind
        raise Misuse(f"{flag} {value}: {why}.")


def _check_folder_exists(flag: str, out: str, folder: Path) -> None:
    """The folder an output goes into must exist: neurogen never creates folders above it."""
    try:
        exists, is_dir = folder.exists(), folder.is_dir()
    except OSError:  # a name too long to look up: check_output_path says so
        return
    if exists and not is_dir:
        msg = f"{flag} {out}: {folder} is a file, not a folder."
        raise Misuse(msg)
    if not exists:
        msg = f"{flag} {out}: the folder {folder} does not exist; create it first."
        raise Misuse(msg)


def _check_out(out: str, inputs: Iterable[str | Path | None] = (), *, new_folder: bool = False,
               flag: str = "--out") -> Path:
    """``--out FILE``: refused (Misuse) if it is a folder, unwritable, one of ``inputs``, or its
    folder does not exist (with ``new_folder``, the folder may be new but its parent must exist)."""
    from neurogen._files import check_output_path

    folder = Path(out).parent
    _check_folder_exists(flag, out if not new_folder else str(folder), folder.parent if new_folder else folder)
    try:
        return check_output_path(out, list(inputs), name=flag)
    except IsADirectoryError:
        msg = f"{flag} {out} is an existing folder; give a file name, e.g. {Path(out) / 'out.nc'}"
        raise Misuse(msg) from None
    except OSError as err:
        msg = f"{flag} {out}: {err.strerror or err}"
        raise Misuse(msg) from None
    except ValueError as err:
        raise Misuse(str(err)) from None


def _check_out_dir(out: str) -> Path:
    """``--out DIR``: refused (Misuse) if it is a file, cannot be created or written, or its
    parent folder does not exist (DIR itself is created if missing)."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        msg = f"--out {out} is a file; give a folder (it is created if missing)."
        raise Misuse(msg)
    try:
        _check_out(str(path / ".neurogen-write-check"), new_folder=True)
    except Misuse as err:
        raise Misuse(str(err).replace(f"{path / '.neurogen-write-check'}", str(out))) from None
    return path


def _data_inputs(source: str) -> list[Path]:
    folder = Path(source)
    return sorted(folder.iterdir()) if source != "embedded" and folder.is_dir() else []


def _check_inputs(a: argparse.Namespace) -> None:
    """``--model`` and ``--data`` paths exist (before any work)."""
    if getattr(a, "model", "default") != "default":
        _existing("--model", a.model)
    if getattr(a, "data", "embedded") != "embedded":
        _existing("--data", a.data, folder=True)


def _named(flag: str, value: str, err: Exception) -> ValueError:
    """A library's error about the input of ``flag`` as one line that names the option."""
    text = " ".join(str(err.args[0] if isinstance(err, KeyError) and err.args else err).split())
    return ValueError(f"{flag} {text}" if text.startswith(str(value)) else f"{flag} {value}: {text}")


def _data(source: str, split: str) -> Any:
    from neurogen.data import load_mnist

    if source == "embedded":
        return load_mnist(split, source="embedded")
    try:
        return load_mnist(split, source="idx", path=source)
    except ValueError as err:
        raise _named("--data", source, err) from err


def _network(model: str, device: str | None = None) -> Any:
    from neurogen.network import Network

    kw = {} if device is None else {"device": device}
    if model == "default":
        return Network.default(**kw)
    try:
        return Network.load(model, **kw)
    except ValueError as err:
        raise _named("--model", model, err) from err


def cmd_train(a: argparse.Namespace) -> int:
    from neurogen.network import Network, NetworkConfig
    from neurogen.training import check_arguments, train

    ckdir = Path(a.checkpoints) if a.checkpoints else Path(a.out).with_name(Path(a.out).stem + "-checkpoints")
    try:  # the checkpoint folder (OUT-checkpoints, created if missing) and its last.pt must be writable too
        _check_out(str(ckdir / "last.pt"), new_folder=True)
    except Misuse as err:
        flag = "--checkpoints" if a.checkpoints else "--out (its checkpoint folder)"
        raise Misuse(str(err).replace("--out", flag, 1)) from None
    out = _check_out(a.out, [*_data_inputs(a.data), ckdir / "last.pt"])
    if ckdir.exists() and not ckdir.is_dir():
        msg = f"--checkpoints {ckdir} is a file; give a folder."
        raise Misuse(msg)
    _check_inputs(a)
    config = NetworkConfig(n_latent=a.latent, n_hidden=a.hidden)
    with _option("--keep"):  # before any data is loaded
        try:
            check_arguments(a.epochs, a.batch_size, tuple(a.keep or ()))
        except ValueError:
            bad = [k for k in a.keep or () if not 1 <= k <= a.epochs]
            msg = (f"--keep {' '.join(map(str, bad))}: kept epochs must lie in [1, {a.epochs}] "
                   f"(--epochs {a.epochs}).")
            raise ValueError(msg) from None
    tr, te = _data(a.data, "train"), _data(a.data, "test")
    if a.limit:
        if a.limit > len(tr):  # what the data holds: one line naming the option
            msg = f"--limit {a.limit}: the training data holds only {len(tr):,} images."
            raise ValueError(msg)
        tr = tr.select(n=a.limit, seed=a.seed)
    net = Network(config, seed=a.seed)
    extra = {"force": True} if a.force else {}
    t0 = time.perf_counter()
    log = train(net, tr, a.epochs, batch_size=a.batch_size, seed=a.seed, test_data=te, checkpoint_dir=ckdir,
                resume=a.resume, keep=tuple(a.keep or ()), device=a.device, progress=_progress(a), **extra)
    wall = time.perf_counter() - t0
    net.save(out, command=" ".join(["neurogen", *a.argv]), wall_seconds=wall)
    _say(a, f"trained {net!r} for {a.epochs} epochs in {wall:.0f} s",
         f"test ELBO {float(log.test_elbo[-1]):.2f} nats/image; train ELBO "
         f"{float(log.train_elbo[-1]):.2f}; saved {out} (sha256 {net.sha256[:16]}…)")
    return 0


def _syntax(flag: str, parse: Any, text: str) -> None:
    """Misuse when ``text`` does not parse as ``flag``'s value (its bounds are checked later,
    against the subject, as one line)."""
    try:
        parse(text, flag)
    except ValueError as err:
        if "should" in str(err):  # the parsers' syntax messages: "--clamp should look like ..."
            raise Misuse(" ".join(str(err).split())) from None


def _library_limits(err: ValueError) -> ValueError:
    """The limits' messages of neurogen._checks in the command's words (its options)."""
    text = str(err)
    for old, new in (("'steps' is ", "--steps is "), ("pass force=True (--force)", "pass --force"),
                     ("narrow the request", "ask for fewer --trials, --label or --noise levels")):
        text = text.replace(old, new)
    return ValueError(text)


def cmd_record(a: argparse.Namespace) -> int:
    from neurogen._checks import check_request
    from neurogen.cli import noise_levels
    from neurogen.engine import run
    from neurogen.interventions import Lesion, parse_clamp, parse_lesion_value, parse_units
    from neurogen.probe import Probe
    from neurogen.stimulus import PixelSwap, Stimulus

    out = _check_out(a.out, [None if a.model == "default" else a.model, *_data_inputs(a.data)])
    _check_inputs(a)
    with _option("--noise"):
        levels = noise_levels(a.noise or ["0.2"], force=a.force)
    labels = [x for group in a.label for x in group] if a.label else None
    if labels is not None and len(set(labels)) != len(labels):
        raise Misuse(f"--label gives a label more than once ({' '.join(map(str, labels))}); give each label once.")
    interventions = []
    if a.lesion is None and a.lesion_value != "mean":
        raise Misuse("--lesion-value needs --lesion.")
    with _option("--lesion-value"):
        lesion_value = parse_lesion_value(a.lesion_value) if a.lesion is not None else None
    if a.lesion is not None:
        _syntax("--lesion", lambda text, flag: parse_units(text, flag), a.lesion)
    for text in a.clamp:  # the syntax and the window against --steps, before anything is loaded
        _syntax("--clamp", lambda text, flag: parse_clamp(text, flag), text)
        window = text.partition("@")[2]
        t0 = window.partition(":")[0].strip()
        if t0.lstrip("-").isdigit() and int(t0) > a.steps:
            msg = (f"--clamp {text}: its window starts at step {int(t0)}, after the last step {a.steps} "
                   "(--steps); it would never act.")
            raise Misuse(msg)
    net = _network(a.model, a.device)
    width = int(net.config.n_latent)  # units are bounded by the subject before any is allocated
    if a.lesion is not None:
        interventions.append(Lesion(parse_units(a.lesion, width=width), value=lesion_value))
    interventions += [parse_clamp(c, width=width) for c in a.clamp]
    data = _data(a.data, "train")
    labels = _per_label(data, labels, a.trials)
    try:
        stim = Stimulus.from_dataset(data, label=labels, n=a.trials, seed=a.seed,
                                     noise=PixelSwap(levels, mode=a.mode), force=a.force)
        probe = Probe(signals=("latent", "data") if a.with_data else ("latent",), every=a.every)
        widths = {"latent": int(net.config.n_latent), "data": int(stim.images.shape[1])}
        need = check_request(stim.n_trials, a.steps, {s: widths[s] for s in probe.signals}, probe.dtype,
                             every=a.every, out=out, complevel=a.complevel, force=a.force)
    except ValueError as err:
        raise _library_limits(err) from err
    if not a.quiet:
        print(f"recording {stim.n_trials:,} trials × {need['times']:,} time points "
              f"({need['bytes'] / 2**20:.1f} MB uncompressed) → {out}", file=sys.stderr)
    hierarchy = None
    if any(isinstance(i, Lesion) and not i.resolved for i in interventions):
        from neurogen.concepts import ConceptHierarchy

        hierarchy = ConceptHierarchy.from_network(net, data)
    rec = run(net, stim, steps=a.steps, probe=probe, device=a.device, out=out, complevel=a.complevel,
              progress=_progress(a), interventions=interventions, hierarchy=hierarchy, force=a.force)
    _say(a, repr(rec), f"wrote {out}")
    rec.close()
    return 0


def _per_label(data: Any, labels: list[int] | None, trials: int) -> list[int]:
    """``--label`` (default: every label of the data), each with ``--trials`` source images."""
    import numpy as np

    classes = [int(c) for c in data.classes.tolist()]
    if labels is None:
        labels = classes
    missing = sorted(set(labels) - set(classes))
    if missing:
        msg = f"--label {','.join(map(str, missing))}: not in the data ({data.name}: labels {classes})."
        raise ValueError(msg)
    counts = {lab: int(np.count_nonzero(data.labels == lab)) for lab in labels}
    short = min(counts, key=counts.get)
    if counts[short] < trials:
        msg = (f"--trials {trials}: label {short} has only {counts[short]:,} images in {data.name}; "
               f"ask for at most {counts[short]:,} per label.")
        raise ValueError(msg)
    return labels


def cmd_concepts(a: argparse.Namespace) -> int:
    from neurogen.concepts import ConceptHierarchy

    out = _check_out(a.out, [None if a.model == "default" else a.model, *_data_inputs(a.data)])
    _check_inputs(a)
    hier = ConceptHierarchy.from_network(_network(a.model, a.device), _data(a.data, "train"))
    hier.save(out)
    _say(a, repr(hier), f"wrote {out}")
    return 0


def cmd_info(a: argparse.Namespace) -> int:
    if a.list:
        from neurogen.network import zoo

        if a.model != "default":
            raise Misuse("--list lists the shipped subjects; give --model or --list, not both.")
        entries = zoo()
        if a.json:
            _say(a, json.dumps([{"n_latent": e.n_latent, "seed": e.seed, "test_elbo": e.test_elbo,
                                 "active_units": e.active_units, "sha256": e.sha256, "path": str(e.path)}
                                for e in entries], indent=2))
            return 0
        lines = [f"{'Nz':>4} {'seed':>4} {'test ELBO':>10} {'active':>6}  {'sha256':16}  path"]
        for e in entries:
            units = "-" if e.active_units is None else str(e.active_units)
            lines.append(f"{e.n_latent:>4} {e.seed:>4} {e.test_elbo:>10.2f} {units:>6}  {e.sha256[:16]}  {e.path}")
        _say(a, *lines)
        return 0
    _check_inputs(a)
    net = _network(a.model)
    if a.json:
        import attrs

        _say(a, json.dumps({"network": repr(net), "config": attrs.asdict(net.config), "sha256": net.sha256,
                            "model": a.model, "provenance": net.provenance}, indent=2, default=str))
        return 0
    _say(a, *_summary(net))
    return 0


def _summary(net: Any) -> list[str]:
    """``neurogen info``: what the network is, how it was trained and how good it is (a few lines)."""
    p = net.provenance
    t = p.get("training") if isinstance(p.get("training"), dict) else {}

    def get(*keys: str) -> Any:
        for key in keys:
            for source in (p, t):
                if source.get(key) not in (None, ""):
                    return source[key]
        return None

    lines = [repr(net), f"sha256:     {net.sha256}"]
    epochs, data, n_train = get("epochs", "epoch"), get("data"), get("n_train")
    if epochs is not None or data is not None:
        size = f" ({int(n_train):,} images)" if isinstance(n_train, (int, float)) else ""
        how = [f"seed {get('seed')}" if get("seed") is not None else "",
               f"batch size {get('batch_size')}" if get("batch_size") is not None else ""]
        schedule = get("schedule")
        if isinstance(schedule, list) and schedule:
            how.append("learning rate " + " → ".join(f"{r:g}" for r in schedule))
        lines.append(f"trained:    {epochs if epochs is not None else '?'} epochs on {data or '?'}{size}"
                     + "".join(f", {h}" for h in how if h))
    test, train = get("final_test_elbo", "test_elbo"), get("final_train_elbo", "train_elbo")
    if isinstance(test, (int, float)):
        extra = f" (train {train:.2f})" if isinstance(train, (int, float)) else ""
        lines.append(f"test ELBO:  {test:.2f} nats/image{extra}")
    if get("active_units") is not None:
        lines.append(f"active:     {get('active_units')} of {net.config.n_latent} latent units")
    made = [f"neurogen {get('neurogen_version')}" if get("neurogen_version") else "",
            f"torch {get('torch_version')}" if get("torch_version") else "",
            f"{float(get('wall_seconds')):.0f} s" if isinstance(get("wall_seconds"), (int, float)) else ""]
    if any(made):
        lines.append("made with:  " + ", ".join(m for m in made if m))
    if get("command"):
        lines.append(f"command:    {get('command')}")
    lines.append("(neurogen info --json prints the full record)")
    return lines


def cmd_study(a: argparse.Namespace) -> int:
    out = _check_out_dir(a.out)
    from neurogen.studies import run_study

    if not a.quiet:
        print(f"[1/1] {a.name} …", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    result = run_study(a.name, profile=a.profile, out=out, device=a.device, quiet=a.quiet)
    if not a.quiet:
        print(f"[1/1] {a.name} … {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    for claim in result.claims:
        tag = f", {claim.fragile}" if claim.fragile else ""
        _say(a, f"[{claim.verdict}{tag}] {claim.claim}: measured {claim.measured} (paper: {claim.paper})"
             + (f" [{claim.robustness}]" if claim.robustness else ""))
    _say(a, "wrote " + ", ".join(str(f) for f in result.files))
    return 0


def cmd_sweep(a: argparse.Namespace) -> int:
    out = _check_out_dir(a.out)
    from neurogen.cli import parse_constants, parse_grid
    from neurogen.sweep import sweep_task

    with _option("--grid"):
        grid = parse_grid(a.grid)
    with _option("--set"):
        const = parse_constants(a.set)
    if a.epochs is not None:
        const["epochs"] = a.epochs
    if a.scheduler:
        from neurogen.sweep import check_scheduler

        check_scheduler(a.scheduler, name="--scheduler")
    ds = sweep_task(a.task, grid, out, constants=const, client=a.scheduler, retries=a.retries,
                    n_workers=a.workers, progress=_progress(a), force=a.force)
    _say(a, ds.drop_vars(["error"]).to_dataframe().to_string())
    for e in json.loads(ds.attrs["errors"]):  # failures are errors: printed also with --quiet
        print(f"FAILED {e['config']}: {e['error']}", file=sys.stderr if a.quiet else sys.stdout)
    _say(a, f"{ds.attrs['n_run']} run, {ds.attrs['n_resumed']} resumed, {ds.attrs['n_failed']} failed "
         f"→ {out / 'sweep.nc'}")
    return 1 if ds.attrs["n_failed"] else 0


def cmd_replicate(a: argparse.Namespace) -> int:
    out = _check_out_dir(a.out)
    from neurogen.studies.report import replicate

    page = replicate(profile=a.profile, out=out, device=a.device, studies=a.studies, quiet=a.quiet,
                     **({"command": ["neurogen", *a.argv]} if getattr(a, "argv", None) is not None else {}))
    _say(a, f"report: {page}")
    results = Path(page).parent / "results.json"  # replicate writes it next to the page
    studies = json.loads(results.read_text())["studies"] if results.is_file() else {}
    failed = {n: s["error"] for n, s in studies.items() if "error" in s}
    for name, err in failed.items():
        print(f"FAILED {name}: {err}", file=sys.stderr)
    return 1 if failed else 0


#: ``neurogen export`` options that go into the NWB file (``pynwb.NWBFile`` arguments).
_NWB_OPTIONS = {"experimenter": "--experimenter", "institution": "--institution", "lab": "--lab",
                "session_id": "--session-id", "session_description": "--session-description"}


def cmd_export(a: argparse.Namespace) -> int:
    import warnings

    from neurogen.nwb import PYNAPPLE_FILES, NWBWarning, export

    _existing("RECORDING", a.recording)
    metadata = {k: getattr(a, k) for k in _NWB_OPTIONS if getattr(a, k, None)}
    if a.to != "nwb" and (metadata or a.concepts):
        given = [_NWB_OPTIONS[k] for k in metadata] + (["--concepts"] if a.concepts else [])
        raise Misuse(f"{', '.join(given)}: NWB metadata, for --to nwb only (not --to {a.to}).")
    if a.concepts:
        _existing("--concepts", a.concepts)
    if a.to == "pynapple-npz":  # written as a whole: a new folder, or a previous export replaced
        from neurogen._files import check_output_dir

        _check_folder_exists("--out", a.out, Path(a.out).parent)
        try:
            out = check_output_dir(a.out, replaceable=PYNAPPLE_FILES)
        except (OSError, ValueError) as err:
            raise Misuse(f"--out {a.out}: {getattr(err, 'strerror', None) or err}"
                         if not isinstance(err, FileExistsError) else err.strerror) from None
    else:
        out = _check_out(a.out, [a.recording, a.concepts])
    hierarchy = None
    if a.concepts:
        from neurogen.concepts import ConceptHierarchy

        try:
            hierarchy = ConceptHierarchy.load(a.concepts)
        except ValueError as err:
            raise _named("--concepts", a.concepts, err) from err
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NWBWarning)
            path = export(a.recording, a.to, out, hierarchy=hierarchy, **metadata)
    except ImportError as err:  # the 'nwb' extra is missing: say which to install
        raise Misuse(str(err)) from None
    for w in caught:  # what nwbinspector / DANDI would flag: one line each; other warnings as usual
        if issubclass(w.category, NWBWarning):
            print(f"neurogen export: warning: {' '.join(str(w.message).split())}", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    _say(a, f"wrote {path}")
    return 0
