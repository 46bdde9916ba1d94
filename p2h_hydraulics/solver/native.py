"""The native solver: hydraulics ↔ thermal coupling loop with plant pressure controls.

Each outer iteration: fixed flows (consumers, feed-ins) and the fluid-property model from the
current node temperatures → hydraulic Newton–GGA (warm-started; ρ and μ of each branch at the
temperature of its content, which follows the branch's own flow inside the Newton step) →
critical-point lift update → thermal linear solve. The next temperatures are Anderson-mixed
from the last iterates (``anderson.py``). Converged when temperatures, element flows,
hydraulics and the control all settle.

With ``SolverOptions.coupled_newton`` a warm start of a network with loops first goes through the
coupled Newton (``coupled``: flows, pressures and temperatures in one Jacobian); when it
settles, the outer iteration confirms its state in one iteration, else it starts from the warm
start itself.

Element laws (consumer and feed-in flows, clamps): ``elements``; what a failed solve reports:
``diagnostics``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from ..errors import ConvergenceError, ConvergenceInfo, ModelError, Problem
from ..physics import water
from ..results import build_result
from ..units import G
from . import kernels
from .anderson import Anderson, one_blas_thread
from .bridges import on_loop
from .compile import Compiled, ConsumerControl, PlantControl, compile_network
from .coupled import CoupledNewton, every_part_held
from .diagnostics import diagnose, suspects
from .elements import (
    DT_MIN_K,
    apply_lift_change,
    critical_point_update,
    element_flows,
    energy_flows,
    nodal_demand,
)
from .hydraulic import METHODS, HydraulicOutcome, HydraulicSystem, branch_pressure_drop
from .linear import ReusedLU
from .thermal import property_temperature, solve_enthalpy


@dataclass
class SolverOptions:
    """Tolerances and limits of the native solver (SI)."""

    tol_t_k: float = 1e-5
    tol_m_rel: float = 1e-9
    tol_flow_rel: float = 1e-7  # consumer / feed-in flows between outer iterations
    tol_p_pa: float = 1e-6
    tol_dp_control_pa: float = 0.01
    max_outer: int = 300
    # inexact Newton across the coupling: while the temperatures still move by ΔT [K], an
    # outer iteration's hydraulics are solved only to min(``tol_p_per_k_pa`` · ΔT,
    # ``tol_p_inexact_max_pa``) head residual, ``tol_p_pa`` once ΔT < ``tol_t_k``
    # (``_hydraulic_tolerance``). Looser values (100 Pa/K, 1,000 Pa) halve the hydraulic
    # work of large meshed networks but can keep near-stagnant hilly loops from settling.
    tol_p_per_k_pa: float = 10.0
    tol_p_inexact_max_pa: float = 10.0
    max_hydraulic: int = 60
    anderson_depth: int = 6  # iterates mixed by the outer-loop acceleration
    anderson_damping: float = 1.0  # share of the fixed-point step taken (1: undamped)
    # forget the acceleration history when a branch flow reverses between outer iterations:
    # the temperature map has a kink there (the upstream end of the branch swaps), and a
    # secant history spanning it extrapolates across the kink
    anderson_restart_on_reversal: bool = False
    # when the temperature change has not halved for ``damp_after`` outer iterations (an
    # iteration cycling around a stagnation point), the rest of the attempt takes only
    # ``fallback_damping`` of each step (fresh history) instead of running out its budget and
    # starting over damped from cold; 0: never
    damp_after: int = 15
    # the last resort of ``solve_compiled`` (a cold start taking this share of each step):
    # near-stagnant loops whose outer iteration cycles by kelvins settle more often damped
    fallback_damping: float = 0.3
    # Settled, not converged: a near-stagnant hilly branch at a local minimum of its buoyancy
    # head leaves the hydraulics a residual that wobbles the temperatures from one outer
    # iteration to the next, so the strict tolerances are never met. When the temperature
    # change has stopped shrinking for ``settle_window`` iterations (last > half the first)
    # while staying below ``tol_t_settled_k`` — or below ``tol_t_stalled_k`` when every
    # hydraulic solve in the window stalled (residual up to 10 Pa, ``HydraulicSystem.solve``)
    # — and consumer flows change < ``tol_flow_rel_settled``, the state is accepted and the
    # convergence info says so.
    tol_t_settled_k: float = 1e-3  # pandapipes' default temperature tolerance
    tol_t_stalled_k: float = 0.05
    tol_flow_rel_settled: float = 1e-4
    settle_window: int = 8
    # how the hydraulics are solved: "auto" (default: on the spanning forest when every
    # connected part holds a pressure — directly without loops, Newton on the loop flows with
    # up to ``tree.MAX_LOOPS`` loops, Newton–GGA for the rest of a solve when that stalls —
    # else Newton–GGA), or one forced: "tree" (networks without loops), "loop_flows" (no
    # fallback) or "gga" (Newton–GGA on all junctions). A forced method that does not apply
    # raises ModelError. All methods solve the same equations to the same tolerances.
    hydraulic_method: str = "auto"
    # warm starts of networks with loops: first the coupled Newton (``coupled.py``: flows,
    # pressures and temperatures in one Newton, at most ``coupled_max_steps`` steps); the
    # outer iteration then confirms its state, or starts from the warm start itself when
    # Newton does not settle. An option: on the meshed annual and site benchmarks it saves
    # 25–40 % of the outer iterations but costs more than they do (docs/numerics.md)
    coupled_newton: bool = False
    coupled_max_steps: int = 12

    def __post_init__(self):
        if self.hydraulic_method not in METHODS:
            raise ValueError(f"hydraulic_method must be one of {', '.join(METHODS)}, got "
                             f"{self.hydraulic_method!r}")


@dataclass
class State:
    """Everything the solver iterates on; also the warm start of the next solve."""

    mdot_b: np.ndarray
    p: np.ndarray
    h: np.ndarray
    lift: np.ndarray


def combine_states(s0: State, terms) -> State:
    """s0 + Σ c·(s − s0) over ``terms`` = [(c, State)], field by field (a warm start that is
    linear in some parameters through solved states)."""
    return replace(s0, **{k: getattr(s0, k) + sum(c * (getattr(s, k) - getattr(s0, k))
                                                  for c, s in terms)
                          for k in ("mdot_b", "p", "h", "lift")})


def predict_state(points: list, x: float) -> State | None:
    """Warm start for a solve at parameter ``x`` (a feed-in's output, a share of it) from
    solved ``(x_k, State)`` pairs of the same network differing only in that parameter:
    linear in x through the two nearest (interpolated between them, extrapolated by at most
    their distance), the nearest alone when there is one; None without any."""
    if not points:
        return None
    near = sorted(points, key=lambda s: abs(s[0] - x))[:2]
    if len(near) < 2 or near[0][0] == near[1][0]:
        return near[0][1]
    (x0, s0), (x1, s1) = near
    return combine_states(s0, [(float(np.clip((x - x0) / (x1 - x0), -1.0, 2.0)), s1)])


def _fixed_pressures(comp: Compiled, lift: np.ndarray):
    """Fixed node indices and their pressures; ModelError when two elements disagree."""
    p_sup = np.where(comp.pl_control == PlantControl.P_SUPPLY, comp.pl_p_supply_pa,
                     comp.pl_p_return_pa + lift)
    values = np.concatenate([comp.pl_p_return_pa, p_sup, comp.r_p_pa])
    nodes = np.concatenate([comp.pl_ret, comp.pl_sup, comp.r_node])
    uniq, first = comp.workspace.derived(("held_junctions", nodes.tobytes()),
                                         lambda: np.unique(nodes, return_index=True))
    if len(uniq) < len(nodes):
        owners = [*comp.pl_ids, *comp.pl_ids, *comp.r_ids]
        probs = []
        for k in range(len(nodes)):
            j = first[np.searchsorted(uniq, nodes[k])]
            if j != k and abs(values[j] - values[k]) > 1e-6:
                probs.append(Problem(
                    f"junction '{comp.node_ids[nodes[k]]}' has its pressure held twice "
                    f"({values[j] / 1e5:g} and {values[k] / 1e5:g} bar)", element=owners[k],
                    hint="hold each junction's pressure with one plant or pressure reference"))
        if probs:
            raise ModelError(probs)
    return uniq, values[first]


def _initial_lift(comp: Compiled) -> np.ndarray:
    lift = np.where(np.isfinite(comp.pl_lift_pa), comp.pl_lift_pa, 3e5)
    return np.where(comp.pl_control == PlantControl.P_SUPPLY,
                    comp.pl_p_supply_pa - comp.pl_p_return_pa, lift)


def initial_state(comp: Compiled) -> State:
    """A cold start: supply temperature everywhere, 0.3 m/s in every branch."""
    rho = water.density(comp.t_initial_k)
    area = np.pi * comp.d_m**2 / 4
    mdot = 0.3 * rho * area
    lift = _initial_lift(comp)
    p = np.full(comp.n_nodes, float(np.mean(comp.pl_p_return_pa)) if len(comp.pl_ids) else
                float(np.mean(comp.r_p_pa)) if len(comp.r_ids) else 0.0)
    h = np.full(comp.n_nodes, water.enthalpy(comp.t_initial_k))
    return State(mdot, p, h, lift)


class BranchProperties:
    """Property model for the hydraulics at node temperatures ``t_node_k``: called with the
    branch flows it returns (ρ [kg/m³], μ [Pa s], dρ/dṁ [kg/m³ per kg/s]) per branch, with ρ
    and μ at the temperature of the branch's content (``thermal.property_temperature``).

    ``freeze(mask, mdot)`` holds the content temperature of the masked branches at its value
    for ``mdot`` (no own-flow dependence, no derivative): the hydraulic Newton step uses it for
    near-stagnant hilly branches where it stalls (their buoyancy changes much faster with
    their own flow than friction); the outer iteration then updates them like every other
    temperature, so the converged state is the same.
    """

    def __init__(self, comp: Compiled, t_node_k: np.ndarray):
        self.comp, self.t_node_k = comp, t_node_k
        self.frozen = np.zeros(comp.n_branches, dtype=bool)
        self.m_frozen = np.zeros(comp.n_branches)

    def freeze(self, mask: np.ndarray, mdot: np.ndarray) -> None:
        self.m_frozen = np.where(mask & ~self.frozen, mdot, self.m_frozen)
        self.frozen |= mask

    def __call__(self, mdot: np.ndarray):
        return _branch_properties(self.comp, self.t_node_k, self.frozen, self.m_frozen, mdot)

    def rows(self, rows: np.ndarray, sub):
        """The model of the branches ``rows`` alone, called with their flows (``sub``: their
        columns of the compiled network, ``hydraulic._branch_rows``)."""
        frozen, m_frozen = self.frozen[rows], self.m_frozen[rows]
        return lambda mdot: _branch_properties(sub, self.t_node_k, frozen, m_frozen, mdot)


def _branch_properties(comp, t_node_k, frozen, m_frozen, mdot):
    """(ρ, μ, dρ/dṁ) per branch of ``comp`` (see ``BranchProperties``): one compiled loop
    (``kernels``), the array expressions below without numba."""
    out = kernels.branch_properties(comp, t_node_k, frozen, m_frozen, mdot)
    if out is not None:
        return out
    m = np.where(frozen, m_frozen, mdot)
    t_b, dt_dm = property_temperature(comp, m, t_node_k)
    rho = water.density(t_b)
    drho_dt = (water.density(t_b + 0.25) - water.density(t_b - 0.25)) / 0.5
    return rho, water.viscosity(t_b), np.where(frozen, 0.0, drho_dt * dt_dm)


def solve_compiled(comp: Compiled, warm: State | None = None,
                   options: SolverOptions | None = None):
    """Solve a compiled network; returns (state, ``Result``) or raises ConvergenceError.

    ``warm``: the state of a similar solve to start from. When a warm-started solve does not
    converge within half of ``max_outer`` (at least 15) outer iterations (a near-stagnant loop
    can lock into a cycle started from another operating point's flow pattern) it is repeated
    from a cold start with the full budget; when that does not converge either, once more
    from a cold start taking only ``SolverOptions.fallback_damping`` of each step (loops whose
    iteration cycles by kelvins settle more often damped) before giving up. The result's
    convergence message says which start it came from.
    """
    opt = options or SolverOptions()
    # the warm start gets half the budget: one that has not settled by then is usually
    # caught in a cycle, and the cold starts then still have the full budget
    attempts = [("warm start", warm, replace(opt, max_outer=max(15, opt.max_outer // 2))),
                ("cold start", None, opt),
                ("damped cold start", None, replace(opt, anderson_damping=opt.fallback_damping))]
    failed: list[tuple[str, ConvergenceError]] = []
    for label, start, o in attempts[0 if warm is not None else 1:]:
        try:
            with one_blas_thread():  # small dense algebra: thread start-up would dominate
                state, result = _solve_from(comp, start, o)
        except ConvergenceError as exc:
            failed.append((label, exc))
            continue
        if failed:
            note = "; ".join(f"the {name} did not converge "
                             f"({e.info.iterations if e.info else '?'} outer iterations)"
                             for name, e in failed) + f"; solved from a {label}"
            info = result.convergence
            info.message = f"{note}; {info.message}" if info.message else note
        return state, result
    last = failed[-1][1]
    if len(failed) > 1:
        last.args = (f"{last.args[0]} (also from "
                     + "; ".join(f"the {name}: {e.info.message if e.info else e}"
                                 for name, e in failed[:-1]) + ")",)
    raise last


def _solve_from(comp: Compiled, warm: State | None, options: SolverOptions | None):
    opt = options or SolverOptions()
    st = warm if warm is not None else initial_state(comp)
    mdot_b, p, h = st.mdot_b.copy(), st.p.copy(), st.h.copy()
    lift = st.lift.copy() if len(st.lift) == len(comp.pl_ids) else _initial_lift(comp)
    lift = np.where(comp.pl_control == PlantControl.P_SUPPLY,
                    comp.pl_p_supply_pa - comp.pl_p_return_pa, lift)
    fixed, p_fixed = _fixed_pressures(comp, lift)
    hyd = HydraulicSystem.for_network(comp, fixed, opt.hydraulic_method)
    thermal_lu = ReusedLU(tol=1e-12, max_refine=6)
    history = []
    x = water.temperature_from_enthalpy(h)  # the iterate: node temperatures [K]
    t_lo, t_hi = _temperature_bounds(comp)
    acc = Anderson(depth=opt.anderson_depth, damping=opt.anderson_damping)
    best_dt, since_best = np.inf, 0  # progress of the outer iteration (``damp_after``)
    converged = False
    hyd_iters = 0
    hyd_failures = 0  # consecutive outer iterations whose hydraulic Newton step stalled
    out = None
    fl = element_flows(comp, x, h)
    last_change = np.zeros_like(x)
    # (temperature change, hydraulics stalled) of the last iterations
    window, settled = deque(maxlen=opt.settle_window), False
    # cold start: flows of a linear network, then temperatures for them before any Newton
    # step (the first nonlinear hydraulics then sees nearly the right fluid properties)
    linear_first = warm is None and hyd.n_free > 0 and comp.n_branches > 0
    if linear_first:
        t_b = np.full(comp.n_branches, float(comp.t_initial_k))
        p[fixed] = p_fixed
        mdot_b, p = hyd.linear_start(p, nodal_demand(comp, fl), water.density(t_b),
                                     water.viscosity(t_b))
    newton = None
    if opt.coupled_newton and warm is not None and _newton_applies(comp, hyd, fixed):
        newton = _coupled_start(comp, hyd, fixed, State(mdot_b, p, h, lift), opt, (t_lo, t_hi))
    if newton is not None and newton.converged:
        mdot_b, p, h, lift = newton.mdot, newton.p, newton.h, newton.lift
        x = water.temperature_from_enthalpy(h)
        fl = element_flows(comp, x, h)
    prev_signs = None  # flow directions of the last outer iteration
    for it in range(1, opt.max_outer + 1):
        props = BranchProperties(comp, x)
        demand = nodal_demand(comp, fl)
        _, p_fixed = _fixed_pressures(comp, lift)
        p[fixed] = p_fixed
        # inexact Newton: while temperatures still move, the hydraulics need not be exact
        tol_p = _hydraulic_tolerance(opt, history[-1]["max_dt_k"] if history else (
            0.0 if newton is not None and newton.converged else np.inf))
        if it == 1 and linear_first:
            out = HydraulicOutcome(mdot_b, p, False, 0)
        else:
            out = hyd.solve(mdot_b, p, demand, props, tol_m=opt.tol_m_rel, tol_p=tol_p,
                            max_iter=opt.max_hydraulic,
                            allow_freeze=hyd_failures >= 2 or tol_p > opt.tol_p_pa,
                            tol_p_start=opt.tol_p_pa)
            hyd_failures = hyd_failures + 1 if not out.converged else (
                hyd_failures if hyd_failures >= 2 else 0)  # once needed, freezing stays on
        hyd_iters += out.iterations
        mdot_b, p = out.mdot, out.p
        # (not on the linear start: its pressures are not those of the network)
        d_lift = 0.0 if (it == 1 and linear_first) else critical_point_update(comp, p,
                                                                             fl["m_c"])
        if abs(d_lift) > opt.tol_dp_control_pa:
            lift, p = apply_lift_change(comp, lift, p, d_lift)
        flows = energy_flows(comp, mdot_b, demand, fl)
        try:
            h_new = solve_enthalpy(comp, mdot_b, x, flows, thermal_lu)
        except RuntimeError as exc:  # SuperLU: a singular energy balance (non-finite input)
            info = ConvergenceInfo(False, len(history), history)
            info.message = (f"the energy balance could not be solved in outer iteration {it} "
                            f"({exc}): non-finite flows or temperatures")
            raise ConvergenceError(f"the native solver did not converge: {info.message}",
                                   info) from exc
        t_new = water.temperature_from_enthalpy(h_new)
        weights = _heat_weights(comp, mdot_b, fl)
        last_change = t_new - x
        dt = _temperature_change(last_change, weights)
        fl_new = element_flows(comp, t_new, h_new)
        dm = _rel_change(fl_new["m_c"], fl["m_c"]) + _rel_change(fl_new["m_f"], fl["m_f"])
        history.append({"iteration": it, "hydraulic_iterations": out.iterations,
                        "mass_residual_kg_s": out.history[-1][0] if out.history else 0.0,
                        "head_residual_pa": out.history[-1][1] if out.history else 0.0,
                        "max_dt_k": dt, "rel_flow_change": dm, "lift_change_pa": d_lift,
                        "restarts": acc.restarts})
        h = h_new
        if (out.converged and tol_p <= opt.tol_p_pa and dt < opt.tol_t_k
                and dm < opt.tol_flow_rel
                and abs(d_lift) <= opt.tol_dp_control_pa):
            converged = True
            break
        window.append((dt, out.stalled))
        best_dt, since_best = (dt, 0) if dt < 0.5 * best_dt else (best_dt, since_best + 1)
        if (opt.damp_after and since_best >= opt.damp_after
                and acc.damping > opt.fallback_damping):
            # cycling: continue damped from here instead of failing and starting over
            acc = Anderson(depth=opt.anderson_depth, damping=opt.fallback_damping)
            best_dt, since_best = dt, 0
        if _settled(window, opt, dm, d_lift, out):
            converged = settled = True
            break
        # Next iterate: Anderson-mixed temperatures (fluid properties, consumer flows and the
        # heat-loss c_p all follow it), kept inside the physically possible range.
        # (flows within round-off of zero have no direction)
        signs = np.sign(mdot_b) * (np.abs(mdot_b) > 1e-9 * max(float(np.sum(np.abs(demand))),
                                                                1.0))
        if (opt.anderson_restart_on_reversal and prev_signs is not None
                and np.any(signs * prev_signs < 0)):
            acc.reset()
        prev_signs = signs
        x = np.clip(acc.step(x, t_new, weights), t_lo, t_hi)
        fl = element_flows(comp, x, water.enthalpy(x))
    state = State(mdot_b, p, h, lift)
    info = ConvergenceInfo(converged, len(history), history)
    if settled:
        last = history[-1]
        info.message = (
            f"settled, not converged to the strict tolerances: temperatures change by "
            f"≤ {max(d for d, _ in window):.2g} K without shrinking, "
            f"head residual {last['head_residual_pa']:.3g} Pa — a near-stagnant hilly branch "
            "at the minimum of its buoyancy head")
    if not converged:
        info.worst_elements = suspects(comp, fl, last_change)
        info.message = diagnose(comp, out, history, info.worst_elements)
    if converged:
        info.non_monotone_branches = non_monotone_branches(
            comp, mdot_b, water.temperature_from_enthalpy(h))
    result = build_result(comp, state, fl, info, hyd_iters)
    if not converged:
        raise ConvergenceError(f"the native solver did not converge: {info.message}", info,
                               result)
    return state, result


def _newton_applies(comp: Compiled, hyd, fixed: np.ndarray) -> bool:
    """Is the coupled Newton worth starting: a network with loops (without, the hydraulics
    are solved directly) in which every connected part holds a pressure (its Jacobian is then
    not structurally singular)?"""
    if hyd.n_free == 0 or (hyd.tree is not None and hyd.tree.loops is None):
        return False
    return comp.workspace.derived(("every_part_held", fixed.tobytes()),
                                  lambda: every_part_held(comp, fixed))


def _coupled_start(comp, hyd, fixed, start: State, opt: SolverOptions, t_bounds):
    """The coupled Newton (``coupled.py``) from a warm start (its lifts already set by the
    plants' controls)."""
    solver = CoupledNewton(comp, hyd, BranchProperties, fixed, t_bounds, _heat_weights)
    return solver.solve(start.mdot_b, start.p, start.h, start.lift,
                        lambda lift_: _fixed_pressures(comp, lift_)[1],
                        max_steps=opt.coupled_max_steps, tol_p=max(opt.tol_p_pa, 1e-2),
                        tol_m_rel=opt.tol_m_rel, tol_t=0.1 * opt.tol_t_k)


def non_monotone_branches(comp: Compiled, mdot_b: np.ndarray, t_node_k: np.ndarray
                          ) -> list[str]:
    """Branches of a meshed network whose head law, at the node temperatures ``t_node_k``
    [K], falls with flow at their solved flow ``mdot_b`` [kg/s] or at its reverse: ids of
    those with d(Δp_friction + ρ g Δz)/dṁ ≤ 0 at ṁ_b or −ṁ_b.

    With every branch law strictly increasing the hydraulic state for given temperatures is
    unique (it minimises a strictly convex content function), and a network without loops
    has one state anyway (mass balance fixes its flows). A near-stagnant hilly branch whose
    content cools towards soil temperature as its flow stops can have a water column whose
    weight changes faster with flow than friction — natural convection — and a loop through
    it may circulate either way: several steady states. An empty list means no such branch
    at the state found (one evaluation of the branch laws per direction; cheap).
    """
    if comp.n_branches == 0 or not np.any(comp.dz_m):
        return []
    props = BranchProperties(comp, t_node_k)
    bad = np.zeros(comp.n_branches, dtype=bool)
    for m in (mdot_b, -mdot_b):
        rho, mu, drho_dm = props(m)
        _, ddp = branch_pressure_drop(comp, m, rho, mu)
        bad |= np.atleast_1d(ddp) + drho_dm * G * comp.dz_m <= 0
    if np.any(bad):
        bad &= comp.workspace.derived("on_loop", lambda: on_loop(comp.n_nodes, comp.b_from,
                                                                  comp.b_to))
    return [str(b) for b in comp.branch_ids[bad]]


def _settled(window, opt: SolverOptions, dm: float, d_lift: float, out) -> bool:
    """True when the outer iteration has settled without converging (see ``SolverOptions``)."""
    if len(window) < opt.settle_window or not out.converged:
        return False
    dts = [d for d, _ in window]
    limit = opt.tol_t_stalled_k if all(st for _, st in window) else opt.tol_t_settled_k
    return (max(dts) < limit and dts[-1] > 0.5 * dts[0] and dm < opt.tol_flow_rel_settled
            and abs(d_lift) <= max(opt.tol_dp_control_pa, 1.0))


def _hydraulic_tolerance(opt: SolverOptions, last_dt_k: float) -> float:
    """Head tolerance [Pa] of this outer iteration's hydraulic solve (inexact Newton).

    While the temperatures still move by ``last_dt_k`` the consumer flows and fluid properties
    of the next iteration will differ anyway, so solving the hydraulics exactly is wasted work
    (Eisenstat–Walker forcing of an inexact Newton method): the tolerance is
    ``opt.tol_p_per_k_pa`` per kelvin of the last change, capped at
    ``opt.tol_p_inexact_max_pa``, down to ``opt.tol_p_pa`` once the change is below the
    temperature tolerance — the converged state is always checked at ``opt.tol_p_pa``.
    """
    if last_dt_k < opt.tol_t_k:
        return opt.tol_p_pa
    return float(np.clip(opt.tol_p_per_k_pa * last_dt_k, opt.tol_p_pa,
                         max(opt.tol_p_inexact_max_pa, opt.tol_p_pa)))


def _heat_weights(comp, mdot_b, fl) -> np.ndarray:
    """Weight of each node's temperature in the convergence measure and the acceleration.

    Temperatures where they matter (consumer inlets, feed-in inlets) weigh 1; elsewhere a
    node counts in proportion to the flow through it, relative to 1e-3 of the network's
    consumer + feed-in flow (capped at 1), so a near-stagnant pipe whose outlet temperature
    is hypersensitive to its tiny flow cannot hold the iteration up.
    """
    through = np.bincount(comp.b_from, np.abs(mdot_b), comp.n_nodes) + np.bincount(
        comp.b_to, np.abs(mdot_b), comp.n_nodes)
    total = max(float(np.sum(fl["m_c"]) + np.sum(fl["m_f"])), 1e-9)
    w = np.minimum(1.0, through / (1e-3 * total))
    w[comp.c_sup[fl["m_c"] > 0]] = 1.0
    w[comp.f_ret] = 1.0
    return w


def _temperature_change(d_t, weights) -> float:
    """Convergence measure of the temperatures [K]: the largest heat-weighted change."""
    if d_t.size == 0:
        return 0.0
    return float(np.max(np.abs(d_t) * weights))


def _temperature_bounds(comp) -> tuple[float, float]:
    """Range [K] every steady-state temperature lies in: between the coldest and hottest of
    soil, sources (plants, feed-ins, references, injections), return setpoints and the start
    value, widened by what consumers can do (a clamped return lies ``DT_MIN_K`` below its
    supply, a fixed-ΔT outlet ΔT below; fixed-flow consumers and negative loads are only
    bounded by the table)."""
    parts = [comp.t_soil_node_k, comp.t_soil_k, comp.pl_t_supply_k, comp.f_t_out_k,
             comp.r_t_k, comp.m_t_k, np.atleast_1d(comp.t_initial_k),
             np.where(comp.c_control == 0, comp.c_t_return_k, np.nan)]
    vals = np.concatenate([np.asarray(v, dtype=float).ravel() for v in parts])
    vals = vals[np.isfinite(vals)]
    delta_t = comp.c_control == ConsumerControl.DELTA_T
    drop = max(DT_MIN_K, float(np.max(np.where(delta_t, comp.c_delta_t_k, 0.0), initial=0.0)))
    lo, hi = float(np.min(vals)) - drop, float(np.max(vals))
    if np.any(comp.c_control == ConsumerControl.MDOT) or np.any(comp.c_q_w < 0):
        lo, hi = water.TEMPERATURE_RANGE_K
    return lo - 1e-6, hi + 1e-6


def _rel_change(a, b) -> float:
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-9)))


def solve_native(net, warm: State | None = None, options: SolverOptions | None = None):
    """Compile and solve ``net``; returns a ``Result`` (``result.state`` is the warm start)."""
    comp = compile_network(net)
    state, result = solve_compiled(comp, warm, options)
    return result
