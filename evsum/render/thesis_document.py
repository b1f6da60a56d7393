"""A review's argument as a one-page document: what the evidence says about each claim."""

from __future__ import annotations

from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact
from evsum.render.common import evidence_text
from evsum.render.document import (
    Block,
    Document,
    Heading,
    Inline,
    Items,
    Line,
    Paragraph,
    Table,
    reference_items,
)
from evsum.thesis import VERDICT_RULE, VERDICTS, ClaimNode, Thesis

FAMILY_NAMES = {"ketamine": "ketamine family", "psychedelic": "psychedelics"}


def profile_text(node: ClaimNode) -> str:
    """'2 support (strongest RCT) · 1 challenges (preclinical) · disputed facts'."""
    p = node.profile
    parts = []
    best = p.strongest_support
    parts.append(f"{len(p.supports)} support" + (f" (strongest {evidence_text(best)})"
                                                 if best else ""))
    against = p.strongest_challenge
    if against is not None:
        parts.append(f"{len(p.challenges)} challenge (strongest {evidence_text(against)})")
    if p.supports and not p.human:
        parts.append("no human evidence")
    elif p.human and p.unsupported_families:
        parts.append("no human evidence for the " + " or the ".join(
            FAMILY_NAMES.get(f, f) for f in p.unsupported_families))
    if p.disputed:
        parts.append("a fact is disputed")
    return " · ".join(parts)


def _links(pairs: list[tuple[Fact, str]], refs: list[str]) -> Line:
    """The facts on one side of a claim, in one line: one table row per claim."""
    if not pairs:
        return [Inline("none", "em")]
    text = "; ".join(f"{fact.id}: {how} ({evidence_text(fact)}) [{refs.index(fact.source) + 1}]"
                     for fact, how in pairs)
    return [Inline(text)]


def thesis_document(view: Thesis, kb: KnowledgeBase) -> Document:
    source = kb.sources[view.source]
    refs = view.references()
    title = f"What the evidence says about the argument of {source.short}"
    rows = []
    for node in view.nodes():
        marker = "↳ " * node.depth
        rows.append([[[Inline(marker + node.claim.text)]],
                     [[Inline(node.profile.verdict, "strong"),
                       Inline(f"; {profile_text(node)}")]],
                     [_links(node.profile.supports, refs)],
                     [_links(node.profile.challenges, refs)]])
    counts = {v: sum(n.profile.verdict == v for n in view.nodes()) for v in VERDICTS}
    blocks: list[Block] = [
        Heading(1, title),
        Paragraph([[Inline(f"{source.title} ({source.year}). Each claim of its argument, in "
                           "evsum's words, with the facts of the knowledge base that support "
                           "and challenge it: "
                           + "; ".join(f"{n} {v}" for v, n in counts.items()) + ".")]]),
        Table(["claim", "verdict", "supported by", "challenged by"], rows),
        Heading(2, "How the verdict is given"),
        Items([[Inline(verdict, "strong"), Inline(f": {why}")] for verdict, why in VERDICT_RULE],
              numbered=True),
    ]
    return Document(title, blocks + reference_items(kb, refs))
