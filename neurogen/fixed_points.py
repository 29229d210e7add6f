"""Fixed and slow points of repeated inference, and their stability.

Repeated inference is a map on the recorded state, F(z) = encode(decode(z)) (for the VAE,
E_q[z | E_p[x|z]], eqs. 6–7). This module owns that map (:func:`inference_map`), the search for its
fixed points and slow points by minimising q(z) = ½‖F(z) − z‖² from many starts
(:func:`find_fixed_points`, starts built by :func:`starts_from`), the spectrum of its Jacobian
∂F/∂z (:func:`jacobian_spectrum`) and the speed ‖F(z(t)) − z(t)‖ along recorded trajectories
(:func:`speed`). It needs torch (autograd), so it sits next to the engine, not in
:mod:`neurogen.analysis`; it depends only on the :class:`~neurogen.subject.Subject` protocol.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import xarray as xr
from torch.func import jacrev, vmap
from tqdm.auto import tqdm

from neurogen._checks import available_memory, check_int, check_number
from neurogen._netcdf import base_attrs
from neurogen._points import as_points, classify, merge, starts_from
from neurogen.device import resolve_device
from neurogen.recording import Recording

if TYPE_CHECKING:
    from neurogen.concepts import ConceptHierarchy

__all__ = ["MAX_ITER", "MAX_STARTS", "find_fixed_points", "inference_map", "jacobian_spectrum",
           "speed", "starts_from"]

#: Starts of one search allowed without ``force=True``.
MAX_STARTS = 10_000
#: Optimiser iterations of one search allowed without ``force=True``.
MAX_ITER = 10_000
_MU_MAX = 1e8  # damping beyond which no step improves q: a local minimum
_DEFINITION = "q(z) = 1/2 ||F(z) - z||^2, F(z) = encode(decode(z))"


def _check_subject(subject: Any) -> None:
    for attr in ("encode()", "decode()", "describe()", "device"):
        value = getattr(subject, attr.rstrip("()"), None)
        if value is None or (attr.endswith("()") and not callable(value)):
            msg = f"subject must implement the Subject protocol; it has no {attr}."
            raise TypeError(msg)


def _check_bound(name: str, value: int, limit: int, force: bool) -> None:
    if not force and value > limit:
        msg = (f"'{name}' is {value:,}, more than the limit of {limit:,}; narrow the request, or pass "
               "force=True if you mean it.")
        raise ValueError(msg)


@contextlib.contextmanager
def _on_device(subject: Any, device: str | torch.device | None) -> Iterator[torch.device]:
    """Compute on ``subject.device``; with ``device`` move the subject there first (as ``run``
    does: ``"auto"`` is CUDA when present), and back again if the computation fails."""
    before = subject.device
    target = None if device is None else resolve_device(device)  # checked even if it cannot move
    target = target if hasattr(subject, "to") else None
    try:
        if target is not None:
            subject.to(target)
        yield subject.device
    except BaseException:
        if target is not None and subject.device != before:
            subject.to(before)
        raise


def inference_map(subject: Any) -> Callable[[torch.Tensor], torch.Tensor]:
    """F(z) = ``subject.encode(subject.decode(z))``: one step of repeated inference on the state.

    Parameters
    ----------
    subject : Subject

    Returns
    -------
    callable
        Takes and returns (n, N) tensors on ``subject.device``; differentiable where the subject is.

    Examples
    --------
    >>> from neurogen.associative import ModernHopfield
    >>> net = ModernHopfield(np.eye(3), beta=50.0)
    >>> F = inference_map(net)
    >>> F(torch.tensor([[0.9, 0.1, 0.0]])).round(decimals=3)
    tensor([[1., 0., 0.]])
    """
    _check_subject(subject)

    def F(z: torch.Tensor) -> torch.Tensor:  # noqa: N802 (the map's name in the maths)
        return subject.encode(subject.decode(z))

    return F


def _q(F: Callable, z: torch.Tensor) -> torch.Tensor:
    r = F(z) - z
    return 0.5 * (r * r).sum(1)


def find_fixed_points(subject: Any, starts: Any, *, tol: float = 1e-8, max_iter: int = 200,
                      damping: float = 1e-3, dedup: float = 1e-2, hierarchy: ConceptHierarchy | None = None,
                      radius: float = 0.5, progress: bool | None = None,
                      device: str | torch.device | None = None, memory_budget: int = 256 * 2**20,
                      force: bool = False) -> xr.Dataset:
    """Find fixed and slow points of F(z) = encode(decode(z)): minima of q(z) = ½‖F(z) − z‖².

    All starts are optimised together by Levenberg–Marquardt on the residual r = F(z) − z (the
    Jacobian ∂F/∂z by autograd; each row has its own damping μ, divided by 3 after a step that
    lowers q, multiplied by 4 otherwise) until q < ``tol`` (*fixed*), until μ > 1e8 with q ≥ ``tol``
    (*slow*: no step lowers q, a local minimum of q), or ``max_iter`` steps (*unconverged*).
    Points closer than ``dedup`` are then merged, keeping the one of lowest q.

    Parameters
    ----------
    subject : Subject
        F must act on each row on its own (as every neurogen subject does) and be deterministic
        (not Glauber or asynchronous Hopfield dynamics).
    starts : tensor, array or DataArray (n, N)
        Initial states; a DataArray's coords along its first dim come back as ``start_<name>``
        (see :func:`starts_from`). At most :data:`MAX_STARTS` without ``force``.
    tol : float
        q below which a point is fixed.
    max_iter : int
        Steps at most (at most :data:`MAX_ITER` without ``force``).
    damping : float
        Initial μ (small: Gauss–Newton steps; large: short gradient steps).
    dedup : float
        Euclidean distance below which two points are one (0: keep every start's point).
    hierarchy : ConceptHierarchy, optional
        Classify each point by the nearest level of this hierarchy (Notes).
    radius : float
        With ``hierarchy``: the class radius, in units of the typical memory–concept distance.
    progress : bool, optional
        tqdm bar over steps; ``None`` shows it only on a terminal.
    device : str or torch.device, optional
        Move the subject there first (``"auto"``: CUDA when present); default: where it is.
    memory_budget : int
        Bytes of Jacobians computed at once (each is N × N).
    force : bool
        Lift the bounds :data:`MAX_STARTS` and :data:`MAX_ITER`.

    Returns
    -------
    xarray.Dataset
        Over ``point``, sorted by q: ``z(point, unit)``, ``q``, ``grad_norm`` (‖∇q‖), ``kind``
        ("fixed", "slow", "unconverged"), ``iterations``, ``found_by`` (index of the start kept),
        ``n_merged`` (starts merged into it); over ``start``, ``point_of_start`` (the point each
        start ended at). With ``hierarchy`` also ``distance_memory``, ``distance_concept``,
        ``distance_abstract`` (to the nearest pattern of each level),
        ``nearest_memory`` (its sample), ``nearest_concept`` (its label), ``nearest_level``,
        ``nearest_label`` (−1 for the abstract concept), ``nearest_distance`` and ``category``.

    Notes
    -----
    Classification rule: let s be the median distance of a memory to its own concept (attrs
    ``spread``). A point's nearest level is the level (memory, concept or abstract; a tie goes to
    the finer) of the nearest of all the hierarchy's patterns; its ``category`` is
    "memory-like", "concept-like" or "abstract-like" when that distance is ≤ ``radius`` · s,
    else "spurious".

    A piecewise-constant F (a zero-temperature Hopfield network) has ∂F/∂z = 0 almost
    everywhere, so the step is r / (1 + μ): z moves onto F(z), and a stored pattern is found
    with q = 0 in a step or two.

    Examples
    --------
    >>> from neurogen.associative import ModernHopfield
    >>> net = ModernHopfield(np.eye(3), beta=50.0)
    >>> pts = find_fixed_points(net, np.eye(3) * 0.8 + 0.05, progress=False)
    >>> pts.kind.values.tolist(), pts.z.values.round(3).tolist()[0]
    (['fixed', 'fixed', 'fixed'], [0.0, 0.0, 1.0])
    """
    _check_subject(subject)
    tol = check_number("tol", tol, min=0.0, open_min=True)
    damping = check_number("damping", damping, min=0.0, open_min=True)
    memory_budget = check_int("memory_budget", memory_budget, min=1)
    dedup = check_number("dedup", dedup, min=0.0)
    radius = check_number("radius", radius, min=0.0)
    max_iter = check_int("max_iter", max_iter, min=0)
    z0, units, start_coords = as_points(starts, "starts")
    _check_bound("starts", len(z0), MAX_STARTS, force)
    _check_bound("max_iter", max_iter, MAX_ITER, force)
    with _on_device(subject, device) as dev, torch.inference_mode(False):
        z, q, g, kind, iters = _minimise(inference_map(subject), z0.to(dev).clone(), tol, max_iter, damping,
                                         progress, memory_budget)
    order = np.lexsort((*z.T[::-1], q))  # by q, ties by the coordinates: independent of the starts' order
    keep, merged, owner = merge(z[order], dedup)
    idx, point_of_start = order[keep], np.empty(len(z), dtype=np.int64)
    point_of_start[order] = owner
    ds = xr.Dataset(
        {"z": (("point", "unit"), z[idx]), "q": ("point", q[idx]), "grad_norm": ("point", g[idx]),
         "kind": ("point", kind[idx]), "iterations": ("point", iters[idx]), "found_by": ("point", idx),
         "n_merged": ("point", merged), "point_of_start": ("start", point_of_start)},
        coords={"point": np.arange(len(idx)), "start": np.arange(len(z)), "unit": units,
                **{f"start_{k}": ("point", v[1][idx]) for k, v in start_coords.items()}},
        attrs=base_attrs({**subject.describe(), "definition": _DEFINITION, "tol": tol, "max_iter": max_iter,
                          "damping": damping, "dedup": dedup, "n_starts": len(z0),
                          **{f"n_{k}": int((kind == k).sum()) for k in ("fixed", "slow", "unconverged")}},
                         title="neurogen fixed points of repeated inference",
                         neurogen_format="neurogen-fixed-points-1"),
    )
    return ds if hierarchy is None else classify(ds, hierarchy, radius)


def _minimise(F: Callable, z: torch.Tensor, tol: float, max_iter: int, damping: float,
              progress: bool | None, budget: int) -> tuple[np.ndarray, ...]:
    """Batched Levenberg–Marquardt on r(z) = F(z) − z, freezing rows as they finish."""
    n, width = z.shape
    eye = torch.eye(width, dtype=torch.float64, device=z.device)
    mu = torch.full((n,), damping, dtype=torch.float64, device=z.device)
    with torch.no_grad():
        q = _q(F, z)
    kind = np.where((q < tol).cpu().numpy(), "fixed", "unconverged").astype("<U11")
    iters = np.zeros(n, dtype=np.int64)
    active = torch.as_tensor(np.flatnonzero(kind != "fixed"), device=z.device)
    chunk = max(1, budget // (24 * width * width))
    bar = _bar(progress, total=max_iter, desc="fixed points", unit="it")
    try:
        for it in range(1, max_iter + 1):
            if not len(active):
                break
            za = z[active]
            J, fz = _jacobians(F, za, chunk)
            J = J.double() - eye
            with torch.no_grad():
                r = (fz - za).double()
                g = torch.einsum("aij,ai->aj", J, r)  # ∇q = (J − I)ᵀ r
                A = J.transpose(1, 2) @ J + mu[active, None, None] * eye
                zn = za + torch.linalg.solve(A, -g).to(za.dtype)
                qn = _q(F, zn)
            better, gain = qn < q[active], qn < q[active] * (1 - 1e-6)
            z[active[better]], q[active[better]] = zn[better], qn[better]
            mu[active] = torch.where(gain, mu[active] / 3, mu[active] * 4)
            iters[active.cpu().numpy()] = it
            fixed = q[active] < tol
            slow = ~fixed & (mu[active] > _MU_MAX)
            kind[active[fixed].cpu().numpy()] = "fixed"
            kind[active[slow].cpu().numpy()] = "slow"
            active = active[~(fixed | slow)]
            bar.update(1)
            bar.set_postfix(active=len(active), refresh=False)
    finally:
        bar.close()
    with torch.inference_mode(False), torch.enable_grad():  # ‖∇q‖ at the points found
        zg = z.detach().clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(_q(F, zg).sum(), zg)
    return (z.detach().cpu().numpy(), q.cpu().numpy().astype(np.float64),
            grad.norm(dim=1).cpu().numpy().astype(np.float64), kind, iters)


def _jacobians(F: Callable, z: torch.Tensor, chunk: int) -> tuple[torch.Tensor, torch.Tensor]:
    """∂F/∂z (n, N, N; row i = output unit i) and F(z) at each row of ``z``, ``chunk`` rows at a time."""
    def f(v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = F(v[None])[0]
        return out, out.detach()

    with torch.inference_mode(False), torch.enable_grad():
        jac = vmap(jacrev(f, has_aux=True), randomness="same")
        parts = [jac(z[i : i + chunk]) for i in range(0, len(z), chunk)]
    return torch.cat([p[0] for p in parts]).detach(), torch.cat([p[1] for p in parts])


def _bar(progress: bool | None, **kwargs: Any) -> tqdm:
    return tqdm(disable=None if progress is None else not progress, **kwargs)


def jacobian_spectrum(subject: Any, points: Any, *, eigenvectors: int = 0, jacobian: bool = False,
                      progress: bool | None = None, device: str | torch.device | None = None,
                      memory_budget: int = 256 * 2**20, force: bool = False) -> xr.Dataset:
    """Eigenvalues of the Jacobian ∂F/∂z of repeated inference at each point.

    Parameters
    ----------
    subject : Subject
    points : tensor, array, DataArray (n, unit), or the Dataset of :func:`find_fixed_points`
    eigenvectors : int
        Keep the right eigenvectors of this many leading eigenvalues (largest |λ|).
    jacobian : bool
        Also return the Jacobians, ``jacobian(point, unit_out, unit_in)``.
    progress : bool, optional
        tqdm bar over batches of points.
    device : str or torch.device, optional
        As in :func:`find_fixed_points`.
    memory_budget : int
        Bytes of Jacobians computed at once (points are batched to fit).
    force : bool
        Lift the bound :data:`MAX_STARTS` on the number of points.

    Returns
    -------
    xarray.Dataset
        ``eig_real`` / ``eig_imag`` (point, eigen), sorted by |λ| descending; ``spectral_radius``
        (max |λ|); ``n_unstable`` (count of |λ| > 1); with ``eigenvectors=k``: ``eigvec_real`` /
        ``eigvec_imag`` (point, leading, unit), unit-norm columns of eigenvalue ``leading``.

    Examples
    --------
    >>> from neurogen.associative import ModernHopfield
    >>> spec = jacobian_spectrum(ModernHopfield(np.eye(3), beta=50.0), np.eye(3), progress=False)
    >>> spec.spectral_radius.values.round(6).tolist(), spec.n_unstable.values.tolist()
    ([0.0, 0.0, 0.0], [0, 0, 0])
    """
    _check_subject(subject)
    eigenvectors = check_int("eigenvectors", eigenvectors, min=0)
    memory_budget = check_int("memory_budget", memory_budget, min=1)
    z, units, coords = as_points(points, "points")
    n, width = z.shape
    _check_bound("points", n, MAX_STARTS, force)
    eigenvectors = min(eigenvectors, width)
    per_point = 16 * width * width * (2 + jacobian)  # float64 J and complex eigenvectors, per batch
    kept = n * width * (16 + 16 * eigenvectors + (8 * width if jacobian else 0))
    if kept > available_memory():
        msg = (f"the spectra of {n:,} points of {width} units need {kept / 2**20:,.0f} MB; this machine "
               f"has {available_memory() / 2**20:,.0f} MB available (ask for fewer eigenvectors, or "
               "jacobian=False).")
        raise ValueError(msg)
    batch = max(1, memory_budget // per_point)
    lam, vecs, jacs = [], [], []
    with _on_device(subject, device) as dev:
        F = inference_map(subject)
        for i in _bar(progress, iterable=range(0, n, batch), desc="jacobians"):
            J = _jacobians(F, z[i : i + batch].to(dev), batch)[0].to(torch.float64)
            w, V = torch.linalg.eig(J)
            w, V = w.cpu().numpy(), V.cpu().numpy()
            order = np.lexsort((-w.imag, -w.real, -np.abs(w)), axis=-1)
            lam.append(np.take_along_axis(w, order, -1))
            if eigenvectors:
                vecs.append(np.take_along_axis(V, order[:, None, :eigenvectors], -1).transpose(0, 2, 1))
            if jacobian:
                jacs.append(J.cpu().numpy())
    lam_all = np.concatenate(lam)
    ds = xr.Dataset(
        {"eig_real": (("point", "eigen"), lam_all.real), "eig_imag": (("point", "eigen"), lam_all.imag),
         "spectral_radius": ("point", np.abs(lam_all).max(1)),
         "n_unstable": ("point", (np.abs(lam_all) > 1).sum(1).astype(np.int64))},
        coords={"point": coords["point"][1] if "point" in coords else np.arange(n), "eigen": np.arange(width)},
        attrs=base_attrs({**subject.describe(), "definition": "eigenvalues of dF/dz, F(z) = encode(decode(z))"},
                         title="neurogen Jacobian spectrum of repeated inference",
                         neurogen_format="neurogen-jacobian-spectrum-1"),
    )
    if eigenvectors:
        V = np.concatenate(vecs)
        ds = ds.assign(eigvec_real=(("point", "leading", "unit"), V.real),
                       eigvec_imag=(("point", "leading", "unit"), V.imag)).assign_coords(unit=units)
    if jacobian:
        ds = ds.assign(jacobian=(("point", "unit_out", "unit_in"), np.concatenate(jacs)))
    return ds


def speed(recording: Recording | xr.DataArray, subject: Any, *, batch_size: int = 4096,
          progress: bool | None = None, device: str | torch.device | None = None) -> xr.DataArray:
    """‖F(z(t)) − z(t)‖ at every recorded state: how fast repeated inference moves there.

    Parameters
    ----------
    recording : Recording, or a DataArray (..., unit) such as ``recording.latent``
    subject : Subject
    batch_size : int
        States evaluated together.
    progress : bool, optional
    device : str or torch.device, optional
        As in :func:`find_fixed_points`.

    Returns
    -------
    xarray.DataArray
        The latent's dims without ``unit`` (for a Recording: (trial, time)) and its coords.

    Examples
    --------
    >>> from neurogen.associative import ModernHopfield
    >>> lat = xr.DataArray(np.eye(3)[None], dims=("trial", "time", "unit"))
    >>> speed(lat, ModernHopfield(np.eye(3), beta=50.0), progress=False).values.round(6).tolist()
    [[0.0, 0.0, 0.0]]
    """
    _check_subject(subject)
    batch_size = check_int("batch_size", batch_size, min=1)
    lat = recording.latent if isinstance(recording, Recording) else recording
    if not isinstance(lat, xr.DataArray) or "unit" not in lat.dims or lat.ndim < 2:
        msg = f"recording must be a Recording or a DataArray with a 'unit' dim, got {type(recording).__name__}."
        raise TypeError(msg)
    lat = lat.transpose(..., "unit")
    d0, per = lat.dims[0], int(np.prod(lat.shape[1:-1]))
    rows = max(1, batch_size // max(per, 1))
    out = np.empty(lat.shape[:-1])
    with _on_device(subject, device) as dev, torch.inference_mode():
        F = inference_map(subject)
        for i in _bar(progress, iterable=range(0, lat.sizes[d0], rows), desc="speed"):
            block = np.asarray(lat.isel({d0: slice(i, i + rows)}).values, dtype=np.float32)
            z = torch.as_tensor(block.reshape(-1, block.shape[-1]), device=dev)
            out[i : i + rows] = (F(z) - z).norm(dim=1).double().cpu().numpy().reshape(block.shape[:-1])
    coords = {k: v for k, v in lat.coords.items() if "unit" not in v.dims}
    return xr.DataArray(out, dims=lat.dims[:-1], coords=coords, name="speed",
                        attrs={"long_name": "speed of repeated inference ||F(z) - z||", "units": "1",
                               "definition": "||F(z) - z||, F(z) = encode(decode(z))"})
