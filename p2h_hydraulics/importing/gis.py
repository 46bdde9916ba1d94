"""``import_network``: GIS layers (or a STANET export) → a native network and an import report.

The steps, each in its own module: read the layers and bring them into one metric CRS
(``layers``), resolve which attribute feeds which field (``mapping``), turn features into lines
and sites (``features``), build nodes by snapping and splitting (``topology``), join consumers
and plants to the network, check that every connected part has a plant, turn the pieces to run
away from the plant, and build the two-pipe model (``assemble``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputFileError, Problem
from ..io.stanet import is_stanet_export
from .assemble import Assembly
from .features import read_lines, read_sites, side_of
from .layers import choose_crs, crs_text, read_layer, split_source, to_target
from .mapping import KINDS, load_mapping_file, merge_mappings, parse_map_options, resolve
from .report import ImportReport
from .stanet import import_stanet_network
from .topology import SideGraph, components, degrees, orient

DEFAULT_SNAP_M = 0.05
DEFAULT_MAX_CONNECTION_M = 50.0
NODE_PREFIX = {"both": "N", "supply": "S", "return": "R"}


def import_network(source, consumers=None, plant=None, mapping=None,
                   snap_m: float = DEFAULT_SNAP_M, size: bool = False, crs: str | None = None,
                   *, return_lines=None, max_connection_m: float = DEFAULT_MAX_CONNECTION_M,
                   t_supply_c: float = 80.0, t_return_c: float = 50.0):
    """Import a network from GIS layers (or a STANET CSV export) and say what was assumed.

    Parameters
    ----------
    source : path of the line layer (GeoJSON, GeoPackage ``file.gpkg:layer``, Shapefile): one
        line per trench, or separate supply and return lines told apart by a ``side``
        attribute; or a STANET CSV export (detected from its header).
    consumers : path of the consumer layer (points, polygons → centroid, or house-connection
        lines drawn from the network to the building), or None.
    plant : path of a plant layer (points; several → several plants), or node id(s) of the
        imported network (``"N3"`` or ``"N3,N9"``, trench layers only).
    mapping : ``{field: attribute}`` (flat, or in sections ``lines``/``consumers``/``plant``),
        a list of ``"field=attribute"`` texts, or the path of a YAML file with either.
    snap_m : line ends (and ends near a line) closer than this are joined [m]; default 0.05.
    size : give pipes without a diameter the smallest sufficient catalogue DN
        (``sizing.size_network``).
    crs : target CRS (``"EPSG:25832"``); default: the layers' own projected CRS, or the UTM
        zone of the data for geographic layers.
    return_lines : path of a second line layer holding the return lines (``source`` then holds
        the supply lines).
    max_connection_m : a consumer or plant farther than this from the network is an error [m].
    t_supply_c, t_return_c : plant supply and consumer return temperature where the layers
        give none [°C] (listed under "defaults used").

    Returns
    -------
    (Network, ImportReport)
        The validated network (SI, two-pipe form) and the report (``markdown``); for a
        STANET export ``importing.stanet.import_stanet_network``'s (the imported network
        solved and compared with STANET's stored state).
    """
    if is_stanet_export(source):
        given = {"consumers": consumers, "plant": plant, "mapping": mapping, "crs": crs,
                 "return_lines": return_lines, "size": size or None}
        extra = [k for k, v in given.items() if v is not None]
        if extra:
            raise InputFileError(f"{source}: a STANET export carries its own consumers, plant, "
                                 f"pipe data and coordinates; {', '.join(extra)} apply to GIS "
                                 "layers only (leave them out)")
        return import_stanet_network(source)
    if not (isinstance(snap_m, (int, float)) and 0 < snap_m < 100):
        raise InputFileError(f"snap distance {snap_m!r} m: expected a number above 0 and below "
                             "100 m")
    if not max_connection_m > 0:
        raise InputFileError(f"maximum connection distance {max_connection_m!r} m: expected a "
                             "positive number")
    maps = merge_mappings(*_mapping_inputs(mapping))
    report = ImportReport(snap_m=float(snap_m))
    line_layers = [read_layer(source, what="line")]
    if return_lines is not None:
        line_layers.append(read_layer(return_lines, what="return-line"))
    cons_layer = read_layer(consumers, what="consumer") if consumers is not None else None
    plant_layer, plant_nodes = _plant_argument(plant)
    layers = [*line_layers, *(x for x in (cons_layer, plant_layer) if x is not None)]
    report.sources = [lay.label for lay in layers]
    src_crs, target, how = choose_crs(layers, crs)
    report.crs_source, report.crs_target, report.crs_how = crs_text(src_crs), \
        crs_text(target), how
    frames = {id(lay): to_target(lay, src_crs, target) for lay in layers}
    for kind, lay in (("consumers", cons_layer), ("plant", plant_layer)):
        if maps.get(kind) and lay is None:
            raise InputFileError(f"mapping for {kind} ({', '.join(maps[kind])}) but no {kind} "
                                 "layer was given")
    resolved = {}
    for lay, kind in [*((x, "lines") for x in line_layers), (cons_layer, "consumers"),
                      (plant_layer, "plant")]:
        if lay is not None:
            attrs = [c for c in frames[id(lay)].columns if c != frames[id(lay)].geometry.name]
            resolved[id(lay)] = resolve(kind, lay.label, attrs, maps)
    for target_name, attr in maps.get("*", {}).items():
        if not any(f.fields.get("id") and f.fields["id"].attribute == attr
                   for f in resolved.values()):
            raise InputFileError(f"mapped attribute {attr!r} (for {target_name}) is in none of "
                                 "the layers")
    for f in resolved.values():
        report.fields[f.label] = {src.target: f"{src.attribute} ({src.how})"
                                  for src in f.fields.values()}
        report.kept[f.label] = list(f.extras)
        report.notes += f.notes

    graphs = _graphs(line_layers, frames, resolved, snap_m, return_lines is not None, report)
    asm = Assembly(graphs, report, t_supply_c=t_supply_c, t_return_c=t_return_c)
    plant_sites = []
    if plant_layer is not None:
        plant_sites = read_sites(frames[id(plant_layer)], resolved[id(plant_layer)], "P",
                                 report.notes)
    elif plant_nodes:
        if "both" not in graphs:
            raise InputFileError("with separate supply and return lines give the plant as a "
                                 "point layer (--plant FILE), not as a node id")
        plant_sites = _sites_at_nodes(graphs["both"], plant_nodes)
    if not plant_sites:
        raise InputFileError("no plant: give --plant LAYER (a point layer) or --plant NODE_ID; "
                             "line ends that could hold it: " + _candidates(graphs))
    for site in plant_sites:
        asm.join(site, "plants", max_connection_m)
    if cons_layer is not None:
        for site in read_sites(frames[id(cons_layer)], resolved[id(cons_layer)], "C",
                               report.notes):
            asm.join(site, "consumers", max_connection_m)
    pieces = {side: g.pieces() for side, g in graphs.items()}
    report.pieces = sum(len(p) for p in pieces.values())
    _check_parts(graphs, pieces, asm, snap_m, report)
    for side, g in graphs.items():
        sources = asm.plant_nodes[side]
        report.reversed_pieces += orient(len(g.node_xy), pieces[side], sources,
                                         away=side != "return")
    _dangling(graphs, pieces, asm, report)
    name = Path(split_source(source)[0]).stem
    net = asm.build(pieces, name=name, crs=crs_text(target), size=size,
                    file=line_layers[0].label)
    return net, report


# --------------------------------------------------------------------------------------------


def _mapping_inputs(mapping) -> list[dict]:
    if mapping is None:
        return []
    if isinstance(mapping, (str, Path)):
        return [load_mapping_file(mapping)]
    if isinstance(mapping, dict):
        return [mapping]
    if isinstance(mapping, (list, tuple)):
        return [parse_map_options([str(m) for m in mapping])]
    raise InputFileError(f"mapping: expected a dict, a list of FIELD=ATTRIBUTE or a YAML path, "
                         f"got {type(mapping).__name__}")


def _plant_argument(plant):
    """(plant layer or None, node ids) from the ``plant`` argument."""
    if plant is None:
        return None, []
    text = str(plant)
    path, _layer = split_source(text)
    suffixes = (".geojson", ".json", ".gpkg", ".shp", ".gml", ".kml", ".fgb", ".sqlite")
    if path.exists() or path.suffix.lower() in suffixes:
        return read_layer(plant, what="plant"), []
    return None, [n.strip() for n in text.split(",") if n.strip()]


def _graphs(line_layers, frames, resolved, snap_m, two_files, report) -> dict[str, SideGraph]:
    lines_by_side: dict[str, list] = {"both": [], "supply": [], "return": []}
    prefix = ["L", "RL"] if two_files else ["L"]
    keys: set[str] = set()
    for k, lay in enumerate(line_layers):
        fields = resolved[id(lay)]
        frame = frames[id(lay)]
        report.features += len(frame)
        lines = read_lines(frame, fields, prefix[k], report.notes)
        dup = keys & {ln.key for ln in lines}
        if dup:
            raise InputFileError(f"{lay.label}: line ids {', '.join(sorted(dup)[:5])} are also "
                                 "used in the other line layer; ids must be unique")
        keys |= {ln.key for ln in lines}
        for ln in lines:
            if two_files:
                side = "supply" if k == 0 else "return"
            else:
                side = side_of(ln.values.get("side"), ln.label)
            lines_by_side[side].append(ln)
    report.lines = sum(len(v) for v in lines_by_side.values())
    report.drawn_length_m = float(sum(np.sum(np.hypot(*np.diff(ln.coords, axis=0).T))
                                      for v in lines_by_side.values() for ln in v))
    if lines_by_side["both"] and (lines_by_side["supply"] or lines_by_side["return"]):
        first = lines_by_side["both"][0]
        raise InputFileError(f"{first.label}: has no side while other lines are supply or "
                             "return lines; give every line its side (supply/return)")
    if lines_by_side["both"]:
        sides = ["both"]
    else:
        sides = ["supply", "return"]
        for side in sides:
            if not lines_by_side[side]:
                raise InputFileError(f"there are {sides[1 - sides.index(side)]} lines but no "
                                     f"{side} lines; give both sides (or one line per trench "
                                     "without a side attribute)")
        report.mode = "separate"
    graphs = {side: SideGraph(side, lines_by_side[side], snap_m) for side in sides}
    for g in graphs.values():
        report.nodes_from_ends += g.n_end_nodes
        report.split_points += g.split_points
        report.ends_snapped += len(g.snapped_gaps)
        if g.snapped_gaps:
            report.largest_gap_m = max(report.largest_gap_m,
                                       max(gap for _, gap in g.snapped_gaps))
    return graphs


def _sites_at_nodes(g: SideGraph, node_ids: list[str]):
    from .features import Site

    out = []
    for nid in node_ids:
        k = _node_index(nid, "both", g)
        if k is None:
            raise InputFileError(f"--plant {nid}: no such node; nodes are N1 … N{g.n_end_nodes} "
                                 f"(line ends: {_candidates({'both': g})})")
        x, y = g.node_xy[k]
        out.append(Site(nid, x, y, {}, {}, f"plant at node {nid}"))
    return out


def _node_index(nid: str, side: str, g: SideGraph) -> int | None:
    prefix = NODE_PREFIX[side]
    if not nid.startswith(prefix) or not nid[len(prefix):].isdigit():
        return None
    k = int(nid[len(prefix):]) - 1
    return k if 0 <= k < g.n_end_nodes else None


def _candidates(graphs) -> str:
    out = []
    for side, g in graphs.items():
        deg = degrees(len(g.node_xy), g.pieces())
        for k in range(g.n_end_nodes):
            if deg[k] == 1:
                x, y = g.node_xy[k]
                out.append(f"{NODE_PREFIX[side]}{k + 1} ({x:.1f}, {y:.1f})")
    return ", ".join(out[:10]) + (" …" if len(out) > 10 else "") if out else "(none)"


def _check_parts(graphs, pieces, asm, snap_m: float, report: ImportReport) -> None:
    """Every connected part of the drawn lines needs a plant; a part without one is an error
    naming its lines (or the near miss that probably cut it off)."""
    from shapely import Point

    problems: list[Problem] = []
    near_m = max(1.0, 20 * snap_m)
    for side, g in graphs.items():
        labels = components(len(g.node_xy), pieces[side])
        fed = {int(labels[n]) for n in asm.plant_nodes[side]}
        part_lines: dict[int, list[int]] = {}
        for p in pieces[side]:
            part_lines.setdefault(int(labels[p.a]), []).append(p.line)
        report.parts += sum(1 for c in part_lines if c in fed)
        deg = degrees(len(g.node_xy), pieces[side])
        for comp, line_idx in part_lines.items():
            if comp in fed:
                continue
            names = list(dict.fromkeys(g.lines[i].key for i in line_idx))
            miss = None
            for node in np.flatnonzero((labels == comp) & (deg == 1)):
                pt = Point(g.node_xy[node])
                for li in g.tree.query(pt, predicate="dwithin", distance=near_m):
                    if li in line_idx:
                        continue
                    d = float(g.geoms[li].distance(pt))
                    if miss is None or d < miss[0]:
                        miss = (d, int(node), int(li))
            if miss is not None:
                d, node, li = miss
                x, y = g.node_xy[node]
                problems.append(Problem(
                    f"unsnappable gap: a line end of part {', '.join(names[:5])} at "
                    f"({x:.2f}, {y:.2f}) is {d:.3f} m from line {g.lines[li].key}, more than the "
                    f"snap distance {snap_m:g} m",
                    hint=f"raise --snap above {d:.3f} or join the lines in the GIS"))
            else:
                more = f" and {len(names) - 8} more" if len(names) > 8 else ""
                problems.append(Problem(
                    f"part without a plant: line(s) {', '.join(names[:8])}{more} are not "
                    "connected to any plant",
                    hint="connect them to the network in the GIS, delete them, or give a plant "
                         "in that part (--plant)"))
    if problems:
        raise InputFileError(problems)


def _dangling(graphs, pieces, asm, report: ImportReport) -> None:
    """Line ends with nothing attached; each with the nearest line it does not touch when that
    is within 1 m (a near miss the snap distance did not close)."""
    from shapely import Point

    near_m = max(1.0, 20 * report.snap_m)
    for side, g in graphs.items():
        deg = degrees(len(g.node_xy), pieces[side])
        used = asm.joined_nodes[side]
        line_at: dict[int, tuple[str, int]] = {}
        for p in pieces[side]:
            line_at.setdefault(p.a, (p.key, p.line))
            line_at.setdefault(p.b, (p.key, p.line))
        for k in range(g.n_end_nodes):
            if deg[k] != 1 or k in used:
                continue
            x, y = g.node_xy[k]
            key, own = line_at.get(k, ("", -1))
            near = ""
            pt = Point(x, y)
            hits = [(float(g.geoms[li].distance(pt)), g.lines[li].key)
                    for li in g.tree.query(pt, predicate="dwithin", distance=near_m)
                    if li != own]
            if hits:
                d, other = min(hits)
                near = f"{d:.3f} m from {other}"
            report.dangling_ends.append({"node": asm.node_name(side, k), "x_m": x, "y_m": y,
                                         "line": key, "near": near})


__all__ = ["import_network", "DEFAULT_SNAP_M", "DEFAULT_MAX_CONNECTION_M", "KINDS"]
