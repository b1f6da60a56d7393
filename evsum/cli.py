"""The command line: parse arguments, call the layers, hand views to renderers, exit."""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from evsum import __version__
from evsum.errors import (
    EXIT_INTERNAL,
    EXIT_INVALID_FACTS,
    EXIT_OK,
    EvsumError,
    FactFileError,
    UsageError,
)
from evsum.render import Format

app = typer.Typer(
    name="evsum",
    help="Cited evidence summaries of rapid-acting antidepressants: the ketamine family and "
    "the serotonergic psychedelics.",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

F = TypeVar("F", bound=Callable[..., Any])
MAX_PROBLEMS_SHOWN = 50


@dataclass
class State:
    facts_dirs: list[Path] = field(default_factory=list)
    bundled: bool = True
    color: bool | None = None


def _complete_substance(ctx: typer.Context, incomplete: str) -> list[str]:
    """Substance ids and aliases that start with what was typed."""
    from evsum.facts.loader import load_knowledge_base
    from evsum.text import normalize_name

    try:
        state = _state(ctx)
        kb, _ = load_knowledge_base(state.facts_dirs, include_bundled=state.bundled)
    except Exception:  # completion must never print a traceback into the shell
        return []
    typed = normalize_name(incomplete)
    names = [n for s in kb.substances.values() for n in (s.id, *s.aliases)]
    return [n for n in names if normalize_name(n).startswith(typed)]


def _state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"evsum: {message}\n")
    raise typer.Exit(code)


def reports_errors(command: F) -> F:
    """Turn an EvsumError into its message on stderr and its exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except FactFileError as exc:
            _print_problems(exc.problems, sys.stderr)
            _fail(f"{len(exc.problems)} problem(s) in the fact files; run 'evsum validate'",
                  exc.exit_code)
        except EvsumError as exc:
            _fail(str(exc), exc.exit_code)

    return wrapper  # type: ignore[return-value]


def _print_problems(problems: list[Any], stream: Any) -> None:
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        stream.write(f"{problem}\n")
    if len(problems) > MAX_PROBLEMS_SHOWN:
        stream.write(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more\n")


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"evsum {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def main_options(
    ctx: typer.Context,
    facts_dir: Annotated[list[Path] | None, typer.Option(
        "--facts-dir", help="Also read fact files from DIR (repeatable; adds to the bundled "
        "facts and EVSUM_FACTS_PATH).", metavar="DIR")] = None,
    no_bundled: Annotated[bool, typer.Option(
        "--no-bundled", help="Leave out the bundled facts: read only --facts-dir and "
        "EVSUM_FACTS_PATH folders.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour or styles.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Cited evidence summaries of rapid-acting antidepressants."""
    state = _state(ctx)
    state.facts_dirs = list(facts_dir or [])
    state.bundled = not no_bundled
    state.color = False if no_color else None


# Options shared by the commands that show facts; the same everywhere.
CategoryOpt = Annotated[list[str] | None, typer.Option(
    "--category", "-c", help="Only these categories (repeatable): efficacy, safety, "
    "dissociation, mechanism, pharmacology, dosing, regulatory.")]
EvidenceOpt = Annotated[str | None, typer.Option(
    "--min-evidence", "-e", help="Only evidence at least this strong: meta-analysis, rct, "
    "label, regulatory, open-label, observational, case-series, review, preclinical.")]
PopulationOpt = Annotated[list[str] | None, typer.Option(
    "--population", "-p", help="Only these populations (repeatable), e.g. trd, mdd.")]
SinceOpt = Annotated[int | None, typer.Option("--since", help="Only sources from YEAR on.",
                                              metavar="YEAR")]
ClinicalOpt = Annotated[bool, typer.Option(
    "--clinical", help="Leave out preclinical (animal and cell) facts.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Write JSON (same as --format json).")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
SubstancesArg = Annotated[list[str], typer.Argument(
    help="Substance names or aliases (case-insensitive).", metavar="SUBSTANCE...",
    autocompletion=_complete_substance)]


def _filters(category: list[str] | None, min_evidence: str | None,
             population: list[str] | None, since: int | None, clinical: bool) -> Any:
    from evsum.query import make_filters

    return make_filters(category, min_evidence, population, since, clinical)


def _load(ctx: typer.Context) -> Any:
    from evsum.facts.loader import load_knowledge_base, require_valid

    state = _state(ctx)
    return require_valid(*load_knowledge_base(state.facts_dirs, include_bundled=state.bundled))


def _emit(ctx: typer.Context, view: object, kb: Any, fmt: Format, as_json: bool) -> None:
    from evsum.render import render

    render(view, Format.JSON if as_json else fmt, kb, sys.stdout, _state(ctx).color)


@app.command("list")
@reports_errors
def list_command(ctx: typer.Context, category: CategoryOpt = None, min_evidence: EvidenceOpt = None,
                 population: PopulationOpt = None, since: SinceOpt = None,
                 clinical: ClinicalOpt = False, as_json: JsonOpt = False,
                 fmt: FormatOpt = Format.TERMINAL) -> None:
    """Every substance: class, primary targets, status and fact counts per category."""
    from evsum.views import build_overview

    filters = _filters(category, min_evidence, population, since, clinical)
    kb = _load(ctx)
    _emit(ctx, build_overview(kb, filters), kb, fmt, as_json)


@app.command()
@reports_errors
def show(ctx: typer.Context, substance: Annotated[str, typer.Argument(
             help="Substance name or alias.", autocompletion=_complete_substance)],
         category: CategoryOpt = None, min_evidence: EvidenceOpt = None,
         population: PopulationOpt = None, since: SinceOpt = None,
         clinical: ClinicalOpt = False, as_json: JsonOpt = False,
         fmt: FormatOpt = Format.TERMINAL) -> None:
    """One substance's facts by category, each with its number, setting and source."""
    from evsum.views import build_summary

    filters = _filters(category, min_evidence, population, since, clinical)
    kb = _load(ctx)
    _emit(ctx, build_summary(kb, kb.resolve(substance), filters), kb, fmt, as_json)


@app.command()
@reports_errors
def compare(ctx: typer.Context, substances: SubstancesArg, category: CategoryOpt = None,
            min_evidence: EvidenceOpt = None, population: PopulationOpt = None,
            since: SinceOpt = None, clinical: ClinicalOpt = False, as_json: JsonOpt = False,
            fmt: FormatOpt = Format.TERMINAL) -> None:
    """Two or more substances side by side, aligned on outcome, population and timepoint."""
    from evsum.compare import build_comparison
    from evsum.query import resolve_all

    filters = _filters(category, min_evidence, population, since, clinical)
    kb = _load(ctx)
    chosen = resolve_all(kb, substances)
    if len(chosen) < 2:
        raise UsageError("compare needs at least two different substances")
    _emit(ctx, build_comparison(kb, chosen, filters), kb, fmt, as_json)


@app.command("side-effects")
@reports_errors
def side_effects(ctx: typer.Context, substances: SubstancesArg,
                 min_incidence: Annotated[float | None, typer.Option(
                     "--min-incidence", help="Only events with incidence of at least PERCENT.",
                     metavar="PERCENT")] = None,
                 sort: Annotated[str, typer.Option(
                     "--sort", help="Order by incidence, excess (over comparator), event or "
                     "substance.")] = "incidence",
                 category: CategoryOpt = None, min_evidence: EvidenceOpt = None,
                 population: PopulationOpt = None, since: SinceOpt = None,
                 clinical: ClinicalOpt = False, as_json: JsonOpt = False,
                 fmt: FormatOpt = Format.TERMINAL) -> None:
    """Adverse effects with incidence against the comparator's."""
    from evsum.query import resolve_all
    from evsum.views import build_side_effects

    filters = _filters(category, min_evidence, population, since, clinical)
    kb = _load(ctx)
    view = build_side_effects(kb, resolve_all(kb, substances), filters, min_incidence, sort)
    _emit(ctx, view, kb, fmt, as_json)


@app.command()
@reports_errors
def export(ctx: typer.Context, substances: SubstancesArg,
           output: Annotated[Path, typer.Option(
               "--output", "-o", help="File to write ('-' for standard output).",
               metavar="FILE")],
           fmt: Annotated[Format, typer.Option("--format", "-f", help="markdown or json."
                                               )] = Format.MARKDOWN,
           force: Annotated[bool, typer.Option("--force", help="Overwrite FILE.")] = False,
           category: CategoryOpt = None, min_evidence: EvidenceOpt = None,
           population: PopulationOpt = None, since: SinceOpt = None,
           clinical: ClinicalOpt = False) -> None:
    """A summary of one substance, or a comparison of several, written to a file."""
    from evsum.compare import build_comparison
    from evsum.output import write_atomic
    from evsum.query import resolve_all
    from evsum.render import render_text
    from evsum.views import build_summary

    if fmt is Format.TERMINAL:
        raise UsageError("export writes markdown or json; use 'show' or 'compare' for the "
                         "terminal")
    filters = _filters(category, min_evidence, population, since, clinical)
    kb = _load(ctx)
    chosen = resolve_all(kb, substances)
    summaries = [build_summary(kb, s, filters) for s in chosen]
    if len(chosen) == 1:
        text = render_text(summaries[0], fmt, kb)
    else:
        comparison = build_comparison(kb, chosen, filters)
        text = render_text(comparison, fmt, kb, details=list(summaries))
    if str(output) == "-":
        sys.stdout.write(text)
        return
    write_atomic(output, text, force)
    sys.stderr.write(f"wrote {output}\n")


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

    state = _state(ctx)
    kb, problems, files = validate_files(state.facts_dirs, list(paths or []), state.bundled)
    if as_json:
        sys.stdout.write(json.dumps({
            "evsum_json": 1, "kind": "validate", "ok": not problems,
            "files": len(files), "facts": len(kb.facts),
            "problems": [{"file": p.file, "line": p.line, "field": p.field,
                          "message": p.message} for p in problems],
        }, indent=2, ensure_ascii=False) + "\n")
    else:
        _print_problems(problems, sys.stdout)
        status = (f"{len(problems)} problem(s)" if problems else "ok")
        sys.stderr.write(f"{status}: {len(files)} file(s), {len(kb.substances)} substance(s), "
                         f"{len(kb.sources)} source(s), {len(kb.facts)} valid fact(s)\n")
    if problems:
        raise typer.Exit(EXIT_INVALID_FACTS)


@app.command()
def schema() -> None:
    """Print the fact file format as JSON Schema, for editors."""
    import json

    from evsum.facts.schema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    """Console entry point: no traceback for anything but a bug."""
    if hasattr(signal, "SIGPIPE"):  # `evsum show x | head`: end quietly, as Unix tools do
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("evsum: interrupted\n")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # a bug in evsum, not bad input
        if os.environ.get("EVSUM_DEBUG"):
            raise
        sys.stderr.write(f"evsum: internal error: {type(exc).__name__}: {exc}\n"
                         "Please report it; EVSUM_DEBUG=1 shows the traceback.\n")
        sys.exit(EXIT_INTERNAL)
