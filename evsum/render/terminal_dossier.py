"""The dossier views in the terminal: one substance's facts and the aligned comparison (--all)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from evsum.compare import Cell, Comparison
from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.render.common import (
    NOT_CURATED,
    cell_lines,
    empty_category_text,
    empty_cell_text,
    evidence_text,
    mixed_comparators_text,
    outcome_label,
    own_mark,
    own_reference,
)
from evsum.render.terminal_layout import (
    BAR_WIDTH,
    CATEGORY_STYLE,
    DIFFERS_STYLE,
    EVIDENCE_STYLE,
    NOT_CURATED_STYLE,
    OWN_STYLE,
    Axis,
    Lines,
    bar,
    fact_block,
    forest_axes,
    forest_line,
    grid,
)
from evsum.views import (
    Summary,
    incidence,
)


def summary_parts(view: Summary, kb: KnowledgeBase, width: int) -> list[RenderableType]:
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
            lines += fact_block(fact, kb, width)
        lines.append(Text(""))
    return [*parts, Lines(lines)]


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


def comparison_parts(view: Comparison, kb: KnowledgeBase, width: int) -> list[RenderableType]:
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
    parts.append(grid("PROFILE", "bold", names, rows, width))
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
        parts.append(grid(section.title.upper(), CATEGORY_STYLE[section.category], names,
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
        parts.append(grid("MECHANISM", CATEGORY_STYLE["mechanism"], names, mech_rows, width))
    parts.append(_references(view.references, kb))
    return parts


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
