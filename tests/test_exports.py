"""Every export parsed by a real parser, on text full of markup characters, comes back intact."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evsum.errors import EXIT_OK, EXIT_OUTPUT, EXIT_USAGE
from evsum.render.json_schema import output_schema

from .conftest import FIXTURE_KB, Run

CLAIM = ("Response in 50% at 24 h | versus 10% on placebo; [red]not markup[/red] & "
         "<i>not html</i> :smile:")
STATUS = "Approved <b>somewhere</b> & elsewhere."
TITLE = "A trial of alphamine: pipes | brackets [x] and *stars*"

# The subset of the CSL-JSON schema (citation-style-language/schema, csl-data.json)
# that evsum writes: item ids and types, names, dates and identifiers.
CSL_TYPES = ["article", "article-journal", "chapter", "document", "webpage"]
CSL_ITEMS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["id", "type"],
        "properties": {
            "id": {"type": ["string", "number"]},
            "type": {"enum": CSL_TYPES},
            "title": {"type": "string"},
            "container-title": {"type": "string"},
            "DOI": {"type": "string"}, "PMID": {"type": "string"}, "PMCID": {"type": "string"},
            "URL": {"type": "string"},
            "author": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "properties": {"family": {"type": "string"}, "given": {"type": "string"},
                               "literal": {"type": "string"}}}},
            "issued": {"type": "object", "required": ["date-parts"], "properties": {
                "date-parts": {"type": "array", "items": {
                    "type": "array", "items": {"type": ["string", "number"]},
                    "minItems": 1, "maxItems": 3}}}},
        },
        "additionalProperties": False,
    },
}


class TextCollector(HTMLParser):
    """Collects text and tag names; strict enough to catch injected markup."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("command", [
    ["list"], ["show", "alpha"], ["compare", "alpha", "beta"], ["side-effects", "alpha", "beta"],
    ["search", "nausea"], ["why", "alpha.smith2020.nausea"],
])
def test_json_output_follows_the_published_schema(fixture_run: Run, command: list[str]) -> None:
    result = fixture_run(*command, "--json")
    assert result.code == EXIT_OK
    data = json.loads(result.stdout)
    jsonschema.Draft202012Validator(output_schema()).validate(data)


def test_output_schema_is_published_and_valid(run: Run) -> None:
    schema = json.loads(run("schema", "--json-output").stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema == json.loads(json.dumps(output_schema()))


def test_csv_round_trips_text_and_guards_formulas(fixture_run: Run, run: Run,
                                                  tmp_path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(
        fixture_run("export", "alpha", "beta", "--all", "-o", "-", "--format", "csv").stdout)))
    claims = {r["fact_id"]: r["claim"] for r in rows}
    assert claims["alpha.smith2020.response-24h"] == CLAIM
    response = next(r for r in rows if r["fact_id"] == "alpha.smith2020.response-24h")
    assert (response["estimate"], response["ci_low"], response["ci_high"]) == ("50", "30", "70")
    assert response["section"] == "efficacy"
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "f.yaml").write_text((FIXTURE_KB / "fixture.yaml").read_text(encoding="utf-8")
                                 .replace("Table 2", "'=HYPERLINK(\"http://x\")'", 1),
                                 encoding="utf-8")
    out = run("--no-bundled", "--facts-dir", str(pack), "show", "alpha", "--all", "-f", "csv")
    locators = [r["locator"] for r in csv.DictReader(io.StringIO(out.stdout))]
    assert "'=HYPERLINK(\"http://x\")" in locators


def test_html_export_escapes_everything(fixture_run: Run) -> None:
    text = fixture_run("export", "alpha", "beta", "--all", "-o", "-", "--format", "html").stdout
    parser = TextCollector()
    parser.feed(text)
    body = "".join(parser.text)
    assert CLAIM in body and STATUS in body and TITLE in body
    assert "i" not in parser.tags and "b" not in parser.tags  # fact text made no tags
    assert '<a href="https://doi.org/10.1000/test.2020.1">' in text


def test_html5lib_parses_the_html_export(fixture_run: Run) -> None:
    import html5lib

    text = fixture_run("export", "alpha", "--all", "-o", "-", "--format", "html").stdout
    parser = html5lib.HTMLParser(strict=True)
    tree = parser.parse(text)
    assert tree is not None


def test_bibtex_parses_with_fields_intact(fixture_run: Run) -> None:
    text = fixture_run("cite", "alpha", "beta", "--format", "bibtex").stdout
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    entries = {e.key: e for e in library.entries}
    assert set(entries) == {"smith2020", "doe2022"}
    smith = entries["smith2020"]
    assert smith.entry_type == "article"
    assert smith["doi"] == "10.1000/test.2020.1"
    assert smith["year"] == "2020"
    assert smith["author"] == "Smith, A. B. and Jones, C. D. and others"


def test_csl_json_is_valid_csl(fixture_run: Run) -> None:
    items = json.loads(fixture_run("cite", "--format", "csl-json").stdout)
    jsonschema.validate(items, CSL_ITEMS)
    smith = next(i for i in items if i["id"] == "smith2020")
    assert smith["title"] == TITLE
    assert smith["author"][0] == {"family": "Smith", "given": "A. B."}
    assert smith["issued"] == {"date-parts": [[2020]]}


def test_ris_records_have_tags_and_ends(fixture_run: Run) -> None:
    text = fixture_run("cite", "alpha.smith2020.nausea", "--format", "ris").stdout
    lines = text.splitlines()
    assert lines[0] == "TY  - JOUR"
    assert f"TI  - {TITLE}" in lines
    assert lines[-1] == "ER  - "
    assert all(line[2:6] == "  - " for line in lines if line)


def test_cite_text_and_unknown_item(fixture_run: Run) -> None:
    out = fixture_run("cite", "beta").stdout
    assert out == "1. Doe J. Betacybin in depression. Test Psychiatry. 2022. " \
                  "doi:10.1000/test.2022.2\n"
    bad = fixture_run("cite", "gamma")
    assert bad.code == EXIT_USAGE
    assert "unknown substance 'gamma'" in bad.stderr


def test_svg_and_html_saved_beside_the_terminal_view(fixture_run: Run, tmp_path: Path) -> None:
    svg, page = tmp_path / "c.svg", tmp_path / "c.html"
    result = fixture_run("compare", "alpha", "beta", "--svg", str(svg), "--html", str(page))
    assert result.code == EXIT_OK
    assert "Alphamine" in result.stdout
    root = ET.fromstring(svg.read_text(encoding="utf-8"))  # well-formed XML
    text = "".join(root.itertext()).replace("\xa0", " ")
    assert "Approved <b>somewhere</b>" in text
    assert "<b>" not in svg.read_text(encoding="utf-8")
    assert "<!DOCTYPE html>" in page.read_text(encoding="utf-8")
    again = fixture_run("compare", "alpha", "beta", "--svg", str(svg))
    assert again.code == EXIT_OUTPUT
    assert "exists; use --force" in again.stderr


def test_search_finds_words_in_sources_and_claims(fixture_run: Run) -> None:
    data = json.loads(fixture_run("search", "Doe", "headache", "--json").stdout)
    # ranked: the fact holding both words first, those holding one of them after it
    assert [f["id"] for f in data["facts"]][0] == "beta.doe2022.headache"
    assert {f["id"].split(".")[1] for f in data["facts"]} == {"doe2022"}
    none = json.loads(fixture_run("search", "unobtainium", "--json").stdout)
    assert none["facts"] == []
    filtered = json.loads(fixture_run("search", "rats", "--clinical", "--json").stdout)
    assert filtered["facts"] == []


def test_why_lists_the_other_facts_on_the_source(fixture_run: Run) -> None:
    data = json.loads(fixture_run("why", "alpha.smith2020.nausea", "--json").stdout)
    assert data["source"]["key"] == "smith2020"
    assert [f["id"] for f in data["same_source"]] == [
        "alpha.smith2020.response-24h", "alpha.smith2020.mechanism"]
    assert data["defined_at"].endswith("fixture.yaml:58")
    bad = fixture_run("why", "alpha.smith2020.nausae")
    assert bad.code == EXIT_USAGE
    assert "did you mean alpha.smith2020.nausea or" in bad.stderr


def test_export_views_and_their_limits(fixture_run: Run) -> None:
    side = json.loads(fixture_run("export", "alpha", "beta", "--view", "side-effects", "-o", "-",
                                  "-f", "json").stdout)
    assert side["kind"] == "side-effects"
    both = fixture_run("export", "alpha", "beta", "--view", "show", "-o", "-")
    assert both.code == EXIT_OK
    assert [line for line in both.stdout.splitlines() if line.startswith(("# ", "## "))] == [
        "# Alphamine, Betacybin", "## Alphamine", "## Betacybin", "## References"]
    shown = json.loads(fixture_run("export", "alpha", "beta", "--view", "show", "-o", "-",
                                   "-f", "json").stdout)
    assert shown["kind"] == "summaries"
    assert [s["substance"]["id"] for s in shown["summaries"]] == ["alpha", "beta"]
    terminal = fixture_run("export", "alpha", "-o", "-", "-f", "terminal")
    assert terminal.code == EXIT_OK
    assert terminal.stdout.splitlines()[0] == "SUMMARY OF FINDINGS: Alphamine"
    dossier = fixture_run("export", "alpha", "--all", "-o", "-", "-f", "terminal")
    assert dossier.stdout.splitlines()[0].startswith("Alphamine")


def test_filters_apply_the_same_in_every_format(fixture_run: Run) -> None:
    args = ["alpha", "beta", "--all", "--category", "safety", "-o", "-"]
    md_text = fixture_run("export", *args).stdout
    csv_rows = list(csv.DictReader(io.StringIO(fixture_run("export", *args, "-f", "csv").stdout)))
    data = json.loads(fixture_run("export", *args, "-f", "json").stdout)
    json_ids = {f["id"] for f in data["facts"]}
    assert {r["fact_id"] for r in csv_rows} == json_ids == {
        "alpha.smith2020.nausea", "beta.doe2022.headache", "beta.doe2022.nausea"}
    assert "Response in 50%" not in md_text and "Nausea in 30%" in md_text


def test_compare_six_substances_stacks_when_narrow(run: Run) -> None:
    names = ["ketamine", "esketamine", "arketamine", "psilocybin", "lsd", "dmt"]
    wide = run("compare", *names, "--json", "--all")
    assert len(json.loads(wide.stdout)["substances"]) == 6
    narrow = run("compare", *names, "--all", env={"COLUMNS": "60"})
    assert narrow.code == EXIT_OK
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 60
    assert "  Ketamine: " in narrow.stdout and "  DMT: " in narrow.stdout


def test_completion_offers_names_and_aliases(run: Run) -> None:
    result = run(env={"_EVSUM_COMPLETE": "complete_bash", "COMP_WORDS": "evsum compare spra",
                      "COMP_CWORD": "2"})
    assert "spravato" in result.stdout.splitlines()
    result = run(env={"_EVSUM_COMPLETE": "complete_bash", "COMP_WORDS": "evsum show psil",
                      "COMP_CWORD": "2"})
    assert "psilocybin" in result.stdout


# --- links are what they show; fact text makes no structure ---------------------------------

BAIT = Path(__file__).parent / "data" / "hostile" / "valid-link-and-list-bait.yaml"
BAIT_LINKS = {  # every link the bait's references may make, and no other
    "https://doi.org/10.1000/t(1);2",
    "https://pubmed.ncbi.nlm.nih.gov/12345/",
    "https://labels.example.org/cgi?id=7&set=on",
}
# Tags that carry structure or a link; a paragraph and a line break carry none.
STRUCTURE = {"h1", "h2", "h3", "h4", "ul", "ol", "li", "table", "tr", "th", "td", "blockquote",
             "pre", "code", "hr", "a", "img", "em", "strong", "del", "s", "input"}


def _gfm(markdown: str) -> str:
    """Markdown as GitHub-like renderers show it: tables, strikethrough and autolinks."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"linkify": True})
    return parser.enable(["table", "strikethrough", "linkify"]).render(markdown)


def _structure(html: str) -> list[tuple[str, str]]:
    """Each structural element in document order, with its link target or list start."""
    import html5lib

    tree = html5lib.parse(html, namespaceHTMLElements=False)
    return [(el.tag, el.get("href") or el.get("start") or "") for el in tree.iter()
            if el.tag in STRUCTURE and not (el.tag == "ol" and len(el) == 0)]


@pytest.mark.parametrize("command", [
    ["show", "hostile", "--all"], ["compare", "hostile", "other", "--all"],
    ["search", "approved"], ["why", "hostile.test2020.response"],
    ["export", "hostile", "other", "--all", "-o", "-"],
])
def test_markdown_makes_exactly_the_html_exports_links_and_lists(run: Run, command: list[str],
                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / BAIT.name).write_bytes(BAIT.read_bytes())
    base = ["--no-bundled", "--facts-dir", str(folder), *command]
    markdown = run(*base, "--format", "markdown")
    html = run(*base, "--format", "html")
    assert markdown.code == EXIT_OK and html.code == EXIT_OK, (markdown, html)
    rendered = _structure(_gfm(markdown.stdout))
    # HTML links its [n] markers to the reference list; markdown has no anchors to link to
    assert rendered == [x for x in _structure(html.stdout) if not x[1].startswith("#ref-")]
    links = [target for tag, target in rendered if tag == "a"]
    assert links and set(links) <= BAIT_LINKS
    assert [x for x in rendered if x[0] == "ol"] == [("ol", "")]  # the references, from 1


def test_markdown_shows_the_bait_text_unchanged(run: Run, tmp_path: Path) -> None:
    import html5lib

    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / BAIT.name).write_bytes(BAIT.read_bytes())
    out = run("--no-bundled", "--facts-dir", str(folder), "show", "hostile", "--all", "-f",
              "markdown")
    text = " ".join(html5lib.parse(_gfm(out.stdout), namespaceHTMLElements=False).itertext())
    for shown in ("2019. Approved class at https://class.com/x.",
                  "See www.fda.gov&#64;evil.com, https://evil.com/claim, x@evil.com, "
                  "evil.com/path, <https://angle.com>, http:\\\\back.com, www.1and1.com",
                  "mailto:x@evil.com ftp://files.org/x xmpp:y@evil.net",
                  "Status: = setext www.status.org", "- 42. www.dose.com"):
        assert shown in text


def test_hrefs_are_percent_encoded_in_markdown_and_html() -> None:
    from evsum.render.document import Document, Inline, Paragraph
    from evsum.render.htmlout import serialize as to_html
    from evsum.render.markdown import serialize as to_markdown

    # Validation lets no such target through; the writers encode whatever they are given.
    href = "https://a.org/x y\\z\"<é>?q=1&amp;r=&#64;"
    document = Document("t", [Paragraph([[Inline("link", href=href)]])])
    expected = "https://a.org/x%20y%5Cz%22%3C%C3%A9%3E?q=1&amp;r=&#64;"
    assert _structure(_gfm(to_markdown(document))) == [("a", expected)]
    assert _structure(to_html(document)) == [("a", expected)]


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("wW.:/@-+=#*_~`!<>&;()[]|\\ 0123456789aceghlmoprstx")),
               max_size=40))
def test_no_fact_text_makes_a_link_or_a_block_in_markdown(text: str) -> None:
    from evsum.render.document import Document, Inline, Items, Paragraph, Table
    from evsum.render.markdown import serialize

    line = [Inline(text)]
    document = Document("t", [Paragraph([line]), Items([line]), Items([line], numbered=True),
                              Table(["h"], [[[line]]])])
    html = _gfm(serialize(document))
    assert _structure(html) == [("ul", ""), ("li", ""), ("ol", ""), ("li", ""), ("table", ""),
                                ("tr", ""), ("th", ""), ("tr", ""), ("td", "")]
    import html5lib

    tree = html5lib.parse(html, namespaceHTMLElements=False)
    shown = " ".join(text.split())
    for tag in ("p", "li", "td"):
        assert ["".join(el.itertext()).strip() for el in tree.iter(tag)] == (
            [shown] * (2 if tag == "li" else 1) if shown or tag != "p" else [])
