"""Facts from outside the bundled set: recorded, warned about, marked, kept out of headlines."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from evsum.facts.loader import load_knowledge_base

from .conftest import Run
from .test_console_script import run_script

# A stranger's file: ketamine's clinical dose "from a meta-analysis", citing a bundled paper.
PILOT = """\
facts:
  - id: ketamine.own.dose
    substance: ketamine
    category: dosing
    claim: Five milligrams per kilogram.
    outcome: clinical-dose
    value: {estimate: 5, unit: mg/kg}
    design: meta-analysis
    source: anand2023
    locator: Table 1
    checked: 2026-01-01
    read: {url: "https://example.org/page", kind: publisher}
  - id: ketamine.own.remission
    substance: ketamine
    category: efficacy
    claim: Remission in a third.
    outcome: remission
    population: ptsd
    timepoint: 5 wk
    value: {estimate: 33, unit: "%"}
    design: open-label
    source: own2025
    locator: Table 2
    checked: 2026-01-01
    read: {url: "https://example.org/page", kind: publisher}
    analysis: primary
    contrast: per-arm
    arm: 0.5 mg/kg IV once
sources:
  own2025:
    type: article
    authors: Else S
    title: A pilot nobody curated
    year: 2025
    doi: 10.9999/own.1
"""
REMISSION = ("compare", "ketamine", "psilocybin", "--all", "-c", "efficacy", "-p", "ptsd")


@pytest.fixture
def own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stranger's folder, 'mine', in the working folder (so it is shown as 'mine')."""
    monkeypatch.chdir(tmp_path)
    folder = Path("mine")
    folder.mkdir()
    (folder / "pilot.yaml").write_text(PILOT, encoding="utf-8")
    return folder


def test_loader_records_the_folder_of_each_fact_and_none_for_bundled(own: Path) -> None:
    kb, problems = load_knowledge_base([own])
    assert problems == []
    mine = kb.fact("ketamine.own.dose")
    assert mine is not None and mine.where.origin == str(own) and not mine.where.bundled
    curated = kb.fact("ketamine.anand2023.clinical-dose")
    assert curated is not None and curated.where.origin is None and curated.where.bundled
    assert kb.sources["anand2023"].where.bundled
    assert kb.substances["ketamine"].where.bundled


def test_origin_survives_the_cache_and_follows_the_root(own: Path, tmp_path: Path) -> None:
    from evsum.facts.cache import Cache

    cache = Cache(tmp_path / "cache")
    load_knowledge_base([own], cache=cache)
    warm, _ = load_knowledge_base([own], cache=cache)
    fact = warm.fact("ketamine.own.dose")
    assert fact is not None and fact.where.origin == str(own)
    # the same file read through another root: the parse is cached, the origin is not
    other, _ = load_knowledge_base([Path(".")], cache=cache)
    fact = other.fact("ketamine.own.dose")
    assert fact is not None and fact.where.origin == str(Path.cwd())


WARNINGS = ["{own}/pilot.yaml:2: warning: fact ketamine.own.dose cites bundled source anand2023 "
            "and attaches to bundled substance ketamine",
            "{own}/pilot.yaml:13: warning: fact ketamine.own.remission attaches to bundled "
            "substance ketamine"]


def test_validate_warns_when_an_outside_fact_rests_on_bundled_entries(own: Path) -> None:
    result = run_script("--facts-dir", str(own), "validate", str(own))
    assert result.returncode == 0
    assert result.stdout == ""
    *warnings, status = result.stderr.splitlines()
    assert warnings == [w.format(own=own) for w in WARNINGS]
    assert status.startswith("ok: 1 file(s), ")


def test_validate_json_lists_the_warnings(run: Run, own: Path) -> None:
    result = run("--facts-dir", str(own), "validate", "--json")
    assert result.code == 0
    assert json.loads(result.stdout)["warnings"] == [
        {"file": f"{own}/pilot.yaml", "line": 2, "message": "fact ketamine.own.dose cites "
         "bundled source anand2023 and attaches to bundled substance ketamine"},
        {"file": f"{own}/pilot.yaml", "line": 13, "message": "fact ketamine.own.remission "
         "attaches to bundled substance ketamine"}]


def test_loading_warns_on_stderr_and_keeps_the_exit_code(own: Path, tmp_path: Path) -> None:
    for run in ("cold", "warm"):  # the same warnings from the cache
        result = run_script("--facts-dir", str(own), "show", "ketamine", "-c", "dosing",
                            env={"EVSUM_CACHE_DIR": str(tmp_path / "cache")})
        assert result.returncode == 0, run
        assert result.stderr.splitlines() == [w.format(own=own) for w in WARNINGS], run


def test_loading_warns_only_about_the_substances_a_command_reads(run: Run, own: Path) -> None:
    assert run("--facts-dir", str(own), "show", "psilocybin").stderr == ""
    assert run("--facts-dir", str(own), "list").stderr == ""


def test_an_outside_fact_heads_the_clinical_dose_only_with_prefer_own(run: Run,
                                                                       own: Path) -> None:
    def dose(*options: str) -> list[str]:
        result = run(*options, "--facts-dir", str(own), "compare", "ketamine", "psilocybin",
                     "--all", "-c", "dosing", "--json")
        data = json.loads(result.stdout)
        row = next(r for r in data["profile"] if r["row"] == "clinical dose")
        return row["cells"][0]["facts"]

    assert dose() == ["ketamine.anand2023.clinical-dose"]
    assert dose("--prefer-own") == ["ketamine.own.dose"]


def test_the_summary_keeps_outside_facts_out_of_headlines_unless_preferred(
        run: Run, own: Path) -> None:
    def dose(*options: str) -> str:
        result = run(*options, "--facts-dir", str(own), "compare", "ketamine", "psilocybin",
                     "-c", "dosing", "--json")
        data = json.loads(result.stdout)
        return str(data["profile"][0]["cells"][0]["headline"])

    assert dose() == "ketamine.anand2023.clinical-dose"
    assert dose("--prefer-own") == "ketamine.own.dose"
    preferred = run("--no-color", "--prefer-own", "--facts-dir", str(own), "show", "ketamine",
                    "-c", "dosing").stdout
    assert "meta-analysis [1] [own] +1" in preferred


def test_terminal_marks_outside_facts_and_names_their_folder(run: Run, own: Path) -> None:
    result = run("--no-color", "--facts-dir", str(own), *REMISSION)
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert lines[1] == f"[own] not from evsum's bundled facts: read from {own}"
    cell = next(i for i, line in enumerate(lines) if line.startswith("  remission"))
    assert lines[cell + 2].split() == ["open-label", "[1]", "[own]"]
    references = " ".join(result.stdout.split("REFERENCES")[1].split())
    assert references == (f"[1] Else 2025. A pilot nobody curated. "
                          f"https://doi.org/10.9999/own.1 [own: {own}]")


def test_terminal_fact_blocks_carry_the_mark(run: Run, own: Path) -> None:
    result = run("--no-color", "--facts-dir", str(own), "show", "ketamine", "--all", "-c",
                 "efficacy", "-p", "ptsd")
    assert "  remission  PTSD, 5 wk  open-label  Else 2025 [own]" in result.stdout.splitlines()
    dosing = run("--no-color", "--facts-dir", str(own), "show", "ketamine", "--all", "-c",
                 "dosing")
    assert [line.rstrip() for line in dosing.stdout.splitlines() if "[own]" in line] == [
        "[own] not from evsum's bundled facts: read from mine",
        "  clinical dose  meta-analysis  Anand 2023 [own]"]  # the bundled five are unmarked


def test_markdown_and_html_mark_cells_and_references(run: Run, own: Path) -> None:
    markdown = run("--facts-dir", str(own), *REMISSION, "-f", "markdown").stdout.splitlines()
    assert markdown[2] == f"**\\[own\\] not from evsum's bundled facts: read from {own}**"
    assert ("| remission (PTSD, 5 wk) | 33% on 0.5 mg/kg IV once (PTSD, 5 wk); open-label "
            "\\[1\\] \\[own\\] | *filtered out* |") in markdown
    assert markdown[-1] == ("1. Else S. A pilot nobody curated. 2025. doi:10.9999/own.1 "
                            "[https:\\//doi\\.org/10.9999/own.1](<https://doi.org/10.9999/own.1>)"
                            f" **\\[own: {own}\\]**")
    html = run("--facts-dir", str(own), *REMISSION, "-f", "html").stdout
    assert ('<td>33% on 0.5 mg/kg IV once (PTSD, 5 wk); open-label <a href="#ref-1">[1]</a> '
            '[own]</td>') in html
    assert f"<strong>[own: {own}]</strong></li></ol>" in html


def test_json_and_csv_say_bundled_or_not_on_every_entry(run: Run, own: Path) -> None:
    data = json.loads(run("--facts-dir", str(own), *REMISSION, "--json").stdout)
    fact = next(f for f in data["facts"] if f["id"] == "ketamine.own.remission")
    assert (fact["bundled"], fact["origin"]) == (False, str(own))
    assert [(r["key"], r["bundled"], r["origin"]) for r in data["references"]] == [
        ("own2025", False, str(own))]
    assert [(s["id"], s["bundled"], s["origin"]) for s in data["substances"]] == [
        ("ketamine", True, None), ("psilocybin", True, None)]
    rows = list(csv.DictReader(io.StringIO(
        run("--facts-dir", str(own), *REMISSION, "-f", "csv").stdout)))
    assert [(r["fact_id"], r["bundled"], r["origin"]) for r in rows] == [
        ("ketamine.own.remission", "False", str(own))]


def test_nothing_is_marked_when_no_bundled_fact_is_read(fixture_run: Run) -> None:
    result = fixture_run("--no-color", "compare", "alpha", "beta")
    assert "[own]" not in result.stdout
    data = json.loads(fixture_run("show", "alpha", "--json").stdout)
    assert {f["bundled"] for f in data["facts"]} == {False}
