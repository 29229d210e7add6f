# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 7. Silence the units that carry the concept
#
# **You will learn** to intervene on the subject the way a physiologist does: hold a population of
# latent units at a value during repeated inference (`Lesion`), drive units during a window of
# steps (`Clamp`), or inject noise (`Noise`), with `run(..., interventions=[...])`. You will find
# the VAE's active units (Fig. 3a), silence them, silence the inactive ones, and silence random
# sets of the same size, and see which of them carry the paper's concept-first transient: the dip
# of the distance to the own concept (Fig. 2).
#
# **You need** neurogen installed (`bash scripts/setup.sh`) and tutorial 2 (concepts and the dip).
# Under a minute on a CPU.

# %%
import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np

import neurogen as ng
from neurogen import analysis as na
from neurogen.interventions import Clamp, Lesion, from_json

TINY = os.environ.get("NEUROGEN_TUTORIAL_SIZE") == "tiny"
OUT = os.environ.get("NEUROGEN_TUTORIAL_OUT") or tempfile.mkdtemp(prefix="neurogen-tutorial-")
os.makedirs(OUT, exist_ok=True)
print("writing to", OUT)

digits = ng.load_mnist("train")
data = digits.select(n=3000, seed=0) if TINY else digits
net = ng.Network.default(device="cpu")
hier = ng.ConceptHierarchy.from_network(net, data)

# %% [markdown]
# ## Which units are active?
# A VAE prunes most of its latent units: they take the same value for every image. `active_units`
# finds the ones whose variance over the memories is not negligible (a boolean mask over `unit`).

# %%
active = na.active_units(hier.dataset["memory"])
n_active = int(active.sum())
print(f"{n_active} active units of {active.size}:", np.flatnonzero(active.values).tolist())

# %% [markdown]
# ## Lesions
# `Lesion(units)` holds the units at their mean over the training memories (`value="mean"`, the
# default; `run` takes the means from `hierarchy=`) at every step, right after `encode`, so the
# decoder only ever sees them at rest. Units can be indices, a boolean mask, or an analysis' output
# such as `active`. We compare: no lesion, the active units, the inactive units, and three random
# sets of the same size as the active ones.

# %%
rng = np.random.default_rng(0)
conditions = {
    "none": [],
    "active": [Lesion(active)],
    "inactive": [Lesion(~active)],
    **{f"random {i}": [Lesion(rng.choice(active.size, n_active, replace=False))] for i in range(3)},
}
stim = ng.Stimulus.from_dataset(data, label=[0, 6] if TINY else list(range(10)), n=10 if TINY else 20,
                                noise=0.2, seed=1)
steps = 20 if TINY else 40
curves, dips = {}, {}
for name, interventions in conditions.items():
    rec = ng.run(net, stim, steps=steps, interventions=interventions, hierarchy=hier)
    band = na.mean_sem(na.distance(rec.latent, hier.concept), by="label")
    curves[name] = band["mean"].mean("label")
    dips[name] = na.returns_to_concept(band["mean"].transpose("label", "time"))
    print(f"{name:>9}: dip in {int(dips[name]['dip'].sum())} of {band.sizes['label']} labels, "
          f"mean depth d_min/d(0) = {float(dips[name]['depth'].mean()):.3f}")

# %% [markdown]
# Silencing the active units removes the dip (the state cannot move at all); silencing the
# inactive ones changes nothing measurable, since they sit at their mean anyway. Random sets of the
# same size hit some active units by chance, and their effect spreads accordingly: the transient is
# carried by the active population.

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, curve in curves.items():
    ax.plot(curve.time, curve, label=name, ls="--" if name.startswith("random") else "-")
ax.set_xlabel("inference step t")
ax.set_ylabel("‖z(t) − ξ̄num‖₂ (mean over labels)")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(os.path.join(OUT, "07_lesions.png"))
print("wrote", os.path.join(OUT, "07_lesions.png"))

# %% [markdown]
# ## Clamps, and what the file remembers
# `Clamp(units, values, times=(t0, t1))` drives units during steps t0 ≤ t < t1 only. Here the
# active units are clamped to the concept of '6' for the first five steps, whatever digit was
# shown, then released: does the state stay near the '6' concept once free? The recording's attrs
# say what was done, as JSON you can turn back into interventions and rerun.

# %%
six = hier.concept.sel(label=6).values[active.values]
path = os.path.join(OUT, "07_clamped.nc")
rec = ng.run(net, stim, steps=steps, interventions=[Clamp(active, six, times=(0, 5))], out=path)
d6 = na.distance(rec.latent, hier.concept.sel(label=6)).mean("trial")
print("distance to the '6' concept, t = 0..7:", [round(float(v), 2) for v in d6.values[:8]])
print("interventions in the file:", from_json(rec.attrs["interventions"])[0].times)
rec.close()
print("wrote", path)
