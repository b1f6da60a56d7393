"""`list` and `side-effects` at 60 columns: stacked, wrapped at words, nothing cut; no padding
at line ends when piped; each colour means one thing."""

from __future__ import annotations

import re

from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.loader import load_knowledge_base

from .conftest import FIXTURE_KB, Run
from .test_console_script import run_script


def _words_whole(text: str, source_words: set[str]) -> None:
    assert "…" not in text
    shown = set(re.findall(r"\S+", text))
    assert source_words <= shown, sorted(source_words - shown)[:5]


def test_list_at_60_columns_wraps_at_words(run: Run) -> None:
    result = run("list", env={"COLUMNS": "60"})
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 60
    assert "Ketamine" in lines and "  targets: NMDA receptor" in lines
    words = set("NMDA receptor antagonist (arylcyclohexylamine)".split())
    _words_whole(result.stdout, words)
    kb, _ = load_knowledge_base()
    counts = kb.counts("ketamine")
    shown = "  " + "  ".join(f"{c[:3]} {counts[c]}" for c in voc.CATEGORIES)
    assert f"{shown}  all {sum(counts.values())}" in lines


def test_side_effects_at_60_columns_keep_event_names_whole(run: Run) -> None:
    result = run("side-effects", "ketamine", "esketamine", env={"COLUMNS": "60"})
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 60
    assert "lower urinary tract symptoms · Ketamine" in lines
    assert "…" not in result.stdout


def test_piped_views_carry_no_trailing_spaces() -> None:
    for args in (["list"], ["side-effects", "ketamine"], ["compare", "ketamine", "psilocybin"],
                 ["show", "ketamine"]):
        out = run_script(*args).stdout
        assert out and not [line for line in out.splitlines() if line != line.rstrip()], args


def test_comparator_figures_are_not_in_the_drugs_colour() -> None:
    from evsum.facts.loader import load_knowledge_base
    from evsum.render.terminal_layout import COMPARATOR_STYLE, DRUG_STYLE
    from evsum.render.terminal_lists import incidence_cell

    kb: KnowledgeBase = load_knowledge_base([FIXTURE_KB], include_bundled=False)[0]

    fact = next(f for f in kb.facts if f.comparator and f.comparator.value is not None
                and f.value and f.value.unit == "%")
    text = incidence_cell(fact)
    assert text.style == ""
    second = text.plain.index("\n") + 1
    styles = {str(span.style) for span in text.spans if span.end > second}
    assert DRUG_STYLE not in styles and COMPARATOR_STYLE in styles
