"""The networkx view of a network, derived from the tables (never edited by hand).

``to_graph`` gives an undirected ``MultiGraph`` with one edge per in-service element (pipes, open
valves, consumers, plants, feed-ins), each edge carrying ``kind`` and ``id``. On top of it:
hydraulic islands, supply/return side classification, loops, and paths (plant → critical point).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np

BRANCH_TABLES = {
    "pipes": ("from_junction", "to_junction"),
    "valves": ("from_junction", "to_junction"),
    "consumers": ("supply_junction", "return_junction"),
    "plants": ("return_junction", "supply_junction"),
    "feedins": ("return_junction", "supply_junction"),
}
PIPE_LIKE = ("pipes", "valves")


def active(df):
    """Rows of an element table that take part in the solve (in service / opened)."""
    if df.empty:
        return df
    mask = np.ones(len(df), dtype=bool)
    if "in_service" in df:
        mask &= df["in_service"].to_numpy(dtype=bool)
    if "opened" in df:
        mask &= df["opened"].to_numpy(dtype=bool)
    return df[mask]


def to_graph(net, kinds=tuple(BRANCH_TABLES)) -> nx.MultiGraph:
    """Undirected multigraph of junctions and the active elements of ``kinds``.

    Pipe edges carry ``length_m`` as ``weight`` (others weigh 0) for path lengths.
    """
    g = nx.MultiGraph()
    j = net.junctions
    g.add_nodes_from((jid, {"x": x, "y": y}) for jid, x, y in
                     zip(j.index, j["x_m"], j["y_m"], strict=True))
    for table in kinds:
        df = active(net.table(table))
        if df.empty:
            continue
        a, b = BRANCH_TABLES[table]
        w = df["length_m"].to_numpy() if table == "pipes" else np.zeros(len(df))
        g.add_edges_from(
            (u, v, {"kind": table, "id": eid, "weight": float(wt)})
            for eid, u, v, wt in zip(df.index, df[a], df[b], w, strict=True))
    return g


@dataclass
class Island:
    """A set of junctions connected by pipes/valves (one pressure level)."""

    junctions: list
    consumers: list = field(default_factory=list)
    has_reference: bool = False


def reference_junctions(net) -> set:
    """Junctions whose pressure is held: plant inlets/outlets and pressure references."""
    out = set()
    plants = active(net.plants)
    out |= set(plants["return_junction"]) | set(plants["supply_junction"])
    refs = active(net.pressure_refs)
    out |= set(refs["junction"]) if not refs.empty else set()
    return out


def islands(net) -> list[Island]:
    """Pipe/valve-connected components; each needs a held pressure to be solvable."""
    g = to_graph(net, kinds=PIPE_LIKE)
    refs = reference_junctions(net)
    cons = active(net.consumers)
    by_j: dict = {}
    for cid, s, r in zip(cons.index, cons["supply_junction"], cons["return_junction"],
                         strict=True):
        by_j.setdefault(s, []).append(cid)
        by_j.setdefault(r, []).append(cid)
    out = []
    for comp in nx.connected_components(g):
        members = sorted(comp, key=str)
        consumers = sorted({c for jn in members for c in by_j.get(jn, [])}, key=str)
        out.append(Island(members, consumers, bool(refs & comp)))
    return out


def junction_sides(net) -> dict:
    """'supply' / 'return' / 'other' for every junction.

    Supply: connected by pipes/valves to a plant or feed-in outlet or a consumer inlet; return:
    to a plant or feed-in inlet or a consumer outlet. A junction touching both is 'other'.
    """
    g = to_graph(net, kinds=PIPE_LIKE)
    sup, ret = set(), set()
    for table, (a, b) in (("consumers", ("supply_junction", "return_junction")),
                          ("plants", ("supply_junction", "return_junction")),
                          ("feedins", ("supply_junction", "return_junction"))):
        df = active(net.table(table))
        if not df.empty:
            sup |= set(df[a])
            ret |= set(df[b])
    side = {}
    for comp in nx.connected_components(g):
        s, r = bool(comp & sup), bool(comp & ret)
        label = "supply" if s and not r else "return" if r and not s else "other"
        for jn in comp:
            side[jn] = label
    return side


def loops(net) -> list[list]:
    """Independent loops (cycle basis) of the pipe/valve graph, as junction lists."""
    g = nx.Graph(to_graph(net, kinds=PIPE_LIKE))
    return nx.cycle_basis(g)


def pipe_path(net, source, target) -> list:
    """Shortest junction path along pipes/valves (by length) from ``source`` to ``target``."""
    g = nx.Graph()
    for u, v, d in to_graph(net, kinds=PIPE_LIKE).edges(data=True):
        if not g.has_edge(u, v) or g[u][v]["weight"] > d["weight"]:
            g.add_edge(u, v, **d)
    return nx.shortest_path(g, source, target, weight="weight")
