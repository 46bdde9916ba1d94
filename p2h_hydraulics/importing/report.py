"""The import report: what ``import_network`` made of the source and what it assumed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..findings import clean_tree
from ..io.atomic import write_json_atomic, write_text_atomic
from ..io.stanet_compare import comparison_markdown


@dataclass
class Connection:
    """One consumer's (or plant's) joint with the network."""

    element: str  # consumer or plant id
    table: str  # "consumers" | "plants"
    node: str  # network node it joins
    length_m: float  # length of its house-connection pipe (0: sits on the network)
    how: str  # "on the network" | "generated" | "drawn"
    dn: float | None = None  # DN of the connection pipe
    line: str | None = None  # street line it joins
    side: str = "both"  # "both" (trench layers), "supply" or "return"


@dataclass
class ImportReport:
    """Figures and assumptions of one import (``to_markdown`` is what ``--report`` writes).

    Outputs as every result type has them: ``to_dict()``, ``to_json(path)``, ``markdown()``
    (text) and ``to_markdown(path)`` (file).

    Counts refer to the drawn network: ``nodes_from_ends`` network nodes made from line ends,
    ``join_nodes`` nodes where a consumer or plant split a line, ``ends_snapped`` line ends
    joined to a node or line they did not touch exactly (``largest_gap_m`` the widest such
    gap), ``split_points`` points where a line end met another line's interior and
    ``lines_split`` lines cut there or by a consumer/plant, ``reversed_pieces`` pieces drawn
    toward the plant (turned so that supply pipes run away from it).
    """

    sources: list[str] = field(default_factory=list)
    mode: str = "trench"  # "trench" (one line per trench) | "separate" | "stanet"
    crs_source: str = ""
    crs_target: str = ""
    crs_how: str = ""
    snap_m: float = 0.0
    features: int = 0  # line features read
    lines: int = 0  # line parts (multi-part features give several)
    pieces: int = 0
    nodes_from_ends: int = 0
    join_nodes: int = 0
    building_nodes: int = 0
    ends_snapped: int = 0
    largest_gap_m: float = 0.0
    split_points: int = 0
    lines_split: int = 0
    reversed_pieces: int = 0
    parts: int = 0  # connected parts, each fed by a plant (per side for separate lines)
    dangling_ends: list[dict] = field(default_factory=list)  # node, x_m, y_m, line, near
    connections: list[Connection] = field(default_factory=list)
    fields: dict[str, dict[str, str]] = field(default_factory=dict)  # layer → field → source
    kept: dict[str, list[str]] = field(default_factory=dict)  # layer → attributes kept
    defaults: list[dict] = field(default_factory=list)  # field, value, count, table
    notes: list[str] = field(default_factory=list)
    drawn_length_m: float = 0.0  # sum of the drawn line lengths
    network: dict[str, int] = field(default_factory=dict)  # elements per table
    sizing: str = ""  # the sizing report (Markdown) with --size
    comparison: dict = field(default_factory=dict)  # STANET export: our solve vs its results

    def to_dict(self) -> dict:
        """The report as plain Python (JSON-ready: NaN as None, lists for tuples).

        Returns
        -------
        dict
            Every field of the report.
        """
        return clean_tree(asdict(self))

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

    def connection_lengths(self) -> dict[str, float]:
        """Consumer id (``id:supply`` / ``id:return`` for separate lines) → length of its
        house connection [m] (0 when it sits on the network)."""
        return {c.element if c.side == "both" else f"{c.element}:{c.side}": c.length_m
                for c in self.connections if c.table == "consumers"}

    def markdown(self) -> str:
        """The report as Markdown text.

        Returns
        -------
        str
            For GIS layers the figures, connections, fields, defaults and notes; for a STANET
            export the element counts, the comparison of our solve with STANET's computed
            state (``io.stanet_compare.comparison_markdown``) and STANET's notes.
        """
        if self.mode == "stanet":
            return self._stanet_markdown()
        out = ["# Import report", ""]
        out.append(f"Source: {', '.join(f'`{s}`' for s in self.sources)}  ")
        mode = ("one line per trench (supply and return pipe per line)"
                if self.mode == "trench" else "separate supply and return lines")
        out.append(f"Layout: {mode}  ")
        out.append(f"CRS: {self.crs_how or 'none'}  ")
        out.append(f"Snap distance: {self.snap_m:g} m")
        out += ["", "## Network", ""]
        n = self.network
        out.append("| figure | value |")
        out.append("|---|---|")
        rows = [
            ("line features read (parts)", f"{self.features} ({self.lines})"),
            ("drawn length", f"{self.drawn_length_m:.3f} m"),
            ("pieces after splitting", self.pieces),
            ("nodes from line ends", self.nodes_from_ends),
            ("nodes where a consumer or plant joins a line", self.join_nodes),
            ("building / plant nodes off the lines", self.building_nodes),
            ("ends snapped", self.ends_snapped),
            ("largest gap closed", f"{self.largest_gap_m * 1000:.1f} mm"),
            ("line ends on another line's interior (split points)", self.split_points),
            ("lines split", self.lines_split),
            ("pieces drawn toward the plant (turned)", self.reversed_pieces),
            ("connected parts (each with a plant)" + (", per side" if self.mode == "separate"
                                                       else ""), self.parts),
            ("dangling ends", len(self.dangling_ends)),
            ("junctions / pipes / consumers / plants",
             f"{n.get('junctions', 0)} / {n.get('pipes', 0)} / {n.get('consumers', 0)} / "
             f"{n.get('plants', 0)}"),
        ]
        out += [f"| {k} | {v} |" for k, v in rows]
        if self.dangling_ends:
            out += ["", "## Dangling ends (line ends with no consumer, plant or other line)", ""]
            out += ["| node | x [m] | y [m] | line | near miss |", "|---|---|---|---|---|"]
            out += [f"| {d['node']} | {d['x_m']:.2f} | {d['y_m']:.2f} | {d['line']} | "
                    f"{d.get('near', '')} |" for d in self.dangling_ends]
        if self.connections:
            out += ["", "## Connections", ""]
            out += ["| element | side | joins node | on line | length [m] | DN | how |",
                    "|---|---|---|---|---|---|---|"]
            for c in self.connections:
                dn = "" if c.dn is None else f"{c.dn:g}"
                out.append(f"| {c.element} | {c.side} | {c.node} | {c.line or ''} | "
                           f"{c.length_m:.2f} | {dn} | {c.how} |")
        out += ["", "## Fields", ""]
        out += ["| layer | field | attribute | how |", "|---|---|---|---|"]
        for layer, fields in self.fields.items():
            for target, how in fields.items():
                attr, _, kind = how.partition(" ")
                out.append(f"| {layer} | `{target}` | `{attr}` | {kind.strip('()')} |")
        for layer, attrs in self.kept.items():
            if attrs:
                out.append(f"\nKept as they are ({layer}): {', '.join(f'`{a}`' for a in attrs)}")
        if self.defaults:
            out += ["", "## Pipe data and defaults used", ""]
            out += ["| table | field | source or value | lines / elements |",
                    "|---|---|---|---|"]
            out += [f"| {d['table']} | `{d['field']}` | {d['value']} | {d['count']} |"
                    for d in self.defaults]
        if self.notes:
            out += ["", "## Notes", ""]
            out += [f"- {note}" for note in self.notes]
        if self.sizing:
            out += ["", self.sizing.strip()]
        return "\n".join(out) + "\n"

    def _stanet_markdown(self) -> str:
        out = ["# Import report", "", f"Source: {', '.join(f'`{s}`' for s in self.sources)}  ",
               "Layout: STANET CSV export", "", "## Network", "",
               "| table | elements |", "|---|---|"]
        out += [f"| {t} | {n} |" for t, n in self.network.items() if n]
        if self.comparison:
            out += ["", "## Our solve of the imported state compared with STANET's results", "",
                    *comparison_markdown(self.comparison)]
        if self.notes:
            out += ["", "## Notes", ""] + [f"- {note}" for note in self.notes]
        return "\n".join(out) + "\n"
