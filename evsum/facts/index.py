"""The knowledge base: substances, sources and facts, indexed for evsum's queries.

Facts are held per substance and may be loaded lazily (from the cache), so a
command pays only for the substances it touches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from evsum.errors import Problem, UsageError
from evsum.facts.model import Claim, Fact, Source, Substance
from evsum.facts.vocabulary import CATEGORIES
from evsum.text import describe, normalize_name

ShardLoader = Callable[[str], list[Fact]]


class KnowledgeBase:
    """Every substance, source and fact, with the problems found in loading them."""

    def __init__(self, substances: list[Substance], sources: Mapping[str, Source],
                 fact_index: Callable[[], dict[str, str]], shard: ShardLoader, files: list[str],
                 problems: list[Problem] | None = None,
                 counts: dict[str, dict[str, int]] | None = None) -> None:
        self.substances = {s.id: s for s in substances}
        self.sources = sources
        self.files = files
        self.problems = problems or []
        self.warnings: list[Problem] = []  # set by the loader when it assembles the files
        self.claims: dict[str, Claim] = {}  # set by the loader: the arguments' claims
        self._fact_index = fact_index  # () -> {fact id: substance id}, read when needed
        self._shard = shard
        self._counts = counts or {}
        self._loaded: dict[str, list[Fact]] = {}
        self.names: dict[str, str] = {}
        for substance in substances:
            for name in (substance.id, substance.name, *substance.aliases):
                self.names.setdefault(normalize_name(name), substance.id)

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
            self._loaded[substance_id] = self._shard(substance_id)
        return self._loaded[substance_id]

    @property
    def facts(self) -> list[Fact]:
        """Every fact (loads every substance's facts)."""
        return [f for sid in self.substances for f in self.facts_of(sid)]

    @property
    def fact_index(self) -> dict[str, str]:
        """Fact id -> substance id, for every fact."""
        return self._fact_index()

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
