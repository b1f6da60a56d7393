"""Renderers: every view to every format. Only this package imports Rich."""

from __future__ import annotations

from enum import StrEnum
from typing import IO

from evsum.facts.index import KnowledgeBase


class Format(StrEnum):
    """Every output format; each is handled by render() (a test checks all)."""

    TERMINAL = "terminal"
    MARKDOWN = "markdown"
    JSON = "json"


def render_text(view: object, fmt: Format, kb: KnowledgeBase, details: list[object] | None = None
                ) -> str:
    """A view as text in a machine format (markdown, JSON)."""
    if fmt is Format.MARKDOWN:
        from evsum.render.markdown import render_markdown

        return render_markdown(view, kb, details)  # type: ignore[arg-type]
    if fmt is Format.JSON:
        from evsum.render.jsonout import render_json

        return render_json(view, kb)
    if fmt is Format.TERMINAL:
        import io

        from evsum.render.terminal import render_terminal

        buffer = io.StringIO()
        render_terminal(view, kb, buffer, color=False, width=100)
        return buffer.getvalue()
    raise ValueError(f"unhandled format {fmt}")  # pragma: no cover - the enum test covers this


def render(view: object, fmt: Format, kb: KnowledgeBase, stream: IO[str],
           color: bool | None = None, width: int | None = None) -> None:
    """Write a view to a stream: Rich on the terminal format, plain text otherwise."""
    if fmt is Format.TERMINAL:
        from evsum.render.terminal import render_terminal

        render_terminal(view, kb, stream, color, width)
    else:
        stream.write(render_text(view, fmt, kb))
