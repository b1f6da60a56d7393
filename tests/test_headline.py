"""The headline rule, case by case: which fact heads a summary cell, and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Comparator, Fact, Location, Source, Substance, Value
from evsum.headline import choose, clinical_doses


def source(key: str, year: int) -> Source:
    return Source(key, "article", "A B", "T", year, None, "10.1/x", None, None, None, None,
                  None, Location("f", 1))


def fact(fid: str, **kw: Any) -> Fact:
    base: dict[str, Any] = dict(
        id=fid, substance="s", category="efficacy", claim="c", design="rct", source="s2020",
        locator="l", checked=dt.date(2026, 1, 1), where=Location("f", 1), outcome="response",
        population="trd", value=Value(50, "%"),
        comparator=Comparator("placebo", "placebo", value=20), contrast="per-arm",
        analysis="primary", arm="25 mg once")
    base.update(kw)
    return Fact(**base)


def kb(*facts: Fact) -> KnowledgeBase:
    substance = Substance("s", "S", (), "psychedelic", "c", (), (), "st", Location("f", 1))
    sources = [source("s2020", 2020), source("s2023", 2023)]
    return KnowledgeBase.from_facts([substance], sources, list(facts), ["f"])


def test_a_post_hoc_fact_never_beats_a_primary_one_of_the_same_design() -> None:
    primary = fact("a.primary")
    post_hoc = fact("a.posthoc", analysis="post-hoc", source="s2023")
    headline = choose([post_hoc, primary], kb(primary, post_hoc))
    assert headline is not None and headline.fact.id == "a.primary"
    assert headline.why == "primary analysis (primary)"
    assert [f.id for f in headline.others] == ["a.posthoc"]


def test_a_preclinical_fact_never_beats_a_clinical_one() -> None:
    rats = fact("a.rats", design="preclinical", population="rodents")
    trial = fact("a.trial", design="case-series")
    headline = choose([rats, trial], kb(rats, trial))
    assert headline is not None and headline.fact.id == "a.trial"
    assert headline.why == "clinical evidence (clinical)"


def test_the_stronger_design_heads() -> None:
    rct = fact("a.rct")
    meta = fact("a.meta", design="meta-analysis", arm=None)
    headline = choose([rct, meta], kb(rct, meta))
    assert headline is not None and headline.fact.id == "a.meta"
    assert headline.why == "strongest design (meta-analysis)"


def test_a_placebo_comparison_heads_an_active_one() -> None:
    ect = fact("a.ect", comparator=Comparator("ECT", "active", value=40))
    placebo = fact("a.placebo")
    headline = choose([ect, placebo], kb(ect, placebo))
    assert headline is not None and headline.fact.id == "a.placebo"
    assert headline.why == "placebo comparison (placebo)"


def test_the_main_indication_heads() -> None:
    bipolar = fact("a.bipolar", population="bipolar-depression")
    trd = fact("a.trd")
    headline = choose([bipolar, trd], kb(bipolar, trd))
    assert headline is not None and headline.fact.id == "a.trd"
    assert headline.why == "main indication (TRD)"


def test_the_arm_in_clinical_use_heads() -> None:
    dose = fact("a.dose", category="dosing", outcome="clinical-dose",
                value=Value(25, "mg"), comparator=None, contrast=None)
    low = fact("a.10mg", arm="10 mg once")
    clinical = fact("a.25mg", arm="25 mg once")
    doses = clinical_doses([dose])
    assert doses == ("25 mg",)
    headline = choose([low, clinical], kb(dose, low, clinical), doses)
    assert headline is not None and headline.fact.id == "a.25mg"
    assert headline.why == "arm in clinical use (25 mg once)"


def test_the_later_source_heads_equal_facts() -> None:
    old = fact("a.old")
    new = fact("a.new", source="s2023")
    headline = choose([old, new], kb(old, new))
    assert headline is not None and headline.fact.id == "a.new"
    assert headline.why == "latest source"


def test_a_single_fact_is_the_only_fact() -> None:
    only = fact("a.only")
    headline = choose([only], kb(only))
    assert headline is not None and headline.why == "only fact" and headline.others == ()
    assert choose([], kb()) is None


def test_a_number_against_its_comparator_heads_words_and_one_arm_of_stronger_design() -> None:
    told = fact("a.told", design="meta-analysis", value=None, contrast=None)
    one_arm = fact("a.onearm", design="meta-analysis",
                   comparator=Comparator("placebo", "placebo"))  # its rate not curated
    both = fact("a.both")  # an RCT with both arms' rates
    headline = choose([told, one_arm, both], kb(told, one_arm, both))
    assert headline is not None and headline.fact.id == "a.both"
    assert headline.why == "number against its comparator (against its comparator)"
    assert [f.id for f in headline.others] == ["a.onearm", "a.told"]
    rest = choose([told, one_arm], kb(told, one_arm))
    assert rest is not None and rest.fact.id == "a.onearm"
    assert rest.why == "number against its comparator (one arm)"


def test_a_pool_of_controlled_and_uncontrolled_data_yields_to_a_controlled_trial() -> None:
    """A meta-analysis that pools placebo arms with before-after changes is no clean contrast."""
    pooled = fact("s.pooled", design="meta-analysis", contrast="between-arms",
                  value=Value(-1.12, "SMD"),
                  comparator=Comparator("placebo, or baseline in uncontrolled studies", "mixed"))
    trial = fact("s.trial", contrast="between-arms", value=Value(-6.6, "points"),
                 comparator=Comparator("1 mg", "low-dose"))
    headline = choose([pooled, trial], kb(pooled, trial))
    assert headline is not None and headline.fact.id == "s.trial"
    assert headline.why == "number against its comparator (against its comparator)"
