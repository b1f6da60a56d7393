"""The list views in the terminal: substances, adverse effects, search hits, provenance."""

from __future__ import annotations

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact
from evsum.render.common import (
    NONE_REPORTED,
    comparator_kind_text,
    evidence_text,
    fact_heading,
    is_own,
    nnt_text,
    number_with_unit,
    outcome_label,
    own_mark,
    read_text,
    setting_text,
    source_citation,
    value_text,
)
from evsum.render.terminal_layout import (
    BAR_WIDTH,
    CATEGORY_STYLE,
    COMPARATOR_STYLE,
    DRUG_STYLE,
    NOT_CURATED_STYLE,
    OWN_STYLE,
    Lines,
    bar,
    evidence_label,
    fact_block,
    indented,
    wrap,
)
from evsum.text import visible
from evsum.views import (
    Overview,
    Provenance,
    SearchResults,
    SideEffects,
    excess,
    incidence,
)

STACK_BELOW = 80  # narrower than this, list and side-effects stack instead of a table


def overview_parts(view: Overview, kb: KnowledgeBase, width: int) -> list[RenderableType]:
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
        lines += indented(Text(s.drug_class), 2, width)
        lines += indented(Text("targets: " + ", ".join(voc.PATHWAY_NODES[t][0]
                                                         for t in s.targets), style="dim"),
                           2, width)
        lines += indented(Text(s.status, style="dim"), 2, width)
        tally = Text()
        for category in voc.CATEGORIES:
            tally.append(f"{category[:3]} ", style="dim")
            tally.append(str(counts[category]) if counts[category] else "·",
                         style=CATEGORY_STYLE[category])
            tally.append("  ")
        tally.append("all ", style="dim")
        tally.append(str(sum(counts.values())), style="bold")
        lines += indented(tally, 2, width)
    filters = view.filters.describe()
    if filters:
        lines += wrap(Text(f"filters: {filters}", style="dim"), width)
    return [Lines(lines)]


def incidence_cell(fact: Fact) -> Text:
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


def side_effects_parts(view: SideEffects, kb: KnowledgeBase, width: int) -> list[RenderableType]:
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
        source = evidence_label(fact)
        source.append(f" {kb.sources[fact.source].short}", style="cyan")
        source.append(own_mark(fact.where, kb), style=OWN_STYLE)
        setting = setting_text(fact)
        if setting:
            source.append(f"\n{setting}", style="dim")
        computed = nnt_text(fact)
        table.add_row(event, incidence_cell(fact),
                      Text(("" if extra is None else f"{extra:+.3g}")
                           + (f"\n{computed}" if computed else "")), source)
    parts: list[RenderableType] = [title, legend, table]
    if not view.rows:
        parts.append(Text("no adverse-event facts match", style=NOT_CURATED_STYLE))
    return parts


def _side_effects_stacked(view: SideEffects, kb: KnowledgeBase, width: int, title: Text,
                          legend: Text) -> list[RenderableType]:
    """One block per adverse event, wrapped at words: readable at 60 columns."""
    lines = [*wrap(title, width), *wrap(legend, width)]
    for fact in view.rows:
        event = Text(outcome_label(fact.adverse_event or ""), style="bold")
        if fact.severity != "any":
            event.append(f" ({fact.severity})", style="bold red")
        event.append(f" · {kb.substances[fact.substance].name}", style="cyan")
        lines += [Text(""), *wrap(event, width)]
        for line in incidence_cell(fact).split("\n"):
            lines += indented(line, 2, width)
        about = Text()
        extra = excess(fact)
        if extra is not None:
            about.append(f"excess {extra:+.3g} points · ", style="bold")
        if nnt_text(fact):
            about.append(f"{nnt_text(fact)} · ", style="magenta")
        about.append_text(evidence_label(fact))
        about.append(f" {kb.sources[fact.source].short}", style="cyan")
        setting = setting_text(fact)
        if setting:
            about.append(f" · {setting}", style="dim")
        lines += indented(about, 2, width)
    if not view.rows:
        lines.append(Text("no adverse-event facts match", style=NOT_CURATED_STYLE))
    return [Lines(lines)]


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
    head.append_text(evidence_label(fact))
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


def search_parts(view: SearchResults, kb: KnowledgeBase, width: int) -> list[RenderableType]:
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
            lines += [title, *fact_block(fact, kb, width), Text("")]
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
    parts.append(Lines(lines))
    return parts


def provenance_parts(view: Provenance, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    fact = view.fact
    source = kb.sources[fact.source]
    parts: list[RenderableType] = [Text(fact.id, style="bold"),
                                   Lines(fact_block(fact, kb, width)), Text("")]
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
