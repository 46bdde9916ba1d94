"""Benchmark of the compiled per-branch evaluations (``solver.kernels``,
``solver.hydraulic_kernels``) against their NumPy route (``kernels.numpy_only``).

On the annual benchmark's network (``make_network(500, topology="meshed", generation="4g")``,
2,370 branches, 500 consumers) at its solved state: time per call of
``HydraulicSystem.residuals`` (properties, pressure drops and residuals together),
``branch_pressure_drop``, the branch fluid properties, ``thermal.pipe_decay`` and
``elements.element_flows``. Each is timed alternately on both routes in 6 rounds of 7 × 100
calls; the minimum is printed (the least disturbed by other load on the machine).

    python benchmarks/bench_kernels.py
"""

from __future__ import annotations

import contextlib
import os
import sys
import timeit

import numpy as np


def main() -> int:
    from p2h_hydraulics.physics import water
    from p2h_hydraulics.solver import elements, kernels, thermal
    from p2h_hydraulics.solver.compile import compile_network
    from p2h_hydraulics.solver.hydraulic import HydraulicSystem, branch_pressure_drop
    from p2h_hydraulics.solver.native import BranchProperties, solve_compiled
    from p2h_hydraulics.synthetic import make_network

    comp = compile_network(make_network(500, topology="meshed", generation="4g"))
    st, _ = solve_compiled(comp)
    t = water.temperature_from_enthalpy(st.h)
    m = st.mdot_b
    props = BranchProperties(comp, t)
    rho, mu, _ = props(m)
    t_up = np.where(m >= 0, t[comp.b_from], t[comp.b_to])
    hyd = HydraulicSystem(comp, np.array([comp.pl_ret[0], comp.pl_sup[0]]))
    demand = np.zeros(comp.n_nodes)
    cases = {"residuals (all of it)": lambda: hyd.residuals(m, st.p, demand, props),
             "branch_pressure_drop": lambda: branch_pressure_drop(comp, m, rho, mu),
             "branch properties": lambda: props(m),
             "pipe_decay": lambda: thermal.pipe_decay(comp, m, t_up),
             "element_flows": lambda: elements.element_flows(comp, t, st.h)}
    best = {(name, mode): np.inf for name in cases for mode in ("numpy", "kernels")}
    print(f"{comp.n_branches} branches, {len(comp.c_ids)} consumers; load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for _ in range(6):
        for name, fn in cases.items():
            for mode in ("numpy", "kernels"):
                ctx = kernels.numpy_only() if mode == "numpy" else contextlib.nullcontext()
                with ctx:
                    fn()
                    per_call = min(timeit.repeat(fn, number=100, repeat=7)) / 100 * 1e6
                best[name, mode] = min(best[name, mode], per_call)
    for name in cases:
        a, b = best[name, "numpy"], best[name, "kernels"]
        print(f"{name:22s} numpy {a:7.1f} µs   kernels {b:6.1f} µs   ×{a / b:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
