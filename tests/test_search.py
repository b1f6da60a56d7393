"""Search: the tokenizer, ranking on the bundled facts, compact hits, the index beside the cache."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from evsum import search
from evsum.facts.loader import load_knowledge_base
from evsum.query import Filters
from evsum.views import build_search

from .conftest import DATA, FIXTURE_KB, Run
from .test_console_script import run_script

CASES: list[dict[str, Any]] = yaml.safe_load(
    (DATA / "search-relevance.yaml").read_text(encoding="utf-8"))


def test_words_are_folded_whole_words() -> None:
    assert search.tokens("ECT vs. the effect; Déjà-vu, 5-HT2A (S)-ketamine") == [
        "ect", "vs", "the", "effect", "deja", "vu", "5", "ht2a", "s", "ketamine"]
    assert search.tokens("ÆSTHETIC Straße") == ["æsthetic", "strasse"]


def test_query_matches_words_and_prefixes_never_inside_a_word() -> None:
    kb, _ = load_knowledge_base()
    query = search.parse_query("ECT dissociat", kb)
    assert query.match == '("ect" OR "ect"*) OR ("dissociat" OR "dissociat"*)'
    spans = search.word_spans("ECT beat the effect; dissociative, DISSOCIATION", query.terms)
    text = "ECT beat the effect; dissociative, DISSOCIATION"
    assert [text[a:b] for a, b in spans] == ["ECT", "dissociative", "DISSOCIATION"]


def test_aliases_and_phrases_in_a_query() -> None:
    kb, _ = load_knowledge_base()
    assert search.parse_query("Spravato", kb).match == '("spravato" OR "esketamine")'
    assert search.parse_query("magic mushrooms", kb).match == (
        '("magic mushrooms" OR "psilocybin")')
    assert search.parse_query('"open-label" ab', kb).match == '"open label" OR "ab"'
    with pytest.raises(Exception, match="at least one word"):
        search.parse_query('-- "" ...', kb)


@pytest.mark.parametrize("case", CASES, ids=[c["query"] for c in CASES])
def test_relevance_on_the_bundled_facts(case: dict[str, Any]) -> None:
    kb, _ = load_knowledge_base()
    found = build_search(kb, case["query"], Filters(), limit=0)
    best = found.facts[:case["top"]]
    assert len(best) == case["top"]
    shown = [f.id for f in best]
    if "sources" in case:
        assert all(f.source in case["sources"] for f in best), shown
    if "substance" in case:
        assert all(f.substance == case["substance"] for f in best), shown
    for fact in best if "words" in case else ():
        text = " ".join([fact.claim, fact.outcome or "", fact.adverse_event or ""]).casefold()
        assert any(word in text for word in case["words"]), (fact.id, shown)


def test_ect_never_matches_effect() -> None:
    kb, _ = load_knowledge_base()
    found = build_search(kb, "ECT", Filters(), limit=0)
    assert found.total == len(found.facts) > 0
    for fact in found.facts:
        text = " ".join([fact.id, fact.claim, fact.note or "", fact.comparator.name
                         if fact.comparator else "", kb.sources[fact.source].title])
        assert "ect" in search.tokens(text), fact.id


def test_search_prints_compact_ranked_hits_and_how_many_more(tmp_path: Path) -> None:
    result = run_script("search", "ketamine", "ECT", "--limit", "2", cwd=tmp_path,
                        env={"COLUMNS": "100"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    total = int(lines[0].split()[0])
    assert lines[0] == f"{total} fact(s) match ketamine ECT; the best 2 shown"
    hits = [line for line in lines if re.match(r"  [12]  ketamine\.", line)]
    assert len(hits) == 2
    for hit in hits:  # rank, id, design, source, substance and setting on one line
        assert re.match(r"  \d  ketamine\.(anand2023|ekstrand2022)\.\S+  RCT  "
                        r"(Anand 2023|Ekstrand 2022)  Ketamine, ", hit), hit
    assert lines[-1] == f"{total - 2} more: --limit N shows more, --limit 0 or --all every match"
    assert len(lines) == 8


def test_search_highlights_matches_as_data(run: Run) -> None:
    result = run("--no-bundled", "--facts-dir", str(FIXTURE_KB), "search", "markup",
                 env={"FORCE_COLOR": "1", "COLUMNS": "200"})
    assert result.code == 0, result.stderr
    assert "[red]not \x1b[1;33mmarkup\x1b[0m[/red] & <i>not html</i> :smile:" in result.stdout


def test_search_suggests_a_spelling_when_nothing_matches(run: Run) -> None:
    result = run("search", "dissosiation", "--json")
    data = json.loads(result.stdout)
    assert (data["total"], data["facts"], data["suggestion"]) == (0, [], "dissociation")
    shown = run("search", "dissosiation")
    assert shown.stdout.splitlines()[-2:] == ["no fact matches", "did you mean: dissociation"]


def test_search_takes_the_filters_and_formats_of_every_view(run: Run) -> None:
    data = json.loads(run("search", "ketamine", "ECT", "--category", "safety",
                          "--json").stdout)
    assert {f["category"] for f in data["facts"]} == {"safety"}
    assert data["facts"][0]["source"] == "ekstrand2022"
    assert data["more"] == data["total"] - len(data["facts"])
    csv_lines = run("search", "ECT", "--format", "csv", "--limit", "1").stdout.splitlines()
    assert len(csv_lines) == 2 and csv_lines[1].startswith("ketamine,ketamine.")
    total = json.loads(run("search", "ECT", "--json").stdout)["total"]
    markdown = run("search", "ECT", "--format", "markdown", "--limit", "3").stdout
    assert f"{total} fact(s) match; the best 3 shown, best first." in markdown
    full = run("search", "ECT", "--all").stdout
    assert "more:" not in full
    assert full.count("ketamine.ekstrand2022.") + full.count("ketamine.anand2023.") >= total


def test_index_is_rebuilt_when_a_fact_file_changes(
        run: Run, fact_tree: Callable[[dict[str, str]], Path]) -> None:
    fixture = (FIXTURE_KB / "fixture.yaml").read_text(encoding="utf-8")
    folder = fact_tree({"kb.yaml": fixture})
    args = ["--no-bundled", "--facts-dir", str(folder), "search", "--json"]
    assert json.loads(run(*args, "zebrafish").stdout)["total"] == 0
    time.sleep(0.01)
    (folder / "kb.yaml").write_text(fixture.replace("raises BDNF in rats",
                                                    "raises BDNF in zebrafish"),
                                    encoding="utf-8")
    data = json.loads(run(*args, "zebrafish").stdout)
    assert [f["id"] for f in data["facts"]] == ["alpha.smith2020.mechanism"]
    index_folder = Path(os.environ["XDG_CACHE_HOME"]) / "evsum" / "search"
    assert [p.suffix for p in index_folder.iterdir()] == [".sqlite3"]


@pytest.mark.parametrize("damage", ["garbage", "fifo", "empty"])
def test_a_damaged_index_is_rebuilt(run: Run, damage: str) -> None:
    from evsum import snapshot

    folder = Path(os.environ["XDG_CACHE_HOME"]) / "evsum" / search.INDEX_FOLDER
    folder.mkdir(parents=True, mode=0o700)
    folder.parent.chmod(0o700)
    index = folder / (snapshot.key(search.INDEX_FORMAT, snapshot.roots([], True)) + ".sqlite3")
    if damage == "fifo":
        os.mkfifo(index)
    else:
        index.write_bytes(b"SQLite format 3\x00" + b"\xff" * 600 if damage == "garbage" else b"")
    data = json.loads(run("search", "ECT", "--json", "--limit", "1").stdout)
    assert data["total"] > 0 and data["facts"][0]["source"] in ("anand2023", "ekstrand2022")
    assert index.is_file() and index.stat().st_size > 1000
