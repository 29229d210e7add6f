# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 6. Your own subject
#
# **You will learn** to record any model with neurogen's instruments. `run` needs only the
# `Subject` protocol: `encode(x)` → the recorded state, `decode(z)` → the next input, a `device`
# and `describe()` for the recording's provenance. Any torch module with an encoder and a decoder
# fits in a few lines.
#
# **You need** neurogen installed (`bash scripts/setup.sh`). Seconds on a CPU.

# %%
import os
import tempfile

import torch
from torch import nn

import neurogen as ng
from neurogen import analysis as na

TINY = os.environ.get("NEUROGEN_TUTORIAL_SIZE") == "tiny"
OUT = os.environ.get("NEUROGEN_TUTORIAL_OUT") or tempfile.mkdtemp(prefix="neurogen-tutorial-")
os.makedirs(OUT, exist_ok=True)
print("writing to", OUT)

# %% [markdown]
# ## A model of your own
# Here: a small deterministic autoencoder (train it however you like; we train it briefly).

# %%
class AutoEncoder(nn.Module):
    def __init__(self, n_code: int = 16) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, n_code))
        self.dec = nn.Sequential(nn.Linear(n_code, 128), nn.ReLU(), nn.Linear(128, 784), nn.Sigmoid())


digits = ng.load_mnist("train").select(n=500 if TINY else 5000, seed=0)
torch.manual_seed(0)
model = AutoEncoder()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x_all = torch.as_tensor(digits.images)
for epoch in range(1 if TINY else 5):
    for i in range(0, len(x_all), 100):
        x = x_all[i : i + 100]
        loss = nn.functional.binary_cross_entropy(model.dec(model.enc(x)), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
print(f"reconstruction loss {loss.item():.4f}")  # .item(): a plain float, no autograd warning

# %% [markdown]
# ## Wrap it as a subject
# Four members make it recordable. `describe()` returns strings and numbers that go into the
# recording's attributes.

# %%
class MySubject:
    def __init__(self, model: AutoEncoder) -> None:
        self.model = model.eval()

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.enc(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.model.dec(z)

    def describe(self) -> dict:
        return {"subject": "AutoEncoder", "n_latent": 16}


subject = MySubject(model)
print("is a Subject:", isinstance(subject, ng.Subject))

# %% [markdown]
# ## Record and analyse it like the VAE

# %%
stim = ng.Stimulus.from_dataset(digits, label=6, n=10 if TINY else 40, noise=0.2, seed=0)
rec = ng.run(subject, stim, steps=10 if TINY else 30)
# the hierarchy: encode the training images with the same subject
with torch.inference_mode():
    memories = subject.encode(torch.as_tensor(digits.images)).numpy()
hier = ng.ConceptHierarchy.from_patterns(memories, digits.labels, samples=digits.index)
band = na.mean_sem(na.distance(rec.latent, hier.concept))
print(na.returns_to_concept(band["mean"])["outcome"].values)
path = os.path.join(OUT, "06_my_subject.nc")
rec.save(path)
print("wrote", path)
