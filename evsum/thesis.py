"""A review's argument, claim by claim, each with the evidence profile of its facts.

The verdict of a claim, from the facts the base links to it:

- **unsupported in the base**: no fact supports it;
- **contested**: a challenging fact is at least as strong as the strongest
  supporting one (clinical evidence outranks animal and cell work; then the
  design: meta-analysis > RCT > ... > preclinical);
- **preclinical only**: every supporting fact is animal or cell work;
- **partly supported in humans**: as below, but some drug family the claim
  names (the ketamine family, the psychedelics) has no clinical support;
- **supported in humans**: a clinical fact supports it for every drug family
  it names, and no challenge is as strong.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evsum.errors import UsageError
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Claim, ClaimLink, Fact
from evsum.text import describe

FRAMING_REVIEW = "kojic2022"
# The verdict rule, checked in this order (the first that holds gives the verdict).
VERDICT_RULE: tuple[tuple[str, str], ...] = (
    ("unsupported in the base", "no fact in the base supports the claim"),
    ("contested", "a challenging fact is at least as strong as the strongest supporting "
                  "one (clinical evidence outranks animal and cell work, then the design)"),
    ("preclinical only", "every supporting fact is animal or cell work"),
    ("partly supported in humans", "a clinical fact supports it, but not for every drug "
                                   "family the claim names"),
    ("supported in humans", "a clinical fact supports it for every drug family it names, and "
                            "no challenge is as strong"),
)
VERDICTS = tuple(v for v, _ in VERDICT_RULE)


@dataclass
class Profile:
    """What the facts behind one claim add up to."""

    supports: list[tuple[Fact, str]]  # (fact, how), strongest first
    challenges: list[tuple[Fact, str]]
    verdict: str
    human: bool  # any clinical fact supports it
    disputed: bool  # any of its facts is disputed
    unsupported_families: list[str] = field(default_factory=list)  # no clinical support

    @property
    def strongest_support(self) -> Fact | None:
        return self.supports[0][0] if self.supports else None

    @property
    def strongest_challenge(self) -> Fact | None:
        return self.challenges[0][0] if self.challenges else None


@dataclass
class ClaimNode:
    claim: Claim
    profile: Profile
    children: list[ClaimNode] = field(default_factory=list)
    depth: int = 0


@dataclass
class Thesis:
    """`evsum thesis`: the argument of one source as a tree, or one claim in full."""

    source: str
    roots: list[ClaimNode]
    single: bool = False  # one claim asked for by id: show every fact behind it

    def nodes(self) -> list[ClaimNode]:
        """Every claim in the order of the argument (depth first)."""
        out: list[ClaimNode] = []

        def walk(node: ClaimNode) -> None:
            out.append(node)
            for child in node.children:
                walk(child)

        for root in self.roots:
            walk(root)
        return out

    def references(self) -> list[str]:
        keys = [self.source]
        for node in self.nodes():
            keys.append(node.claim.source)
            keys += [f.source for f, _ in node.profile.supports + node.profile.challenges]
        return list(dict.fromkeys(keys))


def strength(fact: Fact) -> tuple[int, int]:
    """Smaller is stronger: clinical before preclinical, then the design's rank."""
    return (0 if fact.is_clinical else 1, fact.evidence_rank)


def verdict(supports: list[Fact], challenges: list[Fact], unsupported_families: int = 0) -> str:
    """The one-word verdict of the rule above."""
    if not supports:
        return "unsupported in the base"
    best = min(strength(f) for f in supports)
    if challenges and min(strength(f) for f in challenges) <= best:
        return "contested"
    if not any(f.is_clinical for f in supports):
        return "preclinical only"
    return "partly supported in humans" if unsupported_families else "supported in humans"


def _linked(kb: KnowledgeBase, links: tuple[ClaimLink, ...]) -> list[tuple[Fact, str]]:
    pairs = []
    for link in links:
        fact = kb.fact(link.fact)
        if fact is not None:  # validation guarantees it; a filtered view could not
            pairs.append((fact, link.how))
    return sorted(pairs, key=lambda pair: (strength(pair[0]), pair[0].id))


def profile(kb: KnowledgeBase, claim: Claim) -> Profile:
    supports = _linked(kb, claim.supports)
    challenges = _linked(kb, claim.challenges)
    facts = [f for f, _ in supports + challenges]
    families = dict.fromkeys(kb.substances[s].family for s in claim.substances)
    human = {kb.substances[f.substance].family for f, _ in supports if f.is_clinical}
    missing = [family for family in families if family not in human]
    return Profile(supports, challenges,
                   verdict([f for f, _ in supports], [f for f, _ in challenges], len(missing)),
                   any(f.is_clinical for f, _ in supports),
                   any(f.disputed is not None for f in facts), missing)


def build_thesis(kb: KnowledgeBase, selector: str | None = None) -> Thesis:
    """The argument of a source (default: the framing review), or one claim by its id."""
    if selector is not None and selector in kb.claims:
        claim = kb.claims[selector]
        return Thesis(claim.source, [ClaimNode(claim, profile(kb, claim))], single=True)
    source = selector or FRAMING_REVIEW
    claims = [c for c in kb.claims.values() if c.source == source]
    if not claims:
        sources = sorted({c.source for c in kb.claims.values()})
        known = ", ".join(sources) or "none"
        raise UsageError(f"no claims of {describe(source)} in the base (sources with claims: "
                         f"{known}; or give a claim id)")
    nodes = {c.id: ClaimNode(c, profile(kb, c)) for c in claims}
    roots = []
    for node in nodes.values():  # the file's order is the argument's order
        parent = nodes.get(node.claim.parent or "")
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)

    def deepen(node: ClaimNode, depth: int) -> None:
        node.depth = depth
        for child in node.children:
            deepen(child, depth + 1)

    for root in roots:
        deepen(root, 0)
    return Thesis(source, roots)
