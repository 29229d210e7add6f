"""neurogen: a trained deep generative model as an experimental subject.

Present a stimulus, record the subject's units over repeated inference, analyse the recording::

    import neurogen as ng
    net = ng.Network.default()
    stim = ng.Stimulus.from_dataset(ng.load_mnist(), label=6, n=300, noise=0.2)
    rec = ng.run(net, stim, steps=80)
    hier = ng.ConceptHierarchy.from_network(net, ng.load_mnist())

The names below are imported on first use (PEP 562), so ``import neurogen`` (and the
``neurogen`` command's ``--help`` and ``--version``) does not import torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from neurogen._version import __version__

#: Where each public name lives.
_WHERE = {
    "ConceptHierarchy": "neurogen.concepts", "Digits": "neurogen.data", "load_mnist": "neurogen.data",
    "run": "neurogen.engine", "find_fixed_points": "neurogen.fixed_points",
    "jacobian_spectrum": "neurogen.fixed_points", "Clamp": "neurogen.interventions",
    "Lesion": "neurogen.interventions", "Noise": "neurogen.interventions", "Network": "neurogen.network",
    "NetworkConfig": "neurogen.network", "Probe": "neurogen.probe", "Recording": "neurogen.recording",
    "PixelSwap": "neurogen.stimulus", "Stimulus": "neurogen.stimulus", "Subject": "neurogen.subject",
    "Schedule": "neurogen.training", "train": "neurogen.training",
}

__all__ = [
    "Clamp", "ConceptHierarchy", "Digits", "Lesion", "Noise", "Network", "NetworkConfig", "PixelSwap", "Probe", "Recording",
    "Schedule", "Stimulus", "Subject", "find_fixed_points", "jacobian_spectrum", "load_mnist", "run", "train",
    "__version__",
]

if TYPE_CHECKING:
    from neurogen.concepts import ConceptHierarchy
    from neurogen.data import Digits, load_mnist
    from neurogen.engine import run
    from neurogen.fixed_points import find_fixed_points, jacobian_spectrum
    from neurogen.interventions import Clamp, Lesion, Noise
    from neurogen.network import Network, NetworkConfig
    from neurogen.probe import Probe
    from neurogen.recording import Recording
    from neurogen.stimulus import PixelSwap, Stimulus
    from neurogen.subject import Subject
    from neurogen.training import Schedule, train


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        msg = f"module 'neurogen' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value  # imported once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
