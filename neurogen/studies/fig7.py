"""Fig. 7: generalization (test ELBO and importance-sampled log-likelihood) against the latent size Nz.

As in the paper, every Nz is trained under a grid of constant Adam learning rates and mini-batch
sizes, and the setting with the best test bound is kept for that Nz. The whole grid runs through
:func:`neurogen.sweep.sweep` (task :func:`neurogen.evaluation.train_elbo`, files in
``out/fig7_sweep``: a rerun resumes).

Grids by profile (:data:`GRIDS`):

* ``paper``: Nz ∈ {2, 5, 8, 11, 14, 17, 20, 30, 50, 100} × learning rate {0.01, 0.001, 0.0001} ×
  batch size {50, 100, 200}, 100 epochs on full MNIST, log-likelihood with k = 100 on the full
  test set;
* ``quick``: Nz ∈ {2, 5, 10, 15, 20, 30} × learning rate {0.001} × batch size {50, 100}, 5 epochs
  on 10,000 images, test bound on 2,000 test images, k = 50 (measured: 216 s on two idle CPU
  cores);
* ``tiny``: Nz ∈ {2, 4, 8} × {0.001} × {50, 100} with the tiny profile's network and data, k = 10.

The plateau rule (:func:`plateau`): Nz* is the smallest Nz whose best test ELBO is within ``tol``
(1 nat) of the best test ELBO of every larger Nz, i.e. beyond Nz* the bound never improves by
more than ``tol``. The paper's value is ≈ 14; the claim holds if 7 ≤ Nz* ≤ 28.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import numpy as np

from neurogen.evaluation import data_fingerprint, train_elbo
from neurogen.studies._common import Profile, get_profile, save_data, save_figure
from neurogen.sweep import sweep

CAPTION = ("Generalization error for the number of elements of latent variables Nz. The y-axis "
           "represents the variational lower bound of the log-likelihood for test data.")

#: Per profile: the grid (Nz × learning rate × batch size) and the training / evaluation sizes.
GRIDS: dict[str, dict[str, Any]] = {
    "tiny": {"n_latent": (2, 4, 8), "lr": (1e-3,), "batch_size": (50, 100), "ll_samples": 10},
    "quick": {"n_latent": (2, 5, 10, 15, 20, 30), "lr": (1e-3,), "batch_size": (50, 100),
              "n_hidden": 1024, "epochs": 5, "n_train": 10000, "n_test": 2000, "ll_samples": 50},
    "paper": {"n_latent": (2, 5, 8, 11, 14, 17, 20, 30, 50, 100), "lr": (1e-2, 1e-3, 1e-4),
              "batch_size": (50, 100, 200), "n_hidden": 1024, "epochs": 100, "n_train": 0,
              "n_test": 0, "ll_samples": 100},
}


def grid(profile: Profile) -> dict[str, Any]:
    """The grid and sizes for ``profile`` (unknown profiles: the paper's grid at its own sizes)."""
    base = {**GRIDS["paper"], "n_hidden": profile.n_hidden, "epochs": profile.epochs,
            "n_train": profile.n_train, "n_test": 0}
    return {**base, **GRIDS.get(profile.name, {})}


def plateau(n_latent: list[int], bound: list[float], tol: float = 1.0) -> int | None:
    """Smallest Nz whose bound is within ``tol`` of every larger Nz's bound (None: no finite bound).

    Examples
    --------
    >>> plateau([2, 5, 10, 20], [-150.0, -110.0, -100.0, -99.5])
    10
    """
    nz = np.asarray(n_latent)
    b = np.asarray(bound, dtype=float)
    order = np.argsort(nz)
    nz, b = nz[order], b[order]
    finite = np.isfinite(b)
    if not finite.any():
        return None
    nz, b = nz[finite], b[finite]
    best_after = np.maximum.accumulate(b[::-1])[::-1]  # max over this and every larger Nz
    return int(nz[np.flatnonzero(b >= best_after - tol)[0]])


def study(profile: Any = "quick", out: str | os.PathLike = ".", device: str = "auto", *,
          tol: float = 1.0, data: Any = None, client: Any = None, **overrides: Any) -> dict[str, Any]:
    """Best test ELBO and IS log-likelihood per Nz over the (lr × batch size) grid; the plateau Nz.

    ``overrides`` replace entries of the profile's grid (e.g. ``n_latent=(2, 10)``); ``client``
    is passed to :func:`~neurogen.sweep.sweep`; ``data=(train, test)`` replaces MNIST.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    prof = get_profile(profile)
    g = grid(prof)
    unknown = sorted(set(overrides) - set(g))
    if unknown:
        msg = f"unknown fig7 setting(s) {unknown}; choose from {sorted(g)}."
        raise ValueError(msg)
    g.update(overrides)
    if not (np.isfinite(tol) and tol >= 0):
        msg = f"tol must be a finite number >= 0, got {tol!r}."
        raise ValueError(msg)
    out = Path(out)
    fn = functools.partial(train_elbo, data=data, device=device)
    dims = {"n_latent": sorted(int(v) for v in g["n_latent"]), "lr": [float(v) for v in g["lr"]],
            "batch_size": [int(v) for v in g["batch_size"]]}
    constants = {k: g[k] for k in ("n_hidden", "epochs", "n_train", "n_test", "ll_samples")}
    constants.update(seed=prof.seed, data_seed=prof.seed, data_key=data_fingerprint(data))
    ds = sweep(dims, fn, client, out / "fig7_sweep", constants=constants, progress=False)

    if "test_elbo" not in ds:
        msg = f"every fig7 training task failed: {ds.attrs['errors'][:800]}"
        raise RuntimeError(msg)
    nzs = dims["n_latent"]
    settings = [(lr, bs) for lr in dims["lr"] for bs in dims["batch_size"]]
    elbo = ds["test_elbo"].transpose("n_latent", "lr", "batch_size").values.reshape(len(nzs), -1)
    lls = (ds["test_log_likelihood"].transpose("n_latent", "lr", "batch_size").values.reshape(len(nzs), -1)
           if "test_log_likelihood" in ds else np.full_like(elbo, np.nan))
    pick = np.argmax(np.where(np.isfinite(elbo), elbo, -np.inf), axis=1)
    ok = np.isfinite(elbo).any(axis=1)
    rows = np.arange(len(nzs))
    b_elbo = [float(v) if k else float("nan") for v, k in zip(elbo[rows, pick], ok)]
    b_ll = [float(v) if k else float("nan") for v, k in zip(lls[rows, pick], ok)]
    best = {"test_elbo": b_elbo, "test_log_likelihood": b_ll,
            "lr": [settings[i][0] if k else float("nan") for i, k in zip(pick, ok)],
            "batch_size": [settings[i][1] if k else -1 for i, k in zip(pick, ok)]}
    nz_star = plateau(nzs, b_elbo, tol)
    nz_star_ll = plateau(nzs, b_ll, tol)

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for v in elbo.T:  # every (lr, batch size) setting, faint
        ax.plot(nzs, v, "-", color="gray", alpha=0.3, lw=0.8)
    ax.plot(nzs, b_elbo, "o-", color="C0", label="test ELBO (best lr × batch size)")
    ax.plot(nzs, b_ll, "s--", color="C1", label=f"test log-likelihood (IS, k = {g['ll_samples']})")
    if nz_star is not None:
        ax.axvline(nz_star, color="C3", ls=":", label=f"plateau: Nz* = {nz_star} (tol {tol:g} nat)")
    ax.set_xscale("log")
    ax.set_xlabel("Nz")
    ax.set_ylabel("nats per test image")
    ax.set_title(f"{g['epochs']} epochs, grid lr {dims['lr']} × batch {dims['batch_size']}", fontsize=9)
    ax.legend(fontsize=8)
    files = save_figure(fig, out, "fig7")
    data_out = ds.assign({f"best_{k}": ("n_latent", v) for k, v in best.items()})
    files.append(save_data(data_out, out, "fig7", {"profile": prof.name, "tol": tol, "plateau_n_latent":
                                                   -1 if nz_star is None else nz_star, "grid": str(g)}))
    return {
        "figure": "fig7", "files": [str(f) for f in files], "n_latent": nzs,
        "best_test_elbo": b_elbo, "best_test_log_likelihood": b_ll,
        "best_lr": [float(v) for v in best["lr"]],
        "best_batch_size": [int(v) for v in best["batch_size"]],
        "plateau_n_latent": nz_star, "plateau_n_latent_ll": nz_star_ll, "tol": tol, "n_failed": int(ds.attrs["n_failed"]),
        "grid": {"lr": dims["lr"], "batch_size": dims["batch_size"], "epochs": g["epochs"],
                 "n_train": g["n_train"], "ll_samples": g["ll_samples"]},
    }


def claims(r: dict[str, Any]) -> list[Any]:
    """Claims for the replication report, with verdicts computed from the measured numbers."""
    from neurogen.studies.report import FAILS, HOLDS, UNMEASURED, Claim

    nz = r["plateau_n_latent"]
    curve = ", ".join(f"{n}: {v:.1f}" for n, v in zip(r["n_latent"], r["best_test_elbo"]))
    last = nz is not None and nz == max(r["n_latent"])
    verdict = UNMEASURED if nz is None else (HOLDS if 7 <= nz <= 28 and not last else FAILS)
    return [Claim("fig7", "The test bound stops improving near Nz ≈ 14", "≈ 14",
                  f"Nz* = {nz}{' (still improving at the largest Nz)' if last else ''}; best test ELBO "
                  f"by Nz: {curve}; the IS log-likelihood levels off at Nz = "
                  f"{r.get('plateau_n_latent_ll')}", verdict,
                  f"Nz* = smallest Nz whose best test ELBO is within {r['tol']:g} nat of every larger "
                  "Nz's; holds if 7 ≤ Nz* ≤ 28 and Nz* is not the largest Nz tried")]
