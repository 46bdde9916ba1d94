"""Hydraulics of a network without loops: flows by the mass balance, pressures along the tree.

When every connected part of the branch graph is a tree holding exactly one fixed pressure
(a plant's supply or return junction, a pressure reference) — a radial network fed by one
plant — the branch flows follow from the junctions' fixed withdrawals alone: a branch carries
everything withdrawn beyond it. With the flows known, each branch's pressure difference
(friction, minor losses, pump lift, water column at the fluid properties of its content) is
known too, and the pressures follow outward from the fixed junction. That is the exact
solution of the hydraulic equations in two passes, no Newton iteration and no factorisation.

The passes are compiled with numba (imported on first use); without numba, or when the network
has a loop or a part with zero or several fixed pressures, ``TreeHydraulics.build`` returns
None and the caller uses the Newton solver.
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


@dataclass
class TreeHydraulics:
    """The traversal of a forest with one fixed pressure per tree."""

    order: np.ndarray  # junctions, each after its parent (roots first)
    parent: np.ndarray  # parent junction (−1 for roots)
    pbranch: np.ndarray  # branch to the parent (−1 for roots)
    sign: np.ndarray  # +1 where that branch points from the parent to the junction, else −1
    n_branches: int

    @classmethod
    def build(cls, n_nodes: int, b_from: np.ndarray, b_to: np.ndarray,
              fixed: np.ndarray) -> TreeHydraulics | None:
        """The traversal, or None when the network has a loop (parallel branches count), a
        part without or with several fixed pressures, or numba is missing."""
        nb = len(b_from)
        if nb == 0 or len(fixed) == 0 or _kernels() is None:
            return None
        graph = sp.csr_matrix((np.ones(nb), (b_from, b_to)), shape=(n_nodes, n_nodes))
        n_parts, label = csgraph.connected_components(graph, directed=False)
        if nb != n_nodes - n_parts:  # a forest has exactly one branch fewer than junctions
            return None
        if np.any(np.bincount(label[fixed], minlength=n_parts) != 1):
            return None
        parent = np.full(n_nodes, -1, dtype=np.int64)
        order = []
        for root in fixed:
            reached, pred = csgraph.breadth_first_order(graph, int(root), directed=False,
                                                        return_predecessors=True)
            order.append(reached)
            parent[reached[1:]] = pred[reached[1:]]
        order = np.concatenate(order).astype(np.int64)
        lo, hi = np.minimum(b_from, b_to), np.maximum(b_from, b_to)
        key = lo.astype(np.int64) * n_nodes + hi
        by_key = np.argsort(key)
        child = np.flatnonzero(parent >= 0)
        par = parent[child]
        ckey = np.minimum(child, par).astype(np.int64) * n_nodes + np.maximum(child, par)
        pb = by_key[np.searchsorted(key[by_key], ckey)]
        pbranch = np.full(n_nodes, -1, dtype=np.int64)
        pbranch[child] = pb
        sign = np.zeros(n_nodes)
        sign[child] = np.where(b_from[pb] == par, 1.0, -1.0)
        return cls(order, parent, pbranch, sign, nb)

    def flows(self, demand: np.ndarray) -> np.ndarray:
        """Branch flows [kg/s] for the junctions' fixed withdrawals ``demand`` [kg/s]."""
        return _kernels()[0](self.order, self.parent, self.pbranch, self.sign,
                             np.ascontiguousarray(demand, dtype=float), self.n_branches)

    def pressures(self, head: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Pressures [Pa] from the fixed ones in ``p`` and each branch's p_from − p_to."""
        return _kernels()[1](self.order, self.parent, self.pbranch, self.sign,
                             np.ascontiguousarray(head, dtype=float),
                             np.array(p, dtype=float))
