"""HTML output: the document of a view as a standalone page, every text escaped."""

from __future__ import annotations

from html import escape

from evsum import __version__
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

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.45; color: #1b1b1b; }
.table { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; min-width: 100%; }
th, td { border: 1px solid #ccc; padding: .35rem .5rem; vertical-align: top; text-align: left; }
th { background: #f3f3f3; }
em { color: #666; }
footer { margin-top: 2rem; color: #666; font-size: .9em; }
"""


def _inline(part: Inline) -> str:
    text = escape(part.text)
    if part.ref is not None:
        return f'<a href="#ref-{part.ref}">{text}</a>'
    if part.href:
        return f'<a href="{escape(encoded_href(part.href), quote=True)}">{text}</a>'
    if part.style:
        return f"<{part.style}>{text}</{part.style}>"
    return text


def _line(line: Line) -> str:
    return "".join(_inline(part) for part in line)


def serialize(document: Document) -> str:
    body: list[str] = []
    for block in document.blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{escape(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body.append("<p>" + "<br>\n".join(_line(line) for line in block.lines) + "</p>")
        elif isinstance(block, Items):
            tag = "ol" if block.numbered else "ul"
            body.append(f"<{tag}>" + "".join(
                (f'<li id="{block.anchor}-{i}">' if block.anchor else "<li>") + _line(line)
                + "</li>" for i, line in enumerate(block.items, 1)) + f"</{tag}>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{escape(h)}</th>" for h in block.header)
            rows = "".join("<tr>" + "".join(
                "<td>" + "<br>".join(_line(line) for line in cell) + "</td>" for cell in row)
                + "</tr>\n" for row in block.rows)
            # a wide table scrolls inside its own box, not the page
            body.append(f'<div class="table"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
                        f"{rows}</tbody>\n</table></div>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(document.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f"\n<footer>evsum {escape(__version__)}</footer>\n</body>\n</html>\n"
    )


def render_html(view: object, kb: KnowledgeBase, details: list[Summary] | None = None) -> str:
    """Any view as a standalone HTML page."""
    return serialize(build_document(view, kb, details))
