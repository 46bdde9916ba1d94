"""``compare_sites``: the orchestration of the site comparison (see the package docstring).

Three stages, data flowing one way: setup in every worker (``worker``), the screen of every
candidate (``screen``), the refinement by full solves (``search``): ``refine="all"`` by
default, the ``refine`` best-screened nodes, or ``refine="auto"``: in screened order, in
rounds, until no node left unsolved can exceed the ``best``-th capacity found by full solves
even if its screened estimate is too low by the screen's error allowance (``auto_round``).
Nodes not refined get no capacity (``method == "screened"``, capacity NaN: every capacity
reported comes from full solves; the estimate is in ``screen_kw``).

Work is split into chunks of candidate nodes on any ``concurrent.futures.Executor``
(``executors.make_executor``: process pool by default, Dask for clusters); each worker loads
and compiles the network itself from the scenario (sent as a picklable ``Scenario`` whose
network is re-read from its file). Results do not depend on the executor or on the chunking."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..evaluation import apply_load_case, required_supply_c, validate_units
from ..executors import chunked, default_workers, executor_kind, executor_scope, run_chunks
from ..findings import NOT_PERMITTED
from ..model.graph import active
from ..scenario import Scenario, load_scenario
from ..unit import P2HUnit, design_feedin
from .candidates import candidate_pairs, placed, select_candidates
from .result import SitesResult, rank_table
from .screen import screen_case
from .search import refine_node
from .worker import Spec, drop_setup, light_scenario, setup_for

# refine="auto": the screen's error allowance — a node is left unrefined only when its
# screened estimate times the allowance cannot beat the ``best``-th capacity found by full
# solves; the allowance is the largest ratio full-solve capacity / screened estimate seen on
# the refined nodes times ``_AUTO_SAFETY``, at least ``_AUTO_MIN_FACTOR``. Measured on the
# 1,000-consumer benchmark network with every node solved: the screen underestimates 54 of
# 2,237 nodes by more than 1.5×, at worst 2.32× (velocity limits of meshed pipes: the
# Jacobian at the base flows sends too much of the feed-in into pipes that carry little)
_AUTO_MIN_FACTOR = 2.5
_AUTO_SAFETY = 1.25

# default capacity tolerance (``default_tolerance_w``): a share of the smaller of the search
# limit and the network's total design load, with an absolute floor; relative tolerance
DEFAULT_TOL_SHARE = 0.005
DEFAULT_TOL_FLOOR_W = 100.0
DEFAULT_TOL_REL = 0.01


def default_tolerance_w(net, q_max_w: float) -> float:
    """The default absolute capacity tolerance of the site search [W].

    ``DEFAULT_TOL_SHARE`` (0.5 %) of ``min(q_max, total design load)``, at least
    ``DEFAULT_TOL_FLOOR_W`` (0.1 kW): relative to the unit (its search limit) and to the
    network (the heat its consumers can take), so a small network is resolved as finely as
    a large one. The design load is the sum of the active consumers' ``q_w`` (consumers
    without one are left out); without any, the search limit alone.

    Parameters
    ----------
    net : Network
        The network (before any load case).
    q_max_w : float
        Search limit [W].

    Returns
    -------
    float
        Tolerance [W].
    """
    c = active(net.consumers)
    load = float(np.nansum(c["q_w"].to_numpy(dtype=float))) if len(c) else 0.0
    scale = min(q_max_w, load) if load > 0 else q_max_w
    return max(DEFAULT_TOL_FLOOR_W, DEFAULT_TOL_SHARE * scale)

def _screen_task(nodes: list[str], spec: Spec) -> dict:
    """Worker: screened capacity, binding code and load-case order per node."""
    setup = setup_for(spec)
    t0 = time.perf_counter()
    out = {}
    if setup.globally_infeasible:
        for n in nodes:
            out[n] = {"q_w": 0.0, "code": setup.global_findings[0].code if
                      setup.global_findings else None, "case": None, "head_bar": math.nan,
                      "order": list(range(len(setup.cases)))}
        return {"nodes": out, "screen_s": time.perf_counter() - t0}
    per_case = [screen_case(setup, i, nodes) for i in range(len(setup.cases))]
    qs = np.array([pc[0] for pc in per_case])  # cases x nodes
    for j, n in enumerate(nodes):
        order = [int(i) for i in np.argsort(qs[:, j], kind="stable")]
        i0 = order[0]
        out[n] = {"q_w": float(qs[i0, j]), "code": per_case[i0][1][j],
                  "case": setup.cases[i0].name if per_case[i0][1][j] else None,
                  "head_bar": float(np.nanmax([pc[2][j] for pc in per_case]))
                  if len(per_case) else math.nan, "order": order}
    return {"nodes": out, "screen_s": time.perf_counter() - t0}


def _refine_task(items: list[tuple[str, dict]], spec: Spec) -> list[dict]:
    """Worker: full-solve capacity of each (node, screen seed)."""
    setup = setup_for(spec)
    rows = []
    for node, seed in items:
        if setup.globally_infeasible:
            f = setup.global_findings[0] if setup.global_findings else None
            rows.append({"node": node, "capacity_kw": 0.0, "method": "solved", "n_solves": 0,
                         "solve_s": 0.0, "solve_cpu_s": 0.0, "n_trials": 0,
                         "verdict": NOT_PERMITTED,
                         "limited_by": f.code if f else None,
                         "load_case": f.load_case if f else None,
                         "element": f.element if f else None,
                         "message": f.message if f else "", "first_infeasible_kw": 0.0,
                         **setup.base_figures(node)})
            continue
        rows.append(refine_node(setup, node, seed))
    return rows


def _setup_task(_chunk, spec: Spec) -> dict:
    """Worker: build this process's setup; its base solves are counted once per process."""
    s = setup_for(spec)
    with s._lock:
        first, s.reported = not s.reported, True
    k = 1.0 if first else 0.0
    return {"n_solves": int(k * s.n_solves), "solve_s": k * s.solve_s,
            "solve_cpu_s": k * s.solve_cpu_s, "setup_s": s.setup_s,
            "global_findings": s.global_findings}


# ------------------------------------------------------------------------------------------
# the API


def compare_sites(scenario, candidates=None, q_max_kw: float | None = None,
                  tol_kw: float | None = None, executor=None,
                  progress: Callable | None = None, *, tol_rel: float | None = None,
                  allow_conditions: bool = True, refine="all",
                  confirm: bool = False, unit: P2HUnit | dict | None = None,
                  workers: int | None = None, chunk_size: int | None = None,
                  best: int = 10) -> SitesResult:
    """Largest permitted P2H heat output at every candidate node (see the package docstring).

    Parameters
    ----------
    scenario : Scenario or path-like
        The scenario; its first unit is the template moved to every node.
    candidates : None, str, list of str or callable
        None (every candidate node), ids or glob patterns (a list or one comma-separated
        string, e.g. ``"M1,S*"``) or a predicate ``f(node_id) -> bool``.
    q_max_kw : float, optional
        Search limit [kW] (default: the template unit's heat output).
    tol_kw : float, optional
        Absolute capacity tolerance [kW]. Default (``default_tolerance_w``): 0.5 % of the
        smaller of the search limit and the network's total design load (its consumers' heat
        demand), at least 0.1 kW — so a 500 kW network is resolved to 2.5 kW and a
        100 MW network with a 3 MW unit to 15 kW.
    tol_rel : float, optional
        Relative capacity tolerance (default 0.01). The search stops when the bracket is
        within ``max(tol_kw, tol_rel·q)``; a node whose capacity is below ``tol_kw`` (or
        the search limit, if smaller) reports 0 kW.
    executor : Executor or str, optional
        A ``concurrent.futures.Executor`` or a kind for ``executors.make_executor``
        ("process", "thread", "serial", "dask"; default: a process pool of ``workers``,
        serial for ``workers=1``).
    progress : callable, optional
        ``progress(done, total, stage)`` as chunks finish (stage "setup" | "screen" |
        "refine").
    allow_conditions : bool
        PERMITTED WITH CONDITIONS counts as permitted.
    refine : "all", "auto" or int
        Nodes refined by full solves: all, a number of best-screened nodes (0: screen only),
        or "auto" (every node that can still be among the ``best``, see ``auto_round``).
    confirm : bool
        Re-check each refined capacity with ``check_integration``.
    unit : P2HUnit or dict, optional
        Another template than the scenario's first unit.
    workers : int, optional
        Worker processes of the default executor.
    chunk_size : int, optional
        Nodes per task (default: balanced over the workers).
    best : int
        ``refine="auto"``: how many of the best nodes must be settled by full solves.

    Returns
    -------
    SitesResult
        The ranked table (one row per node, best first) and the run's metadata.

    Examples
    --------
    >>> import p2h_hydraulics as p2h
    >>> sites = p2h.compare_sites("scenarios/annual_3g.yaml", candidates="S1,S2,S3",
    ...                           refine=2, workers=1)
    >>> sites.table["method"].value_counts().to_dict()
    {'solved': 2, 'screened': 1}
    """
    t_start = time.perf_counter()
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    net = scen.load_network()
    template = _template(scen, unit)
    pairs = candidate_pairs(net)
    nodes = select_candidates(net, candidates, pairs)
    validate_units(net, [placed(template, nodes[0], pairs[nodes[0]])])
    q_max_w = _q_max_w(scen, net, template, q_max_kw)
    tol_w = default_tolerance_w(net, q_max_w) if tol_kw is None else float(tol_kw) * 1e3
    tol_rel = DEFAULT_TOL_REL if tol_rel is None else float(tol_rel)
    if not (tol_w > 0 and math.isfinite(tol_w)) or not 0 <= tol_rel < 1:
        raise ScenarioError(f"tol_kw must be > 0 and tol_rel in [0, 1), got tol_kw="
                            f"{tol_w / 1e3!r}, tol_rel={tol_rel!r}")
    auto = isinstance(refine, str) and refine == "auto"
    if auto and not (isinstance(best, int | np.integer) and best >= 1):
        raise ScenarioError(f"best must be a whole number ≥ 1, got {best!r}")
    n_refine = 0 if auto else _n_refine(refine, len(nodes))
    with executor_scope(executor, workers=workers) as ex:
        kind = executor_kind(ex)
        # in-process executors share the network already read; others read it themselves
        spec = Spec(uuid.uuid4().hex,
                     scen if kind in ("serial", "thread") else light_scenario(scen),
                     template, q_max_w, tol_w, tol_rel,
                     bool(allow_conditions), bool(confirm))
        n_workers = 1 if kind == "serial" else max(1, int(
            getattr(ex, "_max_workers", None) or getattr(ex, "n_workers", None)
            or workers or default_workers()))
        tick = _Progress(progress)
        # setup (base solves) in every worker up front, so screening chunks are balanced
        tick.stage("setup", n_workers)
        setups = run_chunks(ex, _setup_task, [[i] for i in range(n_workers)], spec,
                            progress=tick)
        tick.stage("screen", len(nodes))
        size = chunk_size or max(8, min(256, -(-len(nodes) // (2 * n_workers))))
        t_screen = time.perf_counter()
        screened = {}
        screen_s = 0.0
        for part in run_chunks(ex, _screen_task, chunked(nodes, size=size), spec,
                               progress=tick):
            screened.update(part["nodes"])
            screen_s += part["screen_s"]
        t_screen = time.perf_counter() - t_screen
        ranked = sorted(nodes, key=lambda n: (-screened[n]["q_w"], _nan_last(
            screened[n]["head_bar"]), n))  # as the table ranks: capacity, then pump head
        t_refine = time.perf_counter()
        refined, auto_stats = _refine_nodes(ex, spec, ranked, screened, tick, n_workers,
                                            chunk_size, best if auto else None, n_refine)
        t_refine = time.perf_counter() - t_refine
    drop_setup(spec.key)  # in-process executors: free the base cases of this run
    xy = net.junctions
    rows = []
    for n in nodes:
        sc = screened[n]
        row = refined.get(n) or _screened_row(n, sc)
        row.update(screen_kw=sc["q_w"] / 1e3, screen_limited_by=sc["code"] or "q_max",
                   x_m=float(xy.at[pairs[n][0], "x_m"]),
                   y_m=float(xy.at[pairs[n][0], "y_m"]))
        rows.append(row)
    table = rank_table(rows)
    stats = _stats(table, setups, len(nodes), len(refined), kind, n_workers)
    stats.update(screen_wall_s=t_screen, screen_cpu_s=screen_s, refine_wall_s=t_refine,
                 total_s=time.perf_counter() - t_start, refine_mode=str(refine), **auto_stats)
    table = table.drop(columns=[c for c in ("solve_s", "solve_cpu_s", "n_trials")
                                if c in table.columns])
    glob = setups[0]["global_findings"] if setups else []
    return SitesResult(table=table, scenario=scen.name, unit=template.model_dump(),
                       q_max_kw=q_max_w / 1e3, tol_kw=tol_w / 1e3, tol_rel=tol_rel,
                       allow_conditions=bool(allow_conditions),
                       load_cases=[lc.name for lc in scen.load_cases],
                       global_findings=glob, stats=stats)


def _stats(table, setups, n_nodes, n_refined, kind, n_workers) -> dict:
    """Solve counts and times (wall and CPU, measured inside the workers)."""
    n_trials = int(table["n_solves"].fillna(0).sum())
    n_solves = n_trials + sum(s["n_solves"] for s in setups)

    def total(col):
        trials = (pd.to_numeric(table[col], errors="coerce").fillna(0).sum()
                  if col in table.columns else 0.0)
        return float(trials + sum(s[col] for s in setups))

    wall, cpu = total("solve_s"), total("solve_cpu_s")
    return {"candidates": n_nodes, "refined": n_refined, "executor": kind,
            "workers": n_workers, "n_solves": n_solves, "n_trial_solves": n_trials,
            "solve_s": wall, "per_solve_s": wall / n_solves if n_solves else math.nan,
            "solve_cpu_s": cpu, "per_solve_cpu_s": cpu / n_solves if n_solves else math.nan,
            "setup_s": max((s["setup_s"] for s in setups), default=0.0)}


def _refine_nodes(ex, spec: Spec, ranked: list[str], screened: dict, tick, n_workers: int,
                  chunk_size: int | None, best: int | None, n_refine: int):
    """Full-solve rows {node: row} of the ``n_refine`` best-screened nodes, or with ``best``
    (``refine="auto"``) in rounds until ``auto_round`` leaves no node; and the auto stats."""
    refined: dict = {}
    stats: dict = {}
    rounds = 0
    batch = ranked[:best] if best is not None else ranked[:n_refine]
    tick.stage("refine", len(batch))
    while batch:
        rounds += 1
        size = chunk_size or max(1, min(16, -(-len(batch) // (4 * n_workers))))
        for part in run_chunks(ex, _refine_task,
                               chunked([(n, screened[n]) for n in batch], size=size), spec,
                               progress=tick):
            refined.update({r["node"]: r for r in part})
        if best is None:
            break
        todo, stats = auto_round(ranked, screened, refined, best, spec.q_max_w, spec.tol_w)
        stats["refine_rounds"] = rounds
        # in rounds of a few nodes per worker: the bound tightens as capacities come in
        batch = todo[:max(best, 8 * n_workers)]
        tick.grow(len(batch))
    return refined, stats


def auto_round(ranked: list[str], screened: dict, refined: dict, best: int, q_max_w: float,
                tol_w: float) -> tuple[list[str], dict]:
    """The nodes ``refine="auto"`` still has to solve (ranked order) and the figures behind.

    Done when it returns no node: every node left unrefined has a screened estimate ``e``
    (at least the capacity tolerance ``tol_w``: the screen's resolution) with
    ``min(e · allowance, q_max) ≤ c_best``, the ``best``-th largest capacity found by full
    solves, so no unrefined node can exceed it unless the screen is off by more than the
    allowance; nodes whose bound reaches ``c_best`` could tie with it (counted in
    ``unsolved_possible_ties``: at the search limit q_max every such node can).
    The allowance is the largest ratio capacity / screened estimate of the refined nodes times
    ``_AUTO_SAFETY``, at least ``_AUTO_MIN_FACTOR``: the screen is linear and ignores thermal
    limits, so it mostly overestimates, but flow spreading to parallel paths makes it
    underestimate some nodes.

    Parameters
    ----------
    ranked : list of str
        Nodes in screened order.
    screened : dict
        Screen result per node (``q_w`` …).
    refined : dict
        Full-solve rows of the nodes refined so far.
    best : int
        How many of the best nodes must be settled.
    q_max_w : float
        Search limit [W].
    tol_w : float
        Capacity tolerance [W].

    Returns
    -------
    tuple
        (nodes still to solve, figures: ``best``, ``screen_allowance``,
        ``best_capacity_kw``, ``unsolved_possible_ties``).
    """
    caps = sorted((r["capacity_kw"] * 1e3 for r in refined.values()), reverse=True)
    ratios = [r["capacity_kw"] * 1e3 / max(screened[n]["q_w"], tol_w)
              for n, r in refined.items()]
    allowance = max(_AUTO_MIN_FACTOR, _AUTO_SAFETY * max(ratios, default=0.0))
    c_best = caps[best - 1] if len(caps) >= best else -math.inf
    bound = {n: min(max(screened[n]["q_w"], tol_w) * allowance, q_max_w)
             for n in ranked if n not in refined}
    todo = [n for n, b in bound.items() if b > c_best]
    return todo, {"best": best, "screen_allowance": allowance,
                  "best_capacity_kw": c_best / 1e3 if math.isfinite(c_best) else 0.0,
                  "unsolved_possible_ties": sum(b >= c_best for b in bound.values())}


def _nan_last(x: float) -> float:
    return x if math.isfinite(x) else math.inf


def _screened_row(node: str, sc: dict) -> dict:
    """A node not refined: no capacity (capacities come from full solves only), the screen's
    estimate in ``screen_kw`` and its criterion."""
    return {"node": node, "capacity_kw": math.nan, "method": "screened",
            "limited_by": sc["code"] or "q_max", "load_case": sc["case"], "element": None,
            "message": "not solved: linear screening estimate only (screen_kw), no capacity",
            "first_infeasible_kw": math.nan, "pump_head_bar": sc["head_bar"],
            "heat_pump": None, "cop": math.nan, "p_el_kw": math.nan, "t_return_c": math.nan,
            "verdict": None, "n_solves": 0}


class _Progress:
    def __init__(self, cb):
        self.cb, self.name, self.total, self.done = cb, "", 0, 0

    def stage(self, name, total):
        self.name, self.total, self.done = name, total, 0
        if self.cb is not None:
            self.cb(0, total, name)

    def grow(self, more: int) -> None:
        """More work in the current stage (``refine="auto"`` adds rounds)."""
        if more:
            self.total += more
            if self.cb is not None:
                self.cb(self.done, self.total, self.name)

    def __call__(self, n):
        self.done += n
        if self.cb is not None:
            self.cb(self.done, self.total, self.name)


def _template(scen, unit) -> P2HUnit:
    if unit is None:
        u = scen.units[0]
    elif isinstance(unit, P2HUnit):
        u = unit
    else:
        u = P2HUnit.model_validate(unit)
    th = scen.thresholds
    if th.cop_min is not None:
        u = u.model_copy(update={"heat_pump": u.heat_pump.model_copy(
            update={"cop_min": th.cop_min})})
    return u


def _q_max_w(scen, net, template: P2HUnit, q_max_kw) -> float:
    if q_max_kw is not None:
        if not (float(q_max_kw) > 0 and math.isfinite(float(q_max_kw))):
            raise ScenarioError(f"q_max_kw must be a positive number, got {q_max_kw!r}")
        return float(q_max_kw) * 1e3
    if template.q_kw is not None:
        return float(template.q_kw) * 1e3
    lc = scen.load_cases[0]
    req = required_supply_c(apply_load_case(net, lc, scen.plant))
    return float(design_feedin(template, req, None).q_out_w)


def _n_refine(refine, n: int) -> int:
    if refine is None or refine is True or (isinstance(refine, str) and refine == "all"):
        return n
    if refine is False:
        return 0
    try:
        k = int(refine)
    except (TypeError, ValueError):
        raise ScenarioError(f"refine must be 'all', 'auto' or a number of nodes, got "
                            f"{refine!r}") from None
    if k < 0:
        raise ScenarioError(f"refine must be ≥ 0, got {k}")
    return min(k, n)

