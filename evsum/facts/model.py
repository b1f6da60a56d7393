"""The fact model: substances, sources, values and facts.

Named tuples rather than dataclasses: immutable, and a tenth of the cost to
define, which every run pays at start-up.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

from evsum.facts.vocabulary import (
    DESIGN_LABELS,
    NONCLINICAL_POPULATIONS,
    OUTCOME_BETTER,
    READ_KINDS,
    TIME_UNITS_HOURS,
    design_rank,
)

if TYPE_CHECKING:
    from evsum.facts.names import Name


class Location(NamedTuple):
    """Where an entry was read; origin names the folder it came from unless bundled."""

    file: str
    line: int
    origin: str | None = None  # None: one of evsum's bundled fact files

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def bundled(self) -> bool:
        return self.origin is None


class Substance(NamedTuple):
    id: str
    name: str
    aliases: tuple[str, ...]
    family: str
    drug_class: str
    targets: tuple[str, ...]
    routes: tuple[str, ...]
    status: str
    where: Location


class Source(NamedTuple):
    key: str
    type: str
    authors: str
    title: str
    year: int
    journal: str | None
    doi: str | None
    pmid: str | None
    pmcid: str | None
    url: str | None
    status: str | None
    status_note: str | None
    where: Location
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    container: str | None = None  # the book of a chapter, the site of a web page

    @property
    def names(self) -> tuple[Name, ...]:
        """The authors as structured names (the text is checked when loaded)."""
        from evsum.facts.names import parse_authors

        return parse_authors(self.authors)

    @property
    def byline(self) -> str:
        """The authors as printed: the curated text without its corporate-author braces."""
        return self.authors.replace("{", "").replace("}", "")

    @property
    def first_author(self) -> str:
        """The first author's family name ('Zarate' of 'Zarate CA Jr, ...'), or a body's name."""
        return self.names[0].short

    @property
    def short(self) -> str:
        """'Zarate 2006': how a cell names its source."""
        return f"{self.first_author} {self.year}"

    @property
    def link(self) -> str | None:
        """The best link: DOI, then PubMed, then the URL."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        return self.url


class Value(NamedTuple):
    estimate: float | None
    unit: str
    ci: tuple[float, float] | None = None
    range: tuple[float, float] | None = None
    p: str | None = None
    events: int | None = None
    total: int | None = None


class Comparator(NamedTuple):
    name: str
    kind: str = "placebo"
    value: float | None = None
    n: int | None = None
    events: int | None = None
    total: int | None = None


class Margin(NamedTuple):
    """A noninferiority margin, signed as the contrast is."""

    value: float
    unit: str


class Dispute(NamedTuple):
    """Facts of another source that disagree on the same question."""

    by: tuple[str, ...]
    reason: str


class Reading(NamedTuple):
    """The page on which a fact's number was read, and that page's kind."""

    url: str
    kind: str
    note: str | None = None

    @property
    def faithful_copy(self) -> bool:
        return READ_KINDS[self.kind] == "faithful copy"


class Timepoint(NamedTuple):
    amount: float
    unit: str

    @property
    def hours(self) -> float:
        return self.amount * TIME_UNITS_HOURS[self.unit]

    def __str__(self) -> str:
        return f"{format_number(self.amount)} {self.unit}"


class Fact(NamedTuple):
    id: str
    substance: str
    category: str
    claim: str
    design: str
    source: str
    locator: str
    checked: dt.date
    where: Location
    outcome: str | None = None
    population: str | None = None
    timepoint: Timepoint | None = None
    n: int | None = None
    scale: str | None = None
    value: Value | None = None
    comparator: Comparator | None = None
    adverse_event: str | None = None
    severity: str = "any"
    pathway: tuple[str, ...] = ()
    grade: str | None = None
    tags: tuple[str, ...] = ()
    note: str | None = None
    disputed: Dispute | None = None
    arm: str | None = None
    analysis: str | None = None
    contrast: str | None = None
    hypothesis: str = "superiority"
    margin: Margin | None = None
    better: str | None = None
    read: Reading | None = None
    measure: str | None = None  # what the number counts, where the outcome does not say

    @property
    def evidence_rank(self) -> int:
        return design_rank(self.design)

    @property
    def design_label(self) -> str:
        return DESIGN_LABELS[self.design]

    @property
    def better_direction(self) -> str | None:
        """'lower' or 'higher': which way of this fact's value is good."""
        return self.better or OUTCOME_BETTER.get(self.outcome or "")

    @property
    def is_clinical(self) -> bool:
        """False for animal and cell work, which is never clinical evidence."""
        return self.design != "preclinical" and self.population not in NONCLINICAL_POPULATIONS


class ClaimLink(NamedTuple):
    """A fact cited for or against a claim, with a short word on how it bears on it."""

    fact: str
    how: str


class Claim(NamedTuple):
    """One link of a review's argument, with the facts that support and challenge it."""

    id: str
    text: str
    source: str  # the source that makes the claim (the review, or another paper)
    locator: str
    substances: tuple[str, ...]
    supports: tuple[ClaimLink, ...]
    challenges: tuple[ClaimLink, ...]
    where: Location
    parent: str | None = None  # the claim this one serves in the argument, if any


def format_number(number: float) -> str:
    """12.0 -> '12', 0.25 -> '0.25', 1234567 -> '1234567'."""
    if float(number).is_integer():
        return str(int(number))
    return f"{number:.6g}"
