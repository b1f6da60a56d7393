"""A cheap record of the fact files on the path, to tell when what was built from them is stale.

The names TAB offers and the search index live beside the cache. Each stores the
snapshot taken before it was built and is used only while every fact folder and
fact file recorded still stats the same, on the same day (a fact's validity
depends on the date). Taking and checking a snapshot costs a few stat calls and
imports nothing heavy: completion runs this before anything else is imported.
"""

from __future__ import annotations

import marshal
import os
import stat
import sys
import time
import zlib

from evsum import __version__

ENV_CACHE_DIR = "EVSUM_CACHE_DIR"  # the same variables and rules as evsum.facts.cache and
ENV_FACTS_PATH = "EVSUM_FACTS_PATH"  # evsum.facts.loader (tests/test_completion.py checks)
FACT_SUFFIXES = (".yaml", ".yml")
MAX_FOLDER_DEPTH = 32
MAX_ENTRIES = 20000  # folders and files; a bigger tree is not snapshotted (always rebuilt)
MAX_ENTRY_BYTES = 64 * 1024 * 1024
STAMP = f"evsum {__version__} snapshot 1"

Snapshot = tuple[object, ...]
TYPE_CHECKING = False  # importing typing would cost a TAB more than this module
if TYPE_CHECKING:
    from typing import Any


def cache_folder() -> str | None:
    """The cache folder evsum uses (None when EVSUM_CACHE_DIR is set empty)."""
    override = os.environ.get(ENV_CACHE_DIR)
    if override is not None:
        return override or None
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
    elif sys.platform == "darwin":
        base = os.path.join(home, "Library", "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
    return os.path.join(base, "evsum")


def bundled_folder() -> str:
    """The bundled facts: inside the wheel, or the checkout's facts/."""
    package = os.path.dirname(os.path.abspath(__file__))
    installed = os.path.join(package, "_bundled_facts")
    return installed if os.path.isdir(installed) else os.path.join(os.path.dirname(package),
                                                                   "facts")


def roots(extra_dirs: list[str], include_bundled: bool) -> list[str]:
    """The folders evsum reads, in order, as absolute paths (as fact_dirs() lists them)."""
    dirs = [bundled_folder()] if include_bundled else []
    env = os.environ.get(ENV_FACTS_PATH, "")
    dirs += [p for p in env.split(os.pathsep) if p.strip()]
    dirs += extra_dirs
    return [os.path.abspath(d) for d in dirs]


def _signature(path: str) -> tuple[int, ...] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def _today() -> tuple[int, int]:
    now = time.localtime()
    return (now.tm_year, now.tm_yday)


def take(folders: list[str]) -> Snapshot | None:
    """Stat every folder and fact file below the given roots; None when the tree is too big."""
    entries: list[tuple[str, tuple[int, ...] | None]] = []
    for root in folders:
        entries.append((root, _signature(root)))
        if not os.path.isdir(root):
            continue
        pending = [(root, 0)]
        while pending:
            folder, depth = pending.pop()
            try:
                with os.scandir(folder) as scan:
                    children = sorted(scan, key=lambda e: e.name)
            except OSError:
                continue
            for child in children:
                if child.name.startswith("."):
                    continue
                try:
                    is_dir = child.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir:
                    entries.append((child.path, _signature(child.path)))
                    if depth + 1 <= MAX_FOLDER_DEPTH:
                        pending.append((child.path, depth + 1))
                elif child.name.endswith(FACT_SUFFIXES):
                    entries.append((child.path, _signature(child.path)))
                if len(entries) > MAX_ENTRIES:
                    return None
    return (STAMP, _today(), tuple(folders), tuple(entries))


def is_current(snapshot: object, folders: list[str]) -> bool:
    """Whether nothing recorded in the snapshot has changed since it was taken."""
    if not isinstance(snapshot, tuple) or len(snapshot) != 4:
        return False
    stamp, day, recorded, entries = snapshot
    if stamp != STAMP or day != _today() or recorded != tuple(folders):
        return False
    if not isinstance(entries, tuple):
        return False
    for entry in entries:
        if not isinstance(entry, tuple) or len(entry) != 2 or not isinstance(entry[0], str):
            return False
        if _signature(entry[0]) != entry[1]:
            return False
    return True


def key(*parts: object) -> str:
    """A short file name for a set of roots (a collision costs a rebuild, nothing more)."""
    text = repr(parts).encode("utf-8", "surrogatepass")
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}"


def own_folder(name: str) -> str | None:
    """A sub-folder of the cache that only this user can write, made if missing; else None."""
    base = cache_folder()
    if base is None:
        return None
    folder = os.path.join(base, name)
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        st = os.lstat(folder)
        base_st = os.stat(base)
    except (OSError, ValueError):
        return None
    for checked in (st, base_st):
        if hasattr(os, "getuid") and checked.st_uid != os.getuid():
            return None
        if checked.st_mode & 0o022:
            return None
    return folder if stat.S_ISDIR(st.st_mode) else None  # never through a symlink


def read_entry(path: str) -> Any:
    """A stored entry, or None if it is missing, not a regular file, too big or damaged."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError):
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(MAX_ENTRY_BYTES + 1)
        return marshal.loads(data)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    finally:
        os.close(fd)


def write_entry(folder: str, name: str, payload: Any) -> None:
    """Write an entry atomically; any failure is ignored (the entry is rebuilt next time)."""
    temporary = os.path.join(folder, f".tmp-{name}-{os.getpid()}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                     | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as stream:
            marshal.dump(payload, stream)
        os.replace(temporary, os.path.join(folder, name))
    except (OSError, ValueError):
        try:
            os.unlink(temporary)
        except OSError:
            pass


def prune(folder: str, keep: int, is_ours: Any) -> None:
    """Keep the `keep` newest regular files whose name is_ours(name) accepts; nothing else."""
    try:
        with os.scandir(folder) as scan:
            ours = [(e.stat(follow_symlinks=False).st_mtime_ns, e.path) for e in scan
                    if is_ours(e.name) and e.is_file(follow_symlinks=False)]
    except OSError:
        return
    for _, path in sorted(ours, reverse=True)[keep:]:
        try:
            os.unlink(path)
        except OSError:
            pass
