"""`evsum thesis`: claims, their evidence profiles and the verdict rule."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from markdown_it import MarkdownIt

from evsum.errors import EXIT_OK, EXIT_USAGE
from evsum.facts.index import KnowledgeBase
from evsum.facts.loader import load_knowledge_base, require_valid
from evsum.facts.model import Fact, Location
from evsum.render import Format, render, render_text
from evsum.thesis import build_thesis, verdict

from .conftest import DATA, FIXTURE_KB, Run

THESIS = DATA / "thesis"


def fact(design: str, population: str = "trd") -> Fact:
    return Fact(id=f"x.{design}", substance="s", category="efficacy", claim="c", design=design,
                source="s", locator="l", checked=dt.date(2026, 1, 1), where=Location("f", 1),
                population=population)


RATS = fact("preclinical", "rodents")
TRIAL = fact("rct")
META = fact("meta-analysis")


@pytest.mark.parametrize(("supports", "challenges", "missing", "expected"), [
    ([], [TRIAL], 0, "unsupported in the base"),
    ([RATS], [], 0, "preclinical only"),
    ([RATS, RATS], [], 0, "preclinical only"),
    ([RATS], [TRIAL], 0, "contested"),
    ([TRIAL], [TRIAL], 0, "contested"),
    ([META], [TRIAL], 0, "supported in humans"),
    ([TRIAL], [RATS], 0, "supported in humans"),
    ([TRIAL], [], 1, "partly supported in humans"),
])
def test_the_verdict_rule(supports: list[Fact], challenges: list[Fact], missing: int,
                          expected: str) -> None:
    assert verdict(supports, challenges, missing) == expected


def test_animal_support_never_reads_as_supported_in_humans() -> None:
    for challenges in ([], [RATS]):
        assert verdict([RATS, fact("preclinical", "in-vitro")], challenges) != \
            "supported in humans"


@pytest.fixture
def kb() -> KnowledgeBase:
    return require_valid(*load_knowledge_base([FIXTURE_KB, THESIS], include_bundled=False))


def test_the_argument_is_a_tree_in_file_order(kb: KnowledgeBase) -> None:
    view = build_thesis(kb, "smith2020")
    assert [(n.claim.id, n.depth) for n in view.nodes()] == [
        ("t.root", 0), ("t.mechanism", 1), ("t.unsupported", 2), ("t.contested", 1),
        ("t.partly", 1)]
    assert {n.claim.id: n.profile.verdict for n in view.nodes()} == {
        "t.root": "supported in humans", "t.mechanism": "preclinical only",
        "t.unsupported": "unsupported in the base", "t.contested": "contested",
        "t.partly": "partly supported in humans"}


def test_terminal_thesis_matches_golden(kb: KnowledgeBase) -> None:
    stream = io.StringIO()
    render(build_thesis(kb, "smith2020"), Format.TERMINAL, kb, stream, color=False, width=80)
    assert stream.getvalue() == (DATA / "golden" / "thesis-smith2020.txt").read_text("utf-8")


def test_one_claim_shows_every_fact_behind_it(fixture_run: Run) -> None:
    result = fixture_run("--facts-dir", str(THESIS), "thesis", "t.contested")
    assert result.code == EXIT_OK
    out = result.stdout
    assert out.index("SUPPORTS (1)") < out.index("how: the plasticity appears in mice") < \
        out.index("CHALLENGES (1)") < out.index("how: a trial in people points elsewhere")
    assert "beta.doe2022.response-3wk" in out and "t.root" not in out


def test_markdown_is_one_page_table_of_claims(kb: KnowledgeBase) -> None:
    text = render_text(build_thesis(kb, "smith2020"), Format.MARKDOWN, kb)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    assert [t.tag for t in tokens if t.type == "heading_open"].count("h1") == 1
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) == 1 + 5  # the header and one row per claim
    assert "Both raise BDNF \\| \\[bold\\]not markup\\[/bold\\]" in text
    assert len(text.split()) < 2000


def test_json_lists_claims_with_verdict_and_facts(fixture_run: Run) -> None:
    import jsonschema

    result = fixture_run("--facts-dir", str(THESIS), "thesis", "smith2020", "--json")
    data: dict[str, Any] = json.loads(result.stdout)
    assert data["kind"] == "thesis"
    assert [(c["id"], c["parent"], c["verdict"]) for c in data["claims"]][:2] == [
        ("t.root", None, "supported in humans"), ("t.mechanism", "t.root", "preclinical only")]
    assert {f["id"] for f in data["facts"]} >= {"alpha.smith2020.mechanism"}
    schema = json.loads(fixture_run("schema", "--json-output").stdout)
    jsonschema.validate(data, schema)


def test_unknown_source_is_a_usage_error_naming_those_with_claims(fixture_run: Run) -> None:
    result = fixture_run("--facts-dir", str(THESIS), "thesis", "nobody2020")
    assert result.code == EXIT_USAGE
    assert result.stderr == ("evsum: no claims of 'nobody2020' in the base (sources with "
                             "claims: smith2020; or give a claim id)\n")


def test_the_framing_review_is_the_default(run: Run) -> None:
    result = run("--no-color", "thesis")
    assert result.code == EXIT_OK
    assert result.stdout.startswith("THESIS: Kojic 2022")
    assert "kojic2022.targets-differ" in result.stdout


def write_golden() -> None:  # pragma: no cover - run by hand after a deliberate change
    kb = require_valid(*load_knowledge_base([FIXTURE_KB, THESIS], include_bundled=False))
    stream = io.StringIO()
    render(build_thesis(kb, "smith2020"), Format.TERMINAL, kb, stream, color=False, width=80)
    (DATA / "golden" / "thesis-smith2020.txt").write_text(stream.getvalue(), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    write_golden()
