"""NWB files and pynapple objects (neurogen.nwb): round trips, nwbinspector, plain pynwb, pynapple analysis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from contextlib import nullcontext as does_not_raise
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings

pynwb = pytest.importorskip("pynwb")
nap = pytest.importorskip("pynapple")

from builders import make_recording, part_files

pytestmark = pytest.mark.usefixtures("torch_one_thread")

from neurogen import nwb  # noqa: E402
from neurogen.concepts import ConceptHierarchy  # noqa: E402
from neurogen.recording import Recording, RecordingError  # noqa: E402
from neurogen.testing.strategies import hierarchies, latents  # noqa: E402

BAD_LEVELS = ("CRITICAL", "BEST_PRACTICE_VIOLATION")


@pytest.fixture(scope="module")
def rec() -> Recording:
    """16 trials (labels 1, 2; noise 0.1, 0.3; 2 repeats) × 5 steps of a Nz = 4 VAE, latent and data."""
    return make_recording(steps=4)


@pytest.fixture(scope="module")
def latent_only() -> Recording:
    """16 trials × 2 steps, latent only (the smallest file)."""
    return make_recording(steps=1, signals=("latent",))


@pytest.fixture(scope="module")
def nwb_file(rec, tmp_path_factory) -> Path:
    """``rec`` written with a concept hierarchy over its 4 units."""
    rng = np.random.default_rng(0)
    hier = ConceptHierarchy.from_patterns(rng.standard_normal((6, 4)).astype(np.float32),
                                          np.array([1, 2, 1, 2, 1, 2]), samples=np.arange(6) + 10)
    return nwb.to_nwb(rec, tmp_path_factory.mktemp("nwb") / "rec.nwb", hierarchy=hier)


# ------------------------------------------------------------------------------ round trips
@st.composite
def small_recordings(draw) -> Recording:
    """A recording from neurogen.testing's ``latents``, with ``repeat``, drawn time points and attrs."""
    lat = draw(latents(with_mode=True, n_trials=st.integers(1, 4), n_times=st.integers(1, 5)))
    steps = sorted(draw(st.sets(st.integers(0, 12), min_size=lat.sizes["time"], max_size=lat.sizes["time"])))
    lat = lat.assign_coords(time=np.asarray(steps, dtype=np.int64),
                            repeat=("trial", np.asarray(draw(st.lists(st.integers(0, 3), min_size=lat.sizes["trial"],
                                                                      max_size=lat.sizes["trial"])), dtype=np.int64)))
    if draw(st.booleans()):
        lat = lat.drop_vars("unit")  # run() gives no unit coordinate
    attrs = draw(st.dictionaries(st.text("abcdefgh_", min_size=1, max_size=8),
                                 st.one_of(st.integers(-(2**53), 2**53), st.text(max_size=20),
                                           st.floats(allow_nan=False, allow_infinity=False)), max_size=4))
    return Recording(lat.to_dataset().assign_attrs(attrs))


@settings(max_examples=10)
@given(recording=small_recordings())
@pytest.mark.filterwarnings("ignore::neurogen.nwb.NWBWarning")  # tiny recordings: fewer samples than units
def test_round_trip_is_identical(recording, tmp_path):
    """from_nwb(to_nwb(rec)) has the same latent values, dtype, trial coords, time points and attrs."""
    back = nwb.from_nwb(nwb.to_nwb(recording, tmp_path / "r.nwb"))
    xr.testing.assert_identical(back.dataset, recording.dataset)
    assert back.latent.dtype == recording.latent.dtype


def test_round_trip_of_a_run_with_images_and_irregular_steps(tmp_path):
    """A recording of run() with latent and data, every=3 of 7 steps (times 0, 3, 6, 7), comes back identical."""
    rec = make_recording(steps=7, every=3)
    assert rec.dataset["time"].values.tolist() == [0, 3, 6, 7]
    path = nwb.to_nwb(rec, tmp_path / "r.nwb")
    xr.testing.assert_identical(nwb.from_nwb(path).dataset, rec.dataset)
    assert part_files(tmp_path) == []


@settings(max_examples=5)
@given(hds=hierarchies(n_units=4))
def test_hierarchy_round_trip(tmp_path, latent_only, hds):
    """The concept hierarchy written as a processing module reads back with the same patterns and labels."""
    rec = latent_only
    path = nwb.to_nwb(rec, tmp_path / "r.nwb", hierarchy=ConceptHierarchy(hds))
    back = nwb.read_hierarchy(path).dataset
    xr.testing.assert_equal(back.drop_vars("unit", errors="ignore"), hds.drop_vars("unit"))
    assert nwb.read_hierarchy(nwb.to_nwb(rec, tmp_path / "none.nwb")) is None


# ------------------------------------------------------------------------------ NWB readers
def test_nwbinspector_finds_no_violation(nwb_file):
    """nwbinspector reports nothing CRITICAL or BEST_PRACTICE_VIOLATION on a neurogen file."""
    from nwbinspector import inspect_nwbfile

    messages = list(inspect_nwbfile(nwbfile_path=str(nwb_file)))
    bad = [(m.importance.name, m.check_function_name, m.message) for m in messages
           if m.importance.name in BAD_LEVELS]
    assert bad == []
    assert any(m.check_function_name == "check_experimenter_exists" for m in messages)  # it did inspect


DANDI_METADATA = {"experimenter": "Doe, Jane", "institution": "Example University", "lab": "Example Lab",
                  "session_id": "sixes-01"}


def test_dandi_inspection_with_metadata(rec, tmp_path):
    """With experimenter, institution, lab and session id, nwbinspector's DANDI configuration reports
    nothing above BEST_PRACTICE_SUGGESTION, and nothing about the processing module's name or a
    one-row table (issue 29)."""
    from nwbinspector import Importance, inspect_nwbfile, load_config

    hier = ConceptHierarchy.from_patterns(np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 0, 1]], np.array([1, 2, 1, 2, 1, 2]))
    path = nwb.to_nwb(rec, tmp_path / "r.nwb", hierarchy=hier, **DANDI_METADATA)
    messages = list(inspect_nwbfile(nwbfile_path=str(path), config=load_config("dandi")))
    above = [(m.importance.name, m.check_function_name) for m in messages
             if m.importance.value > Importance.BEST_PRACTICE_SUGGESTION.value]
    assert above == []
    checks = {m.check_function_name for m in messages}
    assert not checks & {"check_experimenter_exists", "check_institution", "check_processing_module_name",
                         "check_single_row", "check_experimenter_form"}, checks
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        f = io.read()
        assert f.experimenter == ("Doe, Jane",) and f.lab == "Example Lab" and f.session_id == "sixes-01"
    xr.testing.assert_equal(nwb.read_hierarchy(path).dataset.drop_vars("unit", errors="ignore"),
                            hier.dataset.drop_vars("unit", errors="ignore").drop_attrs())


def test_descriptions_are_sentences_and_notes_the_json(nwb_file, rec):
    """session_description, stimulus_notes, protocol and the subject's description are plain text
    (no JSON); the recording's attrs are JSON in notes only."""
    with pynwb.NWBHDF5IO(str(nwb_file), "r") as io:
        f = io.read()
        texts = [f.session_description, f.stimulus_notes, f.protocol, f.subject.description]
        notes = json.loads(f.notes)
    for text in texts:
        assert "{" not in text and '"' not in text, text
    assert texts[0].startswith("Repeated inference of the deep generative model")
    assert f"{rec.n_trials} trials" in texts[0] and "labels 1, 2" in texts[0]
    assert json.loads(notes["stimulus"])["type"] == "Stimulus"


def test_fewer_samples_than_units_warns(tmp_path):
    """A series with fewer samples (trials × time points) than units warns, naming nwbinspector's
    CRITICAL check and how many trials would do."""
    small = make_recording(steps=1, signals=("latent",)).isel(trial=[0])  # 1 trial × 2 time points, 4 units
    with pytest.warns(nwb.NWBWarning, match=r"2 samples .* but 4 units: nwbinspector .* reports this as "
                                            r"CRITICAL \(check_data_orientation.*at least 2 trials"):
        nwb.to_nwb(small, tmp_path / "r.nwb")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"notes": "x"}, "does not take 'notes': neurogen writes it itself"),
    ({"source_script": "x"}, "does not take 'source_script'"),
    ({"acquisition": []}, "unexpected keyword argument 'acquisition'"),
    ({"experimentor": "Doe, Jane"}, "unexpected keyword argument 'experimentor'"),
], ids=["notes", "source-script", "container", "misspelt"])
def test_metadata_names_are_checked(rec, tmp_path, kwargs, match):
    """to_nwb takes NWBFile metadata only; what neurogen reads back, containers and typos are refused."""
    with pytest.raises(TypeError, match=match):
        nwb.to_nwb(rec, tmp_path / "r.nwb", **kwargs)
    assert not (tmp_path / "r.nwb").exists()


def test_hierarchy_of_an_older_file_is_read(latent_only, tmp_path):
    """A file with the older layout (module 'concepts', tables memory / concept / abstract) still reads."""
    from neurogen._nwb_file import _table, build_file

    rng = np.random.default_rng(1)
    hier = ConceptHierarchy.from_patterns(rng.standard_normal((4, 4)).astype(np.float32), np.array([0, 1, 0, 1]))
    hds = hier.dataset
    f = build_file(pynwb, latent_only.dataset, None, None)
    module = pynwb.ProcessingModule(name="concepts", description="old layout")
    module.add(_table("memory", "m", {"sample": (hds["sample"].values, "s"), "label": (hds["sample_label"].values, "l"),
                                      "pattern": (hds["memory"].values, "p")}))
    module.add(_table("concept", "c", {"label": (hds["label"].values, "l"), "pattern": (hds["concept"].values, "p")}))
    module.add(_table("abstract", "a", {"pattern": (hds["abstract"].values[None, :], "p")}))
    f.add_processing_module(module)
    with pynwb.NWBHDF5IO(str(tmp_path / "old.nwb"), "w") as io:
        io.write(f)
    back = nwb.read_hierarchy(tmp_path / "old.nwb").dataset
    xr.testing.assert_equal(back, hds.drop_vars("unit", errors="ignore").drop_attrs())


PLAIN_READER = textwrap.dedent("""
    import json, sys
    import numpy as np
    from pynwb import NWBHDF5IO
    with NWBHDF5IO(sys.argv[1], "r") as io:
        f = io.read()
        ts = f.acquisition["latent"]
        t = ts.timestamps[:] if ts.timestamps is not None else ts.starting_time + np.arange(ts.data.shape[0]) / ts.rate
        trials = f.trials.to_dataframe()
        out = {"neurogen_imported": any(m.split(".")[0] == "neurogen" for m in sys.modules),
               "shape": list(ts.data.shape), "latent": ts.data[:].tolist(), "t": t.tolist(),
               "unit": ts.unit, "description": ts.description,
               "columns": list(trials.columns), "label": trials["label"].tolist(),
               "noise": trials["noise"].tolist(), "mode": trials["mode"].tolist(),
               "start": trials["start_time"].tolist(), "stop": trials["stop_time"].tolist(),
               "notes": json.loads(f.notes), "subject": f.subject.description,
               "species": f.subject.species, "concepts": list(f.processing["misc"].data_interfaces)}
    print(json.dumps(out))
""")


def test_plain_pynwb_reads_it_without_neurogen(nwb_file, rec):
    """A script with only pynwb (no neurogen import) finds the latent series, the trials and the metadata."""
    proc = subprocess.run([sys.executable, "-c", PLAIN_READER, str(nwb_file)], capture_output=True, text=True,
                          timeout=120, cwd=nwb_file.parent, env={**os.environ, "PYTHONPATH": ""})
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["neurogen_imported"] is False
    n_trials, n_time, n_unit = rec.latent.shape
    assert out["shape"] == [n_trials * n_time, n_unit]
    np.testing.assert_array_equal(np.array(out["latent"], dtype=np.float32),
                                  rec.latent.values.reshape(-1, n_unit))
    assert {"label", "source", "noise", "mode", "repeat"} <= set(out["columns"])
    assert out["label"] == rec.dataset["label"].values.tolist()
    assert out["noise"] == rec.dataset["noise"].values.tolist()
    assert out["mode"] == rec.dataset["mode"].values.tolist()
    # the documented time base: one step = 1 s, trial k starts at k * (T + 2) s and stops at k * (T + 2) + T + 1
    assert "one inference step = 1 s" in out["description"]
    T = int(rec.dataset["time"][-1])
    np.testing.assert_array_equal(out["start"], np.arange(n_trials) * (T + 2.0))
    np.testing.assert_array_equal(out["stop"], np.arange(n_trials) * (T + 2.0) + T + 1)
    t = np.array(out["t"]).reshape(n_trials, n_time)
    np.testing.assert_allclose(t - np.array(out["start"])[:, None], np.tile(rec.dataset["time"].values, (n_trials, 1)))
    assert out["notes"]["network_sha256"] == rec.attrs["network_sha256"]
    assert rec.attrs["network_sha256"] in out["subject"]
    assert out["species"].endswith("NCBITaxon_32630")
    assert sorted(out["concepts"]) == ["concepts", "memories"]


def test_pynapple_load_file_gives_to_pynapple(nwb_file, rec):
    """pynapple's own NWB loader reads the same samples, times and trial metadata that to_pynapple returns."""
    loaded = nap.load_file(str(nwb_file))
    try:
        ours = nwb.to_pynapple(rec)
        np.testing.assert_array_equal(loaded["latent"].t, ours.latent.t)
        np.testing.assert_array_equal(loaded["latent"].values, ours.latent.values)
        np.testing.assert_array_equal(loaded["data"].values, ours.data.values)
        np.testing.assert_array_equal(loaded["trials"].start, ours.trials.start)
        np.testing.assert_array_equal(loaded["trials"].end, ours.trials.end)
        for col in ("label", "source", "noise", "repeat"):
            np.testing.assert_array_equal(loaded["trials"].get_info(col), ours.trials.get_info(col))
    finally:
        loaded.close()


# ------------------------------------------------------------------------------ pynapple
def test_tuning_curve_against_noise_agrees_with_xarray(rec):
    """pynapple's tuning curve of each unit against the noise level = neurogen's groupby('noise') mean."""
    p = nwb.to_pynapple(rec)
    tc = nap.compute_tuning_curves(p.latent, p.trial_feature("noise"), bins=[0.0, 0.2, 0.4])
    ours = rec.latent.groupby("noise").mean(("trial", "time"))
    assert tc.shape == (4, 2)
    np.testing.assert_allclose(tc.values.T, ours.values, rtol=1e-5, atol=1e-6)


def test_per_trial_frames_are_the_trials(rec):
    """per_trial() gives one TsdFrame per trial, with that trial's samples at its steps (1 s each)."""
    p = nwb.to_pynapple(rec)
    frames = p.per_trial()
    assert len(frames) == rec.n_trials
    for k in (0, 5, rec.n_trials - 1):
        np.testing.assert_array_equal(frames[k].values, rec.latent.isel(trial=k).values)
        np.testing.assert_array_equal(frames[k].t - p.trials.start[k], rec.dataset["time"].values)
    assert p.trials.get_info("mode").tolist() == rec.dataset["mode"].values.tolist()
    assert isinstance(p.data, nap.TsdTensor) and p.data.shape[1:] == (28, 28)


@pytest.mark.parametrize(("name", "expectation"), [
    ("noise", does_not_raise()),
    ("label", does_not_raise()),
    ("mode", pytest.raises(ValueError, match="numeric trial metadata")),
    ("colour", pytest.raises(ValueError, match="name should be one of the trial metadata")),
], ids=["noise", "label", "string", "unknown"])
def test_trial_feature_names(rec, name, expectation):
    """trial_feature takes numeric trial metadata and refuses strings and unknown names."""
    p = nwb.to_pynapple(rec)
    with expectation:
        feature = p.trial_feature(name)
        np.testing.assert_array_equal(feature.values, np.repeat(rec.dataset[name].values, rec.dataset.sizes["time"]))


# ------------------------------------------------------------------------------ export and errors
@pytest.mark.parametrize(("to", "expectation"), [
    ("nwb", does_not_raise()),
    ("pynapple-npz", does_not_raise()),
    ("zarr", pytest.raises(ValueError, match=r"to should be one of \('nwb', 'pynapple-npz'\), got 'zarr'")),
])
def test_export(rec, tmp_path, to, expectation):
    """export() turns a saved .nc into an NWB file or a pynapple folder, and refuses other formats."""
    nc = rec.save(tmp_path / "rec.nc")
    with expectation:
        out = nwb.export(nc, to, tmp_path / "out")
        if to == "nwb":
            xr.testing.assert_identical(nwb.from_nwb(out).dataset, Recording.load(nc, lazy=False).dataset)
        else:
            folder = nap.load_folder(str(out))
            np.testing.assert_array_equal(folder["latent"].values, rec.latent.values.reshape(-1, 4))
            assert folder["trials"].get_info("noise").tolist() == rec.dataset["noise"].values.tolist()
            assert part_files(out) == [] and sorted(p.name for p in out.iterdir()) == [
                "data.npz", "latent.npz", "trials.npz"]


@pytest.mark.parametrize("module", ["pynwb", "pynapple"])
def test_missing_extra_names_it(rec, tmp_path, monkeypatch, module):
    """Without pynwb / pynapple the error says which extra to install."""
    monkeypatch.setitem(sys.modules, module, None)
    call = (lambda: nwb.to_nwb(rec, tmp_path / "r.nwb")) if module == "pynwb" else (lambda: nwb.to_pynapple(rec))
    with pytest.raises(ImportError, match=r"needs " + module + r".*pip install 'neurogen\[nwb\]'"):
        call()


def test_bad_arguments(rec, tmp_path):
    """Wrong types and empty recordings are refused with the argument named."""
    with pytest.raises(TypeError, match="recording should be a neurogen Recording"):
        nwb.to_nwb(np.zeros((2, 3, 4)), tmp_path / "r.nwb")
    with pytest.raises(TypeError, match="hierarchy should be a ConceptHierarchy"):
        nwb.to_nwb(rec, tmp_path / "r.nwb", hierarchy={"memory": 1})
    wrong = ConceptHierarchy.from_patterns(np.ones((2, 3), dtype=np.float32), np.array([0, 1]))
    with pytest.raises(ValueError, match="hierarchy should have the recording's 4 latent units, got 3"):
        nwb.to_nwb(rec, tmp_path / "r.nwb", hierarchy=wrong)
    with pytest.raises(ValueError, match="recording has no trials"):
        nwb.to_pynapple(rec.isel(trial=slice(0, 0)))
    assert part_files(tmp_path) == []


def test_foreign_or_missing_files_are_refused(tmp_path):
    """from_nwb refuses a missing file and an NWB file neurogen did not write."""
    from datetime import datetime, timezone

    with pytest.raises(RecordingError, match="file not found"):
        nwb.from_nwb(tmp_path / "nope.nwb")
    f = pynwb.NWBFile(session_description="a mouse", identifier="m1",
                      session_start_time=datetime(2020, 1, 1, tzinfo=timezone.utc))
    with pynwb.NWBHDF5IO(str(tmp_path / "mouse.nwb"), "w") as io:
        io.write(f)
    with pytest.raises(RecordingError, match="not an NWB file written by neurogen"):
        nwb.from_nwb(tmp_path / "mouse.nwb")


@pytest.mark.filterwarnings("ignore::neurogen.nwb.NWBWarning")
def test_failed_write_keeps_the_old_file(rec, tmp_path, monkeypatch):
    """An error while writing leaves the previous file as it was and no temporary file."""
    path = nwb.to_nwb(rec, tmp_path / "r.nwb")
    before = path.read_bytes()

    def boom(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pynwb.NWBHDF5IO, "write", boom)
    with pytest.raises(OSError, match="disk full"):
        nwb.to_nwb(rec.isel(trial=[0]), path)
    assert path.read_bytes() == before
    assert part_files(tmp_path) == []


# ------------------------------------------------------------------------------ Recording methods and the CLI
def test_recording_methods(rec, tmp_path):
    """Recording.to_nwb / Recording.from_nwb / Recording.to_pynapple are the functions of neurogen.nwb."""
    path = rec.to_nwb(tmp_path / "r.nwb")
    xr.testing.assert_identical(Recording.from_nwb(path).dataset, rec.dataset)
    np.testing.assert_array_equal(rec.to_pynapple().latent.values, nwb.to_pynapple(rec).latent.values)


def _has_export_command() -> bool:
    from neurogen.cli import build_parser

    return "export" in build_parser()._subparsers._group_actions[0].choices


@pytest.mark.skipif(not _has_export_command(), reason="`neurogen export` not added to the CLI yet")
def test_cli_export(rec, tmp_path, capsys, monkeypatch):
    """`neurogen export rec.nc --to nwb|pynapple-npz OUT` writes the files; a missing extra is one line, exit 2."""
    from neurogen.cli import main

    nc = rec.save(tmp_path / "rec.nc")
    assert main(["export", str(nc), "--to", "nwb", str(tmp_path / "rec.nwb")]) == 0
    xr.testing.assert_identical(nwb.from_nwb(tmp_path / "rec.nwb").dataset, Recording.load(nc, lazy=False).dataset)
    assert main(["export", str(nc), "--to", "pynapple-npz", str(tmp_path / "npz")]) == 0
    assert (tmp_path / "npz" / "latent.npz").is_file()
    assert "wrote" in capsys.readouterr().out
    concepts = ConceptHierarchy.from_patterns(np.eye(4, dtype=np.float32), np.array([1, 2, 1, 2])).save(
        tmp_path / "concepts.nc")
    assert main(["export", str(nc), "--to", "nwb", str(tmp_path / "meta.nwb"), "--concepts", str(concepts),
                 "--experimenter", "Doe, Jane", "--experimenter", "Roe, Richard", "--institution", "Example University",
                 "--lab", "Example Lab", "--session-id", "s-01", "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    with pynwb.NWBHDF5IO(str(tmp_path / "meta.nwb"), "r") as io:
        f = io.read()
        assert f.experimenter == ("Doe, Jane", "Roe, Richard") and f.institution == "Example University"
        assert f.lab == "Example Lab" and f.session_id == "s-01"
    assert nwb.read_hierarchy(tmp_path / "meta.nwb").dataset.sizes["label"] == 2
    assert main(["export", str(nc), "--to", "pynapple-npz", str(tmp_path / "npz2"), "--lab", "L"]) == 2
    assert "--lab: NWB metadata, for --to nwb only" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "pynwb", None)
    assert main(["export", str(nc), "--to", "nwb", str(tmp_path / "again.nwb")]) == 2
    assert "pip install 'neurogen[nwb]'" in capsys.readouterr().err
    assert not (tmp_path / "again.nwb").exists()
