"""Facts from outside the bundled set: recorded, warned about, marked, kept out of headlines."""

from __future__ import annotations

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
"""


@pytest.fixture
def own(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
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
    # the same file read through its parent folder: the parse is cached, the origin is not
    other, _ = load_knowledge_base([own.parent], cache=cache)
    fact = other.fact("ketamine.own.dose")
    assert fact is not None and fact.where.origin == str(own.parent)


def test_validate_warns_when_an_outside_fact_rests_on_bundled_entries(own: Path) -> None:
    result = run_script("--facts-dir", str(own), "validate", str(own))
    assert result.returncode == 0
    assert result.stdout == ""
    warning, status = result.stderr.splitlines()
    assert warning == (f"{own}/pilot.yaml:2: warning: fact ketamine.own.dose cites bundled "
                       "source anand2023 and attaches to bundled substance ketamine")
    assert status.startswith("ok: 1 file(s), ")


def test_validate_json_lists_the_warnings(run: Run, own: Path) -> None:
    result = run("--facts-dir", str(own), "validate", "--json")
    assert result.code == 0
    assert json.loads(result.stdout)["warnings"] == [{
        "file": f"{own}/pilot.yaml", "line": 2,
        "message": "fact ketamine.own.dose cites bundled source anand2023 and attaches to "
                   "bundled substance ketamine"}]


def test_loading_warns_on_stderr_and_keeps_the_exit_code(own: Path, tmp_path: Path) -> None:
    result = run_script("--facts-dir", str(own), "show", "ketamine", "-c", "dosing",
                        env={"EVSUM_CACHE_DIR": str(tmp_path / "cache")})
    assert result.returncode == 0
    assert result.stderr == (f"{own}/pilot.yaml:2: warning: fact ketamine.own.dose cites "
                             "bundled source anand2023 and attaches to bundled substance "
                             "ketamine\n")


def test_an_outside_fact_heads_the_clinical_dose_only_with_prefer_own(run: Run,
                                                                       own: Path) -> None:
    def dose(*options: str) -> list[str]:
        result = run(*options, "--facts-dir", str(own), "compare", "ketamine", "psilocybin",
                     "-c", "dosing", "--json")
        data = json.loads(result.stdout)
        row = next(r for r in data["profile"] if r["row"] == "clinical dose")
        return row["cells"][0]["facts"]

    assert dose() == ["ketamine.anand2023.clinical-dose"]
    assert dose("--prefer-own") == ["ketamine.own.dose"]
