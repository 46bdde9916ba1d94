"""Benchmark of the annual hour-by-hour analysis (``p2h annual``).

A synthetic 4G network (``make_network(500, topology="meshed", generation="4g")``, 26.7 MW
design load) with a 2 MW liquid-cooled data centre on the trunk main, the shipped synthetic
weather year and 4G supply curve, a full year on 2 worker processes. Prints total time, hours,
distinct hours solved, solves, solves per second and hours that did not converge.

    python benchmarks/bench_annual.py                       # the target case (full year)
    python benchmarks/bench_annual.py --sample 400          # 400 evenly spread hours
    python benchmarks/bench_annual.py --topology radial     # same network without loops
    python benchmarks/bench_annual.py --loops 8             # meshed with 8 loop closures
    python benchmarks/bench_annual.py --max-outer 300       # solver default iteration limit
    python benchmarks/bench_annual.py --tolerance-k 1e-5    # the solver's default tolerance
    python benchmarks/bench_annual.py --second-start        # flagged hours solved again, cold

Target: 8,760 hours of the 500-consumer network in < 60 s on 2 cores (a benchmark, not a test).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

SCENARIO = """\
name: bench_annual_{topology}_{n}
network: net.json
plant: {{control: critical_point}}
units:
  - {{id: dc, node: T1, q_kw: {q_kw}, cooling: liquid, source_temperature_c: 70,
     hx_approach_k: 3}}
thresholds: {{t_supply_min_c: 50}}
annual:
  weather: example
  supply_curve: 4g
  max_outer_iterations: {max_outer}
  tolerance_k: {tolerance_k}
  second_start: {second_start}
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--consumers", type=int, default=500)
    ap.add_argument("--topology", default="meshed", choices=("meshed", "radial"))
    ap.add_argument("--loops", type=int, default=None,
                    help="loop closures of the meshed network (default: ≈ 6 %% of trenches)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sample", type=int, default=None, help="evenly spread hours (default: all)")
    ap.add_argument("--q-kw", type=float, default=2000.0, help="heat offered [kW]")
    ap.add_argument("--max-outer", type=int, default=120,
                    help="outer iterations before an hour counts as not converged")
    ap.add_argument("--tolerance-k", type=float, default=1e-3,
                    help="temperature tolerance of each hour's solve [K] (annual.tolerance_k)")
    ap.add_argument("--second-start", action="store_true",
                    help="re-solve hours flagged multiple_states from a cold start "
                         "(annual.second_start)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)

    from p2h_hydraulics.annual import run_annual
    from p2h_hydraulics.annual.run import prepare
    from p2h_hydraulics.io import save_network
    from p2h_hydraulics.synthetic import make_network

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        if args.loops is not None and args.topology != "meshed":
            ap.error("--loops needs --topology meshed")
        extra = {"n_loops": args.loops} if args.loops is not None else {}
        net = make_network(args.consumers, topology=args.topology, generation="4g", **extra)
        save_network(net, Path(tmp) / "net.json")
        path = Path(tmp) / "scen.yaml"
        path.write_text(SCENARIO.format(topology=args.topology, n=args.consumers,
                                        q_kw=args.q_kw, max_outer=args.max_outer,
                                        tolerance_k=args.tolerance_k,
                                        second_start=str(args.second_start).lower()))
        t_build = time.perf_counter() - t0
        prep = prepare(path)
        if args.sample:
            prep = prepare(path, prep.settings.model_copy(update={"sample_hours": args.sample}))
        done = [0]

        def progress(n):
            done[0] += n
            print(f"\r  {done[0]} distinct hours solved", end="", file=sys.stderr, flush=True)

        t1 = time.perf_counter()
        res = run_annual(prep, workers=args.workers, progress=progress)
        wall = time.perf_counter() - t1
        print(file=sys.stderr)
    s = res.summary
    c = s["computation"]
    figures = {
        "network": f"synthetic 4G {args.topology}, {args.consumers} consumers"
                   + (f", {args.loops} loop closures" if args.loops is not None else "") + " "
                   f"({len(net.junctions)} junctions, {len(net.pipes)} pipes)",
        "workers": c["workers"], "cpu_count": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "hours": s["hours"], "distinct_hours_solved": c["distinct_hours"],
        "solves": c["solves"], "failed_solves": c["failed_solves"],
        "hours_not_converged": s["hours_not_converged"],
        "hours_multiple_states": s["hours_multiple_states"], "chunks": c["chunks"],
        "hours_other_state": s["hours_other_state"],
        "hours_other_state_limited": s["hours_other_state_limited"],
        "seconds_network": round(t_build, 2), "seconds_prepare": round(c["seconds_prepare"], 2),
        "seconds_total": round(wall, 2),
        "hours_per_second": round(s["hours"] / wall, 2),
        "solves_per_second": round(c["solves"] / wall, 2),
        "offered_mwh": round(s["offered_mwh"], 1), "absorbed_mwh": round(s["absorbed_mwh"], 1),
        "hours_limited_by": s["hours_limited_by"], "max_outer_iterations": args.max_outer,
        "tolerance_k": args.tolerance_k,
        "target": "8760 hours in < 60 s on 2 cores",
    }
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        for k, v in figures.items():
            print(f"{k:24s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
