"""Helpers shared by several ``p2h`` commands: figure encoding and the ``--refine`` option."""

from __future__ import annotations

import io

import typer

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def figure_bytes(fig, suffix: str, dpi: int = 150) -> bytes:
    """The figure encoded in the format of ``suffix`` (.png, .svg, .pdf)."""
    buf = io.BytesIO()
    fig.savefig(buf, format=FORMATS[suffix.lower()], dpi=dpi)
    return buf.getvalue()


def parse_refine(text: str) -> str | int:
    """The ``--refine`` option: 'all', 'auto' or a number of nodes ≥ 0."""
    if text in ("all", "auto"):
        return text
    try:
        n = int(text)
    except ValueError:
        raise typer.BadParameter(f"--refine must be 'all', 'auto' or a number, got {text!r}") \
            from None
    if n < 0:
        raise typer.BadParameter("--refine must be ≥ 0")
    return n
