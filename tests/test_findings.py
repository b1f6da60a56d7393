"""The summary of findings: golden output, one screen wide, the handout and the gaps."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from evsum.facts.index import KnowledgeBase
from evsum.facts.loader import load_knowledge_base, require_valid
from evsum.findings import build_findings, build_gaps
from evsum.query import make_filters
from evsum.render import Format, render, render_text

from .conftest import DATA, FIXTURE_KB, Run

GOLDEN = DATA / "golden"
EPOCH = "1764547200"  # 2025-12-01, so the handout's date is fixed


@pytest.fixture
def kb() -> KnowledgeBase:
    return require_valid(*load_knowledge_base([FIXTURE_KB], include_bundled=False))


def terminal(view: object, kb: KnowledgeBase, width: int = 80) -> str:
    stream = io.StringIO()
    render(view, Format.TERMINAL, kb, stream, color=False, width=width)
    return stream.getvalue()


def findings(kb: KnowledgeBase) -> object:
    return build_findings(kb, [kb.substances["alpha"], kb.substances["beta"]], make_filters())


def test_terminal_summary_matches_golden(kb: KnowledgeBase) -> None:
    golden = (GOLDEN / "findings-alpha-beta.txt").read_text(encoding="utf-8")
    assert terminal(findings(kb), kb) == golden


def test_handout_matches_golden(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    golden = (GOLDEN / "handout-alpha-beta.md").read_text(encoding="utf-8")
    assert render_text(findings(kb), Format.MARKDOWN, kb) == golden


def test_summary_cells_name_number_comparator_evidence_and_reference(kb: KnowledgeBase) -> None:
    text = terminal(findings(kb), kb, width=160)
    assert "50% (30% to 70%) vs 10% placebo" in text
    # a rate needs no scale in the summary; --outcome and the dossier name it
    assert "0.5 mg/kg IV once · TRD, 24 h, n=40 · RCT [1]" in text and "MADRS" not in text
    assert "400 more per 1,000*" in text  # computed, marked, and worded as GRADE tables do
    assert "computed by evsum" in text


def test_a_clinical_outcome_with_only_animal_facts_reads_preclinical_only(
        kb: KnowledgeBase) -> None:
    from evsum.findings import _cell

    facts = kb.facts_of("alpha")
    rats = [f for f in facts if f.design == "preclinical"]
    cell = _cell(rats, rats, kb, ())
    assert cell.state == "preclinical-only" and cell.headline is None


def test_outcomes_nobody_curated_are_named_once(kb: KnowledgeBase) -> None:
    text = terminal(findings(kb), kb)
    assert "not curated for any substance shown: remission, depression score," in text


@pytest.mark.parametrize("width", [80, 60, 40])
def test_every_summary_line_fits_the_terminal(kb: KnowledgeBase, width: int) -> None:
    for view in (findings(kb), build_gaps(kb, list(kb.substances.values()))):
        lines = terminal(view, kb, width).splitlines()
        assert max(len(line) for line in lines) <= width


def test_handout_is_short_and_cites_exactly_what_it_shows(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    text = render_text(findings(kb), Format.MARKDOWN, kb)
    assert len(text.split()) < 2000
    assert text.count("\n# ") + text.startswith("# ") == 1  # one H1
    cited = set(re.findall(r"\\\[(\d+)\\\]", text.split("## References")[0]))
    html = MarkdownIt("commonmark").enable("table").render(text)
    listed = re.findall(r"<li>", html.split("References</h2>")[1])
    assert cited == {str(i) for i in range(1, len(listed) + 1)}


def test_the_mechanism_line_says_whether_the_targets_differ(bundled: KnowledgeBase) -> None:
    from evsum.render.findings_cells import mechanism_lines

    def line(*names: str) -> str:
        view = build_findings(bundled, [bundled.substances[n] for n in names], make_filters())
        [only] = mechanism_lines(view)
        return only

    assert line("ketamine", "esketamine").startswith("same primary target (NMDA receptor); ")
    assert line("ketamine", "psilocybin").startswith("primary targets differ; shared downstream")
    assert line("ketamine").startswith("downstream: ") and "BDNF" in line("ketamine")


def test_a_handout_says_a_concern_once_for_the_cells_it_touches(
        bundled: KnowledgeBase) -> None:
    view = build_findings(bundled, [bundled.substances["ketamine"],
                                    bundled.substances["psilocybin"]], make_filters())
    text = render_text(view, Format.MARKDOWN, bundled)
    uncertain = text.split("## Uncertain or disputed")[1].split("## ")[0]
    notice = next(line for line in uncertain.splitlines() if "expression of concern" in line)
    assert notice.startswith("- Psilocybin, response and remission \\[")
    assert uncertain.count("expression of concern**") == 1


MEASURED = """\
substances:
  - {id: hostile, name: Hostilamine, family: ketamine, class: Test class,
     targets: [nmda-receptor], routes: [oral], status: Investigational.}
sources:
  test2020: {type: article, authors: Test A, title: A test source, year: 2020, doi: 10.1000/t}
facts:
  - id: hostile.test2020.pressure
    substance: hostile
    category: safety
    claim: Pressure rose.
    outcome: blood-pressure
    measure: "<b>peak</b> [bold]rise[/bold] *x*"
    contrast: per-arm
    value: {estimate: 12, unit: mmHg}
    design: meta-analysis
    source: test2020
    locator: Table 1
    checked: 2026-01-01
    read: {url: "https://example.org/page", kind: publisher}
"""


def test_a_strangers_measure_is_shown_as_written_in_every_format(
        run: Run, fact_tree: Callable[[dict[str, str]], Path]) -> None:
    folder = str(fact_tree({"measured.yaml": MEASURED}))
    base = ("--no-bundled", "--facts-dir", folder, "show", "hostile")
    measure = "<b>peak</b> [bold]rise[/bold] *x*"
    terminal_text = run("--no-color", *base).stdout
    assert f"{measure}: 12 mmHg" in terminal_text
    html = run(*base, "--format", "html").stdout
    assert "&lt;b&gt;peak&lt;/b&gt; [bold]rise[/bold] *x*: 12 mmHg" in html
    assert "<b>peak" not in html
    rendered = MarkdownIt().render(run(*base, "--format", "markdown").stdout)
    assert "&lt;b&gt;peak&lt;/b&gt; [bold]rise[/bold] *x*: 12 mmHg" in rendered
    data = json.loads(run(*base, "--json").stdout)
    assert [f["measure"] for f in data["facts"]] == [measure]


def test_gaps_name_each_substances_missing_outcomes(kb: KnowledgeBase) -> None:
    view = build_gaps(kb, [kb.substances["alpha"]])
    missing = dict(view.missing[0])
    assert missing["remission"] == "not curated"
    assert "response" not in missing
    assert missing["any regulatory fact"] == "not curated"


def test_compare_leads_with_the_summary_and_all_gives_every_fact(fixture_run: Run) -> None:
    summary = fixture_run("compare", "alpha", "beta")
    full = fixture_run("compare", "alpha", "beta", "--all")
    assert summary.code == full.code == 0
    assert summary.stdout.startswith("SUMMARY OF FINDINGS: Alphamine vs Betacybin")
    assert full.stdout.startswith("Alphamine vs Betacybin")
    assert "MECHANISM" in full.stdout and "400 more per 1,000*" not in full.stdout


def test_outcome_expands_one_row_and_an_unknown_one_is_a_usage_error(fixture_run: Run) -> None:
    one = fixture_run("compare", "alpha", "beta", "--outcome", "response")
    assert one.code == 0 and "response" in one.stdout and "largest excess" not in one.stdout
    bad = fixture_run("compare", "alpha", "beta", "--outcome", "mood")
    assert bad.code == 2 and "unknown outcome 'mood'" in bad.stderr


@pytest.fixture(scope="module")
def bundled() -> KnowledgeBase:
    return require_valid(*load_knowledge_base([]))


@pytest.mark.parametrize("fmt", [Format.TERMINAL, Format.MARKDOWN, Format.HTML])
def test_every_expanded_outcome_cites_each_fact_it_shows(bundled: KnowledgeBase,
                                                          fmt: Format) -> None:
    """--outcome lists every fact of a row: each needs its entry in the references."""
    from evsum.facts.vocabulary import SUMMARY_OUTCOMES

    substances = list(bundled.substances.values())
    for key, *_ in SUMMARY_OUTCOMES:
        view = build_findings(bundled, substances, make_filters(), key)
        text = render_text(view, fmt, bundled)
        shown = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
        assert shown <= set(range(1, len(view.references) + 1)), key
        listed = [f for r in view.rows for c in r.cells if c.headline and not c.harms
                  for f in (c.headline.fact, *c.headline.others)]
        assert {f.source for f in listed} <= set(view.references), key


def test_an_expanded_outcome_gives_each_fact_its_own_paragraph(bundled: KnowledgeBase) -> None:
    view = build_findings(bundled, [bundled.substances["ketamine"]], make_filters(),
                          "suicidal-ideation")
    cell = view.rows[0].cells[0]
    assert cell.headline is not None and len(cell.headline.others) >= 3
    starts = [line.strip() for line in terminal(view, bundled, width=400).splitlines()]
    for fact in (cell.headline.fact, *cell.headline.others):
        opening = (fact.claim if fact.value is None else "")[:30]
        if opening:  # a narrative fact opens a line of its own, never follows a ' · '
            assert any(line.startswith(opening) or f"Ketamine  {opening}" in line
                       for line in starts), fact.id


def test_largest_harms_are_single_events_in_patients(bundled: KnowledgeBase) -> None:
    """Psilocybin's largest raw excess is a total in healthy volunteers: it stays out."""
    from evsum.facts.vocabulary import AGGREGATE_EVENTS
    from evsum.views import excess

    events = [f for f in bundled.facts_of("psilocybin") if f.adverse_event
              and excess(f) is not None]
    largest = max(events, key=lambda f: excess(f) or 0)
    assert largest.adverse_event in AGGREGATE_EVENTS or largest.population == "healthy-volunteers"
    view = build_findings(bundled, [bundled.substances["psilocybin"]], make_filters(),
                          "top-harms")
    harms = view.rows[0].cells[0].harms
    assert 1 <= len(harms) <= 3
    for fact, _, _ in harms:
        assert fact.adverse_event not in AGGREGATE_EVENTS
        assert fact.population != "healthy-volunteers"


@pytest.mark.parametrize("width", [60, 80])
def test_the_summary_loses_no_word_of_a_profile_at_any_width(bundled: KnowledgeBase,
                                                             width: int) -> None:
    """A name longer than the profile's name column ((2R,6R)-Hydroxynorketamine) must
    not push its line past the width, where the terminal would crop it."""
    from evsum.facts.vocabulary import PATHWAY_NODES

    substances = list(bundled.substances.values())
    text = terminal(build_findings(bundled, substances, make_filters()), bundled, width)
    assert max(len(line) for line in text.splitlines()) <= width
    flowing = " ".join(text.split())
    for substance in substances:
        assert " ".join(substance.drug_class.split()) in flowing, substance.id
        assert " ".join(substance.status.split()) in flowing, substance.id
        for target in substance.targets:
            assert PATHWAY_NODES[target][0] in flowing, (substance.id, target)


def test_a_cell_says_which_way_once(bundled: KnowledgeBase) -> None:
    """An NNTB already says the drug helps: no "favours" beside it; an odds ratio keeps it."""
    view = build_findings(bundled, [bundled.substances["psilocybin"],
                                    bundled.substances["ketamine"]], make_filters())
    text = terminal(view, bundled, width=400)
    sustained = next(line for line in text.splitlines() if "sustained response:" in line)
    assert "NNTB" in sustained and "favours" not in sustained
    odds = next(line for line in text.splitlines() if "OR 3.94" in line)
    assert "favours Ketamine" in odds


def test_a_bare_harm_number_is_given_by_its_claim(bundled: KnowledgeBase) -> None:
    from evsum.render.findings_cells import compact_value

    fact = bundled.facts_of("psilocybin")
    pressure = next(f for f in fact if f.outcome == "blood-pressure" and f.value is not None
                    and f.comparator is None and "19.00 mmHg" in f.claim)
    unmeasured = pressure._replace(measure=None)
    assert compact_value(unmeasured).startswith("Pooled across trials")  # the number in words
    silent = unmeasured._replace(claim="Systolic pressure rose, and fell back within hours.")
    assert compact_value(silent) == "19 mmHg: Systolic pressure rose, and fell back within hours."
    # where the fact says what its number counts, the summary says that instead
    assert compact_value(pressure) == "pooled systolic rise: 19 mmHg"


def test_a_measure_says_what_a_rate_counts_wherever_the_number_is_shown(
        bundled: KnowledgeBase) -> None:
    from evsum.render.common import value_text
    from evsum.render.findings_cells import compact_value

    fact = next(f for f in bundled.facts_of("ketamine")
                if f.id == "ketamine.abbar2022.si-remission-day3")
    measure = "full remission of suicidal ideation (SSI 3 or less)"
    assert fact.measure == measure
    assert compact_value(fact).startswith(f"{measure}: 63% vs 31.6% saline placebo")
    assert value_text(fact, "Ketamine").startswith(f"{measure}: ")  # --outcome, why, --all
    assert compact_value(fact._replace(measure=None)).startswith("63% vs 31.6%")


def test_the_usual_arm_is_said_once_and_any_other_arm_in_its_cell(
        bundled: KnowledgeBase) -> None:
    from evsum.render.findings_cells import usual_arms

    view = build_findings(bundled, [bundled.substances["ketamine"]], make_filters())
    assert usual_arms(view) == ["0.5 mg/kg IV"]  # KetECT's arm heads three cells
    lines = terminal(view, bundled, width=400).splitlines()
    assert sum("trial arm unless named: 0.5 mg/kg IV" in line for line in lines) == 1
    dissociation = next(line for line in lines if "dissociative symptoms:" in line)
    assert "mg/kg" not in dissociation
    ideation = next(line for line in lines if "full remission of suicidal ideation" in line)
    assert "0.5 mg/kg IV over 40 min" in ideation  # another arm: named where it stands


def test_an_nnt_whose_interval_spans_no_difference_is_left_to_the_dossier(
        bundled: KnowledgeBase) -> None:
    from evsum.absolute import absolute_effect
    from evsum.render.findings_cells import absolute_text

    facts = {f.id: f for f in bundled.facts_of("ketamine") + bundled.facts_of("psilocybin")}
    serious = facts["ketamine.ekstrand2022.serious-adverse-events"]
    effect = absolute_effect(serious)
    assert effect is not None and effect.nnt is not None  # the dossier's NNT exists
    assert absolute_text(effect, serious) == "102 fewer per 1,000 (217 fewer to 16 more)*"
    response = facts["psilocybin.goodwin2022.response-3wk"]
    effect = absolute_effect(response)
    assert effect is not None
    assert absolute_text(effect, response) == \
        "190 more per 1,000 (51 to 320 more); NNTB 6 (4 to 20)*"


@pytest.mark.parametrize(("arm", "short"), [
    ("0.5 mg/kg IV, thrice weekly, up to 12 infusions", "0.5 mg/kg IV"),
    ("28, 56 or 84 mg intranasal twice weekly for 4 weeks, then weekly", "28, 56 or 84 mg "
     "intranasal twice weekly"),  # a comma after a number lists doses
    ("single oral doses of 25, 50, 100 and 200 µg (crossover)",
     "single oral doses of 25, 50, 100 and 200 µg (crossover)"),
    ("100 µg once (crossover against psilocybin 20 mg, mescaline and placebo)",
     "100 µg once (crossover against psilocybin 20 mg, mescaline and placebo)"),
    ("high dose, 22 or 30 mg/70 kg oral, at session 1", "high dose, 22 or 30 mg/70 kg oral"),
    ("25 mg, 10 mg or 1 mg once, with psychological support", "25 mg, 10 mg or 1 mg once"),
    ("84 mg intranasal twice weekly, 4 weeks", "84 mg intranasal twice weekly"),
    (None, ""),
])
def test_a_summary_cell_gives_an_arm_its_dose_and_route(arm: str | None, short: str) -> None:
    from evsum.render.findings_cells import short_arm

    assert short_arm(arm) == short


def test_a_number_says_whether_it_stands_alone(bundled: KnowledgeBase) -> None:
    """One arm's number says so; a count is of its sample, never 'n=0 ... n=12'."""
    from evsum.render.findings_cells import compact_value

    facts = {f.id: f for s in ("esketamine", "lsd", "dmt", "hydroxynorketamine")
             for f in bundled.facts_of(s)}
    assert compact_value(facts["esketamine.wajs2020.serious-teae"]) == "6.9% (single arm)"
    assert compact_value(facts["lsd.gasser2014.no-serious-ae"]).startswith("none of 12")
    assert compact_value(facts["dmt.falchicarvalho2025.madrs-d7"]).startswith(
        "-21.14 points (single arm)")
    assert compact_value(facts["hydroxynorketamine.raja2024.safety"]) == (
        "none reported vs placebo (within each dose cohort), its rate not curated")
    from evsum.render.common import value_text  # the dossier and `why` say counts so too

    assert value_text(facts["lsd.gasser2014.no-serious-ae"]).startswith("none of 12 on 200 µg")


def test_substances_with_nothing_on_an_outcome_share_one_line(bundled: KnowledgeBase) -> None:
    names = ("ketamine", "esketamine", "arketamine", "psilocybin", "lsd", "dmt")
    view = build_findings(bundled, [bundled.substances[n] for n in names], make_filters())
    lines = terminal(view, bundled, width=80).splitlines()
    onset = next(i for i, line in enumerate(lines) if line.startswith("onset "))
    assert "Ketamine  40 min" in lines[onset]
    assert lines[onset + 1].split() == ["Esketamine,", "Arketamine,", "Psilocybin,", "LSD,",
                                        "DMT", "not", "curated"]


def test_show_names_its_one_substance_in_the_title_not_in_every_cell(
        bundled: KnowledgeBase) -> None:
    view = build_findings(bundled, [bundled.substances["ketamine"]], make_filters())
    lines = terminal(view, bundled, width=80).splitlines()
    outcomes = lines[lines.index("OUTCOMES") + 1:]
    assert outcomes[0].startswith("response     OR 3.94 (1.54 to 10.1) vs placebo")
    assert not any("Ketamine  " in line for line in outcomes)
    assert len(lines) <= 50  # one screen


def test_harms_say_a_shared_comparator_once(bundled: KnowledgeBase) -> None:
    view = build_findings(bundled, [bundled.substances["esketamine"]], make_filters())
    line = next(line for line in terminal(view, bundled, width=1000).splitlines()
                if "vertigo 25%" in line)
    assert line.count("vs oral antidepressant plus placebo nasal spray") == 1
    assert "(NNTH 6*) · RCT [" in line  # the sources differ: each event keeps its own
    # each event's evidence says what any cell's says: read on a copy, under a notice
    assert re.search(r"label, pooled trials \[\d+\], copy", line)


def test_the_summary_says_each_thing_once_and_briefly(bundled: KnowledgeBase) -> None:
    view = build_findings(bundled, [bundled.substances["ketamine"],
                                    bundled.substances["psilocybin"]], make_filters())
    text = terminal(view, bundled, width=400)
    assert "doi:" not in text  # DOIs are in the handout, the dossier and `evsum cite`
    assert "REFERENCES (in full: export, --all, cite)   [1] Anand 2023" in text
    assert "[4] Metaxa 2024 [expression of concern]" in text
    mechanism = [line for line in text.splitlines() if line.startswith("MECHANISM")]
    assert mechanism == ["MECHANISM primary targets differ; shared downstream: BDNF "
                         "(preclinical), synaptogenesis / spines (preclinical), network-level "
                         "change (RCT)"]
    assert "effect size: Hedges g" not in text and "Hedges g -1 (-1.28 to -0.73)" in text
    assert "no clear difference ·" in text and "leans to" not in text
    assert "(NNTH 3*); diplopia 30.8% vs 2.2% (NNTH 4*)" in text  # no points beside an NNTH


def write_goldens() -> None:  # pragma: no cover - run by hand after a deliberate change
    import os

    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    kb = require_valid(*load_knowledge_base([FIXTURE_KB], include_bundled=False))
    (GOLDEN / "findings-alpha-beta.txt").write_text(terminal(findings(kb), kb),
                                                    encoding="utf-8")
    (GOLDEN / "handout-alpha-beta.md").write_text(
        render_text(findings(kb), Format.MARKDOWN, kb), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    write_goldens()
    print(Path(GOLDEN).resolve())


COUNTED = """\
facts:
  - id: alpha.smith2020.counted-nausea
    substance: alpha
    category: safety
    claim: Nausea in 35 of 152 against 12 of 150 on placebo.
    outcome: adverse-event-incidence
    adverse_event: counted-nausea
    value: {estimate: 23, unit: "%", events: 35, total: 152}
    comparator: {name: placebo, kind: placebo, value: 8, events: 12, total: 150}
    contrast: per-arm
    arm: 0.5 mg/kg IV once
    design: rct
    source: smith2020
    locator: Table 3
    checked: 2026-01-01
    read: {url: "https://example.org/page", kind: pubmed}
"""


def test_side_effects_give_the_computed_nnth_where_counts_allow(fixture_run: Run,
                                                                tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "counted.yaml").write_text(COUNTED, encoding="utf-8")
    result = fixture_run("--no-color", "--facts-dir", str(extra), "side-effects", "alpha")
    assert result.code == 0
    rows = [line for line in result.stdout.splitlines() if "NNTH" in line]
    assert rows[0].startswith("bars:") and "NNTH* computed by evsum" in rows[0]
    assert any(line.rstrip().endswith("NNTH 7*") for line in rows[1:])  # 1000/152 -> 7
    data = json.loads(fixture_run("--facts-dir", str(extra), "side-effects", "alpha",
                                  "--json").stdout)
    counted = next(r for r in data["rows"] if r["id"] == "alpha.smith2020.counted-nausea")
    assert counted["absolute"]["label"] == "NNTH" and counted["absolute"]["nnt"] == 7
    assert counted["absolute"]["computed_by"] == "evsum"
    plain = next(r for r in data["rows"] if r["id"] == "alpha.smith2020.nausea")
    assert plain["absolute"]["ci95_per_1000"] is None  # rates without counts: no interval
