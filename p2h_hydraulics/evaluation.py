"""The evaluation layer: a load case solved without and with the P2H units, judged.

Every application (``check_integration``, the site comparison, the annual analysis, the HTML
report) evaluates a feed-in the same way; this module is that one way.

What to call:

* ``apply_load_case(network, load_case, plant)`` — the load case's network (new object;
  defined with the scenario's data model in ``scenario.py``),
* ``required_supply_c(net)`` — the supply temperature a feed-in must reach,
* ``validate_units(network, units)`` — units on nodes that exist, unique ids,
* ``evaluate_case(base_net, units, thresholds, name, backend)`` — base solve, unit designs,
  feed-in solve warm-started from the base case → ``CaseContext`` (with ``second_state``: where
  that state may not be the only one, the feed-in case solved again from a cold start),
* ``design_flows(contexts)`` — the plants' design flows across the load cases,
* ``judge(ctx, skip=…, cases=…)`` — the registered checks on one case → findings,
* ``solve_case(net, backend, warm)`` — one solve, non-convergence returned as a value.

``check_integration`` is ``evaluate_case`` + ``design_flows`` + ``judge`` per load case. The
site comparison and the annual analysis solve many feed-ins of one load case on compiled
arrays (``solver.solve_compiled`` with warm starts) and build their ``CaseContext`` from those
solves; they judge it with the same ``judge`` and take ``apply_load_case``,
``required_supply_c`` and ``design_flows`` from here.
"""

from __future__ import annotations

import dataclasses
import difflib
import math

from .checks import CaseContext, state_difference
from .errors import ConvergenceError, Problem, ScenarioError
from .findings import REGISTRY, Finding
from .model.graph import active
from .scenario import apply_load_case
from .solver import solve
from .unit import design_feedin, to_feedin_rows, with_feedins
from .units import ZERO_CELSIUS_K

__all__ = ["apply_load_case", "required_supply_c", "validate_units", "evaluate_case",
           "second_state", "design_flows", "judge", "solve_case"]


# ------------------------------------------------------------------------------------------
# one case (the load-case networks: ``scenario.apply_load_case``, re-exported here)


def required_supply_c(net) -> float:
    """The supply temperature a feed-in must reach [°C]: the warmest plant setpoint in service.

    Parameters
    ----------
    net : Network
        A load case's network (``apply_load_case``).

    Returns
    -------
    float
        Required supply temperature [°C]; a unit's own ``required_supply_c`` overrides it in
        ``unit.design_feedin``.

    Raises
    ------
    ScenarioError
        When no plant is in service.
    """
    pl = active(net.plants)
    if pl.empty:
        raise ScenarioError("the network has no plant in service: the required supply "
                            "temperature of the feed-in is unknown", file=net.source)
    return float(pl["t_supply_k"].max()) - ZERO_CELSIUS_K


def validate_units(network, units) -> None:
    """Raise a ScenarioError naming every unit whose node/junctions do not exist.

    Duplicate unit ids, and ids already used by a feed-in of the network, are reported too,
    and a network without a consumer in service (nothing could take the heat).

    Parameters
    ----------
    network : Network
        The network the units connect to.
    units : list of P2HUnit
        The units.

    Returns
    -------
    None
        Returns only when every unit fits the network.
    """
    probs = []
    if active(network.consumers).empty:
        probs.append(Problem("the network has no consumer in service: nothing takes heat from "
                             "it, so a feed-in cannot be judged", file=network.source,
                             table="consumers",
                             hint="add the consumers (substations) of the network"))
    seen = set()
    junctions = set(network.junctions.index)
    nodes = sorted({j[:-2] for j in junctions if j.endswith("_s")})
    for u in units:
        if u.id in seen:
            probs.append(Problem("duplicate unit id", file=network.source, table="units",
                                 element=u.id, field="id"))
        seen.add(u.id)
        if u.id in set(network.feedins.index):
            probs.append(Problem("the network already has a feed-in with this id",
                                 file=network.source, table="units", element=u.id, field="id"))
        missing = [j for j in u.junctions if j not in junctions]
        if missing:
            what = (f"node '{u.node}' does not exist in the network" if u.node is not None
                    else f"junction(s) {', '.join(missing)} do not exist in the network")
            close = difflib.get_close_matches(str(u.node), nodes, n=3) if u.node else []
            hint = f"did you mean {', '.join(close)}?" if close else None
            probs.append(Problem(what, file=network.source, table="units", element=u.id,
                                 field="node" if u.node is not None else "supply_junction",
                                 value=u.node if u.node is not None else missing, hint=hint))
    if probs:
        raise ScenarioError(probs)


def solve_case(net, backend: str = "native", warm=None):
    """Solve one network; a solve that does not converge is returned, not raised.

    Parameters
    ----------
    net : Network
        The network (a load case without or with the feed-in).
    backend : str
        "native" or "pandapipes".
    warm : Result, optional
        A solved state to start from (native backend only; pandapipes always starts cold).

    Returns
    -------
    tuple
        ``(Result, None)`` when converged, ``(None, ConvergenceError)`` otherwise.
    """
    try:
        if backend == "native":
            return solve(net, backend=backend, warm=warm), None
        return solve(net, backend=backend), None
    except ConvergenceError as exc:
        return None, exc


def evaluate_case(base_net, units, thresholds, name: str = "design",
                  backend: str = "native", second_start: bool = True) -> CaseContext:
    """One load case solved without and with the P2H units: the criteria's ``CaseContext``.

    The base case (no feed-in) is solved first; every unit is designed for the required supply
    temperature (``required_supply_c``; direct or heat-pump stage, ``unit.design_feedin``),
    added to the network as a feed-in and the feed-in case solved, warm-started from the base
    case. The designs then record the local return temperature the units really see (from
    the feed-in solve). A solve that does not converge leaves its result None and its error in
    the context. Plant design flows are filled in across load cases by ``design_flows``.

    Parameters
    ----------
    base_net : Network
        The load case's network without the units (``apply_load_case``).
    units : list of P2HUnit
        The units, validated against the network (``validate_units``).
    thresholds : Thresholds
        The limits the checks apply.
    name : str
        Load case name (carried into every finding).
    backend : str
        "native" (default) or "pandapipes".
    second_start : bool
        Where the feed-in state may not be the only one, solve it again from a cold start
        (``second_state``).

    Returns
    -------
    CaseContext
        Networks, results and designs of the case; ``judge(ctx)`` runs the checks on it.
    """
    req = required_supply_c(base_net)
    base, base_err = solve_case(base_net, backend)
    t_ret = None
    designs = {}
    for u in units:
        if base is not None:
            t_ret = float(base.junctions.at[u.junctions[1], "t_k"]) - ZERO_CELSIUS_K
        designs[u.id] = design_feedin(u, req, t_ret)
    fnet = with_feedins(base_net, to_feedin_rows(units, list(designs.values())))
    feed, feed_err = solve_case(fnet, backend, warm=base)
    if feed is not None:  # record the local return the unit really sees
        designs = _designs_at(units, req, feed)
    ctx = CaseContext(name, thresholds, units, designs, base_net, fnet, base, feed, base_err,
                      feed_err)
    if second_start:
        second_state(ctx, backend)
    return ctx


def _designs_at(units, req_c: float, feed) -> dict:
    """The units' designs at the local return temperatures of the feed-in solve ``feed``."""
    return {u.id: design_feedin(u, req_c, float(feed.feedins.at[u.id, "t_in_k"])
                                - ZERO_CELSIUS_K) for u in units}


def second_state(ctx: CaseContext, backend: str = "native") -> None:
    """Where the feed-in state found may not be the only one, solve the feed-in case again
    from a cold start.

    The first feed-in solve starts from the base case. When its state has loop branches
    whose head law falls with flow (``ConvergenceInfo.non_monotone_branches``) another
    steady state may exist; a converged second state that differs
    (``checks.state_difference``) is kept as ``ctx.alternative`` — a context of its own, with
    the units designed for its return temperatures — for ``multiple_states`` to judge.
    Native backend only (pandapipes reports no such branches).

    Parameters
    ----------
    ctx : CaseContext
        The case from ``evaluate_case`` (modified in place).
    backend : str
        "native" (else nothing is done).

    Returns
    -------
    None
        ``ctx.second_start`` says what the second solve found ("same state", "another state",
        "did not converge"; empty when none was needed), ``ctx.alternative`` holds the other
        state's context.
    """
    feed = ctx.feedin
    if (backend != "native" or feed is None
            or not getattr(feed.convergence, "non_monotone_branches", None)):
        return
    alt, _ = solve_case(ctx.network_feedin, backend)
    if alt is None:
        ctx.second_start = "did not converge"
        return
    if not state_difference(feed, alt)["differ"]:
        ctx.second_start = "same state"
        return
    ctx.second_start = "another state"
    ctx.alternative = dataclasses.replace(
        ctx, feedin=alt, feedin_error=None, alternative=None, second_start="",
        designs=_designs_at(ctx.units, required_supply_c(ctx.network_base), alt))


def design_flows(contexts: list[CaseContext]) -> None:
    """Fill in the plant design flow of every context (``design_flow_kg_s`` and its source).

    The design flow of a plant is its ``mdot_design``, else the base-case flow of the load
    case with the highest consumer demand (the plant-minimum-flow criterion reads it).

    Parameters
    ----------
    contexts : list of CaseContext
        One context per load case, base cases solved; changed in place.

    Returns
    -------
    None
    """
    def demand(ctx):
        c = active(ctx.network_base.consumers)
        return float(c["q_w"].sum()) if len(c) else 0.0

    ranked = sorted(contexts, key=demand, reverse=True)
    for ctx in contexts:
        pl = active(ctx.network_base.plants)
        for pid, row in pl.iterrows():
            d = float(row["mdot_design_kg_s"])
            src = ""
            if not math.isfinite(d):
                d = math.nan
                for r in ranked:
                    if r.base is not None and pid in r.base.plant.index:
                        d = float(r.base.plant.at[pid, "mdot_kg_s"])
                        src = f" (base-case flow of load case '{r.load_case}')"
                        break
            ctx.design_flow_kg_s[str(pid)] = d
            ctx.design_flow_source[str(pid)] = src


def judge(ctx: CaseContext, *, skip=(), cases=None, codes=None) -> list[Finding]:
    """Run the registered checks on one case, in registry (decisive-first) order.

    Parameters
    ----------
    ctx : CaseContext
        The case (``evaluate_case``, or built on compiled arrays by the site search and the
        annual analysis).
    skip : iterable of str
        Check codes not to run. The annual analysis skips the checks that only ever warn
        (``findings.WARNING_ONLY``), the design checks it judges once per hour and
        ``convergence`` (its solves report that themselves).
    cases : iterable of str, optional
        Keep only findings of these cases ("design", "base", "feedin"); the site comparison
        judges the node-independent findings ("design", "base") once for all nodes.
    codes : iterable of str, optional
        Run only these checks, in this order (the annual analysis judges the design checks
        once per supply temperature).

    Returns
    -------
    list of Finding
        The findings, unsorted (``findings.sort_findings`` sorts them decisive-first).
    """
    skip = set(skip)
    out: list[Finding] = []
    for code in (REGISTRY if codes is None else codes):
        if code in skip:
            continue
        found = REGISTRY[code].func(ctx)
        if cases is not None:
            found = [f for f in found if f.case in cases]
        out += found
    return out
