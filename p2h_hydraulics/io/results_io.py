"""Writing solve results: one JSON document, or a folder with one CSV per result table."""

from __future__ import annotations

from pathlib import Path

from .atomic import write_text_atomic


def write_result(result, path, inputs=()) -> Path:
    """Write ``result`` to ``path``: ``.json`` → one document; otherwise a folder of CSV tables
    (junctions.csv, pipes.csv, …, summary.csv). Files are written atomically."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return write_text_atomic(path, result.to_json() + "\n", inputs)
    path.mkdir(parents=True, exist_ok=True)
    for name, df in result.tables().items():
        write_text_atomic(path / f"{name}.csv", df.to_csv(float_format="%.10g"), inputs)
    summary = result.summary()
    lines = ["key,value"] + [f"{k},{v}" for k, v in summary.items()]
    write_text_atomic(path / "summary.csv", "\n".join(lines) + "\n", inputs)
    return path
