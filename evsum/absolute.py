"""Absolute effects that evsum computes from two arms' rates: per 1,000 and NNT/NNH.

These numbers are evsum's arithmetic on a source's rates, never the source's
own, and every renderer marks them as computed.

- The difference is drug minus comparator, in events per 1,000 treated.
- Its 95% CI, when both arms' counts are known, is Newcombe's hybrid score
  interval (method 10 of Newcombe 1998, Statistics in Medicine 17:873-890),
  built from the Wilson score intervals of the two proportions.
- The number needed to treat (benefit) or harm is 1000 / |difference|,
  rounded up to a whole patient (as the Cochrane Handbook advises); its
  interval inverts the difference's limits (Altman 1998, BMJ 317:1309), and
  when that interval holds no difference it reads "NNTB a to ∞ to NNTH b".
"""

from __future__ import annotations

import math
from typing import NamedTuple

from evsum.effect import direction
from evsum.facts.model import Fact

Z95 = 1.959963984540054  # the 97.5th centile of the standard normal


class Absolute(NamedTuple):
    per_1000: float  # drug minus comparator, events per 1,000
    ci_per_1000: tuple[float, float] | None  # with both arms' counts only
    benefit: bool  # whether the drug's excess (or deficit) is good for the patient
    nnt: int | None  # patients treated for one more (or one fewer) event; None if no difference
    nnt_ci: tuple[float, float] | None  # as the interval inverts, in difference order

    @property
    def label(self) -> str:
        """NNTB for a benefit, NNTH for a harm."""
        return "NNTB" if self.benefit else "NNTH"


def wilson(events: int, total: int) -> tuple[float, float]:
    """The Wilson score 95% interval of one proportion."""
    p = events / total
    centre = p + Z95 * Z95 / (2 * total)
    spread = Z95 * math.sqrt(p * (1 - p) / total + Z95 * Z95 / (4 * total * total))
    denominator = 1 + Z95 * Z95 / total
    return (centre - spread) / denominator, (centre + spread) / denominator


def newcombe(events1: int, total1: int, events2: int, total2: int) -> tuple[float, float]:
    """95% CI of p1 - p2 by Newcombe's hybrid score method (his method 10)."""
    p1, p2 = events1 / total1, events2 / total2
    l1, u1 = wilson(events1, total1)
    l2, u2 = wilson(events2, total2)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def invert(ci_per_1000: tuple[float, float]) -> tuple[float, float]:
    """The NNT interval from a difference's interval: each limit inverted (Altman 1998)."""
    low, high = ci_per_1000
    return (math.inf if low == 0 else 1000 / low, math.inf if high == 0 else 1000 / high)


def absolute_effect(fact: Fact) -> Absolute | None:
    """Per 1,000 and NNT/NNH for a fact with both arms' rates in %; None otherwise."""
    value, comparator, better = fact.value, fact.comparator, fact.better_direction
    if (value is None or value.unit != "%" or value.estimate is None or comparator is None
            or comparator.value is None or fact.contrast != "per-arm" or better is None):
        return None
    if value.events is not None and value.total is not None and \
            comparator.events is not None and comparator.total is not None:
        drug, control = value.events / value.total, comparator.events / comparator.total
        low, high = newcombe(value.events, value.total, comparator.events, comparator.total)
        ci: tuple[float, float] | None = (low * 1000, high * 1000)
    else:
        drug, control = value.estimate / 100, comparator.value / 100
        ci = None
    per_1000 = (drug - control) * 1000
    benefit = (per_1000 > 0) == (better == "higher")
    nnt = None if per_1000 == 0 else math.ceil(round(1000 / abs(per_1000), 9))
    return Absolute(per_1000, ci, benefit, nnt, invert(ci) if ci else None)


def nnt_stands(absolute: Absolute, fact: Fact) -> bool:
    """Whether the NNT may be shown: with both arms' counts (so an interval exists),
    or, without them, where the source's own test shows a difference."""
    if absolute.nnt is None:
        return False
    if absolute.ci_per_1000 is not None:
        return True
    reading = direction(fact)
    return reading is not None and reading.excludes_null is True


def nnt_interval_text(absolute: Absolute, better: str) -> str | None:
    """'95% CI 4 to 12', or 'NNTB 4 to ∞ to NNTH 20' when the interval holds no difference."""
    if absolute.ci_per_1000 is None or absolute.nnt_ci is None:
        return None
    low, high = absolute.ci_per_1000
    if low < 0 < high:  # no difference inside: one limit helps, the other harms
        helps_when_positive = better == "higher"
        good, bad = (high, low) if helps_when_positive else (low, high)
        return (f"95% CI NNTB {_whole(1000 / abs(good))} to ∞ to "
                f"NNTH {_whole(1000 / abs(bad))}")
    a, b = sorted(abs(x) for x in absolute.nnt_ci)
    return f"95% CI {_whole(a)} to {_whole(b)}"


def _whole(number: float) -> str:
    return "∞" if math.isinf(number) else str(math.ceil(round(number, 9)))
