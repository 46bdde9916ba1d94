"""Figures show the results: the plotted data read back equals the Result values (pressures in
bar along the path, distances = cumulative pipe lengths, map colours = result columns)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection, PolyCollection

from p2h_hydraulics import load_network, solve
from p2h_hydraulics.checks import Thresholds
from p2h_hydraulics.errors import P2HError
from p2h_hydraulics.model.graph import pipe_path
from p2h_hydraulics.plotting import (
    diagram_path,
    new_axes,
    plot_network_map,
    plot_pressure_diagram,
    plot_site_ranking,
    plot_temperature_profile,
)
from p2h_hydraulics.sites import SitesResult
from p2h_hydraulics.unit import P2HUnit, design_feedin, to_feedin_rows, with_feedins

DEMO = Path(__file__).resolve().parents[2] / "networks" / "small_demo.json"


@pytest.fixture(scope="module")
def case():
    net = load_network(DEMO)
    base = solve(net)
    unit = P2HUnit(id="dc", node="S3", q_kw=80.0, cooling="custom", source_temperature_c=85.0,
                   max_inlet_c=65.0)
    fnet = with_feedins(net, to_feedin_rows(unit, design_feedin(unit, 80.0)))
    return fnet, base, solve(fnet, warm=base)


def _line(ax, label):
    hits = [ln for ln in ax.get_lines() if ln.get_label() == label]
    assert len(hits) == 1, [ln.get_label() for ln in ax.get_lines()]
    return hits[0].get_xydata()


def _cumulative_lengths(net, path):
    """Distances along a junction path from the pipe table (shortest pipe between pairs)."""
    p = net.pipes
    out = [0.0]
    for a, b in zip(path[:-1], path[1:], strict=True):
        m = ((p["from_junction"] == a) & (p["to_junction"] == b)) | \
            ((p["from_junction"] == b) & (p["to_junction"] == a))
        out.append(out[-1] + float(p.loc[m, "length_m"].min()))
    return np.array(out)


def test_map_colours_are_the_result_values(case):
    net, _, feed = case
    ax = plot_network_map(net, feed, column="p_bar", side="supply")
    coll = [c for c in ax.collections if isinstance(c, LineCollection)][0]
    ids = coll.p2h_ids
    assert ids and all(i.endswith("_s") for i in ids)
    assert set(ids) == {i for i in net.pipes.index if feed.pipes.at[i, "side"] == "supply"}
    pipes = net.pipes.loc[ids]
    j = feed.junctions["p_bar"]
    expect = 0.5 * (j.reindex(pipes["from_junction"]).to_numpy()
                    + j.reindex(pipes["to_junction"]).to_numpy())
    np.testing.assert_allclose(coll.get_array(), expect, rtol=1e-12)
    segs = coll.get_segments()
    x, y = net.junctions["x_m"], net.junctions["y_m"]
    for seg, (_, row) in zip(segs, pipes.iterrows(), strict=True):
        np.testing.assert_allclose(seg[0], [x[row["from_junction"]], y[row["from_junction"]]])
        np.testing.assert_allclose(seg[1], [x[row["to_junction"]], y[row["to_junction"]]])
    assert len(ax.figure.axes) == 2  # the colorbar
    # plant and feed-in marked at their junctions
    marks = [c for c in ax.collections if isinstance(c, PathCollection)]
    offsets = np.vstack([c.get_offsets() for c in marks])
    assert any(np.allclose(o, [x["S3_s"], y["S3_s"]]) for o in offsets)
    assert any(np.allclose(o, [x["plant_s"], y["plant_s"]]) for o in offsets)


def test_map_velocity_magnitudes_on_the_return_side(case):
    net, _, feed = case
    ax = plot_network_map(net, feed, column="v_m_s", side="return")
    coll = [c for c in ax.collections if isinstance(c, LineCollection)][0]
    assert all(i.endswith("_r") for i in coll.p2h_ids)
    np.testing.assert_allclose(coll.get_array(),
                               feed.pipes.loc[coll.p2h_ids, "v_m_s"].abs().to_numpy())


def test_map_without_result_and_bad_column(case):
    net, base, _ = case
    ax = plot_network_map(net)
    coll = [c for c in ax.collections if isinstance(c, LineCollection)][0]
    assert coll.get_array() is None
    assert len(ax.figure.axes) == 1
    with pytest.raises(P2HError, match="unknown result column"):
        plot_network_map(net, base, column="nonsense")
    with pytest.raises(P2HError):
        plot_network_map(net, base, side="middle")


def test_default_path_is_plant_feedin_critical_consumer(case):
    net, base, feed = case
    prof = diagram_path(net, base, feed)
    c = feed.consumers
    crit = c.loc[c.loc[c["mdot_kg_s"] > 0, "dp_pa"].idxmin(), "supply_junction"]
    assert prof.waypoints == ("plant_s", "S3_s", crit)
    expect = pipe_path(net, "plant_s", "S3_s") + pipe_path(net, "S3_s", crit)[1:]
    assert prof.supply == expect
    assert prof.ret == [j[:-2] + "_r" for j in expect]
    np.testing.assert_allclose(prof.supply_m, _cumulative_lengths(net, prof.supply))


def test_pressure_diagram_data_equal_the_results(case):
    net, base, feed = case
    th = Thresholds(pn_bar=10.0, p_sat_margin_bar=0.7)
    ax = plot_pressure_diagram(net, base, feed, thresholds=th)
    prof = ax.p2h_path
    dist = _cumulative_lengths(net, prof.supply)
    for name, res in (("base", base), ("feed-in", feed)):
        sup = _line(ax, f"supply ({name})")
        np.testing.assert_allclose(sup[:, 0], dist)
        np.testing.assert_allclose(sup[:, 1], res.junctions.loc[prof.supply, "p_bar"])
        ret = _line(ax, f"return ({name})")
        np.testing.assert_allclose(ret[:, 0], _cumulative_lengths(net, prof.ret))
        np.testing.assert_allclose(ret[:, 1], res.junctions.loc[prof.ret, "p_bar"])
    pn = _line(ax, "PN10")
    assert np.all(pn[:, 1] == 10.0)
    sat = _line(ax, "p_sat + 0.7 bar")
    np.testing.assert_allclose(sat[:, 1], feed.junctions.loc[prof.supply, "p_sat_bar"] + 0.7)
    assert np.all(_line(ax, "p_min 0.5 bar g")[:, 1] == 0.5)
    band = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(band) == 1 and band[0].get_label().startswith("Δp_min band (0.5")
    verts = band[0].get_paths()[0].vertices
    p_ret = feed.junctions.loc[prof.ret, "p_bar"].to_numpy()
    assert verts[:, 1].min() == pytest.approx(p_ret.min())
    assert verts[:, 1].max() == pytest.approx((p_ret + 0.5).max())


def test_pressure_diagram_base_only_on_a_given_path(case):
    net, base, _ = case
    ax = new_axes()
    out = plot_pressure_diagram(net, base, path=["plant", "S0", "H0"], ax=ax)
    assert out is ax
    sup = _line(ax, "supply (base)")
    expect = pipe_path(net, "plant_s", "S0_s") + pipe_path(net, "S0_s", "H0_s")[1:]
    np.testing.assert_allclose(sup[:, 1], base.junctions.loc[expect, "p_bar"])
    assert not [ln for ln in ax.get_lines() if "feed-in" in ln.get_label()]
    with pytest.raises(P2HError, match="waypoint"):
        plot_pressure_diagram(net, base, path=["plant", "nowhere"])


def test_temperature_profile_data_equal_the_results(case):
    net, base, feed = case
    ax = plot_temperature_profile(net, base, feed, thresholds={"t_supply_min_c": 60.0})
    prof = ax.p2h_path
    for name, res in (("base", base), ("feed-in", feed)):
        np.testing.assert_allclose(_line(ax, f"supply ({name})")[:, 1],
                                   res.junctions.loc[prof.supply, "t_c"])
        np.testing.assert_allclose(_line(ax, f"return ({name})")[:, 1],
                                   res.junctions.loc[prof.ret, "t_c"])
    np.testing.assert_allclose(_line(ax, "supply (feed-in)")[:, 0],
                               _cumulative_lengths(net, prof.supply))
    assert np.all(_line(ax, "T_supply,min 60 °C")[:, 1] == 60.0)


def test_site_ranking_colours_are_the_capacities(case):
    net = case[0]
    nodes = ["S1", "S3", "H2", "M0"]
    j = net.junctions
    table = pd.DataFrame({"rank": [1, 2, 3, 4], "capacity_kw": [300.0, 120.0, 40.0, 0.0],
                          "x_m": [j.at[f"{n}_s", "x_m"] for n in nodes],
                          "y_m": [j.at[f"{n}_s", "y_m"] for n in nodes]},
                         index=pd.Index(nodes, name="node"))
    res = SitesResult(table=table, scenario="t", q_max_kw=400.0)
    ax = plot_site_ranking(net, res, top=2)
    sc = [c for c in ax.collections
          if isinstance(c, PathCollection) and getattr(c, "p2h_ids", None)][0]
    assert sc.p2h_ids == nodes
    np.testing.assert_allclose(sc.get_array(), table["capacity_kw"])
    np.testing.assert_allclose(sc.get_offsets(), table[["x_m", "y_m"]].to_numpy())
    assert {t.get_text() for t in ax.texts} >= {"1", "2"}
    assert "3" not in {t.get_text() for t in ax.texts}


def test_figures_render_to_png_and_svg(case, tmp_path):
    net, base, feed = case
    ax = plot_pressure_diagram(net, base, feed)
    ax.figure.savefig(tmp_path / "p.png")
    ax.figure.savefig(tmp_path / "p.svg")
    assert (tmp_path / "p.png").stat().st_size > 1000
    assert (tmp_path / "p.svg").read_text().lstrip().startswith("<?xml")


def test_site_ranking_draws_screened_nodes_apart_without_colour(case):
    net = case[0]
    nodes = ["S1", "S3", "H2"]
    j = net.junctions
    table = pd.DataFrame({"rank": [1, 2, 3], "capacity_kw": [300.0, np.nan, np.nan],
                          "method": ["solved", "screened", "screened"],
                          "x_m": [j.at[f"{n}_s", "x_m"] for n in nodes],
                          "y_m": [j.at[f"{n}_s", "y_m"] for n in nodes]},
                         index=pd.Index(nodes, name="node"))
    ax = plot_site_ranking(net, SitesResult(table=table, scenario="t", q_max_kw=400.0))
    coloured = [c for c in ax.collections
                if isinstance(c, PathCollection) and getattr(c, "p2h_ids", None)][0]
    grey = [c for c in ax.collections if getattr(c, "p2h_screened_ids", None)][0]
    assert coloured.p2h_ids == ["S1"] and grey.p2h_screened_ids == ["S3", "H2"]
    np.testing.assert_allclose(coloured.get_array(), [300.0])
    np.testing.assert_allclose(grey.get_offsets(), table.loc[["S3", "H2"], ["x_m", "y_m"]])
    assert {t.get_text() for t in ax.texts} == {"1"}


def test_figures_still_write_svg_and_pdf_after_pandapipes_patched_matplotlib(case, tmp_path):
    """pandapipes' plotting package replaces matplotlib's ``RendererBase.new_gc`` on import
    with one that breaks SVG/PDF output; importing it through the package undoes that."""
    pytest.importorskip("pandapipes")
    from matplotlib.backend_bases import RendererBase

    from p2h_hydraulics.io.pandapipes_io import pandapipes

    pandapipes()
    assert not str(RendererBase.new_gc.__module__).startswith("pandapipes")
    ax = plot_network_map(case[0], case[1])
    for suffix in ("svg", "pdf"):
        ax.figure.savefig(tmp_path / f"map.{suffix}")
        assert (tmp_path / f"map.{suffix}").stat().st_size > 1000
