"""Citations of sources: BibTeX, CSL-JSON, RIS and plain text."""

from __future__ import annotations

import json
import re

from evsum.facts.model import Source
from evsum.render.common import source_citation

_BIBTEX_TYPES = {"article": "article", "review": "article", "book-chapter": "incollection",
                 "label": "misc", "regulatory": "misc", "preprint": "misc", "web": "misc"}
_CSL_TYPES = {"article": "article-journal", "review": "article-journal",
              "book-chapter": "chapter", "label": "document", "regulatory": "legislation",
              "preprint": "article", "web": "webpage"}
_RIS_TYPES = {"article": "JOUR", "review": "JOUR", "book-chapter": "CHAP", "label": "GEN",
              "regulatory": "GOVDOC", "preprint": "JOUR", "web": "ELEC"}


def _authors(source: Source) -> list[str]:
    """'Zarate CA Jr, Singh JB, et al.' -> ['Zarate CA Jr', 'Singh JB'] (et al. dropped)."""
    names = [a.strip() for a in re.split(r"[,;]", source.authors) if a.strip()]
    return [n for n in names if n.rstrip(".").lower() not in ("et al", "and others")]


def _split_name(name: str) -> tuple[str, str]:
    """'Zarate CA Jr' -> ('Zarate', 'C. A. Jr')-like family and given parts."""
    words = name.split()
    family = [w for w in words if not (w.isupper() and len(w) <= 4) and w != "Jr"]
    given = [w for w in words if w not in family]
    return (" ".join(family) or name, " ".join(given))


def _bibtex_escape(text: str) -> str:
    """Protect BibTeX's special characters; braces keep case and content literal."""
    text = text.replace("\\", "\\textbackslash{}")
    text = re.sub(r"([{}])", r"\\\1", text)
    return re.sub(r"([&%$#_^~])", r"\\\1", text)


def bibtex(sources: list[Source]) -> str:
    entries = []
    for source in sources:
        kind = _BIBTEX_TYPES[source.type]
        fields = [("author", " and ".join(_authors(source)) or source.authors),
                  ("title", source.title), ("year", str(source.year))]
        if source.journal:
            fields.append(("booktitle" if kind == "incollection" else
                           "journal" if kind == "article" else "howpublished", source.journal))
        for key, value in (("doi", source.doi), ("pmid", source.pmid), ("url", source.url)):
            if value:
                fields.append((key, value))
        body = ",\n".join(f"  {name} = {{{_bibtex_escape(value)}}}" for name, value in fields)
        entries.append(f"@{kind}{{{source.key},\n{body}\n}}\n")
    return "\n".join(entries)


def csl_json(sources: list[Source]) -> str:
    items = []
    for source in sources:
        item: dict[str, object] = {
            "id": source.key,
            "type": _CSL_TYPES[source.type],
            "title": source.title,
            "author": [dict(zip(("family", "given"), _split_name(a), strict=True))
                       for a in _authors(source)],
            "issued": {"date-parts": [[source.year]]},
        }
        if source.journal:
            item["container-title"] = source.journal
        if source.doi:
            item["DOI"] = source.doi
        if source.pmid:
            item["PMID"] = source.pmid
        if source.pmcid:
            item["PMCID"] = source.pmcid
        if source.url:
            item["URL"] = source.url
        items.append(item)
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def ris(sources: list[Source]) -> str:
    records = []
    for source in sources:
        lines = [f"TY  - {_RIS_TYPES[source.type]}", f"ID  - {source.key}"]
        lines += [f"AU  - {a}" for a in _authors(source)]
        lines += [f"TI  - {source.title}", f"PY  - {source.year}"]
        if source.journal:
            lines.append(f"T2  - {source.journal}")
        if source.doi:
            lines.append(f"DO  - {source.doi}")
        if source.pmid:
            lines.append(f"AN  - PMID:{source.pmid}")
        if source.url:
            lines.append(f"UR  - {source.url}")
        lines.append("ER  - ")
        # RIS is line-based: tag, two spaces, hyphen, space, then a value on one line.
        records.append("\n".join(line[:6] + " ".join(line[6:].split()) for line in lines))
    return "\n\n".join(records) + "\n"


def text(sources: list[Source]) -> str:
    return "".join(f"[{source.key}] {source_citation(source)}\n" for source in sources)


FORMATS = {"bibtex": bibtex, "csl-json": csl_json, "ris": ris, "text": text}


def render_citations(sources: list[Source], fmt: str) -> str:
    return FORMATS[fmt](sources)
