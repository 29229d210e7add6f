"""Every study has the one shape: SIZES per profile, measure → dataset → figure → claims, re-plottable."""

from __future__ import annotations

import attrs
import matplotlib.figure
import pytest

from neurogen.studies import STUDIES, load_result, recompute_claims, replot
from neurogen.studies.claims import VERDICTS, Claim

NAMES = list(STUDIES)


@pytest.mark.parametrize("name", NAMES)
def test_module_shape(name):
    """Each module names itself, has a caption, sizes for the three profiles, and the three functions."""
    mod = STUDIES[name]
    assert mod.NAME == name and isinstance(mod.CAPTION, str) and mod.CAPTION
    for prof in ("tiny", "quick", "paper"):
        assert attrs.has(type(mod.SIZES[prof]))
    with pytest.raises(ValueError, match="profile must be one of"):
        mod.SIZES["fast"]
    for fn in ("measure", "plot", "claims"):
        assert callable(getattr(mod, fn))


@pytest.mark.parametrize("name", NAMES)
def test_replot_from_saved_file(name, run_tiny):
    """The saved .nc alone re-draws the figure and gives the same claims as the run."""
    result, out = run_tiny(name)
    assert all(isinstance(c, Claim) and c.verdict in VERDICTS for c in result.claims)
    assert result.claims, "every study states at least one claim"
    assert all(c.study == name for c in result.claims)
    for ext in ("png", "pdf", "nc"):
        assert (out / f"{name}.{ext}").stat().st_size > 500
    fig = replot(out / f"{name}.nc")
    assert isinstance(fig, matplotlib.figure.Figure) and fig.axes
    ds = load_result(out / f"{name}.nc")
    assert recompute_claims(ds) == result.claims
    assert ds.attrs["study"] == name and ds.attrs["profile"] == "tiny"


def test_no_study_imports_another():
    """Study modules import only the shared floors (_common, _measure, claims), never each other."""
    import ast
    from pathlib import Path

    import neurogen.studies as pkg

    folder = Path(pkg.__file__).parent
    names = set(STUDIES)
    for name in names:
        tree = ast.parse((folder / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("neurogen.studies."):
                assert node.module.split(".")[-1] not in names, f"{name} imports {node.module}"
            if isinstance(node, ast.ImportFrom) and node.module == "neurogen.studies":
                pytest.fail(f"{name} imports the studies package")


def test_unknown_study_and_profile(tmp_path):
    """Unknown names are errors that list the choices."""
    from neurogen.studies import run_study

    with pytest.raises(ValueError, match="unknown study"):
        run_study("fig99", "tiny", tmp_path)
    with pytest.raises(ValueError, match="profile must be one of"):
        run_study("fig2", "fast", tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_saved_file_is_self_describing(name, run_tiny):
    """Read with plain netCDF4: CF/ACDD global attributes, and long_name + units on every variable."""
    import netCDF4

    _, out = run_tiny(name)
    with netCDF4.Dataset(out / f"{name}.nc") as nc:
        for key in ("title", "Conventions", "references", "history", "source", "study", "profile"):
            assert key in nc.ncattrs(), key
        for vname, var in nc.variables.items():
            assert "long_name" in var.ncattrs() and "units" in var.ncattrs(), vname
