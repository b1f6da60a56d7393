"""The summary of findings: one headline fact per critical outcome and substance.

As GRADE summary-of-findings tables lead, the default view of `show`,
`compare` and `export` is one row per critical outcome (evsum.facts.vocabulary
SUMMARY_OUTCOMES), each cell the headline fact chosen by evsum.headline with
"+k more", and, where both arms' rates are known, the absolute difference per
1,000 and the NNT or NNH that evsum computes (evsum.absolute).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evsum.absolute import Absolute, absolute_effect
from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact, Substance
from evsum.headline import Headline, choose, clinical_doses, order
from evsum.query import Filters, keep

TOP_HARMS = 3  # adverse events with the largest excess, per substance


@dataclass
class FindingCell:
    """One substance on one outcome.

    ``state``: ``fact`` (a headline), ``preclinical-only`` (only animal or cell
    facts, which never head a clinical outcome), ``filtered-out`` (facts exist
    that the filters leave out) or ``not-curated``.
    """

    state: str
    headline: Headline | None = None
    absolute: Absolute | None = None
    harms: list[tuple[Fact, float, Absolute | None]] = field(default_factory=list)

    @property
    def more(self) -> int:
        return len(self.headline.others) if self.headline else 0


@dataclass
class FindingRow:
    key: str
    label: str
    cells: list[FindingCell]
    outcomes: tuple[str, ...] = ()  # the fact outcomes the row gathers


@dataclass
class Findings:
    substances: list[Substance]
    filters: Filters
    rows: list[FindingRow]
    profile: list[FindingRow]
    targets: list[tuple[str, ...]]  # each substance's primary targets (pathway labels)
    shared_downstream: list[str]  # downstream nodes every substance's facts name
    downstream_evidence: dict[str, str]  # node -> best design across the substances' facts
    outcome: str | None = None  # --outcome KEY: that row expanded
    references: list[str] = field(default_factory=list)

    def reference_number(self, source_key: str) -> int:
        return self.references.index(source_key) + 1


def _row_facts(facts: list[Fact], categories: str, outcomes: tuple[str, ...]) -> list[Fact]:
    return [f for f in facts if f.category in categories.split() and f.outcome in outcomes]


def _cell(all_facts: list[Fact], kept: list[Fact], kb: KnowledgeBase, doses: tuple[str, ...],
          prefer_own: bool = False) -> FindingCell:
    if not kept:
        return FindingCell("filtered-out" if all_facts else "not-curated")
    candidates = [f for f in kept if f.is_clinical]  # every summary outcome is clinical
    if not candidates:
        return FindingCell("preclinical-only")
    headline = choose(candidates, kb, doses, prefer_own)
    assert headline is not None
    others = tuple(f for f in order(kept, kb, doses, prefer_own) if f.id != headline.fact.id)
    headline = headline._replace(others=others)
    return FindingCell("fact", headline, absolute_effect(headline.fact))


def _harms_cell(all_facts: list[Fact], kept: list[Fact], kb: KnowledgeBase,
                prefer_own: bool = False) -> FindingCell:
    from evsum.views import excess

    events = [f for f in kept if f.category == "safety" and f.adverse_event and f.is_clinical]
    if not events:
        return FindingCell("filtered-out" if any(
            f.category == "safety" and f.adverse_event for f in all_facts) else "not-curated")
    single = [f for f in events if f.adverse_event not in voc.AGGREGATE_EVENTS]
    # patients before healthy volunteers: their harms are the ones a prescriber weighs
    patients = [f for f in single if f.population != "healthy-volunteers"]
    best: dict[str, tuple[Fact, float]] = {}
    for fact in order(patients or single, kb, (), prefer_own):  # each event's best fact
        gap = excess(fact)
        if gap is not None and fact.adverse_event not in best:
            best[fact.adverse_event or ""] = (fact, gap)
    top = sorted(best.values(), key=lambda pair: -pair[1])[:TOP_HARMS]
    if not top:
        return FindingCell("fact", Headline(order(events, kb)[0], "no comparator rate", ()))
    harms = [(fact, gap, absolute_effect(fact)) for fact, gap in top]
    rest = tuple(f for f in events if f.id not in {h[0].id for h in harms})
    return FindingCell("fact", Headline(harms[0][0], "largest excess over the comparator",
                                        rest), harms=harms)


def build_findings(kb: KnowledgeBase, substances: list[Substance], filters: Filters,
                   outcome: str | None = None, prefer_own: bool = False) -> Findings:
    """The summary of findings for one or more substances."""
    all_facts = {s.id: kb.facts_of(s.id) for s in substances}
    kept = {s.id: [f for f in all_facts[s.id] if keep(f, filters, kb)] for s in substances}
    doses = {s.id: clinical_doses(all_facts[s.id]) for s in substances}
    rows = []
    for key, label, category, outcomes in voc.SUMMARY_OUTCOMES:
        if outcome is not None and key != outcome:
            continue
        cells = []
        for s in substances:
            if key == "top-harms":
                cells.append(_harms_cell(all_facts[s.id], kept[s.id], kb, prefer_own))
                continue
            cells.append(_cell(_row_facts(all_facts[s.id], category, outcomes),
                               _row_facts(kept[s.id], category, outcomes), kb, doses[s.id],
                               prefer_own))
        rows.append(FindingRow(key, label, cells, outcomes))
    profile = [FindingRow("clinical-dose", "clinical dose", [
        _cell(_row_facts(all_facts[s.id], "dosing", ("clinical-dose",)),
              _row_facts(kept[s.id], "dosing", ("clinical-dose",)), kb, doses[s.id], prefer_own)
        for s in substances])]
    nodes = [{n for f in kept[s.id] if f.category == "mechanism" for n in f.pathway}
             for s in substances]
    downstream = [n for n, (_, kind) in voc.PATHWAY_NODES.items() if kind == "downstream"]
    shared = [n for n in downstream if all(n in named for named in nodes)]
    evidence = {}
    for node in shared:
        facts = [f for s in substances for f in kept[s.id] if node in f.pathway]
        evidence[node] = min(facts, key=lambda f: f.evidence_rank).design_label
    view = Findings(substances, filters, rows, profile,
                    [tuple(voc.PATHWAY_NODES[t][0] for t in s.targets) for s in substances],
                    [voc.PATHWAY_NODES[n][0] for n in shared],
                    {voc.PATHWAY_NODES[n][0]: d for n, d in evidence.items()}, outcome)
    cited = [f for row in (*profile, *rows) for c in row.cells
             for f in ([c.headline.fact] if c.headline else []) + [h[0] for h in c.harms]]
    if outcome is not None:  # the expanded row shows every fact: each needs its reference
        cited += [f for row in rows for c in row.cells if c.headline and not c.harms
                  for f in c.headline.others]
    view.references = list(dict.fromkeys(f.source for f in cited))
    return view


@dataclass
class Gaps:
    """`evsum gaps`: per substance, the expected outcomes and categories with no fact."""

    substances: list[Substance]
    missing: list[list[tuple[str, str]]]  # per substance: (key, why) of each gap


def build_gaps(kb: KnowledgeBase, substances: list[Substance]) -> Gaps:
    """What a reader expects that the base lacks: no fact, or only preclinical ones."""
    view = build_findings(kb, substances, Filters())
    missing: list[list[tuple[str, str]]] = [[] for _ in substances]
    for row in view.rows:
        for index, cell in enumerate(row.cells):
            if cell.state in ("not-curated", "preclinical-only"):
                why = "not curated" if cell.state == "not-curated" else "preclinical only"
                missing[index].append((row.label, why))
    for index, substance in enumerate(substances):
        present = {f.category for f in kb.facts_of(substance.id)}
        missing[index] += [(f"any {c} fact", "not curated") for c in voc.CATEGORIES
                           if c not in present]
    return Gaps(substances, missing)
