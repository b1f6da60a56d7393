"""A cache of parsed and validated facts, so a warm run parses no YAML.

Two levels, both keyed on each fact file's stat (size, mtime, inode, ctime):

- per file: the parsed and validated content of one file, so a change to one
  file re-parses only that file;
- per knowledge base: the assembled result for one set of files, split into a
  header (substances, sources, problems, fact index) and one shard per
  substance, so a command loads only the substances it shows.

Everything lives in a folder of evsum's own, ``evsum-v2`` inside the platform's
cache folder, marked by a ``CACHEDIR.TAG``; each knowledge base's folder holds
a marker too, and only what carries evsum's name format and marker is ever
pruned, never through a symbolic link. Entries are written atomically
(temporary file, then rename), stored with marshal (plain data, nothing
executable) behind a checksum, read without following links or blocking, and
checked against the model's types: anything stale, damaged, unreadable or
unwritable is a miss, which only makes evsum slower.

The cache knows the model and the knowledge base, not how they are loaded: the
loader hands it what to store and how to rebuild.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import marshal
import os
import re
import shutil
import stat
import sys
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from evsum import __version__
from evsum.errors import Problem
from evsum.facts import codec, model
from evsum.facts.index import KnowledgeBase, Unavailable
from evsum.facts.model import Claim, Fact, Source, Substance

FORMAT = 2  # bump when the stored layout changes; the model's shape is in MAGIC already


def _model_shape() -> str:
    """A digest of the model's records, fields and annotations: a change to them is a miss."""
    shape = [(name, getattr(value, "_fields", ()), [
        getattr(a, "__forward_arg__", a) for a in value.__annotations__.values()])
        for name, value in sorted(vars(model).items())
        if isinstance(value, type) and value.__module__ == model.__name__
        and hasattr(value, "__annotations__")]
    return hashlib.sha256(repr(shape).encode()).hexdigest()[:12]


MAGIC = f"evsum-cache {FORMAT} {__version__} {_model_shape()}\n".encode()
ENTRY_PREFIX = b"evsum-cache "  # how every entry starts, whatever its format
ROOT = "evsum-v2"  # the folder of evsum's own inside the cache folder
ROOT_MARKER = "CACHEDIR.TAG"
ROOT_MARKER_TEXT = (b"Signature: 8a477f597d28d172789f06886806bc55\n"
                    b"# This folder is a cache made by evsum; it may be deleted at any time.\n")
KB_MARKER = "evsum-entry"
KB_MARKER_TEXT = b"evsum knowledge base\n"
KEY = re.compile(r"[0-9a-f]{32}\Z")
TEMPORARY = ".tmp-"
KEEP_KNOWLEDGE_BASES = 8
KEEP_FILE_ENTRIES_DAYS = 30  # a file entry unused this long is pruned
TEMPORARY_MAX_AGE = 3600  # seconds; older temporaries were left by a killed process
MAX_ENTRY_BYTES = 64 * 1024 * 1024
ENV_CACHE_DIR = "EVSUM_CACHE_DIR"
DIGEST_BYTES = 16

Signature = tuple[int, int, int, int]
T = TypeVar("T")

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_READ = (os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC | getattr(os, "O_NONBLOCK", 0)
         | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))
_WRITE = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC
          | getattr(os, "O_BINARY", 0))
_FOLDER = os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC | getattr(os, "O_DIRECTORY", 0)
# Folders are opened and used by descriptor where the platform allows it, so a
# name inside the cache is never resolved through a link someone put there.
_BY_FD = (os.open in os.supports_dir_fd and os.scandir in os.supports_fd
          and os.rename in os.supports_dir_fd and hasattr(os, "O_DIRECTORY"))


def _absolute(variable: str) -> Path | None:
    """An environment variable naming a folder, if it is set to an absolute path."""
    value = os.environ.get(variable, "")
    return Path(value) if value and os.path.isabs(value) else None


def _home() -> Path | None:
    """The home folder; None when HOME is set but empty or relative (no cache then)."""
    if "HOME" in os.environ and sys.platform != "win32":
        return _absolute("HOME")
    try:
        home = Path.home()
    except (RuntimeError, KeyError):
        return None
    return home if home.is_absolute() else None


def cache_dir() -> Path | None:
    """Where the platform keeps caches; None when caching is off (EVSUM_CACHE_DIR='')."""
    override = os.environ.get(ENV_CACHE_DIR)
    if override is not None:
        return Path(override) if override else None
    home = _home()
    if sys.platform == "win32":
        base = _absolute("LOCALAPPDATA") or (home / "AppData" / "Local" if home else None)
    elif sys.platform == "darwin":
        base = home / "Library" / "Caches" if home else None
    else:  # the XDG rule: a relative XDG_CACHE_HOME is ignored
        base = _absolute("XDG_CACHE_HOME") or (home / ".cache" if home else None)
    return base / "evsum" if base else None


def signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def today() -> int:
    """Today's date as an ordinal; entries that hold problems are good for one day."""
    return dt.date.today().toordinal()


def _digest(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


# --- folders of the cache, reached without following links -------------------------------


def _ours(st: os.stat_result) -> bool:
    """Only a folder of our own: another user's cache could feed us anything."""
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return stat.S_ISDIR(st.st_mode) and not st.st_mode & 0o022  # not group/world-writable


class _Dir:
    """One open folder of the cache; names in it are used without following links."""

    def __init__(self, path: str, fd: int | None) -> None:
        self.path, self.fd = path, fd

    def __enter__(self) -> _Dir:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _at(self, name: str) -> tuple[str, int | None]:
        return (name, self.fd) if self.fd is not None else (os.path.join(self.path, name), None)

    @staticmethod
    def open(path: str, follow: bool = False) -> _Dir | None:
        """The folder at path if it is one of ours; follow: the last name may be a link."""
        try:
            if _BY_FD:
                fd = os.open(path, _FOLDER & ~_O_NOFOLLOW if follow else _FOLDER)
                folder = _Dir(path, fd)
                if not _ours(os.fstat(fd)):
                    folder.__exit__()
                    return None
                return folder
            st = os.stat(path, follow_symlinks=follow)
        except OSError:
            return None
        return _Dir(path, None) if _ours(st) else None

    def sub(self, name: str, create: bool = False) -> _Dir | None:
        """A folder inside this one (made if asked), or None if it is not one of ours."""
        if create:
            with contextlib.suppress(FileExistsError, OSError):
                self.mkdir(name)
        where, fd = self._at(name)
        if not _BY_FD:
            return _Dir.open(where)
        try:
            sub_fd = os.open(where, _FOLDER, dir_fd=fd)
        except OSError:
            return None
        folder = _Dir(os.path.join(self.path, name), sub_fd)
        if not _ours(os.fstat(sub_fd)):
            folder.__exit__()
            return None
        return folder

    @contextlib.contextmanager
    def inside(self, name: str) -> Iterator[_Dir | None]:
        """sub(name) for a with-block, closed at its end."""
        folder = self.sub(name)
        try:
            yield folder
        finally:
            if folder is not None:
                folder.__exit__()

    def mkdir(self, name: str) -> None:
        where, fd = self._at(name)
        os.mkdir(where, 0o700, dir_fd=fd)

    def lstat(self, name: str) -> os.stat_result | None:
        where, fd = self._at(name)
        try:
            return os.stat(where, dir_fd=fd, follow_symlinks=False)
        except OSError:
            return None

    def read(self, name: str, limit: int = MAX_ENTRY_BYTES) -> bytes | None:
        """A regular file's bytes, never following a link or waiting on a pipe or device."""
        where, fd = self._at(name)
        try:
            file_fd = os.open(where, _READ, dir_fd=fd)
        except OSError:
            return None
        try:
            st = os.fstat(file_fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
                return None
            chunks, size = [], 0
            while size <= st.st_size:  # a file that grows while read is damaged too
                chunk = os.read(file_fd, st.st_size + 1 - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            return b"".join(chunks) if size == st.st_size else None
        except OSError:
            return None
        finally:
            os.close(file_fd)

    def write(self, name: str, data: bytes) -> bool:
        """Write a file atomically; any failure leaves nothing behind."""
        temporary = TEMPORARY + os.urandom(8).hex()
        where, fd = self._at(temporary)
        try:
            file_fd = os.open(where, _WRITE, 0o600, dir_fd=fd)
        except OSError:
            return False
        try:
            with os.fdopen(file_fd, "wb") as stream:
                stream.write(data)
            self.rename(temporary, name, replace=True)
            return True
        except OSError:
            self.unlink(temporary)
            return False

    def rename(self, old: str, new: str, replace: bool = False) -> None:
        (src, src_fd), (dst, dst_fd) = self._at(old), self._at(new)
        move = os.replace if replace else os.rename
        move(src, dst, src_dir_fd=src_fd, dst_dir_fd=dst_fd)

    def unlink(self, name: str) -> None:
        where, fd = self._at(name)
        with contextlib.suppress(OSError):
            os.unlink(where, dir_fd=fd)

    def remove_tree(self, name: str) -> None:
        """Remove a folder inside this one; shutil's descriptor walk never follows links."""
        where, fd = self._at(name)
        if fd is None and not shutil.rmtree.avoids_symlink_attacks:
            st = self.lstat(name)
            if st is None or not stat.S_ISDIR(st.st_mode):
                return
        shutil.rmtree(where, ignore_errors=True, dir_fd=fd)

    def touch(self, name: str) -> None:
        where, fd = self._at(name)
        with contextlib.suppress(OSError, NotImplementedError):
            os.utime(where, dir_fd=fd, follow_symlinks=False)

    def names(self) -> Iterator[tuple[str, os.stat_result]]:
        """Each name in the folder with its own stat (links not followed)."""
        try:
            entries = list(os.scandir(self.fd if self.fd is not None else self.path))
        except OSError:
            return
        for entry in entries:
            try:
                yield entry.name, entry.stat(follow_symlinks=False)
            except OSError:
                continue


# --- entries: magic, checksum, marshal ----------------------------------------------------


def _pack(payload: Any) -> bytes | None:
    try:
        body = marshal.dumps(payload)
    except ValueError:  # something marshal cannot hold: do not cache it
        return None
    return MAGIC + hashlib.blake2b(body, digest_size=DIGEST_BYTES).digest() + body


def _unpack(data: bytes | None) -> Any:
    """The payload of an entry; None when it is absent, of another format, or damaged."""
    if data is None or not data.startswith(MAGIC):
        return None
    start = len(MAGIC) + DIGEST_BYTES
    body = memoryview(data)[start:]
    if hashlib.blake2b(body, digest_size=DIGEST_BYTES).digest() != data[len(MAGIC):start]:
        return None
    try:
        return marshal.loads(body)  # loads(): far faster than load()
    except (EOFError, ValueError, TypeError):
        return None


class _Stamp(NamedTuple):
    """When an entry was made, and whether it holds results that depend on the date."""

    day: int
    dated: bool

    def current(self) -> bool:
        # Validation's date checks (a date in the future, a year after next) only
        # ever relax as days pass: results without problems stay true, results
        # with problems are re-checked the next day.
        now = today()
        return self.day <= now and (not self.dated or self.day == now)


class _FileEntry(NamedTuple):
    signature: Signature
    stamp: _Stamp
    content: Any  # the loader's record, converted by the codec for its type


class _Header(NamedTuple):
    stamp: _Stamp
    substances: tuple[Substance, ...]
    sources: dict[str, Any]  # each source converted when first looked up
    files: tuple[str, ...]
    problems: tuple[Problem, ...]
    shards: dict[str, str]
    counts: dict[str, dict[str, int]]
    claims: tuple[Claim, ...] = ()


def _load(folder: _Dir | None, name: str, kind: Any) -> Any:
    """One entry, checked against its type; None on any miss or damage."""
    if folder is None:
        return None
    payload = _unpack(folder.read(name))
    if payload is None:
        return None
    try:
        return codec.decoder(kind)(payload)
    except (codec.Damaged, TypeError):  # TypeError: a type the codec cannot hold
        return None


def _plain(kind: Any, value: Any) -> Any:
    """The plain form of a value; raises Unstorable when it has none."""
    try:
        return codec.encoder(kind)(value)
    except (TypeError, ValueError, AttributeError) as exc:
        raise Unstorable(str(exc)) from None


class Unstorable(Exception):
    """A value the cache cannot hold: it is then not cached, and nothing else happens."""


def _save(folder: _Dir, name: str, value: Any, kind: Any) -> bool:
    try:
        data = _pack(_plain(kind, value))
    except Unstorable:
        return False
    return data is not None and len(data) <= MAX_ENTRY_BYTES and folder.write(name, data)


class Cache:
    """The cache for one run; a no-op when there is no usable folder."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else cache_dir()
        self._files: _Dir | None = None  # the per-file folder, kept open while parsing
        self._names: dict[tuple[Path, str], str] = {}
        self._root_dir: _Dir | None = None
        if self.folder is not None:
            with contextlib.suppress(OSError):
                self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._root_dir = self._open_root(self.folder)
            if self._root_dir is None:
                self.folder = None
            else:
                weakref.finalize(self, self._root_dir.__exit__)

    @classmethod
    def _open_root(cls, folder: Path) -> _Dir | None:
        """evsum's own folder in the cache folder (made if need be), if it carries its marker."""
        base = _Dir.open(str(folder), follow=True)  # the user's choice may be a link
        if base is None:
            return None
        with base:
            if base.lstat(ROOT) is None:
                cls._make_root(base)
            root = base.sub(ROOT)
        if root is not None and root.read(ROOT_MARKER, 4096) != ROOT_MARKER_TEXT:
            root.__exit__()  # a folder of that name that evsum did not make
            return None
        return root

    @contextlib.contextmanager
    def _root(self) -> Iterator[_Dir | None]:
        yield self._root_dir

    @staticmethod
    def _make_root(base: _Dir) -> None:
        """Make evsum's folder with its marker already inside (made aside, then renamed)."""
        staging = f".{ROOT}{TEMPORARY}{os.urandom(8).hex()}"
        try:
            base.mkdir(staging)
        except OSError:
            return
        try:
            with base.inside(staging) as folder:
                if folder is not None and folder.write(ROOT_MARKER, ROOT_MARKER_TEXT):
                    base.rename(staging, ROOT)
        except OSError:
            pass  # another process made it first, or the folder is read-only
        finally:
            if base.lstat(staging) is not None:
                base.remove_tree(staging)

    @contextlib.contextmanager
    def _folder(self, *names: str, create: bool = False) -> Iterator[_Dir | None]:
        with self._root() as root, contextlib.ExitStack() as stack:
            folder = root
            for name in names:
                if folder is None:
                    break
                folder = folder.sub(name, create=create)
                if folder is not None:
                    stack.enter_context(folder)
            yield folder

    # per file

    @contextlib.contextmanager
    def _files_folder(self) -> Iterator[_Dir | None]:
        """The folder of file entries: opened (and made) once, then kept for this run."""
        if self._files is None or (self._files.fd is None and _BY_FD):
            with self._folder("files", create=True) as files:
                if files is not None and files.fd is not None:
                    self._files = _Dir(files.path, os.dup(files.fd))
                    weakref.finalize(self, self._files.__exit__)
                else:
                    self._files = files
        yield self._files

    def _file_name(self, path: Path, display: str) -> str:
        name = self._names.get((path, display))
        if name is None:
            name = self._names[path, display] = _digest(display, str(path.resolve()))
        return name

    def parsed_file(self, path: Path, display: str, sig: Signature | None, kind: type[T]
                    ) -> T | None:
        """The stored parse of one file (a `kind`), if it is still current."""
        if self.folder is None or sig is None:
            return None
        name = self._file_name(path, display)
        with self._files_folder() as files:
            entry = _load(files, name, _FileEntry)
            if entry is None or entry.signature != sig or not entry.stamp.current():
                return None
            try:
                content: T = codec.decoder(kind)(entry.content)
            except (codec.Damaged, TypeError):
                return None
            if files is not None:
                files.touch(name)  # in use: not pruned
            return content

    def store_parsed_file(self, path: Path, display: str, sig: Signature | None, parsed: T,
                          kind: type[T], dated: bool) -> None:
        """Keep one file's parse; dated: it holds results to re-check tomorrow."""
        if self.folder is None or sig is None:
            return
        with self._files_folder() as files, contextlib.suppress(Unstorable):
            if files is not None:
                _save(files, self._file_name(path, display),
                      _FileEntry(sig, _Stamp(today(), dated), _plain(kind, parsed)), _FileEntry)

    # per knowledge base

    @staticmethod
    def key(files: list[tuple[Any, ...]], problems: list[Problem]) -> str:
        return _digest(MAGIC, files, codec.encoder(list[Problem])(problems))

    def knowledge_base(self, key: str, rebuild: Callable[[], KnowledgeBase]
                       ) -> KnowledgeBase | None:
        """The stored knowledge base; any part found damaged later is taken from rebuild()."""
        if self.folder is None:
            return None
        with self._folder("kb") as bases:
            folder = bases.sub(key) if bases is not None else None
        if folder is None:
            return None
        header: _Header | None = None
        if folder.read(KB_MARKER, 4096) == KB_MARKER_TEXT:
            header = _load(folder, "header", _Header)
        if header is None or not header.stamp.current():
            folder.__exit__()
            return None

        def part(name: str, kind: Any) -> Any:
            value = _load(folder, name, kind)  # the folder stays open while the base is used
            if value is None:  # pruned or damaged since the header was read
                raise Unavailable(name)
            return value

        def shard(substance_id: str) -> list[Fact]:
            name = header.shards.get(substance_id)
            return [] if name is None else list(part(name, tuple[Fact, ...]))

        def index() -> dict[str, str]:
            found: dict[str, str] = part("index", dict[str, str])
            return found

        kb = KnowledgeBase(list(header.substances), LazySources(header.sources), index, shard,
                           list(header.files), list(header.problems), header.counts, rebuild)
        kb.claims = {claim.id: claim for claim in header.claims}
        weakref.finalize(kb, folder.__exit__)
        return kb

    def store_knowledge_base(self, key: str, kb: KnowledgeBase, dated: bool) -> None:
        """Keep an assembled knowledge base; dated: it holds results to re-check tomorrow."""
        if self.folder is None:
            return
        with self._folder("kb", create=True) as folder:
            if folder is None or folder.lstat(key) is not None:
                return
            staging = TEMPORARY + os.urandom(8).hex()
            try:
                folder.mkdir(staging)
                with folder.inside(staging) as entry:
                    if entry is None or not entry.write(KB_MARKER, KB_MARKER_TEXT):
                        return
                    shards = {}
                    for number, substance_id in enumerate(kb.substances):
                        shards[substance_id] = name = f"s{number}"
                        if not _save(entry, name, tuple(kb.facts_of(substance_id)),
                                     tuple[Fact, ...]):
                            return
                    header = _Header(
                        _Stamp(today(), dated), tuple(kb.substances.values()),
                        _plain(dict[str, Source], dict(kb.sources)),
                        tuple(kb.files), tuple(kb.problems), shards,
                        {sid: kb.counts(sid) for sid in kb.substances},
                        tuple(kb.claims.values()))
                    if not (_save(entry, "index", kb.fact_index, dict[str, str])
                            and _save(entry, "header", header, _Header)):
                        return
                folder.rename(staging, key)  # fails if another process got there first
            except (OSError, Unstorable):
                pass
            finally:
                if folder.lstat(staging) is not None:
                    folder.remove_tree(staging)
        self.prune()

    def prune(self) -> None:
        """Keep the newest knowledge bases and the file entries in use; drop leftovers.

        Only names in evsum's own format, inside evsum's own marked folder, are
        removed: a knowledge base only with its marker, a file entry only when
        it begins as evsum's entries do; links are never followed.
        """
        now = time.time()
        with self._folder("kb") as folder:
            if folder is not None:
                bases = []
                for name, st in folder.names():
                    if name.startswith(TEMPORARY):
                        if now - st.st_mtime > TEMPORARY_MAX_AGE and stat.S_ISDIR(st.st_mode):
                            folder.remove_tree(name)
                    elif KEY.match(name) and stat.S_ISDIR(st.st_mode):
                        bases.append((st.st_mtime, name))
                for _, name in sorted(bases, reverse=True)[KEEP_KNOWLEDGE_BASES:]:
                    with folder.inside(name) as entry:
                        marked = entry is not None and entry.read(KB_MARKER, 4096) == \
                            KB_MARKER_TEXT
                    if marked:
                        folder.remove_tree(name)
        with self._folder("files") as folder:
            if folder is not None:
                for name, st in folder.names():
                    old = now - st.st_mtime > (TEMPORARY_MAX_AGE if name.startswith(TEMPORARY)
                                               else KEEP_FILE_ENTRIES_DAYS * 86400)
                    if not (old and stat.S_ISREG(st.st_mode)):
                        continue
                    if name.startswith(TEMPORARY) or (KEY.match(name) and (
                            folder.read(name) or b"").startswith(ENTRY_PREFIX)):
                        folder.unlink(name)


class LazySources(Mapping[str, Source]):
    """Sources built from their stored form only when looked up."""

    def __init__(self, stored: dict[str, Any]) -> None:
        self._stored = stored
        self._built: dict[str, Source] = {}
        self._decode = codec.decoder(Source)

    def __getitem__(self, key: str) -> Source:
        source = self._built.get(key)
        if source is None:
            try:
                source = self._built[key] = self._decode(self._stored[key])
            except codec.Damaged:
                raise Unavailable(f"source {key}") from None
        return source

    def __iter__(self) -> Iterator[str]:
        return iter(self._stored)

    def __len__(self) -> int:
        return len(self._stored)

    def __contains__(self, key: object) -> bool:
        return key in self._stored
