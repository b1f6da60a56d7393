"""The handout: the summary of findings as a document a journal club reads in minutes.

The summary table, the mechanism in a few lines, what is uncertain or
disputed, how the numbers were chosen and computed, and references only for
what the handout cites. It says when, by which evsum and from which
knowledge base (a content hash) it was made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os

from evsum import __version__
from evsum.facts.index import KnowledgeBase
from evsum.findings import Findings
from evsum.headline import RULE
from evsum.render.document import (
    Block,
    CellLines,
    Document,
    Heading,
    Inline,
    Items,
    Line,
    Paragraph,
    Table,
    reference_items,
)
from evsum.render.findings_cells import (
    ARM_LABEL,
    COMPUTED_NOTE,
    CellLine,
    cell_lines,
    mechanism_lines,
    profile_cells,
    uncurated_rows,
    usual_arms,
)

ROLE_STYLE = {"value": "strong", "harm": "", "setting": "", "evidence": "em",
              "computed": "", "empty": "em"}


def content_hash(kb: KnowledgeBase) -> str:
    """A short hash of every fact and source, so a reader can tell two bases apart."""
    digest = hashlib.sha256()
    for fact in sorted(kb.facts, key=lambda f: f.id):  # where a fact is defined is no content
        digest.update(repr({k: v for k, v in fact._asdict().items() if k != "where"}).encode())
    for key in sorted(kb.sources):
        fields = kb.sources[key]._asdict()
        digest.update(repr({k: v for k, v in fields.items() if k != "where"}).encode())
    return digest.hexdigest()[:12]


def build_date() -> dt.date:
    """Today, or SOURCE_DATE_EPOCH's day where set (reproducible documents)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def _cell(lines: list[CellLine]) -> CellLines:
    """One line per cell, its parts joined: one table row per outcome in every renderer."""
    line: Line = []
    for index, part in enumerate(lines):
        if index:
            line.append(Inline("; "))
        line.append(Inline(part.text, ROLE_STYLE[part.role]))
    return [line]


def _uncertain(view: Findings, kb: KnowledgeBase) -> list[Line]:
    """Headlines a reader should weigh: disputed, low certainty, notices, read on copies.

    A concern shared by several of one substance's cells from one source is
    said once, with the cells it touches ("Psilocybin, response and
    remission [4]: expression of concern ...").
    """
    concerns: dict[tuple[str, int, str, str], list[str]] = {}
    for row in view.rows:
        for substance, cell in zip(view.substances, row.cells, strict=True):
            fact = cell.headline.fact if cell.headline else None
            if fact is None:
                continue
            source = kb.sources[fact.source]
            found: list[tuple[str, str]] = []  # (the words in bold, what follows them)
            if fact.disputed:
                found.append(("disputed", f" ({', '.join(fact.disputed.by)}): "
                                          f"{fact.disputed.reason}"))
            if fact.grade in ("low", "very-low"):
                found.append(("", f"GRADE certainty {fact.grade.replace('-', ' ')}"))
            if source.status:
                found.append((source.status.replace("-", " "),
                              f": {source.status_note}" if source.status_note else ""))
            if fact.analysis in ("post-hoc", "subgroup", "exploratory"):
                found.append(("", f"a {fact.analysis.replace('-', ' ')} analysis"))
            for strong, rest in found:
                key = (substance.name, view.reference_number(fact.source), strong, rest)
                concerns.setdefault(key, []).append(row.label)
    items: list[Line] = []
    for (name, number, strong, rest), labels in concerns.items():
        rows = ", ".join(labels[:-1]) + " and " + labels[-1] if len(labels) > 1 else labels[0]
        line = [Inline(f"{name}, {rows} [{number}]: ")]
        if strong:
            line.append(Inline(strong, "strong"))
        items.append([*line, Inline(rest)])
    return items


def handout_document(view: Findings, kb: KnowledgeBase, today: dt.date | None = None
                     ) -> Document:
    names = [s.name for s in view.substances]
    title = " vs ".join(names) + ": summary of findings"
    made = (today or build_date()).isoformat()
    described = view.filters.describe()
    blocks: list[Block] = [
        Heading(1, title),
        Paragraph([[Inline(f"Made {made} by evsum {__version__} from a knowledge base of "
                           f"{len(kb.facts)} facts (content hash {content_hash(kb)}). "
                           f"Filters: {described or 'none'}.")]]),
    ]
    rows: list[list[CellLines]] = []
    for label, cells in profile_cells(view):
        rows.append([[[Inline(label)]], *[_cell(c) for c in cells]])
    for row in view.profile:
        rows.append([[[Inline(row.label)]], *[_cell(cell_lines(c, view, kb, expand=False))
                                              for c in row.cells]])
    arms = usual_arms(view)
    if any(arms):
        rows.append([[[Inline(ARM_LABEL)]], *[
            _cell([CellLine("setting", arm or "named in each cell")]) for arm in arms]])
    missing = set(uncurated_rows(view)) if view.outcome is None else set()
    for row in view.rows:
        if row.label not in missing:
            rows.append([[[Inline(row.label, "strong")]],
                         *[_cell(cell_lines(c, view, kb, outcomes=row.outcomes, said=arm))
                           for c, arm in zip(row.cells, arms, strict=True)]])
    blocks += [Heading(2, "Summary of findings"), Table(["", *names], rows)]
    if missing:
        blocks.append(Paragraph([[Inline("Not curated for any substance shown", "em"),
                                  Inline(": " + ", ".join(r.label for r in view.rows
                                                   if r.label in missing))]]))
    blocks += [Heading(2, "Mechanism"), Items([[Inline(line)] for line in mechanism_lines(view)])]
    uncertain = _uncertain(view, kb)
    blocks.append(Heading(2, "Uncertain or disputed"))
    blocks.append(Items(uncertain) if uncertain else
                  Paragraph([[Inline("No headline is disputed, of low certainty or under a "
                                     "notice.", "em")]]))
    rule = "; ".join(f"{i}. {step}" for i, step in enumerate(RULE, 1)) + "."
    blocks += [Heading(2, "How to read it"), Items([
        [Inline("Each cell is one headline fact; the rule: " + rule + " The full dossier: "
                "evsum export --all.")],
        [Inline("Numbers in brackets after an estimate, \"(a to b)\", are its 95% CI; "
                "\"more\" and \"fewer\" per 1,000 count the drug arm's events against the "
                "comparator's.")],
        [Inline("\"+k\" after a reference: k more facts on that outcome (--outcome KEY lists "
                "them); a trial's cell that names no arm gives the profile's \"trial arm unless "
                "named\"; a meta-analysis pools its trials' arms.")],
        [Inline(COMPUTED_NOTE + ".")],
    ])]
    return Document(title, blocks + reference_items(kb, view.references))
