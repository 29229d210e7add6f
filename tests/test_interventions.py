"""Tests for neurogen.interventions and run(..., interventions=...): lesions, clamps and noise on z(t) or x(t)."""

from __future__ import annotations

import json
from contextlib import nullcontext as does_not_raise

import numpy as np
import pytest
import torch
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

from neurogen import Probe, Stimulus, run
from neurogen import analysis as na
from neurogen.associative import HierarchicalPatterns, HopfieldNetwork, ModernHopfield
from neurogen.concepts import ConceptHierarchy
from neurogen.interventions import (Clamp, Lesion, Noise, Units, as_units, from_json, parse_clamp,
                                    parse_lesion_value, parse_units, to_json)

from builders import N_LATENT, make_network

pytestmark = pytest.mark.usefixtures("torch_one_thread")

STEPS = 6
BOTH = ("latent", "data")
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@pytest.fixture(scope="module")
def stim(digits):
    """2 labels × 3 images × 2 repeats = 12 trials at p = 0.2."""
    return Stimulus.from_dataset(digits, label=[0, 5], n=3, noise=0.2, repeats=2, seed=4)


@pytest.fixture(scope="module")
def plain(network, stim):
    """The recording without interventions, both signals, one batch."""
    return run(network, stim, steps=STEPS, probe=Probe(BOTH), progress=False)


@pytest.fixture(scope="module")
def hier(network, digits):
    return ConceptHierarchy.from_network(network, digits)


def record(subject, stim, interventions, steps=STEPS, **kw):
    kw.setdefault("probe", Probe(BOTH))
    return run(subject, stim, steps=steps, progress=False, interventions=interventions, **kw)


def latent(rec):
    return rec.dataset["latent"].values


# --------------------------------------------------------------------------- value objects


@pytest.mark.parametrize(("make", "expectation"), [
    (lambda: Lesion([3, 7]), does_not_raise()),
    (lambda: Lesion([], 0.0), does_not_raise()),
    (lambda: Lesion(np.array([True, False]), [0.5]), does_not_raise()),
    (lambda: Lesion([1.5]), pytest.raises(TypeError, match=r"units should hold integer unit indices, got 1\.5")),
    (lambda: Lesion("3,7"), pytest.raises(TypeError, match="units should be unit indices")),
    (lambda: Lesion([1, 1]), pytest.raises(ValueError, match="units should not repeat a unit")),
    (lambda: Lesion([-1]), pytest.raises(ValueError, match="units should be indices >= 0")),
    (lambda: Lesion([[1, 2]]), pytest.raises(ValueError, match="units should be one-dimensional")),
    (lambda: Lesion([1], "median"), pytest.raises(ValueError, match="value should be 'mean', a number")),
    (lambda: Lesion([1], float("nan")), pytest.raises(ValueError, match="value should be finite")),
    (lambda: Lesion([1, 2], [0.0]), pytest.raises(ValueError, match=r"one value per unit \(2\), got 1")),
    (lambda: Lesion([1], signal="pixel"), pytest.raises(ValueError, match="signal should be one of")),
    (lambda: Clamp([1], 0.5, times=(2, 5)), does_not_raise()),
    (lambda: Clamp([1], 0.5, times=(2, None)), does_not_raise()),
    (lambda: Clamp([1], 0.5, times=(5, 2)), pytest.raises(ValueError, match="times should be")),
    (lambda: Clamp([1], 0.5, times=3), pytest.raises(TypeError, match="times should be None or a")),
    (lambda: Clamp([1], "x"), pytest.raises(TypeError, match="values should be a number")),
    (lambda: Noise([1], 0.1, seed=2), does_not_raise()),
    (lambda: Noise([1], -0.1), pytest.raises(ValueError, match="sd should be >= 0")),
    (lambda: Noise([1], 0.1, seed=-1), pytest.raises(ValueError, match="seed should be an int >= 0")),
    (lambda: Noise([1], 0.1, seed=1.5), pytest.raises(TypeError, match="seed should hold integer")),
], ids=lambda v: "" if callable(v) else None)
def test_construction_checks(make, expectation):
    """Interventions validate their arguments once, with messages naming the argument."""
    with expectation:
        make()


def test_units_from_masks_and_dataarrays():
    """A mask selects its True positions; a DataArray with unit coords selects those coords."""
    assert as_units(5) == Units((5,))
    assert as_units(range(2, 4)).indices == (2, 3)
    assert as_units([True, False, True]) == Units((0, 2), size=3)
    mask = xr.DataArray([False, True, True], dims="unit")
    assert as_units(mask) == Units((1, 2), size=3)
    labelled = mask.assign_coords(unit=[10, 20, 30])
    assert as_units(labelled).indices == (20, 30)
    active = na.active_units(xr.DataArray([[0.0, 1.0, 5.0], [0.0, -1.0, 5.0]], dims=("sample", "unit")))
    assert Lesion(active, 0.0).units == Units((1,), size=3)


def test_json_round_trip():
    """to_json → from_json gives back equal objects."""
    items = [Lesion([1, 2], [0.5, -0.5]), Clamp([0], 1.0, times=(1, 3)), Noise([3], 0.2, seed=7, times=(2, None)),
             Lesion(np.array([True, False]), 0.0, signal="data")]
    assert from_json(to_json(items)) == items
    assert json.loads(to_json(items))[0] == {"kind": "Lesion", "units": [1, 2], "units_size": None,
                                             "value": [0.5, -0.5], "signal": "latent"}


@pytest.mark.parametrize(("text", "expected"), [
    ("3,7,12", (3, 7, 12)), ("0:3,10", (0, 1, 2, 10)), (" 4 ", (4,)),
    ("3,x", ValueError), ("3:1", ValueError), ("", ValueError), ("3,3", ValueError), ("-2", ValueError),
])
def test_parse_units(text, expected):
    """--lesion takes indices and half-open ranges; anything else is one clear ValueError."""
    if expected is ValueError:
        with pytest.raises(ValueError, match="--lesion should"):
            parse_units(text)
    else:
        assert parse_units(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("3=0.5", Clamp([3], 0.5)), ("3,4=-1@2:5", Clamp([3, 4], -1.0, times=(2, 5))),
    ("0:2=1@4:", Clamp([0, 1], 1.0, times=(4, None))),
    ("3:0.5", None), ("3=", None), ("=1", None), ("3=a", None), ("3=1@x:4", None), ("3=1@4", None),
    ("3=1@5:2", None),
])
def test_parse_clamp(text, expected):
    """--clamp UNIT=VALUE[@T0:T1] builds a Clamp; malformed text is a ValueError naming --clamp."""
    if expected is None:
        with pytest.raises(ValueError, match="--clamp should|times should"):
            parse_clamp(text)
    else:
        assert parse_clamp(text) == expected


def test_parse_lesion_value():
    assert parse_lesion_value("mean") == "mean"
    assert parse_lesion_value("-0.25") == -0.25
    with pytest.raises(ValueError, match="--lesion-value should be 'mean' or a finite number"):
        parse_lesion_value("middle")


# --------------------------------------------------------------------------- properties of run


@given(units=st.lists(st.integers(0, N_LATENT - 1), unique=True, max_size=N_LATENT),
       value=st.floats(-3, 3, allow_nan=False), every=st.integers(1, 3))
def test_lesioned_units_stay_at_their_value(network, stim, units, value, every):
    """At every recorded step the lesioned units hold the value; the others are free."""
    rec = record(network, stim, [Lesion(units, value)], probe=Probe("latent", every=every))
    z = latent(rec)
    np.testing.assert_array_equal(z[:, :, units], np.float32(value))
    free = [u for u in range(N_LATENT) if u not in units]
    assert (np.ptp(z[:, :, free], axis=(0, 1)) > 0).all()


def test_no_interventions_is_bit_identical(network, stim, plain):
    """interventions=None, [] or a no-op list give exactly the plain recording."""
    for items in (None, [], [Lesion([], 0.0)], [Noise([1, 2], 0.0, seed=3)], [Clamp([], [])]):
        rec = record(network, stim, items)
        for s in BOTH:
            np.testing.assert_array_equal(rec.dataset[s].values, plain.dataset[s].values)
    assert "interventions" not in record(network, stim, None).attrs


def test_plain_run_matches_hand_unrolled_loop_exactly(network, stim, plain):
    """The engine with its new hooks still computes x(t+1) = decode(encode(x(t))), bit for bit."""
    with torch.inference_mode():
        x = torch.as_tensor(stim.inputs())
        for t in range(STEPS + 1):
            z = network.encode(x)
            np.testing.assert_array_equal(plain.dataset["latent"].values[:, t], z.numpy())
            x = network.decode(z)


@given(t0=st.integers(0, STEPS), length=st.integers(1, STEPS + 1), unit=st.integers(0, N_LATENT - 1))
def test_clamp_acts_only_in_its_window(network, stim, plain, t0, length, unit):
    """Before t0 nothing changes; in [t0, t1) the unit is clamped; from t1 on the dynamics run free."""
    t1 = t0 + length
    z = latent(record(network, stim, [Clamp([unit], 2.5, times=(t0, t1))]))
    np.testing.assert_array_equal(z[:, :t0], latent(plain)[:, :t0])
    np.testing.assert_array_equal(z[:, t0:t1, unit], np.float32(2.5))
    with torch.inference_mode():
        for t in range(max(t1, 1), STEPS + 1):  # free steps follow from the recorded state alone
            nxt = network.encode(network.decode(torch.as_tensor(z[:, t - 1]))).numpy()
            np.testing.assert_allclose(z[:, t], nxt, rtol=1e-5, atol=1e-6)


def test_interventions_compose_in_the_order_given(network, stim):
    """Later interventions act on what earlier ones left: the last setter wins, noise adds after."""
    clamp, lesion = Clamp([1], 1.0), Lesion([1], 0.0)
    assert (latent(record(network, stim, [clamp, lesion]))[:, :, 1] == 0).all()
    assert (latent(record(network, stim, [lesion, clamp]))[:, :, 1] == 1).all()
    noise = Noise([1], 0.5, seed=1)
    draws = noise.sample(0, stim.n_trials, STEPS)[:, :, 0]
    np.testing.assert_allclose(latent(record(network, stim, [lesion, noise]))[:, :, 1], draws, rtol=1e-6)
    assert (latent(record(network, stim, [noise, lesion]))[:, :, 1] == 0).all()


def test_noise_is_seeded_per_trial(network, stim):
    """Same seed, same recording, whatever the batch size; another seed differs; noise adds sd·N(0, 1)."""
    items = [Noise([0, 2], 0.3, seed=5, times=(1, 4))]
    a = latent(record(network, stim, items))
    np.testing.assert_array_equal(a, latent(record(network, stim, items)))
    np.testing.assert_allclose(a, latent(record(network, stim, items, batch_size=5)), rtol=1e-5, atol=1e-6)
    assert not np.allclose(a, latent(record(network, stim, [Noise([0, 2], 0.3, seed=6, times=(1, 4))])))
    draws = Noise([0], 1.0, seed=0).sample(0, 500, 40)
    assert abs(draws.std() - 1.0) < 0.02 and abs(draws.mean()) < 0.02
    np.testing.assert_array_equal(Noise([0], 1.0, seed=0).sample(7, 9, 40), draws[7:9])


def test_recording_says_what_was_done(network, stim, tmp_path):
    """attrs['interventions'] holds the JSON, in memory and in the file."""
    items = [Lesion([1], 0.25), Clamp([2], -1.0, times=(0, 2))]
    rec = record(network, stim, items, out=tmp_path / "r.nc")
    assert from_json(rec.attrs["interventions"]) == items
    np.testing.assert_array_equal(latent(rec)[:, :, 1], np.float32(0.25))
    rec.close()


def test_mean_lesion_is_resolved_by_the_hierarchy(network, stim, hier):
    """value='mean' holds each unit at its mean over the memories, via run(hierarchy=) or resolve()."""
    means = hier.dataset["memory"].mean("sample").values
    z = latent(record(network, stim, [Lesion([0, 3])], hierarchy=hier))
    np.testing.assert_allclose(z[:, :, [0, 3]], np.broadcast_to(means[[0, 3]], z[:, :, [0, 3]].shape), rtol=1e-6)
    np.testing.assert_array_equal(latent(record(network, stim, [Lesion([0, 3]).resolve(hier)])), z)
    with pytest.raises(ValueError, match="needs the units' means: pass hierarchy="):
        record(network, stim, [Lesion([0])])
    with pytest.raises(ValueError, match="for a signal='data' lesion pass the pixels' means"):
        Lesion([0], signal="data").resolve(hier)


def test_data_side_lesion(network, stim, digits):
    """signal='data' holds pixels of x(t) before encode; the recording's data shows it."""
    pixels = list(range(100, 160))
    rec = record(network, stim, [Lesion(pixels, signal="data").resolve(digits.images.mean(0))])
    np.testing.assert_allclose(rec.dataset["data"].values[:, :, pixels],
                               np.broadcast_to(digits.images.mean(0)[pixels], (stim.n_trials, STEPS + 1, 60)),
                               rtol=1e-6)
    with torch.inference_mode():  # z(t) is the encoding of the lesioned input
        z0 = network.encode(torch.as_tensor(rec.dataset["data"].values[:, 0])).numpy()
    np.testing.assert_allclose(latent(rec)[:, 0], z0, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("items", "err", "match"), [
    ([Lesion([N_LATENT], 0.0)], ValueError, f"units should be < {N_LATENT}"),
    ([Lesion(np.ones(N_LATENT + 1, bool), 0.0)], ValueError, f"mask of {N_LATENT + 1} units"),
    ([Lesion([784], 0.0, signal="data")], ValueError, "units should be < 784"),
    ("lesion", TypeError, "interventions should be a list"),
    ([Lesion([0], 0.0), "clamp"], TypeError, r"only Lesion, Clamp or Noise objects, got \['str'\]"),
])
def test_bad_interventions_fail_before_recording(network, stim, items, err, match):
    with pytest.raises(err, match=match):
        record(network, stim, items)


# --------------------------------------------------------------------------- every subject


@pytest.fixture(scope="module")
def patterns():
    return HierarchicalPatterns(200, n_concepts=2, n_memories=3, seed=1)


@pytest.mark.parametrize("kind", ["hopfield", "async", "modern"])
def test_hopfield_subjects(patterns, kind):
    """A fraction of a Hopfield subject's units lesioned to 0 stays 0; x(t) keeps the update's output."""
    subject = {"hopfield": lambda: HopfieldNetwork.from_patterns(patterns),
               "async": lambda: HopfieldNetwork.from_patterns(patterns, update="asynchronous"),
               "modern": lambda: ModernHopfield(patterns.memories)}[kind]()
    stim = patterns.stimulus(0.2, repeats=2)
    units = np.random.default_rng(0).random(200) < 0.25
    rec = record(subject, stim, [Lesion(units, 0.0)])
    z, x = latent(rec), rec.dataset["data"].values
    assert (z[:, :, units] == 0).all() and (z[:, :, ~units] != 0).any()
    np.testing.assert_array_equal(z[:, :, ~units], x[:, :, ~units])  # read-out: z is x where not lesioned
    assert (x[:, 1:, units] != 0).any()  # the lesion did not leak into x(t) (it was cloned, not aliased)
    baseline = latent(record(subject, stim, []))
    assert not np.array_equal(z, baseline)


# --------------------------------------------------------------------------- device (issue 18, item 8)


@pytest.mark.parametrize("device", ["meta", "cuda:99", "bogus", "xla"])
def test_bad_device_fails_cleanly_and_the_subject_stays(stim, device):
    """run(device=...) checks the device before moving; the subject stays usable where it was."""
    net = make_network()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(ValueError, match="device"):
        run(net, stim, steps=2, device=device, progress=False)
    assert net.device == torch.device("cpu")
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert run(net, stim, steps=2, progress=False).latent.shape == (stim.n_trials, 3, N_LATENT)


class _Movable:
    """A subject that records its moves and fails on encode."""

    def __init__(self) -> None:
        self.moves: list[str] = []
        self._device = torch.device("cpu")

    @property
    def device(self) -> torch.device:
        return self._device

    def to(self, device):  # noqa: ANN001, ANN201
        self.moves.append(str(device))
        self._device = torch.device("meta") if len(self.moves) == 1 else torch.device(device)
        return self

    def encode(self, x):  # noqa: ANN001, ANN201
        raise RuntimeError("boom")

    def decode(self, z):  # noqa: ANN001, ANN201
        return z

    def describe(self) -> dict:
        return {"subject": "movable"}


def test_failed_run_moves_the_subject_back(stim):
    subject = _Movable()
    with pytest.raises(RuntimeError, match="boom"):
        run(subject, stim, steps=1, device="cpu", progress=False)
    assert subject.moves == ["cpu", "cpu"] and subject.device == torch.device("cpu")


@CUDA
def test_cuda_matches_cpu(stim, hier):
    """On CUDA the same interventions give the CPU's recording (up to float rounding)."""
    items = [Lesion([0, 2]), Clamp([1], 0.7, times=(1, 3)), Noise([3], 0.2, seed=1)]
    cpu = latent(record(make_network(), stim, items, hierarchy=hier))
    gpu = latent(record(make_network(), stim, items, hierarchy=hier, device="cuda"))
    np.testing.assert_allclose(gpu, cpu, rtol=1e-4, atol=1e-5)
