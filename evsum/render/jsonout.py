"""JSON output, versioned: every view as a plain object (docs/json-output.md)."""

from __future__ import annotations

import json
import math
from typing import Any

from evsum.absolute import Absolute, absolute_effect
from evsum.compare import Comparison
from evsum.errors import Problem
from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact, Location, Source, Substance
from evsum.facts.names import Name
from evsum.findings import FindingCell, Findings, Gaps
from evsum.render.common import evidence_text, value_text
from evsum.render.document import Summaries
from evsum.views import Overview, Provenance, SearchResults, SideEffects, Summary, excess

JSON_VERSION = 2  # 2: facts say what kind of number; compare's facts a list; typed p


def name_dict(name: Name) -> dict[str, Any]:
    return {"family": name.family or None, "given": name.given or None,
            "suffix": name.suffix or None, "literal": name.literal or None,
            "et_al": name.others}


def substance_dict(substance: Substance) -> dict[str, Any]:
    return {
        "id": substance.id,
        "name": substance.name,
        "aliases": list(substance.aliases),
        "family": substance.family,
        "class": substance.drug_class,
        "targets": list(substance.targets),
        "routes": list(substance.routes),
        "status": substance.status,
        **origin_fields(substance.where),
    }


def origin_fields(where: Location) -> dict[str, Any]:
    """Whether an entry is one of evsum's bundled ones, and else the folder it came from."""
    return {"bundled": where.bundled, "origin": where.origin}


def source_dict(source: Source) -> dict[str, Any]:
    return {
        "key": source.key,
        "type": source.type,
        "authors": source.byline,
        "names": [name_dict(n) for n in source.names],
        "title": source.title,
        "journal": source.journal,
        "container": source.container,
        "year": source.year,
        "volume": source.volume,
        "issue": source.issue,
        "pages": source.pages,
        "doi": source.doi,
        "pmid": source.pmid,
        "pmcid": source.pmcid,
        "url": source.url,
        "link": source.link,
        "status": source.status,
        "status_note": source.status_note,
        **origin_fields(source.where),
    }


def fact_dict(fact: Fact) -> dict[str, Any]:
    from evsum.effect import direction, parse_p

    value = fact.value
    comparator = fact.comparator
    p = parse_p(value.p) if value else None
    reading = direction(fact)
    return {
        "id": fact.id,
        "substance": fact.substance,
        "category": fact.category,
        "claim": fact.claim,
        "outcome": fact.outcome,
        "population": fact.population,
        "timepoint": str(fact.timepoint) if fact.timepoint else None,
        "timepoint_hours": fact.timepoint.hours if fact.timepoint else None,
        "n": fact.n,
        "scale": fact.scale,
        "arm": fact.arm,
        "measure": fact.measure,
        "analysis": fact.analysis,
        "contrast": fact.contrast,
        "hypothesis": fact.hypothesis,
        "margin": None if fact.margin is None else {
            "value": fact.margin.value, "unit": fact.margin.unit},
        "better": fact.better_direction,
        "value": None if value is None else {
            "estimate": value.estimate,
            "unit": value.unit,
            "ci95": list(value.ci) if value.ci else None,
            "range": list(value.range) if value.range else None,
            "p": value.p,
            "p_relation": p.relation if p else None,
            "p_bound": p.bound if p else None,
            "events": value.events,
            "total": value.total,
        },
        "comparator": None if comparator is None else {
            "name": comparator.name, "kind": comparator.kind, "value": comparator.value,
            "n": comparator.n, "events": comparator.events, "total": comparator.total,
        },
        "display": value_text(fact) or None,
        "favours": None if reading is None else {
            "arm": reading.favours, "label": reading.label,
            "excludes_no_effect": reading.excludes_null, "words": reading.words,
            "computed_by": "evsum"},
        "adverse_event": fact.adverse_event,
        "severity": fact.severity,
        "pathway": list(fact.pathway),
        "design": fact.design,
        "evidence": evidence_text(fact),
        "clinical": fact.is_clinical,
        "grade": fact.grade,
        "source": fact.source,
        "locator": fact.locator,
        "tags": list(fact.tags),
        "note": fact.note,
        "disputed": None if fact.disputed is None else {
            "by": list(fact.disputed.by), "reason": fact.disputed.reason},
        "read": None if fact.read is None else {
            "url": fact.read.url, "kind": fact.read.kind,
            "provenance": voc.READ_KINDS[fact.read.kind], "note": fact.read.note},
        "checked": fact.checked.isoformat(),
        **origin_fields(fact.where),
    }


def _sources(kb: KnowledgeBase, facts: list[Fact]) -> dict[str, Any]:
    keys = dict.fromkeys(f.source for f in facts)
    return {key: source_dict(kb.sources[key]) for key in keys}


def _envelope(kind: str, filters: Any, body: dict[str, Any]) -> dict[str, Any]:
    return {"evsum_json": JSON_VERSION, "kind": kind, "filters": {
        "categories": list(filters.categories), "min_evidence": filters.min_evidence,
        "populations": list(filters.populations), "since": filters.since,
        "clinical_only": filters.clinical_only,
    }, **body}


def view_dict(view: object, kb: KnowledgeBase) -> dict[str, Any]:
    """Any view as a JSON-ready dict."""
    if isinstance(view, Overview):
        return _envelope("list", view.filters, {"substances": [
            {**substance_dict(s), "fact_counts": counts, "total": sum(counts.values())}
            for s, counts in view.rows
        ]})
    if isinstance(view, Summary):
        return _envelope("show", view.filters, {
            "substance": substance_dict(view.substance),
            "facts": [fact_dict(f) for f in view.facts],
            "hidden_by_filters": view.hidden,
            "sources": _sources(kb, view.facts),
        })
    if isinstance(view, Summaries):
        facts = [f for summary in view.items for f in summary.facts]
        filters = view.items[0].filters if view.items else None
        return _envelope("summaries", filters, {
            "summaries": [{"substance": substance_dict(s.substance),
                           "facts": [fact_dict(f) for f in s.facts],
                           "hidden_by_filters": s.hidden} for s in view.items],
            "sources": _sources(kb, facts),
        })
    if isinstance(view, SideEffects):
        return _envelope("side-effects", view.filters, {
            "substances": [s.id for s in view.substances],
            "min_incidence": view.min_incidence,
            "sort": view.sort,
            "rows": [{**fact_dict(f), "excess": excess(f),
                      "absolute": _absolute(absolute_effect(f))} for f in view.rows],
            "sources": _sources(kb, view.rows),
        })
    if isinstance(view, Comparison):
        return _envelope("compare", view.filters, _comparison(view, kb))
    if isinstance(view, SearchResults):
        return _envelope("search", view.filters, {
            "query": view.query, "total": view.total, "more": view.more,
            "facts": [{**fact_dict(f), "score": round(view.scores.get(f.id, 0.0), 4)}
                      for f in view.facts],
            "suggestion": view.suggestion, "sources": _sources(kb, view.facts),
        })
    if isinstance(view, Provenance):
        facts = [view.fact, *view.siblings]
        return {"evsum_json": JSON_VERSION, "kind": "why", "fact": fact_dict(view.fact),
                "defined_at": str(view.fact.where),
                "source": source_dict(kb.sources[view.fact.source]),
                "same_source": [fact_dict(f) for f in view.siblings],
                "sources": _sources(kb, facts)}
    if isinstance(view, Findings):
        return _envelope("findings", view.filters, _findings(view, kb))
    from evsum.thesis import Thesis

    if isinstance(view, Thesis):
        return {"evsum_json": JSON_VERSION, "kind": "thesis", **_thesis(view, kb)}
    if isinstance(view, Gaps):
        return {"evsum_json": JSON_VERSION, "kind": "gaps", "substances": [
            {"id": s.id, "name": s.name, "missing": [{"outcome": label, "why": why}
                                                     for label, why in missing]}
            for s, missing in zip(view.substances, view.missing, strict=True)]}
    raise TypeError(f"no JSON form for {type(view).__name__}")


def _thesis(view: Any, kb: KnowledgeBase) -> dict[str, Any]:
    from evsum.thesis import VERDICT_RULE

    facts: dict[str, Fact] = {}
    claims = []
    for node in view.nodes():
        p = node.profile
        facts.update((f.id, f) for f, _ in p.supports + p.challenges)
        claims.append({
            "id": node.claim.id, "parent": node.claim.parent, "depth": node.depth,
            "claim": node.claim.text, "source": node.claim.source,
            "locator": node.claim.locator, "substances": list(node.claim.substances),
            "verdict": p.verdict, "human_evidence": p.human, "disputed": p.disputed,
            "supports": [{"fact": f.id, "how": how, "design": f.design,
                          "clinical": f.is_clinical} for f, how in p.supports],
            "challenges": [{"fact": f.id, "how": how, "design": f.design,
                            "clinical": f.is_clinical} for f, how in p.challenges],
        })
    return {"source": view.source, "single": view.single,
            "rule": [{"verdict": v, "when": why} for v, why in VERDICT_RULE],
            "claims": claims, "facts": [fact_dict(f) for f in facts.values()],
            "references": [source_dict(kb.sources[k]) for k in view.references()]}


def _absolute(absolute: Absolute | None) -> dict[str, Any] | None:
    if absolute is None:
        return None
    return {"per_1000": round(absolute.per_1000, 3),
            "ci95_per_1000": [round(x, 3) for x in absolute.ci_per_1000]
            if absolute.ci_per_1000 else None,
            "label": absolute.label, "nnt": absolute.nnt,
            "nnt_ci95": [None if math.isinf(x) else round(x, 3) for x in absolute.nnt_ci]
            if absolute.nnt_ci else None,
            "computed_by": "evsum",
            "method": "difference of the two arms' rates; 95% CI by Newcombe's hybrid score "
                      "method when both arms' counts are known; NNT rounded up"}


def _finding_cell(cell: FindingCell) -> dict[str, Any]:
    headline = cell.headline
    return {
        "state": cell.state,
        "headline": headline.fact.id if headline else None,
        "why": headline.why if headline else None,
        "more": cell.more,
        "others": [f.id for f in headline.others] if headline else [],
        "absolute": _absolute(cell.absolute),
        "harms": [{"fact": fact.id, "excess": gap, "absolute": _absolute(absolute)}
                  for fact, gap, absolute in cell.harms],
    }


def _findings(view: Findings, kb: KnowledgeBase) -> dict[str, Any]:
    from evsum.headline import RULE

    rows = [*view.profile, *view.rows]
    cited: dict[str, Fact] = {}
    for row in rows:
        for cell in row.cells:
            if cell.headline:
                cited.update((f.id, f) for f in (cell.headline.fact, *cell.headline.others))
    return {
        "substances": [substance_dict(s) for s in view.substances],
        "outcome": view.outcome,
        "rule": list(RULE),
        "profile": [{"key": r.key, "label": r.label,
                     "cells": [_finding_cell(c) for c in r.cells]} for r in view.profile],
        "rows": [{"key": r.key, "label": r.label, "cells": [_finding_cell(c) for c in r.cells]}
                 for r in view.rows],
        "mechanism": {"targets": [list(t) for t in view.targets],
                      "shared_downstream": view.shared_downstream,
                      "evidence": view.downstream_evidence},
        "facts": [fact_dict(f) for f in cited.values()],
        "references": [source_dict(kb.sources[k]) for k in view.references],
    }


def _cell(cell: Any) -> dict[str, Any]:
    return {"state": cell.state, "differs": cell.differs, "facts": [f.id for f in cell.facts]}


def _comparison(view: Comparison, kb: KnowledgeBase) -> dict[str, Any]:
    facts: dict[str, Fact] = {}
    for _, cells in view.profile:
        for cell in cells:
            facts.update((f.id, f) for f in cell.facts)
    for section in view.sections:
        for row in section.rows:
            for cell in row.cells:
                facts.update((f.id, f) for f in cell.facts)
    for mrow in view.mechanism:
        for entry in mrow.cells:
            if entry is not None and entry[1] is not None:
                facts[entry[1].id] = entry[1]
    return {
        "substances": [substance_dict(s) for s in view.substances],
        "profile": [{"row": label, "cells": [_cell(c) for c in cells]}
                    for label, cells in view.profile],
        "sections": [{"category": s.category, "title": s.title, "rows": [
            {"key": r.key, "population": r.population, "timepoint": r.timepoint,
             "aligned": r.aligned, "comparator_kinds": list(r.comparator_kinds),
             "cells": [_cell(c) for c in r.cells]} for r in s.rows
        ]} for s in view.sections],
        "mechanism": [{"node": m.node, "label": m.label, "kind": m.kind, "shared": m.shared,
                       "cells": [None if c is None else {
                           "primary_target": c[0],
                           "fact": c[1].id if c[1] else None,
                           "evidence": c[1].design if c[1] else None,
                       } for c in m.cells]} for m in view.mechanism],
        "references": [source_dict(kb.sources[k]) for k in view.references],
        "facts": [fact_dict(f) for f in facts.values()],
        "sources": {k: source_dict(kb.sources[k]) for k in view.references},
        "pathway_labels": {k: v[0] for k, v in voc.PATHWAY_NODES.items()},
    }


def validate_dict(problems: list[Problem], files: int, facts: int) -> dict[str, Any]:
    """`evsum validate --json`: every problem with its file, line and field."""
    return {"evsum_json": JSON_VERSION, "kind": "validate", "ok": not problems,
            "files": files, "facts": facts,
            "problems": [{"file": p.file, "line": p.line, "field": p.field,
                          "message": p.message} for p in problems]}


def render_json(view: object, kb: KnowledgeBase) -> str:
    # Validation bounds every number, so NaN and infinity cannot reach here; should one
    # ever do, fail rather than write "NaN" or "Infinity", which are not JSON.
    return json.dumps(view_dict(view, kb), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
