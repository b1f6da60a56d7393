"""The summary of findings as plain lines, laid out once for every human format.

Each line carries a role (value, setting, evidence, computed, empty) that the
terminal maps to a style and markdown/HTML to emphasis.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

from evsum.absolute import Absolute, absolute_effect, nnt_interval_text, nnt_stands
from evsum.effect import HARM_CATEGORIES, direction, margin_text
from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact, format_number
from evsum.findings import FindingCell, Findings
from evsum.render.common import (
    FILTERED_OUT,
    NOT_CURATED,
    count_text,
    evidence_text,
    interval,
    number_with_unit,
    outcome_label,
    own_mark,
    p_text,
    setting_text,
    value_text,
)
from evsum.views import incidence

PRECLINICAL_ONLY = "preclinical only"
COMPUTED_MARK = "*"
COMPUTED_NOTE = ("* computed by evsum from the two arms' rates, not the source's number: "
                 "events per 1,000 treated, NNTB/NNTH rounded up, 95% CI by Newcombe's "
                 "method where counts are known")
COMPUTED_SHORT = "* computed by evsum from the two arms' rates, not the source's (CI: Newcombe)"


class CellLine(NamedTuple):
    role: str  # value, setting, evidence, computed, empty, harm
    text: str


def _more_or_fewer(per_1000: float) -> str:
    """'186 more', '102 fewer': a difference in events as GRADE tables word it."""
    rounded = round(per_1000)
    return f"{abs(rounded)} {'fewer' if rounded < 0 else 'more'}"


def absolute_text(absolute: Absolute, fact: Fact) -> str:
    """'186 more per 1,000 (96 more to 331 more); NNTB 6 (4 to 12)*', brackets a 95% CI.

    Evsum's arithmetic, marked; "more" and "fewer" name the drug arm's events
    against the comparator's, whatever the outcome, so a relapse reads as
    plainly as a response. Without counts there is no interval, and an NNT is
    given only where the source's own test shows a difference.
    """
    text = f"{_more_or_fewer(absolute.per_1000)} per 1,000"
    if absolute.ci_per_1000 is not None:
        low, high = (_more_or_fewer(end) for end in absolute.ci_per_1000)
        if low.split()[1] == high.split()[1]:  # '51 to 320 more': the word once
            low = low.split()[0]
        text += f" ({low} to {high})"
    if _nnt_shown(absolute, fact):
        text += f"; {absolute.label} {absolute.nnt}"
        interval = nnt_interval_text(absolute, fact.better_direction or "higher")
        if interval:
            text += f" ({interval.removeprefix('95% CI ')})"
    return text + COMPUTED_MARK


def _nnt_shown(absolute: Absolute, fact: Fact) -> bool:
    """An NNT where one stands and its interval holds a difference.

    Where the interval of the difference spans no difference, the per-1,000
    interval already says so; "NNTB 10 (NNTB 5 to ∞ to NNTH 61)" would say it
    again at length (the dossier, --all, keeps it).
    """
    spans = absolute.ci_per_1000 is not None and absolute.ci_per_1000[0] < 0 < \
        absolute.ci_per_1000[1]
    return nnt_stands(absolute, fact) and not spans


CLAIM_LIMIT = 110


def short_claim(claim: str, limit: int = CLAIM_LIMIT) -> str:
    """A claim cut at a word boundary for a summary cell; --outcome shows it whole."""
    if len(claim) <= limit:
        return claim
    return claim[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def compact_value(fact: Fact) -> str:
    """The number and what it is against, briefly: 'OR 3.94 (1.54 to 10.1) vs placebo'."""
    value, comparator = fact.value, fact.comparator
    if value is None:
        return short_claim(fact.claim)
    measure = f"{fact.measure}: " if fact.measure else ""
    if value.estimate is None:
        assert value.range is not None
        text = interval(value.range, value.unit, with_unit=True)
    elif value.unit == "count":  # "n=0 ... n=12" would read as two samples
        text = count_text(value.estimate, fact.n)
    else:
        text = number_with_unit(value.estimate, value.unit)
    if value.ci is not None:
        text += f" ({interval(value.ci, value.unit)})"
    if comparator is not None and comparator.kind != "none":
        if fact.contrast == "per-arm" and comparator.value is None:
            text += f" vs {comparator.name}, its rate not curated"
        elif fact.contrast == "per-arm":
            text += f" vs {number_with_unit(comparator.value or 0, value.unit)} {comparator.name}"
        else:
            text += f" vs {comparator.name}"
    elif comparator is not None and comparator.value is not None:  # pre-post, one arm
        text += f" vs {number_with_unit(comparator.value, value.unit)} {comparator.name}"
    elif fact.category in HARM_CATEGORIES and not measure and \
            fact.outcome not in voc.COUNTED_HARMS:  # a bare number says too little
        claim = short_claim(fact.claim)
        said = value.estimate is not None and re.search(
            rf"(?<![\d.]){re.escape(format_number(value.estimate))}(?!\d)", claim)
        text = claim if said else f"{text}: {claim}"  # the claim gives the number in words
    elif comparator is not None:  # kind none: one arm, nothing beside it
        text += " (single arm)"
    margin = margin_text(fact)
    if margin:
        text += f"; {margin}"
    if value.p is not None:
        text += f" ({p_text(value.p)})"
    return measure + text


_DOSE = re.compile(r"\s*\d[\d.]*\s*(mg|µg|mL|g)\b")  # a dose opens the next clause


def short_arm(arm: str | None) -> str:
    """'0.5 mg/kg IV' of '0.5 mg/kg IV, thrice weekly, up to 12 infusions': dose and route.

    The arm up to its first clause: cut at a comma outside brackets that
    follows a word and comes before no dose (the commas in "28, 56 or 84 mg"
    and "25 mg, 10 mg or 1 mg" list doses), and past it when the first clause
    names no dose ("high dose, 22 or 30 mg/70 kg oral"); then without how long
    it was given ("... for 4 weeks").
    """
    text, depth, cuts = arm or "", 0, [0]
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0 and index and not text[index - 1].isdigit() \
                and not _DOSE.match(text, index + 1):  # "25 mg, 10 mg or 1 mg": a list
            cuts.append(index)
    clauses = [text[a:b].lstrip(", ") for a, b in zip(cuts, [*cuts[1:], len(text)], strict=True)]
    kept = clauses[:1] if any(c.isdigit() for c in clauses[0]) else clauses[:2]
    return ", ".join(kept).split(" for ")[0].strip()


def usual_arms(view: Findings) -> list[str | None]:
    """Per substance, the arm (dose and route) that most of its headlines share.

    The profile says it once ("trial arm unless named"), and a cell names its arm
    only where it differs. An arm shared by fewer than two headlines is no
    usual arm: each cell then names its own.
    """
    arms: list[str | None] = []
    for index in range(len(view.substances)):
        counts = Counter(short_arm(cell.headline.fact.arm) for row in view.rows
                         for cell in [row.cells[index]]
                         if cell.headline and not cell.harms and cell.headline.fact.arm)
        arm, count = counts.most_common(1)[0] if counts else (None, 0)
        arms.append(arm if count >= 2 else None)
    return arms


def _reading_line(fact: Fact, drug: str, verdict: bool = True,
                  said: str | None = None) -> str | None:
    """'favours Ketamine · 0.5 mg/kg IV · TRD, 24 h, n=40': verdict, arm and setting.

    The scale is named only where the number is in its points; --outcome and
    the dossier name it always. Without ``verdict`` (an NNTB or NNTH already
    says which way) the words are left out; the arm is left out where it is
    the one ``said`` in the profile.
    """
    parts = []
    reading = direction(fact._replace(arm=None), drug)  # the arm follows on its own
    if verdict and reading is not None and fact.category not in HARM_CATEGORIES:
        # the numbers beside it say which way it leans
        parts.append("no clear difference" if reading.excludes_null is False else reading.words)
    points = fact.value is not None and fact.value.unit == "points"
    arm = short_arm(fact.arm)
    parts += [arm if arm != said else "",
              setting_text(fact if points else fact._replace(scale=None))]
    return " · ".join(p for p in parts if p) or None


def _evidence_line(fact: Fact, view: Findings, kb: KnowledgeBase, more: int) -> str:
    text = f"{evidence_text(fact)} [{view.reference_number(fact.source)}]"
    status = kb.sources[fact.source].status
    if status:  # an expression of concern or a retraction, said where the number stands
        text += f", {status.replace('-', ' ')}"
    if fact.disputed:
        text += ", disputed"
    if fact.read is not None and fact.read.faithful_copy:
        text += ", copy"
    return text + own_mark(fact.where, kb) + (f" +{more}" if more else "")


def measure_label(fact: Fact, outcomes: tuple[str, ...]) -> str:
    """'sustained response: ' where a row holds several outcomes, so the number says what it is.

    A fact's own ``measure`` says it better, and its value text carries it;
    an effect size (SMD, Hedges g) names itself.
    """
    if len(outcomes) < 2 or fact.measure or (
            fact.value is not None and fact.value.unit in voc.EFFECT_SIZE_UNITS):
        return ""
    return outcome_label(fact.adverse_event or fact.outcome or "") + ": "


def fact_lines(fact: Fact, view: Findings, kb: KnowledgeBase, more: int,
               absolute: Absolute | None, outcomes: tuple[str, ...] = (),
               said: str | None = None) -> list[CellLine]:
    """The answer first: the number, evsum's absolute effect, the setting, the evidence."""
    drug = kb.substances[fact.substance].name
    full = view.outcome is not None  # --outcome KEY: the whole value and claim
    lines = [CellLine("value", measure_label(fact, outcomes) + (
        value_text(fact, drug) or fact.claim if full else compact_value(fact)))]
    if absolute is not None:
        lines.append(CellLine("computed", absolute_text(absolute, fact)))
    if not full:  # an NNTB or NNTH says which way: "favours" would say it twice
        reading = _reading_line(fact, drug, absolute is None or not _nnt_shown(absolute, fact),
                                said)
        if reading:
            lines.append(CellLine("setting", reading))
    lines.append(CellLine("evidence", _evidence_line(fact, view, kb, more)))
    return lines


def _harms_lines(cell: FindingCell, view: Findings, kb: KnowledgeBase) -> list[CellLine]:
    """'vertigo 69.2% vs 24.4% (NNTH 3*); ... · vs ECT · MDD · RCT [8]'.

    The comparator and population, and the design and reference, are each
    said once when the events share them, and with each event otherwise.
    """
    def against(fact: Fact) -> str:
        population = voc.POPULATION_SHORT.get(fact.population or "", "")
        parts = [f"vs {fact.comparator.name}" if fact.comparator else "", population]
        return " · ".join(p for p in parts if p)

    facts = [fact for fact, _, _ in cell.harms]
    contexts = [against(f) for f in facts]
    sources = [_evidence_line(f, view, kb, 0) for f in facts]  # notices and copies too
    one_context, one_source = len(set(contexts)) == 1, len(set(sources)) == 1
    items = []
    for (fact, gap, absolute), context, source in zip(cell.harms, contexts, sources,
                                                      strict=True):
        rate, other = incidence(fact), fact.comparator.value if fact.comparator else None
        assert rate is not None and other is not None  # a harm here has its excess
        text = (f"{outcome_label(fact.adverse_event or '')} {number_with_unit(rate, '%')} vs "
                f"{number_with_unit(other, '%')}")
        # the NNTH says the excess, by the cells' rule; without one, its size in points
        if absolute is not None and _nnt_shown(absolute, fact):
            computed = f"{absolute.label} {absolute.nnt}"
        else:
            computed = f"{'+' if gap >= 0 else ''}{format_number(round(gap, 1))} points"
        text += f" ({computed}{COMPUTED_MARK})"
        own = [part for part, shared in ((context, one_context), (source, one_source))
               if not shared and part]
        items.append(" · ".join([text, *own]))
    tail = [part for part, shared in ((contexts[0], one_context), (sources[0], one_source))
            if shared and part]
    more = f" +{cell.more}" if cell.more else ""
    if not tail:
        return [CellLine("harm", "; ".join(items) + more)]
    return [CellLine("harm", "; ".join(items)), CellLine("evidence", " · ".join(tail) + more)]


def cell_lines(cell: FindingCell, view: Findings, kb: KnowledgeBase,
               expand: bool = True, outcomes: tuple[str, ...] = (),
               said: str | None = None) -> list[CellLine]:
    """The lines of one summary cell; with --outcome (and ``expand``) every fact in it.

    ``said``: the substance's usual arm (`usual_arms`), named in the profile.
    """
    if cell.state == "not-curated":
        return [CellLine("empty", NOT_CURATED)]
    if cell.state == "filtered-out":
        return [CellLine("empty", FILTERED_OUT)]
    if cell.state == "preclinical-only":
        return [CellLine("empty", f"{PRECLINICAL_ONLY}: no clinical fact")]
    assert cell.headline is not None
    if cell.harms:
        return _harms_lines(cell, view, kb)
    if view.outcome is not None and expand:  # --outcome KEY: every fact, strongest first
        lines = fact_lines(cell.headline.fact, view, kb, 0, cell.absolute, outcomes)
        for next_fact in cell.headline.others:
            lines += fact_lines(next_fact, view, kb, 0, absolute_effect(next_fact), outcomes)
        return lines
    return fact_lines(cell.headline.fact, view, kb, cell.more, cell.absolute, outcomes, said)


def uncurated_rows(view: Findings) -> list[str]:
    """Labels of the rows no shown substance has a fact for (nor filtered-out ones)."""
    return [row.label for row in view.rows
            if all(c.state == "not-curated" for c in row.cells)]


def mechanism_lines(view: Findings) -> list[str]:
    """One line: whether the primary targets differ, then the downstream nodes shared.

    The targets themselves stand in the profile; a single substance's line
    names its downstream nodes. Each node carries the best design behind it.
    """
    nodes = ", ".join(f"{node} ({view.downstream_evidence[node]})"
                      for node in view.shared_downstream)
    if len(view.substances) == 1:
        return [f"downstream: {nodes or 'none curated'}"]
    same = len(set(view.targets)) == 1 and bool(view.targets[0])
    lead = f"same primary target ({', '.join(view.targets[0])})" if same \
        else "primary targets differ"
    return [f"{lead}; shared downstream: {nodes or 'none curated'}"]


ARM_LABEL = "trial arm unless named"  # a pooled analysis names no arm


def profile_cells(view: Findings) -> list[tuple[str, list[list[CellLine]]]]:
    """Class, primary targets and status, one list of lines per substance."""
    return [
        ("class", [[CellLine("value", s.drug_class)] for s in view.substances]),
        ("primary target", [[CellLine("value", ", ".join(t) or NOT_CURATED)]
                            for t in view.targets]),
        ("status", [[CellLine("value", s.status)] for s in view.substances]),
    ]


def arm_cells(arms: list[str | None]) -> list[CellLine | None]:
    """The usual arm of each substance (`usual_arms`), as the profile says it once."""
    return [CellLine("setting", f"{ARM_LABEL}: {arm}") if arm else None for arm in arms]
