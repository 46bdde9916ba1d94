"""``annual_view``: the annual analysis as an interactive page (``p2h annual --html``).

The summary (energy offered / absorbed, heat-pump electricity, hours limited by each
criterion), the load-duration curves and the monthly figure (energy per month and hours
limited per criterion) as plotly figures: hover for values, click a legend entry to hide a
series, drag to zoom.
"""

from __future__ import annotations

import numpy as np

from .page import esc, figure_block, num, page, table_html

__all__ = ["annual_view", "duration_figure", "monthly_figure"]

_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_SERIES = (("network heat (consumers + losses)", "network_heat_kw", "#000000"),
           ("P2H offer", "offered_kw", "#ff7f0e"),
           ("P2H absorbed", "absorbed_kw", "#2ca02c"),
           ("plant heat", "plant_kw", "#1f77b4"))


def duration_figure(result):
    """Load-duration curves [kW] (each series sorted descending; unsolved hours left out)."""
    import plotly.graph_objects as go

    df = result.hourly
    fig = go.Figure()
    for label, col, color in _SERIES:
        v = df[col].to_numpy(dtype=float)
        v = np.sort(v[np.isfinite(v)])[::-1]
        fig.add_trace(go.Scatter(x=np.arange(1, len(v) + 1), y=v, mode="lines", name=label,
                                 line=dict(color=color, width=1.6),
                                 hovertemplate="%{x} h: %{y:.0f} kW<extra>" + label
                                 + "</extra>"))
    unsolved = int((~df["converged"].astype(bool)).sum())
    xlabel = "hours (sorted)" + ("" if result.summary.get("full_year") else
                                 f", {len(df)} analysed hours")
    if unsolved:
        xlabel += f"; {unsolved} hours not solved"
    fig.update_layout(template="plotly_white", height=460, hovermode="x unified",
                      title=dict(text=esc(f"{result.scenario}: duration curves"),
                                 font=dict(size=14)),
                      xaxis=dict(title=dict(text=esc(xlabel)), rangemode="tozero"),
                      yaxis=dict(title=dict(text="kW"), rangemode="tozero"),
                      margin=dict(l=60, r=10, t=50, b=50))
    return fig


def monthly_figure(result):
    """Energy per month [MWh] (absorbed / rejected offer, network heat, heat-pump electricity)
    and the hours limited by each criterion."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    df = result.hourly
    g = df.groupby("month")
    months = np.arange(1, 13)
    e = {c: g[c].sum(min_count=1).reindex(months).to_numpy() / 1e3
         for c in ("absorbed_kw", "rejected_kw", "network_heat_kw", "p_el_kw")}
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.6, 0.4],
                        vertical_spacing=0.06)
    hov = "%{x}: %{y:.1f} MWh<extra>%{fullData.name}</extra>"
    fig.add_trace(go.Bar(x=_MONTHS, y=e["absorbed_kw"], name="P2H absorbed",
                         marker_color="#2ca02c", hovertemplate=hov), 1, 1)
    fig.add_trace(go.Bar(x=_MONTHS, y=e["rejected_kw"], name="P2H offer not absorbed",
                         marker_color="rgba(255,127,14,0.6)", hovertemplate=hov), 1, 1)
    fig.add_trace(go.Scatter(x=_MONTHS, y=e["network_heat_kw"], mode="lines+markers",
                             name="network heat (solved hours)", line=dict(color="#000"),
                             hovertemplate=hov), 1, 1)
    if np.nansum(e["p_el_kw"]) > 0:
        fig.add_trace(go.Scatter(x=_MONTHS, y=e["p_el_kw"], mode="lines+markers",
                                 name="heat-pump electricity", line=dict(color="#9467bd"),
                                 hovertemplate=hov), 1, 1)
    lim = df[df["limited_by"] != ""]
    for code, part in lim.groupby("limited_by"):
        n = part.groupby("month").size().reindex(months, fill_value=0).to_numpy()
        fig.add_trace(go.Bar(x=_MONTHS, y=n, name=f"limited: {esc(code)}",
                             hovertemplate="%{x}: %{y} h<extra>%{fullData.name}</extra>"),
                      2, 1)
    fig.update_layout(template="plotly_white", height=620, barmode="stack",
                      title=dict(text=esc(f"{result.scenario}: monthly feed-in"),
                                 font=dict(size=14)),
                      margin=dict(l=60, r=10, t=50, b=40), legend=dict(orientation="h",
                                                                          y=-0.08))
    fig.update_yaxes(title_text="MWh per month", row=1, col=1)
    fig.update_yaxes(title_text="hours limited", row=2, col=1)
    return fig


def _summary_rows(s: dict) -> list[list[str]]:
    hp = s.get("heat_pump") or {}
    share = s.get("feedin_share_of_network_heat")
    rows = [["P2H heat offered", num(s.get("offered_mwh"), 1, "MWh")],
            ["absorbed by the network", num(s.get("absorbed_mwh"), 1, "MWh")
             + f" ({num(100 * (s.get('absorbed_share_of_offer') or 0), 1)} % of the offer)"],
            ["not absorbed", num(s.get("rejected_mwh"), 1, "MWh")],
            ["network heat (plant + feed-in)", num(s.get("network_heat_mwh"), 1, "MWh")
             + (f"; P2H share {num(100 * share, 1)} %" if share is not None else "")],
            ["heat-pump electricity", num(hp.get("electricity_mwh"), 1, "MWh")
             + f" in {esc(hp.get('hours'))} hours"
             + (f", mean COP {num(hp.get('cop_mean_heat_weighted'), 2)} (heat-weighted)"
                if hp.get("cop_mean_heat_weighted") else "")],
            ["hours analysed", esc(s.get("hours"))],
            ["hours with the full offer", esc(s.get("hours_full_offer"))],
            ["hours limited", esc(s.get("hours_limited"))]]
    for k, v in (s.get("hours_limited_by") or {}).items():
        rows.append([f"&nbsp;&nbsp;limited by {esc(k)}", esc(v)])
    if s.get("hours_not_converged"):
        rows.append(["hours not solved (counted as absorbing nothing)",
                     esc(s["hours_not_converged"])])
    if s.get("hours_multiple_states"):
        rows.append(["hours whose state need not be unique (multiple_states)",
                     esc(s["hours_multiple_states"])])
    return rows


def annual_view(result) -> str:
    """The interactive HTML page of an ``AnnualResult``.

    Parameters
    ----------
    result : AnnualResult
        Hourly table and summary of ``run_annual``.

    Returns
    -------
    str
        The HTML document.
    """
    s = result.summary
    title = f"Annual feed-in: {result.scenario}"
    body = [f"<h1>{esc(title)}</h1>"]
    if not s.get("full_year", True):
        body.append("<p class='small'>Not a full year: the sums are over the analysed hours."
                    "</p>")
    body.append("<h2>Summary</h2>" + table_html(["quantity", "value"], _summary_rows(s),
                                                num_cols=(1,)))
    body += ["<h2>Duration curves</h2>",
             figure_block(duration_figure(result), "duration", "plot short"),
             "<h2>Months</h2>", figure_block(monthly_figure(result), "monthly")]
    return page(title, body)
