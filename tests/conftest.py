"""Shared fixtures: a CLI runner with a pinned width, and throw-away fact trees."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evsum.cli import app

DATA = Path(__file__).parent / "data"
FIXTURE_KB = DATA / "kb"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[None]:
    """No user environment leaks into a test: no extra facts, no colour, a private cache."""
    for name in ("EVSUM_FACTS_PATH", "NO_COLOR", "FORCE_COLOR", "EVSUM_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    yield


class Result:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def __repr__(self) -> str:
        return (f"Result(code={self.code}, stdout={self.stdout[:400]!r}, "
                f"stderr={self.stderr[:400]!r})")


Run = Callable[..., Result]


@pytest.fixture
def run() -> Run:
    """Invoke the CLI in-process; returns exit code, stdout and stderr apart."""

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    return invoke


@pytest.fixture
def fixture_run(run: Run) -> Run:
    """The CLI on the small test knowledge base only."""

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return run("--no-bundled", "--facts-dir", str(FIXTURE_KB), *args, env=env)

    return invoke


@pytest.fixture
def fact_tree(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write {relative name: text} under a fresh folder and return it."""

    def write(files: dict[str, str]) -> Path:
        root = tmp_path / "facts"
        root.mkdir(exist_ok=True)
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root

    return write


def in_tmp(tmp_path: Path) -> None:
    os.chdir(tmp_path)
