"""Every command and option through the CLI, on the small fixture knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evsum import __version__
from evsum.errors import EXIT_INVALID_FACTS, EXIT_OK, EXIT_OUTPUT, EXIT_USAGE
from evsum.facts.loader import display_path

from .conftest import FIXTURE_KB, Run


def test_version(run: Run) -> None:
    result = run("--version")
    assert (result.code, result.stdout, result.stderr) == (EXIT_OK, f"evsum {__version__}\n", "")


def test_no_arguments_shows_help(run: Run) -> None:
    result = run()
    assert "compare" in result.stdout + result.stderr
    assert "side-effects" in result.stdout + result.stderr


def test_typer_is_given_only_the_command_that_runs(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    from evsum.cli import app, command_name, main, only_the_command_run

    every = list(app.registered_commands)
    assert len(every) >= 12
    assert [command_name(c) for c in only_the_command_run(
        ["--no-bundled", "--facts-dir", "compare", "compare", "a", "b"])] == ["compare"]
    assert [command_name(c) for c in only_the_command_run(["side-effects", "x"])] == [
        "side-effects"]
    assert only_the_command_run(["shwo", "x"]) == every  # for "did you mean 'show'"
    assert only_the_command_run(["--no-color"]) == every  # the overview lists them all
    monkeypatch.setattr(sys, "argv", ["evsum", "--no-bundled", "--facts-dir",
                                      str(FIXTURE_KB), "list"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code in (None, EXIT_OK) and "Alphamine" in capsys.readouterr().out
    assert app.registered_commands == every  # whole again for the next caller


def test_list_counts_facts_per_category(fixture_run: Run) -> None:
    result = fixture_run("list", "--json")
    assert result.code == EXIT_OK
    data = json.loads(result.stdout)
    counts = {s["id"]: s["fact_counts"] for s in data["substances"]}
    assert counts["alpha"]["efficacy"] == 1
    assert counts["alpha"]["safety"] == 1
    assert counts["alpha"]["mechanism"] == 1
    assert counts["beta"]["safety"] == 2
    assert [s["total"] for s in data["substances"]] == [3, 4]


def test_list_terminal_shows_names_and_status(fixture_run: Run) -> None:
    result = fixture_run("list")
    assert result.code == EXIT_OK
    assert "Alphamine" in result.stdout
    assert "Approved <b>somewhere</b> & elsewhere." in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no escape codes


def test_show_groups_by_category_and_marks_uncurated(fixture_run: Run) -> None:
    result = fixture_run("show", "alpha", "--all")
    assert result.code == EXIT_OK
    out = result.stdout
    assert out.index("EFFICACY (1)") < out.index("SAFETY (1)") < out.index("MECHANISM (1)")
    assert "DOSING (0)\n  not curated" in out
    assert "50% (95% CI 30% to 70%) on 0.5 mg/kg IV once vs 10% on placebo" in out
    assert "[red]not markup[/red]" in out  # fact text printed as it is, not as markup
    assert ":smile:" in out


@pytest.mark.parametrize("name", ["ALPHAZINE", "(s)-ALPHA", "s alpha", "Álfa", "alphamine"])
def test_names_resolve_case_insensitively_through_aliases(fixture_run: Run, name: str) -> None:
    result = fixture_run("show", name, "--json", "--all")
    assert result.code == EXIT_OK
    assert json.loads(result.stdout)["substance"]["id"] == "alpha"


def test_unknown_name_suggests_and_exits_with_usage(fixture_run: Run) -> None:
    result = fixture_run("show", "alphamin")
    assert result.code == EXIT_USAGE
    assert result.stdout == ""
    assert result.stderr == "evsum: unknown substance 'alphamin'; did you mean Alphamine?\n"


def test_show_json_carries_facts_and_sources(fixture_run: Run) -> None:
    data = json.loads(fixture_run("show", "alpha", "--json", "--all").stdout)
    assert data["evsum_json"] == 2
    assert data["kind"] == "show"
    fact = next(f for f in data["facts"] if f["id"] == "alpha.smith2020.response-24h")
    assert fact["value"] == {"estimate": 50, "unit": "%", "ci95": [30, 70], "range": None,
                             "p": None, "p_relation": None, "p_bound": None, "events": None,
                             "total": None}
    assert fact["comparator"] == {"name": "placebo", "kind": "placebo", "value": 10, "n": 20,
                                  "events": None, "total": None}
    assert (fact["arm"], fact["analysis"], fact["contrast"]) == (
        "0.5 mg/kg IV once", "primary", "per-arm")
    assert fact["read"] == {"url": "https://example.org/page", "kind": "pubmed",
                            "provenance": "primary", "note": None}
    assert data["sources"]["smith2020"]["link"] == "https://doi.org/10.1000/test.2020.1"


@pytest.mark.parametrize(("args", "ids"), [
    (["--category", "safety"], ["alpha.smith2020.nausea"]),
    (["-c", "eff"], ["alpha.smith2020.response-24h"]),
    (["--min-evidence", "rct"], ["alpha.smith2020.response-24h", "alpha.smith2020.nausea"]),
    (["--population", "rodents"], ["alpha.smith2020.mechanism"]),
    (["--clinical"], ["alpha.smith2020.response-24h", "alpha.smith2020.nausea"]),
    (["--since", "2021"], []),
])
def test_show_filters(fixture_run: Run, args: list[str], ids: list[str]) -> None:
    data = json.loads(fixture_run("show", "alpha", "--json", "--all", *args).stdout)
    assert [f["id"] for f in data["facts"]] == ids


@pytest.mark.parametrize(("args", "message"), [
    (["--category", "wizardry"], "unknown category 'wizardry'"),
    (["--min-evidence", "hearsay"], "unknown evidence level 'hearsay'"),
    (["--population", "martians"], "unknown population 'martians'"),
    (["--since", "20"], "--since takes a year, not 20"),
])
def test_bad_filter_values_are_usage_errors(fixture_run: Run, args: list[str],
                                            message: str) -> None:
    result = fixture_run("show", "alpha", "--all", *args)
    assert result.code == EXIT_USAGE
    assert message in result.stderr


def test_compare_aligns_and_marks_differing_settings(fixture_run: Run) -> None:
    data = json.loads(fixture_run("compare", "alpha", "beta", "--json", "--all").stdout)
    efficacy = next(s for s in data["sections"] if s["category"] == "efficacy")
    row = efficacy["rows"][0]
    assert row["key"] == "response"
    assert row["aligned"] is False
    assert [c["facts"] for c in row["cells"]] == [["alpha.smith2020.response-24h"],
                                                  ["beta.doe2022.response-3wk"]]
    assert [c["differs"] for c in row["cells"]] == [False, True]
    harms = next(s for s in data["sections"] if s["category"] == "safety")
    headache = next(r for r in harms["rows"] if r["key"] == "headache")
    assert headache["cells"][0]["state"] == "not-curated"
    assert data["references"][0]["key"] == "smith2020"


def test_compare_mechanism_shows_shared_nodes(fixture_run: Run) -> None:
    data = json.loads(fixture_run("compare", "alpha", "beta", "--json", "--all").stdout)
    nodes = {m["node"]: m for m in data["mechanism"]}
    assert nodes["bdnf"]["shared"] is True
    assert nodes["nmda-receptor"]["shared"] is False
    assert nodes["nmda-receptor"]["cells"][0]["primary_target"] is True
    assert nodes["nmda-receptor"]["cells"][1] is None


def test_compare_terminal_distinguishes_not_curated_from_none_reported(fixture_run: Run) -> None:
    out = fixture_run("compare", "alpha", "beta", "--all").stdout
    assert "not curated" in out
    assert "0% (none reported)" in out


def test_compare_needs_two_substances(fixture_run: Run) -> None:
    result = fixture_run("compare", "alpha", "Alphazine")
    assert result.code == EXIT_USAGE
    assert "at least two different substances" in result.stderr


def test_side_effects_sorted_and_filtered(fixture_run: Run) -> None:
    data = json.loads(fixture_run("side-effects", "alpha", "beta", "--json").stdout)
    assert [r["id"] for r in data["rows"]] == [
        "alpha.smith2020.nausea", "beta.doe2022.headache", "beta.doe2022.nausea"]
    assert data["rows"][0]["excess"] == 25
    data = json.loads(fixture_run("side-effects", "alpha", "beta", "--json",
                                  "--min-incidence", "26").stdout)
    assert [r["id"] for r in data["rows"]] == ["alpha.smith2020.nausea"]
    data = json.loads(fixture_run("side-effects", "alpha", "beta", "--json",
                                  "--sort", "event").stdout)
    assert [r["adverse_event"] for r in data["rows"]] == ["headache", "nausea", "nausea"]


def test_side_effects_terminal_has_bars(fixture_run: Run) -> None:
    out = fixture_run("side-effects", "alpha").stdout
    lines = out.splitlines()
    drug = next(line for line in lines if "30%" in line)
    comparator = next(line for line in lines if "5% placebo" in line)
    assert "███ " in drug and "████" not in drug  # 30% of a ten-cell bar
    assert "▌" in comparator and "█" not in comparator  # 5%: half a cell
    assert "+25" in drug


def test_side_effects_rejects_bad_sort(fixture_run: Run) -> None:
    result = fixture_run("side-effects", "alpha", "--sort", "colour")
    assert result.code == EXIT_USAGE
    assert "--sort takes one of: incidence, excess, event, substance" in result.stderr


def test_export_writes_markdown_and_refuses_to_overwrite(fixture_run: Run,
                                                         tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    result = fixture_run("export", "alpha", "beta", "--all", "-o", str(target))
    assert (result.code, result.stdout) == (EXIT_OK, "")
    assert result.stderr == f"wrote {target}\n"
    first = target.read_text(encoding="utf-8")
    assert first.startswith("# Alphamine vs Betacybin\n")
    target.write_text("keep me", encoding="utf-8")
    result = fixture_run("export", "alpha", "beta", "--all", "-o", str(target))
    assert result.code == EXIT_OUTPUT
    assert result.stderr == f"evsum: {target} exists; use --force to overwrite it\n"
    assert target.read_text(encoding="utf-8") == "keep me"
    assert fixture_run("export", "alpha", "beta", "--all", "-o", str(target),
                       "--force").code == EXIT_OK
    assert target.read_text(encoding="utf-8") == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.md"]  # no temporary left


def test_export_json_to_stdout(fixture_run: Run) -> None:
    result = fixture_run("export", "alpha", "--all", "-o", "-", "--format", "json")
    assert json.loads(result.stdout)["kind"] == "show"


def test_export_into_missing_folder_is_an_output_error(fixture_run: Run, tmp_path: Path) -> None:
    result = fixture_run("export", "alpha", "-o", str(tmp_path / "no" / "such.md"))
    assert result.code == EXIT_OUTPUT
    assert "does not exist" in result.stderr


def test_validate_reports_ok_on_stderr(fixture_run: Run) -> None:
    result = fixture_run("validate")
    assert (result.code, result.stdout) == (EXIT_OK, "")
    assert result.stderr == "ok: 1 file(s), 2 substance(s), 2 source(s), 7 valid fact(s)\n"


def test_validate_json(run: Run) -> None:
    path = FIXTURE_KB.parent / "invalid" / "percent-over-100.yaml"
    result = run("validate", "--json", str(path))
    data = json.loads(result.stdout)
    assert result.code == EXIT_INVALID_FACTS
    assert data["ok"] is False
    assert data["problems"][0]["field"] == "facts[0].value.estimate"
    assert data["problems"][0]["line"] == 19


def test_validate_missing_path(run: Run, tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "nope"))
    assert result.code == EXIT_INVALID_FACTS
    assert result.stdout == f"{display_path(tmp_path / 'nope')}: does not exist\n"


def test_schema_is_json_schema(run: Run) -> None:
    data = json.loads(run("schema").stdout)
    assert data["$schema"].endswith("2020-12/schema")
    assert "facts" in data["properties"]


def test_facts_path_environment_adds_folders(run: Run) -> None:
    result = run("--no-bundled", "list", "--json", env={"EVSUM_FACTS_PATH": str(FIXTURE_KB)})
    assert [s["id"] for s in json.loads(result.stdout)["substances"]] == ["alpha", "beta"]


def test_facts_dir_adds_to_bundled(run: Run) -> None:
    data = json.loads(run("--facts-dir", str(FIXTURE_KB), "list", "--json").stdout)
    ids = [s["id"] for s in data["substances"]]
    assert "ketamine" in ids and "alpha" in ids


def test_unknown_option_is_a_usage_error(run: Run) -> None:
    result = run("list", "--colour")
    assert result.code == EXIT_USAGE
    assert "No such option" in result.stderr


def test_filtered_out_is_not_called_not_curated(fixture_run: Run) -> None:
    show = fixture_run("show", "alpha", "--all", "--category", "safety").stdout
    assert "EFFICACY (0)\n  1 fact(s) left out by the filters" in show
    assert "DOSING (0)\n  not curated" in show
    data = json.loads(fixture_run("show", "alpha", "--all", "--since", "2021", "--json").stdout)
    assert data["hidden_by_filters"]["efficacy"] == 1
    compare = json.loads(fixture_run("compare", "alpha", "beta", "--all", "--population", "trd",
                                     "--json").stdout)
    harms = next(s for s in compare["sections"] if s["category"] == "safety")
    nausea = next(r for r in harms["rows"] if r["key"] == "nausea")
    assert [c["state"] for c in nausea["cells"]] == ["fact", "filtered-out"]
    terminal = fixture_run("compare", "alpha", "beta", "--all", "--population", "trd").stdout
    assert "filtered out" in terminal


def test_control_characters_in_folder_names_are_shown_as_escapes(run: Run,
                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "a\x1b[31mb"
    folder.mkdir()
    (folder / "f.yaml").write_text((FIXTURE_KB / "fixture.yaml").read_text(encoding="utf-8"),
                                   encoding="utf-8")
    result = run("--no-bundled", "--facts-dir", str(tmp_path), "why", "alpha.smith2020.nausea")
    assert "\x1b" not in result.stdout
    assert "a\\u001b[31mb" in result.stdout
