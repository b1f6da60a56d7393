"""Validation of single fact files: each rule gives file, line, field and a message."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml

from evsum.facts.loader import parse_file
from evsum.facts.schema import json_schema

HEAD = """\
sources:
  s2020:
    type: article
    authors: Smith A
    title: T
    year: 2020
    doi: 10.1000/x
facts:
  - id: f1
    substance: ketamine
    category: efficacy
    claim: A claim.
    design: rct
    source: s2020
    locator: Table 1
    checked: 2026-01-01
    read: {url: "https://example.org/page", kind: publisher}
    analysis: primary
"""


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    return [f"{p.line}: {p.field}: {p.message}" for p in parse_file(path, "f.yaml").problems]


def test_minimal_file_is_valid(tmp_path: Path) -> None:
    assert problems_of(tmp_path, HEAD) == []


@pytest.mark.parametrize(("extra", "expected"), [
    ("    value: {estimate: 140, unit: '%'}\n    outcome: response\n",
     "19: facts[0].value.estimate: 140% is outside 0-100 (use unit '% change' for changes)"),
    ("    value: {estimate: 5, unit: '%', ci: [6, 9]}\n    outcome: response\n",
     "19: facts[0].value.ci: estimate 5 lies outside its 95% CI [6, 9]"),
    ("    value: {estimate: 5, unit: '%'}\n",
     "9: facts[0].outcome: is required when a value is given"),
    ("    scale: no\n",
     "19: facts[0].scale: unquoted 'no' is a boolean in YAML; quote it if it is text"),
    ("    n: 12.5\n", "19: facts[0].n: '12.5' is not a whole number"),
    ("    n: 0\n", "19: facts[0].n: '0' is below 1"),
    ("    timepoint: tomorrow\n",
     "19: facts[0].timepoint: 'tomorrow' is not a timepoint such as '40 min', '24 h', '6 wk'"),
    ("    colour: red\n", "19: facts[0].colour: unknown field 'colour'"),
    ("    population: martians\n", "19: facts[0].population: 'martians' is not one of"),
    ("    value: {estimate: 0, unit: OR}\n    outcome: response\n",
     "19: facts[0].value.estimate: a ratio (OR) must be above 0, not 0"),
    ("    comparator: {name: placebo, kind: placebo, value: 3}\n",
     "19: facts[0].comparator.value: needs a value on the fact itself"),
    ("    adverse_event: nausea\n",
     "19: facts[0].adverse_event: belongs on safety or dissociation facts only"),
    ("    note: \"bad \\e[31m escape\"\n",
     "19: facts[0].note: contains the control character U+001B"),
    ("    scale: \"right-to-left \\u202e override\"\n",
     "19: facts[0].scale: contains the control character U+202E"),
])
def test_fact_rule(tmp_path: Path, extra: str, expected: str) -> None:
    found = problems_of(tmp_path, HEAD + extra)
    assert any(p.startswith(expected) for p in found), found


def test_missing_required_fields_are_each_named(tmp_path: Path) -> None:
    found = problems_of(tmp_path, "facts:\n  - id: f1\n    substance: ketamine\n")
    assert found == [
        f"2: facts[0].{name}: is required but missing"
        for name in ("category", "claim", "design", "source", "locator", "read", "checked")
    ]


def test_mechanism_fact_needs_pathway(tmp_path: Path) -> None:
    found = problems_of(tmp_path, HEAD.replace("category: efficacy", "category: mechanism"))
    assert found == ["11: facts[0].pathway: is required on mechanism facts"]


@pytest.mark.parametrize(("line", "expected"), [
    ("    doi: 10.1000/x\n", None),
    ("    doi: https://doi.org/10.1000/x\n", None),
    ("    doi: 11.1000/x\n", "7: sources.s2020.doi: '11.1000/x' is not a DOI"),
    ("    doi: 10.1000/x y\n", "7: sources.s2020.doi: '10.1000/x y' is not a DOI"),
    ("    pmid: abc\n", "7: sources.s2020.pmid: 'abc' is not a PubMed id (digits)"),
])
def test_source_identifiers(tmp_path: Path, line: str, expected: str | None) -> None:
    text = HEAD.replace("    doi: 10.1000/x\n", line)
    found = problems_of(tmp_path, text)
    if expected is None:
        assert found == []
    else:
        assert any(p.startswith(expected) for p in found), found


def test_source_needs_an_identifier(tmp_path: Path) -> None:
    found = problems_of(tmp_path, HEAD.replace("    doi: 10.1000/x\n", ""))
    assert found == ["3: sources.s2020: needs a doi, pmid or url"]


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = HEAD + "    n: -1\n    scale: yes\n    grade: great\n"
    assert len(problems_of(tmp_path, text)) == 3


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "- a\n- b\n") == [
        "1: : is a list; a fact file is a mapping with substances, sources and/or facts"]


def test_json_schema_accepts_every_bundled_file() -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bundled = Path(__file__).parent.parent / "facts"
    for path in sorted(bundled.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data = json.loads(json.dumps(data, default=str))  # dates as the text they were
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], (path.name, errors[:3])


def test_json_schema_rejects_an_unknown_field() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    bad = {"facts": [{"id": "x", "colour": "red"}]}
    assert not validator.is_valid(bad)


Write = Callable[[dict[str, str]], Path]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("n", 10**9, "1000000000 is greater than the maximum of 999999999"),
    ("estimate", 1.5e9, "1500000000.0 is greater than the maximum of 1000000000.0"),
    ("estimate", -1e10, "-10000000000.0 is less than the minimum of -1000000000.0"),
    ("ci", [-1.7e308, 1], "-1.7e+308 is less than the minimum of -1000000000.0"),
])
def test_json_schema_bounds_numbers_as_validation_does(field: str, value: object,
                                                       message: str) -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    fact: dict[str, object] = {
        "id": "x", "substance": "x", "category": "efficacy", "claim": "c", "design": "rct",
        "source": "s", "locator": "l", "checked": "2026-01-01", "outcome": "response",
        "value": {"unit": "mg", "estimate": 1},
        "read": {"url": "https://example.org/page", "kind": "pubmed"}}
    assert [e.message for e in validator.iter_errors({"facts": [fact]})] == []
    if field == "n":
        fact["n"] = value
    else:
        fact["value"] = {"unit": "mg", "estimate": 1, field: value}
    assert [e.message for e in validator.iter_errors({"facts": [fact]})] == [message]
