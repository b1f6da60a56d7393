"""Filters over facts, the same in every command and every format."""

from __future__ import annotations

from dataclasses import dataclass

from evsum.errors import UsageError
from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact, Substance
from evsum.text import describe, normalize_name


@dataclass(frozen=True)
class Filters:
    """What the user asked to keep. Empty means everything."""

    categories: tuple[str, ...] = ()
    min_evidence: str | None = None
    populations: tuple[str, ...] = ()
    since: int | None = None
    clinical_only: bool = False

    def describe(self) -> str:
        """One line saying which filters are on, for the header of every view."""
        parts = []
        if self.categories:
            parts.append("category " + ", ".join(self.categories))
        if self.min_evidence:
            parts.append(f"evidence at least {voc.DESIGN_LABELS[self.min_evidence]}")
        if self.populations:
            parts.append("population " + ", ".join(self.populations))
        if self.since:
            parts.append(f"sources from {self.since}")
        if self.clinical_only:
            parts.append("clinical evidence only")
        return "; ".join(parts)


def make_filters(categories: list[str] | None = None, min_evidence: str | None = None,
                 populations: list[str] | None = None, since: int | None = None,
                 clinical_only: bool = False) -> Filters:
    """Check the user's filter values and build Filters; UsageError on a bad value."""
    cats = tuple(_choose(c, voc.CATEGORIES, "category") for c in categories or ())
    evidence = _choose(min_evidence, voc.DESIGNS, "evidence level") if min_evidence else None
    pops = tuple(_population(p) for p in populations or ())
    if since is not None and not 1900 <= since <= 2100:
        raise UsageError(f"--since takes a year, not {since}")
    return Filters(cats, evidence, pops, since, clinical_only)


def _choose(value: str, choices: tuple[str, ...], what: str) -> str:
    wanted = value.strip().lower()
    if wanted in choices:
        return wanted
    matches = [c for c in choices if c.startswith(wanted)] if wanted else []
    if len(matches) == 1:
        return matches[0]
    raise UsageError(f"unknown {what} {describe(value)}; choose from: {', '.join(choices)}")


def _population(value: str) -> str:
    wanted = normalize_name(value)
    for key, label in voc.POPULATIONS.items():
        if wanted in (normalize_name(key), normalize_name(label),
                      normalize_name(voc.POPULATION_SHORT[key])):
            return key
    raise UsageError(f"unknown population {describe(value)}; choose from: "
                     f"{', '.join(voc.POPULATIONS)}")


def keep(fact: Fact, filters: Filters, kb: KnowledgeBase) -> bool:
    """Whether a fact passes the filters."""
    if filters.categories and fact.category not in filters.categories:
        return False
    if filters.min_evidence and fact.evidence_rank > voc.design_rank(filters.min_evidence):
        return False
    if filters.populations and fact.population not in filters.populations:
        return False
    if filters.since and kb.sources[fact.source].year < filters.since:
        return False
    return not (filters.clinical_only and not fact.is_clinical)


def select(kb: KnowledgeBase, substance: Substance, filters: Filters) -> list[Fact]:
    """A substance's facts that pass the filters, by category then strongest evidence."""
    order = {c: i for i, c in enumerate(voc.CATEGORIES)}
    facts = [f for f in kb.facts_of(substance.id) if keep(f, filters, kb)]
    return sorted(facts, key=lambda f: (order[f.category], f.outcome or "",
                                        f.timepoint.hours if f.timepoint else 0,
                                        f.evidence_rank, f.id))


def resolve_all(kb: KnowledgeBase, names: list[str]) -> list[Substance]:
    """Resolve names to substances, each once, in the order given."""
    result: list[Substance] = []
    for name in names:
        substance = kb.resolve(name)
        if substance not in result:
            result.append(substance)
    return result
