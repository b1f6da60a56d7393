"""Terminal output with Rich. Fact text always enters as Text, never as markup.

This module picks the view's layout and writes it; the layouts live in
terminal_layout (shared helpers), terminal_dossier, terminal_lists,
terminal_findings and terminal_thesis.
"""

from __future__ import annotations

import io
from typing import IO

from rich.console import Console, RenderableType
from rich.text import Text

from evsum.compare import Comparison
from evsum.facts.index import KnowledgeBase
from evsum.render.common import own_folders, own_legend
from evsum.render.terminal_dossier import comparison_parts, summary_parts
from evsum.render.terminal_layout import (
    OWN_STYLE,
    Sink,
    ascii_fallback,
    make_console,
)
from evsum.render.terminal_lists import (
    overview_parts,
    provenance_parts,
    search_parts,
    side_effects_parts,
)
from evsum.views import (
    Overview,
    Provenance,
    SearchResults,
    SideEffects,
    Summary,
)


def _parts(view: object, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    """The view's parts, with the legend of OWN_MARK after the title when anything has it."""
    parts = _view_parts(view, kb, width)
    legend = own_legend(own_folders(view, kb))
    if legend:
        parts.insert(1, Text(legend, style=OWN_STYLE))
    return parts


def _view_parts(view: object, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    if isinstance(view, Comparison):
        return comparison_parts(view, kb, width)
    if isinstance(view, Summary):
        return summary_parts(view, kb, width)
    if isinstance(view, SideEffects):
        return side_effects_parts(view, kb, width)
    if isinstance(view, Overview):
        return overview_parts(view, kb, width)
    if isinstance(view, SearchResults):
        return search_parts(view, kb, width)
    if isinstance(view, Provenance):
        return provenance_parts(view, kb, width)
    # The newer views, imported only when one is shown: `list` and the dossier views
    # start without them.
    from evsum.findings import Findings, Gaps
    from evsum.thesis import Thesis

    if isinstance(view, Findings):
        from evsum.render.terminal_findings import findings_parts

        return findings_parts(view, kb, width)
    if isinstance(view, Gaps):
        from evsum.render.terminal_findings import gaps_parts

        return gaps_parts(view, width)
    if isinstance(view, Thesis):
        from evsum.render.terminal_thesis import thesis_parts

        return thesis_parts(view, kb, width)
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
