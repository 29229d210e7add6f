# %% [markdown]
# # 3. Noise and the three stages
#
# **You will learn** to record a whole noise sweep in one call (a `PixelSwap` with several noise
# fractions), take the minimum distance over time to memory, concept and abstract concept for
# every trial (eq. 13), and find the paper's stages I (memory closest), II (concept closest) and
# III (abstract concept closest) with their boundaries in p — the paper's Fig. 4.
#
# **You need** neurogen installed (`bash scripts/setup.sh`). About a minute on a CPU.

# %%
import os
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import neurogen as ng
from neurogen import analysis as na

TINY = os.environ.get("NEUROGEN_TUTORIAL_SIZE") == "tiny"
OUT = os.environ.get("NEUROGEN_TUTORIAL_OUT") or tempfile.mkdtemp(prefix="neurogen-tutorial-")
os.makedirs(OUT, exist_ok=True)

digits = ng.load_mnist("train")
net = ng.Network.default(device="cpu")
hier = ng.ConceptHierarchy.from_network(net, digits)

# %% [markdown]
# ## One stimulus, many noise levels
# Trials are ordered noise-major; each carries its `noise` coordinate.

# %%
p = np.round(np.linspace(0, 1, 6 if TINY else 11), 3)
stim = ng.Stimulus.from_dataset(digits, label=6, n=10 if TINY else 100, noise=ng.PixelSwap(p), seed=0)
rec = ng.run(net, stim, steps=20 if TINY else 80)
print(rec, sorted(set(rec.dataset.noise.values.tolist())))

# %% [markdown]
# ## Minimum distances and stages

# %%
mins = {level: na.min_distance(na.distance(rec.latent, getattr(hier, level)))["min"]
        for level in ("memory", "concept", "abstract")}
st = na.stages(mins)
print("stage per p:", dict(zip(st.noise.values.round(2).tolist(), st["numeral"].values.tolist())))
print("boundaries:", st["boundary"].values.round(3).tolist(), "in order:", bool(st["in_order"]))

fig, ax = plt.subplots(figsize=(6, 3.5))
for level in na.LEVELS:
    ax.errorbar(st.noise, st["mean"].sel(level=level), yerr=st["sem"].sel(level=level), fmt="o-", label=level)
for b in st["boundary"].values:
    ax.axvline(b, ls="--", color="gray")
ax.set_xlabel("noise fraction p")
ax.set_ylabel("min_t ‖z(t) − ξ‖₂")
ax.legend()
fig.savefig(os.path.join(OUT, "03_stages.png"))
