"""Terminal layout shared by every view: styles, the console, wrapping, columns, bars."""

from __future__ import annotations

import codecs
import io
import math
import os
import re
from typing import IO

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text

from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact
from evsum.render.common import (
    disputed_text,
    evidence_text,
    fact_heading,
    own_mark,
    read_text,
    setting_text,
    value_text,
)

CATEGORY_STYLE = {
    "efficacy": "bold green",
    "safety": "bold red",
    "dissociation": "bold magenta",
    "mechanism": "bold blue",
    "pharmacology": "bold cyan",
    "dosing": "bold yellow",
    "regulatory": "bold white",
}
EVIDENCE_STYLE = {
    "meta-analysis": "bold green",
    "rct": "green",
    "label": "cyan",
    "regulatory": "cyan",
    "open-label": "yellow",
    "observational": "yellow",
    "case-series": "dark_orange",
    "review": "dark_orange",
    "preclinical": "magenta",
}
NOT_CURATED_STYLE = "dim italic"
DRUG_STYLE = "red"  # the drug's bar and legend, in every view
COMPARATOR_STYLE = "blue"  # the comparator's
DIFFERS_STYLE = "yellow"
OWN_STYLE = "bold bright_magenta"
NARROW_PER_COLUMN = 26
BAR_WIDTH = 10
MIN_WIDTH, MAX_WIDTH = 20, 400  # COLUMNS=0 or a 4-column pane; COLUMNS=10000000


class Sink(io.StringIO):
    """Where the console writes: the stream gets the text in one piece, once it is whole."""

    def __init__(self, encoding: str) -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]  # the stream's, for Rich's choices
        return self._encoding


def make_console(stream: IO[str], color: bool | None, width: int | None = None) -> Console:
    """A console laid out for the stream (terminal or not, width, encoding), writing to a sink.

    Colour only where the user and the terminal allow; the width is clamped to
    MIN_WIDTH..MAX_WIDTH whatever COLUMNS says.
    """
    no_codes = color is False or os.environ.get("TERM") == "dumb"
    options = {"highlight": False, "emoji": False, "markup": False, "soft_wrap": False}
    probe = Console(file=stream, width=width, color_system=None if no_codes else "auto",
                    force_terminal=True if color else None, **options)  # type: ignore[arg-type]
    return Console(file=Sink(probe.encoding), width=min(max(probe.width, MIN_WIDTH), MAX_WIDTH),
                   color_system=probe.color_system,  # type: ignore[arg-type]
                   force_terminal=probe.is_terminal, no_color=probe.no_color,
                   **options)  # type: ignore[arg-type]


def evidence_label(fact: Fact) -> Text:
    return Text(evidence_text(fact), style=EVIDENCE_STYLE[fact.design])


_WORD = re.compile(r"\S+\s*")


def wrap(text: Text, width: int) -> list[Text]:
    """Wrap styled text at word boundaries to width cells; long words are cut.

    Every cut moves on by at least one character, so that a column too narrow for a
    single (wide) character still ends.
    """
    width = max(1, width)
    out: list[Text] = []
    for line in text.split("\n", allow_blank=True):
        plain = line.plain
        measure = len if plain.isascii() else cell_len
        if measure(plain) <= width:
            out.append(line)
            continue
        offsets: list[int] = []
        start = 0
        used = len(plain) - len(plain.lstrip())  # leading spaces take room too
        for match in _WORD.finditer(plain):
            word = match.group().rstrip()
            size = measure(word)
            if used and used + size > width:
                offsets.append(match.start())
                start, used = match.start(), 0
            while size > width and len(word) > 1:  # a word longer than the column: cut it
                start += width if measure is len else max(1, len(word[: width // 2]))
                offsets.append(start)
                word = plain[start: match.start() + len(word)]
                size = measure(word)
            used += measure(match.group())
        for piece in line.divide(offsets):
            piece.rstrip()
            out.append(piece)
    return out


class Lines:
    """Lines already laid out: rendered as they are, with no second wrapping pass."""

    def __init__(self, lines: list[Text]) -> None:
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if console.color_system is None and not console.record:  # no styles to write
            # one segment a line: Rich splits a segment's lines in quadratic time
            yield from (Segment(f"{line.plain}\n") for line in self.lines)
            return
        for line in self.lines:
            if line.style:  # render() ignores a Text's base style; join() makes it a span
                line = Text().join([line])
            yield from line.render(console, end="\n")


def indented(text: Text, indent: int, width: int) -> list[Text]:
    out = []
    for piece in wrap(text, max(10, width - indent)):
        line = Text(" " * indent)
        line.append_text(piece)
        out.append(line)
    return out


def fact_block(fact: Fact, kb: KnowledgeBase, width: int) -> list[Text]:
    """A fact as lines: heading with setting, evidence and source, then value and claim."""
    source = kb.sources[fact.source]
    head = Text()
    head.append(fact_heading(fact), style="bold")
    setting = setting_text(fact)
    if setting:
        head.append(f"  {setting}", style="dim")
    head.append("  ")
    head.append_text(evidence_label(fact))
    head.append(f"  {source.short}", style="cyan")
    if source.status:
        head.append(f" ({source.status.replace('-', ' ')})", style="bold red")
    head.append(own_mark(fact.where, kb), style=OWN_STYLE)
    body: list[Text] = []
    value = value_text(fact, kb.substances[fact.substance].name)
    if value:
        body.append(Text(value, style="bold"))
    body.append(Text(fact.claim))
    if fact.note:
        body.append(Text(f"note: {fact.note}", style="dim"))
    if fact.disputed:
        body.append(Text(disputed_text(fact), style="yellow"))
    body.append(Text(f"{fact.id} · {fact.locator} · {read_text(fact)}", style="dim"))
    lines = indented(head, 2, width)
    for text in body:
        lines += indented(text, 4, width)
    return lines


def bar(fraction: float, width: int) -> str:
    """A horizontal bar of eighth-blocks, fraction 0..1 of width cells."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + ("▏▎▍▌▋▊▉"[rest - 1] if rest else "")


FOREST_WIDTH = 21
NULL_VALUE = {"OR": 1.0, "RR": 1.0, "HR": 1.0, "points": 0.0, "SMD": 0.0, "Hedges g": 0.0,
              "Cohen d": 0.0, "% change": 0.0}


Axis = tuple[float, float, bool]  # low, high, logarithmic


def forest_axes(facts: list[Fact]) -> dict[str, Axis]:
    """One shared axis per unit for the facts of a row that have an estimate and a 95% CI."""
    spans: dict[str, list[float]] = {}
    for fact in facts:
        value = fact.value
        if value is None or value.estimate is None or value.ci is None:
            continue
        if value.unit not in NULL_VALUE:
            continue
        spans.setdefault(value.unit, []).extend([*value.ci, NULL_VALUE[value.unit]])
    axes: dict[str, Axis] = {}
    for unit, points in spans.items():
        logarithmic = unit in ("OR", "RR", "HR")
        if logarithmic:
            points = [math.log(p) for p in points if p > 0]
        low, high = min(points), max(points)
        if high > low:
            axes[unit] = (low, high, logarithmic)
    return axes


def forest_line(fact: Fact, axis: Axis, width: int = FOREST_WIDTH) -> str:
    """The estimate as a dot on its 95% CI, on the row's axis, with the null marked."""
    assert fact.value is not None and fact.value.ci is not None
    assert fact.value.estimate is not None
    low, high, logarithmic = axis

    def position(x: float) -> int:
        x = math.log(x) if logarithmic else x
        return round((x - low) / (high - low) * (width - 1))

    chars = [" "] * width
    start, end = position(fact.value.ci[0]), position(fact.value.ci[1])
    for i in range(start, end + 1):
        chars[i] = "─"
    chars[start], chars[end] = "├", "┤"
    null = position(NULL_VALUE[fact.value.unit])
    chars[null] = "┼" if start <= null <= end else "┆"
    chars[position(fact.value.estimate)] = "●"
    return "".join(chars)


def grid(title: str, style: str, names: list[str], rows: list[tuple[Text, list[Text]]],
          width: int) -> RenderableType:
    """Rows side by side, or stacked one substance per line where columns would crush."""
    if width < NARROW_PER_COLUMN * (len(names) + 1):
        return _stacked(title, style, names, rows, width)
    return _columns(title, style, names, rows, width)


def _stacked(title: str, style: str, names: list[str], rows: list[tuple[Text, list[Text]]],
             width: int) -> Lines:
    """One substance per line under each row's label, for terminals too narrow for columns."""
    lines = [Text(title, style=style)]
    for label, cells in rows:
        lines += wrap(label, width)
        for name, cell in zip(names, cells, strict=True):
            parts = cell.split("\n", allow_blank=True)
            first = Text(f"  {name}: ", style="cyan")
            first.append_text(parts[0])
            head, *rest = wrap(first, width - 4)
            lines.append(head)
            lines += [Text("    ").append_text(piece) for piece in rest]
            for part in parts[1:]:
                lines += indented(part, 4, width)
    lines.append(Text(""))
    return Lines(lines)


def _columns(title: str, style: str, names: list[str], rows: list[tuple[Text, list[Text]]],
             width: int) -> Lines:
    """A borderless table laid out here: each cell is wrapped once to a fixed width.

    Rich's Table measures and renders every cell several times; for the
    hundreds of cells of a comparison this layout is several times faster.
    """
    label_width = max(12, min(22, width // (2 * len(names) + 1)))
    cell_width = (width - label_width - 2 * len(names) - 2) // len(names)
    widths = [label_width] + [cell_width] * len(names)
    lines = [Text(title, style=style), Text("")]
    header = [Text(""), *(Text(name, style="bold") for name in names)]
    for cells in [header] + [[label, *cells] for label, cells in rows]:
        wrapped = [wrap(cell, w) for cell, w in zip(cells, widths, strict=True)]
        for index in range(max(len(parts) for parts in wrapped)):
            line = Text("  ")
            for column, (parts, w) in enumerate(zip(wrapped, widths, strict=True)):
                piece = parts[index] if index < len(parts) else None
                used = 0
                if column:
                    line.append("  ")
                if piece is not None:
                    line.append_text(piece)
                    used = piece.cell_len
                if column < len(widths) - 1:
                    line.append(" " * (w - used))
            line.rstrip()
            lines.append(line)
        if cells is header:
            lines.append(Text("  " + "─" * (sum(widths) + 2 * len(names)), style="dim"))
        else:
            lines.append(Text(""))
    return Lines(lines)


# The renderer's own symbols, for an output encoding that lacks them (cp1252, latin-1,
# ascii): one character each, so that columns stay aligned. Any other character the
# encoding lacks is written as a backslash escape (evsum.output.write_stdout).
ASCII_SYMBOLS = {
    "≠": "~", "─": "-", "├": "|", "┤": "|", "┼": "+", "┆": ":", "●": "o", "·": ".", "→": ">",
    "…": ".", "█": "#", "▏": " ", "▎": " ", "▍": " ", "▌": "#", "▋": "#", "▊": "#", "▉": "#",
}


def ascii_fallback(text: str, encoding: str) -> str:
    """Text with the renderer's symbols that the encoding cannot write in ASCII."""
    if codecs.lookup(encoding).name == "utf-8":
        return text
    missing = {}
    for symbol, replacement in ASCII_SYMBOLS.items():
        try:
            symbol.encode(encoding)
        except UnicodeEncodeError:
            missing[ord(symbol)] = replacement
    return text.translate(missing)
