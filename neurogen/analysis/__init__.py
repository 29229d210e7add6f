"""Analysis of recorded inference dynamics: pure functions, xarray in, xarray out.

Every function here takes labelled :mod:`xarray` objects (a recording's
``latent`` ``(trial, time, unit)``, a concept hierarchy's ``memory``,
``concept`` and ``abstract`` patterns), never mutates them, keeps dimension
names, and raises ``TypeError``/``ValueError`` naming the offending argument.
Nothing here imports torch.

=========================  =====================================================
``distance``               ‖z(t) − ξ‖₂ to memories, concepts or the abstract concept (eq. 10)
``min_distance``           min over time and when it is reached (eq. 13)
``mean_sem``               mean ± SEM over trials, optionally per noise level
``stages``                 stages I/II/III of the noise sweep (Fig. 4)
``cosine_similarity``      C_ij between patterns (eq. 11); ``off_diagonal_mean``
``overlap``                Hopfield overlap m = (1/N) Σ ξ_i s_i
``active_units``           units that vary across memories (Fig. 3a)
``pca_spectrum``           cumulative contribution ratio (Fig. 3b); ``n_components_for``
``pca_embedding``          memories in the plane of the first principal components
``returns_to_concept``     dip detection: approach the concept, then leave (Fig. 2, 6)
``decode_over_time``       cross-validated decoding accuracy of a trial label at each time
``information_over_time``  bias-corrected mutual information (bits) at each time
``latency``                first time a curve reaches a fraction of its rise
=========================  =====================================================

Examples
--------
The paper's quantities in a few lines (``Recording`` and ``ConceptHierarchy``
live elsewhere in neurogen):

>>> from neurogen import analysis as na
>>> rec = Recording.load("fig2_p0.2.nc")  # doctest: +SKIP
>>> hier = ConceptHierarchy.load("hierarchy.nc")  # doctest: +SKIP
>>> d = na.distance(rec.latent, hier.concept)  # eq. 10, own concept  # doctest: +SKIP
>>> band = na.mean_sem(d)  # Fig. 2: mean ± SEM over trials  # doctest: +SKIP
>>> na.returns_to_concept(band["mean"])["outcome"]  # 'settles' / 'runs_away'  # doctest: +SKIP
>>> mins = {  # doctest: +SKIP
...     "memory": na.min_distance(na.distance(rec.latent, hier.memory))["min"],
...     "concept": na.min_distance(d)["min"],
...     "abstract": na.min_distance(na.distance(rec.latent, hier.abstract))["min"],
... }  # eq. 13 for each level
>>> na.stages(mins)[["numeral", "boundary", "in_order"]]  # Fig. 4  # doctest: +SKIP
>>> na.active_units(hier.memory).attrs["count"]  # "14 out of 100"  # doctest: +SKIP
>>> na.n_components_for(na.pca_spectrum(hier.memory), 0.7)  # Fig. 3b  # doctest: +SKIP
>>> na.off_diagonal_mean(na.cosine_similarity(hier.concept))  # Fig. 3c, eq. 11  # doctest: +SKIP
"""

from neurogen.analysis.decoding import DECODERS, decode_over_time, information_over_time, latency
from neurogen.analysis.distances import distance, min_distance
from neurogen.analysis.dynamics import OUTCOMES, returns_to_concept
from neurogen.analysis.population import (
    active_units,
    n_components_for,
    pca_embedding,
    pca_spectrum,
)
from neurogen.analysis.similarity import (
    cosine_similarity,
    off_diagonal_mean,
    other_dim,
    overlap,
)
from neurogen.analysis.stages import LEVELS, NUMERALS, stages
from neurogen.analysis.statistics import mean_sem

__all__ = [
    "DECODERS",
    "LEVELS",
    "NUMERALS",
    "OUTCOMES",
    "active_units",
    "cosine_similarity",
    "decode_over_time",
    "distance",
    "information_over_time",
    "latency",
    "mean_sem",
    "min_distance",
    "n_components_for",
    "off_diagonal_mean",
    "other_dim",
    "overlap",
    "pca_embedding",
    "pca_spectrum",
    "returns_to_concept",
    "stages",
]
