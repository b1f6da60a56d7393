"""Commands that write documents or check files: export, cite, validate, schema."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from evsum.commands.common import (
    CategoryOpt,
    ClinicalOpt,
    EvidenceOpt,
    ForceOpt,
    JsonOpt,
    PopulationOpt,
    SinceOpt,
    SubstancesArg,
    app,
    filters,
    load,
    problems_text,
    reports_errors,
    state,
)
from evsum.errors import EXIT_INVALID_FACTS, UsageError
from evsum.render import Format
from evsum.text import visible


class ExportView(StrEnum):
    """Which view an export holds; `auto` is show for one substance, compare for more."""

    AUTO = "auto"
    SHOW = "show"
    COMPARE = "compare"
    SIDE_EFFECTS = "side-effects"


class CitationFormat(StrEnum):
    BIBTEX = "bibtex"
    CSL_JSON = "csl-json"
    RIS = "ris"
    TEXT = "text"


def write_output(text: str, output: str, force: bool) -> None:
    """Write to a file atomically, or to stdout for a bare '-' (`./-` is a file named '-')."""
    from evsum.output import write_atomic, write_descriptor

    if output == "-":
        write_descriptor(1, text.encode("utf-8"))  # a document is UTF-8 wherever it goes
    elif write_atomic(Path(output), text, force):
        sys.stderr.write(f"wrote {visible(output)}\n")


@app.command()
@reports_errors
def export(ctx: typer.Context, substances: SubstancesArg,
           output: Annotated[str, typer.Option(
               "--output", "-o", help="File to write ('-' for standard output).",
               metavar="FILE")],
           fmt: Annotated[Format, typer.Option(
               "--format", "-f", help="markdown, json, csv or html.")] = Format.MARKDOWN,
           view_name: Annotated[ExportView, typer.Option(
               "--view", help="show (one substance each), compare, side-effects; auto: show "
               "for one substance, compare (with each substance's details) for more.")
           ] = ExportView.AUTO,
           force: ForceOpt = False, category: CategoryOpt = None,
           min_evidence: EvidenceOpt = None, population: PopulationOpt = None,
           since: SinceOpt = None, clinical: ClinicalOpt = False) -> None:
    """A summary, comparison or side-effect table of substances, written to a file."""
    from evsum.compare import build_comparison
    from evsum.query import resolve_all
    from evsum.render import render_text
    from evsum.views import build_side_effects, build_summary

    if fmt is Format.TERMINAL:
        raise UsageError("export writes markdown, json, csv or html; use show or compare for "
                         "the terminal")
    chosen = filters(category, min_evidence, population, since, clinical)
    kb = load(ctx)
    picked = resolve_all(kb, substances)
    if view_name is ExportView.SIDE_EFFECTS:
        text = render_text(build_side_effects(kb, picked, chosen), fmt, kb)
    elif view_name is ExportView.SHOW or (view_name is ExportView.AUTO and len(picked) == 1):
        if len(picked) > 1:
            raise UsageError("--view show exports one substance; compare exports several")
        text = render_text(build_summary(kb, picked[0], chosen), fmt, kb)
    else:
        if len(picked) < 2:
            raise UsageError("a comparison needs at least two different substances")
        details = [build_summary(kb, s, chosen) for s in picked]
        text = render_text(build_comparison(kb, picked, chosen), fmt, kb, details=list(details))
    write_output(text, output, force)


@app.command()
@reports_errors
def cite(ctx: typer.Context,
         items: Annotated[list[str] | None, typer.Argument(
             help="Substances or fact ids (default: every source).",
             metavar="[SUBSTANCE|FACT_ID]...")] = None,
         fmt: Annotated[CitationFormat, typer.Option(
             "--format", "-f", help="bibtex, csl-json, ris or text.")] = CitationFormat.TEXT,
         output: Annotated[str, typer.Option(
             "--output", "-o", help="File to write ('-', the default: standard output).",
             metavar="FILE")] = "-",
         force: ForceOpt = False, category: CategoryOpt = None,
         min_evidence: EvidenceOpt = None, population: PopulationOpt = None,
         since: SinceOpt = None, clinical: ClinicalOpt = False) -> None:
    """The sources behind substances or facts, as BibTeX, CSL-JSON, RIS or plain text."""
    from evsum.render.citations import render_citations
    from evsum.views import sources_for

    chosen = filters(category, min_evidence, population, since, clinical)
    kb = load(ctx)
    sources = sources_for(kb, list(items or []), chosen)
    write_output(render_citations(sources, fmt.value), output, force)


@app.command()
@reports_errors
def validate(ctx: typer.Context,
             paths: Annotated[list[Path] | None, typer.Argument(
                 help="Fact files or folders (default: every folder evsum reads).",
                 metavar="[PATH]...")] = None,
             as_json: JsonOpt = False) -> None:
    """Check fact files: every problem, each with file, line and field."""
    import json

    from evsum.facts.loader import validate_files
    from evsum.output import write_stdout

    current = state(ctx)
    kb, problems, files = validate_files(current.facts_dirs, list(paths or []), current.bundled)
    if as_json:
        write_stdout(json.dumps({
            "evsum_json": 1, "kind": "validate", "ok": not problems,
            "files": len(files), "facts": len(kb.facts),
            "problems": [{"file": p.file, "line": p.line, "field": p.field,
                          "message": p.message} for p in problems],
        }, indent=2, ensure_ascii=False) + "\n", is_json=True)
    else:
        write_stdout(problems_text(problems))
        status = f"{len(problems)} problem(s)" if problems else "ok"
        sys.stderr.write(f"{status}: {len(files)} file(s), {len(kb.substances)} substance(s), "
                         f"{len(kb.sources)} source(s), {len(kb.facts)} valid fact(s)\n")
    if problems:
        raise typer.Exit(EXIT_INVALID_FACTS)


@app.command()
def schema(output_format: Annotated[bool, typer.Option(
        "--json-output", help="The schema of evsum's JSON output instead.")] = False) -> None:
    """Print the fact file format as JSON Schema, for editors."""
    import json

    from evsum.output import write_stdout

    if output_format:
        from evsum.render.jsonout import output_schema

        document = output_schema()
    else:
        from evsum.facts.schema import json_schema

        document = json_schema()
    write_stdout(json.dumps(document, indent=2, ensure_ascii=False) + "\n", is_json=True)
