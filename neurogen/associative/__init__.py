"""The associative-memory subject: Hopfield networks storing hierarchically correlated patterns.

The paper explains its VAE findings by associative-memory models (Amari 1977: concept formation;
Matsumoto et al. 2005: the state first approaches the mean of similar memories, then one memory;
Toya et al. 2000: mixed states of hierarchical patterns). This package makes that comparison an
experiment: :class:`HierarchicalPatterns` draws the tree root → concepts → memories,
:class:`HopfieldNetwork` (Hebbian couplings) and :class:`ModernHopfield` (Ramsauer et al. 2020)
store the memories and satisfy :class:`~neurogen.subject.Subject`, so :func:`neurogen.run`,
:class:`~neurogen.recording.Recording`, :class:`~neurogen.concepts.ConceptHierarchy` and
:mod:`neurogen.analysis` apply unchanged. :class:`ModernHopfield` also stores real-valued patterns
with labels (e.g. a VAE's memories in its latent space, :meth:`ModernHopfield.from_hierarchy`).
The subjects sit below the engine: the measurements made on them (e.g. the β sweep of the
``associative`` study) live with the studies::

    pats = HierarchicalPatterns(2000, n_concepts=5, n_memories=30, b_concept=0.2, b_memory=0.6)
    net = HopfieldNetwork.from_patterns(pats)
    rec = neurogen.run(net, pats.stimulus(0.3, repeats=3), steps=20)
    hier = pats.hierarchy()
    d = neurogen.analysis.distance(rec.latent, hier.concept)
"""

from neurogen.associative.hopfield import DYNAMICS, RULES, UPDATES, HopfieldNetwork
from neurogen.associative.modern import ModernHopfield
from neurogen.associative.patterns import HIERARCHY_KINDS, HierarchicalPatterns

__all__ = ["DYNAMICS", "HIERARCHY_KINDS", "RULES", "UPDATES", "HierarchicalPatterns", "HopfieldNetwork",
           "ModernHopfield"]
