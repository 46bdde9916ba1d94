"""``check_integration``: can the network take the P2H unit(s)? — the ``p2h check`` command.

What to call::

    import p2h_hydraulics as p2h
    report = p2h.check_integration("scenarios/3g_liquid_small_hp.yaml")
    report.verdict        # PERMITTED | PERMITTED_WITH_CONDITIONS | NOT_PERMITTED
    report.decisive       # the findings that decide it

For every load case the network is solved **without** the feed-in (base case) and **with**
it, each P2H unit designed (direct or heat-pump stage) and every registered check run
(``evaluation.evaluate_case`` and ``evaluation.judge``; the checks are in ``checks``). Where
the feed-in state may not be the only steady state, the feed-in case is solved a second time
from a cold start and another state found is judged as well (``multiple_states``). The
answer is a ``report.Report``: verdict, findings sorted decisive-first, conditions and the
key figures of every load case.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from .checks import CaseContext, Thresholds, local_return_c
from .errors import CheckFailed, Problem, ScenarioError
from .evaluation import (
    apply_load_case,
    design_flows,
    evaluate_case,
    judge,
    required_supply_c,
    validate_units,
)
from .findings import Finding, collect_conditions, decide, priorities, sort_findings
from .report import Report
from .scenario import LoadCase, Scenario, load_scenario
from .unit import P2HUnit, pump_head_needed_pa
from .units import BAR, ZERO_CELSIUS_K

__all__ = ["check_integration"]


def check_integration(scenario_or_network, units=None, load_cases=None, thresholds=None,
                      backend: str | None = None, strict: bool = False) -> Report:
    """Can the network take the P2H unit(s)? Runs every check in every load case.

    The input network is never modified.

    Parameters
    ----------
    scenario_or_network : Scenario, path-like or Network
        A scenario, a scenario YAML file, or a network (then ``units`` is required and
        ``load_cases`` default to one "design" case with the network as is).
    units : list of P2HUnit or dict, optional
        The units (default: the scenario's).
    load_cases : list of LoadCase or dict, optional
        The load cases (default: the scenario's).
    thresholds : Thresholds or dict, optional
        The limits, or a dict of overrides (default: the scenario's, else the defaults).
    backend : str, optional
        "native" (default, or the scenario's) or "pandapipes".
    strict : bool
        Raise ``CheckFailed`` (carrying the report) unless the verdict is PERMITTED.

    Returns
    -------
    Report
        Verdict, findings sorted decisive-first, conditions, key figures per load case.

    Examples
    --------
    >>> import p2h_hydraulics as p2h
    >>> rep = p2h.check_integration("scenarios/3g_liquid_small_hp.yaml")
    >>> rep.verdict, rep.decisive_code, rep.exit_code
    ('PERMITTED_WITH_CONDITIONS', 'heat_pump', 0)
    """
    net, units, cases, th, backend, name, desc, plant = _resolve(
        scenario_or_network, units, load_cases, thresholds, backend)
    th = Thresholds() if th is None else _validated(Thresholds, th, "thresholds")
    if th.cop_min is not None:
        units = [u.model_copy(update={"heat_pump": u.heat_pump.model_copy(
            update={"cop_min": th.cop_min})}) for u in units]
    validate_units(net, units)
    names = [lc.name for lc in cases]
    if len(set(names)) != len(names):
        raise ScenarioError("load case names must be unique")

    contexts = [evaluate_case(apply_load_case(net, lc, plant), units, th, lc.name, backend)
                for lc in cases]
    design_flows(contexts)

    findings: list[Finding] = []
    for ctx in contexts:
        findings += judge(ctx)
    findings = sort_findings(findings, priorities(), names)
    load_figs = []
    for ctx in contexts:
        load_figs.append({
            "name": ctx.load_case,
            "required_supply_c": required_supply_c(ctx.network_base),
            "base": _figures(ctx.base), "feedin": _figures(ctx.feedin),
            "converged": {"base": ctx.base is not None, "feedin": ctx.feedin is not None},
            "design_flow_kg_s": ctx.design_flow_kg_s,
            "units": {u.id: _unit_figures(ctx, u) for u in units},
        })
    report = Report(
        verdict=decide(findings), findings=findings, conditions=collect_conditions(findings),
        load_cases=load_figs, units=[u.model_dump() for u in units], scenario=name,
        description=desc, network=str(net.source or net.settings.get("name", "")),
        backend=backend, thresholds=th.model_dump())
    if strict and report.verdict != "PERMITTED":
        first = report.decisive[0].message if report.decisive else ""
        raise CheckFailed(f"feed-in check: {report.verdict}: {first}", report=report)
    return report


def _figures(res) -> dict:
    if res is None:
        return {}
    s = res.summary()
    keys = ("plant_mdot_kg_s", "plant_head_bar", "plant_heat_kw", "consumer_heat_kw",
            "feedin_heat_kw", "heat_loss_kw", "p_min_bar", "p_min_junction", "p_max_bar",
            "p_max_junction", "dp_min_consumer_bar", "dp_min_consumer",
            "t_supply_min_consumer_c", "t_supply_min_consumer", "iterations")
    out = {k: s.get(k) for k in keys}
    if len(res.plant):
        out["plant_t_return_c"] = float(res.plant["t_return_c"].iloc[0])
    if len(res.pipes):
        out["v_max_m_s"] = float(res.pipes["v_m_s"].abs().max())
    return out


def _unit_figures(ctx: CaseContext, u: P2HUnit) -> dict:
    d = ctx.designs[u.id]
    out = {"mode": d.mode, "q_out_kw": d.q_out_w / 1e3, "t_out_c": d.t_out_k - ZERO_CELSIUS_K,
           "required_supply_c": d.required_supply_k - ZERO_CELSIUS_K,
           "max_inlet_c": d.max_inlet_k - ZERO_CELSIUS_K,
           "cop": d.cop if d.needs_heat_pump else None,
           "lift_k": d.lift_k if d.needs_heat_pump else None,
           "p_el_kw": d.p_el_w / 1e3, "q_source_kw": d.q_source_w / 1e3}
    t_in, _ = local_return_c(ctx, u)
    out["t_in_c"] = t_in
    if ctx.feedin is not None and u.id in ctx.feedin.feedins.index:
        f = ctx.feedin.feedins.loc[u.id]
        out.update(mdot_kg_s=float(f["mdot_kg_s"]), head_bar=float(f["head_pa"]) / BAR,
                   head_needed_bar=pump_head_needed_pa(u, float(f["head_pa"])) / BAR,
                   q_network_kw=float(f["q_w"]) / 1e3, inlet_clamped=bool(f["inlet_clamped"]))
    return out


def _validated(model, value, where: str):
    """``value`` as a ``model`` instance; pydantic errors become one ScenarioError."""
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        probs = [Problem(e["msg"], field=".".join([where, *map(str, e["loc"])]),
                         value=e.get("input") if not isinstance(e.get("input"), dict) else None)
                 for e in exc.errors()]
        raise ScenarioError(probs) from None


def _resolve(scenario_or_network, units, load_cases, thresholds, backend):
    """(network, units, load cases, thresholds, backend, name, description, plant defaults)."""
    obj = scenario_or_network
    if isinstance(obj, (str, Path)):
        obj = load_scenario(obj)
    if isinstance(obj, Scenario):
        net, name, desc, plant = obj.load_network(), obj.name, obj.description, obj.plant
        units = units if units is not None else obj.units
        load_cases = load_cases if load_cases is not None else obj.load_cases
        thresholds = thresholds if thresholds is not None else obj.thresholds
        backend = backend or obj.backend
    else:
        net, name, desc, plant = obj, str(obj.settings.get("name", "")), "", None
    if not units:
        raise ScenarioError("check_integration needs at least one P2H unit (units=[...])")
    units = [_validated(P2HUnit, u, f"units[{i}]") for i, u in enumerate(units)]
    load_cases = [_validated(LoadCase, lc, f"load_cases[{i}]")
                  for i, lc in enumerate(load_cases or [LoadCase(name="design")])]
    if backend not in (None, "native", "pandapipes"):
        raise ScenarioError(f"unknown backend {backend!r}; choose native or pandapipes")
    return net, units, load_cases, thresholds, backend or "native", name, desc, plant
