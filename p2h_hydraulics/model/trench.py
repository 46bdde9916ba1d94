"""Trench form: one line per trench (as GIS stores it), expanded to a supply and a return pipe.

Input tables in trench form:
- ``nodes``: id, x, y, elevation (one per trench node),
- ``trenches``: id, from_node, to_node, length, d_inner or dn/series, roughness, u, zeta, …
  (any pipe field except the junction references),
- ``valves`` (optional): id, from_node, to_node, d_inner, zeta, opened, side (both|supply|return),
- ``pumps`` (optional, booster pumps): id, from_node (suction), to_node (discharge), side
  (supply|return), head curve (lift0, curve_b1 … b3); pump ``P`` becomes ``P_s`` or ``P_r``
  between the junctions of its side, pumping from_node → to_node,
- ``consumers``, ``plants``, ``feedins``: ``node`` instead of supply_junction/return_junction,
- ``pressure_refs``, ``mass_flows``: ``node`` + ``side`` (supply|return).

Expansion: node ``N`` becomes junctions ``N_s`` (supply) and ``N_r`` (return); trench ``T`` becomes
pipes ``T_s`` (from_node_s → to_node_s) and ``T_r`` (to_node_r → from_node_r, the usual return
flow direction). Consumers, plants and feed-ins connect ``N_s`` and ``N_r``.
"""

from __future__ import annotations

from ..errors import Problem

SUPPLY_SUFFIX = "_s"
RETURN_SUFFIX = "_r"


def is_trench_form(tables: dict) -> bool:
    """True when the records use the trench form (``nodes``/``trenches``).

    Parameters
    ----------
    tables : dict
        Raw records per table.

    Returns
    -------
    bool
        Whether ``nodes``/``trenches`` are used.
    """
    return "trenches" in tables or "nodes" in tables


def _sides(node) -> tuple[str, str]:
    if isinstance(node, float) and node.is_integer():
        node = int(node)  # as model.build reads ids: node 3.0 is node 3
    if isinstance(node, str):
        node = node.strip()
    return f"{node}{SUPPLY_SUFFIX}", f"{node}{RETURN_SUFFIX}"


def expand_trenches(tables: dict, file: str | None, problems: list[Problem]) -> dict:
    """Two-pipe records from trench-form records (problems appended, nothing raised).

    Parameters
    ----------
    tables : dict
        Raw records in trench form.
    file : str or None
        File name for problems.
    problems : list of Problem
        Problems found are appended here.

    Returns
    -------
    dict
        Raw records in two-pipe form (``junctions``, ``pipes`` …).
    """
    out: dict[str, list] = {}
    for name in ("junctions", "pipes"):
        if tables.get(name):
            problems.append(Problem(f"'{name}' cannot be mixed with the trench form "
                                    "('nodes'/'trenches')", file=file, table=name))
    nodes = _records(tables, "nodes", file, problems)
    out["junctions"] = []
    for rec in nodes:
        s, r = _sides(rec.get("id"))
        base = {k: v for k, v in rec.items() if k != "id"}
        out["junctions"] += [{"id": s, **base}, {"id": r, **base}]
    out["pipes"] = []
    for rec in _records(tables, "trenches", file, problems):
        tid, a, b = rec.get("id"), rec.get("from_node"), rec.get("to_node")
        base = {k: v for k, v in rec.items() if k not in ("id", "from_node", "to_node")}
        out["pipes"].append({"id": f"{tid}{SUPPLY_SUFFIX}", "from_junction": _sides(a)[0],
                             "to_junction": _sides(b)[0], **base})
        out["pipes"].append({"id": f"{tid}{RETURN_SUFFIX}", "from_junction": _sides(b)[1],
                             "to_junction": _sides(a)[1], **base})
    out["valves"] = []
    for rec in _records(tables, "valves", file, problems):
        side = str(rec.get("side", "both")).lower()
        base = {k: v for k, v in rec.items() if k not in ("id", "from_node", "to_node", "side")}
        a, b = rec.get("from_node"), rec.get("to_node")
        if side not in ("both", "supply", "return"):
            problems.append(Problem("must be both, supply or return", file=file, table="valves",
                                    element=rec.get("id"), field="side", value=side))
            continue
        if side in ("both", "supply"):
            out["valves"].append({"id": f"{rec.get('id')}{SUPPLY_SUFFIX}",
                                  "from_junction": _sides(a)[0], "to_junction": _sides(b)[0],
                                  **base})
        if side in ("both", "return"):
            out["valves"].append({"id": f"{rec.get('id')}{RETURN_SUFFIX}",
                                  "from_junction": _sides(b)[1], "to_junction": _sides(a)[1],
                                  **base})
    out["pumps"] = []
    for rec in _records(tables, "pumps", file, problems):
        side = str(rec.get("side", "")).lower()
        if side not in ("supply", "return"):
            problems.append(Problem("trench form needs side supply|return", file=file,
                                    table="pumps", element=rec.get("id"), field="side",
                                    value=side or None))
            continue
        i = 0 if side == "supply" else 1
        base = {k: v for k, v in rec.items() if k not in ("id", "from_node", "to_node", "side")}
        out["pumps"].append({"id": f"{rec.get('id')}{(SUPPLY_SUFFIX, RETURN_SUFFIX)[i]}",
                             "from_junction": _sides(rec.get("from_node"))[i],
                             "to_junction": _sides(rec.get("to_node"))[i], **base})
    for name in ("consumers", "plants", "feedins"):
        out[name] = []
        for rec in _records(tables, name, file, problems):
            s, r = _sides(rec["node"])
            base = {k: v for k, v in rec.items() if k != "node"}
            out[name].append({**base, "supply_junction": s, "return_junction": r})
    for name in ("pressure_refs", "mass_flows"):
        out[name] = []
        for rec in _records(tables, name, file, problems):
            side = str(rec.get("side", "")).lower()
            if side not in ("supply", "return") or "node" not in rec:
                problems.append(Problem("trench form needs 'node' and side supply|return",
                                        file=file, table=name, element=rec.get("id"),
                                        field="side", value=side or None))
                continue
            s, r = _sides(rec["node"])
            base = {k: v for k, v in rec.items() if k not in ("node", "side")}
            out[name].append({**base, "junction": s if side == "supply" else r})
    known = {"nodes", "trenches", "valves", "pumps", "consumers", "plants", "feedins",
             "pressure_refs", "mass_flows", "junctions", "pipes"}
    for name in set(tables) - known:
        out[name] = tables[name]
    return out


_NEEDED = {"nodes": ("id",), "trenches": ("id", "from_node", "to_node"),
           "valves": ("id", "from_node", "to_node"), "pumps": ("id", "from_node", "to_node"),
           "consumers": ("id", "node"),
           "plants": ("id", "node"), "feedins": ("id", "node")}


def _records(tables: dict, name: str, file, problems) -> list[dict]:
    recs = tables.get(name) or []
    if not isinstance(recs, list):
        problems.append(Problem("must be a list of objects", file=file, table=name))
        return []
    good = []
    for i, rec in enumerate(recs):
        if isinstance(rec, dict):
            missing = [k for k in _NEEDED.get(name, ()) if rec.get(k) in (None, "")]
            for k in missing:
                problems.append(Problem("required field is missing", file=file, table=name,
                                        element=_label(rec, i), field=k))
            # ids and node references become junction/pipe ids by text: refuse what str()
            # would turn into a made-up id (lists, objects, booleans, NaN)
            bad = [k for k in _REF_KEYS if k in rec and not _scalar_id(rec[k])]
            for k in bad:
                problems.append(Problem("expected a text id or name", file=file, table=name,
                                        element=_label(rec, i), field=k, value=rec[k]))
            if not missing and not bad:
                good.append({k: v for k, v in rec.items() if v is not None})
        else:
            problems.append(Problem(f"entry {i} must be an object with fields", file=file,
                                    table=name, value=rec))
    return good


_REF_KEYS = ("id", "node", "from_node", "to_node")


def _scalar_id(v) -> bool:
    if v is None or isinstance(v, str):
        return True
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return not isinstance(v, float) or v == v and abs(v) != float("inf")


def _label(rec: dict, i: int):
    eid = rec.get("id")
    return eid if _scalar_id(eid) and eid not in (None, "") else f"#{i}"
