"""Sparse linear solves that reuse an earlier LU factorisation.

Between outer iterations (and between warm-started solves of a sweep) the matrices change only a
little. ``ReusedLU`` solves A x = b by iterative refinement with the previous factors
(x ← x + LU_old⁻¹ (b − A x)); when that does not reach the tolerance quickly it refactorises.
The answer is always the solution of the *current* matrix to the stated tolerance.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import cache

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def sparse_lu(mat):
    """A function solving ``mat`` x = b (square, sparse, unsymmetric, not structurally
    singular) with one LU factorisation: KLU (SuiteSparse, through PyKLU) when installed —
    several times faster than SuperLU on the matrices of networks — else SuperLU (COLAMD).
    Every answer is checked against the matrix (‖A x − b‖∞ ≤ 1e-8 ‖b‖∞, else SuperLU's);
    RuntimeError when the matrix is singular. (PyKLU reports a singular factor only by a line
    on stdout: callers keep singular matrices away — the coupled Newton factors only
    Jacobians whose every part holds a pressure, with floored branch slopes.)"""
    csc = sp.csc_matrix(mat, dtype=float)
    csc.indptr = csc.indptr.astype(np.int32)
    csc.indices = csc.indices.astype(np.int32)
    klu = _klu()
    factor = klu(csc) if klu is not None else None
    superlu = []

    def by_superlu(rhs):
        if not superlu:
            superlu.append(spla.splu(csc, permc_spec="COLAMD"))
        return superlu[0].solve(rhs)

    def solve(rhs):
        rhs = np.asarray(rhs, dtype=float)
        if factor is not None:
            x = factor.solve(rhs)
            scale = float(np.max(np.abs(rhs), initial=0.0)) or 1.0
            if np.all(np.isfinite(x)) and np.max(np.abs(csc @ x - rhs)) <= 1e-8 * scale:
                return x
        return by_superlu(rhs)

    return solve


@cache
def _klu():
    try:
        from PyKLU import Klu  # optional: imported on first use
    except ImportError:
        return None
    return Klu


class ReusedLU:
    """SuperLU factors kept for reuse; ``factorisations`` counts the fresh ones."""

    def __init__(self, permc_spec: str = "COLAMD", tol: float = 1e-11, max_refine: int = 8,
                 symmetric: bool = False):
        self.permc_spec = permc_spec
        # SPD matrices: symmetric ordering, no pivoting (much faster factor and solve)
        self.lu_kwargs = ({"diag_pivot_thresh": 0.0, "options": {"SymmetricMode": True}}
                          if symmetric else {})
        self.tol = tol
        self.max_refine = max_refine
        self.lu = None
        self.factorisations = 0
        self.solves = 0

    def solve(self, mat, rhs: np.ndarray) -> np.ndarray:
        """x with ‖A x − b‖∞ ≤ tol·‖b‖∞ (or a fresh direct solve)."""
        self.solves += 1
        scale = float(np.max(np.abs(rhs), initial=0.0)) or 1.0
        if self.lu is not None and self.lu.shape == mat.shape:
            x = self.lu.solve(rhs)
            prev = np.inf
            for _ in range(self.max_refine):
                r = rhs - mat @ x
                nr = float(np.max(np.abs(r), initial=0.0))
                if not np.isfinite(nr) or nr > 0.5 * prev:
                    break
                if nr <= self.tol * scale:
                    return x
                prev = nr
                x = x + self.lu.solve(r)
        self.lu = spla.splu(mat.tocsc(), permc_spec=self.permc_spec, **self.lu_kwargs)
        self.factorisations += 1
        x = self.lu.solve(rhs)
        r = rhs - mat @ x  # one refinement step against round-off
        return x + self.lu.solve(r)


class SparseCholesky:
    """CHOLMOD (SuiteSparse, through cvxopt) for symmetric positive definite matrices of one
    fixed sparsity pattern: the fill-reducing analysis is done once, each ``solve`` only
    refactorises numerically (a few ms for 40,000 junctions, ~10× faster than SuperLU).

    ``available()`` is False when cvxopt is not installed; ``solve`` raises
    ``ArithmeticError`` when the matrix is not positive definite (the caller falls back).
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, n: int, ldl: bool = False):
        from cvxopt import cholmod, matrix, spmatrix  # optional: imported on first use

        self._cholmod, self._matrix = cholmod, matrix
        # simplicial LDLᵀ (no pivoting) also factors symmetric indefinite matrices that have
        # no zero pivot; the caller checks the residual
        self._options = {"supernodal": 0} if ldl else {}
        cols = np.repeat(np.arange(n), np.diff(indptr))
        rows = np.asarray(indices)
        self._lower = np.flatnonzero(rows >= cols)  # CHOLMOD reads the lower triangle
        order = np.arange(len(self._lower), dtype=float)
        self._a = spmatrix(matrix(order), _int_matrix(matrix, rows[self._lower]),
                           _int_matrix(matrix, cols[self._lower]), (n, n))
        perm = np.asarray(self._a.V, dtype=float).ravel().astype(np.int64)
        self._take = self._lower[perm]  # CSC data → cvxopt's order of the lower triangle
        with self._cholmod_options():
            self._factor = cholmod.symbolic(self._a)
        self.factorisations = 0

    @contextmanager
    def _cholmod_options(self):
        """cvxopt's CHOLMOD options are global: set ours for one call, then restore."""
        saved = {k: self._cholmod.options.get(k) for k in self._options}
        self._cholmod.options.update(self._options)
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    self._cholmod.options.pop(k, None)
                else:
                    self._cholmod.options[k] = v

    @staticmethod
    def available() -> bool:
        try:
            import cvxopt.cholmod  # noqa: F401
        except ImportError:
            return False
        return True

    def solve(self, data: np.ndarray, rhs: np.ndarray) -> np.ndarray:
        """x with A x = rhs, A given by its CSC ``data`` on the pattern of the constructor."""
        self._a.V = self._matrix(data.take(self._take))
        with self._cholmod_options():
            self._cholmod.numeric(self._a, self._factor)
        self.factorisations += 1
        b = self._matrix(np.ascontiguousarray(rhs, dtype=float))
        self._cholmod.solve(self._factor, b)
        return np.asarray(b).ravel()


def _int_matrix(matrix, values: np.ndarray):
    """A cvxopt integer column matrix of ``values``: from the array's buffer where cvxopt
    reads 64-bit integers that way, else from a list."""
    try:
        out = matrix(np.ascontiguousarray(values, dtype=np.int64))
    except (TypeError, ValueError, NotImplementedError):
        out = None
    if out is None or out.typecode != "i":
        out = matrix(np.asarray(values).tolist(), tc="i")
    return out


def unique_inverse(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values of ``key`` and each entry's position among them: what
    ``np.unique(key, return_inverse=True)`` gives for a 1-D integer array, in one sort (the
    sparsity pattern of an assembled matrix from its entries' keys row · n + column).

    Parameters
    ----------
    key : ndarray of int, 1-D
        The keys.

    Returns
    -------
    tuple of ndarray
        (distinct keys in ascending order, index of each entry's key among them).
    """
    order = np.argsort(key)
    ordered = key[order]
    first = np.empty(len(key), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    inverse = np.empty(len(key), dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse
