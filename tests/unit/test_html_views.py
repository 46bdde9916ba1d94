"""The interactive HTML views without a browser: self-contained pages (no reference to any
server outside the inlined plotly.js, which is the installed package's own copy), user text
escaped everywhere, figure data equal to the results they show (values recomputed here from
the result tables), the result-file reader and the ``p2h view`` command."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import InputFileError
from p2h_hydraulics.html import annual_view, check_view, network_view, sites_view, write_view
from p2h_hydraulics.html.netmap import N_BINS, MapMark, map_figure
from p2h_hydraulics.html.page import figure_block, json_for_script, plotly_js
from p2h_hydraulics.html.result_file import read_result_json
from p2h_hydraulics.io import load_network
from p2h_hydraulics.io.results_io import write_result
from p2h_hydraulics.report import Finding
from p2h_hydraulics.solver import solve
from tests.browser.html_data import (
    EVIL_CONSUMER,
    EVIL_NAME,
    EVIL_PIPE,
    OLD_HOT,
    ROOT,
    SMALL,
    annual_result,
    markup_network,
    sites_result,
)

_PLOTLY = re.compile(r'<script id="plotlyjs">(.*?)</script>', re.S)


def _own_parts(page: str) -> str:
    """The page without the inlined plotly.js, which must be the installed bundle verbatim."""
    m = _PLOTLY.search(page)
    if m is None:
        return page
    assert m.group(1) == plotly_js()
    return page[:m.start()] + page[m.end():]


def _self_contained(page: str, figures: int) -> str:
    own = _own_parts(page)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:|//|ftp:|file:)""", own,
                         re.I)
    assert not re.search(r"<(link|iframe|object|embed|img)\b", own, re.I)
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert "@import" not in own and "url(" not in own
    assert "mathjax" not in own.lower() or "MathJaxConfig:'local'" in own
    # scripts: PlotlyConfig, plotly.js (when there is a figure), the view script, figure data
    assert len(re.findall(r"<script\b", own)) == 2 + figures
    return own


def _plain(fig, extra) -> dict:
    """The figure as the page carries it (plain JSON lists)."""
    return _figures(figure_block(fig, "f", extra=extra))["f"]


def _figures(page: str) -> dict:
    return {m.group(1): json.loads(m.group(2)) for m in re.finditer(
        r'<script type="application/json" class="p2h-fig" data-div="([^"]+)">(.*?)</script>',
        page, re.S)}


@pytest.fixture(scope="module")
def evil():
    net = markup_network()
    return net, solve(net)


def test_json_for_script_round_trips_and_cannot_close_the_script():
    obj = {"a": "</script><script>alert(1)</script>", "b": "<!-- x -->", "c": "\u2028\u2029&",
           "</script>": [1.5, None, "é"]}
    text = json_for_script(obj)
    assert json.loads(text) == obj
    for bad in ("</", "<!--", "<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text


def test_network_view_is_self_contained_and_escaped(evil):
    net, res = evil
    page = network_view(net, res)
    own = _self_contained(page, figures=1)
    for raw in (EVIL_CONSUMER, EVIL_PIPE, "<b>co</b>", "window.__xss=3</script>"):
        assert raw not in own
    assert "<h1>Network demo &lt;/script&gt;&lt;script&gt;window.__xss=3&lt;/script&gt; " \
           "&amp; &lt;b&gt;co&lt;/b&gt;</h1>" in own
    fig = _figures(page)["netmap"]
    names = fig["extra"]["traces"]
    cons = fig["data"][names["consumers"]]
    k = cons["customdata"].index(EVIL_CONSUMER)  # the id itself for the search box
    # plotly reads labels as HTML-like text: the id arrives there escaped, shown as text
    assert cons["text"][k].startswith("<b>consumer &lt;script&gt;window.__xss=1&lt;/script&gt;"
                                      "</b>")
    assert [EVIL_PIPE, "pipe"] in [[it[0], it[5]] for it in fig["extra"]["items"]]
    assert fig["layout"]["title"]["text"] == "supply network: colour by the result chosen above"


def test_map_colours_equal_the_results(evil):
    net, res = evil
    page = network_view(net, res)
    data = _figures(page)["netmap"]
    tr, ex = data["data"], data["extra"]
    mid = tr[ex["traces"]["pipes"]]
    supply = list(res.pipes.index[res.pipes["side"] == "supply"])
    assert sorted(mid["customdata"]) == sorted(supply)
    p = res.junctions["p_bar"]
    pipes = net.pipes
    want = [0.5 * (p[pipes.at[i, "from_junction"]] + p[pipes.at[i, "to_junction"]])
            for i in mid["customdata"]]
    assert mid["marker"]["color"] == pytest.approx(want, abs=1e-12)
    # the bins partition the pipes and are ordered by value
    buttons = data["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == ["pressure", "temperature", "velocity",
                                             "Δp margin"]
    seg_counts = [sum(v is None for v in tr[b]["x"]) for b in range(N_BINS + 1)]
    assert sum(seg_counts) == len(supply)
    x_mid = dict(zip(mid["customdata"], zip(mid["x"], mid["y"], strict=True), strict=True))
    value = dict(zip(mid["customdata"], want, strict=True))
    hi_prev = -np.inf
    for b in range(N_BINS):
        xs, ys = tr[b]["x"], tr[b]["y"]
        vals = []
        for s in range(0, len(xs), 3):
            m = (0.5 * (xs[s] + xs[s + 1]), 0.5 * (ys[s] + ys[s + 1]))
            pid = next(i for i, xy in x_mid.items() if xy == pytest.approx(m, abs=1e-9))
            vals.append(value[pid])
        if vals:
            assert min(vals) >= hi_prev - 1e-12
            hi_prev = max(vals)
    # Δp margin: supply − return pressure at the pipe's two trench nodes minus Δp_min
    dp_min = float(res.consumers["dp_min_bar"].max())
    margin = next(b for b in buttons if b["label"] == "Δp margin")
    got = margin["args"][0]["marker.color"][N_BINS + 1]

    def at(j):
        r = j[:-2] + "_r"
        return p[j] - p[r] - dp_min if j.endswith("_s") and r in p.index else np.nan

    want = [0.5 * (at(pipes.at[i, "from_junction"]) + at(pipes.at[i, "to_junction"]))
            for i in mid["customdata"]]
    assert [np.nan if g is None else g for g in got] == pytest.approx(want, abs=1e-12,
                                                                      nan_ok=True)
    assert sum(g is not None for g in got) >= len(supply) - 2


REVERSAL = """\
name: reversal
network: {net}
plant: {{t_supply_c: 80, control: critical_point}}
load_cases:
  - {{name: summer, demand_scale: 0.3, t_soil_c: 14}}
units:
  - {{id: dc, node: S9, q_kw: 250, cooling: custom, source_temperature_c: 85,
     hx_approach_k: 3, max_inlet_c: 65}}
"""


def test_scenario_map_shows_where_the_feed_in_reverses_the_flow(tmp_path):
    from p2h_hydraulics.html_report import case_results

    # summer, 250 kW at the end of a street: the feed-in pushes water back towards the plant
    path = tmp_path / "reversal.yaml"
    path.write_text(REVERSAL.format(net=SMALL.as_posix()), encoding="utf-8")
    cr = case_results(path)
    fig, extra = map_figure(cr.network_feedin, cr.feedin, cr.base)
    d = _plain(fig, extra)
    buttons = d["layout"]["updatemenus"][0]["buttons"]
    direction = next(b for b in buttons if b["label"] == "flow direction")
    ids = list(d["data"][extra["traces"]["pipes"]]["customdata"])
    got = direction["args"][0]["marker.color"][N_BINS + 1]
    mb = cr.base.pipes["mdot_kg_s"].reindex(ids)
    mf = cr.feedin.pipes["mdot_kg_s"].reindex(ids)
    vb, vf = cr.base.pipes["v_m_s"].abs().reindex(ids), cr.feedin.pipes["v_m_s"].abs().reindex(ids)
    stagnant = ((vb < 0.005) | (vf < 0.005)).to_numpy()
    reversed_ = ((np.sign(mb) != np.sign(mf)).to_numpy()) & ~stagnant
    assert [g == 1.0 for g in got] == list(reversed_)
    assert [g == 2.0 for g in got] == list(stagnant)
    assert reversed_.sum() >= 1  # the feed-in on the trunk main turns some flow around
    feed = d["data"][extra["traces"]["feedins"]]
    assert list(feed["customdata"]) == ["dc"]


def test_marks_sit_on_the_elements_they_name():
    net = load_network(SMALL)
    res = solve(net)
    j = net.junctions
    findings = [Finding("velocity", "violation", "too fast", element="main0_s"),
                Finding("consumer_dp", "warning", "low", element="C1", load_case="summer"),
                Finding("pressure", "violation", "low", element="S1"),  # trench node
                Finding("balance", "violation", "x", element="not_an_element"),
                Finding("consumer_dp", "ok", "fine", element="C2")]
    from p2h_hydraulics.html.check_view import finding_marks

    marks = finding_marks(findings)
    assert [m.element for m in marks] == ["main0_s", "C1", "S1", "not_an_element"]
    fig, extra = map_figure(net, res, marks=marks)
    t = _plain(fig, extra)["data"][extra["traces"]["marks"]]
    pos = dict(zip(t["customdata"], zip(t["x"], t["y"], strict=True), strict=True))
    a, b = net.pipes.at["main0_s", "from_junction"], net.pipes.at["main0_s", "to_junction"]
    assert set(pos) == {"main0_s", "C1", "S1"}
    assert pos["main0_s"] == pytest.approx((0.5 * (j.at[a, "x_m"] + j.at[b, "x_m"]),
                                            0.5 * (j.at[a, "y_m"] + j.at[b, "y_m"])))
    sj = net.consumers.at["C1", "supply_junction"]
    assert pos["C1"] == pytest.approx((j.at[sj, "x_m"], j.at[sj, "y_m"]))
    assert pos["S1"] == pytest.approx((j.at["S1_s", "x_m"], j.at["S1_s", "y_m"]))
    assert MapMark("x", "y").text == ""


def test_sites_view_table_and_map(evil):
    net, _res = evil
    sr = sites_result(net)
    page = sites_view(sr, net)
    own = _self_contained(page, figures=1)
    assert EVIL_CONSUMER not in own and EVIL_NAME not in own
    rows = re.findall(r'<tr data-id="([^"]*)"><td class=\'num\' data-v="([^"]*)">', own)
    assert [r[0] for r in rows] == ["S1", "M0", "&lt;script&gt;window.__xss=1&lt;/script&gt;",
                                    "S2", "H5"]
    assert [r[1] for r in rows] == ["1.0", "2.0", "3.0", "4.0", ""]
    assert "<td>yes</td>" in own and "<td>no</td>" in own
    fig = _figures(page)["sitesmap"]
    sites = fig["data"][fig["extra"]["traces"]["sites"]]
    assert sites["marker"]["color"] == [410.0, 250.0, 90.0, 0.0]
    assert sites["marker"]["cmin"] == 0.0 and sites["marker"]["cmax"] == 410.0
    scr = fig["data"][fig["extra"]["traces"]["screened"]]
    assert scr["customdata"] == ["H5"] and scr["marker"]["symbol"] == "circle-open"
    assert "screened only (not solved): estimate 30 kW" in scr["text"][0]
    # without a network: the table alone, no plotly.js
    text = sites_view(sr, None)
    assert "plotlyjs" not in text and 'id="ranking"' in text
    _self_contained(text, figures=0)


@pytest.fixture(scope="module")
def old_hot_report():
    from p2h_hydraulics.check import check_integration
    from p2h_hydraulics.scenario import load_scenario

    scen = load_scenario(OLD_HOT)
    return scen, check_integration(scen)


def test_check_view_content(old_hot_report):
    import dataclasses

    scen, rep = old_hot_report
    page = check_view(rep, scen)
    own = _self_contained(page, figures=3)
    assert "verdict NOT_PERMITTED" in own and "IAPWS-IF97" in own
    for f in rep.findings:
        assert f.code in own
    figs = _figures(page)
    assert set(figs) == {"checkmap", "pressure", "temperature"}
    names = [t.get("name") for t in figs["pressure"]["data"]]
    assert names[:4] == ["supply (base)", "return (base)", "supply (feed-in)",
                         "return (feed-in)"]
    assert "PN16" in names
    marks = figs["checkmap"]["data"][figs["checkmap"]["extra"]["traces"]["marks"]]
    assert marks["customdata"] == ["dc_air"]
    evil = dataclasses.replace(rep, description="<script>alert(1)</script>", scenario=EVIL_NAME)
    text = check_view(evil)  # no scenario: no figures, no plotly.js
    own = _self_contained(text, figures=0)
    assert "<script>alert(1)" not in own and "&lt;script&gt;alert(1)&lt;/script&gt;" in own


def test_annual_view_figures_equal_the_hourly_table():
    res = annual_result()
    page = annual_view(res)
    _self_contained(page, figures=2)
    figs = _figures(page)
    dur = {t["name"]: t["y"] for t in figs["duration"]["data"]}
    df = res.hourly
    for name, col in (("P2H offer", "offered_kw"), ("P2H absorbed", "absorbed_kw")):
        v = df[col].to_numpy(float)
        assert dur[name] == pytest.approx(sorted(v[np.isfinite(v)], reverse=True), rel=1e-12)
    months = figs["monthly"]["data"]
    absorbed = next(t for t in months if t["name"] == "P2H absorbed")
    got = np.nansum([np.nan if v is None else v for v in absorbed["y"]])
    assert got == pytest.approx(df["absorbed_kw"].sum() / 1e3, rel=1e-12)
    assert got == pytest.approx(res.summary["absorbed_mwh"], rel=1e-9)


def test_result_file_round_trip_and_errors(tmp_path):
    net = load_network(SMALL)
    res = solve(net)
    path = write_result(res, tmp_path / "r.json")
    back = read_result_json(path, net)
    assert back.junctions["p_bar"].to_dict() == pytest.approx(res.junctions["p_bar"].to_dict())
    assert back.summary()["plant_mdot_kg_s"] == pytest.approx(res.summary()["plant_mdot_kg_s"])
    page = network_view(net, back)
    mid = _figures(page)["netmap"]
    assert len(mid["extra"]["items"]) > len(net.junctions)
    other = load_network(ROOT / "networks" / "4g_lowtemp.json")
    with pytest.raises(InputFileError, match="is this the result of that network"):
        read_result_json(path, other)
    with pytest.raises(InputFileError, match="not a result file"):
        read_result_json(SMALL, net)
    doc = json.loads(path.read_text())
    doc["pipes"] = [1, 2]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(InputFileError, match="pipes"):
        read_result_json(bad, net)


def test_cli_view(tmp_path, capsys):
    out = tmp_path / "v.html"
    assert main(["view", str(SMALL), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    _self_contained(page, figures=1)
    assert 1e6 < out.stat().st_size < 6e6  # plotly.js ≈ 4.8 MB plus the figure
    res_path = tmp_path / "r.json"
    assert main(["solve", str(SMALL), "--out", str(res_path)]) == 0
    assert main(["view", str(res_path), "--out", str(tmp_path / "r.html")]) == 2
    assert not (tmp_path / "r.html").exists()
    assert main(["view", str(res_path), "--network", str(ROOT / "networks" / "4g_lowtemp.json"),
                 "--out", str(tmp_path / "r.html")]) == 3
    assert not (tmp_path / "r.html").exists()
    assert main(["view", str(res_path), "--network", str(SMALL), "--out",
                 str(tmp_path / "r.html")]) == 0
    assert main(["view", str(SMALL), "--out", str(tmp_path / "v.png")]) == 2
    tiles = tmp_path / "t.html"
    assert main(["view", str(SMALL), "--out", str(tiles), "--tiles", "tiles/{z}/{x}.png"]) == 3
    assert main(["view", str(SMALL), "--out", str(tiles), "--tiles",
                 "https://t.example.org/{z}/{x}/{y}.png"]) == 3  # the network has no CRS
    assert not tiles.exists()
    assert main(["view", str(tmp_path / "missing.json"), "--out", str(out)]) == 3
    scen_out = tmp_path / "s.html"
    assert main(["view", str(ROOT / "scenarios" / "old_hot_network.yaml"), "--load-case",
                 "transition", "--out", str(scen_out)]) == 0
    fig = _figures(scen_out.read_text(encoding="utf-8"))["netmap"]
    labels = [b["label"] for b in fig["layout"]["updatemenus"][0]["buttons"]]
    assert labels[-1] == "flow direction"
    assert main(["view", str(ROOT / "scenarios" / "old_hot_network.yaml"), "--load-case",
                 "summer", "--out", str(tmp_path / "none.html")]) == 3
    assert not (tmp_path / "none.html").exists()
    capsys.readouterr()


def test_write_view_never_overwrites_an_input(tmp_path):
    from p2h_hydraulics.errors import P2HError

    src = tmp_path / "n.html"
    src.write_text("keep", encoding="utf-8")
    with pytest.raises(P2HError, match="input"):
        write_view(src, "<!DOCTYPE html>", inputs=[src])
    assert src.read_text(encoding="utf-8") == "keep"


def test_geographic_coordinates_are_projected_for_the_map():
    net = load_network(SMALL)
    res = solve(net)
    # the same network in WGS 84 degrees about 10° E, 53.6° N (as a GeoJSON read keeps them)
    k = np.pi / 180 * 6_371_008.8
    lat0 = 53.6
    j = net.junctions.copy()
    j["x_m"] = 10.0 + j["x_m"] / (k * np.cos(np.radians(lat0)))
    j["y_m"] = lat0 + j["y_m"] / k
    geo = net.replace(junctions=j, settings={"crs": "EPSG:4326"})
    d_m = _plain(*map_figure(net, res))
    d_geo = _plain(*map_figure(geo, res))
    t = d_m["extra"]["traces"]["pipes"]
    xm, ym = np.array(d_m["data"][t]["x"]), np.array(d_m["data"][t]["y"])
    xg, yg = np.array(d_geo["data"][t]["x"]), np.array(d_geo["data"][t]["y"])
    # same shape in metres up to the shift to the projection centre (≤ 0.1 % over the
    # network's ~400 m: cos(lat) is taken at the mean latitude)
    assert xg - xg[0] == pytest.approx(xm - xm[0], rel=1e-3, abs=0.05)
    assert yg - yg[0] == pytest.approx(ym - ym[0], rel=1e-9, abs=1e-6)
    assert "WGS 84 degrees projected" in d_geo["layout"]["xaxis"]["title"]["text"]
    # site candidates land on the projected nodes
    sr = sites_result(net, evil=False)
    sr.table["x_m"] = j["x_m"].reindex([f"{n}_s" for n in sr.table.index]).to_numpy()
    sr.table["y_m"] = j["y_m"].reindex([f"{n}_s" for n in sr.table.index]).to_numpy()
    fig = _figures(sites_view(sr, geo))["sitesmap"]
    sites = fig["data"][fig["extra"]["traces"]["sites"]]
    pipes = fig["data"][fig["extra"]["traces"]["pipes"]]
    node = d_geo["extra"]["items"]
    pos = {it[0]: (it[1], it[2]) for it in node if it[5] == "junction"}
    assert (sites["x"][0], sites["y"][0]) == pytest.approx(pos["S1_s"], abs=1e-6)
    assert pipes["x"] == pytest.approx(list(xg), abs=1e-6)


def test_background_tiles_only_when_asked_and_where_the_network_is():
    pytest.importorskip("pyproj")
    from pyproj import Transformer

    from p2h_hydraulics.errors import P2HError
    from p2h_hydraulics.html.tiles import check_tile_template

    net = load_network(SMALL)
    res = solve(net)
    j = net.junctions.copy()
    j["x_m"] += 566_000.0  # UTM 32N, near Norderstedt
    j["y_m"] += 5_950_000.0
    utm = net.replace(junctions=j, settings={"crs": "EPSG:25832"})
    assert "images" not in _plain(*map_figure(utm, res))["layout"]  # offline by default
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    fig = _plain(*map_figure(utm, res, tiles=url))
    imgs = fig["layout"]["images"]
    assert 1 <= len(imgs) <= 64
    z = {int(re.match(r"https://tiles\.example\.org/(\d+)/\d+/\d+\.png$", im["source"]).group(1))
         for im in imgs}
    assert len(z) == 1 and 12 <= z.pop() <= 19
    # together the tiles cover every junction, and tile (x, y) sits where the web-map formula
    # puts it: its upper-left corner is the UTM position of that lon/lat
    x0 = min(im["x"] for im in imgs)
    x1 = max(im["x"] + im["sizex"] for im in imgs)
    y1 = max(im["y"] for im in imgs)
    y0 = min(im["y"] - im["sizey"] for im in imgs)
    assert x0 <= j["x_m"].min() and j["x_m"].max() <= x1
    assert y0 <= j["y_m"].min() and j["y_m"].max() <= y1
    im = imgs[0]
    zz, tx, ty = (int(v) for v in re.findall(r"/(\d+)", im["source"]))
    n = 2 ** zz
    lon = tx / n * 360 - 180
    lat = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * ty / n))))
    ex, ey = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(lon, lat)
    assert (im["x"], im["y"]) == pytest.approx((ex, ey), abs=1e-6)
    with pytest.raises(P2HError, match="coordinate reference system"):
        map_figure(net, res, tiles=url)  # no CRS: nowhere to put tiles
    for bad in ("tiles.example.org/{z}/{x}/{y}.png", "javascript:alert(1)//{z}{x}{y}",
                "https://tiles.example.org/{z}/{x}.png"):
        with pytest.raises(P2HError, match="--tiles"):
            check_tile_template(bad)
