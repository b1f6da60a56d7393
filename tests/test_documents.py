"""Documents that survive conversion: markdown with no raw HTML and nested headings, HTML with
a viewport and linked references, SVG that librsvg lays out as the terminal did."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from markdown_it import MarkdownIt

from .conftest import Run


def _markdown_tokens(text: str) -> list[object]:
    # CommonMark with GFM tables, raw HTML on: any HTML in the file shows up as a token
    return MarkdownIt("commonmark", {"html": True}).enable("table").parse(text)


def test_markdown_export_has_no_raw_html_one_h1_and_nested_headings(run: Run) -> None:
    text = run("export", "ketamine", "psilocybin", "--all", "-o", "-").stdout
    assert "<br" not in text
    tokens = _markdown_tokens(text)
    assert [t.type for t in tokens if "html" in t.type] == []  # type: ignore[attr-defined]
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]  # type: ignore[attr-defined]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    headings = re.findall(r"^(#+) (.*)$", text, flags=re.M)
    assert ("##", "Details") in headings
    assert headings[-1] == ("##", "References")  # a sibling of Details, not under it


def test_a_cell_with_two_facts_becomes_two_table_rows() -> None:
    from evsum.render.document import Document, Inline, Table
    from evsum.render.markdown import serialize

    table = Table(["outcome", "A", "B"], [[
        [[Inline("response")]],
        [[Inline("71% (RCT) "), Inline("[1]", ref=1)], [Inline("-6.6 points (RCT) "),
                                                       Inline("[2]", ref=2)]],
        [[Inline("40%")]]]])
    assert serialize(Document("t", [table])).splitlines() == [
        "| outcome | A | B |",
        "|---|---|---|",
        "| response | 71% (RCT) \\[1\\] | 40% |",
        "|   | -6.6 points (RCT) \\[2\\] |   |",
    ]


def test_html_has_a_viewport_a_scrolling_table_and_linked_markers(run: Run, tmp_path: Path
                                                                   ) -> None:
    page = tmp_path / "list.html"
    run("list", "--html", str(page))
    html = page.read_text(encoding="utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<div class="table"><table>' in html and ".table { overflow-x: auto;" in html
    text = run("export", "ketamine", "--all", "-o", "-", "--format", "html").stdout
    links = set(re.findall(r'<a href="#ref-(\d+)">\[(\d+)\]</a>', text))
    assert links and all(a == b for a, b in links)
    ids = set(re.findall(r'<li id="ref-(\d+)">', text))
    assert {a for a, _ in links} <= ids


def test_references_in_exports_are_vancouver(run: Run) -> None:
    text = run("export", "ketamine", "--all", "-o", "-").stdout
    refs = text.split("## References\n\n", 1)[1].splitlines()
    assert refs[0].startswith("1. ")
    assert re.search(r"^\d+\. Li N, Lee B, Liu RJ, Banasr M, Dwyer JM, Iwata M, et al\. "
                     r"mTOR-dependent synapse formation", "\n".join(refs), flags=re.M)


def test_svg_preserves_spaces_and_loads_no_web_font(run: Run, tmp_path: Path) -> None:
    svg = tmp_path / "c.svg"
    run("compare", "ketamine", "psilocybin", "--svg", str(svg))
    text = svg.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
    assert "@font-face" not in text and "url(\"http" not in text


def test_docx_export_through_pandoc_holds_tables_and_references(run: Run, tmp_path: Path
                                                                ) -> None:
    import zipfile

    import pytest

    pytest.importorskip("pypandoc")
    target = tmp_path / "k.docx"
    result = run("export", "ketamine", "psilocybin", "--all", "-f", "docx", "-o", str(target))
    assert result.code == 0, result
    xml = zipfile.ZipFile(target).read("word/document.xml").decode("utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", xml).split())
    assert text.startswith("Ketamine vs Psilocybin")
    assert xml.count("<w:tbl>") >= 3  # the profile and outcome tables stay tables
    assert "Li N, Lee B, Liu RJ, Banasr M, Dwyer JM, Iwata M, et al." in text
    assert "<br" not in text and "&lt;br" not in xml


def test_docx_to_standard_output_is_refused(run: Run) -> None:
    result = run("export", "ketamine", "-f", "docx", "-o", "-")
    assert result.code == 2 and "a docx file is binary" in result.stderr
