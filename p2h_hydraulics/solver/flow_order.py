"""The node energy balance solved in flow order: one pass, no factorisation.

Given all mass flows, a node's enthalpy depends only on the nodes its inflows come from (the
upstream ends of pipes, a consumer's supply junction, a plant pushed backwards). Unless the flows
circulate around a loop, these dependencies form a DAG and the sparse system of
``thermal.solve_enthalpy`` is triangular in topological order: Kahn's algorithm solves it
exactly in O(nodes + branches). The loop is compiled with numba (imported on first use; without
numba, or when the dependencies contain a cycle, the caller solves the sparse system instead).
"""

from __future__ import annotations

import numpy as np

from .jit import compiled as _compiled


def forward_substitution_py(diag, rhs, rows, cols, vals):
    """Solve diag·h + Σ_k vals[k]·h[cols[k]] (summed into row rows[k]) = rhs in dependency
    order. Returns (h, True), or (h, False) when the nonzero entries form a cycle."""
    n = diag.shape[0]
    m = rows.shape[0]
    indeg = np.zeros(n, dtype=np.int64)
    start = np.zeros(n + 1, dtype=np.int64)
    for k in range(m):
        if vals[k] != 0.0:
            indeg[rows[k]] += 1
            start[cols[k] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    edges = np.empty(start[n], dtype=np.int64)
    for k in range(m):
        if vals[k] != 0.0:
            edges[fill[cols[k]]] = k
            fill[cols[k]] += 1
    acc = rhs.copy()
    h = np.zeros(n)
    queue = np.empty(n, dtype=np.int64)
    head = 0
    tail = 0
    for i in range(n):
        if indeg[i] == 0:
            queue[tail] = i
            tail += 1
    while head < tail:
        i = queue[head]
        head += 1
        h[i] = acc[i] / diag[i]
        for e in range(start[i], start[i + 1]):
            k = edges[e]
            j = rows[k]
            acc[j] -= vals[k] * h[i]
            indeg[j] -= 1
            if indeg[j] == 0:
                queue[tail] = j
                tail += 1
    return h, tail == n


def compiled():
    """``forward_substitution_py`` compiled by numba (cached on disk), or None without numba."""
    fns = _compiled(forward_substitution_py)
    return None if fns is None else fns[0]


def solve_in_flow_order(diag, rhs, rows, cols, vals):
    """(h, True) from the compiled pass; (None, False) without numba or with a cycle."""
    fn = compiled()
    if fn is None:
        return None, False
    return fn(np.ascontiguousarray(diag, dtype=float), np.ascontiguousarray(rhs, dtype=float),
              np.ascontiguousarray(rows, dtype=np.int64),
              np.ascontiguousarray(cols, dtype=np.int64),
              np.ascontiguousarray(vals, dtype=float))
