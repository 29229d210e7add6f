# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 8. Open your model's recording like a mouse's
#
# **You will learn** to export a recording of the model's latent units as an NWB file (the format
# of DANDI and most labs' pipelines), check it with `nwbinspector`, open it with plain `pynwb` as you
# would a mouse's session, and run a pynapple analysis on it: the tuning curve of a unit against
# the noise level of the stimulus, checked against neurogen's own xarray result.
#
# **You need** neurogen with the `nwb` extra (`pip install 'neurogen[nwb]'`: pynwb, pynapple,
# nwbinspector) and the shipped default subject (`bash scripts/setup.sh`). Runs in well under a
# minute on a laptop CPU. Set `NEUROGEN_TUTORIAL_SIZE=tiny` to shrink it.

# %%
import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
try:
    import pynapple as nap
    from nwbinspector import inspect_nwbfile
    from pynwb import NWBHDF5IO
except ImportError:  # a plain install: say which extra brings them
    raise SystemExit("tutorial 08 needs the nwb extra: pip install 'neurogen[nwb]'") from None

import neurogen as ng
from neurogen.nwb import export

TINY = os.environ.get("NEUROGEN_TUTORIAL_SIZE") == "tiny"
OUT = os.environ.get("NEUROGEN_TUTORIAL_OUT") or tempfile.mkdtemp(prefix="neurogen-tutorial-")
os.makedirs(OUT, exist_ok=True)

# %% [markdown]
# ## A recording to export
# Noisy '6's at three noise levels, presented to the shipped VAE; we record its 100 latent units
# and its images. The concept hierarchy (memories, concepts, abstract concept) goes into the file too.

# %%
net = ng.Network.default(device="cpu")
digits = ng.load_mnist("train")
stim = ng.Stimulus.from_dataset(digits, label=6, n=5 if TINY else 20,
                                noise=ng.PixelSwap([0.0, 0.2, 0.4]), seed=0)
rec = ng.run(net, stim, steps=10 if TINY else 30, probe=ng.Probe(["latent", "data"]), progress=False)
hier = ng.ConceptHierarchy.from_network(net, digits.subset(np.arange(2000 if TINY else 10000)))
print(rec)

# %% [markdown]
# ## Write the NWB file
# The latent units become a `TimeSeries` in `acquisition/latent` (samples × units), the images an
# `ImageSeries` in `acquisition/data`, and every trial a row of the NWB **trials** table with its
# `label`, `source`, `noise`, `mode` and `repeat`. The time base is stated in the file: **one
# inference step = 1 s**, trials one after the other with one empty step between them. The
# subject's description, the stimulus and neurogen's provenance attrs (as JSON, in `notes`) go
# into the NWB metadata. (`neurogen.nwb.to_nwb(rec, path)` is the same function.)

# %%
nwb_path = rec.to_nwb(os.path.join(OUT, "08_sixes.nwb"), hierarchy=hier)
print("wrote", nwb_path)

# %% [markdown]
# ## Check it as DANDI would
# `nwbinspector` reviews the file against NWB's best practices. Nothing should be critical or a
# violation. The suggestions left ask for an experimenter and an institution (a model has neither),
# a processing-module name from NWB's list of modalities, and more than one row in the table that
# holds the single abstract concept.

# %%
messages = list(inspect_nwbfile(nwbfile_path=str(nwb_path)))
for m in messages:
    print(f"{m.importance.name:26s} {m.check_function_name}")
assert not [m for m in messages if m.importance.name in ("CRITICAL", "BEST_PRACTICE_VIOLATION")]

# %% [markdown]
# ## Open it with plain pynwb
# No neurogen here: this is the code a lab already has for its mice.

# %%
with NWBHDF5IO(str(nwb_path), "r") as io:
    f = io.read()
    print(f.session_description)
    print("subject:", f.subject.subject_id, "|", f.subject.species)
    latent = f.acquisition["latent"]
    print("latent:", latent.data.shape, latent.unit, "| first sample times (s):", latent.get_timestamps()[:14])
    print(latent.description)
    print(f.trials.to_dataframe().head())
    print("processing modules:", list(f.processing))

# %% [markdown]
# ## A pynapple analysis: a unit's tuning to the noise level
# `nap.load_file` reads the NWB file into pynapple objects: the latent units as a `TsdFrame`, the
# trials as an `IntervalSet` with their metadata. The noise level at every sample is the metadata
# of the trial the sample falls in; the tuning curve is the mean activity per noise bin.

# %%
session = nap.load_file(str(nwb_path))
z, trials = session["latent"], session["trials"]
noise = nap.Tsd(t=z.t, d=trials.noise.values[trials.in_interval(z).astype(int)])
edges = [-0.1, 0.1, 0.3, 0.5]
tuning = nap.compute_tuning_curves(z, noise, bins=edges)
session.close()

unit = int(np.argmax(np.ptp(tuning.values, axis=1)))  # the unit most tuned to noise
ours = rec.latent.groupby("noise").mean(("trial", "time"))  # neurogen / xarray
print(f"unit {unit}: pynapple", tuning.values[unit].round(4), "| xarray", ours.values[:, unit].round(4))
assert np.allclose(tuning.values.T, ours.values, atol=1e-5)

fig, ax = plt.subplots(figsize=(4, 3))
ax.plot(ours["noise"], tuning.values[unit], "o-")
ax.set_xlabel("noise fraction p")
ax.set_ylabel(f"mean z of unit {unit}")
fig.tight_layout()
fig.savefig(os.path.join(OUT, "08_tuning.png"))
print("wrote", os.path.join(OUT, "08_tuning.png"))

# %% [markdown]
# `rec.to_pynapple()` gives the same objects straight from a recording, with a one-line feature:

# %%
p = rec.to_pynapple()
same = nap.compute_tuning_curves(p.latent, p.trial_feature("noise"), bins=edges)
assert np.allclose(same.values, tuning.values)
print(len(p.per_trial()), "per-trial TsdFrames; first:", p.per_trial()[0].shape)

# %% [markdown]
# ## Back to neurogen, and the command line
# `Recording.from_nwb` reads the file back, identical to the recording written. From a shell,
# `neurogen export rec.nc --to nwb rec.nwb` (or `--to pynapple-npz folder/`) does the export.

# %%
again = ng.Recording.from_nwb(nwb_path)
assert again.dataset.identical(rec.dataset)
nc = rec.save(os.path.join(OUT, "08_sixes.nc"))
print("wrote", nc)
folder = export(nc, "pynapple-npz", os.path.join(OUT, "08_pynapple"))
print(nap.load_folder(str(folder)))
print("wrote", nwb_path, "and", folder)
