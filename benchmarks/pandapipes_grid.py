"""Seeded two-pipe district-heating networks built directly with pandapipes.

    from pandapipes_grid import make_pandapipes_grid
    net = make_pandapipes_grid(5000, meshed=True, seed=0)   # a pandapipes net, not yet solved

A street grid of intersections (60–120 m apart, jittered) on a gently hilly area (three smooth
hills of 4–8 m; ``hills=False``: flat); every street
between two intersections is cut by the tees of its houses, each house on a 10–35 m service
line. ``meshed=True`` keeps a share (``keep_streets``) of all grid streets, so the network has
many loops on both sides; ``meshed=False`` keeps only a breadth-first spanning tree of them.
One plant (``circ_pump_const_pressure``, supply at 80 °C, return held at 3 bar, lift 1.5 bar
plus 150 Pa/m along the longest supply + return path) in the middle, one data-centre feed-in
(``circ_pump_const_mass_flow`` of type ``"t"``: return → supply at 75 °C, a set share of the
network's design flow) at the intersection farthest from the plant. Consumers are pandapipes
``heat_consumer`` elements with ``qext_w`` and either a return temperature (``treturn_k``,
45–55 °C) or a temperature difference (``deltat_k``, 25–35 K), in equal shares; loads 8–60 kW
(a few apartment blocks 100–300 kW).

Pipes: supply and return per trench, steel with k = 0.05 mm, U from a per-m² coefficient, sized
on a breadth-first tree from the plant: every trench gets the smallest DN whose velocity at the
design flow of the houses below it is ≤ 1.5 m/s, DN 20–1000 (loop-closing streets: DN of the
smaller end).
Everything is drawn from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import numpy as np

# inner diameters [mm] of a DN20–DN300 steel catalogue
INNER_MM = np.array([21.7, 27.3, 36.0, 41.9, 53.1, 68.9, 80.9, 105.3, 130.0, 155.7, 204.9,
                     254.5, 309.7, 339.6, 388.8, 437.0, 486.0, 585.0, 684.0, 783.0, 882.0,
                     980.0])
CP, RHO = 4190.0, 975.0


def make_pandapipes_grid(n_consumers: int, meshed: bool = True, seed: int = 0,
                         houses_per_street: float = 4.0, keep_streets: float = 0.8,
                         feedin_share: float = 0.15, hills: bool = True):
    """A pandapipes net with ``n_consumers`` heat consumers (see the module docstring)."""
    import networkx as nx
    import pandapipes as pp

    rng = np.random.default_rng(seed)
    # grid size: streets ≈ n / houses_per_street; a kx × ky grid has ≈ 2·kx·ky streets
    k = max(2, int(np.ceil(np.sqrt(n_consumers / houses_per_street / 2 / keep_streets))) + 1)
    xs = np.cumsum(rng.uniform(60, 120, k)) - 60
    ys = np.cumsum(rng.uniform(60, 120, k)) - 60
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    gx = gx + rng.normal(0, 5, gx.shape)
    gy = gy + rng.normal(0, 5, gy.shape)
    g = nx.grid_2d_graph(k, k)
    tree = nx.bfs_tree(g, (0, 0)).to_undirected()
    streets = list(tree.edges())
    if meshed:
        extra = [e for e in g.edges() if not tree.has_edge(*e)]
        n_extra = int(round(keep_streets * len(g.edges()))) - len(streets)
        pick = rng.permutation(len(extra))[:max(0, n_extra)]
        streets += [extra[i] for i in sorted(pick)]
    order = rng.permutation(len(streets))
    # houses per street (at least one tee-less street is fine), exactly n_consumers in total
    per = np.bincount(rng.integers(0, len(streets), n_consumers), minlength=len(streets))

    # nodes: intersections, tees, houses -> (x, y); edges: (a, b, length, kind)
    pos: list[tuple[float, float]] = []
    idx: dict = {}
    for (i, j) in g.nodes():
        idx[(i, j)] = len(pos)
        pos.append((gx[i, j], gy[i, j]))
    trenches: list[tuple[int, int, float]] = []
    houses: list[tuple[int, float]] = []  # (house node, load [W])
    for s in order:
        a, b = streets[s]
        pa, pb = np.array(pos[idx[a]]), np.array(pos[idx[b]])
        m = per[s]
        prev = idx[a]
        cuts = np.sort(rng.uniform(0.1, 0.9, m))
        for c in cuts:
            tee = len(pos)
            pos.append(tuple(pa + c * (pb - pa)))
            trenches.append((prev, tee, 0.0))
            house = len(pos)
            side = rng.choice([-1.0, 1.0])
            d = pb - pa
            nrm = np.array([-d[1], d[0]]) / np.hypot(*d)
            pos.append(tuple(np.array(pos[tee]) + side * rng.uniform(10, 35) * nrm))
            trenches.append((tee, house, 0.0))
            big = rng.random() < 0.05
            q = rng.uniform(100e3, 300e3) if big else float(np.clip(
                rng.lognormal(np.log(18e3), 0.5), 8e3, 60e3))
            houses.append((house, q))
            prev = tee
        trenches.append((prev, idx[b], 0.0))
    xy = np.array(pos)
    n_nodes = len(xy)
    fr = np.array([t[0] for t in trenches])
    to = np.array([t[1] for t in trenches])
    length = np.maximum(np.hypot(*(xy[fr] - xy[to]).T), 2.0)

    # design flows: every house from the plant along a breadth-first tree, and the houses
    # nearest the feed-in (up to its flow) from the feed-in along one; each trench is sized
    # for the larger of the two
    h_nodes = np.array([h for h, _ in houses])
    q_house = np.array([q for _, q in houses])
    mdot_house = q_house / (CP * 30.0)
    tg = nx.Graph()
    tg.add_edges_from((int(a), int(b), {"e": e})
                      for e, (a, b) in enumerate(zip(fr, to, strict=True)))
    plant_node = idx[(k // 2, k // 2)]
    corners = np.array([idx[c] for c in g.nodes()])
    far = int(corners[np.argmax(np.hypot(*(xy[corners] - xy[plant_node]).T))])
    m_feedin = feedin_share * float(mdot_house.sum())
    at_node = np.zeros(n_nodes)
    np.add.at(at_node, h_nodes, mdot_house)
    edge_flow = np.full(len(fr), np.nan)
    for root, share in ((plant_node, None), (far, m_feedin)):
        parent = dict(nx.bfs_predecessors(tg, root))
        bfs = [root] + [v for _, vs in nx.bfs_successors(tg, root) for v in vs]
        below = at_node.copy()
        if share is not None:  # only the nearest houses, up to the feed-in's flow
            served = np.cumsum(at_node[bfs]) <= share
            below[np.array(bfs)[~served]] = 0.0
        for v in reversed(bfs[1:]):
            u = parent[v]
            below[u] += below[v]
            e = tg.edges[u, v]["e"]
            edge_flow[e] = np.fmax(edge_flow[e], below[v])
    area = np.pi * (INNER_MM / 1e3) ** 2 / 4
    cap = 1.5 * RHO * area

    def dn_index(m):
        return np.minimum(np.searchsorted(cap, m), len(INNER_MM) - 1)

    dn = np.full(len(fr), -1)
    in_tree = np.isfinite(edge_flow)
    dn[in_tree] = dn_index(edge_flow[in_tree])
    node_dn = np.zeros(n_nodes, dtype=int)
    for e in np.flatnonzero(in_tree):
        node_dn[fr[e]] = max(node_dn[fr[e]], dn[e])
        node_dn[to[e]] = max(node_dn[to[e]], dn[e])
    dn[~in_tree] = np.minimum(node_dn[fr[~in_tree]], node_dn[to[~in_tree]])
    d_mm = INNER_MM[dn]

    # terrain: a few smooth hills, 0–20 m
    summits = rng.uniform(xy.min(0), xy.max(0), (3, 2))
    span = max(float(np.ptp(xy[:, 0])), 1.0)
    z = sum(rng.uniform(4, 8) * np.exp(-np.sum((xy - h) ** 2, 1) / (0.3 * span) ** 2)
            for h in summits)
    if not hills:
        z = np.zeros(n_nodes)

    net = pp.create_empty_network(fluid="water")
    t_sup, t_soil = 353.15, 283.15
    sup = pp.create_junctions(net, n_nodes, pn_bar=6.0, tfluid_k=t_sup, height_m=z,
                              name=[f"n{i}_s" for i in range(n_nodes)], geodata=list(map(
                                  tuple, xy)))
    ret = pp.create_junctions(net, n_nodes, pn_bar=6.0, tfluid_k=323.15, height_m=z,
                              name=[f"n{i}_r" for i in range(n_nodes)], geodata=list(map(
                                  tuple, xy)))
    u = np.where(d_mm > 100, 0.4, 0.6)  # W/(m² K) over the inner surface
    common = dict(inner_diameter_mm=d_mm, k_mm=0.05, u_w_per_m2k=u, text_k=t_soil)
    pp.create_pipes_from_parameters(net, sup[fr], sup[to], length_km=length / 1e3,
                                    name=[f"p{e}_s" for e in range(len(fr))], **common)
    pp.create_pipes_from_parameters(net, ret[to], ret[fr], length_km=length / 1e3,
                                    name=[f"p{e}_r" for e in range(len(fr))], **common)
    n = len(houses)
    tr = rng.random(n) < 0.5
    pp.create_heat_consumers(net, sup[h_nodes[tr]], ret[h_nodes[tr]], qext_w=q_house[tr],
                             treturn_k=rng.uniform(318.15, 328.15, int(tr.sum())),
                             name=[f"c{i}" for i in np.flatnonzero(tr)])
    pp.create_heat_consumers(net, sup[h_nodes[~tr]], ret[h_nodes[~tr]], qext_w=q_house[~tr],
                             deltat_k=rng.uniform(25, 35, int((~tr).sum())),
                             name=[f"c{i}" for i in np.flatnonzero(~tr)])
    # lift: 1.5 bar at the consumers plus 150 Pa/m along the longest supply + return path
    dist = nx.single_source_dijkstra_path_length(
        tg, plant_node, weight=lambda a, b, d: float(length[d["e"]]))
    lift_bar = 1.5 + 2 * 150.0 * max(dist.values()) / 1e5
    pp.create_circ_pump_const_pressure(net, ret[plant_node], sup[plant_node], p_flow_bar=3.0
                                       + lift_bar, plift_bar=lift_bar, t_flow_k=t_sup,
                                       type="pt", name="plant")
    pp.create_circ_pump_const_mass_flow(net, ret[far], sup[far], p_flow_bar=3.0 + lift_bar,
                                        mdot_flow_kg_per_s=m_feedin, t_flow_k=348.15, type="t",
                                        name="feedin")
    return net
