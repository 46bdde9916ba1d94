"""The schema: one attribute table per element type (name, kind, SI unit, default, bounds, doc).

This table drives everything else: the DataFrame columns of ``Network``, validation, unit
conversion in the file readers, and the format documentation (``schema_markdown``). Column names
carry their SI unit suffix; files may use any edge suffix listed in ``units.SUFFIXES``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..units import SUFFIXES

REQUIRED = object()


@dataclass(frozen=True)
class Attr:
    """One column of an element table."""

    name: str  # canonical column name with SI suffix, e.g. "length_m"
    kind: str  # "float" | "str" | "bool" | "ref" (id of a junction) | "choice"
    unit: str = "1"  # SI unit key of units.SUFFIXES ("m", "k", "pa", "w", "kg_s", …)
    default: object = REQUIRED
    lo: float | None = None  # lower bound (SI)
    hi: float | None = None  # upper bound (SI)
    lo_open: bool = False  # True: value must be > lo
    choices: tuple[str, ...] = ()
    doc: str = ""

    @property
    def base(self) -> str:
        """Name without the unit suffix ("length" for "length_m")."""
        suffix = "_" + self.unit if self.unit != "1" else ""
        return self.name[: -len(suffix)] if suffix and self.name.endswith(suffix) else self.name

    def accepted_names(self) -> dict[str, str]:
        """File field names accepted for this attribute → their edge suffix."""
        if self.unit == "1":
            return {self.name: ""}
        return {f"{self.base}_{sfx}": sfx for sfx in SUFFIXES[self.unit]}

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


NAN = float("nan")

ID = Attr("id", "str", doc="unique id of the element within its table")
IN_SERVICE = Attr("in_service", "bool", default=True,
                  doc="false removes the element from the solve")

TABLES: dict[str, tuple[Attr, ...]] = {
    "junctions": (
        ID,
        Attr("x_m", "float", "m", default=0.0, doc="easting in a projected CRS"),
        Attr("y_m", "float", "m", default=0.0, doc="northing in a projected CRS"),
        Attr("elevation_m", "float", "m", default=0.0, lo=-500.0, hi=9000.0, doc="height"),
    ),
    "pipes": (
        ID,
        Attr("from_junction", "ref", doc="junction at the drawing start"),
        Attr("to_junction", "ref", doc="junction at the drawing end"),
        Attr("length_m", "float", "m", lo=0.0, lo_open=True, hi=100_000.0, doc="pipe length"),
        Attr("d_inner_m", "float", "m", default=NAN, lo=0.005, hi=4.0,
             doc="inner diameter; from the catalogue when dn+series are given"),
        Attr("roughness_m", "float", "m", default=1e-4, lo=0.0, hi=0.01,
             doc="equivalent sand roughness k (0.01–0.1 mm for steel)"),
        Attr("u_w_per_mk", "float", "w_per_mk", default=NAN, lo=0.0, hi=500.0,
             doc="linear heat-loss coefficient; catalogue value when dn+series given, else 0"),
        Attr("zeta", "float", default=0.0, lo=0.0, hi=1e4, doc="sum of minor-loss coefficients"),
        Attr("t_soil_k", "float", "k", default=NAN, lo=223.15, hi=343.15,
             doc="soil temperature; the network's t_soil_k when empty"),
        Attr("dn", "float", default=NAN, lo=6.0, hi=2000.0, doc="nominal diameter DN (catalogue)"),
        Attr("series", "str", default="", doc="pre-insulated series for the catalogue, e.g. 'S2'"),
        IN_SERVICE,
    ),
    "valves": (
        ID,
        Attr("from_junction", "ref"),
        Attr("to_junction", "ref"),
        Attr("d_inner_m", "float", "m", lo=0.005, hi=4.0, doc="flow diameter"),
        Attr("zeta", "float", default=1.0, lo=0.0, hi=1e6, doc="loss coefficient when open"),
        Attr("opened", "bool", default=True, doc="false: closed, no flow"),
    ),
    "pumps": (
        ID,
        Attr("from_junction", "ref", doc="suction side"),
        Attr("to_junction", "ref", doc="discharge side"),
        Attr("lift0_pa", "float", "pa", lo=0.0, hi=50e5,
             doc="pressure lift at zero flow (shut-off); the head curve is "
                 "lift = lift0 + curve_b1·V + curve_b2·V² + curve_b3·V³ with V the volume flow "
                 "[m³/s], never below 0 (``physics.pump``)"),
        Attr("curve_b1", "float", default=0.0, lo=-1e12, hi=1e12,
             doc="linear head-curve coefficient [Pa per m³/s]"),
        Attr("curve_b2", "float", default=0.0, lo=-1e14, hi=1e14,
             doc="quadratic head-curve coefficient [Pa per (m³/s)²]"),
        Attr("curve_b3", "float", default=0.0, lo=-1e16, hi=1e16,
             doc="cubic head-curve coefficient [Pa per (m³/s)³]"),
        IN_SERVICE,
    ),
    "consumers": (
        ID,
        Attr("supply_junction", "ref", doc="junction on the supply side (inlet)"),
        Attr("return_junction", "ref", doc="junction on the return side (outlet)"),
        Attr("q_w", "float", "w", default=NAN, lo=0.0, hi=1e9,
             doc="heat demand (design load); derived from annual_heat_j and building_type "
                 "when empty (``loads.fill_design_loads``)"),
        Attr("annual_heat_j", "float", "j", default=NAN, lo=0.0, hi=1e15,
             doc="annual heat consumption (space heating and hot water); with building_type "
                 "it gives the hourly BDEW profile of ``p2h annual`` and, when q is empty, "
                 "the design load"),
        Attr("building_type", "str", default="",
             doc="BDEW heat load-profile code (EFH/HEF, MFH/HMF, GHD, GKO, GBD, GBH, GWA, GGA, "
                 "GBA, GGB, GPD, GMK, GMF, GHA); see docs/loads-and-sizing.md"),
        Attr("control", "choice", default="t_return", choices=("t_return", "delta_t", "mdot"),
             doc="t_return: return setpoint; delta_t: fixed cooling; mdot: fixed flow"),
        Attr("t_return_k", "float", "k", default=NAN, lo=273.15, hi=473.15,
             doc="return-temperature setpoint (control t_return)"),
        Attr("delta_t_k", "float", "k", default=NAN, lo=0.0, lo_open=True, hi=150.0,
             doc="supply − return temperature difference (control delta_t)"),
        Attr("mdot_kg_s", "float", "kg_s", default=NAN, lo=0.0, hi=1e5,
             doc="fixed mass flow (control mdot)"),
        Attr("dp_min_pa", "float", "pa", default=0.5e5, lo=0.0, hi=50e5,
             doc="minimum differential pressure the substation needs"),
        IN_SERVICE,
    ),
    "plants": (
        ID,
        Attr("return_junction", "ref", doc="inlet junction on the return side"),
        Attr("supply_junction", "ref", doc="outlet junction on the supply side"),
        Attr("t_supply_k", "float", "k", lo=273.15, hi=473.15, doc="supply temperature setpoint"),
        Attr("p_return_pa", "float", "pa", default=2e5, lo=-1e5, hi=100e5,
             doc="pressurisation: gauge pressure held at the return junction"),
        Attr("control", "choice", default="critical_point",
             choices=("lift", "p_supply", "critical_point"), doc="pump control mode"),
        Attr("lift_pa", "float", "pa", default=NAN, lo=0.0, hi=100e5,
             doc="pump lift (control lift; start value for critical_point)"),
        Attr("p_supply_pa", "float", "pa", default=NAN, lo=-1e5, hi=100e5,
             doc="supply gauge pressure (control p_supply)"),
        Attr("mdot_design_kg_s", "float", "kg_s", default=NAN, lo=0.0, hi=1e6,
             doc="design flow (used by the minimum-flow check)"),
        IN_SERVICE,
    ),
    "feedins": (
        ID,
        Attr("return_junction", "ref", doc="junction on the return side the unit draws from"),
        Attr("supply_junction", "ref", doc="junction on the supply side the unit feeds"),
        Attr("q_w", "float", "w", default=NAN, lo=0.0, hi=1e9, doc="heat output"),
        Attr("t_out_k", "float", "k", lo=273.15, hi=473.15, doc="outlet (feed) temperature"),
        Attr("control", "choice", default="q", choices=("q", "mdot"),
             doc="q: mass flow follows from heat and local return temperature; mdot: fixed flow"),
        Attr("mdot_kg_s", "float", "kg_s", default=NAN, lo=0.0, hi=1e5, doc="fixed flow"),
        IN_SERVICE,
    ),
    "pressure_refs": (
        ID,
        Attr("junction", "ref"),
        Attr("p_pa", "float", "pa", lo=-1e5, hi=200e5, doc="gauge pressure held at the junction"),
        Attr("t_k", "float", "k", default=NAN, lo=273.15, hi=473.15,
             doc="temperature of water entering the network here"),
        IN_SERVICE,
    ),
    "mass_flows": (
        ID,
        Attr("junction", "ref"),
        Attr("mdot_kg_s", "float", "kg_s", lo=-1e5, hi=1e5,
             doc="withdrawal from the network (negative: injection)"),
        Attr("t_k", "float", "k", default=NAN, lo=273.15, hi=473.15,
             doc="temperature of injected water"),
        IN_SERVICE,
    ),
}

# Fields of which a record needs at least one (canonical names; the first is named when none
# is given), with the hint of the message.
ONE_OF: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "consumers": ((("q_w", "annual_heat_j"),
                   "give the heat demand (q_kw) or the annual heat (annual_heat_kwh) with a "
                   "building_type"),),
}

# Network-wide settings (stored under "settings" in files).
SETTINGS: tuple[Attr, ...] = (
    Attr("name", "str", default="network"),
    Attr("t_soil_k", "float", "k", default=283.15, lo=223.15, hi=343.15, doc="soil temperature"),
    Attr("t_initial_k", "float", "k", default=NAN, lo=273.15, hi=473.15,
         doc="start temperature for iterations; the plant supply temperature when empty"),
    Attr("crs", "str", default="", doc="projected CRS of x/y, e.g. EPSG:25832"),
    Attr("friction_law", "choice", default="colebrook",
         choices=("colebrook", "nikuradse", "swamee_jain"),
         doc="pipe friction law (``physics.friction``): colebrook = Prandtl–Colebrook / "
             "Colebrook–White; nikuradse = 64/Re + Nikuradse fully rough (STANET, pandapipes' "
             "default); swamee_jain = explicit Colebrook approximation"),
    Attr("description", "str", default=""),
)

REF_COLUMNS = {t: tuple(a.name for a in attrs if a.kind == "ref") for t, attrs in TABLES.items()}


def attrs_of(table: str) -> dict[str, Attr]:
    """Attributes of ``table`` by canonical name.

    Parameters
    ----------
    table : str
        The table name.

    Returns
    -------
    dict of str to Attr
        The table's attributes.
    """
    return {a.name: a for a in TABLES[table]}


def empty_columns(table: str) -> dict[str, object]:
    """dtype per column, for building empty DataFrames.

    Parameters
    ----------
    table : str
        The table name.

    Returns
    -------
    dict of str to object
        Column name → dtype.
    """
    out = {}
    for a in TABLES[table]:
        out[a.name] = {"float": np.float64, "bool": bool}.get(a.kind, object)
    return out


def schema_markdown() -> str:
    """The native format documentation generated from the schema."""
    lines = []
    for table, attrs in {**TABLES, "settings": SETTINGS}.items():
        lines.append(f"### `{table}`\n")
        lines.append("| field | unit (other accepted suffixes) | default | allowed | meaning |")
        lines.append("|---|---|---|---|---|")
        for a in attrs:
            names = ", ".join(n for n in a.accepted_names() if n != a.name)
            unit = a.unit if a.unit != "1" else "–"
            if names:
                unit += f" ({names})"
            default = "required" if a.required else repr(a.default)
            allowed = ", ".join(a.choices) if a.choices else bounds_text(a)
            lines.append(f"| `{a.name}` | {unit} | {default} | {allowed} | {a.doc} |")
        lines.append("")
    return "\n".join(lines)


def bounds_text(a: Attr) -> str:
    """The bounds of an attribute in words (``"≥ 0 and ≤ 1"``; empty when unbounded).

    Parameters
    ----------
    a : Attr
        The attribute.

    Returns
    -------
    str
        The bounds in words.
    """
    if a.lo is None and a.hi is None:
        return ""
    lo = "" if a.lo is None else (f"> {a.lo:g}" if a.lo_open else f"≥ {a.lo:g}")
    hi = "" if a.hi is None else f"≤ {a.hi:g}"
    return " and ".join(x for x in (lo, hi) if x)
