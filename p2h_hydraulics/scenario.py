"""Scenario files: a network, load cases, P2H units and thresholds in one YAML file.

```yaml
name: norderstedt_air_hp
description: Air-cooled data centre into a 3G network (81 °C) — heat pump needed.
network: ../networks/3g_norderstedt_like.json   # relative to this file
backend: native                                  # or pandapipes
plant: {t_supply_c: 81, control: critical_point} # defaults for every load case
load_cases:
  - {name: winter, demand_scale: 1.0, t_soil_c: 8}
  - {name: summer, demand_scale: 0.2, t_supply_c: 75, t_return_offset_k: 5}
units:
  - {id: dc1, node: T3, q_kw: 1500, cooling: air}
thresholds: {t_supply_min_c: 65}
expected: {verdict: PERMITTED_WITH_CONDITIONS, decisive: heat_pump}
```

The file is parsed with a safe YAML loader that keeps the line of every key; validation is
pydantic with unknown keys forbidden, and every problem is reported as ``file:line`` with the
offending key (``ScenarioError``, exit code 3). The network path is resolved relative to the
scenario file; units on nodes that do not exist, and load-case overrides of unknown consumers,
are rejected with the node/consumer and the file named. ``expected`` documents the verdict the
author expects (used by the tests); the checker never reads it.

``apply_load_case(network, load_case, plant)`` (used by ``evaluation``) returns a new network
(the input is never modified): consumer demands scaled (``demand_scale``) or set per consumer
(``q_kw``) — fixed flows scaled with them —, return setpoints shifted (``t_return_offset_k``),
soil temperature and plant settings replaced.
``scenario_json_schema()`` is the JSON Schema of the file format.
"""
# size: the scenario file's data model, its reader (YAML with line numbers, checks against the
# network) and the load cases applied to a network read best side by side.

from __future__ import annotations

import difflib
import math
import os
import stat
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from .annual.settings import AnnualSettings, SoilSettings
from .checks import Thresholds
from .errors import InputFileError, Problem, ScenarioError
from .io import load_network
from .io.safe_read import file_kind
from .unit import HeatPumpSpec, P2HUnit
from .units import BAR, ZERO_CELSIUS_K

__all__ = ["PlantSettings", "LoadCase", "Expected", "Scenario", "load_scenario",
           "scenario_json_schema", "parse_scenario_text"]


class PlantSettings(BaseModel):
    """Overrides of the central plant(s) (applied to every plant in service)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    t_supply_c: float | None = Field(None, gt=0.0, lt=200.0, description="supply setpoint")
    control: Literal["lift", "p_supply", "critical_point"] | None = Field(
        None, description="pump control")
    lift_bar: float | None = Field(None, ge=0.0, le=100.0, description="pump lift (control lift)")
    p_return_bar: float | None = Field(None, ge=-1.0, le=100.0,
                                       description="pressurisation (gauge) at the return")
    p_supply_bar: float | None = Field(None, ge=-1.0, le=100.0,
                                       description="supply gauge pressure (control p_supply)")
    mdot_design_kg_s: float | None = Field(None, gt=0.0,
                                           description="design flow for the minimum-flow check")

    def merged(self, other: PlantSettings | None) -> PlantSettings:
        """These settings overridden by the non-empty fields of ``other``."""
        if other is None:
            return self
        return self.model_copy(update=other.model_dump(exclude_none=True))


class LoadCase(BaseModel):
    """One operating point of the network (winter, transition, summer, …)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(..., min_length=1)
    description: str = ""
    demand_scale: float = Field(1.0, ge=0.0, le=10.0,
                                description="factor on every consumer's heat demand")
    q_kw: dict[str, float] = Field(default_factory=dict,
                                   description="heat demand per consumer id [kW] (after scaling)")
    t_supply_c: float | None = Field(None, gt=0.0, lt=200.0,
                                     description="plant supply temperature in this load case")
    t_soil_c: float | None = Field(None, gt=-50.0, lt=70.0,
                                   description="soil temperature of every pipe")
    t_return_offset_k: float = Field(0.0, ge=-60.0, le=60.0,
                                     description="shift of every consumer's return setpoint")
    plant: PlantSettings | None = Field(None, description="plant overrides in this load case")

    @field_validator("q_kw")
    @classmethod
    def _non_negative(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k, q in v.items() if not (q >= 0.0 and math.isfinite(q))]
        if bad:
            raise ValueError(f"heat demands must be finite and ≥ 0 kW (consumers {bad})")
        return v


class Expected(BaseModel):
    """What the scenario's author expects (documentation and regression tests only)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verdict: Literal["PERMITTED", "PERMITTED_WITH_CONDITIONS", "NOT_PERMITTED"]
    decisive: str | None = Field(None, description="code of the first decisive finding")
    load_case: str | None = Field(None, description="load case of the decisive finding")
    note: str = ""


class Scenario(BaseModel):
    """A feed-in question: network + load cases + units + thresholds."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1)
    description: str = ""
    network: Path = Field(..., description="network file, relative to the scenario file")
    backend: Literal["native", "pandapipes"] = "native"
    plant: PlantSettings = Field(default_factory=PlantSettings,
                                 description="plant settings for every load case")
    load_cases: list[LoadCase] = Field(default_factory=lambda: [LoadCase(name="design")],
                                       min_length=1)
    units: list[P2HUnit] = Field(..., min_length=1)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    expected: Expected | None = None
    annual: AnnualSettings | None = Field(None, description="inputs of the hour-by-hour annual "
                                                          "analysis (p2h annual)")

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _source: str | None = PrivateAttr(default=None)
    _network: Any = PrivateAttr(default=None)

    @field_validator("load_cases")
    @classmethod
    def _unique_cases(cls, v: list[LoadCase]) -> list[LoadCase]:
        names = [lc.name for lc in v]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"load case names must be unique (repeated: {', '.join(dup)})")
        return v

    @field_validator("units")
    @classmethod
    def _unique_units(cls, v: list[P2HUnit]) -> list[P2HUnit]:
        ids = [u.id for u in v]
        dup = sorted({n for n in ids if ids.count(n) > 1})
        if dup:
            raise ValueError(f"unit ids must be unique (repeated: {', '.join(dup)})")
        return v

    @property
    def network_path(self) -> Path:
        """The network file (relative paths resolved against the scenario file's folder)."""
        p = Path(self.network).expanduser()
        return Path(os.path.normpath(p if p.is_absolute() else (self._base_dir / p)))

    @property
    def source(self) -> str | None:
        """The scenario file this was read from."""
        return self._source

    def load_network(self):
        """The network (read once, then cached)."""
        if self._network is None:
            path = self.network_path
            if not path.exists():
                raise ScenarioError(Problem(f"network file not found: {path}", file=self._source,
                                            field="network", value=str(self.network)))
            if not_a_file_or_folder(path):
                raise ScenarioError(Problem(not_a_file_or_folder(path), file=self._source,
                                            field="network", value=str(self.network)))
            self._network = load_network(path)
        return self._network

    def with_network(self, network) -> Scenario:
        """A copy of this scenario that uses ``network`` instead of reading its file.

        Parameters
        ----------
        network : Network
            The network the copy evaluates (e.g. a temperature level's network).

        Returns
        -------
        Scenario
            The copy (same file paths, units, load cases and thresholds).
        """
        new = self.model_copy()
        new._network = network
        return new


# ------------------------------------------------------------------------------------------
# YAML with line numbers


class _Lines:
    """Line (1-based) of every key / list item of a composed YAML document, by path."""

    def __init__(self):
        self.lines: dict[tuple, int] = {}
        self.nodes = 0  # values built so far (aliases count each time they are expanded)

    def line(self, loc: tuple) -> int | None:
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)


_STD_TAG = "tag:yaml.org,2002:"
_NOT_FINITE = "expected a finite number"
_MAX_NODES = 100_000


def _build(node, loader, path: tuple, lines: _Lines, problems: list, file: str, depth=0):
    """Python data from a composed node (keys kept as their text), recording lines."""
    if depth > 50:
        raise InputFileError([Problem("YAML nested too deeply (recursive alias?)", file=file,
                                      line=node.start_mark.line + 1)])
    lines.nodes += 1
    if lines.nodes > _MAX_NODES:
        raise InputFileError([Problem(f"YAML expands to more than {_MAX_NODES} values (nested "
                                      "aliases?); a scenario is a small file", file=file,
                                      line=node.start_mark.line + 1)])
    tag = str(node.tag or "")
    if not tag.startswith(_STD_TAG) or tag.startswith(_STD_TAG + "python/"):
        # refused before anything is constructed (the mapping/sequence branches below would
        # otherwise silently drop the tag)
        shown = "!!" + tag[len(_STD_TAG):] if tag.startswith(_STD_TAG) else tag
        raise InputFileError([Problem(f"YAML tag '{shown}' is not allowed: scenario files are "
                                      "plain data (no Python objects or custom tags)", file=file,
                                      line=node.start_mark.line + 1,
                                      field=_loc_text(path) or None)])
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                problems.append(Problem("keys must be plain text", file=file,
                                        line=knode.start_mark.line + 1))
                continue
            key = knode.value
            if key in out:
                problems.append(Problem(f"key '{key}' is given twice", file=file,
                                        line=knode.start_mark.line + 1,
                                        field=".".join(map(str, (*path, key)))))
            lines.lines[(*path, key)] = knode.start_mark.line + 1
            out[key] = _build(vnode, loader, (*path, key), lines, problems, file, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            lines.lines[(*path, i)] = item.start_mark.line + 1
            items.append(_build(item, loader, (*path, i), lines, problems, file, depth + 1))
        return items
    try:
        value = loader.construct_object(node, deep=True)
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise InputFileError([Problem(f"malformed YAML ({str(exc).split(';')[0]})", file=file,
                                      line=node.start_mark.line + 1,
                                      field=_loc_text(path) or None)]) from None
    if isinstance(value, float) and not math.isfinite(value):  # .nan / .inf mean nothing here
        problems.append(Problem(_NOT_FINITE, file=file, line=node.start_mark.line + 1,
                                field=_loc_text(path) or None, value=value))
    return value


def _known_keys() -> list[str]:
    keys = set()
    for model in (Scenario, LoadCase, PlantSettings, P2HUnit, HeatPumpSpec, Thresholds,
                  Expected, AnnualSettings, SoilSettings):
        keys |= set(model.model_fields)
    return sorted(keys)


def _loc_text(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _yaml_loc(loc: tuple, data) -> tuple:
    """The part of a pydantic error location that exists in the YAML data."""
    keep = []
    cur = data
    for part in loc:
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            cur = cur[part]
        elif isinstance(cur, dict) and isinstance(part, str):
            keep.append(part)  # a missing or unknown key: still name it
            break
        else:
            continue  # pydantic-internal parts (union member tags …)
        keep.append(part)
    return tuple(keep)


def _validation_problems(exc: ValidationError, data, lines: _Lines, file: str) -> list[Problem]:
    probs = []
    for err in exc.errors():
        loc = _yaml_loc(tuple(err["loc"]), data)
        where = _loc_text(loc)
        line = lines.line(loc)
        typ = err["type"]
        if typ == "extra_forbidden":
            key = str(loc[-1]) if loc else "?"
            close = difflib.get_close_matches(key, _known_keys(), n=1)
            probs.append(Problem(f"unknown key '{key}'", file=file, line=line, field=where,
                                 hint=f"did you mean '{close[0]}'?" if close else None))
        elif typ == "missing":
            probs.append(Problem("required key is missing", file=file, line=line, field=where))
        else:
            msg = err["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, "):]
            value = err.get("input")
            probs.append(Problem(msg, file=file, line=line, field=where,
                                 value=value if not isinstance(value, (dict, list)) else None))
    return probs


def parse_scenario_text(text: str, file: str = "<scenario>",
                        base_dir: Path | None = None) -> tuple[Scenario, _Lines]:
    """Validate scenario YAML text (``ScenarioError`` with ``file:line`` for every problem).

    Parameters
    ----------
    text : str
        The YAML text.
    file : str
        File name for messages.
    base_dir : Path, optional
        Folder the network path is relative to.

    Returns
    -------
    tuple
        (Scenario, line map of the keys).
    """
    try:
        loader = yaml.SafeLoader(text)  # checks the characters: raises ReaderError
    except yaml.YAMLError as exc:
        raise InputFileError([Problem(f"malformed YAML: {_reader_text(exc)}", file=file)]) \
            from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InputFileError([Problem(f"malformed YAML: {getattr(exc, 'problem', exc)}",
                                          file=file,
                                          line=mark.line + 1 if mark else None)]) from None
        if node is None:
            raise ScenarioError(Problem("the scenario file is empty", file=file))
        lines = _Lines()
        lines.lines[()] = node.start_mark.line + 1
        problems: list[Problem] = []
        try:
            data = _build(node, loader, (), lines, problems, file)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InputFileError([Problem(f"malformed YAML: {getattr(exc, 'problem', exc)}",
                                          file=file,
                                          line=mark.line + 1 if mark else None)]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ScenarioError(Problem("a scenario must be a mapping of keys (name, network, "
                                    "units, …)", file=file, line=lines.line(())))
    try:
        scen = Scenario.model_validate(data)
    except ValidationError as exc:
        flagged = {p.field for p in problems if p.message == _NOT_FINITE}
        problems += [p for p in _validation_problems(exc, data, lines, file)
                     if p.field not in flagged]
        scen = None
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: p.line or 0))
    scen._base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
    scen._source = file
    return scen, lines


def _reader_text(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        ch = exc.character
        shown = f"#x{ch:04x}" if isinstance(ch, int) else repr(ch)
        return f"character {shown} at position {exc.position}: {exc.reason}"
    return str(getattr(exc, "problem", None) or exc)


def load_scenario(path, load_network: bool = True) -> Scenario:
    """Read, validate and (by default) resolve a scenario file against its network.

    Parameters
    ----------
    path : path-like
        The scenario YAML file (read with a safe loader).
    load_network : bool
        Also read the network and check the units' nodes and load-case consumers against it.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        With ``file:line`` for unknown keys, wrong values, a missing network file, units on
        nodes that do not exist, load-case overrides of unknown consumers, a network
        without consumers and load cases that make a consumer impossible.
    """
    from .io.safe_read import max_input_bytes, read_regular_text

    path = Path(path)
    cap = max_input_bytes("scenario")  # the YAML parser would take minutes on a few MB
    text = read_regular_text(path, cap, "scenario",
                             hint="the network belongs in its own file, named by 'network:'")
    scen, lines = parse_scenario_text(text, file=str(path), base_dir=path.parent)
    if not load_network:
        return scen
    if not scen.network_path.exists():
        raise ScenarioError(Problem(f"network file not found: {scen.network_path}",
                                    file=str(path), line=lines.line(("network",)),
                                    field="network", value=str(scen.network)))
    if not_a_file_or_folder(scen.network_path):
        raise ScenarioError(Problem(not_a_file_or_folder(scen.network_path), file=str(path),
                                    line=lines.line(("network",)), field="network",
                                    value=str(scen.network)))
    net = scen.load_network()
    _check_references(scen, net, lines, str(path))
    _check_load_cases(scen, net, lines, str(path))
    return scen


def not_a_file_or_folder(path: Path) -> str | None:
    """Why ``path`` (named by a scenario) is not read as a network: a pipe, device or socket is
    never opened (reading one would wait or never end). None for a regular file or a folder."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"network file cannot be read ({exc.strerror}): {path}"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return (f"network is a {file_kind(mode)}, not a regular file or a folder: {path}; "
            "name a network file or a folder of CSV tables")


def _check_references(scen: Scenario, net, lines: _Lines, file: str) -> None:
    junctions = set(net.junctions.index)
    nodes = sorted({j[:-2] for j in junctions if j.endswith("_s")})
    consumers = set(net.consumers.index)
    probs = []
    for i, u in enumerate(scen.units):
        for key in ("node", "supply_junction", "return_junction"):
            val = getattr(u, key)
            if val is None:
                continue
            exists = ({f"{val}_s", f"{val}_r"} <= junctions) if key == "node" else \
                val in junctions
            if exists:
                continue
            pool = nodes if key == "node" else sorted(junctions)
            close = difflib.get_close_matches(str(val), pool, n=3)
            what = "node" if key == "node" else "junction"
            probs.append(Problem(
                f"unit '{u.id}': {what} '{val}' does not exist in the network {net.source}",
                file=file, line=lines.line(("units", i, key)), field=f"units[{i}].{key}",
                hint=f"did you mean {', '.join(close)}?" if close else None))
    for i, lc in enumerate(scen.load_cases):
        for cid in lc.q_kw:
            if cid not in consumers:
                close = difflib.get_close_matches(cid, sorted(consumers), n=3)
                probs.append(Problem(
                    f"load case '{lc.name}': consumer '{cid}' does not exist in the network "
                    f"{net.source}", file=file, line=lines.line(("load_cases", i, "q_kw", cid)),
                    field=f"load_cases[{i}].q_kw.{cid}",
                    hint=f"did you mean {', '.join(close)}?" if close else None))
    if probs:
        raise ScenarioError(probs)


def _check_load_cases(scen: Scenario, net, lines: _Lines, file: str) -> None:
    """ScenarioError (with the line of the load case) when the network has no consumer in
    service, or a load case makes a consumer impossible (``apply_load_case``)."""
    from .model.graph import active

    if active(net.consumers).empty:
        raise ScenarioError(Problem(
            f"the network {net.source} has no consumer in service: nothing takes heat from it, "
            "so a feed-in cannot be judged", file=file, line=lines.line(("network",)),
            field="network", hint="add the consumers (substations) of the network"))
    probs = []
    for i, lc in enumerate(scen.load_cases):
        try:
            apply_load_case(net, lc, scen.plant)
        except ScenarioError as exc:
            probs += [Problem(p.message + (f" (consumer field '{p.field}')" if p.field
                                           else ""),
                              file=file, line=lines.line(("load_cases", i)),
                              field=f"load_cases[{i}]", table=p.table, element=p.element,
                              value=p.value, hint=p.hint) for p in exc.problems]
    if probs:
        raise ScenarioError(probs)


def scenario_json_schema() -> dict:
    """JSON Schema of the scenario file format."""
    schema = Scenario.model_json_schema()
    schema.setdefault("title", "p2h_hydraulics scenario")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


# ------------------------------------------------------------------------------------------
# load cases


def apply_load_case(network, load_case: LoadCase | dict, plant: PlantSettings | None = None):
    """A new network for ``load_case`` (``plant``: scenario-wide plant defaults first).

    Consumer demands are scaled by ``demand_scale`` (then set per consumer by ``q_kw``);
    fixed-flow consumers scale their flow with their demand (they keep their cooling ΔT).
    Return setpoints are shifted (``t_return_offset_k``), the soil temperature and the plant
    settings replaced (``plant``: the scenario-wide defaults, then the load case's own).

    Parameters
    ----------
    network : Network
        The scenario's network (never modified).
    load_case : LoadCase or dict
        The load case.
    plant : PlantSettings, optional
        Scenario-wide plant defaults.

    Returns
    -------
    Network
        The load case's network (without the P2H units).

    Raises
    ------
    ScenarioError
        When the load case makes a consumer impossible (return setpoint shifted below 0 °C or
        up to the supply temperature, a return below 0 °C, zero flow with demand).
    """
    if isinstance(load_case, dict):
        load_case = LoadCase.model_validate(load_case)
    cons = network.consumers.copy()
    if len(cons):
        q_net = cons["q_w"].to_numpy(dtype=float)
        cons["q_w"] = cons["q_w"] * load_case.demand_scale
        unknown = sorted(set(load_case.q_kw) - set(cons.index))
        if unknown:
            raise ScenarioError(f"load case '{load_case.name}': unknown consumer(s) "
                                f"{', '.join(unknown)}", file=network.source)
        for cid, q in load_case.q_kw.items():
            cons.at[cid, "q_w"] = float(q) * 1e3
        _scale_fixed_flows(cons, q_net)
        if load_case.t_return_offset_k:
            cons["t_return_k"] = cons["t_return_k"] + load_case.t_return_offset_k
    elif load_case.q_kw:
        raise ScenarioError(f"load case '{load_case.name}': the network has no consumers",
                            file=network.source)
    settings = {}
    if load_case.t_soil_c is not None:
        settings["t_soil_k"] = load_case.t_soil_c + ZERO_CELSIUS_K
    ps = (plant or PlantSettings()).merged(load_case.plant)
    if load_case.t_supply_c is not None:
        ps = ps.model_copy(update={"t_supply_c": load_case.t_supply_c})
    plants = _apply_plant(network.plants, ps)
    tables = {"consumers": cons, "plants": plants}
    if settings:
        tables["settings"] = settings
        pipes = network.pipes.copy()
        pipes["t_soil_k"] = float("nan")  # every pipe takes the load case's soil temperature
        tables["pipes"] = pipes
    out = network.replace(**tables)
    _check_consumers(out, load_case)
    return out


def _scale_fixed_flows(cons, q_net) -> None:
    """Fixed-flow (``mdot``) consumers keep their cooling ΔT: their flow scales with their
    heat demand (``demand_scale`` or ``q_kw``) — a summer load case gets summer flows. A
    consumer whose network demand is 0 keeps its flow (its ΔT is not known)."""
    fixed = (cons["control"] == "mdot").to_numpy() & (q_net > 0)
    if fixed.any():
        ratio = cons["q_w"].to_numpy(dtype=float)[fixed] / q_net[fixed]
        cons.loc[fixed, "mdot_kg_s"] = cons.loc[fixed, "mdot_kg_s"].to_numpy(float) * ratio


def _check_consumers(network, load_case: LoadCase) -> None:
    """ScenarioError naming the load case and every consumer it makes impossible (a return
    setpoint shifted below 0 °C or to the supply temperature, a fixed flow of 0 kg/s with a
    demand, a return below 0 °C) — see ``model.validate.consumer_problems``."""
    from .model.validate import consumer_problems

    probs = consumer_problems(network)
    if probs:
        raise ScenarioError([Problem(f"load case '{load_case.name}': {p.message}",
                                     file=p.file, table=p.table, element=p.element,
                                     field=p.field, value=p.value, hint=p.hint)
                             for p in probs])


def _apply_plant(plants, ps: PlantSettings):
    pl = plants.copy()
    if pl.empty:
        return pl
    mask = pl["in_service"].to_numpy(dtype=bool)
    updates = {
        "t_supply_k": None if ps.t_supply_c is None else ps.t_supply_c + ZERO_CELSIUS_K,
        "control": ps.control,
        "lift_pa": None if ps.lift_bar is None else ps.lift_bar * BAR,
        "p_return_pa": None if ps.p_return_bar is None else ps.p_return_bar * BAR,
        "p_supply_pa": None if ps.p_supply_bar is None else ps.p_supply_bar * BAR,
        "mdot_design_kg_s": ps.mdot_design_kg_s,
    }
    for col, val in updates.items():
        if val is not None:
            pl.loc[mask, col] = val
    if ps.control == "p_supply" and pl.loc[mask, "p_supply_pa"].isna().any():
        raise ScenarioError("plant control 'p_supply' needs p_supply_bar")
    if ps.control == "lift" and pl.loc[mask, "lift_pa"].isna().any():
        raise ScenarioError("plant control 'lift' needs lift_bar")
    return pl
