"""The data-centre feed-in unit (P2H unit): cooling type → outlet temperature, heat-pump stage.

A unit sits at one node of the network, draws return water, heats it and pumps it into the
supply pipe (``feedins`` table: return junction → supply junction, heat output, outlet
temperature, control ``q``). ``design_feedin`` decides how the unit reaches the temperature the
network needs:

* **direct**: the data-centre cooling loop heats the return water through a heat exchanger. The
  warmest water it can deliver is ``source − hx_approach``. If that reaches the required supply
  temperature, the unit feeds directly (no heat pump, no electricity) at the required supply
  temperature.
* **heat pump**: otherwise a heat-pump stage lifts the heat: condenser (sink) at
  ``required supply + approach``, evaporator at ``source − approach``;
  ``COP = min(η · T_hot / (T_hot − T_cold), cop_max)`` (``physics.heat_pump``; the ceiling,
  default 8, keeps small lifts from reporting Carnot-grade COPs of 40), ``P_el = Q / COP``
  and the heat taken from the data centre is ``Q − P_el``. The unit then feeds at the
  required supply temperature. A COP below ``cop_min`` means the stage is refused (the
  checker reports it).
* **too cold**: a heat pump is needed but not allowed; the unit can only feed at
  ``source − approach`` (the checker simulates that and reports the cold outlet).

Defaults from the source document (``/work/shared/seed``) and ``DOMAIN.md``:

================  =================  ======================  =====================================
cooling type      source range       default source          default max inlet (direct feed)
================  =================  ======================  =====================================
``air``           ≤ 30 °C            30 °C                   25 °C
``warm_water``    45–60 °C           55 °C                   45 °C
``liquid``        60–75 °C           65 °C                   55 °C (DOMAIN.md §4, criterion 8)
``custom``        any (give it)      –                       must be given
================  =================  ======================  =====================================

**Max inlet (criterion 8).** In a direct feed the network return water cools the data-centre
loop through the exchanger, so the loop's coolant comes back at about ``T_return + approach``;
``max_inlet_c`` is the warmest *network return water* the unit accepts at its inlet. The values
above leave the cooling loop ~10 K below its source temperature (liquid: 55 °C return for a
65 °C loop, as in DOMAIN.md). With a heat-pump stage the network water passes the condenser,
not the cooling loop (the evaporator cools the data centre), so the limit is the condenser's
``heat_pump.max_inlet_c`` (default 65 °C: large district-heating heat pumps need a condenser
temperature rise of ≥ 15 K at 80 °C supply). An explicit ``max_inlet_c`` on the unit overrides
both.

**Heat output.** ``q_kw`` is the heat delivered to the network. Alternatively ``it_load_kw``
gives the data centre's electric IT load; the recoverable heat is
``it_load_kw × recoverable_fraction`` (default 0.9), and with a heat-pump stage the heat
delivered is that plus the compressor electricity: ``Q = Q_dc · COP / (COP − 1)``.

All public quantities of ``FeedinDesign`` are SI (W, K); the user-facing ``P2HUnit`` uses the
edge units people write in scenario files (kW, °C, bar, K for differences).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .model.schema import TABLES
from .model.trench import RETURN_SUFFIX, SUPPLY_SUFFIX
from .physics.heat_pump import heat_pump_stage
from .units import BAR, ZERO_CELSIUS_K

__all__ = [
    "COOLING_DEFAULTS",
    "CoolingDefaults",
    "FeedinDesign",
    "HeatPumpSpec",
    "P2HUnit",
    "design_feedin",
    "feedin_table",
    "to_feedin_rows",
    "with_feedins",
]


@dataclass(frozen=True)
class CoolingDefaults:
    """Source-temperature range, default source temperature and direct-feed max inlet [°C]."""

    t_min_c: float
    t_max_c: float
    source_c: float
    max_inlet_c: float


COOLING_DEFAULTS: dict[str, CoolingDefaults] = {
    "air": CoolingDefaults(5.0, 30.0, 30.0, 25.0),
    "warm_water": CoolingDefaults(45.0, 60.0, 55.0, 45.0),
    "liquid": CoolingDefaults(60.0, 75.0, 65.0, 55.0),
}

CoolingType = Literal["air", "warm_water", "liquid", "custom"]


class HeatPumpSpec(BaseModel):
    """The heat-pump stage a unit may use when its direct outlet is too cold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allowed: bool = Field(True, description="false: the unit may only feed directly")
    eta: float = Field(0.5, gt=0.0, le=1.0,
                       description="quality grade: COP = eta · T_hot / (T_hot − T_cold)")
    cop_min: float = Field(2.5, gt=1.0, description="the stage is refused below this COP")
    cop_max: float = Field(
        8.0, gt=1.0, le=50.0,
        description="ceiling of the COP at small lifts (the Carnot-grade law grows without "
                    "bound as the lift shrinks; large heat pumps reach about 6–8 at 10–15 K)")
    max_inlet_c: float = Field(65.0, gt=0.0, lt=150.0,
                               description="warmest network return the condenser accepts [°C]")


class P2HUnit(BaseModel):
    """A data-centre waste-heat feed-in unit (edge units: kW, °C, bar; K for differences)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(..., min_length=1, description="unique id of the unit")
    node: str | None = Field(None, description="trench node (junctions <node>_s / <node>_r)")
    supply_junction: str | None = Field(None, description="explicit supply-side junction")
    return_junction: str | None = Field(None, description="explicit return-side junction")
    q_kw: float | None = Field(None, gt=0.0, description="heat delivered to the network [kW]")
    it_load_kw: float | None = Field(None, gt=0.0,
                                     description="IT electric load [kW] (instead of q_kw)")
    recoverable_fraction: float = Field(0.9, gt=0.0, le=1.0,
                                        description="share of the IT load recovered as heat")
    cooling: CoolingType = Field("liquid", description="air | warm_water | liquid | custom")
    source_temperature_c: float | None = Field(
        None, gt=-20.0, lt=150.0, description="waste-heat temperature; default per cooling type")
    hx_approach_k: float = Field(3.0, ge=0.0, le=20.0,
                                 description="heat-exchanger approach temperature difference")
    max_inlet_c: float | None = Field(
        None, gt=0.0, lt=150.0,
        description="warmest network return the unit accepts; default per cooling type "
                    "(direct) or heat_pump.max_inlet_c (heat-pump stage)")
    required_supply_c: float | None = Field(
        None, gt=0.0, lt=200.0,
        description="outlet temperature the network requires; default: plant supply setpoint")
    pump_head_bar: float = Field(3.0, gt=0.0, le=30.0, description="head the unit's pump has")
    station_losses_bar: float = Field(0.3, ge=0.0, le=5.0,
                                      description="exchanger, valves, meter losses in the unit")
    heat_pump: HeatPumpSpec = Field(default_factory=HeatPumpSpec)

    @model_validator(mode="after")
    def _consistent(self) -> P2HUnit:
        if self.node is not None and (self.supply_junction or self.return_junction):
            raise ValueError("give either 'node' or 'supply_junction'+'return_junction', not both")
        if self.node is None and not (self.supply_junction and self.return_junction):
            raise ValueError("give 'node' (trench form) or both 'supply_junction' and "
                             "'return_junction'")
        if (self.q_kw is None) == (self.it_load_kw is None):
            raise ValueError("give exactly one of 'q_kw' (heat to the network) and 'it_load_kw'")
        if self.cooling == "custom":
            if self.source_temperature_c is None or self.max_inlet_c is None:
                raise ValueError("cooling 'custom' needs source_temperature_c and max_inlet_c")
        elif self.source_temperature_c is not None:
            d = COOLING_DEFAULTS[self.cooling]
            if not d.t_min_c <= self.source_temperature_c <= d.t_max_c:
                raise ValueError(
                    f"source_temperature_c {self.source_temperature_c:g} °C is outside the "
                    f"{self.cooling} range {d.t_min_c:g}–{d.t_max_c:g} °C; use cooling 'custom' "
                    "for other sources")
        return self

    # -- derived values ---------------------------------------------------------------------
    @property
    def junctions(self) -> tuple[str, str]:
        """(supply junction, return junction) of the unit in the two-pipe network."""
        if self.node is not None:
            return f"{self.node}{SUPPLY_SUFFIX}", f"{self.node}{RETURN_SUFFIX}"
        return str(self.supply_junction), str(self.return_junction)

    @property
    def location(self) -> str:
        """Node (or junction pair) for messages."""
        if self.node is not None:
            return f"node {self.node}"
        return f"junctions {self.supply_junction}/{self.return_junction}"

    @property
    def source_c(self) -> float:
        """Waste-heat (source) temperature [°C]."""
        if self.source_temperature_c is not None:
            return float(self.source_temperature_c)
        return COOLING_DEFAULTS[self.cooling].source_c

    def direct_max_inlet_c(self) -> float:
        """Warmest return the cooling loop accepts in a direct feed [°C]."""
        if self.max_inlet_c is not None:
            return float(self.max_inlet_c)
        return COOLING_DEFAULTS[self.cooling].max_inlet_c


@dataclass(frozen=True)
class FeedinDesign:
    """How a unit meets the required supply temperature (SI: W, K)."""

    unit_id: str
    mode: str  # "direct" | "heat_pump" | "too_cold"
    required_supply_k: float
    t_source_k: float
    t_direct_k: float  # source − approach: the warmest direct outlet
    t_out_k: float  # outlet temperature the unit feeds at
    q_out_w: float  # heat delivered to the network
    q_source_w: float  # heat taken from the data centre
    p_el_w: float  # heat-pump electricity (0 without a heat pump)
    cop: float  # inf without a heat pump
    lift_k: float  # condenser − evaporator temperature (0 without a heat pump)
    t_hot_k: float  # condenser temperature (nan without a heat pump)
    t_cold_k: float  # evaporator temperature (nan without a heat pump)
    cop_min: float
    max_inlet_k: float  # warmest accepted network return
    t_return_local_k: float = math.nan  # local return temperature (when known)
    notes: tuple[str, ...] = field(default=())

    @property
    def needs_heat_pump(self) -> bool:
        return self.mode == "heat_pump"

    @property
    def cop_ok(self) -> bool:
        """False when a heat-pump stage is needed and its COP is below ``cop_min``."""
        return not self.needs_heat_pump or self.cop >= self.cop_min

    @property
    def outlet_ok(self) -> bool:
        """False when the unit cannot reach the required supply temperature."""
        return self.t_out_k >= self.required_supply_k - 1e-9

    @property
    def inlet_ok(self) -> bool | None:
        """Local return ≤ max inlet (None when the local return temperature is unknown)."""
        if not math.isfinite(self.t_return_local_k):
            return None
        return self.t_return_local_k <= self.max_inlet_k + 1e-9

    def to_dict(self) -> dict:
        """Plain values with edge-unit companions (°C, kW) for reports."""
        d = asdict(self)
        d["notes"] = list(self.notes)
        for k in ("required_supply_k", "t_source_k", "t_direct_k", "t_out_k", "t_hot_k",
                  "t_cold_k", "max_inlet_k", "t_return_local_k"):
            d[k[:-2] + "_c"] = d[k] - ZERO_CELSIUS_K
        for k in ("q_out_w", "q_source_w", "p_el_w"):
            d[k[:-2] + "_kw"] = d[k] / 1e3
        d.update(needs_heat_pump=self.needs_heat_pump, cop_ok=self.cop_ok,
                 outlet_ok=self.outlet_ok, inlet_ok=self.inlet_ok)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in d.items()}


def design_feedin(unit: P2HUnit, required_supply_c: float,
                  t_return_local_c: float | None = None) -> FeedinDesign:
    """Decide direct feed or heat-pump stage for ``unit`` at ``required_supply_c`` [°C].

    ``t_return_local_c`` (the return temperature at the unit's node, when known) is recorded for
    the inlet check; the outlet temperature and the heat-pump stage do not depend on it.

    Parameters
    ----------
    unit : P2HUnit
        The unit.
    required_supply_c : float
        Supply temperature the network needs [°C] (the unit's own ``required_supply_c``
        overrides it).
    t_return_local_c : float, optional
        Return temperature at the unit's node [°C].

    Returns
    -------
    FeedinDesign
        Mode ("direct", "heat_pump", "too_cold"), outlet temperature, heat to the network,
        heat-pump COP, lift and electricity, maximum inlet temperature.
    """
    if unit.required_supply_c is not None:
        required_supply_c = float(unit.required_supply_c)
    t_req = float(required_supply_c) + ZERO_CELSIUS_K
    t_src = unit.source_c + ZERO_CELSIUS_K
    t_direct = t_src - unit.hx_approach_k
    t_ret = math.nan if t_return_local_c is None else float(t_return_local_c) + ZERO_CELSIUS_K
    hp = unit.heat_pump
    notes: list[str] = []
    q_dc = None if unit.it_load_kw is None else unit.it_load_kw * 1e3 * unit.recoverable_fraction
    common = dict(unit_id=unit.id, required_supply_k=t_req, t_source_k=t_src,
                  t_direct_k=t_direct, cop_min=hp.cop_min, t_return_local_k=t_ret)
    if t_direct >= t_req:
        q = unit.q_kw * 1e3 if q_dc is None else q_dc
        max_in = unit.direct_max_inlet_c() + ZERO_CELSIUS_K
        notes.append(f"direct feed: source {unit.source_c:g} °C − {unit.hx_approach_k:g} K "
                     f"approach ≥ required {required_supply_c:g} °C")
        return FeedinDesign(mode="direct", t_out_k=t_req, q_out_w=q, q_source_w=q, p_el_w=0.0,
                            cop=math.inf, lift_k=0.0, t_hot_k=math.nan, t_cold_k=math.nan,
                            max_inlet_k=max_in, notes=tuple(notes), **common)
    if not hp.allowed:
        q = unit.q_kw * 1e3 if q_dc is None else q_dc
        max_in = unit.direct_max_inlet_c() + ZERO_CELSIUS_K
        notes.append(f"a heat-pump stage would be needed (direct outlet "
                     f"{t_direct - ZERO_CELSIUS_K:.1f} °C < required {required_supply_c:g} °C) "
                     "but is not allowed: the unit feeds at its direct outlet temperature")
        return FeedinDesign(mode="too_cold", t_out_k=t_direct, q_out_w=q, q_source_w=q,
                            p_el_w=0.0, cop=math.inf, lift_k=0.0, t_hot_k=math.nan,
                            t_cold_k=math.nan, max_inlet_k=max_in, notes=tuple(notes), **common)
    t_hot = t_req + unit.hx_approach_k
    t_cold = t_direct
    probe = heat_pump_stage(1.0, t_hot, t_cold, hp.eta, hp.cop_max)
    cop = float(probe.cop)
    if q_dc is None:
        q = unit.q_kw * 1e3
    else:
        q = q_dc * cop / (cop - 1.0) if cop > 1.0 else math.inf
        if not math.isfinite(q):
            notes.append("COP ≤ 1: the heat-pump stage cannot deliver heat")
            q = q_dc
    stage = heat_pump_stage(q, t_hot, t_cold, hp.eta, hp.cop_max)
    max_in = (float(unit.max_inlet_c) if unit.max_inlet_c is not None else hp.max_inlet_c)
    notes.append(f"heat-pump stage: {t_cold - ZERO_CELSIUS_K:.1f} → "
                 f"{t_hot - ZERO_CELSIUS_K:.1f} °C (lift {stage.lift_k:.1f} K), "
                 f"COP {stage.cop:.2f}" + (f" (capped at cop_max {hp.cop_max:g})"
                                            if cop >= hp.cop_max else ""))
    return FeedinDesign(mode="heat_pump", t_out_k=t_req, q_out_w=float(stage.q_out_w),
                        q_source_w=float(stage.q_source_w), p_el_w=float(stage.p_el_w),
                        cop=cop, lift_k=float(stage.lift_k), t_hot_k=t_hot, t_cold_k=t_cold,
                        max_inlet_k=max_in + ZERO_CELSIUS_K, notes=tuple(notes), **common)


def to_feedin_rows(units: P2HUnit | Sequence[P2HUnit],
                   designs: FeedinDesign | Sequence[FeedinDesign]) -> list[dict]:
    """Rows for the network's ``feedins`` table (SI, control ``q``), one per unit.

    Parameters
    ----------
    units : P2HUnit or sequence of P2HUnit
        The units.
    designs : FeedinDesign or sequence of FeedinDesign
        Their designs (``design_feedin``), matched by unit id.

    Returns
    -------
    list of dict
        One ``feedins`` row per unit (SI: ``q_w``, ``t_out_k``; control ``q``).
    """
    if isinstance(units, P2HUnit):
        units = [units]
    if isinstance(designs, FeedinDesign):
        designs = [designs]
    by_id = {d.unit_id: d for d in designs}
    rows = []
    for u in units:
        d = by_id.get(u.id)
        if d is None:
            raise ValueError(f"no design for unit {u.id!r}")
        sup, ret = u.junctions
        rows.append({"id": u.id, "return_junction": ret, "supply_junction": sup,
                     "q_w": float(d.q_out_w), "t_out_k": float(d.t_out_k), "control": "q",
                     "mdot_kg_s": math.nan, "in_service": True})
    return rows


def feedin_table(rows: Iterable[dict]) -> pd.DataFrame:
    """A ``feedins`` DataFrame (indexed by id, schema columns) from ``to_feedin_rows`` rows.

    Parameters
    ----------
    rows : iterable of dict
        Rows from ``to_feedin_rows``.

    Returns
    -------
    DataFrame
        The feed-in table, indexed by id, with the schema's columns.
    """
    cols = [a.name for a in TABLES["feedins"] if a.name != "id"]
    rows = list(rows)
    df = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    for c in ("q_w", "t_out_k", "mdot_kg_s"):
        df[c] = pd.to_numeric(df[c]).astype(np.float64)
    df["in_service"] = df["in_service"].astype(bool)
    for c in ("return_junction", "supply_junction", "control"):
        df[c] = df[c].astype(object)
    df.index = pd.Index([str(r["id"]) for r in rows], dtype=object, name="id")
    return df


def with_feedins(network, rows: Iterable[dict], keep_existing: bool = True):
    """A new network with the feed-in ``rows`` added (the input is not modified).

    Parameters
    ----------
    network : Network
        The network.
    rows : iterable of dict
        Feed-in rows (``to_feedin_rows``).
    keep_existing : bool
        Keep the network's own feed-ins.

    Returns
    -------
    Network
        A new network with the rows in its ``feedins`` table.
    """
    new = feedin_table(rows)
    if keep_existing and len(network.feedins):
        clash = sorted(set(new.index) & set(network.feedins.index))
        if clash:
            raise ValueError(f"feed-in ids already in the network: {', '.join(clash)}")
        new = pd.concat([network.feedins, new[network.feedins.columns]])
    return network.replace(feedins=new)


def pump_head_needed_pa(unit: P2HUnit, head_pa: float) -> float:
    """Head the unit's pump must deliver [Pa]: local supply − return + station losses."""
    return float(head_pa) + unit.station_losses_bar * BAR
