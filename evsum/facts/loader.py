"""Find fact files, parse and validate each, and assemble the knowledge base."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evsum.errors import FactFileError, Problem
from evsum.facts.cache import Cache, signature
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import (
    Claim,
    ClaimLink,
    Comparator,
    Dispute,
    Fact,
    Location,
    Margin,
    Reading,
    Source,
    Substance,
    Timepoint,
    Value,
)
from evsum.text import describe, normalize_name, visible

if TYPE_CHECKING:
    from evsum.facts import schema

FACT_SUFFIXES = (".yaml", ".yml")
# Limits per run, over every fact folder together: a tree from a stranger cannot
# make a run slow or large however its files are split up.
MAX_FILES = 5000
MAX_FOLDERS = 1000
MAX_NAMES = 50_000  # names looked at in fact folders, fact files or not
MAX_PROBLEMS = 1000  # problems reported; checking stops there
MAX_FOLDER_DEPTH = 32
MAX_FIELD_SHOWN = 80  # characters of a field's name in a problem
ENV_FACTS_PATH = "EVSUM_FACTS_PATH"


@dataclass
class ParsedFile:
    """What one file holds: its valid entries and its problems."""

    display: str
    substances: list[Substance] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    origin: str | None = None  # the folder the file was found in; None when bundled


def bundled_facts_dir() -> Path:
    """The facts shipped with evsum: inside the wheel, or the checkout's facts/."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_bundled_facts"
    return installed if installed.is_dir() else package.parent / "facts"


def fact_dirs(extra: list[Path] | None = None, include_bundled: bool = True) -> list[Path]:
    """Bundled facts, then EVSUM_FACTS_PATH entries, then --facts-dir folders."""
    dirs = [bundled_facts_dir()] if include_bundled else []
    env = os.environ.get(ENV_FACTS_PATH, "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p.strip()]
    dirs += list(extra or [])
    return dirs


def file_origins(files: list[Path], roots: list[Path], bundled: Path | None) -> list[str | None]:
    """Per file, the folder it was found in as shown to the user; None for bundled files.

    A file belongs to the first root that holds it, as discover() finds it first.
    """
    named = [(root.parts, None if bundled is not None and root == bundled
              else display_path(root)) for root in roots]
    origins: list[str | None] = []
    for path in files:
        parts = path.parts
        origins.append(next((origin for prefix, origin in named
                             if parts[:len(prefix)] == prefix
                             and (prefix or not path.is_absolute())),  # '.' holds relative paths
                            display_path(path)))
    return origins


def display_path(path: Path) -> str:
    """How a file is named in messages: relative to the working folder when inside it."""
    full = os.path.abspath(path)
    here = os.getcwd() + os.sep
    shown = full[len(here):] if full.startswith(here) else full
    # A name that is not UTF-8 holds surrogates: show its bytes as escapes instead; a
    # control character in a name is shown as an escape too, wherever it is printed.
    return visible(shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))


def discover(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """Every fact file under the given files and folders, each once, in a stable order.

    A symbolic link in a folder is read when it points to a file inside that
    folder, and refused when it leads out of it; links to folders are not
    followed. A file named on its own is read wherever it is.
    """
    found: list[Path] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    walked = {"folders": 0, "names": 0}

    def add(path: Path) -> bool:
        # strict: Python 3.13 no longer raises for a loop unless asked (3.11 raises
        # RuntimeError, 3.13 OSError ELOOP); a dangling link is left for the read to report
        try:
            key = path.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            if isinstance(exc, OSError) and exc.errno != errno.ELOOP:
                key = path.resolve()
            else:
                problems.append(Problem(display_path(path), None, "", "cannot be resolved "
                                        "(a symlink loop?)"))
                return True
        if key not in seen:
            seen.add(key)
            found.append(path)
        return len(found) <= MAX_FILES

    def over(limit: int, what: str) -> None:
        problems.append(Problem(display_path(root), None, "", f"the fact folders hold more "
                                f"than {limit:,} {what}; the rest are not read"))

    for root in paths:
        if root.is_file() or (root.is_symlink() and not root.is_dir()):
            if not add(root):
                over(MAX_FILES, "fact files")
                return found[:MAX_FILES], problems
            continue
        if not root.exists():
            problems.append(Problem(display_path(root), None, "", "does not exist"))
            continue
        if not root.is_dir():
            problems.append(Problem(display_path(root), None, "", "is not a file or folder"))
            continue
        inside = root.resolve()
        pending = [(root, 0)]  # a stack, not recursion: folder trees can be deeper than Python
        while pending:
            folder, depth = pending.pop()
            walked["folders"] += 1
            if walked["folders"] > MAX_FOLDERS:
                over(MAX_FOLDERS, "folders")
                return sorted(found, key=str), problems
            try:
                with os.scandir(folder) as scan:
                    entries = []
                    for entry in scan:
                        walked["names"] += 1
                        if walked["names"] > MAX_NAMES:
                            over(MAX_NAMES, "names")
                            return sorted(found, key=str), problems
                        entries.append(entry)
            except OSError as exc:
                problems.append(Problem(display_path(folder), None, "",
                                        f"cannot be read: {exc.strerror or exc}"))
                continue
            for entry in sorted(entries, key=lambda e: e.name, reverse=True):
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if depth + 1 > MAX_FOLDER_DEPTH:
                        problems.append(Problem(display_path(Path(entry.path)), None, "",
                                                f"is nested more than {MAX_FOLDER_DEPTH} "
                                                "folders deep; not read"))
                    else:
                        pending.append((Path(entry.path), depth + 1))
                elif entry.name.endswith(FACT_SUFFIXES):
                    path = Path(entry.path)
                    if entry.is_symlink() and not _leads_into(path, inside):
                        problems.append(Problem(display_path(path), None, "",
                                                "is a symbolic link that leads out of its "
                                                "fact folder; not read"))
                    elif not add(path):
                        over(MAX_FILES, "fact files")
                        return sorted(found[:MAX_FILES], key=str), problems
    found.sort(key=lambda p: str(p))
    return found, problems


def _leads_into(link: Path, folder: Path) -> bool:
    """Whether a link ends inside the (resolved) folder; a loop ends nowhere."""
    try:
        return link.resolve().is_relative_to(folder)
    except (OSError, RuntimeError):
        return True  # reported as a loop when it is added


def _shown_field(name: str) -> str:
    """A field as a problem names it: escaped, and bounded (keys come from the file)."""
    shown = visible(name)
    return shown if len(shown) <= MAX_FIELD_SHOWN else shown[:MAX_FIELD_SHOWN - 1] + "…"


def parse_file(path: Path, display: str | None = None, origin: str | None = None) -> ParsedFile:
    """Parse and validate one fact file on its own (no cross-file checks)."""
    # Imported here: a warm run answers from the cache and needs neither.
    from evsum.facts import schema
    from evsum.facts.yamltree import Mapping, Sequence, YamlProblem, load_tree

    shown = display or display_path(path)
    parsed = ParsedFile(shown, origin=origin)
    try:
        tree = load_tree(path)
    except YamlProblem as exc:
        parsed.problems.append(Problem(shown, exc.line, "", exc.message))
        return parsed
    if tree is None:
        parsed.problems.append(Problem(shown, None, "", "is empty; a fact file is a mapping "
                                       "with substances, sources and/or facts"))
        return parsed
    if not isinstance(tree, Mapping):
        kind = "a list" if isinstance(tree, Sequence) else "a single value"
        parsed.problems.append(Problem(shown, tree.line, "", f"is {kind}; a fact file is a "
                                       "mapping with substances, sources and/or facts"))
        return parsed
    out = schema.Collector()
    try:
        for key, (line, node) in tree.pairs.items():
            if key not in schema.TOP_LEVEL:
                out.add(line, visible(key), f"unknown top-level key {describe(key)}; known: "
                        f"{', '.join(schema.TOP_LEVEL)}")
            elif key == "sources":
                _read_sources(node, parsed, out)
            else:
                _read_list(key, node, parsed, out)
    except schema.TooManyProblems:
        pass  # the collector recorded that it stopped
    parsed.problems += [Problem(shown, line, _shown_field(fld), msg)
                        for line, fld, msg in out.problems]
    return parsed


def _read_sources(node: Any, parsed: ParsedFile, out: schema.Collector) -> None:
    from evsum.facts import schema
    from evsum.facts.yamltree import Mapping

    if not isinstance(node, Mapping):
        if not (hasattr(node, "plain") and node.plain and node.value in schema.YAML11_NULL):
            out.add(node.line, "sources", "expected a mapping of key: source")
        return
    if len(node.pairs) > schema.MAX_ENTRIES_PER_FILE:
        out.add(node.line, "sources", f"has more than {schema.MAX_ENTRIES_PER_FILE} entries")
        return
    for key, (line, value) in node.pairs.items():
        path = f"sources.{visible(key)}"
        if not schema.SLUG.match(key):
            out.add(line, path, f"{describe(key)} is not a slug key")
            continue
        record = schema.convert(value, schema.SOURCE, path, out)
        if record is None:
            continue
        if not any(record.get(k) for k in ("doi", "pmid", "url")):
            out.add(value.line, path, "needs a doi, pmid or url")
            continue
        parsed.sources.append(Source(
            key=key, type=record["type"], authors=record["authors"], title=record["title"],
            year=record["year"], journal=record.get("journal"), doi=record.get("doi"),
            pmid=record.get("pmid"), pmcid=record.get("pmcid"), url=record.get("url"),
            status=record.get("status"), status_note=record.get("status_note"),
            where=Location(parsed.display, line, parsed.origin), volume=record.get("volume"),
            issue=record.get("issue"), pages=record.get("pages"),
            container=record.get("container"),
        ))


def _read_list(key: str, node: Any, parsed: ParsedFile, out: schema.Collector) -> None:
    from evsum.facts import schema
    from evsum.facts.yamltree import Mapping, Sequence

    if not isinstance(node, Sequence):
        if not (hasattr(node, "plain") and node.plain and node.value in schema.YAML11_NULL):
            out.add(node.line, key, "expected a list")
        return
    if len(node.items) > schema.MAX_ENTRIES_PER_FILE:
        out.add(node.line, key, f"has more than {schema.MAX_ENTRIES_PER_FILE} entries")
        return
    spec = {"substances": schema.SUBSTANCE, "claims": schema.CLAIM}.get(key, schema.FACT)
    for index, item in enumerate(node.items):
        path = f"{key}[{index}]"
        record = schema.convert(item, spec, path, out)
        if record is None:
            continue
        where = Location(parsed.display, item.line, parsed.origin)
        if key == "substances":
            parsed.substances.append(Substance(
                id=record["id"], name=record["name"], aliases=tuple(record.get("aliases", ())),
                family=record["family"], drug_class=record["class"],
                targets=tuple(record["targets"]), routes=tuple(record["routes"]),
                status=record["status"], where=where,
            ))
        elif key == "claims":
            parsed.claims.append(Claim(
                id=record["id"], text=" ".join(record["claim"].split()),
                source=record["source"], locator=record["locator"],
                substances=tuple(record["substances"]),
                supports=tuple(ClaimLink(x["fact"], x["how"]) for x in record.get("supports", ())),
                challenges=tuple(ClaimLink(x["fact"], x["how"])
                                 for x in record.get("challenges", ())),
                where=where, parent=record.get("parent")))
        elif isinstance(item, Mapping) and schema.check_fact_values(record, item, path, out):
            parsed.facts.append(_fact(record, where))


def _fact(record: dict[str, Any], where: Location) -> Fact:
    value = record.get("value")
    comparator = record.get("comparator")
    timepoint = record.get("timepoint")
    disputed, margin, read = record.get("disputed"), record.get("margin"), record.get("read")
    return Fact(
        id=record["id"], substance=record["substance"], category=record["category"],
        claim=" ".join(record["claim"].split()), design=record["design"],
        source=record["source"], locator=record["locator"], checked=record["checked"],
        where=where, outcome=record.get("outcome"), population=record.get("population"),
        timepoint=Timepoint(*timepoint) if timepoint else None, n=record.get("n"),
        scale=record.get("scale"),
        value=Value(
            estimate=value.get("estimate"), unit=value["unit"],
            ci=tuple(value["ci"]) if "ci" in value else None,
            range=tuple(value["range"]) if "range" in value else None,
            p=value.get("p"), events=value.get("events"), total=value.get("total"),
        ) if value else None,
        comparator=Comparator(
            name=comparator["name"], kind=comparator["kind"], value=comparator.get("value"),
            n=comparator.get("n"), events=comparator.get("events"),
            total=comparator.get("total"),
        ) if comparator else None,
        adverse_event=record.get("adverse_event"), severity=record.get("severity", "any"),
        pathway=tuple(record.get("pathway", ())), grade=record.get("grade"),
        tags=tuple(record.get("tags", ())), note=record.get("note"),
        disputed=Dispute(tuple(disputed["by"]), " ".join(disputed["reason"].split()))
        if disputed else None,
        arm=record.get("arm"), analysis=record.get("analysis"), contrast=record.get("contrast"),
        hypothesis=record.get("hypothesis", "superiority"),
        margin=Margin(margin["value"], margin["unit"]) if margin else None,
        better=record.get("better"),
        read=Reading(read["url"], read["kind"], read.get("note")) if read else None,
        measure=record.get("measure"),
    )


def assemble(parsed_files: list[ParsedFile]) -> tuple[KnowledgeBase, list[Problem]]:
    """Cross-check the files against each other and build the knowledge base."""
    problems = [p for parsed in parsed_files for p in parsed.problems]
    substances: dict[str, Substance] = {}
    sources: dict[str, Source] = {}
    facts: dict[str, Fact] = {}
    names: dict[str, str] = {}
    for parsed in parsed_files:
        for substance in parsed.substances:
            if _duplicate(substance.id, substance.where, substances, "substance id", problems):
                continue
            substances[substance.id] = substance
            for name in {normalize_name(n) for n in (substance.id, substance.name,
                                                      *substance.aliases)}:
                other = names.setdefault(name, substance.id)
                if other != substance.id:
                    problems.append(Problem(substance.where.file, substance.where.line,
                                            "aliases", f"name {describe(name)} already names "
                                            f"substance {describe(other)}"))
        for source in parsed.sources:
            if not _duplicate(source.key, source.where, sources, "source key", problems):
                sources[source.key] = source
        for fact in parsed.facts:
            if not _duplicate(fact.id, fact.where, facts, "fact id", problems):
                facts[fact.id] = fact
    valid: list[Fact] = []
    for fact in facts.values():
        ok = True
        if fact.substance not in substances:
            problems.append(Problem(fact.where.file, fact.where.line, "substance",
                                    f"unknown substance {describe(fact.substance)}"))
            ok = False
        if fact.source not in sources:
            problems.append(Problem(fact.where.file, fact.where.line, "source",
                                    f"unknown source key {describe(fact.source)}"))
            ok = False
        for other in fact.disputed.by if fact.disputed else ():
            if other not in facts or other == fact.id:
                problems.append(Problem(fact.where.file, fact.where.line, "disputed.by",
                                        f"names {describe(other)}, which is not "
                                        + ("another fact" if other == fact.id else "a fact")))
                ok = False
        if ok:
            valid.append(fact)
    claims = _check_claims([c for parsed in parsed_files for c in parsed.claims],
                           {f.id for f in valid}, set(facts), substances, sources, problems)
    problems.sort(key=lambda p: (p.file, p.line or 0, p.field))
    kb = KnowledgeBase.from_facts(list(substances.values()), list(sources.values()), valid,
                                  [p.display for p in parsed_files], problems)
    kb.claims = claims
    kb.warnings = origin_warnings(valid, substances, sources)
    return kb, problems


def _check_claims(claims: list[Claim], valid: set[str], known: set[str],
                  substances: Mapping[str, Substance], sources: Mapping[str, Source],
                  problems: list[Problem]) -> dict[str, Claim]:
    """Claims whose references hold: facts, substances, source and parent all exist."""
    by_id: dict[str, Claim] = {}
    for claim in claims:
        if not _duplicate(claim.id, claim.where, by_id, "claim id", problems):
            by_id[claim.id] = claim
    good: dict[str, Claim] = {}
    for claim in by_id.values():
        found: list[tuple[str, str]] = []
        if not claim.supports and not claim.challenges:
            found.append(("supports", "a claim needs at least one fact that supports or "
                                      "challenges it"))
        both = {x.fact for x in claim.supports} & {x.fact for x in claim.challenges}
        found += [("challenges", f"fact {describe(f)} both supports and challenges the claim")
                  for f in sorted(both)]
        for side, links in (("supports", claim.supports), ("challenges", claim.challenges)):
            found += [(side, f"unknown fact {describe(x.fact)}" if x.fact not in known
                       else f"fact {describe(x.fact)} is invalid")
                      for x in links if x.fact not in valid]
        found += [("substances", f"unknown substance {describe(s)}")
                  for s in claim.substances if s not in substances]
        if claim.source not in sources:
            found.append(("source", f"unknown source key {describe(claim.source)}"))
        if claim.parent is not None and claim.parent not in by_id:
            found.append(("parent", f"unknown claim {describe(claim.parent)}"))
        elif _circular(claim, by_id):
            found.append(("parent", "the claim leads back to itself through its parents"))
        problems += [Problem(claim.where.file, claim.where.line, f"claims.{field}", message)
                     for field, message in found]
        if not found:
            good[claim.id] = claim
    return good


def _circular(claim: Claim, claims: dict[str, Claim]) -> bool:
    seen = {claim.id}
    current = claim.parent
    while current is not None and current in claims:
        if current in seen:
            return True
        seen.add(current)
        current = claims[current].parent
    return False


def origin_warnings(facts: list[Fact], substances: Mapping[str, Substance],
                    sources: Mapping[str, Source]) -> list[Problem]:
    """A fact from outside the bundled set that rests on a bundled source or substance.

    Not an error (a user may well add a number from a paper evsum cites), but
    such a fact looks curated in the company it keeps, so the user is told.
    """
    warnings = []
    for fact in facts:
        if fact.where.bundled:
            continue
        said = []
        if sources[fact.source].where.bundled:
            said.append(f"cites bundled source {fact.source}")
        if substances[fact.substance].where.bundled:
            said.append(f"attaches to bundled substance {fact.substance}")
        if said:
            warnings.append(Problem(fact.where.file, fact.where.line, "warning",
                                    f"fact {fact.id} {' and '.join(said)}"))
    return sorted(warnings, key=lambda p: (p.file, p.line or 0))


def _duplicate(key: str, where: Location, seen: dict[str, Any], what: str,
               problems: list[Problem]) -> bool:
    first = seen.get(key)
    if first is None:
        return False
    problems.append(Problem(where.file, where.line, "id" if what != "source key" else "sources",
                            f"duplicate {what} {describe(key)} (first at {first.where})"))
    return True


PARALLEL_MIN_FILES = 16
PARALLEL_MIN_BYTES = 1024 * 1024


def parse_files(files: list[Path], cache: Cache, origins: list[str | None] | None = None
                ) -> tuple[list[ParsedFile], int]:
    """Parse each file, or take its parse from the cache when the file is unchanged.

    When many large files need parsing (a cold cache on a big knowledge base),
    they are parsed in worker processes, one per core. Checking stops once the
    files read hold MAX_PROBLEMS problems; the second value counts the files
    left unchecked then.
    """
    origins = origins if origins is not None else [None] * len(files)
    cached: list[ParsedFile | None] = []
    todo: list[tuple[int, Path, str, Any]] = []
    for index, path in enumerate(files):
        display = display_path(path)
        sig = signature(path)
        entry = cache.parsed_file(path, display, sig, ParsedFile)
        if entry is not None:
            entry = _with_origin(entry, origins[index])
        cached.append(entry)
        if entry is None:
            todo.append((index, path, display, sig))
    size = sum(sig[0] for _, _, _, sig in todo if sig is not None)
    workers = min(os.cpu_count() or 1, 4)
    with contextlib.ExitStack() as stack:
        if workers > 1 and len(todo) >= PARALLEL_MIN_FILES and size >= PARALLEL_MIN_BYTES:
            from concurrent.futures import ProcessPoolExecutor

            pool = stack.enter_context(ProcessPoolExecutor(max_workers=workers))
            stack.callback(pool.shutdown, cancel_futures=True)  # when checking stops early
            results: Iterator[ParsedFile] = pool.map(
                parse_file, [p for _, p, _, _ in todo], [d for _, _, d, _ in todo],
                [origins[i] for i, _, _, _ in todo], chunksize=8)
        else:
            results = (parse_file(path, display, origins[index])
                       for index, path, display, _ in todo)
        pending = iter(todo)
        parsed: list[ParsedFile] = []
        problems = unchecked = 0
        for number, entry in enumerate(cached):
            if problems >= MAX_PROBLEMS:
                unchecked = len(files) - number
                break
            if entry is None:
                _, path, _, sig = next(pending)
                entry = next(results)
                cache.store_parsed_file(path, entry.display, sig, entry, ParsedFile,
                                        dated=bool(entry.problems))
            parsed.append(entry)
            problems += len(entry.problems)
    return parsed, unchecked


def _with_origin(parsed: ParsedFile, origin: str | None) -> ParsedFile:
    """A cached parse, its locations re-stamped if the file is now read from another root."""
    parsed.origin = origin
    stamps = [e.where.origin for e in parsed.substances[:1]] + [
        e.where.origin for e in parsed.sources[:1]] + [e.where.origin for e in parsed.facts[:1]]
    if all(stamp == origin for stamp in stamps):
        return parsed
    parsed.substances = [s._replace(where=s.where._replace(origin=origin))
                         for s in parsed.substances]
    parsed.sources = [s._replace(where=s.where._replace(origin=origin)) for s in parsed.sources]
    parsed.facts = [f._replace(where=f.where._replace(origin=origin)) for f in parsed.facts]
    return parsed


def load_knowledge_base(extra_dirs: list[Path] | None = None, include_bundled: bool = True,
                        cache: Cache | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """Load every fact file on the path; never raises on bad data.

    A warm run reads the assembled knowledge base from the cache and loads a
    substance's facts only when asked for them; a part of it the cache cannot
    give after all is parsed afresh.
    """
    cache = cache if cache is not None else Cache()
    roots = fact_dirs(extra_dirs, include_bundled)
    files, found = discover(roots)
    origins = file_origins(files, roots, bundled_facts_dir() if include_bundled else None)
    key = Cache.key([(display_path(f), signature(f), origin)
                     for f, origin in zip(files, origins, strict=True)], found)

    def build() -> KnowledgeBase:
        parsed, unchecked = parse_files(files, cache, origins)
        kb, more = assemble(parsed)
        kb.problems = _capped(found + more, unchecked)
        return kb

    kb = cache.knowledge_base(key, build)
    if kb is None:
        kb = build()
        cache.store_knowledge_base(key, kb, dated=bool(kb.problems))
    _warn_as_loaded(kb)
    return kb, kb.problems


def _warn_as_loaded(kb: KnowledgeBase) -> None:
    """Collect origin_warnings() for each substance's facts when a command loads them.

    So a warm run, which reads only the substances it shows, warns as a cold
    one does about what it shows, at no cost for the rest.
    """
    kb.warnings = []
    loaded = kb.facts_of
    warned: set[str] = set()

    def facts_of(substance_id: str) -> list[Fact]:
        facts = loaded(substance_id)
        if substance_id not in warned:
            warned.add(substance_id)
            kb.warnings += origin_warnings(facts, kb.substances, kb.sources)
        return facts

    kb.facts_of = facts_of  # type: ignore[method-assign]


def _capped(problems: list[Problem], unchecked: int = 0) -> list[Problem]:
    """Problems in file order, at most MAX_PROBLEMS of them and a line saying what is left."""
    problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.field))
    if len(problems) <= MAX_PROBLEMS and not unchecked:
        return problems
    last = problems[min(len(problems), MAX_PROBLEMS) - 1]
    more = len(problems) - MAX_PROBLEMS
    note = f"more than {MAX_PROBLEMS:,} problems in all: {max(more, 0):,} more not shown"
    if unchecked:
        note += f", {unchecked:,} file(s) not checked"
    return [*problems[:MAX_PROBLEMS], Problem(last.file, None, "", note)]


def validate_files(extra_dirs: list[Path], paths: list[Path], include_bundled: bool = True
                   ) -> tuple[KnowledgeBase, list[Problem], list[Path]]:
    """Check the given files (default: every file on the path) with the rest as context.

    References may point into any file evsum reads, so all are loaded; only
    the problems of the files asked about are reported.
    """
    cache = Cache()
    roots = fact_dirs(extra_dirs, include_bundled)
    bundled = bundled_facts_dir() if include_bundled else None
    context, problems = discover(roots)
    if not paths:
        parsed, unchecked = parse_files(context, cache, file_origins(context, roots, bundled))
        kb, more = assemble(parsed)
        return kb, _capped(problems + more, unchecked), context
    asked, problems = discover(paths)
    asked_keys = {p.resolve() for p in asked}
    files = [p for p in context if p.resolve() not in asked_keys] + asked
    # A file asked about is bundled if it lies in the bundled folder, however it was named.
    inside = bundled.resolve() if bundled is not None else None
    origins = file_origins(files[:len(files) - len(asked)], roots, bundled) + [
        None if inside is not None and _within(p.resolve(), inside) else origin
        for p, origin in zip(asked, file_origins(asked, paths, None), strict=True)]
    parsed, unchecked = parse_files(files, cache, origins)
    kb, more = assemble(parsed)
    shown = {display_path(p) for p in asked}
    kb.warnings = [w for w in kb.warnings if w.file in shown]
    return kb, _capped(problems + [p for p in more if p.file in shown], unchecked), asked


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def require_valid(kb: KnowledgeBase, problems: list[Problem]) -> KnowledgeBase:
    """The knowledge base, or FactFileError listing every problem."""
    if problems:
        raise FactFileError(problems)
    return kb
