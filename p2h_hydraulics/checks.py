"""The criteria of the integration checker: the registered checks and their ``Thresholds``.

Each check is a function ``(ctx: CaseContext) -> list[Finding]`` registered with
``@register(code, criterion)`` (``findings``); the registry order is the decisive-first
priority used to sort the findings (``findings.sort_findings``). One finding per (check, load
case, unit or worst element); a finding that summarises many elements gives their number in
``count``. The ``CaseContext`` of a load case — the network and result without the feed-in
(base case) and with it, the units' designs — is built by the evaluation layer
(``evaluation.evaluate_case``) and judged by ``evaluation.judge``; ``check.check_integration``
runs it for every load case of a scenario.

The criteria (DOMAIN.md §4; defaults in ``Thresholds``, all configurable), in the registry's
decisive-first order — can the unit make the temperature at all, is the solution trustworthy,
can its cooling loop take the return, can the network absorb the heat, can its pump push it,
then the safety of the network:

== ============================== ============================================================
 9 ``heat_pump``                   heat-pump stage: lift, COP, electricity; COP ≥ COP_min
                                   (a needed stage is a condition)
 7 ``feedin_outlet_temperature``   unit outlet ≥ required supply temperature
11 ``convergence``                 both solves converged
11 ``multiple_states``             no loop branch whose head falls with flow (natural
                                   convection: several steady states possible; warning)
11 ``consumer_heat``               every consumer receives its demand (none dropped)
11 ``consumer_return_temperature`` consumer returns ≥ their surroundings and > 0 °C
 6 ``freezing``                    no water cools to 0 °C (stagnant in frozen surroundings)
 5 ``velocity_plausible``          v ≤ 3 × v_max: beyond it the network data is wrong
 8 ``feedin_return_temperature``   local return at the unit ≤ its max inlet
10 ``plant_min_flow``              plant keeps ≥ 10 % of its design flow (the plant's
                                   ``mdot_design``, else the base flow of the highest-load case)
 2 ``feedin_pump_head``            local p_supply − p_return + station losses ≤ available head
                                   (above a standard station's head: a condition)
 1 ``consumer_dp``                 every consumer's Δp ≥ Δp_min, with and without the feed-in
 3 ``pressure_max``                max pressure ≤ PN rating
 4 ``pressure_min``                min pressure ≥ p_sat(T) + margin and ≥ 0 bar g + margin
 7 ``consumer_supply_temperature`` every consumer gets ≥ T_supply,min
 5 ``velocity``                    v ≤ v_max (DN ≤ 50, or d_inner ≤ 54.5 mm: smaller limit)
11 ``balance``                     mass and energy balances close
 6 ``flow_reversal``               pipes whose flow reverses vs the base case (warning)
 5 ``pressure_gradient``           specific pressure loss ≤ R_max (warning if the feed-in adds)
 6 ``stagnant_pipes``              pipes that stop flowing when the feed-in runs (warning)
== ============================== ============================================================

The four physical-plausibility checks after ``convergence`` judge both solves alike: a state
that cannot exist (a return colder than the ground or frozen, water freezing in a pipe, a
velocity no network runs at, a consumer the solve left out) is a violation whoever causes it,
so an absurd network is never PERMITTED (``docs/criteria.md``). Statically impossible
inputs never reach the checker: ``model.validate.consumer_problems`` refuses them when the
network is read or a load case applied, and a network without consumers is refused.

Network-state checks (3, 4, 5, 7) judge the feed-in case against the base case: a failure with
the feed-in is a violation — unless the network fails equally without it and the feed-in does
not make it worse; then it is a warning ("pre-existing"), because it is no reason to refuse the
feed-in. Criterion 1 is judged in both cases (the network must also work when the data centre is
off). A solve that does not converge gives a ``convergence`` violation (never a crash, never
PERMITTED); checks that need the missing result are skipped for that case.

Required supply temperature of a unit: its ``required_supply_c`` or the plant's supply setpoint
of the load case. The heat-pump stage does not depend on the local return temperature, so the
feed-in's outlet and heat are fixed before solving; the local return the unit really sees is
taken from the feed-in solve.
"""

# size: one module holds every criterion, so the registry order (the priority) reads top to
# bottom; each check is a short function of its own.

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .findings import (
    REGISTRY,
    Finding,
    register,
)
from .model.graph import active
from .solver.elements import FEEDIN_DT_MIN_K
from .unit import (
    FeedinDesign,
    P2HUnit,
    pump_head_needed_pa,
)
from .units import BAR, ZERO_CELSIUS_K

__all__ = ["Thresholds", "CaseContext", "pipe_vmax", "local_return_c"]


class Thresholds(BaseModel):
    """Limits of the checker (edge units; defaults from DOMAIN.md §4)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dp_min_bar: float | None = Field(
        None, ge=0.0, description="consumer Δp_min; default: each consumer's dp_min (0.5 bar)")
    pn_bar: float = Field(16.0, gt=0.0, description="pressure rating (PN16 steel, PN6 plastic)")
    p_sat_margin_bar: float = Field(0.5, ge=0.0, description="margin above saturation pressure")
    p_min_bar: float = Field(0.5, description="minimum gauge pressure (atmospheric + margin)")
    v_max_m_s: float = Field(2.0, gt=0.0, description="velocity limit")
    v_max_small_m_s: float = Field(1.5, gt=0.0, description="velocity limit for DN ≤ small_dn")
    small_dn: float = Field(50.0, gt=0.0, description="largest DN of the small-pipe limit")
    small_d_inner_m: float = Field(0.0545, gt=0.0,
                                   description="inner diameter counted as ≤ small_dn when the "
                                               "pipe has no DN")
    r_max_pa_per_m: float = Field(200.0, gt=0.0, description="specific pressure loss (warning)")
    v_stagnant_m_s: float = Field(0.005, ge=0.0, description="below this a pipe is stagnant")
    reversal_needs_action: bool = Field(
        False, description="true: flow reversal is a condition (check valves, meters)")
    t_supply_min_c: float = Field(65.0, description="lowest supply temperature at a consumer")
    t_outlet_tolerance_k: float = Field(0.1, ge=0.0,
                                        description="tolerance of the feed-in outlet check")
    plant_min_flow_fraction: float = Field(0.10, ge=0.0, le=1.0,
                                           description="plant minimum flow / design flow")
    balance_rel_tol: float = Field(1e-6, gt=0.0, description="mass and energy balance residual")
    standard_pump_head_bar: float = Field(
        2.0, ge=0.0, description="pump head of a standard feed-in station; more is a condition")
    cop_min: float | None = Field(None, gt=1.0,
                                  description="overrides every unit's heat_pump.cop_min")
    t_return_min_c: float | None = Field(
        None, ge=0.0, description="lowest possible consumer return; default: the soil "
                                  "temperature around the consumer (a substation cannot cool "
                                  "the network below its surroundings)")
    v_absurd_factor: float = Field(
        3.0, gt=1.0, description="a velocity above this multiple of v_max is implausible "
                                 "network data, never permitted")


@dataclass
class CaseContext:
    """Everything the checks see for one load case."""

    load_case: str
    thresholds: Thresholds
    units: list[P2HUnit]
    designs: dict[str, FeedinDesign]
    network_base: object
    network_feedin: object
    base: object | None = None  # Result without the feed-in
    feedin: object | None = None  # Result with the feed-in
    base_error: Exception | None = None
    feedin_error: Exception | None = None
    design_flow_kg_s: dict[str, float] = field(default_factory=dict)
    design_flow_source: dict[str, str] = field(default_factory=dict)
    # the feed-in case solved again from a cold start where its state may not be unique
    # (``evaluation.second_state``): what that found, and the other state's context if any
    second_start: str = ""
    alternative: CaseContext | None = None
    # the surroundings [K] of every pipe where the solve replaced the networks' own by one
    # value (the annual analysis' hour: its soil temperature); None: the networks' own
    t_soil_k: float | None = None
    # what the checks derive from the networks' tables alone, keyed by those tables; the site
    # search hands one dict to every trial of a load case (their networks share the tables)
    memo: dict = field(default_factory=dict)

    def finding(self, code: str, severity: str, message: str, **kw) -> Finding:
        spec = REGISTRY[code]
        return Finding(code=code, severity=severity, message=message,
                       load_case=self.load_case, criterion=spec.criterion, **kw)


# ------------------------------------------------------------------------------------------
# helpers


def _sev(ok: bool) -> str:
    return "ok" if ok else "violation"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 'es' if word.endswith(('ch', 'sh', 's', 'x')) else 's'}"


def _take(values: np.ndarray, pos: np.ndarray, missing):
    """``values[pos]`` with ``missing`` where ``pos`` is −1 (an id not found)."""
    out = np.asarray(values)[np.maximum(pos, 0)] if len(values) else np.empty(len(pos))
    return np.where(pos >= 0, out, missing)


def pipe_vmax(ctx: CaseContext, pipe_ids) -> np.ndarray:
    """Velocity limit [m/s] per pipe: the small-pipe limit for DN ≤ ``small_dn`` (or, without
    a DN, inner diameter ≤ ``small_d_inner_m``), else ``v_max_m_s``. Kept in ``ctx.memo``
    (where the context has one) for ``pipe_ids`` that are the same index (or views of it)."""
    th = ctx.thresholds

    def build(pipes):
        pos = pipes.index.get_indexer(pipe_ids)
        dn = _take(pipes["dn"].to_numpy(dtype=float), pos, np.nan)
        d = _take(pipes["d_inner_m"].to_numpy(dtype=float), pos, np.nan)
        small = np.where(np.isfinite(dn), dn <= th.small_dn, d <= th.small_d_inner_m)
        vmax = np.where(small, th.v_max_small_m_s, th.v_max_m_s)
        vmax.flags.writeable = False  # shared by the trials that read it
        return vmax

    pipes = ctx.network_base.pipes
    if getattr(ctx, "memo", None) is None or not isinstance(pipe_ids, pd.Index):
        return build(pipes)
    return _memoised(ctx, "pipe_vmax", (pipes,), build, th.small_dn, th.small_d_inner_m,
                     th.v_max_small_m_s, th.v_max_m_s, labels=pipe_ids)


def _memoised(ctx: CaseContext, name: str, tables: tuple, build, *extra,
              labels: pd.Index | None = None):
    """``build(*tables)``, kept in ``ctx.memo`` under ``name``, the identity of ``tables``
    (what it is derived from) and the values ``extra``; the tables are kept with it, so their
    ids stay theirs while the memo lives. With ``labels`` (the rows the value is laid out in),
    kept for those labels only: built again for labels that are not the same index (or a view
    of it)."""
    key = (name, *map(id, tables), *extra)
    hit = ctx.memo.get(key)
    if hit is None or (labels is not None and not labels.is_(hit[1])):
        hit = ctx.memo[key] = (tables, labels, build(*tables))
    return hit[2]


def _aligned(values: pd.Series, index: pd.Index) -> np.ndarray:
    """``values.reindex(index)`` as a float array (no reindexing where the labels are the
    same)."""
    same = values.index.equals(index)
    return (values if same else values.reindex(index)).to_numpy(dtype=float)


# ------------------------------------------------------------------------------------------
# checks, in decisive-first order


@register("heat_pump", 9, "heat-pump stage: lift, COP, electricity; COP ≥ COP_min")
def check_heat_pump(ctx: CaseContext) -> list[Finding]:
    out = []
    for u in ctx.units:
        d = ctx.designs[u.id]
        req = d.required_supply_k - ZERO_CELSIUS_K
        if d.mode == "direct":
            out.append(ctx.finding(
                "heat_pump", "ok", element=u.id, case="design", value=d.t_direct_k -
                ZERO_CELSIUS_K, limit=req, margin=d.t_direct_k - d.required_supply_k,
                unit="°C", message=f"no heat pump needed: {u.id} delivers "
                f"{d.t_direct_k - ZERO_CELSIUS_K:.1f} °C directly (required {req:.1f} °C)"))
            continue
        if d.mode == "too_cold":
            out.append(ctx.finding(
                "heat_pump", "ok", element=u.id, case="design",
                message=f"{u.id} has no heat-pump stage (not allowed in its settings); see the "
                        "outlet-temperature finding"))
            continue
        text = (f"heat-pump stage of {u.id}: {d.t_cold_k - ZERO_CELSIUS_K:.1f} → "
                f"{d.t_hot_k - ZERO_CELSIUS_K:.1f} °C, lift {d.lift_k:.1f} K, COP {d.cop:.2f}, "
                f"{d.p_el_w / 1e3:.0f} kW electricity for {d.q_out_w / 1e3:.0f} kW heat "
                f"({d.q_source_w / 1e3:.0f} kW from the data centre)")
        if d.cop < d.cop_min:
            out.append(ctx.finding(
                "heat_pump", "violation", element=u.id, case="design", value=d.cop,
                limit=d.cop_min, margin=d.cop - d.cop_min, unit="",
                message=f"{text}: the COP is below the minimum {d.cop_min:.2f}, so the stage "
                        f"is refused (required supply {req:.1f} °C is too hot for a "
                        f"{d.t_source_k - ZERO_CELSIUS_K:.0f} °C source)"))
        else:
            out.append(ctx.finding(
                "heat_pump", "warning", element=u.id, case="design", value=d.cop,
                limit=d.cop_min, margin=d.cop - d.cop_min, unit="", message=text,
                condition=f"{u.id} needs a heat-pump stage with COP {d.cop:.1f} "
                          f"(lift {d.lift_k:.0f} K) and {d.p_el_w / 1e3:.0f} kW electricity"))
    return out


@register("feedin_outlet_temperature", 7, "feed-in outlet ≥ required supply temperature")
def check_outlet(ctx: CaseContext) -> list[Finding]:
    out = []
    tol = ctx.thresholds.t_outlet_tolerance_k
    for u in ctx.units:
        d = ctx.designs[u.id]
        t_out = d.t_out_k
        if ctx.feedin is not None and u.id in ctx.feedin.feedins.index:
            t_out = float(ctx.feedin.feedins.at[u.id, "t_out_k"])
        margin = t_out - d.required_supply_k
        val, lim = t_out - ZERO_CELSIUS_K, d.required_supply_k - ZERO_CELSIUS_K
        ok = margin >= -tol
        msg = (f"{u.id} feeds at {val:.1f} °C, required {lim:.1f} °C" if ok else
               f"{u.id} can only feed at {val:.1f} °C (source "
               f"{d.t_source_k - ZERO_CELSIUS_K:.0f} °C − {u.hx_approach_k:g} K approach), "
               f"{-margin:.1f} K below the required supply temperature {lim:.1f} °C"
               + ("; a heat-pump stage is not allowed" if d.mode == "too_cold" else ""))
        out.append(ctx.finding("feedin_outlet_temperature", _sev(ok), element=u.id,
                               case="design", value=val, limit=lim, margin=margin, unit="°C",
                               message=msg))
    return out


@register("convergence", 11, "both solves (without and with the feed-in) converged")
def check_convergence(ctx: CaseContext) -> list[Finding]:
    out = []
    for case, res, err in (("base", ctx.base, ctx.base_error),
                           ("feedin", ctx.feedin, ctx.feedin_error)):
        label = "without the feed-in" if case == "base" else "with the feed-in"
        if err is not None or res is None:
            out.append(ctx.finding(
                "convergence", "violation", case=case,
                message=f"the solve {label} did not converge, so the network state cannot be "
                        f"judged: {err}"))
        else:
            out.append(ctx.finding("convergence", "ok", case=case,
                                   value=float(res.convergence.iterations), unit="iterations",
                                   message=f"solve {label} converged in "
                                           f"{res.convergence.iterations} iterations"))
    return out


@register("multiple_states", 11, "the steady state found is the only one (no natural "
          "convection in a loop)")
def check_multiple_states(ctx: CaseContext) -> list[Finding]:
    """A warning per solve whose network has loop branches with a head law falling with flow
    (``ConvergenceInfo.non_monotone_branches``): the state found satisfies every equation,
    but another one may too (a near-stagnant hilly loop circulating the other way), so the
    verdict holds for this state — a warning, not a violation."""
    out = []
    for case, label, res, _ in _solved_cases(ctx):
        branches = list(getattr(res.convergence, "non_monotone_branches", []) or [])
        if branches:
            message = (f"the state {label} may not be the only steady state: "
                       f"{_plural(len(branches), 'branch')} on loops ("
                       + ", ".join(f"'{b}'" for b in branches[:3])
                       + (", …" if len(branches) > 3 else "")
                       + ") lose head with rising flow (their water column outweighs "
                         "friction), so natural convection can drive such a loop either way")
            condition = fails = None
            if case == "feedin" and ctx.second_start:
                second, condition, fails = _second_state_text(ctx)
                message += f"; {second}"
            out.append(ctx.finding(
                "multiple_states", "warning", case=case, element=branches[0],
                count=len(branches), value=float(len(branches)), unit="branches",
                message=message, condition=condition, other_state_fails=fails))
        else:
            out.append(ctx.finding("multiple_states", "ok", case=case,
                                   message=f"no loop branch of the state {label} loses head "
                                           "with rising flow (no natural convection)"))
    return out


# two converged states of one network count as different steady states beyond these
# (the solver's tolerances are 1e-5 K and 1e-6 Pa; a settled state still changes by up to
# 1e-3 K per iteration, 0.05 K where its hydraulics stalled)
STATE_DT_K = 0.1  # consumer supply temperature
STATE_DP_BAR = 1e-3  # consumer pressure difference
STATE_DM_REL = 1e-3  # plant flow


def state_difference(a, b) -> dict:
    """How solved state ``b`` of a network differs from state ``a``.

    Parameters
    ----------
    a, b : Result
        Two converged solves of the same network.

    Returns
    -------
    dict
        Consumer supply temperatures (largest difference ``dt_k`` [K] at ``t_consumer``,
        values ``t_a_c`` / ``t_b_c`` [°C]), consumer pressure differences (``dp_bar`` at
        ``dp_consumer``, ``dp_a_bar`` / ``dp_b_bar``), the plants' flows [kg/s] (``m_a`` /
        ``m_b``); ``parts``: what differs beyond ``STATE_DT_K``, ``STATE_DP_BAR`` or
        ``STATE_DM_REL`` (or in which consumers draw), as text; ``differ``: any of it.
    """
    ca, cb = a.active_consumers, b.active_consumers
    common = ca.index.intersection(cb.index)
    out = {"m_a": float(a.plant["mdot_kg_s"].sum()), "m_b": float(b.plant["mdot_kg_s"].sum())}
    parts = []
    for key, col, lim, unit, digits in (("t", "t_supply_c", STATE_DT_K, "°C", 1),
                                        ("dp", "dp_bar", STATE_DP_BAR, "bar", 3)):
        diff = (ca.loc[common, col] - cb.loc[common, col]).abs()
        worst = str(diff.idxmax()) if len(diff) else None
        out[f"{key}_consumer"] = worst
        out["dt_k" if key == "t" else "dp_bar"] = big = float(diff.max()) if len(diff) else 0.0
        va = float(ca.at[worst, col]) if worst else math.nan
        vb = float(cb.at[worst, col]) if worst else math.nan
        out.update({f"{key}_a_c" if key == "t" else "dp_a_bar": va,
                    f"{key}_b_c" if key == "t" else "dp_b_bar": vb})
        if big > lim:
            what = "supplied at" if key == "t" else "with a pressure difference of"
            parts.append(f"consumer '{worst}' {what} {vb:.{digits}f} instead of "
                         f"{va:.{digits}f} {unit}")
    if abs(out["m_a"] - out["m_b"]) > STATE_DM_REL * max(abs(out["m_a"]), 1e-9):
        parts.append(f"plant flow {out['m_b']:.2f} instead of {out['m_a']:.2f} kg/s")
    if len(common) != len(ca) or len(common) != len(cb):
        parts.append("other consumers drawing water")
    out["parts"], out["differ"] = parts, bool(parts)
    return out


def _feedin_violations(ctx: CaseContext) -> list[Finding]:
    """The violations of the feed-in case by every registered check but ``multiple_states``."""
    return [f for code, spec in REGISTRY.items() if code != "multiple_states"
            for f in spec.func(ctx) if f.severity == "violation" and f.case == "feedin"]


def _second_state_text(ctx: CaseContext) -> tuple[str, str | None, str | None]:
    """(what the second solve of the feed-in case from a cold start found, the condition
    and the check's code when the feed-in fails a check only in the other state it found)."""
    alt = ctx.alternative
    if alt is None:
        return f"solved again from a cold start: {ctx.second_start}", None, None
    d = state_difference(ctx.feedin, alt.feedin)
    text = ("solved again from a cold start it settles in another steady state ("
            + ", ".join(d["parts"]) + ")")
    alt = replace(alt, design_flow_kg_s=ctx.design_flow_kg_s,
                  design_flow_source=ctx.design_flow_source)
    failing = _feedin_violations(alt)
    already = {f.code for f in _feedin_violations(ctx)}
    failing = [f for f in failing if f.code not in already]
    if not failing:
        return text + (", in which the feed-in fails no other criterion" if already else
                       ", in which the feed-in is permitted as well"), None, None
    f = failing[0]
    return (text + f", in which the feed-in is not permitted ({f.code}: {f.message})",
            f"the network can also settle in a state in which {f.code} fails with the feed-in "
            f"(natural convection in near-stagnant hilly loops): check it in operation, or "
            f"keep those loops flowing", f.code)


# -- physical plausibility: states that cannot exist never yield PERMITTED (docs:
#    criteria.md). Each judges the solves without and with the feed-in.

_T_FREEZE_K = ZERO_CELSIUS_K
_FREEZE_TOL_K = 0.01  # water this close to 0 °C sits at the bottom of the water table


def _solved_cases(ctx: CaseContext):
    """(case, label, result, network solved) of the solves that exist (the feed-in case's
    network is the base network where the context has none: the annual analysis)."""
    fnet = ctx.network_feedin if ctx.network_feedin is not None else ctx.network_base
    for case, res, net in (("base", ctx.base, ctx.network_base),
                           ("feedin", ctx.feedin, fnet)):
        if res is not None:
            yield case, ("without the feed-in" if case == "base" else "with the feed-in"), \
                res, net


def _pipe_soil_k(ctx: CaseContext, net, pipe_ids) -> np.ndarray:
    """Soil temperature [K] around each pipe of ``net`` (the network's where a pipe has none;
    ``ctx.t_soil_k`` for every pipe where the solve used that)."""
    if ctx.t_soil_k is not None:
        return np.full(len(pipe_ids), float(ctx.t_soil_k))
    t_net = net.t_soil_k
    pipes = net.pipes.reindex(pipe_ids)
    return pipes["t_soil_k"].fillna(t_net).to_numpy(dtype=float)


def _consumer_surroundings_k(ctx: CaseContext, res, net) -> np.ndarray:
    """Surroundings [K] of the return junction of each consumer drawing water in ``res``
    (``ctx.t_soil_k`` where the solve used one value for every pipe); the per-junction values
    are kept in ``ctx.memo`` per junction and pipe table and soil temperature."""
    c = res.active_consumers
    if ctx.t_soil_k is not None:
        return np.full(len(c), float(ctx.t_soil_k))
    idx, t_j, t_net = _memoised(ctx, "junction_surroundings", (net.junctions, net.pipes),
                                lambda *_: _junction_surroundings_k(net), net.t_soil_k)
    lim = _take(t_j, idx.get_indexer(c["return_junction"].to_numpy()), t_net)
    return np.where(np.isnan(lim), t_net, lim)


def _junction_surroundings_k(net) -> tuple[pd.Index, np.ndarray, float]:
    """(junction index, soil temperature [K] around each junction in its order, the network's
    soil temperature [K]) of ``net`` (``solver.thermal.node_surroundings_k``)."""
    from .solver.thermal import node_surroundings_k

    idx = net.junctions.index  # its hash table is built once per network
    p = net.pipes
    t_net = net.t_soil_k
    on = p["in_service"].to_numpy(dtype=bool) if len(p) else np.zeros(0, dtype=bool)
    ends = idx.get_indexer(np.concatenate([p["from_junction"].to_numpy()[on],
                                           p["to_junction"].to_numpy()[on]]))
    t_soil = p["t_soil_k"].to_numpy(dtype=float)[on]
    t = node_surroundings_k(len(idx), ends[:len(t_soil)], ends[len(t_soil):],
                            np.where(np.isnan(t_soil), t_net, t_soil),
                            np.nan_to_num(p["u_w_per_mk"].to_numpy(dtype=float)[on])
                            * p["length_m"].to_numpy(dtype=float)[on], t_net)
    return idx, t, t_net


@register("consumer_heat", 11, "every consumer in service receives its heat demand")
def check_consumer_heat(ctx: CaseContext) -> list[Finding]:
    """A consumer the solve dropped (no flow although it has a demand) leaves its heat out of
    the network state: the state is not the one asked about. Judged where the solved network
    is known (``network_feedin`` set; the annual analysis scales demands per hour and checks
    the consumers statically)."""
    if ctx.network_feedin is None:
        return []
    out = []
    for case, label, res, net in _solved_cases(ctx):
        cons = _memoised(ctx, "consumers_in_service", (net.consumers,), active)
        want = cons["q_w"].to_numpy(dtype=float)
        got = _aligned(res.consumers["q_w"], cons.index)
        got = np.where(np.isnan(got), 0.0, got)
        short = want - got
        # 1 %: the pandapipes backend's heat differs by ~0.1 % (its c_p-based water model)
        bad = short > np.maximum(0.01 * want, 1.0)
        n = int(bad.sum())
        if n == 0:
            out.append(ctx.finding("consumer_heat", "ok", case=case, count=0,
                                   message=f"every consumer receives its heat demand {label}"))
            continue
        i = int(np.argmax(np.where(bad, short, -np.inf)))
        cid = str(cons.index[i])
        out.append(ctx.finding(
            "consumer_heat", "violation", element=cid, case=case, value=got[i] / 1e3,
            limit=want[i] / 1e3, margin=-short[i] / 1e3, unit="kW", count=n,
            message=f"{_plural(n, 'consumer')} do not receive their heat {label}; {cid} gets "
                    f"{got[i] / 1e3:.1f} of its {want[i] / 1e3:.1f} kW: the solve left "
                    "(part of) it out, so this network state misses heat and cannot be judged"))
    return out


def _required_return_k(res, net) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """(consumer ids, supply [K], return [K] each consumer's law demands) of the consumers
    drawing water — below 0 °C where the law demands it (the result's return stops there):
    from the heat and flow, h_return = h(T_supply) − Q/ṁ (extrapolated below 0 °C with c_p at
    0 °C), and for fixed-ΔT consumers T_supply − ΔT."""
    from .physics import water

    c = res.active_consumers
    t_s = c["t_supply_k"].to_numpy(dtype=float)
    h_r = water.enthalpy(t_s) - c["q_w"].to_numpy(dtype=float) / c["mdot_kg_s"].to_numpy(
        dtype=float)
    cp0 = float(water.heat_capacity(_T_FREEZE_K))
    t_r = np.where(h_r > 0, water.temperature_from_enthalpy(np.maximum(h_r, 0.0)),
                   _T_FREEZE_K + h_r / cp0)
    cons = net.consumers
    pos = cons.index.get_indexer(c.index)
    dt = np.where(_take(cons["control"].to_numpy(), pos, None) == "delta_t",
                  _take(cons["delta_t_k"].to_numpy(dtype=float), pos, np.nan), np.nan)
    t_r = np.where(np.isfinite(dt), np.minimum(t_r, t_s - np.nan_to_num(dt)), t_r)
    return c.index, t_s, t_r


@register("consumer_return_temperature", 11,
          "consumer returns ≥ their surroundings (soil) and above 0 °C")
def check_consumer_return(ctx: CaseContext) -> list[Finding]:
    """A substation cannot cool the network water below the surroundings of its pipes, and
    water below 0 °C freezes: such a return is an artefact of the inputs (a cooling ΔT or fixed
    flow too large for the supply that arrives), never a state to permit."""
    out = []
    tmin = ctx.thresholds.t_return_min_c
    for case, label, res, net in _solved_cases(ctx):
        if res.active_consumers.empty:
            continue
        ids, t_s, t_r = _required_return_k(res, net)
        lim = (np.full(len(ids), tmin + ZERO_CELSIUS_K) if tmin is not None
               else _consumer_surroundings_k(ctx, res, net))
        lim = np.maximum(lim, _T_FREEZE_K + _FREEZE_TOL_K)
        margin = t_r - lim
        i = int(np.argmin(margin))
        bad = int(np.sum(margin < -0.05))
        cid = str(ids[i])
        what = ("the lowest return setting" if tmin is not None else "its surroundings")
        kw = dict(element=cid, case=case, value=t_r[i] - ZERO_CELSIUS_K,
                  limit=lim[i] - ZERO_CELSIUS_K, margin=float(margin[i]), unit="°C",
                  count=bad)
        if not bad:
            out.append(ctx.finding(
                "consumer_return_temperature", "ok", message=(
                    f"coldest consumer return {label}: {cid} at "
                    f"{t_r[i] - ZERO_CELSIUS_K:.1f} °C (≥ {lim[i] - ZERO_CELSIUS_K:.1f} °C, "
                    f"{what})"), **kw))
            continue
        frozen = t_r[i] <= _T_FREEZE_K + _FREEZE_TOL_K
        why = ("below 0 °C: the water would freeze — the solver's water properties stop at "
               "0 °C, so the state shown is not physical" if frozen else
               f"below {what} ({lim[i] - ZERO_CELSIUS_K:.1f} °C): a substation cannot cool "
               "the network water below the ground around its pipes")
        out.append(ctx.finding(
            "consumer_return_temperature", "violation", message=(
                f"{_plural(bad, 'consumer')} would return water colder than possible {label}; "
                f"{cid} gets {t_s[i] - ZERO_CELSIUS_K:.1f} °C and would return "
                f"{t_r[i] - ZERO_CELSIUS_K:.1f} °C, {why}. Check its cooling ΔT, fixed flow "
                "or demand (and the load case's return offset)"), **kw))
    return out


@register("freezing", 6, "no water cools to 0 °C (stagnant water in frozen surroundings)")
def check_freezing(ctx: CaseContext) -> list[Finding]:
    """Water that stands (or cools) in a pipe whose surroundings are below 0 °C freezes and
    can burst the pipe; the steady state (liquid water at 0 °C, where the water properties
    stop) does not exist. A violation in either case: the network must be fixed (drained,
    trace-heated, kept flowing) before any feed-in is permitted."""
    out = []
    vs = ctx.thresholds.v_stagnant_m_s
    for case, label, res, net in _solved_cases(ctx):
        p = res.pipes
        if p.empty:
            continue
        t_out = p["t_out_k"].to_numpy(dtype=float)
        t_in = p["t_in_k"].to_numpy(dtype=float)
        v = np.abs(p["v_m_s"].to_numpy(dtype=float))
        at_zero = t_out <= _T_FREEZE_K + _FREEZE_TOL_K
        cools = (v < vs) | (t_in - t_out > _FREEZE_TOL_K)
        bad = at_zero & cools
        n = int(bad.sum())
        if n == 0:
            out.append(ctx.finding("freezing", "ok", case=case, count=0,
                                   message=f"no water cools to 0 °C {label}"))
            continue
        soil = _pipe_soil_k(ctx, net, p.index) - ZERO_CELSIUS_K
        i = int(np.argmin(np.where(bad, soil, np.inf)))
        pid = str(p.index[i])
        ids = ", ".join(map(str, list(p.index[bad][:5])))
        state = "stands" if v[i] < vs else f"flows at {v[i]:.3f} m/s"
        out.append(ctx.finding(
            "freezing", "violation", element=pid, case=case, value=float(soil[i]), limit=0.0,
            margin=float(soil[i]), unit="°C (surroundings)", count=n,
            message=f"freezing risk {label}: water cools to 0 °C in "
                    f"{_plural(n, 'pipe')} (e.g. {ids}); in {pid} it {state} in surroundings "
                    f"at {soil[i]:.1f} °C and would freeze (shown at 0 °C, where the water "
                    "properties stop): drain, trace-heat or keep the section flowing"))
    return out


@register("velocity_plausible", 5, "no velocity beyond any design (v ≤ factor × v_max)")
def check_velocity_plausible(ctx: CaseContext) -> list[Finding]:
    """A velocity of several times the design limit (default 3×: 4.5 m/s in small pipes, 6 m/s
    otherwise) does not occur in a district-heating network that works: the network data is
    wrong (a diameter in mm given as m, a missing pipe, a demand 1000× too large). Unlike the
    ``velocity`` criterion, this is a violation even when the feed-in is not to blame."""
    out = []
    factor = ctx.thresholds.v_absurd_factor
    for case, label, res, _net in _solved_cases(ctx):
        p = res.pipes
        if p.empty:
            continue
        v = np.abs(p["v_m_s"].to_numpy(dtype=float))
        lim = factor * pipe_vmax(ctx, p.index)
        margin = lim - v
        i = int(np.argmin(margin))
        n = int(np.sum(margin < 0))
        pid = str(p.index[i])
        kw = dict(element=pid, case=case, value=float(v[i]), limit=float(lim[i]),
                  margin=float(margin[i]), unit="m/s", count=n)
        if n == 0:
            out.append(ctx.finding("velocity_plausible", "ok", **kw, message=(
                f"every velocity {label} is plausible (highest {v[i]:.2f} m/s in {pid}, "
                f"≤ {factor:g} × its limit)")))
            continue
        d_mm = float(ctx.network_base.pipes.reindex([pid])["d_inner_m"].iloc[0]) * 1e3
        out.append(ctx.finding("velocity_plausible", "violation", **kw, message=(
            f"{_plural(n, 'pipe')} {label} run at implausible velocities; {pid} "
            f"({d_mm:.0f} mm inside) carries {v[i]:.1f} m/s, more than {factor:g} × its "
            f"{lim[i] / factor:g} m/s limit: no district-heating network works like this — "
            "check the network data (diameters, units, demands) before judging a feed-in")))
    return out


def local_return_c(ctx: CaseContext, u: P2HUnit) -> tuple[float, str]:
    """(return temperature [°C] at unit ``u``, the case it comes from: "feedin", "base" or
    "design" (NaN: neither solve converged))."""
    if ctx.feedin is not None and u.id in ctx.feedin.feedins.index:
        return float(ctx.feedin.feedins.at[u.id, "t_in_k"]) - ZERO_CELSIUS_K, "feedin"
    if ctx.base is not None:
        return float(ctx.base.junctions.at[u.junctions[1], "t_k"]) - ZERO_CELSIUS_K, "base"
    return math.nan, "design"


@register("feedin_return_temperature", 8, "local return temperature ≤ the unit's max inlet")
def check_return(ctx: CaseContext) -> list[Finding]:
    out = []
    for u in ctx.units:
        d = ctx.designs[u.id]
        t_in, case = local_return_c(ctx, u)
        if not math.isfinite(t_in):
            continue
        lim = d.max_inlet_k - ZERO_CELSIUS_K
        margin = lim - t_in
        what = ("heat-pump condenser" if d.mode == "heat_pump" else "cooling loop")
        clamped = (ctx.feedin is not None and u.id in ctx.feedin.feedins.index
                   and bool(ctx.feedin.feedins.at[u.id, "inlet_clamped"]))
        if margin >= 0 and not clamped:
            msg = (f"return water reaches {u.id} at {t_in:.1f} °C, within the {lim:.1f} °C the "
                   f"{what} accepts")
            sev = "ok"
        else:
            msg = (f"return water reaches {u.id} at {t_in:.1f} °C, {max(-margin, 0):.1f} K "
                   f"above the {lim:.1f} °C its {what} accepts: the return at "
                   f"{u.location} is too warm to cool the data centre")
            if clamped:
                msg += (f"; the return is within {FEEDIN_DT_MIN_K:g} K of the outlet temperature, "
                        "so the unit "
                        "cannot transfer its heat")
            sev = "violation"
        out.append(ctx.finding("feedin_return_temperature", sev, element=u.id, case=case,
                               value=t_in, limit=lim, margin=margin, unit="°C", message=msg))
    return out


@register("plant_min_flow", 10, "the plant keeps ≥ the minimum share of its design flow")
def check_plant_flow(ctx: CaseContext) -> list[Finding]:
    if ctx.feedin is None:
        return []
    out = []
    frac = ctx.thresholds.plant_min_flow_fraction
    for pid, row in ctx.feedin.plant.iterrows():
        design = ctx.design_flow_kg_s.get(str(pid), math.nan)
        m = float(row["mdot_kg_s"])
        if not math.isfinite(design) or design <= 0:
            continue
        share = m / design
        base_m = (float(ctx.base.plant.at[pid, "mdot_kg_s"]) if ctx.base is not None
                  and pid in ctx.base.plant.index else math.nan)
        src = ctx.design_flow_source.get(str(pid), "")
        ok = share >= frac and m > 0
        if m <= 0:
            msg = (f"with the feed-in plant '{pid}' would have to take "
                   f"{-m:.2f} kg/s back into its supply outlet (base case {base_m:.2f} kg/s): "
                   "the network cannot absorb the feed-in")
        else:
            drop = (f"drops from {base_m:.2f} to" if math.isfinite(base_m) else
                    "with the feed-in is")
            msg = (f"the flow of plant '{pid}' {drop} {m:.2f} kg/s = "
                   f"{100 * share:.1f} % of its design flow {design:.2f} kg/s{src} "
                   f"(minimum {100 * frac:.0f} %)")
            if not ok:
                msg += ": the network cannot absorb this much feed-in at this load"
        out.append(ctx.finding("plant_min_flow", _sev(ok), element=str(pid), case="feedin",
                               value=100 * share, limit=100 * frac,
                               margin=100 * (share - frac), unit="% of design flow",
                               message=msg))
    return out


@register("feedin_pump_head", 2, "pump head needed ≤ the unit's available head")
def check_pump_head(ctx: CaseContext) -> list[Finding]:
    if ctx.feedin is None:
        return []
    out = []
    std = ctx.thresholds.standard_pump_head_bar
    for u in ctx.units:
        if u.id not in ctx.feedin.feedins.index:
            continue
        head = float(ctx.feedin.feedins.at[u.id, "head_pa"])
        need = pump_head_needed_pa(u, head) / BAR
        avail = u.pump_head_bar
        margin = avail - need
        base = (f" (base case Δp at the node {_base_head(ctx, u):.2f} bar)"
                if ctx.base is not None else "")
        text = (f"{u.id} must lift {head / BAR:.2f} bar (supply − return at {u.location})"
                f"{base} + {u.station_losses_bar:g} bar station losses = {need:.2f} bar")
        if need > avail:
            out.append(ctx.finding(
                "feedin_pump_head", "violation", element=u.id, case="feedin", value=need,
                limit=avail, margin=margin, unit="bar",
                message=f"{text}, more than its {avail:g} bar pump can deliver"))
        elif need > std:
            out.append(ctx.finding(
                "feedin_pump_head", "warning", element=u.id, case="feedin", value=need,
                limit=avail, margin=margin, unit="bar",
                message=f"{text}: within its {avail:g} bar, but above the {std:g} bar of a "
                        "standard feed-in station",
                condition=f"{u.id} needs a feed-in pump with ≥ {need:.1f} bar head"))
        else:
            msg = f"{text}, within its {avail:g} bar pump"
            if need < 0:
                msg += "; the unit needs a control valve instead of a pump at this load"
            out.append(ctx.finding("feedin_pump_head", "ok", element=u.id, case="feedin",
                                   value=need, limit=avail, margin=margin, unit="bar",
                                   message=msg))
    return out


def _base_head(ctx: CaseContext, u: P2HUnit) -> float:
    s, r = u.junctions
    j = ctx.base.junctions
    return float(j.at[s, "p_pa"] - j.at[r, "p_pa"]) / BAR


def _dp_limits_bar(ctx, cons) -> np.ndarray:
    if ctx.thresholds.dp_min_bar is not None:
        return np.full(len(cons), ctx.thresholds.dp_min_bar)
    return cons["dp_min_pa"].to_numpy(dtype=float) / BAR


@register("consumer_dp", 1, "every consumer's Δp ≥ Δp_min, with and without the feed-in")
def check_consumer_dp(ctx: CaseContext) -> list[Finding]:
    out = []
    for case, res in (("base", ctx.base), ("feedin", ctx.feedin)):
        if res is None:
            continue
        cons = res.active_consumers
        label = "without the feed-in" if case == "base" else "with the feed-in"
        if cons.empty:
            out.append(ctx.finding("consumer_dp", "ok", case=case,
                                   message=f"no consumer draws heat {label}"))
            continue
        dp = cons["dp_pa"].to_numpy(dtype=float) / BAR
        lim = _dp_limits_bar(ctx, cons)
        margin = dp - lim
        i = int(np.argmin(margin))
        bad = int(np.sum(margin < -1e-4))
        cid = str(cons.index[i])
        if bad:
            msg = (f"{_plural(bad, 'consumer')} get less than their minimum differential "
                   f"pressure {label}; worst {cid}: {dp[i]:.2f} bar < {lim[i]:.2f} bar")
        else:
            msg = (f"every consumer gets its minimum differential pressure {label}; "
                   f"critical consumer {cid}: {dp[i]:.2f} bar (≥ {lim[i]:.2f} bar)")
        out.append(ctx.finding("consumer_dp", _sev(bad == 0), element=cid, case=case,
                               value=float(dp[i]), limit=float(lim[i]),
                               margin=float(margin[i]), unit="bar", count=bad, message=msg))
    return out


@dataclass(frozen=True)
class _Measure:
    """One network-state quantity per element: value, limit, margin (≥ 0 is fine)."""

    ids: np.ndarray
    value: np.ndarray
    limit: np.ndarray
    margin: np.ndarray

    @property
    def worst(self) -> int:
        return int(np.argmin(self.margin))

    @property
    def bad(self) -> int:
        return int(np.sum(self.margin < 0))


def _state_finding(ctx: CaseContext, code: str, measure, unit: str, tol: float,
                   bad_text, ok_text, noun: str, safety: bool = False) -> list[Finding]:
    """A feed-in-case finding for a network-state criterion, judged against the base case.

    Fails with the feed-in → violation; unless it fails equally without the feed-in and the
    feed-in does not make it worse by more than ``tol`` (the worst margin not more than ``tol``
    below the base case's, no element that was fine without the feed-in failing by more than
    ``tol`` — solver noise at the threshold does not count): then a warning (pre-existing,
    not a reason to refuse the feed-in). ``safety`` criteria (pressure rating, vacuum,
    boiling) are never downgraded: a state that is unsafe or unphysical with the feed-in
    running is not permitted, whoever caused it.
    """
    if ctx.feedin is None:
        return []
    m = measure(ctx, ctx.feedin)
    if m is None or len(m.ids) == 0:
        return []
    i = m.worst
    kw = dict(element=str(m.ids[i]), case="feedin", value=float(m.value[i]),
              limit=float(m.limit[i]), margin=float(m.margin[i]), unit=unit, count=m.bad)
    if m.bad == 0:
        return [ctx.finding(code, "ok", message=ok_text(m, i), **kw)]
    b = measure(ctx, ctx.base) if ctx.base is not None else None
    msg = bad_text(m, i)
    if b is not None and len(b.ids) and b.bad:
        kw["margin_to_worse"] = _margin_to_worse(m, b, tol)
        worse = kw["margin_to_worse"] < 0
        if not worse and safety:
            msg += (f" The same holds without the feed-in ({_plural(b.bad, noun)}); the "
                    "network must be fixed before any feed-in can be permitted.")
        elif not worse:
            msg += (f" The same holds without the feed-in ({_plural(b.bad, noun)}, worst "
                    f"{b.ids[b.worst]}: {b.value[b.worst]:.2f} {unit}) and the feed-in does "
                    "not make it worse: a pre-existing problem of the network, not a reason to "
                    "refuse the feed-in.")
            return [ctx.finding(code, "warning", message=msg, **kw)]
        else:
            msg += (f" Already without the feed-in {_plural(b.bad, noun)} fail (worst "
                    f"{b.value[b.worst]:.2f} {unit}); the feed-in makes it worse.")
    return [ctx.finding(code, "violation", message=msg, **kw)]


def _margin_to_worse(m: _Measure, b: _Measure, tol: float) -> float:
    """How far the feed-in case ``m`` is from being worse than the base case ``b`` (see
    ``Finding.margin_to_worse``; negative: worse): the smaller of (worst margin − (base worst
    margin − tol)) and tol + the smallest margin of the elements that were not failing in the
    base case (fine there, or not in it)."""
    out = float(m.margin[m.worst] - (b.margin[b.worst] - tol))
    # by hash (np.isin compares object arrays pairwise: ms per call with many failing)
    sel = ~pd.Index(m.ids).isin(b.ids[b.margin < 0])
    if np.any(sel):
        out = min(out, tol + float(np.min(m.margin[sel])))
    return out


def _measure_p_max(ctx, res):
    p = res.junctions["p_bar"].to_numpy(dtype=float)
    lim = np.full(len(p), ctx.thresholds.pn_bar)
    return _Measure(res.junctions.index.to_numpy(), p, lim, lim - p)


@register("pressure_max", 3, "max pressure ≤ pressure rating")
def check_pressure_max(ctx: CaseContext) -> list[Finding]:
    pn = ctx.thresholds.pn_bar
    return _state_finding(
        ctx, "pressure_max", _measure_p_max, "bar g", 0.01,
        lambda m, i: (f"{_plural(m.bad, 'junction')} above the PN{pn:g} rating; highest "
                      f"{m.value[i]:.2f} bar g at {m.ids[i]}."),
        lambda m, i: f"highest pressure {m.value[i]:.2f} bar g at {m.ids[i]}, within PN{pn:g}",
        "junction", safety=True)


def _measure_p_min(ctx, res):
    th = ctx.thresholds
    j = res.junctions
    p = j["p_pa"].to_numpy(dtype=float) / BAR
    sat = j["p_sat_pa"].to_numpy(dtype=float) / BAR + th.p_sat_margin_bar
    lim = np.maximum(sat, th.p_min_bar)
    return _Measure(j.index.to_numpy(), p, lim, p - lim)


@register("pressure_min", 4, "min pressure ≥ p_sat(T) + margin and ≥ atmospheric + margin")
def check_pressure_min(ctx: CaseContext) -> list[Finding]:
    th = ctx.thresholds

    def why(m, i):
        t_c = float(ctx.feedin.junctions.at[m.ids[i], "t_k"]) - ZERO_CELSIUS_K
        boil = m.limit[i] > th.p_min_bar
        return (f"{t_c:.1f} °C water, limit set by "
                + ("boiling: saturation pressure" if boil else "air ingress: atmospheric")
                + f" + {th.p_sat_margin_bar if boil else th.p_min_bar:g} bar")

    return _state_finding(
        ctx, "pressure_min", _measure_p_min, "bar g", 0.01,
        lambda m, i: (f"{_plural(m.bad, 'junction')} below the minimum pressure; worst "
                      f"{m.ids[i]}: {m.value[i]:.2f} bar g < {m.limit[i]:.2f} bar g "
                      f"({why(m, i)})."),
        lambda m, i: (f"lowest margin at {m.ids[i]}: {m.value[i]:.2f} bar g ≥ "
                      f"{m.limit[i]:.2f} bar g ({why(m, i)})"), "junction", safety=True)


def _measure_t_supply(ctx, res):
    cons = res.active_consumers
    t = cons["t_supply_c"].to_numpy(dtype=float)
    lim = np.full(len(t), ctx.thresholds.t_supply_min_c)
    return _Measure(cons.index.to_numpy(), t, lim, t - lim)


@register("consumer_supply_temperature", 7, "every consumer gets ≥ T_supply,min")
def check_consumer_supply_t(ctx: CaseContext) -> list[Finding]:
    if ctx.feedin is not None and ctx.feedin.active_consumers.empty:
        return [ctx.finding("consumer_supply_temperature", "ok", case="feedin",
                            message="no consumer draws heat")]
    lim = ctx.thresholds.t_supply_min_c

    def base_txt():
        if ctx.base is None or ctx.base.active_consumers.empty:
            return ""
        return f" (without the feed-in {_measure_t_supply(ctx, ctx.base).value.min():.1f} °C)"

    return _state_finding(
        ctx, "consumer_supply_temperature", _measure_t_supply, "°C", 0.05,
        lambda m, i: (f"{_plural(m.bad, 'consumer')} get supply water below {lim:g} °C; "
                      f"coldest {m.ids[i]}: {m.value[i]:.1f} °C{base_txt()}."),
        lambda m, i: (f"coldest supply at a consumer: {m.value[i]:.1f} °C at {m.ids[i]}"
                      f"{base_txt()} ≥ {lim:g} °C"), "consumer")


def _measure_velocity(ctx, res):
    pipes = res.pipes
    v = np.abs(pipes["v_m_s"].to_numpy(dtype=float))
    vmax = pipe_vmax(ctx, pipes.index)
    return _Measure(pipes.index.to_numpy(), v, vmax, vmax - v)


@register("velocity", 5, "pipe velocity ≤ v_max (DN ≤ 50: smaller limit)")
def check_velocity(ctx: CaseContext) -> list[Finding]:
    return _state_finding(
        ctx, "velocity", _measure_velocity, "m/s", 0.01,
        lambda m, i: (f"{_plural(m.bad, 'pipe')} faster than allowed; worst {m.ids[i]}: "
                      f"{m.value[i]:.2f} m/s > {m.limit[i]:.1f} m/s."),
        lambda m, i: (f"closest to its limit: {m.ids[i]} at {m.value[i]:.2f} m/s "
                      f"(limit {m.limit[i]:.1f} m/s)"), "pipe")


@register("booster_pumps", 6, "no flow backwards through a booster pump; pumps on their curve")
def check_booster_pumps(ctx: CaseContext) -> list[Finding]:
    """A booster station has a non-return valve: flow the feed-in drives backwards through it
    cannot occur (violation, unless the base case has it already); a pump pushed past the end
    of its head curve (lift cut to 0) is a warning."""
    res = ctx.feedin
    if res is None:
        return []
    if res.pumps is None or res.pumps.empty:
        return [ctx.finding("booster_pumps", "ok", case="feedin", count=0,
                            message="the network has no booster pumps")]
    m = res.pumps["mdot_kg_s"]
    base = (ctx.base.pumps["mdot_kg_s"].reindex(m.index)
            if ctx.base is not None and ctx.base.pumps is not None else None)
    worst = str(m.idxmin())
    value = float(m.min())
    back = m < -1e-6
    new = back & ~(base < -1e-6) if base is not None else back
    if new.any():
        severity, n = "violation", int(new.sum())
        ids = ", ".join(map(str, list(m[new].sort_values().index[:5])))
        before = f" (base case {float(base[worst]):.2f} kg/s)" if base is not None else ""
        message = (f"the feed-in drives water backwards through {_plural(n, 'booster pump')} "
                   f"({ids}; {worst}: {value:.2f} kg/s{before}): a booster's non-return valve "
                   "closes, so this state cannot occur")
    elif back.any():
        severity, n = "warning", int(back.sum())
        message = (f"water runs backwards through booster pump {worst} ({value:.2f} kg/s) "
                   "already without the feed-in")
    else:
        severity, n = "ok", 0
        message = f"every booster pump runs forward; lowest flow {worst}: {value:.2f} kg/s"
    out = [ctx.finding("booster_pumps", severity, element=worst, case="feedin", value=value,
                       limit=0.0, margin=value, unit="kg/s", count=n, message=message)]
    off = (res.pumps["lift_pa"] <= 1e-6) & (m > 0)
    if off.any():
        ids = ", ".join(map(str, list(off[off].index[:5])))
        out.append(ctx.finding(
            "booster_pumps", "warning", element=str(off[off].index[0]), case="feedin",
            count=int(off.sum()), message=f"{_plural(int(off.sum()), 'booster pump')} pushed past "
                                          f"the end of the head curve ({ids}): no lift left"))
    return out


@register("balance", 11, "mass and energy balances close")
def check_balance(ctx: CaseContext) -> list[Finding]:
    out = []
    tol = ctx.thresholds.balance_rel_tol
    for case, res in (("base", ctx.base), ("feedin", ctx.feedin)):
        if res is None:
            continue
        b = res.balance or {}
        flow = float(np.abs(res.plant["mdot_kg_s"]).sum()) if len(res.plant) else 0.0
        flow += float(res.feedins["mdot_kg_s"].abs().sum()) if len(res.feedins) else 0.0
        mass = b.get("mass_max_kg_s", math.nan)
        mass_rel = abs(mass) / max(flow, 1e-9) if mass is not None else math.nan
        energy = b.get("energy_rel", math.nan)
        worst = max(x for x in (mass_rel, energy) if x is not None)
        if not math.isfinite(worst):
            out.append(ctx.finding("balance", "warning", case=case,
                                   message="the backend reports no mass/energy balance"))
            continue
        ok = worst < tol
        msg = (f"relative residuals: mass {mass_rel:.1e}, energy {energy:.1e} "
               + ("(closed)" if ok else f"(above {tol:.0e}: the solution is not trustworthy)"))
        out.append(ctx.finding("balance", _sev(ok), case=case, value=worst, limit=tol,
                               margin=tol - worst, unit="relative", message=msg))
    return out


@register("flow_reversal", 6, "pipes whose flow direction reverses when the feed-in runs")
def check_flow_reversal(ctx: CaseContext) -> list[Finding]:
    if ctx.base is None or ctx.feedin is None:
        return []
    th = ctx.thresholds
    index = ctx.base.pipes.index
    vb = ctx.base.pipes["v_m_s"].to_numpy(dtype=float)
    vf = _aligned(ctx.feedin.pipes["v_m_s"], index)
    moving = (np.abs(vb) >= th.v_stagnant_m_s) & (np.abs(vf) >= th.v_stagnant_m_s)
    rev = np.flatnonzero(moving & (np.sign(vb) != np.sign(vf)))
    n = len(rev)
    if n == 0:
        return [ctx.finding("flow_reversal", "ok", case="feedin", count=0,
                            message="no pipe reverses its flow direction")]
    speed = pd.Series(np.abs(vf[rev]), index=index[rev])
    worst = speed.idxmax()
    examples = ", ".join(map(str, list(speed.sort_values(ascending=False).index[:5])))
    cond = None
    if th.reversal_needs_action:
        cond = (f"{_plural(n, 'pipe')} reverse their flow: check non-return valves, heat meters "
                "and direction-dependent controls")
    return [ctx.finding("flow_reversal", "warning", element=str(worst), case="feedin",
                        count=n, value=float(n), unit="pipes", condition=cond,
                        message=f"{_plural(n, 'pipe')} reverse their flow direction when the "
                                f"feed-in runs (e.g. {examples}); heat meters, non-return "
                                "valves and flow-direction-dependent controls need checking")]


@register("pressure_gradient", 5, "specific pressure loss ≤ R_max (warning)")
def check_pressure_gradient(ctx: CaseContext) -> list[Finding]:
    res = ctx.feedin
    if res is None or res.pipes.empty:
        return []
    rmax = ctx.thresholds.r_max_pa_per_m
    r = res.pipes["r_pa_per_m"]
    pid = str(r.idxmax())
    worst = float(r.max())
    bad = r > rmax
    n = int(bad.sum())
    if n == 0:
        return [ctx.finding("pressure_gradient", "ok", element=pid, case="feedin",
                            value=worst, limit=rmax, margin=rmax - worst, unit="Pa/m", count=0,
                            message=f"highest specific pressure loss {worst:.0f} Pa/m in {pid}")]
    new = n
    if ctx.base is not None:
        rb = _aligned(ctx.base.pipes["r_pa_per_m"], r.index)
        new = int((bad.to_numpy() & ~(rb > rmax)).sum())
    if new == 0:
        return [ctx.finding("pressure_gradient", "ok", element=pid, case="feedin",
                            value=worst, limit=rmax, margin=rmax - worst, unit="Pa/m", count=n,
                            message=f"{_plural(n, 'pipe')} above {rmax:g} Pa/m already without "
                                    f"the feed-in, none added by it; worst {pid}: "
                                    f"{worst:.0f} Pa/m")]
    return [ctx.finding("pressure_gradient", "warning", element=pid, case="feedin",
                        value=worst, limit=rmax, margin=rmax - worst, unit="Pa/m", count=n,
                        message=f"{_plural(n, 'pipe')} above {rmax:g} Pa/m ({new} because of "
                                f"the feed-in); worst {pid}: {worst:.0f} Pa/m")]


@register("stagnant_pipes", 6, "pipes that stop flowing when the feed-in runs")
def check_stagnant(ctx: CaseContext) -> list[Finding]:
    if ctx.base is None or ctx.feedin is None:
        return []
    vs = ctx.thresholds.v_stagnant_m_s
    index = ctx.base.pipes.index
    vb = np.abs(ctx.base.pipes["v_m_s"].to_numpy(dtype=float))
    vf = np.abs(_aligned(ctx.feedin.pipes["v_m_s"], index))
    new = index[(vf < vs) & (vb >= vs)]
    n = len(new)
    if n == 0:
        return [ctx.finding("stagnant_pipes", "ok", case="feedin", count=0,
                            message="no pipe becomes stagnant")]
    ids = ", ".join(map(str, list(new[:5])))
    return [ctx.finding("stagnant_pipes", "warning", element=str(new[0]),
                        case="feedin", count=n, value=float(n), unit="pipes",
                        message=f"{_plural(n, 'pipe')} nearly stop flowing (< {vs:g} m/s) when "
                                f"the feed-in runs (e.g. {ids}); their water cools down")]
