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


def render(view: object, fmt: Format, kb: KnowledgeBase, stream: IO[str],
           color: bool | None = None, width: int | None = None) -> None:
    """Write a view to a stream: Rich on the terminal format, plain text otherwise."""
    if fmt is Format.TERMINAL:
        from evsum.render.terminal import render_terminal

        if stream.isatty():
            render_terminal(view, kb, stream, color, width)
        else:  # piped: a file or another program gets no padding at line ends
            buffer = io.StringIO()
            render_terminal(view, kb, _Piped(buffer, stream), color, width)
            stream.write(without_trailing_spaces(buffer.getvalue()))
    else:
        stream.write(render_text(view, fmt, kb))


class _Piped(io.StringIO):
    """A buffer that answers for the stream it stands in for (encoding, not a terminal)."""

    def __init__(self, buffer: io.StringIO, stream: IO[str]) -> None:
        super().__init__()
        self._buffer, self._stream = buffer, stream

    def write(self, text: str) -> int:
        return self._buffer.write(text)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    def isatty(self) -> bool:
        return False


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
