"""Tests for neurogen.concepts.ConceptHierarchy: memories ξ(i), concepts ξ̄_num, abstract ξ̄_all."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurogen import ConceptHierarchy, Probe, Recording, Stimulus, run
from neurogen.recording import RecordingError

from builders import N_LATENT, make_digits, make_network

pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def data():
    """100 random digits whose original indices are 500..599 (positions ≠ indices)."""
    return make_digits(index_offset=500)


@pytest.fixture(scope="module")
def net():
    """The tiny VAE."""
    return make_network()


@pytest.fixture(scope="module")
def hierarchy(net, data):
    """The hierarchy of the tiny VAE over the tiny data."""
    return ConceptHierarchy.from_network(net, data)


@pytest.fixture()
def patterns():
    """7 memories of 3 units in unbalanced classes 4 (×4) and 9 (×2) and 2 (×1), out of order."""
    rng = np.random.default_rng(0)
    memories = rng.normal(size=(7, 3)).astype(np.float32)
    labels = np.array([9, 4, 4, 2, 9, 4, 4])
    return memories, labels


# --------------------------------------------------------------------------- from_patterns


def test_from_patterns_concepts_are_class_means(patterns):
    """concept(label) is the mean of that class's memories (eq. 8), labels sorted."""
    memories, labels = patterns
    h = ConceptHierarchy.from_patterns(memories, labels)
    np.testing.assert_array_equal(h.concept["label"].values, [2, 4, 9])
    for k in (2, 4, 9):
        np.testing.assert_allclose(h.concept.sel(label=k).values, memories[labels == k].mean(0),
                                   rtol=1e-6, atol=1e-7)
    assert h.concept.dims == ("label", "unit")


def test_from_patterns_abstract_is_mean_of_concepts(patterns):
    """abstract is the mean of the concepts (eq. 12), not the mean of the (unbalanced) memories."""
    memories, labels = patterns
    h = ConceptHierarchy.from_patterns(memories, labels)
    means = np.stack([memories[labels == k].mean(0) for k in (2, 4, 9)])
    np.testing.assert_allclose(h.abstract.values, means.mean(0), rtol=1e-6, atol=1e-7)
    assert not np.allclose(h.abstract.values, memories.mean(0), atol=1e-3)
    assert h.abstract.dims == ("unit",)


def test_memory_has_label_and_sample_coords(patterns):
    """memory(sample, unit) keeps the patterns, with coord label(sample) and the given samples."""
    memories, labels = patterns
    samples = np.arange(7) * 10 + 3
    h = ConceptHierarchy.from_patterns(memories, labels, samples=samples)
    assert h.memory.dims == ("sample", "unit")
    np.testing.assert_array_equal(h.memory.values, memories)
    np.testing.assert_array_equal(h.memory["label"].values, labels)
    assert h.memory["label"].dims == ("sample",)
    np.testing.assert_array_equal(h.memory["sample"].values, samples)
    np.testing.assert_array_equal(h.memory.sel(sample=23).values, memories[2])


def test_from_patterns_default_samples(patterns):
    """Without samples=, samples are 0..S−1."""
    h = ConceptHierarchy.from_patterns(*patterns)
    np.testing.assert_array_equal(h.memory["sample"].values, np.arange(7))


def test_from_patterns_given_concepts_and_abstract(patterns):
    """Given concepts / abstract (e.g. generating parents) are used as they are."""
    memories, labels = patterns
    parents = np.arange(9, dtype=np.float32).reshape(3, 3)
    root = np.array([1.0, -1.0, 0.5], dtype=np.float32)
    h = ConceptHierarchy.from_patterns(memories, labels, concepts=parents, abstract=root)
    np.testing.assert_array_equal(h.concept.values, parents)
    np.testing.assert_array_equal(h.abstract.values, root)


def test_from_patterns_attrs(patterns):
    """attrs carry neurogen's provenance plus the given ones."""
    h = ConceptHierarchy.from_patterns(*patterns, attrs={"subject": "Test"})
    assert h.dataset.attrs["subject"] == "Test"
    assert "neurogen_version" in h.dataset.attrs and "created" in h.dataset.attrs
    assert "7 memories, 3 concepts, 3 units" in repr(h)


def test_one_dimensional_memories_rejected():
    """1-D memories raise ValueError naming the expected shape."""
    with pytest.raises(ValueError, match=r"memories must be a non-empty \(samples, units\) array"):
        ConceptHierarchy.from_patterns(np.zeros(5), np.zeros(5))


def test_empty_memories_rejected():
    """No memories at all raise ValueError."""
    with pytest.raises(ValueError, match="non-empty"):
        ConceptHierarchy.from_patterns(np.zeros((0, 3)), np.zeros(0))


@pytest.mark.parametrize("labels", [np.zeros(4), np.zeros(6), np.zeros((5, 1))])
def test_label_length_mismatch_rejected(labels):
    """labels not of shape (samples,) raise ValueError naming the shape."""
    with pytest.raises(ValueError, match=r"labels must have shape \(5,\)"):
        ConceptHierarchy.from_patterns(np.zeros((5, 3)), labels)


def test_dataset_without_levels_rejected(patterns):
    """A dataset lacking memory / concept / abstract raises ValueError."""
    h = ConceptHierarchy.from_patterns(*patterns)
    with pytest.raises(ValueError, match="needs 'abstract'"):
        ConceptHierarchy(h.dataset.drop_vars("abstract"))


# --------------------------------------------------------------------------- from_network


def test_from_network_memories_are_encodings(hierarchy, net, data):
    """memory = net.encode(images) (eq. 9) for every image, sample = the data's original index."""
    np.testing.assert_allclose(hierarchy.memory.values, net.encode(data.images), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(hierarchy.memory["sample"].values, data.index)
    np.testing.assert_array_equal(hierarchy.memory["label"].values, data.labels)
    assert hierarchy.memory.sizes["unit"] == N_LATENT


def test_from_network_concepts_and_abstract(hierarchy, net, data):
    """concept = class means of the encodings (eq. 8); abstract = mean of the concepts (eq. 12)."""
    z = net.encode(data.images).astype(np.float64)
    means = np.stack([z[data.labels == k].mean(0) for k in range(10)])
    np.testing.assert_array_equal(hierarchy.concept["label"].values, np.arange(10))
    np.testing.assert_allclose(hierarchy.concept.values, means, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hierarchy.abstract.values, means.mean(0), rtol=1e-5, atol=1e-6)


def test_from_network_batching(hierarchy, net, data):
    """A small batch_size gives the same memories as the default."""
    small = ConceptHierarchy.from_network(net, data, batch_size=7)
    np.testing.assert_allclose(small.memory.values, hierarchy.memory.values, rtol=1e-6, atol=2e-6)  # float32 GEMMs of other batch sizes round differently


def test_from_network_provenance(hierarchy, net, data):
    """attrs name the subject, its hash and the data."""
    assert hierarchy.dataset.attrs["network_sha256"] == net.sha256
    assert hierarchy.dataset.attrs["data"] == data.name


def test_from_network_needs_digits(net, data):
    """A raw array instead of Digits raises TypeError."""
    with pytest.raises(TypeError, match="data must be a neurogen.data.Digits"):
        ConceptHierarchy.from_network(net, data.images)


# --------------------------------------------------------------------------- memory_of


def test_memory_of_recording(hierarchy, net, data):
    """memory_of(recording) gives each trial the memory of its source image (via source)."""
    stim = Stimulus.from_dataset(data, indices=[12, 3, 40], noise=[0.1, 0.2], repeats=2, seed=0)
    rec = run(net, stim, steps=1, probe=Probe("latent"), progress=False)
    mem = hierarchy.memory_of(rec)
    assert mem.dims == ("trial", "unit")
    assert mem.sizes["trial"] == rec.n_trials == 12
    positions = rec.dataset["source"].values - 500
    np.testing.assert_allclose(mem.values, net.encode(data.images[positions]), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(mem["label"].values, rec.dataset["label"].values)
    # the same through the dataset
    np.testing.assert_array_equal(hierarchy.memory_of(rec.dataset).values, mem.values)


def test_memory_of_unknown_source(hierarchy, net):
    """A trial whose source is not among the samples raises KeyError."""
    other = make_digits(n=20, index_offset=0)  # indices 0..19, none in 500..599
    stim = Stimulus.from_dataset(other, indices=[0, 1], seed=0)
    rec = run(net, stim, steps=1, progress=False)
    with pytest.raises(KeyError, match="not among this hierarchy's samples"):
        hierarchy.memory_of(rec)


# --------------------------------------------------------------------------- files


def test_save_load_round_trip(hierarchy, tmp_path):
    """save then load keeps memories, concepts, abstract, coords and attrs."""
    path = hierarchy.save(tmp_path / "concepts.nc")
    loaded = ConceptHierarchy.load(path)
    xr.testing.assert_equal(loaded.dataset, hierarchy.dataset)
    xr.testing.assert_equal(loaded.memory, hierarchy.memory)
    skip = {"created", "neurogen_format"}
    assert {k: v for k, v in loaded.dataset.attrs.items() if k not in skip} == \
        {k: v for k, v in hierarchy.dataset.attrs.items() if k not in skip}
    assert loaded.dataset.attrs["neurogen_format"] == "neurogen-concepts-1"
    assert [p.name for p in tmp_path.iterdir()] == ["concepts.nc"]


def test_load_foreign_files(tmp_path):
    """A text file, a plain xarray file or a missing file raise RecordingError (a ValueError)."""
    txt = tmp_path / "x.nc"
    txt.write_text("not netcdf")
    with pytest.raises(RecordingError, match="not a readable netCDF4 concept hierarchy"):
        ConceptHierarchy.load(txt)
    plain = tmp_path / "plain.nc"
    xr.Dataset({"memory": (("sample", "unit"), np.zeros((2, 3)))}).to_netcdf(plain, engine="netcdf4")
    with pytest.raises(RecordingError, match="not a neurogen concept hierarchy"):
        ConceptHierarchy.load(plain)
    with pytest.raises(ValueError, match="file not found"):
        ConceptHierarchy.load(tmp_path / "missing.nc")


def test_load_recording_as_hierarchy(net, data, tmp_path):
    """A recording file is not a concept hierarchy: ValueError naming what is missing."""
    stim = Stimulus.from_dataset(data, indices=[0], seed=0)
    path = run(net, stim, steps=1, progress=False).save(tmp_path / "rec.nc")
    with pytest.raises(ValueError, match="needs 'memory'"):
        ConceptHierarchy.load(path)
    assert isinstance(Recording.load(path, lazy=False), Recording)


# --------------------------------------------------------------------------- repr, checks, old files


def test_repr_and_html(patterns):
    """repr gives sizes, labels and memories per label; _repr_html_ is xarray's with a header."""
    h = ConceptHierarchy.from_patterns(*patterns, attrs={"subject": "Test"})
    lines = repr(h).splitlines()
    assert lines[0] == "<ConceptHierarchy 7 memories, 3 concepts, 3 units>"
    assert lines[1:] == ["  labels: 2, 4, 9", "  memories per label: 1..4", "  subject: Test"]
    assert h._repr_html_().startswith("<p><b>&lt;ConceptHierarchy 7 memories") and "xr-wrap" in h._repr_html_()


def test_needs_sample_label(patterns, tmp_path):
    """A dataset (or a file) without 'sample_label' is refused with how to build one, not a KeyError."""
    h = ConceptHierarchy.from_patterns(*patterns)
    bare = h.dataset.drop_vars("sample_label")
    with pytest.raises(ValueError, match="needs the coordinate 'sample_label'"):
        ConceptHierarchy(bare)
    path = tmp_path / "bare.nc"
    bare.to_netcdf(path, engine="netcdf4")
    with pytest.raises(RecordingError, match=r"bare.nc: a concept hierarchy needs the coordinate 'sample_label'"):
        ConceptHierarchy.load(path)


def test_previous_version_file_loads(patterns, tmp_path):
    """A file as the previous version wrote it (plain to_netcdf, no long_name) still loads, described."""
    h = ConceptHierarchy.from_patterns(*patterns)
    old = h.dataset.copy()
    for v in old.variables.values():
        v.attrs = {}
    old.attrs = {"neurogen_format": "neurogen-concepts-1", "neurogen_version": "0.1.0", "Conventions": "CF-1.8"}
    old.to_netcdf(tmp_path / "old.nc", engine="netcdf4")
    loaded = ConceptHierarchy.load(tmp_path / "old.nc")
    xr.testing.assert_equal(loaded.dataset, h.dataset)
    assert loaded.dataset["memory"].attrs["long_name"].startswith("memory")
