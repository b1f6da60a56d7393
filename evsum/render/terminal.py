"""Terminal output with Rich. Fact text always enters as Text, never as markup.

This module picks the view's layout and writes it; the layouts live in
terminal_layout (shared helpers), terminal_dossier, terminal_lists,
terminal_findings and terminal_thesis.
"""

from __future__ import annotations

import io
import sys
from typing import IO

from rich.console import Console, RenderableType
from rich.text import Text

from evsum.facts.index import KnowledgeBase
from evsum.render.common import own_folders, own_legend
from evsum.render.terminal_layout import (
    OWN_STYLE,
    Sink,
    ascii_fallback,
    make_console,
)


def _parts(view: object, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    """The view's parts, with the legend of OWN_MARK after the title when anything has it."""
    parts = _view_parts(view, kb, width)
    legend = own_legend(own_folders(view, kb))
    if legend:
        parts.insert(1, Text(legend, style=OWN_STYLE))
    return parts


# Each view's layout: (module of the view's class, class name, layout module, function).
# A view can exist only once its own module is imported, so the lookup imports
# nothing for the views not shown: the summary starts without the dossier and
# list layouts (and evsum.compare), `list` without the summary's.
_LAYOUTS = (
    ("evsum.findings", "Findings", "terminal_findings", "findings_parts"),
    ("evsum.compare", "Comparison", "terminal_dossier", "comparison_parts"),
    ("evsum.views", "Summary", "terminal_dossier", "summary_parts"),
    ("evsum.views", "SideEffects", "terminal_lists", "side_effects_parts"),
    ("evsum.views", "Overview", "terminal_lists", "overview_parts"),
    ("evsum.views", "SearchResults", "terminal_lists", "search_parts"),
    ("evsum.views", "Provenance", "terminal_lists", "provenance_parts"),
    ("evsum.findings", "Gaps", "terminal_findings", "gaps_parts"),
    ("evsum.thesis", "Thesis", "terminal_thesis", "thesis_parts"),
)


def _view_parts(view: object, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    """The parts of a view, its layout module imported only when that view is shown."""
    import importlib

    for module, name, layout, function in _LAYOUTS:
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(view, getattr(loaded, name)):
            parts = getattr(importlib.import_module(f"evsum.render.{layout}"), function)
            return parts(view, kb, width)  # type: ignore[no-any-return]
    raise TypeError(f"no terminal form for {type(view).__name__}")


def terminal_text(view: object, kb: KnowledgeBase, stream: IO[str], color: bool | None,
                  width: int | None = None) -> str:
    """Any view as the text to write to the stream at once: its width, colour, encoding."""
    console = make_console(stream, color, width)
    for part in _parts(view, kb, console.width):
        console.print(part)
    assert isinstance(console.file, Sink)
    return ascii_fallback(console.file.getvalue(), console.encoding)


def render_terminal(view: object, kb: KnowledgeBase, stream: IO[str], color: bool | None,
                    width: int | None = None) -> None:
    """Print any view to the stream."""
    stream.write(terminal_text(view, kb, stream, color, width))


def record_svg(view: object, kb: KnowledgeBase, width: int) -> str:
    """The terminal view drawn as SVG; Rich escapes the text it exports."""
    console = Console(file=io.StringIO(), record=True, width=width, force_terminal=True,
                      color_system="truecolor", highlight=False, emoji=False, markup=False)
    for part in _parts(view, kb, width):
        console.print(part)
    return console.export_svg(title="evsum")
