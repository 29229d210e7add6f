"""Crafted recordings that xarray reads but neurogen must not: values stored outside the file
(HDF5 external storage, virtual datasets, external links), files re-saved without checksums,
recordings of the wrong schema, and non-finite values. Each is refused with a RecordingError
naming the file and what is wrong, before any value reaches an export."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
import xarray as xr

from neurogen import Digits, Network, NetworkConfig, Probe, Recording, Stimulus, run
from neurogen.cli import main
from neurogen.recording import RecordingError

TINY = NetworkConfig(n_latent=4, n_hidden=16)


def make_recording(n: int = 10, steps: int = 2) -> Recording:
    rng = np.random.default_rng(0)
    digits = Digits(rng.random((n, 784), dtype=np.float32), np.arange(n) % 10, name="random")
    stim = Stimulus.from_dataset(digits, noise=[0.1, 0.3], seed=1)
    return run(Network(TINY, seed=0), stim, steps=steps, probe=Probe(["latent"]), progress=False)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """A good recording file (latent only), to copy and craft."""
    return make_recording().save(tmp_path_factory.mktemp("rec") / "rec.nc")


def rewrite(path: Path, name: str, *, virtual_source: tuple[str, str] | None = None, **create) -> None:
    """Replace variable ``name`` of a netCDF4 file by a dataset made with h5py (``create``:
    h5py's create_dataset options, e.g. ``external=[...]``), keeping its attributes and dims.
    With ``external`` the values are not written: they are whatever the external file holds."""
    with h5py.File(path, "r+") as f:
        old = f[name]
        values, attrs = old[()], {k: v for k, v in old.attrs.items() if k != "DIMENSION_LIST"}
        scales = [old.dims[i][0] for i in range(old.ndim)]
        for i, scale in enumerate(scales):
            old.dims[i].detach_scale(scale)
        del f[name]
        if virtual_source is not None:
            layout = h5py.VirtualLayout(shape=values.shape, dtype=values.dtype)
            layout[...] = h5py.VirtualSource(virtual_source[0], virtual_source[1], shape=values.shape)
            new = f.create_virtual_dataset(name, layout)
        else:
            new = f.create_dataset(name, shape=values.shape, dtype=values.dtype, **create)
            if "external" not in create:
                new[...] = values
        for k, v in attrs.items():
            new.attrs[k] = v
        for i, scale in enumerate(scales):
            new.dims[i].attach_scale(scale)


def secret(tmp_path: Path) -> Path:
    """A local file the attacker would like exported (stands in for /etc/passwd)."""
    p = tmp_path / "secret.txt"
    p.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n" * 40)
    return p


def assert_export_refused(path: Path, tmp_path: Path, capsys, match: str) -> None:
    """`neurogen export --to nwb` and `--to pynapple-npz`: exit 2, one line, nothing written."""
    for to, out in (("nwb", tmp_path / "out.nwb"), ("pynapple-npz", tmp_path / "out-npz")):
        capsys.readouterr()
        assert main(["export", str(path), "--to", to, str(out)]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and match in err, err
        assert not out.exists()


# --------------------------------------------------------------------------- outside the file


def test_external_storage_is_refused(saved, tmp_path, capsys):
    """A recording whose 'latent' is HDF5 external storage on a local file is refused naming the
    variable and the file it points at; export writes nothing (it used to export the file's bytes)."""
    path = Path(shutil.copy(saved, tmp_path / "ext.nc"))
    target = secret(tmp_path)
    n_bytes = int(np.prod(xr.open_dataset(saved)["latent"].shape)) * 4
    rewrite(path, "latent", external=[(str(target), 0, n_bytes)])
    with pytest.raises(RecordingError, match=r"ext\.nc: variable 'latent' keeps its values in external file "
                                              r"'.*secret\.txt' \(HDF5 external storage\)"):
        Recording.load(path)
    assert_export_refused(path, tmp_path, capsys, "external storage")


def test_virtual_dataset_is_refused(saved, tmp_path):
    """A virtual dataset pointing at another file is refused (it used to load silently)."""
    other = tmp_path / "other.h5"
    shape = xr.open_dataset(saved)["latent"].shape
    with h5py.File(other, "w") as f:
        f.create_dataset("v", data=np.full(shape, 7.0, np.float32))
    path = Path(shutil.copy(saved, tmp_path / "virtual.nc"))
    rewrite(path, "latent", virtual_source=(str(other), "v"))
    with pytest.raises(RecordingError, match=r"virtual\.nc: variable 'latent' is an HDF5 virtual dataset"):
        Recording.load(path, lazy=False)


def test_external_link_is_refused(saved, tmp_path):
    """An HDF5 external link (netCDF follows it into the other file) is refused, naming the link."""
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f.create_dataset("x", data=np.arange(5.0), chunks=(5,), fletcher32=True)
    path = Path(shutil.copy(saved, tmp_path / "linked.nc"))
    with h5py.File(path, "r+") as f:
        f["extra"] = h5py.ExternalLink(str(other), "/x")
    with pytest.raises(RecordingError, match=r"linked\.nc: '/extra' is an HDF5 external link to .*other\.h5:/x"):
        Recording.load(path)


def test_external_storage_is_refused_without_h5py(saved, tmp_path, monkeypatch):
    """Without h5py (a plain install) external storage is still refused: neurogen requires every
    variable to be chunked, which HDF5 forbids together with external storage."""
    path = Path(shutil.copy(saved, tmp_path / "ext.nc"))
    n_bytes = int(np.prod(xr.open_dataset(saved)["latent"].shape)) * 4
    rewrite(path, "latent", external=[(str(secret(tmp_path)), 0, n_bytes)])
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(RecordingError, match=r"ext\.nc: variable 'latent' is stored unchunked; without h5py"):
        Recording.load(path)
    monkeypatch.undo()
    assert Recording.load(saved, lazy=False).n_trials == 20  # a good file still loads either way


# --------------------------------------------------------------------------- checksums


def test_resaved_without_checksums_is_refused(saved, tmp_path):
    """A neurogen recording re-saved by plain xarray (no fletcher32) is refused: a flipped byte in
    it used to load silently as a changed value."""
    path = tmp_path / "resaved.nc"
    xr.load_dataset(saved).drop_encoding().to_netcdf(path, engine="netcdf4")  # what another tool writes
    with h5py.File(path, "r") as f:
        offset = f["latent"].id.get_offset()
    raw = bytearray(path.read_bytes())
    raw[offset + 5] ^= 0x40
    path.write_bytes(bytes(raw))
    with pytest.raises(RecordingError, match=r"resaved\.nc: variable '.*' has no HDF5 checksum \(fletcher32\)"):
        Recording.load(path)


# --------------------------------------------------------------------------- schema


def _craft(saved: Path, out: Path, change) -> Path:
    """``saved`` loaded, changed by ``change(ds)``, written back with checksums on every
    variable (so that only the schema is wrong)."""
    ds = change(xr.load_dataset(saved).drop_encoding())
    ds.to_netcdf(out, engine="netcdf4", encoding={k: {"fletcher32": True} for k in ds.variables if ds[k].ndim})
    return out


@pytest.mark.parametrize(
    ("change", "match"),
    [(lambda ds: ds.assign(latent=ds.latent.astype(str)), r"'latent' has dtype <U.*; a recorded signal is floating"),
     (lambda ds: ds.assign(latent=(ds.latent * 1000).astype(np.int32)), r"'latent' has dtype int32"),
     (lambda ds: ds.assign_coords(label=ds.label * 0 + 77), r"'label' must hold digits 0–9, found \[77\]"),
     (lambda ds: ds.assign_coords(label=ds.label * 0 - 5), r"'label' must hold digits 0–9, found \[-5\]"),
     (lambda ds: ds.drop_vars("time"), r"no 'time' coordinate"),
     (lambda ds: ds.assign_coords(noise=ds.noise + 2), r"'noise' must hold fractions in \[0, 1\]"),
     (lambda ds: ds.assign_coords(time=ds.time[::-1].values), r"'time' must be steps >= 0 in increasing order")],
    ids=["string-latent", "int-latent", "label-77", "label-minus-5", "no-time", "noise-2.1", "time-reversed"],
)
def test_wrong_schema_is_refused(saved, tmp_path, capsys, change, match):
    """Files xarray accepts but that are no recording neurogen wrote are refused on load, naming
    what is wrong; export exits 2 and writes nothing (each used to load and export, exit 0)."""
    path = _craft(saved, tmp_path / "odd.nc", change)
    with pytest.raises(RecordingError, match=rf"odd\.nc: {match}"):
        Recording.load(path)
    assert_export_refused(path, tmp_path, capsys, "odd.nc")


# --------------------------------------------------------------------------- non-finite values


def test_non_finite_values_are_never_written(tmp_path, no_temporaries):
    """A subject whose weights are all 3e38 overflows to inf: run(out=...) refuses to write such
    a recording (RecordingError naming the signal), leaving no file and no temporary; in memory
    too. (It used to write an all-inf recording.)"""
    net = Network(TINY, seed=0)
    with torch.no_grad():
        for p in net.parameters():
            p.fill_(3e38)
    rng = np.random.default_rng(0)
    stim = Stimulus.from_dataset(Digits(rng.random((4, 784), dtype=np.float32), np.arange(4)), seed=0)
    with pytest.raises(RecordingError, match=r"rec\.nc: 'latent' of trials 0\.\.3 holds NaN or inf"):
        run(net, stim, steps=2, out=tmp_path / "rec.nc", progress=False)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RecordingError, match=r"'latent' of trials 0\.\.3 holds NaN or inf"):
        run(net, stim, steps=2, progress=False)


def test_non_finite_values_in_a_file_are_refused_when_read(saved, tmp_path):
    """A recording whose values were set to inf (checksums recomputed) is refused when read."""
    path = _craft(saved, tmp_path / "inf.nc", lambda ds: ds.assign(latent=ds.latent * np.inf))
    with pytest.raises(RecordingError, match=r"inf\.nc: variable 'latent' holds NaN or inf"):
        Recording.load(path, lazy=False)
    with Recording.load(path) as rec, pytest.raises(RecordingError, match=r"'latent' holds NaN or inf"):
        _ = rec.latent.values


def test_study_file_with_external_storage_is_refused(tmp_path):
    """replot / load_result check a study file's storage before reading it (issue 28)."""
    from neurogen.studies import load_result, replot
    from neurogen.studies._common import save_data

    ds = xr.Dataset({"mean": ("time", np.arange(3.0), {"long_name": "a curve", "units": "1"})},
                    coords={"time": ("time", np.arange(3), {"long_name": "step", "units": "1"})},
                    attrs={"study": "fig2"})
    path = save_data(ds, tmp_path, "fig2")
    load_result(path)  # a good file loads
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(3.0).tobytes())
    rewrite(path, "mean", external=[(str(secret), 0, 24)])
    for fn in (load_result, replot):
        with pytest.raises(ValueError, match="external storage|not a readable study file"):
            fn(path)
    with pytest.raises(ValueError, match="no such study file"):
        load_result(tmp_path / "missing.nc")
