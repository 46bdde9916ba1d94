"""``temperature_pathway``: lower the network's supply temperature step by step and judge the
feed-in and the network's own hydraulics at every level.

For each level ``L`` (step ``today − L``):

1. every load case's plant supply is lowered by the step (with ``annual``: the scenario's
   supply curve, or its plant setpoint, shifted by the same step); a unit's own
   ``required_supply_c`` is lowered by the step too, otherwise it is the plant's supply;
2. the consumers' returns follow the return model (``returns``), from each load case's
   today's supply to its level;
3. each load case is evaluated as ``p2h check`` does (``evaluation.evaluate_case``,
   ``design_flows``, ``judge``) → verdict, unit mode, COP, electricity;
4. the network's own state without the feed-in (the base case) is compared with the plant's
   limits (``PathwaySettings``) and the pipe limits of the checker's thresholds;
5. with ``annual``: ``annual.run_annual`` on the shifted scenario.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..checks import Thresholds, pipe_vmax
from ..errors import ScenarioError
from ..evaluation import (
    apply_load_case,
    design_flows,
    evaluate_case,
    judge,
    required_supply_c,
    validate_units,
)
from ..findings import decide, priorities, sort_findings
from ..scenario import LoadCase, Scenario, load_scenario
from ..units import BAR, ZERO_CELSIUS_K
from .returns import RETURN_MODELS, apply_return_model

__all__ = ["PathwaySettings", "temperature_pathway", "pathway_levels", "today_level_c",
           "shifted_annual_scenario"]


class PathwaySettings(BaseModel):
    """Settings of the pathway (edge units: °C, K, bar, kg/s)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    return_model: str = Field("substation", description="fixed | constant_dt | substation")
    hot_approach_k: float = Field(10.0, gt=0.0, le=40.0,
                                  description="substation: design primary − secondary supply")
    cold_approach_k: float = Field(5.0, gt=0.0, le=40.0,
                                   description="substation: design primary − secondary return")
    min_cooling_k: float = Field(3.0, gt=0.0, le=30.0,
                                 description="cooling of a consumer at its exchanger limit")
    plant_head_max_bar: float | None = Field(
        None, gt=0.0, le=60.0,
        description="the plant pump's largest head; default: the highest level's largest "
                    "head (no feed-in) × (1 + plant_reserve)")
    plant_flow_max_kg_s: float | None = Field(
        None, gt=0.0, description="the plant's largest flow; default: its design flow × "
                                  "(1 + plant_reserve)")
    plant_reserve: float = Field(0.25, ge=0.0, le=5.0,
                                 description="reserve of the installed plant pump over today's "
                                             "design point (default limits)")


def today_level_c(scenario: Scenario) -> float:
    """Today's supply level [°C]: the warmest plant supply of the scenario's load cases."""
    net = scenario.load_network()
    return max(required_supply_c(apply_load_case(net, lc, scenario.plant))
               for lc in scenario.load_cases)


def pathway_levels(supply, today_c: float) -> list[float]:
    """The levels [°C] of ``supply``: ``(start, stop, step)`` (stop included when reached),
    a list of levels, or None (today's level down to 65 °C in 2 K steps).

    Parameters
    ----------
    supply : tuple, list or None
        The sweep.
    today_c : float
        Today's level [°C] (default start).

    Returns
    -------
    list of float
        The levels, in the order given (distinct).
    """
    if supply is None:
        if today_c <= 65.0:
            raise ScenarioError(f"today's supply level is {today_c:g} °C: give the levels "
                                "(--supply START:STOP:STEP) for a pathway below it")
        supply = (today_c, 65.0, 2.0)
    if isinstance(supply, tuple) and len(supply) == 3:
        start, stop, step = (float(x) for x in supply)
        if not step > 0:
            raise ScenarioError(f"pathway step must be positive, got {step:g} K")
        sign = -1.0 if stop < start else 1.0
        n = int(math.floor(abs(stop - start) / step + 1e-9))
        levels = [start + sign * i * step for i in range(n + 1)]
    else:
        levels = [float(x) for x in supply]
    if not levels or len(levels) > 200:
        raise ScenarioError("a pathway needs 1 to 200 levels")
    bad = [x for x in levels if not (math.isfinite(x) and 0.0 < x < 200.0)]
    if bad:
        raise ScenarioError(f"pathway levels must be between 0 and 200 °C, got {bad}")
    out = []
    for x in levels:
        if round(x, 6) not in out:
            out.append(round(x, 6))
    return out


def _resolve(scenario) -> Scenario:
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    if not isinstance(scenario, Scenario):
        raise ScenarioError("temperature_pathway needs a Scenario or the path of a scenario file")
    return scenario


def _units(scenario: Scenario, th: Thresholds, step: float) -> list:
    out = []
    for u in scenario.units:
        upd = {}
        if th.cop_min is not None:
            upd["heat_pump"] = u.heat_pump.model_copy(update={"cop_min": th.cop_min})
        if u.required_supply_c is not None:
            upd["required_supply_c"] = u.required_supply_c - step
        out.append(u.model_copy(update=upd) if upd else u)
    return out


def _hydraulics(ctx, th: Thresholds) -> dict:
    """The network's own state (base case, no feed-in) of one load case."""
    res = ctx.base
    if res is None:
        return {"converged": False}
    s = res.summary()
    p = res.pipes
    v = np.abs(p["v_m_s"].to_numpy(float))
    r = np.abs(p["r_pa_per_m"].to_numpy(float))
    vmax = pipe_vmax(ctx, p.index)
    over_v = [str(i) for i in p.index[v > vmax]]
    over_r = [str(i) for i in p.index[r > th.r_max_pa_per_m]]
    iv, ir, iw = int(np.argmax(v)), int(np.argmax(r)), int(np.argmax(v / vmax))
    cons = res.active_consumers
    dp_min = {str(c): float(x) for c, x in ctx.network_base.consumers["dp_min_pa"].items()}
    th_dp = None if th.dp_min_bar is None else th.dp_min_bar * BAR
    margin = [float(row["dp_pa"]) - (th_dp if th_dp is not None else dp_min.get(str(c), 0.0))
              for c, row in cons.iterrows()]
    return {
        "converged": True,
        "plant_mdot_kg_s": s["plant_mdot_kg_s"], "plant_head_bar": s["plant_head_bar"],
        "plant_t_return_c": float(res.plant["t_return_c"].iloc[0]) if len(res.plant) else None,
        "dp_min_consumer_bar": s.get("dp_min_consumer_bar"),
        "dp_min_consumer": s.get("dp_min_consumer"),
        "dp_margin_min_bar": (min(margin) / BAR) if margin else None,
        "v_max_m_s": float(v[iv]), "v_max_pipe": str(p.index[iv]),
        "v_worst_pipe": str(p.index[iw]), "v_worst_m_s": float(v[iw]),
        "v_worst_limit_m_s": float(vmax[iw]),
        "r_max_pa_per_m": float(r[ir]), "r_max_pipe": str(p.index[ir]),
        "pipes_over_v_max": over_v, "pipes_over_r_max": over_r,
    }


def _unit_rows(ctx) -> dict:
    out = {}
    for u in ctx.units:
        d = ctx.designs[u.id]
        out[u.id] = {"mode": d.mode, "required_supply_c": d.required_supply_k - ZERO_CELSIUS_K,
                     "t_direct_c": d.t_direct_k - ZERO_CELSIUS_K,
                     "cop": d.cop if d.needs_heat_pump else None,
                     "p_el_kw": d.p_el_w / 1e3, "q_out_kw": d.q_out_w / 1e3}
    return out


def _level_cases(scenario, net, th, settings, today_by_case, level, today, backend):
    """Every load case of one level evaluated (``evaluate_case``) and judged."""
    step = today - level
    units = _units(scenario, th, step)
    contexts, errors, at_limit = [], {}, {}
    for lc in scenario.load_cases:
        t_case = today_by_case[lc.name]
        net_l, lim = apply_return_model(
            net, settings.return_model, t_case, t_case - step,
            hot_approach_k=settings.hot_approach_k, cold_approach_k=settings.cold_approach_k,
            min_cooling_k=settings.min_cooling_k)
        at_limit[lc.name] = lim
        lc_l = lc.model_copy(update={"t_supply_c": t_case - step})
        try:
            base_net = apply_load_case(net_l, lc_l, scenario.plant)
        except ScenarioError as exc:
            errors[lc.name] = str(exc)
            continue
        contexts.append(evaluate_case(base_net, units, th, lc.name, backend))
    design_flows(contexts)
    cases = []
    for ctx in contexts:
        found = sort_findings(judge(ctx), priorities(), [ctx.load_case])
        verdict = decide(found)
        first = next((f for f in found if f.severity == "violation"), None) or \
            next((f for f in found if f.condition), None)
        cases.append({"load_case": ctx.load_case,
                      "t_supply_c": required_supply_c(ctx.network_base),
                      "verdict": verdict,
                      "decisive": first.code if first else None,
                      "decisive_message": first.message if first else None,
                      "consumers_at_limit": len(at_limit[ctx.load_case]),
                      "design_flow_kg_s": dict(ctx.design_flow_kg_s),
                      "units": _unit_rows(ctx), "network": _hydraulics(ctx, th)})
    for name, msg in errors.items():
        cases.append({"load_case": name, "t_supply_c": today_by_case[name] - step,
                      "verdict": "NOT_PERMITTED", "decisive": "load_case",
                      "decisive_message": msg, "consumers_at_limit": len(at_limit[name]),
                      "design_flow_kg_s": {}, "units": {}, "network": {"converged": False}})
    order = [lc.name for lc in scenario.load_cases]
    cases.sort(key=lambda c: order.index(c["load_case"]))
    return cases


def shifted_annual_scenario(scenario: Scenario, step_k: float, network=None,
                            sample_hours: int | None = None) -> Scenario:
    """The scenario with its annual supply curve (or, without one, its plant setpoint) lowered
    by ``step_k`` and, when given, ``network`` in place of its own.

    Parameters
    ----------
    scenario : Scenario
        The scenario (not modified).
    step_k : float
        How far the supply is lowered [K].
    network : Network, optional
        The network of the level (returns after the return model).
    sample_hours : int, optional
        Analyse N evenly spread hours (``annual.sample_hours``).

    Returns
    -------
    Scenario
        A new scenario for ``run_annual``.
    """
    from ..annual.inputs import supply_curve_points
    from ..annual.settings import AnnualSettings
    from ..scenario import PlantSettings

    settings = scenario.annual if scenario.annual is not None else AnnualSettings()
    upd = {}
    if sample_hours is not None:
        upd["sample_hours"] = int(sample_hours)
    plant = scenario.plant
    if settings.supply_curve is None:
        base = apply_load_case(scenario.load_network(), LoadCase(name="annual"), scenario.plant)
        plant = (plant or PlantSettings()).model_copy(
            update={"t_supply_c": required_supply_c(base) - step_k})
    else:
        x, y = supply_curve_points(settings.supply_curve)
        upd["supply_curve"] = [(float(a), float(b) - step_k) for a, b in zip(x, y, strict=True)]
    new = scenario.model_copy(update={"annual": settings.model_copy(update=upd),
                                      "plant": plant})
    return new if network is None else new.with_network(network)


def temperature_pathway(scenario, supply=None, return_model: str = "substation",
                        annual: bool = False, *, settings=None, backend: str | None = None,
                        sample_hours: int | None = None, workers: int | None = 1,
                        executor=None, progress=None):
    """At which network supply temperatures does the data-centre heat go direct, and can the
    hydraulics carry it?

    Parameters
    ----------
    scenario : Scenario or path-like
        The scenario (network, load cases, units, thresholds; ``annual:`` for ``annual``).
    supply : tuple or list, optional
        ``(start, stop, step)`` [°C, °C, K] or a list of levels [°C]; default today's level
        down to 65 °C in 2 K steps.
    return_model : str
        "substation" (default), "constant_dt" or "fixed" (``pathway.returns``).
    annual : bool
        Also run the annual analysis at every level (``run_annual``).
    settings : PathwaySettings or dict, optional
        Return-model parameters and plant limits (``return_model`` overrides its field).
    backend : str, optional
        "native" (default, or the scenario's) or "pandapipes".
    sample_hours : int, optional
        With ``annual``: analyse N evenly spread hours per level.
    workers, executor
        With ``annual``: passed to ``run_annual``.
    progress : callable, optional
        ``progress(level_c)`` after each level.

    Returns
    -------
    PathwayResult
        One row per level (verdict, unit mode, COP, electricity, plant flow and head against
        their limits, worst consumer Δp, bottleneck pipes; annual figures), the plain-words
        answer, figures.

    Examples
    --------
    >>> import p2h_hydraulics as p2h
    >>> pw = p2h.temperature_pathway("scenarios/pathway_3g_to_4g.yaml", supply=[81, 67])
    >>> [row["mode"] for row in pw.levels]
    ['heat_pump', 'direct']
    """
    from .result import PathwayResult

    scen = _resolve(scenario)
    if isinstance(settings, dict):
        settings = PathwaySettings.model_validate(settings)
    settings = (settings or PathwaySettings()).model_copy(update={"return_model": return_model})
    if settings.return_model not in RETURN_MODELS:
        raise ScenarioError(f"unknown return model {settings.return_model!r}; choose "
                            f"{', '.join(RETURN_MODELS)}")
    backend = backend or scen.backend
    if backend not in ("native", "pandapipes"):
        raise ScenarioError(f"unknown backend {backend!r}; choose native or pandapipes")
    th = scen.thresholds or Thresholds()
    net = scen.load_network()
    validate_units(net, scen.units)
    today_by_case = {lc.name: required_supply_c(apply_load_case(net, lc, scen.plant))
                     for lc in scen.load_cases}
    today = max(today_by_case.values())
    levels = pathway_levels(supply, today)
    rows = []
    for level in levels:
        cases = _level_cases(scen, net, th, settings, today_by_case, level, today, backend)
        row = {"level_c": level, "step_k": today - level, "cases": cases}
        if annual:
            row["annual"] = _annual(scen, settings, net, today, level, sample_hours, workers,
                                    executor)
        rows.append(row)
        if progress is not None:
            progress(level)
    return PathwayResult.build(scen, settings, th, today, rows)


def _annual(scen, settings, net, today, level, sample_hours, workers, executor) -> dict:
    from ..annual.run import run_annual

    net_l, lim = apply_return_model(net, settings.return_model, today, level,
                                    hot_approach_k=settings.hot_approach_k,
                                    cold_approach_k=settings.cold_approach_k,
                                    min_cooling_k=settings.min_cooling_k)
    shifted = shifted_annual_scenario(scen, today - level, net_l, sample_hours)
    year = run_annual(shifted, workers=workers, executor=executor)
    s = year.summary
    return {"hours": s["hours"], "full_year": s["full_year"],
            "offered_mwh": s["offered_mwh"], "absorbed_mwh": s["absorbed_mwh"],
            "heat_pump_electricity_mwh": s["heat_pump"]["electricity_mwh"],
            "heat_pump_hours": s["heat_pump"]["hours"],
            "hours_limited": s["hours_limited"], "hours_limited_by": s["hours_limited_by"],
            "hours_not_converged": s["hours_not_converged"],
            "hours_multiple_states": s["hours_multiple_states"],
            "consumers_at_limit": len(lim)}

