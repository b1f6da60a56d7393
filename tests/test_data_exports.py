"""Data for analysts: the SQLite export read by sqlite3 (and pandas where installed), JSON with
one shape per record kind, and the options that reach these exports."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from evsum.errors import EXIT_OK, EXIT_USAGE

from .conftest import FIXTURE_KB, Run
from .test_console_script import run_script


@contextlib.contextmanager
def _export_db(run: Run, tmp_path: Path, *args: str) -> Iterator[sqlite3.Connection]:
    path = tmp_path / "kb.db"
    result = run("export", "--format", "sqlite", "-o", str(path), *args)
    assert result.code == EXIT_OK, result
    assert result.stderr == f"wrote {path}\n"
    with contextlib.closing(sqlite3.connect(path)) as db:  # 3.13 warns of an unclosed one
        yield db


def test_sqlite_export_has_keyed_typed_tables(run: Run, tmp_path: Path) -> None:
    with _export_db(run, tmp_path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {"meta", "substances", "substance_aliases", "substance_targets",
                          "substance_routes", "sources", "source_authors", "facts", "fact_tags",
                          "fact_pathway", "fact_disputes", "claims", "claim_facts"}
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        columns = {r[1]: (r[2], r[5]) for r in db.execute("PRAGMA table_info(facts)")}
        assert columns["id"] == ("TEXT", 1)  # the primary key
        assert columns["estimate"][0] == columns["ci_low"][0] == columns["p_bound"][0] == "REAL"
        assert columns["n"][0] == columns["comparator_n"][0] == "INTEGER"
        assert columns["events"][0] == columns["comparator_total"][0] == "INTEGER"
        assert columns["margin"][0] == "REAL"
        assert {"arm", "analysis", "contrast", "comparator_kind", "read_url", "read_kind",
                "provenance", "favours"} <= set(columns)
        (claims,) = db.execute("SELECT count(*) FROM claims WHERE verdict != ''").fetchone()
        assert claims >= 8  # the framing review's argument, each claim with its verdict
        (elektd,) = db.execute("SELECT hypothesis || ' ' || margin FROM facts WHERE id = "
                               "'ketamine.anand2023.response-vs-ect'").fetchone()
        assert elektd == "noninferiority -10.0"
        foreign = {(r[3], r[2], r[4]) for r in db.execute("PRAGMA foreign_key_list(facts)")}
        assert foreign == {("substance_id", "substances", "id"), ("source_key", "sources", "key")}
        (count,) = db.execute("SELECT count(*) FROM substances").fetchone()
        assert count == 9


def test_sqlite_export_joins_facts_to_sources_and_names(run: Run, tmp_path: Path) -> None:
    with _export_db(run, tmp_path, "ketamine") as db:
        row = db.execute(
            "SELECT f.estimate, f.unit, f.timepoint_hours, typeof(f.estimate), s.year, s.doi "
            "FROM facts f JOIN sources s ON s.key = f.source_key "
            "WHERE f.id = 'ketamine.newport2015.response-24h'").fetchone()
        assert row == (9.87, "OR", 24.0, "real", 2015, "10.1176/appi.ajp.2015.15040465")
        names = db.execute("SELECT family, initials, suffix, literal, et_al FROM source_authors "
                           "WHERE source_key = 'kishimoto2016' ORDER BY position").fetchall()
        assert names[3] == ("Zarate", "CA", "Jr", None, 0)
        corporate = db.execute("SELECT family, literal FROM source_authors "
                               "WHERE source_key = 'pfizerketaminelabel'").fetchall()
        assert corporate == [(None, "Pfizer Inc. (Hospira)")]
        assert {r[0] for r in db.execute("SELECT DISTINCT substance_id FROM facts")} == {"ketamine"}


def test_sqlite_reads_into_pandas(run: Run, tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    with _export_db(run, tmp_path) as db:
        frame = pandas.read_sql("SELECT * FROM facts", db)
        assert frame["estimate"].dtype.kind == "f" and len(frame) > 100


def test_sqlite_refuses_standard_output(run: Run) -> None:
    result = run("export", "--format", "sqlite", "-o", "-")
    assert result.code == EXIT_USAGE
    assert "binary file; name it with -o FILE" in result.stderr


def test_json_p_values_are_typed(run: Run) -> None:
    data = json.loads(run("show", "ketamine", "--json").stdout)
    values = [f["value"] for f in data["facts"] if f["value"] and f["value"]["p"]]
    assert values
    for value in values:
        relation = {"<": "<", "≤": "<=", ">": ">", "≥": ">="}.get(value["p"][0], "=")
        assert value["p_relation"] == relation
        assert isinstance(value["p_bound"], float)
        assert value["p"].lstrip("<>=≤≥").startswith(str(value["p_bound"]).split("e")[0][:3]) \
            or float(value["p"].lstrip("<>=≤≥")) == value["p_bound"]


def test_compare_json_lists_facts_like_every_view(run: Run) -> None:
    data = json.loads(run("compare", "ketamine", "psilocybin", "--all", "--json").stdout)
    assert isinstance(data["facts"], list) and all("id" in f for f in data["facts"])
    cited = {fid for s in data["sections"] for r in s["rows"] for c in r["cells"]
             for fid in c["facts"]}
    assert cited <= {f["id"] for f in data["facts"]}
    assert set(data["sources"]) == {s["key"] for s in data["references"]}


def test_every_json_output_validates_against_the_published_schema(run: Run, tmp_path: Path
                                                                   ) -> None:
    schema = json.loads(run("schema", "--json-output").stdout)
    outputs = [run(*args, "--json").stdout for args in (
        ["list"], ["show", "ketamine"], ["show", "ketamine", "--all"],
        ["compare", "ketamine", "psilocybin"], ["compare", "ketamine", "psilocybin", "--all"],
        ["side-effects", "ketamine"], ["search", "bdnf"], ["gaps"], ["thesis"],
        ["why", "ketamine.newport2015.response-24h"], ["validate"])]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.yaml").write_text("sources:\n  a2020: {type: article}\n", encoding="utf-8")
    outputs.append(run("validate", str(bad), "--json").stdout)
    outputs.append(run("--no-bundled", "--facts-dir", str(FIXTURE_KB), "export", "alpha", "beta",
                       "--view", "show", "-f", "json", "-o", "-").stdout)
    for text in outputs:
        jsonschema.validate(json.loads(text), schema)
    assert json.loads(outputs[-2])["problems"][0]["line"] == 2


def test_export_terminal_writes_a_text_file(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    assert run("export", "ketamine", "--all", "-f", "terminal", "-o", str(target)).code == EXIT_OK
    text = target.read_text(encoding="utf-8")
    assert text.startswith("Ketamine") and "\x1b[" not in text


def test_global_options_are_accepted_after_the_command() -> None:
    result = run_script("search", "bdnf", "--no-color", "--no-bundled", "--facts-dir",
                        str(FIXTURE_KB))
    assert result.returncode == EXIT_OK, result.stderr
    assert "Alphamine" in result.stdout and "Ketamine" not in result.stdout
    assert "\x1b[" not in result.stdout
    literal = run_script("search", "--", "--no-color")  # after '--' it is the text sought
    assert literal.returncode == EXIT_OK
    assert "fact(s) match --no-color" in literal.stdout  # sought as text, not an option
