"""Which way a number points: 'favours X' agrees with sign, direction and interval."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evsum.effect import direction, parse_p
from evsum.facts import vocabulary as voc
from evsum.facts.model import Comparator, Fact, Location, Value


def fact(estimate: float, unit: str = "points", outcome: str = "depression-score-change",
         contrast: str = "between-arms", ci: tuple[float, float] | None = None,
         p: str | None = None, comparator_value: float | None = None,
         better: str | None = None) -> Fact:
    return Fact(
        id="x.y", substance="psilocybin", category="efficacy", claim="c", design="rct",
        source="s", locator="l", checked=dt.date(2026, 1, 1), where=Location("f", 1),
        outcome=outcome, value=Value(estimate, unit, ci=ci, p=p),
        comparator=Comparator("psilocybin 1 mg", "low-dose", value=comparator_value),
        arm="25 mg once", contrast=contrast, analysis="primary", better=better)


def test_a_fall_in_depression_score_favours_the_drug_arm() -> None:
    reading = direction(fact(-6.6, ci=(-10.2, -2.9)))
    assert reading is not None
    assert reading.words == "favours 25 mg once"
    assert reading.excludes_null is True


def test_a_rise_in_depression_score_favours_the_comparator() -> None:
    reading = direction(fact(2.0, ci=(0.5, 3.5)))
    assert reading is not None and reading.words == "favours psilocybin 1 mg"


def test_an_interval_that_holds_no_effect_is_no_clear_difference() -> None:
    reading = direction(fact(-2.0, ci=(-5.0, 1.0)))
    assert reading is not None and reading.favours is None
    assert reading.words == "no clear difference (leans to 25 mg once)"


def test_an_odds_ratio_above_one_for_response_favours_the_drug() -> None:
    reading = direction(fact(3.94, unit="OR", outcome="response", ci=(1.54, 10.1)))
    assert reading is not None and reading.words == "favours 25 mg once"


def test_a_hazard_ratio_below_one_for_relapse_favours_the_drug() -> None:
    reading = direction(fact(0.49, unit="HR", outcome="relapse", ci=(0.29, 0.84)))
    assert reading is not None and reading.favours == "drug"


def test_untested_per_arm_numbers_claim_no_direction() -> None:
    assert direction(fact(52, unit="%", outcome="response", contrast="per-arm",
                          comparator_value=31)) is None


def test_tested_per_arm_numbers_name_the_better_arm() -> None:
    reading = direction(fact(52, unit="%", outcome="response", contrast="per-arm",
                             comparator_value=31, p="<0.001"))
    assert reading is not None and reading.words == "favours 25 mg once"


def test_a_harm_reads_as_more_or_less_on_the_drug() -> None:
    harm = fact(20, unit="%", outcome="adverse-event-incidence", contrast="per-arm",
                comparator_value=5, p="<0.001")._replace(category="safety")
    reading = direction(harm)
    assert reading is not None and reading.words == "more on 25 mg once"


def test_a_p_value_over_the_threshold_reads_as_no_clear_difference() -> None:
    reading = direction(fact(52, unit="%", outcome="response", contrast="per-arm",
                             comparator_value=45, p="0.2"))
    assert reading is not None and reading.favours is None
    assert reading.words == "no clear difference (leans to 25 mg once)"


def test_an_outcome_of_unknown_direction_says_nothing() -> None:
    assert direction(fact(5.0, outcome="quality-of-life")) is None
    assert direction(fact(5.0, outcome="quality-of-life", better="higher")) is not None


@pytest.mark.parametrize(("text", "relation", "bound"), [
    ("<0.001", "<", 0.001), ("0.03", "=", 0.03), ("=0.5", "=", 0.5), (">0.05", ">", 0.05),
    ("1e-5", "=", 1e-5), ("≤.01", "<=", 0.01)])
def test_p_values_parse_into_a_relation_and_a_bound(text: str, relation: str,
                                                    bound: float) -> None:
    assert parse_p(text) == (relation, bound)


def test_text_that_is_no_p_value_parses_to_none() -> None:
    assert parse_p("NS") is None and parse_p("2") is None


finite = st.floats(-100, 100, allow_nan=False).map(lambda x: round(x, 2))


@given(estimate=finite, half=st.floats(0.01, 50).map(lambda x: round(x, 2)),
       outcome=st.sampled_from(sorted(voc.OUTCOME_BETTER)))
def test_favours_agrees_with_sign_direction_and_interval(estimate: float, half: float,
                                                         outcome: str) -> None:
    ci = (round(estimate - half, 2), round(estimate + half, 2))
    reading = direction(fact(estimate, outcome=outcome, ci=ci))
    assert reading is not None
    better = voc.OUTCOME_BETTER[outcome]
    if ci[0] <= 0 <= ci[1]:
        assert reading.favours is None and reading.excludes_null is False
        return
    assert reading.excludes_null is True
    drug_better = estimate < 0 if better == "lower" else estimate > 0
    assert reading.favours == ("drug" if drug_better else "comparator")
    assert reading.words == ("favours 25 mg once" if drug_better
                             else "favours psilocybin 1 mg")
