"""Write the small STANET-format district-heating export used by the import tests.

Run from the repository root: ``python tests/data/stanet/make_stanet_export.py``. It writes
``small_heat_export.csv`` (cp1252, CRLF, as STANET writes it) and
``small_heat_export_utf8.csv`` (UTF-8 in which every umlaut was already replaced by U+FFFD, as
exports arrive after a careless conversion).

The network (16 nodes: 8 supply ``K…`` and their return twins ``RK…``, 14 pipes, 4 substations
``WAE``, one plant ``HEA``) is built here directly as a native network from the same design
values the file carries — independently of the STANET reader — and solved with the native
solver; its results are written as STANET's computed state (the element rows' ``PRECH``,
``FLUSS`` …) and as two stored time steps (``NOD``/``PIP``/``HE1``/``HE2``/``NE1``): the design
state and a summer state at 30 % load. Gauge pressures are written as STANET does, relative to
the ambient pressure at the node's height (US Standard Atmosphere 1976, ``fluids.atmosphere``),
with ``PABS`` absolute.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from fluids.atmosphere import ATMOSPHERE_1976

from p2h_hydraulics import solve
from p2h_hydraulics.model import network_from_records
from p2h_hydraulics.units import P_ATM_PA

HERE = Path(__file__).parent
T_SOIL_C = 10.0
T_SUPPLY_C = 80.0
P_RETURN_BAR = 2.0  # local gauge at the plant's return node
P_SUPPLY_BAR = 6.0
# node: (x, y, height)
NODES = {"0": (0.0, 0.0, 52.0), "1": (200.0, 0.0, 53.5), "2": (350.0, 0.0, 55.0),
         "3": (470.0, 0.0, 56.2), "4": (200.0, 180.0, 54.0), "5": (200.0, 280.0, 57.5),
         "6": (290.0, 180.0, 53.0), "7": (350.0, -80.0, 55.8)}
# supply pipe: from, to, length m, DM mm, RAU mm, WDZAHL W/(m² K), OUTERDM mm, DN
PIPES = [("0", "1", 200.0, 160.3, 0.1, 0.45, 250.0, "DN150"),
         ("1", "2", 150.0, 107.1, 0.1, 0.50, 200.0, "DN100"),
         ("2", "3", 120.0, 82.5, 0.1, 0.55, 160.0, "DN80"),
         ("1", "4", 180.0, 107.1, 0.1, 0.50, 200.0, "DN100"),
         ("4", "5", 100.0, 70.3, 0.1, 0.60, 140.0, "DN65"),
         ("4", "6", 90.0, 54.5, 0.1, 0.60, 125.0, "DN50"),
         ("2", "7", 80.0, 54.5, 0.1, 0.60, 125.0, "DN50")]
# substation at node: heat kW, return setpoint °C
SUBSTATIONS = {"3": (150.0, 45.0), "5": (120.0, 50.0), "6": (80.0, 48.0), "7": (60.0, 45.0)}
# consumption rows: customer, node, annual kWh, profile (one customer split in two meters)
ZAE = [("Kunde Nord", "K3", 310000.0, "HMF"), ("Kunde Ost", "K5", 180000.0, "HEF"),
       ("Schule", "K6", 120000.0, "GBD"), ("Laden", "K7", 60000.0, "GHD"),
       ("Laden Lager", "K7", 15000.0, "GHD")]
STEPS = (("01.01.2021 19:00", 1.0), ("01.07.2021 12:00", 0.3))
FRICTION_CODE = 5  # Prandtl–Colebrook


def ambient_offset_pa(height_m: float) -> float:
    """Ambient pressure at ``height_m`` minus the sea-level standard atmosphere [Pa]."""
    return ATMOSPHERE_1976(height_m).P - P_ATM_PA


def pipe_rows():
    """(id, from, to, length, DM, RAU, WDZAHL, OUTERDM, DN) for supply and return pipes."""
    rows = []
    for a, b, length, dm, rau, wd, outer, dn in PIPES:
        rows.append((f"LEI_K{a}_K{b}", f"K{a}", f"K{b}", length, dm, rau, wd, outer, dn))
        rows.append((f"LEI_RK{b}_RK{a}", f"RK{b}", f"RK{a}", length, dm, rau, wd, outer, dn))
    return rows


def native_network(load: float = 1.0):
    """The design as a native network (SI, our own conversions), loads scaled by ``load``."""
    junctions = [{"id": f"{p}{n}", "x_m": x + (0.0 if p == "K" else 2.0), "y_m": y,
                  "elevation_m": z} for n, (x, y, z) in NODES.items() for p in ("K", "RK")]
    pipes = [{"id": i, "from_junction": a, "to_junction": b, "length_m": length,
              "d_inner_m": dm / 1e3, "roughness_m": rau / 1e3,
              "u_w_per_mk": wd * math.pi * outer / 1e3}
             for i, a, b, length, dm, rau, wd, outer, _ in pipe_rows()]
    consumers = [{"id": f"WAE_K{n}", "supply_junction": f"K{n}", "return_junction": f"RK{n}",
                  "q_w": q * 1e3 * load, "control": "t_return", "t_return_k": t + 273.15}
                 for n, (q, t) in SUBSTATIONS.items()]
    plants = [{"id": "HKW", "return_junction": "RK0", "supply_junction": "K0",
               "t_supply_k": T_SUPPLY_C + 273.15, "control": "p_supply",
               "p_return_pa": P_RETURN_BAR * 1e5 + ambient_offset_pa(NODES["0"][2]),
               "p_supply_pa": P_SUPPLY_BAR * 1e5 + ambient_offset_pa(NODES["0"][2])}]
    return network_from_records(
        {"junctions": junctions, "pipes": pipes, "consumers": consumers, "plants": plants},
        {"name": "Testnetz", "t_soil_k": T_SOIL_C + 273.15, "friction_law": "colebrook"})


def _f(v, fmt="{:.4f}") -> str:
    return fmt.format(v).rjust(12)


def _local_bar(p_pa: float, height: float) -> float:
    return (p_pa - ambient_offset_pa(height)) / 1e5


class Writer:
    """Collects the lines of the export."""

    def __init__(self):
        self.lines: list[str] = []

    def header(self):
        self.lines += ["DAKTEXNET", "VERV1.0.0", "FMTDELI", "ZWEExport Netzberechnung",
                       "QUESTANET 10.1.33 64-Bit (test export written by make_stanet_export.py)",
                       "MEDF", "DAT04.01.2024", "ZEI15:51:19", "TTR;", "DTR.",
                       "NEBTestnetz Fernwärme", "NENTestnetz"]

    def table(self, key: str, title: str, fields: list[tuple[str, str, str, str]], rows):
        """fields: (name, N|C, description, unit); rows: lists of already formatted values."""
        for name, kind, text, unit in fields:
            self.lines.append(f"FEL;{key};{key};{name};{kind};12;4;{text};{unit}")
        self.lines.append(f"REM {title}")
        self.lines.append(f"REM FLDNAM {key};" + ";".join(f[0] for f in fields))
        self.lines.append("REM;" + ";".join(f[2] for f in fields))
        self.lines.append("REM;" + ";".join(f[3] for f in fields))
        for r in rows:
            assert len(r) == len(fields)
            self.lines.append(f"{key};" + ";".join(r))
        self.lines.append("")


def build_lines() -> list[str]:
    net = native_network()
    results = {load: solve(native_network(load)) for _, load in STEPS}
    r = results[1.0]
    w = Writer()
    w.header()
    j, pj = net.junctions, r.junctions
    w.table("KNO", "Knotendaten", [
        ("KNAM", "C", "Knotenname", ""), ("XRECHTS", "N", "Koordinate x", "m"),
        ("YHOCH", "N", "Koordinate y", "m"), ("GEOH", "N", "Höhe", "mNN"),
        ("ZUFLUSS", "N", "Zufluss", "t/h"), ("PRECH", "N", "Ber.Druck", "bar"),
        ("TEMP", "N", "Temperatur", "C"), ("PABS", "N", "Abs.Druck", "bar"),
        ("RHO", "N", "Betriebsdichte", "kg/m3")],
        [[f"{i:<8}", _f(j.at[i, "x_m"], "{:.2f}"), _f(j.at[i, "y_m"], "{:.2f}"),
          _f(j.at[i, "elevation_m"], "{:.2f}"), _f(0.0, "{:.3f}"),
          _f(_local_bar(pj.at[i, "p_pa"], j.at[i, "elevation_m"])),
          _f(pj.at[i, "t_k"] - 273.15, "{:.2f}"),
          _f((pj.at[i, "p_pa"] + P_ATM_PA) / 1e5, "{:.5f}"), _f(971.8, "{:.1f}")]
         for i in j.index])
    rp = r.pipes
    w.table("LEI", "Leitungsdaten", [
        ("ANFNAM", "C", "Anfang", ""), ("ENDNAM", "C", "Ende", ""), ("RORL", "N", "Länge", "m"),
        ("DM", "N", "Innendurchm.", "mm"), ("RAU", "N", "Rauhigkeit", "mm"),
        ("WDZAHL", "N", "WD-Zahl", "W/K*m2"), ("OUTERDM", "N", "Aussendurchmessser", "mm"),
        ("WANDDICKE", "N", "Wanddicke", "mm"), ("DN", "C", "Nennweite", ""),
        ("ZETA", "N", "Verlustfaktor", ""), ("FLUSS", "N", "Durchfluss", "t/h"),
        ("VM", "N", "Geschw.", "m/s"), ("DP", "N", "Delta p", "bar"),
        ("TU", "N", "Temp.Soll (ext. Einfluss)", "C"), ("ROHRTYP", "C", "Rohrtyp", ""),
        ("STANETID", "C", "STANET-ID", ""), ("PARALLEL", "N", "Parallel", ""),
        ("BAUJAHR", "N", "Baujahr", "")],
        [[f"{a:<8}", f"{b:<8}", _f(length, "{:.2f}"), _f(dm, "{:.1f}"), _f(rau, "{:.3f}"),
          _f(wd, "{:.3f}"), _f(outer, "{:.1f}"), "", f"{dn:<6}", _f(0.0, "{:.2f}"),
          _f(rp.at[i, "mdot_kg_s"] * 3.6, "{:.4f}"), _f(rp.at[i, "v_m_s"], "{:.4f}"),
          _f(rp.at[i, "dp_pa"] / 1e5, "{:.5f}"), "", "KMR Stahl", f"{i:<16}", "",
          "1998"]
         for i, a, b, length, dm, rau, wd, outer, dn in pipe_rows()])
    rc = r.consumers
    w.table("WAE", "Wärmetauscherdaten", [
        ("ANFNAM", "C", "Anfang", ""), ("ENDNAM", "C", "Ende", ""),
        ("WAERMECALC", "N", "Wärmeleistung Ber.", "kW"),
        ("WAERMEMENG", "N", "Wärmeleistung Soll", "kW"), ("FLUSS", "N", "Durchfluss", "t/h"),
        ("DP", "N", "Delta p", "bar"), ("TU", "N", "Temp.Soll Rücklauf", "C"),
        ("TUCALC", "N", "Temperatur Rücklauf Ber.", "C"), ("DM", "N", "Innendurchm.", "mm"),
        ("RORL", "N", "Länge", "m"), ("STANETID", "C", "STANET-ID", ""),
        ("XRECHTS", "N", "Koordinate x", "m"), ("YHOCH", "N", "Koordinate y", "m")],
        [[f"K{n:<7}", f"RK{n:<6}", _f(rc.at[f"WAE_K{n}", "q_w"] / 1e3, "{:.3f}"),
          _f(q, "{:.3f}"), _f(rc.at[f"WAE_K{n}", "mdot_kg_s"] * 3.6),
          _f(rc.at[f"WAE_K{n}", "dp_pa"] / 1e5), _f(t, "{:.2f}"),
          _f(rc.at[f"WAE_K{n}", "t_return_k"] - 273.15, "{:.2f}"), _f(50.0, "{:.1f}"),
          _f(0.0, "{:.1f}"), f"WAE_K{n:<12}", _f(NODES[n][0], "{:.2f}"),
          _f(NODES[n][1], "{:.2f}")]
         for n, (q, t) in SUBSTATIONS.items()])
    pl = r.plant.loc["HKW"]
    w.table("HEA", "Einspeisungsdaten", [
        ("NAME", "C", "Name", ""), ("ANFNAM", "C", "Anfang", ""), ("ENDNAM", "C", "Ende", ""),
        ("FLUSS", "N", "Durchfluss", "t/h"), ("DP", "N", "Delta p", "bar"),
        ("WAERMECALC", "N", "Wärmeleistung Ber.", "kW"),
        ("PSETSUPPLY", "N", "Solldruck Vorl.", "bar"), ("PSETRETURN", "N", "Solldruck Rückl.",
                                                        "bar"),
        ("PSETMIDDLE", "N", "Solldruck Mittel", "bar"), ("TEMPSUPPLY", "N", "Solltemp. Vorl.",
                                                         "C"),
        ("DPMIN", "N", "Diffdruck Soll", ""), ("SUPPLYPORT", "N", "Anteil Vorlauf", "%")],
        [["HKW     ", "RK0     ", "K0      ", _f(pl["mdot_kg_s"] * 3.6),
          _f(pl["head_pa"] / 1e5, "{:.5f}"), _f(pl["q_w"] / 1e3, "{:.3f}"),
          _f(P_SUPPLY_BAR), _f(P_RETURN_BAR), "", _f(T_SUPPLY_C, "{:.2f}"), "", ""]])
    w.table("HAU", "Hausdaten", [
        ("XRECHTS", "N", "Koordinate x", "m"), ("YHOCH", "N", "Koordinate y", "m"),
        ("KNOTENNAME", "C", "Knoten", ""), ("MENGE", "N", "Ges.Menge", "")],
        [[_f(480.0, "{:.2f}"), _f(5.0, "{:.2f}"), "K3      ", _f(1.0, "{:.0f}")],
         [_f(360.0, "{:.2f}"), _f(-90.0, "{:.2f}"), "K7      ", _f(2.0, "{:.0f}")]])
    w.table("ZAE", "Abnehmerdaten", [
        ("NAME", "C", "Kundenname", ""), ("KNAM", "C", "Knotenname", ""),
        ("VERBRAUCH", "N", "Verbrauch/Jahr", ""), ("PROFIL", "C", "Profil", ""),
        ("MAXLAST", "N", "Max.Abnahme", ""), ("XRECHTS", "N", "Koordinate x", "m"),
        ("YHOCH", "N", "Koordinate y", "m")],
        [[f"{name:<14}", f"{node:<8}", _f(v, "{:.1f}"), f"{prof:<6}", "",
          _f(NODES[node[1:]][0], "{:.2f}"), _f(NODES[node[1:]][1], "{:.2f}")]
         for name, node, v, prof in ZAE])
    w.table("NET", "Netzparameterdaten", [
        ("NETZNAME", "C", "Netz-Kurzname", ""), ("MEDI", "C", "Netzmedium", ""),
        ("TU", "N", "Bodentemperatur", "Celsius"),
        ("TEMPR", "N", "Vorherrschende Rücklauftemperatur", "Celsius"),
        ("TEMPCALC", "C", "Temperatur berechnen", "[J/N]"), ("ZEIT", "N", "Rechenzeit",
                                                              "Sekunden"),
        ("ETA", "N", "Dynamische Zähigkeit", "E-6kg/ms"), ("RHO", "N", "", ""),
        ("LAM", "N", "Widerstandsgesetz", ""), ("TEMP", "N", "Medientemperatur", "C")],
        [["Testnetz", "WASSER", _f(T_SOIL_C, "{:.1f}"), _f(50.0, "{:.1f}"), "J",
          _f(0.2, "{:.2f}"), _f(355.0, "{:.1f}"), _f(971.8, "{:.1f}"),
          _f(FRICTION_CODE, "{:.0f}"), _f(70.0, "{:.1f}")]])
    w.table("PRO", "Layerdaten", [("NAME", "C", "Layername", ""), ("FARBE", "N", "Farbe", "")],
            [["Fernwärme Bestand", _f(3, "{:.0f}")]])
    _steps(w, results)
    return w.lines


def _steps(w: Writer, results: dict) -> None:
    nod, pip, he1, he2, ne1 = [], [], [], [], []
    for time, load in STEPS:
        r = results[load]
        for k, (i, row) in enumerate(r.junctions.iterrows(), start=1):
            nod.append([f"{i:<8}", _f(k, "{:.0f}"), _f(1, "{:.0f}"), _f(0.0, "{:.3f}"),
                        _f(_local_bar(row["p_pa"], row["elevation_m"])), time,
                        _f(row["t_k"] - 273.15, "{:.2f}")])
        for k, (i, row) in enumerate(r.pipes.iterrows(), start=1):
            pip.append([f"{i:<16}", _f(k, "{:.0f}"), _f(2, "{:.0f}"),
                        _f(row["mdot_kg_s"] * 3.6), _f(row["v_m_s"]), time])
        for k, (i, row) in enumerate(r.consumers.iterrows(), start=1):
            he1.append([_f(row["mdot_kg_s"] * 3.6), _f(row["q_w"] / 1e3, "{:.3f}"),
                        f"{i:<12}", _f(k, "{:.0f}"), time])
        pl = r.plant.loc["HKW"]
        he2.append([_f(pl["mdot_kg_s"] * 3.6), _f(pl["q_w"] / 1e3, "{:.3f}"), "HKW",
                    _f(1, "{:.0f}"), time])
        ne1.append([time, _f(r.consumers["q_w"].sum() / 1e3, "{:.3f}"),
                    _f(pl["mdot_kg_s"] * 3.6)])
    common = [("CLIENTID", "C", "Verbindung 1", ""), ("CLIENTNO", "N", "Verbdg.1 Satznr.", ""),
              ("CLIENTTYP", "N", "Verbdg.1 Klasse", "")]
    w.table("NOD", "Knotenergebnisse", [*common, ("ZUFLUSS", "N", "Zufluss", "t/h"),
                                        ("PRECH", "N", "Ber.Druck", "bar"),
                                        ("TIME", "C", "Datum/Zeit", "MESZ"),
                                        ("TEMP", "N", "Temperatur", "C")], nod)
    w.table("PIP", "Leitungsergebnisse", [*common, ("FLUSS", "N", "Durchfluss", "t/h"),
                                          ("VM", "N", "Geschw.", "m/s"),
                                          ("TIME", "C", "Datum/Zeit", "MESZ")], pip)
    he = [("FLUSS", "N", "Durchfluss", "t/h"), ("WAERMECALC", "N", "Wärmeleistung Ber.", "kW"),
          ("CLIENTID", "C", "Verbindung 1", ""), ("CLIENTNO", "N", "Verbdg.1 Satznr.", ""),
          ("TIME", "C", "Datum/Zeit", "MESZ")]
    w.table("HE1", "Wärmetauscherergebnisse", he, he1)
    w.table("HE2", "Einspeisungsergebnisse", he, he2)
    w.table("NE1", "Netzergebnisse", [("TIME", "C", "Datum/Zeit", "MESZ"),
                                      ("WAERMECALC", "N", "Wärmeleistung Ber.", "kW"),
                                      ("FLUSS", "N", "Einspeisung", "t/h")], ne1)


def main() -> None:
    text = "\r\n".join(build_lines()) + "\r\n"
    (HERE / "small_heat_export.csv").write_bytes(text.encode("cp1252"))
    damaged = "".join(c if ord(c) < 128 else "\ufffd" for c in text)
    (HERE / "small_heat_export_utf8.csv").write_bytes(damaged.encode("utf-8"))


if __name__ == "__main__":
    np.seterr(all="raise")
    main()
