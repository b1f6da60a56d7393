"""Which way a number points: the arm a result favours, said in words.

One sign convention (docs/fact-format.md, "Reading a number"): a between-arms
contrast is drug minus comparator (or drug over comparator for ratios) on the
scale as it moves, and each outcome knows whether lower or higher is better.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from evsum.facts.model import Fact, format_number
from evsum.facts.vocabulary import RATIO_UNITS

# Units whose contrast has no null to compare with, or is not a contrast at all.
_NO_NULL = frozenset({"NNT"})
_P = re.compile(r"^\s*([<>=≤≥]?)\s*(0?\.\d+|1(?:\.0*)?|\d(?:\.\d+)?[eE]-?\d+)\s*$")
SIGNIFICANCE = 0.05
HARM_CATEGORIES = frozenset({"safety", "dissociation"})


class PValue(NamedTuple):
    """A p value as printed ('<0.001') read as a relation and a number."""

    relation: str  # "<", "<=", "=", ">" or ">="
    bound: float


class Direction(NamedTuple):
    favours: str | None  # "drug", "comparator", or None (no difference, or cannot say)
    label: str | None  # the favoured arm as the reader knows it
    excludes_null: bool | None  # the 95% CI (or the p value) excludes no effect
    words: str  # "favours 25 mg", "no clear difference (95% CI includes no effect)"


def parse_p(text: str | None) -> PValue | None:
    """'<0.001' -> ('<', 0.001); '0.03' -> ('=', 0.03); None when it is not a p value."""
    if not text:
        return None
    match = _P.match(text)
    if match is None:
        return None
    relation = {"≤": "<=", "≥": ">=", "": "="}.get(match.group(1), match.group(1))
    return PValue(relation, float(match.group(2)))


def null_value(unit: str) -> float:
    """No effect: 1 for a ratio, 0 for a difference or a standardized effect."""
    return 1.0 if unit in RATIO_UNITS else 0.0


def drug_label(fact: Fact, drug: str | None = None) -> str:
    """The arm a number is for: its arm as given, else the substance's name."""
    return fact.arm or drug or fact.substance


def direction(fact: Fact, drug: str | None = None) -> Direction | None:
    """Which arm the fact's result favours, or None when the fact cannot say."""
    value, comparator, better = fact.value, fact.comparator, fact.better_direction
    if value is None or value.estimate is None or comparator is None or better is None:
        return None
    if comparator.kind == "none" or value.unit in _NO_NULL:
        return None
    if fact.contrast == "between-arms":
        reference = null_value(value.unit)
    elif fact.contrast == "per-arm" and comparator.value is not None:
        reference = comparator.value
    else:
        return None
    excludes = _excludes_null(fact, reference)
    if excludes is None and fact.contrast == "per-arm":
        return None  # two untested numbers: the reader sees both, evsum infers nothing
    if value.estimate == reference:
        return Direction(None, None, excludes, "no difference")
    good = value.estimate < reference if better == "lower" else value.estimate > reference
    favours, label = (("drug", drug_label(fact, drug)) if good
                      else ("comparator", comparator.name))
    if excludes is False:  # the interval or p value beside it says why
        return Direction(None, None, False, f"no clear difference (leans to {label})")
    if fact.category in HARM_CATEGORIES:  # "favours placebo" would puzzle for a harm
        words = f"{'less' if good else 'more'} on {drug_label(fact, drug)}"
    else:
        words = f"favours {label}"
    if excludes is None:
        words += " (no CI or p given)"
    return Direction(favours, label, excludes, words)


def _excludes_null(fact: Fact, reference: float) -> bool | None:
    """Whether the interval (for a contrast) or the p value says there is an effect."""
    value = fact.value
    assert value is not None
    if fact.contrast == "between-arms" and value.ci is not None:
        low, high = value.ci
        return not low <= reference <= high
    p = parse_p(value.p)
    if p is None:
        return None
    if p.relation in ("<", "<=") and p.bound <= SIGNIFICANCE:
        return True
    if p.relation == "=":
        return p.bound < SIGNIFICANCE
    if p.relation in (">", ">=") and p.bound >= SIGNIFICANCE:
        return False
    return None


def margin_text(fact: Fact) -> str | None:
    """'noninferiority (margin -10 percentage points)' for a noninferiority fact."""
    if fact.hypothesis != "noninferiority" or fact.margin is None:
        return None
    return f"noninferiority (margin {format_number(fact.margin.value)} {fact.margin.unit})"
