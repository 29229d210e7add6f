"""neurogen: a trained deep generative model as an experimental subject.

Present a stimulus, record the subject's units over repeated inference, analyse the recording::

    import neurogen as ng
    net = ng.Network.default()
    stim = ng.Stimulus.from_dataset(ng.load_mnist(), label=6, n=300, noise=0.2)
    rec = ng.run(net, stim, steps=80)
    hier = ng.ConceptHierarchy.from_network(net, ng.load_mnist())
"""

from neurogen._version import __version__
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

__all__ = [
    "Clamp", "ConceptHierarchy", "Digits", "Lesion", "Noise", "Network", "NetworkConfig", "PixelSwap", "Probe", "Recording",
    "Schedule", "Stimulus", "Subject", "find_fixed_points", "jacobian_spectrum", "load_mnist", "run", "train",
    "__version__",
]
