"""Write the shipped example networks and their README (``python networks/make_examples.py``).

Every example comes from ``p2h_hydraulics.synthetic.make_network`` with the hand-tuned
parameters below; the same parameters always give the same files. The README numbers are
computed from the written networks.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run from a checkout without installing the package
    sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402

from p2h_hydraulics.io import load_network  # noqa: E402
from p2h_hydraulics.io.atomic import write_text_atomic  # noqa: E402
from p2h_hydraulics.io.native_json import write_json_network  # noqa: E402
from p2h_hydraulics.model.graph import loops  # noqa: E402
from p2h_hydraulics.synthetic import make_network  # noqa: E402

ZERO_C = 273.15

EXAMPLES = {
    "3g_norderstedt_like.json": dict(
        what=("3G meshed network in the conditions of the Norderstedt case: supply up to 81 °C, "
              "consumer return setpoints around 55 °C, a ring main (two trunk legs from the "
              "plant closed at their east ends), cross-links between sub-mains and streets, "
              "flat terrain."),
        kw=dict(n_consumers=220, topology="meshed", seed=11, generation="3g",
                t_supply_k=81.0 + ZERO_C, t_return_k=(52.0 + ZERO_C, 58.0 + ZERO_C),
                ring_main=True, loop_fraction=0.06, elevation_base_m=30.0,
                elevation_range_m=6.0, name="3g_norderstedt_like",
                description="Norderstedt-like 3G network (81 °C supply, ~55 °C return)"),
    ),
    "4g_lowtemp.json": dict(
        what=("4G low-temperature network ≈ 65/35 °C: radial street grid with two loop "
              "closures (links between the far ends of neighbouring sub-mains), lower loads "
              "(new buildings, load_scale 0.6), gently hilly terrain."),
        kw=dict(n_consumers=100, topology="meshed", seed=5, generation="4g",
                ring_main=False, n_loops=2, load_scale=0.6, share_large=0.01,
                elevation_base_m=45.0, elevation_range_m=10.0, name="4g_lowtemp",
                description="4G low-temperature network (65 °C supply, 30–40 °C return)"),
    ),
    "small_demo.json": dict(
        what="Tiny radial 3G network for the documentation and quick tests.",
        kw=dict(n_consumers=10, topology="radial", seed=1, generation="3g",
                elevation_range_m=5.0, name="small_demo",
                description="tiny radial demo network"),
    ),
}


def stats(net) -> dict:
    """Key numbers of a generated network (trench counts are per supply/return pair)."""
    pipes, c, p = net.pipes, net.consumers, net.plants
    sup = pipes[pipes.index.str.endswith("_s")]
    j = net.junctions
    t_ret = c["t_return_k"].to_numpy() - ZERO_C
    return {
        "consumers": len(c),
        "nodes": len(j) // 2,
        "trenches": len(sup),
        "pipes": len(pipes),
        "loops": len(loops(net)) // 2,
        "loop_trenches": int(sup.index.str.startswith("loop").sum()),
        "total_load_mw": c["q_w"].sum() / 1e6,
        "largest_load_kw": c["q_w"].max() / 1e3,
        "t_supply_c": float(p["t_supply_k"].max()) - ZERO_C,
        "t_return_min_c": float(t_ret.min()),
        "t_return_mean_c": float(np.average(t_ret, weights=c["q_w"])),
        "t_return_max_c": float(t_ret.max()),
        "dn_min": int(sup["dn"].min()),
        "dn_max": int(sup["dn"].max()),
        "trench_km": sup["length_m"].sum() / 1e3,
        "service_km": sup.loc[sup.index.str.startswith("service"), "length_m"].sum() / 1e3,
        "elev_min_m": float(j["elevation_m"].min()),
        "elev_max_m": float(j["elevation_m"].max()),
        "mdot_design_kg_s": float(p["mdot_design_kg_s"].sum()),
        "p_return_bar": float(p["p_return_pa"].iloc[0]) / 1e5,
        "series": ", ".join(sorted(set(sup["series"]))),
    }


def _call_text(kw: dict) -> str:
    """The exact ``make_network`` call (temperatures in K, as the API takes them)."""
    args = ",\n    ".join(f"{k}={v!r}" for k, v in kw.items())
    return f"make_network(\n    {args},\n)"


def readme(rows: list[tuple[str, dict, dict]]) -> str:
    out = ["# Example networks", "",
           "Synthetic district-heating networks made by `p2h_hydraulics.synthetic.make_network`",
           "and written in the native JSON format (two-pipe form, SI units). Regenerate them "
           "(and this file)", "with", "", "```", "python networks/make_examples.py", "```", "",
           "The layout: one plant at the west end of the trunk main(s), sub-mains to the north "
           "and south,", "streets to the east and west, a house connection (10–40 m) to every "
           "consumer. Node `N` of the", "layout is junction `N_s` on the supply side and `N_r` "
           "on the return side; trench `T` is pipe", "`T_s` (supply) and `T_r` (return). "
           "Consumers run with a return-temperature setpoint and need", "0.5 bar differential "
           "pressure; the plant holds the return pressure and controls the pump lift",
           "to the critical point (start value 3 bar). Pipes are pre-insulated steel from the "
           "catalogue, sized", "for velocity ≤ 1.5 m/s and ≤ 120 Pa/m at the design flow of "
           "all consumers downstream.", "",
           "| file | consumers | nodes / trenches | loops | total load | supply / return "
           "setpoints | DN | trench length | elevation |",
           "|---|---|---|---|---|---|---|---|---|"]
    for fname, _ex, s in rows:
        out.append(
            f"| `{fname}` | {s['consumers']} | {s['nodes']} / {s['trenches']} | {s['loops']} | "
            f"{s['total_load_mw']:.2f} MW | {s['t_supply_c']:g} °C / {s['t_return_min_c']:.1f}–"
            f"{s['t_return_max_c']:.1f} °C | DN{s['dn_min']}–DN{s['dn_max']} | "
            f"{s['trench_km']:.2f} km | {s['elev_min_m']:.1f}–{s['elev_max_m']:.1f} m |")
    out.append("")
    for fname, ex, s in rows:
        out += [f"## `{fname}`", "", ex["what"], "", "Made with", "", "```python",
                _call_text(ex["kw"]), "```", "",
                f"- {s['consumers']} consumers, {s['nodes']} nodes, {s['trenches']} trenches "
                f"({s['pipes']} pipes), {s['loops']} independent loop(s) per side "
                f"({s['loop_trenches']} loop-closing trench segments)",
                f"- total load {s['total_load_mw']:.2f} MW (largest consumer "
                f"{s['largest_load_kw']:.0f} kW), plant design flow "
                f"{s['mdot_design_kg_s']:.1f} kg/s",
                f"- supply {s['t_supply_c']:g} °C; return setpoints {s['t_return_min_c']:.1f}–"
                f"{s['t_return_max_c']:.1f} °C (load-weighted mean "
                f"{s['t_return_mean_c']:.1f} °C)",
                f"- DN{s['dn_min']}–DN{s['dn_max']} (series {s['series']}); trench length "
                f"{s['trench_km']:.2f} km, of which house connections {s['service_km']:.2f} km",
                f"- elevation {s['elev_min_m']:.1f}–{s['elev_max_m']:.1f} m; return pressure "
                f"{s['p_return_bar']:g} bar(g); soil 10 °C", ""]
    return "\n".join(out)


def main() -> None:
    rows = []
    for fname, ex in EXAMPLES.items():
        net = make_network(**ex["kw"])
        path = write_json_network(net, HERE / fname)
        path.chmod(0o644)  # the atomic writer creates private (0600) files
        back = load_network(path)
        if not back.equals(net):
            raise RuntimeError(f"{path}: does not read back identically")
        s = stats(back)
        rows.append((fname, ex, s))
        print(f"{fname}: {s['consumers']} consumers, {s['total_load_mw']:.2f} MW, "
              f"{s['loops']} loops, DN{s['dn_min']}–{s['dn_max']}, {s['trench_km']:.2f} km")
    write_text_atomic(HERE / "README.md", readme(rows) + "\n").chmod(0o644)


if __name__ == "__main__":
    main()
