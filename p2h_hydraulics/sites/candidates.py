"""Candidate nodes of the site comparison: where a P2H unit can connect.

``trench_nodes`` (nodes ``N`` with junctions ``N_s`` and ``N_r``), ``candidate_pairs`` (node id →
(supply junction, return junction), also for networks drawn junction by junction),
``select_candidates`` (ids, glob patterns or a predicate) and ``placed`` (a unit moved to a
candidate)."""

from __future__ import annotations

import difflib
import fnmatch

from ..errors import ScenarioError
from ..model.graph import junction_sides
from ..model.trench import RETURN_SUFFIX, SUPPLY_SUFFIX
from ..unit import P2HUnit


def trench_nodes(network) -> list[str]:
    """Nodes ``N`` with both junctions ``N_s`` and ``N_r`` (in junction-table order).

    Parameters
    ----------
    network : Network
        The network.

    Returns
    -------
    list of str
        The trench node ids.
    """
    ids = set(map(str, network.junctions.index))
    out = []
    for j in network.junctions.index:
        j = str(j)
        if j.endswith(SUPPLY_SUFFIX):
            node = j[: -len(SUPPLY_SUFFIX)]
            if node + RETURN_SUFFIX in ids:
                out.append(node)
    return out


# how networks drawn junction by junction name a supply junction's return twin (the first of
# these that pairs the most junctions wins); pandapipes' STANET import writes "return_<id>"
_RETURN_AFFIXES = (("return_", ""), ("", "_return"), ("", "_r"), ("", "_R"), ("r_", ""),
                   ("R_", ""), ("ret_", ""), ("", "_ret"), ("", "-R"), ("", "R"), ("R", ""))


def candidate_pairs(network) -> dict[str, tuple[str, str]]:
    """Where a unit can connect: node id → (supply junction, return junction).

    Trench nodes ``N`` → (``N_s``, ``N_r``). In a network drawn junction by junction (e.g. from
    pandapipes) a supply-side junction ``S`` pairs with the return-side junction named like its
    twin (``return_S``, ``S_r``, … — the naming that pairs the most junctions), else with the
    one return-side junction at the same coordinates, else with the return junction of the
    consumers it feeds (when they agree); the node id is then ``S``.

    Parameters
    ----------
    network : Network
        The network.

    Returns
    -------
    dict of str to tuple of str
        Candidate node id → (supply junction, return junction).
    """
    pairs = {n: (n + SUPPLY_SUFFIX, n + RETURN_SUFFIX) for n in trench_nodes(network)}
    taken = {j for pair in pairs.values() for j in pair}
    j = network.junctions
    if len(taken) == len(j):
        return pairs
    sides = junction_sides(network)
    ids = [str(x) for x in j.index]
    supply = [x for x in ids if x not in taken and sides.get(x) == "supply"]
    returns = {x for x in ids if x not in taken and sides.get(x) == "return"}
    pre, suf = max(_RETURN_AFFIXES, key=lambda a: sum(f"{a[0]}{x}{a[1]}" in returns
                                                       for x in supply))
    xy = dict(zip(ids, zip(j["x_m"].astype(float), j["y_m"].astype(float), strict=True),
                  strict=True))
    at_xy: dict = {}
    for rid in returns:
        at_xy.setdefault(xy[rid], []).append(rid)
    by_consumer: dict = {}
    for s_j, r_j in zip(network.consumers["supply_junction"],
                        network.consumers["return_junction"], strict=True):
        by_consumer.setdefault(str(s_j), set()).add(str(r_j))
    for sid in supply:
        here, twin = at_xy.get(xy[sid], []), f"{pre}{sid}{suf}"
        mate = (twin if twin in returns else
                here[0] if len(here) == 1 else
                next(iter(by_consumer[sid])) if len(by_consumer.get(sid, ())) == 1 else None)
        if mate is not None:
            pairs[sid] = (sid, mate)
    return pairs


def placed(unit: P2HUnit, node: str, pair: tuple[str, str]) -> P2HUnit:
    """``unit`` connected at candidate ``node`` (its trench node, or its junction pair).

    Parameters
    ----------
    unit : P2HUnit
        The template unit.
    node : str
        The candidate node.
    pair : tuple of str
        Its (supply, return) junctions.

    Returns
    -------
    P2HUnit
        A copy connected at the node.
    """
    if pair == (node + SUPPLY_SUFFIX, node + RETURN_SUFFIX):
        return unit.model_copy(update={"node": node, "supply_junction": None,
                                       "return_junction": None})
    return unit.model_copy(update={"node": None, "supply_junction": pair[0],
                                   "return_junction": pair[1]})


def select_candidates(network, candidates=None, pairs=None) -> list[str]:
    """The candidate nodes chosen by ``candidates``.

    Parameters
    ----------
    network : Network
        The network.
    candidates : None, str, list of str or callable
        None (all of ``candidate_pairs``), ids or glob patterns (a list, or one string with
        commas: ``"M1,M2,S*"``), or a predicate ``f(node_id) -> bool``.
    pairs : dict, optional
        ``candidate_pairs(network)`` when already known.

    Returns
    -------
    list of str
        The chosen node ids, without repeats.

    Raises
    ------
    ScenarioError
        Naming ids that are no candidate (with close matches) and patterns that match none.
    """
    nodes = list(pairs if pairs is not None else candidate_pairs(network))
    if candidates is None:
        chosen = nodes
    elif callable(candidates):
        chosen = [n for n in nodes if candidates(n)]
    else:
        if isinstance(candidates, str):
            candidates = [c for c in candidates.split(",")]
        items = [str(c).strip() for c in candidates if str(c).strip()]
        known, chosen, probs = set(nodes), [], []
        for c in items:
            if any(ch in c for ch in "*?["):
                hits = fnmatch.filter(nodes, c)
                if not hits:
                    probs.append(f"pattern '{c}' matches no node")
                chosen += hits
            elif c in known:
                chosen.append(c)
            else:
                close = difflib.get_close_matches(c, nodes, n=3)
                probs.append(f"node '{c}' is not a candidate node of the network (needs "
                             f"junctions {c}{SUPPLY_SUFFIX} and {c}{RETURN_SUFFIX}, or a "
                             f"supply junction {c} with a return junction at its place)"
                             + (f" — did you mean {', '.join(close)}?" if close else ""))
        if probs:
            raise ScenarioError("; ".join(probs), file=network.source)
        chosen = list(dict.fromkeys(chosen))
    if not chosen:
        raise ScenarioError("no candidate node: the network has no trench node (junction pair "
                            f"N{SUPPLY_SUFFIX}/N{RETURN_SUFFIX}) or supply/return junction pair "
                            "at one place matching the selection", file=network.source)
    return chosen


