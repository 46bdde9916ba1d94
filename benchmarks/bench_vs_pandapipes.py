"""Native solver vs pandapipes on synthetic networks of growing size, in the same run.

    python benchmarks/bench_vs_pandapipes.py [--sizes 100 1000 5000 20000]
                                             [--topology radial meshed] [--pp-max-size 5000]

For every size and topology: ``p2h_hydraulics.synthetic.make_network(n, topology, seed)``
(one plant, consumers with return-temperature control; ``--seed``, default 0; meshed: loop
closures on ≈ 6 % of the trenches), then

- the plant is switched from critical-point control to a fixed **lift** equal to the
  critical-point lift the native solver finds (one untimed native solve), so both solvers do the
  same work: pandapipes has no critical-point control, its emulation needs a second pipeflow;
- native: ``solve(net)`` = compile + solve, best of ``--repeat``;
- pandapipes: conversion (``to_pandapipes``) and ``pandapipes.pipeflow`` (mode "bidirectional",
  Colebrook, the backend's tolerances, and its damped retry when the first run cycles) timed
  separately, best of ``--pp-repeat``, each pipeflow on a fresh copy of the converted net
  (a cold start: pandapipes starts from the results stored in the net); the backend's
  full ``solve(net, backend="pandapipes")`` (conversion + pipeflow + result tables) is timed
  once and used for the agreement figures;
- agreement: max |Δp| [bar] over junctions, max relative Δṁ over consumers, max |ΔT| [K] over
  junctions and over consumer supply/return temperatures, and the 99th percentile of the
  consumers' supply-temperature differences.

``--source pandapipes``: the networks are built with pandapipes itself
(``pandapipes_grid.make_pandapipes_grid``: street grids, meshed or radial, heat consumers with
a return temperature or a temperature difference, a plant and a mass-flow feed-in); the native
solver gets ``from_pandapipes`` of each (conversion untimed), pandapipes a fresh copy of the
net per pipeflow; agreement against the backend as above, plus ``max_dm_rel_direct`` (consumer
flows against the direct pipeflow of the built net).

Sizes above ``--pp-max-size`` skip pandapipes (it needs minutes there); ``--no-pandapipes``
skips it everywhere. Each row carries the 1-minute load average at its start (the machine may
be shared: compare ratios within one run). Prints one table; ``--csv PATH`` also writes it.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd

from p2h_hydraulics import ConvergenceError, solve
from p2h_hydraulics.synthetic import make_network

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pandapipes_grid import make_pandapipes_grid  # noqa: E402


def best_of(fn, repeat: int, setup=None):
    """(best wall time [s], last return value) of ``repeat`` calls; ``setup()`` (untimed)
    makes the argument of each call (a fresh copy of a pandapipes net: pandapipes starts
    from the last results stored in the net it is given)."""
    best, out = np.inf, None
    for _ in range(max(1, repeat)):
        arg = setup() if setup is not None else None
        t0 = time.perf_counter()
        out = fn(arg) if setup is not None else fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def with_fixed_lift(net):
    """The network with its plants on control 'lift' at the native critical-point lift."""
    r = solve(net)
    plants = net.plants.copy()
    plants["control"] = "lift"
    plants["lift_pa"] = r.plant["head_pa"].reindex(plants.index).to_numpy()
    return net.replace(plants=plants), float(r.plant["head_pa"].max())


def agreement(rn, rp) -> dict:
    c_n, c_p = rn.consumers, rp.consumers
    t_c = max(float(np.max(np.abs(c_p["t_supply_k"] - c_n["t_supply_k"]))),
              float(np.max(np.abs(c_p["t_return_k"] - c_n["t_return_k"]))))
    return {
        "max_dp_bar": float(np.max(np.abs(rp.junctions["p_pa"] - rn.junctions["p_pa"]))) / 1e5,
        "max_dm_rel": float(np.max(np.abs(c_p["mdot_kg_s"] / c_n["mdot_kg_s"] - 1))),
        "max_dT_junction_k": float(np.max(np.abs(rp.junctions["t_k"] - rn.junctions["t_k"]))),
        "max_dT_consumer_k": t_c,
        "p99_dT_consumer_k": float(np.quantile(np.abs(c_p["t_supply_k"] - c_n["t_supply_k"]),
                                               0.99)),
    }


def run_pandapipes_built(n: int, topology: str, args) -> dict:
    """A network built with pandapipes (``pandapipes_grid.py``): pandapipes' pipeflow on a
    fresh copy of that net, native ``solve`` on ``from_pandapipes`` of it (conversion counted
    for neither); agreement against the pandapipes backend and, for consumer flows, against
    the direct pipeflow."""

    from p2h_hydraulics.io.pandapipes_io import from_pandapipes
    from p2h_hydraulics.solver.pandapipes_backend import PIPEFLOW_DEFAULTS, run_pipeflow

    row: dict = {"source": "pandapipes" + (" flat" if args.flat else ""), "consumers": n,
                 "topology": topology, "seed": args.seed, "load_1min": os.getloadavg()[0]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ppnet = make_pandapipes_grid(n, meshed=topology == "meshed", seed=args.seed,
                                     hills=not args.flat)
        net = from_pandapipes(ppnet)
    row["junctions"] = len(net.junctions)
    row["pipes"] = len(net.pipes)
    try:
        row["native_s"], rn = best_of(lambda: solve(net), args.repeat)
    except ConvergenceError as exc:
        row["note"] = f"native did not converge: {exc}"[:120]
        return row
    row["native_outer"] = rn.convergence.iterations
    if args.no_pandapipes or n > args.pp_max_size:
        row["note"] = "pandapipes skipped (size above --pp-max-size)"
        return row
    opts = {**PIPEFLOW_DEFAULTS, "mode": "bidirectional"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            row["pp_pipeflow_s"], iters = best_of(
                lambda net_: run_pipeflow(net_, opts), args.pp_repeat,
                setup=lambda: copy.deepcopy(ppnet))
            row["pp_iterations"] = iters
            direct = copy.deepcopy(ppnet)
            run_pipeflow(direct, opts)
            rp = solve(net, backend="pandapipes")
        except Exception as exc:  # report, keep benchmarking the other cases
            row["note"] = f"pandapipes failed: {type(exc).__name__}: {exc}"[:120]
            return row
    row["pp_total_s"] = row["pp_pipeflow_s"]
    row["ratio_pp_pipeflow_to_native"] = row["pp_pipeflow_s"] / row["native_s"]
    row.update(agreement(rn, rp))
    m_direct = direct.res_heat_consumer["mdot_from_kg_per_s"].to_numpy()
    m_native = rn.consumers["mdot_kg_s"].reindex(direct.heat_consumer["name"]).to_numpy()
    row["max_dm_rel_direct"] = float(np.max(np.abs(m_direct / m_native - 1)))
    return row


def run_case(n: int, topology: str, args) -> dict:
    if args.source == "pandapipes":
        return run_pandapipes_built(n, topology, args)
    row: dict = {"source": "synthetic", "consumers": n, "topology": topology,
                 "seed": args.seed, "load_1min": os.getloadavg()[0]}
    net = make_network(n, topology=topology, seed=args.seed)
    row["junctions"] = len(net.junctions)
    row["pipes"] = len(net.pipes)
    try:
        net, lift = with_fixed_lift(net)
    except ConvergenceError as exc:
        row["note"] = f"native (critical point) did not converge: {exc}"[:120]
        return row
    row["lift_bar"] = lift / 1e5
    try:
        row["native_s"], rn = best_of(lambda: solve(net), args.repeat)
    except ConvergenceError as exc:
        row["note"] = f"native did not converge: {exc}"[:120]
        return row
    if args.no_pandapipes or n > args.pp_max_size:
        row["note"] = "pandapipes skipped (size above --pp-max-size)"
        return row
    from p2h_hydraulics.io.pandapipes_io import to_pandapipes
    from p2h_hydraulics.solver.pandapipes_backend import PIPEFLOW_DEFAULTS, run_pipeflow

    opts = {**PIPEFLOW_DEFAULTS, "mode": "bidirectional",
            "ambient_temperature": float(net.t_soil_k)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row["pp_convert_s"], ppnet = best_of(lambda: to_pandapipes(net), args.pp_repeat)
        try:
            row["pp_pipeflow_s"], iters = best_of(lambda net_: run_pipeflow(net_, opts),
                                                  args.pp_repeat,
                                                  setup=lambda: copy.deepcopy(ppnet))
            row["pp_iterations"] = iters
            t0 = time.perf_counter()
            rp = solve(net, backend="pandapipes")
            row["pp_backend_s"] = time.perf_counter() - t0
        except Exception as exc:  # report, keep benchmarking the other cases
            row["note"] = f"pandapipes failed: {type(exc).__name__}: {exc}"[:120]
            return row
    row["pp_total_s"] = row["pp_convert_s"] + row["pp_pipeflow_s"]
    row["ratio_pp_total_to_native"] = row["pp_total_s"] / row["native_s"]
    row["ratio_pp_pipeflow_to_native"] = row["pp_pipeflow_s"] / row["native_s"]
    row.update(agreement(rn, rp))
    return row


def warm_up(args) -> None:
    """Import and exercise both solvers once on a tiny network, so that no timing below pays
    for imports (pandapipes takes seconds to import) or first-call set-up."""
    net, _ = with_fixed_lift(make_network(5, seed=1))
    solve(net)
    if not args.no_pandapipes:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            solve(net, backend="pandapipes")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000, 20000])
    ap.add_argument("--topology", nargs="+", default=["radial", "meshed"],
                    choices=["radial", "meshed"])
    ap.add_argument("--seed", type=int, default=0, help="seed of the synthetic networks")
    ap.add_argument("--source", default="synthetic", choices=["synthetic", "pandapipes"],
                    help="networks from p2h_hydraulics.synthetic, or built with pandapipes "
                         "(pandapipes_grid.py: street grids, ΔT- and return-controlled "
                         "consumers, a feed-in)")
    ap.add_argument("--flat", action="store_true",
                    help="--source pandapipes: flat ground instead of three gentle hills")
    ap.add_argument("--repeat", type=int, default=3, help="native timings: best of N")
    ap.add_argument("--pp-repeat", type=int, default=1, help="pandapipes timings: best of N")
    ap.add_argument("--pp-max-size", type=int, default=20000,
                    help="skip pandapipes above this many consumers")
    ap.add_argument("--no-pandapipes", action="store_true")
    ap.add_argument("--csv", help="also write the table to this CSV file")
    args = ap.parse_args(argv)
    warm_up(args)
    rows = []
    for topology in args.topology:
        for n in args.sizes:
            row = run_case(n, topology, args)
            rows.append(row)
            print(f"done: {topology} {n}", {k: (round(v, 3) if isinstance(v, float) else v)
                                            for k, v in row.items()}, file=sys.stderr,
                  flush=True)
    table = pd.DataFrame(rows)
    cols = ["source", "topology", "consumers", "seed", "load_1min", "junctions", "native_s",
            "native_outer",
            "pp_convert_s", "pp_pipeflow_s", "pp_total_s", "pp_backend_s",
            "ratio_pp_total_to_native",
            "ratio_pp_pipeflow_to_native", "pp_iterations", "max_dp_bar", "max_dm_rel",
            "max_dT_junction_k", "max_dT_consumer_k", "p99_dT_consumer_k", "max_dm_rel_direct",
            "note"]
    table = table[[c for c in cols if c in table.columns]]
    if args.source == "synthetic":
        print("plant control: fixed lift (= the native critical-point lift) for both solvers")
    with pd.option_context("display.width", 250, "display.max_columns", 30,
                           "display.float_format", "{:.4g}".format):
        print(table.to_string(index=False))
    if args.csv:
        table.to_csv(args.csv, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
