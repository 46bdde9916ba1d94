"""``network_view``: the interactive map of a network and its solved state (``p2h view``).

One self-contained HTML file: key figures of the solve, a search box, and the map
(``netmap.map_figure``) with the switch between pressure, temperature, velocity, Δp margin and
— for a scenario, whose load case is solved without and with its P2H units — the change of
flow direction the feed-in causes.
"""

from __future__ import annotations

from .netmap import map_figure
from .page import esc, figure_block, num, page, table_html

__all__ = ["network_view", "search_box", "summary_table"]


def search_box(div_id: str) -> str:
    """The search form of the map ``div_id`` (the page script fills in the id list)."""
    return (f'<form class="search" data-div="{div_id}" autocomplete="off">'
            '<label>find element by id: <input type="search" name="q" '
            'placeholder="pipe, consumer, node, unit id"></label> '
            '<button type="submit">find</button><span class="msg"></span></form>')


_SUMMARY_ROWS = (("plant flow", "plant_mdot_kg_s", "kg/s", 2),
                 ("plant head", "plant_head_bar", "bar", 2),
                 ("plant heat", "plant_heat_kw", "kW", 1),
                 ("feed-in heat", "feedin_heat_kw", "kW", 1),
                 ("consumer heat", "consumer_heat_kw", "kW", 1),
                 ("heat losses", "heat_loss_kw", "kW", 1),
                 ("min pressure", "p_min_bar", "bar g", 2),
                 ("max pressure", "p_max_bar", "bar g", 2),
                 ("min consumer Δp", "dp_min_consumer_bar", "bar", 2),
                 ("critical consumer", "dp_min_consumer", "", None),
                 ("lowest consumer supply temperature", "t_supply_min_consumer_c", "°C", 1))


def summary_table(summaries: dict) -> str:
    """Key figures of one or more solves (``{"column title": Result.summary()}``)."""
    names = list(summaries)
    rows = []
    for label, key, unit, digits in _SUMMARY_ROWS:
        cells = [esc(label)]
        for n in names:
            v = summaries[n].get(key)
            cells.append(esc(v if v is not None else "–") if digits is None else num(v, digits))
        rows.append(cells + [esc(unit)])
    return table_html(["quantity", *names, "unit"], rows,
                      num_cols=tuple(range(1, len(names) + 1)))


def network_view(net, result=None, base=None, *, title: str | None = None,
                 notes=(), unit_info: dict | None = None, tiles: str | None = None) -> str:
    """The HTML page of a network map.

    Parameters
    ----------
    net : Network
        The network (with its P2H feed-ins, when ``result`` has them).
    result : Result or None
        Its solved state (None: geometry only, e.g. when the solve did not converge).
    base : Result, optional
        The same load case without the feed-in: adds its key figures and the flow-direction
        colouring.
    title : str, optional
        Page title (default: the network's name).
    notes : iterable of str
        Plain-text remarks shown above the map.
    unit_info : dict, optional
        Per P2H unit the checker's figures shown in its hover label.
    tiles : str, optional
        Tile URL template of background map tiles (``html.tiles``); only then does the page
        load anything from a server.

    Returns
    -------
    str
        The HTML document.
    """
    name = title or f"Network {net.settings.get('name') or net.source or ''}".strip()
    body = [f"<h1>{esc(name)}</h1>"]
    desc = net.settings.get("description")
    if desc:
        body.append(f"<p class='small'>{esc(desc)}</p>")
    counts = ", ".join(f"{n} {t}" for t, n in net.summary().items() if n)
    body.append(f"<p class='small'>{esc(counts)}</p>")
    for n in notes:
        body.append(f"<p class='small'>{esc(n)}</p>")
    if result is not None:
        sums = {"with the feed-in" if base is not None else "solved": result.summary()}
        if base is not None:
            sums = {"without feed-in": base.summary(), **sums}
        body.append("<h2>Key figures</h2>" + summary_table(sums))
    if tiles:
        body.append(f"<p class='small'>Background tiles from <code>{esc(tiles)}</code> are "
                    "loaded from that server when the page is opened.</p>")
    fig, extra = map_figure(net, result, base, unit_info=unit_info, tiles=tiles,
                            title="supply network" + (": colour by the result chosen above"
                                                      if result is not None else ""))
    body += ["<h2>Map</h2>", search_box("netmap"), figure_block(fig, "netmap", extra=extra),
             "<p class='small'>Supply pipes coloured by the chosen result (junction values "
             "averaged over a pipe's ends; Δp margin: supply − return pressure at the pipe's "
             "nodes minus Δp_min); hover a pipe's midpoint, a consumer (circle), the plant "
             "(square) or a P2H unit (star) for its values. Coordinates in metres, as in the "
             "network file.</p>"]
    return page(name, body)
