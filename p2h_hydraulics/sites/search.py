"""Stage 3 of the site comparison: the capacity of one node by full solves (``refine_node``).

Bracketing from the screened estimate, then regula falsi on the margin of the criterion binding
at the upper end (bisection when no margin is known or two estimates missed) to ``max(tol_kw,
tol_rel·q)`` on the verdict of full nonlinear solves (``worker.Setup.trial``). A trial stops at
its first failing load case (the one that failed last for this node is tried first). The
reported capacity is the largest capacity a trial found permitted; ``confirm=True`` re-runs
``check_integration`` on it (which, where the state may not be unique, also solves the feed-in
from a cold start: ``other_state`` names a check failing only in another steady state). While
bracketing, the next probe aims just across where the margins of the last two trials reach zero
(the first trial's worst pipe velocity is paired with its value without the feed-in; after a
probe that fell short the step at least doubles; without an estimate and with a limit found by
the screen, the second probe tries to close the bracket). The first trial is judged in every
load case; the trials on the way in the load case that binds first only, the capacity found
then in the others — if one of them refuses it, the search continues below, judging every trial
in every case. A run of passes below the same upper end switches regula falsi to bisection.
Every node is searched on its own (trials warm-start from its own trials or the base case), so
its result does not depend on which other nodes are refined: where a near-stagnant loop has two
steady states, the state a trial lands in follows its warm start."""

from __future__ import annotations

import math

from ..bracket import next_probe, zero_crossing
from ..check import check_integration
from ..findings import NOT_PERMITTED, PERMITTED, PERMITTED_WITH_CONDITIONS, WARNING_ONLY
from ..unit import design_feedin
from .worker import Setup, Trial, feasible


def design_t_out(setup: Setup, i: int, node: str) -> float:
    """The template unit's outlet temperature [K] at ``node`` in load case ``i``.

    Parameters
    ----------
    setup : Setup
        This process's setup.
    i : int
        Load case.
    node : str
        Candidate node.

    Returns
    -------
    float
    """
    return design_feedin(setup.unit_at(node, setup.spec.q_max_w), setup.cases[i].required_c,
                         None).t_out_k

_MAX_TRIALS = 30  # full-solve trials per node at most

# ------------------------------------------------------------------------------------------
# refinement by full solves


def refine_node(setup: Setup, node: str, seed: dict) -> dict:
    """Capacity of ``node`` by full solves, from its screen ``seed`` (see the module doc).

    Parameters
    ----------
    setup : Setup
        This process's setup (``worker.Setup``).
    node : str
        The candidate node.
    seed : dict
        Its screen result (``q_w``, ``order`` of the load cases …).

    Returns
    -------
    dict
        The node's row of the site table.
    """
    return NodeSearch(setup, node, seed).run()


class NodeSearch:
    """The full-solve capacity search of one node: bracket from the screened estimate,
    narrow the bracket, judge the answer in every load case, probe below it once."""

    def __init__(self, setup: Setup, node: str, seed: dict):
        self.setup, self.node, self.seed = setup, node, seed
        spec = setup.spec
        self.q_max, self.tol_w, self.tol_rel = spec.q_max_w, spec.tol_w, spec.tol_rel
        self.q_min = min(self.tol_w, self.q_max)
        self.order = list(seed["order"])  # load cases, the one expected to bind first
        self.warm: dict = {}  # load case → [(q, State)] of this node's trials
        self.trials: list[Trial] = []
        self.eager = False  # judge every trial in every load case (once the lazy way misled)

    # -- trials ----------------------------------------------------------------------------
    def _first(self, i: int) -> None:
        self.order.remove(i)
        self.order.insert(0, i)

    def _reorder(self, t: Trial) -> None:
        if not t.feasible and t.failed_case is not None:  # try the failing case first next
            self._first(t.failed_case)

    def trial(self, q: float, every_case: bool = False) -> Trial:
        """A trial at ``q``: in the first load case of ``order`` only (the others are judged
        once the search has settled, ``settle``), or in every case."""
        cases = self.order if every_case or self.eager else self.order[:1]
        t = self.setup.trial(self.node, q, cases, self.warm)
        self.name_reverse_flow(t)
        self.trials.append(t)
        self._reorder(t)
        return t

    def name_reverse_flow(self, t: Trial) -> None:
        """Name plant reverse flow where another finding stands in for it: a trial refused
        by another criterion whose solve finds the plant's flow reversed (the hot return
        the reversed plant sends out, velocities of the flow pushed back follow from it), or
        a trial that did not converge where the plant's flow, extrapolated from this node's
        converged trials below it (and the base case), has fallen to its minimum within the
        search's tolerance. Such a trial is refused by ``plant_min_flow`` — a physical
        limit, not a convergence failure — and, when not solved, gets the extrapolated
        plant-flow margin, so the search narrows on it."""
        b = t.binding
        if t.feasible or b is None or b["code"] == "plant_min_flow":
            return
        name = b["load_case"]
        key = (name, "plant_min_flow")
        if key not in t.margins and b["code"] != "convergence":
            return
        frac = self.setup.th.plant_min_flow_fraction
        if key in t.margins:  # solved: the plant's flow is known
            if t.margins[key] <= -100.0 * frac:
                share = t.margins[key] / 100.0 + frac
                why = (f"the solve at {t.q_w / 1e3:.1f} kW finds the plant's flow reversed "
                       f"({100 * share:.0f} % of its design flow); {b['code']} "
                       "follows from it")
                t.binding = {"code": "plant_min_flow", "load_case": name,
                             "element": t.elements.get(key), "message": why}
            return
        i = next((j for j, c in enumerate(self.setup.cases) if c.name == name), None)
        if i is None:
            return
        rev = self.setup.reverse_flow(i, self.node, design_t_out(self.setup, i, self.node))
        if rev is None:
            return
        pts = {0.0: 100.0 * (rev["mdot0_kg_s"] / rev["design_kg_s"] - frac)}
        pts.update({x.q_w: x.margins[key] for x in self.trials
                    if key in x.margins and x.q_w < t.q_w})
        (q1, m1), (q2, m2) = sorted(pts.items())[-2:] if len(pts) > 1 else (
            (0.0, pts[0.0]), (rev["q_w"], -100.0 * frac))
        if not m2 < m1:
            return
        q0 = zero_crossing(q1, m1, q2, m2)
        if not q0 <= t.q_w + self._tol(t.q_w):
            return
        t.margins[key] = min(m2 + (m2 - m1) * (t.q_w - q2) / (q2 - q1), -1e-6)
        t.elements[key] = rev["plant"]
        why = (f"the plant's flow, extrapolated from the solves at {q1 / 1e3:.1f} and "
               f"{q2 / 1e3:.1f} kW, reaches its minimum ({100 * frac:.0f} % of design) at "
               f"{q0 / 1e3:.1f} kW, and the solve at {t.q_w / 1e3:.1f} kW does not converge")
        t.binding = {"code": "plant_min_flow", "load_case": name, "element": rev["plant"],
                     "message": why}

    def complete(self, t: Trial) -> bool:
        """Judge a trial that passed its first load case in the others; True if permitted."""
        rest = [i for i in self.order if i not in t.passed]
        if t.feasible and rest:
            self.setup.trial(self.node, t.q_w, rest, self.warm, into=t)
            self.name_reverse_flow(t)
            self._reorder(t)
        return t.feasible

    def _budget_left(self) -> bool:
        return len(self.trials) < _MAX_TRIALS

    def _tol(self, q: float) -> float:
        return max(self.tol_w, self.tol_rel * q)

    # -- stages ----------------------------------------------------------------------------
    def bracket(self):
        """(largest permitted, smallest not permitted trial) around the limit, from the
        screened estimate: aimed steps (``step_beyond``); with a limit found by the screen
        and no estimate, the second probe tries to close the bracket at once."""
        t = self.trial(min(max(self.seed["q_w"], self.q_min), self.q_max), every_case=True)
        close_first = self.seed.get("code") is not None and t.q_w < self.q_max
        f = 1.1  # step without an estimate, squared after every step
        # the trial before ``t`` on this side (first: the margins without feed-in, if known);
        # whether the last probe fell short of where it was aimed
        zero = at_zero(self.setup, t)
        prev, crept = (zero if zero.margins else None), False
        up = t.feasible
        lo, hi = (t, None) if up else (None, t)
        while self._budget_left():
            end = lo if up else hi
            if (end.q_w >= self.q_max) if up else (end.q_w <= self.q_min):
                break
            q, aimed = step_beyond(prev, end, f, crept, self.tol_w, self.tol_rel, up=up)
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

    def narrow(self, lo: Trial | None, hi: Trial | None):
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
            root = crossing(lo, hi) if misses < 2 and kept < 2 else None
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

    def settle(self, lo: Trial | None, hi: Trial | None):
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

    def message(self, lo: Trial | None, hi: Trial) -> str:
        """The binding finding's message; for the plant's flow led by where it runs out
        (the crossing of its margin between ``lo`` and ``hi``, else ``hi``): "plant reverse
        flow beyond X kW" (minimum share 0, or the flow at ``hi`` reversed) or "plant flow
        below its minimum beyond X kW"."""
        b = hi.binding
        if b["code"] != "plant_min_flow":
            return b["message"]
        frac = self.setup.th.plant_min_flow_fraction
        q0 = crossing(lo, hi)
        q0 = hi.q_w if q0 is None else min(q0, hi.q_w)
        m = hi.margins.get((b["load_case"], "plant_min_flow"), math.nan)
        what = ("plant reverse flow" if frac == 0 or m <= -100.0 * frac
                else "plant flow below its minimum")
        return f"{what} beyond {q0 / 1e3:.1f} kW: {b['message']}"

    def row(self, lo: Trial | None, hi: Trial | None, non_monotone: bool) -> dict:
        """The node's result row: capacity, binding criterion and the figures at ``lo``."""
        trials = self.trials
        row = {"node": self.node, "capacity_kw": (lo.q_w / 1e3) if lo else 0.0,
               "n_solves": sum(x.n_solves for x in trials), "method": "solved",
               "solve_s": sum(x.solve_s for x in trials),
               "solve_cpu_s": sum(x.solve_cpu_s for x in trials), "n_trials": len(trials),
               "non_monotone": non_monotone,
               "multiple_states": any(x.multiple_states for x in trials)}
        if hi is not None:
            row.update(limited_by=hi.binding["code"], load_case=hi.binding["load_case"],
                       element=hi.binding["element"], message=self.message(lo, hi),
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
            row["confirmed"], row["other_state"] = _confirm(self.setup, self.node, lo.q_w)
        return row


def _roots(prev: Trial | None, lo: Trial) -> dict:
    """(load case, code) → capacity [W] where its margin, falling between two permitted
    trials ``prev`` < ``lo``, reaches zero (secant). Margins held at ≈ 0 by a control (the
    critical consumer's Δp) carry no trend and are left out (< 1e-6 in their unit)."""
    if prev is None or not lo.q_w > prev.q_w:
        return {}
    return {k: zero_crossing(prev.q_w, prev.margins[k], lo.q_w, m)
            for k, m in lo.margins.items()
            if m > 1e-6 and prev.margins.get(k, -math.inf) > m + 1e-9
            and k[1] not in WARNING_ONLY}


def extrapolated(prev: Trial | None, lo: Trial) -> float | None:
    """The nearest of ``_roots`` over the criteria and load cases; None when no margin
    falls.

    Parameters
    ----------
    prev : Trial or None
        The trial before ``lo`` on the same side.
    lo : Trial
        A permitted trial.

    Returns
    -------
    float or None
        Estimated capacity [W].
    """
    roots = _roots(prev, lo)
    return min(roots.values()) if roots else None


def at_zero(setup: Setup, t: Trial) -> Trial:
    """The margins of ``t``'s worst elements without the feed-in, as a trial at 0 W, where
    the base case knows them: pipe velocities (the screen's base margins). With them the
    first full trial gives a secant through the origin — where the screen's linear model
    is off (flow shifting to parallel paths as friction grows), a better next probe.

    Parameters
    ----------
    setup : Setup
        This process's setup.
    t : Trial
        The first full trial.

    Returns
    -------
    Trial
        A trial at 0 W with the known margins.
    """
    zero = Trial(q_w=0.0, feasible=True)
    for i, case in enumerate(setup.cases):
        key = (case.name, "velocity")
        lin = setup.linear(i) if key in t.margins else None
        k = lin.pipe_pos.get(t.elements.get(key)) if lin is not None else None
        if k is not None and lin.b_v[k] > 0:
            zero.margins[key] = float(lin.b_v[k])
    return zero


def step_beyond(prev: Trial | None, t: Trial, f: float, crept: bool, tol_w: float,
                 tol_rel: float, up: bool) -> tuple[float, bool]:
    """(next bracketing probe [W], whether it is aimed across the limit) beyond ``t`` (above a
    permitted trial, ``up``, else below a trial not permitted): aimed just across where the
    margins of ``prev`` and ``t`` reach zero (``extrapolated``, downwards ``crossing``),
    else a factor ``f`` away; at most 4× (¼).
    ``crept``: the last probe was aimed across and fell short (a margin that flattens): then
    the step is at least twice the last one, so a slowly curving margin is not followed in
    ever smaller steps.

    Parameters
    ----------
    prev : Trial or None
        The trial before ``t`` on its side.
    t : Trial
        The end of the bracket so far.
    f : float
        Step factor without an estimate.
    crept : bool
        The last aimed probe fell short.
    tol_w, tol_rel : float
        Capacity tolerance [W] and relative tolerance.
    up : bool
        Search upwards (``t`` permitted).

    Returns
    -------
    tuple
        (next probe [W], whether it is aimed across the limit).
    """
    if up:
        est = extrapolated(prev, t)
    else:
        est = crossing(prev, t)
    if est is None:
        q = t.q_w * f if up else t.q_w / f
    else:
        half_tol = 0.5 * max(tol_w, tol_rel * est)
        q = est + half_tol if up else est - half_tol
    if crept and prev is not None:
        last = abs(t.q_w - prev.q_w)
        q = max(q, t.q_w + 2.0 * last) if up else min(q, t.q_w - 2.0 * last)
    return (min(q, 4.0 * t.q_w) if up else max(q, 0.25 * t.q_w)), est is not None


def crossing(other: Trial | None, hi: Trial) -> float | None:
    """Capacity [W] where the margin of the criterion binding at ``hi`` (not permitted)
    reaches zero on the line through ``other`` and ``hi``: regula falsi with a permitted
    ``other`` below (margin > 0 there), secant with another trial above that was refused by
    a lower margin; None without such a pair.

    Parameters
    ----------
    other : Trial or None
        Another trial.
    hi : Trial
        A trial not permitted.

    Returns
    -------
    float or None
        Estimated capacity [W].
    """
    if other is None or hi.binding is None or other.q_w == hi.q_w:
        return None
    key = (hi.binding.get("load_case"), hi.binding.get("code"))
    m_o, m_hi = other.margins.get(key), hi.margins.get(key)
    if m_o is None or m_hi is None or not m_hi < 0:
        return None
    if not (m_o > 0 if other.q_w < hi.q_w else m_o < m_hi):
        return None
    return zero_crossing(other.q_w, m_o, hi.q_w, m_hi)


def _confirm(setup: Setup, node: str, q_w: float) -> tuple[bool, str]:
    """(``check_integration`` permits ``q_w`` [W] at ``node``, the checks the feed-in fails
    only in another steady state — "code (load case)", "; "-joined, "" for none — from the
    checker's second start where the state may not be unique)."""
    rep = check_integration(setup.scenario, units=[setup.unit_at(node, q_w)], backend="native")
    other = [f"{f.other_state_fails} ({f.load_case})" for f in rep.findings
             if f.code == "multiple_states" and f.other_state_fails]
    return feasible(rep.verdict, setup.spec.allow_conditions), "; ".join(other)

