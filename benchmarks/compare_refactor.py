"""Identical-output check of the site ranking and the annual year across two code versions.

Runs the shipped benchmark setups (``bench_sites.py``: the 1,000-consumer meshed 3G network,
every trench node a candidate, ``refine="auto"``; ``bench_annual.py``: the 500-consumer meshed
4G network with a 2 MW unit, evenly spread sample hours) and writes their tables as CSV
(``sites.csv``, ``annual.csv``; floats written with round-trip precision). With ``--compare``
the tables just computed are compared cell by cell with those in the reference folder: exit 0
when every table is identical, 1 otherwise (the differing columns are printed).

    python benchmarks/compare_refactor.py --write REF_DIR            # on the reference code
    python benchmarks/compare_refactor.py --compare REF_DIR [--out DIR]

Only the public entry points are used (``p2h_hydraulics.compare_sites``, ``P2HUnit``,
``annual.run.prepare`` / ``run_annual``), so the same script runs on both versions.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

# columns that measure the run (wall/CPU time), not its outcome
_TIMING = ("seconds", "_s_wall", "wall_s", "cpu_s")


def sites_table(n_consumers: int, workers: int, refine) -> pd.DataFrame:
    """Site ranking of the ``bench_sites.py`` setup (meshed 3G network, all trench nodes)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_sites import build_scenario

    from p2h_hydraulics import compare_sites

    with tempfile.TemporaryDirectory() as tmp:
        scen, _ = build_scenario(Path(tmp), n_consumers, 0)
        res = compare_sites(scen, executor="process", workers=workers, refine=refine, best=10)
    return res.table.reset_index()


def annual_table(n_consumers: int, workers: int, sample: int) -> pd.DataFrame:
    """Hourly table of the ``bench_annual.py`` setup (meshed 4G network, 2 MW unit)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_annual import SCENARIO

    from p2h_hydraulics.annual.run import prepare, run_annual
    from p2h_hydraulics.io import save_network
    from p2h_hydraulics.synthetic import make_network

    with tempfile.TemporaryDirectory() as tmp:
        net = make_network(n_consumers, topology="meshed", generation="4g")
        save_network(net, Path(tmp) / "net.json")
        path = Path(tmp) / "scen.yaml"
        path.write_text(SCENARIO.format(topology="meshed", n=n_consumers, q_kw=2000.0,
                                        max_outer=120, tolerance_k=1e-3))
        prep = prepare(path)
        prep = prepare(path, prep.settings.model_copy(update={"sample_hours": sample}))
        res = run_annual(prep, workers=workers)
    return res.hourly.reset_index(drop=True)


def _drop_timing(df: pd.DataFrame) -> pd.DataFrame:
    return df[[c for c in df.columns if not any(t in str(c) for t in _TIMING)]]


def compare(ref: pd.DataFrame, new: pd.DataFrame, name: str) -> bool:
    """Print and return whether two tables are identical (same columns, rows and values)."""
    ref, new = _drop_timing(ref), _drop_timing(new)
    if list(ref.columns) != list(new.columns) or len(ref) != len(new):
        print(f"{name}: DIFFERENT shape/columns: {ref.shape} {list(ref.columns)} vs "
              f"{new.shape} {list(new.columns)}")
        return False
    bad = [c for c in ref.columns if not ref[c].equals(new[c])]
    if bad:
        print(f"{name}: DIFFERENT in {len(bad)} columns: {bad}")
        for c in bad[:5]:
            diff = ref[c] != new[c]
            print(f"  {c}: {int(diff.sum())} rows differ, e.g.\n"
                  f"{pd.concat([ref[c][diff], new[c][diff]], axis=1).head(3)}")
        return False
    print(f"{name}: identical ({len(ref)} rows × {len(ref.columns)} columns)")
    return True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", type=Path, help="write the tables into this folder")
    g.add_argument("--compare", type=Path, help="compare with the tables in this folder")
    ap.add_argument("--out", type=Path, default=None,
                    help="--compare: also write the new tables here")
    ap.add_argument("--site-consumers", type=int, default=1000)
    ap.add_argument("--refine", default="auto")
    ap.add_argument("--annual-consumers", type=int, default=500)
    ap.add_argument("--sample", type=int, default=400, help="annual: evenly spread hours")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    refine = args.refine if args.refine in ("all", "auto") else int(args.refine)

    t0 = time.perf_counter()
    sites = sites_table(args.site_consumers, args.workers, refine)
    t1 = time.perf_counter()
    annual = annual_table(args.annual_consumers, args.workers, args.sample)
    t2 = time.perf_counter()
    print(f"sites {t1 - t0:.1f} s, annual {t2 - t1:.1f} s", file=sys.stderr)
    out = args.write or args.out
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        sites.to_csv(out / "sites.csv", index=False, float_format="%.17g")
        annual.to_csv(out / "annual.csv", index=False, float_format="%.17g")
    if args.write:
        return 0
    ok = True
    for name, new in (("sites", sites), ("annual", annual)):
        ref = pd.read_csv(args.compare / f"{name}.csv")
        with tempfile.TemporaryDirectory() as tmp:  # same CSV round trip as the reference
            new.to_csv(Path(tmp) / "t.csv", index=False, float_format="%.17g")
            new = pd.read_csv(Path(tmp) / "t.csv")
        ok &= compare(ref, new, name)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
