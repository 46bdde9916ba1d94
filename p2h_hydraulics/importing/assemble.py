"""Consumers and plants joined to the drawn network, and the two-pipe model built from it all.

Naming (stable, so that ``--plant N7`` can refer to a node of an earlier import):

- trench layers: network node ``N<k>`` (line ends first, in the order of the lines, then the
  points where consumers and plants join a line) → junctions ``N<k>_s`` and ``N<k>_r``; a line
  piece ``T`` (``T.1``, ``T.2`` … when the line was split) → pipes ``T_s`` and ``T_r``;
- separate supply/return lines: nodes ``S<k>`` and ``R<k>`` are junctions; pieces keep their
  line's id;
- a building off the network: node ``B_<consumer>``, its house connection ``HC_<consumer>_s``
  and ``HC_<consumer>_r``; a plant off the network: node ``P_<plant>``, pipes ``PC_<plant>_s/_r``.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputFileError
from ..model.build import EXTRA_KEY
from .pipes import connection_dn, pipe_record, tally
from .report import Connection, ImportReport
from .topology import SideGraph

CONSUMER_FIELDS = ("q_w", "annual_heat_j", "building_type", "t_return_k", "dp_min_pa")
PLANT_FIELDS = ("t_supply_k", "p_return_pa")


class Assembly:
    """Joins sites to the side graphs and builds the network from graphs, pieces and sites."""

    def __init__(self, graphs: dict[str, SideGraph], report: ImportReport,
                 t_supply_c: float, t_return_c: float):
        self.graphs = graphs
        self.report = report
        self.t_supply_k = float(t_supply_c) + 273.15
        self.t_return_k = float(t_return_c) + 273.15
        self.trench = "both" in graphs
        self.plant_nodes: dict[str, list[int]] = {s: [] for s in graphs}
        self.joined_nodes: dict[str, set[int]] = {s: set() for s in graphs}
        self.names: dict[str, dict[int, str]] = {s: {} for s in graphs}
        self.sites: list[tuple[str, object, dict]] = []
        self.defaults: dict = {}

    # ----------------------------------------------------------------------------------------
    def node_name(self, side: str, k: int) -> str:
        """Name of node ``k`` of ``side`` (``N3``, ``S3``, ``B_C1`` …)."""
        if k in self.names[side]:
            return self.names[side][k]
        return f"{ {'both': 'N', 'supply': 'S', 'return': 'R'}[side]}{k + 1}"

    def _junction(self, side: str, k: int, which: str) -> str:
        name = self.node_name(side, k)
        return f"{name}_{which}" if self.trench else name

    def join(self, site, table: str, max_m: float) -> None:
        """Join a consumer or plant to every side's network (checks the distance limit)."""
        sides = list(self.graphs)
        first = self.graphs[sides[0]]
        px, py = site.x, site.y
        drawn = None
        bx, by = site.x, site.y
        if site.coords is not None:  # a drawn house connection: its end nearer the network
            e0, e1 = site.coords[0], site.coords[-1]
            if first.nearest(*e0)[1] > first.nearest(*e1)[1]:
                e0, e1 = e1, e0
            (px, py), (bx, by) = e0, e1
            drawn = float(np.sum(np.hypot(*np.diff(site.coords, axis=0).T)))
        joints = {}
        what = "consumer" if table == "consumers" else "plant"
        for side in sides:
            g = self.graphs[side]
            li, d = g.nearest(px, py)
            if d > max_m:
                raise InputFileError(
                    f"{site.label}: the {what} is {d:.1f} m from the nearest "
                    f"{'' if side == 'both' else side + ' '}line ({g.lines[li].key}), more than "
                    f"the maximum connection distance {max_m:g} m; move it, draw its house "
                    "connection, or raise --max-connection")
            att = g.attach(px, py)
            z = g.node_z[att.node]  # a building or plant at the height of its joint
            if drawn is not None:
                off, length, how = g.add_node(bx, by, z), drawn + att.distance_m, "drawn"
            elif att.distance_m <= g.snap_m:
                off, length, how = None, 0.0, "on the network"
            else:
                off, length, how = g.add_node(bx, by, z), att.distance_m, "generated"
            if off is not None:
                stem = f"{'B' if table == 'consumers' else 'P'}_{site.key}"
                self.names[side][off] = stem if self.trench else f"{stem}_{side[0]}"
            self.joined_nodes[side].add(att.node)
            if table == "plants":
                self.plant_nodes[side].append(att.node)
            joints[side] = (att, off, length, how)
        self.sites.append((table, site, joints))

    # ----------------------------------------------------------------------------------------
    def build(self, pieces: dict, name: str, crs: str, size: bool, file: str):
        """The validated network. With ``size``, street pipes without a diameter and the house
        connections are sized by ``sizing.size_network``; else every street pipe needs a
        diameter and house connections get ``pipes.connection_dn``."""
        from ..model.build import network_from_records
        from ..model.validate import validate_network

        rep = self.report
        recs: dict[str, list] = {"junctions": [], "pipes": [], "consumers": [], "plants": []}
        with_z = all(line.z is not None for g in self.graphs.values() for line in g.lines)
        for side, g in self.graphs.items():
            for k, (x, y) in enumerate(g.node_xy):
                for which in ("s", "r") if self.trench else ("",):
                    jid = self._junction(side, k, which)
                    rec = {"id": jid, "x_m": x, "y_m": y}
                    if with_z and math.isfinite(g.node_z[k]):
                        rec["elevation_m"] = g.node_z[k]
                    recs["junctions"].append(rec)
            rep.join_nodes += sum(1 for c in g.cuts for n in c if n >= g.n_end_nodes)
            rep.lines_split += g.lines_split()
            rep.building_nodes += len(self.names[side])
        n_nodes = sum(len(g.node_xy) for g in self.graphs.values())
        tally(self.defaults, "junctions", "elevation_m",
               "Z coordinates of the lines (buildings at the height of their joint)" if with_z
               else "0 m (the lines have no Z coordinates on every vertex)", n_nodes)
        missing_d: list[str] = []
        line_recs: dict[tuple[str, int], dict] = {}
        for side, g in self.graphs.items():
            for p in pieces[side]:
                line = g.lines[p.line]
                if (side, p.line) not in line_recs:
                    line_recs[(side, p.line)] = pipe_record(line.values, self.defaults)
                base = dict(line_recs[(side, p.line)])
                length = p.length_m
                if "length_m" in line.values:  # a mapped length, shared out along the pieces
                    length *= line.values["length_m"] / float(g.lengths[p.line])
                base["length_m"] = length
                if "dn" not in base and "d_inner_m" not in base:
                    missing_d.append(p.key)
                if line.extra:
                    base[EXTRA_KEY] = dict(line.extra)
                recs["pipes"] += self._street_pipes(side, p, base)
        if missing_d and not size:
            raise InputFileError(
                f"{len(missing_d)} pipe(s) have no diameter ({', '.join(missing_d[:6])}"
                f"{' …' if len(missing_d) > 6 else ''}): map the diameter attribute (--map "
                "dn=ATTRIBUTE or d_inner_mm=ATTRIBUTE) or let the importer size them (--size)")
        connections = self._connection_records(recs, line_recs)
        for table, site, joints in self.sites:
            recs[table].append(self._element_record(table, site, joints))
        settings = {"name": name, "crs": crs}
        net = network_from_records(recs, settings, file=file, validate=False)
        need = net.consumers["q_w"].isna()
        if need.any():
            from ..loads import fill_design_loads

            net = fill_design_loads(net)
            tally(self.defaults, "consumers", "q_w", "design load from annual heat and "
                   "building type (BDEW profile, loads.fill_design_loads)", int(need.sum()))
        if size:  # street pipes without a diameter and the house connections
            from ..sizing import size_network

            net, sizing = size_network(net, only_missing=True)
            rep.sizing = sizing.markdown()
            for _key, ids, conn in connections["consumers"]:
                conn.dn = float(net.pipes.at[ids[0], "dn"])
            tally(self.defaults, "pipes", "house-connection DN", "sized with the network "
                   "(sizing.size_network)", len(connections["consumers"]))
        else:
            net = self._dimension_connections(net, connections)
        validate_network(net)
        rep.defaults = [{"table": t, "field": f, "value": v, "count": n}
                        for (t, f, v), n in self.defaults.items()]
        rep.network = {t: len(net.table(t)) for t in net.TABLE_NAMES}
        return net

    def _street_pipes(self, side: str, p, base: dict) -> list[dict]:
        if self.trench:
            return [{"id": f"{p.key}_s", "from_junction": self._junction(side, p.a, "s"),
                     "to_junction": self._junction(side, p.b, "s"), **base},
                    {"id": f"{p.key}_r", "from_junction": self._junction(side, p.b, "r"),
                     "to_junction": self._junction(side, p.a, "r"), **base}]
        return [{"id": p.key, "from_junction": self._junction(side, p.a, ""),
                 "to_junction": self._junction(side, p.b, ""), **base}]

    def _connection_records(self, recs, line_recs) -> dict:
        """House-connection and plant-connection pipes (diameters set after the loads)."""
        out: dict = {"consumers": [], "plants": []}
        for table, site, joints in self.sites:
            prefix = "HC" if table == "consumers" else "PC"
            for side, (att, off, length, how) in joints.items():
                g = self.graphs[side]
                conn = Connection(site.key, table, self.node_name(side, att.node), length, how,
                                  line=g.lines[att.line].key if att.line is not None else None,
                                  side=side)
                self.report.connections.append(conn)
                if off is None:
                    continue
                pipes = []
                for which in ("s", "r") if self.trench else (side[0],):
                    net_j = self._junction(side, att.node, which if self.trench else "")
                    off_j = self._junction(side, off, which if self.trench else "")
                    towards_off = (which == "s") == (table == "consumers")
                    a, b = (net_j, off_j) if towards_off else (off_j, net_j)
                    pipes.append({"id": f"{prefix}_{site.key}_{which}", "from_junction": a,
                                  "to_junction": b, "length_m": length})
                if table == "plants":
                    street = line_recs.get((side, att.line), {})
                    for rec in pipes:
                        for k in ("dn", "d_inner_m", "u_w_per_mk", "series", "roughness_m"):
                            if k in street:
                                rec[k] = street[k]
                out[table].append((site.key, [r["id"] for r in pipes], conn))
                recs["pipes"] += pipes
        return out

    def _element_record(self, table: str, site, joints: dict) -> dict:
        def junction(which: str) -> str:
            side = "both" if self.trench else ("supply" if which == "s" else "return")
            att, off, _length, _how = joints[side]
            return self._junction(side, off if off is not None else att.node,
                                  which if self.trench else "")

        rec: dict = {"id": site.key, "supply_junction": junction("s"),
                     "return_junction": junction("r")}
        v = site.values
        if table == "consumers":
            for k in CONSUMER_FIELDS:
                if k in v:
                    rec[k] = v[k]
            if "q_w" not in v:
                if "annual_heat_j" not in v or "building_type" not in v:
                    raise InputFileError(
                        f"{site.label}: the consumer has no heat demand; map a design load "
                        "(--map q_kw=ATTRIBUTE) or an annual heat with a building type "
                        "(--map annual_heat_kwh=ATTRIBUTE --map building_type=ATTRIBUTE)")
            if "t_return_k" not in v:
                rec["t_return_k"] = self.t_return_k
                tally(self.defaults, "consumers", "t_return",
                       f"{self.t_return_k - 273.15:g} °C")
            if "dp_min_pa" not in v:
                tally(self.defaults, "consumers", "dp_min", "0.5 bar")
        else:
            for k in PLANT_FIELDS:
                if k in v:
                    rec[k] = v[k]
            if "t_supply_k" not in v:
                rec["t_supply_k"] = self.t_supply_k
                tally(self.defaults, "plants", "t_supply", f"{self.t_supply_k - 273.15:g} °C")
            if "p_return_pa" not in v:
                tally(self.defaults, "plants", "p_return", "2 bar")
            tally(self.defaults, "plants", "control", "critical_point (Δp_min at the worst "
                   "consumer)")
        if site.extra:
            rec[EXTRA_KEY] = dict(site.extra)
        return rec

    def _dimension_connections(self, net, connections: dict):
        """House connections: the smallest catalogue DN for their consumer's design load."""
        from functools import lru_cache

        from ..model.catalogue import lookup

        if not connections["consumers"]:
            return net
        t_supply = float(net.plants["t_supply_k"].max())
        cons = net.consumers
        choose = lru_cache(maxsize=None)(connection_dn)
        ids_all, rows = [], []
        for key, ids, conn in connections["consumers"]:
            t_ret = float(cons.at[key, "t_return_k"])
            conn.dn = choose(float(cons.at[key, "q_w"]), t_supply,
                             t_ret if math.isfinite(t_ret) else self.t_return_k)
            d, u = lookup(conn.dn, "S1")
            ids_all += ids
            rows += [(conn.dn, d, u)] * len(ids)
        pipes = net.pipes.copy()
        pipes.loc[ids_all, ["dn", "d_inner_m", "u_w_per_mk"]] = np.array(rows, dtype=float)
        pipes.loc[ids_all, "series"] = "S1"
        tally(self.defaults, "pipes", "house-connection DN",
               "smallest catalogue DN within 1.5/2 m/s and 200 Pa/m at the consumer's design "
               "load (series S1)", len(connections["consumers"]))
        net.pipes = pipes
        return net


__all__ = ["Assembly"]
