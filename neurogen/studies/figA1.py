"""Fig. A.1: two-dimensional PCA embedding of the memories, coloured by label (all, and three labels).

Protocol: a random subsample of at most ``n_points`` memories ξ(i) (eq. 9) of the main subject,
projected on their first two principal components (:func:`neurogen.analysis.pca_embedding`); then
the same for the memories of ``three`` labels only. The paper's "clusters" become a number: the
between-label share of the embedding's variance (1: every label a point, 0: labels mixed).
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen._netcdf import describe_variables
from neurogen.studies._common import FIG_WIDTH, BySize, Context, subject_coords
from neurogen.studies.claims import Claim, verdict

NAME = "figA1"
CAPTION = ("(a) Two-dimensional PCA embedding of the representations in the latent variable space. "
           "The color of each point represents the label of the data. (b) PCA embedding with only "
           "data corresponding to three labels.")


#: long_name of each variable of the dataset (all dimensionless).
LONG_NAMES = {
    "embedding_all": "memory projected on the first principal components (all labels)",
    "embedding_three": "memory projected on the first principal components (three labels)",
    "sample_three": "index into the MNIST training split",
    "label_three": "digit label",
    "component": "principal component (1: the largest)",
    "explained_all": "fraction of the variance along the component (all labels)",
    "explained_three": "fraction of the variance along the component (three labels)",
    "separation_all": "between-label share of the embedding's variance (all labels)",
    "separation_three": "between-label share of the embedding's variance (three labels)",
}


@attrs.frozen
class Sizes:
    """Memories embedded (at most) and the three labels of panel (b)."""

    n_points: int = 5000
    three: tuple[int, int, int] = (0, 1, 6)


SIZES = BySize(tiny=Sizes(), quick=Sizes(), paper=Sizes())


def separation(embedding: xr.DataArray, dim: str) -> float:
    """Between-label over total variance of a 2-D embedding (1: perfectly separated clusters)."""
    x = embedding.transpose(dim, "component").values.astype(np.float64)
    labels = embedding["label"].values
    centre = x.mean(0)
    total = ((x - centre) ** 2).sum()
    between = sum((labels == c).sum() * ((x[labels == c].mean(0) - centre) ** 2).sum()
                  for c in np.unique(labels))
    return float(between / total)


def _embed(memories: xr.DataArray, n_points: int, rng: np.random.Generator) -> xr.DataArray:
    pick = np.sort(rng.choice(memories.sizes["sample"], size=min(n_points, memories.sizes["sample"]),
                              replace=False))
    return na.pca_embedding(memories.isel(sample=pick), n=2)


def measure(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """The two embeddings (with labels), each one's explained-variance ratios and between-label share."""
    mem = ctx.hierarchy.memory
    rng = np.random.default_rng(ctx.profile.seed)
    emb_all = _embed(mem, sizes.n_points, rng)
    emb_three = _embed(mem.isel(sample=np.flatnonzero(np.isin(mem["label"].values, sizes.three))),
                       sizes.n_points, rng)
    ds = xr.Dataset({
        "embedding_all": emb_all,
        "embedding_three": emb_three.rename(sample="sample_three", label="label_three"),
        "explained_all": ("component", np.asarray(emb_all.attrs["explained_variance_ratio"])),
        "explained_three": ("component", np.asarray(emb_three.attrs["explained_variance_ratio"])),
        "separation_all": separation(emb_all, "sample"),
        "separation_three": separation(emb_three, "sample"),
    })
    ds = describe_variables(ds, LONG_NAMES)
    coords = {k: v[1][0] for k, v in subject_coords(ctx, "subject").items()}
    ds.attrs.update({"three": ",".join(str(k) for k in sizes.three), "seed": coords["subject_seed"],
                     "n_latent": coords["subject_n_latent"]})
    return ds


def plot(ds: xr.Dataset) -> Any:
    """(a) all labels, (b) the three labels; one colour per label (one colour bar for both).

    Drawn for the report's page (:data:`~neurogen.studies._common.FIG_WIDTH` wide, texts of at least 10 pt).
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(FIG_WIDTH, 5.4), layout="constrained")
    panels = ((ds["embedding_all"], "label", "sample", "(a) all labels", ds["separation_all"]),
              (ds["embedding_three"], "label_three", "sample_three", f"(b) labels {ds.attrs['three']}",
               ds["separation_three"]))
    sc = None
    for ax, (emb, lab, dim, title, sep) in zip(axes, panels):
        e = emb.transpose(dim, "component")
        sc = ax.scatter(e.isel(component=0), e.isel(component=1), c=ds[lab].values, cmap="tab10",
                        vmin=-0.5, vmax=9.5, s=3)
        ax.set_xlabel("PC 1")
        ax.set_ylabel("PC 2")
        ax.set_title(f"{title}: {e.sizes[dim]} memories\nbetween-label share of the variance {float(sep):.2f}",
                     fontsize=11)
    fig.colorbar(sc, ax=axes, ticks=range(10), label="label")
    return fig


def claims(ds: xr.Dataset) -> list[Claim]:
    """The memories form label clusters in the PCA plane."""
    sep_all, sep_three = float(ds["separation_all"]), float(ds["separation_three"])
    return [Claim(NAME, "Latent space shows the 10 label clusters (PCA)", "qualitative (Fig. A.1)",
                  f"between-label variance share {sep_all:.2f} (all), {sep_three:.2f} (three labels)",
                  verdict(sep_all > 0.5), "between-label share of the 2-D embedding's variance > 0.5",
                  f"Nz = {int(ds.attrs['n_latent'])}, seed {int(ds.attrs['seed'])}")]
