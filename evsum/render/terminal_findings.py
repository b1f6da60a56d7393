"""The summary of findings in the terminal: one screen, the answer first."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from evsum.facts.index import KnowledgeBase
from evsum.findings import Findings, Gaps
from evsum.render.findings_cells import (
    COMPUTED_NOTE,
    CellLine,
    cell_lines,
    mechanism_lines,
    profile_cells,
    uncurated_rows,
)
from evsum.render.terminal_layout import NOT_CURATED_STYLE, Lines, wrap

ROLE_STYLE = {
    "value": "bold",
    "harm": "bold",
    "setting": "dim",
    "evidence": "cyan",
    "computed": "magenta",
    "empty": NOT_CURATED_STYLE,
}


def _text(lines: list[CellLine]) -> Text:
    text = Text()
    for index, line in enumerate(lines):
        if index:
            text.append("\n")
        text.append(line.text, style=ROLE_STYLE[line.role])
    return text


def _references(view: Findings, kb: KnowledgeBase, width: int) -> list[Text]:
    """Packed several to a line: '[1] Dean 2021 doi:10.1002/...' (the handout has them in full)."""
    lines = [Text("REFERENCES", style="bold")]
    line = Text()
    for number, key in enumerate(view.references, 1):
        source = kb.sources[key]
        item = Text(f"[{number}] ", style="cyan")
        item.append(source.short)
        if source.doi:
            item.append(f" doi:{source.doi}", style="dim")
        elif source.link:
            item.append(f" {source.link}", style="dim")
        if source.status:
            item.append(f" [{source.status.replace('-', ' ')}]", style="bold red")
        if line.plain and line.cell_len + 3 + item.cell_len > width:
            lines.append(line)
            line = Text()
        if line.plain:
            line.append("   ")
        line.append_text(item)
    if line.plain:
        lines.append(line)
    return [piece for text in lines for piece in wrap(text, width)]


def _flowing(lines: list[CellLine], apart: tuple[str, ...] = ("harm",)) -> list[Text]:
    """A cell's lines as paragraphs joined by ' · '; each ``apart`` role opens one."""
    paragraphs: list[Text] = []
    for line in lines:
        if not paragraphs or line.role in apart:
            paragraphs.append(Text())
        elif paragraphs[-1].plain:
            paragraphs[-1].append(" · ", style="dim")
        paragraphs[-1].append(line.text, style=ROLE_STYLE[line.role])
    return paragraphs


def _block(title: str, style: str, rows: list[tuple[str, list[tuple[str, list[CellLine]]]]],
           width: int, apart: tuple[str, ...] = ("harm",)) -> Lines:
    """Rows of labelled entries, one per substance, each flowing to the full width.

    Side-by-side columns of about 30 characters wrap every cell into many
    lines; this keeps a two-substance summary near two screens at 80 columns.
    """
    names = [name for _, entries in rows for name, _ in entries]
    name_width = min(max((len(n) for n in names), default=0), 14)
    out = [Text(title, style=style)]
    for label, entries in rows:
        if label:
            out.append(Text(label, style="bold"))
        margin = 2 if label else 0  # entries under a row's label stand in from it
        for name, lines in entries:
            indent = margin + name_width + 2
            first = True
            if len(name) > name_width:  # a long name stands on a line of its own
                out.append(Text(" " * margin + name, style="cyan"))
                first = False
            for paragraph in _flowing(lines, apart):
                for piece in wrap(paragraph, max(20, width - indent)):
                    head = Text(" " * margin + name.ljust(name_width) + "  ", style="cyan") \
                        if first else Text(" " * indent)
                    first = False
                    out.append(head.append_text(piece))
    out.append(Text(""))
    return Lines(out)


def findings_parts(view: Findings, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    names = [s.name for s in view.substances]
    title = "SUMMARY OF FINDINGS: " + " vs ".join(names)
    parts: list[RenderableType] = [Text(title, style="bold")]
    filters = view.filters.describe()
    if filters:
        parts.append(Text(f"filters: {filters}", style="dim"))
    parts.append(Text("one headline fact per outcome (the rule: README); --all for every fact",
                      style="dim"))
    profile = profile_cells(view)
    per_substance: list[tuple[str, list[CellLine]]] = []
    for index, name in enumerate(names):
        lines = [cells[index][0] for _, cells in profile]
        for row in view.profile:
            dose = cell_lines(row.cells[index], view, kb, expand=False)
            lines += [CellLine(dose[0].role, f"{row.label} {dose[0].text}"), *dose[1:]]
        per_substance.append((name, lines))
    parts.append(_block("PROFILE", "bold", [("", per_substance)], width))
    missing = set(uncurated_rows(view)) if view.outcome is None else set()
    outcome_rows = [(row.label, [(name, cell_lines(c, view, kb))
                                 for name, c in zip(names, row.cells, strict=True)])
                    for row in view.rows if row.label not in missing]
    if outcome_rows:
        parts.append(_block("OUTCOMES", "bold green", outcome_rows, width,
                            ("harm", "value")))  # each fact of an --outcome on its own
    if missing:
        note = Text("not curated for any substance shown: ", style=NOT_CURATED_STYLE)
        note.append(", ".join(sorted(missing, key=[r.label for r in view.rows].index)))
        parts.append(Lines(wrap(note, width)))
    mechanism = [Text("MECHANISM", style="bold blue")]
    for line in mechanism_lines(view):
        mechanism += wrap(Text(line), width)
    parts.append(Lines(mechanism))
    if any(c.absolute or any(h[2] for h in c.harms) for r in view.rows for c in r.cells):
        parts.append(Lines(wrap(Text(COMPUTED_NOTE, style="magenta"), width)))
    parts.append(Lines(_references(view, kb, width)))
    return parts


def gaps_parts(view: Gaps, width: int) -> list[RenderableType]:
    """Per substance, what a reader expects and the base lacks."""
    lines = [Text("GAPS: expected outcomes without a clinical fact", style="bold")]
    for substance, missing in zip(view.substances, view.missing, strict=True):
        lines.append(Text(f"{substance.name} ({len(missing)})", style="bold cyan"))
        for label, why in missing:
            lines += wrap(Text(f"  {label}: ").append(why, style=NOT_CURATED_STYLE), width)
        if not missing:
            lines.append(Text("  none: every expected outcome has a clinical fact"))
    return [Lines(lines)]
