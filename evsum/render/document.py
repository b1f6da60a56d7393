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
from evsum.findings import Findings, Gaps
from evsum.render.common import (
    NOT_CURATED,
    comparator_kind_text,
    disputed_text,
    empty_category_text,
    empty_cell_text,
    evidence_text,
    fact_heading,
    mixed_comparators_text,
    nnt_text,
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
from evsum.views import Overview, Provenance, SearchResults, SideEffects, Summary, excess

# RFC 3986's reserved and unreserved characters, less the quote; '%' stays as it is, since
# validation lets through only well-formed escapes.
_HREF_SAFE = "-._~:/?#@!$&()*+,;=%"


def encoded_href(href: str) -> str:
    """A link target with every other character percent-encoded (UTF-8): no space,
    quote, backslash, angle bracket, control or non-ASCII character is left."""
    from urllib.parse import quote

    return quote(href, safe=_HREF_SAFE)


@dataclass(frozen=True)
class Summaries:
    """Several substances' summaries in one export (`export --view show A B`)."""

    items: list[Summary]


@dataclass(frozen=True)
class Inline:
    text: str
    style: str = ""  # "", "em", "strong"
    href: str | None = None
    ref: int | None = None  # a reference marker '[n]': HTML links it to the list


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
    anchor: str = ""  # 'ref': each item can be linked to as #ref-N


Block = Heading | Paragraph | Table | Items


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)


def _marker(number: int) -> Inline:
    return Inline(f"[{number}]", ref=number)


def _plain(text: str) -> Line:
    return [Inline(text)]


def _em(text: str) -> CellLines:
    return [[Inline(text, "em")]]


def _filters(filters: object) -> str:
    described = filters.describe()  # type: ignore[attr-defined]
    return f"Filters: {described}." if described else "Filters: none."


def _formatted(sources: list[Source]) -> list[str]:
    """References in the default (medical) CSL style; evsum's own form if citeproc fails."""
    from evsum.errors import UsageError
    from evsum.render.citations import formatted_references

    try:
        return formatted_references(sources)
    except UsageError:
        return [source_citation(s._replace(status=None)) for s in sources]


def reference_items(kb: KnowledgeBase, keys: list[str]) -> list[Block]:
    """The numbered reference list; nothing at all when nothing is cited."""
    if not keys:
        return []
    items: list[Line] = []
    sources = [kb.sources[key] for key in keys]
    for source, text in zip(sources, _formatted(sources), strict=True):
        line = [Inline(text)]
        if source.link:
            line += [Inline(" "), Inline(source.link, href=source.link)]
        if source.status:
            line += [Inline(" "), Inline(source.status.replace("-", " "), "strong")]
        line += _strong_mark(own_reference(source, kb))
        items.append(line)
    return [Heading(2, "References"), Items(items, numbered=True, anchor="ref")]


def _strong_mark(mark: str) -> Line:
    """' [own]' as a space and a strong mark (emphasis may not start with a space)."""
    return [Inline(" "), Inline(mark.strip(), "strong")] if mark else []


def _fact_line(fact: Fact, ref: int, kb: KnowledgeBase) -> Line:
    line = [Inline(fact_heading(fact), "strong")]
    value = value_text(fact)
    if value:
        line.append(Inline(f" {value}"))
    setting = setting_text(fact, short=False)
    if setting:
        line.append(Inline(f" ({setting})"))
    line += [Inline(f": {fact.claim} "), Inline(evidence_text(fact), "em"), Inline(" "),
             _marker(ref)]
    line += _strong_mark(own_mark(fact.where, kb))
    if fact.note:
        line.append(Inline(f" Note: {fact.note}"))
    if fact.disputed:
        line += [Inline(" "), Inline("Disputed", "strong"),
                 Inline(disputed_text(fact).removeprefix("disputed") + ".")]
    line.append(Inline(f" ({fact.locator}; {read_text(fact)})"))
    return line


def _summary_blocks(view: Summary, refs: list[str], level: int, kb: KnowledgeBase
                    ) -> list[Block]:
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
            lines.append(_fact_line(fact, refs.index(fact.source) + 1, kb))
        blocks.append(Items(lines))
    return blocks


def _cell(cell: Cell, view: Comparison, kb: KnowledgeBase) -> CellLines:
    if not cell.facts:
        return _em(empty_cell_text(cell.state))
    lines: CellLines = []
    for fact in cell.facts:
        text = value_text(fact) or fact.claim
        setting = setting_text(fact)
        if setting:
            text += f" ({setting})"
        text += f"; {evidence_text(fact)} "
        if cell.differs:
            text = f"≠ {text}"
        number = view.reference_number(fact.source)
        line = [Inline(text), _marker(number)]
        if fact.disputed:
            line.append(Inline(" (disputed)"))
        line.append(Inline(own_mark(fact.where, kb)))
        lines.append(line)
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
        profile.append([[_plain(label)]] + [_cell(cell, view, kb) for cell in cells])
    profile.append([[_plain("status")]] + [[_plain(s.status)] for s in view.substances])
    blocks += [Heading(2, "Profile"), Table(["", *names], profile)]
    for section in view.sections:
        rows = []
        for row in section.rows:
            setting = ", ".join(x for x in (
                voc.POPULATION_SHORT.get(row.population or "", ""), row.timepoint or "") if x)
            label = outcome_label(row.key) + (f" ({setting})" if setting else "")
            mixed = mixed_comparators_text(row.comparator_kinds)
            label += f"; {mixed}" if mixed else ""
            rows.append([[_plain(label)]] + [_cell(c, view, kb) for c in row.cells])
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
                if fact is None:
                    marks.append([_plain(text)])
                    continue
                number = view.reference_number(fact.source)
                marks.append([[Inline(f"{text} ({evidence_text(fact)}) "),
                               _marker(number), Inline(own_mark(fact.where, kb))]])
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
                     [_plain(nnt_text(fact))],
                     [_plain(fact.severity)], [_plain(setting_text(fact))],
                     [_plain(evidence_text(fact) + own_mark(fact.where, kb))],
                     [[_marker(refs.index(fact.source) + 1)]]])
    if not rows:
        return [Paragraph([[Inline("No adverse-event facts match.", "em")]])]
    return [Table(["event", "substance", "incidence vs comparator", "excess (points)",
                   "NNTH (computed by evsum)", "severity", "setting", "evidence", "ref"], rows)]


def build_document(view: object, kb: KnowledgeBase, details: list[Summary] | None = None
                   ) -> Document:
    """Any view as a document; a comparison may carry per-substance details."""
    refs: list[str] = []
    if isinstance(view, Findings):
        from evsum.render.handout import handout_document

        return handout_document(view, kb)
    from evsum.thesis import Thesis

    if isinstance(view, Thesis):
        from evsum.render.thesis_document import thesis_document

        return thesis_document(view, kb)
    if isinstance(view, Gaps):
        title = "Gaps: expected outcomes without a clinical fact"
        blocks: list[Block] = [Heading(1, title)]
        for substance, missing in zip(view.substances, view.missing, strict=True):
            blocks.append(Heading(2, f"{substance.name} ({len(missing)})"))
            blocks.append(Items([[Inline(f"{label}: "), Inline(why, "em")]
                                 for label, why in missing]) if missing else
                          Paragraph([[Inline("None.", "em")]]))
        return Document(title, blocks)
    if isinstance(view, Comparison):
        title = " vs ".join(s.name for s in view.substances)
        blocks = [Heading(1, title), *_comparison_blocks(view, kb)]
        refs = list(view.references)
        if details:  # one H1 per document: the details nest under it, as References do
            blocks.append(Heading(2, "Details"))
            for summary in details:
                blocks += _summary_blocks(summary, refs, level=3, kb=kb)
    elif isinstance(view, Summary):
        title = view.substance.name
        blocks = _summary_blocks(view, refs, level=1, kb=kb)
    elif isinstance(view, Summaries):
        title = ", ".join(s.substance.name for s in view.items)
        blocks = [Heading(1, title)]
        for summary in view.items:
            blocks += _summary_blocks(summary, refs, level=2, kb=kb)
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
                          *_fact_line(fact, refs.index(fact.source) + 1, kb)])
        shown = f"; the best {len(view.facts)} shown, best first" if view.more else ""
        blocks = [Heading(1, title), Paragraph([_plain(
            f"{view.total} fact(s) match{shown}. {_filters(view.filters)}")])]
        blocks.append(Items(lines) if lines else Paragraph([[Inline("No fact matches.", "em")]]))
        if view.suggestion:
            blocks.append(Paragraph([_plain(f"Did you mean: {view.suggestion}?")]))
    elif isinstance(view, Provenance):
        fact = view.fact
        title = f"Provenance of {fact.id}"
        refs = [fact.source]
        facts_table = [[[_plain(k)], [_plain(v)]] for k, v in _provenance_rows(fact)]
        blocks = [Heading(1, title), Items([_fact_line(fact, 1, kb)]),
                  Table(["field", "value"], facts_table),
                  Heading(2, "Other facts resting on the same source")]
        blocks.append(Items([_fact_line(f, 1, kb) for f in view.siblings]) if view.siblings
                      else Paragraph([[Inline("None.", "em")]]))
    elif isinstance(view, Overview):
        title = "Substances"
        rows = []
        for s, counts in view.rows:
            rows.append([[_plain(s.name + own_mark(s.where, kb))], [_plain(s.family)],
                         [_plain(s.drug_class)],
                         [_plain(", ".join(voc.PATHWAY_NODES[t][0] for t in s.targets))],
                         [_plain(s.status)]]
                        + [[_plain(str(counts[c]))] for c in voc.CATEGORIES]
                        + [[_plain(str(sum(counts.values())))]])
        blocks = [Heading(1, title), Paragraph([_plain(_filters(view.filters))]),
                  Table(["substance", "family", "class", "targets", "status", *voc.CATEGORIES,
                         "total"], rows)]
        return Document(title, _with_legend(blocks, own_folders(view, kb)))
    else:
        raise TypeError(f"no document form for {type(view).__name__}")
    extra = [f for summary in details or [] for f in summary.facts]
    blocks = _with_legend(blocks, own_folders(view, kb, extra))
    return Document(title, blocks + reference_items(kb, refs))


def _with_legend(blocks: list[Block], folders: list[str]) -> list[Block]:
    """The legend of the own mark after the first heading, when anything carries it."""
    legend = own_legend(folders)
    if not legend:
        return blocks
    at = next((i + 1 for i, b in enumerate(blocks) if isinstance(b, Heading)), 0)
    return [*blocks[:at], Paragraph([[Inline(legend, "strong")]]), *blocks[at:]]


def _provenance_rows(fact: Fact) -> list[tuple[str, str]]:
    rows = [("substance", fact.substance), ("category", fact.category),
            ("design", evidence_text(fact)), ("source key", fact.source),
            ("locator", fact.locator), ("read", read_text(fact)),
            ("page", fact.read.url if fact.read else ""), ("arm", fact.arm or "not stated"),
            ("comparator", f"{fact.comparator.name} ({comparator_kind_text(fact)})"
             if fact.comparator else "none"),
            ("checked", fact.checked.isoformat())]
    if fact.n:
        rows.append(("n", str(fact.n)))
    setting = setting_text(fact, short=False)
    if setting:
        rows.append(("setting", setting))
    rows.append(("defined at", str(fact.where)))
    return rows
