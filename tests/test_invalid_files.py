"""Each file under tests/data/invalid/ has one problem, named on its first line."""

from __future__ import annotations

from pathlib import Path

import pytest

from evsum.errors import EXIT_INVALID_FACTS
from evsum.facts.loader import display_path

from .conftest import DATA, Run

CASES = sorted((DATA / "invalid").glob("*.yaml"))


def expected_message(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), path
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_validate_names_file_line_and_field(run: Run, path: Path) -> None:
    result = run("validate", str(path))
    assert result.code == EXIT_INVALID_FACTS
    assert result.stdout.splitlines()[0].startswith(display_path(path) + expected_message(path))
    assert "Traceback" not in result.stdout + result.stderr
    assert "1 problem(s)" in result.stderr or "problem(s)" in result.stderr


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_other_commands_refuse_the_same_file(run: Run, path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / path.name).write_bytes(path.read_bytes())
    result = run("--facts-dir", str(folder), "list")
    assert result.code == EXIT_INVALID_FACTS
    assert result.stdout == ""
    assert path.name in result.stderr
    assert "run 'evsum validate'" in result.stderr


def test_the_corpus_covers_many_kinds_of_problem() -> None:
    assert len(CASES) >= 20
