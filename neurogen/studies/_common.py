"""What every study shares: profiles, the subject (trained once, cached by config), figure and data output.

A :class:`Profile` fixes a study's sizes. ``quick`` uses the shipped default subject (the paper's
network trained 100 epochs) and the paper's trial counts; ``paper`` retrains the subject from
scratch with the paper's recipe (cached under ``$NEUROGEN_CACHE/networks`` by config, seed and
epochs, so it is trained once for all studies); ``tiny`` trains a small network on a few hundred
images in seconds, for tests.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import xarray as xr

from neurogen._files import atomic_path
from neurogen.concepts import ConceptHierarchy
from neurogen.data import Digits, cache_dir, load_mnist
from neurogen.network import Network, NetworkConfig

__all__ = ["Profile", "PROFILES", "get_profile", "Context", "context", "context_for", "development_checkpoints", "save_figure", "save_data", "save_json"]


@attrs.frozen
class Profile:
    """Sizes of a study run.

    Parameters
    ----------
    name : str
    subject : {"default", "train"}
        ``default``: the shipped subject; ``train``: train with the fields below (cached).
    n_latent, n_hidden, epochs, n_train : int
        Training config when ``subject="train"`` (``n_train=0``: all 60,000 images).
    trials_fig2, trials_fig4 : int
        Trials per label (Fig. 2) and per noise level (Fig. 4).
    noise_levels : int
        Points of the Fig. 4 grid over p in [0, 1].
    steps : int
        T, inference steps (paper: 80 in appendix B).
    n_memories : int
        Training images encoded for the hierarchy (0: all).
    seed : int
    """

    name: str
    subject: str = attrs.field(default="default", validator=attrs.validators.in_(("default", "train")))
    n_latent: int = 100
    n_hidden: int = 1024
    epochs: int = 100
    n_train: int = 0
    trials_fig2: int = 300
    trials_fig4: int = 500
    noise_levels: int = 21
    steps: int = 80
    n_memories: int = 0
    seed: int = 0

    def describe(self) -> str:
        """One line for reports."""
        subj = "shipped default subject (Nz=100, 100 epochs)" if self.subject == "default" else \
            f"trained here: Nz={self.n_latent}, {self.n_hidden} hidden, {self.epochs} epochs on " \
            f"{self.n_train or 60000} images"
        return (f"profile {self.name!r}: {subj}; {self.trials_fig2} trials/label (Fig. 2), "
                f"{self.trials_fig4} trials × {self.noise_levels} noise levels (Fig. 4), T={self.steps}")


PROFILES = {
    "quick": Profile("quick"),
    "paper": Profile("paper", subject="train"),
    "tiny": Profile("tiny", subject="train", n_latent=8, n_hidden=64, epochs=2, n_train=600,
                    trials_fig2=8, trials_fig4=6, noise_levels=5, steps=6, n_memories=600),
}


def get_profile(profile: str | Profile) -> Profile:
    """Look a profile up by name (``quick``, ``paper``, ``tiny``) or pass one through."""
    if isinstance(profile, Profile):
        return profile
    if profile not in PROFILES:
        msg = f"profile must be one of {sorted(PROFILES)} or a Profile, got {profile!r}."
        raise ValueError(msg)
    return PROFILES[profile]


@attrs.frozen(eq=False)
class Context:
    """The subject, its training data and its concept hierarchy, shared by the studies of one run."""

    profile: Profile
    network: Network
    train: Digits
    test: Digits
    hierarchy: ConceptHierarchy
    data: Digits  # the images stimuli are drawn from (the training split, as in the paper)


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
        train_data = train_data.select(n=min(p.n_train, len(train_data)), seed=p.seed)
    if p.subject == "default":
        net = Network.default(device=device)
    else:
        net = _train_cached(p, train_data, test_data, device)
    return context_for(net, p, train_data, test_data)


def context_for(network: Network, profile: Profile, train_data: Digits, test_data: Digits) -> Context:
    """A :class:`Context` for a given network (its hierarchy computed from ``train_data``)."""
    mem_data = train_data if not profile.n_memories else train_data.select(
        n=min(profile.n_memories, len(train_data)), seed=profile.seed)
    hier = ConceptHierarchy.from_network(network, mem_data)
    return Context(profile, network, train_data, test_data, hier, train_data)


_DATA: dict[str, tuple[Digits, Digits]] = {}


def development_checkpoints(profile: Profile, device: str = "auto",
                            data: tuple[Digits, Digits] | None = None) -> list[tuple[int, Network]]:
    """(epoch, network) for the kept checkpoints of one training run, in epoch order.

    ``quick``: the shipped default subject's run (``neurogen/default/development``, float16 copies
    of epochs 1, 2, 5, 10, 25, 50, plus the default itself at 100). ``train`` profiles: the kept
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
        train_data = train_data.select(n=min(profile.n_train, len(train_data)), seed=profile.seed)
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
    """Write the data behind a figure as ``out/name.nc`` (netCDF4) atomically."""
    if isinstance(ds, xr.DataArray):
        ds = ds.to_dataset(name=ds.name or name)
    ds = ds.copy()
    ds.attrs = {k: (v if isinstance(v, (str, int, float, np.integer, np.floating)) else json.dumps(v, default=str))
                for k, v in {**ds.attrs, **(attrs or {})}.items()}
    ds.attrs.setdefault("neurogen_format", "neurogen-study-data-1")
    for v in list(ds.variables):
        if ds[v].dtype == bool:
            ds[v] = ds[v].astype("int8")
        elif ds[v].dtype == object:
            ds[v] = ds[v].astype(str)
    path = Path(out) / f"{name}.nc"
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4")
    return path


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
