"""Tests for neurogen.engine.run: repeated inference x(0) → z(0) → x(1) → … recorded by a Probe."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import xarray as xr

from neurogen import Probe, Recording, Stimulus, Subject, run

from builders import N_LATENT, LinearSubject, make_network, part_files

pytestmark = pytest.mark.usefixtures("torch_one_thread")

STEPS = 6
BOTH = ("latent", "data")


@pytest.fixture(scope="module")
def stim(digits):
    """2 labels × 3 images × 2 repeats × 2 noise levels = 24 trials."""
    return Stimulus.from_dataset(digits, label=[0, 5], n=3, noise=[0.1, 0.4], repeats=2, seed=4)


@pytest.fixture(scope="module")
def rec(network, stim):
    """The reference in-memory recording of both signals at every step."""
    return run(network, stim, steps=STEPS, probe=Probe(BOTH), progress=False)


def unroll(subject, stim, steps):
    """Repeated inference by hand: lists x(t), z(t) for t = 0..steps."""
    xs, zs = [], []
    with torch.inference_mode():
        x = torch.as_tensor(stim.inputs())
        for t in range(steps + 1):
            z = subject.encode(x)
            xs.append(x.numpy().copy())
            zs.append(z.numpy().copy())
            if t < steps:
                x = subject.decode(z)
    return np.stack(xs, axis=1), np.stack(zs, axis=1)


# --------------------------------------------------------------------------- the dynamics


def test_run_matches_hand_unrolled_loop(network, stim, rec):
    """latent(t) = encode(x(t)) and data(t) = x(t) with x(t+1) = decode(z(t)), for every t."""
    xs, zs = unroll(network, stim, STEPS)
    assert rec.latent.shape == (stim.n_trials, STEPS + 1, N_LATENT)
    assert rec.data.shape == (stim.n_trials, STEPS + 1, 784)
    for t in range(STEPS + 1):
        np.testing.assert_allclose(rec.latent.isel(time=t).values, zs[:, t], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(rec.data.isel(time=t).values, xs[:, t], rtol=1e-6, atol=1e-7)


def test_data_at_time_zero_is_the_stimulus(stim, rec):
    """x(0) is exactly the stimulus's corrupted input."""
    np.testing.assert_array_equal(rec.data.isel(time=0).values, stim.inputs())


def test_dynamics_actually_move(rec):
    """The recorded state changes over time (guards against recording one step repeatedly)."""
    assert not np.allclose(rec.latent.isel(time=0), rec.latent.isel(time=1))
    assert not np.allclose(rec.data.isel(time=0), rec.data.isel(time=1))


def test_recording_coords_and_attrs(network, stim, rec):
    """Coords come from the stimulus; attrs carry subject, seed, steps and the probe."""
    ds = rec.dataset
    coords = stim.trial_coords()
    for name in ("label", "source", "noise", "repeat"):
        np.testing.assert_array_equal(ds[name].values, coords[name])
    assert list(ds["mode"].values) == ["invert"] * stim.n_trials
    np.testing.assert_array_equal(ds.time.values, np.arange(STEPS + 1))
    assert rec.attrs["subject"] == "Network"
    assert rec.attrs["network_sha256"] == network.sha256
    assert rec.attrs["seed"] == 4 and rec.attrs["steps"] == STEPS
    assert rec.attrs["neurogen_format"].startswith("neurogen-recording")
    probe = json.loads(rec.attrs["probe"])  # stored as JSON, like the stimulus
    assert probe["every"] == 1 and probe["signals"] == ["latent", "data"] and probe["dtype"] == "float32"


def test_every_subsamples_the_right_steps(network, stim, rec):
    """Probe(every=4) keeps steps 0, 4 and the last step, equal to those of the full recording."""
    sub = run(network, stim, steps=STEPS, probe=Probe(BOTH, every=4), progress=False)
    np.testing.assert_array_equal(sub.dataset.time.values, [0, 4, STEPS])
    for name in BOTH:
        np.testing.assert_array_equal(sub.dataset[name].values,
                                      rec.dataset[name].sel(time=[0, 4, STEPS]).values)


def test_float16_probe(network, stim, rec):
    """dtype='float16' records float16 values equal to the float32 recording rounded."""
    half = run(network, stim, steps=STEPS, probe=Probe(BOTH, dtype="float16"), progress=False)
    for name in BOTH:
        assert half.dataset[name].dtype == np.float16
        np.testing.assert_array_equal(half.dataset[name].values,
                                      rec.dataset[name].values.astype(np.float16))


def test_float16_probe_streams_to_file(network, stim, tmp_path):
    """dtype='float16' with out= writes a file that loads back as the same float16 values."""
    probe = Probe(BOTH, dtype="float16")
    mem = run(network, stim, steps=3, probe=probe, progress=False)
    disk = run(network, stim, steps=3, probe=probe, out=tmp_path / "half.nc", progress=False)
    assert disk.latent.dtype == np.float16
    xr.testing.assert_equal(mem.dataset, disk.dataset.load())


def test_latent_only_by_default(network, stim):
    """Without a probe only the latent is recorded; asking for data explains how to get it."""
    r = run(network, stim, steps=2, progress=False)
    assert list(r.dataset.data_vars) == ["latent"]
    with pytest.raises(KeyError, match="no 'data'"):
        _ = r.data


def test_steps_zero_records_only_time_zero(network, stim):
    """steps=0 records the encoding of the input and nothing else."""
    r = run(network, stim, steps=0, probe=Probe(BOTH), progress=False)
    np.testing.assert_array_equal(r.dataset.time.values, [0])
    np.testing.assert_allclose(r.latent.isel(time=0).values,
                               network.encode(stim.inputs()), rtol=1e-6, atol=1e-7)


def test_same_seed_is_bit_identical(network, stim, rec):
    """Running the same stimulus again gives a bit-identical recording."""
    again = run(network, stim, steps=STEPS, probe=Probe(BOTH), progress=False)
    for name in BOTH:
        assert np.array_equal(again.dataset[name].values, rec.dataset[name].values)


def test_other_seed_differs(network, digits, stim, rec):
    """Another stimulus seed gives another recording."""
    other = Stimulus.from_dataset(digits, label=[0, 5], n=3, noise=[0.1, 0.4], repeats=2, seed=5)
    r = run(network, other, steps=STEPS, probe=Probe(BOTH), progress=False)
    assert not np.array_equal(r.data.values, rec.data.values)


@pytest.mark.parametrize("kw", [{"batch_size": 1}, {"batch_size": 5}, {"memory_budget": 1}])
def test_batching_does_not_change_values(network, stim, rec, kw):
    """batch_size=1, 5 or a tiny memory budget give the values of the one-batch default."""
    r = run(network, stim, steps=STEPS, probe=Probe(BOTH), progress=False, **kw)
    for name in BOTH:
        np.testing.assert_allclose(r.dataset[name].values, rec.dataset[name].values,
                                   rtol=1e-5, atol=1e-6)


def test_device_cpu(network, stim, rec):
    """device='cpu' runs where the network already is and gives the same values."""
    r = run(network, stim, steps=STEPS, probe=Probe(BOTH), device="cpu", progress=False)
    np.testing.assert_array_equal(r.latent.values, rec.latent.values)


# --------------------------------------------------------------------------- streaming to a file


@pytest.mark.parametrize("complevel", [0, 1])
def test_out_streams_to_netcdf(network, stim, rec, tmp_path, complevel):
    """out=path writes a netCDF file that loads back equal to the in-memory recording."""
    path = tmp_path / "rec.nc"
    r = run(network, stim, steps=STEPS, probe=Probe(BOTH), out=path, batch_size=7,
            complevel=complevel, progress=False)
    assert isinstance(r, Recording) and path.is_file()
    assert part_files(tmp_path) == []
    loaded = Recording.load(path, lazy=False)
    xr.testing.assert_allclose(loaded.dataset, rec.dataset, rtol=1e-5, atol=1e-6)
    xr.testing.assert_equal(r.dataset.load(), loaded.dataset)
    stamps = {"created", "date_created", "history"}  # written at save time
    assert {k: v for k, v in loaded.attrs.items() if k not in stamps} == \
        {k: v for k, v in rec.attrs.items() if k not in stamps}


class FailingSubject:
    """Wraps a subject; its decode raises at the ``fail_at``-th call (counted over all batches)."""

    def __init__(self, inner, fail_at: int) -> None:
        self.inner, self.fail_at, self.calls = inner, fail_at, 0

    @property
    def device(self):
        return self.inner.device

    def encode(self, x):
        return self.inner.encode(x)

    def decode(self, z):
        self.calls += 1
        if self.calls >= self.fail_at:
            raise RuntimeError("subject crashed")
        return self.inner.decode(z)

    def describe(self):
        return self.inner.describe()


def test_failed_run_keeps_old_file_and_leaves_no_part(network, stim, tmp_path):
    """A run that fails after some batches were written leaves a good older file as it was."""
    path = tmp_path / "rec.nc"
    run(network, stim, steps=2, out=path, progress=False)
    before = path.read_bytes()
    # batch_size 4, 3 decodes per batch: fails in the third batch, after two were written
    bad = FailingSubject(network, fail_at=7)
    with pytest.raises(RuntimeError, match="subject crashed"):
        run(bad, stim, steps=3, probe=Probe(BOTH), out=path, batch_size=4, progress=False)
    assert bad.calls == 7
    assert path.read_bytes() == before
    assert part_files(tmp_path) == []
    assert Recording.load(path, lazy=False).dataset.sizes["time"] == 3


def test_failed_run_without_old_file_leaves_nothing(network, stim, tmp_path):
    """A run that fails at its first step with out= leaves neither the file nor a temp file."""
    path = tmp_path / "new.nc"
    with pytest.raises(RuntimeError, match="subject crashed"):
        run(FailingSubject(network, fail_at=1), stim, steps=3, out=path, progress=False)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("steps", [-1, 2.5, True, "3"])
def test_bad_steps(network, stim, steps):
    """steps must be an int >= 0."""
    with pytest.raises(ValueError, match="'steps' must be an int >= 0"):
        run(network, stim, steps=steps, progress=False)


@pytest.mark.parametrize("probe", ["latent", ("latent",), {"every": 2}, []])
def test_probe_must_be_a_probe(network, stim, probe):
    """A probe that is not a Probe (a name, a tuple, a dict, even an empty list) raises TypeError."""
    with pytest.raises(TypeError, match="probe must be a neurogen.Probe"):
        run(network, stim, steps=2, probe=probe, progress=False)


def test_stimulus_must_be_a_stimulus(network, stim):
    """Raw arrays instead of a Stimulus raise TypeError."""
    with pytest.raises(TypeError, match="stimulus must be a neurogen.Stimulus"):
        run(network, stim.inputs(), steps=2, progress=False)


@pytest.mark.parametrize("missing", ["encode", "decode", "describe"])
def test_subject_lacking_a_method(stim, missing):
    """A subject without encode, decode or describe raises TypeError naming the method."""

    class Partial(LinearSubject):
        pass

    setattr(Partial, missing, None)
    with pytest.raises(TypeError, match=rf"Subject protocol; it has no {missing}\(\)"):
        run(Partial(), stim, steps=2, progress=False)


def test_bad_batch_size(network, stim):
    """batch_size < 1 raises ValueError."""
    with pytest.raises(ValueError, match="'batch_size' must be >= 1"):
        run(network, stim, steps=2, batch_size=0, progress=False)


def test_bad_device(network, stim):
    """An unknown device name raises ValueError."""
    with pytest.raises(ValueError, match="device must be"):
        run(network, stim, steps=2, device="abacus", progress=False)


# --------------------------------------------------------------------------- other subjects


def test_user_defined_subject_is_recorded(stim):
    """A plain class with encode/decode/device/describe is a Subject and can be recorded."""
    subject = LinearSubject(n_out=3)
    assert isinstance(subject, Subject)
    r = run(subject, stim, steps=4, probe=Probe(BOTH), batch_size=10, progress=False)
    xs, zs = unroll(subject, stim, 4)
    assert r.latent.sizes["unit"] == 3
    np.testing.assert_allclose(r.latent.values, zs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r.data.values, xs, rtol=1e-5, atol=1e-6)
    assert r.attrs["subject"] == "LinearSubject" and r.attrs["n_latent"] == 3


def test_user_subject_streams_to_file(stim, tmp_path):
    """A user-defined subject's recording also streams to a file and loads back."""
    r = run(LinearSubject(), stim, steps=2, out=tmp_path / "lin.nc", progress=False)
    mem = run(LinearSubject(), stim, steps=2, progress=False)
    xr.testing.assert_equal(r.dataset.load(), mem.dataset)


def test_network_is_a_subject(network):
    """The VAE satisfies the Subject protocol."""
    assert isinstance(network, Subject)
    assert isinstance(make_network(seed=1), Subject)
