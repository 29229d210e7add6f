"""What each ``neurogen`` sub-command does once :mod:`neurogen.cli` has parsed it (private).

One function per command, ``cmd_<name>(args) -> exit status``. Each checks its ``--out`` before
any work (:class:`Misuse` when it cannot be written), then calls the library. Errors are left to
:func:`neurogen.cli.main`, which turns them into one line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["Misuse", "cmd_export", "cmd_concepts", "cmd_info", "cmd_record", "cmd_replicate", "cmd_study", "cmd_sweep",
           "cmd_train"]


class Misuse(Exception):
    """Bad command-line input found after parsing: printed with the usage line, exit status 2."""


def _progress(a: argparse.Namespace) -> bool | None:
    return False if a.quiet else None


def _check_out(out: str, inputs: Iterable[str | Path | None] = ()) -> Path:
    """``--out FILE``: refused (Misuse) if it is a folder, unwritable, or one of ``inputs``."""
    from neurogen._files import check_output_path

    try:
        folder = Path(out).resolve().parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    except OSError:  # a name too long to look up: check_output_path says so below
        folder = None
    if folder is not None and not folder.is_dir():
        msg = f"--out {out}: {folder} is a file, not a folder."
        raise Misuse(msg)
    try:
        return check_output_path(out, list(inputs), name="--out")
    except IsADirectoryError:
        msg = f"--out {out} is an existing folder; give a file name, e.g. {Path(out) / 'out.nc'}"
        raise Misuse(msg) from None
    except OSError as err:
        msg = f"--out {out}: {err.strerror or err}"
        raise Misuse(msg) from None
    except ValueError as err:
        raise Misuse(str(err)) from None


def _check_out_dir(out: str) -> Path:
    """``--out DIR``: refused (Misuse) if it is a file or cannot be created or written."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        msg = f"--out {out} is a file; give a folder (it is created if missing)."
        raise Misuse(msg)
    try:
        _check_out(str(path / ".neurogen-write-check"))
    except Misuse as err:
        raise Misuse(str(err).replace(f"{path / '.neurogen-write-check'}", str(out))) from None
    return path


def _data_inputs(source: str) -> list[Path]:
    folder = Path(source)
    return sorted(folder.iterdir()) if source != "embedded" and folder.is_dir() else []


def _data(source: str, split: str) -> Any:
    from neurogen.data import load_mnist

    if source == "embedded":
        return load_mnist(split, source="embedded")
    return load_mnist(split, source="idx", path=source)


def _network(model: str, device: str | None = None) -> Any:
    from neurogen.network import Network

    kw = {} if device is None else {"device": device}
    return Network.default(**kw) if model == "default" else Network.load(model, **kw)


def cmd_train(a: argparse.Namespace) -> int:
    from neurogen.network import Network, NetworkConfig
    from neurogen.training import check_arguments, train

    ckdir = Path(a.checkpoints) if a.checkpoints else Path(a.out).with_name(Path(a.out).stem + "-checkpoints")
    try:  # the checkpoint folder (OUT-checkpoints) and its last.pt must be writable too
        _check_out(str(ckdir / "last.pt"))
    except Misuse as err:
        flag = "--checkpoints" if a.checkpoints else "--out (its checkpoint folder)"
        raise Misuse(str(err).replace("--out", flag, 1)) from None
    out = _check_out(a.out, [*_data_inputs(a.data), ckdir / "last.pt"])
    if ckdir.exists() and not ckdir.is_dir():
        msg = f"--checkpoints {ckdir} is a file; give a folder."
        raise Misuse(msg)
    config = NetworkConfig(n_latent=a.latent, n_hidden=a.hidden)
    check_arguments(a.epochs, a.batch_size, tuple(a.keep or ()))  # before any data is loaded
    tr, te = _data(a.data, "train"), _data(a.data, "test")
    if a.limit:
        tr = tr.select(n=a.limit, seed=a.seed)
    net = Network(config, seed=a.seed)
    extra = {"force": True} if a.force else {}
    t0 = time.perf_counter()
    log = train(net, tr, a.epochs, batch_size=a.batch_size, seed=a.seed, test_data=te, checkpoint_dir=ckdir,
                resume=a.resume, keep=tuple(a.keep or ()), device=a.device, progress=_progress(a), **extra)
    wall = time.perf_counter() - t0
    net.save(out, command=" ".join(["neurogen", *a.argv]), wall_seconds=wall)
    print(f"trained {net!r} for {a.epochs} epochs in {wall:.0f} s")
    print(f"test ELBO {float(log.test_elbo[-1]):.2f} nats/image; train ELBO "
          f"{float(log.train_elbo[-1]):.2f}; saved {out} (sha256 {net.sha256[:16]}…)")
    return 0


def cmd_record(a: argparse.Namespace) -> int:
    from neurogen._checks import check_request
    from neurogen.cli import noise_levels
    from neurogen.engine import run
    from neurogen.probe import Probe
    from neurogen.stimulus import PixelSwap, Stimulus

    out = _check_out(a.out, [None if a.model == "default" else a.model, *_data_inputs(a.data)])
    levels = noise_levels(a.noise or ["0.2"], force=a.force)
    labels = [x for group in a.label for x in group] if a.label else None
    from neurogen.interventions import Lesion, parse_clamp, parse_lesion_value, parse_units

    interventions = []
    if a.lesion is None and a.lesion_value != "mean":
        raise Misuse("--lesion-value needs --lesion.")
    lesion_value = parse_lesion_value(a.lesion_value) if a.lesion is not None else None
    for text in a.clamp:  # the window against --steps, before anything is loaded
        window = text.partition("@")[2]
        t0 = window.partition(":")[0].strip()
        if t0.lstrip("-").isdigit() and int(t0) > a.steps:
            msg = (f"--clamp {text}: its window starts at step {int(t0)}, after the last step {a.steps} "
                   "(--steps); it would never act.")
            raise ValueError(msg)
    net = _network(a.model, a.device)
    width = int(net.config.n_latent)  # units are bounded by the subject before any is allocated
    if a.lesion is not None:
        interventions.append(Lesion(parse_units(a.lesion, width=width), value=lesion_value))
    interventions += [parse_clamp(c, width=width) for c in a.clamp]
    data = _data(a.data, "train")
    stim = Stimulus.from_dataset(data, label=labels, n=a.trials, seed=a.seed,
                                 noise=PixelSwap(levels, mode=a.mode), force=a.force)
    probe = Probe(signals=("latent", "data") if a.with_data else ("latent",), every=a.every)
    widths = {"latent": int(net.config.n_latent), "data": int(stim.images.shape[1])}
    need = check_request(stim.n_trials, a.steps, {s: widths[s] for s in probe.signals}, probe.dtype,
                         every=a.every, out=out, complevel=a.complevel, force=a.force)
    if not a.quiet:
        print(f"recording {stim.n_trials:,} trials × {need['times']:,} time points "
              f"({need['bytes'] / 2**20:.1f} MB uncompressed) → {out}", file=sys.stderr)
    hierarchy = None
    if any(isinstance(i, Lesion) and not i.resolved for i in interventions):
        from neurogen.concepts import ConceptHierarchy

        hierarchy = ConceptHierarchy.from_network(net, data)
    rec = run(net, stim, steps=a.steps, probe=probe, device=a.device, out=out, complevel=a.complevel,
              progress=_progress(a), interventions=interventions, hierarchy=hierarchy, force=a.force)
    print(repr(rec))
    print(f"wrote {out}")
    rec.close()
    return 0


def cmd_concepts(a: argparse.Namespace) -> int:
    from neurogen.concepts import ConceptHierarchy

    out = _check_out(a.out, [None if a.model == "default" else a.model, *_data_inputs(a.data)])
    hier = ConceptHierarchy.from_network(_network(a.model, a.device), _data(a.data, "train"))
    hier.save(out)
    print(repr(hier))
    print(f"wrote {out}")
    return 0


def cmd_info(a: argparse.Namespace) -> int:
    if a.list:
        from neurogen.network import zoo

        print(f"{'Nz':>4} {'seed':>4} {'test ELBO':>10} {'active':>6}  {'sha256':16}  path")
        for e in zoo():
            units = "-" if e.active_units is None else str(e.active_units)
            print(f"{e.n_latent:>4} {e.seed:>4} {e.test_elbo:>10.2f} {units:>6}  {e.sha256[:16]}  {e.path}")
        return 0
    net = _network(a.model)
    print(repr(net))
    print(f"sha256: {net.sha256}")
    print(json.dumps(net.provenance, indent=2, default=str))
    return 0


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
        print(f"[{claim.verdict}{tag}] {claim.claim}: measured {claim.measured} (paper: {claim.paper})"
              + (f" [{claim.robustness}]" if claim.robustness else ""))
    print("wrote " + ", ".join(str(f) for f in result.files))
    return 0


def cmd_sweep(a: argparse.Namespace) -> int:
    out = _check_out_dir(a.out)
    from neurogen.cli import parse_constants, parse_grid
    from neurogen.sweep import sweep_task

    grid, const = parse_grid(a.grid), parse_constants(a.set)
    if a.epochs is not None:
        const["epochs"] = a.epochs
    if a.scheduler:
        from neurogen.sweep import check_scheduler

        check_scheduler(a.scheduler, name="--scheduler")
    ds = sweep_task(a.task, grid, out, constants=const, client=a.scheduler, retries=a.retries,
                    n_workers=a.workers, progress=_progress(a), force=a.force)
    print(ds.drop_vars(["error"]).to_dataframe().to_string())
    for e in json.loads(ds.attrs["errors"]):
        print(f"FAILED {e['config']}: {e['error']}")
    print(f"{ds.attrs['n_run']} run, {ds.attrs['n_resumed']} resumed, {ds.attrs['n_failed']} failed "
          f"→ {out / 'sweep.nc'}")
    return 1 if ds.attrs["n_failed"] else 0


def cmd_replicate(a: argparse.Namespace) -> int:
    out = _check_out_dir(a.out)
    from neurogen.studies.report import replicate

    page = replicate(profile=a.profile, out=out, device=a.device, studies=a.studies, quiet=a.quiet)
    print(f"report: {page}")
    results = Path(page).parent / "results.json"  # replicate writes it next to the page
    studies = json.loads(results.read_text())["studies"] if results.is_file() else {}
    failed = {n: s["error"] for n, s in studies.items() if "error" in s}
    for name, err in failed.items():
        print(f"FAILED {name}: {err}", file=sys.stderr)
    return 1 if failed else 0


def cmd_export(a: argparse.Namespace) -> int:
    from neurogen.nwb import PYNAPPLE_FILES, export

    if a.to == "pynapple-npz":  # written as a whole: a new folder, or a previous export replaced
        from neurogen._files import check_output_dir

        try:
            out = check_output_dir(a.out, replaceable=PYNAPPLE_FILES)
        except (OSError, ValueError) as err:
            raise Misuse(f"--out {a.out}: {getattr(err, 'strerror', None) or err}"
                         if not isinstance(err, FileExistsError) else err.strerror) from None
    else:
        out = _check_out(a.out, [a.recording])
    try:
        path = export(a.recording, a.to, out)
    except ImportError as err:  # the 'nwb' extra is missing: say which to install
        raise Misuse(str(err)) from None
    print(f"wrote {path}")
    return 0
