"""Commands that show facts: list, show, compare, side-effects, search, why."""

from __future__ import annotations

from typing import Annotated

import typer

from evsum.commands.common import (
    AllOpt,
    CategoryOpt,
    ClinicalOpt,
    EvidenceOpt,
    ForceOpt,
    FormatOpt,
    HtmlOpt,
    JsonOpt,
    OutcomeOpt,
    PopulationOpt,
    SinceOpt,
    SubstancesArg,
    SvgOpt,
    app,
    complete_fact,
    complete_substance,
    emit,
    filters,
    findings_view,
    load,
    reports_errors,
    state,
)
from evsum.errors import UsageError
from evsum.render import Format


@app.command("list")
@reports_errors
def list_command(ctx: typer.Context, category: CategoryOpt = None, min_evidence: EvidenceOpt = None,
                 population: PopulationOpt = None, since: SinceOpt = None,
                 clinical: ClinicalOpt = False, as_json: JsonOpt = False,
                 fmt: FormatOpt = Format.TERMINAL, svg: SvgOpt = None, html: HtmlOpt = None,
                 force: ForceOpt = False) -> None:
    """Every substance: class, primary targets, status and fact counts per category."""
    from evsum.views import build_overview

    chosen = filters(category, min_evidence, population, since, clinical)
    kb = load(ctx)
    emit(ctx, build_overview(kb, chosen), kb, fmt, as_json, svg, html, force)


@app.command()
@reports_errors
def show(ctx: typer.Context, substance: Annotated[str, typer.Argument(
             help="Substance name or alias.", autocompletion=complete_substance)],
         category: CategoryOpt = None, min_evidence: EvidenceOpt = None,
         population: PopulationOpt = None, since: SinceOpt = None,
         clinical: ClinicalOpt = False, every: AllOpt = False, outcome: OutcomeOpt = None,
         as_json: JsonOpt = False, fmt: FormatOpt = Format.TERMINAL, svg: SvgOpt = None,
         html: HtmlOpt = None, force: ForceOpt = False) -> None:
    """One substance's summary of findings (--all: every fact by category)."""
    chosen = filters(category, min_evidence, population, since, clinical)
    kb = load(ctx)
    picked = kb.resolve(substance)
    if every:
        from evsum.views import build_summary

        view: object = build_summary(kb, picked, chosen)
    else:
        view = findings_view(kb, [picked], chosen, outcome, state(ctx).prefer_own)
    emit(ctx, view, kb, fmt, as_json, svg, html, force)


@app.command()
@reports_errors
def compare(ctx: typer.Context, substances: SubstancesArg, category: CategoryOpt = None,
            min_evidence: EvidenceOpt = None, population: PopulationOpt = None,
            since: SinceOpt = None, clinical: ClinicalOpt = False, every: AllOpt = False,
            outcome: OutcomeOpt = None, as_json: JsonOpt = False,
            fmt: FormatOpt = Format.TERMINAL, svg: SvgOpt = None, html: HtmlOpt = None,
            force: ForceOpt = False) -> None:
    """Summary of findings side by side (--all: every fact, aligned on outcome and setting)."""
    from evsum.query import resolve_all

    chosen = filters(category, min_evidence, population, since, clinical)
    kb = load(ctx)
    picked = resolve_all(kb, substances)
    if len(picked) < 2:
        raise UsageError("compare needs at least two different substances")
    if every:
        from evsum.compare import build_comparison

        view: object = build_comparison(kb, picked, chosen, state(ctx).prefer_own)
    else:
        view = findings_view(kb, picked, chosen, outcome, state(ctx).prefer_own)
    emit(ctx, view, kb, fmt, as_json, svg, html, force)


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
                 fmt: FormatOpt = Format.TERMINAL, svg: SvgOpt = None, html: HtmlOpt = None,
                 force: ForceOpt = False) -> None:
    """Adverse effects with incidence against the comparator's."""
    from evsum.query import resolve_all
    from evsum.views import build_side_effects

    chosen = filters(category, min_evidence, population, since, clinical)
    kb = load(ctx)
    view = build_side_effects(kb, resolve_all(kb, substances), chosen, min_incidence, sort)
    emit(ctx, view, kb, fmt, as_json, svg, html, force)


@app.command()
@reports_errors
def search(ctx: typer.Context,
           text: Annotated[list[str], typer.Argument(
               help='Words to find (any of them; the more the better), "a phrase" in quotes.',
               metavar="TEXT...")],
           limit: Annotated[int, typer.Option(
               "--limit", "-n", help="Show the N best matches (0: every match).",
               metavar="N")] = 10,
           full: Annotated[bool, typer.Option(
               "--all", help="Every matching fact as a full block, not one or two lines.")
           ] = False,
           category: CategoryOpt = None, min_evidence: EvidenceOpt = None,
           population: PopulationOpt = None, since: SinceOpt = None,
           clinical: ClinicalOpt = False, as_json: JsonOpt = False,
           fmt: FormatOpt = Format.TERMINAL, svg: SvgOpt = None, html: HtmlOpt = None,
           force: ForceOpt = False) -> None:
    """Ranked full-text search over claims, outcomes, tags and sources; aliases expanded."""
    from evsum import snapshot
    from evsum.views import build_search

    chosen = filters(category, min_evidence, population, since, clinical)
    kb = load(ctx)
    current = state(ctx)
    folders = snapshot.roots([str(d) for d in current.facts_dirs], current.bundled)
    view = build_search(kb, " ".join(text), chosen, 0 if full and limit == 10 else limit,
                        full, folders)
    emit(ctx, view, kb, fmt, as_json, svg, html, force)


@app.command()
@reports_errors
def why(ctx: typer.Context,
        fact_id: Annotated[str, typer.Argument(help="A fact id, as shown by show and search.",
                                               metavar="FACT_ID", autocompletion=complete_fact)],
        as_json: JsonOpt = False, fmt: FormatOpt = Format.TERMINAL, svg: SvgOpt = None,
        html: HtmlOpt = None, force: ForceOpt = False) -> None:
    """A fact's provenance: source, locator, design, n, checked date, and what else cites it."""
    from evsum.views import build_provenance

    kb = load(ctx)
    emit(ctx, build_provenance(kb, fact_id), kb, fmt, as_json, svg, html, force)


@app.command()
@reports_errors
def gaps(ctx: typer.Context, substances: Annotated[list[str] | None, typer.Argument(
             help="Substance names or aliases (default: every substance).",
             metavar="[SUBSTANCE...]", autocompletion=complete_substance)] = None,
         as_json: JsonOpt = False, fmt: FormatOpt = Format.TERMINAL, svg: SvgOpt = None,
         html: HtmlOpt = None, force: ForceOpt = False) -> None:
    """The outcomes a reader expects that have no clinical fact, per substance."""
    from evsum.findings import build_gaps
    from evsum.query import resolve_all

    kb = load(ctx)
    picked = resolve_all(kb, substances) if substances else list(kb.substances.values())
    emit(ctx, build_gaps(kb, picked), kb, fmt, as_json, svg, html, force)


@app.command()
@reports_errors
def thesis(ctx: typer.Context, selector: Annotated[str | None, typer.Argument(
               help="A source key (default: the framing review, kojic2022) or a claim id.",
               metavar="[SOURCE|CLAIM]")] = None,
           as_json: JsonOpt = False, fmt: FormatOpt = Format.TERMINAL, svg: SvgOpt = None,
           html: HtmlOpt = None, force: ForceOpt = False) -> None:
    """A review's argument claim by claim, each with the evidence for and against it."""
    from evsum.thesis import build_thesis

    kb = load(ctx)
    emit(ctx, build_thesis(kb, selector), kb, fmt, as_json, svg, html, force)
