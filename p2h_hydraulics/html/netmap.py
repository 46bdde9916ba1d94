"""The interactive network map shared by every view (plotly figure in the network's own
projected coordinates, metres; a network read from WGS 84 GeoJSON keeps degrees, which are
projected to metres for display: ``display_projection``).

Supply pipes are drawn as lines coloured by a result chosen with the buttons above the map
(pressure, temperature, velocity, Δp margin, and — when a result without the feed-in is given —
the change of flow direction the feed-in causes). A line trace cannot change colour along its
length, so each quantity's values are split into ``N_BINS`` equal bins, one line trace per bin
(plus one grey trace for pipes without a value); a marker at each pipe's midpoint carries the
exact value, the colour bar and the hover label (id and key values with units). Consumers,
plants and P2H feed-in units are separate marker traces with their own symbols; marked
elements (e.g. a check's violations) get a red cross; the last trace is the highlight that the
search box and the ranking table move.

``map_figure`` returns the figure and ``extra``: ``items`` (``[id, x, y, trace, point, kind]``
for the search box), ``highlight`` (index of the highlight trace) and ``traces`` (index of each
named trace, for tests and scripts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .page import esc, num

__all__ = ["map_figure", "MapMark", "QUANTITIES", "N_BINS", "locate", "supply_pipes",
           "display_projection", "Projection"]

N_BINS = 8
# key, button label, colour-bar title
QUANTITIES = (("p_bar", "pressure", "pressure [bar g]"),
              ("t_c", "temperature", "temperature [°C]"),
              ("v_m_s", "velocity", "|velocity| [m/s]"),
              ("dp_margin_bar", "Δp margin", "Δp supply − return − Δp_min [bar]"),
              ("direction", "flow direction", "flow with the feed-in"))
_DIRECTIONS = ("same direction", "reversed by the feed-in", "stagnant")
_DIR_COLORS = ("#2e86c1", "#e74c3c", "#95a5a6")
_GREY = "#b8b8b8"
_V_STAGNANT_M_S = 0.005


@dataclass(frozen=True)
class MapMark:
    """An element to mark on the map (red cross): its id, a label and the hover text."""

    element: str
    label: str
    text: str = ""


@dataclass
class _Traces:
    data: list = field(default_factory=list)
    names: dict = field(default_factory=dict)
    items: list = field(default_factory=list)

    def add(self, name: str, trace) -> int:
        self.data.append(trace)
        self.names[name] = len(self.data) - 1
        return len(self.data) - 1


_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Projection:
    """Local equirectangular projection of geographic coordinates (degrees) about
    ``lon0_deg``/``lat0_deg`` on a sphere (radius 6,371,008.8 m): within 0.1 % over a district
    of a few kilometres, for display only (lengths come from the network's pipes)."""

    lon0_deg: float
    lat0_deg: float

    def __call__(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        k = np.pi / 180.0 * _EARTH_RADIUS_M
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        return ((lon - self.lon0_deg) * k * np.cos(np.radians(self.lat0_deg)),
                (lat - self.lat0_deg) * k)

    def label(self) -> str:
        return (f"WGS 84 degrees projected to metres about {self.lon0_deg:.4f}° E, "
                f"{self.lat0_deg:.4f}° N")


def display_projection(net) -> Projection | None:
    """None for a network in projected coordinates (metres); for a geographic CRS
    (``settings['crs']`` EPSG:4326, OGC:CRS84 or another geographic EPSG code, as the GeoJSON
    reader keeps it) the ``Projection`` the maps use."""
    from ..io.geojson import OTHER_GEOGRAPHIC, WGS84

    crs = str(net.settings.get("crs") or "").strip().upper()
    if crs not in {c.upper() for c in WGS84 | OTHER_GEOGRAPHIC}:
        return None
    j = net.junctions
    if not len(j):
        return None
    return Projection(float(np.nanmean(j["x_m"].to_numpy(float))),
                      float(np.nanmean(j["y_m"].to_numpy(float))))


def _projected(net, proj: Projection | None):
    if proj is None:
        return net
    j = net.junctions.copy()
    j["x_m"], j["y_m"] = proj(j["x_m"], j["y_m"])
    return net.replace(junctions=j)


def supply_pipes(net, result=None):
    """The in-service supply pipes of ``net`` (DataFrame rows)."""
    from ..model.graph import active, junction_sides

    pipes = active(net.pipes)
    if result is not None and "side" in result.pipes.columns:
        side = result.pipes["side"].reindex(pipes.index)
        if side.notna().all():
            return pipes[side.to_numpy() == "supply"]
    sides = junction_sides(net)
    return pipes[[sides.get(j) == "supply" for j in pipes["from_junction"]]]


def _xy(net, junctions) -> tuple[np.ndarray, np.ndarray]:
    j = net.junctions
    return (j["x_m"].reindex(junctions).to_numpy(float),
            j["y_m"].reindex(junctions).to_numpy(float))


def locate(net, ident: str, result=None) -> tuple[float, float, str] | None:
    """Map position and kind of an element id: pipe (midpoint), consumer / plant / feed-in
    (its supply junction), junction, or trench node ``X`` (junction ``X_s``)."""
    j = net.junctions
    if ident in net.pipes.index:
        a, b = net.pipes.at[ident, "from_junction"], net.pipes.at[ident, "to_junction"]
        return (0.5 * (j.at[a, "x_m"] + j.at[b, "x_m"]), 0.5 * (j.at[a, "y_m"] + j.at[b, "y_m"]),
                "pipe")
    tables = [("consumers", net.consumers), ("plants", net.plants), ("feedins", net.feedins)]
    if result is not None and len(result.feedins):
        tables.append(("feedins", result.feedins))
    for kind, df in tables:
        if ident in df.index:
            sj = df.at[ident, "supply_junction"]
            if sj in j.index:
                return float(j.at[sj, "x_m"]), float(j.at[sj, "y_m"]), kind[:-1]
    for cand in (ident, f"{ident}_s"):
        if cand in j.index:
            return float(j.at[cand, "x_m"]), float(j.at[cand, "y_m"]), "junction"
    return None


def _dp_margin(net, result, pipes, dp_min_bar: float | None) -> np.ndarray:
    """Supply − return pressure minus Δp_min [bar] at the two ends of each supply pipe
    (averaged); ends without a return twin (``X_s`` ↔ ``X_r``) have no value."""
    p = result.junctions["p_bar"]
    if dp_min_bar is None:
        c = result.consumers
        dp_min_bar = (float(np.nanmax(c["dp_min_bar"].to_numpy(float)))
                      if len(c) and "dp_min_bar" in c else 0.5)

    def at(js):
        out = np.full(len(js), np.nan)
        for i, s in enumerate(js):
            r = f"{s[:-2]}_r" if isinstance(s, str) and s.endswith("_s") else None
            if r is not None and r in p.index and s in p.index:
                out[i] = p[s] - p[r] - dp_min_bar
        return out

    return 0.5 * (at(list(pipes["from_junction"])) + at(list(pipes["to_junction"])))


def _directions(base, result, ids) -> np.ndarray:
    mb = base.pipes["mdot_kg_s"].reindex(ids).to_numpy(float)
    mf = result.pipes["mdot_kg_s"].reindex(ids).to_numpy(float)
    vb = np.abs(base.pipes["v_m_s"].reindex(ids).to_numpy(float))
    vf = np.abs(result.pipes["v_m_s"].reindex(ids).to_numpy(float))
    out = np.where(np.sign(mb) == np.sign(mf), 0.0, 1.0)
    out[(vb < _V_STAGNANT_M_S) | (vf < _V_STAGNANT_M_S)] = 2.0
    out[~np.isfinite(mb) | ~np.isfinite(mf)] = np.nan
    return out


def _quantity_values(net, result, base, pipes, dp_min_bar) -> dict:
    from ..plotting import map_values

    ids = pipes.index
    vals = {"p_bar": map_values(net, result, "p_bar", ids),
            "t_c": map_values(net, result, "t_c", ids),
            "v_m_s": map_values(net, result, "v_m_s", ids),
            "dp_margin_bar": _dp_margin(net, result, pipes, dp_min_bar)}
    if base is not None:
        vals["direction"] = _directions(base, result, ids)
    return vals


def _rows(df) -> dict:
    """The rows of ``df`` as dicts by id (fast row access for the hover texts)."""
    return df.to_dict("index") if len(df) else {}


def _segments(x0, y0, x1, y1, mask) -> tuple[list, list]:
    xs: list = []
    ys: list = []
    for i in np.flatnonzero(mask):
        xs += [float(x0[i]), float(x1[i]), None]
        ys += [float(y0[i]), float(y1[i]), None]
    return xs, ys


def _bins(key: str, v: np.ndarray):
    """Bin index per pipe (−1: no value), the colour of each bin, colour-bar settings."""
    from plotly.colors import sample_colorscale

    finite = np.isfinite(v)
    idx = np.full(len(v), -1)
    if key == "direction":
        idx[finite] = v[finite].astype(int)
        colors = list(_DIR_COLORS) + [_GREY] * (N_BINS - len(_DIR_COLORS))
        scale = [[0.0, _DIR_COLORS[0]], [0.33, _DIR_COLORS[0]], [0.33, _DIR_COLORS[1]],
                 [0.67, _DIR_COLORS[1]], [0.67, _DIR_COLORS[2]], [1.0, _DIR_COLORS[2]]]
        return idx, colors, scale, 0.0, 2.0, [0, 1, 2], list(_DIRECTIONS)
    lo, hi = (float(v[finite].min()), float(v[finite].max())) if finite.any() else (0.0, 1.0)
    if hi - lo < 1e-12:
        hi = lo + 1e-9
    idx[finite] = np.clip(((v[finite] - lo) / (hi - lo) * N_BINS).astype(int), 0, N_BINS - 1)
    colors = sample_colorscale("Viridis", [(b + 0.5) / N_BINS for b in range(N_BINS)])
    return idx, colors, "Viridis", lo, hi, None, None


def _pipe_text(pid, row, res, vals, i, has_dir) -> str:
    parts = [f"<b>pipe {esc(pid)}</b>",
             f"DN {num(row.get('dn'), 0)} · {num(row.get('length_m'), 1, 'm')}"]
    if res is not None:
        parts += [f"p {num(vals['p_bar'][i], 2, 'bar g')} · T {num(vals['t_c'][i], 1, '°C')}",
                  f"|v| {num(vals['v_m_s'][i], 2, 'm/s')} · ṁ "
                  f"{num(res.get('mdot_kg_s'), 2, 'kg/s')}",
                  f"R {num(res.get('r_pa_per_m'), 0, 'Pa/m')} · Δp margin "
                  f"{num(vals['dp_margin_bar'][i], 2, 'bar')}"]
        if has_dir and np.isfinite(vals["direction"][i]):
            parts.append(f"flow: {_DIRECTIONS[int(vals['direction'][i])]}")
    return "<br>".join(parts)


def _pipe_traces(tr: _Traces, net, result, base, dp_min_bar):
    import plotly.graph_objects as go

    pipes = supply_pipes(net, result)
    x0, y0 = _xy(net, list(pipes["from_junction"]))
    x1, y1 = _xy(net, list(pipes["to_junction"]))
    mx, my = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
    vals = _quantity_values(net, result, base, pipes, dp_min_bar) if result is not None else {}
    quantities = [q for q in QUANTITIES if q[0] in vals]
    n = len(pipes)
    states = []
    for key, _label, title in quantities:
        idx, colors, scale, lo, hi, tickvals, ticktext = _bins(key, vals[key])
        segs = [_segments(x0, y0, x1, y1, idx == b) for b in range(N_BINS)]
        segs.append(_segments(x0, y0, x1, y1, idx < 0))
        states.append(dict(segs=segs, colors=colors + [_GREY], scale=scale, lo=lo, hi=hi,
                           values=vals[key], title=title, tickvals=tickvals, ticktext=ticktext))
    if not states:  # no result: geometry only
        segs = [([], []) for _ in range(N_BINS)] + [_segments(x0, y0, x1, y1,
                                                              np.ones(n, dtype=bool))]
        states.append(dict(segs=segs, colors=[_GREY] * (N_BINS + 1), scale="Viridis", lo=0,
                           hi=1, values=np.full(n, np.nan), title="", tickvals=None,
                           ticktext=None))
    s0 = states[0]
    for b in range(N_BINS + 1):
        xs, ys = s0["segs"][b]
        tr.add(f"pipes_bin{b}" if b < N_BINS else "pipes_novalue",
               go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=s0["colors"][b], width=3),
                          hoverinfo="skip", showlegend=False,
                          name="supply pipes" if b < N_BINS else "no value"))
    res_rows = _rows(result.pipes) if result is not None else {}
    texts = [_pipe_text(pid, row, res_rows.get(pid), vals, i, "direction" in vals)
             for i, (pid, row) in enumerate(_rows(pipes).items())]
    mid = tr.add("pipes", go.Scatter(
        x=mx, y=my, mode="markers", name="supply pipes", text=texts,
        customdata=[str(p) for p in pipes.index], hovertemplate="%{text}<extra></extra>",
        marker=_marker_state(s0, result is not None), showlegend=False))
    for i, pid in enumerate(pipes.index):
        tr.items.append([str(pid), float(mx[i]), float(my[i]), mid, i, "pipe"])
    buttons = []
    for (key, label, _title), st in zip(quantities, states[:len(quantities)], strict=True):
        upd = {"x": [s[0] for s in st["segs"]] + [mx], "y": [s[1] for s in st["segs"]] + [my],
               "line.color": st["colors"] + [None]}
        m = _marker_state(st, True)
        for k in ("color", "cmin", "cmax", "colorscale"):
            upd[f"marker.{k}"] = [None] * (N_BINS + 1) + [m[k]]
        for k in ("tickvals", "ticktext"):
            upd[f"marker.colorbar.{k}"] = [None] * (N_BINS + 1) + [m["colorbar"][k]]
        upd["marker.colorbar.title.text"] = [None] * (N_BINS + 1) + [m["colorbar"]["title"]["text"]]
        buttons.append(dict(label=esc(label), method="restyle", name=key,
                            args=[upd, list(range(N_BINS + 2))]))
    return pipes, buttons, [q[0] for q in quantities]


def _marker_state(st: dict, colored: bool) -> dict:
    v = [None if not np.isfinite(x) else float(x) for x in st["values"]]
    if not colored or all(x is None for x in v):
        return dict(size=5, color=_GREY, colorscale=None, cmin=None, cmax=None, showscale=False,
                    colorbar=dict(title=dict(text=""), tickvals=None, ticktext=None))
    return dict(size=6, color=v, colorscale=st["scale"], cmin=st["lo"], cmax=st["hi"],
                showscale=True, line=dict(width=0),
                colorbar=dict(title=dict(text=esc(st["title"]), side="right"),
                              tickvals=st["tickvals"], ticktext=st["ticktext"], len=0.85))


def _node_trace(tr: _Traces, name, kind, ids, x, y, texts, marker, legend):
    import plotly.graph_objects as go

    idx = tr.add(name, go.Scatter(x=x, y=y, mode="markers", name=legend, text=texts,
                                  customdata=[str(i) for i in ids],
                                  hovertemplate="%{text}<extra></extra>", marker=marker))
    for k, i in enumerate(ids):
        tr.items.append([str(i), float(x[k]), float(y[k]), idx, k, kind])
    return idx


def _elements(tr: _Traces, net, result, unit_info: dict | None, consumers: bool = True):
    from ..model.graph import active

    cons = active(net.consumers) if consumers else net.consumers.iloc[:0]
    rc = result.consumers if result is not None else None
    x, y = _xy(net, list(cons["supply_junction"]))
    texts = []
    rc = _rows(rc) if rc is not None else {}
    for cid, row in _rows(cons).items():
        t = [f"<b>consumer {esc(cid)}</b>", f"Q {num(row['q_w'] / 1e3, 1, 'kW')}"]
        if cid in rc:
            r = rc[cid]
            t += [f"ṁ {num(r['mdot_kg_s'], 3, 'kg/s')} · Δp {num(r['dp_bar'], 2, 'bar')} "
                  f"(margin {num(r.get('dp_margin_bar'), 2, 'bar')})",
                  f"T supply {num(r['t_supply_c'], 1, '°C')} · return "
                  f"{num(r['t_return_c'], 1, '°C')}"]
        texts.append("<br>".join(t))
    _node_trace(tr, "consumers", "consumer", list(cons.index), x, y, texts,
                dict(symbol="circle", size=7, color="#ffffff", line=dict(color="#333", width=1.2)),
                "consumers")
    pl = active(net.plants)
    x, y = _xy(net, list(pl["supply_junction"]))
    rp = result.plant if result is not None else None
    texts = []
    rp = _rows(rp) if rp is not None else {}
    for pid in pl.index:
        t = [f"<b>plant {esc(pid)}</b>"]
        if pid in rp:
            r = rp[pid]
            t += [f"Q {num(r['q_kw'], 0, 'kW')} · ṁ {num(r['mdot_kg_s'], 2, 'kg/s')}",
                  f"head {num(r['head_bar'], 2, 'bar')} · supply {num(r['p_supply_bar'], 2)} / "
                  f"return {num(r['p_return_bar'], 2, 'bar g')}",
                  f"T supply {num(r['t_supply_c'], 1, '°C')} · return "
                  f"{num(r['t_return_c'], 1, '°C')}"]
        texts.append("<br>".join(t))
    _node_trace(tr, "plants", "plant", list(pl.index), x, y, texts,
                dict(symbol="square", size=14, color="#111111"), "plant")
    fe = result.feedins if result is not None and len(result.feedins) else active(net.feedins)
    x, y = _xy(net, list(fe["supply_junction"]))
    texts = []
    for fid, r in _rows(fe).items():
        t = [f"<b>P2H unit {esc(fid)}</b>"]
        if "q_kw" in r:
            t += [f"Q {num(r['q_kw'], 0, 'kW')} · ṁ {num(r['mdot_kg_s'], 2, 'kg/s')}",
                  f"T out {num(r['t_out_c'], 1, '°C')} · local return {num(r['t_in_c'], 1, '°C')}",
                  f"Δp supply − return {num(r['head_bar'], 2, 'bar')}"]
        u = (unit_info or {}).get(str(fid)) or {}
        if u.get("cop") is not None:
            t.append(f"heat pump COP {num(u['cop'], 2)} · {num(u.get('p_el_kw'), 0, 'kW')} "
                     "electricity")
        if u.get("head_needed_bar") is not None:
            t.append(f"pump head needed {num(u['head_needed_bar'], 2, 'bar')}")
        texts.append("<br>".join(t))
    _node_trace(tr, "feedins", "P2H unit", list(fe.index), x, y, texts,
                dict(symbol="star", size=20, color="#f39c12", line=dict(color="#000", width=1)),
                "P2H feed-in")


def _marks(tr: _Traces, net, result, marks):
    x, y, texts, ids = [], [], [], []
    for m in marks:
        pos = locate(net, m.element, result)
        if pos is None:
            continue
        x.append(pos[0])
        y.append(pos[1])
        ids.append(m.element)
        texts.append(f"<b>{esc(m.label)}</b>: {esc(pos[2])} {esc(m.element)}"
                     + (f"<br>{esc(m.text)}" if m.text else ""))
    if not ids:
        return
    _node_trace(tr, "marks", "marked", ids, np.asarray(x), np.asarray(y), texts,
                dict(symbol="x", size=16, color="#c0392b", line=dict(color="#fff", width=1)),
                "violation / warning")


def _junction_items(tr: _Traces, net):
    j = net.junctions
    for jid, x, y in zip(j.index, j["x_m"].to_numpy(float), j["y_m"].to_numpy(float),
                         strict=True):
        tr.items.append([str(jid), float(x), float(y), None, None, "junction"])


def map_figure(net, result=None, base=None, *, dp_min_bar: float | None = None,
               marks=(), unit_info: dict | None = None, title: str = "", extra_traces=(),
               consumers: bool = True, tiles: str | None = None, height: int = 640):
    """The network map as a plotly figure and its ``extra`` data for the page script.

    Parameters
    ----------
    net : Network
        The network drawn at its coordinates ``x_m``/``y_m`` (metres of a projected CRS;
        geographic coordinates are projected for display, ``display_projection``).
    result, base : Result, optional
        Solve with the feed-in (colours, hover values) and without it (adds the "flow
        direction" quantity).
    dp_min_bar : float, optional
        Δp_min of the margin [bar] (default: the largest consumer ``dp_min``).
    marks : iterable of MapMark
        Elements marked with a red cross (violations, warnings).
    unit_info : dict, optional
        Per P2H unit id the checker's figures (``cop``, ``p_el_kw``, ``head_needed_bar``).
    title : str
        Plain-text title (escaped here).
    extra_traces : iterable of (name, kind, trace, ids)
        More marker traces drawn above the pipes and elements (e.g. site candidates, in the
        coordinates of the map: ``display_projection(net)`` applied when not None); their
        points (``ids`` in drawing order) join the search index.
    consumers : bool
        Draw the consumers (False: the site view, whose candidates sit on the same nodes).
    tiles : str, optional
        Tile URL template (``{z}/{x}/{y}``) of background map tiles (``html.tiles``); the
        page then loads them from that server. Default: none, the page stays offline.
    height : int
        Height of the figure [px].

    Returns
    -------
    (plotly.graph_objects.Figure, dict)
        The figure and ``extra`` (``items``, ``highlight``, ``traces``, ``quantities``).
    """
    import plotly.graph_objects as go

    proj = display_projection(net)
    images = []
    if tiles:
        from .tiles import tile_images

        images = tile_images(net, tiles, proj)  # from the file's coordinates
    net = _projected(net, proj)
    tr = _Traces()
    _pipes, buttons, quantities = _pipe_traces(tr, net, result, base, dp_min_bar)
    _elements(tr, net, result, unit_info, consumers)
    for name, kind, trace, ids in extra_traces:
        idx = tr.add(name, trace)
        for k, i in enumerate(ids):
            tr.items.append([str(i), float(trace.x[k]), float(trace.y[k]), idx, k, kind])
    _marks(tr, net, result, list(marks))
    _junction_items(tr, net)
    hl = tr.add("highlight", go.Scatter(
        x=[], y=[], mode="markers", name="highlighted", hoverinfo="skip", showlegend=False,
        marker=dict(symbol="circle-open", size=28, color="#ff00aa", line=dict(width=4))))
    fig = go.Figure(data=tr.data)
    menus = []
    if len(buttons) > 1:
        menus = [dict(type="buttons", direction="right", buttons=buttons, showactive=True,
                      active=0, x=0.0, xanchor="left", y=1.0, yanchor="bottom", pad=dict(b=4),
                      font=dict(size=12))]
    fig.update_layout(
        template="plotly_white", height=height, hovermode="closest", dragmode="pan",
        title=dict(text=esc(title), x=0.01, y=0.99, yanchor="top", font=dict(size=14)),
        margin=dict(l=50, r=10, t=70, b=40), updatemenus=menus, images=images,
        legend=dict(orientation="h", x=0.0, y=-0.06, yanchor="top"),
        xaxis=dict(title=dict(text="x [m]" + (f" ({proj.label()})" if proj else "")),
                   zeroline=False, showgrid=True),
        yaxis=dict(title=dict(text="y [m]"), zeroline=False, scaleanchor="x", scaleratio=1))
    extra = {"items": tr.items, "highlight": hl, "traces": tr.names, "quantities": quantities}
    return fig, extra
