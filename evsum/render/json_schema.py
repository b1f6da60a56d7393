"""The JSON Schema of evsum's JSON output (`evsum schema --json-output`, docs/json-output.md).

Kept beside evsum.render.jsonout, whose objects it describes: a field added
there is added here, and tests/test_exports.py validates every view's JSON
against this schema.
"""

from __future__ import annotations

from typing import Any

from evsum.facts import vocabulary as voc
from evsum.render.jsonout import JSON_VERSION


def output_schema() -> dict[str, Any]:
    """JSON Schema of evsum's JSON output, version JSON_VERSION (docs/json-output.md)."""
    from evsum.thesis import VERDICTS

    nullable_string = {"type": ["string", "null"]}
    nullable_number = {"type": ["number", "null"]}
    nullable_integer = {"type": ["integer", "null"]}
    origin_properties = {"bundled": {"type": "boolean"}, "origin": nullable_string}
    fact = {
        "type": "object",
        "required": ["id", "substance", "category", "claim", "design", "source", "locator",
                     "checked", "value", "comparator", "clinical", "arm", "measure", "analysis",
                     "contrast", "read"],
        "properties": {
            "id": {"type": "string"}, "substance": {"type": "string"},
            "category": {"enum": list(voc.CATEGORIES)}, "claim": {"type": "string"},
            "outcome": nullable_string, "population": nullable_string,
            "timepoint": nullable_string, "timepoint_hours": nullable_number,
            "n": {"type": ["integer", "null"]}, "scale": nullable_string,
            "value": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["unit"],
                "properties": {"estimate": nullable_number, "unit": {"enum": list(voc.UNITS)},
                               "ci95": {"type": ["array", "null"], "items": {"type": "number"}},
                               "range": {"type": ["array", "null"],
                                         "items": {"type": "number"}},
                               "p": nullable_string,
                               "p_relation": {"enum": ["<", "<=", "=", ">", ">=", None]},
                               "p_bound": nullable_number, "events": nullable_integer,
                               "total": nullable_integer}}]},
            "comparator": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["name", "kind"],
                "properties": {"name": {"type": "string"},
                               "kind": {"enum": list(voc.COMPARATOR_KINDS)},
                               "value": nullable_number, "n": nullable_integer,
                               "events": nullable_integer, "total": nullable_integer}}]},
            "arm": nullable_string,
            "measure": nullable_string,
            "analysis": {"enum": [*voc.ANALYSES, None]},
            "contrast": {"enum": [*voc.CONTRASTS, None]},
            "hypothesis": {"enum": list(voc.HYPOTHESES)},
            "better": {"enum": [*voc.DIRECTIONS, None]},
            "margin": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["value", "unit"],
                "properties": {"value": {"type": "number"}, "unit": {"enum": list(voc.UNITS)}}}]},
            "favours": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["arm", "excludes_no_effect", "words"],
                "properties": {"arm": {"enum": ["drug", "comparator", None]},
                               "label": nullable_string,
                               "excludes_no_effect": {"type": ["boolean", "null"]},
                               "words": {"type": "string"},
                               "computed_by": {"const": "evsum"}}}]},
            "disputed": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["by", "reason"],
                "properties": {"by": {"type": "array", "items": {"type": "string"}},
                               "reason": {"type": "string"}}}]},
            "read": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["url", "kind", "provenance"],
                "properties": {"url": {"type": "string"}, "kind": {"enum": list(voc.READ_KINDS)},
                               "provenance": {"enum": ["primary", "faithful copy"]},
                               "note": nullable_string}}]},
            "design": {"enum": list(voc.DESIGNS)}, "clinical": {"type": "boolean"},
            "grade": {"type": ["string", "null"]}, "source": {"type": "string"},
            "locator": {"type": "string"}, "checked": {"type": "string", "format": "date"},
            "pathway": {"type": "array", "items": {"enum": list(voc.PATHWAY_NODES)}},
            "tags": {"type": "array", "items": {"type": "string"}},
            **origin_properties,
        },
    }
    name = {"type": "object", "required": ["family", "given", "suffix", "literal", "et_al"],
            "additionalProperties": False,
            "properties": {"family": nullable_string, "given": nullable_string,
                           "suffix": nullable_string, "literal": nullable_string,
                           "et_al": {"type": "boolean"}}}
    source = {"type": "object", "required": ["key", "authors", "names", "title", "year", "link"],
              "properties": {"key": {"type": "string"}, "year": {"type": "integer"},
                             "names": {"type": "array", "items": name, "minItems": 1},
                             "doi": nullable_string, "pmid": nullable_string,
                             "volume": nullable_string, "issue": nullable_string,
                             "pages": nullable_string, "container": nullable_string,
                             "link": nullable_string, **origin_properties}}
    absolute = {"oneOf": [{"type": "null"}, {
        "type": "object", "required": ["per_1000", "label", "nnt", "computed_by"],
        "properties": {"per_1000": {"type": "number"}, "label": {"enum": ["NNTB", "NNTH"]},
                       "nnt": nullable_integer, "computed_by": {"const": "evsum"},
                       "ci95_per_1000": {"type": ["array", "null"]},
                       "nnt_ci95": {"type": ["array", "null"]}}}]}
    finding_row = {"type": "object", "required": ["key", "label", "cells"], "properties": {
        "cells": {"type": "array", "items": {
            "type": "object", "required": ["state", "headline", "why", "more", "absolute"],
            "properties": {
                "state": {"enum": ["fact", "preclinical-only", "filtered-out", "not-curated"]},
                "headline": nullable_string, "why": nullable_string,
                "more": {"type": "integer"}, "absolute": absolute,
                "harms": {"type": "array", "items": {
                    "type": "object", "required": ["fact", "excess", "absolute"],
                    "properties": {"absolute": absolute}}}}}}}}
    problem = {"type": "object", "required": ["file", "line", "field", "message"],
               "additionalProperties": False,
               "properties": {"file": {"type": "string"}, "line": {"type": ["integer", "null"]},
                              "field": {"type": "string"}, "message": {"type": "string"}}}
    filters = {"type": "object", "required": ["categories", "min_evidence", "populations",
                                              "since", "clinical_only"]}
    base: dict[str, Any] = {"evsum_json": {"const": JSON_VERSION}, "filters": filters}
    kinds: dict[str, dict[str, Any]] = {
        "list": {"substances": {"type": "array", "items": {
            "type": "object", "required": ["id", "name", "fact_counts", "total"]}}},
        "show": {"substance": {"type": "object"}, "facts": {"type": "array", "items": fact},
                 "sources": {"type": "object", "additionalProperties": source}},
        "search": {"query": {"type": "string"}, "total": {"type": "integer"},
                   "more": {"type": "integer"},
                   "suggestion": {"type": ["string", "null"]},
                   "facts": {"type": "array", "items": fact},
                   "sources": {"type": "object", "additionalProperties": source}},
        "summaries": {"summaries": {"type": "array", "items": {
                          "type": "object", "required": ["substance", "facts"],
                          "properties": {"substance": {"type": "object"},
                                         "facts": {"type": "array", "items": fact}}}},
                      "sources": {"type": "object", "additionalProperties": source}},
        "side-effects": {"rows": {"type": "array", "items": fact},
                         "sources": {"type": "object", "additionalProperties": source}},
        "compare": {"substances": {"type": "array"}, "profile": {"type": "array"},
                    "sections": {"type": "array", "items": {
                        "type": "object", "required": ["category", "rows"],
                        "properties": {"rows": {"type": "array", "items": {
                            "type": "object", "required": ["key", "aligned", "cells"],
                            "properties": {"cells": {"type": "array", "items": {
                                "type": "object", "required": ["state", "differs", "facts"],
                                "properties": {"state": {"enum": [
                                    "fact", "other-setting", "filtered-out",
                                    "not-curated"]}}}}}}}}}},
                    "mechanism": {"type": "array"},
                    "references": {"type": "array", "items": source},
                    "facts": {"type": "array", "items": fact},
                    "sources": {"type": "object", "additionalProperties": source}},
        "why": {"fact": fact, "source": source, "same_source": {"type": "array", "items": fact},
                "sources": {"type": "object", "additionalProperties": source}},
        "validate": {"ok": {"type": "boolean"}, "files": {"type": "integer", "minimum": 0},
                     "facts": {"type": "integer", "minimum": 0},
                     "problems": {"type": "array", "items": problem}},
        "thesis": {"source": {"type": "string"}, "single": {"type": "boolean"},
                   "rule": {"type": "array"},
                   "claims": {"type": "array", "items": {
                       "type": "object",
                       "required": ["id", "parent", "claim", "verdict", "supports",
                                    "challenges"],
                       "properties": {"verdict": {"enum": list(VERDICTS)}}}},
                   "facts": {"type": "array", "items": fact},
                   "references": {"type": "array", "items": source}},
        "gaps": {"substances": {"type": "array", "items": {
            "type": "object", "required": ["id", "missing"]}}},
        "findings": {"substances": {"type": "array"}, "outcome": nullable_string,
                     "rule": {"type": "array", "items": {"type": "string"}},
                     "profile": {"type": "array", "items": finding_row},
                     "rows": {"type": "array", "items": finding_row},
                     "mechanism": {"type": "object",
                                   "required": ["targets", "shared_downstream"]},
                     "facts": {"type": "array", "items": fact},
                     "references": {"type": "array", "items": source}},
    }
    variants = []
    for kind, properties in kinds.items():
        props: dict[str, Any] = {"kind": {"const": kind}, **properties}
        if kind not in ("why", "gaps", "thesis", "validate"):
            props.update(base)
        else:
            props["evsum_json"] = {"const": JSON_VERSION}
        variants.append({"type": "object", "required": list(props), "properties": props})
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://evsum.invalid/schema/output-{JSON_VERSION}.json",
            "title": "evsum JSON output", "oneOf": variants}
