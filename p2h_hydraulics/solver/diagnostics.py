"""What a failed native solve reports: the elements most likely behind it and a diagnosis in
words (``native.solve_compiled`` puts both into its ``ConvergenceError``)."""

from __future__ import annotations

import numpy as np

from .elements import FEEDIN_DT_MIN_K


def suspects(comp, fl, last_dt) -> list[str]:
    """Elements most likely behind a failed solve: clamped feed-ins and consumers (their
    temperatures left the physical range) and the junction whose temperature moved most."""
    out = [f"feed-in '{f}' (local return within {FEEDIN_DT_MIN_K:g} K of its outlet "
           "temperature)" for f in comp.f_ids[fl["f_clamped"]]]
    out += [f"consumer '{c}' (supply below its return setpoint)"
            for c in comp.c_ids[fl["c_clamped"]][:5]]
    if last_dt.size and np.any(last_dt):
        out.append(f"junction '{comp.node_ids[int(np.argmax(np.abs(last_dt)))]}' "
                   "(largest temperature change)")
    return out


def diagnose(comp, out, history, suspects=()) -> str:
    last = history[-1] if history else {}
    parts = [f"after {len(history)} outer iterations"]
    if suspects:
        parts.append("likely cause: " + ", ".join(suspects))
    if out is not None and not out.converged:
        parts.append("hydraulics did not converge (largest mass residual at junction "
                     f"'{comp.node_ids[out.worst_node]}', largest head residual in branch "
                     f"'{comp.branch_ids[out.worst_branch]}')")
    if last.get("max_dt_k", 0) > 1e-6:
        parts.append(f"temperatures still change by {last['max_dt_k']:.3g} K")
    if last.get("rel_flow_change", 0) > 1e-7:
        parts.append(f"consumer/feed-in flows still change by {last['rel_flow_change']:.3g}")
    if abs(last.get("lift_change_pa", 0)) > 0.01:
        parts.append("critical-point control has not settled")
    parts.append("check for consumers whose supply temperature is near their return setpoint, "
                 "very long stagnant branches, or valves isolating parts of the network")
    return "; ".join(parts)
