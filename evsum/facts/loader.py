"""Find fact files, parse and validate each, and assemble the knowledge base."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evsum.errors import FactFileError, Problem
from evsum.facts.cache import Cache, CacheMiss, signature
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Comparator, Fact, Location, Source, Substance, Timepoint, Value
from evsum.text import describe, normalize_name, visible

if TYPE_CHECKING:
    from evsum.facts import schema

FACT_SUFFIXES = (".yaml", ".yml")
MAX_FILES = 5000
MAX_FOLDER_DEPTH = 32
ENV_FACTS_PATH = "EVSUM_FACTS_PATH"


@dataclass
class ParsedFile:
    """What one file holds: its valid entries and its problems."""

    display: str
    substances: list[Substance] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


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


def display_path(path: Path) -> str:
    """How a file is named in messages: relative to the working folder when inside it."""
    full = os.path.abspath(path)
    here = os.getcwd() + os.sep
    shown = full[len(here):] if full.startswith(here) else full
    # A name that is not UTF-8 holds surrogates: show its bytes as escapes instead; a
    # control character in a name is shown as an escape too, wherever it is printed.
    return visible(shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))


def discover(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """Every fact file under the given files and folders, each once, in a stable order."""
    found: list[Path] = []
    problems: list[Problem] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
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
                return
        if key not in seen:
            seen.add(key)
            found.append(path)

    for root in paths:
        if root.is_file() or (root.is_symlink() and not root.is_dir()):
            add(root)
            continue
        if not root.exists():
            problems.append(Problem(display_path(root), None, "", "does not exist"))
            continue
        if not root.is_dir():
            problems.append(Problem(display_path(root), None, "", "is not a file or folder"))
            continue
        pending = [(root, 0)]  # a stack, not recursion: folder trees can be deeper than Python
        while pending:
            folder, depth = pending.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
            except OSError as exc:
                problems.append(Problem(display_path(folder), None, "",
                                        f"cannot be read: {exc.strerror or exc}"))
                continue
            for entry in entries:
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
                    add(Path(entry.path))
                    if len(found) > MAX_FILES:
                        problems.append(Problem(display_path(root), None, "",
                                                f"holds more than {MAX_FILES} fact files"))
                        return found[:MAX_FILES], problems
    found.sort(key=lambda p: str(p))
    return found, problems


def parse_file(path: Path, display: str | None = None) -> ParsedFile:
    """Parse and validate one fact file on its own (no cross-file checks)."""
    # Imported here: a warm run answers from the cache and needs neither.
    from evsum.facts import schema
    from evsum.facts.yamltree import Mapping, Sequence, YamlProblem, load_tree

    shown = display or display_path(path)
    parsed = ParsedFile(shown)
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
    parsed.problems += [Problem(shown, line, fld, msg) for line, fld, msg in out.problems]
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
            where=Location(parsed.display, line), volume=record.get("volume"),
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
    spec = schema.SUBSTANCE if key == "substances" else schema.FACT
    for index, item in enumerate(node.items):
        path = f"{key}[{index}]"
        record = schema.convert(item, spec, path, out)
        if record is None:
            continue
        where = Location(parsed.display, item.line)
        if key == "substances":
            parsed.substances.append(Substance(
                id=record["id"], name=record["name"], aliases=tuple(record.get("aliases", ())),
                family=record["family"], drug_class=record["class"],
                targets=tuple(record["targets"]), routes=tuple(record["routes"]),
                status=record["status"], where=where,
            ))
        elif isinstance(item, Mapping) and schema.check_fact_values(record, item, path, out):
            parsed.facts.append(_fact(record, where))


def _fact(record: dict[str, Any], where: Location) -> Fact:
    value = record.get("value")
    comparator = record.get("comparator")
    timepoint = record.get("timepoint")
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
            p=value.get("p"),
        ) if value else None,
        comparator=Comparator(
            name=comparator["name"], value=comparator.get("value"), n=comparator.get("n"),
        ) if comparator else None,
        adverse_event=record.get("adverse_event"), severity=record.get("severity", "any"),
        pathway=tuple(record.get("pathway", ())), grade=record.get("grade"),
        tags=tuple(record.get("tags", ())), note=record.get("note"),
        disputed=record.get("disputed"),
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
        if ok:
            valid.append(fact)
    problems.sort(key=lambda p: (p.file, p.line or 0, p.field))
    kb = KnowledgeBase.from_facts(list(substances.values()), list(sources.values()), valid,
                                  [p.display for p in parsed_files], problems)
    return kb, problems


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


def parse_files(files: list[Path], cache: Cache) -> list[ParsedFile]:
    """Parse each file, or take its parse from the cache when the file is unchanged.

    When many large files need parsing (a cold cache on a big knowledge base),
    they are parsed in worker processes, one per core.
    """
    entries: list[ParsedFile | None] = []
    todo: list[tuple[int, Path, str, Any]] = []
    for index, path in enumerate(files):
        display = display_path(path)
        sig = signature(path)
        entry = cache.parsed_file(path, display, sig)
        entries.append(entry)
        if entry is None:
            todo.append((index, path, display, sig))
    size = sum(sig[0] for _, _, _, sig in todo if sig is not None)
    workers = min(os.cpu_count() or 1, 4)
    if workers > 1 and len(todo) >= PARALLEL_MIN_FILES and size >= PARALLEL_MIN_BYTES:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(parse_file, [p for _, p, _, _ in todo],
                                    [d for _, _, d, _ in todo], chunksize=8))
    else:
        results = [parse_file(path, display) for _, path, display, _ in todo]
    for (index, path, _, sig), entry in zip(todo, results, strict=True):
        cache.store_parsed_file(path, sig, entry)
        entries[index] = entry
    return [e for e in entries if e is not None]


def load_knowledge_base(extra_dirs: list[Path] | None = None, include_bundled: bool = True,
                        cache: Cache | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """Load every fact file on the path; never raises on bad data.

    A warm run reads the assembled knowledge base from the cache and loads a
    substance's facts only when asked for them.
    """
    cache = cache if cache is not None else Cache()
    files, found = discover(fact_dirs(extra_dirs, include_bundled))
    key = Cache.key([(display_path(f), signature(f)) for f in files], found)

    def build() -> KnowledgeBase:
        kb, more = assemble(parse_files(files, cache))
        kb.problems = sorted(found + more, key=lambda p: (p.file, p.line or 0, p.field))
        return kb

    kb = cache.knowledge_base(key)
    if kb is None:
        kb = build()
        cache.store_knowledge_base(key, kb)
    else:
        stored = kb.facts_of

        def facts_of(substance_id: str) -> list[Fact]:
            try:
                return stored(substance_id)
            except CacheMiss:  # the entry was pruned under us: parse after all
                return build().facts_of(substance_id)

        kb.facts_of = facts_of  # type: ignore[method-assign]
    return kb, kb.problems


def validate_files(extra_dirs: list[Path], paths: list[Path], include_bundled: bool = True
                   ) -> tuple[KnowledgeBase, list[Problem], list[Path]]:
    """Check the given files (default: every file on the path) with the rest as context.

    References may point into any file evsum reads, so all are loaded; only
    the problems of the files asked about are reported.
    """
    cache = Cache()
    context, problems = discover(fact_dirs(extra_dirs, include_bundled))
    if not paths:
        kb, more = assemble(parse_files(context, cache))
        return kb, problems + more, context
    asked, problems = discover(paths)
    asked_keys = {p.resolve() for p in asked}
    files = [p for p in context if p.resolve() not in asked_keys] + asked
    kb, more = assemble(parse_files(files, cache))
    shown = {display_path(p) for p in asked}
    return kb, problems + [p for p in more if p.file in shown], asked


def require_valid(kb: KnowledgeBase, problems: list[Problem]) -> KnowledgeBase:
    """The knowledge base, or FactFileError listing every problem."""
    if problems:
        raise FactFileError(problems)
    return kb
