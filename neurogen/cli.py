"""The ``neurogen`` command: a thin layer that parses arguments and calls the library.

Sub-commands: ``train``, ``record``, ``concepts``, ``info``, ``study``, ``sweep``, ``replicate``. Bad input
(a ``ValueError``/``TypeError`` from the library, or a bad flag) prints one line on stderr and exits
with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage too)
        sys.stderr.write(f"neurogen: error: {message}\n")
        raise SystemExit(2)


def _noise_list(values: list[str]) -> list[float]:
    """``0.2`` or ``0.0:1.0:0.05`` (start:stop:step, stop included) → list of floats."""
    import numpy as np

    out: list[float] = []
    for v in values:
        if ":" in v:
            parts = v.split(":")
            if len(parts) != 3:
                msg = f"--noise range must be start:stop:step, got {v!r}"
                raise ValueError(msg)
            a, b, s = (float(p) for p in parts)
            if s <= 0:
                msg = f"--noise step must be > 0, got {s}"
                raise ValueError(msg)
            out.extend(np.round(np.arange(a, b + s / 2, s), 10).tolist())
        else:
            out.append(float(v))
    return out


def _data(source: str, split: str):  # noqa: ANN202
    from neurogen.data import load_mnist

    if source == "embedded":
        return load_mnist(split, source="embedded")
    return load_mnist(split, source="idx", path=source)


def _cmd_train(a: argparse.Namespace) -> int:
    from neurogen.network import Network, NetworkConfig
    from neurogen.training import check_arguments, train

    config = NetworkConfig(n_latent=a.latent, n_hidden=a.hidden)
    check_arguments(a.epochs, a.batch_size, tuple(a.keep or ()))  # before any data is loaded
    out = Path(a.out)
    ckdir = Path(a.checkpoints) if a.checkpoints else out.with_name(out.stem + "-checkpoints")
    tr, te = _data(a.data, "train"), _data(a.data, "test")
    if a.limit:
        tr = tr.select(n=a.limit, seed=a.seed)
    net = Network(config, seed=a.seed)
    t0 = time.perf_counter()
    log = train(net, tr, a.epochs, batch_size=a.batch_size, seed=a.seed, test_data=te,
                checkpoint_dir=ckdir, resume=a.resume, keep=tuple(a.keep or ()), device=a.device)
    wall = time.perf_counter() - t0
    net.save(out, command=" ".join(["neurogen", *a.argv]), wall_seconds=wall)
    print(f"trained {net!r} for {a.epochs} epochs in {wall:.0f} s")
    print(f"test ELBO {float(log.test_elbo[-1]):.2f} nats/image; train ELBO "
          f"{float(log.train_elbo[-1]):.2f}; saved {out} (sha256 {net.sha256[:16]}…)")
    return 0


def _cmd_record(a: argparse.Namespace) -> int:
    from neurogen.engine import run
    from neurogen.network import Network
    from neurogen.probe import Probe
    from neurogen.stimulus import PixelSwap, Stimulus

    net = Network.default(device=a.device) if a.model == "default" else Network.load(a.model, device=a.device)
    data = _data(a.data, "train")
    stim = Stimulus.from_dataset(data, label=a.label, n=a.trials, seed=a.seed,
                                 noise=PixelSwap(_noise_list(a.noise), mode=a.mode))
    signals = ("latent", "data") if a.with_data else ("latent",)
    rec = run(net, stim, steps=a.steps, probe=Probe(signals=signals, every=a.every), device=a.device,
              out=a.out)
    print(f"recorded {rec!r} → {a.out}")
    return 0


def _cmd_concepts(a: argparse.Namespace) -> int:
    from neurogen.concepts import ConceptHierarchy
    from neurogen.network import Network

    net = Network.default(device=a.device) if a.model == "default" else Network.load(a.model, device=a.device)
    hier = ConceptHierarchy.from_network(net, _data(a.data, "train"))
    hier.save(a.out)
    print(f"wrote {hier!r} → {a.out}")
    return 0


def _cmd_info(a: argparse.Namespace) -> int:
    from neurogen.network import Network

    net = Network.default() if a.model == "default" else Network.load(a.model)
    print(repr(net))
    print(f"sha256: {net.sha256}")
    print(json.dumps(net.provenance, indent=2, default=str))
    return 0


def _cmd_study(a: argparse.Namespace) -> int:
    from neurogen.studies import run_study

    result = run_study(a.name, profile=a.profile, out=a.out, device=a.device)
    print(json.dumps(result, indent=2, default=str))
    return 0


def _cmd_sweep(a: argparse.Namespace) -> int:
    from neurogen.sweep import run_args

    return run_args(a)


def _cmd_replicate(a: argparse.Namespace) -> int:
    from neurogen.studies.report import replicate

    page = replicate(profile=a.profile, out=a.out, device=a.device, studies=a.studies)
    print(f"report: {page}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    p = _Parser(prog="neurogen", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    dev = {"default": "auto", "help": "auto (CUDA if present), cpu or cuda"}

    t = sub.add_parser("train", help="train a VAE with the paper's recipe")
    t.add_argument("--latent", type=int, default=100, help="Nz (default 100)")
    t.add_argument("--hidden", type=int, default=1024)
    t.add_argument("--epochs", type=int, required=True)
    t.add_argument("--batch-size", type=int, default=100)
    t.add_argument("--out", required=True, help="checkpoint path (.pt)")
    t.add_argument("--data", default="embedded", help="'embedded' or a folder of IDX files")
    t.add_argument("--device", **dev)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--resume", action="store_true")
    t.add_argument("--checkpoints", help="checkpoint folder (default: OUT-checkpoints)")
    t.add_argument("--keep", type=int, nargs="*", help="epochs whose checkpoints are kept")
    t.add_argument("--limit", type=int, help="train on this many images only (for quick tries)")
    t.set_defaults(fn=_cmd_train)

    r = sub.add_parser("record", help="record repeated inference from noisy digits")
    r.add_argument("--model", default="default", help="checkpoint path, or 'default'")
    r.add_argument("--label", type=int, nargs="*", default=None)
    r.add_argument("--trials", type=int, default=300, help="images per label")
    r.add_argument("--noise", action="append", default=None,
                   help="noise fraction p, or start:stop:step; repeatable")
    r.add_argument("--steps", type=int, default=80)
    r.add_argument("--every", type=int, default=1)
    r.add_argument("--mode", default="invert", choices=["invert", "permute"])
    r.add_argument("--with-data", action="store_true", help="also record x(t)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--data", default="embedded")
    r.add_argument("--device", **dev)
    r.add_argument("--out", required=True)
    r.set_defaults(fn=_cmd_record)

    c = sub.add_parser("concepts", help="compute memories, concepts and the abstract concept")
    c.add_argument("--model", default="default")
    c.add_argument("--data", default="embedded")
    c.add_argument("--device", **dev)
    c.add_argument("--out", required=True)
    c.set_defaults(fn=_cmd_concepts)

    i = sub.add_parser("info", help="print a network's config and provenance")
    i.add_argument("--model", default="default")
    i.set_defaults(fn=_cmd_info)

    s = sub.add_parser("study", help="run one study (a figure of the paper)")
    s.add_argument("name")
    s.add_argument("--profile", default="quick")
    s.add_argument("--out", required=True)
    s.add_argument("--device", **dev)
    s.set_defaults(fn=_cmd_study)

    from neurogen.sweep import add_arguments as sweep_arguments

    sw = sub.add_parser("sweep", help="run a task over a parameter grid on dask.distributed")
    sweep_arguments(sw)
    sw.set_defaults(fn=_cmd_sweep)

    rp = sub.add_parser("replicate", help="run every study and write DIR/index.html")
    rp.add_argument("--profile", default="quick",
                    help="quick (the shipped default subject; ~11 min on 2 CPU cores), paper (retrains), tiny")
    rp.add_argument("--studies", nargs="+", default=None, metavar="NAME",
                    help="run these studies only (default: all)")
    rp.add_argument("--out", required=True)
    rp.add_argument("--device", **dev)
    rp.set_defaults(fn=_cmd_replicate)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neurogen`` console script."""
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # recorded as provenance
    if getattr(args, "noise", "x") is None:
        args.noise = ["0.2"]
    try:
        return int(args.fn(args) or 0)
    except (ValueError, TypeError, FileNotFoundError, KeyError) as err:
        sys.stderr.write(f"neurogen {args.command}: error: {err}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("neurogen: interrupted\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
