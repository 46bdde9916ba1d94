"""Site comparison (``p2h sites``): how much P2H heat can every candidate node take?

For every candidate node (default: every trench node ``N`` with junctions ``N_s`` and ``N_r``)
``compare_sites`` finds the largest heat output of the scenario's first P2H unit (the
*template*: cooling type, temperatures, pump head, heat-pump stage … moved to that node) that
is still PERMITTED — or PERMITTED WITH CONDITIONS when ``allow_conditions=True`` (default) — in
**every** load case of the scenario, between 0 and ``q_max`` (default: the template's own heat
output), and reports the binding criterion, the pump head, the heat-pump stage and the local
return temperature at that capacity. The result is a ranked table (``SitesResult``).

How (three stages, data flowing one way):

1. **Setup, once per worker process** (cached): every load case's network is compiled once and
   its base case (no feed-in) solved once; its state is the warm start of every trial. Checks
   that do not depend on the node (heat-pump COP, outlet temperature, base-case Δp and
   convergence) are judged once: if they fail, every node gets capacity 0 without a solve.
2. **Screen, every candidate** (no nonlinear solve): the hydraulic Jacobian of each base case
   (the Schur complement of the global-gradient system, one sparse LU per load case) gives the
   linear response of all pressures, branch flows and plant flows to a feed-in at each node —
   one sparse solve per node; the critical-point control (the lift that keeps the worst
   consumer at Δp_min) is applied exactly on the linear model. The decisive hydraulic criteria
   (feed-in pump head, plant minimum flow, PN rating, minimum pressure, velocity, consumer Δp;
   local return temperature from the base case) are evaluated on that model by bracketing and
   bisection, vectorised over the nodes. This ranks the nodes and seeds the next stage; it
   ignores thermal effects and the quadratic growth of friction losses, so it is an estimate.
3. **Refine** (``refine="all"`` by default, the ``refine`` best-screened nodes, or
   ``refine="auto"``: in screened order, in rounds, until no node left unsolved can exceed the
   ``best``-th capacity found by full solves even if its screened estimate is too low by the
   screen's error allowance — ``_auto_round``): bracketing
   from the screened estimate, then regula falsi on the margin of the criterion binding at the
   upper end (bisection when no margin is known or two estimates missed) to ``max(tol_kw,
   tol_rel·q)`` on the verdict of full nonlinear solves: the feed-in table of the compiled load
   case is swapped (``Compiled.with_feedins``) and ``solve_compiled`` warm-starts from the
   nearest earlier trial of the node (else the base state); the verdict comes from the checker's
   **own registry** of check functions run on ``checks.CaseContext`` objects built here, so a
   trial judges exactly what ``check_integration`` judges. A trial stops at its first failing
   load case (the one that failed last for this node is tried first). The reported capacity is
   the largest capacity a trial found permitted; ``confirm=True`` re-runs ``check_integration``
   on it. Nodes not refined get no capacity (``method == "screened"``, capacity NaN: every
   capacity reported comes from full solves; the estimate is in ``screen_kw``). While
   bracketing, the next probe aims just across where the margins of the last two trials
   reach zero (the first trial's worst pipe velocity is paired with its value without the
   feed-in; after a probe that fell short the step at least doubles; without an estimate
   and with a limit found by the screen, the second probe tries to close the bracket). The
   first trial is judged in every load case; the trials on the way in the load case that
   binds first only, the capacity found then in the others — if one of them refuses it,
   the search continues below, judging every trial in every case. A run of passes below the
   same upper end switches regula falsi to bisection. Every node is searched on its own
   (trials warm-start from its own trials or the base case), so its result does not depend
   on which other nodes are refined: where a near-stagnant loop has two steady states, the
   state a trial lands in follows its warm start.

The binding criterion is the decisive finding of the smallest capacity found NOT permitted
(of the load cases that trial evaluated). The search assumes the verdict turns from permitted to
not permitted once as the capacity grows; where it does not, bisection finds one crossing.

Work is split into chunks of candidate nodes on any ``concurrent.futures.Executor``
(``executors.make_executor``: process pool by default, Dask for clusters); each worker loads and
compiles the network itself from the scenario (sent as a picklable ``Scenario`` whose network
is re-read from its file). Results do not depend on the executor or on the chunking.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import math
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .bracket import next_probe, zero_crossing
from .checks import (
    REGISTRY,
    WARNING_ONLY,
    CaseContext,
    Thresholds,
    _design_flows,
    _pipe_vmax,
    _required_supply_c,
    priorities,
    validate_units,
)
from .errors import ConvergenceError, ScenarioError
from .model.trench import RETURN_SUFFIX, SUPPLY_SUFFIX
from .report import NOT_PERMITTED, PERMITTED, PERMITTED_WITH_CONDITIONS, decide, sort_findings
from .solver.native import SolverOptions, predict_state
from .unit import P2HUnit, design_feedin, feedin_table, pump_head_needed_pa, to_feedin_rows
from .units import BAR, ZERO_CELSIUS_K

# Trial solves are warm-started next to a solved state and settle in well under 100 outer
# iterations when they settle at all; one that has not settled by then counts as not converged
# (so not permitted) at that capacity instead of burning the default 300 iterations.
TRIAL_OPTIONS = SolverOptions(max_outer=100)

__all__ = ["compare_sites", "SitesResult", "trench_nodes", "candidate_pairs", "select_candidates"]

# checks judged once for all nodes (their findings of the base case or of the unit's design)
_GLOBAL_CASES = ("design", "base")
_NODE_CODES = ("feedin_return_temperature",)
_SCREEN_GRID = 10  # geometric grid points of the screen before bisection
_SCREEN_BISECT = 10
_MAX_TRIALS = 30  # full-solve trials per node at most
# refine="auto": the screen's error allowance — a node is left unrefined only when its
# screened estimate times the allowance cannot beat the ``best``-th capacity found by full
# solves; the allowance is the largest ratio full-solve capacity / screened estimate seen on
# the refined nodes times ``_AUTO_SAFETY``, at least ``_AUTO_MIN_FACTOR``. Measured on the
# 1,000-consumer benchmark network with every node solved: the screen underestimates 54 of
# 2,237 nodes by more than 1.5×, at worst 2.32× (velocity limits of meshed pipes: the
# Jacobian at the base flows sends too much of the feed-in into pipes that carry little)
_AUTO_MIN_FACTOR = 2.5
_AUTO_SAFETY = 1.25


# ------------------------------------------------------------------------------------------
# candidates


def trench_nodes(network) -> list[str]:
    """Nodes ``N`` with both junctions ``N_s`` and ``N_r`` (in junction-table order)."""
    ids = set(map(str, network.junctions.index))
    out = []
    for j in network.junctions.index:
        j = str(j)
        if j.endswith(SUPPLY_SUFFIX):
            node = j[: -len(SUPPLY_SUFFIX)]
            if node + RETURN_SUFFIX in ids:
                out.append(node)
    return out


# how networks drawn junction by junction name a supply junction's return twin (the first of
# these that pairs the most junctions wins); pandapipes' STANET import writes "return_<id>"
_RETURN_AFFIXES = (("return_", ""), ("", "_return"), ("", "_r"), ("", "_R"), ("r_", ""),
                   ("R_", ""), ("ret_", ""), ("", "_ret"), ("", "-R"), ("", "R"), ("R", ""))


def candidate_pairs(network) -> dict[str, tuple[str, str]]:
    """Where a unit can connect: node id → (supply junction, return junction).

    Trench nodes ``N`` → (``N_s``, ``N_r``). In a network drawn junction by junction (e.g. from
    pandapipes) a supply-side junction ``S`` pairs with the return-side junction named like its
    twin (``return_S``, ``S_r``, … — the naming that pairs the most junctions), else with the
    one return-side junction at the same coordinates, else with the return junction of the
    consumers it feeds (when they agree); the node id is then ``S``."""
    from .model.graph import junction_sides

    pairs = {n: (n + SUPPLY_SUFFIX, n + RETURN_SUFFIX) for n in trench_nodes(network)}
    taken = {j for pair in pairs.values() for j in pair}
    j = network.junctions
    if len(taken) == len(j):
        return pairs
    sides = junction_sides(network)
    ids = [str(x) for x in j.index]
    supply = [x for x in ids if x not in taken and sides.get(x) == "supply"]
    returns = {x for x in ids if x not in taken and sides.get(x) == "return"}
    pre, suf = max(_RETURN_AFFIXES, key=lambda a: sum(f"{a[0]}{x}{a[1]}" in returns
                                                       for x in supply))
    xy = dict(zip(ids, zip(j["x_m"].astype(float), j["y_m"].astype(float), strict=True),
                  strict=True))
    at_xy: dict = {}
    for rid in returns:
        at_xy.setdefault(xy[rid], []).append(rid)
    by_consumer: dict = {}
    for s_j, r_j in zip(network.consumers["supply_junction"],
                        network.consumers["return_junction"], strict=True):
        by_consumer.setdefault(str(s_j), set()).add(str(r_j))
    for sid in supply:
        here, twin = at_xy.get(xy[sid], []), f"{pre}{sid}{suf}"
        mate = (twin if twin in returns else
                here[0] if len(here) == 1 else
                next(iter(by_consumer[sid])) if len(by_consumer.get(sid, ())) == 1 else None)
        if mate is not None:
            pairs[sid] = (sid, mate)
    return pairs


def _placed(unit: P2HUnit, node: str, pair: tuple[str, str]) -> P2HUnit:
    """``unit`` connected at candidate ``node`` (its trench node, or its junction pair)."""
    if pair == (node + SUPPLY_SUFFIX, node + RETURN_SUFFIX):
        return unit.model_copy(update={"node": node, "supply_junction": None,
                                       "return_junction": None})
    return unit.model_copy(update={"node": None, "supply_junction": pair[0],
                                   "return_junction": pair[1]})


def select_candidates(network, candidates=None, pairs=None) -> list[str]:
    """Candidate nodes (``candidate_pairs``, or ``pairs`` when already known): all of them
    (None), ids or glob patterns (a list, or one string with commas: ``"M1,M2,S*"``), or a
    predicate ``f(node_id) -> bool``."""
    nodes = list(pairs if pairs is not None else candidate_pairs(network))
    if candidates is None:
        chosen = nodes
    elif callable(candidates):
        chosen = [n for n in nodes if candidates(n)]
    else:
        if isinstance(candidates, str):
            candidates = [c for c in candidates.split(",")]
        items = [str(c).strip() for c in candidates if str(c).strip()]
        known, chosen, probs = set(nodes), [], []
        for c in items:
            if any(ch in c for ch in "*?["):
                hits = fnmatch.filter(nodes, c)
                if not hits:
                    probs.append(f"pattern '{c}' matches no node")
                chosen += hits
            elif c in known:
                chosen.append(c)
            else:
                import difflib

                close = difflib.get_close_matches(c, nodes, n=3)
                probs.append(f"node '{c}' is not a candidate node of the network (needs "
                             f"junctions {c}{SUPPLY_SUFFIX} and {c}{RETURN_SUFFIX}, or a "
                             f"supply junction {c} with a return junction at its place)"
                             + (f" — did you mean {', '.join(close)}?" if close else ""))
        if probs:
            raise ScenarioError("; ".join(probs), file=network.source)
        chosen = list(dict.fromkeys(chosen))
    if not chosen:
        raise ScenarioError("no candidate node: the network has no trench node (junction pair "
                            f"N{SUPPLY_SUFFIX}/N{RETURN_SUFFIX}) or supply/return junction pair "
                            "at one place matching the selection", file=network.source)
    return chosen


# ------------------------------------------------------------------------------------------
# the job sent to workers


@dataclass(frozen=True)
class _Spec:
    """Everything a worker needs (picklable)."""

    key: str
    scenario: object  # a Scenario (its network is re-read from its file by the worker)
    template: P2HUnit
    q_max_w: float
    tol_w: float
    tol_rel: float
    allow_conditions: bool
    confirm: bool


def _light_scenario(scen):
    """A copy of ``scen`` without its cached network (workers read the file themselves)."""
    if scen.network_path.exists():
        cp = scen.model_copy()
        cp._network = None
        return cp
    return scen


_CACHE: OrderedDict[str, _Setup] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def _setup_for(spec: _Spec) -> _Setup:
    with _CACHE_LOCK:
        s = _CACHE.get(spec.key)
        if s is None:
            s = _Setup(spec)
            _CACHE[spec.key] = s
            while len(_CACHE) > 2:
                _CACHE.popitem(last=False)
        return s


# ------------------------------------------------------------------------------------------
# per-process setup: base cases, global checks, linear screen


@dataclass
class _Case:
    name: str
    net: object
    comp: object
    required_c: float
    state: object = None
    base: object = None
    base_error: Exception | None = None
    design_flow: dict = field(default_factory=dict)
    design_src: dict = field(default_factory=dict)
    lin: _Linear | None = None


class _Setup:
    """Compiled load cases, base solves and node-independent findings (one per process)."""

    def __init__(self, spec: _Spec):
        from .scenario import apply_load_case
        from .solver import compile_network, solve_compiled

        t0 = time.perf_counter()
        self.spec = spec
        scen = spec.scenario
        self.scenario = scen
        self.net = scen.load_network()
        self.pairs = candidate_pairs(self.net)
        self.th: Thresholds = scen.thresholds
        self.template = spec.template
        self.cases: list[_Case] = []
        self.n_solves = 0
        self.solve_s = self.solve_cpu_s = 0.0
        self._lock = threading.Lock()
        self.reported = False
        for lc in scen.load_cases:
            net = apply_load_case(self.net, lc, scen.plant)
            case = _Case(lc.name, net, compile_network(net), _required_supply_c(net))
            ts, tc = time.perf_counter(), time.thread_time()
            try:
                case.state, case.base = solve_compiled(case.comp)
            except ConvergenceError as exc:
                case.base_error = exc
            self.solve_s += time.perf_counter() - ts
            self.solve_cpu_s += time.thread_time() - tc
            self.n_solves += 1
            self.cases.append(case)
        ctxs = [self._context(c, self._unit(None, spec.q_max_w), None, None) for c in self.cases]
        _design_flows(ctxs)
        for c, ctx in zip(self.cases, ctxs, strict=True):
            c.design_flow, c.design_src = ctx.design_flow_kg_s, ctx.design_flow_source
        findings = []
        for ctx in ctxs:
            ctx.feedin_error = None
            for spec_ in REGISTRY.values():
                findings += [f for f in spec_.func(ctx) if f.case in _GLOBAL_CASES
                             and f.code not in _NODE_CODES]
        self.global_findings = sort_findings(findings, priorities(),
                                             [c.name for c in self.cases])
        self.globally_infeasible = not _feasible(decide(self.global_findings),
                                                 spec.allow_conditions)
        self.setup_s = time.perf_counter() - t0

    # -- helpers ------------------------------------------------------------------------
    def _unit(self, node: str | None, q_w: float) -> P2HUnit:
        node = node if node is not None else next(iter(self.pairs))
        return _placed(self.template, node, self.pairs[node]).model_copy(update={
            "q_kw": float(q_w) / 1e3, "it_load_kw": None})

    def _context(self, case: _Case, unit: P2HUnit, feed, err, fnet=None) -> CaseContext:
        t_ret = None
        res = feed if feed is not None else case.base
        if feed is not None:
            t_ret = float(feed.feedins.at[unit.id, "t_in_k"]) - ZERO_CELSIUS_K
        elif res is not None:
            t_ret = float(res.junctions.at[unit.junctions[1], "t_k"]) - ZERO_CELSIUS_K
        design = design_feedin(unit, case.required_c, t_ret)
        return CaseContext(case.name, self.th, [unit], {unit.id: design}, case.net,
                           fnet if fnet is not None else case.net, case.base, feed,
                           case.base_error, err, dict(case.design_flow), dict(case.design_src))

    def linear(self, i: int) -> _Linear | None:
        case = self.cases[i]
        with self._lock:
            if case.lin is None and case.base is not None:
                case.lin = _Linear(self, case)
        return case.lin

    # -- one full trial ------------------------------------------------------------------
    def trial(self, node: str, q_w: float, order: list[int], warm: dict,
              into: _Trial | None = None) -> _Trial:
        """Solve the feed-in case of ``node`` at ``q_w`` in the load cases ``order`` (stop at
        the first one not permitted) and judge it with the checker's registry; ``into``: an
        earlier trial at ``q_w`` whose other load cases passed, completed in place."""
        from .solver import solve_compiled

        unit = self._unit(node, q_w)
        out = into if into is not None else _Trial(q_w=q_w, feasible=True)
        for i in order:
            case = self.cases[i]
            d0 = design_feedin(unit, case.required_c, None)
            new = feedin_table(to_feedin_rows([unit], [d0]))
            fdf = (pd.concat([case.net.feedins, new[case.net.feedins.columns]])
                   if len(case.net.feedins) else new)
            comp = case.comp.with_feedins(fdf)
            base = [(0.0, case.state)] if case.state is not None else []
            start = predict_state(base + warm.get(i, []), q_w)
            ts, tc = time.perf_counter(), time.thread_time()
            feed, err = None, None
            try:
                state, feed = solve_compiled(comp, warm=start, options=TRIAL_OPTIONS)
                warm.setdefault(i, []).append((q_w, state))
            except ConvergenceError as exc:
                err = exc
            out.solve_s += time.perf_counter() - ts
            out.solve_cpu_s += time.thread_time() - tc
            out.n_solves += 1
            fnet = dataclasses.replace(case.net, feedins=fdf)  # shallow: the checks only read
            ctx = self._context(case, unit, feed, err, fnet)
            findings = [f for spec in REGISTRY.values() for f in spec.func(ctx)]
            for f in findings:
                mg = f.search_margin
                if f.case != "base" and mg is not None and math.isfinite(mg):
                    key = (case.name, f.code)
                    if float(mg) < out.margins.get(key, math.inf):
                        out.margins[key], out.elements[key] = float(mg), f.element
            verdict = decide(findings)
            out.verdicts[case.name] = verdict
            permitted = _feasible(verdict, self.spec.allow_conditions)
            if permitted:
                out.passed.append(i)
            if feed is not None:
                d = ctx.designs[unit.id]
                head = float(feed.feedins.at[unit.id, "head_pa"])
                out.figures[case.name] = {
                    "pump_head_bar": pump_head_needed_pa(unit, head) / BAR,
                    "t_return_c": float(feed.feedins.at[unit.id, "t_in_k"]) - ZERO_CELSIUS_K,
                    "heat_pump": d.needs_heat_pump,
                    "cop": d.cop if d.needs_heat_pump else math.nan,
                    "p_el_kw": d.p_el_w / 1e3}
            if not permitted:
                out.feasible = False
                dec = _decisive(findings, verdict, self.spec.allow_conditions,
                                [c.name for c in self.cases])
                out.binding = dec
                out.failed_case = i
                break
        return out

    def base_figures(self, node: str) -> dict:
        """Figures at zero feed-in (for nodes with capacity 0 and screened nodes)."""
        unit = self._unit(node, self.spec.q_max_w)
        heads, trets, cops, hp = [], [], [], False
        s, r = unit.junctions
        for c in self.cases:
            d = design_feedin(unit, c.required_c, None)
            hp = hp or d.needs_heat_pump
            if d.needs_heat_pump:
                cops.append(d.cop)
            if c.base is not None:
                j = c.base.junctions
                heads.append(pump_head_needed_pa(unit, float(j.at[s, "p_pa"] - j.at[r, "p_pa"]))
                             / BAR)
                trets.append(float(j.at[r, "t_k"]) - ZERO_CELSIUS_K)
        return {"pump_head_bar": max(heads, default=math.nan),
                "t_return_c": max(trets, default=math.nan), "heat_pump": hp,
                "cop": min(cops, default=math.nan), "p_el_kw": math.nan}


def _feasible(verdict: str, allow_conditions: bool) -> bool:
    return verdict == PERMITTED or (allow_conditions and verdict == PERMITTED_WITH_CONDITIONS)


def _decisive(findings, verdict, allow_conditions, names) -> dict:
    findings = sort_findings(findings, priorities(), names)
    if verdict == NOT_PERMITTED:
        f = next(x for x in findings if x.severity == "violation")
    else:  # conditions not allowed
        f = next(x for x in findings if x.condition)
    return {"code": f.code, "load_case": f.load_case, "element": f.element,
            "message": f.message}


@dataclass
class _Trial:
    q_w: float
    feasible: bool
    verdicts: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    binding: dict | None = None
    failed_case: int | None = None
    margins: dict = field(default_factory=dict)  # (load case, code) → smallest margin
    elements: dict = field(default_factory=dict)  # (load case, code) → its worst element
    passed: list = field(default_factory=list)  # load cases solved and permitted
    n_solves: int = 0
    solve_s: float = 0.0
    solve_cpu_s: float = 0.0


# ------------------------------------------------------------------------------------------
# the linear screen


class _Linear:
    """Linear response of one base case to a unit feed-in flow at any node (see module doc).

    Unknowns as in the solver's global-gradient system: the Schur complement
    ``M = A_fᵀ diag(1/(∂Δp/∂ṁ)) A_f`` of the base case (SPD, one sparse LU per load case) maps a
    change of the nodal withdrawals to the pressures of the free nodes; a feed-in of ``m`` kg/s
    at node k withdraws ``m`` at ``k_r`` and injects it at ``k_s``. Consumers keep their flows,
    so the critical-point lift only shifts the supply side (exactly, when one plant controls).
    """

    def __init__(self, setup: _Setup, case: _Case):
        from .physics import water
        from .solver.hydraulic import branch_pressure_drop

        comp, st, base, th = case.comp, case.state, case.base, setup.th
        self.th, self.spec = th, setup.spec
        n = comp.n_nodes
        fixed = np.unique(np.concatenate([comp.pl_ret, comp.pl_sup, comp.r_node]).astype(int))
        free = np.ones(n, dtype=bool)
        free[fixed] = False
        self.free = np.flatnonzero(free)
        self.pos = np.full(n, -1)
        self.pos[self.free] = np.arange(len(self.free))
        t = water.temperature_from_enthalpy(st.h)
        t_b = 0.5 * (t[comp.b_from] + t[comp.b_to])
        rho, mu = water.density(t_b), water.viscosity(t_b)
        _, ddp = branch_pressure_drop(comp, st.mdot_b, rho, mu)
        self.w = 1.0 / np.maximum(np.atleast_1d(ddp), 1e-12)
        self.a = comp.incidence.tocsr()
        self.at = comp.incidence.T.tocsr()
        af = self.a[:, self.free]
        mat = (af.T @ sp.diags(self.w) @ af).tocsc()
        eps = 1e-12 * max(float(np.max(mat.diagonal(), initial=1.0)), 1e-30)
        mat = (mat + sp.identity(mat.shape[0], format="csc") * eps).tocsc()
        # SPD: symmetric ordering without pivoting (many right-hand sides solve ~100× faster)
        self.lu = spla.splu(mat, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                            options={"SymmetricMode": True})
        self.index = pd.Index(comp.node_ids)
        self.p0 = st.p / BAR
        self.t_k = t
        cp = comp.pl_control == 2
        self.shift = bool(np.sum(cp) == 1)  # critical-point control moves the supply side
        on_sup = (comp.side == "supply") if self.shift else np.zeros(n, dtype=bool)
        self.sup_rows, self.oth_rows = np.flatnonzero(on_sup), np.flatnonzero(~on_sup)
        cons = base.consumers
        act = cons["mdot_kg_s"].to_numpy(float) > 0
        self.c_sup, self.c_ret = comp.c_sup[act], comp.c_ret[act]
        self.c_dpmin_ctrl = comp.c_dp_min_pa[act] / BAR
        self.c_lim = (np.full(act.sum(), th.dp_min_bar) if th.dp_min_bar is not None
                      else cons["dp_min_pa"].to_numpy(float)[act] / BAR)
        self.dpc0 = self.p0[self.c_sup] - self.p0[self.c_ret]
        # velocity (pipes only, as the checker), in mass-flow terms
        self.pipe_rows = np.flatnonzero(comp.branch_kind == 0)
        area = np.pi * comp.d_m**2 / 4
        self.v_per_m = (1.0 / (rho * area))[self.pipe_rows]
        self.m0 = st.mdot_b[self.pipe_rows]
        vmax = _pipe_vmax(SimpleNamespace(thresholds=th, network_base=case.net),
                          comp.branch_ids[self.pipe_rows])
        self.vmax = vmax
        # pressure limits at the base temperatures
        j = base.junctions.reindex(self.index)
        self.p_lim_min = np.maximum(j["p_sat_pa"].to_numpy(float) / BAR + th.p_sat_margin_bar,
                                    th.p_min_bar)
        self.pl_sup = comp.pl_sup
        self.pl_m0 = base.plant["mdot_kg_s"].reindex(comp.pl_ids).to_numpy(float)
        design = np.array([case.design_flow.get(str(p), math.nan) for p in comp.pl_ids])
        self.pl_min = np.where(np.isfinite(design) & (design > 0),
                               np.maximum(th.plant_min_flow_fraction * design, 1e-12), -np.inf)
        # base-case margins: the checker's "pre-existing, not made worse" rule
        self.b_pmax = th.pn_bar - self.p0
        self.b_pmin = self.p0 - self.p_lim_min
        self.b_v = vmax - np.abs(self.m0 * self.v_per_m)
        self.pipe_pos = {b: k for k, b in enumerate(comp.branch_ids[self.pipe_rows])}

    def columns(self, ks: np.ndarray, kr: np.ndarray) -> dict:
        """Responses per unit feed-in flow, one column per node: pressures [bar/(kg/s)],
        pipe flows, plant flows and consumer Δp."""
        k = len(ks)
        rhs = np.zeros((len(self.free), k), order="F")
        cols = np.arange(k)
        ps, pr = self.pos[ks], self.pos[kr]
        np.add.at(rhs, (ps[ps >= 0], cols[ps >= 0]), 1.0)
        np.add.at(rhs, (pr[pr >= 0], cols[pr >= 0]), -1.0)
        s = np.zeros((len(self.pos), k))
        s[self.free] = self.lu.solve(rhs)
        v = self.w[:, None] * (self.a @ s)
        d_pl = (self.at @ v)[self.pl_sup] - (self.pl_sup[:, None] == ks[None, :])
        s /= BAR
        return {"s": s, "v": v[self.pipe_rows], "d_pl": d_pl, "ks": ks, "kr": kr,
                "dpc": s[self.c_sup] - s[self.c_ret], "head": s[ks, cols] - s[kr, cols]}

    def free_limit(self, c: dict):
        """Largest flow [kg/s] per column allowed by the criteria the lift does not touch
        (plant flow, velocity, pressures off the supply side), and the binding code."""
        th = self.th
        k = len(c["ks"])
        lims = []
        with np.errstate(divide="ignore", invalid="ignore"):
            d = c["d_pl"]
            room = (self.pl_m0 - self.pl_min)[:, None]
            r = np.where(d < 0, room / -d, np.inf)
            r = np.where(room <= 0, 0.0, r)
            lims.append((np.min(r, axis=0, initial=np.inf), "plant_min_flow"))
            so = c["s"][self.oth_rows]
            lims.append((_lin_limit(self.b_pmax[self.oth_rows], -so, self.b_pmax, 0.01),
                         "pressure_max"))
            lims.append((_lin_limit(self.b_pmin[self.oth_rows], so, self.b_pmin, 0.01),
                         "pressure_min"))
            lims.append((_abs_limit(self.m0, c["v"], self.vmax, self.v_per_m, self.b_v, 0.01),
                         "velocity"))
            if th.reversal_needs_action and not self.spec.allow_conditions:
                vs = th.v_stagnant_m_s / self.v_per_m
                mov = np.abs(self.m0) >= vs
                opp = np.sign(c["v"]) == -np.sign(self.m0)[:, None]
                r = np.where(mov[:, None] & opp,
                             (np.abs(self.m0) + vs)[:, None] / np.abs(c["v"]), np.inf)
                lims.append((np.min(r, axis=0, initial=np.inf), "flow_reversal"))
        m = np.full(k, np.inf)
        code = np.full(k, None, dtype=object)
        for lim, name in lims:
            better = lim < m
            m = np.where(better, lim, m)
            code = np.where(better, name, code)
        return m, code

    def evaluate(self, c: dict, m: np.ndarray):
        """Code of the violated lift-dependent criterion per column (None: permitted) and the
        pump head needed [bar] at feed-in flows ``m`` [kg/s]."""
        th, spec = self.th, self.spec
        dpc = self.dpc0[:, None] + c["dpc"] * m[None, :]
        delta = np.zeros(len(m))
        if self.shift and len(dpc):
            delta = np.max(self.c_dpmin_ctrl[:, None] - dpc, axis=0)
            dpc = dpc + delta[None, :]
        ks, kr = c["ks"], c["kr"]
        on_sup = np.isin(ks, self.sup_rows)
        head = (self.p0[ks] - self.p0[kr] + c["head"] * m + np.where(on_sup, delta, 0.0)
                + spec.template.station_losses_bar)
        limit = spec.template.pump_head_bar
        if not spec.allow_conditions:
            limit = min(limit, th.standard_pump_head_bar)
        code = np.full(len(m), None, dtype=object)
        code[head > limit] = "feedin_pump_head"
        if len(dpc):
            bad = (dpc - self.c_lim[:, None] < -1e-4).any(axis=0)
            code[(code == None) & bad] = "consumer_dp"  # noqa: E711 (elementwise)
        if len(self.sup_rows):
            p = (self.p0[self.sup_rows, None] + c["s"][self.sup_rows] * m[None, :]
                 + delta[None, :])
            for name, margin, base in (
                    ("pressure_max", th.pn_bar - p, self.b_pmax),
                    ("pressure_min", p - self.p_lim_min[self.sup_rows, None], self.b_pmin)):
                bad = _state_bad(margin, base[self.sup_rows], base, 0.01)
                code[(code == None) & bad] = name  # noqa: E711
        return code, head


def _state_bad(margin, base_rows, base_all, tol):
    """The checker's network-state rule per element: failing with the feed-in is a violation
    unless it fails already without it (pre-existing) and the worst margin gets no worse."""
    bad = ((margin < 0) & (base_rows >= 0)[:, None]).any(axis=0)
    if len(base_all) and np.min(base_all) < 0:
        bad |= (margin < float(np.min(base_all)) - tol).any(axis=0)
    return bad


def _lin_limit(a, b, base_all, tol):
    """Smallest flow at which a margin ``a + b·m`` breaks the network-state rule."""
    r = np.where((b < 0) & (a >= 0)[:, None], a[:, None] / -b, np.inf)
    lim = np.min(r, axis=0, initial=np.inf)
    if len(base_all) and np.min(base_all) < 0:
        target = float(np.min(base_all)) - tol
        r = np.where(b < 0, (a - target)[:, None] / -b, np.inf)
        lim = np.minimum(lim, np.maximum(np.min(r, axis=0, initial=np.inf), 0.0))
    return lim


def _abs_limit(m0, v, vmax, v_per_m, base, tol):
    """Smallest flow at which a pipe velocity |m0 + v·m|·v_per_m breaks the state rule."""

    def cross(u):
        return np.where(v > 0, (u - m0)[:, None] / v,
                        np.where(v < 0, (u + m0)[:, None] / -v, np.inf))

    ok = base >= 0
    r = np.where(ok[:, None], cross(vmax / v_per_m), np.inf)
    lim = np.min(r, axis=0, initial=np.inf)
    if len(base) and np.min(base) < 0:
        u = (vmax - (float(np.min(base)) - tol)) / v_per_m
        lim = np.minimum(lim, np.maximum(np.min(cross(u), axis=0, initial=np.inf), 0.0))
    return lim


def _screen_case(setup: _Setup, i: int, nodes: list[str]):
    """(max heat [W], binding code, pump head [bar]) per node in load case ``i``."""
    from .physics import water

    lin = setup.linear(i)
    case = setup.cases[i]
    q_max = setup.spec.q_max_w
    k = len(nodes)
    if lin is None:
        return np.full(k, q_max), np.full(k, None, dtype=object), np.full(k, math.nan)
    ks = lin.index.get_indexer([setup.pairs[n][0] for n in nodes])
    kr = lin.index.get_indexer([setup.pairs[n][1] for n in nodes])
    c = lin.columns(ks, kr)
    # feed-in flow per watt at the base local return temperature (ṁ = Q / Δh)
    design = design_feedin(setup._unit(nodes[0], q_max), case.required_c, None)
    t_in = np.minimum(lin.t_k[kr], design.t_out_k - 1.0)
    per_w = 1.0 / (water.enthalpy(design.t_out_k) - water.enthalpy(t_in))
    too_warm = lin.t_k[kr] > design.max_inlet_k + 1e-9
    m_free, codes = lin.free_limit(c)
    m_top = np.minimum(per_w * q_max, m_free)
    m_top = np.where(np.isfinite(m_top), m_top, per_w * q_max)
    # bracketing on a geometric grid, then bisection, of the lift-dependent criteria
    grid = np.geomspace(min(setup.spec.tol_w / q_max, 1.0), 1.0, _SCREEN_GRID)
    first_bad = np.full(k, -1)
    for g_i, g in enumerate(grid):
        code, _ = lin.evaluate(c, m_top * g)
        new = (first_bad < 0) & (code != None)  # noqa: E711
        first_bad[new] = g_i
        codes = np.where(new, code, codes)
    lo = np.where(first_bad > 0, grid[np.maximum(first_bad - 1, 0)], 0.0)
    lo = np.where(first_bad < 0, 1.0, lo)
    hi = np.where(first_bad >= 0, grid[np.maximum(first_bad, 0)], 1.0)
    todo = first_bad > 0
    for _ in range(_SCREEN_BISECT if todo.any() else 0):
        mid = 0.5 * (lo + hi)
        code, _ = lin.evaluate(c, m_top * mid)
        bad = todo & (code != None)  # noqa: E711
        hi = np.where(bad, mid, hi)
        codes = np.where(bad, code, codes)
        lo = np.where(todo & ~bad, mid, lo)
    m = m_top * lo
    q = np.where(too_warm, 0.0, np.minimum(m / per_w, q_max))
    codes = np.where(too_warm, "feedin_return_temperature", codes)
    codes = np.where((q >= q_max) & ~too_warm, None, codes)
    _, head = lin.evaluate(c, q * per_w)
    return q, codes, head


def _screen_task(nodes: list[str], spec: _Spec) -> dict:
    """Worker: screened capacity, binding code and load-case order per node."""
    setup = _setup_for(spec)
    t0 = time.perf_counter()
    out = {}
    if setup.globally_infeasible:
        for n in nodes:
            out[n] = {"q_w": 0.0, "code": setup.global_findings[0].code if
                      setup.global_findings else None, "case": None, "head_bar": math.nan,
                      "order": list(range(len(setup.cases)))}
        return {"nodes": out, "screen_s": time.perf_counter() - t0}
    per_case = [_screen_case(setup, i, nodes) for i in range(len(setup.cases))]
    qs = np.array([pc[0] for pc in per_case])  # cases x nodes
    for j, n in enumerate(nodes):
        order = [int(i) for i in np.argsort(qs[:, j], kind="stable")]
        i0 = order[0]
        out[n] = {"q_w": float(qs[i0, j]), "code": per_case[i0][1][j],
                  "case": setup.cases[i0].name if per_case[i0][1][j] else None,
                  "head_bar": float(np.nanmax([pc[2][j] for pc in per_case]))
                  if len(per_case) else math.nan, "order": order}
    return {"nodes": out, "screen_s": time.perf_counter() - t0}


# ------------------------------------------------------------------------------------------
# refinement by full solves


def _refine_node(setup: _Setup, node: str, seed: dict) -> dict:
    """Capacity of ``node`` by full solves, from its screen ``seed`` (see the module doc)."""
    return _NodeSearch(setup, node, seed).run()


class _NodeSearch:
    """The full-solve capacity search of one node: bracket from the screened estimate,
    narrow the bracket, judge the answer in every load case, probe below it once."""

    def __init__(self, setup: _Setup, node: str, seed: dict):
        self.setup, self.node, self.seed = setup, node, seed
        spec = setup.spec
        self.q_max, self.tol_w, self.tol_rel = spec.q_max_w, spec.tol_w, spec.tol_rel
        self.q_min = min(self.tol_w, self.q_max)
        self.order = list(seed["order"])  # load cases, the one expected to bind first
        self.warm: dict = {}  # load case → [(q, State)] of this node's trials
        self.trials: list[_Trial] = []
        self.eager = False  # judge every trial in every load case (once the lazy way misled)

    # -- trials ----------------------------------------------------------------------------
    def _first(self, i: int) -> None:
        self.order.remove(i)
        self.order.insert(0, i)

    def _reorder(self, t: _Trial) -> None:
        if not t.feasible and t.failed_case is not None:  # try the failing case first next
            self._first(t.failed_case)

    def trial(self, q: float, every_case: bool = False) -> _Trial:
        """A trial at ``q``: in the first load case of ``order`` only (the others are judged
        once the search has settled, ``settle``), or in every case."""
        cases = self.order if every_case or self.eager else self.order[:1]
        t = self.setup.trial(self.node, q, cases, self.warm)
        self.trials.append(t)
        self._reorder(t)
        return t

    def complete(self, t: _Trial) -> bool:
        """Judge a trial that passed its first load case in the others; True if permitted."""
        rest = [i for i in self.order if i not in t.passed]
        if t.feasible and rest:
            self.setup.trial(self.node, t.q_w, rest, self.warm, into=t)
            self._reorder(t)
        return t.feasible

    def _budget_left(self) -> bool:
        return len(self.trials) < _MAX_TRIALS

    def _tol(self, q: float) -> float:
        return max(self.tol_w, self.tol_rel * q)

    # -- stages ----------------------------------------------------------------------------
    def bracket(self):
        """(largest permitted, smallest not permitted trial) around the limit, from the
        screened estimate: aimed steps (``_step_beyond``); with a limit found by the screen
        and no estimate, the second probe tries to close the bracket at once."""
        t = self.trial(min(max(self.seed["q_w"], self.q_min), self.q_max), every_case=True)
        close_first = self.seed.get("code") is not None and t.q_w < self.q_max
        f = 1.1  # step without an estimate, squared after every step
        # the trial before ``t`` on this side (first: the margins without feed-in, if known);
        # whether the last probe fell short of where it was aimed
        zero = _at_zero(self.setup, t)
        prev, crept = (zero if zero.margins else None), False
        up = t.feasible
        lo, hi = (t, None) if up else (None, t)
        while self._budget_left():
            end = lo if up else hi
            if (end.q_w >= self.q_max) if up else (end.q_w <= self.q_min):
                break
            q, aimed = _step_beyond(prev, end, f, crept, self.tol_w, self.tol_rel, up=up)
            roots = _roots(prev, end) if up else {}
            if roots:  # the load case whose margin runs out first is judged first
                case = min(roots, key=roots.get)[0]
                self._first(next(j for j in self.order if self.setup.cases[j].name == case))
            if close_first and not aimed and len(self.trials) == 1:
                q, aimed = end.q_w + (0.99 if up else -0.99) * self._tol(end.q_w), True
            t = self.trial(min(q, self.q_max) if up else max(q, self.q_min))
            if t.feasible != up:
                return (lo, t) if up else (t, hi)
            crept = aimed  # aimed across the limit, but landed on the same side
            prev, f = end, min(f * f, 4.0)
            lo, hi = (t, None) if up else (None, t)
        return lo, hi

    def narrow(self, lo: _Trial | None, hi: _Trial | None):
        """Narrow [lo, hi] to the tolerance: regula falsi on the margin of the criterion that
        binds at ``hi`` (aimed just below the estimated crossing, or just above ``lo`` when
        that is within the tolerance), bisection after two estimates the solves contradicted
        or when no margin is known, and after two probes in a row passed below the same
        ``hi`` (a curved margin makes regula falsi creep up to the crossing in ever smaller
        steps)."""
        misses, kept = 0, 0
        while hi is not None and self._budget_left():
            q_lo = lo.q_w if lo else 0.0
            if hi.q_w - q_lo <= self._tol(hi.q_w):
                break
            root = _crossing(lo, hi) if misses < 2 and kept < 2 else None
            # (the tolerance at ``lo``: a probe just above ``lo`` then closes the bracket)
            q, expect = next_probe(q_lo, hi.q_w, root, self._tol(q_lo))
            if expect is None:
                misses = 0
            t = self.trial(q)
            lo, hi = (t, hi) if t.feasible else (lo, t)
            kept = kept + 1 if t.feasible and root is not None else 0
            if expect is not None:
                misses = misses + 1 if t.feasible != expect else 0
        return lo, hi

    def settle(self, lo: _Trial | None, hi: _Trial | None):
        """Narrow, then judge the best pass in every load case; when another case refuses
        it, it becomes the upper end and the search goes on from the best trial permitted
        in every case, now judging every trial in every case."""
        lo, hi = self.narrow(lo, hi)
        while lo is not None and not self.complete(lo):
            self.eager = True
            hi = lo
            below = [x for x in self.trials if x.feasible and x.q_w < hi.q_w
                     and len(x.passed) == len(self.order)]
            lo, hi = self.narrow(max(below, key=lambda x: x.q_w) if below else None, hi)
        return lo, hi

    def run(self) -> dict:
        lo, hi = self.settle(*self.bracket())
        # the verdict need not be monotone in the capacity (a feed-in can stall a branch at
        # one output and reverse it at a larger one): probe half the capacity once and search
        # below when that is not permitted
        non_monotone = False
        if lo is not None and lo.q_w / 2 >= self.q_min and self._budget_left():
            t = self.trial(lo.q_w / 2, every_case=True)
            if not t.feasible:
                non_monotone = True
                lo, hi = self.settle(None, t)
        return self.row(lo, hi, non_monotone)

    def row(self, lo: _Trial | None, hi: _Trial | None, non_monotone: bool) -> dict:
        """The node's result row: capacity, binding criterion and the figures at ``lo``."""
        trials = self.trials
        row = {"node": self.node, "capacity_kw": (lo.q_w / 1e3) if lo else 0.0,
               "n_solves": sum(x.n_solves for x in trials), "method": "solved",
               "solve_s": sum(x.solve_s for x in trials),
               "solve_cpu_s": sum(x.solve_cpu_s for x in trials), "n_trials": len(trials),
               "non_monotone": non_monotone}
        if hi is not None:
            row.update(limited_by=hi.binding["code"], load_case=hi.binding["load_case"],
                       element=hi.binding["element"], message=hi.binding["message"],
                       first_infeasible_kw=hi.q_w / 1e3)
        else:
            row.update(limited_by="q_max", load_case=None, element=None,
                       message=f"permitted up to the search limit {self.q_max / 1e3:.0f} kW",
                       first_infeasible_kw=math.nan)
        if lo is not None:
            figs = lo.figures.values()
            conditions = any(v == PERMITTED_WITH_CONDITIONS for v in lo.verdicts.values())
            row.update(
                pump_head_bar=max(x["pump_head_bar"] for x in figs),
                t_return_c=max(x["t_return_c"] for x in figs),
                heat_pump=any(x["heat_pump"] for x in figs),
                cop=min((x["cop"] for x in figs if x["heat_pump"]), default=math.nan),
                p_el_kw=max(x["p_el_kw"] for x in figs),
                verdict=PERMITTED_WITH_CONDITIONS if conditions else PERMITTED)
        else:
            row.update(self.setup.base_figures(self.node), verdict=NOT_PERMITTED)
        if self.setup.spec.confirm and lo is not None:
            row["confirmed"] = _confirm(self.setup, self.node, lo.q_w)
        return row


def _roots(prev: _Trial | None, lo: _Trial) -> dict:
    """(load case, code) → capacity [W] where its margin, falling between two permitted
    trials ``prev`` < ``lo``, reaches zero (secant). Margins held at ≈ 0 by a control (the
    critical consumer's Δp) carry no trend and are left out (< 1e-6 in their unit)."""
    if prev is None or not lo.q_w > prev.q_w:
        return {}
    return {k: zero_crossing(prev.q_w, prev.margins[k], lo.q_w, m)
            for k, m in lo.margins.items()
            if m > 1e-6 and prev.margins.get(k, -math.inf) > m + 1e-9
            and k[1] not in WARNING_ONLY}


def _extrapolated(prev: _Trial | None, lo: _Trial) -> float | None:
    """The nearest of ``_roots`` over the criteria and load cases; None when no margin
    falls."""
    roots = _roots(prev, lo)
    return min(roots.values()) if roots else None


def _at_zero(setup: _Setup, t: _Trial) -> _Trial:
    """The margins of ``t``'s worst elements without the feed-in, as a trial at 0 W, where
    the base case knows them: pipe velocities (the screen's base margins). With them the
    first full trial gives a secant through the origin — where the screen's linear model
    is off (flow shifting to parallel paths as friction grows), a better next probe."""
    zero = _Trial(q_w=0.0, feasible=True)
    for i, case in enumerate(setup.cases):
        key = (case.name, "velocity")
        lin = setup.linear(i) if key in t.margins else None
        k = lin.pipe_pos.get(t.elements.get(key)) if lin is not None else None
        if k is not None and lin.b_v[k] > 0:
            zero.margins[key] = float(lin.b_v[k])
    return zero


def _step_beyond(prev: _Trial | None, t: _Trial, f: float, crept: bool, tol_w: float,
                 tol_rel: float, up: bool) -> tuple[float, bool]:
    """(next bracketing probe [W], whether it is aimed across the limit) beyond ``t`` (above a
    permitted trial, ``up``, else below a trial not permitted): aimed just across where the
    margins of ``prev`` and ``t`` reach zero (``_extrapolated``, downwards ``_crossing``),
    else a factor ``f`` away; at most 4× (¼).
    ``crept``: the last probe was aimed across and fell short (a margin that flattens): then
    the step is at least twice the last one, so a slowly curving margin is not followed in
    ever smaller steps."""
    if up:
        est = _extrapolated(prev, t)
    else:
        est = _crossing(prev, t)
    if est is None:
        q = t.q_w * f if up else t.q_w / f
    else:
        half_tol = 0.5 * max(tol_w, tol_rel * est)
        q = est + half_tol if up else est - half_tol
    if crept and prev is not None:
        last = abs(t.q_w - prev.q_w)
        q = max(q, t.q_w + 2.0 * last) if up else min(q, t.q_w - 2.0 * last)
    return (min(q, 4.0 * t.q_w) if up else max(q, 0.25 * t.q_w)), est is not None


def _crossing(other: _Trial | None, hi: _Trial) -> float | None:
    """Capacity [W] where the margin of the criterion binding at ``hi`` (not permitted)
    reaches zero on the line through ``other`` and ``hi``: regula falsi with a permitted
    ``other`` below (margin > 0 there), secant with another trial above that was refused by
    a lower margin; None without such a pair."""
    if other is None or hi.binding is None or other.q_w == hi.q_w:
        return None
    key = (hi.binding.get("load_case"), hi.binding.get("code"))
    m_o, m_hi = other.margins.get(key), hi.margins.get(key)
    if m_o is None or m_hi is None or not m_hi < 0:
        return None
    if not (m_o > 0 if other.q_w < hi.q_w else m_o < m_hi):
        return None
    return zero_crossing(other.q_w, m_o, hi.q_w, m_hi)


def _confirm(setup: _Setup, node: str, q_w: float) -> bool:
    from .checks import check_integration

    rep = check_integration(setup.scenario, units=[setup._unit(node, q_w)], backend="native")
    return _feasible(rep.verdict, setup.spec.allow_conditions)


def _refine_task(items: list[tuple[str, dict]], spec: _Spec) -> list[dict]:
    """Worker: full-solve capacity of each (node, screen seed)."""
    setup = _setup_for(spec)
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
        rows.append(_refine_node(setup, node, seed))
    return rows


def _setup_task(_chunk, spec: _Spec) -> dict:
    """Worker: build this process's setup; its base solves are counted once per process."""
    s = _setup_for(spec)
    with s._lock:
        first, s.reported = not s.reported, True
    k = 1.0 if first else 0.0
    return {"n_solves": int(k * s.n_solves), "solve_s": k * s.solve_s,
            "solve_cpu_s": k * s.solve_cpu_s, "setup_s": s.setup_s,
            "global_findings": s.global_findings}


# ------------------------------------------------------------------------------------------
# the result


_COLUMNS = ["rank", "capacity_kw", "limited_by", "load_case", "element", "first_infeasible_kw",
            "pump_head_bar", "heat_pump", "cop", "p_el_kw", "t_return_c", "verdict", "method",
            "screen_kw", "screen_limited_by", "non_monotone", "n_solves", "confirmed", "x_m",
            "y_m", "message"]


@dataclass
class SitesResult:
    """Ranked site comparison: ``table`` (one row per node, best first) and run metadata.

    Columns: ``capacity_kw`` (largest permitted heat output found), ``limited_by`` (decisive
    check at the first capacity not permitted; "q_max" when the search limit was permitted),
    ``load_case`` / ``element`` of that finding, ``first_infeasible_kw``, ``pump_head_bar``
    (feed-in pump head needed at the capacity, worst load case), ``heat_pump`` / ``cop`` /
    ``p_el_kw`` (heat-pump stage), ``t_return_c`` (local return temperature, warmest load
    case), ``verdict`` at the capacity, ``method`` ("solved": full solves; "screened": screened
    only: no capacity), ``screen_kw`` / ``screen_limited_by`` (the screen), ``n_solves``,
    ``confirmed`` (``check_integration`` agreed, when asked), node coordinates ``x_m``/``y_m``.
    """

    table: pd.DataFrame
    scenario: str = ""
    unit: dict = field(default_factory=dict)
    q_max_kw: float = math.nan
    tol_kw: float = math.nan
    tol_rel: float = math.nan
    allow_conditions: bool = True
    load_cases: list = field(default_factory=list)
    global_findings: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.table)

    def best(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` best-ranked nodes."""
        return self.table.head(n)

    def capacity(self, node: str) -> float:
        """Capacity [kW] found for ``node``."""
        return float(self.table.at[node, "capacity_kw"])

    def to_dict(self) -> dict:
        from .report import _clean_tree

        rows = self.table.reset_index().to_dict("records")
        return _clean_tree({
            "scenario": self.scenario, "unit": self.unit, "q_max_kw": self.q_max_kw,
            "tol_kw": self.tol_kw, "tol_rel": self.tol_rel,
            "allow_conditions": self.allow_conditions, "load_cases": self.load_cases,
            "global_findings": [f.to_dict() for f in self.global_findings],
            "stats": self.stats, "sites": rows})

    def to_json(self, path=None, inputs: Iterable = (), indent: int | None = 1):
        """JSON text; written atomically to ``path`` when given (returns the path)."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False, default=str,
                          ensure_ascii=False)
        if path is None:
            return text
        from .io.atomic import write_text_atomic

        return write_text_atomic(path, text + "\n", inputs)

    def to_csv(self, path=None, inputs: Iterable = ()):
        """CSV text (one row per node, ranked); written atomically to ``path`` when given."""
        text = self.table.reset_index().to_csv(index=False, float_format="%.6g")
        if path is None:
            return text
        from .io.atomic import write_text_atomic

        return write_text_atomic(path, text, inputs)


def _rank_table(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows).set_index("node")
    for c in _COLUMNS:
        if c not in df.columns and c != "rank":
            df[c] = None
    df["_head"] = pd.to_numeric(df["pump_head_bar"], errors="coerce").fillna(np.inf)
    df["_tret"] = pd.to_numeric(df["t_return_c"], errors="coerce").fillna(np.inf)
    df["_id"] = df.index.astype(str)
    # solved nodes by capacity, then the screened ones by their estimate
    solved = df["method"].to_numpy() != "screened"
    df["_solved"] = solved
    df["_key"] = np.where(solved, pd.to_numeric(df["capacity_kw"], errors="coerce"),
                          pd.to_numeric(df["screen_kw"], errors="coerce"))
    df = df.sort_values(["_solved", "_key", "_head", "_tret", "_id"],
                        ascending=[False, False, True, True, True], kind="mergesort")
    df["rank"] = np.arange(1, len(df) + 1)
    extra = [c for c in df.columns if c not in _COLUMNS and not c.startswith("_")]
    return df[_COLUMNS + extra]


# ------------------------------------------------------------------------------------------
# the API


def compare_sites(scenario, candidates=None, q_max_kw: float | None = None,
                  tol_kw: float = 25.0, executor=None, progress: Callable | None = None, *,
                  tol_rel: float = 0.02, allow_conditions: bool = True, refine="all",
                  confirm: bool = False, unit: P2HUnit | dict | None = None,
                  workers: int | None = None, chunk_size: int | None = None,
                  best: int = 10) -> SitesResult:
    """Largest permitted P2H heat output at every candidate node; see the module docstring.

    ``scenario``: a ``Scenario`` or a scenario file path. ``candidates``: None (every trench
    node), ids / glob patterns (list or comma-separated string) or a predicate.
    ``q_max_kw``: search limit (default: the template unit's heat output). ``tol_kw`` /
    ``tol_rel``: bisection stops when the bracket is within ``max(tol_kw, tol_rel·q)``.
    ``executor``: a ``concurrent.futures.Executor``, or a kind for ``executors.make_executor``
    ("process", "thread", "serial", "dask"; default: a process pool of ``workers``, serial for
    ``workers=1``). ``progress(done, total, stage)`` is called as chunks finish (stage
    "setup" | "screen" | "refine"). ``allow_conditions``: PERMITTED WITH CONDITIONS counts as
    permitted. ``refine``: "all", a number of best-screened nodes, 0 (screen only) or "auto"
    (every node that can still be among the ``best`` by full solves, see ``_auto_round``).
    ``confirm``: re-check each refined capacity with ``check_integration``. ``unit``: another
    template than the scenario's first unit.
    """
    from .executors import chunked, default_workers, executor_kind, executor_scope, run_chunks
    from .scenario import Scenario, load_scenario

    t_start = time.perf_counter()
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    net = scen.load_network()
    template = _template(scen, unit)
    if float(tol_kw) <= 0 or not 0 <= float(tol_rel) < 1:
        raise ScenarioError("tol_kw must be > 0 and tol_rel in [0, 1)")
    pairs = candidate_pairs(net)
    nodes = select_candidates(net, candidates, pairs)
    validate_units(net, [_placed(template, nodes[0], pairs[nodes[0]])])
    q_max_w = _q_max_w(scen, net, template, q_max_kw)
    auto = isinstance(refine, str) and refine == "auto"
    if auto and not (isinstance(best, int | np.integer) and best >= 1):
        raise ScenarioError(f"best must be a whole number ≥ 1, got {best!r}")
    n_refine = 0 if auto else _n_refine(refine, len(nodes))
    with executor_scope(executor, workers=workers) as ex:
        kind = executor_kind(ex)
        # in-process executors share the network already read; others read it themselves
        spec = _Spec(uuid.uuid4().hex,
                     scen if kind in ("serial", "thread") else _light_scenario(scen),
                     template, q_max_w, float(tol_kw) * 1e3, float(tol_rel),
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
    with _CACHE_LOCK:  # in-process executors: free the base cases of this run
        _CACHE.pop(spec.key, None)
    xy = net.junctions
    rows = []
    for n in nodes:
        sc = screened[n]
        row = refined.get(n) or _screened_row(n, sc)
        row.update(screen_kw=sc["q_w"] / 1e3, screen_limited_by=sc["code"] or "q_max",
                   x_m=float(xy.at[pairs[n][0], "x_m"]),
                   y_m=float(xy.at[pairs[n][0], "y_m"]))
        rows.append(row)
    table = _rank_table(rows)
    stats = _stats(table, setups, len(nodes), len(refined), kind, n_workers)
    stats.update(screen_wall_s=t_screen, screen_cpu_s=screen_s, refine_wall_s=t_refine,
                 total_s=time.perf_counter() - t_start, refine_mode=str(refine), **auto_stats)
    table = table.drop(columns=[c for c in ("solve_s", "solve_cpu_s", "n_trials")
                                if c in table.columns])
    glob = setups[0]["global_findings"] if setups else []
    return SitesResult(table=table, scenario=scen.name, unit=template.model_dump(),
                       q_max_kw=q_max_w / 1e3, tol_kw=float(tol_kw), tol_rel=float(tol_rel),
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


def _refine_nodes(ex, spec: _Spec, ranked: list[str], screened: dict, tick, n_workers: int,
                  chunk_size: int | None, best: int | None, n_refine: int):
    """Full-solve rows {node: row} of the ``n_refine`` best-screened nodes, or with ``best``
    (``refine="auto"``) in rounds until ``_auto_round`` leaves no node; and the auto stats."""
    from .executors import chunked, run_chunks

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
        todo, stats = _auto_round(ranked, screened, refined, best, spec.q_max_w, spec.tol_w)
        stats["refine_rounds"] = rounds
        # in rounds of a few nodes per worker: the bound tightens as capacities come in
        batch = todo[:max(best, 8 * n_workers)]
        tick.grow(len(batch))
    return refined, stats


def _auto_round(ranked: list[str], screened: dict, refined: dict, best: int, q_max_w: float,
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
    from .scenario import apply_load_case

    lc = scen.load_cases[0]
    req = _required_supply_c(apply_load_case(net, lc, scen.plant))
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
