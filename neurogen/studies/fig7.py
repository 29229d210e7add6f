"""Fig. 7: generalization (test ELBO and importance-sampled log-likelihood) against the latent size Nz.

Two measurements, one figure:

* **the grid** (as in the paper, at reduced training in ``quick``): every Nz trained under a grid of
  constant Adam learning rates × mini-batch sizes through :func:`neurogen.sweep.sweep` (task
  :func:`neurogen.evaluation.train_elbo`, result files under ``$NEUROGEN_CACHE/sweeps/fig7``: a
  rerun resumes); for each Nz the setting with the best test ELBO is kept;
* **the reference at full training**: the subjects ``ctx.subject(n_latent=Nz, seed=0)`` (``quick``:
  the shipped zoo, the paper's recipe for 100 epochs; ``paper``: retrained; ``tiny``: the tiny
  subjects), their test ELBO (eq. 5) and importance-sampled log-likelihood
  (:func:`neurogen.evaluation.log_likelihood`, k = ``ll_samples``) on the same test images.

The plateau rule (:func:`neurogen.analysis.statistics.plateau`): Nz* is the smallest Nz whose bound
is within ``tol`` (1 nat) of the bound of every larger Nz. The paper's value is ≈ 14; a claim holds
if 7 ≤ Nz* ≤ 28 and Nz* is not the largest Nz measured (still improving there).
"""

from __future__ import annotations

import functools
from typing import Any

import attrs
import numpy as np
import xarray as xr

from neurogen import analysis as na

from neurogen.data import cache_dir
from neurogen.evaluation import data_fingerprint, log_likelihood, train_elbo
from neurogen.studies._common import FIG_WIDTH, BySize, Context, shipped_latents
from neurogen.studies._measure import PROGRESS
from neurogen.studies.claims import Claim, param, verdict
from neurogen.sweep import sweep

NAME = "fig7"
CAPTION = ("Generalization error for the number of elements of latent variables Nz. The y-axis "
           "represents the variational lower bound of the log-likelihood for test data.")
LONG_NAMES = {"spread_seed": "seed of the largest Nz's subjects (the seed spread)", "batch_size": "mini-batch size", "lr": "constant Adam learning rate",
              "n_latent": "latent size Nz (grid)", "reference_n_latent": "latent size Nz (full training)"}


@attrs.frozen
class Sizes:
    """The grid (Nz × learning rate × batch size) with its training sizes, and the reference Nz.

    ``n_train`` / ``n_test``: training and test images of the grid (0: all); the reference is
    evaluated on the same ``n_test`` test images. ``ll_samples``: k of the IS log-likelihood.
    """

    n_latent: tuple[int, ...]
    lr: tuple[float, ...]
    batch_size: tuple[int, ...]
    n_hidden: int
    epochs: int
    n_train: int
    n_test: int
    ll_samples: int
    reference: tuple[int, ...]
    tol: float = 1.0
    spread_seeds: tuple[int, ...] = (0, 1, 2)


SIZES = BySize(
    tiny=Sizes(n_latent=(2, 4, 8), lr=(1e-3,), batch_size=(50, 100), n_hidden=64, epochs=2, n_train=600,
               n_test=0, ll_samples=10, reference=(2, 4, 8), spread_seeds=(0, 1)),
    quick=Sizes(n_latent=(2, 5, 10, 15, 20, 30), lr=(1e-3,), batch_size=(50, 100), n_hidden=1024, epochs=5,
                n_train=10000, n_test=2000, ll_samples=50, reference=(2, 5, 6, 8, 10, 14, 20, 100)),
    paper=Sizes(n_latent=(2, 5, 8, 11, 14, 17, 20, 30, 50, 100), lr=(1e-2, 1e-3, 1e-4),
                batch_size=(50, 100, 200), n_hidden=1024, epochs=100, n_train=0, n_test=0, ll_samples=100,
                reference=(2, 5, 6, 8, 10, 14, 20, 100)),
)


def _grid(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """The short-training grid through the sweep; best (lr, batch size) per Nz."""
    data = None if ctx.data_key is None else (ctx.train, ctx.test)
    fn = functools.partial(train_elbo, data=data, device=ctx.device)
    dims = {"n_latent": sorted(int(v) for v in sizes.n_latent), "lr": [float(v) for v in sizes.lr],
            "batch_size": [int(v) for v in sizes.batch_size]}
    constants = {"n_hidden": sizes.n_hidden, "epochs": sizes.epochs, "n_train": sizes.n_train,
                 "n_test": sizes.n_test, "ll_samples": sizes.ll_samples, "seed": ctx.profile.seed,
                 "data_seed": ctx.profile.seed, "data_key": data_fingerprint(data)}
    n_tasks = int(np.prod([len(v) for v in dims.values()]))
    ds = sweep(dims, fn, None, cache_dir() / "sweeps" / NAME, constants=constants, progress=PROGRESS.get(),
               n_workers=max(1, min(n_tasks, 2)))
    if "test_elbo" not in ds:
        msg = f"every fig7 training task failed: {ds.attrs['errors'][:800]}"
        raise RuntimeError(msg)
    if "test_log_likelihood" not in ds:
        ds["test_log_likelihood"] = xr.full_like(ds["test_elbo"], np.nan)
    stacked = ds[["test_elbo", "test_log_likelihood"]].stack(setting=("lr", "batch_size"))
    elbo = stacked["test_elbo"].fillna(-np.inf)
    pick = elbo.argmax("setting")
    best = stacked.isel(setting=pick)
    return xr.Dataset({
        "grid_elbo": ds["test_elbo"].assign_attrs(long_name="test ELBO, short training", units="nat"),
        "grid_log_likelihood": ds["test_log_likelihood"].assign_attrs(
            long_name="test log-likelihood (IS), short training", units="nat"),
        "best_elbo": best["test_elbo"].drop_vars(["setting", "lr", "batch_size"]).assign_attrs(
            long_name="best test ELBO over the grid", units="nat"),
        "best_log_likelihood": best["test_log_likelihood"].drop_vars(["setting", "lr", "batch_size"]).assign_attrs(
            long_name="IS log-likelihood at the best setting", units="nat"),
        "best_lr": ("n_latent", best["lr"].values, {"long_name": "learning rate of the best setting"}),
        "best_batch_size": ("n_latent", best["batch_size"].values, {"long_name": "batch size of the best setting"}),
    }).assign_attrs(n_failed=int(ds.attrs["n_failed"]))


def _reference(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """Test ELBO and IS log-likelihood of the profile's fully trained subjects."""
    test = ctx.test
    if sizes.n_test and sizes.n_test < len(test):
        test = test.select(n=sizes.n_test, seed=ctx.profile.seed)
    elbo, ll, sha = [], [], []
    nzs, missing = shipped_latents(ctx, tuple(sorted(int(v) for v in sizes.reference)))
    for nz in nzs:
        net = ctx.subject(n_latent=nz, seed=0).network
        elbo.append(net.mean_elbo(test, seed=ctx.profile.seed))
        ll.append(log_likelihood(net, test, k=sizes.ll_samples, seed=ctx.profile.seed))
        sha.append(str(net.sha256))
    c = {"reference_n_latent": nzs, "spread_seed": list(sizes.spread_seeds)}
    top = max(nzs)
    spread = [ctx.subject(n_latent=top, seed=sd).network.mean_elbo(test, seed=ctx.profile.seed)
              for sd in sizes.spread_seeds]
    return xr.Dataset({
        "spread_elbo": ("spread_seed", spread, {"long_name": f"test ELBO, full training, Nz = {top}, by seed",
                                                "units": "nat"}),
        "reference_elbo": ("reference_n_latent", elbo, {"long_name": "test ELBO, full training", "units": "nat"}),
        "reference_log_likelihood": ("reference_n_latent", ll, {"long_name": "test log-likelihood (IS), full "
                                                                "training", "units": "nat"}),
        "reference_sha256": ("reference_n_latent", sha, {"long_name": "sha256 of the subject"}),
    }, coords=c).assign_attrs(reference_test_images=len(test), not_shipped=", ".join(map(str, missing)) or "none")


def measure(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """The grid's best bounds per Nz and the full-training reference curve."""
    out = xr.merge([_grid(ctx, sizes), _reference(ctx, sizes)], combine_attrs="no_conflicts")
    out.attrs.update({"tol": sizes.tol, "epochs": sizes.epochs, "n_train": sizes.n_train,
                      "n_test": sizes.n_test, "ll_samples": sizes.ll_samples,
                      "reference_training": ctx.profile.training()})
    return out


#: The paper's latent size beyond which the test bound stops improving (Fig. 7, marked on the plot).
PAPER_NZ = 14


def plot(ds: xr.Dataset) -> Any:
    """Best test ELBO and IS log-likelihood per Nz: the short grid (every setting faint) and the
    reference; the paper's Nz = 14 is marked, the legend sits beside the axes."""
    import textwrap

    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 4.8), layout="constrained")
    nz = ds["n_latent"].values
    grid = ds["grid_elbo"].stack(setting=("lr", "batch_size")).transpose("n_latent", "setting")
    for k, v in enumerate(grid.values.T):
        ax.plot(nz, v, "-", color="gray", alpha=0.3, lw=0.8, label="test ELBO, each lr × batch size" if k == 0 else None)
    ax.plot(nz, ds["best_elbo"], "o-", color="C0",
            label=f"test ELBO, {int(ds.attrs['epochs'])} epochs (best lr × batch size)")
    ax.plot(nz, ds["best_log_likelihood"], "s--", color="C0", alpha=0.7,
            label=f"test log-likelihood (IS, k = {int(ds.attrs['ll_samples'])}), same runs")
    rz = ds["reference_n_latent"].values
    ax.plot(rz, ds["reference_elbo"], "o-", color="C1", label="test ELBO, full training")
    ax.plot(rz, ds["reference_log_likelihood"], "s--", color="C1", alpha=0.7,
            label="test log-likelihood (IS), full training")
    for name, color, ls in (("best_elbo", "C0", ":"), ("reference_elbo", "C1", "-.")):
        star = _plateau(ds, name)
        if star is not None:
            ax.axvline(star, color=color, ls=ls, lw=1, label=rf"plateau $N_z^* = {star}$ ({name.split('_')[0]})")
    ax.axvline(PAPER_NZ, color="k", lw=2, alpha=0.35, zorder=0, label=rf"paper: $N_z \approx {PAPER_NZ}$")
    ax.text(PAPER_NZ, 0.5, rf"paper: $N_z \approx {PAPER_NZ}$ ", transform=ax.get_xaxis_transform(), rotation=90,
            ha="right", va="center", fontsize=10, color="0.3")
    ax.set_xscale("log")
    ticks = sorted({int(v) for v in (*nz, *rz, PAPER_NZ)})
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(r"$N_z$")
    ax.set_ylabel("nats per test image")
    title = (f"grid: lr {ds['lr'].values.tolist()} × batch {ds['batch_size'].values.tolist()}; "
             f"reference: {ds.attrs['reference_training']}")
    ax.set_title("\n".join(textwrap.wrap(title, 110)), fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    return fig


def _plateau(ds: xr.Dataset, name: str) -> int | None:
    dim = ds[name].dims[0]
    star = na.plateau(ds[name], dim, tol=param(float(ds.attrs["tol"])))
    return None if star is None else int(star)


def _claim(ds: xr.Dataset, name: str, ll_name: str, what: str, subjects: str) -> Claim:
    dim = ds[name].dims[0]
    nzs = [int(v) for v in ds[dim].values]
    star, star_ll = _plateau(ds, name), _plateau(ds, ll_name)
    last = star is not None and star == max(nzs)
    curve = ", ".join(f"{n}: {v:.1f}" for n, v in zip(nzs, ds[name].values))
    ok = None if star is None else (7 <= star <= 28 and not last)
    return Claim(NAME, f"The test bound stops improving near Nz ≈ 14 ({what})", "≈ 14",
                 f"Nz* = {star}{' (still improving at the largest Nz)' if last else ''}; test ELBO by Nz: "
                 f"{curve}; the IS log-likelihood levels off at Nz = {star_ll}", verdict(ok),
                 f"Nz* = smallest Nz whose test ELBO is within {float(ds.attrs['tol']):g} nat of every larger "
                 "Nz's; holds if 7 ≤ Nz* ≤ 28 and Nz* is not the largest Nz measured", subjects)


def seed_plateau(ds: xr.Dataset) -> tuple[int | None, float]:
    """Nz* at full training: the smallest Nz whose test ELBO is within the seed spread of the best value.

    The spread is the range (max − min) of the test ELBO of the largest Nz's seeds (``spread_elbo``),
    scaled by the robustness check (:func:`~neurogen.studies.claims.param`).
    """
    spread = param(float(ds["spread_elbo"].max() - ds["spread_elbo"].min()))
    elbo = ds["reference_elbo"]
    best = float(elbo.max())
    within = [int(n) for n, v in zip(elbo["reference_n_latent"].values, elbo.values) if best - float(v) <= spread]
    return (min(within) if within else None), spread


def claims(ds: xr.Dataset) -> list[Claim]:
    """The plateau near Nz ≈ 14, on the short grid and at full training (1-nat rule and seed-spread rule)."""
    grid = (f"one network per Nz and setting, {int(ds.attrs['epochs'])} epochs on "
            f"{int(ds.attrs['n_train']) or 60000} images, seed 0")
    return [_claim(ds, "best_elbo", "best_log_likelihood", f"{int(ds.attrs['epochs'])}-epoch grid", grid),
            _claim(ds, "reference_elbo", "reference_log_likelihood", "full training",
                   f"seed 0; {ds.attrs['reference_training']}" + _missing(ds))] + _spread_claim(ds)


def _missing(ds: xr.Dataset) -> str:
    gone = ds.attrs.get("not_shipped", "none")
    return "" if gone == "none" else f"; not shipped yet: Nz = {gone}"


def _spread_claim(ds: xr.Dataset) -> list[Claim]:
    if "spread_elbo" not in ds:
        return []
    star, spread = seed_plateau(ds)
    nzs = [int(v) for v in ds["reference_n_latent"].values]
    seeds = [int(v) for v in ds["spread_seed"].values]
    ok = None if star is None else (7 <= star <= 28 and star != max(nzs))
    return [Claim(NAME, "The full-training test ELBO comes within its seed spread of its best value near Nz ≈ 14",
                  "in the vicinity of Nz = 14",
                  f"Nz* = {star}; seed spread (Nz = {max(nzs)}, seeds {seeds}: "
                  f"{', '.join(f'{v:.2f}' for v in ds['spread_elbo'].values)}) = {spread:.2f} nat; best "
                  f"{float(ds['reference_elbo'].max()):.2f} at Nz = {int(ds['reference_elbo'].idxmax())}",
                  verdict(ok), "Nz* = smallest Nz whose full-training test ELBO is within the range of the largest "
                  "Nz's seeds of the best test ELBO; holds if 7 ≤ Nz* ≤ 28 and Nz* is not the largest Nz",
                  f"Nz = {', '.join(map(str, nzs))} at seed 0; spread from seeds {seeds}" + _missing(ds))]
