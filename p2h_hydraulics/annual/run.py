"""``run_annual``: the hour-by-hour analysis of a scenario over a year.

1. The network with the scenario's plant settings (``apply_load_case``), the units (with the
   thresholds' ``cop_min``) and the hourly inputs (``inputs.build_inputs``).
2. The design flow of each plant (for the ≥ 10 % minimum-flow criterion): its
   ``mdot_design_kg_s`` (network or scenario ``plant:``), else — as the checker does with load
   cases — its flow without the feed-in in the hour of the highest consumer demand.
3. Each unit's design per hour (``design_feedin`` at the hour's supply temperature: direct or
   heat-pump stage, COP); design violations (COP below minimum, outlet too cold) limit the hour
   to zero without a search.
4. Hours with exactly equal inputs (demand, supply and soil temperature, offers) are solved
   once. The distinct hours are sorted by consumer demand and supply temperature, cut into
   contiguous chunks (as many as the number of hours asks for, ``chunk_count``, whatever the
   workers) and solved on the executor (``engine.solve_chunk``), each chunk warm-started from
   the design-hour state and each hour from its predecessor.
5. The records are spread back over the hours → ``AnnualResult``.

``network_for_hour`` builds the full ``Network`` of one hour (for a direct single-hour
``solve`` or ``check_integration``, e.g. to reproduce a result of the table).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..checks import CaseContext, Thresholds
from ..errors import ConvergenceError, ScenarioError
from ..evaluation import apply_load_case, judge, validate_units
from ..scenario import LoadCase
from ..units import ZERO_CELSIUS_K
from .engine import DESIGN_CODES, HourCase, Payload, solve_chunk
from .inputs import build_inputs
from .settings import AnnualSettings

__all__ = ["run_annual", "prepare", "network_for_hour", "hour_options", "Prepared"]


class Prepared:
    """Everything ``run_annual`` derives from the scenario before solving."""

    def __init__(self, scenario, settings: AnnualSettings, hours=None):

        self.scenario = scenario
        self.settings = settings
        th = scenario.thresholds or Thresholds()
        units = list(scenario.units)
        if th.cop_min is not None:
            units = [u.model_copy(update={"heat_pump": u.heat_pump.model_copy(
                update={"cop_min": th.cop_min})}) for u in units]
        self.thresholds = th
        self.units = units
        net = scenario.load_network()
        validate_units(net, units)
        self.network = apply_load_case(net, LoadCase(name="annual"), scenario.plant)
        base_dir = getattr(scenario, "_base_dir", None)
        self.inputs = build_inputs(settings, self.network, units, base_dir)
        n = self.inputs.n_hours
        if hours is None and settings.sample_hours is not None and settings.sample_hours < n:
            hours = np.unique(np.round(np.linspace(0, n - 1, settings.sample_hours)).astype(int))
        self.hours = np.arange(n) if hours is None else np.asarray(hours, dtype=int)
        if self.hours.size == 0 or self.hours.min() < 0 or self.hours.max() >= n:
            raise ScenarioError(f"hours must be within 0…{n - 1}")

    # -- per hour ---------------------------------------------------------------------------
    def required_supply_c(self, hour: int) -> float:
        return float(self.inputs.table["t_supply_c"].iat[hour])

    def designs(self, hour: int, lam: float = 1.0) -> list:
        """Each unit's ``FeedinDesign`` in ``hour`` at λ · offer."""
        from dataclasses import replace

        from ..unit import design_feedin

        f = self.inputs.offer_factors(hour)
        out = []
        for u, fu in zip(self.units, f, strict=True):
            d = design_feedin(u, self.required_supply_c(hour))
            s = lam * fu
            out.append(replace(d, q_out_w=s * d.q_out_w, q_source_w=s * d.q_source_w,
                               p_el_w=s * d.p_el_w))
        return out


def prepare(scenario, settings: AnnualSettings | None = None, hours=None) -> Prepared:
    """Resolve a scenario (path or ``Scenario``) for the annual analysis."""
    from ..scenario import Scenario, load_scenario

    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    if not isinstance(scenario, Scenario):
        raise ScenarioError("run_annual needs a Scenario or the path of a scenario file")
    if settings is None:
        settings = scenario.annual if scenario.annual is not None else AnnualSettings()
    elif isinstance(settings, dict):
        settings = AnnualSettings.model_validate(settings)
    return Prepared(scenario, settings, hours)


def network_for_hour(prep: Prepared, hour: int, lam: float = 1.0, design_flows=None):
    """The network of ``hour`` with the units feeding λ · offer (``lam=None``: no units).

    Plants get ``mdot_design_kg_s`` from ``design_flows`` (plant id → kg/s) when given, so that
    ``check_integration`` on this network judges the minimum flow as the annual analysis does.
    """
    from ..unit import to_feedin_rows, with_feedins

    inp = prep.inputs
    q = inp.q_w(hour)
    row = inp.table.iloc[hour]
    lc = LoadCase(name=f"hour {hour}", q_kw={str(c): float(v) / 1e3
                                              for c, v in zip(inp.consumer_ids, q, strict=True)},
                  t_supply_c=float(row["t_supply_c"]), t_soil_c=float(row["t_soil_c"]))
    net = apply_load_case(prep.network, lc)
    if design_flows:
        pl = net.plants.copy()
        for pid, m in design_flows.items():
            if pid in pl.index and math.isfinite(m):
                pl.at[pid, "mdot_design_kg_s"] = float(m)
        net = net.replace(plants=pl)
    if lam is None:
        return net
    return with_feedins(net, to_feedin_rows(prep.units, prep.designs(hour, lam)))


# ------------------------------------------------------------------------------------------


def _distinct(prep: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """(first hour of each distinct input, inverse index hours → distinct)."""
    t = prep.inputs.table.iloc[prep.hours]
    cols = ["demand_factor", "t_supply_c", "t_soil_c"] + [f"offer_factor:{u}"
                                                            for u in prep.inputs.unit_ids]
    keys = t[cols].to_numpy(dtype=float)
    if prep.inputs.profile_w is not None:
        prof = np.nan_to_num(prep.inputs.profile_w[prep.hours], nan=-1.0)
        keys = np.hstack([keys, prof])
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return prep.hours[first], np.asarray(inverse).ravel()


def _design_limits(prep: Prepared, hours) -> dict:
    """Design violation (code, element, message) per distinct required supply temperature."""
    out = {}
    for h in hours:
        t = prep.required_supply_c(h)
        if t in out:
            continue
        designs = {u.id: d for u, d in zip(prep.units, prep.designs(h), strict=True)}
        ctx = CaseContext("hour", prep.thresholds, prep.units, designs, prep.network, None)
        limit = None
        for f in judge(ctx, codes=DESIGN_CODES):
            if f.severity == "violation" and limit is None:
                limit = (f.code, f.element, f.message)
        out[t] = limit
    return out


def _design_flows(prep: Prepared, comp, options, tries: int = 5):
    """(design flow per plant, its source text, warm-start state or None, design hour).

    Plants without ``mdot_design_kg_s`` take their flow without the feed-in in the hour of the
    highest consumer demand (the next-highest hours when that solve does not converge, up to
    ``tries``). When every plant has a design flow nothing is solved here.
    """
    from ..model.graph import active
    from ..solver.native import solve_compiled
    from .engine import HourSolver

    plants = active(prep.network.plants)
    flows = {str(p): float(m) for p, m in plants["mdot_design_kg_s"].items()}
    src = {p: "" for p in flows}
    demand = prep.inputs.table["consumer_demand_kw"].to_numpy()
    ranked = np.argsort(-demand, kind="stable")
    if all(math.isfinite(m) and m > 0 for m in flows.values()):
        return flows, src, None, int(ranked[0])
    solver = HourSolver(Payload(comp, prep.network, prep.units, prep.thresholds, {}, {},
                                _unit_pos(comp, prep), prep.inputs.q_net_w,
                                _t_initial(prep), options=options))
    errors = []
    for h in ranked[:tries]:
        case = _case(prep, comp, int(h), 0, None)
        try:
            state, res = solve_compiled(solver._with_lam(solver.hour_comp(case), case, 0.0),
                                        options=options)
        except ConvergenceError as exc:
            errors.append(exc)
            continue
        for pid in flows:
            if not (math.isfinite(flows[pid]) and flows[pid] > 0) and pid in res.plant.index:
                flows[pid] = float(res.plant.at[pid, "mdot_kg_s"])
                src[pid] = f" (flow without the feed-in in hour {int(h)}, " \
                           f"{'the' if h == ranked[0] else 'a'} hour of highest demand)"
        return flows, src, state, int(h)
    exc = errors[0]
    raise ConvergenceError(
        f"annual analysis: the plant's design flow is not given (mdot_design_kg_s) and the "
        f"network does not converge without the feed-in in the {tries} hours of highest demand "
        f"(give the plant's mdot_design_kg_s in the scenario's plant settings): {exc}",
        exc.info, exc.partial_result)


def _unit_pos(comp, prep) -> np.ndarray:
    ids = list(comp.f_ids)
    return np.array([ids.index(u.id) for u in prep.units], dtype=int)


def _t_initial(prep) -> float:
    t = prep.network.settings.get("t_initial_k", math.nan)
    return float(t) if t is not None and np.isfinite(t) else math.nan


def _case(prep: Prepared, comp, hour: int, key: int, limits) -> HourCase:
    row = prep.inputs.table.iloc[hour]
    designs = prep.designs(hour)
    prof = None
    if prep.inputs.profile_w is not None:
        prof = prep.inputs.q_w(hour)
    return HourCase(
        key=key, q_scale=float(row["demand_factor"]), q_row=prof,
        t_supply_k=float(row["t_supply_c"]) + ZERO_CELSIUS_K,
        t_soil_k=float(row["t_soil_c"]) + ZERO_CELSIUS_K,
        offer_w=np.array([d.q_out_w for d in designs]),
        t_out_k=np.array([d.t_out_k for d in designs]), designs=tuple(designs),
        design_limit=None if limits is None else limits[prep.required_supply_c(hour)])


def run_annual(scenario, *, executor=None, workers: int | None = None, progress=None,
               hours=None, settings: AnnualSettings | dict | None = None, options=None):
    """Hour-by-hour feed-in analysis of a scenario over its weather year.

    Parameters
    ----------
    scenario : Scenario, path-like or Prepared
        The scenario (or what ``prepare`` made of it).
    executor : Executor or str, optional
        A ``concurrent.futures.Executor`` or a kind ("process", "thread", "serial", "dask";
        default: serial for ``workers=1``, else a process pool, ``executors.make_executor``).
    workers : int, optional
        Worker processes of the default executor.
    progress : callable, optional
        ``progress(n)`` with the number of distinct hours of each finished chunk
        (``total_distinct(...)`` gives the total).
    hours : iterable of int, optional
        Analyse these hour indices only (a reduced year; sums are over these hours).
    settings : AnnualSettings or dict, optional
        The ``annual`` block (default: the scenario's, else the defaults).
    options : SolverOptions, optional
        Options of the hourly solves (default: ``hour_options(settings)``).

    Returns
    -------
    AnnualResult
        The hourly table and the annual summary.

    Examples
    --------
    >>> import p2h_hydraulics as p2h
    >>> year = p2h.run_annual("scenarios/annual_3g.yaml", hours=range(0, 8760, 730),
    ...                       workers=1)
    >>> year.summary["hours"], len(year.hourly)
    (12, 12)
    """
    from ..executors import chunked, executor_scope, run_chunks
    from ..solver.compile import compile_network
    from ..unit import to_feedin_rows, with_feedins
    from .result import AnnualResult

    t0 = time.perf_counter()
    prep = scenario if isinstance(scenario, Prepared) else prepare(scenario, settings, hours)
    if options is None:
        options = hour_options(prep.settings)
    first_hours, inverse = _distinct(prep)
    h0 = int(prep.hours[0])
    net_f = with_feedins(prep.network, to_feedin_rows(prep.units, prep.designs(h0)))
    comp = compile_network(net_f)
    flows, src, warm, design_hour = _design_flows(prep, comp, None)
    limits = _design_limits(prep, first_hours)
    cases = [_case(prep, comp, int(h), k, limits) for k, h in enumerate(first_hours)]
    demand = prep.inputs.table["consumer_demand_kw"].to_numpy()[first_hours]
    tsup = prep.inputs.table["t_supply_c"].to_numpy()[first_hours]
    # neighbours similar (warm starts); the low-demand hours first: they need searches and
    # may not converge, so the expensive chunks start first and the cheap ones fill the gaps
    order = np.lexsort((tsup, demand))
    cases = [cases[i] for i in order]
    payload = Payload(comp, prep.network, prep.units, prep.thresholds, flows, src,
                      _unit_pos(comp, prep), prep.inputs.q_net_w, _t_initial(prep),
                      rel_tol=prep.settings.search_rel_tol, options=options, warm=warm,
                      second_start=prep.settings.second_start)
    t_prep = time.perf_counter() - t0
    with executor_scope(executor, workers=workers) as ex:
        n_workers = getattr(ex, "_max_workers", None) or getattr(ex, "n_workers", None) or 1
        parts = run_chunks(ex, solve_chunk, chunked(cases, chunk_count(len(cases))), payload,
                           progress=progress)
    records = [r for p in parts for r in p["records"]]
    stats = {"distinct_hours": len(cases), "solves": sum(p["solves"] for p in parts),
             "failed_solves": sum(p["failed_solves"] for p in parts),
             "chunks": len(parts), "workers": int(n_workers),
             "seconds_prepare": t_prep, "seconds_total": time.perf_counter() - t0}
    by_key = pd.DataFrame(records).set_index("key").sort_index()
    for col in _NETWORK_COLUMNS:  # present even when no hour converged
        if col not in by_key:
            by_key[col] = np.nan
    by_key = by_key.drop(columns=["lam"])
    hourly = by_key.iloc[inverse].reset_index(drop=True)
    hourly.insert(0, "representative_hour", first_hours[inverse])
    table = prep.inputs.table.iloc[prep.hours].reset_index()
    hourly = pd.concat([table, hourly], axis=1)
    return AnnualResult.build(prep, hourly, flows, src, design_hour, stats)


_NETWORK_COLUMNS = ("plant_w", "plant_mdot_kg_s", "plant_min_w", "plant_flow_share",
                    "plant_t_return_c", "plant_head_bar", "consumer_w", "loss_w",
                    "feedin_network_w", "other_feedin_w", "energy_rel", "dp_min_consumer_bar",
                    "t_supply_min_consumer_c", "iterations")


CHUNK_HOURS = 40  # distinct hours per chunk, at least (``chunk_count``)
MAX_CHUNKS = 32


def chunk_count(n_hours: int) -> int:
    """Chunks the ``n_hours`` distinct hours are cut into: one per ``CHUNK_HOURS``, at most
    ``MAX_CHUNKS`` (load balance on a few workers against warm-start reuse). A function of the
    hours alone, never of the workers: each chunk starts from the design-hour state and each
    hour from its predecessor, so the same hours give the same answers on any number of
    workers."""
    return int(min(max(1, -(-n_hours // CHUNK_HOURS)), MAX_CHUNKS))


def hour_options(settings: AnnualSettings):
    """``SolverOptions`` of the hourly solves: the settings' iteration limit and tolerance
    (``tolerance_k``; consumer / feed-in flows to 1/100 of it, relative)."""
    from ..solver.native import SolverOptions

    return SolverOptions(max_outer=settings.max_outer_iterations, tol_t_k=settings.tolerance_k,
                         tol_flow_rel=1e-2 * settings.tolerance_k)


def total_distinct(prep: Prepared) -> int:
    """Number of distinct hours ``run_annual`` will solve (for progress bars)."""
    return len(_distinct(prep)[0])
