"""Interactive pressure diagram and temperature profile (plotly) along the path of
``plotting.diagram_path``: plant → feed-in → critical consumer by default.

The same lines as the static figures of ``plotting``: supply and return, base case dashed and
feed-in case solid, the PN rating, the boiling limit p_sat(T) + margin along the supply path,
the minimum pressure and the Δp_min band above the return line; T_supply,min on the
temperature profile. Hover shows the junction id, distance and value.
"""

from __future__ import annotations

import numpy as np

from .page import esc

__all__ = ["pressure_figure", "temperature_figure"]

_SUPPLY, _RETURN = "#c0392b", "#2e6da4"


def _thresholds(thresholds):
    from ..checks import Thresholds

    if thresholds is None:
        return Thresholds()
    if isinstance(thresholds, Thresholds):
        return thresholds
    return Thresholds.model_validate(thresholds)


def _cases(base, feedin):
    out = []
    if base is not None:
        out.append(("base", base, "dash"))
    if feedin is not None:
        out.append(("feed-in", feedin, "solid"))
    return out


def _line(go, x, y, ids, name, color, dash, unit, **kw):
    text = [f"{esc(j)}<br>{d:.0f} m" for j, d in zip(ids, x, strict=True)]
    return go.Scatter(x=np.asarray(x, float), y=np.asarray(y, float), mode="lines+markers",
                      name=name, line=dict(color=color, dash=dash, width=2),
                      marker=dict(size=4), text=text,
                      hovertemplate="%{text}<br>%{y:.3f} " + unit + "<extra>" + name
                      + "</extra>", **kw)


def _finish(fig, prof, title: str, ylabel: str):
    names = " → ".join(esc(j[:-2] if j.endswith(("_s", "_r")) else j) for j in prof.waypoints)
    shapes = []
    for j in prof.waypoints:
        if j in prof.supply:
            d = float(prof.supply_m[prof.supply.index(j)])
            shapes.append(dict(type="line", x0=d, x1=d, y0=0, y1=1, yref="paper",
                               line=dict(color="#cccccc", width=1)))
    fig.update_layout(template="plotly_white", height=460, hovermode="closest",
                      title=dict(text=f"{esc(title)}: {names}", font=dict(size=14)),
                      xaxis=dict(title=dict(text="distance along the path [m]")),
                      yaxis=dict(title=dict(text=esc(ylabel))), shapes=shapes,
                      margin=dict(l=60, r=10, t=50, b=50),
                      legend=dict(orientation="h", y=-0.18))
    return fig


def pressure_figure(net, base, feedin, path=None, thresholds=None):
    """Pressure [bar g] along the diagram path as a plotly figure (see module docstring).

    Parameters
    ----------
    net : Network
        The network solved (with its feed-ins).
    base, feedin : Result or None
        Solves without and with the feed-in (at least one).
    path : list of str, optional
        Waypoints (node or junction ids); default plant → feed-in → critical consumer.
    thresholds : Thresholds or dict, optional
        The checker's limits (PN, p_sat margin, p_min, Δp_min).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    from ..plotting import diagram_path

    th = _thresholds(thresholds)
    prof = diagram_path(net, base, feedin, path)
    fig = go.Figure()
    last = None
    for name, res, dash in _cases(base, feedin):
        p = res.junctions["p_bar"]
        fig.add_trace(_line(go, prof.supply_m, p.reindex(prof.supply), prof.supply,
                            f"supply ({name})", _SUPPLY, dash, "bar g"))
        if prof.ret:
            fig.add_trace(_line(go, prof.ret_m, p.reindex(prof.ret), prof.ret,
                                f"return ({name})", _RETURN, dash, "bar g"))
        last = res
    x_all = np.concatenate([prof.supply_m, prof.ret_m])
    x0, x1 = float(x_all.min(initial=0.0)), float(x_all.max(initial=1.0))
    fig.add_trace(go.Scatter(x=[x0, x1], y=[th.pn_bar] * 2, mode="lines",
                             name=f"PN{th.pn_bar:g}", line=dict(color="black", dash="dot")))
    if last is not None:
        sat = last.junctions["p_sat_bar"].reindex(prof.supply).to_numpy(float)
        fig.add_trace(go.Scatter(x=prof.supply_m, y=sat + th.p_sat_margin_bar, mode="lines",
                                 name=f"p_sat + {th.p_sat_margin_bar:g} bar",
                                 line=dict(color="#8e44ad", dash="dashdot")))
        fig.add_trace(go.Scatter(x=[x0, x1], y=[th.p_min_bar] * 2, mode="lines",
                                 name=f"p_min {th.p_min_bar:g} bar g",
                                 line=dict(color="#7f8c8d", dash="dot")))
        if prof.ret:
            dp = th.dp_min_bar if th.dp_min_bar is not None else _dp_min_bar(last)
            pr = last.junctions["p_bar"].reindex(prof.ret).to_numpy(float)
            fig.add_trace(go.Scatter(x=prof.ret_m, y=pr, mode="lines", hoverinfo="skip",
                                     line=dict(width=0), showlegend=False))
            fig.add_trace(go.Scatter(x=prof.ret_m, y=pr + dp, mode="lines", fill="tonexty",
                                     fillcolor="rgba(46,109,164,0.15)", line=dict(width=0),
                                     name=f"Δp_min band ({dp:g} bar)", hoverinfo="skip"))
    return _finish(fig, prof, "pressure diagram", "pressure [bar g]")


def _dp_min_bar(res) -> float:
    c = res.consumers
    if len(c) and "dp_min_pa" in c:
        return float(np.nanmax(c["dp_min_pa"].to_numpy(float))) / 1e5
    return 0.5


def temperature_figure(net, base, feedin, path=None, thresholds=None):
    """Temperature [°C] along the diagram path as a plotly figure, with T_supply,min.

    Parameters and return value as ``pressure_figure``.
    """
    import plotly.graph_objects as go

    from ..plotting import diagram_path

    th = _thresholds(thresholds)
    prof = diagram_path(net, base, feedin, path)
    fig = go.Figure()
    for name, res, dash in _cases(base, feedin):
        t = res.junctions["t_c"]
        fig.add_trace(_line(go, prof.supply_m, t.reindex(prof.supply), prof.supply,
                            f"supply ({name})", _SUPPLY, dash, "°C"))
        if prof.ret:
            fig.add_trace(_line(go, prof.ret_m, t.reindex(prof.ret), prof.ret,
                                f"return ({name})", _RETURN, dash, "°C"))
    x_all = np.concatenate([prof.supply_m, prof.ret_m])
    x0, x1 = float(x_all.min(initial=0.0)), float(x_all.max(initial=1.0))
    fig.add_trace(go.Scatter(x=[x0, x1], y=[th.t_supply_min_c] * 2, mode="lines",
                             name=f"T_supply,min {th.t_supply_min_c:g} °C",
                             line=dict(color="black", dash="dot")))
    return _finish(fig, prof, "temperature profile", "temperature [°C]")
