"""Figures of the annual analysis (matplotlib ``Figure`` objects; nothing is ever shown).

Text from inputs (the scenario name) is drawn verbatim (``plotting.plain_text``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..plotting import new_figure, plain_text

__all__ = ["duration_curves", "monthly_plot"]

_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def duration_curves(result) -> Figure:
    """Load-duration curves (each series sorted descending) of network heat, offer, absorbed
    feed-in and plant heat [kW] over the analysed hours."""
    df = result.hourly
    fig = new_figure((9, 5))
    ax = fig.add_subplot()
    series = [("network heat (consumers + losses)", "network_heat_kw", "black"),
              ("P2H offer", "offered_kw", "tab:orange"),
              ("P2H absorbed", "absorbed_kw", "tab:green"),
              ("plant heat", "plant_kw", "tab:blue")]
    for label, col, color in series:
        v = df[col].to_numpy(dtype=float)
        v = np.sort(v[np.isfinite(v)])[::-1]  # hours that could not be solved are left out
        ax.plot(np.arange(1, len(v) + 1), v, label=label, color=color, lw=1.4)
    unsolved = int((~df["converged"].astype(bool)).sum())
    ax.set_xlabel("hours (sorted)"
                  + ("" if result.summary.get("full_year") else f" — {len(df)} analysed hours")
                  + (f"; {unsolved} hours not solved (no network heat / plant curve)"
                     if unsolved else ""))
    ax.set_ylabel("kW")
    ax.set_xlim(0, max(len(df), 1))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    s = result.summary
    share = s.get("feedin_share_of_network_heat")
    ax.set_title(plain_text(
        f"{result.scenario}: duration curves — absorbed {s['absorbed_mwh']:.0f} of "
        f"{s['offered_mwh']:.0f} MWh offered"
        + (f", {100 * share:.1f} % of the network heat" if share is not None else "")))
    return fig


def monthly_plot(result) -> Figure:
    """Monthly energy (absorbed / rejected offer, network heat, heat-pump electricity) and the
    hours limited by each criterion."""
    df = result.hourly
    g = df.groupby("month")
    months = np.arange(1, 13)
    # months without analysed hours stay empty (NaN), not zero
    e = {c: g[c].sum(min_count=1).reindex(months).to_numpy() / 1e3
         for c in ("absorbed_kw", "rejected_kw", "network_heat_kw", "p_el_kw")}
    fig = new_figure((10, 7))
    ax, ax2 = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    ax.bar(months, e["absorbed_kw"], color="tab:green", label="P2H absorbed")
    ax.bar(months, e["rejected_kw"], bottom=np.nan_to_num(e["absorbed_kw"]), color="tab:orange",
           alpha=0.6, label="P2H offer not absorbed")
    ax.plot(months, e["network_heat_kw"], "k.-", label="network heat (solved hours)")
    if np.nansum(e["p_el_kw"]) > 0:
        ax.bar(months, e["p_el_kw"], width=0.3, color="tab:purple",
               label="heat-pump electricity")
    ax.set_ylabel("MWh per month")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(loc="best", ncols=2, fontsize="small")
    ax.set_title(plain_text(f"{result.scenario}: monthly feed-in"))
    lim = df[df["limited_by"] != ""]
    bottom = np.zeros(12)
    for code, part in lim.groupby("limited_by"):
        n = part.groupby("month").size().reindex(months, fill_value=0).to_numpy()
        ax2.bar(months, n, bottom=bottom, label=plain_text(code))
        bottom += n
    ax2.set_ylabel("hours limited")
    ax2.set_xticks(months, _MONTHS)
    ax2.grid(alpha=0.3, axis="y")
    if len(lim):
        ax2.legend(loc="upper center", ncols=3, fontsize="small")
    else:
        ax2.text(0.5, 0.5, "the full offer is absorbed in every hour", ha="center",
                 va="center", transform=ax2.transAxes)
    return fig
