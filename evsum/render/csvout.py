"""CSV output: one row per fact (per substance for `list`), for spreadsheets and R/pandas."""

from __future__ import annotations

import csv
import io
from typing import Any

from evsum.absolute import Absolute
from evsum.compare import Comparison
from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact
from evsum.findings import Findings, Gaps
from evsum.render.common import nnt_text
from evsum.render.document import Summaries
from evsum.thesis import Thesis
from evsum.views import Overview, Provenance, SearchResults, SideEffects, Summary, excess

FACT_COLUMNS = (
    "substance", "fact_id", "category", "outcome", "adverse_event", "severity", "population",
    "timepoint", "n", "scale", "estimate", "unit", "ci_low", "ci_high", "range_low",
    "range_high", "p", "p_relation", "p_bound", "events", "total", "arm", "measure", "analysis",
    "contrast", "hypothesis", "margin", "margin_unit", "better", "favours",
    "comparator", "comparator_kind", "comparator_value", "comparator_n", "comparator_events",
    "comparator_total", "design", "grade", "pathway", "source", "first_author", "year", "doi",
    "pmid", "url", "locator", "read_url", "read_kind", "provenance", "checked", "claim", "note",
    "disputed_by", "disputed", "bundled", "origin",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def fact_row(fact: Fact, kb: KnowledgeBase) -> list[Any]:
    from evsum.effect import direction, parse_p

    source = kb.sources[fact.source]
    value, comparator = fact.value, fact.comparator
    p = parse_p(value.p) if value else None
    reading = direction(fact, kb.substances[fact.substance].name)
    ci = value.ci if value and value.ci else (None, None)
    span = value.range if value and value.range else (None, None)
    texts = [fact.substance, fact.id, fact.category, fact.outcome, fact.adverse_event,
             fact.severity, fact.population, str(fact.timepoint) if fact.timepoint else None]
    numbers = [fact.n]
    return [safe(t) for t in texts] + numbers + [
        safe(fact.scale), value.estimate if value else None, safe(value.unit) if value else None,
        ci[0], ci[1], span[0], span[1], safe(value.p) if value else None,
        p.relation if p else None, p.bound if p else None,
        value.events if value else None, value.total if value else None,
        safe(fact.arm), safe(fact.measure), fact.analysis, fact.contrast, fact.hypothesis,
        fact.margin.value if fact.margin else None, fact.margin.unit if fact.margin else None,
        fact.better_direction, safe(reading.words) if reading else None,
        safe(comparator.name) if comparator else None, comparator.kind if comparator else None,
        comparator.value if comparator else None, comparator.n if comparator else None,
        comparator.events if comparator else None, comparator.total if comparator else None,
        fact.design, fact.grade, " ".join(fact.pathway), fact.source,
        safe(source.first_author), source.year, safe(source.doi), source.pmid, safe(source.url),
        safe(fact.locator), safe(fact.read.url) if fact.read else None,
        fact.read.kind if fact.read else None,
        voc.READ_KINDS[fact.read.kind] if fact.read else None,
        fact.checked.isoformat(), safe(fact.claim), safe(fact.note),
        " ".join(fact.disputed.by) if fact.disputed else None,
        safe(fact.disputed.reason) if fact.disputed else None,
        fact.where.bundled, safe(fact.where.origin),
    ]


def render_csv(view: object, kb: KnowledgeBase) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if isinstance(view, Overview):
        writer.writerow(["substance", "name", "family", "class", "targets", "routes", "status",
                         *voc.CATEGORIES, "total", "bundled", "origin"])
        for s, counts in view.rows:
            writer.writerow([s.id, safe(s.name), s.family, safe(s.drug_class),
                             " ".join(s.targets), " ".join(s.routes), safe(s.status),
                             *(counts[c] for c in voc.CATEGORIES), sum(counts.values()),
                             s.where.bundled, safe(s.where.origin)])
    elif isinstance(view, (Summary, SearchResults)):
        writer.writerow(FACT_COLUMNS)
        writer.writerows(fact_row(f, kb) for f in view.facts)
    elif isinstance(view, Summaries):
        writer.writerow(FACT_COLUMNS)
        writer.writerows(fact_row(f, kb) for summary in view.items for f in summary.facts)
    elif isinstance(view, SideEffects):
        writer.writerow([*FACT_COLUMNS, "excess", "computed_nnt"])
        writer.writerows([*fact_row(f, kb), excess(f), nnt_text(f).rstrip("*") or None]
                         for f in view.rows)
    elif isinstance(view, Provenance):
        writer.writerow(["role", *FACT_COLUMNS])
        writer.writerow(["fact", *fact_row(view.fact, kb)])
        writer.writerows(["same source", *fact_row(f, kb)] for f in view.siblings)
    elif isinstance(view, Comparison):
        writer.writerow(["section", "row", "row_population", "row_timepoint", "differs",
                         *FACT_COLUMNS])
        for label, cells in view.profile:
            for cell in cells:
                writer.writerows(["profile", label, None, None, False, *fact_row(f, kb)]
                                 for f in cell.facts)
        for section in view.sections:
            for row in section.rows:
                for cell in row.cells:
                    writer.writerows([section.category, safe(row.key), row.population,
                                      row.timepoint, cell.differs, *fact_row(f, kb)]
                                     for f in cell.facts)
        for mrow in view.mechanism:
            for entry in mrow.cells:
                if entry is not None and entry[1] is not None:
                    writer.writerow(["mechanism", mrow.node, None, None, False,
                                     *fact_row(entry[1], kb)])
    elif isinstance(view, Findings):
        _findings(view, kb, writer)
    elif isinstance(view, Thesis):
        writer.writerow(["claim_id", "parent", "verdict", "claim", "side", "how", *FACT_COLUMNS])
        for node in view.nodes():
            for side, pairs in (("supports", node.profile.supports),
                                ("challenges", node.profile.challenges)):
                writer.writerows([node.claim.id, node.claim.parent, node.profile.verdict,
                                  safe(node.claim.text), side, safe(how), *fact_row(f, kb)]
                                 for f, how in pairs)
    elif isinstance(view, Gaps):
        writer.writerow(["substance", "missing", "why"])
        for substance, missing in zip(view.substances, view.missing, strict=True):
            writer.writerows([substance.id, label, why] for label, why in missing)
    else:
        raise TypeError(f"no CSV form for {type(view).__name__}")
    return buffer.getvalue()


def _findings(view: Findings, kb: KnowledgeBase, writer: Any) -> None:
    """One line per outcome and substance: the headline fact, why, and evsum's arithmetic."""
    writer.writerow(["row", "row_label", "cell_substance", "state", "why", "more",
                     "computed_per_1000", "computed_ci_low", "computed_ci_high",
                     "computed_nnt_label", "computed_nnt", *FACT_COLUMNS])
    empty = [None] * len(FACT_COLUMNS)
    for row in (*view.profile, *view.rows):
        for substance, cell in zip(view.substances, row.cells, strict=True):
            entries: list[tuple[Fact | None, Absolute | None]] = [
                (f, a) for f, _, a in cell.harms] or (
                [(cell.headline.fact, cell.absolute)] if cell.headline else [(None, None)])
            for fact, absolute in entries:
                ci = absolute.ci_per_1000 if absolute and absolute.ci_per_1000 else (None, None)
                writer.writerow([
                    row.key, row.label, substance.id, cell.state,
                    safe(cell.headline.why) if cell.headline else None, cell.more,
                    round(absolute.per_1000, 3) if absolute else None, ci[0], ci[1],
                    absolute.label if absolute else None, absolute.nnt if absolute else None,
                    *(fact_row(fact, kb) if fact else empty)])
