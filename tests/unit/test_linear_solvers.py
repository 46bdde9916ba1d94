"""Numerical building blocks of the native solver: CHOLMOD wrapper, Anderson acceleration, and
the pipe-content temperature used for ρ and μ (against quadrature and finite differences)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from p2h_hydraulics.solver.anderson import Anderson
from p2h_hydraulics.solver.linear import SparseCholesky
from p2h_hydraulics.solver.thermal import property_temperature


def _grounded_laplacian(n: int, seed: int) -> sp.csc_matrix:
    rng = np.random.default_rng(seed)
    rows = np.arange(1, n)
    cols = rng.integers(0, rows)  # a random tree
    extra = rng.integers(0, n, size=(n // 5, 2))  # plus loops
    i = np.concatenate([rows, extra[:, 0]])
    j = np.concatenate([cols, extra[:, 1]])
    keep = i != j
    w = rng.uniform(0.1, 10.0, keep.sum())
    a = sp.coo_matrix((w, (i[keep], j[keep])), shape=(n, n))
    a = a + a.T
    lap = sp.diags(np.asarray(a.sum(axis=1)).ravel()) - a
    return (lap + sp.diags(np.r_[1.0, np.zeros(n - 1)])).tocsc()  # node 0 grounded


@pytest.mark.skipif(not SparseCholesky.available(), reason="cvxopt not installed")
def test_cholmod_matches_superlu_and_refactorises_on_the_same_pattern():
    mat = _grounded_laplacian(2000, 0)
    mat.sort_indices()
    chol = SparseCholesky(mat.indptr, mat.indices, mat.shape[0])
    rng = np.random.default_rng(1)
    for scale in (1.0, 3.0):  # same pattern, new values
        m = mat.copy()
        m.data = m.data * scale
        b = rng.normal(size=mat.shape[0])
        x = chol.solve(m.data, b)
        ref = spla.spsolve(m, b)
        assert np.max(np.abs(x - ref)) <= 1e-9 * np.max(np.abs(ref))
    assert chol.factorisations == 2


@pytest.mark.skipif(not SparseCholesky.available(), reason="cvxopt not installed")
def test_cholmod_refuses_an_indefinite_matrix():
    mat = sp.csc_matrix(np.array([[1.0, 2.0], [2.0, 1.0]]))
    chol = SparseCholesky(mat.indptr, mat.indices, 2)
    with pytest.raises(ArithmeticError):
        chol.solve(mat.data, np.ones(2))


def test_anderson_converges_where_picard_diverges():
    """x = G(x) = M x + c with spectral radius 3 (Picard diverges, oscillating): Anderson with
    depth ≥ dimension solves it (it is GMRES on a linear map)."""
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    m = q @ np.diag([-3.0, 0.5, -0.9, 1.5, 0.2]) @ q.T
    c = rng.normal(size=5)
    exact = np.linalg.solve(np.eye(5) - m, c)
    acc = Anderson(depth=6, growth_restart=np.inf)
    x = np.zeros(5)
    for _ in range(12):
        x = acc.step(x, m @ x + c)
    assert np.max(np.abs(x - exact)) < 1e-8


def _pipe(u=0.3, length=200.0, t_soil=283.15):
    return SimpleNamespace(b_from=np.array([0]), b_to=np.array([1]), t_soil_k=np.array([t_soil]),
                           u_w_per_mk=np.array([u]), length_m=np.array([length]))


@pytest.mark.parametrize("mdot", [2.0, 0.05, 1e-3, -0.05])
def test_content_temperature_is_the_mean_of_the_exponential_profile(mdot):
    from p2h_hydraulics.physics import water

    comp = _pipe()
    t = np.array([353.15, 330.0])
    t_b, dt_dm = property_temperature(comp, np.array([mdot]), t)
    t_up = t[0] if mdot > 0 else t[1]
    k = 0.3 * 200.0 / (abs(mdot) * water.heat_capacity(t_up))
    xi = np.linspace(0.0, 1.0, 20001)
    exact = np.trapezoid(283.15 + (t_up - 283.15) * np.exp(-k * xi), xi)
    assert t_b[0] == pytest.approx(exact, abs=1e-6)
    h = 1e-6 * abs(mdot)
    fd = (property_temperature(comp, np.array([mdot + h]), t)[0]
          - property_temperature(comp, np.array([mdot - h]), t)[0]) / (2 * h)
    # c_p is taken at the inlet temperature, so the derivative is exact up to FD error
    assert dt_dm[0] == pytest.approx(fd[0], rel=1e-5)


def test_content_temperature_is_continuous_through_flow_reversal():
    comp = _pipe()
    t = np.array([353.15, 320.0])
    vals = [property_temperature(comp, np.array([m]), t)[0][0] for m in (-1e-12, 0.0, 1e-12)]
    assert np.allclose(vals, 283.15, atol=1e-6)  # stagnant content: soil temperature
    # no heat loss: the mean of the end junctions, independent of the flow
    lossless = _pipe(u=0.0)
    assert property_temperature(lossless, np.array([0.1]), t)[0][0] == pytest.approx(336.575)


@pytest.mark.skipif(not SparseCholesky.available(), reason="cvxopt not installed")
def test_cholmod_ldl_solves_a_symmetric_indefinite_matrix_and_leaves_options_alone():
    from cvxopt import cholmod

    before = dict(cholmod.options)
    mat = _grounded_laplacian(500, 3).tolil()
    mat[10, 10] = -abs(mat[10, 10]) - 5.0  # one negative-slope branch makes it indefinite
    mat = mat.tocsc()
    mat.sort_indices()
    ldl = SparseCholesky(mat.indptr, mat.indices, mat.shape[0], ldl=True)
    b = np.random.default_rng(0).normal(size=mat.shape[0])
    x = ldl.solve(mat.data, b)
    assert np.max(np.abs(mat @ x - b)) <= 1e-9 * np.max(np.abs(b))
    assert dict(cholmod.options) == before
