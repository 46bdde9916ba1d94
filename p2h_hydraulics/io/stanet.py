"""STANET CSV export (district heating) → a native ``Network``, plus STANET's own results.

``import_stanet(path)`` reads the tables (``io.stanet_tables``) and builds:

=========  ===================================================================================
``KNO``    junctions: id = ``KNAM``, x/y = ``XRECHTS``/``YHOCH``, elevation = ``GEOH``
``LEI``    pipes ``ANFNAM`` → ``ENDNAM``: ``RORL`` length [m], ``DM`` inner diameter [mm],
           ``RAU`` roughness [mm], ``ZETA``, ``TU`` soil temperature [°C] (the network's when
           empty), ``WDZAHL`` [W/(m² K)] over the outer diameter ``OUTERDM`` (else
           ``DM + 2 WANDDICKE``, else ``DM``) → U_L (``physics.heat_loss.u_from_area_coefficient``)
``WAE``    consumers ``ANFNAM`` (supply) → ``ENDNAM`` (return): heat ``WAERMEMENG`` (set
           value; the computed ``WAERMECALC`` when empty) [kW], return setpoint ``TU`` [°C]
           (``NET.TEMPR`` when empty); a substation with neither gets its computed flow
           ``FLUSS`` [t/h] as fixed flow
``HEA``    plants ``ANFNAM`` (return) → ``ENDNAM`` (supply): ``TEMPSUPPLY`` [°C];
           ``PSETRETURN`` + ``PSETSUPPLY`` [bar] → control ``p_supply``; ``PSETRETURN`` +
           ``DPMIN`` → control ``lift``; ``PSETMIDDLE`` + ``SUPPLYPORT`` [%] with the computed
           ``DP`` → ``p_supply`` around that middle pressure; design flow = ``FLUSS``
``NET``    settings: ``TU`` soil [°C], ``LAM`` friction law (``FRICTION_CODES``; STANET's codes
           as pandapipes' converter reads them), ``TEMPCALC`` (``N``: isothermal, below)
``ZAE``    ``VERBRAUCH`` (annual consumption, taken as kWh) and ``PROFIL`` → the field
           ``annual_heat_j`` (SI; ``annual_heat_kwh`` in files) and the extra column
           ``stanet_profile`` of the consumer whose supply or return
           node is ``KNAM`` (summed / joined when several)
=========  ===================================================================================

Pressures: STANET's gauge pressures (``PRECH``, setpoints) are relative to the ambient
pressure at the node's height; ours to the standard atmosphere. The offset per node is taken
from the export itself, ``PABS − P_ATM − PRECH``; where ``PABS`` is missing it is 0 (noted).

Isothermal exports (``NET.TEMPCALC = N``): STANET solved hydraulics only. The import sets up
the same problem: every consumer draws its STANET flow (``FLUSS``, or heat / (c_p (T − TEMPR)))
with no heat taken (``q_w = 0``, the heat kept in ``stanet_q_w``), pipes without heat loss,
the plant at the medium temperature ``NET.TEMP`` (else ``TEMPSUPPLY``), so every temperature is
that one.

Everything not read above is listed in ``StanetImport.notes`` (tables and fields left unused),
never silently used to change the physics. STANET's own state (the element rows' ``PRECH``,
``FLUSS``, ``DP`` …) and the stored time steps (``NOD``, ``PIP``, ``HE1``, ``HE2``, ``NE1``) are
kept in ``StanetImport.stanet_results``; ``StanetImport.comparison(result)`` compares a solve
of the imported network with them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputFileError, Problem
from ..model.build import network_from_records
from ..model.network import Network
from ..physics import water
from ..physics.heat_loss import u_from_area_coefficient
from ..units import P_ATM_PA, ZERO_CELSIUS_K, to_si
from .stanet_compare import StanetImport, StanetResults
from .stanet_tables import StanetFile, StanetTable, is_stanet_export, read_stanet_file

__all__ = ["FRICTION_CODES", "StanetImport", "StanetResults", "import_stanet",
           "is_stanet_export"]

# NET.LAM → settings["friction_law"] (codes as pandapipes' STANET converter reads them)
FRICTION_CODES = {1: "swamee_jain", 3: "nikuradse", 5: "colebrook"}
_FRICTION_NAMES = {"N": "nikuradse", "NIKURADSE": "nikuradse", "PC": "colebrook",
                   "COLEBROOK": "colebrook", "PRANDTL-COLEBROOK": "colebrook",
                   "SJ": "swamee_jain", "SWAMEE-JAIN": "swamee_jain"}
T_H_TO_KG_S = to_si(1.0, "kg_s", "t_h")  # STANET flows are in t/h
STEP_TABLES = ("NOD", "PIP", "HE1", "HE2", "NE1")
_USED = {
    "KNO": {"KNAM", "XRECHTS", "YHOCH", "GEOH", "PRECH", "PABS", "TEMP"},
    "LEI": {"ANFNAM", "ENDNAM", "RORL", "DM", "RAU", "WDZAHL", "OUTERDM", "WANDDICKE", "ZETA",
            "TU", "FLUSS", "VM", "STANETID", "PARALLEL", "ISACTIVE", "DN"},
    "WAE": {"ANFNAM", "ENDNAM", "WAERMEMENG", "WAERMECALC", "FLUSS", "DP", "TU", "TUCALC",
            "STANETID", "ISACTIVE"},
    "HEA": {"NAME", "ANFNAM", "ENDNAM", "FLUSS", "DP", "WAERMECALC", "PSETSUPPLY",
            "PSETRETURN", "PSETMIDDLE", "SUPPLYPORT", "TEMPSUPPLY", "DPMIN", "STANETID",
            "ISACTIVE"},
    "NET": {"TU", "LAM", "TEMPCALC", "TEMP", "TEMPR", "NETZNAME", "MEDI"},
    "ZAE": {"KNAM", "VERBRAUCH", "PROFIL"},
}


def _err(tab: StanetTable | None, i: int | None, field_: str, message: str, value=None,
         hint=None) -> InputFileError:
    line = tab.lines[i] if tab is not None and i is not None else None
    return InputFileError(Problem(message, file=tab.file if tab is not None else None,
                                  line=line, table=tab.name if tab is not None else None,
                                  field=field_, value=value, hint=hint))


def _require(sf: StanetFile, name: str) -> StanetTable:
    if name in sf.skipped:
        raise InputFileError(Problem(f"data lines of '{name}' without its 'REM FLDNAM' line",
                                     file=sf.path, line=sf.skipped[name][0], table=name,
                                     hint="every table needs its 'REM FLDNAM <TAB>;<FIELD>;…' "
                                          "line first"))
    tab = sf.table(name)
    if tab is None or not len(tab):
        raise InputFileError(Problem(f"the export has no '{name}' table (or it is empty)",
                                     file=sf.path, table=name,
                                     hint="export nodes (KNO), pipes (LEI), substations (WAE), "
                                          "the feed (HEA) and the network parameters (NET)"))
    for col in {"KNO": ("KNAM",), "LEI": ("ANFNAM", "ENDNAM", "RORL", "DM"),
                "WAE": ("ANFNAM", "ENDNAM"), "HEA": ("ANFNAM", "ENDNAM")}.get(name, ()):
        if not tab.has(col):
            raise InputFileError(Problem("field missing from the 'REM FLDNAM' line", file=sf.path,
                                         line=tab.header_line, table=name, field=col))
    return tab


def _ids(tab: StanetTable, prefix: str) -> list[str]:
    """Element ids: STANETID when present and unique, else ``<prefix><FROM>-<TO>`` (numbered
    when repeated)."""
    sid = tab.text("STANETID")
    if all(sid) and len(set(sid)) == len(sid):
        return sid
    base = [f"{prefix}{a}-{b}" for a, b in zip(tab.text("ANFNAM"), tab.text("ENDNAM"),
                                                strict=True)]
    seen: dict[str, int] = {}
    out = []
    for b in base:
        seen[b] = seen.get(b, 0) + 1
        out.append(b if seen[b] == 1 else f"{b}#{seen[b]}")
    return out


def _active(tab: StanetTable, dec: str) -> np.ndarray:
    a = tab.number("ISACTIVE", dec)
    return ~(np.isfinite(a) & (a == 0))


def _friction_law(net: StanetTable, dec: str, notes: list[str]) -> str:
    raw = net.text("LAM")[0] if net.has("LAM") else ""
    if not raw:
        notes.append("friction law: NET.LAM empty or absent → colebrook (Prandtl–Colebrook)")
        return "colebrook"
    try:
        law = FRICTION_CODES.get(int(float(raw)))
    except ValueError:
        law = _FRICTION_NAMES.get(raw.upper())
    if law is None:
        known = ", ".join(f"{k} ({v})" for k, v in FRICTION_CODES.items())
        raise _err(net, 0, "LAM", "friction law (Widerstandsgesetz) not supported", raw,
                   f"supported codes: {known}")
    notes.append(f"friction law: NET.LAM = {raw} → {law}")
    return law


def _pressure_offsets(kno: StanetTable, dec: str, notes: list[str]) -> np.ndarray:
    prech, pabs = kno.number("PRECH", dec), kno.number("PABS", dec)
    off = pabs * 1e5 - P_ATM_PA - prech * 1e5
    ok = np.isfinite(off)
    if ok.any():
        notes.append(f"pressures: STANET gauge relative to the ambient at the node's height; "
                     f"offset to the standard atmosphere from PABS − PRECH, "
                     f"{off[ok].min():.0f} … {off[ok].max():.0f} Pa")
    if not ok.all():
        notes.append(f"pressures: {int((~ok).sum())} nodes without PABS/PRECH: offset 0")
    return np.where(ok, off, 0.0)


def import_stanet(path) -> StanetImport:
    """Import a STANET district-heating CSV export as a native network.

    Parameters
    ----------
    path : str or Path
        The export (``DAKTEXNET`` header; cp1252 or UTF-8, also with umlauts already replaced
        by U+FFFD).

    Returns
    -------
    StanetImport
        ``network`` (our ids = STANET node names), ``notes`` and ``stanet_results``.

    Raises
    ------
    InputFileError
        Malformed export (naming line, table and field), a required table or field missing,
        an unsupported friction law or parallel pipe strands.
    ModelError
        The network built from it is invalid (unknown node names, bounds, no plant …).
    """
    sf = read_stanet_file(path)
    dec = sf.decimal
    notes = [f"source: {sf.program.strip() or 'STANET'}; medium {sf.medium or '?'}; "
             f"decoded as {sf.encoding}",
             "tables: " + ", ".join(f"{k} {len(t)}" for k, t in sf.tables.items())]
    for key, nos in sf.skipped.items():
        notes.append(f"{len(nos)} line(s) of table '{key}' without field names (REM FLDNAM) "
                     f"not read, first on line {nos[0]}")
    if sf.medium and sf.medium != "F":
        notes.append(f"medium '{sf.medium}' is not district heating (F): read as water network")
    kno, lei = _require(sf, "KNO"), _require(sf, "LEI")
    wae, hea = _require(sf, "WAE"), _require(sf, "HEA")
    net = sf.table("NET")
    if net is None or not len(net):
        notes.append("no NET table: network parameters at their defaults (below)")
        net = StanetTable("NET", ["NETZNAME"], 0, [[""]], [0], sf.path)

    t_soil_c = float(net.number("TU", dec)[0])
    if not np.isfinite(t_soil_c):
        t_soil_c = 10.0
        notes.append("soil temperature: NET.TU empty → 10 °C")
    law = _friction_law(net, dec, notes)
    tempcalc = (net.text("TEMPCALC")[0] or "J").upper()
    if tempcalc not in ("J", "N"):
        raise _err(net, 0, "TEMPCALC", "expected J (temperatures computed) or N (isothermal)",
                   tempcalc)
    isothermal = tempcalc == "N"
    t_medium_c = float(net.number("TEMP", dec)[0])
    t_ret_net_c = float(net.number("TEMPR", dec)[0])
    settings = {"name": net.text("NETZNAME")[0] or "stanet", "t_soil_c": t_soil_c,
                "friction_law": law,
                "description": f"imported from a STANET export ({sf.program.strip()})"}

    # nodes
    names = kno.text("KNAM")
    for i, n in enumerate(names):
        if not n:
            raise _err(kno, i, "KNAM", "node without a name")
    off = dict(zip(names, _pressure_offsets(kno, dec, notes), strict=True))
    x, y, z = kno.number("XRECHTS", dec), kno.number("YHOCH", dec), kno.number("GEOH", dec)
    if np.isnan(z).any():
        notes.append(f"heights: {int(np.isnan(z).sum())} nodes without GEOH → 0 m")
    junctions = [{"id": n, "x_m": float(np.nan_to_num(a)), "y_m": float(np.nan_to_num(b)),
                  "elevation_m": float(np.nan_to_num(c))}
                 for n, a, b, c in zip(names, x, y, z, strict=True)]

    pipes = _pipes(lei, dec, isothermal, notes)
    t_plant_c = _plant_temperatures(hea, dec, isothermal, t_medium_c)
    consumers, stanet_q = _consumers(wae, dec, isothermal, t_ret_net_c,
                                     float(np.max(t_plant_c)), notes)
    plants = _plants(hea, dec, off, t_plant_c, notes)
    if isothermal:
        settings["t_initial_c"] = float(t_plant_c[0])
        notes.append(f"NET.TEMPCALC = N (isothermal): temperatures not computed by STANET; "
                     f"solved at {t_plant_c[0]:g} °C everywhere (consumers at STANET's flows with "
                     "no heat taken, pipes without heat loss)")
    else:
        notes.append("NET.TEMPCALC = J: temperatures computed (consumers at their heat and "
                     "return setpoint, pipe heat loss to the soil)")
    notes.append("water properties: IAPWS-IF97 at the local temperature (NET.RHO/ETA not used)")

    junctions = _connected(junctions, pipes["records"], consumers, plants, notes)
    network = network_from_records({"junctions": junctions, "pipes": pipes["records"],
                                     "consumers": consumers, "plants": plants}, settings,
                                    file=sf.path)
    for col, vals in pipes["extra"].items():
        network.pipes[col] = vals
    network.consumers["stanet_q_w"] = stanet_q
    _join_zae(sf, network, dec, notes)
    results = _results(sf, dec, off, network)
    _unused_notes(sf, notes)
    return StanetImport(network, notes, results, sf.path)


def _pipes(lei: StanetTable, dec: str, isothermal: bool, notes: list[str]) -> dict:
    ids = _ids(lei, "LEI")
    a, b = lei.text("ANFNAM"), lei.text("ENDNAM")
    length, dm = lei.number("RORL", dec), lei.number("DM", dec)
    rau, zeta, tu = lei.number("RAU", dec), lei.number("ZETA", dec), lei.number("TU", dec)
    wd, outer, wall = lei.number("WDZAHL", dec), lei.number("OUTERDM", dec), \
        lei.number("WANDDICKE", dec)
    par = lei.number("PARALLEL", dec)
    active = _active(lei, dec)
    for col, vals in (("RORL", length), ("DM", dm)):
        bad = np.flatnonzero(~(vals > 0))
        if len(bad):
            raise _err(lei, int(bad[0]), col, "must be a positive number",
                       lei.text(col)[bad[0]])
    bad = np.flatnonzero(np.isfinite(par) & (par > 1))
    if len(bad):
        raise _err(lei, int(bad[0]), "PARALLEL", "parallel pipe strands are not supported",
                   lei.text("PARALLEL")[bad[0]], "split them into single pipes")
    ref = np.where(np.isfinite(outer) & (outer > 0), outer,
                   np.where(np.isfinite(wall), dm + 2 * wall, dm))
    n_outer = int((np.isfinite(outer) & (outer > 0)).sum())
    wd_f = np.where(np.isfinite(wd), wd, 0.0)
    u = u_from_area_coefficient(wd_f, ref / 1000.0) if len(ref) else np.zeros(0)
    if isothermal:
        u = np.zeros_like(u)
    else:
        notes.append(f"pipe heat loss: U_L = WDZAHL·π·d_outer; d_outer = OUTERDM on {n_outer} "
                     f"of {len(lei)} pipes, else DM + 2·WANDDICKE or DM; "
                     f"{int((~np.isfinite(wd)).sum())} pipes without WDZAHL → no loss")
    if np.isnan(rau).any():
        notes.append(f"roughness: {int(np.isnan(rau).sum())} pipes without RAU → 0.1 mm")
    records = []
    for k in range(len(lei)):
        rec = {"id": ids[k], "from_junction": a[k], "to_junction": b[k],
               "length_m": float(length[k]), "d_inner_mm": float(dm[k]),
               "roughness_mm": float(rau[k]) if np.isfinite(rau[k]) else 0.1,
               "u_w_per_mk": float(u[k]), "zeta": float(zeta[k]) if np.isfinite(zeta[k]) else 0.0,
               "in_service": bool(active[k])}
        if np.isfinite(tu[k]) and not isothermal:
            rec["t_soil_c"] = float(tu[k])
        records.append(rec)
    return {"records": records,
            "extra": {"dn_stanet": lei.text("DN"), "stanet_id": lei.text("STANETID")}}


def _connected(junctions: list[dict], pipes: list[dict], consumers: list[dict],
               plants: list[dict], notes: list[str]) -> list[dict]:
    """The junctions some pipe, substation or plant refers to; the others (nodes of tables not
    read, e.g. house nodes) carry nothing the solve needs and are left out (noted)."""
    used = {r[k] for recs in (pipes, consumers, plants) for r in recs for k in
            ("from_junction", "to_junction", "supply_junction", "return_junction") if k in r}
    left = [j["id"] for j in junctions if j["id"] not in used]
    if left:
        more = " …" if len(left) > 5 else ""
        notes.append(f"{len(left)} node(s) not connected to any pipe, substation or plant left "
                     f"out: {', '.join(left[:5])}{more}")
    return [j for j in junctions if j["id"] in used]


def _plant_temperatures(hea: StanetTable, dec: str, isothermal: bool,
                        t_medium_c: float) -> np.ndarray:
    """Supply temperature per HEA row [°C] (the one isothermal temperature when isothermal)."""
    t = hea.number("TEMPSUPPLY", dec)
    if isothermal:
        t_iso = t_medium_c if np.isfinite(t_medium_c) else float(np.nanmax(t)) \
            if np.isfinite(t).any() else np.nan
        if not np.isfinite(t_iso):
            raise _err(hea, 0, "TEMPSUPPLY", "isothermal export without a medium temperature "
                       "(NET.TEMP) or a plant supply temperature")
        return np.full(len(hea), t_iso)
    bad = np.flatnonzero(~np.isfinite(t))
    if len(bad):
        raise _err(hea, int(bad[0]), "TEMPSUPPLY", "plant without a supply temperature")
    return t


def _consumers(wae: StanetTable, dec: str, isothermal: bool, t_ret_net_c: float,
               t_plant_c: float, notes: list[str]):
    ids = _ids(wae, "WAE")
    sup, ret = wae.text("ANFNAM"), wae.text("ENDNAM")
    q_set, q_calc = wae.number("WAERMEMENG", dec), wae.number("WAERMECALC", dec)
    q_kw = np.where(np.isfinite(q_set), q_set, q_calc)
    flow, tu, active = wae.number("FLUSS", dec), wae.number("TU", dec), _active(wae, dec)
    n_calc = int((~np.isfinite(q_set) & np.isfinite(q_calc)).sum())
    if n_calc:
        notes.append(f"consumers: {n_calc} without WAERMEMENG → the computed WAERMECALC")
    records, counts = [], {"t_return": 0, "net_tempr": 0, "mdot": 0}
    for k in range(len(wae)):
        rec = {"id": ids[k], "supply_junction": sup[k], "return_junction": ret[k],
               "in_service": bool(active[k])}
        if isothermal:
            m = flow[k] * T_H_TO_KG_S
            if not np.isfinite(m):
                dt = t_plant_c - t_ret_net_c
                cp = float(water.heat_capacity(t_plant_c + ZERO_CELSIUS_K))
                m = q_kw[k] * 1e3 / (cp * dt) if np.isfinite(q_kw[k]) and dt > 0 else np.nan
            if not np.isfinite(m):
                raise _err(wae, k, "FLUSS", "isothermal export: substation without a flow "
                           "(FLUSS) or heat and NET.TEMPR to derive one")
            rec.update(q_w=0.0, control="mdot", mdot_kg_s=abs(float(m)))
            counts["mdot"] += 1
        else:
            if not np.isfinite(q_kw[k]):
                raise _err(wae, k, "WAERMEMENG", "substation without heat (WAERMEMENG or "
                           "WAERMECALC)")
            rec["q_kw"] = float(q_kw[k])
            if np.isfinite(tu[k]):
                rec.update(control="t_return", t_return_c=float(tu[k]))
                counts["t_return"] += 1
            elif np.isfinite(t_ret_net_c):
                rec.update(control="t_return", t_return_c=float(t_ret_net_c))
                counts["net_tempr"] += 1
            elif np.isfinite(flow[k]):
                rec.update(control="mdot", mdot_kg_s=abs(float(flow[k])) * T_H_TO_KG_S)
                counts["mdot"] += 1
            else:
                raise _err(wae, k, "TU", "substation without a return setpoint (TU, "
                           "NET.TEMPR) or a flow (FLUSS)")
        records.append(rec)
    notes.append(f"consumers: {counts['t_return']} with their return setpoint WAE.TU, "
                 f"{counts['net_tempr']} with NET.TEMPR, {counts['mdot']} at a fixed flow")
    return records, q_kw * 1e3


def _plants(hea: StanetTable, dec: str, off: dict, t_plant_c: np.ndarray, notes: list[str]):
    names = hea.text("NAME")
    ids = names if all(names) and len(set(names)) == len(names) else _ids(hea, "HEA")
    ret, sup = hea.text("ANFNAM"), hea.text("ENDNAM")
    p_ret, p_sup = hea.number("PSETRETURN", dec), hea.number("PSETSUPPLY", dec)
    p_mid, port = hea.number("PSETMIDDLE", dec), hea.number("SUPPLYPORT", dec)
    dpmin, dp, flow = hea.number("DPMIN", dec), hea.number("DP", dec), hea.number("FLUSS", dec)
    active = _active(hea, dec)
    records = []
    for k in range(len(hea)):
        o_r, o_s = off.get(ret[k], 0.0), off.get(sup[k], 0.0)
        rec = {"id": ids[k], "return_junction": ret[k], "supply_junction": sup[k],
               "t_supply_c": float(t_plant_c[k]), "in_service": bool(active[k])}
        if np.isfinite(flow[k]):
            rec["mdot_design_kg_s"] = abs(float(flow[k])) * T_H_TO_KG_S
        if np.isfinite(p_ret[k]) and np.isfinite(p_sup[k]):
            rec.update(control="p_supply", p_return_pa=p_ret[k] * 1e5 + o_r,
                       p_supply_pa=p_sup[k] * 1e5 + o_s)
            how = f"return {p_ret[k]:g} bar, supply {p_sup[k]:g} bar held (PSETRETURN/SUPPLY)"
        elif np.isfinite(p_ret[k]) and np.isfinite(dpmin[k]):
            rec.update(control="lift", p_return_pa=p_ret[k] * 1e5 + o_r,
                       lift_pa=dpmin[k] * 1e5)
            how = f"return {p_ret[k]:g} bar (PSETRETURN), lift {dpmin[k]:g} bar (DPMIN, in bar)"
        elif np.isfinite(p_mid[k]) and np.isfinite(dp[k]):
            share = port[k] / 100.0 if np.isfinite(port[k]) else 0.5
            lift = abs(dp[k])
            rec.update(control="p_supply", p_return_pa=(p_mid[k] - (1 - share) * lift) * 1e5
                       + o_r, p_supply_pa=(p_mid[k] + share * lift) * 1e5 + o_s)
            how = (f"middle pressure {p_mid[k]:g} bar with supply share {100 * share:g} % of "
                   f"STANET's computed lift {lift:g} bar → supply/return pressures held")
        else:
            raise _err(hea, k, "PSETRETURN", "plant without pressure setpoints (PSETRETURN "
                       "with PSETSUPPLY or DPMIN, or PSETMIDDLE with a computed DP)")
        records.append(rec)
        notes.append(f"plant {ids[k]} ({ret[k]} → {sup[k]}): {how}, supply "
                     f"{t_plant_c[k]:g} °C")
    return records


def _join_zae(sf: StanetFile, network: Network, dec: str, notes: list[str]) -> None:
    cons = network.consumers
    cons["annual_heat_j"] = np.nan
    cons["stanet_profile"] = ""
    zae = sf.table("ZAE")
    if zae is None or not len(zae):
        return
    by_node: dict[str, list] = {}
    for cid, s, r in zip(cons.index, cons["supply_junction"], cons["return_junction"],
                         strict=True):
        by_node.setdefault(s, []).append(cid)
        by_node.setdefault(r, []).append(cid)
    use, prof = zae.number("VERBRAUCH", dec), zae.text("PROFIL")
    unmatched = 0
    for node, v, p in zip(zae.text("KNAM"), use, prof, strict=True):
        targets = by_node.get(node, [])
        if len(targets) != 1:
            unmatched += 1
            continue
        cid = targets[0]
        if np.isfinite(v):
            old = cons.at[cid, "annual_heat_j"]
            cons.at[cid, "annual_heat_j"] = to_si(v, "j", "kwh") if np.isnan(old) else \
                old + to_si(v, "j", "kwh")
        if p:
            old_p = cons.at[cid, "stanet_profile"]
            if p not in old_p.split(","):
                cons.at[cid, "stanet_profile"] = p if not old_p else f"{old_p},{p}"
    notes.append(f"ZAE: {len(zae) - unmatched} of {len(zae)} consumption rows joined to a "
                 "consumer by node name (VERBRAUCH taken as kWh/a → annual_heat_kwh, PROFIL "
                 "→ stanet_profile); not used in the solve")


def _results(sf: StanetFile, dec: str, off: dict, network: Network) -> StanetResults:
    kno, lei, wae, hea = (sf.table(t) for t in ("KNO", "LEI", "WAE", "HEA"))
    names = kno.text("KNAM")
    t_node = kno.number("TEMP", dec) + ZERO_CELSIUS_K
    nodes = pd.DataFrame({"p_pa": kno.number("PRECH", dec) * 1e5 + np.array(
        [off[n] for n in names]), "t_k": t_node}, index=pd.Index(names, name="id"))
    pipes = pd.DataFrame({"mdot_kg_s": lei.number("FLUSS", dec) * T_H_TO_KG_S,
                          "v_m_s": lei.number("VM", dec)},
                         index=pd.Index(network.pipes.index, name="id"))
    consumers = pd.DataFrame({
        "mdot_kg_s": wae.number("FLUSS", dec) * T_H_TO_KG_S,
        "q_w": wae.number("WAERMECALC", dec) * 1e3, "dp_pa": wae.number("DP", dec) * 1e5,
        "t_return_k": wae.number("TUCALC", dec) + ZERO_CELSIUS_K},
        index=pd.Index(network.consumers.index, name="id"))
    plants = pd.DataFrame({
        "mdot_kg_s": np.abs(hea.number("FLUSS", dec)) * T_H_TO_KG_S,
        "lift_pa": np.abs(hea.number("DP", dec)) * 1e5,
        "q_w": hea.number("WAERMECALC", dec) * 1e3},
        index=pd.Index(network.plants.index, name="id"))
    steps = {t: sf.tables[t].frame(dec) for t in STEP_TABLES if t in sf.tables}
    for name, frame in steps.items():  # SI copies next to STANET's columns
        tab = sf.tables[name]
        if tab.has("PRECH") and tab.has("CLIENTID"):
            frame["p_pa"] = tab.number("PRECH", dec) * 1e5 + np.array(
                [off.get(c, 0.0) for c in tab.text("CLIENTID")])
        if tab.has("FLUSS"):
            frame["mdot_kg_s"] = tab.number("FLUSS", dec) * T_H_TO_KG_S
        if tab.has("WAERMECALC"):
            frame["q_w"] = tab.number("WAERMECALC", dec) * 1e3
        if tab.has("TEMP") and name == "NOD":
            frame["t_k"] = tab.number("TEMP", dec) + ZERO_CELSIUS_K
    return StanetResults(nodes, pipes, consumers, plants, steps)


def _unused_notes(sf: StanetFile, notes: list[str]) -> None:
    steps = [f"{t} ({_rows(sf.tables[t])})" for t in STEP_TABLES if t in sf.tables]
    if steps:
        notes.append("stored result time steps kept (stanet_results.time_steps): "
                     + ", ".join(steps))
    unused = [f"{k} ({_rows(t)})" for k, t in sf.tables.items()
              if k not in _USED and k not in STEP_TABLES]
    if unused:
        notes.append("tables not used: " + ", ".join(unused))
    for k, used in _USED.items():
        tab = sf.table(k)
        if tab is None:
            continue
        rest = [c for c in tab.columns if c not in used]
        if rest:
            notes.append(f"{k} fields not used: {', '.join(rest)}")


def _rows(tab: StanetTable) -> str:
    return f"{len(tab)} row" + ("" if len(tab) == 1 else "s")
