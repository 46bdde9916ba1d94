"""Findings, verdicts and the registry of checks — the data every criterion produces.

A ``Finding`` is data: which criterion (``code``), how bad (``severity``: ok | warning |
violation), where (element id, load case, base or feed-in case), the number, its limit and the
margin (positive = on the safe side), and a message in plain words. A finding may carry a
``condition``: something the operator must provide for the feed-in to be permitted (a heat-pump
stage, a stronger pump, …).

Verdict rules (``decide``):

* any violation → ``NOT_PERMITTED``;
* else any finding with a condition → ``PERMITTED_WITH_CONDITIONS``;
* else ``PERMITTED`` (warnings without a condition are reported but do not change the verdict).

Findings are sorted decisive-first (``sort_findings``): violations, then warnings with a
condition, warnings, ok; within a severity by the priority of the check (the order of
``REGISTRY``: can the unit make the temperature at all, can its cooling loop take the return,
can the network absorb it, can its pump push it, then network safety), then by margin (worst
first).

The checks themselves live in ``checks`` and register here with ``@register(code, criterion)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

__all__ = ["Finding", "decide", "sort_findings", "collect_conditions", "PERMITTED",
           "PERMITTED_WITH_CONDITIONS", "NOT_PERMITTED", "VERDICTS", "SEVERITIES", "REGISTRY",
           "CheckSpec", "register", "priorities", "WARNING_ONLY", "clean_value", "clean_tree"]

PERMITTED = "PERMITTED"
PERMITTED_WITH_CONDITIONS = "PERMITTED_WITH_CONDITIONS"
NOT_PERMITTED = "NOT_PERMITTED"
VERDICTS = (PERMITTED, PERMITTED_WITH_CONDITIONS, NOT_PERMITTED)
SEVERITIES = ("violation", "warning", "ok")

@dataclass(frozen=True)
class Finding:
    """One result of one check (values in the edge unit named by ``unit``)."""

    code: str
    severity: str  # "ok" | "warning" | "violation"
    message: str
    element: str | None = None
    load_case: str | None = None
    case: str | None = None  # "base" (no feed-in) | "feedin" | "design"
    value: float | None = None
    limit: float | None = None
    margin: float | None = None  # positive: on the safe side of the limit
    unit: str = ""
    criterion: int | None = None  # number in DOMAIN.md §4
    condition: str | None = None  # what the operator must provide (→ PERMITTED_WITH_CONDITIONS)
    count: int | None = None  # how many elements fail (when the finding summarises many)
    # network-state criteria failing already without the feed-in: how far the feed-in case is
    # from counting as "worse" (worst margin more than the tolerance below the base case's, or
    # an element failing by more than the tolerance that did not fail before); positive: not
    # worse. Continuous in the feed-in heat, so capacity searches can interpolate on it where
    # ``margin`` is negative throughout
    margin_to_worse: float | None = None
    # ``multiple_states``: the check the feed-in fails only in another steady state of the
    # network (found by solving the feed-in case again from a cold start)
    other_state_fails: str | None = None

    @property
    def search_margin(self) -> float | None:
        """The margin a capacity search interpolates on: ``margin_to_worse`` where set, else
        ``margin``."""
        return self.margin_to_worse if self.margin_to_worse is not None else self.margin

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")

    def to_dict(self) -> dict:
        return {k: clean_value(v) for k, v in asdict(self).items()}


def clean_value(v):
    """A number as a JSON value: numpy scalars as Python numbers, NaN/inf as None.

    Parameters
    ----------
    v : object
        Any value.

    Returns
    -------
    object
        ``v`` ready for ``json.dumps(..., allow_nan=False)``.
    """
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            return None
    return v


def _rank(f: Finding, priority: dict[str, int], case_order: dict[str, int]):
    sev = {"violation": 0, "warning": 1 if f.condition else 2, "ok": 3}[f.severity]
    margin = f.margin if f.margin is not None and math.isfinite(f.margin) else math.inf
    rel = margin / abs(f.limit) if f.limit not in (None, 0) and math.isfinite(f.limit) \
        else margin
    return (sev, priority.get(f.code, 999), rel, case_order.get(f.load_case, 999),
            f.element or "")


def sort_findings(findings, priority: dict[str, int] | None = None,
                  load_cases: list[str] | None = None) -> list[Finding]:
    """The findings decisive first (see the module docstring).

    Parameters
    ----------
    findings : iterable of Finding
        The findings.
    priority : dict of str to int, optional
        Rank of each check code (default: the registry order, ``priorities()``).
    load_cases : list of str, optional
        Load-case order for ties.

    Returns
    -------
    list of Finding
        Sorted: violations, warnings with a condition, warnings, ok; then by priority and
        relative margin.
    """
    if priority is None:
        priority = priorities()
    order = {n: i for i, n in enumerate(load_cases or [])}
    return sorted(findings, key=lambda f: _rank(f, priority, order))


def decide(findings) -> str:
    """The verdict from the findings (rules in the module docstring).

    Parameters
    ----------
    findings : iterable of Finding
        The findings of every check and load case.

    Returns
    -------
    str
        ``NOT_PERMITTED``, ``PERMITTED_WITH_CONDITIONS`` or ``PERMITTED``.
    """
    if any(f.severity == "violation" for f in findings):
        return NOT_PERMITTED
    if any(f.condition for f in findings):
        return PERMITTED_WITH_CONDITIONS
    return PERMITTED


def collect_conditions(findings) -> list[str]:
    """One condition per (check, element): the one with the smallest margin, worst case named.

    Parameters
    ----------
    findings : iterable of Finding
        The findings (violations are not conditions).

    Returns
    -------
    list of str
        The conditions, each with the load case where it is hardest.
    """
    best: dict[tuple, Finding] = {}
    for f in findings:
        if not f.condition or f.severity == "violation":
            continue
        key = (f.code, f.element)
        m = f.margin if f.margin is not None else math.inf
        old = best.get(key)
        if old is None or m < (old.margin if old.margin is not None else math.inf):
            best[key] = f
    out = []
    for f in best.values():
        text = f.condition
        if f.load_case:
            text += f" (worst case: {f.load_case})"
        out.append(text)
    return out


@dataclass(frozen=True)
class CheckSpec:
    code: str
    criterion: int
    func: Callable[..., list[Finding]]  # (CaseContext) -> findings
    title: str


REGISTRY: dict[str, CheckSpec] = {}
# checks that only ever warn: they never decide a verdict (capacity searches ignore them)
WARNING_ONLY = ("flow_reversal", "pressure_gradient", "stagnant_pipes")


def register(code: str, criterion: int, title: str = ""):
    """Register a check function ``(ctx) -> list[Finding]`` under ``code``.

    Parameters
    ----------
    code : str
        The check's code (unique); registration order is the decisive-first priority.
    criterion : int
        Number of the criterion it implements.
    title : str
        One line on what it checks (default: the function's docstring).

    Returns
    -------
    callable
        The decorator (it returns the function unchanged).
    """
    def deco(func):
        if code in REGISTRY:
            raise ValueError(f"check {code!r} registered twice")
        REGISTRY[code] = CheckSpec(code, criterion, func, title or (func.__doc__ or "").strip())
        return func
    return deco


def priorities() -> dict[str, int]:
    """Decisive-first order of the check codes.

    Returns
    -------
    dict of str to int
        Check code → rank (0: most decisive), in registry order.
    """
    return {c: i for i, c in enumerate(REGISTRY)}


def clean_tree(o):
    """``o`` made JSON-ready: string keys, numpy scalars as Python numbers, NaN/inf as None.

    Parameters
    ----------
    o : object
        Nested dicts, lists and tuples of values.

    Returns
    -------
    object
        The same structure, lists for tuples.
    """
    if isinstance(o, dict):
        return {str(k): clean_tree(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean_tree(v) for v in o]
    return clean_value(o)
