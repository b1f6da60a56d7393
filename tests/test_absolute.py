"""Absolute effects evsum computes: per 1,000, NNT/NNH and their intervals."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from evsum.absolute import absolute_effect, invert, newcombe, nnt_interval_text, wilson
from evsum.facts.model import Comparator, Fact, Location, Value


def rates(drug: float, control: float, outcome: str = "response",
          counts: tuple[int, int, int, int] | None = None) -> Fact:
    events, total, c_events, c_total = counts or (None, None, None, None)
    return Fact(
        id="x.y", substance="s", category="efficacy", claim="c", design="rct", source="s",
        locator="l", checked=dt.date(2026, 1, 1), where=Location("f", 1), outcome=outcome,
        value=Value(drug, "%", events=events, total=total),
        comparator=Comparator("placebo", "placebo", value=control, events=c_events,
                              total=c_total),
        contrast="per-arm", analysis="primary", arm="10 mg")


@pytest.mark.parametrize(("events1", "total1", "events2", "total2"), [
    (56, 70, 48, 80), (9, 10, 3, 10), (6, 7, 2, 7), (5, 56, 0, 29), (0, 10, 0, 20),
    (10, 10, 0, 20), (35, 152, 12, 150)])
def test_newcombe_interval_matches_the_reference_implementation(
        events1: int, total1: int, events2: int, total2: int) -> None:
    """statsmodels' confint_proportions_2indep(method='newcomb') is the reference."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(events1, total1, events2, total2,
                                           method="newcomb", compare="diff")
    assert newcombe(events1, total1, events2, total2) == pytest.approx((low, high), abs=1e-9)


def test_wilson_interval_matches_the_reference_implementation() -> None:
    from statsmodels.stats.proportion import proportion_confint

    assert wilson(35, 152) == pytest.approx(proportion_confint(35, 152, method="wilson"))


def test_nnt_interval_inverts_the_difference_limits() -> None:
    """Barrowman, CMAJ 2002;166:1676: an absolute risk reduction of 16.6% with 95% CI
    0.9% to 32.2% gives an NNT interval of about 3.1 to 111.1."""
    low, high = invert((-322, -9))
    assert (abs(low), abs(high)) == pytest.approx((3.1, 111.1), abs=0.05)


def test_an_interval_through_no_difference_reads_nntb_to_infinity_to_nnth() -> None:
    """Newcombe's letter on Altman (BMJ 1998;317:1309): an ARR from -5% to +25% is an
    NNTB of 4 through infinity to an NNTH of 20."""
    fact = rates(30, 20, outcome="relapse", counts=(30, 100, 20, 100))
    effect = absolute_effect(fact)
    assert effect is not None
    effect = effect._replace(ci_per_1000=(-250.0, 50.0), nnt_ci=invert((-250.0, 50.0)))
    assert nnt_interval_text(effect, "lower") == "95% CI NNTB 4 to ∞ to NNTH 20"


def test_a_benefit_gives_an_nntb_rounded_up() -> None:
    effect = absolute_effect(rates(52, 31))  # 210 more responders per 1,000: 4.76 -> 5
    assert effect is not None
    assert effect.per_1000 == pytest.approx(210)
    assert (effect.label, effect.nnt) == ("NNTB", 5)
    assert effect.ci_per_1000 is None and effect.nnt_ci is None


def test_a_harm_gives_an_nnth_with_an_interval_from_counts() -> None:
    fact = rates(23, 8, outcome="adverse-event-incidence", counts=(35, 152, 12, 150))
    effect = absolute_effect(fact)
    assert effect is not None and effect.label == "NNTH"
    low, high = newcombe(35, 152, 12, 150)
    assert effect.ci_per_1000 == pytest.approx((low * 1000, high * 1000))
    assert effect.nnt == math.ceil(1000 / effect.per_1000)
    text = nnt_interval_text(effect, "lower")
    assert text is not None and text.startswith("95% CI ") and "∞" not in text


def test_no_absolute_effect_without_both_rates_or_for_a_contrast() -> None:
    assert absolute_effect(rates(52, 31)._replace(comparator=None)) is None
    assert absolute_effect(rates(52, 31)._replace(contrast="between-arms")) is None
    odds = rates(52, 31)._replace(value=Value(3.9, "OR"))
    assert absolute_effect(odds) is None
