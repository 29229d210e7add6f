"""The subject: the paper's VAE as a ``torch.nn.Module`` with a frozen, validated config.

This module owns :class:`NetworkConfig` (Nz, hidden width, activation, L, likelihood),
:class:`Network` (encoder 784→1024 tanh→(μ, log σ²); decoder Nz→1024 tanh→784 Bernoulli logits;
``encode`` = E_q[z|x] = μ (eq. 7), ``decode`` = E_p[x|z] = sigmoid(logits) (eq. 6), ``elbo`` per
eq. 5), its checkpoint files (``save`` / ``load``, through :mod:`neurogen._checkpoint`: atomic,
``weights_only=True``, hashed tensors, config checked against the tensors before anything is
built) and the shipped subjects: :meth:`Network.default` and :func:`zoo`. The default subject
(Nz = 100, seed 0) lives in ``neurogen/default/`` (``network.pt`` + ``provenance.json``; rebuilt by
``scripts/ship_default.py``), the others in ``neurogen/zoo/nz{N}-seed{S}.pt`` + ``.json`` (rebuilt
by ``scripts/ship_zoo.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from neurogen._checkpoint import CheckpointError, check_state_dict, read_checkpoint, save_checkpoint
from neurogen._checks import check_choice, check_int, check_seed, validator
from neurogen.device import resolve_device, seeded_init

__all__ = ["NetworkConfig", "Network", "CheckpointError", "ZooEntry", "zoo"]

_FORMAT = "neurogen-network"
_ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}


def _tanh_(t: torch.Tensor) -> torch.Tensor:
    """tanh in place as 2σ(2t) − 1: on CPU about twice as fast as ``torch.tanh`` (see
    benchmarks/RESULTS.md), within 2e-7 of it absolutely."""
    return t.mul_(2).sigmoid_().mul_(2).sub_(1)


# In-place activations for inference (no autograd), applied to fresh layer outputs only.
_INFERENCE_ACTIVATIONS = {"tanh": _tanh_, "relu": torch.relu_, "sigmoid": torch.sigmoid_}
#: The default subject (Nz = 100, seed 0): ``network.pt`` and ``provenance.json``.
DEFAULT_DIR = Path(__file__).parent / "default"
#: The other shipped subjects: ``nz{N}-seed{S}.pt`` and ``nz{N}-seed{S}.json``.
ZOO_DIR = Path(__file__).parent / "zoo"
_REBUILD = ("Rebuild it with `python scripts/ship_default.py BUILD` (default subject) or "
            "`python scripts/ship_zoo.py BUILD` (zoo), or train your own with `neurogen train`")

_positive = validator(check_int, min=1)


@attrs.frozen
class NetworkConfig:
    """Architecture of the paper's VAE (section 2).

    Parameters
    ----------
    n_latent : int
        Nz, the number of latent units (default 100).
    n_hidden : int
        Width of the single hidden layer of encoder and decoder (default 1024).
    activation : {"tanh", "relu", "sigmoid"}
        Hidden activation (default ``"tanh"``).
    n_samples : int
        L, reparameterised samples per image in the reconstruction term of eq. 5 (default 2).
    n_visible : int
        Pixels per image (784).
    """

    n_latent: int = attrs.field(default=100, validator=_positive)
    n_hidden: int = attrs.field(default=1024, validator=_positive)
    activation: str = attrs.field(default="tanh", validator=validator(check_choice, choices=tuple(_ACTIVATIONS)))
    n_samples: int = attrs.field(default=2, validator=_positive)
    n_visible: int = attrs.field(default=784, validator=_positive)

    def key(self) -> str:
        """A short stable string naming this config (for caches)."""
        return (f"nz{self.n_latent}-h{self.n_hidden}-{self.activation}-L{self.n_samples}"
                f"-v{self.n_visible}")


class Network(nn.Module):
    """The VAE subject.

    Parameters
    ----------
    config : NetworkConfig, optional
        Architecture; the paper's by default.
    seed : int, optional
        Seeds the weight initialisation (PyTorch's default init), for reproducible networks.

    Attributes
    ----------
    config : NetworkConfig
    metadata : dict
        Provenance kept with the checkpoint (training summary, versions, ...).

    Examples
    --------
    >>> net = Network(NetworkConfig(n_latent=10, n_hidden=64), seed=0)
    >>> z = net.encode(torch.rand(3, 784))
    >>> tuple(z.shape)
    (3, 10)
    """

    def __init__(self, config: NetworkConfig | None = None, *, seed: int | None = None) -> None:
        super().__init__()
        self.config = config if config is not None else NetworkConfig()
        if not isinstance(self.config, NetworkConfig):
            msg = f"config must be a NetworkConfig, got {type(self.config).__name__}."
            raise TypeError(msg)
        c = self.config
        with seeded_init(seed):
            # one layer gives (μ, log σ²) together: a single GEMM instead of two
            self.enc_hidden = nn.Linear(c.n_visible, c.n_hidden)
            self.enc_out = nn.Linear(c.n_hidden, 2 * c.n_latent)
            self.dec_hidden = nn.Linear(c.n_latent, c.n_hidden)
            self.dec_out = nn.Linear(c.n_hidden, c.n_visible)
        self._act = _ACTIVATIONS[c.activation]
        self._act_ = _INFERENCE_ACTIVATIONS[c.activation]
        self.metadata: dict[str, Any] = {}
        self._sha256: str | None = None

    # ---------------------------------------------------------------- the model

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (μ, log σ²) of q(z|x)."""
        out = self.enc_out(self._act(self.enc_hidden(x)))
        return out[..., : self.config.n_latent], out[..., self.config.n_latent :]

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits of p(x|z)."""
        return self.dec_out(self._act(self.dec_hidden(z)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Mean reconstruction E_p[x | z=E_q[z|x]] (one repeated-inference step)."""
        return torch.sigmoid(self.logits(self.posterior(x)[0]))

    def encode(self, x: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
        """E_q[z | x] = μ(x), eq. (7). Arrays in give arrays out; tensors stay tensors."""
        nz = self.config.n_latent
        self._check_width(x, "x", self.config.n_visible, "pixels")
        # only the μ half of the output layer is needed: skip the log σ² rows
        return self._apply_np(lambda t: F.linear(self._hidden(self.enc_hidden, t),
                                                 self.enc_out.weight[:nz], self.enc_out.bias[:nz]), x)

    def decode(self, z: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
        """E_p[x | z] = sigmoid(logits(z)), eq. (6)."""
        self._check_width(z, "z", self.config.n_latent, "latent units")

        def _decode(t: torch.Tensor) -> torch.Tensor:
            logits = self.dec_out(self._hidden(self.dec_hidden, t))
            return logits.sigmoid_() if self._inplace_ok(logits) else torch.sigmoid(logits)

        return self._apply_np(_decode, z)

    @staticmethod
    def _check_width(value: Any, name: str, width: int, what: str) -> None:
        shape = getattr(value, "shape", None)
        if shape is None:
            shape = np.shape(value)
        if len(shape) == 0 or shape[-1] != width:
            msg = (f"{name} must have {width} {what} along its last axis (shape (N, {width})), "
                   f"got shape {tuple(shape)}.")
            raise ValueError(msg)

    @staticmethod
    def _inplace_ok(t: torch.Tensor) -> bool:
        return not (torch.is_grad_enabled() and t.requires_grad)

    def _hidden(self, layer: nn.Linear, t: torch.Tensor) -> torch.Tensor:
        """act(layer(t)) for encode/decode, the repeated-inference hot path: in place when no
        gradient is being recorded, and tanh always as 2σ(2h) − 1 (twice as fast on CPU), so that
        the value does not depend on the grad mode."""
        h = layer(t)
        if self._inplace_ok(h):
            return self._act_(h)
        if self.config.activation == "tanh":
            return 2 * torch.sigmoid(2 * h) - 1
        return self._act(h)

    def loss_terms(self, x: torch.Tensor, generator: torch.Generator | None = None,
                   n_samples: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-image KL term and mean reconstruction log-likelihood of eq. (5), in nats."""
        L = self.config.n_samples if n_samples is None else n_samples
        mu, logvar = self.posterior(x)
        eps = torch.randn((L, *mu.shape), generator=generator, device=mu.device, dtype=mu.dtype)
        z = (mu + torch.exp(0.5 * logvar) * eps).reshape(-1, mu.shape[-1])  # (L·B, Nz): one GEMM
        logits = self.logits(z)
        nll = F.binary_cross_entropy_with_logits(logits, x.repeat(L, 1), reduction="none")
        rec = -nll.sum(-1).reshape(L, -1).mean(0)
        kl = 0.5 * (1.0 + logvar - mu.pow(2) - logvar.exp()).sum(-1)
        return kl, rec

    def elbo(self, x: torch.Tensor | np.ndarray, generator: torch.Generator | None = None,
             n_samples: int | None = None) -> torch.Tensor | np.ndarray:
        """Per-image evidence lower bound, eq. (5), in nats (higher is better).

        ``kl + (1/L) Σ_l log p(x | z_l)`` with ``kl = ½ Σ_j (1 + log σ_j² − μ_j² − σ_j²)`` and
        Bernoulli ``log p(x|z) = Σ_i x_i log y_i + (1 − x_i) log(1 − y_i)``.
        """
        self._check_width(x, "x", self.config.n_visible, "pixels")

        def f(t: torch.Tensor) -> torch.Tensor:
            kl, rec = self.loss_terms(t, generator, n_samples)
            return kl + rec
        return self._apply_np(f, x)

    @torch.no_grad()
    def mean_elbo(self, data: Any, batch_size: int = 1000, seed: int = 0) -> float:
        """Mean per-image ELBO (nats) over a :class:`~neurogen.data.Digits` or an image array."""
        images = getattr(data, "images", data)
        g = torch.Generator(device=self.device).manual_seed(seed)
        total = 0.0
        for i in range(0, len(images), batch_size):
            x = torch.as_tensor(images[i : i + batch_size], device=self.device)
            total += float(self.elbo(x, generator=g).double().sum())
        return total / len(images)

    def _apply_np(self, fn: Any, value: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
        if isinstance(value, torch.Tensor):
            return fn(value)
        arr = np.asarray(value, dtype=np.float32)
        if not np.isfinite(arr).all():
            msg = f"input holds NaN or inf at {int((~np.isfinite(arr)).sum())} position(s); it must be finite."
            raise ValueError(msg)
        with torch.inference_mode():
            t = torch.as_tensor(arr, device=self.device)
            return fn(t).cpu().numpy()

    # ---------------------------------------------------------------- the subject protocol

    @property
    def device(self) -> torch.device:
        """Where the weights live."""
        return self.enc_hidden.weight.device

    @property
    def sha256(self) -> str:
        """sha256 of the checkpoint this network was loaded from, else of its weights."""
        if self._sha256 is None:
            h = hashlib.sha256()
            for name, t in sorted(self.state_dict().items()):
                h.update(name.encode())
                h.update(t.detach().cpu().contiguous().numpy().tobytes())
            return h.hexdigest()
        return self._sha256

    @property
    def provenance(self) -> dict[str, Any]:
        """How this network came to be (training command, data hash, ELBOs, ...)."""
        return dict(self.metadata)

    def describe(self) -> dict[str, Any]:
        """Provenance attributes for a recording made from this subject."""
        return {
            "subject": type(self).__name__,
            "network_sha256": self.sha256,
            "n_latent": self.config.n_latent,
            "network_config": json.dumps(attrs.asdict(self.config)),
        }

    def __repr__(self) -> str:
        c = self.config
        return (f"Network(n_latent={c.n_latent}, n_hidden={c.n_hidden}, activation={c.activation!r}, "
                f"n_samples={c.n_samples}, device={str(self.device)!r})")

    # ---------------------------------------------------------------- files

    @staticmethod
    def expected_shapes(config: NetworkConfig) -> dict[str, tuple[int, ...]]:
        """Names and shapes of the weights ``config`` implies (computed, nothing allocated)."""
        c = config
        return {"enc_hidden.weight": (c.n_hidden, c.n_visible), "enc_hidden.bias": (c.n_hidden,),
                "enc_out.weight": (2 * c.n_latent, c.n_hidden), "enc_out.bias": (2 * c.n_latent,),
                "dec_hidden.weight": (c.n_hidden, c.n_latent), "dec_hidden.bias": (c.n_hidden,),
                "dec_out.weight": (c.n_visible, c.n_hidden), "dec_out.bias": (c.n_visible,)}

    def save(self, path: str | os.PathLike, **metadata: Any) -> Path:
        """Write config, weights and metadata to ``path`` atomically; return the path.

        Extra keyword arguments are merged into :attr:`metadata`. The file stores a sha256 of its
        tensors, checked by :meth:`load`.
        """
        self.metadata.update(metadata)
        path = Path(path)
        self._sha256 = save_checkpoint(path, _FORMAT, config=attrs.asdict(self.config),
                                       state_dict=self.state_dict(), metadata=self.metadata)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, device: str | torch.device = "auto",
             sha256: str | None = None) -> Network:
        """Load a checkpoint written by :meth:`save` (``weights_only=True``).

        The file is verified before anything is built (see :mod:`neurogen._checkpoint`): its zip
        CRCs, its tensors' sha256, and the tensors' shapes against the stored config.

        Parameters
        ----------
        path : path-like
        device : {"auto", "cpu", "cuda", ...}
        sha256 : str, optional
            Expected file hash; a mismatch raises :class:`CheckpointError`.

        Raises
        ------
        CheckpointError
            Missing, truncated, corrupt, foreign, unsafe or mismatched file (the message names it).
        """
        dev = resolve_device(device)
        payload, digest = read_checkpoint(path, _FORMAT, sha256=sha256, kind="network checkpoint")
        try:
            config = NetworkConfig(**payload["config"])
        except (TypeError, ValueError, KeyError) as err:
            msg = f"{path}: the stored config is not valid: {err}"
            raise CheckpointError(msg) from err
        check_state_dict(path, payload["state_dict"], cls.expected_shapes(config))
        net = cls(config)
        net.load_state_dict(payload["state_dict"])
        net.metadata = payload["metadata"]
        net._sha256 = digest
        net.eval()
        return net.to(dev)

    @classmethod
    def default(cls, n_latent: int = 100, seed: int = 0, device: str | torch.device = "auto") -> Network:
        """A shipped subject: the paper's network trained 100 epochs on full MNIST.

        Nz = 100 at seed 0 is the default subject (``neurogen/default/``); the zoo
        (``neurogen/zoo/``, see :func:`zoo`) holds the others. The file's sha256 is checked against
        its provenance before loading; :attr:`provenance` says how it was made.

        Raises
        ------
        ValueError
            No shipped subject has this (n_latent, seed); the message lists those shipped.
        CheckpointError
            The file is missing or its sha256 does not match its provenance.
        """
        n_latent = check_int("n_latent", n_latent, min=1)
        seed = check_seed("seed", seed)
        entries = {(e.n_latent, e.seed): e for e in zoo()}
        entry = entries.get((n_latent, seed))
        if entry is None:
            if (n_latent, seed) == (100, 0):
                msg = f"the default subject is not installed ({DEFAULT_DIR / 'network.pt'} missing). {_REBUILD}."
                raise CheckpointError(msg)
            shipped = ", ".join(f"(n_latent={e.n_latent}, seed={e.seed})" for e in entries.values()) or "none"
            msg = (f"no shipped subject has n_latent={n_latent}, seed={seed}; shipped: {shipped}. "
                   "Train one with `neurogen train --latent N --seed S --epochs 100`.")
            raise ValueError(msg)
        net = cls.load(entry.path, device=device, sha256=entry.sha256)
        net.metadata = {**net.metadata, **entry.provenance}
        return net


@attrs.frozen
class ZooEntry:
    """One shipped subject: its Nz, seed, test ELBO of the shipped weights (nats), active units, sha256, file."""

    n_latent: int
    seed: int
    test_elbo: float
    active_units: int | None
    sha256: str
    path: Path
    provenance: dict = attrs.field(repr=False, eq=False)


def _entry(path: Path, prov: dict) -> ZooEntry:
    # the shipped weights' test ELBO (float16 copies recomputed when shipped), else the training log's
    elbo = prov.get("test_elbo_float16", prov.get("test_elbo_recomputed", prov.get("final_test_elbo", float("nan"))))
    return ZooEntry(int(prov["n_latent"]), int(prov["seed"]),
                    float(elbo) if elbo is not None else float("nan"),
                    None if prov.get("active_units") is None else int(prov["active_units"]),
                    str(prov["sha256"]), path, prov)


def zoo() -> list[ZooEntry]:
    """The shipped subjects, sorted by (Nz, seed): what ``neurogen info --list`` prints.

    The default subject comes from ``DEFAULT_DIR`` (Nz = 100, seed 0), the others from
    ``ZOO_DIR/nz{N}-seed{S}.json`` (written by ``scripts/ship_zoo.py``); a subject whose ``.pt`` is
    not there yet is left out. Nothing is loaded or hashed here.
    """
    entries: dict[tuple[int, int], ZooEntry] = {}
    prov_path, ckpt = DEFAULT_DIR / "provenance.json", DEFAULT_DIR / "network.pt"
    if prov_path.is_file() and ckpt.is_file():
        prov = json.loads(prov_path.read_text())
        entries[(100, 0)] = _entry(ckpt, {"n_latent": 100, "seed": 0, **prov})
    if ZOO_DIR.is_dir():
        for meta in sorted(ZOO_DIR.glob("nz*-seed*.json")):
            pt = meta.with_suffix(".pt")
            if not pt.is_file():
                continue
            try:
                e = _entry(pt, json.loads(meta.read_text()))
            except (ValueError, KeyError, TypeError) as err:
                msg = f"{meta}: not a valid zoo entry ({err}). {_REBUILD}."
                raise CheckpointError(msg) from err
            entries.setdefault((e.n_latent, e.seed), e)
    return [entries[k] for k in sorted(entries)]
