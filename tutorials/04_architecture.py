# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. Architecture: how many latent units does a concept need?
#
# **You will learn** to train small VAEs with different numbers of latent units Nz with
# `neurogen.train`, and to test the paper's section 3.3 on them: as Nz grows, the concepts become
# more orthogonal (cosine similarity, eq. 11) and the dip appears. The tutorial prints what its own
# numbers say, whichever way they come out.
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
# ## What the numbers say
# The lesson is computed from the numbers above, so it holds for this run: a briefly trained
# network may not show what the paper's fully trained ones do.

# %%
off = {nz: float(na.off_diagonal_mean(results[nz][0])) for nz in sizes}
dip = {nz: bool(results[nz][2]["dip"]) for nz in sizes}
trend = ("falls" if all(off[a] > off[b] for a, b in zip(sizes, sizes[1:])) else
         "does not fall steadily")
print(f"lesson: the mean |off-diagonal cosine| {trend} as Nz grows "
      f"({', '.join(f'Nz={nz}: {off[nz]:.2f}' for nz in sizes)}); ", end="")
if all(dip.values()):
    print("the dip is there at every Nz here, so in this run Nz does not decide it.")
elif not any(dip.values()):
    print("no Nz shows the dip here (these networks are trained briefly).")
elif all(dip[nz] for nz in sizes if nz >= min(n for n in sizes if dip[n])):
    print(f"the dip appears from Nz = {min(n for n in sizes if dip[n])}, as the paper says.")
else:
    print("the dip comes and goes: " + ", ".join(f"Nz={nz}: {'dip' if dip[nz] else 'none'}" for nz in sizes) + ".")

# %% [markdown]
# ## Compare
# Top: distance to the concept of '6' (mean ± SEM over trials). Bottom: cosine similarity
# between the concepts; the identity matrix would mean fully orthogonal concepts.

# %%
fig, axes = plt.subplots(2, len(sizes), figsize=(3.6 * len(sizes), 6.4), squeeze=False, layout="constrained")
for k, nz in enumerate(sizes):
    cos, band, _ = results[nz]
    axes[0, k].plot(band.time, band["mean"])
    axes[0, k].fill_between(band.time, band["mean"] - band["sem"], band["mean"] + band["sem"], alpha=0.3)
    axes[0, k].set_title(f"Nz = {nz}: " + ("dip" if dip[nz] else "no dip"))
    axes[0, k].set_xlabel("inference step t")
    image = axes[1, k].imshow(cos.values, vmin=-1, vmax=1, cmap="RdBu_r")
    axes[1, k].set_title(f"mean |off-diagonal| = {off[nz]:.2f}")
    axes[1, k].set_xlabel("label")
    axes[1, k].set_xticks(range(10))
    axes[1, k].set_yticks(range(10))
axes[0, 0].set_ylabel("‖z(t) − concept of '6'‖")
axes[1, 0].set_ylabel("label")
fig.colorbar(image, ax=axes[1].tolist(), label="cosine similarity of concepts")
fig.savefig(os.path.join(OUT, "04_architecture.png"))
print("wrote", os.path.join(OUT, "04_architecture.png"))
