"""Benchmark of the temperature pathway (``p2h pathway``) without ``--annual``.

The shipped scenario ``scenarios/pathway_3g_to_4g.yaml`` (Norderstedt-like 3G network: 220
consumers, 982 junctions, 24 loops; three load cases; a 1 MW P2H module), ten supply levels
81 → 63 °C in 2 K steps: 10 levels × 3 load cases × 2 solves (without and with the feed-in).
Prints the total time, seconds per level and the plain-words answer.

    python benchmarks/bench_pathway.py                          # substation returns (default)
    python benchmarks/bench_pathway.py --return-model constant_dt

Target: < 30 s on 2 cores (a benchmark, not a test).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--return-model", default="substation",
                    choices=("substation", "constant_dt", "fixed"))
    ap.add_argument("--levels", type=int, default=10, help="number of 2 K steps from 81 °C")
    args = ap.parse_args()

    import p2h_hydraulics as p2h

    levels = [81 - 2 * i for i in range(args.levels)]
    t0 = time.perf_counter()
    pw = p2h.temperature_pathway(ROOT / "scenarios" / "pathway_3g_to_4g.yaml", supply=levels,
                                 return_model=args.return_model)
    dt = time.perf_counter() - t0
    print(f"pathway {levels[0]} → {levels[-1]} °C, {len(levels)} levels × 3 load cases, "
          f"{args.return_model} returns: {dt:.1f} s ({dt / len(levels):.2f} s per level)")
    print(pw.answer())


if __name__ == "__main__":
    main()
