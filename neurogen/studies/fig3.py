"""Fig. 3: the concepts' activity (a), the PCA spectrum of the memories (b), cosine similarity (c)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen.studies._common import context, save_data, save_figure

CAPTION = ("(a) Activity pattern in the latent variable space of each concept. (b) Cumulative "
           "contribution ratio of principal components. (c) Cosine similarity between activity "
           "patterns of each label.")


def study(profile: Any = "quick", out: str | os.PathLike = ".", device: str = "auto", *,
          threshold: float = 0.01, data: Any = None) -> dict[str, Any]:
    """Active units, components for 70 % / 99 % of the variance, off-diagonal cosine similarity."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ctx = context(profile, device, data)
    hier = ctx.hierarchy
    active = na.active_units(hier.memory, threshold=threshold)
    spectrum = na.pca_spectrum(hier.memory)
    cos = na.cosine_similarity(hier.concept)
    off = float(na.off_diagonal_mean(cos))
    k70, k99 = na.n_components_for(spectrum, 0.70), na.n_components_for(spectrum, 0.99)

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    c = hier.concept
    lim = float(np.abs(c).max())
    im = axes[0].imshow(c.values, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    axes[0].set_xlabel("latent unit")
    axes[0].set_ylabel("label")
    axes[0].set_yticks(range(c.sizes["label"]), [str(v) for v in c.label.values])
    axes[0].set_title(f"(a) concepts; {int(active.sum())} of {c.sizes['unit']} units active")
    fig.colorbar(im, ax=axes[0])
    n_show = min(30, spectrum.sizes["component"])
    cum = spectrum["cumulative"].isel(component=slice(0, n_show))
    axes[1].plot(np.arange(1, n_show + 1), cum, "o-", ms=3)
    axes[1].axhline(0.7, ls=":", color="gray")
    axes[1].axvline(k70, ls=":", color="C3")
    axes[1].set_xlabel("principal component")
    axes[1].set_ylabel("cumulative contribution ratio")
    axes[1].set_title(f"(b) 70 %: {k70} components; 99 %: {k99}")
    im = axes[2].imshow(cos.values, cmap="RdBu_r", vmin=-1, vmax=1)
    axes[2].set_title(f"(c) cosine similarity; mean |off-diagonal| = {off:.2f}")
    axes[2].set_xlabel("label")
    axes[2].set_ylabel("label")
    fig.colorbar(im, ax=axes[2])
    files = save_figure(fig, out, "fig3")
    ds = xr.Dataset({"concept": c, "active": active.astype("int8"),
                     "unit_variance": hier.memory.var("sample"),
                     "explained_variance_ratio": spectrum["explained_variance_ratio"],
                     "cumulative": spectrum["cumulative"], "cosine_similarity": cos})
    files.append(save_data(ds, out, "fig3", {"profile": ctx.profile.name, "threshold": threshold,
                                             **ctx.network.describe()}))
    return {
        "figure": "fig3", "files": [str(f) for f in files],
        "active_units": int(active.sum()), "n_units": int(c.sizes["unit"]),
        "components_70": int(k70), "components_99": int(k99),
        "off_diagonal_abs_mean": off,
    }
