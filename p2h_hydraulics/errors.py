"""One exception tree for everything the project raises on purpose.

``P2HError`` is the root. Library code never prints and never asserts for control flow; it
raises one of these with a message that names the thing (file, element id, field, value, what
is allowed). The CLI maps each class to a documented exit code (see ``EXIT_CODES``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class P2HError(Exception):
    """Root of all errors the project raises deliberately."""

    exit_code = 3


@dataclass(frozen=True)
class Problem:
    """One problem found in an input: where it is and what was expected."""

    message: str
    file: str | None = None
    table: str | None = None
    element: str | None = None
    field: str | None = None
    value: Any = None
    hint: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"{self.file}" + (f":{self.line}" if self.line else ""))
        if self.table:
            where.append(self.table + (f" '{self.element}'" if self.element is not None else ""))
        elif self.element is not None:
            where.append(f"'{self.element}'")
        if self.field:
            where.append(f"field '{self.field}'")
        text = ", ".join(where)
        text = f"{text}: {self.message}" if text else self.message
        if self.value is not None and "value" not in self.message:
            text += f" (value: {self.value!r})"
        if self.hint:
            text += f" — {self.hint}"
        return text


class ModelError(P2HError):
    """The network (or another input) is invalid; carries every problem found at once."""

    exit_code = 3

    def __init__(self, problems: list[Problem] | Problem | str, file: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(problems, file=file)]
        elif isinstance(problems, Problem):
            problems = [problems]
        if file is not None:
            problems = [
                p if p.file else Problem(**{**p.__dict__, "file": file}) for p in problems
            ]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._format())

    def _format(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems in the input:"]
        lines += [f"  - {p}" for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"  … and {len(self.problems) - 50} more")
        return "\n".join(lines)


class InputFileError(ModelError):
    """A file could not be read or parsed (missing, malformed JSON/CSV/YAML, wrong structure)."""


class ScenarioError(ModelError):
    """A scenario file is invalid (unknown keys, wrong types, references to unknown elements)."""


class OutputError(P2HError):
    """An output path cannot be written (unwritable, a special file, a symbolic link, an input,
    locked by another run, or the write failed); the message names the path."""

    exit_code = 3


class WorkTooLarge(P2HError):
    """The estimated work exceeds the documented limit and was not confirmed (``--yes``)."""

    exit_code = 3


class BackendError(P2HError):
    """A solver backend cannot express the model (e.g. a feature pandapipes lacks) or is missing."""

    exit_code = 3


@dataclass
class ConvergenceInfo:
    """Iteration history of a solve: residuals per iteration (SI), converged flag, iterations."""

    converged: bool
    iterations: int
    residual_history: list[dict[str, float]] = field(default_factory=list)
    message: str = ""
    worst_elements: list[str] = field(default_factory=list)
    # branches whose pressure-drop law at the solved temperatures is not monotone in their
    # flow (buoyancy of the water column outweighs friction at low flow): the steady state
    # need not be unique (``solver.native.non_monotone_branches``)
    non_monotone_branches: list[str] = field(default_factory=list)


class ConvergenceError(P2HError):
    """The solver did not converge; carries the residual history and the partial result."""

    exit_code = 4

    def __init__(self, message: str, info: ConvergenceInfo | None = None, partial=None):
        self.info = info
        self.partial_result = partial
        super().__init__(message)


class CheckFailed(P2HError):
    """Raised by ``check_integration(..., strict=True)`` when the verdict is not PERMITTED."""

    exit_code = 1

    def __init__(self, message: str, report=None):
        self.report = report
        super().__init__(message)


EXIT_CODES = {
    "ok": 0,
    "not_permitted": 1,
    "usage": 2,
    "invalid_input": 3,
    "not_converged": 4,
}
