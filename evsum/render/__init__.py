"""Renderers: every view to every format. Only this package imports Rich."""

from __future__ import annotations

import io
from enum import StrEnum
from typing import IO

from evsum.facts.index import KnowledgeBase


class Format(StrEnum):
    """Every output format; each is handled by render_text() (a test checks all)."""

    TERMINAL = "terminal"
    MARKDOWN = "markdown"
    JSON = "json"
    CSV = "csv"
    HTML = "html"


def render_text(view: object, fmt: Format, kb: KnowledgeBase, details: list[object] | None = None
                ) -> str:
    """A view as text in the given format (the terminal format without colour)."""
    if fmt is Format.MARKDOWN:
        from evsum.render.markdown import render_markdown

        return render_markdown(view, kb, details)  # type: ignore[arg-type]
    if fmt is Format.HTML:
        from evsum.render.htmlout import render_html

        return render_html(view, kb, details)  # type: ignore[arg-type]
    if fmt is Format.JSON:
        from evsum.render.jsonout import render_json

        return render_json(view, kb)
    if fmt is Format.CSV:
        from evsum.render.csvout import render_csv

        return render_csv(view, kb)
    if fmt is Format.TERMINAL:
        from evsum.render.document import Summaries
        from evsum.render.terminal import render_terminal

        buffer = io.StringIO()
        for part in view.items if isinstance(view, Summaries) else [view]:
            render_terminal(part, kb, buffer, color=False, width=100)
        return without_trailing_spaces(buffer.getvalue())
    raise ValueError(f"unhandled format {fmt}")  # pragma: no cover - the enum test covers this


def without_trailing_spaces(text: str) -> str:
    """Table padding at line ends (before any closing colour codes) left out."""
    import re

    return re.sub(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$", r"\1", text, flags=re.M)


def render_for(view: object, fmt: Format, kb: KnowledgeBase, stream: IO[str],
               color: bool | None = None, width: int | None = None) -> str:
    """A view as the text to write to stream, in one piece.

    The terminal format is laid out for the stream (its width, colour and encoding);
    the other formats do not depend on it.
    """
    if fmt is Format.TERMINAL:
        from evsum.render.terminal import terminal_text

        text = terminal_text(view, kb, stream, color, width)
        # piped: a file or another program gets no padding at line ends
        return text if _isatty(stream) else without_trailing_spaces(text)
    return render_text(view, fmt, kb)


def render(view: object, fmt: Format, kb: KnowledgeBase, stream: IO[str],
           color: bool | None = None, width: int | None = None) -> None:
    """Write a view to a stream: Rich on the terminal format, plain text otherwise."""
    stream.write(render_for(view, fmt, kb, stream, color, width))


def render_svg(view: object, kb: KnowledgeBase, width: int = 110) -> str:
    """The terminal view as an SVG picture (text escaped by Rich's exporter).

    Spaces are preserved on the root (librsvg collapses them otherwise and
    misaligns columns), and Rich's web font is left out: a picture opened
    online loads nothing, and shows in the reader's own monospace font.
    """
    import re

    from evsum.render.terminal import record_svg

    svg = record_svg(view, kb, width)
    svg = re.sub(r"\s*@font-face \{[^}]*\}", "", svg)
    return svg.replace("<svg ", '<svg xml:space="preserve" ', 1)


def _isatty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed (or None): the writer reports it
        return False
