"""Fixed points, Jacobian spectra and speed of repeated inference, against closed forms."""

from __future__ import annotations

import doctest
from typing import Any

import hypothesis.strategies as st
import numpy as np
import pytest
import torch
import xarray as xr
from builders import make_network, make_recording
from hypothesis import given, settings
from hypothesis.extra import numpy as npst

import neurogen
import neurogen._points
import neurogen.fixed_points as fp
from neurogen.associative import HopfieldNetwork, ModernHopfield
from neurogen.concepts import ConceptHierarchy

TOL = 1e-8


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


class MapSubject:
    """decode(z) = g(z A^T + b) with encode the identity, so F(z) = g(A z + b) (g: identity or tanh)."""

    def __init__(self, A: Any, b: Any = None, squash: bool = False) -> None:
        self.A = torch.as_tensor(np.asarray(A), dtype=torch.float32)
        n = self.A.shape[0]
        self.b = torch.zeros(n) if b is None else torch.as_tensor(np.asarray(b), dtype=torch.float32)
        self.squash = squash

    @property
    def device(self) -> torch.device:
        return torch.device("cpu")

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = z @ self.A.T + self.b
        return torch.tanh(h) if self.squash else h

    def describe(self) -> dict[str, Any]:
        return {"subject": "MapSubject", "n_latent": int(self.A.shape[0])}


def _q(subject: Any, z: np.ndarray) -> np.ndarray:
    """q recomputed from the returned points, independently of the search."""
    zt = torch.as_tensor(z, dtype=torch.float32)
    with torch.no_grad():
        r = subject.encode(subject.decode(zt)) - zt
    return 0.5 * (r * r).sum(1).numpy()


def _canonical(ds: xr.Dataset) -> xr.Dataset:
    """The points in an order that depends only on their rounded coordinates."""
    order = np.lexsort(np.round(ds["z"].values, 3).T[::-1])
    return ds.isel(point=order)


# ----------------------------------------------------------------------------- closed forms


def test_linear_fixed_point_and_eigenvalues():
    """F(z) = Az + b: the one point found is (I − A)⁻¹ b and the spectrum is eig(A)."""
    A = np.array([[0.5, -0.6, 0.0], [0.6, 0.5, 0.0], [0.0, 0.0, 1.5]])  # 0.5 ± 0.6i, and 1.5
    b = np.array([1.0, -2.0, 0.5])
    sub = MapSubject(A, b)
    starts = np.random.default_rng(0).normal(size=(20, 3)) * 3
    pts = fp.find_fixed_points(sub, starts, progress=False)
    assert pts.sizes["point"] == 1 and pts["n_merged"].item() == 20
    assert pts["kind"].item() == "fixed" and pts["q"].item() < TOL
    np.testing.assert_allclose(pts["z"].values[0], np.linalg.solve(np.eye(3) - A, b), atol=1e-4)
    spec = fp.jacobian_spectrum(sub, pts, eigenvectors=1, progress=False)
    lam = spec["eig_real"].values[0] + 1j * spec["eig_imag"].values[0]
    np.testing.assert_allclose(np.sort_complex(lam), np.sort_complex(np.linalg.eigvals(A)), atol=1e-5)
    assert abs(lam[0] - 1.5) < 1e-5  # sorted by |λ|
    assert spec["spectral_radius"].item() == pytest.approx(1.5, abs=1e-5)
    assert spec["n_unstable"].item() == 1
    v = spec["eigvec_real"].values[0, 0] + 1j * spec["eigvec_imag"].values[0, 0]
    np.testing.assert_allclose(np.abs(v), [0, 0, 1], atol=1e-6)


def test_jacobian_of_tanh_map_equals_its_formula():
    """∂/∂z tanh(Wz + c) = diag(1 − tanh²(Wz + c)) W at every point."""
    rng = np.random.default_rng(1)
    W, c = rng.normal(size=(4, 4)), rng.normal(size=4)
    sub = MapSubject(W, c, squash=True)
    z = rng.normal(size=(6, 4)).astype(np.float32)
    spec = fp.jacobian_spectrum(sub, z, jacobian=True, progress=False)
    h = np.tanh(z.astype(np.float64) @ W.T + c)
    expected = (1 - h**2)[:, :, None] * W[None]
    np.testing.assert_allclose(spec["jacobian"].values, expected, atol=1e-5)
    for i in range(6):
        lam = spec["eig_real"].values[i] + 1j * spec["eig_imag"].values[i]
        expected_lam = np.linalg.eigvals(expected[i])
        np.testing.assert_allclose(np.sort_complex(lam), np.sort_complex(expected_lam), atol=1e-4)
    np.testing.assert_allclose(spec["spectral_radius"], np.abs(np.linalg.eigvals(expected)).max(1), atol=1e-4)


def test_network_jacobian_matches_finite_differences():
    """The VAE's in-place inference path is differentiated correctly (tiny Network, float64 check)."""
    net = make_network()
    z = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    J = fp.jacobian_spectrum(net, z, jacobian=True, progress=False)["jacobian"].values
    F = fp.inference_map(net)
    eps = 1e-2
    with torch.no_grad():
        fd = torch.stack([(F(z + eps * e) - F(z - eps * e)) / (2 * eps) for e in torch.eye(4)], -1)
    np.testing.assert_allclose(J, fd.numpy(), atol=2e-3)


def test_hopfield_patterns_are_fixed_points_with_q_zero():
    """Low load (P = 4, N = 200): from the patterns and 10 %-flipped copies, exactly the patterns
    come back, with q = 0 and a zero Jacobian (a sign update is piecewise constant)."""
    rng = np.random.default_rng(2)
    pats = rng.choice([-1, 1], size=(4, 200))
    net = HopfieldNetwork(pats)
    noisy = np.where(rng.random((12, 200)) < 0.1, -1, 1) * np.repeat(pats, 3, axis=0)
    pts = fp.find_fixed_points(net, np.concatenate([pats, noisy]), progress=False)
    assert pts.sizes["point"] == 4
    assert (pts["kind"] == "fixed").all() and (pts["q"] == 0).all()
    found = {tuple(row) for row in pts["z"].values.astype(int)}
    assert found == {tuple(row) for row in pats}
    assert sorted(pts["n_merged"].values.tolist()) == [4, 4, 4, 4]
    spec = fp.jacobian_spectrum(net, pts, progress=False)
    assert (spec["spectral_radius"] == 0).all() and (spec["n_unstable"] == 0).all()


def test_modern_hopfield_retrieval_points_are_stable():
    """Smooth softmax update at large β: one stable fixed point next to each stored pattern."""
    pats = np.eye(5) * 2.0
    net = ModernHopfield(pats, beta=5.0)
    starts = pats + np.random.default_rng(3).normal(scale=0.3, size=(5, 5))
    pts = fp.find_fixed_points(net, starts, progress=False)
    assert pts.sizes["point"] == 5 and (pts["kind"] == "fixed").all()
    assert np.abs(np.sort(pts["z"].values.argmax(1)) - np.arange(5)).max() == 0
    np.testing.assert_allclose(np.sort(pts["z"].values.max(1)), 2.0, atol=1e-3)
    assert (fp.jacobian_spectrum(net, pts, progress=False)["spectral_radius"] < 1).all()


def test_speed_is_the_recorded_step():
    """Along a recording without interventions z(t+1) = F(z(t)), so speed = ‖z(t+1) − z(t)‖."""
    rec = make_recording(steps=3, signals=("latent",))
    net = make_network()
    v = fp.speed(rec, net, batch_size=5, progress=False)
    assert v.dims == ("trial", "time") and "label" in v.coords
    lat = rec.latent.values.astype(np.float64)
    np.testing.assert_allclose(v.values[:, :-1], np.linalg.norm(lat[:, 1:] - lat[:, :-1], axis=-1), atol=1e-5)


# ----------------------------------------------------------------------------- hierarchy, starts


def test_starts_from_and_classification(tmp_path):
    """Starts carry their origin; each point gets a nearest level and a category; netCDF-safe."""
    net = make_network()
    rec = make_recording(steps=2, signals=("latent",))
    mem = np.random.default_rng(4).normal(size=(12, 4)).astype(np.float32)
    hier = ConceptHierarchy.from_patterns(mem, np.arange(12) % 3)
    starts = fp.starts_from(hier, rec, memories=2, times=[2])
    assert starts.dims == ("start", "unit") and starts.sizes["start"] == 6 + 3 + 1 + rec.n_trials
    assert starts["origin"].values.tolist()[:10] == ["memory"] * 6 + ["concept"] * 3 + ["abstract"]
    assert (starts["origin_time"].values[10:] == 2).all()
    np.testing.assert_array_equal(starts.values[10:], rec.latent.sel(time=2).values)
    pts = fp.find_fixed_points(net, starts, hierarchy=hier, max_iter=30, progress=False)
    assert set(pts["category"].values) <= {"memory-like", "concept-like", "abstract-like", "spurious"}
    assert set(pts["nearest_level"].values) <= {"memory", "concept", "abstract"}
    np.testing.assert_allclose(pts["nearest_distance"], np.minimum(np.minimum(
        pts["distance_memory"], pts["distance_concept"]), pts["distance_abstract"]))
    assert "start_origin" in pts.coords and pts.attrs["spread"] > 0
    assert pts["n_merged"].sum() == starts.sizes["start"]
    assert (pts["point_of_start"].values[pts["found_by"].values] == pts["point"].values).all()
    assert np.bincount(pts["point_of_start"].values).tolist() == pts["n_merged"].values.tolist()
    pts.to_netcdf(tmp_path / "points.nc")
    fp.jacobian_spectrum(net, pts, eigenvectors=2, progress=False).to_netcdf(tmp_path / "spectrum.nc")
    back = xr.load_dataset(tmp_path / "points.nc")
    xr.testing.assert_identical(back[["q", "category"]], pts[["q", "category"]])


def test_classification_rule_on_known_points():
    """A point on a memory is memory-like, on a concept concept-like, far away spurious."""
    mem = np.array([[0.0, 0], [0, 2], [10, 0], [10, 2]])
    hier = ConceptHierarchy.from_patterns(mem, np.array([0, 0, 1, 1]))  # concepts (0,1), (10,1); spread 1
    sub = MapSubject(np.zeros((2, 2)), b=[0.0, 0.0])  # F ≡ 0: its only fixed point is the origin, a memory
    pts = fp.find_fixed_points(sub, np.zeros((1, 2)), hierarchy=hier, progress=False)
    assert pts["category"].item() == "memory-like" and pts["nearest_memory"].item() == 0
    for b, level, category in [((10.0, 1.0), "concept", "concept-like"),
                               ((5.0, 1.0), "abstract", "abstract-like"), ((40.0, 1.0), "concept", "spurious")]:
        pts = fp.find_fixed_points(MapSubject(np.zeros((2, 2)), b=b), np.zeros((1, 2)), hierarchy=hier,
                                   progress=False)
        assert (pts["nearest_level"].item(), pts["category"].item()) == (level, category)
    assert pts.attrs["spread"] == pytest.approx(1.0)


# ----------------------------------------------------------------------------- properties


@settings(max_examples=15)
@given(n=st.integers(1, 4), data=st.data())
def test_every_fixed_point_has_q_below_tol(n, data):
    """Contractions A z + b and tanh(A z + b): every point reported fixed has q < tol, and it is
    the (unique) fixed point."""
    A = data.draw(npst.arrays(np.float64, (n, n), elements=st.floats(-1, 1)))
    A *= 0.9 / max(np.linalg.norm(A, 2), 1e-9)
    b = data.draw(npst.arrays(np.float64, n, elements=st.floats(-2, 2)))
    squash = data.draw(st.booleans())
    starts = data.draw(npst.arrays(np.float64, (data.draw(st.integers(1, 6)), n), elements=st.floats(-5, 5)))
    sub = MapSubject(A, b, squash=squash)
    pts = fp.find_fixed_points(sub, starts, tol=TOL, progress=False)
    fixed = pts.where(pts["kind"] == "fixed", drop=True)
    assert (fixed["q"] < TOL).all()
    assert (_q(sub, fixed["z"].values) < TOL).all()
    if not squash:
        for z in fixed["z"].values:
            np.testing.assert_allclose(z, np.linalg.solve(np.eye(n) - A, b), atol=1e-3)


@settings(max_examples=10)
@given(seed=st.integers(0, 2**16), perm_seed=st.integers(0, 2**16), hopfield=st.booleans())
def test_same_points_under_a_permutation_of_the_starts(seed, perm_seed, hopfield):
    """Permuting the starts permutes nothing in the result (Hopfield patterns, or tanh(gWz))."""
    rng = np.random.default_rng(seed)
    if hopfield:
        pats = rng.choice([-1, 1], size=(3, 60))
        sub: Any = HopfieldNetwork(pats)
        starts = np.where(rng.random((9, 60)) < 0.15, -1, 1) * np.repeat(pats, 3, axis=0)
    else:
        sub = MapSubject(2.0 * np.linalg.qr(rng.normal(size=(3, 3)))[0], squash=True)
        starts = rng.normal(size=(9, 3))
    perm = np.random.default_rng(perm_seed).permutation(len(starts))
    a = fp.find_fixed_points(sub, starts, progress=False)
    b = fp.find_fixed_points(sub, starts[perm], progress=False)
    assert a.sizes["point"] == b.sizes["point"]
    a, b = _canonical(a), _canonical(b)
    np.testing.assert_allclose(a["z"], b["z"], atol=1e-4)
    assert a["kind"].values.tolist() == b["kind"].values.tolist()
    assert a["n_merged"].values.tolist() == b["n_merged"].values.tolist()


# ----------------------------------------------------------------------------- bounds and bad input


def test_bounds_name_the_limit_and_force_lifts_them():
    """Too many starts or iterations: a ValueError naming the bound; force=True runs it."""
    sub = MapSubject(np.full((1, 1), 0.5), b=[1.0])
    many = np.zeros((fp.MAX_STARTS + 1, 1))
    with pytest.raises(ValueError, match=r"'starts' is 10,001, more than the limit of 10,000.*force=True"):
        fp.find_fixed_points(sub, many)
    with pytest.raises(ValueError, match=r"'max_iter' is 10,001, more than the limit of 10,000"):
        fp.find_fixed_points(sub, np.zeros((1, 1)), max_iter=fp.MAX_ITER + 1)
    pts = fp.find_fixed_points(sub, many, force=True, progress=False)
    assert pts.sizes["point"] == 1 and pts["n_merged"].item() == fp.MAX_STARTS + 1
    np.testing.assert_allclose(pts["z"].values, [[2.0]], atol=1e-4)
    pts = fp.find_fixed_points(sub, [[2.0]], max_iter=fp.MAX_ITER + 1, force=True, progress=False)
    assert pts["iterations"].item() == 0  # already fixed: no step taken
    with pytest.raises(ValueError, match="'points' is 10,001"):
        fp.jacobian_spectrum(sub, many)


def _two_memories() -> ConceptHierarchy:
    return ConceptHierarchy.from_patterns(np.zeros((2, 2)), np.array([0, 1]))


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda s: fp.find_fixed_points(s, [[np.nan, 0.0]]), ValueError, "NaN or inf"),
    (lambda s: fp.find_fixed_points(s, [0.0, 1.0]), ValueError, r"non-empty numeric \(n, N\)"),
    (lambda s: fp.find_fixed_points(s, np.zeros((0, 2))), ValueError, "non-empty"),
    (lambda s: fp.find_fixed_points(s, "starts"), TypeError, "'starts' must be a tensor"),
    (lambda s: fp.find_fixed_points(s, xr.DataArray(np.zeros((2, 2)), dims=("unit", "x"))), ValueError,
     r"dims \(n, 'unit'\)"),
    (lambda s: fp.find_fixed_points(s, [[0.0, 0.0]], tol=0), ValueError, "'tol' must be > 0"),
    (lambda s: fp.find_fixed_points(s, [[0.0, 0.0]], max_iter=2.0), TypeError, "'max_iter' must be an int"),
    (lambda s: fp.find_fixed_points(s, [[0.0, 0.0]], dedup=-1), ValueError, "'dedup' must be >= 0"),
    (lambda s: fp.find_fixed_points(s, [[0.0, 0.0]], hierarchy="h"), TypeError, "hierarchy must be"),
    (lambda s: fp.find_fixed_points(s, [[0.0, 0.0]], hierarchy=ConceptHierarchy.from_patterns(
        np.zeros((2, 3)), np.array([0, 1]))), ValueError, "hierarchy has 3 units"),
    (lambda s: fp.find_fixed_points(s, [[0.0, 0.0]], device="meta"), ValueError, "device"),
    (lambda s: fp.find_fixed_points(object(), [[0.0, 0.0]]), TypeError, "Subject protocol"),
    (lambda s: fp.jacobian_spectrum(s, [[0.0, 0.0]], eigenvectors=-1), ValueError,
     "'eigenvectors' must be >= 0"),
    (lambda s: fp.speed(np.zeros((2, 2)), s), TypeError, "recording must be"),
    (lambda s: fp.speed(xr.DataArray(np.zeros((2, 2)), dims=("trial", "unit")), s, batch_size=0), ValueError,
     "'batch_size' must be >= 1"),
    (lambda s: fp.starts_from(_two_memories(), concepts=False, abstract=False), ValueError, "no starts"),
    (lambda s: fp.starts_from(_two_memories(), recording=np.zeros((2, 2))), TypeError, "recording must be"),
    (lambda s: fp.starts_from("hierarchy"), TypeError, "hierarchy must be a ConceptHierarchy"),
    (lambda s: fp.starts_from(_two_memories(), memories=-1), ValueError, "'memories' must be >= 0"),
])
def test_bad_input(call, error, match):
    """Wrong types raise TypeError, wrong values ValueError, each naming the argument."""
    with pytest.raises(error, match=match):
        call(MapSubject(np.eye(2) * 0.5))


def test_inputs_are_left_unchanged_and_inference_mode_is_fine():
    """The starts are copied, and a search inside torch.inference_mode still has gradients."""
    sub = MapSubject(np.eye(2) * 0.5, b=[1.0, 1.0])
    starts = torch.zeros(3, 2)
    with torch.inference_mode():
        pts = fp.find_fixed_points(sub, starts, progress=False)
        spec = fp.jacobian_spectrum(sub, pts, progress=False)
    assert (starts == 0).all()
    np.testing.assert_allclose(pts["z"].values, [[2.0, 2.0]], atol=1e-4)
    np.testing.assert_allclose(spec["eig_real"].values, [[0.5, 0.5]], atol=1e-6)


def test_package_exports_and_docstring_examples():
    """neurogen exposes the module and its two main functions; the Examples run."""
    assert neurogen.find_fixed_points is fp.find_fixed_points
    assert neurogen.jacobian_spectrum is fp.jacobian_spectrum
    for module in (fp, neurogen._points):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0 and result.attempted > 0
