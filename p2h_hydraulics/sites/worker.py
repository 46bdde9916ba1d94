"""The job sent to the site-comparison workers and stage 1, the per-process setup.

**Setup, once per worker process** (cached, ``setup_for``): every load case's network is
compiled once and its base case (no feed-in) solved once; its state is the warm start of every
trial. Checks that do not depend on the node (heat-pump COP, outlet temperature, base-case Δp
and convergence) are judged once: if they fail, every node gets capacity 0 without a solve.

``Setup.trial`` is one full trial: the feed-in table of the compiled load case is swapped
(``Compiled.with_feedins``) and ``solve_compiled`` warm-starts from the nearest earlier trial
of the node (else the base state); the verdict comes from the checker's **own registry** of
check functions run on ``checks.CaseContext`` objects built here, so a trial judges exactly
what ``check_integration`` judges. A trial stops at its first failing load case."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import pandas as pd

from ..checks import CaseContext, Thresholds
from ..errors import ConvergenceError
from ..evaluation import apply_load_case, design_flows, judge, required_supply_c
from ..findings import (
    NOT_PERMITTED,
    PERMITTED,
    PERMITTED_WITH_CONDITIONS,
    decide,
    priorities,
    sort_findings,
)
from ..model.graph import active
from ..physics.water import enthalpy
from ..solver import compile_network, solve_compiled
from ..solver.native import SolverOptions, predict_state
from ..unit import P2HUnit, design_feedin, feedin_table, pump_head_needed_pa, to_feedin_rows
from ..units import BAR, ZERO_CELSIUS_K
from .candidates import candidate_pairs, placed
from .screen import Linear

# Trial solves are warm-started next to a solved state and settle in well under 100 outer
# iterations when they settle at all; one that has not settled by then counts as not converged
# (so not permitted) at that capacity instead of burning the default 300 iterations.
TRIAL_OPTIONS = SolverOptions(max_outer=100)

# checks judged once for all nodes (their findings of the base case or of the unit's design)
_GLOBAL_CASES = ("design", "base")
_NODE_CODES = ("feedin_return_temperature",)
# a trial whose feed-in flow exceeds the plant's base flow by more than this share (with the
# coldest inlet the feed-in can see, ``Setup.reverse_flow``) is refused by plant reverse
# flow without a solve: beyond that the solve only finds the reversal (or does not converge)
REVERSE_SAFETY = 0.02

@dataclass(frozen=True)
class Spec:
    """Everything a worker needs (picklable)."""

    key: str
    scenario: object  # a Scenario (its network is re-read from its file by the worker)
    template: P2HUnit
    q_max_w: float
    tol_w: float
    tol_rel: float
    allow_conditions: bool
    confirm: bool


def light_scenario(scen):
    """A copy of ``scen`` without its cached network (workers read the file themselves).

    Parameters
    ----------
    scen : Scenario
        The scenario.

    Returns
    -------
    Scenario
        The copy (or ``scen`` when its network has no file).
    """
    if scen.network_path.exists():
        cp = scen.model_copy()
        cp._network = None
        return cp
    return scen


_CACHE: OrderedDict[str, Setup] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def setup_for(spec: Spec) -> Setup:
    """This process's ``Setup`` of run ``spec.key`` (built on first use; two runs kept).

    Parameters
    ----------
    spec : Spec
        The run.

    Returns
    -------
    Setup
        Compiled load cases, base solves and node-independent findings.
    """
    with _CACHE_LOCK:
        s = _CACHE.get(spec.key)
        if s is None:
            s = Setup(spec)
            _CACHE[spec.key] = s
            while len(_CACHE) > 2:
                _CACHE.popitem(last=False)
        return s


def drop_setup(key: str) -> None:
    """Free the cached setup of run ``key`` in this process (in-process executors).

    Parameters
    ----------
    key : str
        The run's key (``Spec.key``).

    Returns
    -------
    None
    """
    with _CACHE_LOCK:
        _CACHE.pop(key, None)


# ------------------------------------------------------------------------------------------
# per-process setup: base cases, global checks, linear screen


@dataclass
class Case:
    name: str
    net: object
    comp: object
    required_c: float
    state: object = None
    base: object = None
    base_error: Exception | None = None
    design_flow: dict = field(default_factory=dict)
    design_src: dict = field(default_factory=dict)
    lin: Linear | None = None
    memo: dict = field(default_factory=dict)  # ``CaseContext.memo`` of its trials


class Setup:
    """Compiled load cases, base solves and node-independent findings (one per process)."""

    def __init__(self, spec: Spec):
        t0 = time.perf_counter()
        self.spec = spec
        scen = spec.scenario
        self.scenario = scen
        self.net = scen.load_network()
        self.pairs = candidate_pairs(self.net)
        self.th: Thresholds = scen.thresholds
        self.template = spec.template
        self.cases: list[Case] = []
        self.n_solves = 0
        self.solve_s = self.solve_cpu_s = 0.0
        self._lock = threading.Lock()
        self.reported = False
        for lc in scen.load_cases:
            net = apply_load_case(self.net, lc, scen.plant)
            case = Case(lc.name, net, compile_network(net), required_supply_c(net))
            ts, tc = time.perf_counter(), time.thread_time()
            try:
                case.state, case.base = solve_compiled(case.comp)
            except ConvergenceError as exc:
                case.base_error = exc
            self.solve_s += time.perf_counter() - ts
            self.solve_cpu_s += time.thread_time() - tc
            self.n_solves += 1
            self.cases.append(case)
        ctxs = [self.context(c, self.unit_at(None, spec.q_max_w), None, None) for c in self.cases]
        design_flows(ctxs)
        for c, ctx in zip(self.cases, ctxs, strict=True):
            c.design_flow, c.design_src = ctx.design_flow_kg_s, ctx.design_flow_source
        findings = []
        for ctx in ctxs:
            ctx.feedin_error = None
            findings += judge(ctx, skip=_NODE_CODES, cases=_GLOBAL_CASES)
        self.global_findings = sort_findings(findings, priorities(),
                                             [c.name for c in self.cases])
        self.globally_infeasible = not feasible(decide(self.global_findings),
                                                 spec.allow_conditions)
        self.setup_s = time.perf_counter() - t0

    # -- helpers ------------------------------------------------------------------------
    def unit_at(self, node: str | None, q_w: float) -> P2HUnit:
        node = node if node is not None else next(iter(self.pairs))
        return placed(self.template, node, self.pairs[node]).model_copy(update={
            "q_kw": float(q_w) / 1e3, "it_load_kw": None})

    def context(self, case: Case, unit: P2HUnit, feed, err, fnet=None) -> CaseContext:
        t_ret = None
        res = feed if feed is not None else case.base
        if feed is not None:
            t_ret = float(feed.feedins.at[unit.id, "t_in_k"]) - ZERO_CELSIUS_K
        elif res is not None:
            t_ret = float(res.junctions.at[unit.junctions[1], "t_k"]) - ZERO_CELSIUS_K
        design = design_feedin(unit, case.required_c, t_ret)
        return CaseContext(case.name, self.th, [unit], {unit.id: design}, case.net,
                           fnet if fnet is not None else case.net, case.base, feed,
                           case.base_error, err, dict(case.design_flow), dict(case.design_src),
                           memo=case.memo)

    def linear(self, i: int) -> Linear | None:
        case = self.cases[i]
        with self._lock:
            if case.lin is None and case.base is not None:
                case.lin = Linear(self, case)
        return case.lin

    # -- one full trial ------------------------------------------------------------------
    def trial(self, node: str, q_w: float, order: list[int], warm: dict,
              into: Trial | None = None) -> Trial:
        """Solve the feed-in case of ``node`` at ``q_w`` in the load cases ``order`` (stop at
        the first one not permitted) and judge it with the checker's registry; ``into``: an
        earlier trial at ``q_w`` whose other load cases passed, completed in place."""
        unit = self.unit_at(node, q_w)
        out = into if into is not None else Trial(q_w=q_w, feasible=True)
        for i in order:
            case = self.cases[i]
            d0 = design_feedin(unit, case.required_c, None)
            rev = self.reverse_flow(i, node, d0.t_out_k)
            if rev is not None and q_w >= rev["q_w"] * (1.0 + REVERSE_SAFETY):
                _reverse_without_solving(out, i, case.name, q_w, rev,
                                         self.th.plant_min_flow_fraction)
                break
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
            if feed is not None and feed.convergence.non_monotone_branches:
                out.multiple_states = True
            fnet = dataclasses.replace(case.net, feedins=fdf)  # shallow: the checks only read
            ctx = self.context(case, unit, feed, err, fnet)
            findings = judge(ctx)
            for f in findings:
                mg = f.search_margin
                if f.case != "base" and mg is not None and math.isfinite(mg):
                    key = (case.name, f.code)
                    if float(mg) < out.margins.get(key, math.inf):
                        out.margins[key], out.elements[key] = float(mg), f.element
            verdict = decide(findings)
            out.verdicts[case.name] = verdict
            permitted = feasible(verdict, self.spec.allow_conditions)
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

    def reverse_flow(self, i: int, node: str, t_out_k: float) -> dict | None:
        """Where the plant of load case ``i`` must reverse with a feed-in at ``node``.

        The feed-in's mass flow ``q / (h(t_out) − h(t_in))`` beyond the plant's base flow
        ``m0`` must come back through the plant: ``q_w = m0 · (h(t_out) − h(t_cold))`` with
        ``t_cold`` the colder of the node's base-case return and the plant's base inlet
        temperature (so the bound is not below the true one: at zero plant flow the whole
        return reaches the feed-in, as warm as at the node or at the plant). Only with one
        active plant whose base flow and design flow are positive, and a unit feeding at
        least as warm as the plant (colder water would make the consumers draw more flow).

        Parameters
        ----------
        i : int
            Load case.
        node : str
            Candidate node.
        t_out_k : float
            The unit's outlet temperature [K].

        Returns
        -------
        dict or None
            ``q_w`` [W], ``plant`` id, ``mdot0_kg_s`` (base flow), ``design_kg_s``,
            ``t_cold_k``; None where not known.
        """
        case = self.cases[i]
        plants = active(case.net.plants)
        if case.base is None or len(plants) != 1:
            return None
        pid = str(plants.index[0])
        design = case.design_flow.get(pid, math.nan)
        m0 = float(case.base.plant["mdot_kg_s"].sum())
        if not (m0 > 0 and math.isfinite(design) and design > 0
                and t_out_k >= float(plants.iloc[0]["t_supply_k"]) - 1e-6):
            return None
        j = case.base.junctions["t_k"]
        t_cold = min(float(j.at[self.pairs[node][1]]),
                     float(j.at[plants.iloc[0]["return_junction"]]))
        dh = float(enthalpy(t_out_k) - enthalpy(t_cold))
        if not dh > 0:
            return None
        return {"q_w": m0 * dh, "plant": pid, "mdot0_kg_s": m0, "design_kg_s": design,
                "t_cold_k": t_cold, "dh_j_kg": dh}

    def base_figures(self, node: str) -> dict:
        """Figures at zero feed-in (for nodes with capacity 0 and screened nodes)."""
        unit = self.unit_at(node, self.spec.q_max_w)
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


def feasible(verdict: str, allow_conditions: bool) -> bool:
    """Whether ``verdict`` counts as permitted.

    Parameters
    ----------
    verdict : str
        A verdict.
    allow_conditions : bool
        PERMITTED WITH CONDITIONS counts as permitted.

    Returns
    -------
    bool
    """
    return verdict == PERMITTED or (allow_conditions and verdict == PERMITTED_WITH_CONDITIONS)


def _reverse_without_solving(out: Trial, i: int, case: str, q_w: float, rev: dict,
                             frac: float) -> None:
    """Refuse ``out`` in load case ``i`` by plant reverse flow, without a solve; its
    plant-flow margin (% of design flow above the minimum share ``frac``) estimated as the
    base flow less the feed-in's flow."""
    m_f = q_w / rev["dh_j_kg"]
    share = (rev["mdot0_kg_s"] - m_f) / rev["design_kg_s"]
    out.feasible = False
    out.verdicts[case] = NOT_PERMITTED
    out.failed_case = i
    key = (case, "plant_min_flow")
    margin = 100.0 * (share - frac)
    if margin < out.margins.get(key, math.inf):
        out.margins[key], out.elements[key] = margin, rev["plant"]
    why = (f"the feed-in's flow at {q_w / 1e3:.1f} kW (≥ {m_f:.2f} kg/s, its inlet no colder "
           f"than {rev['t_cold_k'] - ZERO_CELSIUS_K:.1f} °C) exceeds the plant's base flow "
           f"{rev['mdot0_kg_s']:.2f} kg/s, so the plant's flow reverses at or below "
           f"{rev['q_w'] / 1e3:.1f} kW (not solved)")
    out.binding = {"code": "plant_min_flow", "load_case": case, "element": rev["plant"],
                   "message": why}


def _decisive(findings, verdict, allow_conditions, names) -> dict:
    findings = sort_findings(findings, priorities(), names)
    if verdict == NOT_PERMITTED:
        f = next(x for x in findings if x.severity == "violation")
    else:  # conditions not allowed
        f = next(x for x in findings if x.condition)
    return {"code": f.code, "load_case": f.load_case, "element": f.element,
            "message": f.message}


@dataclass
class Trial:
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
    # a solve found loop branches whose head law falls with flow: its state need not be
    # unique (``ConvergenceInfo.non_monotone_branches``)
    multiple_states: bool = False
    solve_s: float = 0.0
    solve_cpu_s: float = 0.0

