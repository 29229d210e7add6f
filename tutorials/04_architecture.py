# %% [markdown]
# # 4. Architecture: how many latent units does a concept need?
#
# **You will learn** to train small VAEs with different numbers of latent units Nz with
# `neurogen.train`, and to see how the concepts become orthogonal (cosine similarity, eq. 11) and
# the dip appears as Nz grows (the paper's section 3.3).
#
# **You need** neurogen installed (`bash scripts/setup.sh`). About a minute on a CPU: the networks
# are small and trained briefly, so the numbers are rough — the paper's full picture needs the
# full recipe (`neurogen train --epochs 100`).

# %%
import os
import tempfile

import matplotlib.pyplot as plt

import neurogen as ng
from neurogen import analysis as na

TINY = os.environ.get("NEUROGEN_TUTORIAL_SIZE") == "tiny"
OUT = os.environ.get("NEUROGEN_TUTORIAL_OUT") or tempfile.mkdtemp(prefix="neurogen-tutorial-")
os.makedirs(OUT, exist_ok=True)
print("writing to", OUT)

digits = ng.load_mnist("train").select(n=300 if TINY else 5000, seed=0)
sizes = [2, 10] if TINY else [2, 5, 20]

# %% [markdown]
# ## Train one network per Nz
# `train` uses the paper's schedule (Adam, 5e-4 → 1e-4 → 5e-5) and returns its log as an
# xarray Dataset over `epoch`.

# %%
results = {}
for nz in sizes:
    net = ng.Network(ng.NetworkConfig(n_latent=nz, n_hidden=64 if TINY else 256), seed=0)
    log = ng.train(net, digits, epochs=1 if TINY else 6, seed=0, progress=False)
    hier = ng.ConceptHierarchy.from_network(net, digits)
    cos = na.cosine_similarity(hier.concept)
    stim = ng.Stimulus.from_dataset(digits, label=6, n=10 if TINY else 50, noise=0.2, seed=0)
    band = na.mean_sem(na.distance(ng.run(net, stim, steps=10 if TINY else 40).latent, hier.concept))
    results[nz] = (cos, band, na.returns_to_concept(band["mean"]))
    print(f"Nz={nz}: train ELBO {float(log.train_elbo[-1]):.1f}, "
          f"mean |off-diagonal cos| {float(na.off_diagonal_mean(cos)):.2f}, "
          f"dip: {bool(results[nz][2]['dip'])}")

# %% [markdown]
# ## Compare
# Top: distance to the concept of '6'. Bottom: cosine similarity between concepts — closer to
# the identity matrix as Nz grows.

# %%
fig, axes = plt.subplots(2, len(sizes), figsize=(3.2 * len(sizes), 6), squeeze=False)
for k, nz in enumerate(sizes):
    cos, band, _ = results[nz]
    axes[0, k].plot(band.time, band["mean"])
    axes[0, k].set_title(f"Nz = {nz}")
    axes[1, k].imshow(cos.values, vmin=-1, vmax=1, cmap="RdBu_r")
fig.savefig(os.path.join(OUT, "04_architecture.png"))
print("wrote", os.path.join(OUT, "04_architecture.png"))
