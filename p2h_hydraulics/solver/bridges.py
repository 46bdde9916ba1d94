"""Which branches of a network lie on a loop (are not bridges): the branches whose flow the
mass balance alone does not fix (``native.non_monotone_branches``)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

__all__ = ["on_loop"]


def on_loop(n_nodes: int, b_from: np.ndarray, b_to: np.ndarray) -> np.ndarray:
    """Per branch: does it lie on a loop (is it not a bridge)? A bridge's flow is fixed by the
    mass balance alone.

    A spanning forest is grown breadth-first (one search from a virtual node joined to one
    junction of every connected part); every chord (branch outside it) gets a random 64-bit
    label XOR-ed into both its end nodes, and a forest branch lies on a loop exactly when the
    XOR of the labels in the subtree below it is non-zero (a chord's label cancels unless
    exactly one of its ends is in the subtree; a false "bridge" has probability 2⁻⁶⁴ per
    branch). The subtree sums are accumulated level by level of the search, deepest first.
    Labels come from a fixed seed: the answer is reproducible.

    Parameters
    ----------
    n_nodes : int
        Number of nodes.
    b_from, b_to : ndarray of int
        End nodes of each branch.

    Returns
    -------
    ndarray of bool
        True for the branches on a loop (chords, parallel branches, self-loops included).
    """
    nb = len(b_from)
    if nb == 0:
        return np.zeros(0, dtype=bool)
    b_from, b_to = np.asarray(b_from, dtype=np.int64), np.asarray(b_to, dtype=np.int64)
    key = np.minimum(b_from, b_to) * n_nodes + np.maximum(b_from, b_to)
    by_key = np.argsort(key, kind="stable")
    sorted_key = key[by_key]
    # one junction per connected part joined to a virtual node n_nodes: a single search
    _, comp_of = csgraph.connected_components(
        sp.csr_matrix((np.ones(nb), (b_from, b_to)), shape=(n_nodes, n_nodes)), directed=False)
    _, reps = np.unique(comp_of, return_index=True)
    top = n_nodes
    graph = sp.csr_matrix((np.ones(nb + len(reps)), (np.concatenate([b_from, reps]),
                                                     np.concatenate([b_to, np.full(len(reps),
                                                                                   top)]))),
                          shape=(n_nodes + 1, n_nodes + 1))
    order, pred = csgraph.breadth_first_order(graph, top, directed=False)
    child = order[1 + len(reps):]  # the part representatives hang on the virtual node
    par = pred[child]
    # the (first) branch joining each child to its parent
    ckey = np.minimum(par, child).astype(np.int64) * n_nodes + np.maximum(par, child)
    parent_b = by_key[np.searchsorted(sorted_key, ckey)]
    tree_b = np.zeros(nb, dtype=bool)
    tree_b[parent_b] = True
    labels = np.random.default_rng(0).integers(1, 2**63 - 1, size=nb, dtype=np.int64)
    labels[tree_b] = 0
    acc = np.zeros(n_nodes + 1, dtype=np.int64)
    np.bitwise_xor.at(acc, b_from, labels)
    np.bitwise_xor.at(acc, b_to, labels)
    # levels of the search: children are listed in the order of their parents, so the
    # parents' positions never decrease and each level ends where its parents' level ends
    pos = np.empty(n_nodes + 1, dtype=np.int64)
    pos[order] = np.arange(n_nodes + 1)
    par_pos = pos[pred[order[1:]]]  # of every node after the virtual one
    ends = [1]
    while ends[-1] < n_nodes + 1:
        ends.append(1 + int(np.searchsorted(par_pos, ends[-1])))
    for lo, hi in zip(ends[-2::-1], ends[:0:-1], strict=True):  # deepest level first
        nodes = order[lo:hi]
        np.bitwise_xor.at(acc, pred[nodes], acc[nodes])
    loop = ~tree_b
    loop[parent_b] = acc[child] != 0
    return loop
