"""A review's argument in the terminal: a tree of claims, each with its evidence and verdict."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from evsum.facts.index import KnowledgeBase
from evsum.render.terminal import _fact_lines, _Lines, _wrap
from evsum.render.thesis_document import profile_text
from evsum.thesis import ClaimNode, Thesis

VERDICT_STYLE = {
    "supported in humans": "bold green",
    "preclinical only": "bold magenta",
    "contested": "bold yellow",
    "unsupported in the base": "bold red",
}


def _claim_lines(node: ClaimNode, width: int) -> list[Text]:
    indent = "  " * node.depth
    head = Text(indent)
    head.append(f"[{node.profile.verdict}] ", style=VERDICT_STYLE[node.profile.verdict])
    head.append(node.claim.text)
    lines = _wrap(head, width)
    detail = Text(indent + "  " + profile_text(node), style="dim")
    lines += _wrap(detail, width)
    lines.append(Text(indent + "  " + node.claim.id, style="cyan"))
    return lines


def thesis_parts(view: Thesis, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    source = kb.sources[view.source]
    title = Text(f"THESIS: {source.short}, {source.title}", style="bold")
    lines = [*_wrap(title, width),
             Text("verdicts: supported in humans · preclinical only · contested · "
                  "unsupported in the base (rule: README)", style="dim"), Text("")]
    for node in view.nodes():
        lines += _claim_lines(node, width) + [Text("")]
        if view.single:
            for side, pairs in (("SUPPORTS", node.profile.supports),
                                ("CHALLENGES", node.profile.challenges)):
                lines.append(Text(f"{side} ({len(pairs)})", style="bold"))
                for fact, how in pairs:
                    lines += _wrap(Text(f"  how: {how}", style="italic"), width)
                    lines += _fact_lines(fact, kb, width)
                lines.append(Text(""))
    return [_Lines(lines)]
