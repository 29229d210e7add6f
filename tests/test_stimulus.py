"""Tests for neurogen.stimulus (PixelSwap, Stimulus) and neurogen.probe (Probe)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hashlib
import warnings

from neurogen import Digits, PixelSwap, Probe, Stimulus
from neurogen._checks import MAX_NOISE_LEVELS, MAX_TRIALS
from neurogen.probe import Float16Overflow
from neurogen.stimulus import noise_grid

from builders import make_digits

pytestmark = pytest.mark.usefixtures("torch_one_thread")

# --------------------------------------------------------------------------- helpers


def two_level_images(n: int = 200, seed: int = 0) -> np.ndarray:
    """Images whose pixels are 0.125 or 0.875 (far from 0.5, exact in float32)."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random((n, 784)) < 0.5, 0.125, 0.875).astype(np.float32)


def distinct_images(n: int = 200, seed: int = 0) -> np.ndarray:
    """Images whose 784 pixels are all distinct within a row (k / 1024, shuffled)."""
    rng = np.random.default_rng(seed)
    base = (np.arange(784, dtype=np.float32) + 1) / 1024
    return np.stack([rng.permutation(base) for _ in range(n)])


# --------------------------------------------------------------------------- PixelSwap


@pytest.mark.parametrize("p", [0.05, 0.2, 0.5, 0.9])
def test_invert_changes_fraction_p(p):
    """mode='invert' changes each pixel with probability p (200 × 784 pixels, ±0.01)."""
    x = two_level_images()
    y = PixelSwap(p).corrupt(x, p, np.random.default_rng(1))
    frac = np.mean(y != x)
    assert abs(frac - p) < 0.01


@pytest.mark.parametrize("p", [0.05, 0.2, 0.5, 0.9])
def test_permute_changes_fraction_p(p):
    """mode='permute' moves each pixel with probability p (less the rare fixed points).

    With distinct intensities a pixel changes iff it was selected and not a fixed point of the
    permutation; a random permutation has one fixed point on average per row, i.e. 1/784.
    """
    x = distinct_images()
    y = PixelSwap(p, mode="permute").corrupt(x, p, np.random.default_rng(2))
    frac = np.mean(y != x)
    assert abs(frac - p) < 0.01 + 1 / 784


def test_permute_keeps_multiset_of_intensities():
    """mode='permute' only moves intensities: each row's sorted values are unchanged."""
    x = np.random.default_rng(0).random((20, 784), dtype=np.float32)
    y = PixelSwap(0.4, mode="permute").corrupt(x, 0.4, np.random.default_rng(5))
    assert not np.array_equal(x, y)
    np.testing.assert_array_equal(np.sort(y, axis=1), np.sort(x, axis=1))


def test_permute_moves_only_among_selected_positions():
    """Changed pixels of a permuted row hold exactly the intensities that were at changed pixels."""
    x = distinct_images(n=10)
    y = PixelSwap(0.3, mode="permute").corrupt(x, 0.3, np.random.default_rng(7))
    for row_x, row_y in zip(x, y):
        changed = row_x != row_y
        assert changed.sum() > 100
        np.testing.assert_array_equal(np.sort(row_y[changed]), np.sort(row_x[changed]))


def test_invert_sets_selected_pixels_to_one_minus_x():
    """Every pixel that invert changes becomes exactly 1 − x; the others are untouched."""
    x = two_level_images(n=20)
    y = PixelSwap(0.3).corrupt(x, 0.3, np.random.default_rng(3))
    changed = y != x
    assert changed.any()
    np.testing.assert_array_equal(y[changed], 1.0 - x[changed])


def test_invert_is_an_involution_for_the_same_mask():
    """Inverting twice with the same seed (the same mask) gives the image back."""
    rng = np.random.default_rng(0)
    x = (rng.integers(0, 257, size=(30, 784)) / 256).astype(np.float32)  # exact in float32
    swap = PixelSwap(0.35)
    once = swap.corrupt(x, 0.35, np.random.default_rng(11))
    twice = swap.corrupt(once, 0.35, np.random.default_rng(11))
    assert not np.array_equal(once, x)
    np.testing.assert_array_equal(twice, x)


@pytest.mark.parametrize("mode", ["invert", "permute"])
def test_p_zero_is_identity(mode):
    """p = 0 leaves the image unchanged, in either mode."""
    x = np.random.default_rng(0).random((5, 784), dtype=np.float32)
    y = PixelSwap(0.0, mode=mode).corrupt(x, 0.0, np.random.default_rng(0))
    np.testing.assert_array_equal(y, x)


def test_p_one_invert_is_one_minus_x():
    """p = 1 with invert gives 1 − x on every pixel."""
    x = np.random.default_rng(0).random((5, 784), dtype=np.float32)
    y = PixelSwap(1.0).corrupt(x, 1.0, np.random.default_rng(0))
    np.testing.assert_array_equal(y, 1.0 - x)


def test_corrupt_copies_and_keeps_shape():
    """corrupt returns a float32 copy of the same shape (1-D or batch) and leaves its input alone."""
    x = np.random.default_rng(0).random((3, 784), dtype=np.float32)
    keep = x.copy()
    for img in (x, x[0]):
        y = PixelSwap(0.5).corrupt(img, 0.5, np.random.default_rng(0))
        assert y.shape == img.shape and y.dtype == np.float32
    np.testing.assert_array_equal(x, keep)


def test_rows_of_a_batch_get_independent_masks():
    """Identical rows in one batch are corrupted differently (one mask per row)."""
    x = np.tile(two_level_images(n=1), (4, 1))
    y = PixelSwap(0.5).corrupt(x, 0.5, np.random.default_rng(0))
    assert len({row.tobytes() for row in y}) == 4


@settings(max_examples=25, deadline=None)
@given(p=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1),
       mode=st.sampled_from(["invert", "permute"]))
def test_corrupt_properties(p, seed, mode):
    """For any p and seed: values stay in [0, 1]; permute keeps the multiset; invert gives x or 1 − x."""
    x = (np.random.default_rng(seed).integers(0, 257, size=(2, 784)) / 256).astype(np.float32)
    y = PixelSwap(p, mode=mode).corrupt(x, p, np.random.default_rng(seed))
    assert y.min() >= 0.0 and y.max() <= 1.0
    if mode == "permute":
        np.testing.assert_array_equal(np.sort(y, axis=1), np.sort(x, axis=1))
    else:
        assert np.all((y == x) | (y == 1.0 - x))


def test_pixelswap_fractions_converted_to_tuple():
    """A number or a list of p becomes a tuple of floats; the default mode is invert."""
    assert PixelSwap(0.2).p == (0.2,)
    assert PixelSwap([0, 0.5, 1]).p == (0.0, 0.5, 1.0)
    assert PixelSwap(0.2).mode == "invert"
    assert "permute" in str(PixelSwap(0.1, mode="permute"))


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), float("inf"), [0.2, 1.01]])
def test_pixelswap_rejects_p_outside_unit_interval(bad):
    """p < 0, p > 1, NaN and inf raise ValueError naming p and the range."""
    with pytest.raises(ValueError, match=r"'p' must lie in \[0, 1\]"):
        PixelSwap(bad)


def test_pixelswap_rejects_empty_list():
    """An empty list of noise fractions raises ValueError."""
    with pytest.raises(ValueError, match="at least one noise fraction"):
        PixelSwap([])


def test_pixelswap_rejects_unknown_mode():
    """An unknown mode raises ValueError naming the allowed modes."""
    with pytest.raises(ValueError, match="'mode' must be one of 'invert', 'permute', 'uniform', 'salt_pepper': 'scramble'"):
        PixelSwap(0.2, mode="scramble")


def test_invert_with_pm1_bounds_flips_sign():
    """bounds=(-1, 1): invert maps x → −x (±1 units); p = 1 flips every unit."""
    x = np.where(np.random.default_rng(0).random((3, 50)) < 0.5, -1.0, 1.0).astype(np.float32)
    swap = PixelSwap(1.0, bounds=(-1, 1))
    np.testing.assert_array_equal(swap.corrupt(x, 1.0, np.random.default_rng(0)), -x)
    y = swap.corrupt(x, 0.3, np.random.default_rng(0))
    assert set(np.unique(y).tolist()) <= {-1.0, 1.0}
    assert "bounds" in str(swap) and "bounds" not in str(PixelSwap(0.2))


@pytest.mark.parametrize("bad", [(1, 0), (0.5, 0.5), (0, 1, 2)])
def test_pixelswap_rejects_bad_bounds(bad):
    """bounds must be (lo, hi) with lo < hi."""
    with pytest.raises(ValueError, match="'bounds' must be"):
        PixelSwap(0.2, bounds=bad)


# --------------------------------------------------------------------------- Stimulus: selection


def test_from_dataset_by_label_and_n(digits):
    """label= and n= pick n images of each label; sources are their indices in the data."""
    stim = Stimulus.from_dataset(digits, label=[3, 7], n=4, seed=1)
    assert len(stim.images) == 8
    assert sorted(stim.labels.tolist()) == [3] * 4 + [7] * 4
    np.testing.assert_array_equal(digits.labels[stim.sources], stim.labels)
    np.testing.assert_array_equal(digits.images[stim.sources], stim.images)


def test_from_dataset_by_indices_uses_original_index():
    """indices= are positions in the data; sources are the data's original indices."""
    data = make_digits(index_offset=1000)
    stim = Stimulus.from_dataset(data, indices=[5, 2, 9])
    np.testing.assert_array_equal(stim.sources, [1005, 1002, 1009])
    np.testing.assert_array_equal(stim.images, data.images[[5, 2, 9]])
    np.testing.assert_array_equal(stim.labels, data.labels[[5, 2, 9]])


def test_from_dataset_noise_and_mode(digits):
    """A number or list becomes PixelSwap(noise, mode); mode= overrides a given PixelSwap's mode."""
    s = Stimulus.from_dataset(digits, n=3, noise=[0.1, 0.2], mode="permute")
    assert s.noise == PixelSwap([0.1, 0.2], mode="permute")
    s = Stimulus.from_dataset(digits, n=3, noise=PixelSwap(0.3), mode="permute")
    assert s.noise == PixelSwap(0.3, mode="permute")
    assert Stimulus.from_dataset(digits, n=3).noise.mode == "invert"


def test_from_dataset_label_missing(digits):
    """A label the data lacks raises ValueError naming it."""
    with pytest.raises(ValueError, match=r"label \[11\] not in the data"):
        Stimulus.from_dataset(digits, label=11)


def test_from_dataset_empty_indices(digits):
    """An empty indices list raises ValueError."""
    with pytest.raises(ValueError, match="indices selects no images"):
        Stimulus.from_dataset(digits, indices=[])


@pytest.mark.parametrize("bad", [[0, 100], [-1]])
def test_from_dataset_indices_out_of_range(digits, bad):
    """Indices outside [0, len(data) − 1] raise ValueError naming the range."""
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 99\]"):
        Stimulus.from_dataset(digits, indices=bad)


@pytest.mark.parametrize("kw", [{"label": 1}, {"n": 2}])
def test_from_dataset_indices_exclusive(digits, kw):
    """indices= together with label= or n= raises ValueError."""
    with pytest.raises(ValueError, match="either indices= or label=/n="):
        Stimulus.from_dataset(digits, indices=[0, 1], **kw)


def test_from_dataset_n_too_large(digits):
    """n larger than the images available (per label or in all) raises ValueError."""
    with pytest.raises(ValueError, match="n=11 exceeds the 10 images"):
        Stimulus.from_dataset(digits, label=4, n=11)
    with pytest.raises(ValueError, match="n=101 exceeds the 100 images"):
        Stimulus.from_dataset(digits, n=101)


def test_from_dataset_rejects_non_digits():
    """data that is not a Digits raises TypeError."""
    with pytest.raises(TypeError, match="data must be a neurogen.data.Digits"):
        Stimulus.from_dataset(np.zeros((3, 784)), n=1)


def test_stimulus_rejects_bad_repeats(digits):
    """repeats < 1 raises ValueError."""
    with pytest.raises(ValueError, match="repeats"):
        Stimulus.from_dataset(digits, n=2, repeats=0)


# --------------------------------------------------------------------------- Stimulus: trials


@pytest.fixture(scope="module")
def sweep(digits):
    """3 sources × 2 repeats × 3 noise levels = 18 trials."""
    return Stimulus.from_dataset(digits, indices=[4, 0, 7], noise=[0.0, 0.2, 0.5], repeats=2, seed=9)


def test_n_trials(sweep):
    """n_trials = len(p) × sources × repeats, and len() agrees."""
    assert sweep.n_trials == 3 * 3 * 2 == len(sweep)


def test_trial_coords_are_noise_major(sweep, digits):
    """Trials run noise-major: for each p, each source, each repeat."""
    c = sweep.trial_coords()
    src = digits.index[[4, 0, 7]]
    np.testing.assert_array_equal(c["noise"], np.repeat([0.0, 0.2, 0.5], 6))
    np.testing.assert_array_equal(c["source"], np.tile(np.repeat(src, 2), 3))
    np.testing.assert_array_equal(c["label"], np.tile(np.repeat(digits.labels[[4, 0, 7]], 2), 3))
    np.testing.assert_array_equal(c["repeat"], np.tile([0, 1], 9))
    assert list(c["mode"]) == ["invert"] * 18
    assert all(len(v) == sweep.n_trials for v in c.values())


def test_inputs_follow_trial_coords(sweep, digits):
    """Trial i's input is its source image corrupted at its p (p = 0 trials are the clean image)."""
    c = sweep.trial_coords()
    x = sweep.inputs()
    assert x.shape == (18, 784) and x.dtype == np.float32
    for i in range(sweep.n_trials):
        clean = digits.images[c["source"][i]]
        changed = np.mean(x[i] != clean)
        if c["noise"][i] == 0.0:
            np.testing.assert_array_equal(x[i], clean)
        else:
            np.testing.assert_allclose(x[i][x[i] != clean], 1.0 - clean[x[i] != clean], atol=1e-6)
            assert abs(changed - c["noise"][i]) < 0.1


def test_inputs_deterministic_for_a_seed(sweep, digits):
    """The same seed gives the same inputs, from the same or a newly built Stimulus."""
    again = Stimulus.from_dataset(digits, indices=[4, 0, 7], noise=[0.0, 0.2, 0.5], repeats=2, seed=9)
    np.testing.assert_array_equal(sweep.inputs(), sweep.inputs())
    np.testing.assert_array_equal(sweep.inputs(), again.inputs())


def test_different_seeds_differ(digits):
    """Another seed gives other noise."""
    a = Stimulus.from_dataset(digits, indices=[1, 2], noise=0.3, seed=0).inputs()
    b = Stimulus.from_dataset(digits, indices=[1, 2], noise=0.3, seed=1).inputs()
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("k", [1, 4, 7, 18, 100])
def test_inputs_independent_of_batching(sweep, k):
    """inputs(0, n) equals the concatenated batches(k), and the slices tile 0..n."""
    parts = list(sweep.batches(k))
    assert [sl.start for sl, _ in parts] == list(range(0, sweep.n_trials, k))
    assert parts[-1][0].stop == sweep.n_trials
    np.testing.assert_array_equal(np.concatenate([x for _, x in parts]), sweep.inputs(0, sweep.n_trials))


def test_inputs_window(sweep):
    """inputs(start, stop) is the matching window of inputs(); stop past the end is clipped."""
    full = sweep.inputs()
    np.testing.assert_array_equal(sweep.inputs(5, 11), full[5:11])
    np.testing.assert_array_equal(sweep.inputs(15, 1000), full[15:])


def test_repeats_get_independent_noise(digits):
    """Repeats of one source at one p are corrupted differently."""
    stim = Stimulus.from_dataset(digits, indices=[3], noise=0.3, repeats=5, seed=0)
    x = stim.inputs()
    assert len({row.tobytes() for row in x}) == 5


def test_permute_stimulus_keeps_intensities(digits):
    """A permute-mode stimulus's inputs are permutations of their source images."""
    stim = Stimulus.from_dataset(digits, indices=[0, 1], noise=0.5, mode="permute", seed=2)
    x = stim.inputs()
    np.testing.assert_array_equal(np.sort(x, axis=1), np.sort(stim.images, axis=1))
    assert not np.array_equal(x, stim.images)


def test_stimulus_direct_construction_validates():
    """Empty or mismatched images/labels/sources raise ValueError."""
    with pytest.raises(ValueError, match="non-empty"):
        Stimulus(np.zeros((0, 784)), [], [])
    with pytest.raises(ValueError, match="same length"):
        Stimulus(np.zeros((2, 784)), [1], [0, 1])


def test_stimulus_accepts_other_widths():
    """Any feature width works (e.g. ±1 patterns of 10 units)."""
    stim = Stimulus(np.ones((2, 10)), [0, 1], [0, 1], noise=PixelSwap(1.0), seed=0)
    np.testing.assert_array_equal(stim.inputs(), np.zeros((2, 10)))


def test_stimulus_str_names_counts(sweep):
    """str() names sources, repeats, noise levels and trials."""
    s = str(sweep)
    assert "3 sources × 2 repeats × 3 noise levels = 18 trials" in s and "seed=9" in s


def test_digits_are_the_fixture_kind(digits):
    """The fixture is a Digits with every label 0–9 (guards the other tests' assumptions)."""
    assert isinstance(digits, Digits)
    assert digits.classes.tolist() == list(range(10))


# --------------------------------------------------------------------------- Probe


def test_probe_defaults():
    """Default probe: latent only, every step, float32; a single name becomes a tuple."""
    p = Probe()
    assert (p.signals, p.every, p.dtype) == (("latent",), 1, "float32")
    assert Probe("data").signals == ("data",)


def test_probe_times_every_step():
    """every=1 records 0..T."""
    np.testing.assert_array_equal(Probe().times(5), np.arange(6))
    np.testing.assert_array_equal(Probe().times(0), [0])


@pytest.mark.parametrize(("steps", "expected"), [(10, [0, 3, 6, 9, 10]), (9, [0, 3, 6, 9]),
                                                 (2, [0, 2]), (0, [0])])
def test_probe_times_every_k_includes_last(steps, expected):
    """every=3 records 0, 3, 6, … and always the last step T (once)."""
    np.testing.assert_array_equal(Probe(every=3).times(steps), expected)


@pytest.mark.parametrize("bad", ["spikes", [], ["latent", "latent"], ["latent", "z"]])
def test_probe_rejects_bad_signals(bad):
    """Unknown, empty or repeated signal names raise ValueError."""
    with pytest.raises(ValueError, match="'signals' must be distinct names"):
        Probe(bad)


@pytest.mark.parametrize(("bad", "err"), [(0, ValueError), (-2, ValueError), (1.5, TypeError),
                                          ("2", TypeError)])
def test_probe_rejects_bad_every(bad, err):
    """every must be an int >= 1."""
    with pytest.raises(err, match="every"):
        Probe(every=bad)


@pytest.mark.parametrize("bad", ["float64", "int8", "half"])
def test_probe_rejects_bad_dtype(bad):
    """dtype must be float32 or float16."""
    with pytest.raises(ValueError, match="'dtype' must be one of 'float32', 'float16'"):
        Probe(dtype=bad)


# --------------------------------------------------------------------------- the four readings


def _stats(mode: str, p: float, n: int = 400, seed: int = 0):
    """Corrupt n two-level images (0.125 / 0.875) at p; return (changed mask, new values)."""
    x = two_level_images(n, seed)
    y = PixelSwap(p, mode=mode).corrupt(x, p, np.random.default_rng(seed))
    return x, y


@pytest.mark.parametrize("p", [0.1, 0.2, 0.5])
def test_uniform_selects_fraction_p_with_uniform_values(p):
    """uniform: a fraction ≈ p of pixels changes (a U(0,1) draw never equals 0.125/0.875 exactly),
    and the new values are uniform on [0, 1] (mean 1/2, variance 1/12, deciles flat)."""
    x, y = _stats("uniform", p)
    changed = x != y
    n = changed.size
    assert abs(changed.mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
    v = y[changed]
    assert v.min() >= 0.0 and v.max() <= 1.0
    assert abs(v.mean() - 0.5) < 4 * np.sqrt(1 / 12 / v.size)
    assert abs(v.var() - 1 / 12) < 0.005
    counts = np.histogram(v, bins=10, range=(0, 1))[0]
    expected = v.size / 10
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected)), counts


@pytest.mark.parametrize("p", [0.1, 0.2, 0.5])
def test_salt_pepper_selects_fraction_p_with_zeros_and_ones(p):
    """salt_pepper: each selected pixel becomes 0 or 1 with equal probability; the fraction of
    pixels that are 0 or 1 afterwards is ≈ p (the clean ones are 0.125 / 0.875)."""
    x, y = _stats("salt_pepper", p)
    selected = (y == 0.0) | (y == 1.0)
    assert np.all(selected | (y == x))  # every pixel is either unchanged or 0/1
    n = selected.size
    assert abs(selected.mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
    ones = (y[selected] == 1.0).mean()
    assert abs(ones - 0.5) < 4 * np.sqrt(0.25 / selected.sum())


@pytest.mark.parametrize("mode", ["uniform", "salt_pepper"])
def test_new_readings_respect_bounds(mode):
    """With bounds (-1, 1) the new readings draw within [-1, 1] (salt_pepper: exactly ±1)."""
    x = np.zeros((50, 100), np.float32)
    y = PixelSwap(0.5, mode=mode, bounds=(-1.0, 1.0)).corrupt(x, 0.5, np.random.default_rng(1))
    assert y.min() >= -1 and y.max() <= 1 and (y != 0).mean() > 0.4
    if mode == "salt_pepper":
        assert set(np.unique(y).tolist()) == {-1.0, 0.0, 1.0}


@pytest.mark.parametrize("mode", ["uniform", "salt_pepper"])
def test_new_readings_are_seeded_per_trial(mode, digits):
    """The new readings are seeded by (seed, trial): same seed same inputs, batching irrelevant,
    p = 0 is the identity."""
    a = Stimulus.from_dataset(digits, n=5, noise=[0.0, 0.3], mode=mode, repeats=2, seed=4)
    b = Stimulus.from_dataset(digits, n=5, noise=[0.0, 0.3], mode=mode, repeats=2, seed=4)
    np.testing.assert_array_equal(a.inputs(), b.inputs())
    np.testing.assert_array_equal(np.concatenate([x for _, x in a.batches(3)]), a.inputs())
    np.testing.assert_array_equal(a.inputs(0, 10), np.repeat(a.images, 2, axis=0))
    assert not np.array_equal(a.inputs(10, 20)[0], a.inputs(10, 20)[1])  # repeats differ
    assert a.trial_coords()["mode"][0] == mode


@pytest.mark.parametrize(
    ("mode", "digest"),
    [("invert", "5fb67d3fb685da9eb89a941deacceaec0410d5f383492ffb06390b20f0337193"),
     ("permute", "706ca555b4304826568c3cd95cc4ffcbdea62ca2e084eef111cadb7ee7031687")],
)
def test_existing_readings_are_bit_identical_to_before(mode, digest):
    """invert and permute give the same bytes as before the new readings were added (the digests
    were computed with neurogen 0.1.0's stimulus.py on these inputs)."""
    imgs = np.random.default_rng(0).random((5, 784)).astype(np.float32)
    stim = Stimulus(imgs, [0, 1, 2, 3, 4], [0, 1, 2, 3, 4], noise=PixelSwap([0.1, 0.5], mode=mode),
                    repeats=2, seed=7)
    assert hashlib.sha256(stim.inputs().tobytes()).hexdigest() == digest


# --------------------------------------------------------------------------- weak inputs


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [({"labels": [10, 1]}, ValueError, r"'labels' of 784-pixel digit images must be in \[0, 9\]: \[10\]"),
     ({"sources": [-5, 1]}, ValueError, r"'sources' must be >= 0: \[-5\]"),
     ({"labels": [-1, 1]}, ValueError, r"'labels' must be >= 0: \[-1\]"),
     ({"labels": [6.7, 1]}, TypeError, r"'labels' must hold ints"),
     ({"images": np.full((2, 784), np.nan)}, ValueError, r"'images' must be finite; they hold NaN or inf at 1568"),
     ({"images": np.full((2, 784), 2.0)}, ValueError, r"'images' must lie within the noise bounds \[0, 1\]"),
     ({"seed": -1}, ValueError, r"^'seed' must be in \[0, 9223372036854775807\]: -1$"),
     ({"seed": 1.5}, TypeError, r"^'seed' must be an int, got float 1\.5\.$"),
     ({"repeats": 0}, ValueError, r"^'repeats' must be >= 1: 0$"),
     ({"repeats": 2.5}, TypeError, r"^'repeats' must be an int"),
     ({"noise": 0.2}, TypeError, r"'noise' must be a PixelSwap, got float")],
    ids=["label-10", "source-minus-5", "label-minus-1", "float-label", "nan", "out-of-bounds",
         "seed-minus-1", "float-seed", "repeats-0", "float-repeats", "noise-float"],
)
def test_direct_construction_rejects_weak_inputs(kwargs, error, match):
    """A Stimulus built directly validates like one built from a dataset, naming the argument."""
    args = {"images": np.zeros((2, 784), np.float32), "labels": [0, 1], "sources": [0, 1], **kwargs}
    with pytest.raises(error, match=match):
        Stimulus(args.pop("images"), args.pop("labels"), args.pop("sources"), **args)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [({"label": 6.7}, TypeError, r"'label' must hold ints, got 6\.7"),
     ({"label": []}, ValueError, r"^'label' must hold at least one value, got \[\]\.$"),
     ({"indices": [1.5]}, TypeError, r"'indices' must hold ints, got \[1\.5\]"),
     ({"seed": -1}, ValueError, r"^'seed' must be in \[0, "),
     ({"repeats": 0}, ValueError, r"^'repeats' must be >= 1: 0$")],
)
def test_from_dataset_rejects_weak_inputs(digits, kwargs, error, match):
    """A float label or index is never truncated; label=[] and seed=-1 name the argument."""
    with pytest.raises(error, match=match):
        Stimulus.from_dataset(digits, **kwargs)


def test_hopfield_style_stimulus_still_accepted():
    """±1 images with bounds (-1, 1), labels beyond 9 for non-digit widths, and p = 0 start states
    outside [0, 1] remain valid."""
    pm1 = np.where(np.random.default_rng(0).random((12, 50)) < 0.5, -1.0, 1.0)
    Stimulus(pm1, np.arange(12), np.arange(12), noise=PixelSwap(0.2, bounds=(-1.0, 1.0)))
    Stimulus(pm1, np.arange(12), np.arange(12), noise=PixelSwap(0.0))


# --------------------------------------------------------------------------- bounded requests


def test_noise_grid_counts_before_allocating():
    """noise_grid gives the inclusive grid; 0:1:1e-9 is refused at once (it would need 8 GB)."""
    assert noise_grid(0.0, 1.0, 0.25) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert len(noise_grid(0.0, 1.0, 0.05)) == 21
    with pytest.raises(ValueError, match=r"has 1,000,000,001 levels, more than the limit of 10,001.*force=True"):
        noise_grid(0.0, 1.0, 1e-9)
    with pytest.raises(ValueError, match=r"'step' must be > 0\.0: 0\.0"):
        noise_grid(0.0, 1.0, 0.0)
    with pytest.raises(ValueError, match=r"'stop' must be in \[0\.0, 1\.0\]: 2\.0"):
        noise_grid(0.0, 2.0, 0.1)
    assert len(noise_grid(0.0, 1.0, 1e-4, force=False)) == MAX_NOISE_LEVELS


def test_too_many_trials_refused_unless_forced():
    """A stimulus of more than MAX_TRIALS trials is refused, naming the count; force=True allows
    it (corruption is lazy: nothing is allocated per trial)."""
    img = np.zeros((2, 784), np.float32)
    levels = (MAX_TRIALS // 2) + 1  # 2 images → MAX_TRIALS + 2 trials
    noise = PixelSwap(np.linspace(0, 1, levels))
    with pytest.raises(ValueError, match=r"has 1,000,002 trials \(500,001 noise levels × 2 images × 1 "
                                         r"repeats\), more than the limit of 1,000,000"):
        Stimulus(img, [0, 1], [0, 1], noise=noise)
    assert Stimulus(img, [0, 1], [0, 1], noise=noise, force=True).n_trials == MAX_TRIALS + 2


# --------------------------------------------------------------------------- float16 overflow


def test_float16_probe_overflow_warns():
    """A float16 probe warns when finite values became inf (|x| > 65504); float32 never does."""
    import torch

    src = torch.tensor([[1.0, 7e4, -1e5]])
    stored = src.to(torch.float16)
    with pytest.warns(Float16Overflow, match=r"2 value\(s\) of 'latent' exceed ±65504.*dtype='float32'"):
        assert Probe(dtype="float16").check_overflow("latent", stored, src)
    with pytest.warns(Float16Overflow, match=r"2 value\(s\)"):
        assert Probe(dtype="float16").check_overflow("latent", stored)  # without the source
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not Probe(dtype="float16").check_overflow("latent", stored[:, :1], src[:, :1])
        assert not Probe(dtype="float16").check_overflow("latent", torch.tensor([np.inf]), torch.tensor([np.inf]))
        assert not Probe().check_overflow("latent", src, src)
