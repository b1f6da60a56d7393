"""Which fact heads a summary cell, and why: one documented rule.

Among one substance's facts on one outcome, the headline is the first by
(after the bundled facts, which come before a user's own folders unless
--prefer-own):

1. clinical evidence before animal and cell work (a preclinical fact never
   heads a clinical outcome: such a cell reads "preclinical only");
2. a number against its comparator (a contrast, or both arms' rates) before a
   number for one arm alone or one pooled with uncontrolled before-after data
   (comparator kind `mixed`), and any number before a fact told in words: a
   summary of findings gives effects, and --outcome keeps the rest in view;
3. the strongest design (meta-analysis, RCT, label, ... as `--min-evidence`);
4. the primary analysis, then key secondary, secondary, pooled, subgroup,
   exploratory, post hoc;
5. the substance's main indication: treatment-resistant depression, then
   major depression, depression with suicidal ideation, mixed unipolar and
   bipolar samples, bipolar depression, and the rest;
6. a source without a notice (an expression of concern, a retraction);
7. the comparison a reader expects first: against placebo, then an active
   placebo, a low dose, a waiting list, usual care, an active treatment, a
   mixed pool, none;
8. the arm in clinical use: an arm that names the substance's curated
   clinical dose;
9. the later source (then the fact id, so the choice is stable).

The reason returned names the first step at which the headline beat the
runner-up, so a reader (and the JSON) can see why it was chosen.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact, format_number

ANALYSIS_ORDER = ("primary", "key-secondary", "secondary", "pooled", "subgroup",
                  "exploratory", "post-hoc")
INDICATION_ORDER = ("trd", "mdd", "suicidal-ideation", "depression-mixed",
                    "bipolar-depression", "label-population", "cancer-distress", "ptsd",
                    "anxiety")
COMPARATOR_ORDER = ("placebo", "active-placebo", "low-dose", "waiting-list", "usual-care",
                    "active", "mixed", "none")
_STEPS = ("bundled before own facts", "clinical evidence", "number against its comparator",
          "strongest design", "primary analysis", "main indication", "no notice on the source",
          "placebo comparison", "arm in clinical use", "latest source")


# The rule in a sentence per step, as the handout and the JSON state it.
RULE: tuple[str, ...] = (
    "clinical evidence before animal and cell work",
    "a number against its comparator before a number for one arm (or one pooled with "
    "uncontrolled data), any number before words",
    "the strongest design",
    "the primary analysis before secondary, pooled, subgroup, exploratory and post hoc ones",
    "the main indication (TRD, then MDD, then suicidal ideation, then mixed and bipolar "
    "samples)",
    "a source without a notice (expression of concern, retraction)",
    "placebo comparisons first, then active placebo, low dose, waiting list, usual care, "
    "active treatment, a mixed pool",
    "the arm in clinical use (the curated clinical dose)",
    "the later source",
)


class Headline(NamedTuple):
    fact: Fact
    why: str  # "strongest design (meta-analysis)", "only fact"
    others: tuple[Fact, ...]  # the rest, strongest first


def clinical_doses(facts: Iterable[Fact]) -> tuple[str, ...]:
    """'0.5 mg/kg', '25 mg': the curated clinical doses, as an arm would write them."""
    doses = []
    for fact in facts:
        if fact.outcome == "clinical-dose" and fact.value is not None \
                and fact.value.estimate is not None:
            doses.append(f"{format_number(fact.value.estimate)} {fact.value.unit}")
    return tuple(dict.fromkeys(doses))


def quantified(fact: Fact) -> int:
    """0: a number against its comparator; 1: one arm's number, or one pooled with
    uncontrolled before-after data (no clean contrast); 2: words only."""
    if fact.value is None:
        return 2
    comparator = fact.comparator
    if comparator is None or comparator.kind in ("none", "mixed"):
        return 1
    if fact.contrast == "per-arm" and comparator.value is None:
        return 1
    return 0


def _rank(fact: Fact, doses: tuple[str, ...], year: int, prefer_own: bool,
          notice: bool = False) -> tuple[int, ...]:
    analysis = fact.analysis or "primary"  # only efficacy facts must say it
    indication = fact.population or ""
    in_use = any(dose in (fact.arm or "") for dose in doses)
    return (
        0 if fact.where.bundled != prefer_own else 1,
        0 if fact.is_clinical else 1,
        quantified(fact),
        fact.evidence_rank,
        ANALYSIS_ORDER.index(analysis),
        INDICATION_ORDER.index(indication) if indication in INDICATION_ORDER
        else len(INDICATION_ORDER),
        1 if notice else 0,
        COMPARATOR_ORDER.index(fact.comparator.kind) if fact.comparator
        else len(COMPARATOR_ORDER),
        0 if in_use else 1,
        -year,
    )


def _reason(step: int, fact: Fact) -> str:
    detail = {
        0: "own facts preferred" if not fact.where.bundled else "",
        1: "clinical",
        2: ("against its comparator", "one arm", "")[quantified(fact)],
        3: fact.design_label,
        4: voc.ANALYSES.get(fact.analysis or "primary", "primary"),
        5: voc.POPULATION_SHORT.get(fact.population or "", "other population"),
        6: "",
        7: voc.COMPARATOR_KINDS[fact.comparator.kind] if fact.comparator else "none",
        8: fact.arm or "",
        9: "",
    }[step]
    return f"{_STEPS[step]} ({detail})" if detail else _STEPS[step]


def _key(fact: Fact, kb: KnowledgeBase, doses: tuple[str, ...], prefer_own: bool
         ) -> tuple[int, ...]:
    source = kb.sources[fact.source]
    return _rank(fact, doses, source.year, prefer_own,
                 source.status in ("expression-of-concern", "retracted"))


def order(facts: list[Fact], kb: KnowledgeBase, doses: tuple[str, ...] = (),
          prefer_own: bool = False) -> list[Fact]:
    """The facts strongest first, by the headline rule."""
    keyed = sorted(((_key(f, kb, doses, prefer_own), f.id, f) for f in facts),
                   key=lambda t: (t[0], t[1]))
    return [f for _, _, f in keyed]


def choose(facts: list[Fact], kb: KnowledgeBase, doses: tuple[str, ...] = (),
           prefer_own: bool = False) -> Headline | None:
    """The headline among one substance's facts on one outcome, with the reason."""
    if not facts:
        return None
    ranked = order(facts, kb, doses, prefer_own)
    best = ranked[0]
    if len(ranked) == 1:
        return Headline(best, "only fact", ())
    first = _key(best, kb, doses, prefer_own)
    second = _key(ranked[1], kb, doses, prefer_own)
    step = next((i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b),
                None)
    why = _reason(step, best) if step is not None else "equal on every step; first by id"
    return Headline(best, why, tuple(ranked[1:]))
