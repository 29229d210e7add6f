# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Concepts and distances
#
# **You will learn** to build the concept hierarchy of a subject — memories ξ(i) (each training
# image's latent code), concepts ξ̄_num (class means, eq. 8) and the abstract concept ξ̄_all (the
# mean of the concepts, eq. 12) — and to measure how far the recorded state z(t) is from each level
# over inference time (eq. 10), with mean ± SEM over trials. Then what the *dip* means.
#
# **You need** neurogen installed (`bash scripts/setup.sh`). Under a minute on a CPU.

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

digits = ng.load_mnist("train")
net = ng.Network.default(device="cpu")

# %% [markdown]
# ## The hierarchy
# `ConceptHierarchy.from_network` encodes every training image (60,000 of them: a few seconds).

# %%
hier = ng.ConceptHierarchy.from_network(net, digits if not TINY else digits.select(n=3000, seed=0))
print(hier)
print(hier.concept.dims, hier.abstract.dims)

# %% [markdown]
# ## Record noisy '6's and measure distances
# `distance(latent, target)` broadcasts: against `hier.concept` each trial is compared with its own
# label's concept; against `hier.memory` with its own source image's memory (through the
# recording's `source` coordinate); against `hier.abstract` with the one abstract pattern.

# %%
stim = ng.Stimulus.from_dataset(digits, label=6, n=10 if TINY else 100, noise=0.2, seed=1)
if TINY:  # the tiny hierarchy holds only some memories: draw the stimuli from those
    stim = ng.Stimulus.from_dataset(digits, indices=hier.memory.sample.values[hier.memory.label.values == 6][:10],
                                    noise=0.2, seed=1)
rec = ng.run(net, stim, steps=20 if TINY else 80)
d = {
    "memory": na.distance(rec.latent, hier.memory),
    "concept": na.distance(rec.latent, hier.concept),
    "abstract": na.distance(rec.latent, hier.abstract),
}
bands = {k: na.mean_sem(v) for k, v in d.items()}

fig, ax = plt.subplots(figsize=(6, 3.5))
for name, band in bands.items():
    ax.plot(band.time, band["mean"], label=name)
    ax.fill_between(band.time, band["mean"] - band["sem"], band["mean"] + band["sem"], alpha=0.3)
ax.set_xlabel("inference step t")
ax.set_ylabel("‖z(t) − ξ‖₂")
ax.legend()
fig.savefig(os.path.join(OUT, "02_distances.png"))
print("wrote", os.path.join(OUT, "02_distances.png"))

# %% [markdown]
# ## The dip
# The paper's main claim: the trajectory *first approaches the concept, then moves away* toward
# the memory. `returns_to_concept` turns this into numbers: whether there is a dip, when, how deep
# (d_min / d(0)) and what follows ("settles" near the memory, or "runs_away").

# %%
dip = na.returns_to_concept(bands["concept"]["mean"])
print({k: dip[k].values.item() for k in ("dip", "t_min", "depth", "final_ratio", "outcome")})
