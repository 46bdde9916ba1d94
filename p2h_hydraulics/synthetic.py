"""Synthetic district-heating networks: realistic test cases of any size, and tiny analytic ones.

``make_network`` lays out a two-pipe network in a local projected frame (metres):

* one **plant** at the west end of the **trunk main**, which runs east through the middle of
  the area; with a ring main (``ring_main``) two parallel trunk legs leave the plant and are
  closed into a ring at their east ends. Large networks get more parallel trunk legs fanning
  out of the plant (``trunk_legs``), so that no trench needs more than the largest catalogue
  DN (one leg carries ~75 MW at 3G);
* **sub-mains** leave every trunk column to the north and south along a column of the street
  grid; **streets** (rows 60–100 m apart) leave every sub-main node to the east and west;
* every consumer hangs on its own street tee by a **house connection** (service line) of
  10–40 m, alternating between both sides of the street;
* ``topology="meshed"`` adds loop-closing trenches: the ring main (east ends of neighbouring
  trunk legs), links between the facing sub-mains of neighbouring legs, links between the far
  ends of neighbouring outermost sub-mains (outer ring roads), links between the ends of streets
  that meet between two sub-main columns, and links between the ends of neighbouring parallel
  streets. Loops are trenches, so the supply and the return side get the same loops.

Loads are a mix of single-family houses (8–25 kW), apartment blocks (50–400 kW, more frequent
near the trunk) and a few large customers (250 kW–1.5 MW, at the start of a street), each drawn
lognormally and clipped. 3G networks run 80 °C supply with return setpoints of 50–60 °C; 4G
networks 65 °C with 30–40 °C (consumer control ``t_return``).

Pipe sizing: the design mass flow of every trench of the spanning tree is the sum of the design
flows ``Q/(c_p ΔT)`` of the consumers downstream (no simultaneity factor, since the solver runs
every consumer at its full ``q_w``); the trench gets the smallest catalogue DN whose velocity is
``<= v_max_m_s`` and whose specific pressure loss (Darcy–Weisbach, Swamee–Jain, k = 0.1 mm,
ρ = 975 kg/m³, μ = 3.8e-4 Pa s) is ``<= dp_max_pa_per_m``. Loop-closing trenches get the DN of
the smaller of their two ends.

The records use the trench form (``model.trench``): node ``N`` becomes junctions ``N_s``/``N_r``,
trench ``T`` becomes pipes ``T_s``/``T_r``. Ids: plant node ``plant``; trunk nodes ``T<i>``,
sub-main nodes ``M<i>``, street tees ``S<i>``, house nodes ``H<i>``, corner nodes of closures
``X<i>``; consumer ``C<i>`` sits on node ``H<i>``; trenches ``trunk<i>``, ``main<i>``,
``street<i>``, ``service<i>`` (named after the node they feed) and ``loop<i>`` / ``loop<i>a|b|c``.
Everything is drawn from ``numpy.random.default_rng(seed)``: the same arguments give the same
network.

The small helpers (``single_pipe_network``, ``line_network``, ``ring_network``,
``small_test_network``) build tiny networks in explicit two-pipe form for analytic tests.
"""

# size: one generator algorithm (layout, loads, loop closures, pipe sizing) and the small test
# networks that share its builders.

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .errors import ModelError
from .model.build import build_settings, build_table, network_from_records
from .model.catalogue import apply_catalogue, catalogue
from .model.network import Network
from .model.schema import REQUIRED, TABLES
from .model.validate import validate_network

__all__ = [
    "CP_DESIGN",
    "GENERATIONS",
    "RHO_DESIGN",
    "line_network",
    "make_network",
    "ring_network",
    "single_pipe_network",
    "size_dn",
    "small_test_network",
]

CP_DESIGN = 4190.0  # J/(kg K), design heat capacity
RHO_DESIGN = 975.0  # kg/m³, design density
MU_DESIGN = 3.8e-4  # Pa s, dynamic viscosity at ~75 °C
ROUGHNESS_M = 1e-4  # equivalent sand roughness used for sizing (the schema default)
ZERO_C = 273.15

# generation -> (supply temperature [K], range of return setpoints [K])
GENERATIONS: dict[str, tuple[float, tuple[float, float]]] = {
    "3g": (80.0 + ZERO_C, (50.0 + ZERO_C, 60.0 + ZERO_C)),
    "4g": (65.0 + ZERO_C, (30.0 + ZERO_C, 40.0 + ZERO_C)),
}

# node kinds of the spanning tree
_PLANT, _TRUNK, _MAIN, _STREET, _HOUSE = range(5)
_NODE_PREFIX = {_PLANT: "plant", _TRUNK: "T", _MAIN: "M", _STREET: "S", _HOUSE: "H"}
_TRENCH_PREFIX = {_TRUNK: "trunk", _MAIN: "main", _STREET: "street", _HOUSE: "service"}

# load classes: (median kW, lognormal sigma, min kW, max kW)
_LOADS_KW = {
    "house": (13.0, 0.30, 8.0, 25.0),
    "apartment": (130.0, 0.50, 50.0, 400.0),
    "large": (650.0, 0.45, 250.0, 1500.0),
}


# --------------------------------------------------------------------------------------------
# pipe sizing


def _swamee_jain(re: np.ndarray, rel_roughness: np.ndarray) -> np.ndarray:
    """Darcy friction factor: 64/Re (laminar, Re < 2300), Swamee–Jain otherwise."""
    re = np.maximum(re, 1e-9)
    turb = 0.25 / np.log10(rel_roughness / 3.7 + 5.74 / np.maximum(re, 2300.0) ** 0.9) ** 2
    return np.where(re < 2300.0, 64.0 / re, turb)


def size_dn(mdot_kg_s, dn_min: float | np.ndarray = 20.0, v_max_m_s: float = 1.5,
            dp_max_pa_per_m: float = 120.0, rho: float = RHO_DESIGN, mu: float = MU_DESIGN,
            roughness_m: float = ROUGHNESS_M) -> np.ndarray:
    """Smallest catalogue DN (>= ``dn_min``) carrying ``mdot_kg_s`` within both design limits.

    Limits: velocity ``<= v_max_m_s`` and specific pressure loss ``<= dp_max_pa_per_m``
    (Darcy–Weisbach with the Swamee–Jain friction factor). Flows too large for every catalogue
    size get the largest DN. Vectorised over ``mdot_kg_s`` (and ``dn_min``).

    Parameters
    ----------
    mdot_kg_s : float or array_like
        Design mass flow [kg/s].
    dn_min : float or array_like
        Smallest DN allowed.
    v_max_m_s : float
        Velocity limit [m/s].
    dp_max_pa_per_m : float
        Specific pressure-loss limit [Pa/m].
    rho, mu : float
        Density [kg/m³] and viscosity [Pa s] of the water.
    roughness_m : float
        Absolute roughness [m].

    Returns
    -------
    ndarray
        DN per flow.
    """
    cat = catalogue()
    dns = cat.index.to_numpy(dtype=float)
    d = cat["d_inner_m"].to_numpy(dtype=float)
    mdot = np.abs(np.atleast_1d(np.asarray(mdot_kg_s, dtype=float)))[:, None]
    area = math.pi * d**2 / 4.0
    v = mdot / (rho * area)
    re = 4.0 * mdot / (math.pi * d * mu)
    f = _swamee_jain(re, roughness_m / d)
    r = f / d * rho * v**2 / 2.0
    dn_min = np.broadcast_to(np.asarray(dn_min, dtype=float), mdot.shape[:1])[:, None]
    ok = (v <= v_max_m_s) & (r <= dp_max_pa_per_m) & (dns[None, :] >= dn_min)
    first = np.where(ok.any(axis=1), ok.argmax(axis=1), len(dns) - 1)
    return dns[first]


def _capacity_kg_s(v_max_m_s: float, dp_max_pa_per_m: float) -> float:
    """Largest design flow the largest catalogue DN carries within both limits."""
    lo, hi = 0.0, 1e6
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if _fits(mid, v_max_m_s, dp_max_pa_per_m):
            lo = mid
        else:
            hi = mid
    return lo


def _fits(mdot: float, v_max_m_s: float, dp_max_pa_per_m: float) -> bool:
    d = float(catalogue()["d_inner_m"].iloc[-1])
    v = mdot / (RHO_DESIGN * math.pi * d**2 / 4.0)
    re = 4.0 * mdot / (math.pi * d * MU_DESIGN)
    r = float(_swamee_jain(np.array([re]), np.array([ROUGHNESS_M / d]))[0]) / d * RHO_DESIGN \
        * v**2 / 2.0
    return v <= v_max_m_s and r <= dp_max_pa_per_m


def _mean_load_w(share_apartment: float, share_large: float) -> float:
    """Expected heat demand per consumer [W] of the load mix (at ``load_scale`` 1)."""
    z = np.random.default_rng(12345).standard_normal(4096)
    mean = {k: float(np.clip(med * np.exp(sig * z), lo, hi).mean()) * 1e3
            for k, (med, sig, lo, hi) in _LOADS_KW.items()}
    share_house = max(0.0, 1.0 - share_apartment - share_large)
    return (share_house * mean["house"] + share_apartment * mean["apartment"]
            + share_large * mean["large"])


# --------------------------------------------------------------------------------------------
# layout


def _row_structure(n_rows: int, legs: int) -> list[tuple]:
    """Lines of the street grid from south to north: ``("leg", leg)`` for a trunk leg and
    ``("row", leg, side, step)`` for a street row ``step`` rows north (side +1) or south (-1) of
    its leg. Legs are numbered from south to north; each gets a band of rows around it."""
    base, rest = divmod(n_rows, legs)
    lines: list[tuple] = []
    for leg in range(legs):
        r = base + (1 if leg < rest else 0)
        north = (r + 1) // 2
        lines += [("row", leg, -1, s) for s in range(r - north, 0, -1)]
        lines.append(("leg", leg))
        lines += [("row", leg, 1, s) for s in range(1, north + 1)]
    return lines


class _Tree:
    """Spanning tree in topological order (parent index < child index) plus extra nodes."""

    def __init__(self):
        self.x: list[np.ndarray] = []
        self.y: list[np.ndarray] = []
        self.parent: list[np.ndarray] = []
        self.kind: list[np.ndarray] = []
        self.size = 0

    def add(self, x, y, parent, kind) -> np.ndarray:
        x = np.atleast_1d(np.asarray(x, dtype=float))
        n = len(x)
        self.x.append(x)
        self.y.append(np.broadcast_to(np.asarray(y, dtype=float), (n,)).copy())
        self.parent.append(np.broadcast_to(np.asarray(parent, dtype=np.int64), (n,)).copy())
        self.kind.append(np.full(n, kind, dtype=np.int8))
        idx = np.arange(self.size, self.size + n)
        self.size += n
        return idx

    def arrays(self):
        return (np.concatenate(self.x), np.concatenate(self.y), np.concatenate(self.parent),
                np.concatenate(self.kind))


def _accumulate(parent: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Subtree sums over a tree in topological order (root at 0, parent < child)."""
    acc = values.astype(float).tolist()
    par = parent.tolist()
    for i in range(len(par) - 1, 0, -1):
        acc[par[i]] += acc[i]
    return np.asarray(acc)


def _layout(n: int, rng: np.random.Generator, legs: int, houses_per_street: float,
            street_spacing_m: tuple[float, float]):
    """Geometry and spanning tree of the street grid (before pruning and loops)."""
    n_half = max(1, math.ceil(n / houses_per_street))
    cells = math.ceil(n_half / 2)
    # about as wide as high: a column (two half-streets) is ~3.4 street spacings wide
    n_cols = max(1, round(math.sqrt(cells / 3.4)))
    n_rows = max(math.ceil(cells / n_cols), legs)
    lines = _row_structure(n_rows, legs)

    # y of every line (street rows and trunk legs), plant midway between the legs
    gaps = rng.uniform(*street_spacing_m, size=len(lines) - 1)
    y_lines = np.concatenate([[0.0], np.cumsum(gaps)])
    leg_y = {ln[1]: y_lines[i] for i, ln in enumerate(lines) if ln[0] == "leg"}
    y0 = float(np.mean(list(leg_y.values())))
    y_lines -= y0
    leg_y = {k: v - y0 for k, v in leg_y.items()}
    row_lines = [i for i, ln in enumerate(lines) if ln[0] == "row"]
    rows = [lines[i] for i in row_lines]
    n_rows = len(rows)
    row_y = y_lines[row_lines]
    row_leg = np.array([r[1] for r in rows])
    row_side = np.array([r[2] for r in rows])
    row_step = np.array([r[3] for r in rows])
    # room for house connections on each side of a row: 45 % of the gap to the next line
    below = np.array([y_lines[i] - y_lines[i - 1] if i > 0 else 100.0 for i in row_lines])
    above = np.array([y_lines[i + 1] - y_lines[i] if i + 1 < len(lines) else 100.0
                      for i in row_lines])
    room = {1: np.minimum(40.0, 0.45 * above), -1: np.minimum(40.0, 0.45 * below)}

    # consumers per half-street slot (column, row, direction west=0/east=1)
    n_slots = 2 * n_cols * n_rows
    if n >= n_slots:
        w = rng.uniform(0.4, 1.6, size=n_slots)
        counts = 1 + rng.multinomial(n - n_slots, w / w.sum())
    else:
        counts = np.zeros(n_slots, dtype=np.int64)
        counts[rng.choice(n_slots, size=n, replace=False)] = 1
    slot = np.repeat(np.arange(n_slots), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(n) - starts[slot]
    s_col, rem = np.divmod(slot, 2 * n_rows)
    s_row, s_dir01 = np.divmod(rem, 2)
    s_dir = 2 * s_dir01 - 1  # -1 west, +1 east

    # distance of each tee from its sub-main along the street
    step = np.where(pos == 0, rng.uniform(10.0, 25.0, n), rng.uniform(8.0, 15.0, n))
    cs = np.cumsum(step)
    first = starts[slot]
    offset = cs - (cs[first] - step[first])
    street_len = np.zeros(n_slots)
    np.maximum.at(street_len, slot, offset)
    street_len = street_len.reshape(n_cols, n_rows, 2)
    reach_w = street_len[:, :, 0].max(axis=1)
    reach_e = street_len[:, :, 1].max(axis=1)
    col_gap = rng.uniform(25.0, 45.0, size=max(n_cols - 1, 0))
    col_x = np.concatenate([[0.0], np.cumsum(reach_e[:-1] + col_gap + reach_w[1:])])
    # every leg starts west of the grid; the plant feeds the leg starts in a fan
    start_x = col_x[0] - reach_w[0] - rng.uniform(40.0, 80.0)
    spread = max(abs(v) for v in leg_y.values())
    plant_x = start_x - rng.uniform(100.0, 250.0) - 0.3 * spread

    tree = _Tree()
    root = tree.add(plant_x, 0.0, -1, _PLANT)[0]
    trunk = {}  # leg -> node index per column
    for leg in sorted(leg_y):
        prev = tree.add(start_x, leg_y[leg], root, _TRUNK)[0]
        idx = np.empty(n_cols, dtype=np.int64)
        for c in range(n_cols):
            idx[c] = tree.add(col_x[c], leg_y[leg], prev, _TRUNK)[0]
            prev = idx[c]
        trunk[leg] = idx

    # sub-main nodes, by increasing step so that parents come first
    main = np.empty((n_cols, n_rows), dtype=np.int64)
    row_parent = np.full(n_rows, -1)
    for j in range(n_rows):
        if row_step[j] > 1:
            row_parent[j] = next(k for k in range(n_rows) if row_leg[k] == row_leg[j]
                                 and row_side[k] == row_side[j]
                                 and row_step[k] == row_step[j] - 1)
    for j in np.argsort(row_step, kind="stable"):
        par = trunk[row_leg[j]] if row_parent[j] < 0 else main[:, row_parent[j]]
        main[:, j] = tree.add(col_x, row_y[j], par, _MAIN)

    # street tees: the first hangs on the sub-main node, the others on the previous tee
    base = tree.size
    tee_par = np.where(pos == 0, main[s_col, s_row], base + np.arange(n) - 1)
    tee_x = col_x[s_col] + s_dir * offset
    tees = tree.add(tee_x, row_y[s_row], tee_par, _STREET)

    # houses, alternating sides of the street (random start per slot)
    first_side = rng.choice([-1, 1], size=n_slots)
    side = first_side[slot] * np.where(pos % 2 == 0, 1, -1)
    room_h = np.where(side > 0, room[1][s_row], room[-1][s_row])
    service = rng.uniform(0.0, 1.0, n) * (room_h - 10.0) + 10.0
    house_x = tee_x + rng.uniform(-4.0, 4.0, n)
    houses = tree.add(house_x, row_y[s_row] + side * service, tees, _HOUSE)

    return dict(tree=tree, root=root, trunk=trunk, main=main, tees=tees, houses=houses,
                slot=slot, pos=pos, counts=counts, s_col=s_col, s_row=s_row, s_dir=s_dir,
                col_x=col_x, row_y=row_y, row_leg=row_leg, row_side=row_side,
                row_step=row_step, n_cols=n_cols, n_rows=n_rows, leg_y=leg_y)


# --------------------------------------------------------------------------------------------
# loads


def _draw_loads(rng, n, lay, share_apartment, share_large, load_scale) -> tuple[np.ndarray, ...]:
    """Heat demand [W] and load class (0 house, 1 apartment block, 2 large) per consumer."""
    step = lay["row_step"][lay["s_row"]]
    # apartment blocks cluster near the trunk: weight decays with the sub-main step
    scale = max(1.0, lay["row_step"].max() / 2.0)
    wgt = np.exp(-(step - 1) / scale)
    p_apt = np.clip(share_apartment * wgt / wgt.mean(), 0.0, 0.9) if n else wgt
    kind = np.where(rng.uniform(size=n) < p_apt, 1, 0)
    n_large = int(round(share_large * n))
    if n_large:
        # large customers sit at the start of streets (near the sub-mains) where possible
        order = np.lexsort((rng.uniform(size=n), lay["pos"] > 0))
        kind[order[:n_large]] = 2
    q_kw = np.empty(n)
    for k, name in enumerate(("house", "apartment", "large")):
        med, sigma, lo, hi = _LOADS_KW[name]
        sel = kind == k
        q_kw[sel] = np.clip(med * np.exp(sigma * rng.standard_normal(sel.sum())), lo, hi)
    q_w = np.round(q_kw * 1e3 * load_scale, -1)
    return np.maximum(q_w, 10.0), kind


# --------------------------------------------------------------------------------------------
# elevation


def _elevation(rng, x, y, base_m, range_m, n_hills):
    """Smooth terrain: a gentle tilted plane plus Gaussian hills, spanning base ± range."""
    if range_m == 0 or len(x) < 2:
        return np.full(len(x), float(base_m))
    x0, x1, y0, y1 = x.min(), x.max(), y.min(), y.max()
    diag = max(math.hypot(x1 - x0, y1 - y0), 1.0)
    ang = rng.uniform(0, 2 * math.pi)
    f = rng.uniform(0.5, 1.0) * ((x - x0) * math.cos(ang) + (y - y0) * math.sin(ang)) / diag
    for _ in range(n_hills):
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        width = rng.uniform(0.12, 0.35) * diag
        amp = rng.uniform(-1.0, 1.0)
        f = f + amp * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * width**2))
    span = f.max() - f.min()
    if span <= 0:
        return np.full(len(x), float(base_m))
    return base_m + range_m * (2.0 * (f - f.min()) / span - 1.0)


# --------------------------------------------------------------------------------------------
# loops


def _closure_candidates(lay, keep_new, x, y, rng, ring_main):
    """Loop-closure candidates by priority group: list of (a, b, corners[k, m, 2]) arrays."""
    n_cols, n_rows = lay["n_cols"], lay["n_rows"]
    row_leg, row_side, row_step, row_y = (lay["row_leg"], lay["row_side"], lay["row_step"],
                                          lay["row_y"])

    def kept(old):
        old = np.asarray(old)
        return np.where(old >= 0, keep_new[np.maximum(old, 0)], -1)

    legs = len(lay["trunk"])
    groups = []
    # ring main: east ends of neighbouring trunk legs, around the east end of the network
    if ring_main and legs > 1:
        ends_east = []
        for leg in range(legs):
            e = kept(lay["trunk"][leg])
            if (e >= 0).any():
                ends_east.append(e[e >= 0][-1])
        a, b = np.array(ends_east[:-1], dtype=np.int64), np.array(ends_east[1:], dtype=np.int64)
        xr = np.full(len(a), x.max() + 60.0)
        corners = np.stack([np.stack([xr, y[a]], axis=1), np.stack([xr, y[b]], axis=1)], axis=1)
        groups.append((a, b, corners))
    # sub-main ends: far end of every (column, leg, side) sub-main that still exists
    main = kept(lay["main"])  # (cols, rows)
    ends = {}
    for leg in range(legs):
        for sd in (-1, 1):
            rows = np.where((row_leg == leg) & (row_side == sd))[0]
            if not len(rows):
                continue
            rows = rows[np.argsort(row_step[rows])]
            m = main[:, rows]
            has = m >= 0
            last = np.where(has.any(axis=1), has.shape[1] - 1 - has[:, ::-1].argmax(axis=1), -1)
            end = np.where(last >= 0, m[np.arange(n_cols), np.maximum(last, 0)], -1)
            outer = row_y[rows[-1]] + sd * 50.0
            ends[(leg, sd)] = (end, outer)
    # middle links between the facing sub-mains of neighbouring legs (same column, straight)
    aa, bb = [], []
    for leg in range(legs - 1):
        if (leg, 1) in ends and (leg + 1, -1) in ends:
            a, b = ends[(leg, 1)][0], ends[(leg + 1, -1)][0]
            ok = (a >= 0) & (b >= 0)
            aa.append(a[ok])
            bb.append(b[ok])
    if aa:
        a, b = np.concatenate(aa), np.concatenate(bb)
        groups.append((a, b, np.zeros((len(a), 0, 2))))
    # outer ring roads between the far ends of neighbouring outermost sub-mains
    aa, bb, cc = [], [], []
    for key in ((0, -1), (legs - 1, 1)):
        if key not in ends:
            continue
        end, outer = ends[key]
        a, b = end[:-1], end[1:]
        ok = (a >= 0) & (b >= 0)
        a, b = a[ok], b[ok]
        corners = np.stack([np.stack([x[a], np.full(len(a), outer)], axis=1),
                            np.stack([x[b], np.full(len(b), outer)], axis=1)], axis=1)
        aa.append(a)
        bb.append(b)
        cc.append(corners)
    if aa:
        groups.append((np.concatenate(aa), np.concatenate(bb), np.concatenate(cc)))

    # street ends: last tee of every non-empty half-street slot
    counts = lay["counts"]
    last_tee = np.full(len(counts), -1, dtype=np.int64)
    nz = counts > 0
    last_of_slot = np.cumsum(counts) - 1
    last_tee[nz] = kept(lay["tees"][last_of_slot[nz]])
    grid = last_tee.reshape(n_cols, n_rows, 2)
    # streets meeting between two columns (east end of c, west end of c+1), straight
    a, b = grid[:-1, :, 1].ravel(), grid[1:, :, 0].ravel()
    ok = (a >= 0) & (b >= 0)
    street_pairs = [(a[ok], b[ok], np.zeros((ok.sum(), 0, 2)))]
    # neighbouring parallel streets of the same sub-main (steps s and s+1), around the ends
    pa, pb = [], []
    for j in range(n_rows):
        nxt = np.where((row_leg == row_leg[j]) & (row_side == row_side[j])
                       & (row_step == row_step[j] + 1))[0]
        if len(nxt):
            pa.append(grid[:, j, :].ravel())
            pb.append(grid[:, nxt[0], :].ravel())
    if pa:
        a, b = np.concatenate(pa), np.concatenate(pb)
        dirs = np.tile(np.array([-1.0, 1.0]), len(a) // 2)
        ok = (a >= 0) & (b >= 0)
        a, b, dirs = a[ok], b[ok], dirs[ok]
        far = np.where(dirs > 0, np.maximum(x[a], x[b]), np.minimum(x[a], x[b])) + dirs * 12.0
        corners = np.stack([np.stack([far, y[a]], axis=1), np.stack([far, y[b]], axis=1)],
                           axis=1)
        street_pairs.append((a, b, corners))
    return groups, street_pairs


def _select_closures(groups, street_pairs, k, rng):
    """Pick ``k`` closures: priority groups first (shuffled within), then street links."""
    chosen = []
    for a, b, c in groups:
        order = rng.permutation(len(a))
        for i in order:
            if len(chosen) >= k:
                return chosen
            chosen.append((int(a[i]), int(b[i]), c[i]))
    pool = [(int(a[i]), int(b[i]), c[i]) for a, b, c in street_pairs for i in range(len(a))]
    for i in rng.permutation(len(pool)):
        if len(chosen) >= k:
            break
        chosen.append(pool[int(i)])
    return chosen


# --------------------------------------------------------------------------------------------
# public generator


def make_network(n_consumers: int, topology: str = "radial", seed: int = 0,
                 generation: str = "3g", *, load_scale: float = 1.0,
                 ring_main: bool | None = None, trunk_legs: int | None = None,
                 loop_fraction: float = 0.06,
                 n_loops: int | None = None, t_supply_k: float | None = None,
                 t_return_k: tuple[float, float] | None = None,
                 share_apartment: float = 0.22, share_large: float = 0.015,
                 houses_per_street: float = 8.0,
                 street_spacing_m: tuple[float, float] = (60.0, 100.0),
                 elevation_base_m: float = 30.0, elevation_range_m: float = 15.0,
                 n_hills: int = 4, series: str = "S2", v_max_m_s: float = 1.5,
                 dp_max_pa_per_m: float = 120.0, dn_min_service: float = 25.0,
                 dn_min_main: float = 40.0, p_return_pa: float = 2.5e5,
                 lift_start_pa: float = 3e5, dp_min_pa: float = 0.5e5,
                 t_soil_k: float = 283.15, name: str | None = None,
                 description: str | None = None,
                 as_records: bool = False, validate: bool = True) -> Network | dict:
    """A realistic synthetic two-pipe district-heating network with ``n_consumers`` consumers.

    Parameters (SI units; temperatures in K):

    - ``topology``: ``"radial"`` (a tree, no loops) or ``"meshed"`` (loop closures added).
    - ``seed``: everything random comes from ``numpy.random.default_rng(seed)``.
    - ``generation``: ``"3g"`` (80 °C supply, 50–60 °C return setpoints) or ``"4g"``
      (65 °C, 30–40 °C); ``t_supply_k`` / ``t_return_k`` (lo, hi) override them.
    - ``load_scale``: factor on every heat demand; ``share_apartment`` / ``share_large``: shares
      of apartment blocks and large customers (the rest are single-family houses).
    - ``ring_main``: lay (at least) two trunk legs and close them into a ring at their east
      ends (default: yes for meshed, never for radial; the ring is always closed).
      ``loop_fraction``: loop closures per spanning-tree trench (meshed only; the default 0.06
      makes ≈ 6 % of the trenches close a loop); ``n_loops`` sets the count instead (the ring
      main counts). Ring main, links between legs and outer ring roads are used first (in
      random order), then links between street ends. If there are not enough candidates
      (small networks), fewer loops are made.
    - ``houses_per_street``: mean consumers per half-street; ``street_spacing_m``: range of the
      distance between parallel streets.
    - ``elevation_base_m`` ± ``elevation_range_m``: smooth terrain (tilt + ``n_hills`` hills).
    - sizing: ``series`` (catalogue insulation series), ``v_max_m_s``, ``dp_max_pa_per_m``,
      ``dn_min_service`` (house connections), ``dn_min_main`` (all other trenches).
    - plant: control ``critical_point``, ``p_return_pa`` (pressurisation), ``lift_start_pa``;
      consumers: control ``t_return`` with ``dp_min_pa``.
    - ``as_records``: return the native document in trench form instead (``{"format",
      "version", "settings", "nodes", "trenches", "consumers", "plants"}``, lists of plain
      dicts) for callers who want to mutate it; build it with
      ``io.native_json.network_from_document`` or dump it as a native JSON file.
    - ``trunk_legs``: number of trunk mains leaving the plant (default: enough that the
      design flow of each fits the largest catalogue DN within the limits, i.e. one leg up to
      ~1,400 consumers at ``load_scale`` 1 and 3G; at least two with a ring main).
    - ``name`` / ``description`` / ``t_soil_k``: settings of the network.
    - ``validate``: run the structural validation when building the network.

    Returns
    -------
    Network or dict
        The network, or the native document in trench form with ``as_records=True``.
    """
    n = int(n_consumers)
    if n < 1:
        raise ValueError("n_consumers must be at least 1")
    if topology not in ("radial", "meshed"):
        raise ValueError(f"topology must be 'radial' or 'meshed', got {topology!r}")
    gen = str(generation).lower()
    if gen not in GENERATIONS:
        raise ValueError(f"generation must be one of {', '.join(GENERATIONS)}, got {generation!r}")
    if topology == "radial" and (ring_main or n_loops):
        raise ValueError("a radial network has no loops: use topology='meshed' for ring_main / "
                         "n_loops")
    if ring_main is None:
        ring_main = topology == "meshed"
    t_sup = float(t_supply_k if t_supply_k is not None else GENERATIONS[gen][0])
    t_ret_lo, t_ret_hi = t_return_k if t_return_k is not None else GENERATIONS[gen][1]
    if not t_ret_lo <= t_ret_hi < t_sup:
        raise ValueError("return setpoints must satisfy lo <= hi < supply temperature")

    rng = np.random.default_rng(seed)
    if trunk_legs is None:
        mean_flow = _mean_load_w(share_apartment, share_large) * load_scale / (
            CP_DESIGN * (t_sup - 0.5 * (t_ret_lo + t_ret_hi)))
        cap = _capacity_kg_s(v_max_m_s, dp_max_pa_per_m)
        legs = max(2 if ring_main else 1, math.ceil(n * mean_flow / (0.8 * cap)))
    else:
        legs = int(trunk_legs)
        if legs < 1 or (ring_main and legs < 2):
            raise ValueError("trunk_legs must be >= 1 (>= 2 with a ring main)")
    lay = _layout(n, rng, legs, houses_per_street, street_spacing_m)
    x, y, parent, kind = lay["tree"].arrays()
    length = np.hypot(x - x[np.maximum(parent, 0)], y - y[np.maximum(parent, 0)])

    # consumers: loads, return setpoints, design flows
    q_w, _ = _draw_loads(rng, n, lay, share_apartment, share_large, load_scale)
    t_ret = np.round(rng.uniform(t_ret_lo, t_ret_hi, n), 1)
    mdot = q_w / (CP_DESIGN * (t_sup - t_ret))

    # prune branches without consumers; accumulate design flows
    houses = lay["houses"]
    ones = np.zeros(len(x))
    ones[houses] = 1.0
    keep = _accumulate(parent, ones) > 0
    keep[0] = True
    keep_new = np.cumsum(keep) - 1
    keep_new[~keep] = -1
    x, y, kind, length = x[keep], y[keep], kind[keep], length[keep]
    parent = keep_new[parent[keep]]
    parent[0] = -1
    houses = keep_new[houses]
    flow = np.zeros(len(x))
    flow[houses] = mdot
    flow = _accumulate(parent, flow)

    dn_node = np.full(len(x), np.nan)
    tree_nodes = np.arange(1, len(x))
    dn_min = np.where(kind[tree_nodes] == _HOUSE, dn_min_service, dn_min_main)
    dn_node[tree_nodes] = size_dn(flow[tree_nodes], dn_min, v_max_m_s, dp_max_pa_per_m)

    # loop closures
    n_tree = len(tree_nodes)
    if topology == "meshed":
        k = int(n_loops) if n_loops is not None else int(round(loop_fraction * n_tree))
        groups, street_pairs = _closure_candidates(lay, keep_new, x, y, rng, ring_main)
        if ring_main and groups:
            k = max(k, len(groups[0][0]))  # the ring main is always closed
        closures = _select_closures(groups, street_pairs, k, rng)
    else:
        closures = []

    # node ids per kind
    ids = np.empty(len(x), dtype=object)
    ids[0] = "plant"
    for kd in (_TRUNK, _MAIN, _STREET, _HOUSE):
        sel = np.where(kind == kd)[0]
        pre = _NODE_PREFIX[kd]
        ids[sel] = [f"{pre}{i}" for i in range(len(sel))]
    house_ids = ids[houses]

    # closure trenches (polylines through corner nodes)
    cx, cy, cid = [], [], []
    loop_trenches = []
    for i, (a, b, corners) in enumerate(closures):
        pts = [ids[a]]
        for px, py in corners:
            cid.append(f"X{len(cx)}")
            cx.append(px)
            cy.append(py)
            pts.append(cid[-1])
        pts.append(ids[b])
        xy = [(x[a], y[a]), *[(px, py) for px, py in corners], (x[b], y[b])]
        dn = max(dn_min_main, float(np.nanmin([dn_node[a], dn_node[b]])))
        seg_names = [f"loop{i}"] if len(pts) == 2 else [f"loop{i}{'abc'[s]}"
                                                        for s in range(len(pts) - 1)]
        for s, tid in enumerate(seg_names):
            seg = math.hypot(xy[s + 1][0] - xy[s][0], xy[s + 1][1] - xy[s][1])
            loop_trenches.append((tid, pts[s], pts[s + 1], seg, dn))

    all_x = np.concatenate([x, np.asarray(cx, dtype=float)])
    all_y = np.concatenate([y, np.asarray(cy, dtype=float)])
    all_ids = list(ids) + cid
    z = _elevation(rng, all_x, all_y, elevation_base_m, elevation_range_m, n_hills)

    # columns (rounded once, shared by the records and the fast path)
    t_ids = np.empty(n_tree, dtype=object)
    t_kind = kind[tree_nodes]
    for kd, pre in _TRENCH_PREFIX.items():
        sel = np.where(t_kind == kd)[0]
        t_ids[sel] = [pre + ids[tree_nodes[j]][len(_NODE_PREFIX[kd]):] for j in sel]
    lt = list(zip(*loop_trenches, strict=True)) if loop_trenches else [(), (), (), (), ()]
    cols = {
        "node_id": all_ids,
        "x_m": np.round(all_x, 2), "y_m": np.round(all_y, 2), "elevation_m": np.round(z, 2),
        "trench_id": t_ids.tolist() + list(lt[0]),
        "from_node": ids[parent[tree_nodes]].tolist() + list(lt[1]),
        "to_node": ids[tree_nodes].tolist() + list(lt[2]),
        "length_m": np.maximum(np.round(np.concatenate(
            [length[tree_nodes], np.asarray(lt[3], dtype=float)]), 2), 0.5),
        "dn": np.concatenate([dn_node[tree_nodes], np.asarray(lt[4], dtype=float)]),
        "consumer_id": [f"C{h[1:]}" for h in house_ids],
        "consumer_node": house_ids.tolist(),
        "q_w": q_w, "t_return_k": t_ret,
    }
    plant = {"id": "plant", "node": "plant", "t_supply_k": t_sup, "p_return_pa": p_return_pa,
             "control": "critical_point", "lift_pa": lift_start_pa,
             "mdot_design_kg_s": round(float(mdot.sum()), 4)}
    name = name or f"synthetic_{gen}_{topology}_{n}_seed{seed}"
    auto = (f"synthetic {gen.upper()} {topology} network, {n} consumers, seed {seed} "
            "(p2h_hydraulics.synthetic.make_network)")
    settings = {"name": name, "t_soil_k": t_soil_k,
                "description": f"{description} — {auto}" if description else auto}
    if as_records:
        return _records(cols, plant, settings, series, dp_min_pa)
    return _fast_network(cols, plant, settings, series, dp_min_pa, validate)


def _records(cols, plant, settings, series, dp_min_pa) -> dict:
    """The native document (trench form) of the generated columns."""
    nodes = [{"id": i, "x_m": a, "y_m": b, "elevation_m": c}
             for i, a, b, c in zip(cols["node_id"], cols["x_m"].tolist(), cols["y_m"].tolist(),
                                   cols["elevation_m"].tolist(), strict=True)]
    trenches = [{"id": t, "from_node": a, "to_node": b, "length_m": ln, "dn": d,
                 "series": series}
                for t, a, b, ln, d in zip(cols["trench_id"], cols["from_node"], cols["to_node"],
                                          cols["length_m"].tolist(), cols["dn"].tolist(),
                                          strict=True)]
    consumers = [{"id": c, "node": h, "q_w": q, "control": "t_return", "t_return_k": t,
                  "dp_min_pa": dp_min_pa}
                 for c, h, q, t in zip(cols["consumer_id"], cols["consumer_node"],
                                       cols["q_w"].tolist(), cols["t_return_k"].tolist(),
                                       strict=True)]
    return {"format": "p2h-network", "version": 1, "settings": dict(settings), "nodes": nodes,
            "trenches": trenches, "consumers": consumers, "plants": [dict(plant)]}


def _frame(table: str, ids: list, given: dict) -> pd.DataFrame:
    """A canonical element table as ``model.build.build_table`` makes it from valid records:
    schema column order, given columns (SI) or the schema defaults, the same dtypes."""
    n = len(ids)
    data = {}
    for a in TABLES[table]:
        if a.name == "id":
            continue
        if a.name in given:
            v = given[a.name]
            col = np.asarray(v) if not np.isscalar(v) else np.full(n, v, dtype=object)
        elif a.default is REQUIRED:
            raise KeyError(f"{table}.{a.name} is required")
        else:
            col = np.full(n, a.default, dtype=object)
        if a.kind == "float":
            col = np.asarray(col, dtype=np.float64)
        elif a.kind == "bool":
            col = np.asarray(col, dtype=bool)
        else:
            col = np.asarray(col, dtype=object)
        data[a.name] = col
    df = pd.DataFrame(data, index=pd.Index(list(ids), dtype=object, name="id"))
    return df


def _interleave(a, b) -> list:
    out = [None] * (2 * len(a))
    out[0::2] = a
    out[1::2] = b
    return out


def _fast_network(cols, plant, settings, series, dp_min_pa, validate) -> Network:
    """The network of the generated columns, built vectorised.

    Equivalent to ``network_from_records`` on ``_records(...)`` (trench expansion, canonical
    tables, catalogue, validation) without the per-record conversion, which dominates the
    build time of large networks; ``tests/unit/test_synthetic.py`` checks the equality.
    """
    problems: list = []
    nid = cols["node_id"]
    j_ids = _interleave([f"{i}_s" for i in nid], [f"{i}_r" for i in nid])
    junctions = _frame("junctions", j_ids, {k: np.repeat(cols[k], 2)
                                            for k in ("x_m", "y_m", "elevation_m")})
    tid, fr, to = cols["trench_id"], cols["from_node"], cols["to_node"]
    p_ids = _interleave([f"{t}_s" for t in tid], [f"{t}_r" for t in tid])
    pipes = _frame("pipes", p_ids, {
        "from_junction": _interleave([f"{a}_s" for a in fr], [f"{b}_r" for b in to]),
        "to_junction": _interleave([f"{b}_s" for b in to], [f"{a}_r" for a in fr]),
        "length_m": np.repeat(cols["length_m"], 2), "dn": np.repeat(cols["dn"], 2),
        "series": series})
    cn = cols["consumer_node"]
    consumers = _frame("consumers", cols["consumer_id"], {
        "supply_junction": [f"{h}_s" for h in cn], "return_junction": [f"{h}_r" for h in cn],
        "q_w": cols["q_w"], "control": "t_return", "t_return_k": cols["t_return_k"],
        "dp_min_pa": float(dp_min_pa)})
    p = {k: v for k, v in plant.items() if k not in ("id", "node")}
    plants = _frame("plants", [plant["id"]], {
        "return_junction": f"{plant['node']}_r", "supply_junction": f"{plant['node']}_s",
        **{k: float(v) if not isinstance(v, str) else v for k, v in p.items()}})
    built = {"junctions": junctions, "pipes": pipes, "consumers": consumers, "plants": plants}
    for table in TABLES:
        if table not in built:
            built[table] = build_table(table, [], None, problems)
    net = Network(**built, settings=build_settings(settings, None, problems))
    net = apply_catalogue(net, problems)
    if problems:
        raise ModelError(problems)
    if validate:
        validate_network(net)
    return net


# --------------------------------------------------------------------------------------------
# tiny networks for analytic tests (explicit two-pipe form)


def _two_pipe(nodes, trenches, consumers, plant_node, *, t_supply_k, p_return_pa,
              plant_control, lift_pa, p_supply_pa, d_inner_m, roughness_m, u_w_per_mk, zeta,
              consumer_control, t_return_k, dp_min_pa, t_soil_k, name, validate):
    """Network from nodes {id: (x, y, z)}, trenches [(id, a, b, length)], consumers
    [(id, node, q_w)]; supply pipe ``<t>_s`` a→b, return pipe ``<t>_r`` b→a."""
    junctions = []
    for nid, (x, y, z) in nodes.items():
        for sfx in ("_s", "_r"):
            junctions.append({"id": f"{nid}{sfx}", "x_m": x, "y_m": y, "elevation_m": z})
    pipes = []
    for tid, a, b, ln in trenches:
        base = {"length_m": ln, "d_inner_m": d_inner_m, "roughness_m": roughness_m,
                "u_w_per_mk": u_w_per_mk, "zeta": zeta}
        pipes.append({"id": f"{tid}_s", "from_junction": f"{a}_s", "to_junction": f"{b}_s",
                      **base})
        pipes.append({"id": f"{tid}_r", "from_junction": f"{b}_r", "to_junction": f"{a}_r",
                      **base})
    cons = []
    for cid, node, q in consumers:
        rec = {"id": cid, "supply_junction": f"{node}_s", "return_junction": f"{node}_r",
               "q_w": q, "control": consumer_control, "dp_min_pa": dp_min_pa}
        if consumer_control == "t_return":
            rec["t_return_k"] = t_return_k
        elif consumer_control == "delta_t":
            rec["delta_t_k"] = t_supply_k - t_return_k
        elif consumer_control == "mdot":
            rec["mdot_kg_s"] = q / (CP_DESIGN * (t_supply_k - t_return_k))
        else:
            raise ValueError(f"unknown consumer control {consumer_control!r}")
        cons.append(rec)
    plant = {"id": "plant", "return_junction": f"{plant_node}_r",
             "supply_junction": f"{plant_node}_s", "t_supply_k": t_supply_k,
             "p_return_pa": p_return_pa, "control": plant_control, "lift_pa": lift_pa}
    if p_supply_pa is not None:
        plant["p_supply_pa"] = p_supply_pa
    tables = {"junctions": junctions, "pipes": pipes, "consumers": cons, "plants": [plant]}
    return network_from_records(tables, {"name": name, "t_soil_k": t_soil_k}, validate=validate)


_TINY_DEFAULTS = dict(t_supply_k=353.15, t_return_k=323.15, p_return_pa=2.5e5,
                      plant_control="critical_point", lift_pa=3e5, p_supply_pa=None,
                      d_inner_m=0.1071, roughness_m=1e-4, u_w_per_mk=0.0, zeta=0.0,
                      consumer_control="t_return", dp_min_pa=0.5e5, t_soil_k=283.15,
                      validate=True)


def single_pipe_network(length_m: float = 100.0, q_w: float = 100e3, dz_m: float = 0.0,
                        **kw) -> Network:
    """Plant at node ``A`` — one trench ``P`` of ``length_m`` — one consumer ``C`` at ``B``.

    Junctions ``A_s, A_r, B_s, B_r``; supply pipe ``P_s`` (A_s→B_s), return pipe ``P_r``
    (B_r→A_r), both with the same geometry. ``B`` lies ``dz_m`` above ``A``. Keyword options
    (defaults for analytic work): ``t_supply_k=353.15``, ``t_return_k=323.15``,
    ``p_return_pa=2.5e5``, ``plant_control="critical_point"`` (or "lift"/"p_supply" with
    ``lift_pa``/``p_supply_pa``), ``lift_pa=3e5``, ``d_inner_m=0.1071`` (DN100),
    ``roughness_m=1e-4``, ``u_w_per_mk=0`` (no heat loss), ``zeta=0``,
    ``consumer_control="t_return"`` (or "delta_t"/"mdot", derived from the two temperatures),
    ``dp_min_pa=0.5e5``, ``t_soil_k=283.15``, ``validate=True``.

    Parameters
    ----------
    length_m : float
        Trench length [m].
    q_w : float
        Consumer heat demand [W].
    dz_m : float
        Height of ``B`` above ``A`` [m].
    **kw
        The options listed above.

    Returns
    -------
    Network
        The network.
    """
    opts = {**_TINY_DEFAULTS, **kw}
    nodes = {"A": (0.0, 0.0, 0.0), "B": (float(length_m), 0.0, float(dz_m))}
    return _two_pipe(nodes, [("P", "A", "B", length_m)], [("C", "B", q_w)], "A",
                     name="single_pipe", **opts)


def line_network(n: int = 3, length_m: float = 100.0, q_w: float = 50e3,
                 consumers: str = "end", **kw) -> Network:
    """A straight line of ``n`` trenches ``P1..Pn`` between nodes ``N0..Nn``, plant at ``N0``.

    ``consumers="end"``: one consumer ``C{n}`` at ``Nn``; ``"all"``: a consumer ``C{i}`` at every
    node ``N1..Nn`` (each ``q_w``). Supply pipes ``P{i}_s`` run N{i-1}_s→N{i}_s, return pipes
    ``P{i}_r`` N{i}_r→N{i-1}_r. Other options as for ``single_pipe_network``.

    Parameters
    ----------
    n : int
        Number of trenches.
    length_m : float
        Length of each trench [m].
    q_w : float
        Heat demand of each consumer [W].
    consumers : str
        "end" or "all".
    **kw
        Options of ``single_pipe_network``.

    Returns
    -------
    Network
        The network.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    if consumers not in ("end", "all"):
        raise ValueError("consumers must be 'end' or 'all'")
    opts = {**_TINY_DEFAULTS, **kw}
    nodes = {f"N{i}": (i * float(length_m), 0.0, 0.0) for i in range(n + 1)}
    trenches = [(f"P{i}", f"N{i - 1}", f"N{i}", length_m) for i in range(1, n + 1)]
    at = range(1, n + 1) if consumers == "all" else [n]
    return _two_pipe(nodes, trenches, [(f"C{i}", f"N{i}", q_w) for i in at], "N0",
                     name=f"line_{n}", **opts)


def ring_network(n_nodes: int = 4, length_m: float = 100.0, q_w: float = 100e3,
                 consumer_nodes: tuple[int, ...] | None = None, **kw) -> Network:
    """A ring of ``n_nodes`` nodes ``N0..N{n-1}`` joined by ``n_nodes`` equal trenches.

    Trench ``P{i}`` runs N{i}→N{(i+1) % n}; the plant sits at ``N0`` and, by default, one
    consumer ``C{k}`` sits at the opposite node ``k = n_nodes // 2`` (with an even ``n_nodes``
    both ways round are equally long, so the flow splits in halves). ``consumer_nodes`` puts a
    consumer (``q_w`` each) on other nodes. The supply and the return side each form one loop.
    Other options as for ``single_pipe_network``.

    Parameters
    ----------
    n_nodes : int
        Nodes (and trenches) of the ring.
    length_m : float
        Length of each trench [m].
    q_w : float
        Heat demand of each consumer [W].
    consumer_nodes : tuple of int, optional
        Nodes with a consumer (default: the node opposite the plant).
    **kw
        Options of ``single_pipe_network``.

    Returns
    -------
    Network
        The network.
    """
    if n_nodes < 3:
        raise ValueError("a ring needs at least 3 nodes")
    opts = {**_TINY_DEFAULTS, **kw}
    radius = n_nodes * float(length_m) / (2 * math.pi)
    nodes = {}
    for i in range(n_nodes):
        ang = 2 * math.pi * i / n_nodes
        nodes[f"N{i}"] = (radius * math.cos(ang), radius * math.sin(ang), 0.0)
    trenches = [(f"P{i}", f"N{i}", f"N{(i + 1) % n_nodes}", length_m) for i in range(n_nodes)]
    at = consumer_nodes if consumer_nodes is not None else (n_nodes // 2,)
    if any(not 0 < k < n_nodes for k in at):
        raise ValueError("consumer nodes must be between 1 and n_nodes - 1")
    return _two_pipe(nodes, trenches, [(f"C{k}", f"N{k}", q_w) for k in at], "N0",
                     name=f"ring_{n_nodes}", **opts)


def small_test_network(kind: str = "line", **kw) -> Network:
    """One of the tiny analytic networks: ``"single"`` (``single_pipe_network``), ``"line"``
    (``line_network``), ``"ring"`` (``ring_network``), or ``"synthetic"`` (a 10-consumer
    radial ``make_network``; ``n_consumers``/``seed``/… may be given).

    Parameters
    ----------
    kind : str
        "single", "line", "ring" or "synthetic".
    **kw
        Options of the network builder.

    Returns
    -------
    Network
        The network.
    """
    if kind == "single":
        return single_pipe_network(**kw)
    if kind == "line":
        return line_network(**kw)
    if kind == "ring":
        return ring_network(**kw)
    if kind == "synthetic":
        return make_network(**{"n_consumers": 10, **kw})
    raise ValueError(f"unknown kind {kind!r}: use single, line, ring or synthetic")
