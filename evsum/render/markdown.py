"""Markdown (GFM) output: the document of a view as headings, tables and lists.

No raw HTML: pandoc, cmark-gfm in safe mode and GitHub must render a file
the same. A table cell holds one line, so a cell with several facts becomes
several rows, the later ones with an empty first column.
"""

from __future__ import annotations

import re

from evsum.facts.index import KnowledgeBase
from evsum.render.document import (
    Document,
    Heading,
    Inline,
    Items,
    Line,
    Paragraph,
    Table,
    build_document,
)
from evsum.views import Summary

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~&#!$])")


def md(text: str) -> str:
    """Escape fact text for markdown: no markup, no HTML, one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _inline(part: Inline) -> str:
    text = md(part.text)
    if text and part.text[:1].isspace():  # md() folds white space; keep the joins
        text = " " + text
    if text and part.text[-1:].isspace():
        text += " "
    if not text:
        text = " " if part.text else ""
    if part.href:
        return f"[{text}](<{part.href}>)"
    if part.style == "em":
        return f"*{text}*"
    if part.style == "strong":
        return f"**{text}**"
    return text


def _line(line: Line) -> str:
    return "".join(_inline(part) for part in line)


def serialize(document: Document) -> str:
    out: list[str] = []
    for block in document.blocks:
        if isinstance(block, Heading):
            out += [f"{'#' * block.level} {md(block.text)}", ""]
        elif isinstance(block, Paragraph):
            for line in block.lines:  # each line its own paragraph: no line break markup
                out += [_line(line), ""]
        elif isinstance(block, Items):
            marker = "1." if block.numbered else "-"
            out += [f"{f'{i}.' if block.numbered else marker} {_line(line)}"
                    for i, line in enumerate(block.items, 1)] + [""]
        elif isinstance(block, Table):
            out.append("| " + " | ".join(md(h) for h in block.header) + " |")
            out.append("|" + "---|" * len(block.header))
            for row in block.rows:
                for i in range(max(len(cell) for cell in row)):
                    cells = [_line(cell[i]) if i < len(cell) else "" for cell in row]
                    out.append("| " + " | ".join(c if c.strip() else " " for c in cells) + " |")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def render_markdown(view: object, kb: KnowledgeBase, details: list[Summary] | None = None) -> str:
    """Any view as a GFM document."""
    return serialize(build_document(view, kb, details))
