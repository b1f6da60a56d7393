"""Terminal output with Rich. Fact text always enters as Text, never as markup."""

from __future__ import annotations

import codecs
import io
import math
import os
import re
from typing import IO

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from evsum.compare import Cell, Comparison
from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact
from evsum.render.common import (
    NONE_REPORTED,
    NOT_CURATED,
    cell_lines,
    comparator_kind_text,
    disputed_text,
    empty_category_text,
    empty_cell_text,
    evidence_text,
    fact_heading,
    is_own,
    mixed_comparators_text,
    nnt_text,
    number_with_unit,
    outcome_label,
    own_folders,
    own_legend,
    own_mark,
    own_reference,
    read_text,
    setting_text,
    source_citation,
    value_text,
)
from evsum.text import visible
from evsum.views import (
    Overview,
    Provenance,
    SearchResults,
    SideEffects,
    Summary,
    excess,
    incidence,
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


class _Sink(io.StringIO):
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
    return Console(file=_Sink(probe.encoding), width=min(max(probe.width, MIN_WIDTH), MAX_WIDTH),
                   color_system=probe.color_system,  # type: ignore[arg-type]
                   force_terminal=probe.is_terminal, no_color=probe.no_color,
                   **options)  # type: ignore[arg-type]


def _evidence(fact: Fact) -> Text:
    return Text(evidence_text(fact), style=EVIDENCE_STYLE[fact.design])


def _summary(view: Summary, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    s = view.substance
    head = Text()
    head.append(s.name, style="bold")
    head.append(f"  {s.drug_class}")
    parts: list[RenderableType] = [head]
    info = Table.grid(padding=(0, 2))
    info.add_column(style="dim")
    info.add_column()
    info.add_row("targets", Text(", ".join(voc.PATHWAY_NODES[t][0] for t in s.targets)))
    info.add_row("routes", Text(", ".join(s.routes)))
    info.add_row("status", Text(s.status))
    if s.aliases:
        info.add_row("aliases", Text(", ".join(s.aliases)))
    filters = view.filters.describe()
    if filters:
        info.add_row("filters", Text(filters))
    parts += [info, Text("")]
    lines: list[Text] = []
    for category, facts in view.by_category():
        lines.append(Text(f"{category.upper()} ({len(facts)})", style=CATEGORY_STYLE[category]))
        if not facts:
            lines.append(Text(f"  {empty_category_text(view.hidden[category])}",
                              style=NOT_CURATED_STYLE))
        for fact in facts:
            lines += _fact_lines(fact, kb, width)
        lines.append(Text(""))
    return [*parts, _Lines(lines)]


def _indented(text: Text, indent: int, width: int) -> list[Text]:
    out = []
    for piece in _wrap(text, max(10, width - indent)):
        line = Text(" " * indent)
        line.append_text(piece)
        out.append(line)
    return out


def _fact_lines(fact: Fact, kb: KnowledgeBase, width: int) -> list[Text]:
    """A fact as lines: heading with setting, evidence and source, then value and claim."""
    source = kb.sources[fact.source]
    head = Text()
    head.append(fact_heading(fact), style="bold")
    setting = setting_text(fact)
    if setting:
        head.append(f"  {setting}", style="dim")
    head.append("  ")
    head.append_text(_evidence(fact))
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
    lines = _indented(head, 2, width)
    for text in body:
        lines += _indented(text, 4, width)
    return lines


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


def _cell_text(cell: Cell, view: Comparison, kb: KnowledgeBase,
               axes: dict[str, Axis] | None = None) -> Text:
    if not cell.facts:
        return Text(empty_cell_text(cell.state), style=NOT_CURATED_STYLE)
    text = Text()
    for index, fact in enumerate(cell.facts):
        if index:
            text.append("\n")
        lines = cell_lines(fact, kb, view.reference_number(fact.source))
        if cell.differs:
            text.append("≠ ", style=DIFFERS_STYLE)
        text.append(lines[0], style="bold")
        for extra in lines[1:-1]:
            text.append(f"\n{extra}", style=DIFFERS_STYLE if cell.differs else "dim")
        if axes and fact.value is not None and fact.value.unit in axes \
                and fact.value.ci is not None and fact.value.estimate is not None:
            text.append("\n" + forest_line(fact, axes[fact.value.unit]), style="cyan")
        rate = incidence(fact)
        if fact.adverse_event and rate is not None:
            text.append("\n" + bar(rate / 100, BAR_WIDTH).ljust(BAR_WIDTH), style="red")
            if fact.comparator is not None and fact.comparator.value is not None:
                text.append(" " + bar(fact.comparator.value / 100, BAR_WIDTH), style="blue")
        text.append("\n")
        text.append(lines[-1], style=EVIDENCE_STYLE[fact.design])
    return text


def _comparison(view: Comparison, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    names = [s.name for s in view.substances]
    parts: list[RenderableType] = []
    title = Text(" vs ".join(names), style="bold")
    parts.append(title)
    filters = view.filters.describe()
    if filters:
        parts.append(Text(f"filters: {filters}", style="dim"))
    legend = Text()
    legend.append("≠ nearest setting (population or timepoint differs)   ", style=DIFFERS_STYLE)
    legend.append(NOT_CURATED, style=NOT_CURATED_STYLE)
    legend.append(" never curated\n", style="dim")
    legend.append("bars: ", style="dim")
    legend.append("drug", style="red")
    legend.append(" / ", style="dim")
    legend.append("comparator", style="blue")
    legend.append(" 0-100%   ", style="dim")
    legend.append("├─●─┤", style="cyan")
    legend.append(" estimate, 95% CI; ┆ no effect", style="dim")
    parts += [legend, Text("")]

    rows: list[tuple[Text, list[Text]]] = [
        (Text("class"), [Text(s.drug_class) for s in view.substances]),
        (Text("primary targets"), [Text(", ".join(voc.PATHWAY_NODES[t][0] for t in s.targets))
                                   for s in view.substances]),
        (Text("routes"), [Text(", ".join(s.routes)) for s in view.substances]),
    ]
    for label, cells in view.profile:
        rows.append((Text(label), [_cell_text(cell, view, kb) for cell in cells]))
    rows.append((Text("status"), [Text(s.status) for s in view.substances]))
    parts.append(_grid("PROFILE", "bold", names, rows, width))
    for section in view.sections:
        section_rows = []
        for row in section.rows:
            head = Text(outcome_label(row.key), style="bold")
            setting = ", ".join(x for x in (
                voc.POPULATION_SHORT.get(row.population or "", ""), row.timepoint or "") if x)
            if setting:
                head.append(f"\n{setting}", style="dim")
            mixed = mixed_comparators_text(row.comparator_kinds)
            if mixed:
                head.append(f"\n{mixed}", style="yellow")
            axes = forest_axes([f for c in row.cells for f in c.facts])
            section_rows.append((head, [_cell_text(c, view, kb, axes) for c in row.cells]))
        parts.append(_grid(section.title.upper(), CATEGORY_STYLE[section.category], names,
                           section_rows, width))
    if view.mechanism:
        mech_rows = []
        for mrow in view.mechanism:
            node = Text(mrow.label, style="bold" if mrow.shared else "")
            if mrow.shared:
                node.append("  shared", style="green")
            marks: list[Text] = []
            for entry in mrow.cells:
                if entry is None:
                    marks.append(Text("·", style="dim"))
                    continue
                is_target, fact = entry
                text = Text("● primary target" if is_target else "●",
                            style="bold blue" if is_target else "blue")
                if fact is not None:
                    text.append(f" {evidence_text(fact)} [{view.reference_number(fact.source)}]",
                                style=EVIDENCE_STYLE[fact.design])
                    text.append(own_mark(fact.where, kb), style=OWN_STYLE)
                marks.append(text)
            mech_rows.append((node, marks))
        parts.append(_grid("MECHANISM", CATEGORY_STYLE["mechanism"], names, mech_rows, width))
    parts.append(_references(view.references, kb))
    return parts


def _grid(title: str, style: str, names: list[str], rows: list[tuple[Text, list[Text]]],
          width: int) -> RenderableType:
    """Rows side by side, or stacked one substance per line where columns would crush."""
    if width < NARROW_PER_COLUMN * (len(names) + 1):
        return _stacked(title, style, names, rows, width)
    return _columns(title, style, names, rows, width)


def _stacked(title: str, style: str, names: list[str], rows: list[tuple[Text, list[Text]]],
             width: int) -> _Lines:
    """One substance per line under each row's label, for terminals too narrow for columns."""
    lines = [Text(title, style=style)]
    for label, cells in rows:
        lines += _wrap(label, width)
        for name, cell in zip(names, cells, strict=True):
            parts = cell.split("\n", allow_blank=True)
            first = Text(f"  {name}: ", style="cyan")
            first.append_text(parts[0])
            head, *rest = _wrap(first, width - 4)
            lines.append(head)
            lines += [Text("    ").append_text(piece) for piece in rest]
            for part in parts[1:]:
                lines += _indented(part, 4, width)
    lines.append(Text(""))
    return _Lines(lines)


_WORD = re.compile(r"\S+\s*")


def _wrap(text: Text, width: int) -> list[Text]:
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


class _Lines:
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


def _columns(title: str, style: str, names: list[str], rows: list[tuple[Text, list[Text]]],
             width: int) -> _Lines:
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
        wrapped = [_wrap(cell, w) for cell, w in zip(cells, widths, strict=True)]
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
    return _Lines(lines)


def _references(keys: list[str], kb: KnowledgeBase) -> RenderableType:
    lines: list[RenderableType] = [Text("REFERENCES", style="bold")]
    for number, key in enumerate(keys, 1):
        source = kb.sources[key]
        line = Text(f"[{number}] ", style="cyan")
        line.append(f"{source.short}. {source.title}.")
        if source.journal:
            line.append(f" {source.journal}.", style="italic")
        link = source.link
        if link:
            line.append(f" {link}", style="dim")
        if source.status:
            line.append(f" [{source.status.replace('-', ' ')}]", style="bold red")
        line.append(own_reference(source, kb), style=OWN_STYLE)
        lines.append(line)
    return Group(*lines)


STACK_BELOW = 80  # narrower than this, list and side-effects stack instead of a table


def _overview(view: Overview, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    if width < STACK_BELOW:
        return _overview_stacked(view, width)
    table = Table(box=box.SIMPLE_HEAD, title=Text("SUBSTANCES", style="bold"),
                  title_justify="left", padding=(0, 1))
    table.add_column("substance")
    for category in voc.CATEGORIES:
        table.add_column(category[:3], justify="right", style=CATEGORY_STYLE[category],
                         no_wrap=True)
    table.add_column("all", justify="right", style="bold", no_wrap=True)
    for s, counts in view.rows:
        about = Text(s.name, style="bold")
        about.append(own_mark(s.where, kb), style=OWN_STYLE)
        about.append(f"\n{s.drug_class}")
        about.append("\ntargets: " + ", ".join(voc.PATHWAY_NODES[t][0] for t in s.targets),
                     style="dim")
        about.append(f"\n{s.status}", style="dim")
        cells = [Text(str(counts[c]) if counts[c] else "·") for c in voc.CATEGORIES]
        table.add_row(about, *cells, Text(str(sum(counts.values()))))
    parts: list[RenderableType] = [table]
    filters = view.filters.describe()
    if filters:
        parts.append(Text(f"filters: {filters}", style="dim"))
    return parts


def _overview_stacked(view: Overview, width: int) -> list[RenderableType]:
    """One block per substance, wrapped at words: readable at 60 columns."""
    lines = [Text("SUBSTANCES", style="bold")]
    for s, counts in view.rows:
        lines += [Text(""), Text(s.name, style="bold")]
        lines += _indented(Text(s.drug_class), 2, width)
        lines += _indented(Text("targets: " + ", ".join(voc.PATHWAY_NODES[t][0]
                                                         for t in s.targets), style="dim"),
                           2, width)
        lines += _indented(Text(s.status, style="dim"), 2, width)
        tally = Text()
        for category in voc.CATEGORIES:
            tally.append(f"{category[:3]} ", style="dim")
            tally.append(str(counts[category]) if counts[category] else "·",
                         style=CATEGORY_STYLE[category])
            tally.append("  ")
        tally.append("all ", style="dim")
        tally.append(str(sum(counts.values())), style="bold")
        lines += _indented(tally, 2, width)
    filters = view.filters.describe()
    if filters:
        lines += _wrap(Text(f"filters: {filters}", style="dim"), width)
    return [_Lines(lines)]


def bar(fraction: float, width: int) -> str:
    """A horizontal bar of eighth-blocks, fraction 0..1 of width cells."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + ("▏▎▍▌▋▊▉"[rest - 1] if rest else "")


def _incidence_cell(fact: Fact) -> Text:
    """Bars for drug and comparator with their figures, or the value as text."""
    rate = incidence(fact)
    if rate is None:
        return Text(value_text(fact) or fact.claim)
    # no base style: a Text's style would colour the comparator's figures as the drug's
    text = Text()
    text.append(bar(rate / 100, BAR_WIDTH).ljust(BAR_WIDTH), style=DRUG_STYLE)
    text.append(f" {number_with_unit(rate, '%')}", style="bold")
    if rate == 0:
        text.append(f" ({NONE_REPORTED})", style="dim")
    comparator = fact.comparator
    if comparator is not None:
        text.append("\n")
        if comparator.value is not None:
            text.append(bar(comparator.value / 100, BAR_WIDTH).ljust(BAR_WIDTH),
                        style=COMPARATOR_STYLE)
            text.append(f" {number_with_unit(comparator.value, '%')}")
        text.append(f" {comparator.name}", style="dim")
    return text


def _side_effects(view: SideEffects, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    title = Text("ADVERSE EFFECTS: " + ", ".join(s.name for s in view.substances), style="bold")
    legend = Text("bars: ", style="dim")
    legend.append("drug", style=DRUG_STYLE)
    legend.append(" / ", style="dim")
    legend.append("comparator", style=COMPARATOR_STYLE)
    legend.append(f"; excess in percentage points; NNTH* computed by evsum; sorted by "
                  f"{view.sort}", style="dim")
    if width < STACK_BELOW:
        return _side_effects_stacked(view, kb, width, title, legend)
    table = Table(box=box.SIMPLE_HEAD, expand=True, padding=(0, 1))
    table.add_column("event", style="bold", ratio=2)
    table.add_column("incidence", min_width=BAR_WIDTH + 6, ratio=3)
    table.add_column("excess", justify="right", no_wrap=True)
    table.add_column("source", ratio=3)
    for fact in view.rows:
        event = Text(outcome_label(fact.adverse_event or ""), style="bold")
        if fact.severity != "any":
            event.append(f" ({fact.severity})", style="bold red")
        event.append(f"\n{kb.substances[fact.substance].name}", style="cyan")
        extra = excess(fact)
        source = _evidence(fact)
        source.append(f" {kb.sources[fact.source].short}", style="cyan")
        source.append(own_mark(fact.where, kb), style=OWN_STYLE)
        setting = setting_text(fact)
        if setting:
            source.append(f"\n{setting}", style="dim")
        computed = nnt_text(fact)
        table.add_row(event, _incidence_cell(fact),
                      Text(("" if extra is None else f"{extra:+.3g}")
                           + (f"\n{computed}" if computed else "")), source)
    parts: list[RenderableType] = [title, legend, table]
    if not view.rows:
        parts.append(Text("no adverse-event facts match", style=NOT_CURATED_STYLE))
    return parts


MATCH_STYLE = "bold yellow"


def highlighted(text: str, view: SearchResults, style: str = "") -> Text:
    """Fact text with the words the query matched in the match style (styles, never markup)."""
    from evsum.search import word_spans

    line = Text(text, style=style)
    for start, end in word_spans(text, view.terms):
        line.stylize(MATCH_STYLE, start, end)
    return line


def _hit_lines(rank: int, fact: Fact, kb: KnowledgeBase, view: SearchResults, width: int
               ) -> list[Text]:
    """One hit in two lines: id, design, source and setting; then the number and the claim."""
    head = Text(f"{rank:>3}  ")
    head.append(fact.id, style="cyan")
    head.append("  ")
    head.append_text(_evidence(fact))
    head.append(f"  {kb.sources[fact.source].short}")
    setting = setting_text(fact)
    head.append(f"  {kb.substances[fact.substance].name}" + (f", {setting}" if setting else ""),
                style="dim")
    body = Text("     ")
    value = value_text(fact)
    if value:
        body.append(value, style="bold")
        body.append(" · ")
    body.append_text(highlighted(fact.claim, view))
    for line in (head, body):
        line.truncate(max(width, 20), overflow="ellipsis")
    return [head, body]


def _side_effects_stacked(view: SideEffects, kb: KnowledgeBase, width: int, title: Text,
                          legend: Text) -> list[RenderableType]:
    """One block per adverse event, wrapped at words: readable at 60 columns."""
    lines = [*_wrap(title, width), *_wrap(legend, width)]
    for fact in view.rows:
        event = Text(outcome_label(fact.adverse_event or ""), style="bold")
        if fact.severity != "any":
            event.append(f" ({fact.severity})", style="bold red")
        event.append(f" · {kb.substances[fact.substance].name}", style="cyan")
        lines += [Text(""), *_wrap(event, width)]
        for line in _incidence_cell(fact).split("\n"):
            lines += _indented(line, 2, width)
        about = Text()
        extra = excess(fact)
        if extra is not None:
            about.append(f"excess {extra:+.3g} points · ", style="bold")
        if nnt_text(fact):
            about.append(f"{nnt_text(fact)} · ", style="magenta")
        about.append_text(_evidence(fact))
        about.append(f" {kb.sources[fact.source].short}", style="cyan")
        setting = setting_text(fact)
        if setting:
            about.append(f" · {setting}", style="dim")
        lines += _indented(about, 2, width)
    if not view.rows:
        lines.append(Text("no adverse-event facts match", style=NOT_CURATED_STYLE))
    return [_Lines(lines)]


def _search(view: SearchResults, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    head = Text(f"{view.total} fact(s) match ", style="bold")
    head.append(visible(view.query), style="bold cyan")  # typed by the user: ESC and all
    if view.more:
        head.append(f"; the best {len(view.facts)} shown", style="bold")
    parts: list[RenderableType] = [head]
    filters = view.filters.describe()
    if filters:
        parts.append(Text(f"filters: {filters}", style="dim"))
    lines: list[Text] = [Text("")]  # every hit in one renderable: one print, however many
    for rank, fact in enumerate(view.facts, start=1):
        if view.full:
            title = Text(f"{rank:>3}  ")
            title.append(kb.substances[fact.substance].name.upper(), style="bold")
            lines += [title, *_fact_lines(fact, kb, width), Text("")]
        else:
            lines += _hit_lines(rank, fact, kb, view, width)
    if view.more:
        lines += [Text(""), Text(f"{view.more} more: --limit N shows more, --limit 0 or --all "
                                 "every match", style="dim")]
    if not view.facts:
        lines.append(Text("no fact matches", style=NOT_CURATED_STYLE))
        if view.suggestion:
            hint = Text("did you mean: ")
            hint.append(view.suggestion, style="bold")
            lines.append(hint)
    parts.append(_Lines(lines))
    return parts


def _provenance(view: Provenance, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    fact = view.fact
    source = kb.sources[fact.source]
    parts: list[RenderableType] = [Text(fact.id, style="bold"),
                                   _Lines(_fact_lines(fact, kb, width)), Text("")]
    info = Table.grid(padding=(0, 2))
    info.add_column(style="dim")
    info.add_column()
    rows = [("source", source_citation(source)), ("link", source.link or ""),
            ("locator", fact.locator), ("read", read_text(fact)),
            ("page", fact.read.url if fact.read else ""), ("design", evidence_text(fact)),
            ("arm", fact.arm or "not stated"),
            ("comparator", f"{fact.comparator.name} ({comparator_kind_text(fact)})"
             if fact.comparator else "none"),
            ("n", str(fact.n) if fact.n else "not stated"),
            ("checked", fact.checked.isoformat()), ("defined at", str(fact.where))]
    if is_own(fact.where, kb):
        rows.append(("read from", f"{fact.where.origin} (not bundled)"))
    if source.status:
        rows.append(("notice", source.status.replace("-", " ") + (
            f": {source.status_note}" if source.status_note else "")))
    for key, value in rows:
        info.add_row(key, Text(value))
    parts += [info, Text("")]
    parts.append(Text(f"ALSO RESTING ON {source.short.upper()} ({len(view.siblings)})",
                      style="bold"))
    for sibling in view.siblings:
        line = Text(f"  {sibling.id}  ", style="cyan")
        line.append(fact_heading(sibling), style="bold")
        value = value_text(sibling)
        if value:
            line.append(f"  {value}")
        line.append(own_mark(sibling.where, kb), style=OWN_STYLE)
        parts.append(line)
    if not view.siblings:
        parts.append(Text("  none", style=NOT_CURATED_STYLE))
    return parts


def _parts(view: object, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    """The view's parts, with the legend of OWN_MARK after the title when anything has it."""
    parts = _view_parts(view, kb, width)
    legend = own_legend(own_folders(view, kb))
    if legend:
        parts.insert(1, Text(legend, style=OWN_STYLE))
    return parts


def _view_parts(view: object, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    if isinstance(view, Comparison):
        return _comparison(view, kb, width)
    if isinstance(view, Summary):
        return _summary(view, kb, width)
    if isinstance(view, SideEffects):
        return _side_effects(view, kb, width)
    if isinstance(view, Overview):
        return _overview(view, kb, width)
    if isinstance(view, SearchResults):
        return _search(view, kb, width)
    if isinstance(view, Provenance):
        return _provenance(view, kb, width)
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


def terminal_text(view: object, kb: KnowledgeBase, stream: IO[str], color: bool | None,
                  width: int | None = None) -> str:
    """Any view as the text to write to the stream at once: its width, colour, encoding."""
    console = make_console(stream, color, width)
    for part in _parts(view, kb, console.width):
        console.print(part)
    assert isinstance(console.file, _Sink)
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
