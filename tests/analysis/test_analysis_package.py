"""Package-level checks: public API, no torch in the analysis code, docstring examples run."""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import neurogen.analysis as na

MODULES = sorted(
    f"neurogen.analysis.{m.name}" for m in pkgutil.iter_modules(na.__path__)
) + ["neurogen.analysis", "neurogen.testing.strategies"]


def test_all_is_explicit_and_importable():
    """Every name in __all__ exists; the documented analysers are all exported."""
    for name in na.__all__:
        assert hasattr(na, name), name
    expected = {
        "distance", "min_distance", "mean_sem", "stages", "cosine_similarity", "off_diagonal_mean",
        "overlap", "active_units", "pca_spectrum", "n_components_for", "pca_embedding",
        "returns_to_concept", "min_distances", "active_unit_counts", "component_counts", "plateau",
        "rank_correlation", "trials_per_label", "decode_over_time", "information_over_time", "latency",
        "peak_time", "entropy_bits",
    }
    assert expected <= set(na.__all__)


@pytest.mark.parametrize("module", MODULES)
def test_no_torch_and_only_analysis_imports(module):
    """The analysis code imports neither torch nor other neurogen modules (one-way data flow)."""
    path = Path(importlib.import_module(module).__file__)
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            assert not name.startswith("torch"), f"{module} imports {name}"
            if name.startswith("neurogen"):
                assert name.startswith("neurogen.analysis"), f"{module} imports {name}"


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module):
    """The Examples sections in the docstrings run and show the printed output."""
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
