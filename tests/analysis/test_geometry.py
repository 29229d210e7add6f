"""Representational geometry: RDMs against rsatoolbox, CKA's invariances, PR against ``dimensionality``,
temporal generalisation against MNE, argument errors, and properties over generated recordings."""

from __future__ import annotations

import copy
import sys
from contextlib import nullcontext as does_not_raise

import hypothesis.strategies as st
import numpy as np
import pytest
import xarray as xr
from hypothesis import assume, given, settings
from scipy import stats
from scipy.spatial.distance import pdist, squareform

import neurogen.analysis as na
from neurogen.analysis import geometry
from neurogen.testing.strategies import latents

rsatoolbox = pytest.importorskip("rsatoolbox")
import rsatoolbox.data  # noqa: E402
import rsatoolbox.rdm  # noqa: E402


def _recording(n_labels: int = 3, per_label: int = 2, repeats: int = 3, n_times: int = 4, n_units: int = 5,
               seed: int = 0) -> xr.DataArray:
    """A latent (trial, time, unit): labels × images × repeats; images scattered around their class
    centre, repeats around their image."""
    rng = np.random.default_rng(seed)
    image_label = np.repeat(np.arange(n_labels), per_label)
    image = rng.normal(size=(n_labels, n_units))[image_label] * 3 + rng.normal(size=(len(image_label), n_units))
    img = np.repeat(np.arange(len(image_label)), repeats)
    label, source = image_label[img], img + 100
    noise = np.tile(np.linspace(0.1, 0.3, repeats), len(image_label))
    values = image[img][:, None, :] + 0.3 * rng.normal(size=(len(img), n_times, n_units))
    return xr.DataArray(values, dims=("trial", "time", "unit"),
                        coords={"time": np.arange(n_times), "unit": np.arange(n_units), "label": ("trial", label),
                                "source": ("trial", source), "noise": ("trial", noise)}, name="latent")


# ----------------------------------------------------------------------------------------------- RDMs


@pytest.mark.parametrize("by", [None, "source", "label"])
@pytest.mark.parametrize("metric", ["euclidean", "correlation"])
def test_rdm_matches_rsatoolbox_movie(by, metric):
    """One RDM per step, the same as rsatoolbox's own calc_rdm_movie on a TemporalDataset."""
    lat = _recording()
    ours = na.rdm(lat, by=by, metric=metric)
    data = rsatoolbox.data.TemporalDataset(
        lat.transpose("trial", "unit", "time").values,
        obs_descriptors={k: lat[k].values for k in ("label", "source", "noise")},
        time_descriptors={"time": lat["time"].values})
    movie = rsatoolbox.rdm.calc_rdm_movie(data, method=metric, descriptor=by)
    np.testing.assert_allclose(ours.values, movie.get_matrices(), rtol=1e-12, atol=1e-12)
    assert ours.dims == ("time", "pattern", "pattern_other")
    if by is not None:
        np.testing.assert_array_equal(ours["pattern"].values, movie.pattern_descriptors[by])


def test_rdm_closed_forms():
    """'euclidean' is rsatoolbox's squared distance / N; 'correlation' is 1 − Pearson's r across units."""
    lat = _recording(n_units=4)
    x = lat.isel(time=2).values
    np.testing.assert_allclose(na.rdm(lat).isel(time=2).values, squareform(pdist(x, "sqeuclidean")) / 4, atol=1e-12)
    np.testing.assert_allclose(na.rdm(lat, metric="correlation").isel(time=2).values, 1 - np.corrcoef(x), atol=1e-12)
    d = na.rdm(lat)
    assert d.attrs["dissimilarity"] == "squared euclidean" and d.attrs["n_units"] == 4
    precision = np.diag([1.0, 2.0, 3.0, 4.0])
    diff = x[:, None] - x[None]
    np.testing.assert_allclose(na.rdm(lat, metric="mahalanobis", precision=precision).isel(time=2).values,
                               np.einsum("ijk,kl,ijl->ij", diff, precision, diff) / 4, atol=1e-12)


def test_rdm_pattern_coordinates():
    """Patterns keep the coordinates constant within them, and count their trials."""
    lat = _recording(n_labels=2, per_label=2, repeats=3)
    by_source = na.rdm(lat, by="source")
    assert by_source["pattern"].values.tolist() == [100, 101, 102, 103] == by_source["source"].values.tolist()
    assert by_source["label"].values.tolist() == [0, 0, 1, 1] == by_source["label_other"].values.tolist()
    assert "noise" not in by_source.coords  # the repeats differ in noise
    assert by_source["n_trials"].values.tolist() == [3, 3, 3, 3]
    each = na.rdm(lat)
    assert each["pattern"].values.tolist() == list(range(12))
    np.testing.assert_array_equal(each["source"].values, lat["source"].values)
    np.testing.assert_array_equal(each["noise_other"].values, lat["noise"].values)
    one_step = na.rdm(lat.isel(time=0))  # no time: one matrix
    assert one_step.dims == ("pattern", "pattern_other")


def test_model_rdms_match_rsatoolbox_categorical():
    """Identity and class models are rsatoolbox's categorical RDMs; abstract is constant."""
    lat = _recording()
    d = na.rdm(lat)
    models = na.model_rdms(d)
    assert models["model"].values.tolist() == ["identity", "class", "abstract"]
    assert models["constant"].values.tolist() == [False, False, True]
    for name, key in (("identity", "source"), ("class", "label")):
        expected = rsatoolbox.rdm.get_categorical_rdm(lat[key].values.tolist()).get_matrices()[0]
        np.testing.assert_array_equal(models.sel(model=name).values, expected)
    assert float(np.abs(models.sel(model="abstract")).max()) == 0.0


def test_model_rdms_superclass_and_selection():
    """A label → super-class mapping adds its model; every label needs an entry."""
    d = na.rdm(_recording(n_labels=3), by="source")  # one pattern per image: identity is constant
    groups = {0: "round", 1: "round", 2: "straight"}
    models = na.model_rdms(d, superclass=groups)
    assert models["model"].values.tolist() == ["identity", "class", "superclass", "abstract"]
    assert bool(models["constant"].sel(model="identity"))
    sup = models.sel(model="superclass").values
    labels = d["label"].values
    assert sup[np.ix_(labels < 2, labels < 2)].max() == 0 and sup[np.ix_(labels < 2, labels == 2)].min() == 1
    assert na.model_rdms(d, ["class"])["model"].values.tolist() == ["class"]
    with pytest.raises(KeyError, match=r"superclass has no entry for label\(s\) \[2\]"):
        na.model_rdms(d, superclass={0: "a", 1: "a"})
    with pytest.raises(ValueError, match="model 'superclass' needs superclass="):
        na.model_rdms(d, ["superclass"])
    with pytest.raises(ValueError, match="model 'identity' needs a 'source' coordinate"):
        na.model_rdms(na.rdm(_recording(), by="label"), ["identity"])


@pytest.mark.parametrize(("method", "reference"), [
    ("spearman", lambda a, b: stats.spearmanr(a, b).statistic),
    ("corr", lambda a, b: stats.pearsonr(a, b).statistic),
    ("kendall", lambda a, b: stats.kendalltau(a, b).statistic),
    ("cosine", lambda a, b: a @ b / np.linalg.norm(a) / np.linalg.norm(b)),
    ("rho-a", None),
    ("tau-a", None),
])
def test_compare_rdms_matches_rsatoolbox_and_scipy(method, reference):
    """Each step's similarity is rsatoolbox.rdm.compare of the two RDMs (and scipy's statistic)."""
    lat = _recording()
    d = na.rdm(lat)
    models = na.model_rdms(d, ["identity", "class"])
    sim = na.compare_rdms(d, models, method=method)
    assert sim.dims == ("time", "model") and sim.attrs["method"] == method
    i, j = np.triu_indices(d.sizes["pattern"], 1)
    for t in range(d.sizes["time"]):
        data_t = rsatoolbox.rdm.RDMs(d.isel(time=t).values[None])
        for m in models["model"].values:
            expected = rsatoolbox.rdm.compare(data_t, rsatoolbox.rdm.RDMs(models.sel(model=m).values[None]),
                                              method=method)[0, 0]
            np.testing.assert_allclose(float(sim.isel(time=t).sel(model=m)), expected, rtol=1e-10)
            if reference is not None:
                a, b = d.isel(time=t).values[i, j], models.sel(model=m).values[i, j]
                np.testing.assert_allclose(float(sim.isel(time=t).sel(model=m)), reference(a, b), rtol=1e-10)


def test_compare_rdms_constant_model_is_nan():
    """A correlation with the abstract (constant) model is undefined: NaN, not a number from 0/0."""
    d = na.rdm(_recording())
    sim = na.compare_rdms(d, na.model_rdms(d))
    assert np.isnan(sim.sel(model="abstract")).all() and np.isfinite(sim.sel(model="class")).all()
    assert np.isfinite(na.compare_rdms(d, na.model_rdms(d, ["class"]).isel(model=0), method="cosine")).all()
    zero = na.compare_rdms(d, na.model_rdms(d, ["abstract"]), method="cosine")
    assert np.isnan(zero).all()  # a cosine with an all-zero RDM


def test_compare_rdms_class_structure_found():
    """Clouds of repeats around image points around class centres: class and identity both correlate."""
    d = na.rdm(_recording(n_labels=4, per_label=3, repeats=3, seed=2))
    sim = na.compare_rdms(d, na.model_rdms(d))
    assert bool((sim.sel(model="class") > 0.3).all()) and bool((sim.sel(model="identity") > 0.3).all())


def test_compare_rdms_rejects_other_patterns():
    d = na.rdm(_recording())
    other = na.model_rdms(na.rdm(_recording().isel(trial=slice(None, None, -1))))
    with pytest.raises(ValueError, match="describe different patterns"):
        na.compare_rdms(d, other)
    with pytest.raises(ValueError, match="data_rdm has 18 patterns and model_rdms 6"):
        na.compare_rdms(d, na.model_rdms(na.rdm(_recording(), by="source")))


# ------------------------------------------------------------------------------------------------ CKA


def _gaussian(n: int, p: int, seed: int) -> xr.DataArray:
    return xr.DataArray(np.random.default_rng(seed).normal(size=(n, p)) @ np.diag(np.arange(1, p + 1)),
                        dims=("trial", "unit"))


def test_cka_orthogonal_invariance():
    """CKA(X, XQ) = 1 for orthogonal Q, also into more units (orthonormal columns) and after a shift."""
    x = _gaussian(60, 4, 0)
    q = np.linalg.qr(np.random.default_rng(1).normal(size=(4, 4)))[0]
    wide = np.linalg.qr(np.random.default_rng(2).normal(size=(7, 4)))[0].T  # 4 × 7, orthonormal rows
    assert float(na.cka(x, x.copy(data=x.values @ q))) == pytest.approx(1.0, abs=1e-12)
    y = xr.DataArray(x.values @ wide + 5.0, dims=("trial", "unit"))
    assert float(na.cka(x, y)) == pytest.approx(1.0, abs=1e-12)


def test_cka_isotropic_scaling_and_symmetry():
    x, y = _gaussian(80, 3, 0), _gaussian(80, 5, 1) + 0.5 * _gaussian(80, 5, 2)
    y = y.copy(data=y.values + x.values @ np.ones((3, 5)))
    base = float(na.cka(x, y))
    assert float(na.cka(3.7 * x, y)) == pytest.approx(base, rel=1e-12)
    assert float(na.cka(x, 0.01 * y)) == pytest.approx(base, rel=1e-12)
    assert float(na.cka(y, x)) == pytest.approx(base, rel=1e-12)
    assert 0 < base < 1
    anisotropic = x.copy(data=x.values * np.array([1.0, 1.0, 10.0]))
    assert abs(float(na.cka(anisotropic, y)) - base) > 1e-3  # not invariant to unequal scaling


def test_cka_independent_is_near_zero():
    """Independent populations: CKA ≈ √(pq)/n (here < 0.01)."""
    assert float(na.cka(_gaussian(3000, 3, 0), _gaussian(3000, 3, 1))) < 0.01


def test_cka_over_time_and_subjects():
    """Vectorised over a leading dim; different unit counts; a constant population gives NaN."""
    a, b = _recording(n_units=5, seed=0), _recording(n_units=2, seed=1)
    out = na.cka(a, b)
    assert out.dims == ("time",) and out.name == "cka"
    for t in range(a.sizes["time"]):
        assert float(out.isel(time=t)) == pytest.approx(float(na.cka(a.isel(time=t), b.isel(time=t))), rel=1e-12)
    const = a.copy(data=np.where(a["time"].values[None, :, None] == 0, 1.0, a.values))
    assert np.isnan(na.cka(const, b).isel(time=0)) and np.isfinite(na.cka(const, b).isel(time=1))


# ----------------------------------------------------------------------------------- participation ratio


@pytest.mark.parametrize(("correction", "key"), [("samples", "row"), ("both", "both")])
@pytest.mark.parametrize("shape", [(6, 3), (40, 8), (200, 12)])
def test_participation_ratio_matches_dimensionality(correction, key, shape):
    """The corrected estimate is the dimensionality package's γ_row / γ_both, the plug-in its 'naive'."""
    dimensionality = pytest.importorskip("dimensionality")
    rng = np.random.default_rng(shape[0])
    phi = rng.normal(size=shape) @ rng.normal(size=(shape[1], shape[1])) + 2.0
    expected = dimensionality.participation_ratio(phi, return_all=True)
    pr = na.participation_ratio(xr.DataArray(phi, dims=("sample", "unit")), correction=correction, n_boot=0)
    assert float(pr["corrected"]) == pytest.approx(expected[key], rel=1e-9)
    assert float(pr["participation_ratio"]) == pytest.approx(expected["naive"], rel=1e-9)
    assert np.isnan(pr["ci_low"]) and np.isnan(pr["ci_high"])


def test_participation_ratio_eigenvalues_and_interval():
    """Plug-in PR from the covariance eigenvalues; seeded interval around the corrected estimate."""
    x = _gaussian(300, 6, 3).rename(trial="sample")
    lam = np.linalg.eigvalsh(np.cov(x.values.T))
    pr = na.participation_ratio(x, n_boot=50, seed=1)
    assert float(pr["participation_ratio"]) == pytest.approx(lam.sum() ** 2 / (lam**2).sum(), rel=1e-10)
    assert float(pr["ci_low"]) < float(pr["corrected"]) < float(pr["ci_high"])
    xr.testing.assert_identical(pr, na.participation_ratio(x, n_boot=50, seed=1))
    assert float(na.participation_ratio(x, n_boot=50, seed=2)["ci_low"]) != float(pr["ci_low"])


def test_participation_ratio_over_time_and_degenerate():
    """One value per step (dim='trial'); a step without variance is NaN; one unit has PR 1."""
    lat = _recording(n_units=3)
    lat = lat.copy(data=np.where(lat["time"].values[None, :, None] == 0, 2.0, lat.values))
    pr = na.participation_ratio(lat, dim="trial", n_boot=5)
    assert pr["corrected"].dims == ("time",)
    assert np.isnan(pr["participation_ratio"].isel(time=0)) and np.isnan(pr["ci_low"].isel(time=0))
    assert np.isfinite(pr["participation_ratio"].isel(time=1))
    one = na.participation_ratio(lat.isel(unit=[0], time=2), dim="trial", n_boot=0)
    assert float(one["participation_ratio"]) == pytest.approx(1.0) and float(one["corrected"]) == pytest.approx(1.0)


# ---------------------------------------------------------------------------------- temporal generalisation


def test_temporal_generalization_matches_mne():
    """The same splits give MNE's GeneralizingEstimator + cross_val_multiscore (mean over equal folds)."""
    mne_decoding = pytest.importorskip("mne.decoding")
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neighbors import NearestCentroid

    lat = _recording(n_labels=2, per_label=5, repeats=2, n_times=5, n_units=3, seed=4)
    lat = lat.copy(data=lat.values + np.random.default_rng(5).normal(size=lat.shape) * 2)  # not all perfect
    cv = StratifiedKFold(5)
    ours = na.temporal_generalization(lat, "label", cv=cv)
    gen = mne_decoding.GeneralizingEstimator(NearestCentroid(), scoring="accuracy", n_jobs=1, verbose=False)
    x = lat.transpose("trial", "unit", "time").values
    scores = mne_decoding.cross_val_multiscore(gen, x, lat["label"].values, cv=cv, n_jobs=1, verbose=False)
    np.testing.assert_allclose(ours.values, scores.mean(0), atol=1e-12)
    assert ours.dims == ("train_time", "test_time") and ours.attrs["chance"] == 0.5
    assert 0 < float(ours.min()) < float(ours.max()) <= 1


def test_temporal_generalization_diagonal_is_decode_over_time():
    lat = _recording(n_labels=3, per_label=2, repeats=3, n_times=4, seed=6)
    lat = lat.copy(data=lat.values + np.random.default_rng(7).normal(size=lat.shape) * 3)
    for target in ("label", "source"):
        tg = na.temporal_generalization(lat, target, cv=3, seed=3)
        diag = np.diagonal(tg.values)
        np.testing.assert_allclose(diag, na.decode_over_time(lat, target, cv=3, seed=3).values)
        assert tg.attrs["target"] == target


# --------------------------------------------------------------------------------------------- errors


def test_missing_rsatoolbox_is_one_line(monkeypatch):
    """Without the extra, the RDM functions raise one ImportError line naming it."""
    for name in [m for m in sys.modules if m == "rsatoolbox" or m.startswith("rsatoolbox.")]:
        monkeypatch.setitem(sys.modules, name, None)
    lat = _recording()
    for call in (lambda: na.rdm(lat), lambda: na.compare_rdms(lat, lat)):
        with pytest.raises(ImportError) as info:
            call()
        assert str(info.value) == "neurogen.analysis.geometry needs rsatoolbox: pip install 'neurogen[geometry]'"
        assert info.value.__cause__ is None and info.value.__suppress_context__
    assert np.isfinite(na.cka(lat, lat)).all()  # the rest needs no rsatoolbox


def _nan(da: xr.DataArray) -> xr.DataArray:
    values = da.values.copy()
    values.flat[0] = np.nan
    return da.copy(data=values)


_LAT = _recording()
_MEM = _LAT.isel(time=0).rename(trial="sample")
CASES = [
    ("rdm ok", lambda: na.rdm(_LAT, by="source", metric="correlation"), does_not_raise()),
    ("rdm numpy", lambda: na.rdm(_LAT.values), pytest.raises(TypeError, match="latent must be an xarray.DataArray")),
    ("rdm no unit", lambda: na.rdm(_LAT.rename(unit="neuron")),
     pytest.raises(ValueError, match=r"latent must have dimension\(s\) \('unit',\)")),
    ("rdm nan", lambda: na.rdm(_nan(_LAT)), pytest.raises(ValueError, match="latent contains NaN")),
    ("rdm metric", lambda: na.rdm(_LAT, metric="cityblock"), pytest.raises(ValueError, match="metric must be one of")),
    ("rdm by", lambda: na.rdm(_LAT, by="colour"),
     pytest.raises(ValueError, match=r"by='colour' is not a coordinate along 'trial' of latent; available: \[")),
    ("rdm constant correlation", lambda: na.rdm(_LAT * 0 + 1, metric="correlation"),
     pytest.raises(ValueError, match="metric='correlation' is undefined for patterns that are constant")),
    ("rdm precision", lambda: na.rdm(_LAT, precision=np.eye(5)),
     pytest.raises(ValueError, match="precision is the 5 × 5 precision matrix of metric='mahalanobis'")),
    ("models dims", lambda: na.model_rdms(_LAT), pytest.raises(ValueError, match="pattern dimension 'pattern'")),
    ("models unknown", lambda: na.model_rdms(na.rdm(_LAT), ["memory"]),
     pytest.raises(ValueError, match="models must be one of")),
    ("models numpy", lambda: na.model_rdms(np.zeros(3)), pytest.raises(TypeError, match="patterns must be")),
    ("compare method", lambda: na.compare_rdms(na.rdm(_LAT), na.model_rdms(na.rdm(_LAT)), method="pearson"),
     pytest.raises(ValueError, match="method must be one of")),
    ("compare not square", lambda: na.compare_rdms(na.rdm(_LAT).isel(pattern=[0, 1]), na.model_rdms(na.rdm(_LAT))),
     pytest.raises(ValueError, match="data_rdm must be square")),
    ("compare model dims", lambda: na.compare_rdms(na.rdm(_LAT), na.rdm(_LAT)),
     pytest.raises(ValueError, match="model_rdms must have dims")),
    ("cka ok", lambda: na.cka(_LAT, _LAT.isel(unit=[0, 1])), does_not_raise()),
    ("cka samples", lambda: na.cka(_LAT, _LAT.isel(trial=[0, 1])),
     pytest.raises(ValueError, match="a and b must hold the same samples along 'trial', got 18 and 2")),
    ("cka dataset", lambda: na.cka(_LAT.to_dataset(), _LAT), pytest.raises(TypeError, match="a must be an xarray")),
    ("cka one sample", lambda: na.cka(_LAT.isel(trial=[0]), _LAT.isel(trial=[0])),
     pytest.raises(ValueError, match="at least 2 samples")),
    ("pr ok", lambda: na.participation_ratio(_MEM, correction="both", n_boot=3), does_not_raise()),
    ("pr few", lambda: na.participation_ratio(_MEM.isel(sample=[0, 1, 2])),
     pytest.raises(ValueError, match="at least 4 samples along 'sample'")),
    ("pr correction", lambda: na.participation_ratio(_MEM, correction="rows"),
     pytest.raises(ValueError, match="correction must be one of")),
    ("pr both one unit", lambda: na.participation_ratio(_MEM.isel(unit=[0]), correction="both"),
     pytest.raises(ValueError, match="correction='both' needs at least 2 units")),
    ("pr n_boot", lambda: na.participation_ratio(_MEM, n_boot=2.5), pytest.raises(TypeError, match="n_boot must be")),
    ("pr negative n_boot", lambda: na.participation_ratio(_MEM, n_boot=-1),
     pytest.raises(ValueError, match="n_boot must be >= 0")),
    ("pr ci", lambda: na.participation_ratio(_MEM, ci=1.5), pytest.raises(ValueError, match=r"ci must be in \(0, 1\]")),
    ("pr dim", lambda: na.participation_ratio(_LAT), pytest.raises(ValueError, match=r"dimension\(s\) \('sample',\)")),
    ("tg ok", lambda: na.temporal_generalization(_LAT, cv=3), does_not_raise()),
    ("tg target", lambda: na.temporal_generalization(_LAT, "colour"),
     pytest.raises(ValueError, match="target 'colour' is not a trial coordinate")),
    ("tg cv", lambda: na.temporal_generalization(_LAT, "source", cv=5),
     pytest.raises(ValueError, match="fewer than cv=5 folds")),
    ("tg estimator", lambda: na.temporal_generalization(_LAT, estimator=object()),
     pytest.raises(TypeError, match="estimator must be a scikit-learn classifier")),
]


@pytest.mark.parametrize(("call", "expectation"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_argument_errors(call, expectation):
    with expectation:
        call()


# ------------------------------------------------------------------------------------------ properties


@settings(max_examples=25)
@given(lat=latents(n_trials=st.integers(2, 6), n_units=st.integers(1, 4), n_times=st.integers(1, 3)),
       order=st.randoms(use_true_random=False))
def test_rdm_properties(lat, order):
    """Symmetric, zero diagonal, ≥ 0; by='source' does not depend on the order of the trials; pure."""
    before = copy.deepcopy(lat)
    d = na.rdm(lat)
    v = d.values
    np.testing.assert_allclose(v, np.swapaxes(v, -1, -2), atol=1e-9 * (1 + np.abs(v).max()))
    assert np.all(np.diagonal(v, axis1=-2, axis2=-1) == 0)
    assert v.min() >= -1e-9 * (1 + np.abs(v).max())
    perm = list(range(lat.sizes["trial"]))
    order.shuffle(perm)
    a, b = na.rdm(lat, by="source"), na.rdm(lat.isel(trial=perm), by="source")
    np.testing.assert_allclose(a.values, b.values, rtol=1e-5, atol=1e-5 * (1 + np.abs(a.values).max()))
    assert a["pattern"].values.tolist() == sorted(set(lat["source"].values.tolist()))
    models = na.model_rdms(d)
    sim = na.compare_rdms(d, models)
    assert sim.dims == ("time", "model")
    assert np.all(np.isnan(sim.sel(model="abstract")))
    finite = sim.values[np.isfinite(sim.values)]
    assert np.all(np.abs(finite) <= 1 + 1e-9)
    xr.testing.assert_identical(lat, before)


@settings(max_examples=25)
@given(lat=latents(n_trials=st.integers(2, 6), n_units=st.integers(1, 4)), data=st.data())
def test_cka_properties(lat, data):
    """In [0, 1] (or NaN for a constant population), symmetric, CKA(X, X) = 1, CKA(X, cX) = CKA(X, X); pure."""
    other = data.draw(latents(n_trials=lat.sizes["trial"], n_times=lat.sizes["time"], n_units=st.integers(1, 4)))
    other = other.assign_coords(time=lat["time"].values)
    before = copy.deepcopy(lat)
    ab, ba = na.cka(lat, other), na.cka(other, lat)
    np.testing.assert_allclose(ab.values, ba.values, rtol=1e-9, atol=1e-12)
    finite = ab.values[np.isfinite(ab.values)]
    assert np.all((finite >= 0) & (finite <= 1))
    self_cka = na.cka(lat, lat).values
    varies = np.ptp(lat.values.astype(np.float64), axis=0).max(axis=-1) > 1e-3 * (1 + np.abs(lat.values).max())
    np.testing.assert_allclose(self_cka[varies], 1.0, rtol=1e-6)
    assert np.all(np.isnan(self_cka[np.ptp(lat.values, axis=0).max(axis=-1) == 0]))
    xr.testing.assert_identical(lat, before)


@settings(max_examples=25)
@given(lat=latents(n_trials=st.integers(4, 8), n_units=st.integers(1, 4), n_times=st.integers(1, 3),
                   dtype=np.float64))
def test_participation_ratio_properties(lat):
    """1 ≤ plug-in PR ≤ number of units; the interval contains the corrected estimate; pure."""
    before = copy.deepcopy(lat)
    pr = na.participation_ratio(lat, dim="trial", n_boot=20)
    plug = pr["participation_ratio"].values
    ok = np.isfinite(plug)
    assert np.all((plug[ok] >= 1 - 1e-9) & (plug[ok] <= lat.sizes["unit"] + 1e-9))
    lo, mid, hi = (pr[v].values for v in ("ci_low", "corrected", "ci_high"))
    both = np.isfinite(lo) & np.isfinite(mid)
    assert np.all((lo[both] <= mid[both] + 1e-9) & (mid[both] <= hi[both] + 1e-9))
    xr.testing.assert_identical(lat, before)


@settings(max_examples=15)
@given(lat=latents(n_trials=st.integers(4, 8), n_labels=2, n_times=st.integers(1, 3), n_units=st.integers(1, 3)))
def test_temporal_generalization_properties(lat):
    """Accuracies in [0, 1]; the diagonal is decode_over_time with the same folds; pure."""
    counts = np.bincount(lat["label"].values, minlength=2)
    assume(counts.min() >= 2)
    before = copy.deepcopy(lat)
    tg = na.temporal_generalization(lat, cv=2, seed=1)
    assert tg.dims == ("train_time", "test_time") and float(tg.min()) >= 0 and float(tg.max()) <= 1
    np.testing.assert_allclose(np.diagonal(tg.values), na.decode_over_time(lat, cv=2, seed=1).values)
    xr.testing.assert_identical(lat, before)


def test_module_is_listed():
    """The geometry analysers are exported and documented in the package table."""
    for name in ("rdm", "model_rdms", "compare_rdms", "cka", "participation_ratio", "temporal_generalization"):
        assert name in na.__all__ and getattr(na, name) is getattr(geometry, name)
        assert f"``{name}``" in na.__doc__
