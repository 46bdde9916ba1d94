"""The networkx view of a network, derived from the tables (never edited by hand).

``to_graph`` gives an undirected ``MultiGraph`` with one edge per in-service element (pipes, open
valves, consumers, plants, feed-ins), each edge carrying ``kind`` and ``id``. On top of it:
hydraulic islands, supply/return side classification, loops, and paths (plant → critical point).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

BRANCH_TABLES = {
    "pipes": ("from_junction", "to_junction"),
    "valves": ("from_junction", "to_junction"),
    "pumps": ("from_junction", "to_junction"),
    "consumers": ("supply_junction", "return_junction"),
    "plants": ("return_junction", "supply_junction"),
    "feedins": ("return_junction", "supply_junction"),
}
PIPE_LIKE = ("pipes", "valves", "pumps")  # booster pumps stay on their side


def active(df):
    """Rows of an element table that take part in the solve (in service / opened).

    Parameters
    ----------
    df : DataFrame
        An element table.

    Returns
    -------
    DataFrame
        Its rows in service (valves: opened).
    """
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

    Parameters
    ----------
    net : Network
        The network.
    kinds : tuple of str
        Element tables whose active rows become edges.

    Returns
    -------
    networkx.MultiGraph
        Junctions as nodes, elements as edges (keyed by table and id).
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
    """Junctions whose pressure is held: plant inlets/outlets and pressure references.

    Parameters
    ----------
    net : Network
        The network.

    Returns
    -------
    set of str
        Ids of junctions whose pressure is held.
    """
    out = set()
    plants = active(net.plants)
    out |= set(plants["return_junction"]) | set(plants["supply_junction"])
    refs = active(net.pressure_refs)
    out |= set(refs["junction"]) if not refs.empty else set()
    return out


def pipe_components(net) -> np.ndarray:
    """Component label per junction (order of ``net.junctions``) of the pipe/valve graph.

    Uses scipy's sparse connected components: fast enough for 100k-junction networks.

    Parameters
    ----------
    net : Network
        The network.

    Returns
    -------
    ndarray
        Component label per junction (order of ``net.junctions``).
    """
    index = net.junctions.index
    n = len(index)
    rows, cols = [], []
    for table in PIPE_LIKE:
        df = active(net.table(table))
        if df.empty:
            continue
        a = index.get_indexer(df["from_junction"])
        b = index.get_indexer(df["to_junction"])
        ok = (a >= 0) & (b >= 0)
        rows.append(a[ok])
        cols.append(b[ok])
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    adj = coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
    return connected_components(adj, directed=False)[1]


def islands(net) -> list[Island]:
    """Pipe/valve-connected components; each needs a held pressure to be solvable.

    Parameters
    ----------
    net : Network
        The network.

    Returns
    -------
    list of Island
        The connected parts, each with its junctions and whether it holds a pressure.
    """
    index = net.junctions.index
    labels = pipe_components(net)
    refs = reference_junctions(net)
    ref_labels = set(labels[index.get_indexer(list(refs))]) if refs else set()
    ref_labels.discard(-1)
    cons = active(net.consumers)
    by_label: dict = {}
    for col in ("supply_junction", "return_junction"):
        pos = index.get_indexer(cons[col]) if not cons.empty else np.zeros(0, dtype=int)
        for cid, p in zip(cons.index, pos, strict=True):
            if p >= 0:
                by_label.setdefault(labels[p], set()).add(cid)
    out = []
    bad = sorted(set(np.unique(labels)) - ref_labels)
    for lab in bad:
        members = sorted(index[labels == lab], key=str)
        out.append(Island(members, sorted(by_label.get(lab, ()), key=str), False))
    if ref_labels:
        out.append(Island([], [], True))  # the supplied part (not listed junction by junction)
    return out


SIDES = ("supply", "return", "other")  # the codes of ``component_sides``


def component_sides(labels: np.ndarray, supply_pos: np.ndarray,
                    return_pos: np.ndarray) -> np.ndarray:
    """Side code per junction (index into ``SIDES``) from its pipe/valve component.

    A component is on the supply side when an element's supply connection (plant or feed-in
    outlet, consumer inlet) lies in it, on the return side for a return connection, and
    'other' with both or neither.

    Parameters
    ----------
    labels : ndarray of int
        Component label per junction (``pipe_components``).
    supply_pos, return_pos : ndarray of int
        Junction positions of the elements' supply and return connections.

    Returns
    -------
    ndarray of int
        0 (supply), 1 (return) or 2 (other) per junction.
    """
    n_lab = int(labels.max()) + 1 if len(labels) else 0
    sup = np.zeros(n_lab, dtype=bool)
    ret = np.zeros(n_lab, dtype=bool)
    sup[labels[supply_pos]] = True
    ret[labels[return_pos]] = True
    return np.where(sup & ~ret, 0, np.where(ret & ~sup, 1, 2))[labels]


def junction_sides(net) -> dict:
    """'supply' / 'return' / 'other' for every junction.

    Supply: connected by pipes/valves to a plant or feed-in outlet or a consumer inlet; return:
    to a plant or feed-in inlet or a consumer outlet. A junction touching both is 'other'.

    Parameters
    ----------
    net : Network
        The network.

    Returns
    -------
    dict of str to str
        Junction id → "supply", "return" or "other".
    """
    index = net.junctions.index
    labels = pipe_components(net)
    ends: dict = {"supply_junction": [], "return_junction": []}
    for table in ("consumers", "plants", "feedins"):
        df = active(net.table(table))
        if df.empty:
            continue
        for col, found in ends.items():
            pos = index.get_indexer(df[col])
            found.append(pos[pos >= 0])
    sup, ret = (np.concatenate(v) if v else np.zeros(0, dtype=np.int64) for v in ends.values())
    side = np.array(SIDES)[component_sides(labels, sup, ret)]
    return dict(zip(index, side, strict=True)) if len(labels) else {}


def loops(net) -> list[list]:
    """Independent loops (cycle basis) of the pipe/valve graph, as junction lists.

    Parameters
    ----------
    net : Network
        The network.

    Returns
    -------
    list of list of str
        One junction list per independent loop.
    """
    g = nx.Graph(to_graph(net, kinds=PIPE_LIKE))
    return nx.cycle_basis(g)


def pipe_path(net, source, target) -> list:
    """Shortest junction path along pipes/valves (by length) from ``source`` to ``target``.

    Parameters
    ----------
    net : Network
        The network.
    source, target : str
        Junction ids.

    Returns
    -------
    list of str
        Junction ids from ``source`` to ``target``.
    """
    g = nx.Graph()
    for u, v, d in to_graph(net, kinds=PIPE_LIKE).edges(data=True):
        if not g.has_edge(u, v) or g[u][v]["weight"] > d["weight"]:
            g.add_edge(u, v, **d)
    return nx.shortest_path(g, source, target, weight="weight")


def critical_consumer(result) -> str | None:
    """Id of the consumer with the smallest Δp margin (supply − return − Δp_min) in ``result``.

    Parameters
    ----------
    result : Result
        A solve result.

    Returns
    -------
    str or None
        The consumer id; None when no consumer draws water.
    """
    c = result.consumers
    c = c[c["mdot_kg_s"] > 0] if len(c) else c
    if c.empty:
        return None
    return str((c["dp_pa"] - c["dp_min_pa"]).idxmin())


def critical_path(net, result, plant: str | None = None) -> list:
    """Supply-side junction path from the plant outlet to the critical consumer's inlet.

    Parameters
    ----------
    net : Network
        The network.
    result : Result
        A solve result of ``net``.
    plant : str, optional
        The plant to start from (default: the first in service).

    Returns
    -------
    list of str
        Junction ids along the path (empty without a critical consumer or a plant).
    """
    cid = critical_consumer(result)
    plants = active(net.plants)
    if cid is None or plants.empty:
        return []
    pid = plant if plant is not None else plants.index[0]
    start = plants.at[pid, "supply_junction"]
    target = net.consumers.at[cid, "supply_junction"]
    return pipe_path(net, start, target)
