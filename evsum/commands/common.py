"""What every command shares: the app, global state, options, loading and output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from evsum.errors import EvsumError, FactFileError, Problem, UsageError
from evsum.render import Format

if TYPE_CHECKING:
    from evsum.facts.index import KnowledgeBase
    from evsum.facts.model import Substance
    from evsum.query import Filters

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
    """Global options, set by the app's callback."""

    facts_dirs: list[Path] = field(default_factory=list)
    bundled: bool = True
    color: bool | None = None
    prefer_own: bool = False  # let facts from --facts-dir folders head summary cells


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def fail(message: str, code: int) -> None:
    from evsum.text import visible

    sys.stderr.write(f"evsum: {visible(message)}\n")  # it may quote what the user typed
    raise typer.Exit(code)


def problems_text(problems: list[Problem]) -> str:
    """The first problems, one a line, and how many more there are."""
    lines = [f"{problem}\n" for problem in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        lines.append(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more\n")
    return "".join(lines)


def reports_errors(command: F) -> F:
    """Turn an EvsumError into its message on stderr and its exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except FactFileError as exc:
            sys.stderr.write(problems_text(exc.problems))
            fail(f"{len(exc.problems)} problem(s) in the fact files; run 'evsum validate'",
                 exc.exit_code)
        except EvsumError as exc:
            fail(str(exc), exc.exit_code)

    return wrapper  # type: ignore[return-value]


def load(ctx: typer.Context) -> KnowledgeBase:
    """The knowledge base on the user's path, or FactFileError."""
    from evsum.facts.loader import load_knowledge_base, require_valid

    current = state(ctx)
    kb = require_valid(*load_knowledge_base(current.facts_dirs, include_bundled=current.bundled))
    # the loader collects warnings on the substances the command reads: print them after it
    ctx.call_on_close(lambda: print_warnings(sorted(kb.warnings), sys.stderr))
    return kb


def print_warnings(warnings: list[Problem], stream: Any) -> None:
    """Warnings go to stderr and never change the exit code."""
    for warning in warnings[:MAX_PROBLEMS_SHOWN]:
        stream.write(f"{warning}\n")
    if len(warnings) > MAX_PROBLEMS_SHOWN:
        stream.write(f"... and {len(warnings) - MAX_PROBLEMS_SHOWN} more warning(s)\n")


def completer(kind: str) -> Callable[[typer.Context, str], list[str]]:
    """A Typer completion hook for one kind of value; evsum.completion holds the candidates.

    The console script answers TAB before Typer is imported (evsum.entry); these
    hooks give the same candidates when the app runs completion itself, and
    their `completes` attribute names the kind in the generated table.
    """

    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        from evsum.completion import values

        params = ctx.find_root().params
        dirs = [str(d) for d in params.get("facts_dir") or ()]
        return values(kind, incomplete, dirs, not params.get("no_bundled"))

    complete.completes = kind  # type: ignore[attr-defined]
    complete.__name__ = f"complete_{kind.replace('-', '_')}"
    return complete


complete_substance = completer("substance")
complete_fact = completer("fact")
complete_substance_or_fact = completer("substance-or-fact")


# Options shared by the commands that show facts: the same everywhere.
CategoryOpt = Annotated[list[str] | None, typer.Option(
    "--category", "-c", help="Only these categories (repeatable): efficacy, safety, "
    "dissociation, mechanism, pharmacology, dosing, regulatory.", show_default=False,
    autocompletion=completer("category"))]
EvidenceOpt = Annotated[str | None, typer.Option(
    "--min-evidence", "-e", help="Only evidence at least this strong: meta-analysis, rct, "
    "label, regulatory, open-label, observational, case-series, review, preclinical.",
    autocompletion=completer("evidence"))]
PopulationOpt = Annotated[list[str] | None, typer.Option(
    "--population", "-p", help="Only these populations (repeatable), e.g. trd, mdd.",
    show_default=False, autocompletion=completer("population"))]
SinceOpt = Annotated[int | None, typer.Option("--since", help="Only sources from YEAR on.",
                                              metavar="YEAR")]
ClinicalOpt = Annotated[bool, typer.Option(
    "--clinical", help="Leave out preclinical (animal and cell) facts.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Write JSON (same as --format json).")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
SvgOpt = Annotated[Path | None, typer.Option(
    "--svg", help="Also save the terminal view as an SVG picture.", metavar="FILE")]
HtmlOpt = Annotated[Path | None, typer.Option(
    "--html", help="Also save the view as an HTML document.", metavar="FILE")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite files that exist.")]
AllOpt = Annotated[bool, typer.Option(
    "--all", help="Every fact (the full dossier) instead of the summary of findings.")]
OutcomeOpt = Annotated[str | None, typer.Option(
    "--outcome", help="Expand one outcome of the summary with all its facts, e.g. response, "
    "remission, depression-score, dissociation, top-harms.", metavar="KEY")]
SubstancesArg = Annotated[list[str], typer.Argument(
    help="Substance names or aliases (case-insensitive).", metavar="SUBSTANCE...",
    autocompletion=complete_substance)]


def filters(category: list[str] | None, min_evidence: str | None,
            population: list[str] | None, since: int | None, clinical: bool) -> Filters:
    from evsum.query import make_filters

    return make_filters(category, min_evidence, population, since, clinical)


def findings_view(kb: KnowledgeBase, substances: list[Substance], chosen: Filters,
                  outcome: str | None, prefer_own: bool = False) -> object:
    """The summary of findings, or UsageError for an --outcome that is no summary row."""
    from evsum.facts.vocabulary import SUMMARY_OUTCOMES
    from evsum.findings import build_findings
    from evsum.text import describe

    keys = [key for key, *_ in SUMMARY_OUTCOMES]
    if outcome is not None and outcome not in keys:
        raise UsageError(f"unknown outcome {describe(outcome)}; known: {', '.join(keys)}")
    return build_findings(kb, substances, chosen, outcome, prefer_own)


def emit(ctx: typer.Context, view: object, kb: KnowledgeBase, fmt: Format, as_json: bool,
         svg: Path | None = None, html: Path | None = None, force: bool = False) -> None:
    """Print a view, and save it as SVG and/or HTML when asked."""
    from evsum.output import write_stdout
    from evsum.render import render_for, render_svg, render_text

    if svg is not None or html is not None:
        from evsum.output import check_target, same_file, write_atomic

        if svg is not None and html is not None and same_file(svg, html):
            raise UsageError(f"--svg and --html name the same file: {html}")
        for path in (svg, html):  # refuse now, before either is written
            if path is not None:
                check_target(path, force)
        if svg is not None:
            write_atomic(svg, render_svg(view, kb), force)
        if html is not None:
            write_atomic(html, render_text(view, Format.HTML, kb), force)
    chosen = Format.JSON if as_json else fmt
    write_stdout(render_for(view, chosen, kb, sys.stdout, state(ctx).color),
                 is_json=chosen is Format.JSON)
