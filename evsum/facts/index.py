"""The knowledge base: substances, sources and facts, indexed for evsum's queries.

Facts are held per substance and may be loaded lazily (from the cache), so a
command pays only for the substances it touches. A part that cannot be loaded
lazily (a cache entry damaged or pruned by another process meanwhile) raises
Unavailable, and the knowledge base then rebuilds itself once, by parsing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from evsum.errors import Problem, UsageError
from evsum.facts.model import Claim, Fact, Source, Substance
from evsum.facts.vocabulary import CATEGORIES
from evsum.text import describe, normalize_name

ShardLoader = Callable[[str], list[Fact]]


class Unavailable(Exception):
    """A lazily loaded part of the knowledge base cannot be loaded now."""


class KnowledgeBase:
    """Every substance, source and fact, with the problems found in loading them."""

    def __init__(self, substances: list[Substance], sources: Mapping[str, Source],
                 fact_index: Callable[[], dict[str, str]], shard: ShardLoader, files: list[str],
                 problems: list[Problem] | None = None,
                 counts: dict[str, dict[str, int]] | None = None,
                 rebuild: Callable[[], KnowledgeBase] | None = None) -> None:
        self.files = files
        self.problems = problems or []
        self.warnings: list[Problem] = []  # set by the loader when it assembles the files
        self.claims: dict[str, Claim] = {}  # set by the loader: the arguments' claims
        self._source_map = sources
        self.sources: Mapping[str, Source] = _Sources(self)
        self._fact_index = fact_index  # () -> {fact id: substance id}, read when needed
        self._shard = shard
        self._counts = counts or {}
        self._rebuild = rebuild  # () -> the same knowledge base, parsed afresh
        self._loaded: dict[str, list[Fact]] = {}
        self._index_loaded: dict[str, str] | None = None
        self._name_substances(substances)

    def _name_substances(self, substances: list[Substance]) -> None:
        self.substances = {s.id: s for s in substances}
        self.names: dict[str, str] = {}
        for substance in substances:
            for name in (substance.id, substance.name, *substance.aliases):
                self.names.setdefault(normalize_name(name), substance.id)

    def _recover(self, error: Unavailable) -> None:
        """Take every part from a fresh parse; raises the error when that is not possible."""
        if self._rebuild is None:
            raise error
        fresh, self._rebuild = self._rebuild(), None
        self._name_substances(list(fresh.substances.values()))
        self._source_map, self.files, self.problems = fresh._source_map, fresh.files, \
            fresh.problems
        self._fact_index, self._shard, self._counts = fresh._fact_index, fresh._shard, \
            fresh._counts
        self._loaded, self._index_loaded = {}, None

    @classmethod
    def from_facts(cls, substances: list[Substance], sources: list[Source], facts: list[Fact],
                   files: list[str], problems: list[Problem] | None = None) -> KnowledgeBase:
        """A knowledge base with every fact already in memory."""
        groups: dict[str, list[Fact]] = {s.id: [] for s in substances}
        for fact in facts:
            groups.setdefault(fact.substance, []).append(fact)
        index = {f.id: f.substance for f in facts}
        return cls(substances, {s.key: s for s in sources}, lambda: index,
                   lambda sid: groups.get(sid, []), files, problems)

    def facts_of(self, substance_id: str) -> list[Fact]:
        """One substance's facts, in file order."""
        if substance_id not in self._loaded:
            try:
                self._loaded[substance_id] = self._shard(substance_id)
            except Unavailable as error:
                self._recover(error)
                return self.facts_of(substance_id)
        return self._loaded[substance_id]

    @property
    def facts(self) -> list[Fact]:
        """Every fact (loads every substance's facts)."""
        return [f for sid in self.substances for f in self.facts_of(sid)]

    @property
    def fact_index(self) -> dict[str, str]:
        """Fact id -> substance id, for every fact."""
        if self._index_loaded is None:
            try:
                self._index_loaded = self._fact_index()
            except Unavailable as error:
                self._recover(error)
                return self.fact_index
        return self._index_loaded

    def fact(self, fact_id: str) -> Fact | None:
        substance_id = self.fact_index.get(fact_id)
        if substance_id is None:
            return None
        return next((f for f in self.facts_of(substance_id) if f.id == fact_id), None)

    def counts(self, substance_id: str) -> dict[str, int]:
        """Facts per category; from the cache's header when it has them."""
        if substance_id in self._counts:
            return dict(self._counts[substance_id])
        counts = dict.fromkeys(CATEGORIES, 0)
        for fact in self.facts_of(substance_id):
            counts[fact.category] += 1
        return counts

    def resolve(self, name: str) -> Substance:
        """A substance by id, name or alias, case-insensitive; UsageError if unknown."""
        found = self.names.get(normalize_name(name))
        if found is not None:
            return self.substances[found]
        raise UsageError(f"unknown substance {describe(name)}{self._suggest(name)}")

    def _suggest(self, name: str) -> str:
        import difflib

        keys = difflib.get_close_matches(normalize_name(name), list(self.names), n=3, cutoff=0.6)
        ids = list(dict.fromkeys(self.names[k] for k in keys))
        if not ids:
            return f"; known: {', '.join(self.substances)}"
        return "; did you mean " + " or ".join(self.substances[i].name for i in ids) + "?"

    def citing(self, source_key: str) -> list[Fact]:
        """Every fact that rests on one source."""
        return [f for f in self.facts if f.source == source_key]


class _Sources(Mapping[str, Source]):
    """The knowledge base's sources, recovering as it does when one cannot be loaded."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb

    def __getitem__(self, key: str) -> Source:
        try:
            return self._kb._source_map[key]
        except Unavailable as error:
            self._kb._recover(error)
            return self._kb._source_map[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kb._source_map)

    def __len__(self) -> int:
        return len(self._kb._source_map)

    def __contains__(self, key: object) -> bool:
        return key in self._kb._source_map
