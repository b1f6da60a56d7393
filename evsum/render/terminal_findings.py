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
from evsum.render.terminal import NOT_CURATED_STYLE, _grid, _Lines, _wrap

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
    """About a line each: '[1] Dean 2021 doi:10.1002/...' (the handout lists them in full)."""
    lines = [Text("REFERENCES", style="bold")]
    for number, key in enumerate(view.references, 1):
        source = kb.sources[key]
        line = Text(f"[{number}] ", style="cyan")
        line.append(source.short)
        if source.doi:
            line.append(f" doi:{source.doi}", style="dim")
        elif source.link:
            line.append(f" {source.link}", style="dim")
        if source.status:
            line.append(f" [{source.status.replace('-', ' ')}]", style="bold red")
        lines += _wrap(line, width)
    return lines


def findings_parts(view: Findings, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    names = [s.name for s in view.substances]
    title = "SUMMARY OF FINDINGS: " + " vs ".join(names)
    parts: list[RenderableType] = [Text(title, style="bold")]
    filters = view.filters.describe()
    if filters:
        parts.append(Text(f"filters: {filters}", style="dim"))
    parts.append(Text("one headline fact per outcome (the rule: README); --all for every fact",
                      style="dim"))
    rows: list[tuple[Text, list[Text]]] = []
    for label, cells in profile_cells(view):
        rows.append((Text(label), [_text(c) for c in cells]))
    for row in view.profile:
        rows.append((Text(row.label), [_text(cell_lines(c, view, kb)) for c in row.cells]))
    parts.append(_grid("PROFILE", "bold", names, rows, width))
    missing = set(uncurated_rows(view)) if view.outcome is None else set()
    outcome_rows = [(Text(row.label, style="bold"),
                     [_text(cell_lines(c, view, kb)) for c in row.cells])
                    for row in view.rows if row.label not in missing]
    if outcome_rows:
        parts.append(_grid("OUTCOMES", "bold green", names, outcome_rows, width))
    if missing:
        note = Text("not curated for any substance shown: ", style=NOT_CURATED_STYLE)
        note.append(", ".join(sorted(missing, key=[r.label for r in view.rows].index)))
        parts.append(_Lines(_wrap(note, width)))
    mechanism = [Text("MECHANISM", style="bold blue")]
    for line in mechanism_lines(view):
        mechanism += _wrap(Text(line), width)
    parts.append(_Lines(mechanism))
    if any(c.absolute or any(h[2] for h in c.harms) for r in view.rows for c in r.cells):
        parts.append(_Lines(_wrap(Text(COMPUTED_NOTE, style="magenta"), width)))
    parts.append(_Lines(_references(view, kb, width)))
    return parts


def gaps_parts(view: Gaps, width: int) -> list[RenderableType]:
    """Per substance, what a reader expects and the base lacks."""
    lines = [Text("GAPS: expected outcomes without a clinical fact", style="bold")]
    for substance, missing in zip(view.substances, view.missing, strict=True):
        lines.append(Text(f"{substance.name} ({len(missing)})", style="bold cyan"))
        for label, why in missing:
            lines += _wrap(Text(f"  {label}: ").append(why, style=NOT_CURATED_STYLE), width)
        if not missing:
            lines.append(Text("  none: every expected outcome has a clinical fact"))
    return [_Lines(lines)]
