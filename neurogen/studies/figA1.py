"""Fig. A.1: two-dimensional PCA embedding of the memories, coloured by label (all, and three labels)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from neurogen import analysis as na
from neurogen.studies._common import context, save_data, save_figure

CAPTION = ("(a) Two-dimensional PCA embedding of the representations in the latent variable space. "
           "The color of each point represents the label of the data. (b) PCA embedding with only "
           "data corresponding to three labels.")


def _separation(emb: Any) -> float:
    """Between-class over total variance of the 2-D embedding (1: perfectly separated clusters)."""
    x = emb.values
    labels = emb["label"].values
    total = ((x - x.mean(0)) ** 2).sum()
    between = sum((labels == c).sum() * ((x[labels == c].mean(0) - x.mean(0)) ** 2).sum()
                  for c in np.unique(labels))
    return float(between / total)


def study(profile: Any = "quick", out: str | os.PathLike = ".", device: str = "auto", *,
          three: tuple[int, int, int] = (0, 1, 6), n_points: int = 5000, data: Any = None) -> dict[str, Any]:
    """PCA embedding of (a subsample of) the memories; between-class variance fraction as a number."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ctx = context(profile, device, data)
    mem = ctx.hierarchy.memory
    rng = np.random.default_rng(ctx.profile.seed)
    pick = np.sort(rng.choice(mem.sizes["sample"], size=min(n_points, mem.sizes["sample"]), replace=False))
    emb_all = na.pca_embedding(mem.isel(sample=pick), n=2)
    sub = mem.isel(sample=np.flatnonzero(np.isin(mem["label"].values, three)))
    sub = sub.isel(sample=np.sort(rng.choice(sub.sizes["sample"], size=min(n_points, sub.sizes["sample"]),
                                             replace=False)))
    emb_three = na.pca_embedding(sub, n=2)
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    for ax, emb, title in ((axes[0], emb_all, "(a) all labels"), (axes[1], emb_three, f"(b) labels {three}")):
        sc = ax.scatter(emb.isel(component=0), emb.isel(component=1), c=emb["label"], cmap="tab10",
                        vmin=-0.5, vmax=9.5, s=3)
        ax.set_xlabel("PC 1")
        ax.set_ylabel("PC 2")
        ax.set_title(title)
    fig.colorbar(sc, ax=axes, ticks=range(10), label="label")
    files = save_figure(fig, out, "figA1")
    ds = emb_all.rename("embedding_all").to_dataset()
    ds["embedding_three"] = emb_three.rename(sample="sample_three")
    files.append(save_data(ds, out, "figA1", {"profile": ctx.profile.name, **ctx.network.describe()}))
    return {"figure": "figA1", "files": [str(f) for f in files], "points": int(len(pick)),
            "separation_all": _separation(emb_all), "separation_three": _separation(emb_three)}
