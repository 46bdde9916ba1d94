"""The network model: element tables (pandas DataFrames indexed by id) plus settings.

The tables are the source of truth; the networkx graph (``model.graph``) and the solver arrays
(``solver.compile``) are derived from them by one function each. A ``Network`` is treated as
immutable by the library: functions that change something return a new network (``replace``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .schema import REQUIRED, SETTINGS, TABLES, empty_columns


def _empty_table(table: str) -> pd.DataFrame:
    cols = empty_columns(table)
    df = pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items() if c != "id"})
    df.index = pd.Index([], dtype=object, name="id")
    return df


def default_settings() -> dict:
    """Settings with every default filled in."""
    return {a.name: a.default for a in SETTINGS if a.default is not REQUIRED}


@dataclass
class Network:
    """A two-pipe district-heating network (or any water network) in SI units.

    Tables (DataFrames indexed by element id, columns from ``model.schema.TABLES``):
    ``junctions``, ``pipes``, ``valves``, ``pumps``, ``consumers``, ``plants``, ``feedins``,
    ``pressure_refs``, ``mass_flows``. ``settings`` holds network-wide values (soil temperature …).
    """

    junctions: pd.DataFrame = field(default_factory=lambda: _empty_table("junctions"))
    pipes: pd.DataFrame = field(default_factory=lambda: _empty_table("pipes"))
    valves: pd.DataFrame = field(default_factory=lambda: _empty_table("valves"))
    pumps: pd.DataFrame = field(default_factory=lambda: _empty_table("pumps"))
    consumers: pd.DataFrame = field(default_factory=lambda: _empty_table("consumers"))
    plants: pd.DataFrame = field(default_factory=lambda: _empty_table("plants"))
    feedins: pd.DataFrame = field(default_factory=lambda: _empty_table("feedins"))
    pressure_refs: pd.DataFrame = field(default_factory=lambda: _empty_table("pressure_refs"))
    mass_flows: pd.DataFrame = field(default_factory=lambda: _empty_table("mass_flows"))
    settings: dict = field(default_factory=default_settings)
    source: str | None = None  # file it was read from (for messages)

    TABLE_NAMES = tuple(TABLES)

    def table(self, name: str) -> pd.DataFrame:
        """The table called ``name``."""
        return getattr(self, name)

    def copy(self) -> Network:
        """A deep copy (tables and settings)."""
        kw = {t: self.table(t).copy(deep=True) for t in TABLES}
        return Network(**kw, settings=dict(self.settings), source=self.source)

    def replace(self, **tables) -> Network:
        """A copy with some tables (or ``settings``) replaced."""
        new = self.copy()
        for name, value in tables.items():
            if name == "settings":
                new.settings = {**new.settings, **value}
            else:
                setattr(new, name, value.copy())
        return new

    @property
    def t_soil_k(self) -> float:
        return float(self.settings.get("t_soil_k", 283.15))

    def summary(self) -> dict[str, int]:
        """Number of elements per table."""
        return {t: len(self.table(t)) for t in TABLES}

    def equals(self, other: Network) -> bool:
        """True when every table and setting is identical (NaN == NaN)."""
        for t in TABLES:
            a, b = self.table(t), other.table(t)
            if list(a.index) != list(b.index) or set(a.columns) != set(b.columns):
                return False
            if not a.empty and not a.equals(b[a.columns]):
                return False
        sa, sb = self.settings, other.settings
        if set(sa) != set(sb):
            return False
        for k in sa:
            va, vb = sa[k], sb[k]
            if isinstance(va, float) and isinstance(vb, float) and np.isnan(va) and np.isnan(vb):
                continue
            if va != vb:
                return False
        return True

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {t}" for t, n in self.summary().items() if n)
        return f"Network({self.settings.get('name', '')!r}: {counts})"
