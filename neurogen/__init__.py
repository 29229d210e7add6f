"""neurogen: a trained deep generative model as an experimental subject.

Present a stimulus, record the subject's units over repeated inference, analyse the recording::

    import neurogen as ng
    net = ng.Network.default()
    stim = ng.Stimulus.from_dataset(ng.load_mnist(), label=6, n=300, noise=0.2)
    rec = ng.run(net, stim, steps=80)
    hier = ng.ConceptHierarchy.from_network(net, ng.load_mnist())
"""

__version__ = "0.1.0"

from neurogen.concepts import ConceptHierarchy  # noqa: E402
from neurogen.data import Digits, load_mnist  # noqa: E402
from neurogen.engine import run  # noqa: E402
from neurogen.network import Network, NetworkConfig  # noqa: E402
from neurogen.probe import Probe  # noqa: E402
from neurogen.recording import Recording  # noqa: E402
from neurogen.stimulus import PixelSwap, Stimulus  # noqa: E402
from neurogen.subject import Subject  # noqa: E402
from neurogen.training import Schedule, train  # noqa: E402

__all__ = [
    "ConceptHierarchy", "Digits", "Network", "NetworkConfig", "PixelSwap", "Probe", "Recording",
    "Schedule", "Stimulus", "Subject", "load_mnist", "run", "train", "__version__",
]
