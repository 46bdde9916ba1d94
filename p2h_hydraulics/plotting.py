"""Figures planners expect: network map, pressure diagram, temperature profile, site ranking.

Every function draws on an ``Axes`` it is given (or on a new ``matplotlib.figure.Figure``
without pyplot, so it works headless with any backend) and returns that ``Axes``; nothing is
shown. Values come straight from the ``Result`` tables (pressures in bar gauge, temperatures in
°C, distances in m along the pipes), so a test can read the plotted data back and compare it:

* ``plot_network_map``: one ``LineCollection`` of the pipes of one side, coloured by a result
  column (junction columns such as ``p_bar``/``t_c`` are averaged over a pipe's two ends; flow
  columns ``v_m_s``/``mdot_kg_s`` are drawn as magnitudes), with a colorbar; plant and feed-in
  nodes marked. The collection's ``p2h_ids`` attribute lists the pipe ids in drawing order.
* ``plot_pressure_diagram`` / ``plot_temperature_profile``: supply and return values along a path
  (default: plant → feed-in → critical consumer, shortest pipe paths by length,
  ``model.graph.pipe_path``), for the base case and the feed-in case; with the PN rating, the
  boiling limit p_sat(T) + margin, the minimum pressure and the Δp_min band above the return
  line (pressure) or T_supply,min (temperature). Lines carry labels ("supply (base)", …).
* ``plot_site_ranking``: candidate nodes coloured by their largest permitted capacity.

Text is drawn verbatim: names and ids from input files (and titles passed in) go through
``plain_text``, so a ``$`` in a name never starts matplotlib's mathtext (which would fail on
``$\frac$`` when the figure is saved, or typeset ``$x^2$``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["plot_network_map", "plot_pressure_diagram", "plot_temperature_profile",
           "plot_site_ranking", "diagram_path", "PathProfile", "new_axes", "plain_text"]

_ABS_COLUMNS = ("v_m_s", "mdot_kg_s", "mdot_t_h", "dp_pa", "dp_bar", "dp_friction_pa",
                "dp_friction_bar")
_LABELS = {"p_bar": "pressure [bar g]", "t_c": "temperature [°C]", "v_m_s": "|velocity| [m/s]",
           "mdot_kg_s": "|mass flow| [kg/s]", "r_pa_per_m": "specific pressure loss [Pa/m]",
           "t_in_c": "inlet temperature [°C]", "t_out_c": "outlet temperature [°C]",
           "q_loss_kw": "heat loss [kW]", "reynolds": "Reynolds number"}
_SUPPLY_COLOR, _RETURN_COLOR = "#c0392b", "#2e6da4"


def plain_text(text) -> str:
    """``text`` as matplotlib draws it verbatim: every ``$`` escaped (``\\$``), so text from
    inputs (names, ids) is never parsed as mathtext. Use it for every title, label, legend
    entry and annotation that can carry input text.

    Parameters
    ----------
    text : anything; converted with ``str``.

    Returns
    -------
    str : the text to hand to matplotlib.
    """
    return str(text).replace("$", "\\$")


def new_figure(figsize=(8.0, 5.0)):
    """A new ``Figure`` (no pyplot, no GUI) that can be written as PNG, SVG or PDF."""
    from matplotlib.figure import Figure

    from .io.pandapipes_lib import restore_matplotlib_renderer

    restore_matplotlib_renderer()  # if pandapipes was imported (SVG/PDF output would fail)
    return Figure(figsize=figsize, layout="constrained")


def new_axes(figsize=(8.0, 5.0)):
    """An ``Axes`` on a ``new_figure``."""
    return new_figure(figsize).add_subplot()


def _axes(ax, figsize=(8.0, 5.0)):
    return new_axes(figsize) if ax is None else ax


def _thresholds(thresholds):
    from .checks import Thresholds

    if thresholds is None:
        return Thresholds()
    if isinstance(thresholds, Thresholds):
        return thresholds
    return Thresholds.model_validate(thresholds)


# ------------------------------------------------------------------------------------------
# network map


def _pipe_sides(net, result) -> np.ndarray:
    if result is not None and "side" in result.pipes.columns:
        side = result.pipes["side"].reindex(net.pipes.index)
        if side.notna().all():
            return side.to_numpy(dtype=object)
    from .model.graph import junction_sides

    sides = junction_sides(net)
    return np.array([sides.get(j, "other") for j in net.pipes["from_junction"]], dtype=object)


def map_values(net, result, column: str, pipe_ids) -> np.ndarray:
    """Value per pipe of ``column`` (a pipe column, or a junction column averaged over the two
    ends); flow-like columns as magnitudes."""
    pipes = result.pipes
    if column in pipes.columns:
        vals = pipes[column].reindex(pipe_ids).to_numpy(dtype=float)
    elif column in result.junctions.columns:
        j = result.junctions[column]
        a = j.reindex(net.pipes.loc[pipe_ids, "from_junction"]).to_numpy(dtype=float)
        b = j.reindex(net.pipes.loc[pipe_ids, "to_junction"]).to_numpy(dtype=float)
        vals = 0.5 * (a + b)
    else:
        from .errors import P2HError

        cols = sorted(set(pipes.columns) | set(result.junctions.columns))
        raise P2HError(f"unknown result column {column!r} for the map; pipe or junction "
                       f"columns: {', '.join(map(str, cols))}")
    return np.abs(vals) if column in _ABS_COLUMNS else vals


def plot_network_map(net, result=None, column: str = "p_bar", side: str = "supply", ax=None,
                     feedin_nodes=None, mark_plant: bool = True, cmap: str = "viridis",
                     title: str | None = None, linewidth: float = 1.6):
    """Pipes of ``side`` ("supply" | "return" | "both") drawn at the junction coordinates,
    coloured by ``column`` of ``result`` (grey without a result), plant and feed-ins marked.

    ``feedin_nodes``: node or junction ids to mark as feed-in sites (default: the feed-ins of
    the result or of the network).
    """
    from matplotlib.collections import LineCollection

    ax = _axes(ax, (8.0, 7.0))
    if side not in ("supply", "return", "both"):
        from .errors import P2HError

        raise P2HError(f"side must be 'supply', 'return' or 'both', got {side!r}")
    pipes = net.pipes
    if "in_service" in pipes:
        pipes = pipes[pipes["in_service"].to_numpy(dtype=bool)]
    sides = _pipe_sides(net, result)
    if "in_service" in net.pipes:
        sides = sides[net.pipes["in_service"].to_numpy(dtype=bool)]
    keep = np.ones(len(pipes), dtype=bool) if side == "both" else (sides == side)
    pipes = pipes[keep]
    x, y = net.junctions["x_m"], net.junctions["y_m"]
    seg = np.stack([
        np.column_stack([x.reindex(pipes["from_junction"]).to_numpy(float),
                         y.reindex(pipes["from_junction"]).to_numpy(float)]),
        np.column_stack([x.reindex(pipes["to_junction"]).to_numpy(float),
                         y.reindex(pipes["to_junction"]).to_numpy(float)])], axis=1)
    coll = LineCollection(seg, linewidths=linewidth, capstyle="round")
    coll.p2h_ids = list(pipes.index)
    if result is not None:
        vals = map_values(net, result, column, pipes.index)
        coll.set_array(vals)
        coll.set_cmap(cmap)
        finite = vals[np.isfinite(vals)]
        if finite.size:
            coll.set_clim(float(finite.min()), float(finite.max()))
    else:
        coll.set_color("0.55")
    ax.add_collection(coll)
    if result is not None:
        cb = ax.figure.colorbar(coll, ax=ax, shrink=0.8)
        cb.set_label(plain_text(_LABELS.get(column, column)))
    if mark_plant:
        _mark_plants(ax, net)
    _mark_feedins(ax, net, result, feedin_nodes)
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.set_xlabel("x [m]")
    ax.set_ylabel("y [m]")
    name = net.settings.get("name", "")
    ax.set_title(plain_text(title if title is not None else
                            f"{name}: {side} side" + (f", {column}" if result is not None
                                                      else "")))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small")
    return ax


def _mark_plants(ax, net):
    from .model.graph import active

    pl = active(net.plants)
    if pl.empty:
        return
    j = net.junctions
    xs = j["x_m"].reindex(pl["supply_junction"]).to_numpy(float)
    ys = j["y_m"].reindex(pl["supply_junction"]).to_numpy(float)
    ax.scatter(xs, ys, marker="s", s=90, c="black", zorder=5, label="plant")


def _junction_of(net, ident: str, suffix: str = "_s") -> str | None:
    j = net.junctions.index
    if ident in j:
        return ident
    if f"{ident}{suffix}" in j:
        return f"{ident}{suffix}"
    return None


def _mark_feedins(ax, net, result, feedin_nodes):
    if feedin_nodes is None:
        src = result.feedins if result is not None and len(result.feedins) else net.feedins
        feedin_nodes = list(src["supply_junction"]) if len(src) else []
    elif isinstance(feedin_nodes, str):
        feedin_nodes = [feedin_nodes]
    js = [j for j in (_junction_of(net, str(n)) for n in feedin_nodes) if j is not None]
    if not js:
        return
    xs = net.junctions["x_m"].reindex(js).to_numpy(float)
    ys = net.junctions["y_m"].reindex(js).to_numpy(float)
    ax.scatter(xs, ys, marker="*", s=260, c="#f39c12", edgecolors="black", zorder=6,
               label="P2H feed-in")


# ------------------------------------------------------------------------------------------
# paths


@dataclass(frozen=True)
class PathProfile:
    """Junctions of a path on each side and their distance from the start [m]."""

    supply: list
    supply_m: np.ndarray
    ret: list
    ret_m: np.ndarray
    waypoints: tuple


def _path_graph(net):
    import networkx as nx

    from .model.graph import PIPE_LIKE, to_graph

    g = nx.Graph()
    for u, v, d in to_graph(net, kinds=PIPE_LIKE).edges(data=True):
        if not g.has_edge(u, v) or g[u][v]["weight"] > d["weight"]:
            g.add_edge(u, v, weight=d["weight"])
    return g


def _walk(g, stops: list) -> tuple[list, np.ndarray]:
    import networkx as nx

    from .errors import P2HError

    path = [stops[0]]
    for a, b in zip(stops[:-1], stops[1:], strict=True):
        if a == b:
            continue
        try:
            seg = nx.shortest_path(g, a, b, weight="weight")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            raise P2HError(f"no pipe path from junction '{a}' to '{b}'") from None
        path += seg[1:]
    dist = [0.0]
    for a, b in zip(path[:-1], path[1:], strict=True):
        dist.append(dist[-1] + float(g[a][b]["weight"]))
    return path, np.asarray(dist)


def _return_of(net, sup: str) -> str | None:
    """The return-side counterpart of a supply junction (trench form, consumer, feed-in,
    plant)."""
    if sup.endswith("_s") and f"{sup[:-2]}_r" in net.junctions.index:
        return f"{sup[:-2]}_r"
    for table, a, b in (("consumers", "supply_junction", "return_junction"),
                        ("feedins", "supply_junction", "return_junction"),
                        ("plants", "supply_junction", "return_junction")):
        df = net.table(table)
        hit = df[df[a] == sup] if len(df) else df
        if len(hit):
            return str(hit[b].iloc[0])
    return None


def diagram_path(net, base_result=None, feedin_result=None, path=None) -> PathProfile:
    """The path of the pressure/temperature diagrams.

    ``path``: waypoints (trench node ids or supply junction ids), joined by shortest pipe
    paths; default plant → feed-in (of ``feedin_result``) → critical consumer (smallest Δp in
    the feed-in case, else the base case). The return side follows the counterparts of the
    waypoints.
    """
    from .errors import P2HError
    from .model.graph import active

    if path is None:
        stops = []
        pl = active(net.plants)
        if len(pl):
            stops.append(str(pl["supply_junction"].iloc[0]))
        if feedin_result is not None and len(feedin_result.feedins):
            stops.append(str(feedin_result.feedins["supply_junction"].iloc[0]))
        res = feedin_result if feedin_result is not None else base_result
        if res is not None and len(res.consumers):
            c = res.consumers
            c = c[c["mdot_kg_s"] > 0] if (c["mdot_kg_s"] > 0).any() else c
            stops.append(str(c.loc[c["dp_pa"].idxmin(), "supply_junction"]))
        if len(stops) < 2:
            raise P2HError("cannot choose a diagram path: give path=[...] (node ids)")
    else:
        stops = []
        for w in path:
            j = _junction_of(net, str(w))
            if j is None:
                raise P2HError(f"path waypoint '{w}' is neither a junction nor a trench node")
            stops.append(j)
    g = _path_graph(net)
    sup, sup_m = _walk(g, stops)
    rets = [_return_of(net, s) for s in stops]
    if all(r is not None for r in rets):
        ret, ret_m = _walk(g, rets)
    else:
        ret, ret_m = [], np.zeros(0)
    return PathProfile(sup, sup_m, ret, ret_m, tuple(stops))


# ------------------------------------------------------------------------------------------
# pressure diagram and temperature profile


def _cases(base_result, feedin_result):
    out = []
    if base_result is not None:
        out.append(("base", base_result, "--"))
    if feedin_result is not None:
        out.append(("feed-in", feedin_result, "-"))
    return out


def _mark_waypoints(ax, net, prof: PathProfile):
    for j in prof.waypoints:
        if j in prof.supply:
            d = prof.supply_m[prof.supply.index(j)]
            ax.axvline(d, color="0.8", lw=0.8, zorder=0)
            ax.annotate(plain_text(_short(j)), (d, 0.01), xycoords=("data", "axes fraction"),
                        ha="left", va="bottom", rotation=90, fontsize="x-small", color="0.35")


def _finish_path_axes(ax, net, prof: PathProfile, ylabel: str, title: str):
    """Waypoints, labels, grid and legend of a plot along ``prof``; the path is kept on the
    Axes (``ax.p2h_path``)."""
    _mark_waypoints(ax, net, prof)
    ax.set_xlabel("distance along the path [m]")
    ax.set_ylabel(ylabel)
    ax.set_title(plain_text(f"{title}: " + " → ".join(_short(j) for j in prof.waypoints)))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    ax.p2h_path = prof
    return ax


def plot_pressure_diagram(net, base_result, feedin_result=None, path=None, thresholds=None,
                          ax=None, dp_min_bar: float | None = None):
    """Supply and return pressure [bar g] vs distance along ``path`` (``diagram_path``), base
    case dashed and feed-in case solid, with the PN line, the boiling limit p_sat(T) + margin
    along the supply path, the minimum pressure and the Δp_min band above the return line."""
    th = _thresholds(thresholds)
    ax = _axes(ax)
    prof = diagram_path(net, base_result, feedin_result, path)
    last = None
    for name, res, ls in _cases(base_result, feedin_result):
        p = res.junctions["p_bar"]
        ax.plot(prof.supply_m, p.reindex(prof.supply).to_numpy(float), ls, color=_SUPPLY_COLOR,
                label=f"supply ({name})")
        if prof.ret:
            ax.plot(prof.ret_m, p.reindex(prof.ret).to_numpy(float), ls, color=_RETURN_COLOR,
                    label=f"return ({name})")
        last = res
    x_all = np.concatenate([prof.supply_m, prof.ret_m])
    x0, x1 = float(x_all.min(initial=0.0)), float(x_all.max(initial=1.0))
    ax.plot([x0, x1], [th.pn_bar, th.pn_bar], ":", color="black", label=f"PN{th.pn_bar:g}")
    if last is not None:
        sat = last.junctions["p_sat_bar"].reindex(prof.supply).to_numpy(float)
        ax.plot(prof.supply_m, sat + th.p_sat_margin_bar, "-.", color="#8e44ad",
                label=f"p_sat + {th.p_sat_margin_bar:g} bar")
        ax.plot([x0, x1], [th.p_min_bar, th.p_min_bar], ":", color="#7f8c8d",
                label=f"p_min {th.p_min_bar:g} bar g")
        if prof.ret:
            dp = dp_min_bar if dp_min_bar is not None else (
                th.dp_min_bar if th.dp_min_bar is not None else _dp_min_bar(last))
            pr = last.junctions["p_bar"].reindex(prof.ret).to_numpy(float)
            ax.fill_between(prof.ret_m, pr, pr + dp, color=_RETURN_COLOR, alpha=0.15, lw=0,
                            label=f"Δp_min band ({dp:g} bar)")
    return _finish_path_axes(ax, net, prof, "pressure [bar g]", "pressure diagram")


def _dp_min_bar(res) -> float:
    c = res.consumers
    if len(c) and "dp_min_pa" in c:
        return float(np.nanmax(c["dp_min_pa"].to_numpy(float))) / 1e5
    return 0.5


def _short(j: str) -> str:
    return j[:-2] if j.endswith(("_s", "_r")) else j


def plot_temperature_profile(net, base_result, feedin_result=None, path=None, thresholds=None,
                             ax=None):
    """Supply and return temperature [°C] vs distance along the same path as the pressure
    diagram, base case dashed and feed-in case solid, with T_supply,min."""
    th = _thresholds(thresholds)
    ax = _axes(ax)
    prof = diagram_path(net, base_result, feedin_result, path)
    for name, res, ls in _cases(base_result, feedin_result):
        t = res.junctions["t_c"]
        ax.plot(prof.supply_m, t.reindex(prof.supply).to_numpy(float), ls, color=_SUPPLY_COLOR,
                label=f"supply ({name})")
        if prof.ret:
            ax.plot(prof.ret_m, t.reindex(prof.ret).to_numpy(float), ls, color=_RETURN_COLOR,
                    label=f"return ({name})")
    x_all = np.concatenate([prof.supply_m, prof.ret_m])
    x0, x1 = float(x_all.min(initial=0.0)), float(x_all.max(initial=1.0))
    ax.plot([x0, x1], [th.t_supply_min_c] * 2, ":", color="black",
            label=f"T_supply,min {th.t_supply_min_c:g} °C")
    return _finish_path_axes(ax, net, prof, "temperature [°C]", "temperature profile")


# ------------------------------------------------------------------------------------------
# site ranking


def plot_site_ranking(net, sites_result, ax=None, top: int = 10, cmap: str = "plasma",
                      title: str | None = None):
    """Candidate nodes at their coordinates, coloured by the largest permitted capacity [kW]
    (supply pipes in grey behind them); the ``top`` best are labelled with their rank. Nodes
    only screened (no capacity: not solved) are small hollow grey circles."""
    ax = plot_network_map(net, None, side="supply", ax=ax, mark_plant=True, feedin_nodes=[],
                          title="")
    tab = sites_result.table
    screened = (tab["method"] == "screened").to_numpy() if "method" in tab else np.zeros(
        len(tab), dtype=bool)
    if screened.any():
        rest = tab[screened]
        sc0 = ax.scatter(rest["x_m"].to_numpy(float), rest["y_m"].to_numpy(float), s=10,
                         facecolors="none", edgecolors="0.55", linewidths=0.6, zorder=3,
                         label="screened only (not solved)")
        sc0.p2h_screened_ids = list(rest.index)
        ax.legend(loc="best", fontsize="x-small")
        tab = tab[~screened]
    x, y = tab["x_m"].to_numpy(float), tab["y_m"].to_numpy(float)
    cap = tab["capacity_kw"].to_numpy(float)
    sc = ax.scatter(x, y, c=cap, cmap=cmap, s=28, edgecolors="black", linewidths=0.3,
                    zorder=4, vmin=0.0, vmax=max(float(np.nanmax(cap, initial=0.0)), 1e-9))
    sc.p2h_ids = list(tab.index)
    cb = ax.figure.colorbar(sc, ax=ax, shrink=0.8)
    cb.set_label("largest permitted feed-in [kW]")
    for _, row in tab.head(top).iterrows():
        ax.annotate(f"{int(row['rank'])}", (row["x_m"], row["y_m"]), xytext=(4, 4),
                    textcoords="offset points", fontsize="x-small", weight="bold")
    ax.set_title(plain_text(
        title if title is not None else
        f"site ranking: {getattr(sites_result, 'scenario', '')} "
        f"(search limit {getattr(sites_result, 'q_max_kw', float('nan')):.0f} kW)"))
    return ax
