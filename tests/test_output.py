"""Files the user asked for: written whole or not at all, never clobbered without --force."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from evsum.errors import OutputError
from evsum.output import write_atomic


def test_writes_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    write_atomic(target, "hello\n")
    assert target.read_text(encoding="utf-8") == "hello\n"
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    target.write_text("keep", encoding="utf-8")
    with pytest.raises(OutputError, match="exists; use --force"):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "keep"
    write_atomic(target, "new", force=True)
    assert target.read_text(encoding="utf-8") == "new"


@pytest.mark.parametrize("force", [False, True])
def test_a_failing_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, force: bool,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    target = tmp_path / "a.md"
    if force:
        target.write_text("previous", encoding="utf-8")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OutputError, match="No space left on device"):
        write_atomic(target, "x" * 10000, force=force)
    assert sorted(p.name for p in tmp_path.iterdir()) == (["a.md"] if force else [])
    if force:
        assert target.read_text(encoding="utf-8") == "previous"


def test_an_interrupted_write_leaves_the_old_file(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.md"
    target.write_text("previous", encoding="utf-8")

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new", force=True)
    assert target.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a directory"):
        write_atomic(tmp_path, "x", force=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_folder_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="cannot write"):
            write_atomic(folder / "a.md", "x")
    finally:
        folder.chmod(0o700)


def test_a_read_only_file_system_place_is_a_clear_error() -> None:
    with pytest.raises(OutputError, match="cannot write"):
        write_atomic(Path("/proc/evsum-test.md"), "x")


# --- what is not a new or a plain file ------------------------------------------------------

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (mknod, chown)")


def _leftovers(folder: Path, *keep: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@ROOT_ONLY
@pytest.mark.parametrize("force", [False, True])
def test_a_character_device_is_written_through_never_replaced(tmp_path: Path, force: bool
                                                              ) -> None:
    device = tmp_path / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a private /dev/null
    write_atomic(device, "discarded\n", force=force)
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert os.lstat(device).st_rdev == os.makedev(1, 3)
    assert _leftovers(tmp_path) == ["null"]


@pytest.mark.parametrize("force", [False, True])
def test_a_fifo_is_written_through_to_its_reader(tmp_path: Path, force: bool) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # write once the reader has the FIFO open
            try:
                write_atomic(fifo, "through ≠\n", force=force)
                break
            except OutputError as exc:
                assert "no process is reading" in str(exc)
                time.sleep(0.01)
    finally:
        reader.join(2)  # once written, the reader ends on its own
        if reader.is_alive() and stat.S_ISFIFO(os.lstat(fifo).st_mode):
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # release the reader
            except OSError:  # ENXIO: it closed its end between the check and the open
                pass
        reader.join(10)
    assert received == ["through ≠\n".encode()]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert _leftovers(tmp_path) == ["pipe"]


def test_a_fifo_nobody_reads_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError) as caught:
        write_atomic(fifo, "x", force=True)
    assert str(caught.value) == f"cannot write {fifo}: no process is reading the FIFO"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_socket_is_not_a_regular_file_and_gets_no_force_hint(tmp_path: Path) -> None:
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        for force in (False, True):
            with pytest.raises(OutputError) as caught:
                write_atomic(path, "x", force=force)
            assert str(caught.value) == f"{path} is not a regular file (socket)"
    finally:
        server.close()
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_force_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "private.md"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    write_atomic(target, "new", force=True)
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@ROOT_ONLY
def test_force_keeps_the_owner_of_the_file_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "theirs.md"
    target.write_text("old", encoding="utf-8")
    os.chown(target, 4321, 4321)
    write_atomic(target, "new", force=True)
    assert (target.stat().st_uid, target.stat().st_gid) == (4321, 4321)


def test_a_symlink_is_refused_without_force_and_written_through_with_it(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "link.md"
    link.symlink_to("real.md")
    with pytest.raises(OutputError) as caught:
        write_atomic(link, "new")
    assert str(caught.value) == f"{link} exists; use --force to overwrite it"
    write_atomic(link, "new", force=True)
    assert link.is_symlink() and os.readlink(link) == "real.md"
    assert real.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert _leftovers(tmp_path) == ["link.md", "real.md"]


def test_a_dangling_symlink_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "link.md"
    link.symlink_to(tmp_path / "elsewhere" / "missing.md")
    for force in (False, True):
        with pytest.raises(OutputError) as caught:
            write_atomic(link, "x", force=force)
        assert str(caught.value) == f"{link} is a symbolic link to a missing file"
    assert _leftovers(tmp_path) == ["link.md"] and link.is_symlink()


def test_one_of_several_hard_links_is_refused_even_with_force(tmp_path: Path) -> None:
    first = tmp_path / "a.md"
    first.write_text("shared", encoding="utf-8")
    os.link(first, tmp_path / "b.md")
    with pytest.raises(OutputError) as caught:
        write_atomic(first, "new", force=True)
    assert str(caught.value) == (
        f"{first} has 1 other hard link; replacing it would leave the other names with the "
        "old text: remove it first or write elsewhere")
    assert (tmp_path / "b.md").read_text(encoding="utf-8") == "shared"
    assert first.read_text(encoding="utf-8") == "shared"


@pytest.mark.parametrize("length", [243, 250, 255])
def test_names_up_to_the_file_system_limit_work(tmp_path: Path, length: int) -> None:
    target = tmp_path / ("n" * (length - 3) + ".md")
    write_atomic(target, "long\n")
    write_atomic(target, "longer\n", force=True)
    assert target.read_text(encoding="utf-8") == "longer\n"
    assert _leftovers(tmp_path) == [target.name]


TERMINATED_DURING_WRITE = """
import os, signal, sys
from pathlib import Path
from evsum.output import write_atomic

os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGTERM)
write_atomic(Path(sys.argv[1]), "x" * 100000, force=True)
"""


@pytest.mark.parametrize("existing", [False, True])
def test_sigterm_during_a_write_leaves_no_temporary_file(tmp_path: Path, existing: bool) -> None:
    target = tmp_path / "a.md"
    if existing:
        target.write_text("previous", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", TERMINATED_DURING_WRITE, str(target)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stderr) == (-signal.SIGTERM, "")
    assert _leftovers(tmp_path) == (["a.md"] if existing else [])
    if existing:
        assert target.read_text(encoding="utf-8") == "previous"
