# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. Your first recording
#
# **You will learn** to load MNIST, load the shipped default subject (the paper's VAE), present
# noisy '6's, record the subject's latent units z(t) and its reconstructions x(t) over repeated
# inference, look at them, and save and reload the recording.
#
# **You need** neurogen installed with `bash scripts/setup.sh` (it brings the embedded MNIST).
# Runs in well under a minute on a laptop CPU. Set `NEUROGEN_TUTORIAL_SIZE=tiny` to shrink it.

# %%
import os
import tempfile

import matplotlib.pyplot as plt

import neurogen as ng

TINY = os.environ.get("NEUROGEN_TUTORIAL_SIZE") == "tiny"
OUT = os.environ.get("NEUROGEN_TUTORIAL_OUT") or tempfile.mkdtemp(prefix="neurogen-tutorial-")
os.makedirs(OUT, exist_ok=True)
print("writing to", OUT)

# %% [markdown]
# ## The data and the subject
# `load_mnist` returns a `Digits` object: images `(N, 784)` in [0, 1] and integer labels.
# `Network.default()` loads the shipped VAE (Nz = 100 latent units, 1024 tanh hidden units,
# trained 100 epochs with the paper's recipe); its file hash is checked before it is loaded.

# %%
digits = ng.load_mnist("train")
net = ng.Network.default(device="cpu")
print(digits)
print(net)
print("test ELBO when shipped:", net.provenance["final_test_elbo"])

# %% [markdown]
# ## The stimulus
# A `Stimulus` says which clean images are shown and how they are corrupted. `PixelSwap(0.2)`
# selects each pixel with probability 0.2 and inverts it (x → 1 − x); `mode="permute"` would
# shuffle the selected intensities instead.

# %%
stim = ng.Stimulus.from_dataset(digits, label=6, n=5 if TINY else 50, noise=ng.PixelSwap(0.2), seed=0)
print(stim)

# %% [markdown]
# ## The recording
# `run` alternates recognition and generation: z(t) = E_q[z | x(t)], x(t+1) = E_p[x | z(t)].
# The `Probe` chooses what is recorded: here both the latent state and the image.

# %%
rec = ng.run(net, stim, steps=10 if TINY else 40, probe=ng.Probe(["latent", "data"]))
print(rec)
print(rec.latent.dims, rec.latent.shape)

# %% [markdown]
# In a notebook the recording shows itself as xarray's HTML view (dimensions, coordinates, the
# signals and their attributes, folded): the cell's last expression is the recording.

# %%
rec

# %% [markdown]
# ## Look at it
# `rec.images(trial=0)` reshapes x(t) of the first trial to 28 × 28 images: the noise is removed
# in the first steps.

# %%
imgs = rec.images(trial=0)
fig, axes = plt.subplots(1, 6, figsize=(9, 1.8))
for ax, t in zip(axes, [0, 1, 2, 4, 8, int(imgs.time[-1])]):
    ax.imshow(imgs.sel(time=t), cmap="gray")
    ax.set_title(f"t = {t}")
    ax.axis("off")
fig.savefig(os.path.join(OUT, "01_samples.png"))
print("wrote", os.path.join(OUT, "01_samples.png"))

# %% [markdown]
# ## Save and reload
# Recordings are netCDF4 files that describe themselves: every variable has a `long_name` and
# `units`, and the attributes hold the provenance (which network, which stimulus, which seed, the
# command line). They are written atomically with checksums: a crash never leaves half a file,
# and a corrupted one is refused with the name of the damaged variable.

# %%
path = os.path.join(OUT, "01_sixes.nc")
rec.save(path)
print("wrote", path)
again = ng.Recording.load(path)
print(again.latent.attrs["long_name"], "|", again.attrs["title"], "|", again.attrs["network_sha256"][:16])
assert float(abs(again.latent - rec.latent).max()) == 0.0

# %% [markdown]
# A loaded recording behaves like the one in memory: its coordinates are read at once and only
# the signals stay on disk until used, so xarray's idioms work on both: select trials by a
# coordinate, or average per label.

# %%
print(again.sel(trial=again.dataset.noise == 0.2).n_trials, "trials at p = 0.2")
print(again.latent.groupby("label").mean().sizes)
again.close()
