"""Pipe sizing: the smallest catalogue DN that keeps each pipe's design flow within the limits.

``size_network(net)`` gives every pipe without a diameter (``only_missing=False``: every pipe)
a DN of the pre-insulated catalogue (``model.catalogue``) and returns the sized network and a
``SizingReport`` (per pipe: design flow, chosen DN, velocity, specific pressure loss and why).

**Design flows.** Each in-service consumer's design flow is ``ṁ_i = Q_i / (c_p (T_s − T_r,i))``
with ``Q_i`` its design load (``q_w``; derived from annual heat first, ``loads``), ``T_s`` the
plant supply temperature (highest of the plants) and ``T_r,i`` its return setpoint
(``delta_t``: ``T_s − ΔT``; ``mdot`` control: its fixed flow); ``c_p`` at the mean of the two.
Heat losses are not included (they lower the supply temperature by a few K at most; the
verification solve includes them). The flows are accumulated along a **shortest-path tree**
(Dijkstra by pipe length, from all plant junctions at once, so each consumer is served by its
nearest plant): a pipe of the tree carries the flows of all consumers behind it, on the supply
side to their inlets and on the return side from their outlets. In meshed networks the pipes
that close a loop are not in the tree; they get the DN of the smaller end (at each end the
largest tree pipe meeting it; the smaller of the two ends), at least the smallest DN.

**Simultaneity.** Not all consumers draw their design load at the same time; a pipe behind
``n`` consumers carries ``φ(n) · Σ ṁ_i``. Default (``simultaneity=None`` or ``"winter"``): the
formula of Winter, Haslauer and Obernberger (Euroheat & Power 2001, 10 small and medium
Austrian district-heating networks, fitted for 1 ≤ n ≤ 200)

    φ(n) = a + b / (1 + (n / c)^d),  a = 0.449677646267461, b = 0.551234688,
                                      c = 53.84382392, d = 1.762743268

capped at 1 (φ(1) = 1, φ(10) = 0.974, φ(50) = 0.743, φ(200) = 0.499). A number gives a constant
factor for pipes behind more than one consumer (house connections always 1); ``"none"`` is 1.

**Choice of DN.** Per pipe, the smallest catalogue DN whose velocity ``v = ṁ / (ρ A)`` is at most
the checker's ``v_max`` (``checks.Thresholds``: 2.0 m/s, 1.5 m/s for DN ≤ 50) and whose specific
pressure loss ``R = f / d · ρ v² / 2`` (Darcy–Weisbach, Colebrook–White friction
``physics.friction`` with the pipe's roughness, water properties at the pipe's design
temperature — the supply temperature, on the return side the flow-weighted return temperature)
is at most ``R_max`` (200 Pa/m). The supply and return pipe of one trench (trench form: ids
``<trench>_s`` / ``<trench>_r``) get the larger of their two DNs. Sized pipes get the catalogue
inner diameter and the catalogue U of their series (``series`` argument, else the pipe's
series, else S1); a U given for a pipe that had no DN is kept.

**Verification.** The sized network is solved at design (every consumer at its full design
load, no simultaneity) under the plants' own control. It must converge with every consumer at
or above its Δp_min and within the head limit: the highest junction pressure at most the
pressure rating (``Thresholds.pn_bar``) and, when given, the plant head at most ``max_lift_pa``.
If not (a fixed-lift plant, or a critical-point plant that would need more than the rating),
the critical path is upsized: of the sized pipes on the supply and return path between the plant
and the consumer with the smallest Δp margin, the one with the highest specific pressure loss
in the solve gets the next larger DN (with the other pipe of its trench); solve again; repeat
(at most ``max_steps`` times). Pipes whose diameter was given are never changed.
"""

# size: one algorithm (design flows, DN choice, critical-path upsizing, design solve) and the
# report type that carries its per-pipe reasons and writes them (to_dict/json/csv/markdown).
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from .errors import ModelError, Problem
from .findings import clean_tree
from .io.atomic import write_json_atomic, write_text_atomic

__all__ = ["SizingReport", "WINTER", "design_flows", "pipe_hydraulics", "size_network",
           "simultaneity_factor", "winter_simultaneity"]

WINTER = (0.449677646267461, 0.551234688, 53.84382392, 1.762743268)
_SOURCE = ("__plants__",)  # the virtual root of the shortest-path tree


def winter_simultaneity(n) -> np.ndarray | float:
    """Winter et al. (2001) simultaneity factor for ``n`` consumers, capped at 1 [-]."""
    a, b, c, d = WINTER
    n_arr = np.asarray(n, dtype=float)
    phi = np.where(n_arr <= 1, 1.0, np.minimum(1.0, a + b / (1.0 + (n_arr / c) ** d)))
    return float(phi) if np.ndim(phi) == 0 else phi


def simultaneity_factor(spec=None) -> tuple[Callable, str]:
    """(function n → φ, description) for ``None``/"winter", "none", a number or a callable."""
    if spec is None or (isinstance(spec, str) and spec.strip().lower() == "winter"):
        return winter_simultaneity, "Winter et al. (2001): φ(n) = 0.4497 + 0.5512 / " \
                                    "(1 + (n/53.84)^1.7627), capped at 1"
    if isinstance(spec, str) and spec.strip().lower() in ("none", "1", "off"):
        return (lambda n: np.ones_like(np.asarray(n, dtype=float))), "none (φ = 1)"
    if callable(spec):
        return spec, f"user function {getattr(spec, '__name__', '')}".strip()
    try:
        k = float(spec)
    except (TypeError, ValueError):
        raise ModelError(f"simultaneity {spec!r}: give 'winter', 'none' or a factor in "
                         "(0, 1]") from None
    if not 0 < k <= 1:
        raise ModelError(f"simultaneity {k:g}: a constant factor must be in (0, 1]")
    return (lambda n: np.where(np.asarray(n, dtype=float) <= 1, 1.0, k)), \
        f"constant φ = {k:g} (behind more than one consumer)"


# ------------------------------------------------------------------------------------------
# design flows


def _consumer_flows(net) -> pd.DataFrame:
    from .model.graph import active
    from .physics import water

    cons = active(net.consumers)
    plants = active(net.plants)
    if plants.empty:
        raise ModelError("sizing needs an in-service plant", file=net.source, table="plants")
    t_s = float(plants["t_supply_k"].max())
    ctrl = cons["control"].to_numpy()
    t_r = np.where(ctrl == "delta_t", t_s - cons["delta_t_k"].to_numpy(float),
                   cons["t_return_k"].to_numpy(float))
    q = cons["q_w"].to_numpy(float)
    cp = water.heat_capacity((t_s + np.where(np.isfinite(t_r), t_r, t_s - 30.0)) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = np.where(ctrl == "mdot", cons["mdot_kg_s"].to_numpy(float), q / (cp * (t_s - t_r)))
    if ctrl.size and (ctrl == "mdot").any():
        fixed = ctrl == "mdot"
        t_r = np.where(fixed, t_s - q / (cp * np.where(m > 0, m, np.inf)), t_r)
    bad = ~(np.isfinite(m) & (m >= 0))
    if bad.any():
        raise ModelError([Problem("no design flow: needs q_w and a return temperature below "
                                  "the supply temperature", file=net.source,
                                  table="consumers", element=cid, field="q_w")
                          for cid in cons.index[bad]])
    return pd.DataFrame({"supply_junction": cons["supply_junction"],
                         "return_junction": cons["return_junction"], "mdot_kg_s": m,
                         "t_return_k": t_r, "t_supply_k": t_s}, index=cons.index)


def _tree(net):
    """(graph, predecessor map, distance map) of the shortest-path tree from the plants."""
    from .model.graph import PIPE_LIKE, active, to_graph

    g = to_graph(net, kinds=PIPE_LIKE)
    plants = active(net.plants)
    for jid in set(plants["supply_junction"]) | set(plants["return_junction"]):
        g.add_edge(_SOURCE, jid, kind="root", id=None, weight=0.0)
    pred, dist = nx.dijkstra_predecessor_and_distance(g, _SOURCE, weight="weight")
    return g, pred, dist


def _edge(g, u, v) -> dict:
    """The shortest element between two junctions of the multigraph."""
    return min(g.get_edge_data(u, v).values(), key=lambda d: (d["weight"], str(d["id"])))


def design_flows(net, simultaneity=None) -> pd.DataFrame:
    """Design flow of every in-service pipe along the shortest-path tree from the plants.

    Parameters
    ----------
    net : Network
        consumers with design loads (``q_w``) and return settings; diameters not needed.
    simultaneity : None, str, float or callable
        see ``simultaneity_factor`` (default: Winter et al. 2001).

    Returns
    -------
    DataFrame
        index pipe id; ``n_consumers``, ``mdot_sum_kg_s`` (Σ of the consumers behind it),
        ``simultaneity``, ``mdot_design_kg_s``, ``t_k`` (flow-weighted water temperature),
        ``in_tree`` (False: closes a loop).
    """
    from .model.graph import active

    phi, _ = simultaneity_factor(simultaneity)
    cf = _consumer_flows(net)
    g, pred, dist = _tree(net)
    m: dict = {}
    n: dict = {}
    mt: dict = {}
    for col, tcol in (("supply_junction", "t_supply_k"), ("return_junction", "t_return_k")):
        for j, mi, ti in zip(cf[col], cf["mdot_kg_s"], cf[tcol], strict=True):
            m[j] = m.get(j, 0.0) + mi
            n[j] = n.get(j, 0) + 1
            mt[j] = mt.get(j, 0.0) + mi * ti
    pipes = active(net.pipes)
    rows: dict = {}
    for u in sorted(dist, key=lambda x: -dist[x]):
        if u == _SOURCE or not pred.get(u):
            continue
        p = pred[u][0]
        if p == _SOURCE:
            continue
        e = _edge(g, p, u)
        mu, nu, mtu = m.get(u, 0.0), n.get(u, 0), mt.get(u, 0.0)
        m[p] = m.get(p, 0.0) + mu
        n[p] = n.get(p, 0) + nu
        mt[p] = mt.get(p, 0.0) + mtu
        if e["kind"] == "pipes":
            rows[e["id"]] = (nu, mu, mtu / mu if mu > 0 else np.nan, True)
    idx = pipes.index
    vals = [rows.get(pid, (0, 0.0, np.nan, False)) for pid in idx]
    out = pd.DataFrame({"n_consumers": [x[0] for x in vals],
                        "mdot_sum_kg_s": [float(x[1]) for x in vals],
                        "t_k": [float(x[2]) for x in vals],
                        "in_tree": [bool(x[3]) for x in vals]}, index=idx)
    t_s = float(cf["t_supply_k"].iloc[0]) if len(cf) else float(active(net.plants)[
        "t_supply_k"].max())
    out["t_k"] = out["t_k"].fillna(t_s)
    out["n_consumers"] = out["n_consumers"].astype(int)
    out["simultaneity"] = np.asarray(phi(out["n_consumers"].to_numpy()), dtype=float) \
        if len(out) else np.zeros(0)
    out["mdot_design_kg_s"] = out["mdot_sum_kg_s"] * out["simultaneity"]
    return out


# ------------------------------------------------------------------------------------------
# choice of DN


def pipe_hydraulics(mdot_kg_s, d_inner_m, t_k, roughness_m):
    """(velocity [m/s], specific friction pressure loss R [Pa/m]) of water in a pipe.

    Darcy–Weisbach with the Colebrook–White friction factor (``physics.friction``), water
    properties at ``t_k`` [K] (``physics.water``); ``mdot_kg_s`` [kg/s], ``d_inner_m`` [m],
    ``roughness_m`` [m]. Arrays broadcast; scalars give floats.
    """
    from .physics import friction, water

    m, d, t, k = np.broadcast_arrays(*(np.asarray(x, dtype=float)
                                       for x in (mdot_kg_s, d_inner_m, t_k, roughness_m)))
    rho, mu = np.asarray(water.density(t)), np.asarray(water.viscosity(t))
    area = np.pi * d ** 2 / 4
    v = np.abs(m) / (rho * area)
    re = np.where(v > 0, rho * v * d / mu, 1.0)
    f = np.asarray(friction.friction_factor(re, k / d))
    r = np.where(v > 0, f / d * rho * v * v / 2, 0.0)
    if v.ndim == 0:
        return float(v), float(r)
    return v, r


def _choose_all(mdot, t_k, roughness, th, dns, d_of) -> list[tuple[float, str]]:
    """(smallest admissible DN, why) per pipe."""
    dn_arr = np.asarray(dns, dtype=float)
    d = np.array([d_of[x] for x in dns])
    vlim = np.where(dn_arr <= th.small_dn, th.v_max_small_m_s, th.v_max_m_s)
    v, r = pipe_hydraulics(np.asarray(mdot, float)[:, None], d[None, :],
                           np.asarray(t_k, float)[:, None], np.asarray(roughness, float)[:, None])
    v, r = np.atleast_2d(v), np.atleast_2d(r)
    ok = (v <= vlim[None, :]) & (r <= th.r_max_pa_per_m)
    out = []
    for i in range(len(v)):
        hit = np.flatnonzero(ok[i])
        j = int(hit[0]) if hit.size else len(dns)
        if j == 0:
            out.append((dns[0], "smallest catalogue DN"))
            continue
        k = j - 1
        what = []
        if v[i, k] > vlim[k]:
            what.append(f"v {v[i, k]:.2f} > {vlim[k]:g} m/s")
        if r[i, k] > th.r_max_pa_per_m:
            what.append(f"R {r[i, k]:.0f} > {th.r_max_pa_per_m:g} Pa/m")
        prev = f"DN {dns[k]:g} would give {' and '.join(what)}"
        out.append((dns[j], prev) if hit.size else
                   (dns[-1], f"largest catalogue DN; {prev}"))
    return out


# ------------------------------------------------------------------------------------------


@dataclass
class SizingReport:
    """What ``size_network`` did: per-pipe table, the simultaneity rule, the verification.

    ``table`` (index pipe id): ``side``, ``n_consumers``, ``simultaneity``,
    ``mdot_design_kg_s``, ``t_k``, ``dn_before``, ``dn``, ``d_inner_m``, ``v_m_s``,
    ``r_pa_per_m`` (at the design flow), ``sized`` (bool), ``why``.
    """

    table: pd.DataFrame
    simultaneity: str
    limits: dict
    verification: dict = field(default_factory=dict)
    upsized: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """The report as plain Python (JSON-ready: NaN as None).

        Returns
        -------
        dict
            ``simultaneity``, ``limits``, ``verification``, ``upsized`` and ``pipes``: the
            per-pipe table as ``{pipe id: {column: value}}``.
        """
        return clean_tree({"simultaneity": self.simultaneity, "limits": self.limits,
                           "verification": self.verification, "upsized": list(self.upsized),
                           "pipes": {str(k): dict(r) for k, r in
                                     self.table.to_dict(orient="index").items()}})

    def to_json(self, path, inputs=()) -> Path:
        """Write ``to_dict`` as JSON, atomically and never over an input file.

        Parameters
        ----------
        path : path-like
            The JSON file.
        inputs : iterable of path-like
            Input files of the run (refused as the target).

        Returns
        -------
        Path
            The file written.
        """
        return write_json_atomic(path, self.to_dict(), inputs)

    def to_csv(self, path, inputs=()) -> Path:
        """Write the per-pipe table (``table``) as CSV, atomically and never over an input.

        Parameters
        ----------
        path : path-like
            The CSV file.
        inputs : iterable of path-like
            Input files of the run (refused as the target).

        Returns
        -------
        Path
            The file written.
        """
        return write_text_atomic(path, self.table.to_csv(index_label="id"), inputs)

    def to_markdown(self, path, inputs=()) -> Path:
        """Write ``markdown()``, atomically and never over an input file.

        Parameters
        ----------
        path : path-like
            The Markdown file.
        inputs : iterable of path-like
            Input files of the run (refused as the target).

        Returns
        -------
        Path
            The file written.
        """
        return write_text_atomic(path, self.markdown(), inputs)

    def markdown(self) -> str:
        """The report as Markdown text (edge units: kg/s, m/s, Pa/m, bar).

        Returns
        -------
        str
            Limits, simultaneity, the design solve and one row per pipe with its reason.
        """
        t = self.table
        lines = ["# Pipe sizing", "",
                 f"- pipes sized: {int(t['sized'].sum())} of {len(t)}",
                 f"- limits: v ≤ {self.limits['v_max_m_s']:g} m/s (DN ≤ "
                 f"{self.limits['small_dn']:g}: {self.limits['v_max_small_m_s']:g} m/s), "
                 f"R ≤ {self.limits['r_max_pa_per_m']:g} Pa/m",
                 f"- simultaneity: {self.simultaneity}",
                 "- design flows along the shortest-path tree from the plant(s); loop-closing "
                 "pipes get the DN of their smaller end"]
        v = self.verification
        if v:
            lines.append(f"- design solve (full load, plant control): "
                         f"{'converged' if v.get('converged') else 'NOT converged'}; smallest "
                         f"Δp margin {v.get('min_margin_pa', float('nan')) / 1e5:.3f} bar at "
                         f"'{v.get('critical_consumer')}', plant head "
                         f"{v.get('head_pa', float('nan')) / 1e5:.3f} bar, highest pressure "
                         f"{v.get('p_max_pa', float('nan')) / 1e5:.3f} bar")
        if self.upsized:
            lines.append(f"- upsized on the critical path: {', '.join(self.upsized)}")
        lines += ["", "| pipe | side | consumers | φ | design flow kg/s | DN before | DN | "
                  "v m/s | R Pa/m | why |", "|---|---|---|---|---|---|---|---|---|---|"]
        for pid, r in t.iterrows():
            before = "" if not np.isfinite(r["dn_before"]) else f"{r['dn_before']:g}"
            dn = "" if not np.isfinite(r["dn"]) else f"{r['dn']:g}"
            lines.append(f"| {pid} | {r['side']} | {r['n_consumers']} | "
                         f"{r['simultaneity']:.3f} | {r['mdot_design_kg_s']:.3f} | {before} | "
                         f"{dn} | {r['v_m_s']:.2f} | {r['r_pa_per_m']:.0f} | {r['why']} |")
        return "\n".join(lines) + "\n"


def size_network(net, only_missing: bool = True, simultaneity=None, thresholds=None,
                 series: str | None = None, max_lift_pa: float | None = None,
                 verify: bool = True, max_steps: int = 200):
    """Size the pipes of ``net`` (see the module docstring); returns ``(network, report)``.

    Parameters
    ----------
    net : Network
        read with or without validation (pipes may lack a diameter); consumers given by
        annual heat get their design load first (``loads.fill_design_loads``).
    only_missing : bool
        True: size only pipes without an inner diameter; False: every pipe.
    simultaneity : None, str, float or callable
        ``None``/"winter" (Winter et al. 2001), "none", a constant, or ``f(n)``.
    thresholds : checks.Thresholds, optional
        velocity and pressure-gradient limits (default ``Thresholds()``).
    series : str, optional
        insulation series of sized pipes (S1/S2/S3; default: the pipe's, else S1).
    max_lift_pa : float, optional
        highest plant head allowed in the design solve (besides the pressure rating).
    verify : bool
        solve the sized network at design and upsize the critical path when needed.
    max_steps : int
        most critical-path upsizing steps.

    Returns
    -------
    (Network, SizingReport)
        a new network (the input is unchanged) and the report. ``ModelError`` when the
        network cannot be sized (no plant, consumers without a design flow, Δp_min not
        reachable with the catalogue).
    """
    from .checks import Thresholds
    from .loads import fill_design_loads
    from .model.catalogue import SERIES, catalogue
    from .model.graph import junction_sides

    th = thresholds or Thresholds()
    if series is not None and series.upper() not in SERIES:
        raise ModelError(f"series {series!r}: choose one of {', '.join(SERIES)}")
    net = fill_design_loads(net)
    _check_structure(net)
    cat = catalogue()
    dns = [float(x) for x in cat.index]
    d_of = {dn: float(cat.at[dn, "d_inner_m"]) for dn in dns}
    flows = design_flows(net, simultaneity)
    _, desc = simultaneity_factor(simultaneity)
    pipes = net.pipes.copy()
    active_ids = flows.index
    to_size = pipes.index[pipes["d_inner_m"].isna().to_numpy()] if only_missing else active_ids
    to_size = [p for p in to_size if p in active_ids]
    sides = junction_sides(net)
    table = pd.DataFrame(index=pipes.index)
    table["side"] = [sides.get(j, "other") for j in pipes["from_junction"]]
    table = table.join(flows[["n_consumers", "simultaneity", "mdot_design_kg_s", "t_k",
                              "in_tree"]])
    table["dn_before"] = pipes["dn"]
    table["sized"] = table.index.isin(to_size)
    table["why"] = np.where(table["sized"], "", "kept (diameter given)")
    chosen: dict = {}
    fl = flows.loc[to_size]
    empty = fl.index[fl["in_tree"] & (fl["mdot_design_kg_s"] <= 0)]
    chosen.update({pid: (dns[0], "no consumer behind it: smallest catalogue DN")
                   for pid in empty})
    run = fl.index[fl["in_tree"] & (fl["mdot_design_kg_s"] > 0)]
    if len(run):
        picks = _choose_all(fl.loc[run, "mdot_design_kg_s"].to_numpy(),
                            fl.loc[run, "t_k"].to_numpy(),
                            pipes.loc[run, "roughness_m"].to_numpy(), th, dns, d_of)
        chosen.update(dict(zip(run, picks, strict=True)))
    _pair_trenches(chosen)
    _loop_closures(net, flows, to_size, chosen, pipes, dns)
    pipes = _apply(pipes, chosen, series, cat)
    report = SizingReport(table, desc, {"v_max_m_s": th.v_max_m_s,
                                        "v_max_small_m_s": th.v_max_small_m_s,
                                        "small_dn": th.small_dn,
                                        "r_max_pa_per_m": th.r_max_pa_per_m})
    sized = net.replace(pipes=pipes)
    if verify:
        sized = _verify(sized, report, chosen, dns, series, cat, th, max_lift_pa, max_steps)
    _fill_table(report, sized, chosen)
    return sized, report


def _check_structure(net) -> None:
    from .model.validate import find_problems

    probs = [p for p in find_problems(net) if not (p.table == "pipes" and p.field == "d_inner_m")]
    if probs:
        raise ModelError(probs, file=net.source)


def _partner(pid) -> str | None:
    """The other pipe of the same trench (trench form ids ``<trench>_s`` / ``<trench>_r``)."""
    from .model.trench import RETURN_SUFFIX, SUPPLY_SUFFIX

    text = str(pid)
    if text.endswith(SUPPLY_SUFFIX):
        return text[: -len(SUPPLY_SUFFIX)] + RETURN_SUFFIX
    if text.endswith(RETURN_SUFFIX):
        return text[: -len(RETURN_SUFFIX)] + SUPPLY_SUFFIX
    return None


def _pair_trenches(chosen: dict) -> None:
    """Supply and return pipe of one trench (ids ``<trench>_s`` / ``<trench>_r``, the trench
    form's naming) get the same DN: the larger of the two."""
    from .model.trench import RETURN_SUFFIX, SUPPLY_SUFFIX

    for pid in list(chosen):
        if not str(pid).endswith(SUPPLY_SUFFIX):
            continue
        other = str(pid)[: -len(SUPPLY_SUFFIX)] + RETURN_SUFFIX
        if other not in chosen:
            continue
        (a, why_a), (b, why_b) = chosen[pid], chosen[other]
        if a < b:
            chosen[pid] = (b, f"same trench as {other} ({why_b})")
        elif b < a:
            chosen[other] = (a, f"same trench as {pid} ({why_a})")


def _loop_closures(net, flows, to_size, chosen, pipes, dns) -> None:
    """Loop-closing pipes: the DN of the smaller end (largest tree pipe at each end)."""
    at_node: dict = {}
    for pid, (dn, _) in chosen.items():
        for j in (pipes.at[pid, "from_junction"], pipes.at[pid, "to_junction"]):
            at_node[j] = max(at_node.get(j, 0.0), dn)
    for pid in pipes.index[pipes["dn"].notna() & ~pipes.index.isin(list(chosen))]:
        if pid in flows.index and flows.at[pid, "in_tree"]:
            for j in (pipes.at[pid, "from_junction"], pipes.at[pid, "to_junction"]):
                at_node[j] = max(at_node.get(j, 0.0), float(pipes.at[pid, "dn"]))
    for pid in to_size:
        if flows.at[pid, "in_tree"]:
            continue
        ends = [at_node.get(pipes.at[pid, c], 0.0) for c in ("from_junction", "to_junction")]
        dn = max(min(ends), dns[0])
        dn = min((d for d in dns if d >= dn), default=dns[-1])
        chosen[pid] = (dn, "closes a loop (or joins two plants' areas): DN of its smaller end")


def _apply(pipes: pd.DataFrame, chosen: dict, series, cat) -> pd.DataFrame:
    pipes = pipes.copy()
    for pid, (dn, _) in chosen.items():
        s = (series or str(pipes.at[pid, "series"] or "") or "S1").upper()
        s = s if s in ("S1", "S2", "S3") else "S1"
        had_dn = np.isfinite(pipes.at[pid, "dn"])
        keep_u = (not had_dn) and pipes.at[pid, "u_w_per_mk"] > 0
        pipes.at[pid, "dn"] = dn
        pipes.at[pid, "series"] = s
        pipes.at[pid, "d_inner_m"] = float(cat.at[dn, "d_inner_m"])
        if not keep_u:
            pipes.at[pid, "u_w_per_mk"] = float(cat.at[dn, f"u_{s}_w_per_mk"])
    return pipes


def _measure(net, th, max_lift_pa) -> tuple[dict, object]:
    from .solver import solve

    res = solve(net)
    c = res.consumers
    c = c[c["mdot_kg_s"] > 0] if len(c) else c
    margin = (c["dp_pa"] - c["dp_min_pa"]) if len(c) else pd.Series(dtype=float)
    crit = str(margin.idxmin()) if len(margin) else None
    head = float(res.plant["head_pa"].max()) if len(res.plant) else math.nan
    p_max = float(res.junctions["p_pa"].max())
    reasons = []
    if not res.converged:
        reasons.append("the design solve did not converge")
    if len(margin) and margin.min() < -1.0:  # 1 Pa: the solver's control tolerance
        reasons.append(f"consumer '{crit}' gets {c.at[crit, 'dp_pa'] / 1e5:.3f} bar < Δp_min "
                       f"{c.at[crit, 'dp_min_pa'] / 1e5:.3f} bar")
    if p_max > th.pn_bar * 1e5:
        reasons.append(f"highest pressure {p_max / 1e5:.2f} bar > PN {th.pn_bar:g} bar")
    if max_lift_pa is not None and head > max_lift_pa:
        reasons.append(f"plant head {head / 1e5:.2f} bar > {max_lift_pa / 1e5:g} bar")
    v = {"converged": res.converged, "critical_consumer": crit,
         "min_margin_pa": float(margin.min()) if len(margin) else math.nan,
         "head_pa": head, "p_max_pa": p_max, "ok": not reasons, "reasons": reasons}
    return v, res


def _verify(net, report, chosen, dns, series, cat, th, max_lift_pa, max_steps):
    from .model.graph import active, pipe_path
    from .model.validate import validate_network

    validate_network(net)
    for _ in range(max_steps + 1):
        v, res = _measure(net, th, max_lift_pa)
        report.verification = v
        if v["ok"]:
            return net
        crit = v["critical_consumer"]
        if crit is None or not v["converged"]:
            break
        plants = active(net.plants)
        path_pipes = set()
        for pid in plants.index:
            for a, b in ((plants.at[pid, "supply_junction"], net.consumers.at[crit,
                                                                              "supply_junction"]),
                         (net.consumers.at[crit, "return_junction"],
                          plants.at[pid, "return_junction"])):
                try:
                    nodes = pipe_path(net, a, b)
                except (nx.NetworkXNoPath, nx.NodeNotFound):
                    continue
                pair = {frozenset(x) for x in zip(nodes[:-1], nodes[1:], strict=True)}
                p = net.pipes
                hit = [i for i, f, t in zip(p.index, p["from_junction"], p["to_junction"],
                                            strict=True) if frozenset((f, t)) in pair]
                path_pipes.update(hit)
        cand = [p for p in path_pipes if p in chosen and chosen[p][0] < dns[-1]]
        if not cand:
            break
        r = res.pipes.loc[cand, "r_pa_per_m"]
        worst = str(r.idxmax())
        dn = chosen[worst][0]
        new = dns[dns.index(dn) + 1]
        grow = {}
        for pid in (worst, _partner(worst)):
            if pid in chosen and chosen[pid][0] < new:
                was = chosen[pid][0]
                grow[pid] = (new, f"upsized on the critical path to '{crit}' (was DN {was:g})")
                report.upsized.append(f"{pid} DN {was:g}→{new:g}")
        chosen.update(grow)
        net = net.replace(pipes=_apply(net.pipes, grow, series, cat))
    raise ModelError(f"the sized network does not meet the design conditions: "
                     f"{'; '.join(report.verification.get('reasons', []))}; no sized pipe on "
                     "the critical path can be enlarged further", file=net.source)


def _fill_table(report, net, chosen) -> None:
    t = report.table
    p = net.pipes
    t["dn"] = p["dn"]
    t["d_inner_m"] = p["d_inner_m"]
    for pid, (_, why) in chosen.items():
        t.at[pid, "why"] = why
    if len(t):
        v, r = pipe_hydraulics(t["mdot_design_kg_s"].fillna(0.0).to_numpy(),
                               t["d_inner_m"].to_numpy(), t["t_k"].fillna(353.15).to_numpy(),
                               p["roughness_m"].to_numpy())
        known = (t["mdot_design_kg_s"].notna() & t["d_inner_m"].notna()).to_numpy()
        t["v_m_s"] = np.where(known, v, np.nan)
        t["r_pa_per_m"] = np.where(known, r, np.nan)
    else:
        t["v_m_s"] = t["r_pa_per_m"] = np.zeros(0)
    t["n_consumers"] = t["n_consumers"].fillna(0).astype(int)
