"""CSV output: one row per fact (per substance for `list`), for spreadsheets and R/pandas."""

from __future__ import annotations

import csv
import io
from typing import Any

from evsum.compare import Comparison
from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact
from evsum.render.document import Summaries
from evsum.views import Overview, Provenance, SearchResults, SideEffects, Summary, excess

FACT_COLUMNS = (
    "substance", "fact_id", "category", "outcome", "adverse_event", "severity", "population",
    "timepoint", "n", "scale", "estimate", "unit", "ci_low", "ci_high", "range_low",
    "range_high", "p", "comparator", "comparator_value", "comparator_n", "design", "grade",
    "pathway", "source", "first_author", "year", "doi", "pmid", "url", "locator", "checked",
    "claim", "note", "disputed", "bundled", "origin",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def fact_row(fact: Fact, kb: KnowledgeBase) -> list[Any]:
    source = kb.sources[fact.source]
    value, comparator = fact.value, fact.comparator
    ci = value.ci if value and value.ci else (None, None)
    span = value.range if value and value.range else (None, None)
    texts = [fact.substance, fact.id, fact.category, fact.outcome, fact.adverse_event,
             fact.severity, fact.population, str(fact.timepoint) if fact.timepoint else None]
    numbers = [fact.n]
    return [safe(t) for t in texts] + numbers + [
        safe(fact.scale), value.estimate if value else None, safe(value.unit) if value else None,
        ci[0], ci[1], span[0], span[1], safe(value.p) if value else None,
        safe(comparator.name) if comparator else None,
        comparator.value if comparator else None, comparator.n if comparator else None,
        fact.design, fact.grade, " ".join(fact.pathway), fact.source,
        safe(source.first_author), source.year, safe(source.doi), source.pmid, safe(source.url),
        safe(fact.locator), fact.checked.isoformat(), safe(fact.claim), safe(fact.note),
        safe(fact.disputed), fact.where.bundled, safe(fact.where.origin),
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
        writer.writerow([*FACT_COLUMNS, "excess"])
        writer.writerows([*fact_row(f, kb), excess(f)] for f in view.rows)
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
    else:
        raise TypeError(f"no CSV form for {type(view).__name__}")
    return buffer.getvalue()
