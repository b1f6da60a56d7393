"""The summary of findings in the terminal: one screen, the answer first."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from evsum.facts.index import KnowledgeBase
from evsum.findings import Findings, Gaps
from evsum.render.findings_cells import (
    COMPUTED_SHORT,
    CellLine,
    arm_cells,
    cell_lines,
    mechanism_lines,
    profile_cells,
    uncurated_rows,
    usual_arms,
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
    """Packed several to a line: '[1] Dean 2021   [2] Anand 2023 [expression of concern]'.

    A summary names its sources as a talk does; their DOIs and full entries
    are in the handout, the dossier (--all) and `evsum cite`.
    """
    lines: list[Text] = []
    line = Text("REFERENCES", style="bold")
    line.append(" (in full: export, --all, cite)", style="dim")
    for number, key in enumerate(view.references, 1):
        source = kb.sources[key]
        item = Text(f"[{number}] ", style="cyan")
        item.append(source.short)
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


LABEL_WIDTH = 13  # the outcome's name, wrapped in a column of its own
HANG = 2  # a substance's entry runs on under itself, stood in by this


def _block(title: str, style: str, rows: list[tuple[str, list[tuple[str, list[CellLine]]]]],
           width: int, apart: tuple[str, ...] = ("harm",)) -> Lines:
    """Rows of entries, one per substance, each opening with the substance's name.

    The row's label stands in a narrow column on the left (empty labels give
    the column to the entries); each entry flows to the full width beside it,
    so that a two-substance summary stays near a screen at 80 columns and six
    substances stack rather than crush.
    """
    out = [Text(title, style=style)]
    for label, entries in rows:
        left = LABEL_WIDTH if label else 0
        # without a label (the profile) the names make a column, the text hangs beside it
        column = 0 if label else min(max(len(name) for name, _ in entries), 14) + 2
        named = any(name for name, _ in entries)  # `show`: one substance, named in the title
        hang = (HANG if named else 0) if label else column
        body: list[Text] = []
        for name, lines in entries:
            apart_name = column and len(name) + 2 > column  # too long: a line of its own
            if apart_name:
                body.append(Text(name, style="bold cyan"))
            for index, paragraph in enumerate(_flowing(lines, apart)):
                head = Text(f"{name}  ".ljust(column) if named else "", style="bold cyan") \
                    if index == 0 and not apart_name else Text(" " * column)
                if column:  # the text wraps in its own column, the name beside its first line
                    pieces = wrap(paragraph, max(20, width - column))
                    pieces[0] = head.append_text(pieces[0])
                else:
                    pieces = wrap(head.append_text(paragraph), max(20, width - left - hang))
                body += [pieces[0], *(Text(" " * hang).append_text(p) for p in pieces[1:])]
        names = wrap(Text(label, style="bold"), LABEL_WIDTH - 1) if label else []
        for index in range(max(len(body), len(names))):
            line = Text()
            if left:
                piece = names[index] if index < len(names) else Text("")
                line.append_text(piece)
                line.append(" " * (left - piece.cell_len))
            if index < len(body):
                line.append_text(body[index])
            out.append(line)
    out.append(Text(""))
    return Lines(out)


def _merge_empty(entries: list[tuple[str, list[CellLine]]]) -> list[tuple[str, list[CellLine]]]:
    """'Esketamine, Psilocybin  not curated': substances with the same empty cell, on one line."""
    merged: list[tuple[str, list[CellLine]]] = []
    where: dict[str, int] = {}
    for name, lines in entries:
        empty = lines[0].text if len(lines) == 1 and lines[0].role == "empty" else None
        if empty is not None and empty in where:
            first, same = merged[where[empty]]
            merged[where[empty]] = (f"{first}, {name}", same)
            continue
        if empty is not None:
            where[empty] = len(merged)
        merged.append((name, lines))
    return merged


def _profile_entry(view: Findings, kb: KnowledgeBase, index: int,
                   arm: CellLine | None) -> list[CellLine]:
    """Class, target (unless the class names it), status, dose, then the usual arm."""
    lines: list[CellLine] = []
    for label, cells in profile_cells(view):
        line = cells[index][0]
        if not (label == "primary target" and lines and line.text in lines[0].text):
            lines.append(line)  # 'NMDA receptor antagonist ...' names its target already
    for row in view.profile:
        dose = cell_lines(row.cells[index], view, kb, expand=False)
        lines += [CellLine(dose[0].role, f"{row.label} {dose[0].text}"), *dose[1:]]
    return lines + ([arm] if arm else [])


def findings_parts(view: Findings, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    names = [s.name for s in view.substances]
    title = "SUMMARY OF FINDINGS: " + " vs ".join(names)
    parts: list[RenderableType] = [Text(title, style="bold")]
    filters = view.filters.describe()
    if filters:
        parts.append(Text(f"filters: {filters}", style="dim"))
    parts.append(Text("(a to b): 95% CI · +k: more facts (--outcome KEY) · "
                      "--all: every fact", style="dim"))
    arms = usual_arms(view)
    per_substance = [(name, _profile_entry(view, kb, index, arm))
                     for index, (name, arm) in enumerate(zip(names, arm_cells(arms), strict=True))]
    parts.append(_block("PROFILE", "bold", [("", per_substance)], width))
    missing = set(uncurated_rows(view)) if view.outcome is None else set()
    shown = names if len(names) > 1 else [""]  # one substance: its name is in the title
    outcome_rows = [(row.label, _merge_empty([
        (name, cell_lines(c, view, kb, outcomes=row.outcomes, said=arm))
        for name, c, arm in zip(shown, row.cells, arms, strict=True)]))
        for row in view.rows if row.label not in missing]
    if outcome_rows:
        parts.append(_block("OUTCOMES", "bold green", outcome_rows, width,
                            ("harm", "value")))  # each fact of an --outcome on its own
    if missing:
        note = Text("not curated for any substance shown: ", style=NOT_CURATED_STYLE)
        note.append(", ".join(sorted(missing, key=[r.label for r in view.rows].index)))
        parts.append(Lines(wrap(note, width)))
    mechanism: list[Text] = []
    for line in mechanism_lines(view):
        mechanism += wrap(Text("MECHANISM ", style="bold blue").append(line), width)
    parts.append(Lines(mechanism))
    if any(c.absolute or any(h[2] for h in c.harms) for r in view.rows for c in r.cells):
        parts.append(Lines(wrap(Text(COMPUTED_SHORT, style="magenta"), width)))
    parts.append(Lines(_references(view, kb, width)))
    return parts


def gaps_parts(view: Gaps, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    """Per substance, what a reader expects and the base lacks."""
    lines = [Text("GAPS: expected outcomes without a clinical fact", style="bold")]
    for substance, missing in zip(view.substances, view.missing, strict=True):
        lines.append(Text(f"{substance.name} ({len(missing)})", style="bold cyan"))
        for label, why in missing:
            lines += wrap(Text(f"  {label}: ").append(why, style=NOT_CURATED_STYLE), width)
        if not missing:
            lines.append(Text("  none: every expected outcome has a clinical fact"))
    return [Lines(lines)]
