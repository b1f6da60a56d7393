"""Align facts across substances: profile, outcome rows, harms, mechanism."""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Callable
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
    prefer_own: bool = False  # facts from outside the bundled set may head cells

    _numbers: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def reference_number(self, source_key: str) -> int:
        if len(self._numbers) != len(self.references):  # a dict built once, not a list scan
            self._numbers = {key: i for i, key in enumerate(self.references, 1)}
        return self._numbers[source_key]


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
Headline = Callable[[Fact], tuple[int, int, str]]


def _setting(fact: Fact) -> Setting:
    return fact.population, fact.timepoint


def headline_order(prefer_own: bool = False) -> Headline:
    """How a cell orders its facts, the first heading it: bundled facts first, unless the
    user prefers their own; then the strongest design; then by id."""

    def key(fact: Fact) -> tuple[int, int, str]:
        own_last = 0 if fact.where.bundled != prefer_own else 1
        return own_last, fact.evidence_rank, fact.id

    return key


class _Group:
    """A pool's live facts of one population (or of all): nearest-setting lookups.

    Facts are bucketed by timepoint (in hours, sorted once); each bucket keeps
    its facts by (evidence, position) and a pointer past the taken ones, and
    taken buckets are skipped with path-compressed links, so a lookup costs
    O(log n) amortized instead of a scan of the pool.
    """

    def __init__(self, facts: list[Fact], positions: list[int], alive: list[bool]) -> None:
        self.facts, self.alive = facts, alive
        timed: dict[float, list[int]] = {}
        untimed: list[int] = []
        for pos in positions:
            tp = facts[pos].timepoint
            if tp is None:
                untimed.append(pos)
            else:
                timed.setdefault(tp.hours, []).append(pos)
        rank = self._rank
        self.hours = sorted(timed)
        self.buckets = [sorted(timed[h], key=rank) for h in self.hours]
        self.heads = [0] * len(self.buckets)
        self.untimed = sorted(untimed, key=rank)
        self.untimed_head = 0
        self.timed_heap = [(facts[p].evidence_rank, p) for b in self.buckets for p in b]
        heapq.heapify(self.timed_heap)
        count = len(self.buckets)
        self.right = list(range(count + 1))  # bucket i -> first live bucket >= i (count: none)
        self.left = list(range(count + 1))  # index i + 1 -> last live bucket <= i (0: none)

    def _rank(self, pos: int) -> tuple[int, int]:
        return self.facts[pos].evidence_rank, pos

    def _head(self, bucket: int) -> int | None:
        items, head = self.buckets[bucket], self.heads[bucket]
        while head < len(items) and not self.alive[items[head]]:
            head += 1
        self.heads[bucket] = head
        return items[head] if head < len(items) else None

    @staticmethod
    def _find(links: list[int], i: int) -> int:
        root = i
        while links[root] != root:
            root = links[root]
        while links[i] != root:
            links[i], i = root, links[i]
        return root

    def _live_right(self, i: int) -> int | None:
        count = len(self.buckets)
        while True:
            i = self._find(self.right, i)
            if i == count:
                return None
            head = self._head(i)
            if head is not None:
                return head
            self.right[i] = i + 1
            self.left[i + 1] = i

    def _live_left(self, i: int) -> int | None:
        while True:
            j = self._find(self.left, i + 1)
            if j == 0:
                return None
            head = self._head(j - 1)
            if head is not None:
                return head
            self.left[j] = j - 1
            self.right[j - 1] = j
            i = j - 2

    def _untimed_head(self) -> int | None:
        while self.untimed_head < len(self.untimed) and \
                not self.alive[self.untimed[self.untimed_head]]:
            self.untimed_head += 1
        if self.untimed_head < len(self.untimed):
            return self.untimed[self.untimed_head]
        return None

    def candidates(self, lead: Fact) -> list[int]:
        """Positions among which the nearest to lead is (by _distance, evidence, position)."""
        untimed = self._untimed_head()
        if lead.timepoint is None:
            if untimed is not None:  # untimed beats any timepoint at once
                return [untimed]
            while self.timed_heap and not self.alive[self.timed_heap[0][1]]:
                heapq.heappop(self.timed_heap)
            return [self.timed_heap[0][1]] if self.timed_heap else []
        at = bisect.bisect_left(self.hours, lead.timepoint.hours)
        found = [self._live_right(at), self._live_left(at - 1), untimed]
        return [p for p in found if p is not None]


class _Pool:
    """One substance's facts still to place, indexed for the nearest-neighbour pass."""

    def __init__(self, facts: list[Fact], alive: list[bool]) -> None:
        self.facts, self.alive = facts, alive
        live = [p for p in range(len(facts)) if alive[p]]
        self.left = len(live)
        by_population: dict[str | None, list[int]] = {}
        for pos in live:
            by_population.setdefault(facts[pos].population, []).append(pos)
        self.per_population = {pop: len(ps) for pop, ps in by_population.items()}
        self.groups = {pop: _Group(facts, ps, alive) for pop, ps in by_population.items()}
        self.everything = _Group(facts, live, alive)
        self.lead_order = sorted(live, key=lambda p: (_order(_setting(facts[p])), p))
        self.lead_next = 0

    def take(self, pos: int) -> Fact:
        self.alive[pos] = False
        self.left -= 1
        self.per_population[self.facts[pos].population] -= 1
        return self.facts[pos]

    def take_lead(self) -> Fact:
        """The fact of the first setting in row order (the first such in pool order)."""
        while not self.alive[self.lead_order[self.lead_next]]:
            self.lead_next += 1
        return self.take(self.lead_order[self.lead_next])

    def take_nearest(self, lead: Fact) -> Fact:
        """The fact nearest to lead's setting: population first, then log-time."""
        if self.per_population.get(lead.population, 0):
            group = self.groups[lead.population]
        else:  # no fact left in lead's population: every fact here is as far on that count
            group = self.everything
        best = min(group.candidates(lead),
                   key=lambda p: (_distance(lead, self.facts[p]), self.facts[p].evidence_rank, p))
        return self.take(best)


def align(per_substance: list[list[Fact]], hidden: list[bool] | None = None,
          headline: Headline | None = None) -> list[Row]:
    """Rows for one outcome key: exact matches first, then nearest pairs, then singles.

    ``hidden`` says, per substance, whether the filters left out facts on this key;
    ``headline`` orders each cell's facts (default: headline_order()). Every pass
    groups with dicts and sorts once: O(n log n) in the number of facts.
    """
    facts_of = [list(facts) for facts in per_substance]
    curated = [bool(facts) for facts in per_substance]
    hidden = hidden or [False] * len(facts_of)
    headline = headline or headline_order()
    width = len(facts_of)
    rows: list[Row] = []
    key = row_key(next(f for facts in per_substance for f in facts))
    alive = [[True] * len(facts) for facts in facts_of]

    def new_row(setting: Setting, chosen: list[list[Fact]],
                differs: list[bool]) -> Row:
        cells = [Cell(chosen[i], curated[i], differs[i], hidden[i]) for i in range(width)]
        return Row(key, setting[0], str(setting[1]) if setting[1] else None, cells)

    # 1. the same setting in two or more substances
    settings: dict[Setting, list[list[int]]] = {}
    for i, facts in enumerate(facts_of):
        for pos, fact in enumerate(facts):
            settings.setdefault(_setting(fact), [[] for _ in range(width)])[i].append(pos)
    for setting, members in sorted(settings.items(), key=lambda kv: _order(kv[0])):
        if sum(bool(m) for m in members) < 2:
            continue
        matched = [[facts_of[i][p] for p in members[i]] for i in range(width)]
        for i in range(width):
            for pos in members[i]:
                alive[i][pos] = False
        rows.append(new_row(setting, matched, [False] * width))
    # 2. nearest neighbours across substances, flagged as differing
    pools = [_Pool(facts, alive[i]) for i, facts in enumerate(facts_of)]
    while sum(pool.left > 0 for pool in pools) >= 2:
        lead_index = next(i for i, pool in enumerate(pools) if pool.left)
        lead = pools[lead_index].take_lead()
        chosen: list[list[Fact]] = [[] for _ in range(width)]
        differs = [False] * width
        chosen[lead_index] = [lead]
        for i, pool in enumerate(pools):
            if i != lead_index and pool.left:
                chosen[i] = [pool.take_nearest(lead)]
                differs[i] = True
        rows.append(new_row(_setting(lead), chosen, differs))
    # 3. what is left stands alone, one row per setting
    for i, facts in enumerate(facts_of):
        alone: dict[Setting, list[Fact]] = {}
        for pos, fact in enumerate(facts):
            if alive[i][pos]:
                alone.setdefault(_setting(fact), []).append(fact)
        for setting in sorted(alone, key=_order):
            rows.append(new_row(setting, [alone[setting] if j == i else [] for j in range(width)],
                                [False] * width))
    for row in rows:
        for cell in row.cells:
            cell.facts.sort(key=headline)
    return rows


_POPULATION_ORDER = {population: index for index, population in enumerate(voc.POPULATIONS)}


def _order(setting: Setting) -> tuple[int, float, str]:
    """Rows by population (in vocabulary order), then by time; ties by how time is written."""
    population, timepoint = setting
    last = len(_POPULATION_ORDER)
    return (_POPULATION_ORDER.get(population, last) if population else last,
            timepoint.hours if timepoint else 0.0, str(timepoint) if timepoint else "")


def build_comparison(kb: KnowledgeBase, substances: list[Substance],
                     filters: Filters, prefer_own: bool = False) -> Comparison:
    """Compare substances on the facts that pass the filters.

    A fact from outside the bundled set heads a cell only with prefer_own.
    """
    headline = headline_order(prefer_own)
    selected = [select(kb, s, filters) for s in substances]
    everything = [kb.facts_of(s.id) for s in substances]  # to tell filtered from uncurated
    profile: list[tuple[str, list[Cell]]] = []
    for outcome, label in voc.PROFILE_OUTCOMES.items():
        groups = [sorted((f for f in facts if f.outcome == outcome), key=headline)[:1]
                  for facts in selected]
        if any(groups):
            profile.append((label, [
                Cell(group, bool(group), hidden=any(f.outcome == outcome for f in all_facts))
                for group, all_facts in zip(groups, everything, strict=True)]))
    sections: list[Section] = []
    for category, title in SECTIONS:
        by_key: dict[str, list[list[Fact]]] = {}
        for i, facts in enumerate(selected):
            for fact in facts:
                if fact.category == category and fact.outcome not in voc.PROFILE_OUTCOMES:
                    by_key.setdefault(row_key(fact), [[] for _ in substances])[i].append(fact)
        curated_keys = [{row_key(f) for f in all_facts if f.category == category}
                        for all_facts in everything]
        rows: list[Row] = []
        for key, per_substance in by_key.items():
            rows += align(per_substance, [key in keys for keys in curated_keys], headline)
        if rows:
            sections.append(Section(category, title, rows))
    mechanism = _mechanism(substances, selected, filters, headline)
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
                      list(dict.fromkeys(references)), prefer_own)


def _mechanism(substances: list[Substance], selected: list[list[Fact]],
               filters: Filters, headline: Headline) -> list[MechanismRow]:
    if filters.categories and "mechanism" not in filters.categories:
        return []
    rows: list[MechanismRow] = []
    for node, (label, kind) in voc.PATHWAY_NODES.items():
        cells: list[tuple[bool, Fact | None] | None] = []
        for substance, facts in zip(substances, selected, strict=True):
            supporting = sorted((f for f in facts if f.category == "mechanism"
                                 and node in f.pathway), key=headline)
            is_target = node in substance.targets
            if supporting or is_target:
                cells.append((is_target, supporting[0] if supporting else None))
            else:
                cells.append(None)
        if any(c is not None for c in cells):
            rows.append(MechanismRow(node, label, kind, cells))
    return rows
