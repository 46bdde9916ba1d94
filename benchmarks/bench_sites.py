"""Benchmark of ``p2h sites``: every candidate node of a 1,000-consumer meshed network.

A synthetic 3G network (``synthetic.make_network(1000, topology="meshed")``, written to a
temporary file) and a scenario built in code (winter and summer load case, a liquid-cooled P2H
unit with a small heat-pump stage as the template); all trench nodes are candidates, on a local
process pool (2 workers by default).

Prints the wall time of each stage, the number of nonlinear solves and the mean time per solve.
``--refine`` sets which nodes are refined by full solves: ``auto`` (in screened order until no
unsolved node can exceed the ``--best`` 10th capacity even if screened 2.5× too low), a number
of best-screened nodes (default 4), or ``all`` (every candidate). ``--candidates`` restricts
the run to ids or glob patterns. Measured figures: ``benchmarks/RESULTS.md``.

    python benchmarks/bench_sites.py [--consumers 1000] [--workers 2] [--refine 4|auto|all]
                                     [--best 10] [--executor process|thread|serial|dask]
                                     [--csv out.csv] [--candidates "S5*,H5*"]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def build_scenario(folder: Path, n_consumers: int, seed: int):
    from p2h_hydraulics import save_network
    from p2h_hydraulics.scenario import LoadCase, PlantSettings, Scenario
    from p2h_hydraulics.synthetic import make_network
    from p2h_hydraulics.unit import P2HUnit

    net = make_network(n_consumers, topology="meshed", seed=seed)
    path = folder / f"bench_{n_consumers}.json"
    save_network(net, path)
    scen = Scenario(
        name=f"bench_sites_{n_consumers}", network=path,
        plant=PlantSettings(t_supply_c=80.0, control="critical_point"),
        load_cases=[LoadCase(name="winter", demand_scale=1.0, t_soil_c=8.0),
                    LoadCase(name="summer", demand_scale=0.25, t_soil_c=14.0)],
        units=[P2HUnit(id="p2h", node="T1", q_kw=3000.0, cooling="liquid")])
    return scen, net


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--consumers", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--refine", default="4", help="'all', 'auto' or a number of nodes")
    ap.add_argument("--best", type=int, default=10, help="--refine auto: best nodes settled")
    ap.add_argument("--executor", default="process")
    ap.add_argument("--csv", type=Path, default=None)
    ap.add_argument("--candidates", default=None,
                    help="ids or glob patterns, comma-separated (default: every trench node)")
    args = ap.parse_args(argv)

    from p2h_hydraulics.sites import compare_sites, trench_nodes

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        scen, net = build_scenario(Path(tmp), args.consumers, args.seed)
        t_build = time.perf_counter() - t0
        n_nodes = len(trench_nodes(net))
        print(f"network: {args.consumers} consumers, {len(net.junctions)} junctions, "
              f"{len(net.pipes)} pipes, {n_nodes} candidate nodes (built in {t_build:.1f} s)")
        refine = args.refine if args.refine in ("all", "auto") else int(args.refine)
        res = compare_sites(scen, candidates=args.candidates, executor=args.executor,
                            workers=args.workers, refine=refine, best=args.best)
    st = res.stats
    solved = res.table[res.table["method"] == "solved"]
    print(f"executor {st['executor']} × {st['workers']} workers; load cases "
          f"{', '.join(res.load_cases)}; q_max {res.q_max_kw:.0f} kW")
    print(f"setup (compile + base solves per worker): {st['setup_s']:.2f} s")
    print(f"screen, all {st['candidates']} candidates: {st['screen_wall_s']:.2f} s wall "
          f"({st['screen_cpu_s']:.2f} s in workers)")
    print(f"refine, {st['refined']} nodes by full solves: {st['refine_wall_s']:.2f} s wall, "
          f"{st['n_trial_solves']} trial solves "
          f"({st['n_trial_solves'] / max(st['refined'], 1):.1f} per node)")
    print(f"solves: {st['n_solves']} in total, {st['per_solve_s'] * 1e3:.0f} ms wall / "
          f"{st['per_solve_cpu_s'] * 1e3:.0f} ms CPU per solve (mean, base + trial solves, "
          "inside workers)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if st.get("refine_mode") == "auto":
        print(f"auto: {st['refine_rounds']} rounds; no unsolved node can exceed "
              f"{st['best_capacity_kw']:.0f} kW (the lowest of the best {st['best']}) unless "
              "screened "
              f"{st['screen_allowance']:.2f}× too low; {st['unsolved_possible_ties']} unsolved "
              "nodes could tie")
    print(f"TOTAL: {st['total_s']:.2f} s for {st['candidates']} candidates")
    if len(solved):
        err = (solved["screen_kw"] - solved["capacity_kw"]).abs()
        print(f"screen vs full solves on refined nodes: median |Δ| {err.median():.0f} kW, "
              f"max |Δ| {err.max():.0f} kW")
    print(res.table.head(10)[["capacity_kw", "limited_by", "load_case", "pump_head_bar",
                              "t_return_c", "method"]].to_string())
    if args.csv:
        res.to_csv(args.csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
