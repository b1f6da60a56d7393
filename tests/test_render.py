"""Renderers: every format handled, fact text never taken as markup, GFM that parses."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from evsum.compare import build_comparison
from evsum.facts.index import KnowledgeBase
from evsum.facts.loader import load_knowledge_base, require_valid
from evsum.findings import build_findings, build_gaps
from evsum.query import make_filters
from evsum.render import Format, render, render_text
from evsum.render.markdown import md
from evsum.views import build_overview, build_side_effects, build_summary

from .conftest import DATA, FIXTURE_KB

GOLDEN = DATA / "golden"


@pytest.fixture
def kb() -> KnowledgeBase:
    return require_valid(*load_knowledge_base([FIXTURE_KB], include_bundled=False))


def views(kb: KnowledgeBase) -> dict[str, object]:
    filters = make_filters()
    alpha, beta = kb.substances["alpha"], kb.substances["beta"]
    return {
        "list": build_overview(kb, filters),
        "show": build_summary(kb, alpha, filters),
        "compare": build_comparison(kb, [alpha, beta], filters),
        "side-effects": build_side_effects(kb, [alpha, beta], filters),
        "findings": build_findings(kb, [alpha, beta], filters),
        "gaps": build_gaps(kb, [alpha, beta]),
    }


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("name", ["list", "show", "compare", "side-effects", "findings",
                                  "gaps"])
def test_every_format_renders_every_view(kb: KnowledgeBase, fmt: Format, name: str) -> None:
    stream = io.StringIO()
    render(views(kb)[name], fmt, kb, stream, color=False, width=100)
    text = stream.getvalue()
    assert ("alpha" if fmt in (Format.JSON, Format.CSV) else "Alphamine") in text
    assert "\x1b" not in text


def test_terminal_with_colour_styles_but_keeps_markup_literal(kb: KnowledgeBase) -> None:
    stream = io.StringIO()
    render(views(kb)["show"], Format.TERMINAL, kb, stream, color=True, width=100)
    text = stream.getvalue()
    assert "\x1b[" in text
    assert "[red]not markup[/red]" in text
    assert ":smile:" in text and "😄" not in text


def test_markdown_escapes_fact_text() -> None:
    assert md("a | b [c](d) <i>x</i> & *y* `z`\nnext") == (
        r"a \| b \[c\](d) \<i\>x\</i\> \& \*y\* \`z\` next")


def test_markdown_breaks_autolinks_but_leaves_numbers_alone() -> None:
    assert md("www.fda.gov&#64;evil.com https://x.org/a x@y.com www.1and1.com 0.5 mg") == (
        r"www\.fda\.gov\&\#64;evil\.com https:\//x\.org/a x\@y\.com www\.1and1\.com 0.5 mg")


def _tables(text: str) -> list[list[list[str]]]:
    """Every GFM table in a document, as rows of cell texts."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    tables: list[list[list[str]]] = []
    row: list[str] = []
    in_cell = False
    for token in tokens:
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            in_cell = True
            row.append("")
        elif token.type in ("th_close", "td_close"):
            in_cell = False
        elif token.type == "inline" and in_cell:
            row[-1] = token.content
        elif token.type == "tr_close":
            tables[-1].append(row)
    return tables


def test_markdown_compare_parses_as_gfm_tables_with_cells_intact(kb: KnowledgeBase) -> None:
    text = render_text(views(kb)["compare"], Format.MARKDOWN, kb)
    tables = _tables(text)
    assert len(tables) == 4  # profile, efficacy, harms, mechanism
    profile = tables[0]
    assert all(len(r) == 3 for r in profile)
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "NMDA receptor antagonist | test [bold]drug[/bold]" in html
    assert "Approved &lt;b&gt;somewhere&lt;/b&gt; &amp; elsewhere." in html
    assert "<b>" not in html


def test_markdown_export_matches_golden(kb: KnowledgeBase) -> None:
    comparison = views(kb)["compare"]
    details = [build_summary(kb, s, make_filters()) for s in comparison.substances]  # type: ignore[attr-defined]
    text = render_text(comparison, Format.MARKDOWN, kb, details=list(details))
    golden = GOLDEN / "compare-alpha-beta.md"
    assert text == golden.read_text(encoding="utf-8")


def test_markdown_show_matches_golden(kb: KnowledgeBase) -> None:
    text = render_text(views(kb)["show"], Format.MARKDOWN, kb)
    assert text == (GOLDEN / "show-alpha.md").read_text(encoding="utf-8")


def test_json_round_trips_fact_text(kb: KnowledgeBase) -> None:
    data = json.loads(render_text(views(kb)["compare"], Format.JSON, kb))
    claim = next(f for f in data["facts"] if f["id"] == "alpha.smith2020.response-24h")["claim"]
    assert claim == ("Response in 50% at 24 h | versus 10% on placebo; [red]not markup[/red] & "
                     "<i>not html</i> :smile:")


def test_narrow_terminal_stacks_instead_of_crushing(kb: KnowledgeBase) -> None:
    stream = io.StringIO()
    render(views(kb)["compare"], Format.TERMINAL, kb, stream, color=False, width=60)
    text = stream.getvalue()
    assert "  Alphamine: 50% (95% CI 30% to 70%) on 0.5 mg/kg IV" in text
    assert max(len(line) for line in text.splitlines()) <= 60


def test_golden_files_exist() -> None:
    assert sorted(p.name for p in GOLDEN.glob("*.md")) == ["compare-alpha-beta.md",
                                                           "handout-alpha-beta.md",
                                                           "show-alpha.md"]


def write_goldens() -> None:  # pragma: no cover - run by hand after a deliberate change
    kb = require_valid(*load_knowledge_base([FIXTURE_KB], include_bundled=False))
    v = views(kb)
    comparison = v["compare"]
    details = [build_summary(kb, s, make_filters()) for s in comparison.substances]  # type: ignore[attr-defined]
    GOLDEN.mkdir(exist_ok=True)
    (GOLDEN / "compare-alpha-beta.md").write_text(
        render_text(comparison, Format.MARKDOWN, kb, details=list(details)), encoding="utf-8")
    (GOLDEN / "show-alpha.md").write_text(render_text(v["show"], Format.MARKDOWN, kb),
                                          encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    write_goldens()
    print(Path(GOLDEN).resolve())


def test_forest_line_places_estimate_interval_and_null(kb: KnowledgeBase) -> None:
    from evsum.render.terminal_layout import forest_axes, forest_line

    fact = kb.facts_of("alpha")[0]._replace(
        value=kb.facts_of("alpha")[0].value._replace(  # type: ignore[union-attr]
            estimate=-4.0, unit="points", ci=(-8.0, 0.0)))
    axes = forest_axes([fact])
    assert axes == {"points": (-8.0, 0.0, False)}
    line = forest_line(fact, axes["points"], width=9)
    assert line == "├───●───┼"  # the CI touches the line of no effect at its right end


def test_forest_axes_use_a_log_scale_for_ratios(kb: KnowledgeBase) -> None:
    from evsum.render.terminal_layout import forest_axes, forest_line

    base = kb.facts_of("alpha")[0]
    fact = base._replace(value=base.value._replace(  # type: ignore[union-attr]
        estimate=4.0, unit="OR", ci=(2.0, 8.0)))
    axis = forest_axes([fact])["OR"]
    assert axis[2] is True
    # On a log axis from OR 1 (the null, left end) to 8, OR 4 sits midway between 2 and 8.
    assert forest_line(fact, axis, width=7) == "┆ ├─●─┤"


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_json_output_never_writes_nan_or_infinity(kb: KnowledgeBase, number: float,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # Validation bounds every number; should one slip through, no "NaN" is written.
    from evsum.render import jsonout

    monkeypatch.setattr(jsonout, "view_dict", lambda view, kb: {"estimate": number})
    with pytest.raises(ValueError, match="not JSON compliant"):
        jsonout.render_json(object(), kb)
