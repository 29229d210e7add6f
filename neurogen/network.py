"""The subject: the paper's VAE as a ``torch.nn.Module`` with a frozen, validated config.

This module owns :class:`NetworkConfig` (Nz, hidden width, activation, L, likelihood),
:class:`Network` (encoder 784→1024 tanh→(μ, log σ²); decoder Nz→1024 tanh→784 Bernoulli logits;
``encode`` = E_q[z|x] = μ (eq. 7), ``decode`` = E_p[x|z] = sigmoid(logits) (eq. 6), ``elbo`` per
eq. 5), its checkpoint format (``save`` / ``load``, atomic, ``weights_only=True``) and the shipped
default subject (:meth:`Network.default`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from neurogen._version import __version__
from neurogen._files import atomic_path, sha256_file
from neurogen.device import resolve_device

__all__ = ["NetworkConfig", "Network", "CheckpointError"]

_FORMAT = "neurogen-network"
_ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}


def _tanh_(t: torch.Tensor) -> torch.Tensor:
    """tanh in place as 2σ(2t) − 1: on CPU about twice as fast as ``torch.tanh`` (see
    benchmarks/RESULTS.md), within 2e-7 of it absolutely."""
    return t.mul_(2).sigmoid_().mul_(2).sub_(1)


# In-place activations for inference (no autograd), applied to fresh layer outputs only.
_INFERENCE_ACTIVATIONS = {"tanh": _tanh_, "relu": torch.relu_, "sigmoid": torch.sigmoid_}
DEFAULT_DIR = Path(__file__).parent / "default"


class CheckpointError(ValueError):
    """A checkpoint file that is missing, corrupt, truncated or does not match its config."""


def _positive(instance: object, attribute: attrs.Attribute, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        msg = f"'{attribute.name}' must be an int (got {value!r} that is a {type(value).__name__})."
        raise TypeError(msg)
    if value < 1:
        msg = f"'{attribute.name}' must be >= 1: {value}"
        raise ValueError(msg)


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
    activation: str = attrs.field(default="tanh", validator=attrs.validators.in_(tuple(_ACTIVATIONS)))
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
        ctx = torch.random.fork_rng(devices=[]) if seed is not None else contextlib.nullcontext()
        with ctx:
            if seed is not None:
                torch.manual_seed(seed)
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
        # only the μ half of the output layer is needed: skip the log σ² rows
        return self._apply_np(lambda t: F.linear(self._hidden(self.enc_hidden, t),
                                                 self.enc_out.weight[:nz], self.enc_out.bias[:nz]), x)

    def decode(self, z: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
        """E_p[x | z] = sigmoid(logits(z)), eq. (6)."""
        def _decode(t: torch.Tensor) -> torch.Tensor:
            logits = self.dec_out(self._hidden(self.dec_hidden, t))
            return logits.sigmoid_() if self._inplace_ok(logits) else torch.sigmoid(logits)

        return self._apply_np(_decode, z)

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
        with torch.inference_mode():
            t = torch.as_tensor(np.asarray(value, dtype=np.float32), device=self.device)
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

    def save(self, path: str | os.PathLike, **metadata: Any) -> Path:
        """Write config, weights and metadata to ``path`` atomically; return the path.

        Extra keyword arguments are merged into :attr:`metadata`.
        """
        self.metadata.update(metadata)
        payload = {
            "format": _FORMAT,
            "format_version": 1,
            "neurogen_version": __version__,
            "config": attrs.asdict(self.config),
            "state_dict": {k: v.detach().cpu().clone() for k, v in self.state_dict().items()},
            "metadata": json.dumps(self.metadata, default=str),
        }
        path = Path(path)
        with atomic_path(path) as tmp:
            torch.save(payload, tmp)
        self._sha256 = sha256_file(path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, device: str | torch.device = "auto",
             sha256: str | None = None) -> Network:
        """Load a checkpoint written by :meth:`save` (``weights_only=True``).

        Parameters
        ----------
        path : path-like
        device : {"auto", "cpu", "cuda", ...}
        sha256 : str, optional
            Expected file hash; a mismatch raises :class:`CheckpointError`.

        Raises
        ------
        CheckpointError
            Missing, truncated, corrupt, foreign or mismatched file (the message names it).
        """
        path = Path(path)
        if not path.is_file():
            msg = f"{path}: checkpoint not found."
            raise CheckpointError(msg)
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if sha256 is not None and digest != sha256:
            msg = (f"{path}: sha256 {digest} does not match the expected {sha256}; the file was "
                   "changed or damaged. Refusing to load it.")
            raise CheckpointError(msg)
        try:
            payload = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
        except Exception as err:
            msg = f"{path}: not a readable checkpoint (truncated or corrupt?): {err}"
            raise CheckpointError(msg) from err
        if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
            msg = f"{path}: not a neurogen network checkpoint (no '{_FORMAT}' format tag)."
            raise CheckpointError(msg)
        try:
            config = NetworkConfig(**payload["config"])
            net = cls(config)
            net.load_state_dict(payload["state_dict"])
        except (TypeError, ValueError, RuntimeError, KeyError) as err:
            msg = f"{path}: weights do not match the stored config: {err}"
            raise CheckpointError(msg) from err
        try:
            net.metadata = dict(json.loads(payload.get("metadata", "{}")))
        except (TypeError, ValueError) as err:
            msg = f"{path}: checkpoint metadata is not valid JSON: {err}"
            raise CheckpointError(msg) from err
        net._sha256 = digest
        net.eval()
        return net.to(resolve_device(device))

    @classmethod
    def default(cls, device: str | torch.device = "auto") -> Network:
        """The shipped default subject: the paper's network trained 100 epochs on full MNIST.

        Its sha256 is checked against ``neurogen/default/provenance.json`` before loading; see
        :attr:`provenance` for how it was made.
        """
        prov_path = DEFAULT_DIR / "provenance.json"
        ckpt = DEFAULT_DIR / "network.pt"
        if not prov_path.exists() or not ckpt.exists():
            msg = (f"the default subject is not installed ({ckpt} missing). Rebuild it with "
                   "`python benchmarks/build_default_subject.py` or train your own with "
                   "`neurogen train`.")
            raise CheckpointError(msg)
        prov = json.loads(prov_path.read_text())
        net = cls.load(ckpt, device=device, sha256=prov["sha256"])
        net.metadata = {**net.metadata, **prov}
        return net

