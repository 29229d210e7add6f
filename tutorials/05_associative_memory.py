# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5. An associative memory under the same instruments
#
# **You will learn** to build a Hopfield network that stores hierarchically correlated ±1 patterns
# (a root → concepts → memories tree), present it noisy memories with the same `Stimulus` /
# `run` / `ConceptHierarchy` / `neurogen.analysis` tools as the VAE, and compare: does its state
# also visit the concept before the memory, and does it show the stages I → II → III as noise grows?
#
# **You need** neurogen installed (`bash scripts/setup.sh`). Seconds on a CPU; no MNIST needed
# for the Hopfield part (the VAE panel uses the shipped default subject).

# %%
import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np

import neurogen as ng
from neurogen import analysis as na
from neurogen.associative import HierarchicalPatterns, HopfieldNetwork

TINY = os.environ.get("NEUROGEN_TUTORIAL_SIZE") == "tiny"
OUT = os.environ.get("NEUROGEN_TUTORIAL_OUT") or tempfile.mkdtemp(prefix="neurogen-tutorial-")
os.makedirs(OUT, exist_ok=True)
print("writing to", OUT)

# %% [markdown]
# ## Hierarchical patterns and the network
# Concepts are correlated with the root with strength b₁, memories with their concept with b₂.
# Hebbian couplings J = (1/N) Σ ξξᵀ store the memories; the update here is the mean-field
# m ← tanh(h / T) at a low temperature T.

# %%
patterns = HierarchicalPatterns(n_units=300 if TINY else 2000, n_concepts=5, n_memories=5,
                                b_concept=0.2, b_memory=0.35, seed=0)
hopfield = HopfieldNetwork(patterns.memories, update="synchronous", temperature=0.2, dynamics="mean_field")
hier = patterns.hierarchy("centroid")  # concepts = class means, as the paper defines them
print(hier)

# %% [markdown]
# ## Noisy memories through the same `run`
# `patterns.stimulus(p)` flips each unit with probability p (pixel swap on ±1 units).

# %%
noise = [0.0, 0.2, 0.35, 0.45, 0.6, 1.0] if TINY else [0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.8, 1.0]
stim = patterns.stimulus(noise, repeats=2 if TINY else 4, seed=0)
rec = ng.run(hopfield, stim, steps=8 if TINY else 20)
print(rec)

# %% [markdown]
# ## The transient and the stages, measured as for the VAE

# %%
at = rec.where_noise(0.35)
band = na.mean_sem(na.distance(at.latent, hier.concept))
print("Hopfield dip:", na.returns_to_concept(band["mean"])["outcome"].values)
mins = {level: na.min_distance(na.distance(rec.latent, getattr(hier, level)))["min"]
        for level in ("memory", "concept", "abstract")}
st = na.stages(mins)
print("Hopfield stages:", st["numeral"].values.tolist(), "boundaries:", st["boundary"].values.round(3).tolist())

# %% [markdown]
# ## Side by side with the VAE
# The same Fig. 4 measurement on the shipped VAE (fewer trials than the paper, for speed).

# %%
net = ng.Network.default(device="cpu")
digits = ng.load_mnist("train")
vae_hier = ng.ConceptHierarchy.from_network(net, digits)
vstim = ng.Stimulus.from_dataset(digits, label=6, n=5 if TINY else 50, noise=ng.PixelSwap(noise), seed=0)
vrec = ng.run(net, vstim, steps=10 if TINY else 40)
vst = na.stages({level: na.min_distance(na.distance(vrec.latent, getattr(vae_hier, level)))["min"]
                 for level in ("memory", "concept", "abstract")})
print("VAE stages:", vst["numeral"].values.tolist())

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for ax, s, title in ((axes[0], st, "Hopfield"), (axes[1], vst, "VAE")):
    for level in na.LEVELS:
        ax.errorbar(s.noise, s["mean"].sel(level=level), yerr=s["sem"].sel(level=level), fmt="o-", label=level)
    ax.set_title(title)
    ax.set_xlabel("noise fraction p")
axes[0].set_ylabel("min_t ‖state − ξ‖₂")
axes[0].legend()
fig.savefig(os.path.join(OUT, "05_associative.png"))
print("wrote", os.path.join(OUT, "05_associative.png"))
