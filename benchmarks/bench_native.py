"""Native solver scale benchmark: build, compile and solve time and iterations vs network size.

Run: ``python benchmarks/bench_native.py [--sizes 100 1000 10000] [--topology radial meshed]``.
Reports best-of-N wall times on this machine; not a test.
"""

from __future__ import annotations

import argparse
import time

from p2h_hydraulics.solver.compile import compile_network
from p2h_hydraulics.solver.native import solve_compiled
from p2h_hydraulics.synthetic import make_network


def bench(n: int, topology: str, repeat: int) -> dict:
    t0 = time.perf_counter()
    net = make_network(n, topology=topology, seed=0)
    t_build = time.perf_counter() - t0
    best_compile, best_solve, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        comp = compile_network(net)
        t1 = time.perf_counter()
        _, result = solve_compiled(comp)
        t2 = time.perf_counter()
        best_compile, best_solve = min(best_compile, t1 - t0), min(best_solve, t2 - t1)
    t0 = time.perf_counter()
    solve_compiled(comp, warm=result.state)
    t_warm = time.perf_counter() - t0
    return {"consumers": n, "topology": topology, "junctions": len(net.junctions),
            "pipes": len(net.pipes), "build_s": t_build, "compile_s": best_compile,
            "solve_s": best_solve, "warm_solve_s": t_warm,
            "outer_iter": result.convergence.iterations,
            "newton_iter": result.balance["hydraulic_iterations"],
            "energy_rel": result.balance["energy_rel"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--topology", nargs="+", default=["radial", "meshed"])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cols = ["consumers", "topology", "junctions", "pipes", "build_s", "compile_s", "solve_s",
            "warm_solve_s", "outer_iter", "newton_iter", "energy_rel"]
    print(" | ".join(cols))
    for n in args.sizes:
        for topo in args.topology:
            row = bench(n, topo, args.repeat if n <= 10000 else 1)
            print(" | ".join(f"{row[c]:.3g}" if isinstance(row[c], float) else str(row[c])
                             for c in cols), flush=True)


if __name__ == "__main__":
    main()
