"""One hour of the annual analysis: solve, judge with the checker's criteria, search the limit.

Runs inside the executor's workers (``solve_chunk`` is a module-level function whose arguments
pickle). Every hour reuses the compiled network: consumer demands, the plant's supply setpoint,
the soil temperature and the feed-in heat are swapped into a copy of the ``Compiled`` arrays
(``dataclasses.replace``), and each solve is warm-started from the previous similar one
(``solve_compiled(comp, warm=state)``); an hour's first solve at the full offer and its base
case start from a state extrapolated from the last hours' (``_Predictor``).

**Criteria** are the checker's own registered checks (``evaluation.judge``) run on a
``CaseContext`` of the hour: a feed-in of λ·offer is *accepted* when no check reports a
violation for the feed-in case. Checks that only ever warn (flow reversal, pressure gradient,
stagnant pipes) are skipped; the design checks (heat-pump COP, outlet temperature) do not depend
on the solve and are judged once per supply temperature by the caller; a solve that does not
converge counts as a ``convergence`` violation; violations of the case without the feed-in
(``case == "base"``) are pre-existing and never limit the feed-in. Network-state checks need
the base case to tell a pre-existing problem from one the feed-in causes: the base case is the
same hour with the units at zero heat (λ = 0), solved only when needed. (The checker solves
the base case always and also refuses a feed-in when the base case does not converge; here an
hour whose full offer passes is accepted without its base case.)

**Minimum-flow hours**: when the consumers' flow (estimated from the hour's inputs) leaves
the plants less than their minimum flow at the full offer (``min_flow_share`` < 1), the full
offer is not solved at all (it would push water back through the plant and converge badly):
the base case is solved first, the limit re-estimated from it, and the search starts with a
probe just below that estimate and one a search step above it (three solves when the estimate
holds).

**Search** (only when the full offer fails): λ = 0 must pass (else nothing can be absorbed);
then the bracket [pass, fail] is narrowed until it is narrower than ``rel_tol`` by regula falsi
on the margin of the criterion that fails at the upper end (aimed just below the estimated
limit, then just above the best pass), with bisection when the margin is unknown (no
convergence), after two estimates the solves contradicted, or when the estimate lies at or
beyond the failing end (``bracket.next_probe``). The answer is the largest λ that was solved
and passed — never an interpolated value. The search assumes that a criterion which fails at
some feed-in also fails at every larger one; where a criterion is not monotone (the checker's
pre-existing-problem rule counts failing elements, so a marginal pressure at a hilltop can flip
back and forth) the answer is a passing feed-in next to a failing one, not necessarily the
largest passing one.

Cost per distinct hour: one solve when the full offer passes; three for a minimum-flow hour
whose estimate holds; otherwise 2 (full offer, base) + typically 2–8 search solves (bisection
where the failing criterion's margin gives no estimate). A warm-started solve that does not
converge is repeated from a cold start (``solve_compiled``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..bracket import next_probe, zero_crossing
from ..checks import CaseContext, state_difference
from ..errors import ConvergenceError
from ..evaluation import judge
from ..findings import WARNING_ONLY, Finding
from ..physics import water
from ..solver.elements import element_flows
from ..solver.native import combine_states, predict_state, solve_compiled

__all__ = ["HourCase", "Payload", "solve_chunk", "WARNING_ONLY", "DESIGN_CODES"]

DESIGN_CODES = ("heat_pump", "feedin_outlet_temperature")


@dataclass(frozen=True)
class HourCase:
    """The inputs of one distinct hour (SI)."""

    key: int
    q_scale: float  # φ: consumer demand / network load (when q_row is None)
    q_row: np.ndarray | None  # consumer demands [W] (profiles)
    t_supply_k: float
    t_soil_k: float
    offer_w: np.ndarray  # heat offered per unit at λ = 1
    t_out_k: np.ndarray  # outlet temperature per unit
    designs: tuple  # FeedinDesign per unit at λ = 1
    design_limit: tuple | None = None  # (code, element, message) of a design violation


@dataclass
class Payload:
    """What every chunk needs (pickled once per chunk)."""

    comp: object  # Compiled, with the units' feed-in rows
    network: object  # the network (the checks read pipe DN / diameters from it)
    units: list
    thresholds: object
    design_flow_kg_s: dict
    design_flow_source: dict
    unit_pos: np.ndarray  # positions of the units in comp.f_ids
    q_net_w: np.ndarray
    t_initial_k: float  # nan: the hour's supply temperature (as compile_network does)
    rel_tol: float = 0.005
    options: object = None
    second_start: bool = False  # re-solve flagged hours' accepted state from a cold start
    warm: object = None  # State to start every chunk from


@dataclass
class _Eval:
    lam: float
    state: object = None
    res: object = None
    violations: list = field(default_factory=list)
    findings: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.res is not None and not self.violations


class _Predictor:
    """Warm start of an hour extrapolated from the last solved hours (same feed-in share).

    The distinct hours are solved sorted by demand, so neighbours differ by small steps in a
    few inputs (demand, supply setpoint, soil temperature, offer). The step to the new inputs
    is written as a least-squares combination of the steps between the last ``depth`` solved
    hours, and the state is moved by the same combination of their state differences (first
    order in the inputs; the solver then corrects the rest). Coefficients are bounded, so a
    poorly conditioned history degrades to the last state.
    """

    def __init__(self, depth: int = 4):
        self.depth = depth
        self.hist: list = []  # [(inputs, State)], newest last

    def add(self, inputs: np.ndarray, state) -> None:
        self.hist = [*self.hist[-(self.depth - 1):], (inputs, state)]

    def predict(self, inputs: np.ndarray, fallback):
        if not self.hist:
            return fallback
        p0, s0 = self.hist[-1]
        if len(self.hist) < 2:
            return s0
        d = np.array([p - p0 for p, _ in self.hist[:-1]]).T  # inputs × history
        c, *_ = np.linalg.lstsq(d, inputs - p0, rcond=1e-6)
        if not np.all(np.isfinite(c)) or np.max(np.abs(c), initial=0.0) > 3.0:
            return s0
        return combine_states(s0, [(ci, s) for ci, (_, s) in zip(c, self.hist[:-1],
                                                                  strict=True)])


def _scaled(design, lam: float):
    return replace(design, q_out_w=lam * design.q_out_w, q_source_w=lam * design.q_source_w,
                   p_el_w=lam * design.p_el_w)


class HourSolver:
    """Solves hours one after the other, carrying warm starts."""

    def __init__(self, payload: Payload):
        self.p = payload
        # design checks: judged once per supply temperature by the caller; convergence:
        # reported by ``evaluate`` itself
        self.skip = set(WARNING_ONLY) | set(DESIGN_CODES) | {"convergence"}
        self.warm_full = payload.warm
        self.warm_base = payload.warm
        self.pred_full, self.pred_base = _Predictor(), _Predictor()
        self.design_total = float(sum(m for m in payload.design_flow_kg_s.values()
                                      if math.isfinite(m) and m > 0))  # plants [kg/s]
        self.solves = 0
        self.failed_solves = 0
        # the current hour: did a solve find a state that need not be unique
        # (``ConvergenceInfo.non_monotone_branches``)?
        self.multiple_states = False
        self.base_res = None
        self.comp_h = None  # the current hour's compiled network (``hour_comp``)

    # -- building blocks --------------------------------------------------------------------
    def hour_comp(self, case: HourCase):
        c = self.p.comp
        q = case.q_row if case.q_row is not None else self.p.q_net_w * case.q_scale
        t_out = c.f_t_out_k.copy()
        t_out[self.p.unit_pos] = case.t_out_k
        t_init = self.p.t_initial_k if math.isfinite(self.p.t_initial_k) else case.t_supply_k
        return replace(c, c_q_w=np.asarray(q, dtype=float),
                       pl_t_supply_k=np.full(len(c.pl_ids), case.t_supply_k),
                       t_soil_k=np.full(c.n_branches, case.t_soil_k),
                       t_soil_node_k=np.full(c.n_nodes, case.t_soil_k),
                       t_soil_default_k=case.t_soil_k, t_initial_k=t_init, f_t_out_k=t_out)

    def _with_lam(self, comp_h, case: HourCase, lam: float):
        q = comp_h.f_q_w.copy()
        q[self.p.unit_pos] = lam * case.offer_w
        return replace(comp_h, f_q_w=q)

    def judge(self, case: HourCase, lam: float, res, base) -> tuple[list, list]:
        """(violations of the feed-in case, all findings) of the checks for ``res``."""
        designs = {u.id: _scaled(d, lam) for u, d in zip(self.p.units, case.designs,
                                                         strict=True)}
        ctx = CaseContext("hour", self.p.thresholds, self.p.units, designs, self.p.network,
                          None, base=base, feedin=res,
                          design_flow_kg_s=dict(self.p.design_flow_kg_s),
                          design_flow_source=dict(self.p.design_flow_source),
                          t_soil_k=case.t_soil_k)
        findings = judge(ctx, skip=self.skip)
        viol = [f for f in findings if f.severity == "violation" and f.case != "base"]
        return viol, findings

    def evaluate(self, comp_h, case: HourCase, lam: float, warm, base=None,
                 self_base: bool = False) -> _Eval:
        self.solves += 1
        try:
            state, res = solve_compiled(self._with_lam(comp_h, case, lam), warm=warm,
                                        options=self.p.options)
        except ConvergenceError as exc:
            self.failed_solves += 1
            f = Finding(code="convergence", severity="violation", case="feedin",
                        message=f"the solve did not converge at {100 * lam:.1f} % of the "
                                f"offer: {exc}")
            return _Eval(lam, violations=[f], findings=[f])
        self.multiple_states |= bool(res.convergence.non_monotone_branches)
        viol, findings = self.judge(case, lam, res, res if self_base else base)
        return _Eval(lam, state, res, viol, findings)

    # -- the plant-minimum-flow estimate -----------------------------------------------------

    def min_flow_share(self, comp_h, case: HourCase, base_res=None) -> float:
        """Estimated share λ of the offer at which the plants reach their minimum flow.

        The feed-in's flow displaces plant flow one to one: λ ≈ (ṁ_plant,0 − f·ṁ_design) /
        ṁ_feed-in(λ = 1). Without a base solve ṁ_plant,0 is the consumers' flow at the
        plant's supply temperature (heat losses ignored: an underestimate) and the units'
        inlet the flow-weighted return setpoint; with ``base_res`` both come from that solve.
        inf when no plant has a design flow (the criterion cannot bind).
        """
        design = self.design_total
        if design <= 0:
            return math.inf
        frac = self.p.thresholds.plant_min_flow_fraction
        h_out = water.enthalpy(case.t_out_k)
        h_supply = water.enthalpy(case.t_supply_k)
        if base_res is not None:
            m_plant = float(base_res.plant["mdot_kg_s"].sum())
            fe = base_res.feedins
            t_in = np.array([float(fe.at[u.id, "t_in_k"]) if u.id in fe.index else np.nan
                             for u in self.p.units])
            h_in = np.where(np.isfinite(t_in), water.enthalpy(t_in), h_supply)
        else:  # consumers' flow and mixed return enthalpy by their own outlet law
            t = np.full(comp_h.n_nodes, case.t_supply_k)
            fl = element_flows(comp_h, t, water.enthalpy(t))
            m_plant = float(np.sum(fl["m_c"]))
            h_ret = np.where(fl["c_fixed_h"], fl["c_h_out"], h_supply - fl["c_dh"])
            h_in = float(np.sum(fl["m_c"] * h_ret) / m_plant) if m_plant > 0 else h_supply
        dh = h_out - h_in
        with np.errstate(divide="ignore", invalid="ignore"):
            m_f = float(np.sum(np.where(dh > 0, case.offer_w / dh, np.inf)))
        if not m_f > 0:
            return math.inf
        return (m_plant - frac * design) / m_f

    # -- one hour ---------------------------------------------------------------------------
    def run(self, case: HourCase) -> dict:
        comp_h = self.comp_h = self.hour_comp(case)
        n0 = self.solves
        self.multiple_states = False
        self.base_res = None  # the hour's base case, once solved
        offered = float(np.sum(case.offer_w))
        ev1 = None
        if (case.design_limit is None and offered > 0
                and self.min_flow_share(comp_h, case) < 1.0):
            return self._run_from_base(comp_h, case, n0)
        if case.design_limit is None and offered > 0:
            x = _inputs(case)
            ev1 = self.evaluate(comp_h, case, 1.0, self.pred_full.predict(x, self.warm_full))
            if ev1.state is not None:
                self.warm_full = ev1.state
                self.pred_full.add(x, ev1.state)
            if ev1.ok:
                return self._record(case, ev1, None, n0)
        ev0 = self._base(comp_h, case, ev1.state if ev1 is not None else None)
        if case.design_limit is not None:
            return self._record(case, ev0, case.design_limit, n0)
        if offered <= 0:
            return self._record(case, ev0, None, n0, lam=1.0)
        if ev1.res is not None and ev0.res is not None:  # judge again against the base case
            ev1.violations, ev1.findings = self.judge(case, 1.0, ev1.res, ev0.res)
            if ev1.ok:
                return self._record(case, ev1, None, n0)
        if not ev0.ok:
            return self._record(case, ev0, _limit(ev0), n0)
        lo, hi = self._search(comp_h, case, ev0, ev1)
        return self._record(case, lo, _limit(hi), n0)

    def _base(self, comp_h, case: HourCase, other) -> _Eval:
        """The hour's base case (λ = 0), warm-started from the extrapolated last base states
        (else ``other``); kept as the next hours' warm start."""
        warm = self.warm_base if self.warm_base is not None else other
        x = _inputs(case)
        ev0 = self.evaluate(comp_h, case, 0.0, self.pred_base.predict(x, warm), self_base=True)
        self.base_res = ev0.res
        if ev0.state is not None:
            self.warm_base = ev0.state
            self.pred_base.add(x, ev0.state)
        return ev0

    def _run_from_base(self, comp_h, case: HourCase, n0: int) -> dict:
        """An hour whose full offer would take the plants below their minimum flow (estimate
        from the inputs): the base case first, then a probe just below the limit estimated
        from it, then the usual bracket search. Saves the full-offer solve, which at such
        low loads pushes water backwards through the plant and converges badly. (The base
        case is needed anyway: in these hours consumers are often below their minimum supply
        temperature already without the feed-in, which only the base case can excuse.)"""
        tol = self.p.rel_tol
        ev0 = self._base(comp_h, case, self.warm_full)
        if not ev0.ok:
            return self._record(case, ev0, _limit(ev0), n0)
        est = self.min_flow_share(comp_h, case, ev0.res)
        lam = min(max(est - 0.5 * tol, 0.5 * tol), 1.0)
        warm = self.warm_full if self.warm_full is not None else ev0.state
        probe = self.evaluate(comp_h, case, lam, warm, base=ev0.res)
        if probe.state is not None:
            self.warm_full = probe.state
        if not probe.ok:
            lo, hi = self._search(comp_h, case, ev0, probe)
            return self._record(case, lo, _limit(hi), n0)
        if lam >= 1.0:
            return self._record(case, probe, None, n0)
        # passed: close the bracket just above (or take the full offer if it passes)
        up = min(lam + 0.99 * tol, 1.0)
        ev_up = self.evaluate(comp_h, case, up, probe.state, base=ev0.res)
        if ev_up.ok and up < 1.0:
            ev1 = self.evaluate(comp_h, case, 1.0, ev_up.state, base=ev0.res)
            if ev1.ok:
                return self._record(case, ev1, None, n0)
            lo, hi = self._search(comp_h, case, ev_up, ev1, prev_lo=probe, base=ev0.res)
            return self._record(case, lo, _limit(hi), n0)
        if ev_up.ok:
            return self._record(case, ev_up, None, n0)
        return self._record(case, probe, _limit(ev_up), n0)

    def _search(self, comp_h, case, lo: _Eval, hi: _Eval, prev_lo: _Eval | None = None,
                base=None) -> tuple[_Eval, _Eval]:
        """Narrow [lo, hi] (see the module doc); ``base``: the hour's base-case result the
        probes are judged against (default: ``lo``'s, when ``lo`` is the base case)."""
        tol = self.p.rel_tol
        base = base if base is not None else lo.res
        misses = 0  # consecutive estimates the solve contradicted; two → bisect once
        # prev_lo: the pass before ``lo``: with it the margin is extrapolated (secant)
        while hi.lam - lo.lam > tol:
            root = _root_estimate(lo, hi, prev_lo) if misses < 2 else None
            lam, expect_pass = next_probe(lo.lam, hi.lam, root, tol)
            if expect_pass is None:
                misses = 0
            solved = [(e.lam, e.state) for e in (lo, hi, prev_lo)
                      if e is not None and e.state is not None]
            ev = self.evaluate(comp_h, case, lam, predict_state(solved, lam), base=base)
            if ev.ok:
                prev_lo, lo = lo, ev
            else:
                hi = ev
            if expect_pass is not None:
                misses = misses + 1 if ev.ok != expect_pass else 0
        return lo, hi

    def _other_state(self, case: HourCase, ev: _Eval) -> dict:
        """``other_state`` (a cold start at the accepted feed-in settled in another state)
        and ``other_state_limited_by`` (the first criterion that state fails, "" if none) of
        an hour flagged ``multiple_states`` (``Payload.second_start``); False / "" for the
        others and where that solve does not converge."""
        out = {"other_state": False, "other_state_limited_by": ""}
        if not self.multiple_states or ev.res is None:
            return out
        self.solves += 1
        try:
            _, alt = solve_compiled(self._with_lam(self.comp_h, case, ev.lam),
                                    options=self.p.options)
        except ConvergenceError:
            return out
        if not state_difference(ev.res, alt)["differ"]:
            return out
        viol, _ = self.judge(case, ev.lam, alt, alt if ev.lam == 0 else self.base_res)
        return {"other_state": True, "other_state_limited_by": viol[0].code if viol else ""}

    # -- the record of an hour --------------------------------------------------------------
    def _record(self, case: HourCase, ev: _Eval, limit, n0: int, lam: float | None = None) -> dict:
        lam = ev.lam if lam is None else lam
        other = self._other_state(case, ev) if self.p.second_start else {}
        out = {"key": case.key, "lam": lam, "solves": self.solves - n0,
               "converged": ev.res is not None,
               "multiple_states": self.multiple_states, **other,
               "limited_by": limit[0] if limit else "",
               "limit_element": (limit[1] or "") if limit else "",
               "limit_message": limit[2] if limit else ""}
        u_ids = [u.id for u in self.p.units]
        for u, d, q in zip(self.p.units, case.designs, case.offer_w, strict=True):
            out[f"{u.id}:offered_w"] = float(q)
            out[f"{u.id}:absorbed_w"] = lam * float(q) if ev.res is not None else 0.0
            s = 1.0 if ev.res is not None else 0.0
            out[f"{u.id}:p_el_w"] = s * lam * d.p_el_w
            out[f"{u.id}:q_source_w"] = s * lam * d.q_source_w
            out[f"{u.id}:cop"] = d.cop if d.mode == "heat_pump" else math.nan
            out[f"{u.id}:mode"] = d.mode
        res = ev.res
        if res is None:
            return out
        pl = res.plant
        frac = self.p.thresholds.plant_min_flow_fraction
        design = np.array([self.p.design_flow_kg_s.get(str(i), math.nan) for i in pl.index])
        dh = water.enthalpy(pl["t_supply_k"].to_numpy()) - water.enthalpy(
            pl["t_return_k"].to_numpy())
        fe = res.feedins
        mine = fe.index.isin(u_ids)
        cons = res.consumers
        act = res.active_consumers
        out.update({
            "plant_w": float(pl["q_w"].sum()),
            "plant_mdot_kg_s": float(pl["mdot_kg_s"].sum()),
            "plant_min_w": float(np.nansum(frac * design * dh)),
            "plant_flow_share": float(pl["mdot_kg_s"].sum() / np.nansum(design))
            if np.nansum(design) > 0 else math.nan,
            "plant_t_return_c": float(pl["t_return_c"].iloc[0]) if len(pl) else math.nan,
            "plant_head_bar": float(pl["head_bar"].max()) if len(pl) else math.nan,
            "consumer_w": float(cons["q_w"].sum()),
            "loss_w": float(res.balance.get("losses_w", math.nan)),
            "feedin_network_w": float(fe.loc[mine, "q_w"].sum()),
            "other_feedin_w": float(fe.loc[~mine, "q_w"].sum()),
            "energy_rel": float(res.balance.get("energy_rel", math.nan)),
            "dp_min_consumer_bar": float(act["dp_bar"].min()) if len(act) else math.nan,
            "t_supply_min_consumer_c": float(act["t_supply_c"].min()) if len(act) else math.nan,
            "iterations": int(res.convergence.iterations),
        })
        for u in self.p.units:
            if u.id in fe.index:
                out[f"{u.id}:t_in_c"] = float(fe.at[u.id, "t_in_c"])
                out[f"{u.id}:mdot_kg_s"] = float(fe.at[u.id, "mdot_kg_s"])
                out[f"{u.id}:head_needed_bar"] = float(fe.at[u.id, "head_bar"]) + \
                    u.station_losses_bar
        return out


def _inputs(case: HourCase) -> np.ndarray:
    """The inputs that make hours differ, scaled to similar steps: demand (total [MW]),
    supply setpoint and soil temperature [10 K], offer [MW]."""
    q = float(np.sum(case.q_row)) if case.q_row is not None else case.q_scale
    return np.array([q / 1e6 if case.q_row is not None else q * 10.0, case.t_supply_k / 10.0,
                     case.t_soil_k / 10.0, float(np.sum(case.offer_w)) / 1e6])


def _limit(ev: _Eval) -> tuple:
    f = ev.violations[0]
    return (f.code, f.element, f.message)


def _margin(findings, code: str) -> float | None:
    """Smallest margin of ``code`` in the feed-in case — the margin to becoming worse where
    the criterion fails already without the feed-in (``Finding.margin_to_worse``)."""
    ms = [f.search_margin for f in findings if f.code == code and f.case != "base"]
    ms = [x for x in ms if x is not None and math.isfinite(x)]
    return min(ms) if ms else None


def _root_estimate(lo: _Eval, hi: _Eval, prev_lo: _Eval | None = None) -> float | None:
    """Smallest λ where the margin of a criterion failing at ``hi`` crosses zero: extrapolated
    from the two best passes (secant) when there are two, else linear between ``lo`` and
    ``hi`` (regula falsi). None when no failing criterion has the margins it needs."""
    if hi.res is None:
        return None
    roots = []
    for code in dict.fromkeys(f.code for f in hi.violations):
        m_lo = _margin(lo.findings, code)
        if m_lo is None or m_lo <= 0:
            continue
        m_prev = _margin(prev_lo.findings, code) if prev_lo is not None else None
        if m_prev is not None and m_prev > m_lo and lo.lam > prev_lo.lam:
            roots.append(min(zero_crossing(prev_lo.lam, m_prev, lo.lam, m_lo), hi.lam))
            continue
        m_hi = _margin(hi.findings, code)
        if m_hi is not None and m_hi < 0:
            roots.append(zero_crossing(lo.lam, m_lo, hi.lam, m_hi))
    return min(roots) if roots else None


def solve_chunk(cases: list[HourCase], payload: Payload) -> dict:
    """Solve a chunk of hours (sorted so that neighbours are similar); records + counters."""
    solver = HourSolver(payload)
    records = [solver.run(c) for c in cases]
    return {"records": records, "solves": solver.solves, "failed_solves": solver.failed_solves}
