"""``sites_view``: the site ranking as an interactive page (``p2h sites --html``).

The ranked table beside the map: candidate nodes coloured by their largest permitted feed-in
(nodes only screened — not solved, no capacity — as hollow grey circles), the best ``top``
labelled with their rank; hover shows capacity, binding criterion, load case, pump head and
COP. The table sorts by any column (click its header); clicking a row highlights the node on
the map and opens its hover label.
"""

from __future__ import annotations

import math

import numpy as np

from .netmap import display_projection, map_figure
from .network_view import search_box
from .page import esc, figure_block, num, page

__all__ = ["sites_view", "SITE_COLUMNS"]

# header, column (None: the node id), decimals (None: text)
SITE_COLUMNS = (("rank", "rank", 0), ("node", None, None), ("capacity [kW]", "capacity_kw", 0),
                ("limited by", "limited_by", None), ("load case", "load_case", None),
                ("element", "element", None), ("pump head [bar]", "pump_head_bar", 2),
                ("heat pump", "heat_pump", None), ("COP", "cop", 2),
                ("local return [°C]", "t_return_c", 1), ("verdict", "verdict", None),
                ("method", "method", None))


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _is_true(v) -> bool:
    return not _missing(v) and bool(v)


def _hover(node, row) -> str:
    screened = row.get("method") == "screened"
    t = [f"<b>node {esc(node)}</b>" + (f" · rank {esc(row.get('rank'))}"
                                       if not _missing(row.get("rank")) else "")]
    if screened:
        t.append(f"screened only (not solved): estimate {num(row.get('screen_kw'), 0, 'kW')}")
        if not _missing(row.get("screen_limited_by")):
            t.append(f"screen limited by {esc(row.get('screen_limited_by'))}")
    else:
        t += [f"capacity {num(row.get('capacity_kw'), 0, 'kW')}",
              f"limited by {esc(row.get('limited_by') or '–')}"
              + (f" ({esc(row.get('element'))})" if not _missing(row.get("element")) else ""),
              f"load case {esc(row.get('load_case') or '–')}",
              f"pump head {num(row.get('pump_head_bar'), 2, 'bar')}",
              ("heat pump COP " + num(row.get("cop"), 2)) if _is_true(row.get("heat_pump"))
              else "no heat pump",
              f"local return {num(row.get('t_return_c'), 1, '°C')}"]
        if _is_true(row.get("multiple_states")):
            t.append("the network state need not be unique (multiple_states)")
        if isinstance(row.get("other_state"), str) and row.get("other_state"):
            t.append(f"fails in another steady state: {esc(row.get('other_state'))}")
    return "<br>".join(t)


def _candidate_traces(tab, top: int, proj=None):
    import plotly.graph_objects as go

    if proj is not None:  # the map's coordinates (geographic networks are projected)
        tab = tab.copy()
        tab["x_m"], tab["y_m"] = proj(tab["x_m"], tab["y_m"])

    screened = (tab["method"] == "screened").to_numpy() if "method" in tab else np.zeros(
        len(tab), dtype=bool)
    out = []
    rest = tab[screened]
    if len(rest):
        out.append(("screened", "site (screened only)", go.Scatter(
            x=rest["x_m"].to_numpy(float), y=rest["y_m"].to_numpy(float), mode="markers",
            name="screened only (not solved)", customdata=[str(i) for i in rest.index],
            text=[_hover(n, r) for n, r in rest.iterrows()],
            hovertemplate="%{text}<extra></extra>",
            marker=dict(symbol="circle-open", size=9, color="#8a8a8a", line=dict(width=1.2))),
            list(rest.index)))
    sol = tab[~screened]
    cap = sol["capacity_kw"].to_numpy(float)
    vmax = max(float(np.nanmax(cap, initial=0.0)), 1e-9)
    out.append(("sites", "site", go.Scatter(
        x=sol["x_m"].to_numpy(float), y=sol["y_m"].to_numpy(float), mode="markers",
        name="candidate (solved)", customdata=[str(i) for i in sol.index],
        text=[_hover(n, r) for n, r in sol.iterrows()], hovertemplate="%{text}<extra></extra>",
        marker=dict(size=11, color=[None if not np.isfinite(c) else float(c) for c in cap],
                    colorscale="Plasma", cmin=0.0, cmax=vmax, showscale=True,
                    line=dict(color="#000", width=0.6),
                    colorbar=dict(title=dict(text="largest permitted feed-in [kW]",
                                             side="right"), len=0.85))),
        list(sol.index)))
    best = sol.head(top)
    out.append(("ranks", "rank", go.Scatter(
        x=best["x_m"].to_numpy(float), y=best["y_m"].to_numpy(float), mode="text",
        text=[str(int(r)) if not _missing(r) else "" for r in best["rank"]],
        textposition="top right", textfont=dict(size=12, color="#000"), hoverinfo="skip",
        showlegend=False, name="rank"), []))
    return out


def _cell(v, digits):
    if isinstance(v, (bool, np.bool_)):
        return "", "yes" if v else "no"
    if digits is None:
        return "", esc("–" if _missing(v) else v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "", esc(v)
    return f' data-v="{f!r}"' if math.isfinite(f) else ' data-v=""', num(f, digits)


def _table(tab, max_rows: int) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h, _c, _d in SITE_COLUMNS)
    rows = []
    for node, row in tab.head(max_rows).iterrows():
        cells = []
        for _h, col, digits in SITE_COLUMNS:
            attr, text = _cell(node if col is None else row.get(col), digits)
            cls = " class='num'" if digits is not None else ""
            cells.append(f"<td{cls}{attr}>{text}</td>")
        rows.append(f'<tr data-id="{esc(node)}">' + "".join(cells) + "</tr>")
    return (f'<table id="ranking" class="sortable rows" data-div="sitesmap"><thead><tr>{head}'
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def sites_view(sites_result, network=None, max_rows: int = 500, top: int = 10) -> str:
    """The interactive HTML page of a ``SitesResult``.

    Parameters
    ----------
    sites_result : SitesResult
        The ranking (``table`` best first, with ``x_m``/``y_m`` per node).
    network : Network, optional
        The network drawn behind the candidates (without it: the table only).
    max_rows : int
        Rows of the table (the map shows every node).
    top : int
        Best nodes labelled with their rank on the map.

    Returns
    -------
    str
        The HTML document.
    """
    from .report_parts import sites_intro

    r = sites_result
    title = f"Site comparison: {r.scenario}"
    body = [f"<h1>{esc(title)}</h1>", *sites_intro(r), "<h2>Ranking</h2>"]
    table = _table(r.table, max_rows)
    more = (f"<p class='small'>… {len(r.table) - max_rows} more nodes in the CSV/JSON output "
            "(all of them on the map).</p>" if len(r.table) > max_rows else "")
    hint = ("<p class='small'>Click a column header to sort, a row to show the node on the "
            "map.</p>")
    if network is not None and len(r.table):
        traces = _candidate_traces(r.table, top, display_projection(network))
        fig, extra = map_figure(network, None, extra_traces=traces,
                                consumers=False,
                                title="largest permitted feed-in per node (numbers: rank)")
        body.append('<div class="split"><div class="map">' + search_box("sitesmap")
                    + figure_block(fig, "sitesmap", extra=extra) + '</div><div class="side">'
                    + hint + table + more + "</div></div>")
    else:
        body += [table, more]
    return page(title, body, with_plotly=network is not None and len(r.table) > 0)
