"""The pathway figure (matplotlib ``Figure``; nothing is shown): supply levels on the x-axis,
warmest on the left; verdict bands, the unit's COP and heat-pump electricity, the plant head
and flow against their limits, and the smallest consumer Δp margin (without the feed-in).

Text from inputs (the scenario name) is drawn verbatim (``plotting.plain_text``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import NullFormatter, ScalarFormatter

from ..plotting import new_figure, plain_text

__all__ = ["pathway_figure", "VERDICT_COLORS"]

VERDICT_COLORS = {"PERMITTED": "#2ca02c", "PERMITTED_WITH_CONDITIONS": "#f0ad4e",
                  "NOT_PERMITTED": "#d62728"}


def _col(levels, key) -> np.ndarray:
    return np.array([np.nan if r.get(key) is None else float(r[key]) for r in levels])


def pathway_figure(result) -> Figure:
    """Four panels over the supply levels of a ``PathwayResult``."""
    lv = sorted(result.levels, key=lambda r: -r["level_c"])
    x = _col(lv, "level_c")
    fig = new_figure((9, 9))
    ax1, ax2, ax3, ax4 = fig.subplots(4, 1, sharex=True, height_ratios=[1, 2, 2, 2])
    half = (np.min(np.abs(np.diff(x))) / 2) if len(x) > 1 else 1.0
    for r in lv:
        ax1.axvspan(r["level_c"] - half, r["level_c"] + half,
                    color=VERDICT_COLORS[r["verdict"]], alpha=0.7, lw=0)
        ax1.text(r["level_c"], 0.5, {"direct": "D", "heat_pump": "HP", "too_cold": "×"}.get(
            r["mode"], "?"), ha="center", va="center", fontsize=8,
            transform=ax1.get_xaxis_transform())
    ax1.set_yticks([])
    ax1.set_ylabel("verdict")
    handles = [Patch(color=c, alpha=0.7, label=v.lower().replace("_", " "))
               for v, c in VERDICT_COLORS.items()]
    handles.append(Patch(color="none", label="D direct · HP heat pump · × too cold"))
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize="small",
               frameon=False)
    cop = _col(lv, "cop_min")
    ax2.plot(x, cop, "o-", color="tab:purple", label="COP (lowest load case)")
    ax2.set_ylabel("COP")
    ax2b = ax2.twinx()
    if result.annual:
        el = _col(lv, "annual_heat_pump_electricity_mwh")
        ax2b.bar(x, el, width=half, color="tab:orange", alpha=0.5,
                 label="heat-pump electricity [MWh, analysed hours]")
        ax2b.set_ylabel("MWh")
    else:
        el = _col(lv, "p_el_kw_max")
        ax2b.bar(x, el, width=half, color="tab:orange", alpha=0.5,
                 label="heat-pump electricity [kW]")
        ax2b.set_ylabel("kW")
    ax2b.set_ylim(bottom=0)
    h1, l1 = ax2.get_legend_handles_labels()
    h2, l2 = ax2b.get_legend_handles_labels()
    ax2.legend(h1 + h2, l1 + l2, loc="upper left", fontsize="small")
    ax3.plot(x, _col(lv, "plant_head_bar"), "o-", color="tab:blue", label="plant head")
    ax3.plot(x, _col(lv, "plant_head_max_bar"), "--", color="tab:blue", label="head limit")
    ax3.set_ylabel("plant head [bar]")
    heads = _col(lv, "plant_head_bar")
    heads = heads[np.isfinite(heads) & (heads > 0)]
    if heads.size and heads.max() / heads.min() > 10:  # a few levels explode: log scale
        ax3.set_yscale("log")
        ax3.yaxis.set_major_formatter(ScalarFormatter())
        ax3.yaxis.set_minor_formatter(NullFormatter())
    ax3b = ax3.twinx()
    ax3b.plot(x, _col(lv, "plant_mdot_kg_s"), "s-", color="tab:gray", label="plant flow")
    ax3b.plot(x, _col(lv, "plant_flow_max_kg_s"), ":", color="tab:gray", label="flow limit")
    ax3b.set_ylabel("plant flow [kg/s]")
    h1, l1 = ax3.get_legend_handles_labels()
    h2, l2 = ax3b.get_legend_handles_labels()
    ax3.legend(h1 + h2, l1 + l2, loc="upper left", fontsize="small")
    ax4.plot(x, _col(lv, "dp_margin_min_bar"), "o-", color="tab:green",
             label="smallest consumer Δp − Δp_min")
    ax4.axhline(0.0, color="tab:red", lw=1)
    dp = _col(lv, "dp_margin_min_bar")
    dp = dp[np.isfinite(dp)]
    if dp.size and np.ptp(np.append(dp, 0.0)) < 0.2:  # critical-point control: margin ≈ 0
        ax4.set_ylim(-0.2, 0.2)
    ax4.set_ylabel("Δp margin [bar]")
    ax4.set_xlabel("plant supply temperature level [°C] (network without the feed-in: "
                   "panels 3–4)")
    ax4.legend(loc="lower left", fontsize="small")
    for ax in (ax2, ax3, ax4):
        ax.grid(alpha=0.3)
    if len(x):
        ax4.set_xlim(np.max(x) + half, np.min(x) - half)  # warmest (today) on the left
    ax1.set_title(plain_text(f"{result.scenario}: temperature pathway "
                             f"({result.settings.get('return_model')} returns)"))
    return fig
