"""Analysis of recorded inference dynamics: pure functions, xarray in, xarray out.

Every function here takes labelled :mod:`xarray` objects (a recording's
``latent`` ``(trial, time, unit)``, a concept hierarchy's ``memory``,
``concept`` and ``abstract`` patterns), never mutates them, keeps dimension
names, and raises ``TypeError``/``ValueError`` naming the offending argument.
Nothing here imports torch.

============================  =====================================================
``distance``                  ‖z(t) − ξ‖₂ to memories, concepts or the abstract concept (eq. 10)
``min_distance``              min over time and when it is reached (eq. 13)
``min_distances``             eq. 13 to memory, concept and abstract concept per trial (Fig. 4)
``mean_sem``                  mean ± SEM over trials, optionally per noise level
``stages``                    stages I/II/III of the noise sweep, ``complete``, ``in_order`` (Fig. 4)
``cosine_similarity``         C_ij between patterns (eq. 11); ``off_diagonal_mean``
``overlap``                   Hopfield overlap m = (1/N) Σ ξ_i s_i
``active_units``              units that carry information, under one criterion (Fig. 3a)
``active_unit_counts``        the count under every criterion (``criterion`` dim)
``pca_spectrum``              cumulative contribution ratio (Fig. 3b); ``n_components_for``
``component_counts``          number of principal components under several criteria
``pca_embedding``             memories in the plane of the first principal components
``returns_to_concept``        the concept-first approach and what follows (Fig. 2, 6, B.2)
``rank_correlation``          Spearman's ρ along a dimension (scipy)
``plateau``                   smallest Nz from which a bound stops improving (Fig. 7)
``trials_per_label``          trials per label clipped to the rarest label's images
``decode_over_time``          cross-validated decoding accuracy (any scikit-learn classifier)
``information_over_time``     bias-corrected mutual information, bits or fraction of entropy
``latency``, ``peak_time``    when a curve reaches a fraction of its rise; when it peaks
``rdm``                       dissimilarity matrices of the patterns at each step (rsatoolbox)
``model_rdms``                identity / class / super-class / abstract model RDMs
``compare_rdms``              data RDM against model RDMs over time (rsatoolbox)
``cka``                       linear centred kernel alignment between two populations
``participation_ratio``       (Σλ)²/Σλ², bias-corrected, with a bootstrap interval
``temporal_generalization``   decoder trained at step t, tested at every step t′
============================  =====================================================

Examples
--------
The paper's quantities in a few lines (``Recording`` and ``ConceptHierarchy``
live elsewhere in neurogen):

>>> from neurogen import analysis as na
>>> rec = Recording.load("fig2_p0.2.nc")  # doctest: +SKIP
>>> hier = ConceptHierarchy.load("hierarchy.nc")  # doctest: +SKIP
>>> d = na.distance(rec.latent, hier.concept)  # eq. 10, own concept  # doctest: +SKIP
>>> band = na.mean_sem(d)  # Fig. 2: mean ± SEM over trials  # doctest: +SKIP
>>> na.returns_to_concept(band["mean"], sem=band["sem"])["outcome"]  # doctest: +SKIP
>>> mins = na.min_distances(sweep.latent, hier)  # eq. 13 for each level  # doctest: +SKIP
>>> na.stages(mins)[["numeral", "boundary", "complete", "in_order"]]  # Fig. 4  # doctest: +SKIP
>>> na.active_unit_counts(hier.memory)  # "14 out of 100", per criterion  # doctest: +SKIP
>>> na.n_components_for(na.pca_spectrum(hier.memory), 0.7)  # Fig. 3b  # doctest: +SKIP
>>> na.off_diagonal_mean(na.cosine_similarity(hier.concept))  # Fig. 3c, eq. 11  # doctest: +SKIP
"""

from neurogen.analysis.decoding import (
    decode_over_time,
    entropy_bits,
    information_over_time,
    latency,
    peak_time,
)
from neurogen.analysis.distances import distance, min_distance, min_distances
from neurogen.analysis.dynamics import OUTCOMES, returns_to_concept
from neurogen.analysis.geometry import (
    cka,
    compare_rdms,
    model_rdms,
    participation_ratio,
    rdm,
    temporal_generalization,
)
from neurogen.analysis.population import (
    component_counts,
    n_components_for,
    pca_embedding,
    pca_spectrum,
)
from neurogen.analysis.sampling import trials_per_label
from neurogen.analysis.similarity import (
    cosine_similarity,
    off_diagonal_mean,
    other_dim,
    overlap,
)
from neurogen.analysis.stages import LEVELS, NUMERALS, stages
from neurogen.analysis.statistics import mean_sem, plateau, rank_correlation
from neurogen.analysis.units import CRITERIA, THRESHOLDS, active_unit_counts, active_units, widest_plateau

__all__ = [
    "CRITERIA",
    "LEVELS",
    "NUMERALS",
    "OUTCOMES",
    "THRESHOLDS",
    "active_unit_counts",
    "active_units",
    "widest_plateau",
    "component_counts",
    "cka",
    "compare_rdms",
    "cosine_similarity",
    "decode_over_time",
    "distance",
    "entropy_bits",
    "information_over_time",
    "latency",
    "mean_sem",
    "min_distance",
    "min_distances",
    "model_rdms",
    "n_components_for",
    "off_diagonal_mean",
    "other_dim",
    "overlap",
    "participation_ratio",
    "pca_embedding",
    "pca_spectrum",
    "peak_time",
    "plateau",
    "rank_correlation",
    "rdm",
    "returns_to_concept",
    "stages",
    "temporal_generalization",
    "trials_per_label",
]
