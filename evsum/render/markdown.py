"""Markdown (GFM) output: headings, tables, and a numbered reference list."""

from __future__ import annotations

import re

from evsum import __version__
from evsum.compare import Cell, Comparison
from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact, Source
from evsum.render.common import (
    ELSEWHERE,
    NOT_CURATED,
    evidence_text,
    fact_heading,
    outcome_label,
    setting_text,
    source_citation,
    value_text,
)
from evsum.views import Overview, SideEffects, Summary, excess

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~&#!$])")


def md(text: str) -> str:
    """Escape fact text for markdown: no markup, no HTML, one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return lines + [""]


def _link(source: Source) -> str:
    link = source.link
    if not link:
        return ""
    label = f"doi:{source.doi}" if source.doi else ("PubMed" if source.pmid else "link")
    return f" [{md(label)}](<{link}>)"


def _references(kb: KnowledgeBase, keys: list[str]) -> list[str]:
    lines = ["## References", ""]
    for number, key in enumerate(keys, 1):
        source = kb.sources[key]
        text = md(source_citation(source).split(" doi:")[0].split(" PMID ")[0])
        extra = f" PMID {source.pmid}." if source.pmid else ""
        status = f" **{md(source.status.replace('-', ' '))}**" if source.status else ""
        lines.append(f"{number}. {text}{extra}{_link(source)}{status}")
    return lines + [""]


def _filters_line(filters: object) -> str:
    described = filters.describe()  # type: ignore[attr-defined]
    return f"Filters: {md(described)}." if described else "Filters: none."


def _fact_item(fact: Fact, kb: KnowledgeBase, ref: int) -> str:
    head = fact_heading(fact)
    value = value_text(fact)
    setting = setting_text(fact, short=False)
    parts = [f"**{md(head)}**"]
    if value:
        parts.append(md(value))
    if setting:
        parts.append(f"({md(setting)})")
    line = f"- {' '.join(parts)}: {md(fact.claim)} *{md(evidence_text(fact))}* [{ref}]"
    if fact.note:
        line += f" Note: {md(fact.note)}"
    if fact.disputed:
        line += f" **Disputed:** {md(fact.disputed)}"
    return line


def _summary(view: Summary, kb: KnowledgeBase, level: int = 1,
             refs: list[str] | None = None) -> list[str]:
    s = view.substance
    own = refs is None
    keys = refs if refs is not None else []
    lines = [f"{'#' * level} {md(s.name)}", ""]
    lines.append(f"{md(s.drug_class)}. Primary targets: "
                 f"{md(', '.join(voc.PATHWAY_NODES[t][0] for t in s.targets))}. Routes: "
                 f"{md(', '.join(s.routes))}. Status: {md(s.status)}")
    if s.aliases:
        lines.append(f"Also known as: {md(', '.join(s.aliases))}.")
    lines.append("")
    for category, facts in view.by_category():
        lines += [f"{'#' * (level + 1)} {category.capitalize()}", ""]
        if not facts:
            lines += [f"*{NOT_CURATED}*", ""]
            continue
        for fact in facts:
            if fact.source not in keys:
                keys.append(fact.source)
            lines.append(_fact_item(fact, kb, keys.index(fact.source) + 1))
        lines.append("")
    if own:
        lines += _references(kb, keys)
    return lines


def _cell(cell: Cell, view: Comparison, kb: KnowledgeBase) -> str:
    if not cell.facts:
        return f"*{ELSEWHERE if cell.curated else NOT_CURATED}*"
    parts = []
    for fact in cell.facts:
        text = md(value_text(fact) or fact.claim)
        setting = setting_text(fact)
        if setting:
            text += f" ({md(setting)})"
        text += f"; {md(evidence_text(fact))} [{view.reference_number(fact.source)}]"
        if cell.differs:
            text = f"≠ {text}"
        if fact.disputed:
            text += " (disputed)"
        parts.append(text)
    return "<br>".join(parts)


def _comparison(view: Comparison, kb: KnowledgeBase) -> list[str]:
    names = [md(s.name) for s in view.substances]
    lines = [f"# {' vs '.join(names)}", "",
             f"evsum {__version__}. {_filters_line(view.filters)} "
             "Cells marked ≠ come from the nearest setting (population or timepoint differs); "
             f"*{NOT_CURATED}* means no fact on this was ever curated.", ""]
    profile_rows = [
        ["class"] + [md(s.drug_class) for s in view.substances],
        ["primary targets"] + [md(", ".join(voc.PATHWAY_NODES[t][0] for t in s.targets))
                               for s in view.substances],
        ["routes"] + [md(", ".join(s.routes)) for s in view.substances],
    ]
    for label, cells in view.profile:
        profile_rows.append([md(label)] + [
            _cell(Cell(group, True), view, kb) if group else f"*{NOT_CURATED}*"
            for group in cells])
    profile_rows.append(["status"] + [md(s.status) for s in view.substances])
    lines += ["## Profile", ""] + _table([""] + names, profile_rows)
    for section in view.sections:
        rows = []
        for row in section.rows:
            setting = ", ".join(x for x in (
                voc.POPULATION_SHORT.get(row.population or "", ""), row.timepoint or "") if x)
            label = md(outcome_label(row.key)) + (f" ({md(setting)})" if setting else "")
            rows.append([label] + [_cell(c, view, kb) for c in row.cells])
        lines += [f"## {section.title}", ""] + _table(["outcome"] + names, rows)
    if view.mechanism:
        rows = []
        for mrow in view.mechanism:
            marks: list[str] = []
            for entry in mrow.cells:
                if entry is None:
                    marks.append("")
                    continue
                is_target, fact = entry
                text = "primary target" if is_target else "yes"
                if fact is not None:
                    text += f" ({md(evidence_text(fact))}) [{view.reference_number(fact.source)}]"
                marks.append(text)
            shared = " (shared)" if mrow.shared else ""
            rows.append([md(mrow.label) + shared] + marks)
        lines += ["## Mechanism", "",
                  "Pathway nodes each substance acts on; *shared* marks convergence.", ""]
        lines += _table(["pathway node"] + names, rows)
    lines += _references(kb, view.references)
    return lines


def _side_effects(view: SideEffects, kb: KnowledgeBase) -> list[str]:
    names = ", ".join(md(s.name) for s in view.substances)
    lines = [f"# Adverse effects: {names}", "", _filters_line(view.filters), ""]
    keys: list[str] = []
    rows = []
    for fact in view.rows:
        if fact.source not in keys:
            keys.append(fact.source)
        extra = excess(fact)
        rows.append([
            md(outcome_label(fact.adverse_event or "")), md(kb.substances[fact.substance].name),
            md(value_text(fact) or fact.claim),
            "" if extra is None else f"{extra:+.3g}",
            md(fact.severity), md(setting_text(fact)), md(evidence_text(fact)),
            str(keys.index(fact.source) + 1),
        ])
    if not rows:
        lines += ["*No adverse-event facts match.*", ""]
    else:
        lines += _table(["event", "substance", "incidence vs comparator", "excess (points)",
                         "severity", "setting", "evidence", "ref"], rows)
    return lines + _references(kb, keys)


def _overview(view: Overview) -> list[str]:
    rows = []
    for s, counts in view.rows:
        rows.append([md(s.name), md(s.family), md(s.drug_class),
                     md(", ".join(voc.PATHWAY_NODES[t][0] for t in s.targets)), md(s.status)]
                    + [str(counts[c]) for c in voc.CATEGORIES] + [str(sum(counts.values()))])
    header = ["substance", "family", "class", "targets", "status", *voc.CATEGORIES, "total"]
    return ["# Substances", "", _filters_line(view.filters), ""] + _table(header, rows)


def render_markdown(view: object, kb: KnowledgeBase, details: list[Summary] | None = None) -> str:
    """Any view as a GFM document; a comparison may carry per-substance details."""
    if isinstance(view, Comparison):
        lines = _comparison(view, kb)
        if details:
            refs = list(view.references)
            body: list[str] = []
            for summary in details:
                body += _summary(summary, kb, level=2, refs=refs)
            lines = lines[: lines.index("## References")]
            lines += ["# Details", ""] + body + _references(kb, refs)
    elif isinstance(view, Summary):
        lines = _summary(view, kb)
    elif isinstance(view, SideEffects):
        lines = _side_effects(view, kb)
    elif isinstance(view, Overview):
        lines = _overview(view)
    else:
        raise TypeError(f"no markdown form for {type(view).__name__}")
    return "\n".join(lines).rstrip("\n") + "\n"
