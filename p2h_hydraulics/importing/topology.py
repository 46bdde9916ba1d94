"""Topology from drawn lines: nodes at line ends, snapping, splitting, attachments, islands.

GIS line layers have no node ids; lines meet where their ends (nearly) coincide. The steps:

1. **Ends → nodes.** Line ends closer than ``snap_m`` are joined (pairs from a k-d tree,
   ``scipy.spatial.cKDTree.query_pairs``, joined transitively by connected components — a
   union-find). A node sits where most of its ends lie (the first end on a tie); an end that
   lies elsewhere is a *snapped end* and its distance to the node the *gap closed*.
2. **Ends on a line's interior.** A node within ``snap_m`` of another line's interior (on a
   vertex or a segment, found with a shapely STRtree) splits that line there (a branch drawn to
   the middle of a street line).
3. **Attachments.** Consumers and plants join the nearest point of the network: an existing
   node within ``snap_m`` of that point, or a new node splitting the line there.
4. **Pieces.** Each line is cut at its split points (``shapely.ops.substring``); a piece's
   length is its drawn length along the line in the projected CRS, so the pieces of a line add
   up to the line's length exactly and snapping never changes a length.

Lines may be drawn in either direction and have any number of vertices; X-crossings without a
shared vertex or end are not joined (pipes crossing in different trenches).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from ..errors import InputFileError

EXACT_M = 1e-6  # ends closer than this count as coincident (no gap)


@dataclass
class Line:
    """One drawn line (a part of a feature) in the metric target CRS."""

    key: str  # element id of the line (pieces get ``key.1``, ``key.2`` …)
    coords: np.ndarray  # (n, 2)
    values: dict  # mapped fields in SI (d_inner_m, dn, …)
    extra: dict  # attributes kept as they are
    label: str  # "lines.geojson feature 3" for messages
    z: np.ndarray | None = None  # height of each vertex (Z coordinates), None without


@dataclass
class Piece:
    """A line between two nodes after splitting."""

    key: str
    line: int  # index of its line
    a: int  # node at the start (after orientation)
    b: int
    length_m: float
    reversed: bool = False


@dataclass
class Attachment:
    """Where a point (consumer, plant) joins the network."""

    node: int
    distance_m: float  # from the point to the node it joins
    line: int | None  # line it joins (None: a node given by id)
    new_node: bool  # True: the attachment split a line


@dataclass
class SideGraph:
    """Nodes and lines of one side (``both`` for trench layers, or ``supply``/``return``)."""

    side: str
    lines: list[Line]
    snap_m: float
    node_xy: list[tuple[float, float]] = field(default_factory=list)
    node_z: list[float] = field(default_factory=list)  # NaN where unknown
    end_nodes: np.ndarray | None = None  # (L, 2) node of each line's start and end
    cuts: list[dict[int, float]] = field(default_factory=list)  # per line: node → s
    snapped_gaps: list[tuple[str, float]] = field(default_factory=list)  # (line key, gap)
    n_end_nodes: int = 0
    split_points: int = 0

    def __post_init__(self):
        from shapely import LineString, STRtree

        if not self.lines:
            raise InputFileError("no lines to build a network from")
        self.geoms = [LineString(line.coords) for line in self.lines]
        self.lengths = np.array([g.length for g in self.geoms])
        self.tree = STRtree(self.geoms)
        self.cuts = [{} for _ in self.lines]
        self._join_ends()
        self._join_interiors()

    # ----------------------------------------------------------------------------------------
    def _join_ends(self) -> None:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components
        from scipy.spatial import cKDTree

        n = len(self.lines)
        ends = np.empty((2 * n, 2))
        ends[0::2] = [line.coords[0] for line in self.lines]
        ends[1::2] = [line.coords[-1] for line in self.lines]
        pairs = cKDTree(ends).query_pairs(self.snap_m, output_type="ndarray")
        graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                           shape=(2 * n, 2 * n)) if len(pairs) else coo_matrix((2 * n, 2 * n))
        _, labels = connected_components(graph, directed=False)
        order: dict[int, int] = {}  # component label → node, in order of first end
        members: dict[int, list[int]] = {}
        for i, lab in enumerate(labels):
            order.setdefault(int(lab), len(order))
            members.setdefault(int(lab), []).append(i)
        self.node_xy = [(0.0, 0.0)] * len(order)
        self.node_z = [math.nan] * len(order)
        for lab, node in order.items():
            idx = members[lab]
            pts = ends[idx]
            rounded = [tuple(np.round(p / EXACT_M)) for p in pts]
            counts = {r: rounded.count(r) for r in rounded}
            best = max(range(len(idx)), key=lambda k: (counts[rounded[k]], -k))
            x, y = pts[best]
            self.node_xy[node] = (float(x), float(y))
            line = self.lines[idx[best] // 2]
            if line.z is not None:
                self.node_z[node] = float(line.z[0 if idx[best] % 2 == 0 else -1])
            for k, e in enumerate(idx):
                gap = float(np.hypot(*(pts[k] - pts[best])))
                if gap > EXACT_M:
                    self.snapped_gaps.append((self.lines[e // 2].key, gap))
        self.end_nodes = np.array([order[int(lab)] for lab in labels]).reshape(n, 2)
        self.n_end_nodes = len(order)
        for i, (a, b) in enumerate(self.end_nodes):
            if a == b and self.lengths[i] <= 2 * self.snap_m:
                raise InputFileError(
                    f"{self.lines[i].label}: the line is {self.lengths[i]:.3f} m long, not "
                    f"longer than twice the snap distance ({self.snap_m:g} m); delete it or "
                    "lower --snap")

    def _join_interiors(self) -> None:
        from shapely import points

        pts = points(np.array(self.node_xy))
        hits = self.tree.query(pts, predicate="dwithin", distance=self.snap_m)
        for node, li in zip(hits[0], hits[1], strict=True):
            node, li = int(node), int(li)
            if node in self.end_nodes[li] or node in self.cuts[li]:
                continue
            geom = self.geoms[li]
            s = float(geom.project(pts[node]))
            if s <= EXACT_M or s >= self.lengths[li] - EXACT_M:
                continue
            gap = float(geom.distance(pts[node]))
            self.cuts[li][node] = s
            self.split_points += 1
            if gap > EXACT_M:
                self.snapped_gaps.append((self.lines[li].key, gap))

    # ----------------------------------------------------------------------------------------
    def nearest(self, x: float, y: float) -> tuple[int, float]:
        """(line index, distance) of the line nearest to (x, y)."""
        from shapely import Point

        pt = Point(x, y)
        idx = self.tree.query_nearest(pt)
        li = int(np.min(idx))
        return li, float(self.geoms[li].distance(pt))

    def attach(self, x: float, y: float) -> Attachment:
        """Join the point (x, y) to the network at its nearest point (a node or a new split)."""
        from shapely import Point

        pt = Point(x, y)
        li, _ = self.nearest(x, y)
        geom = self.geoms[li]
        s = float(geom.project(pt))
        q = geom.interpolate(s)
        qx, qy = float(q.x), float(q.y)
        candidates = [int(self.end_nodes[li][0]), int(self.end_nodes[li][1]), *self.cuts[li]]
        best = None
        for node in candidates:
            nx, ny = self.node_xy[node]
            dq = float(np.hypot(nx - qx, ny - qy))
            if dq <= self.snap_m and (best is None or dq < best[1]):
                best = (node, dq)
        if best is not None:
            node = best[0]
            nx, ny = self.node_xy[node]
            return Attachment(node, float(np.hypot(nx - x, ny - y)), li, False)
        node = len(self.node_xy)
        self.node_xy.append((qx, qy))
        self.node_z.append(self.height_at(li, s))
        self.cuts[li][node] = s
        return Attachment(node, float(np.hypot(qx - x, qy - y)), li, True)

    def height_at(self, li: int, s: float) -> float:
        """Height at distance ``s`` along line ``li`` (linear between vertices; NaN without Z)."""
        line = self.lines[li]
        if line.z is None:
            return math.nan
        cum = np.concatenate(([0.0], np.cumsum(np.hypot(*np.diff(line.coords, axis=0).T))))
        return float(np.interp(s, cum, line.z))

    def add_node(self, x: float, y: float, z: float = math.nan) -> int:
        """A new node off the lines (a building or a plant at the end of its connection)."""
        self.node_xy.append((float(x), float(y)))
        self.node_z.append(float(z))
        return len(self.node_xy) - 1

    # ----------------------------------------------------------------------------------------
    def pieces(self) -> list[Piece]:
        """The lines cut at their split points, in drawing direction."""
        out: list[Piece] = []
        for li, line in enumerate(self.lines):
            a, b = (int(n) for n in self.end_nodes[li])
            stops = [(0.0, a), *sorted(((s, n) for n, s in self.cuts[li].items())),
                     (float(self.lengths[li]), b)]
            if a == b and len(stops) == 2:
                raise InputFileError(f"{line.label}: the line is closed on itself (its two "
                                     "ends meet) and nothing joins it; split it in the GIS")
            parts = [(s0, s1, n0, n1) for (s0, n0), (s1, n1) in pairwise(stops)
                     if n0 != n1]
            for k, (s0, s1, n0, n1) in enumerate(parts):
                key = line.key if len(parts) == 1 else f"{line.key}.{k + 1}"
                out.append(Piece(key, li, n0, n1, s1 - s0))
        return out

    def lines_split(self) -> int:
        """Number of lines cut at least once."""
        return sum(1 for c in self.cuts if c)


def components(n_nodes: int, pieces: list[Piece]) -> np.ndarray:
    """Connected-component label of every node (nodes without pieces get their own)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    a = np.array([p.a for p in pieces], dtype=int)
    b = np.array([p.b for p in pieces], dtype=int)
    g = coo_matrix((np.ones(len(a)), (a, b)), shape=(n_nodes, n_nodes))
    return connected_components(g, directed=False)[1]


def orient(n_nodes: int, pieces: list[Piece], sources: list[int], away: bool = True) -> int:
    """Turn every piece to run away from (``away``) or toward the ``sources`` (plant nodes).

    Parameters
    ----------
    n_nodes : number of nodes of the graph
    pieces : the pieces (changed in place: ``a``/``b`` swapped, ``reversed`` toggled)
    sources : plant nodes
    away : True for supply pipes, False for return pipes

    Returns
    -------
    int
        pieces turned. Distance is the number of pieces to the nearest source; pieces whose
        ends are equally far keep their drawing direction.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    root = n_nodes
    a = [p.a for p in pieces] + [root] * len(sources)
    b = [p.b for p in pieces] + list(sources)
    g = coo_matrix((np.ones(len(a)), (a, b)), shape=(n_nodes + 1, n_nodes + 1)).tocsr()
    depth = dijkstra(g, directed=False, indices=root, unweighted=True)
    turned = 0
    for p in pieces:
        wrong = depth[p.a] > depth[p.b] if away else depth[p.a] < depth[p.b]
        if wrong:
            p.a, p.b = p.b, p.a
            p.reversed = not p.reversed
            turned += 1
    return turned


def degrees(n_nodes: int, pieces: list[Piece]) -> np.ndarray:
    """Number of pieces at every node."""
    deg = np.zeros(n_nodes, dtype=int)
    for p in pieces:
        deg[p.a] += 1
        deg[p.b] += 1
    return deg
