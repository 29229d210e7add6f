"""The ``neurogen`` command: all of neurogen's argument parsing; the work is done by the library.

Sub-commands: ``train``, ``record``, ``concepts``, ``info``, ``study``, ``sweep``, ``replicate``, ``export``
(``neurogen COMMAND --help`` shows each one's options, defaults and examples). Conventions:

* misuse, an option given wrongly (an unknown flag, a value that does not parse or is out of its
  range, options that contradict each other, an input path that does not exist, an ``--out``
  that cannot be written or whose folder does not exist), prints the usage line and one error
  line naming the option, exit status 2; this is checked before any work;
* a value the command's inputs refuse (a unit the subject lacks, more ``--trials`` than the data
  holds, a grid over the size limit), and a bad input file, print one line naming the option or
  the file, exit 2;
* an OS error during the work (disk full, read-only) prints one line naming the path, exit 1;
* Ctrl-C exits 130 and SIGTERM 143, after the writers have removed their temporaries;
* ``--quiet`` (every command) prints nothing but errors and warnings: no progress, no results;
* ``--out`` is never created above an existing folder: its folder must exist (a folder given
  as ``--out DIR`` is created, in an existing parent);
* ``neurogen --help`` and ``--version`` import nothing heavy (neither torch nor xarray).

:func:`study_script` is the entry of the thin scripts in the repository's ``studies/`` folder.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from neurogen._version import __version__

__all__ = ["build_parser", "main", "noise_levels", "parse_constants", "parse_grid", "study_script"]


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown (except for required options and empty defaults); epilogs kept as written."""

    def _get_help_string(self, action: argparse.Action) -> str:
        default = action.default
        if action.required or default is None or default is False or default == [] or default == argparse.SUPPRESS:
            return action.help or ""
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # the usage line and one error line, exit 2
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


class _Lazy(Sequence):
    """Choices read from the library when first needed (``neurogen record`` never imports the studies)."""

    def __init__(self, load: Callable[[], Sequence[str]]) -> None:
        self._load, self._items = load, None

    def _get(self) -> list[str]:
        if self._items is None:
            self._items = list(self._load())
        return self._items

    def __getitem__(self, i: Any) -> Any:
        return self._get()[i]

    def __len__(self) -> int:
        return len(self._get())

    def __contains__(self, value: object) -> bool:
        return value in self._get()

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())


def _studies() -> list[str]:
    from neurogen.studies import STUDIES

    return list(STUDIES)


def _profiles() -> list[str]:
    from neurogen.studies import PROFILES

    return list(PROFILES)


def _modes() -> list[str]:
    from neurogen.stimulus import MODES

    return list(MODES)


def _tasks() -> list[str]:
    from neurogen.sweep import TASKS

    return sorted(TASKS)


def _labels(text: str) -> list[int]:
    """``"6"`` or ``"1,7"`` → list of ints (argparse type)."""
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        msg = f"invalid label {text!r}: give digits 0-9, e.g. --label 6 or --label 1,7"
        raise argparse.ArgumentTypeError(msg) from None


def _int(low: int, high: int | None = None) -> Callable[[str], int]:
    """argparse type: an int in [low, high]; the message names the option (argparse adds it)."""
    def parse(text: str) -> int:
        value = int(text)  # a ValueError: argparse says "invalid int value: 'four'"
        if value < low or (high is not None and value > high):
            bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
            msg = f"must be an int {bound}, got {value}"
            raise argparse.ArgumentTypeError(msg)
        return value

    parse.__name__ = "int"
    return parse


_SEED = _int(0, 2**63 - 1)


def _value(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "none": None}.get(text.lower(), text)


def parse_grid(items: Sequence[str]) -> dict[str, list[Any]]:
    """``--grid`` values: ``["n_latent=2,5,10", "lr=1e-3"]`` → ``{"n_latent": [2, 5, 10], "lr": [0.001]}``."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or not values.strip():
            msg = f"--grid must be NAME=V1,V2,..., got {item!r}."
            raise ValueError(msg)
        if name in grid:
            msg = f"--grid gives {name!r} twice."
            raise ValueError(msg)
        grid[name] = [_value(v.strip()) for v in values.split(",") if v.strip()]
    if not grid:
        msg = "give at least one --grid NAME=V1,V2,..."
        raise ValueError(msg)
    return grid


def parse_constants(items: Sequence[str]) -> dict[str, Any]:
    """``--set`` values: ``["n_train=10000", "mnist=/data"]`` → ``{"n_train": 10000, "mnist": "/data"}``."""
    const: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            msg = f"--set must be NAME=VALUE, got {item!r}."
            raise ValueError(msg)
        const[key.strip()] = _value(value.strip())
    return const


def noise_levels(values: Sequence[str], force: bool = False) -> list[float]:
    """``--noise`` values: ``0.2`` or ``0:1:0.05`` (start:stop:step, stop included) → floats.

    A range is counted before it is made: more than ``neurogen._checks.MAX_NOISE_LEVELS`` levels
    is refused unless ``force`` (``--force``), and never more than memory holds.
    """
    import math

    from neurogen._checks import MAX_NOISE_LEVELS, available_memory

    out: list[float] = []
    for v in values:
        if ":" not in v:
            out.append(_number("--noise", v))
            continue
        parts = v.split(":")
        if len(parts) != 3:
            msg = f"--noise range must be start:stop:step, got {v!r}"
            raise ValueError(msg)
        a, b, step = (_number("--noise", x) for x in parts)
        if step <= 0:
            msg = f"--noise step must be > 0, got {step:g}"
            raise ValueError(msg)
        if b < a:
            msg = (f"--noise {v}: the range is reversed (start {a:g} > stop {b:g}); give start <= stop, "
                   f"e.g. {b:g}:{a:g}:{step:g}")
            raise ValueError(msg)
        if step < _NOISE_RESOLUTION:
            msg = (f"--noise {v}: step {step:g} is finer than the {_NOISE_RESOLUTION:g} resolution of noise "
                   "levels; its levels would repeat. Use a step of at least 1e-10")
            raise ValueError(msg)
        span = (b - a) / step  # finite: step >= 1e-10 and |b - a| is a finite number
        n = math.floor(span + 0.5) + 1 if math.isfinite(span) and span < 1e18 else None
        if n is None or (len(out) + n > MAX_NOISE_LEVELS and (not force or 64 * (len(out) + n) > available_memory())):
            count = f"{n:,}" if n is not None else "more than 10^18"
            msg = (f"--noise {v} makes {count} noise levels, more than the limit of {MAX_NOISE_LEVELS:,}; "
                   "use a coarser step" + ("" if force else ", or --force if you mean it"))
            raise ValueError(msg)
        out.extend(round(a + k * step, 10) for k in range(n) if a + k * step <= b + step / 2)
    seen: set[float] = set()
    for level in out:
        if level in seen:
            msg = (f"--noise gives the level {level:g} more than once ({' '.join(values)}); give each noise "
                   "level once (use --trials or repeats for more trials per level)")
            raise ValueError(msg)
        seen.add(level)
    return out


#: Noise levels are rounded to 10 decimals: a finer step would repeat levels.
_NOISE_RESOLUTION = 1e-10


def _number(flag: str, text: str) -> float:
    import math

    try:
        x = float(text)
    except ValueError:
        msg = f"{flag} must be a number, got {text!r}"
        raise ValueError(msg) from None
    if not math.isfinite(x):
        msg = f"{flag} must be a finite number, got {text!r}"
        raise ValueError(msg)
    return x


#: What ``neurogen --help`` opens with.
DESCRIPTION = ("Study a trained deep generative model (a VAE) like a brain: train it, record its units "
               "over repeated inference from noisy digits, compute its concepts, and replicate the "
               "figures of Nagano, Karakida & Okada (arXiv:1712.04195).")


def _epilog(*examples: str) -> str:
    return "examples:\n" + "\n".join(f"  {e}" for e in examples)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    p = _Parser(prog="neurogen", usage="neurogen [-h] [--version] COMMAND [options]",
                description=DESCRIPTION, formatter_class=_Formatter,
                epilog=_epilog("neurogen record --label 6 --noise 0.2 --out sixes.nc",
                               "neurogen replicate --profile quick --out report",
                               "neurogen COMMAND --help"))
    p.add_argument("--version", action="version", version=f"neurogen {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def command(name: str, usage: str, help_: str, examples: Sequence[str]) -> argparse.ArgumentParser:
        q = sub.add_parser(name, prog=f"neurogen {name}", usage=f"neurogen {name} {usage}", help=help_,
                           description=help_, formatter_class=_Formatter, epilog=_epilog(*examples))
        q.set_defaults(parser=q)
        return q

    def common(q: argparse.ArgumentParser, *, device: bool = True) -> None:
        if device:
            q.add_argument("--device", default="auto", help="'auto' (CUDA if present), 'cpu' or 'cuda'")
        q.add_argument("--quiet", "-q", action="store_true",
                       help="print nothing but errors and warnings (no progress, no results)")

    t = command("train", "--epochs N --out FILE [options]", "train a VAE with the paper's recipe",
                ["neurogen train --epochs 100 --out vae.pt",
                 "neurogen train --latent 10 --epochs 5 --limit 2000 --out small.pt",
                 "neurogen train --epochs 100 --out vae.pt --resume   # after an interruption",
                 "neurogen train --epochs 150 --out vae.pt --resume   # a finished 100-epoch run, 50 more"])
    t.add_argument("--epochs", type=_int(1), required=True, help="training epochs (the paper: 100)")
    t.add_argument("--out", required=True, metavar="FILE", help="the trained network's checkpoint (.pt)")
    t.add_argument("--latent", type=_int(1), default=100, help="latent units Nz")
    t.add_argument("--hidden", type=_int(1), default=1024, help="hidden units of encoder and decoder")
    t.add_argument("--batch-size", type=_int(1), default=100, help="images per gradient step")
    t.add_argument("--data", default="embedded", help="'embedded' (shipped MNIST) or a folder of IDX files")
    t.add_argument("--seed", type=_SEED, default=0, help="seed of the initial weights and the batch order")
    t.add_argument("--limit", type=_int(1), help="train on this many images only (for quick tries)")
    t.add_argument("--checkpoints", metavar="DIR", help="checkpoint folder (default: OUT-checkpoints)")
    t.add_argument("--keep", type=_int(1), nargs="*", metavar="EPOCH", help="epochs whose checkpoints are kept")
    t.add_argument("--resume", action="store_true",
                   help="continue from --checkpoints after an interruption; a larger --epochs extends a "
                        "finished run when nothing else changed (the added epochs take their rates from "
                        "the schedule over the new total: not the same as a fresh run that long); other "
                        "changed settings are refused")
    t.add_argument("--force", action="store_true", help="with --resume: start over if the settings differ")
    common(t)

    r = command("record", "--out FILE [options]", "record repeated inference from noisy digits",
                ["neurogen record --label 6 --trials 300 --noise 0.2 --out sixes.nc",
                 "neurogen record --label 1,7 --noise 0:1:0.05 --steps 40 --out sweep.nc",
                 "neurogen record --label 6 --lesion 0:30 --lesion-value mean --out lesioned.nc",
                 "neurogen record --label 6 --clamp 5=1.0@0:10 --out clamped.nc",
                 "neurogen record --model vae.pt --mode permute --with-data --out perm.nc"])
    r.add_argument("--out", required=True, metavar="FILE", help="the recording (netCDF4, .nc)")
    r.add_argument("--model", default="default", help="a checkpoint (.pt), or 'default' (the shipped subject)")
    r.add_argument("--label", type=_labels, nargs="+", action="extend", metavar="L",
                   help="digit labels, e.g. --label 6 or --label 1 7 or --label 1,7 (default: all ten)")
    r.add_argument("--trials", type=_int(1), default=300,
                   help="source images per label (each of the ten labels without --label), each a trial "
                        "per noise level")
    r.add_argument("--noise", action="append", metavar="P",
                   help="pixel-swap fraction p, or start:stop:step (stop included); repeatable (default: 0.2)")
    r.add_argument("--mode", default="invert", choices=_Lazy(_modes), metavar="MODE",
                   help="how the selected pixels are swapped: %(choices)s")
    r.add_argument("--steps", type=_int(0), default=80, help="inference steps T")
    r.add_argument("--every", type=_int(1), default=1, help="record every k-th step (and the last)")
    r.add_argument("--with-data", action="store_true", help="also record the images x(t)")
    r.add_argument("--complevel", type=int, default=1, choices=range(10), metavar="0-9",
                   help="zlib compression level (0: none)")
    r.add_argument("--seed", type=_SEED, default=0, help="seed of the image choice and the noise")
    r.add_argument("--data", default="embedded", help="'embedded' (shipped MNIST) or a folder of IDX files")
    r.add_argument("--force", action="store_true", help="lift the documented size limits (trials, steps, noise levels)")
    r.add_argument("--lesion", metavar="UNITS",
                   help="hold these latent units (e.g. 3,7,12 or 0:30) at --lesion-value at every step")
    r.add_argument("--lesion-value", default="mean", metavar="VALUE",
                   help="'mean' (each unit's mean over the training memories) or a number")
    r.add_argument("--clamp", action="append", default=[], metavar="UNITS=VALUE[@T0:T1]",
                   help="drive units to VALUE during steps T0 <= t < T1 (every step without @); repeatable")
    common(r)

    c = command("concepts", "--out FILE [options]", "compute memories, concepts and the abstract concept",
                ["neurogen concepts --out concepts.nc", "neurogen concepts --model vae.pt --out vae-concepts.nc"])
    c.add_argument("--out", required=True, metavar="FILE", help="the concept hierarchy (netCDF4, .nc)")
    c.add_argument("--model", default="default", help="a checkpoint (.pt), or 'default'")
    c.add_argument("--data", default="embedded", help="'embedded' (shipped MNIST) or a folder of IDX files")
    common(c)

    i = command("info", "[--model FILE | --list] [--json]", "print a summary of a network: config, hash, training",
                ["neurogen info", "neurogen info --model vae.pt --json   # the full record",
                 "neurogen info --list   # the shipped zoo"])
    i.add_argument("--model", default="default", help="a checkpoint (.pt), or 'default'")
    i.add_argument("--list", action="store_true", help="list the shipped subjects (Nz, seed, test ELBO, active units, sha256)")
    i.add_argument("--json", action="store_true", help="print the full record as JSON (config, sha256, provenance)")
    common(i, device=False)

    s = command("study", "NAME --out DIR [options]", "run one study (a figure of the paper, or an experiment)",
                ["neurogen study fig2 --profile quick --out out/fig2",
                 "neurogen study fig4 --profile tiny --out /tmp/fig4 --quiet"])
    s.add_argument("name", choices=_Lazy(_studies), metavar="NAME", help="the study: %(choices)s")
    s.add_argument("--out", required=True, metavar="DIR", help="folder for NAME.nc, NAME.png and NAME.pdf")
    s.add_argument("--profile", default="quick", choices=_Lazy(_profiles), metavar="PROFILE",
                   help="sizes: tiny (seconds, smoke test), quick (shipped subjects), paper (retrains)")
    common(s)

    w = command("sweep", "--grid NAME=V1,V2,... --out DIR [options]",
                "run a task over a parameter grid on dask.distributed",
                ["neurogen sweep --grid n_latent=2,5,10 --epochs 10 --out runs",
                 "neurogen sweep --grid n_latent=2,5 --grid seed=0,1 --set n_train=10000 --out runs --workers 2"])
    w.add_argument("--grid", action="append", required=True, metavar="NAME=V1,V2,...",
                   help="a parameter and its values; repeat for a cartesian product")
    w.add_argument("--out", required=True, metavar="DIR", help="folder of the per-task result files and sweep.nc")
    w.add_argument("--task", default="train_elbo", choices=_Lazy(_tasks), metavar="TASK",
                   help="the task run for each configuration: %(choices)s")
    w.add_argument("--epochs", type=_int(1), help="training epochs (train_elbo)")
    w.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="a constant passed to every task, e.g. --set n_train=10000")
    w.add_argument("--scheduler", metavar="ADDRESS", help="dask scheduler address (default: a local cluster)")
    w.add_argument("--workers", type=_int(1), help="local cluster workers (default: one per CPU)")
    w.add_argument("--retries", type=_int(0), default=2, help="reruns of a task whose worker died")
    w.add_argument("--force", action="store_true", help="lift the documented limit on tasks per sweep")
    common(w, device=False)

    rp = command("replicate", "--out DIR [options]", "run every study and write DIR/index.html",
                 ["neurogen replicate --profile quick --out report",
                  "neurogen replicate --profile tiny --studies fig2 fig4 --out /tmp/report"])
    rp.add_argument("--out", required=True, metavar="DIR", help="folder of the report (index.html) and its files")
    rp.add_argument("--profile", default="quick", choices=_Lazy(_profiles), metavar="PROFILE",
                    help="quick (the shipped subjects; ~11 min on 2 CPU cores), paper (retrains), tiny (smoke test)")
    rp.add_argument("--studies", nargs="+", choices=_Lazy(_studies), metavar="NAME",
                    help="run these studies only (default: all)")
    common(rp)

    e = command("export", "RECORDING --to FORMAT OUT [options]",
                "convert a recording for NWB / pynapple tools (extra 'nwb')",
                ["neurogen export sixes.nc --to nwb sixes.nwb",
                 "neurogen export sixes.nc --to nwb sixes.nwb --concepts concepts.nc --experimenter 'Doe, Jane' "
                 "--institution 'Uni X' --lab 'Lab Y' --session-id sixes-01   # ready for DANDI",
                 "neurogen export sixes.nc --to pynapple-npz sixes-pynapple   # nap.load_folder('sixes-pynapple')"])
    e.add_argument("recording", metavar="RECORDING", help="a recording (netCDF4, .nc)")
    e.add_argument("--to", required=True, choices=("nwb", "pynapple-npz"), metavar="FORMAT",
                   help="%(choices)s: one NWB 2 file, or a folder of .npz files for pynapple")
    e.add_argument("out", metavar="OUT", help="the NWB file, or the folder of .npz files")
    e.add_argument("--concepts", metavar="FILE",
                   help="a concept hierarchy (neurogen concepts --out FILE) stored with the recording (nwb)")
    e.add_argument("--experimenter", action="append", metavar="'LAST, FIRST'",
                   help="who made the recording, as DANDI asks ('Last, First'); repeatable (nwb)")
    e.add_argument("--institution", help="the institution of the experimenters (nwb)")
    e.add_argument("--lab", help="the lab (nwb)")
    e.add_argument("--session-id", metavar="ID", help="an identifier of this session (nwb)")
    e.add_argument("--session-description", metavar="TEXT",
                   help="one sentence on the session (default: the subject, stimulus and size) (nwb)")
    common(e, device=False)
    return p


def study_script(name: str, argv: Sequence[str] | None = None) -> int:
    """Entry of ``studies/*.py``: ``neurogen study NAME`` with ``--out`` defaulting to ``out/NAME``.

    A thin script is ``from neurogen.cli import study_script`` and
    ``raise SystemExit(study_script("fig2"))`` under ``if __name__ == "__main__":``.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not any(a == "--out" or a.startswith("--out=") for a in args) and not {"-h", "--help"} & set(args):
        from pathlib import Path

        Path("out").mkdir(exist_ok=True)  # the default's folder (`--out` itself never makes folders above DIR)
        args += ["--out", f"out/{name}"]
    return main(["study", name, *args])


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neurogen`` console script; returns the exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)  # --help and --version exit here, having imported nothing
    if extra:  # reported with the sub-command's usage, not the top level's
        args.parser.error(f"unrecognized arguments: {' '.join(extra)}")
    from neurogen import _commands
    from neurogen._files import Terminated, terminate_cleanly
    args.argv = list(sys.argv[1:] if argv is None else argv)  # recorded as provenance
    run = getattr(_commands, f"cmd_{args.command}")
    where = f"neurogen {args.command}"
    try:
        with terminate_cleanly():
            return int(run(args) or 0)
    except _commands.Misuse as err:
        args.parser.print_usage(sys.stderr)
        sys.stderr.write(f"{where}: error: {err}\n")
        return 2
    except (ValueError, TypeError, KeyError, FileNotFoundError, IsADirectoryError, NotADirectoryError) as err:
        sys.stderr.write(f"{where}: error: {_one_line(err)}\n")
        return 2
    except OSError as err:
        sys.stderr.write(f"{where}: error: {_one_line(err)}\n")
        return 1
    except MemoryError:
        sys.stderr.write(f"{where}: error: out of memory; ask for less (fewer trials, steps or images)\n")
        return 1
    except Terminated:
        sys.stderr.write(f"{where}: terminated (SIGTERM); no partial files left\n")
        return 143
    except KeyboardInterrupt:
        sys.stderr.write(f"{where}: interrupted; no partial files left\n")
        return 130


def _one_line(err: BaseException) -> str:
    text = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
    return " ".join(str(text).split())


if __name__ == "__main__":
    raise SystemExit(main())
