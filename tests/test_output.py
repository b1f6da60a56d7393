"""Files the user asked for: written whole or not at all, never clobbered without --force."""

from __future__ import annotations

import os
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
