"""Plain-text pieces every renderer shares: values, settings, evidence, sources."""

from __future__ import annotations

import sys
import weakref
from collections.abc import Iterable

from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact, Location, Source, format_number

NOT_CURATED = "not curated"
FILTERED_OUT = "filtered out"
ELSEWHERE = "(in another row: other setting)"
NONE_REPORTED = "none reported"
OWN_MARK = "[own]"  # ASCII, so it survives any output encoding

_MIXED: weakref.WeakKeyDictionary[KnowledgeBase, bool] = weakref.WeakKeyDictionary()


def marks_own(kb: KnowledgeBase) -> bool:
    """Whether the knowledge base mixes bundled and other entries, so the others are marked.

    With --no-bundled every entry is the user's own, and a mark on each would
    tell nothing; the machine formats say bundled or not on every entry anyway.
    """
    mixed = _MIXED.get(kb)
    if mixed is None:
        mixed = _MIXED[kb] = any(s.where.bundled for s in kb.substances.values())
    return mixed


def is_own(where: Location, kb: KnowledgeBase) -> bool:
    """Whether an entry read from outside the bundled set is to be marked as such."""
    return not where.bundled and marks_own(kb)


def own_mark(where: Location, kb: KnowledgeBase) -> str:
    """' [own]' after an entry from outside the bundled set, else ''."""
    return f" {OWN_MARK}" if is_own(where, kb) else ""


def own_folders(view: object, kb: KnowledgeBase, extra: Iterable[Fact] = ()) -> list[str]:
    """The folders outside the bundled set that a view's marked entries come from."""
    if not marks_own(kb):
        return []
    places = [w for w in _places(view, kb) if w.origin is not None]
    places += [f.where for f in extra if f.where.origin is not None]
    places += [kb.sources[f.source].where for f in extra]
    return sorted({w.origin for w in places if w.origin is not None})


def _places(view: object, kb: KnowledgeBase) -> list[Location]:
    """Where every substance, fact and source a view shows was read."""
    from evsum.views import Overview, Provenance, SearchResults, SideEffects, Summary

    compare = sys.modules.get("evsum.compare")  # a Comparison exists only once it is loaded
    if isinstance(view, Overview):
        return [s.where for s, _ in view.rows]
    facts: list[Fact] = []
    substances = []
    if compare is not None and isinstance(view, compare.Comparison):
        substances = view.substances
        for _, cells in view.profile:
            facts += [f for c in cells for f in c.facts]
        for section in view.sections:
            facts += [f for r in section.rows for c in r.cells for f in c.facts]
        facts += [e[1] for m in view.mechanism for e in m.cells if e is not None and e[1]]
    elif isinstance(view, (Summary, SearchResults)):
        facts = view.facts
        substances = [view.substance] if isinstance(view, Summary) else []
    elif isinstance(view, SideEffects):
        facts, substances = view.rows, view.substances
    elif isinstance(view, Provenance):
        facts = [view.fact, *view.siblings]
    else:  # the summary, imported only here: the views above start without it
        from evsum.findings import Findings

        if not isinstance(view, Findings):
            return []
        substances = view.substances
        for row in (*view.profile, *view.rows):
            for cell in row.cells:
                facts += [cell.headline.fact] if cell.headline else []
                facts += [harm[0] for harm in cell.harms]
    return ([s.where for s in substances] + [f.where for f in facts]
            + [kb.sources[k].where for k in dict.fromkeys(f.source for f in facts)])


def own_legend(folders: list[str]) -> str:
    """The legend line for OWN_MARK, naming the folders; '' when nothing is marked."""
    if not folders:
        return ""
    return (f"{OWN_MARK} not from evsum's bundled facts: read from {', '.join(folders)}")


def own_reference(source: Source, kb: KnowledgeBase) -> str:
    """What a reference adds when its source is not bundled: ' [own: FOLDER]'."""
    return f" [own: {source.where.origin}]" if is_own(source.where, kb) else ""


def number_with_unit(number: float, unit: str) -> str:
    if unit in ("%", "% change"):
        text = f"{format_number(number)}%"
        return f"+{text}" if unit == "% change" and number > 0 else text
    if unit in ("OR", "RR", "HR", "SMD", "Hedges g", "Cohen d", "NNT"):
        return f"{unit} {format_number(number)}"
    if unit == "fold":
        return f"{format_number(number)}-fold"
    if unit == "count":
        return f"n={format_number(number)}"
    return f"{format_number(number)} {unit}"


def interval(bounds: tuple[float, float], unit: str, with_unit: bool = False) -> str:
    """'48% to 89%'; with_unit adds other units once: '5.2 to 6.1 h'."""
    low, high = (format_number(b) for b in bounds)
    if unit in ("%", "% change"):
        return f"{low}% to {high}%"
    if with_unit and unit not in ("count",):
        if unit in ("OR", "RR", "HR", "SMD", "Hedges g", "Cohen d", "NNT"):
            return f"{unit} {low} to {high}"
        return f"{low} to {high} {unit}"
    return f"{low} to {high}"


def p_text(p: str) -> str:
    """'p<0.001', 'p=0.03': a p value as the source prints it, with its relation."""
    return f"p{'' if p[0] in '<>=≤≥' else '='}{p}"


def count_text(count: float, sample: int | None) -> str:
    """'3 of 12', 'none of 12', '3 reported': a count said of its sample.

    Never 'n=3' beside 'n=12', which reads as two sample sizes.
    """
    said = format_number(count) if count else "none"
    return f"{said} of {sample}" if sample else f"{said} reported"


def counted(number: float, unit: str, events: int | None, total: int | None) -> str:
    """'35/152 (23%)' where counts are known, else '23%'."""
    text = number_with_unit(number, unit)
    return f"{events}/{total} ({text})" if events is not None and total is not None else text


def value_text(fact: Fact, drug: str | None = None) -> str:
    """A fact's number said as what it is.

    A contrast: '25 mg minus 1 mg: -6.6 points (95% CI -10.2 to -2.9), favours 25 mg';
    per-arm numbers: '35/152 (23%) on 84 mg vs 12/150 (8%) on placebo'; '' for no number.
    """
    from evsum.effect import direction, drug_label, margin_text

    value = fact.value
    if value is None:
        return ""
    if value.estimate is None:
        assert value.range is not None  # validation requires one of them
        number = interval(value.range, value.unit, with_unit=True)
    elif value.unit == "count":
        number = count_text(value.estimate, fact.n)
    else:
        number = counted(value.estimate, value.unit, value.events, value.total)
    if value.estimate == 0 and value.unit == "%":
        number += f" ({NONE_REPORTED})"
    spread = []  # the interval belongs to the number it follows: the contrast, or the arm
    if value.ci is not None:
        spread.append(f"95% CI {interval(value.ci, value.unit)}")
    if value.range is not None and value.estimate is not None:
        spread.append(f"range {interval(value.range, value.unit)}")
    if spread:
        number += f" ({'; '.join(spread)})"
    comparator, label = fact.comparator, drug_label(fact, drug)
    if comparator is None or comparator.kind == "none":
        text = f"{number} on {fact.arm}" if fact.arm else number
        if comparator is not None and comparator.value is not None:  # pre-post, one arm
            other = counted(comparator.value, value.unit, comparator.events, comparator.total)
            text += f" vs {other} {comparator.name}"
    elif fact.contrast == "between-arms":
        joint = "minus" if value.unit not in voc.RATIO_UNITS else "vs"
        text = f"{label} {joint} {comparator.name}: {number}"
    elif comparator.value is not None:
        other = counted(comparator.value, value.unit, comparator.events, comparator.total)
        text = f"{number} on {label} vs {other} on {comparator.name}"
    else:
        text = f"{number} on {label} vs {comparator.name} (its value not curated)"
    if fact.measure:
        text = f"{fact.measure}: {text}"
    tests = []
    margin = margin_text(fact)
    if margin:
        tests.append(margin)
    if value.p is not None:
        tests.append(p_text(value.p) + (" for noninferiority" if margin else ""))
    if tests:
        text += f" ({'; '.join(tests)})"
    reading = direction(fact, drug)
    if reading is not None:
        text += f", {reading.words}"
    return text


READ_LABELS = {
    "publisher": "the publisher's page", "pmc": "PubMed Central", "pubmed": "PubMed",
    "label": "the official label", "regulator": "a regulator's page",
    "sec-filing": "an SEC filing", "pubmed-mirror": "a copy of the PubMed record",
    "repository": "an institutional repository", "manuscript": "the authors' manuscript",
    "poster": "the trial's poster", "label-reprint": "a reprint of the label",
    "medical-information": "the manufacturer's medical information",
}


def read_text(fact: Fact) -> str:
    """'read on PubMed Central' or 'read on a faithful copy: an institutional repository'."""
    if fact.read is None:
        return "where it was read is not recorded"
    label = READ_LABELS[fact.read.kind]
    text = f"read on a faithful copy: {label}" if fact.read.faithful_copy else f"read on {label}"
    return text + (f" ({fact.read.note})" if fact.read.note else "")


def disputed_text(fact: Fact) -> str:
    """'disputed by a.b, c.d: reason'; '' for an undisputed fact."""
    if fact.disputed is None:
        return ""
    return f"disputed by {', '.join(fact.disputed.by)}: {fact.disputed.reason}"


def mixed_comparators_text(kinds: tuple[str, ...]) -> str:
    """'unlike comparators: placebo / active treatment' when a row mixes kinds; else ''."""
    if len(kinds) < 2:
        return ""
    return "unlike comparators: " + " / ".join(voc.COMPARATOR_KINDS[k] for k in kinds)


def nnt_text(fact: Fact) -> str:
    """'NNTH 3*': evsum's number needed to treat or harm, where the rule lets it stand.

    With both arms' counts (so an interval exists), or where the source's own
    test shows a difference; '' otherwise. The star marks it as computed.
    """
    from evsum.absolute import absolute_effect, nnt_stands

    effect = absolute_effect(fact)
    if effect is None or not nnt_stands(effect, fact):
        return ""
    return f"{effect.label} {effect.nnt}*"


def comparator_kind_text(fact: Fact) -> str:
    """'active placebo' for a fact with a comparator; '' without one."""
    return voc.COMPARATOR_KINDS[fact.comparator.kind] if fact.comparator else ""


def comparator_only(fact: Fact) -> str:
    """'vs placebo' for a fact with a comparator but no number."""
    if fact.value is None and fact.comparator is not None:
        return f"vs {fact.comparator.name}"
    return ""


def setting_text(fact: Fact, short: bool = True) -> str:
    """'TRD, 24 h, n=18, MADRS': who, when, how many, measured how."""
    parts = []
    if fact.population:
        names = voc.POPULATION_SHORT if short else voc.POPULATIONS
        parts.append(names[fact.population])
    if fact.timepoint:
        parts.append(str(fact.timepoint))
    if fact.n:
        parts.append(f"n={fact.n}")
    if fact.scale:
        parts.append(fact.scale)
    return ", ".join(parts)


def evidence_text(fact: Fact) -> str:
    """'RCT', 'meta-analysis, GRADE moderate', 'preclinical (rodents)'."""
    text = fact.design_label
    if fact.analysis and fact.analysis != "primary":
        text += f", {voc.ANALYSES[fact.analysis]}"
    if fact.design == "preclinical" and fact.population in voc.NONCLINICAL_POPULATIONS:
        text += f" ({voc.POPULATION_SHORT[fact.population]})"
    if fact.grade:
        text += f", GRADE {fact.grade.replace('-', ' ')}"
    return text


def outcome_label(key: str) -> str:
    return key.replace("-", " ").replace("_", " ")


def fact_heading(fact: Fact) -> str:
    """What a fact is about: its adverse event, outcome, or for mechanism its pathway."""
    if fact.category == "mechanism" and fact.pathway:
        return " → ".join(voc.PATHWAY_NODES[node][0] for node in fact.pathway)
    return outcome_label(fact.adverse_event or fact.outcome or fact.category)


def source_citation(source: Source) -> str:
    """'Zarate CA Jr, ... (2006). Title. Journal. doi:...' as plain text."""
    text = f"{source.byline} ({source.year}). {source.title}."
    if source.journal:
        text += f" {source.journal}."
    if source.doi:
        text += f" doi:{source.doi}"
    if source.pmid:
        text += f" PMID {source.pmid}"
    if source.url and not source.doi:
        text += f" {source.url}"
    if source.status:
        text += f" [{source.status.replace('-', ' ')}]"
    return text.strip()


def empty_category_text(hidden: int) -> str:
    """What an empty category of `show` says: filtered out, or never curated."""
    return f"{hidden} fact(s) left out by the filters" if hidden else NOT_CURATED


def empty_cell_text(state: str) -> str:
    """What an empty comparison cell says, by its state."""
    return {"other-setting": ELSEWHERE, "filtered-out": FILTERED_OUT}.get(state, NOT_CURATED)


def cell_lines(fact: Fact, kb: KnowledgeBase, reference: int | None) -> list[str]:
    """The lines of one comparison cell: value, setting, evidence and source."""
    lines = []
    value = value_text(fact, kb.substances[fact.substance].name) or comparator_only(fact)
    lines.append(value or fact.claim)
    setting = setting_text(fact)
    if setting:
        lines.append(setting)
    source = kb.sources[fact.source]
    ref = f"[{reference}]" if reference is not None else source.short
    disputed = ", disputed" if fact.disputed else ""
    lines.append(f"{evidence_text(fact)} {ref}{disputed}{own_mark(fact.where, kb)}")
    return lines

