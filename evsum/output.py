"""Writing files the user asked for: atomically, never clobbering without --force.

What a path names decides how it is written:

- nothing yet: a new file, made whole under a temporary name and linked in place;
- a regular file: refused without --force; with it, replaced atomically, keeping its
  mode and (where permitted) its owner; one of several hard links is refused, since
  replacing it would leave the other names with the old text;
- a character device or a FIFO (`/dev/null`, a terminal, a named pipe): written
  through, no temporary file, no --force needed, nothing replaced; a FIFO that no
  process reads is refused at once rather than waited on;
- an open descriptor by name (`/dev/stdout`, `/dev/fd/N`): written to that descriptor;
- a symbolic link: treated as what it points to (refused without --force when that is a
  file, then the target is replaced and the link kept); a link to nothing is refused;
- anything else (a folder, a socket, a block device): refused, with no --force hint.

SIGTERM or SIGHUP during a write removes the temporary file before evsum ends.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import fcntl
import os
import re
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from evsum.errors import OutputError, StdoutError
from evsum.text import visible

_KINDS = {stat.S_IFBLK: "block device", stat.S_IFSOCK: "socket", stat.S_IFDIR: "directory"}
_DESCRIPTOR = re.compile(r"/proc/(self|thread-self|\d+)/fd/(\d+)|/dev/fd/(\d+)")


def _shown(path: Path | str) -> str:
    return visible(str(path))


def write_atomic(path: Path, text: str | bytes, force: bool = False) -> bool:
    """Write text (or bytes: an SQLite or docx file) to path as the module docstring says.

    True when a file was made or replaced. An interrupted or failing write
    leaves any previous file as it was.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    with _termination_cleans_up():
        return _write(path, data, force)


def check_target(path: Path, force: bool) -> None:
    """Raise OutputError now if writing path would be refused (before anything is written)."""
    _plan(path, force)


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file (the same name, or links to one file)."""
    if os.path.abspath(first) == os.path.abspath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:  # either does not exist yet
        return os.path.realpath(first) == os.path.realpath(second)


def _plan(path: Path, force: bool) -> tuple[str, Path, os.stat_result | None]:
    """How to write path: ('new' | 'replace' | 'through' | 'fd:N', the real path, its stat)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return "new", path, None
    except OSError as exc:
        raise OutputError(f"cannot write {_shown(path)}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode):
        number = _descriptor(path)
        if number is not None:
            return f"fd:{number}", path, None
        try:
            info = os.stat(path)
        except FileNotFoundError:
            raise OutputError(f"{_shown(path)} is a symbolic link to a missing file") from None
        except OSError as exc:
            raise OutputError(f"cannot write {_shown(path)}: {exc.strerror or exc}") from None
        if stat.S_ISREG(info.st_mode):
            if not force:
                raise OutputError(f"{_shown(path)} exists; use --force to overwrite it")
            return _plan(Path(os.path.realpath(path)), force)
    if stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode):
        return "through", path, info
    if stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{_shown(path)} is a directory")
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "special file")
        raise OutputError(f"{_shown(path)} is not a regular file ({kind})")
    if not force:
        raise OutputError(f"{_shown(path)} exists; use --force to overwrite it")
    if info.st_nlink > 1:
        others = info.st_nlink - 1
        raise OutputError(
            f"{_shown(path)} has {others} other hard link{'s' if others > 1 else ''}; replacing "
            "it would leave the other names with the old text: remove it first or write "
            "elsewhere")
    return "replace", path, info


def _descriptor(path: Path) -> int | None:
    """The open descriptor a chain of links ends in (/dev/stdout -> /proc/self/fd/1), or None."""
    hop = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on links followed
        match = _DESCRIPTOR.fullmatch(hop)
        if match is not None and match[1] in (None, "self", "thread-self", str(os.getpid())):
            return int(match[2] or match[3])
        try:
            target = os.readlink(hop)
        except OSError:
            return None
        hop = os.path.normpath(os.path.join(os.path.dirname(hop), target))
    return None


def _write(path: Path, data: bytes, force: bool) -> bool:
    how, real, info = _plan(path, force)
    if how.startswith("fd:"):
        write_descriptor(int(how[3:]), data)
        return False
    if how == "through":
        _write_through(real, data)
        return False
    folder = real.parent if str(real.parent) else Path(".")
    try:
        # A short name of its own: the user's name may already be at the 255-byte limit.
        fd, temporary = tempfile.mkstemp(prefix=".evsum-", suffix=".tmp", dir=folder)
    except FileNotFoundError:
        raise OutputError(f"cannot write {_shown(path)}: folder {_shown(folder)} does not exist"
                          ) from None
    except OSError as exc:
        raise OutputError(f"cannot write {_shown(path)}: {exc.strerror or exc}") from None
    try:
        if info is None:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes it private; match a plain open()
        else:
            with contextlib.suppress(PermissionError):  # only root may give a file away
                os.fchown(fd, info.st_uid, info.st_gid)
            os.fchmod(fd, stat.S_IMODE(info.st_mode))
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if how == "replace":
            os.replace(temporary, real)
        else:
            try:
                os.link(temporary, real)  # fails if anything appeared there meanwhile
            except FileExistsError:
                raise OutputError(f"{_shown(path)} exists; use --force to overwrite it") from None
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS):
                    raise
                # no hard links on this file system: check, then rename
                if os.path.lexists(real):
                    raise OutputError(f"{_shown(path)} exists; use --force to overwrite it"
                                      ) from None
                os.replace(temporary, real)
    except OSError as exc:
        raise OutputError(f"cannot write {_shown(path)}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return True


def _write_through(path: Path, data: bytes) -> None:
    """Write to a character device or a FIFO in place: nothing to replace, no temporary file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OutputError(f"cannot write {_shown(path)}: no process is reading the FIFO"
                              ) from None
        raise OutputError(f"cannot write {_shown(path)}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):  # replaced since it was looked at
            raise OutputError(f"{_shown(path)} changed while evsum was writing; nothing written")
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        _write_all(fd, data)
    except OSError as exc:
        raise OutputError(f"cannot write {_shown(path)}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


_NOT_ASCII = re.compile("[^\x00-\x7f]")


def _ascii_json(text: str) -> str:
    """JSON text as json.dumps(ensure_ascii=True) writes it: outside strings JSON is ASCII."""
    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code < 0x10000:
            return f"\\u{code:04x}"
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

    return _NOT_ASCII.sub(escape, text)


def write_stdout(text: str, is_json: bool = False) -> None:
    """Text to standard output in its encoding; StdoutError when it cannot be written.

    Where the encoding is not UTF-8 (PYTHONIOENCODING=cp1252, a Windows redirect), JSON is
    ASCII-escaped and any other character it lacks is written as a backslash escape.
    """
    stream = sys.stdout
    if stream is None:
        raise StdoutError("standard output is closed")
    encoding = getattr(stream, "encoding", None) or "utf-8"
    if is_json and codecs.lookup(encoding).name != "utf-8":
        text = _ascii_json(text)
    write_descriptor(1, text.encode(encoding, errors="backslashreplace"))


def write_descriptor(number: int, data: bytes) -> None:
    """Bytes to an open descriptor; standard output and error through their Python streams."""
    stream = {1: sys.stdout, 2: sys.stderr}.get(number)
    if number == 1 and stream is None:
        raise StdoutError("standard output is closed")
    try:
        if stream is not None:
            stream.flush()
            stream.buffer.write(data)
            stream.buffer.flush()
        else:
            _write_all(number, data)
    except BrokenPipeError:
        raise  # the reader left: ended quietly by the entry point, as Unix tools do
    except (OSError, ValueError) as exc:  # ValueError: a closed Python stream
        if number == 1:
            _discard_stdout()
            raise StdoutError(getattr(exc, "strerror", None) or str(exc)) from None
        raise OutputError(f"cannot write descriptor {number}: "
                          f"{getattr(exc, 'strerror', None) or exc}") from None


def _discard_stdout() -> None:
    """Point descriptor 1 at /dev/null, so what stays buffered cannot fail again at exit."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


class _Terminated(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _termination_cleans_up() -> Iterator[None]:
    """While writing, SIGTERM and SIGHUP unwind (removing the temporary file), then end evsum."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def unwind(signum: int, frame: object) -> None:
        raise _Terminated(signum)

    caught = (signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.getsignal(s) for s in caught}
    for signum, handler in previous.items():
        if handler is signal.SIG_DFL:  # keep what the caller chose (ignored, its own handler)
            signal.signal(signum, unwind)
    try:
        yield
    except _Terminated as ended:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        os.kill(os.getpid(), ended.signum)  # end as the signal meant, now that all is clean
        raise SystemExit(128 + ended.signum) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
