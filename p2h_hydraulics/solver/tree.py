"""Hydraulics on a spanning forest: flows by the mass balance, pressures along the trees.

The branches are split into a spanning forest rooted at the junctions whose pressure is held
(plants' supply and return junctions, pressure references: one tree per held junction) and
the remaining *chords*, each closing a loop (or joining two held junctions). For the
junctions' fixed withdrawals and given chord flows q, every tree branch's flow follows from
the mass balance — it carries everything withdrawn beyond it — which is ``m = m₀ + C q``
with ``C`` the loop incidence (``LoopIncidence``); the pressures then follow outward from the
held junctions, each branch's p_from − p_to being its friction, minor losses, pump lift and
water column at the fluid properties of its content.

- Without chords (a radial network fed by one plant) that is the exact solution in two
  passes: no Newton iteration, no factorisation (``HydraulicSystem._solve_tree``).
- With a few chords only the chord flows are unknown: Newton on the k loop equations
  (``HydraulicSystem._solve_loops``; mass balance exact by construction, a k × k system,
  friction re-evaluated only on the branches of some loop).

The passes are compiled with numba (imported on first use); without numba, with a connected
part holding no pressure, or with more than ``MAX_LOOPS`` chords, ``TreeHydraulics.build``
returns None and the caller uses the Newton–GGA solver on all junctions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from .jit import compiled


def tree_flows_py(order, parent, pbranch, sign, demand, n_branches):
    """Branch flows [kg/s] of a forest: ``order`` lists every junction after its parent
    (roots first); a junction's parent branch carries all withdrawal beyond it."""
    w = demand.copy()
    m = np.zeros(n_branches)
    for k in range(order.shape[0] - 1, -1, -1):
        i = order[k]
        q = parent[i]
        if q >= 0:
            w[q] += w[i]
            m[pbranch[i]] = sign[i] * w[i]
    return m


def tree_pressures_py(order, parent, pbranch, sign, head, p):
    """Pressures [Pa] outward from the roots (whose entries of ``p`` are kept):
    p_from − p_to = ``head`` of the branch."""
    for k in range(order.shape[0]):
        i = order[k]
        q = parent[i]
        if q >= 0:
            p[i] = p[q] - sign[i] * head[pbranch[i]]
    return p


def _kernels():
    """(flows, pressures) compiled by numba (cached on disk), or None without numba."""
    return compiled(tree_flows_py, tree_pressures_py)


MAX_LOOPS = 64  # chords up to which loop-flow Newton is used (dense k × k Jacobian)
MAX_PAIRS = 400_000  # Jacobian terms (Σ over branches of their loops²) above which neither


@dataclass
class LoopIncidence:
    """The loops the chords close: ``C`` (branches × chords) with C[b, c] = ±1 when branch b
    lies on chord c's loop, traversed along (+1) or against (−1) its from → to direction;
    the loop runs through the chord from its from- to its to-junction and back through the
    trees. Stored restricted to ``rows``, the branches on some loop."""

    chords: np.ndarray  # branch index of each chord
    rows: np.ndarray  # branches on any loop (sorted; chords included)
    c_rows: sp.csr_matrix  # C restricted to ``rows`` (len(rows) × k)
    c_rows_t: sp.csr_matrix  # its transpose
    root_from: np.ndarray  # per chord: the held junction of its from-junction's tree
    root_to: np.ndarray  # … and of its to-junction's tree (the same one in a closed loop)
    pair_key: np.ndarray  # Jacobian Cᵀ diag(w) C = bincount(pair_key, w[pair_row]·pair_coef)
    pair_row: np.ndarray
    pair_coef: np.ndarray

    @property
    def k(self) -> int:
        return len(self.chords)

    def jacobian(self, w_rows: np.ndarray) -> np.ndarray:
        """Cᵀ diag(w) C (k × k) for the slopes ``w_rows`` of the branches ``rows``."""
        k = self.k
        return np.bincount(self.pair_key, w_rows[self.pair_row] * self.pair_coef,
                           k * k).reshape(k, k)


@dataclass
class TreeHydraulics:
    """The traversal of a spanning forest rooted at the held junctions, and its chords."""

    order: np.ndarray  # junctions, each after its parent (roots first)
    parent: np.ndarray  # parent junction (−1 for roots)
    pbranch: np.ndarray  # branch to the parent (−1 for roots)
    sign: np.ndarray  # +1 where that branch points from the parent to the junction, else −1
    n_branches: int
    loops: LoopIncidence | None = None  # None: no chords (the flows follow from the balance)

    @classmethod
    def build(cls, n_nodes: int, b_from: np.ndarray, b_to: np.ndarray, fixed: np.ndarray,
              max_loops: int = MAX_LOOPS) -> TreeHydraulics | None:
        """The forest, or None when a connected part holds no pressure, there are more than
        ``max_loops`` chords (or their loops overlap too much), or numba is missing."""
        nb = len(b_from)
        if nb == 0 or len(fixed) == 0 or _kernels() is None:
            return None
        # a forest reaching every junction has one branch per junction not held, the other
        # branches are chords: too many of them is known before searching
        if nb - (n_nodes - len(np.unique(fixed))) > max_loops:
            return None
        # one breadth-first search from a virtual junction joined to every held one
        top = n_nodes
        graph = sp.csr_matrix((np.ones(nb + len(fixed)),
                               (np.concatenate([b_from, fixed]),
                                np.concatenate([b_to, np.full(len(fixed), top)]))),
                              shape=(n_nodes + 1, n_nodes + 1))
        reached, pred = csgraph.breadth_first_order(graph, top, directed=False,
                                                    return_predecessors=True)
        if len(reached) != n_nodes + 1:  # a part without a held pressure
            return None
        order = reached[1:].astype(np.int64)
        parent = pred[:n_nodes].astype(np.int64)
        parent[parent == top] = -1
        lo, hi = np.minimum(b_from, b_to), np.maximum(b_from, b_to)
        key = lo.astype(np.int64) * n_nodes + hi
        by_key = np.argsort(key, kind="stable")
        child = np.flatnonzero(parent >= 0)
        par = parent[child]
        ckey = np.minimum(child, par).astype(np.int64) * n_nodes + np.maximum(child, par)
        pb = by_key[np.searchsorted(key[by_key], ckey)]
        pbranch = np.full(n_nodes, -1, dtype=np.int64)
        pbranch[child] = pb
        sign = np.zeros(n_nodes)
        sign[child] = np.where(b_from[pb] == par, 1.0, -1.0)
        on_tree = np.zeros(nb, dtype=bool)
        on_tree[pb] = True
        chords = np.flatnonzero(~on_tree)
        if len(chords) > max_loops:
            return None
        tree = cls(order, parent, pbranch, sign, nb)
        if len(chords):
            tree.loops = tree._loop_incidence(chords, b_from, b_to)
            if tree.loops is None:
                return None
        return tree

    def _loop_incidence(self, chords, b_from, b_to) -> LoopIncidence | None:
        """The chords' loops: through the chord, from its to-junction up the tree to the
        common ancestor (or that tree's held root) and down to its from-junction."""
        depth = np.zeros(len(self.parent), dtype=np.int64)
        for i in self.order:
            if self.parent[i] >= 0:
                depth[i] = depth[self.parent[i]] + 1
        rows, cols, vals = [], [], []
        roots = np.zeros((len(chords), 2), dtype=np.int64)
        par, pbr, sgn = self.parent, self.pbranch, self.sign
        for c, ch in enumerate(chords):
            a, b = int(b_from[ch]), int(b_to[ch])
            entries = [(int(ch), 1.0)]
            while depth[a] > depth[b]:  # the from side: traversed parent → junction
                entries.append((pbr[a], sgn[a]))
                a = par[a]
            while depth[b] > depth[a]:  # the to side: traversed junction → parent
                entries.append((pbr[b], -sgn[b]))
                b = par[b]
            while a != b and par[a] >= 0:
                entries += [(pbr[a], sgn[a]), (pbr[b], -sgn[b])]
                a, b = par[a], par[b]
            roots[c] = a, b  # the same junction unless the loop joins two held ones
            rows += [e[0] for e in entries]
            cols += [c] * len(entries)
            vals += [e[1] for e in entries]
        rows, cols, vals = np.array(rows), np.array(cols), np.array(vals)
        loop_rows = np.unique(rows)
        k = len(chords)
        c_rows = sp.csr_matrix((vals, (np.searchsorted(loop_rows, rows), cols)),
                               shape=(len(loop_rows), k))
        # Jacobian terms: every pair of loops sharing a branch (incl. a loop with itself)
        per_row = np.diff(c_rows.indptr)
        if int(np.sum(per_row.astype(np.int64) ** 2)) > MAX_PAIRS:
            return None
        r_of = np.repeat(np.arange(len(loop_rows)), per_row)  # row of each stored entry
        partners = per_row[r_of]
        i = np.repeat(np.arange(len(r_of)), partners)
        j = c_rows.indptr[r_of[i]] + np.arange(len(i)) - np.repeat(
            np.cumsum(partners) - partners, partners)
        key = c_rows.indices[i].astype(np.int64) * k + c_rows.indices[j]
        return LoopIncidence(np.asarray(chords, dtype=np.int64), loop_rows, c_rows,
                             c_rows.T.tocsr(), roots[:, 0], roots[:, 1], key, r_of[i],
                             c_rows.data[i] * c_rows.data[j])

    def flows(self, demand: np.ndarray) -> np.ndarray:
        """Branch flows [kg/s] for the junctions' fixed withdrawals ``demand`` [kg/s], with
        no flow in the chords."""
        return _kernels()[0](self.order, self.parent, self.pbranch, self.sign,
                             np.ascontiguousarray(demand, dtype=float), self.n_branches)

    def pressures(self, head: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Pressures [Pa] from the fixed ones in ``p`` and each tree branch's p_from − p_to."""
        return _kernels()[1](self.order, self.parent, self.pbranch, self.sign,
                             np.ascontiguousarray(head, dtype=float),
                             np.array(p, dtype=float))
