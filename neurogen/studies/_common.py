"""What every study shares: profiles, the subject (trained once, cached by config), figure and data output.

A :class:`Profile` picks the subjects and each study's sizes (:class:`BySize`). ``quick`` uses the
shipped subjects (the zoo: the paper's network trained 100 epochs, Nz 2–100, seeds 0–2) and the
paper's trial counts; ``paper`` retrains every subject from scratch with the paper's recipe (cached
under ``$NEUROGEN_CACHE/networks`` by config, seed and epochs, so each is trained once for all
studies); ``tiny`` trains small networks on a few hundred images in seconds, for tests.

A :class:`Context` is what a study's ``measure`` receives: the main subject with its data and
concept hierarchy, and :func:`subject_context` for any other subject of the profile (another Nz or
seed).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import attrs
import numpy as np
import xarray as xr

from neurogen._files import atomic_path
from neurogen._netcdf import cf_global_attrs, write_dataset
from neurogen.concepts import ConceptHierarchy
from neurogen.data import Digits, cache_dir, load_mnist
from neurogen.network import Network, NetworkConfig

__all__ = ["Profile", "PROFILES", "BySize", "TrialSizes", "get_profile", "Context", "context", "context_for",
           "subject_context", "development_checkpoints", "FIG_WIDTH", "save_figure", "save_data", "save_json",
           "shipped_latents"]


@attrs.frozen
class Profile:
    """Which subject a run studies; the sizes of each study live in that study's ``SIZES``.

    Parameters
    ----------
    name : {"tiny", "quick", "paper"}
        Picks each study's sizes (``SIZES[name]``).
    subject : {"default", "train"}
        ``default``: the shipped subjects (``Network.default(n_latent, seed)``, the zoo); ``train``:
        train with the fields below (cached by config, seed and data).
    n_latent, n_hidden, epochs, n_train : int
        Training config when ``subject="train"`` (``n_train=0``: all 60,000 images).
    n_memories : int
        Training images encoded for the hierarchy (0: all).
    n_boot : int
        Bootstrap resamples over trials for each verdict's robustness (the report's ``fragile`` column).
    seed : int
        The main subject's seed and the seed of every stimulus.
    """

    name: str = attrs.field(validator=attrs.validators.in_(("tiny", "quick", "paper")))
    subject: str = attrs.field(default="default", validator=attrs.validators.in_(("default", "train")))
    n_latent: int = 100
    n_hidden: int = 1024
    epochs: int = 100
    n_train: int = 0
    n_memories: int = 0
    seed: int = 0
    n_boot: int = 200

    def training(self) -> str:
        """How this profile's subjects were trained, in words (for titles and claims)."""
        if self.subject == "default":
            return "the shipped zoo (the paper's recipe, 100 epochs on 60,000 images)"
        return f"trained here ({self.n_hidden} hidden units, {self.epochs} epochs on {self.n_train or 60000} images)"

    def describe(self) -> str:
        """One line for reports."""
        if self.subject == "default":
            return f"profile {self.name!r}: the shipped subjects (Network.default; the zoo)"
        return (f"profile {self.name!r}: subjects trained here: Nz={self.n_latent}, {self.n_hidden} hidden, "
                f"{self.epochs} epochs on {self.n_train or 60000} images")


PROFILES = {
    "quick": Profile("quick"),
    "paper": Profile("paper", subject="train"),
    "tiny": Profile("tiny", subject="train", n_latent=8, n_hidden=64, epochs=2, n_train=600,
                    n_memories=600, n_boot=20),
}

S = TypeVar("S")


@attrs.frozen
class BySize(Generic[S]):
    """A study's sizes, one instance per profile: ``SIZES["quick"]`` (an unknown profile is an error)."""

    tiny: S
    quick: S
    paper: S

    def __getitem__(self, profile: str | Profile) -> S:
        name = profile.name if isinstance(profile, Profile) else profile
        if name not in ("tiny", "quick", "paper"):
            msg = f"profile must be one of ['paper', 'quick', 'tiny'], got {name!r}."
            raise ValueError(msg)
        return getattr(self, name)


def get_profile(profile: str | Profile) -> Profile:
    """Look a profile up by name (``quick``, ``paper``, ``tiny``) or pass one through."""
    if isinstance(profile, Profile):
        return profile
    if profile not in PROFILES:
        msg = f"profile must be one of {sorted(PROFILES)} or a Profile, got {profile!r}."
        raise ValueError(msg)
    return PROFILES[profile]


@attrs.frozen
class TrialSizes:
    """Sizes of a noisy-digit protocol: trials (per label), steps T, the subjects' seeds, the label (for
    one-label protocols), the noise fraction p and the pixel-swap reading."""

    trials: int
    steps: int
    seeds: tuple[int, ...]
    label: int = 6
    p: float = 0.2
    mode: str = "invert"


@attrs.frozen(eq=False)
class Context:
    """The subject, its training data and its concept hierarchy, shared by the studies of one run."""

    profile: Profile
    network: Network
    train: Digits
    test: Digits
    hierarchy: ConceptHierarchy
    data: Digits  # the images stimuli are drawn from (the training split, as in the paper)
    device: str = "auto"
    data_key: str | None = None

    def subject(self, n_latent: int | None = None, seed: int | None = None) -> Context:
        """The context of another subject of this profile (see :func:`subject_context`)."""
        return subject_context(self, n_latent, seed)


def shipped_latents(ctx: Context, n_latent: tuple[int, ...], seed: int = 0) -> tuple[list[int], list[int]]:
    """The latent sizes of ``n_latent`` that this profile can study, and those it cannot.

    A profile that trains its subjects (``tiny``, ``paper``) has them all; one that uses the shipped
    zoo (``quick``) has the shipped ones only (a subject still in training is reported as missing).
    """
    if ctx.profile.subject != "default":
        return list(n_latent), []
    from neurogen.network import zoo

    have = {(e.n_latent, e.seed) for e in zoo()}
    return ([nz for nz in n_latent if (nz, seed) in have], [nz for nz in n_latent if (nz, seed) not in have])


def _keep(p: Profile) -> list[int]:
    return sorted({e for e in (1, 2, 5, 10, 25, 50, 100) if e <= p.epochs} | {p.epochs})


def _training_run(p: Profile, train_data: Digits, test_data: Digits, device: str) -> dict[int, Path]:
    """Train once per (config, epochs, data, seed), keeping the development epochs; cached, resumable."""
    from neurogen.training import train

    config = NetworkConfig(n_latent=p.n_latent, n_hidden=p.n_hidden)
    key = f"{config.key()}-e{p.epochs}-n{len(train_data)}-s{p.seed}-{train_data.sha256[:12]}"
    ckdir = cache_dir() / "networks" / key
    files = {e: ckdir / f"epoch-{e:04d}.pt" for e in _keep(p)}
    if not all(f.exists() for f in files.values()):
        net = Network(config, seed=p.seed)
        train(net, train_data, p.epochs, seed=p.seed, test_data=test_data, device=device,
              checkpoint_dir=ckdir, resume=True, keep=list(files))
    return files


def _train_cached(p: Profile, train_data: Digits, test_data: Digits, device: str) -> Network:
    return Network.load(_training_run(p, train_data, test_data, device)[p.epochs], device=device)


@lru_cache(maxsize=4)
def _context(p: Profile, device: str, data_key: str | None) -> Context:
    train_data = _DATA[data_key][0] if data_key else load_mnist("train")
    test_data = _DATA[data_key][1] if data_key else load_mnist("test")
    if p.n_train:
        train_data = train_data.select(n=min(p.n_train, len(train_data)), seed=0)
    if p.subject == "default":
        net = Network.default(n_latent=p.n_latent, seed=p.seed, device=device)
    else:
        net = _train_cached(p, train_data, test_data, device)
    return context_for(net, p, train_data, test_data, device=device, data_key=data_key)


def context_for(network: Network, profile: Profile, train_data: Digits, test_data: Digits, *,
                device: str = "auto", data_key: str | None = None) -> Context:
    """A :class:`Context` for a given network (its hierarchy computed from ``train_data``)."""
    mem_data = train_data if not profile.n_memories else train_data.select(
        n=min(profile.n_memories, len(train_data)), seed=0)
    hier = ConceptHierarchy.from_network(network, mem_data)
    return Context(profile, network, train_data, test_data, hier, train_data, device, data_key)


@lru_cache(maxsize=8)
def _subject(p: Profile, device: str, data_key: str | None, n_latent: int, seed: int) -> Context:
    return _context(attrs.evolve(p, n_latent=n_latent, seed=seed), device, data_key)


def subject_context(ctx: Context, n_latent: int | None = None, seed: int | None = None) -> Context:
    """The context of the subject with ``n_latent`` and ``seed`` under ``ctx``'s profile.

    ``quick``: the shipped subject ``Network.default(n_latent, seed)`` (an error lists the zoo when
    it is not shipped); ``paper`` and ``tiny``: trained with the profile's recipe (cached). Stimuli
    keep being drawn with the profile's seed, so subjects of different seeds see the same trials.
    """
    p = ctx.profile
    n = p.n_latent if n_latent is None else int(n_latent)
    s = p.seed if seed is None else int(seed)
    if (n, s) == (p.n_latent, p.seed):
        return ctx
    sub = _subject(p, ctx.device, ctx.data_key, n, s)
    return attrs.evolve(sub, profile=attrs.evolve(sub.profile, seed=p.seed))


_DATA: dict[str, tuple[Digits, Digits]] = {}


def development_checkpoints(profile: Profile, device: str = "auto",
                            data: tuple[Digits, Digits] | None = None) -> list[tuple[int, Network]]:
    """(epoch, network) for the kept checkpoints of one training run, in epoch order.

    ``quick``: the shipped default subject's run (``neurogen/default/development``, float16 copies
    of epochs 1, 5, 10, 25, plus the default itself at 100; epochs 2 and 50 are no longer
    shipped, to keep all shipped weights within 60 MB). ``train`` profiles: the kept
    checkpoints of the cached training run (retrained with ``keep=`` if missing).
    """
    from neurogen.network import DEFAULT_DIR

    if profile.subject == "default":
        out = [(int(f.stem.split("-")[1]), Network.load(f, device=device))
               for f in sorted((DEFAULT_DIR / "development").glob("epoch-*.pt"))]
        final = Network.default(device=device)
        return [*out, (int(final.provenance.get("epochs") or 100), final)]
    train_data, test_data = data if data is not None else (load_mnist("train"), load_mnist("test"))
    if profile.n_train:
        train_data = train_data.select(n=min(profile.n_train, len(train_data)), seed=0)
    files = _training_run(profile, train_data, test_data, device)
    return [(e, Network.load(f, device=device)) for e, f in files.items()]

def context(profile: str | Profile = "quick", device: str = "auto",
            data: tuple[Digits, Digits] | None = None) -> Context:
    """The shared subject, data and hierarchy for ``profile`` (computed once per process).

    ``data=(train, test)`` replaces MNIST (tests use small synthetic digits).
    """
    p = get_profile(profile)
    key = None
    if data is not None:
        key = f"{id(data[0])}-{id(data[1])}"
        _DATA[key] = data
    return _context(p, device, key)


# ------------------------------------------------------------------------------- output

#: Figure width in inches: the report's 1200 px page at 96 px per inch, less save_figure's padding.
#: Every study's ``plot`` draws this wide, its texts at least 9 pt as shown (tests/studies/test_figure_sizes.py).
FIG_WIDTH = 12.2


def save_figure(fig: Any, out: str | os.PathLike, name: str) -> list[Path]:
    """Write ``fig`` as ``out/name.png`` and ``out/name.pdf`` atomically; close it."""
    import matplotlib.pyplot as plt

    paths = []
    for ext in ("png", "pdf"):
        path = Path(out) / f"{name}.{ext}"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=ext, dpi=110, bbox_inches="tight")
        paths.append(path)
    plt.close(fig)
    return paths


def save_data(ds: xr.Dataset | xr.DataArray, out: str | os.PathLike, name: str,
              attrs: dict[str, Any] | None = None) -> Path:
    """Write the data behind a figure as ``out/name.nc`` atomically (netCDF4, zlib, fletcher32 checksums).

    Global attributes follow CF/ACDD (:func:`neurogen._netcdf.cf_global_attrs`); attrs that are not
    strings or numbers are stored as JSON text; bools become int8 and object arrays strings.
    """
    if isinstance(ds, xr.DataArray):
        ds = ds.to_dataset(name=ds.name or name)
    ds = ds.copy()
    merged = {**ds.attrs, **(attrs or {})}
    title = f"neurogen study {merged.get('study', name)}: {merged.get('caption', 'the data behind the figure')}"
    glob = cf_global_attrs(title[:500], neurogen_format="neurogen-study-data-1")
    ds.attrs = {**glob, **{k: (int(v) if isinstance(v, (bool, np.bool_)) else v
                                if isinstance(v, (str, int, float, np.integer, np.floating))
                                else json.dumps(v, default=str)) for k, v in merged.items()}}
    for v in list(ds.variables):
        if ds[v].dtype == bool:
            ds[v] = ds[v].astype("int8")
        elif ds[v].dtype == object:
            ds[v] = ds[v].astype(str)
    return write_dataset(ds, Path(out) / f"{name}.nc", complevel=1)


def save_json(obj: Any, out: str | os.PathLike, name: str) -> Path:
    """Write ``obj`` as ``out/name.json`` atomically."""
    path = Path(out) / f"{name}.json"
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(obj, indent=2, default=_jsonable))
    return path


def _jsonable(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, np.ndarray):
        return v.tolist()
    return str(v)


def subject_coords(ctx: Context, dim: str) -> dict[str, tuple[str, list[Any], dict[str, str]]]:
    """Coordinates naming ``ctx``'s subject along a length-1 ``dim`` (sha256, Nz, seed), for provenance."""
    net = ctx.network
    prov = getattr(net, "provenance", {}) or {}
    seed = prov.get("seed", prov.get("training", {}).get("seed", ctx.profile.seed))
    def lab(text: str) -> dict[str, str]:
        return {"long_name": text, "units": "1"}

    return {"network_sha256": (dim, [str(net.sha256)], lab("sha256 of the subject's checkpoint")),
            "subject_n_latent": (dim, [int(net.config.n_latent)], lab("number of latent units Nz of the subject")),
            "subject_seed": (dim, [int(seed) if seed is not None else -1],
                             lab("training seed in the subject's provenance"))}
