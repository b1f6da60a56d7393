"""A cache of parsed and validated facts, so a warm run parses no YAML.

Two levels, both keyed on each fact file's stat (size, mtime, inode, ctime):

- per file: the parsed and validated content of one file, so a change to one
  file re-parses only that file;
- per knowledge base: the assembled result for one set of files, split into a
  header (substances, sources, problems, fact index) and one shard per
  substance, so a command loads only the substances it shows.

Entries are written atomically (temporary file, then rename) in the platform's
cache folder, stored with marshal (plain data, nothing executable), and are
ignored and rebuilt when stale, corrupt, unreadable or unwritable. A cache
that cannot be written only makes evsum slower.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import marshal
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from evsum import __version__
from evsum.errors import Problem
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import (
    Comparator,
    Fact,
    Location,
    Source,
    Substance,
    Timepoint,
    Value,
)

FORMAT = 2  # bump when the stored layout or the model changes
STAMP = f"evsum {__version__} cache {FORMAT}"
KEEP_KNOWLEDGE_BASES = 8
ENV_CACHE_DIR = "EVSUM_CACHE_DIR"

Signature = tuple[int, int, int, int]


def cache_dir() -> Path | None:
    """Where the platform keeps caches; None when caching is off (EVSUM_CACHE_DIR='')."""
    override = os.environ.get(ENV_CACHE_DIR)
    if override is not None:
        return Path(override) if override else None
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "evsum"


def signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


# --- plain-data forms of the model --------------------------------------------------------


def _substance(s: Substance) -> tuple[Any, ...]:
    return (s.id, s.name, s.aliases, s.family, s.drug_class, s.targets, s.routes, s.status,
            s.where.file, s.where.line)


def _substance_back(t: tuple[Any, ...]) -> Substance:
    return Substance(id=t[0], name=t[1], aliases=t[2], family=t[3], drug_class=t[4],
                     targets=t[5], routes=t[6], status=t[7], where=Location(t[8], t[9]))


def _source(s: Source) -> tuple[Any, ...]:
    return (s.key, s.type, s.authors, s.title, s.year, s.journal, s.doi, s.pmid, s.pmcid,
            s.url, s.status, s.status_note, s.where.file, s.where.line, s.volume, s.issue,
            s.pages, s.container)


def _source_back(t: tuple[Any, ...]) -> Source:
    return Source(key=t[0], type=t[1], authors=t[2], title=t[3], year=t[4], journal=t[5],
                  doi=t[6], pmid=t[7], pmcid=t[8], url=t[9], status=t[10], status_note=t[11],
                  where=Location(t[12], t[13]), volume=t[14], issue=t[15], pages=t[16],
                  container=t[17])


def _fact(f: Fact) -> tuple[Any, ...]:
    value = f.value
    comparator = f.comparator
    return (
        f.id, f.substance, f.category, f.claim, f.design, f.source, f.locator,
        f.checked.toordinal(), f.where.file, f.where.line, f.outcome, f.population,
        (f.timepoint.amount, f.timepoint.unit) if f.timepoint else None, f.n, f.scale,
        (value.estimate, value.unit, value.ci, value.range, value.p) if value else None,
        (comparator.name, comparator.value, comparator.n) if comparator else None,
        f.adverse_event, f.severity, f.pathway, f.grade, f.tags, f.note, f.disputed,
    )


def _fact_back(t: tuple[Any, ...]) -> Fact:
    return Fact(
        id=t[0], substance=t[1], category=t[2], claim=t[3], design=t[4], source=t[5],
        locator=t[6], checked=dt.date.fromordinal(t[7]), where=Location(t[8], t[9]),
        outcome=t[10], population=t[11], timepoint=Timepoint(*t[12]) if t[12] else None,
        n=t[13], scale=t[14], value=Value(*t[15]) if t[15] else None,
        comparator=Comparator(*t[16]) if t[16] else None, adverse_event=t[17],
        severity=t[18], pathway=t[19], grade=t[20], tags=t[21], note=t[22], disputed=t[23],
    )


def _problem(p: Problem) -> tuple[Any, ...]:
    return (p.file, p.line, p.field, p.message)


# --- reading and writing ------------------------------------------------------------------


def _usable(folder: Path) -> bool:
    """Only a folder of our own: another user's cache could feed us anything."""
    try:
        st = folder.stat()
    except OSError:
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not (st.st_mode & 0o022)  # not group- or world-writable


def _read(path: Path) -> Any:
    try:
        stamp, payload = marshal.loads(path.read_bytes())  # loads(): far faster than load()
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return payload if stamp == STAMP else None


def _write(path: Path, payload: Any) -> None:
    """Write atomically; any failure leaves no partial entry and is ignored."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as stream:
                marshal.dump((STAMP, payload), stream)
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    except (OSError, ValueError):
        return


def _digest(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


class Cache:
    """The cache for one run; a no-op when there is no usable folder."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else cache_dir()
        if self.folder is not None:
            with contextlib.suppress(OSError):
                self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not _usable(self.folder):
                self.folder = None

    # per file

    def _file_entry(self, display: str, path: Path) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / "files" / _digest(display, str(path.resolve()))

    def parsed_file(self, path: Path, display: str, sig: Signature | None) -> Any:
        """The stored parse of one file, if it is still current."""
        entry = self._file_entry(display, path)
        if entry is None or sig is None:
            return None
        stored = _read(entry)
        if not stored or tuple(stored[0]) != sig:
            return None
        from evsum.facts.loader import ParsedFile

        _, substances, sources, facts, problems = stored
        return ParsedFile(display, [_substance_back(t) for t in substances],
                          [_source_back(t) for t in sources], [_fact_back(t) for t in facts],
                          [Problem(*t) for t in problems])

    def store_parsed_file(self, path: Path, sig: Signature | None, parsed: Any) -> None:
        entry = self._file_entry(parsed.display, path)
        if entry is None or sig is None:
            return
        _write(entry, (sig, [_substance(s) for s in parsed.substances],
                       [_source(s) for s in parsed.sources], [_fact(f) for f in parsed.facts],
                       [_problem(p) for p in parsed.problems]))

    # per knowledge base

    def _kb_folder(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / "kb" / key

    @staticmethod
    def key(files: list[tuple[str, Signature | None]], problems: list[Problem]) -> str:
        return _digest(STAMP, files, [_problem(p) for p in problems])

    def knowledge_base(self, key: str) -> KnowledgeBase | None:
        folder = self._kb_folder(key)
        if folder is None:
            return None
        header = _read(folder / "header")
        if header is None:
            return None
        try:
            substances, sources, files, problems, shards, counts = header
            shard_files = dict(shards)

            def shard(substance_id: str) -> list[Fact]:
                name = shard_files.get(substance_id)
                if name is None:
                    return []
                stored = _read(folder / name)
                if stored is None:  # vanished or damaged since the header was read
                    raise CacheMiss(substance_id)
                return [_fact_back(t) for t in stored]

            def index() -> dict[str, str]:
                stored = _read(folder / "index")
                if stored is None:
                    raise CacheMiss("index")
                return dict(stored)

            return KnowledgeBase([_substance_back(t) for t in substances],
                                 LazySources(dict(sources)), index, shard, list(files),
                                 [Problem(*t) for t in problems], dict(counts))
        except (TypeError, ValueError, IndexError):
            return None

    def store_knowledge_base(self, key: str, kb: KnowledgeBase) -> None:
        folder = self._kb_folder(key)
        if folder is None or folder.exists():
            return
        try:
            staging = Path(tempfile.mkdtemp(dir=self._ensure(folder.parent), prefix=".tmp-"))
        except OSError:
            return
        try:
            shards = []
            for number, substance_id in enumerate(kb.substances):
                name = f"s{number}"
                _write(staging / name, [_fact(f) for f in kb.facts_of(substance_id)])
                shards.append((substance_id, name))
            _write(staging / "index", list(kb.fact_index.items()))
            _write(staging / "header", (
                [_substance(s) for s in kb.substances.values()],
                [(key, _source(s)) for key, s in kb.sources.items()],
                list(kb.files), [_problem(p) for p in kb.problems], shards,
                [(sid, kb.counts(sid)) for sid in kb.substances],
            ))
            os.rename(staging, folder)  # atomic; fails if another process got there first
        except OSError:
            pass
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self._prune(folder.parent)

    @staticmethod
    def _ensure(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder

    @staticmethod
    def _prune(folder: Path) -> None:
        """Keep the most recent knowledge bases only."""
        try:
            entries = sorted((p for p in folder.iterdir() if not p.name.startswith(".")),
                             key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return
        for old in entries[KEEP_KNOWLEDGE_BASES:]:
            shutil.rmtree(old, ignore_errors=True)


class LazySources(Mapping[str, Source]):
    """Sources built from their stored form only when looked up."""

    def __init__(self, stored: dict[str, tuple[Any, ...]]) -> None:
        self._stored = stored
        self._built: dict[str, Source] = {}

    def __getitem__(self, key: str) -> Source:
        source = self._built.get(key)
        if source is None:
            source = self._built[key] = _source_back(self._stored[key])
        return source

    def __iter__(self) -> Iterator[str]:
        return iter(self._stored)

    def __len__(self) -> int:
        return len(self._stored)

    def __contains__(self, key: object) -> bool:
        return key in self._stored


class CacheMiss(Exception):
    """A cached shard disappeared between reading the header and the shard."""
