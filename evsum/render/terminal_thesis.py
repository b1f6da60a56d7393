"""A review's argument in the terminal: a tree of claims, each with its evidence and verdict."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from evsum.facts.index import KnowledgeBase
from evsum.render.terminal_layout import Lines, fact_block, indented, wrap
from evsum.render.thesis_document import profile_text
from evsum.thesis import ClaimNode, Thesis

VERDICT_STYLE = {  # in the order of the rule's verdicts, strongest last
    "supported in humans": "bold green",
    "preclinical only": "bold magenta",
    "contested": "bold yellow",
    "partly supported in humans": "bold cyan",
    "unsupported in the base": "bold red",
}


def _claim_lines(node: ClaimNode, width: int) -> list[Text]:
    indent = 2 * min(node.depth, 4)
    head = Text()
    head.append(f"[{node.profile.verdict}] ", style=VERDICT_STYLE[node.profile.verdict])
    head.append(node.claim.text)
    lines = indented(head, indent, width)
    lines += indented(Text(profile_text(node), style="dim"), indent + 2, width)
    lines += indented(Text(node.claim.id, style="cyan"), indent + 2, width)
    return lines


def thesis_parts(view: Thesis, kb: KnowledgeBase, width: int) -> list[RenderableType]:
    source = kb.sources[view.source]
    title = Text(f"THESIS: {source.short}, {source.title}", style="bold")
    legend = Text("verdicts: " + " · ".join(VERDICT_STYLE) + " (the rule: README)",
                  style="dim")
    lines = [*wrap(title, width), *wrap(legend, width), Text("")]
    for node in view.nodes():
        lines += _claim_lines(node, width) + [Text("")]
        if view.single:
            for side, pairs in (("SUPPORTS", node.profile.supports),
                                ("CHALLENGES", node.profile.challenges)):
                lines.append(Text(f"{side} ({len(pairs)})", style="bold"))
                for fact, how in pairs:
                    lines += wrap(Text(f"  how: {how}", style="italic"), width)
                    lines += fact_block(fact, kb, width)
                lines.append(Text(""))
    return [Lines(lines)]
