"""Integrity of the bundled knowledge base: coverage, citations and agreement of numbers."""

from __future__ import annotations

import re

import pytest

from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.loader import load_knowledge_base
from evsum.facts.model import Fact, format_number

MINIMUM_FACTS = {
    "ketamine": 40,
    "esketamine": 35,
    "psilocybin": 35,
    "arketamine": 8,
    "hydroxynorketamine": 6,
    "lsd": 12,
    "dmt": 8,
    "ayahuasca": 8,
    "5-meo-dmt": 8,
}

# Categories that apply but have no verified fact yet, each with the reason.
# The test below fails when a gap is filled, so that this list stays true.
KNOWN_GAPS: dict[tuple[str, str], str] = {}

NUMBER_WORDS = {0: ("no", "none", "zero", "neither"), 1: ("one", "single", "a "),
                2: ("two", "twice", "doubled", "both"), 3: ("three",), 4: ("four",),
                5: ("five",), 6: ("six",), 7: ("seven",), 8: ("eight",), 9: ("nine",),
                10: ("ten",), 12: ("twelve",)}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    kb, problems = load_knowledge_base()
    assert problems == [], [str(p) for p in problems[:5]]
    return kb


def test_every_substance_of_the_mission_is_present(kb: KnowledgeBase) -> None:
    assert set(MINIMUM_FACTS) == set(kb.substances)


@pytest.mark.parametrize(("substance", "minimum"), MINIMUM_FACTS.items())
def test_substance_meets_its_minimum(kb: KnowledgeBase, substance: str, minimum: int) -> None:
    assert len(kb.facts_of(substance)) >= minimum


@pytest.mark.parametrize("substance", MINIMUM_FACTS)
def test_substance_has_every_category(kb: KnowledgeBase, substance: str) -> None:
    present = {f.category for f in kb.facts_of(substance)}
    missing = {c for c in voc.CATEGORIES if c not in present}
    assert missing == {c for (s, c) in KNOWN_GAPS if s == substance}


def test_every_fact_is_cited_located_designed_and_dated(kb: KnowledgeBase) -> None:
    for fact in kb.facts:
        source = kb.sources[fact.source]
        assert source.doi or source.pmid or source.url, fact.id
        assert fact.locator.strip(), fact.id
        assert fact.design in voc.DESIGNS, fact.id
        assert fact.checked.year >= 2026, fact.id


def test_fact_ids_are_unique_across_files() -> None:
    from evsum.facts.loader import assemble, bundled_facts_dir, discover, parse_file

    files, _ = discover([bundled_facts_dir()])
    ids = [f.id for path in files for f in parse_file(path).facts]
    assert len(ids) == len(set(ids))
    kb, problems = assemble([parse_file(p) for p in files])
    assert problems == []


def test_every_mechanism_fact_names_controlled_pathway_nodes(kb: KnowledgeBase) -> None:
    for fact in kb.facts:
        if fact.category == "mechanism":
            assert fact.pathway, fact.id
            assert set(fact.pathway) <= set(voc.PATHWAY_NODES), fact.id


def test_each_primary_target_appears_in_a_mechanism_fact_of_its_family(
        kb: KnowledgeBase) -> None:
    for substance in kb.substances.values():
        family = [s.id for s in kb.substances.values() if s.family == substance.family]
        named = {n for sid in family for f in kb.facts_of(sid) for n in f.pathway}
        assert set(substance.targets) & named, substance.id


def test_the_convergence_thesis_can_be_checked(kb: KnowledgeBase) -> None:
    """Ketamine and psilocybin differ in primary target and share downstream nodes."""
    ketamine = {n for f in kb.facts_of("ketamine") for n in f.pathway}
    psilocybin = {n for f in kb.facts_of("psilocybin") for n in f.pathway}
    assert "nmda-receptor" in ketamine and "5ht2a-receptor" in psilocybin
    downstream = {n for n, (_, kind) in voc.PATHWAY_NODES.items() if kind == "downstream"}
    assert ketamine & psilocybin & downstream


def _mentions(claim: str, number: float) -> bool:
    text = claim.replace("−", "-").replace(",", "").lower()
    forms = {format_number(number), format_number(abs(number))}
    if not float(number).is_integer():
        forms |= {f"{abs(number):.1f}", f"{abs(number):.2f}", f"{abs(number):.3f}"}
    if any(re.search(r"(?<![\d.])" + re.escape(f) + r"(?!\d)", text) for f in forms):
        return True
    return any(word in text for word in NUMBER_WORDS.get(int(abs(number)), ())
               if float(number).is_integer())


def _numbers(fact: Fact) -> list[float]:
    assert fact.value is not None
    if fact.value.estimate is not None:
        return [fact.value.estimate]
    assert fact.value.range is not None
    return list(fact.value.range)


def test_claims_state_the_numbers_of_their_values(kb: KnowledgeBase) -> None:
    disagree = [f.id for f in kb.facts if f.value is not None
                and not all(_mentions(f.claim, n) for n in _numbers(f))]
    assert disagree == []


def test_comparator_values_appear_in_claims(kb: KnowledgeBase) -> None:
    disagree = [f.id for f in kb.facts if f.comparator is not None
                and f.comparator.value is not None
                and not _mentions(f.claim, f.comparator.value)]
    assert disagree == []


def test_preclinical_facts_are_never_clinical(kb: KnowledgeBase) -> None:
    for fact in kb.facts:
        if fact.design == "preclinical":
            assert not fact.is_clinical, fact.id
            assert fact.population in voc.NONCLINICAL_POPULATIONS, fact.id


# --- every number on the same footing (docs/fact-format.md, "Reading a number") ----------


def test_every_fact_records_the_page_it_was_read_on(kb: KnowledgeBase) -> None:
    unread = [f.id for f in kb.facts if f.read is None or not f.read.url.startswith("https://")
              and not f.read.url.startswith("http://")]
    assert unread == []


def test_every_efficacy_fact_says_its_analysis_and_contrast(kb: KnowledgeBase) -> None:
    for fact in kb.facts:
        if fact.category == "efficacy":
            assert fact.analysis in voc.ANALYSES, fact.id
            if fact.value is not None:
                assert fact.contrast in voc.CONTRASTS, fact.id


def test_trial_results_name_their_arm(kb: KnowledgeBase) -> None:
    single_study = {"rct", "open-label", "observational", "case-series"}
    missing = [f.id for f in kb.facts if f.category in ("efficacy", "safety", "dissociation")
               and f.value is not None and f.design in single_study and not f.arm]
    assert missing == []


def test_a_multi_arm_trial_names_a_different_arm_on_each_arms_facts(kb: KnowledgeBase) -> None:
    """Facts of one source, outcome and timepoint with equal arms would be indistinguishable."""
    seen: dict[tuple[object, ...], str] = {}
    for fact in kb.facts:
        if fact.category != "efficacy" or fact.value is None or fact.design != "rct":
            continue
        key = (fact.source, fact.outcome, fact.timepoint, fact.population, fact.arm,
               fact.comparator.name if fact.comparator else None, fact.analysis, fact.scale,
               fact.value.unit, fact.contrast)  # per-arm rates and their odds ratio may stand
        assert key not in seen, (fact.id, seen.get(key))
        seen[key] = fact.id


def test_every_dispute_names_an_existing_other_side_from_another_source(
        kb: KnowledgeBase) -> None:
    facts = {f.id: f for f in kb.facts}
    for fact in kb.facts:
        if fact.disputed is None:
            continue
        assert fact.disputed.by and fact.disputed.reason.strip(), fact.id
        for other in fact.disputed.by:
            assert other in facts, (fact.id, other)
            assert facts[other].source != fact.source, (fact.id, other)


def test_contrasts_have_a_known_direction(kb: KnowledgeBase) -> None:
    unknown = [f.id for f in kb.facts if f.contrast == "between-arms" and f.value is not None
               and f.value.estimate is not None and f.better_direction is None]
    assert unknown == []


def test_every_comparator_says_its_kind(kb: KnowledgeBase) -> None:
    for fact in kb.facts:
        if fact.comparator is not None:
            assert fact.comparator.kind in voc.COMPARATOR_KINDS, fact.id


# --- the landmark evidence (../shared/CURATION.md; issue: landmarks from their own pages) --

# Each landmark a reader expects, by the fact-id prefix of its own paper's facts.
LANDMARKS: dict[str, str] = {
    "Berman 2000, first RCT": "ketamine.berman2000.",
    "Murrough 2013, midazolam-controlled trial": "ketamine.murrough2013.",
    "ketamine efficacy meta-analyses": "ketamine.kishimoto2016.",
    "Cochrane review of ketamine": "ketamine.dean2021.",
    "ketamine and suicidal ideation, IPD meta-analysis": "ketamine.wilkinson2018.",
    "ketamine and suicidal ideation, Abbar 2022 RCT": "ketamine.abbar2022.",
    "ELEKT-D, ketamine versus ECT": "ketamine.anand2023.",
    "KetECT, ketamine versus ECT": "ketamine.ekstrand2022.",
    "repeated infusions (Singh 2016)": "ketamine.singh2016.",
    "maintenance infusions (Phillips 2019)": "ketamine.phillips2019.",
    "KARMA-Dep 2, null against midazolam": "ketamine.jelovac2025.",
    "TRANSFORM-1": "esketamine.fedgchin2019.",
    "TRANSFORM-3": "esketamine.ochsross2020.",
    "SUSTAIN-1": "esketamine.daly2019.",
    "SUSTAIN-2": "esketamine.wajs2020.",
    "ASPIRE I": "esketamine.fu2020.",
    "ASPIRE II": "esketamine.ionescu2021.",
    "esketamine US label, TRD tables": "esketamine.spravato-uspi-2021reprint.",
    "esketamine EU authorisation": "esketamine.ema-epar-spravato.",
    "first human arketamine data (Leal 2021)": "arketamine.leal2021.",
    "hydroxynorketamine phase 1": "hydroxynorketamine.raja2024.",
    "mTOR and synaptogenesis 2010": "ketamine.li2010.",
    "eEF2 and BDNF 2011": "ketamine.autry2011.",
    "lateral habenula 2018": "ketamine.yang2018.",
    "TrkB binding 2021": "ketamine.casarotto2021.",
    "TrkB binding 2023": "psilocybin.moliner2023.",
    "psilocybin dendritic spines 2021": "psilocybin.shao2021.",
    "psilocybin open-label 2016": "psilocybin.carhartharris2016.",
    "Davis 2021": "psilocybin.davis2021.",
    "psilocybin versus escitalopram 2021": "psilocybin.carhartharris2021.",
    "COMP360 phase 2b 2022": "psilocybin.goodwin2022.",
    "Raison 2023": "psilocybin.raison2023.",
    "von Rotz 2023": "psilocybin.vonrotz2023.",
    "ayahuasca RCT 2019": "ayahuasca.palhanofontes2019.",
    "LSD in anxiety (Gasser 2014)": "lsd.gasser2014.",
    "LSD in anxiety (Holze 2023)": "lsd.holze2023.",
    "LSD in major depression (Mueller 2025)": "lsd.mueller2025.",
    "5-MeO-DMT first depression data": "5-meo-dmt.reckweg2023.",
}

# Landmarks not in the base, or only through a secondary paper, with the pages tried.
KNOWN_LANDMARK_GAPS: dict[str, str] = {
    "Zarate 2006, first TRD RCT": "JAMA's page shows only its reference list; no PubMed, "
    "Europe PMC or PMC page in the store",
    "ketamine versus esketamine (Bahji 2021)": "mirror and summary copies cut off before "
    "the results",
    "TRANSFORM-2 (Popova 2019)": "only a scribd proxy and summary sites; its numbers stand "
    "on the Katz 2021 post hoc analysis",
    "SUSTAIN-3 results": "the PubMed copy is cut before the results",
    "ESCAPE-TRD": "the NEJM page was not reached; the trial register page was cut off",
    "esketamine approval days of 2020 and 2025": "only trade press; no FDA page gives them",
    "esketamine label dosing and section 12.3": "not reached on DailyMed or FDA label pages",
    "Zanos 2016, hydroxynorketamine in mice": "no page of the Nature article in the store",
    "psychedelic-induced plasticity 2018 (Ly)": "only scribd and document-dump copies",
    "psilocybin versus escitalopram 2021, its own paper": "NEJM text only on scribd; the "
    "trial's results are cited to Metaxa 2024 (expression of concern)",
    "COMP360 response and remission, its own paper": "cited to Metaxa 2024 Table 2",
    "breakthrough designations (psilocybin 2018 and 2019, esketamine 2016)": "press "
    "releases only; no FDA or SEC page",
    "SPL026 phase 2a (DMT)": "news pages only",
    "PCN-101 phase 2a (arketamine)": "press releases only",
    "MM120 phase 2b (LSD)": "summary and news sites only",
}


@pytest.mark.parametrize("landmark", sorted(LANDMARKS))
def test_each_landmark_stands_on_its_own_paper(kb: KnowledgeBase, landmark: str) -> None:
    prefix = LANDMARKS[landmark]
    assert any(f.id.startswith(prefix) for f in kb.facts), (landmark, prefix)


def test_no_landmark_is_both_present_and_a_gap() -> None:
    assert not set(LANDMARKS) & set(KNOWN_LANDMARK_GAPS)
    assert all(reason.strip() for reason in KNOWN_LANDMARK_GAPS.values())


def test_the_depth_of_each_substance(kb: KnowledgeBase) -> None:
    depth = {"ketamine": 90, "esketamine": 80, "psilocybin": 90, "arketamine": 20,
             "hydroxynorketamine": 15, "lsd": 30, "dmt": 20, "ayahuasca": 20, "5-meo-dmt": 20}
    assert {s: len(kb.facts_of(s)) >= n for s, n in depth.items()} == dict.fromkeys(depth, True)
