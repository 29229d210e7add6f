# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 9. Opening the black box of repeated inference
#
# **You will learn** to treat repeated inference as a dynamical system: the map
# F(z) = E_q[z | E_p[x | z]] that takes one latent state to the next (`inference_map`), its fixed
# and slow points (`find_fixed_points`: where F(z) = z, or nearly), the stability of those points
# (`jacobian_spectrum`: the eigenvalues of ∂F/∂z; |λ| > 1 is a direction the state is pushed away
# along), and how fast inference moves along a recording (`speed` = ‖F(z(t)) − z(t)‖). With them
# you will ask of the paper's VAE: is there a fixed point at each concept? Is the concept a saddle,
# approached and then left? Where does inference end up if it runs for ever?
#
# **You need** neurogen installed (`bash scripts/setup.sh`) and tutorial 2 (concepts, the spread of
# the memories around them, the dip). About a minute on a CPU; `NEUROGEN_TUTORIAL_SIZE=tiny` uses two
# labels and shorter searches.

# %%
import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
import torch
import xarray as xr

import neurogen as ng
from neurogen import analysis as na
from neurogen import fixed_points as fp

TINY = os.environ.get("NEUROGEN_TUTORIAL_SIZE") == "tiny"
OUT = os.environ.get("NEUROGEN_TUTORIAL_OUT") or tempfile.mkdtemp(prefix="neurogen-tutorial-")
os.makedirs(OUT, exist_ok=True)
print("writing to", OUT)

digits = ng.load_mnist("train")
data = digits.select(n=3000, seed=0) if TINY else digits
net = ng.Network.default(device="cpu")
hier = ng.ConceptHierarchy.from_network(net, data)
LABELS = [1, 6] if TINY else list(range(10))

# %% [markdown]
# ## The map
# `inference_map(net)` is one step of repeated inference acting on the latent state: decode, then
# encode. A point is a *fixed point* if F(z) = z. The *speed* ‖F(z) − z‖ says how far one step moves
# the state; at a concept ξ̄_num (a class mean, not itself the code of any image) it need not be 0.
# Distances here are in units of the *spread*: the median distance of a memory to its concept.

# %%
F = fp.inference_map(net)
concepts = torch.as_tensor(hier.concept.sel(label=LABELS).values)
with torch.no_grad():
    step = (F(concepts) - concepts).norm(dim=1).numpy()
own = hier.concept.sel(label=hier.memory["label"].values).values
spread = float(np.median(np.linalg.norm(hier.memory.values - own, axis=1)))
print(f"spread s = {spread:.3f}")
print("one step from each concept moves it by (in spreads):",
      {lab: round(float(v) / spread, 3) for lab, v in zip(LABELS, step)})

# %% [markdown]
# ## Fixed and slow points near the concepts
# `find_fixed_points` minimises q(z) = ½‖F(z) − z‖² from many starts at once (Levenberg–Marquardt).
# A start ends *fixed* (q below `tol`), *slow* (a local minimum of q above `tol`: inference crawls
# there without stopping) or *unconverged*. With `hierarchy=` each point gets its distance to the
# nearest memory, concept and abstract concept, and a category by a radius rule (0.5 spread).
# `starts_from(hier)` starts at the concepts and the abstract concept.

# %%
starts = fp.starts_from(hier)
starts = starts.isel(start=np.flatnonzero(np.isin(starts["origin_index"].values, LABELS)
                                          & (starts["origin"].values == "concept")))
pts = fp.find_fixed_points(net, starts, hierarchy=hier, max_iter=60 if TINY else 150, dedup=0)
mine = pts.point_of_start.values  # the point each start (each concept) ended at
d_own = np.linalg.norm(pts.z.values[mine] - hier.concept.sel(label=LABELS).values, axis=1) / spread
kinds = pts.kind.values[mine]
for lab, kind, q, d in zip(LABELS, kinds, pts.q.values[mine], d_own):
    print(f"concept {lab}: the search ends '{kind}', q = {float(q):.1e}, {d:.2f} spreads from the concept")
near = int(((d_own <= 0.5) & (kinds != "unconverged")).sum())
print(f"lesson: {near} of {len(LABELS)} concepts have a fixed or slow point within 0.5 spread "
      f"({int((kinds == 'unconverged').sum())} of the searches unconverged);",
      "no concept is itself a fixed point" if (step / spread > 1e-3).all() else "some concept is a fixed point")

# %% [markdown]
# ## Stability: the spectrum of ∂F/∂z
# Near a fixed point z*, F(z* + δ) ≈ z* + J δ. Directions with |λ| > 1 grow step after step (unstable),
# those with |λ| < 1 shrink. A point with some of each is a *saddle*: inference is drawn in along the
# stable directions and then leaves along an unstable one — the concept-first transient of Fig. 2, if
# the saddle sits at the concept.

# %%
spec = fp.jacobian_spectrum(net, pts.z.values[mine], eigenvectors=1)
for lab, u, rho in zip(LABELS, spec.n_unstable.values, spec.spectral_radius.values):
    print(f"concept {lab}: {int(u)} unstable direction(s), largest |λ| = {float(rho):.3f}")
saddles = int((spec.n_unstable.values >= 1).sum())
print(f"lesson: the search from {saddles} of {len(LABELS)} concepts ends where some direction is unstable "
      "(a saddle, or a slow point beside one)")

# %% [markdown]
# ## Where inference ends: many steps from the concept
# Running the map for a long time from a concept shows where its trajectory settles. If it stops
# (speed ≈ 0) on a point with every |λ| < 1, that point is a stable fixed point: an attractor.

# %%
z = concepts.clone()
with torch.no_grad():
    for _ in range(100 if TINY else 1000):
        z = F(z)
    final_speed = (F(z) - z).norm(dim=1).numpy()
end = fp.jacobian_spectrum(net, z.numpy())
away = np.linalg.norm(z.numpy() - hier.concept.sel(label=LABELS).values, axis=1) / spread
for lab, d, v, rho in zip(LABELS, away, final_speed, end.spectral_radius.values):
    print(f"from concept {lab}: {d:.2f} spreads away, speed {float(v):.1e}, largest |λ| = {float(rho):.3f}")
stable = int(((end.spectral_radius.values < 1) & (final_speed < 1e-3)).sum())
print(f"lesson: {stable} of {len(LABELS)} trajectories from a concept settle on a stable fixed point "
      f"(median {float(np.median(away)):.2f} spreads from where they started)")

# %% [markdown]
# ## Speed along a recording
# `speed(rec, net)` evaluates ‖F(z(t)) − z(t)‖ at every recorded state. If the concept-first
# transient is a slow passage past a saddle, the speed should be smallest when the distance to the
# concept is (t_min of Fig. 2); if it keeps falling after t_min, the trajectory is still settling
# towards an attractor and the concept was only on its way.

# %%
stim = ng.Stimulus.from_dataset(data, label=6, n=10 if TINY else 100, noise=0.2, seed=0)
rec = ng.run(net, stim, steps=20 if TINY else 80)
v = fp.speed(rec, net).mean("trial")
d = na.distance(rec.latent, hier.concept).mean("trial")
t_min, t_slow = int(d.time[int(np.argmin(d.values))]), int(v.time[int(np.argmin(v.values))])
print(f"distance to the concept is smallest at t = {t_min}; speed is smallest at t = {t_slow}")
print("lesson:", "inference is slowest where it passes the concept" if abs(t_slow - t_min) <= 2 else
      f"inference is not slowest at the concept: it still slows down {t_slow - t_min} steps later")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
axes[0].semilogy(v.time, v, label="mean speed")
axes[0].axvline(t_min, color="C3", ls=":", label="t_min of the distance")
axes[0].set_xlabel("inference step t")
axes[0].set_ylabel("‖F(z(t)) − z(t)‖")
axes[0].legend(fontsize=8)
axes[1].bar([str(lab) for lab in LABELS], spec.n_unstable.values)
axes[1].set_xlabel("concept")
axes[1].set_ylabel("unstable directions at its nearest point")
fig.savefig(os.path.join(OUT, "09_speed.png"))
print("wrote", os.path.join(OUT, "09_speed.png"))

# %% [markdown]
# ## Keep the points
# The points are an xarray Dataset with their provenance (which network, which search): save them
# and reload them later, e.g. to start a new search from them.

# %%
path = os.path.join(OUT, "09_points.nc")
pts.to_netcdf(path, engine="netcdf4")
print("wrote", path)
again = xr.load_dataset(path, engine="netcdf4")
print(again.attrs["title"], "|", again.sizes["point"], "points |", again.attrs["definition"])
