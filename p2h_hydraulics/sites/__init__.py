"""Site comparison (``p2h sites``): how much P2H heat can every candidate node take?

What to call::

    from p2h_hydraulics import compare_sites
    res = compare_sites("scenarios/3g_liquid_small_hp.yaml", candidates="T*", refine=4)
    res.table          # one row per node, best first (capacity_kw, limited_by, …)
    res.to_csv("sites.csv")

``compare_sites(scenario, …) -> SitesResult`` finds, for every candidate node (default: every
trench node ``N`` with junctions ``N_s`` and ``N_r``), the largest heat output of the
scenario's first P2H unit (the *template*: cooling type, temperatures, pump head, heat-pump
stage … moved to that node) that is still PERMITTED — or PERMITTED WITH CONDITIONS when
``allow_conditions=True`` (default) — in **every** load case of the scenario, between 0 and
``q_max`` (default: the template's own heat output), and reports the binding criterion, the
pump head, the heat-pump stage and the local return temperature at that capacity.
``candidate_pairs`` / ``select_candidates`` / ``trench_nodes`` tell where a unit can connect.

Modules (data flows one way, each imports only the ones above it):

* ``candidates`` — where a unit can connect (trench nodes, supply/return junction pairs),
* ``screen``     — stage 2: the linear screen of every node (no nonlinear solve),
* ``worker``     — the job sent to workers (``Spec``), stage 1: the per-process setup
  (compiled load cases, base solves, node-independent findings) and one full trial,
* ``search``     — stage 3: the full-solve capacity search of one node,
* ``result``     — ``SitesResult``: the ranked table and its files,
* ``compare``    — ``compare_sites``: chunks of nodes on an executor, ``refine="auto"`` rounds.

The binding criterion is the decisive finding of the smallest capacity found NOT permitted
(of the load cases that trial evaluated). The search assumes the verdict turns from permitted to
not permitted once as the capacity grows; where it does not, bisection finds one crossing.
"""

from .candidates import candidate_pairs, select_candidates, trench_nodes
from .compare import compare_sites
from .result import SitesResult

__all__ = ["compare_sites", "SitesResult", "trench_nodes", "candidate_pairs", "select_candidates"]
