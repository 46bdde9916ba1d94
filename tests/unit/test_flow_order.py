"""The energy balance in flow order (``solver.flow_order``) against sparse LU."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from p2h_hydraulics.solver import flow_order, thermal
from p2h_hydraulics.synthetic import make_network


def _system(n, edges, rng):
    rows = np.array([b for a, b in edges], dtype=np.int64)
    cols = np.array([a for a, b in edges], dtype=np.int64)
    m = rng.uniform(0.1, 5.0, len(edges))
    vals = -m * rng.uniform(0.5, 1.0, len(edges))
    diag = np.full(n, 1e-9)
    np.add.at(diag, rows, m)
    rhs = rng.uniform(1e5, 3e5, n) * diag
    return diag, rhs, rows, cols, vals


def _lu(diag, rhs, rows, cols, vals):
    n = len(diag)
    mat = sp.csc_matrix((np.concatenate([diag, vals]),
                         (np.concatenate([np.arange(n), rows]),
                          np.concatenate([np.arange(n), cols]))), shape=(n, n))
    return spla.spsolve(mat, rhs)


@pytest.mark.parametrize("solver", ["python", "compiled"])
def test_dag_equals_sparse_lu_and_cycle_is_refused(solver):
    fn = flow_order.forward_substitution_py if solver == "python" else flow_order.compiled()
    if fn is None:
        pytest.skip("numba not installed")
    rng = np.random.default_rng(1)
    n = 400
    # a random DAG (edges from lower to higher index, shuffled labels), duplicates included
    perm = rng.permutation(n)
    edges = [(perm[a], perm[b]) for b in range(1, n) for a in rng.integers(0, b, 2)]
    sysm = _system(n, edges, rng)
    h, ok = fn(*sysm)
    assert ok
    assert np.allclose(h, _lu(*sysm), rtol=1e-12, atol=0)
    cyc = _system(3, [(0, 1), (1, 2), (2, 0)], rng)
    assert not fn(*cyc)[1]


def test_thermal_solve_is_the_same_without_the_compiled_pass(monkeypatch):
    from p2h_hydraulics.solver.compile import compile_network
    from p2h_hydraulics.solver.elements import element_flows, nodal_demand, node_injection
    from p2h_hydraulics.solver.native import solve_compiled

    comp = compile_network(make_network(60, topology="meshed", seed=3))
    state, res = solve_compiled(comp)
    t = res.junctions["t_k"].to_numpy()
    fl = element_flows(comp, t, state.h)
    inj = node_injection(comp, state.mdot_b, nodal_demand(comp, fl))
    flows = dict(fl, pl_in=inj[comp.pl_sup], pl_out=-inj[comp.pl_ret], r_in=inj[comp.r_node],
                 r_t_k=comp.r_t_k, m_t_k=comp.m_t_k)
    fast = thermal.solve_enthalpy(comp, state.mdot_b, t, flows)
    monkeypatch.setattr(flow_order, "compiled", lambda: None)
    slow = thermal.solve_enthalpy(comp, state.mdot_b, t, flows)
    assert np.allclose(fast, slow, rtol=1e-11, atol=0)
