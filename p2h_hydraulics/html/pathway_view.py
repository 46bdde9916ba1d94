"""``pathway_view``: the temperature pathway as an interactive page (``p2h pathway --html``).

The plain-words answer, one plotly figure over the supply levels (verdict bands, COP and
heat-pump electricity, plant head and flow against their limits, smallest consumer Δp margin)
and the levels table. Text from inputs (scenario name, element ids, messages) is escaped.
"""

from __future__ import annotations

from .page import esc, figure_block, num, page, table_html

__all__ = ["pathway_view", "pathway_plotly"]

_COLORS = {"PERMITTED": "rgba(44,160,44,0.6)", "PERMITTED_WITH_CONDITIONS":
           "rgba(240,173,78,0.7)", "NOT_PERMITTED": "rgba(214,39,40,0.6)"}


def pathway_plotly(result):
    """The pathway figure with plotly (four rows sharing the level axis, warmest left)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    lv = sorted(result.levels, key=lambda r: -r["level_c"])
    x = [r["level_c"] for r in lv]

    def col(key):
        return [r.get(key) for r in lv]

    fig = make_subplots(rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.05,
                        row_heights=[0.12, 0.3, 0.3, 0.28],
                        specs=[[{}], [{"secondary_y": True}], [{"secondary_y": True}], [{}]])
    for verdict, color in _COLORS.items():
        sel = [r for r in lv if r["verdict"] == verdict]
        fig.add_trace(go.Bar(x=[r["level_c"] for r in sel], y=[1] * len(sel), name=verdict,
                             marker_color=color, text=[esc(r["mode"]) for r in sel],
                             customdata=[esc(r["decisive"] or "") for r in sel],
                             hovertemplate="%{x} °C: " + verdict + " (%{customdata}), mode "
                             "%{text}<extra></extra>"), 1, 1)
    fig.add_trace(go.Scatter(x=x, y=col("cop_min"), name="COP (lowest load case)",
                             mode="lines+markers"), 2, 1)
    key, unit = (("annual_heat_pump_electricity_mwh", "MWh") if result.annual
                 else ("p_el_kw_max", "kW"))
    fig.add_trace(go.Bar(x=x, y=col(key), name=f"heat-pump electricity [{unit}]",
                         marker_color="rgba(255,127,14,0.5)"), 2, 1, secondary_y=True)
    fig.add_trace(go.Scatter(x=x, y=col("plant_head_bar"), name="plant head [bar]",
                             mode="lines+markers", line=dict(color="#1f77b4")), 3, 1)
    fig.add_trace(go.Scatter(x=x, y=col("plant_head_max_bar"), name="head limit [bar]",
                             mode="lines", line=dict(color="#1f77b4", dash="dash")), 3, 1)
    fig.add_trace(go.Scatter(x=x, y=col("plant_mdot_kg_s"), name="plant flow [kg/s]",
                             mode="lines+markers", line=dict(color="#7f7f7f")), 3, 1,
                  secondary_y=True)
    fig.add_trace(go.Scatter(x=x, y=col("plant_flow_max_kg_s"), name="flow limit [kg/s]",
                             mode="lines", line=dict(color="#7f7f7f", dash="dot")), 3, 1,
                  secondary_y=True)
    fig.add_trace(go.Scatter(x=x, y=col("dp_margin_min_bar"),
                             name="smallest consumer Δp − Δp_min [bar]", mode="lines+markers",
                             line=dict(color="#2ca02c")), 4, 1)
    fig.add_hline(y=0.0, line_color="#d62728", row=4, col=1)
    fig.update_layout(template="plotly_white", height=820, barmode="overlay",
                      title=dict(text=esc(f"{result.scenario}: temperature pathway"),
                                 font=dict(size=14)),
                      legend=dict(orientation="h", y=-0.08),
                      margin=dict(l=60, r=60, t=50, b=40))
    fig.update_xaxes(autorange="reversed")
    fig.update_xaxes(title_text="plant supply temperature level [°C]", row=4, col=1)
    fig.update_yaxes(showticklabels=False, row=1, col=1)
    return fig


def pathway_view(result) -> str:
    """The interactive HTML page of a ``PathwayResult``.

    Parameters
    ----------
    result : PathwayResult
        The pathway.

    Returns
    -------
    str
        The HTML document.
    """
    title = f"Temperature pathway: {result.scenario}"
    rows = []
    for r in result.levels:
        rows.append([num(r["level_c"], 1), esc(r["verdict"]), esc(r["decisive"] or ""),
                     esc(r["mode"]), num(r["cop_min"], 2), num(r["p_el_kw_max"], 0),
                     f"{num(r['plant_head_bar'], 2)} ({num(r['plant_head_max_bar'], 2)})",
                     f"{num(r['plant_mdot_kg_s'], 1)} ({num(r['plant_flow_max_kg_s'], 1)})",
                     num(r["dp_margin_min_bar"], 2), num(r["v_max_m_s"], 2),
                     esc(" ".join(r["bottleneck_trenches"]))])
    body = [f"<h1>{esc(title)}</h1>", f"<p><b>{esc(result.answer())}</b></p>",
            f"<p class='small'>Return model: {esc(result.settings.get('return_model'))}; "
            f"today's level {num(result.today_c, 1)} °C. Plant, Δp and pipe figures are the "
            "network without the feed-in.</p>",
            figure_block(pathway_plotly(result), "pathway"),
            "<h2>Levels</h2>",
            table_html(["level °C", "verdict", "decisive", "mode", "COP", "HP el. kW",
                        "plant head (limit) bar", "plant flow (limit) kg/s", "Δp margin bar",
                        "v max m/s", "bottleneck"], rows, num_cols=(0, 4, 5, 8, 9))]
    return page(title, body)
