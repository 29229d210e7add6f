"""Tests for neurogen.recording: the Recording schema, views, netCDF files and their failure modes."""

from __future__ import annotations

import dask.array
import numpy as np
import pytest
import xarray as xr

from neurogen import Recording
from neurogen.recording import RecordingError, RecordingWriter

from builders import make_recording, part_files

pytestmark = pytest.mark.usefixtures("torch_one_thread")

TRIAL_COORDS = ("label", "source", "noise", "repeat", "mode")


def attrs_without_created(attrs):
    """The attrs to compare across a file round trip (``created`` is a timestamp)."""
    return {k: v for k, v in attrs.items() if k != "created"}


@pytest.fixture()
def saved(recording, tmp_path):
    """The fixture recording saved to tmp_path / 'rec.nc'."""
    path = tmp_path / "rec.nc"
    recording.save(path)
    return path


# --------------------------------------------------------------------------- schema and views


def test_schema(recording):
    """latent(trial, time, unit) and data(trial, time, pixel) float32 with the trial coords."""
    ds = recording.dataset
    assert ds["latent"].dims == ("trial", "time", "unit")
    assert ds["data"].dims == ("trial", "time", "pixel")
    assert ds["latent"].dtype == np.float32 and ds["data"].dtype == np.float32
    assert ds.sizes["pixel"] == 784
    for name in TRIAL_COORDS:
        assert ds[name].dims == ("trial",)
    assert recording.n_trials == 16
    assert "16 trials × 5 time points" in repr(recording)


def test_images_of_one_trial(recording):
    """images(trial=0) has dims (time, row, col), 28 × 28, holding the data values row-major."""
    img = recording.images(trial=0)
    assert img.dims == ("time", "row", "col")
    assert img.shape == (recording.dataset.sizes["time"], 28, 28)
    np.testing.assert_array_equal(img.values,
                                  recording.data.isel(trial=0).values.reshape(-1, 28, 28))
    np.testing.assert_array_equal(img.isel(row=3, col=5).values,
                                  recording.data.isel(trial=0, pixel=3 * 28 + 5).values)


def test_images_of_all_trials(recording):
    """images() without a selection keeps trial and time and keeps the trial coords."""
    img = recording.images()
    assert img.dims == ("trial", "time", "row", "col")
    np.testing.assert_array_equal(img.values, recording.data.values.reshape(16, -1, 28, 28))
    np.testing.assert_array_equal(img["label"].values, recording.dataset["label"].values)


def test_where_noise(recording):
    """where_noise(p) keeps exactly the trials presented at p; an absent p keeps none."""
    ds = recording.dataset
    for p in (0.1, 0.3):
        sub = recording.where_noise(p)
        assert isinstance(sub, Recording)
        assert sub.n_trials == 8
        np.testing.assert_array_equal(sub.dataset.noise.values, np.full(8, p))
        np.testing.assert_array_equal(sub.latent.values, ds.latent.values[ds.noise.values == p])
    assert recording.where_noise(0.5).n_trials == 0


def test_sel_and_isel_return_recordings(recording):
    """sel and isel give Recordings of the selection."""
    r = recording.isel(trial=[0, 3], time=slice(0, 2))
    assert isinstance(r, Recording) and r.n_trials == 2 and r.dataset.sizes["time"] == 2
    r = recording.sel(time=[0, 4])
    np.testing.assert_array_equal(r.latent.values, recording.latent.values[:, [0, 4]])


def test_missing_signal_explains(recording):
    """A signal that was not recorded raises KeyError saying how to record it."""
    latent_only = Recording(recording.dataset.drop_vars("data"))
    with pytest.raises(KeyError, match=r"no 'data'.*Probe\(signals="):
        _ = latent_only.data


def test_constructor_checks(recording):
    """Recording(...) needs a Dataset with a signal in the right dims and the trial coords."""
    with pytest.raises(TypeError, match="must be an xarray.Dataset"):
        Recording(recording.latent)
    with pytest.raises(RecordingError, match="no 'latent' or 'data'"):
        Recording(recording.dataset.drop_vars(["latent", "data"]))
    with pytest.raises(RecordingError, match="'latent' has dims"):
        Recording(recording.dataset.transpose("time", "trial", "unit", "pixel"))
    with pytest.raises(RecordingError, match=r"missing trial coords \['source'\]"):
        Recording(recording.dataset.drop_vars("source"))


def test_concat_along_trial(recording):
    """concat joins recordings along trial: values and trial coords in order, first attrs kept."""
    a, b = recording.where_noise(0.1), recording.where_noise(0.3)
    b.dataset.attrs["subject"] = "Other"
    c = Recording.concat([b, a])
    assert c.n_trials == 16
    np.testing.assert_array_equal(c.latent.values, np.concatenate([b.latent.values, a.latent.values]))
    np.testing.assert_array_equal(c.data.values, np.concatenate([b.data.values, a.data.values]))
    for name in TRIAL_COORDS:
        np.testing.assert_array_equal(c.dataset[name].values,
                                      np.concatenate([b.dataset[name].values, a.dataset[name].values]))
    assert c.attrs["subject"] == "Other"
    np.testing.assert_array_equal(c.dataset.time.values, recording.dataset.time.values)


def test_concat_rejects_other_time_points(recording):
    """Recordings with other time points are not joined (no NaN padding)."""
    with pytest.raises(ValueError, match="same time points"):
        Recording.concat([recording, make_recording(steps=2)])
    with pytest.raises(ValueError, match="same time points"):
        Recording.concat([recording, recording.isel(time=[0, 1, 2, 4, 3])])


def test_concat_needs_recordings():
    """concat of nothing raises ValueError."""
    with pytest.raises(ValueError, match="at least one recording"):
        Recording.concat([])


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("lazy", [False, None])
def test_round_trip(recording, saved, lazy):
    """save then load keeps values, coords (label, source, noise, repeat, mode) and attrs."""
    loaded = Recording.load(saved, lazy=lazy)
    xr.testing.assert_equal(loaded.dataset.load(), recording.dataset)
    for name in TRIAL_COORDS:
        assert name in loaded.dataset.coords
        np.testing.assert_array_equal(loaded.dataset[name].values, recording.dataset[name].values)
    assert loaded.dataset["label"].dtype.kind == "i" and loaded.dataset["noise"].dtype.kind == "f"
    assert list(loaded.dataset["mode"].values) == ["invert"] * 16
    assert attrs_without_created(loaded.attrs) == attrs_without_created(recording.attrs)
    assert loaded.attrs["neurogen_format"] == "neurogen-recording-1"


def test_load_lazy_and_eager(saved):
    """load() is dask-backed by default (dask installed); lazy=False reads numpy arrays."""
    assert isinstance(Recording.load(saved).latent.data, dask.array.Array)
    assert isinstance(Recording.load(saved, lazy=False).latent.data, np.ndarray)


def test_round_trip_latent_only_and_float16(tmp_path):
    """A latent-only float16 recording saves and loads back with its values and dtype."""
    rec = make_recording(steps=2, signals=("latent",), dtype="float16", every=2)
    path = rec.save(tmp_path / "half.nc")
    loaded = Recording.load(path, lazy=False)
    assert list(loaded.dataset.data_vars) == ["latent"]
    assert loaded.latent.dtype == np.float16
    xr.testing.assert_equal(loaded.dataset, rec.dataset)


def test_round_trip_without_compression(recording, tmp_path):
    """complevel=0 writes an uncompressed file that loads back equal."""
    path = recording.save(tmp_path / "raw.nc", complevel=0)
    xr.testing.assert_equal(Recording.load(path, lazy=False).dataset, recording.dataset)


def test_save_leaves_no_temp_file_and_replaces(recording, tmp_path):
    """save writes through a temp name (none left behind) and replaces an existing file."""
    path = tmp_path / "rec.nc"
    recording.where_noise(0.1).save(path)
    assert Recording.load(path, lazy=False).n_trials == 8
    assert recording.save(path) == path
    assert Recording.load(path, lazy=False).n_trials == 16
    assert part_files(tmp_path) == []


def test_load_missing_file(tmp_path):
    """Loading a path that does not exist raises RecordingError."""
    with pytest.raises(RecordingError, match="file not found"):
        Recording.load(tmp_path / "nope.nc")


@pytest.mark.parametrize("lazy", [False, None])
def test_load_truncated_file(saved, tmp_path, lazy):
    """A file cut to half its bytes raises RecordingError naming truncation."""
    cut = tmp_path / "cut.nc"
    raw = saved.read_bytes()
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(RecordingError, match="cut.nc: not a readable netCDF4 recording .truncated"):
        Recording.load(cut, lazy=lazy)


def test_load_text_file(tmp_path):
    """A text file raises RecordingError, not a netCDF library error."""
    path = tmp_path / "notes.nc"
    path.write_text("latent, data\n1, 2\n")
    with pytest.raises(RecordingError, match="not a readable netCDF4 recording"):
        Recording.load(path)


def test_load_plain_xarray_file(tmp_path):
    """A netCDF file written by plain xarray (no neurogen attrs) raises RecordingError."""
    path = tmp_path / "plain.nc"
    ds = xr.Dataset({"latent": (("trial", "time", "unit"), np.zeros((2, 3, 4), np.float32))},
                    coords={"label": ("trial", [0, 1]), "source": ("trial", [0, 1]),
                            "noise": ("trial", [0.1, 0.1])})
    ds.to_netcdf(path, engine="netcdf4")
    with pytest.raises(RecordingError, match="not a neurogen recording .no 'neurogen_format'"):
        Recording.load(path)


def test_load_neurogen_file_of_wrong_schema(recording, tmp_path):
    """A file tagged as neurogen but without the recording's coords raises RecordingError."""
    path = tmp_path / "odd.nc"
    recording.dataset.drop_vars(["source", "label"]).to_netcdf(path, engine="netcdf4")
    with pytest.raises(RecordingError, match="missing trial coords"):
        Recording.load(path)


def test_interrupted_save_keeps_previous_file(recording, saved, monkeypatch):
    """A save that fails after its first write leaves the previous file intact, and no temp file."""
    before = saved.read_bytes()
    real_write = RecordingWriter.write
    calls = []

    def flaky(self, signal, trials, values):
        calls.append(signal)
        if len(calls) > 1:
            raise OSError("disk full")
        real_write(self, signal, trials, values)

    monkeypatch.setattr(RecordingWriter, "write", flaky)
    other = recording.where_noise(0.3)
    with pytest.raises(OSError, match="disk full"):
        other.save(saved)
    assert len(calls) == 2
    monkeypatch.undo()
    assert saved.read_bytes() == before
    assert part_files(saved.parent) == []
    xr.testing.assert_equal(Recording.load(saved, lazy=False).dataset, recording.dataset)


def test_interrupted_first_save_leaves_nothing(recording, tmp_path, monkeypatch):
    """A save that fails with no previous file leaves neither the file nor a temp file."""
    def broken(self, signal, trials, values):
        raise KeyboardInterrupt

    monkeypatch.setattr(RecordingWriter, "write", broken)
    with pytest.raises(KeyboardInterrupt):
        recording.save(tmp_path / "rec.nc")
    assert list(tmp_path.iterdir()) == []


def _open_fds_to(path) -> int:
    import os

    fds = os.listdir("/proc/self/fd")
    return sum(os.path.realpath(f"/proc/self/fd/{fd}") == os.path.realpath(path) for fd in fds
               if os.path.exists(f"/proc/self/fd/{fd}"))


@pytest.mark.skipif(not __import__("os").path.isdir("/proc/self/fd"), reason="needs /proc")
def test_context_manager_closes_the_file(saved, recording):
    """`with Recording.load(path) as rec:` reads inside the block and releases the file after it."""
    with Recording.load(saved) as rec:
        np.testing.assert_array_equal(rec.latent.values, recording.latent.values)
        assert _open_fds_to(saved) >= 1
    assert _open_fds_to(saved) == 0


# --------------------------------------------------------------------------- behaves like xarray


@pytest.fixture(params=["in-memory", "loaded"])
def either(request, recording, tmp_path):
    """The fixture recording, in memory or loaded lazily (dask) from a file."""
    if request.param == "in-memory":
        yield recording
    else:
        rec = Recording.load(recording.save(tmp_path / "rec.nc"))
        yield rec
        rec.close()


def test_loaded_coords_in_memory_signals_lazy(saved):
    """Loading keeps every coordinate as numpy and leaves only the signals lazy."""
    with Recording.load(saved) as rec:
        for name in (*TRIAL_COORDS, "time"):
            assert isinstance(rec.dataset[name].data, np.ndarray), name
        assert isinstance(rec.latent.data, dask.array.Array)


def test_boolean_sel_on_a_coordinate(either, recording):
    """rec.sel(trial=rec.dataset.noise == p) keeps the trials at p (the docstring idiom)."""
    sub = either.sel(trial=either.dataset.noise == 0.3)
    assert isinstance(sub, Recording) and sub.n_trials == 8
    keep = recording.dataset.noise.values == 0.3
    np.testing.assert_array_equal(sub.latent.values, recording.latent.values[keep])
    np.testing.assert_array_equal(sub.dataset.source.values, recording.dataset.source.values[keep])
    both = either.sel(trial=(either.dataset.noise == 0.1) & (either.dataset.label == 2), time=[0, 4])
    assert both.n_trials == 4 and both.dataset.sizes["time"] == 2


def test_groupby_label(either, recording):
    """rec.latent.groupby("label").mean() and rec.groupby("label") give the per-label means."""
    means = either.latent.groupby("label").mean()
    assert means.dims == ("label", "time", "unit") and list(means.label.values) == [1, 2]
    for k in (1, 2):
        expected = recording.latent.values[recording.dataset.label.values == k].mean(0)
        np.testing.assert_allclose(means.sel(label=k).values, expected, rtol=1e-6)
    ds_means = either.groupby("label").mean()
    xr.testing.assert_allclose(ds_means["latent"].compute(), means.compute())


def test_where_noise_and_concat(either, recording):
    """where_noise and concat work the same on a loaded and an in-memory recording, and mixed."""
    a, b = either.where_noise(0.1), recording.where_noise(0.3)
    assert a.n_trials == 8
    joined = Recording.concat([a, b])
    assert joined.n_trials == 16
    np.testing.assert_array_equal(joined.latent.values,
                                  np.concatenate([recording.where_noise(0.1).latent.values, b.latent.values]))
    assert joined.latent.attrs["long_name"] == "posterior mean E_q[z|x(t)]"


def test_repr_and_html(either):
    """repr names trials, time points, signals, labels and noise; _repr_html_ is xarray's with a header."""
    text = repr(either)
    assert text.splitlines()[0] == "<Recording 16 trials × 5 time points [latent, data] from Network>"
    assert "label: 1, 2" in text and "noise: 0.1, 0.3" in text and "units: 4" in text
    html = either._repr_html_()
    assert html.startswith("<p><b>&lt;Recording 16 trials") and "xr-wrap" in html


def test_in_memory_recording_is_self_described(recording):
    """An in-memory recording's variables carry the same long_name and units as its file."""
    ds = recording.dataset
    assert ds["noise"].attrs == {"long_name": "pixel-swap fraction p", "units": "1"}
    assert ds["time"].attrs["long_name"] == "inference step"
    assert ds["source"].attrs["long_name"] == "index into the MNIST training split"


def test_round_trip_is_identical(recording, saved):
    """save → load gives an identical dataset: values, coords, variable attrs and global attrs."""
    loaded = Recording.load(saved, lazy=False)
    xr.testing.assert_identical(loaded.dataset, recording.dataset)


def test_nwb_methods_delegate(recording, monkeypatch, tmp_path):
    """to_nwb, from_nwb and to_pynapple call neurogen.nwb's functions with the recording."""
    import neurogen.nwb

    calls = []
    monkeypatch.setattr(neurogen.nwb, "to_nwb", lambda rec, path, **kw: calls.append(("to", rec, path, kw)) or path)
    monkeypatch.setattr(neurogen.nwb, "from_nwb", lambda path: calls.append(("from", path)) or recording)
    monkeypatch.setattr(neurogen.nwb, "to_pynapple", lambda rec: calls.append(("pyn", rec)) or "pynapple")
    assert recording.to_nwb(tmp_path / "r.nwb", session="s") == tmp_path / "r.nwb"
    assert Recording.from_nwb(tmp_path / "r.nwb") is recording
    assert recording.to_pynapple() == "pynapple"
    assert calls == [("to", recording, tmp_path / "r.nwb", {"session": "s"}), ("from", tmp_path / "r.nwb"),
                     ("pyn", recording)]
