"""A neutral document built from any view, which markdown and HTML then serialize.

Text in a document is plain: each serializer escapes it for its own format.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evsum import __version__
from evsum.compare import Cell, Comparison
from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact, Source
from evsum.render.common import (
    NOT_CURATED,
    empty_category_text,
    empty_cell_text,
    evidence_text,
    fact_heading,
    outcome_label,
    setting_text,
    source_citation,
    value_text,
)
from evsum.text import visible
from evsum.views import Overview, Provenance, SearchResults, SideEffects, Summary, excess


@dataclass(frozen=True)
class Inline:
    text: str
    style: str = ""  # "", "em", "strong"
    href: str | None = None


Line = list[Inline]
CellLines = list[Line]  # a table cell: one or more lines


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Paragraph:
    lines: list[Line]


@dataclass
class Table:
    header: list[str]
    rows: list[list[CellLines]]


@dataclass
class Items:
    items: list[Line]
    numbered: bool = False


Block = Heading | Paragraph | Table | Items


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)


def _plain(text: str) -> Line:
    return [Inline(text)]


def _em(text: str) -> CellLines:
    return [[Inline(text, "em")]]


def _filters(filters: object) -> str:
    described = filters.describe()  # type: ignore[attr-defined]
    return f"Filters: {described}." if described else "Filters: none."


def _reference_items(kb: KnowledgeBase, keys: list[str]) -> list[Block]:
    items: list[Line] = []
    for key in keys:
        source = kb.sources[key]
        line = [Inline(source_citation(_without_ids(source)))]
        if source.pmid:
            line.append(Inline(f" PMID {source.pmid}."))
        if source.link:
            label = f"doi:{source.doi}" if source.doi else ("PubMed" if source.pmid else "link")
            line += [Inline(" "), Inline(label, href=source.link)]
        if source.status:
            line += [Inline(" "), Inline(source.status.replace("-", " "), "strong")]
        items.append(line)
    return [Heading(2, "References"), Items(items, numbered=True)]


def _without_ids(source: Source) -> Source:
    return source._replace(doi=None, pmid=None, url=None, status=None)


def _fact_line(fact: Fact, ref: int) -> Line:
    line = [Inline(fact_heading(fact), "strong")]
    value = value_text(fact)
    if value:
        line.append(Inline(f" {value}"))
    setting = setting_text(fact, short=False)
    if setting:
        line.append(Inline(f" ({setting})"))
    line += [Inline(f": {fact.claim} "), Inline(evidence_text(fact), "em"), Inline(f" [{ref}]")]
    if fact.note:
        line.append(Inline(f" Note: {fact.note}"))
    if fact.disputed:
        line += [Inline(" "), Inline("Disputed:", "strong"), Inline(f" {fact.disputed}")]
    return line


def _summary_blocks(view: Summary, refs: list[str], level: int) -> list[Block]:
    s = view.substance
    about = [_plain(f"{s.drug_class}. Primary targets: "
                    f"{', '.join(voc.PATHWAY_NODES[t][0] for t in s.targets)}. Routes: "
                    f"{', '.join(s.routes)}. Status: {s.status}")]
    if s.aliases:
        about.append(_plain(f"Also known as: {', '.join(s.aliases)}."))
    blocks: list[Block] = [Heading(level, s.name), Paragraph(about)]
    for category, facts in view.by_category():
        blocks.append(Heading(level + 1, category.capitalize()))
        if not facts:
            blocks.append(Paragraph([[Inline(empty_category_text(view.hidden[category]),
                                             "em")]]))
            continue
        lines = []
        for fact in facts:
            if fact.source not in refs:
                refs.append(fact.source)
            lines.append(_fact_line(fact, refs.index(fact.source) + 1))
        blocks.append(Items(lines))
    return blocks


def _cell(cell: Cell, view: Comparison) -> CellLines:
    if not cell.facts:
        return _em(empty_cell_text(cell.state))
    lines: CellLines = []
    for fact in cell.facts:
        text = value_text(fact) or fact.claim
        setting = setting_text(fact)
        if setting:
            text += f" ({setting})"
        text += f"; {evidence_text(fact)} [{view.reference_number(fact.source)}]"
        if cell.differs:
            text = f"≠ {text}"
        if fact.disputed:
            text += " (disputed)"
        lines.append(_plain(text))
    return lines


def _comparison_blocks(view: Comparison, kb: KnowledgeBase) -> list[Block]:
    names = [s.name for s in view.substances]
    blocks: list[Block] = [Paragraph([[
        Inline(f"evsum {__version__}. {_filters(view.filters)} Cells marked ≠ come from the "
               "nearest setting (population or timepoint differs); "),
        Inline(NOT_CURATED, "em"), Inline(" means no fact on this was ever curated."),
    ]])]
    profile: list[list[CellLines]] = [
        [[_plain("class")]] + [[_plain(s.drug_class)] for s in view.substances],
        [[_plain("primary targets")]] + [[_plain(", ".join(voc.PATHWAY_NODES[t][0]
                                                           for t in s.targets))]
                                         for s in view.substances],
        [[_plain("routes")]] + [[_plain(", ".join(s.routes))] for s in view.substances],
    ]
    for label, cells in view.profile:
        profile.append([[_plain(label)]] + [_cell(cell, view) for cell in cells])
    profile.append([[_plain("status")]] + [[_plain(s.status)] for s in view.substances])
    blocks += [Heading(2, "Profile"), Table(["", *names], profile)]
    for section in view.sections:
        rows = []
        for row in section.rows:
            setting = ", ".join(x for x in (
                voc.POPULATION_SHORT.get(row.population or "", ""), row.timepoint or "") if x)
            label = outcome_label(row.key) + (f" ({setting})" if setting else "")
            rows.append([[_plain(label)]] + [_cell(c, view) for c in row.cells])
        blocks += [Heading(2, section.title), Table(["outcome", *names], rows)]
    if view.mechanism:
        rows = []
        for mrow in view.mechanism:
            marks: list[CellLines] = []
            for entry in mrow.cells:
                if entry is None:
                    marks.append([_plain("")])
                    continue
                is_target, fact = entry
                text = "primary target" if is_target else "yes"
                if fact is not None:
                    text += f" ({evidence_text(fact)}) [{view.reference_number(fact.source)}]"
                marks.append([_plain(text)])
            rows.append([[_plain(mrow.label + (" (shared)" if mrow.shared else ""))]] + marks)
        blocks += [Heading(2, "Mechanism"),
                   Paragraph([[Inline("Pathway nodes each substance acts on; "),
                               Inline("shared", "em"), Inline(" marks convergence.")]]),
                   Table(["pathway node", *names], rows)]
    return blocks


def _side_effect_blocks(view: SideEffects, kb: KnowledgeBase, refs: list[str]) -> list[Block]:
    rows = []
    for fact in view.rows:
        if fact.source not in refs:
            refs.append(fact.source)
        extra = excess(fact)
        rows.append([[_plain(outcome_label(fact.adverse_event or ""))],
                     [_plain(kb.substances[fact.substance].name)],
                     [_plain(value_text(fact) or fact.claim)],
                     [_plain("" if extra is None else f"{extra:+.3g}")],
                     [_plain(fact.severity)], [_plain(setting_text(fact))],
                     [_plain(evidence_text(fact))], [_plain(str(refs.index(fact.source) + 1))]])
    if not rows:
        return [Paragraph([[Inline("No adverse-event facts match.", "em")]])]
    return [Table(["event", "substance", "incidence vs comparator", "excess (points)",
                   "severity", "setting", "evidence", "ref"], rows)]


def build_document(view: object, kb: KnowledgeBase, details: list[Summary] | None = None
                   ) -> Document:
    """Any view as a document; a comparison may carry per-substance details."""
    refs: list[str] = []
    if isinstance(view, Comparison):
        title = " vs ".join(s.name for s in view.substances)
        blocks = [Heading(1, title), *_comparison_blocks(view, kb)]
        refs = list(view.references)
        if details:
            blocks.append(Heading(1, "Details"))
            for summary in details:
                blocks += _summary_blocks(summary, refs, level=2)
    elif isinstance(view, Summary):
        title = view.substance.name
        blocks = _summary_blocks(view, refs, level=1)
    elif isinstance(view, SideEffects):
        title = "Adverse effects: " + ", ".join(s.name for s in view.substances)
        blocks = [Heading(1, title), Paragraph([_plain(_filters(view.filters))]),
                  *_side_effect_blocks(view, kb, refs)]
    elif isinstance(view, SearchResults):
        title = f"Search: {visible(view.query)}"  # typed by the user: controls escaped
        lines = []
        for fact in view.facts:
            if fact.source not in refs:
                refs.append(fact.source)
            lines.append([Inline(f"{kb.substances[fact.substance].name}: "),
                          *_fact_line(fact, refs.index(fact.source) + 1)])
        blocks = [Heading(1, title), Paragraph([_plain(
            f"{len(view.facts)} fact(s). {_filters(view.filters)}")])]
        blocks.append(Items(lines) if lines else Paragraph([[Inline("No fact matches.", "em")]]))
    elif isinstance(view, Provenance):
        fact = view.fact
        title = f"Provenance of {fact.id}"
        refs = [fact.source]
        facts_table = [[[_plain(k)], [_plain(v)]] for k, v in _provenance_rows(fact)]
        blocks = [Heading(1, title), Items([_fact_line(fact, 1)]),
                  Table(["field", "value"], facts_table),
                  Heading(2, "Other facts resting on the same source")]
        blocks.append(Items([_fact_line(f, 1) for f in view.siblings]) if view.siblings
                      else Paragraph([[Inline("None.", "em")]]))
    elif isinstance(view, Overview):
        title = "Substances"
        rows = []
        for s, counts in view.rows:
            rows.append([[_plain(s.name)], [_plain(s.family)], [_plain(s.drug_class)],
                         [_plain(", ".join(voc.PATHWAY_NODES[t][0] for t in s.targets))],
                         [_plain(s.status)]]
                        + [[_plain(str(counts[c]))] for c in voc.CATEGORIES]
                        + [[_plain(str(sum(counts.values())))]])
        blocks = [Heading(1, title), Paragraph([_plain(_filters(view.filters))]),
                  Table(["substance", "family", "class", "targets", "status", *voc.CATEGORIES,
                         "total"], rows)]
        return Document(title, blocks)
    else:
        raise TypeError(f"no document form for {type(view).__name__}")
    return Document(title, blocks + _reference_items(kb, refs))


def _provenance_rows(fact: Fact) -> list[tuple[str, str]]:
    rows = [("substance", fact.substance), ("category", fact.category),
            ("design", evidence_text(fact)), ("source key", fact.source),
            ("locator", fact.locator), ("checked", fact.checked.isoformat())]
    if fact.n:
        rows.append(("n", str(fact.n)))
    setting = setting_text(fact, short=False)
    if setting:
        rows.append(("setting", setting))
    rows.append(("defined at", str(fact.where)))
    return rows
