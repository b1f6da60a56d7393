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
    encoded_href,
)
from evsum.views import Summary

# Backslash-escaped in all text: markup and HTML characters; '@', which makes an email
# autolink; the first '/' of '//' (https://, protocol-relative links); every dot before
# a letter, which a domain name needs (GFM's www. autolinks, linkify's bare domains), and
# the dot of "www." before anything: "0.5" stays as it is, "e.g." becomes "e\.g.".
# Lookaheads only, so that the pattern keeps a fast first-character scan.
_SPECIAL = re.compile(r"[\\`*_{}\[\]<>|~&#!$@]|/(?=/)|\.(?=[^\W\d_])")
_WWW_DOT = re.compile(r"(?i)(?<=www)\.")
# What makes a line start a block: a bullet or ordered-list marker, a setext underline
# or thematic break ("===", "---"). Only the first character(s) need an escape.
_BLOCK_START = re.compile(r"^( {0,3})(?:([-+*])(?=[ \t]|$)|([0-9]{1,9})([.)])(?=[ \t]|$)"
                          r"|([-=])(?=[-= \t]*$))")


def _backslash(match: re.Match[str]) -> str:
    return "\\" + match.group()


def md(text: str) -> str:
    """Escape fact text for markdown: no markup, no HTML, no autolink, one line."""
    escaped = _SPECIAL.sub(_backslash, " ".join(str(text).split()))
    if "w." in escaped or "W." in escaped:  # "www.1and1.com": a dot before a digit
        escaped = _WWW_DOT.sub(r"\\.", escaped)
    return escaped


def _block_safe(line: str) -> str:
    """A line that cannot open a list, a heading underline or a thematic break."""
    match = _BLOCK_START.match(line)
    if match is None:
        return line
    at = match.start(4) if match.group(4) else len(match.group(1))
    return line[:at] + "\\" + line[at:]


def _inline(part: Inline) -> str:
    text = md(part.text)
    if text and part.text[:1].isspace():  # md() folds white space; keep the joins
        text = " " + text
    if text and part.text[-1:].isspace():
        text += " "
    if not text:
        text = " " if part.text else ""
    if part.href:
        # CommonMark decodes entities and backslash escapes in a link target: percent-encode
        # it, and escape '&' (a query's separator, which percent-encoding would change).
        return f"[{text}](<{encoded_href(part.href).replace('&', chr(92) + '&')}>)"
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
                out += [_block_safe(_line(line)), ""]
        elif isinstance(block, Items):
            marker = "1." if block.numbered else "-"
            out += [f"{f'{i}.' if block.numbered else marker} {_block_safe(_line(line))}"
                    for i, line in enumerate(block.items, 1)] + [""]
        elif isinstance(block, Table):
            out.append("| " + " | ".join(_block_safe(md(h)) for h in block.header) + " |")
            out.append("|" + "---|" * len(block.header))
            for row in block.rows:
                for i in range(max(len(cell) for cell in row)):
                    cells = [_block_safe(_line(cell[i])) if i < len(cell) else "" for cell in row]
                    out.append("| " + " | ".join(c if c.strip() else " " for c in cells) + " |")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def render_markdown(view: object, kb: KnowledgeBase, details: list[Summary] | None = None) -> str:
    """Any view as a GFM document."""
    return serialize(build_document(view, kb, details))
