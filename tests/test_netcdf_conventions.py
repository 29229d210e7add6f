"""Every kind of file neurogen writes describes itself (CF and ACDD), read with plain ``netCDF4``.

Recordings (saved and streamed by ``run(out=...)``), concept hierarchies and study data files written
with :func:`neurogen._netcdf.write_dataset`: ``long_name`` and ``units`` on every variable, the global
attributes, checksums on every variable, compression, only the dimensions a signal uses; and files of
the previous version still load.
"""

from __future__ import annotations

import json
import re
import sys

import netCDF4
import numpy as np
import pytest
import xarray as xr

from neurogen import ConceptHierarchy, Probe, Recording, Stimulus, run
from neurogen._netcdf import (REFERENCES, base_attrs, cf_global_attrs, check_complevel, describe_variables,
                              history_entry, to_json, write_dataset)
from neurogen._version import __version__

from builders import make_digits, make_network, make_recording

pytestmark = pytest.mark.usefixtures("torch_one_thread")

GLOBAL = ("title", "summary", "keywords", "license", "creator_name", "references", "history", "source", "Conventions",
          "neurogen_version", "created", "date_created")


def check_file(path, *, compressed: bool | None = None, string_units: bool = False) -> netCDF4.Dataset:
    """Open ``path`` with plain netCDF4 and check the attributes every neurogen file carries
    (units on numeric variables; on text ones too with ``string_units``, as the studies write)."""
    nc = netCDF4.Dataset(path)
    for name in GLOBAL:
        assert str(nc.getncattr(name)).strip(), f"{path}: empty global attribute {name}"
    assert nc.Conventions.startswith("CF-1.8") and "ACDD" in nc.Conventions
    assert "arXiv:1712.04195" in nc.references and "doi:10.1038/s41598-020-72593-4" in nc.references
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 \S", nc.history), nc.history
    assert f"(neurogen {__version__})" in nc.history
    assert len(nc.title) <= 100 and len(nc.summary) > len(nc.title)
    assert nc.date_created == nc.created
    for name, var in nc.variables.items():
        assert var.getncattr("long_name").strip(), f"{path}: {name} has no long_name"
        if var.dtype == str and not string_units:
            assert "units" not in var.ncattrs(), f"{path}: the text variable {name} has units"
        else:
            assert var.getncattr("units").strip(), f"{path}: {name} has no units"
        assert var.filters()["fletcher32"], f"{path}: {name} is written without a checksum"
        if compressed is not None and var.dtype != str and var.ndim >= 2:
            assert var.filters()["zlib"] is compressed, f"{path}: {name} compression"
    return nc


@pytest.fixture(scope="module")
def stimulus():
    """Labels 1 and 2, 2 images each, 2 repeats, 2 noise levels."""
    return Stimulus.from_dataset(make_digits(), label=[1, 2], n=2, noise=[0.1, 0.3], repeats=2, seed=3)


def test_saved_recording(tmp_path):
    """A saved recording: attributes, the paper's names for latent, time, noise and source."""
    path = make_recording().save(tmp_path / "rec.nc")
    with check_file(path, compressed=True) as nc:
        assert nc["latent"].long_name == "posterior mean E_q[z|x(t)]" and nc["latent"].units == "1"
        assert nc["time"].long_name == "inference step" and nc["time"].axis == "T"
        assert nc["noise"].long_name == "pixel-swap fraction p"
        assert nc["source"].long_name == "index into the MNIST training split"
        assert nc.title and nc.source == f"neurogen {__version__}: repeated inference (neurogen.run) of Network"
        assert nc.summary.startswith("Repeated inference of Network, a trained deep generative model")
        assert set(nc.dimensions) == {"trial", "time", "unit", "pixel"}
        for dim in ("trial", "unit", "pixel"):  # CF coordinate variables: positions
            np.testing.assert_array_equal(nc[dim][:], np.arange(nc.dimensions[dim].size))
        assert "units" not in nc["mode"].ncattrs()


def test_streamed_recording_latent_only(stimulus, tmp_path):
    """run(out=...) writes the same attributes; a latent-only recording has no 'pixel' dimension."""
    path = tmp_path / "streamed.nc"
    run(make_network(), stimulus, steps=2, probe=Probe("latent"), out=path, progress=False).close()
    with check_file(path, compressed=True) as nc:
        assert set(nc.dimensions) == {"trial", "time", "unit"}
        assert set(nc.variables) == {"latent", "time", "label", "source", "noise", "repeat", "mode", "trial", "unit"}
        assert nc["latent"].coordinates == "label source noise repeat mode"
    with check_file(make_recording(signals=("latent",)).save(tmp_path / "b.nc")) as nc:
        assert "pixel" not in nc.dimensions


def test_uncompressed_recording_keeps_checksums(tmp_path):
    """complevel=0 turns compression off but never the checksums."""
    with check_file(make_recording().save(tmp_path / "raw.nc", complevel=0), compressed=False):
        pass


def test_stimulus_is_json(stimulus, tmp_path):
    """The stimulus and probe attributes are JSON that gives back the noise, mode, repeats and seed."""
    path = tmp_path / "r.nc"
    run(make_network(), stimulus, steps=1, out=path, progress=False).close()
    with netCDF4.Dataset(path) as nc:
        stim = json.loads(nc.stimulus)
        probe = json.loads(nc.probe)
    assert stim["type"] == "Stimulus" and stim["noise"] == {"type": "PixelSwap", "p": [0.1, 0.3],
                                                            "mode": "invert", "bounds": [0.0, 1.0]}
    assert stim["repeats"] == 2 and stim["seed"] == 3 and stim["images"] == {"shape": [4, 784], "dtype": "float32"}
    assert probe == {"type": "Probe", "signals": ["latent"], "every": 1, "dtype": "float32"}


def test_base_attrs_store_objects_as_json(stimulus):
    """base_attrs keeps strings and numbers, bools as ints, and JSON for everything else."""
    attrs = base_attrs({"stimulus": stimulus, "n": 3, "x": 0.5, "flag": True, "cfg": {"a": [1, 2]}})
    assert json.loads(attrs["stimulus"]) == json.loads(to_json(stimulus))
    assert attrs["n"] == 3 and attrs["x"] == 0.5 and attrs["flag"] == 1 and attrs["cfg"] == '{"a": [1, 2]}'
    assert attrs["title"] == "neurogen recording" and attrs["references"] == REFERENCES
    assert attrs["summary"].startswith("Repeated inference of a neurogen subject")
    assert {"keywords", "license", "creator_name", "created", "date_created"} <= set(attrs)


def test_cf_xarray_finds_the_axes(stimulus, tmp_path):
    """cf_xarray finds the T axis (time) of a recording, streamed or saved, in memory and loaded;
    trial and unit have coordinate variables in the file (issue 29)."""
    cfxr = pytest.importorskip("cf_xarray")  # noqa: F841 (registers the .cf accessor)
    path = tmp_path / "r.nc"
    rec = run(make_network(), stimulus, steps=2, out=path, progress=False)
    rec.close()
    with Recording.load(path, lazy=False) as loaded:
        assert loaded.dataset.cf.axes == {"T": ["time"]}
        assert loaded.latent.cf["T"].name == "time"
        assert "trial" not in loaded.dataset.coords and "unit" not in loaded.dataset.coords  # positions: not loaded
    assert make_recording().dataset.cf.axes == {"T": ["time"]}
    with xr.open_dataset(path) as raw:  # what another tool sees
        assert raw.cf.axes == {"T": ["time"]}
        assert {"trial", "unit"} <= set(raw.indexes)
        assert raw["mode"].attrs == {"long_name": "pixel-swap mode"}


def test_concepts_source_says_what_made_it(tmp_path):
    """concepts.nc's source and summary name the subject, the data and the method."""
    h = ConceptHierarchy.from_network(make_network(), make_digits())
    with netCDF4.Dataset(h.save(tmp_path / "c.nc")) as nc:
        assert nc.source.startswith(f"neurogen {__version__}: ConceptHierarchy.from_network: Network encoding every "
                                    "image of ")
        assert nc.summary.startswith("The concept hierarchy of Network: memories")


def test_concepts_file(tmp_path):
    """A concepts file: every variable described, compressed, checksummed."""
    h = ConceptHierarchy.from_network(make_network(), make_digits())
    with check_file(h.save(tmp_path / "c.nc"), compressed=True) as nc:
        assert nc["memory"].long_name.startswith("memory") and nc["memory"].filters()["complevel"] == 4
        assert nc["sample_label"].long_name and nc.neurogen_format == "neurogen-concepts-1"
        assert "concept hierarchy" in nc.title


def test_study_file(tmp_path):
    """What a study writes: describe_variables + cf_global_attrs + write_dataset."""
    ds = xr.Dataset({"min_distance": (("noise", "level"), np.arange(6.0).reshape(3, 2))},
                    coords={"noise": [0.0, 0.5, 1.0], "level": ["memory", "concept"],
                            "trials": ("noise", [5, 5, 5])})
    ds = describe_variables(ds, long_names={"min_distance": "min_t ||z(t) - xi||", "level": "hierarchy level",
                                            "trials": "trials per noise level"})
    ds.attrs.update(cf_global_attrs("neurogen study fig4", neurogen_format="neurogen-study-data-1"))
    with check_file(write_dataset(ds, tmp_path / "fig4.nc"), compressed=True, string_units=True) as nc:
        assert nc["noise"].long_name == "pixel-swap fraction p" and nc["trials"].units == "1"
        assert nc.title == "neurogen study fig4"
    assert [p.name for p in tmp_path.iterdir()] == ["fig4.nc"]


def test_describe_variables_rules():
    """Given names win over existing attrs, which win over the table; a missing one is an error."""
    ds = xr.Dataset({"a": ("x", [1.0]), "noise": ("x", [0.2], {"long_name": "mine", "units": "%"})})
    with pytest.raises(ValueError, match=r"no long_name for \['a'\]: pass describe_variables\(ds, long_names="):
        describe_variables(ds)
    out = describe_variables(ds, long_names={"a": "A"}, units={"a": "s"})
    assert out["a"].attrs == {"long_name": "A", "units": "s"} and out["noise"].attrs == {"long_name": "mine",
                                                                                          "units": "%"}
    assert ds["a"].attrs == {}  # the input is not changed
    assert describe_variables(ds, strict=False)["a"].attrs == {}
    with pytest.raises(ValueError, match=r"variables the dataset lacks: \['b'\]"):
        describe_variables(ds, long_names={"b": "B"})


def test_history_entry():
    """history: UTC timestamp, the command line as typed (program name without its folder), version."""
    line = history_entry(["/usr/bin/neurogen", "record", "--out", "a b.nc"])
    assert re.fullmatch(r"\S+\+00:00 neurogen record --out 'a b.nc' \(neurogen .+\)", line)
    assert history_entry().split(" ")[1] == sys.argv[0].rsplit("/", 1)[-1]


@pytest.mark.parametrize(("value", "error", "match"), [
    (10, ValueError, r"'complevel' must be in \[0, 9\].*: 10"),
    (-1, ValueError, "'complevel' must be in"),
    (True, TypeError, "'complevel' must be an int"),
    (1.5, TypeError, "'complevel' must be an int"),
])
def test_complevel_checked(value, error, match, tmp_path):
    """A bad complevel is named before any file is made (not a raw NetCDF error)."""
    with pytest.raises(error, match=match):
        check_complevel(value)
    with pytest.raises(error, match=match):
        make_recording().save(tmp_path / "r.nc", complevel=value)
    assert list(tmp_path.iterdir()) == []


def write_previous_version(path, rec: Recording) -> None:
    """A recording as neurogen 0.1 wrote it: no long_name/units, stimulus as a Python repr,
    every dimension created, no checksums."""
    ds = rec.dataset
    with netCDF4.Dataset(path, "w") as nc:
        for dim in ("trial", "time", "unit", "pixel"):
            nc.createDimension(dim, ds.sizes.get(dim, 784))
        nc.createVariable("time", "i8", ("time",))[:] = ds.time.values
        for name in ("label", "source", "noise", "repeat"):
            nc.createVariable(name, ds[name].dtype, ("trial",))[:] = ds[name].values
        nc.createVariable("mode", str, ("trial",))[:] = ds["mode"].values.astype(object)
        var = nc.createVariable("latent", "f4", ("trial", "time", "unit"), zlib=True)
        var[:] = ds.latent.values
        var.coordinates = "label source noise repeat mode"
        nc.setncatts({"neurogen_format": "neurogen-recording-1", "neurogen_version": "0.1.0",
                      "created": "2026-01-01T00:00:00+00:00", "Conventions": "CF-1.8",
                      "stimulus": "Stimulus(4 sources × 2 repeats × 2 noise levels = 16 trials; "
                                  "PixelSwap(p=[0.1, 0.3], mode='invert'); seed=3)"})


@pytest.mark.parametrize("lazy", [False, None])
def test_previous_version_recording_loads(tmp_path, lazy):
    """A recording of the previous version loads, with long_name/units filled in and its repr kept."""
    rec = make_recording(signals=("latent",))
    write_previous_version(tmp_path / "old.nc", rec)
    with Recording.load(tmp_path / "old.nc", lazy=lazy) as old:
        xr.testing.assert_equal(old.dataset, rec.dataset)
        assert old.latent.attrs["long_name"] == "posterior mean E_q[z|x(t)]"
        assert old.dataset.noise.attrs["long_name"] == "pixel-swap fraction p"
        assert old.attrs["stimulus"].startswith("Stimulus(4 sources")
        assert old.sel(trial=old.dataset.noise == 0.1).n_trials == 8
        resaved = old.save(tmp_path / "new.nc")
    with check_file(resaved):
        pass
