"""Property-based fuzzing of the STANET export reader (``io.stanet.import_stanet``).

The small test export is mutated line-wise (lines dropped, repeated, truncated, a field's value
replaced by random text or numbers, separators inserted) and byte-wise (bytes flipped, cut).
Whatever comes out, the import must either return a ``StanetImport`` whose network validates or
raise one of the project's documented errors (``P2HError``) — never a KeyError, ValueError,
IndexError, UnicodeDecodeError …  Derandomized, bounded example counts.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p2h_hydraulics.errors import P2HError
from p2h_hydraulics.io.stanet import StanetImport, import_stanet

EXPORT = Path(__file__).resolve().parents[1] / "data" / "stanet" / "small_heat_export.csv"
RAW = EXPORT.read_bytes()
LINES = RAW.decode("cp1252").split("\r\n")
SETTINGS = settings(max_examples=80, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

values = st.one_of(st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True).map(str),
                   st.integers(-10**12, 10**12).map(str), st.just(""), st.just(";;"))


def _outcome(path: Path) -> None:
    try:
        imp = import_stanet(path)
    except P2HError:
        return
    assert isinstance(imp, StanetImport)
    assert len(imp.network.junctions) > 0


@st.composite
def line_mutations(draw):
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["drop", "repeat", "truncate", "field", "field",
                                     "field", "insert"]))
        if kind == "drop":
            del lines[i]
        elif kind == "repeat":
            lines.insert(i, lines[i])
        elif kind == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, max(len(lines[i]) - 1, 0)))]
        elif kind == "field":
            parts = lines[i].split(";")
            k = draw(st.integers(0, len(parts) - 1))
            parts[k] = draw(values)
            lines[i] = ";".join(parts)
        else:
            lines.insert(i, draw(values))
    return "\r\n".join(lines)


@SETTINGS
@given(text=line_mutations())
def test_mutated_lines_give_a_network_or_a_documented_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("stanet") / "export.csv"
    path.write_bytes(text.encode("cp1252", errors="replace"))
    _outcome(path)


@SETTINGS
@given(flips=st.lists(st.tuples(st.integers(0, len(RAW) - 1), st.integers(0, 255)),
                      min_size=1, max_size=8),
       cut=st.integers(0, len(RAW)))
def test_mutated_bytes_give_a_network_or_a_documented_error(tmp_path_factory, flips, cut):
    raw = bytearray(RAW)
    for pos, byte in flips:
        raw[pos] = byte
    path = tmp_path_factory.mktemp("stanet") / "export.csv"
    path.write_bytes(bytes(raw[:cut]))
    _outcome(path)
