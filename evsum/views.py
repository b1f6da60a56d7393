"""What each command shows, as plain data for the renderers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from evsum.errors import UsageError
from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact, Source, Substance
from evsum.query import Filters, keep, select
from evsum.text import describe

if TYPE_CHECKING:
    from evsum.search import Terms


def _no_terms() -> Terms:
    from evsum.search import Terms  # only a search needs the index module

    return Terms()


@dataclass
class Overview:
    """`evsum list`: every substance with its fact counts per category."""

    rows: list[tuple[Substance, dict[str, int]]]
    filters: Filters


@dataclass
class Summary:
    """`evsum show`: one substance's facts, by category."""

    substance: Substance
    facts: list[Fact]
    filters: Filters
    hidden: dict[str, int]  # per category, facts the filters left out

    def by_category(self) -> list[tuple[str, list[Fact]]]:
        return [(c, [f for f in self.facts if f.category == c]) for c in voc.CATEGORIES]


@dataclass
class SideEffects:
    """`evsum side-effects`: adverse events with incidence against comparator."""

    substances: list[Substance]
    rows: list[Fact]
    filters: Filters
    min_incidence: float | None
    sort: str


SORT_KEYS = ("incidence", "excess", "event", "substance")


def build_overview(kb: KnowledgeBase, filters: Filters) -> Overview:
    rows = []
    for substance in kb.substances.values():
        if filters == Filters():
            counts = kb.counts(substance.id)  # no filter: the cache knows the counts
        else:
            counts = dict.fromkeys(voc.CATEGORIES, 0)
            for fact in kb.facts_of(substance.id):
                if keep(fact, filters, kb):
                    counts[fact.category] += 1
        rows.append((substance, counts))
    return Overview(rows, filters)


def build_summary(kb: KnowledgeBase, substance: Substance, filters: Filters) -> Summary:
    facts = select(kb, substance, filters)
    hidden = kb.counts(substance.id)
    for fact in facts:
        hidden[fact.category] -= 1
    return Summary(substance, facts, filters, hidden)


def incidence(fact: Fact) -> float | None:
    if fact.value is not None and fact.value.unit == "%":
        return fact.value.estimate  # None when the source gives only a range
    return None


def excess(fact: Fact) -> float | None:
    rate = incidence(fact)
    if rate is None or fact.comparator is None or fact.comparator.value is None:
        return None
    return rate - fact.comparator.value


def build_side_effects(kb: KnowledgeBase, substances: list[Substance], filters: Filters,
                       min_incidence: float | None = None, sort: str = "incidence") -> SideEffects:
    if sort not in SORT_KEYS:
        raise UsageError(f"--sort takes one of: {', '.join(SORT_KEYS)}")
    if min_incidence is not None and not 0 <= min_incidence <= 100:
        raise UsageError("--min-incidence takes a percentage from 0 to 100")
    rows = [f for s in substances for f in select(kb, s, filters) if f.adverse_event]
    if min_incidence is not None:
        rows = [f for f in rows if (incidence(f) or 0) >= min_incidence]
    order = {s.id: i for i, s in enumerate(substances)}

    def by(fact: Fact) -> tuple[object, ...]:
        rate, extra = incidence(fact), excess(fact)
        if sort == "incidence":
            return (rate is None, -(rate or 0), fact.adverse_event, order[fact.substance])
        if sort == "excess":
            return (extra is None, -(extra or 0), fact.adverse_event, order[fact.substance])
        if sort == "event":
            return (fact.adverse_event, order[fact.substance], -(rate or 0))
        return (order[fact.substance], rate is None, -(rate or 0), fact.adverse_event)

    return SideEffects(substances, sorted(rows, key=by), filters, min_incidence, sort)


@dataclass
class SearchResults:
    """`evsum search`: the facts that best match a query, best first."""

    query: str
    facts: list[Fact]  # the hits shown (at most the limit)
    filters: Filters
    total: int = 0  # every hit that passes the filters
    terms: Terms = field(default_factory=_no_terms)
    scores: dict[str, float] = field(default_factory=dict)
    suggestion: str | None = None
    full: bool = False  # full fact blocks rather than one or two lines a hit

    @property
    def more(self) -> int:
        return self.total - len(self.facts)


@dataclass
class Provenance:
    """`evsum why`: one fact, its source, and every other fact resting on that source."""

    fact: Fact
    siblings: list[Fact]


def build_search(kb: KnowledgeBase, query: str, filters: Filters, limit: int | None = 10,
                 full: bool = False, folders: list[str] | None = None) -> SearchResults:
    """Rank the facts against a query (see evsum.search); limit None or 0 keeps every hit."""
    from evsum import search

    parsed = search.parse_query(query, kb)
    if limit is not None and limit < 0:
        raise UsageError("--limit takes a number of facts, 0 for all")
    matches, connection = search.lookup(kb, parsed, folders if folders is not None else [])
    try:
        if filters == Filters():  # every match counts: read only the facts shown
            wanted = matches[:limit] if limit else matches
            total = len(matches)
        else:
            wanted = [(i, score) for i, score in matches
                      if (fact := kb.fact(i)) is not None and keep(fact, filters, kb)]
            total = len(wanted)
            wanted = wanted[:limit] if limit else wanted
        shown = [f for f in (kb.fact(i) for i, _ in wanted) if f is not None]
        hint = search.suggestion(connection, parsed) if not total else None
    finally:
        connection.close()
    scores = dict(wanted)
    return SearchResults(query, shown, filters, total, parsed.terms,
                         {f.id: scores[f.id] for f in shown}, hint, full)


def build_provenance(kb: KnowledgeBase, fact_id: str) -> Provenance:
    fact = kb.fact(fact_id.strip())
    if fact is None:
        import difflib

        close = difflib.get_close_matches(fact_id, list(kb.fact_index), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else \
            "; 'evsum show SUBSTANCE' lists fact ids"
        raise UsageError(f"unknown fact id {describe(fact_id)}{hint}")
    siblings = [f for f in kb.citing(fact.source) if f.id != fact.id]
    return Provenance(fact, siblings)


def sources_for(kb: KnowledgeBase, items: list[str], filters: Filters) -> list[Source]:
    """The sources behind substances or fact ids (all sources when none is named)."""
    if not items:
        keys = [f.source for s in kb.substances for f in kb.facts_of(s) if keep(f, filters, kb)]
        if filters == Filters():  # no filter: the whole bibliography, cited or not
            cited = set(keys)
            keys += [k for k in kb.sources if k not in cited]
    else:
        keys = []
        for item in items:
            fact = kb.fact(item)
            if fact is not None:
                keys.append(fact.source)
                continue
            substance = kb.resolve(item)  # UsageError with a suggestion when unknown
            keys += [f.source for f in kb.facts_of(substance.id) if keep(f, filters, kb)]
    return [kb.sources[k] for k in dict.fromkeys(keys)]
