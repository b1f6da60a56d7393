"""Align facts across substances: profile, outcome rows, harms, mechanism."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact, Substance, Timepoint
from evsum.query import Filters, select

# Sections in display order: (category, title). Mechanism is a matrix of its own.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("efficacy", "Efficacy"),
    ("safety", "Harms"),
    ("dissociation", "Dissociation and acute effects"),
    ("pharmacology", "Pharmacology"),
    ("dosing", "Dosing"),
    ("regulatory", "Regulatory"),
)


@dataclass
class Cell:
    """One substance's entry in a row.

    ``facts`` empty means nothing to show: ``curated`` tells whether the
    substance has a fact for this outcome that passes the filters (it stands
    in another row), ``hidden`` whether it has one the filters left out;
    with neither, none was ever curated.
    """

    facts: list[Fact] = field(default_factory=list)
    curated: bool = False
    differs: bool = False  # the facts are the nearest, not the same timepoint/population
    hidden: bool = False

    @property
    def state(self) -> str:
        """fact, other-setting, filtered-out or not-curated."""
        if self.facts:
            return "fact"
        if self.curated:
            return "other-setting"
        return "filtered-out" if self.hidden else "not-curated"


@dataclass
class Row:
    key: str  # outcome key or adverse event
    population: str | None
    timepoint: str | None
    cells: list[Cell]

    @property
    def aligned(self) -> bool:
        return not any(c.differs for c in self.cells)

    @property
    def comparator_kinds(self) -> tuple[str, ...]:
        """The kinds of comparator the row's shown facts are measured against, in order."""
        kinds = (f.comparator.kind for c in self.cells for f in c.facts[:1] if f.comparator)
        return tuple(dict.fromkeys(kinds))


@dataclass
class Section:
    category: str
    title: str
    rows: list[Row]


@dataclass
class MechanismRow:
    node: str
    label: str
    kind: str
    # per substance: None (no fact), else (is a primary target, best fact by evidence)
    cells: list[tuple[bool, Fact | None] | None]

    @property
    def shared(self) -> bool:
        return sum(c is not None for c in self.cells) >= 2


@dataclass
class Comparison:
    substances: list[Substance]
    filters: Filters
    profile: list[tuple[str, list[Cell]]]
    sections: list[Section]
    mechanism: list[MechanismRow]
    references: list[str]  # source keys in order of first citation

    def reference_number(self, source_key: str) -> int:
        return self.references.index(source_key) + 1


def row_key(fact: Fact) -> str:
    """What a row aligns on besides population and timepoint."""
    if fact.adverse_event:
        return fact.adverse_event
    return fact.outcome or "other findings"


def _distance(a: Fact, b: Fact) -> float:
    """How far apart two facts' settings are: population first, then log-time."""
    far = 0.0 if a.population == b.population else 100.0
    if a.timepoint and b.timepoint:
        return far + abs(math.log(a.timepoint.hours + 1e-3) - math.log(b.timepoint.hours + 1e-3))
    return far + (0.0 if a.timepoint is b.timepoint else 10.0)


Setting = tuple[str | None, Timepoint | None]


def _setting(fact: Fact) -> Setting:
    return fact.population, fact.timepoint


def align(per_substance: list[list[Fact]], hidden: list[bool] | None = None) -> list[Row]:
    """Rows for one outcome key: exact matches first, then nearest pairs, then singles.

    ``hidden`` says, per substance, whether the filters left out facts on this key.
    """
    pools = [list(facts) for facts in per_substance]
    curated = [bool(facts) for facts in per_substance]
    hidden = hidden or [False] * len(pools)
    width = len(pools)
    rows: list[Row] = []
    key = row_key(next(f for facts in per_substance for f in facts))

    def new_row(setting: Setting, chosen: list[list[Fact]],
                differs: list[bool]) -> Row:
        cells = [Cell(chosen[i], curated[i], differs[i], hidden[i]) for i in range(width)]
        return Row(key, setting[0], str(setting[1]) if setting[1] else None, cells)

    # 1. the same setting in two or more substances
    settings: dict[Setting, set[int]] = {}
    for i, facts in enumerate(pools):
        for fact in facts:
            settings.setdefault(_setting(fact), set()).add(i)
    for setting, members in sorted(settings.items(), key=lambda kv: _order(kv[0])):
        if len(members) < 2:
            continue
        chosen = [[f for f in pools[i] if _setting(f) == setting] for i in range(width)]
        for i in range(width):
            pools[i] = [f for f in pools[i] if _setting(f) != setting]
        rows.append(new_row(setting, chosen, [False] * width))
    # 2. nearest neighbours across substances, flagged as differing
    while sum(bool(p) for p in pools) >= 2:
        lead_index = next(i for i, p in enumerate(pools) if p)
        lead = min(pools[lead_index], key=lambda f: _order(_setting(f)))
        chosen = [[] for _ in range(width)]
        differs = [False] * width
        chosen[lead_index] = [lead]
        pools[lead_index].remove(lead)
        for i in range(width):
            if i == lead_index or not pools[i]:
                continue
            nearest = min(pools[i], key=lambda f: (_distance(lead, f), f.evidence_rank))
            chosen[i] = [nearest]
            differs[i] = True
            pools[i].remove(nearest)
        rows.append(new_row(_setting(lead), chosen, differs))
    # 3. what is left stands alone, one row per setting
    for i, facts in enumerate(pools):
        for setting in sorted({_setting(f) for f in facts}, key=_order):
            same = [f for f in facts if _setting(f) == setting]
            chosen = [same if j == i else [] for j in range(width)]
            rows.append(new_row(setting, chosen, [False] * width))
    for row in rows:
        for cell in row.cells:
            cell.facts.sort(key=lambda f: (f.evidence_rank, f.id))
    return rows


def _order(setting: Setting) -> tuple[int, float, str]:
    """Rows by population (in vocabulary order), then by time; ties by how time is written."""
    population, timepoint = setting
    pops = list(voc.POPULATIONS)
    return (pops.index(population) if population else len(pops),
            timepoint.hours if timepoint else 0.0, str(timepoint) if timepoint else "")


def build_comparison(kb: KnowledgeBase, substances: list[Substance],
                     filters: Filters) -> Comparison:
    """Compare substances on the facts that pass the filters."""
    selected = [select(kb, s, filters) for s in substances]
    everything = [kb.facts_of(s.id) for s in substances]  # to tell filtered from uncurated
    profile: list[tuple[str, list[Cell]]] = []
    for outcome, label in voc.PROFILE_OUTCOMES.items():
        groups = [sorted((f for f in facts if f.outcome == outcome),
                         key=lambda f: (f.evidence_rank, f.id))[:1] for facts in selected]
        if any(groups):
            profile.append((label, [
                Cell(group, bool(group), hidden=any(f.outcome == outcome for f in all_facts))
                for group, all_facts in zip(groups, everything, strict=True)]))
    sections: list[Section] = []
    for category, title in SECTIONS:
        in_category = [[f for f in facts if f.category == category
                        and f.outcome not in voc.PROFILE_OUTCOMES] for facts in selected]
        keys = list(dict.fromkeys(row_key(f) for facts in in_category for f in facts))
        rows: list[Row] = []
        for key in keys:
            hidden = [any(f.category == category and row_key(f) == key for f in all_facts)
                      for all_facts in everything]
            rows += align([[f for f in facts if row_key(f) == key] for facts in in_category],
                          hidden)
        if rows:
            sections.append(Section(category, title, rows))
    mechanism = _mechanism(substances, selected, filters)
    references: list[str] = []
    for _, cells in profile:
        for cell in cells:
            references += [f.source for f in cell.facts]
    for section in sections:
        for row in section.rows:
            for cell in row.cells:
                references += [f.source for f in cell.facts]
    for mrow in mechanism:
        references += [c[1].source for c in mrow.cells if c is not None and c[1] is not None]
    return Comparison(substances, filters, profile, sections, mechanism,
                      list(dict.fromkeys(references)))


def _mechanism(substances: list[Substance], selected: list[list[Fact]],
               filters: Filters) -> list[MechanismRow]:
    if filters.categories and "mechanism" not in filters.categories:
        return []
    rows: list[MechanismRow] = []
    for node, (label, kind) in voc.PATHWAY_NODES.items():
        cells: list[tuple[bool, Fact | None] | None] = []
        for substance, facts in zip(substances, selected, strict=True):
            supporting = sorted((f for f in facts if f.category == "mechanism"
                                 and node in f.pathway), key=lambda f: (f.evidence_rank, f.id))
            is_target = node in substance.targets
            if supporting or is_target:
                cells.append((is_target, supporting[0] if supporting else None))
            else:
                cells.append(None)
        if any(c is not None for c in cells):
            rows.append(MechanismRow(node, label, kind, cells))
    return rows
