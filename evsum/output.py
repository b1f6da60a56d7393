"""Writing files the user asked for: atomically, never clobbering without --force."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from evsum.errors import OutputError


def write_atomic(path: Path, text: str | bytes, force: bool = False) -> None:
    """Write text (or bytes: an SQLite file) to path via a temporary file and a rename.

    An interrupted or failing write leaves any previous file as it was; an
    existing file is replaced only with force.
    """
    if path.is_dir():
        raise OutputError(f"{path} is a directory")
    if path.exists() and not force:
        raise OutputError(f"{path} exists; use --force to overwrite it")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except FileNotFoundError:
        raise OutputError(f"cannot write {path}: folder {folder} does not exist") from None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; match a plain open()
        data = text.encode("utf-8") if isinstance(text, str) else text
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if force:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)  # fails if the file appeared meanwhile
            except FileExistsError:
                raise OutputError(f"{path} exists; use --force to overwrite it") from None
            except OSError:  # no hard links here (some file systems): check, then rename
                if path.exists():
                    raise OutputError(f"{path} exists; use --force to overwrite it") from None
                os.replace(temporary, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
