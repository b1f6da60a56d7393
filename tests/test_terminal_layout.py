"""The terminal layout: any COLUMNS gives a bounded layout; a long result is written at once."""

from __future__ import annotations

import io
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len  # noqa: TID251  (wrap works on Rich Text, in cells)
from rich.text import Text  # noqa: TID251

from evsum.facts.cache import Cache
from evsum.facts.loader import load_knowledge_base, require_valid
from evsum.query import make_filters
from evsum.render import Format, render
from evsum.render.terminal_layout import MAX_WIDTH, MIN_WIDTH, wrap
from evsum.views import build_search

from .test_console_script import evsum_script

MEMORY_CAP = 1024 * 1024 * 1024


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


@pytest.mark.parametrize("columns", ["0", "1", "3", "4", "5", "10000000"])
@pytest.mark.parametrize("command", [["compare", "ketamine", "psilocybin", "esketamine"],
                                     ["show", "ketamine"], ["side-effects", "ketamine"],
                                     ["list"], ["search", "dissociation"]])
def test_any_columns_gives_a_clamped_layout(columns: str, command: list[str]) -> None:
    env = {**os.environ, "COLUMNS": columns}
    result = subprocess.run([evsum_script(), *command], capture_output=True, text=True,
                            env=env, timeout=60, preexec_fn=_capped, check=False)
    assert (result.returncode, result.stderr) == (0, "")
    widest = max(cell_len(line) for line in result.stdout.splitlines())
    assert widest <= MAX_WIDTH
    if columns == "10000000":
        assert len(result.stdout) < 2_000_000


@pytest.mark.parametrize("width", [-3, 0, 1, 2, 3])
@pytest.mark.parametrize("text", ["ab cdefghij klm", "中文字符 中文", "a中b文c字", "x" * 50])
def test_wrap_always_advances(width: int, text: str) -> None:
    pieces = wrap(Text(text), width)
    assert "".join(p.plain for p in pieces).replace(" ", "") == text.replace(" ", "")
    assert all(p.plain for p in pieces)
    assert len(pieces) <= len(text)


def test_the_clamp_is_sensible() -> None:
    assert (MIN_WIDTH, MAX_WIDTH) == (20, 400)


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


@pytest.mark.parametrize("color", [False, True])
def test_search_over_many_facts_is_written_in_one_piece(tmp_path: Path, color: bool) -> None:
    sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))
    try:
        import synth
    finally:
        sys.path.pop(0)
    synth.write(tmp_path / "facts", 600, 12)
    kb = require_valid(*load_knowledge_base([tmp_path / "facts"], include_bundled=False,
                                            cache=Cache(tmp_path / "cache")))
    view = build_search(kb, "synthetic", make_filters(None, None, None, None, False), limit=0)
    assert len(view.facts) == 600
    stream = CountingStream()
    render(view, Format.TERMINAL, kb, stream, color=color, width=100)
    assert stream.writes == 1
    text = re.sub("\x1b\\[[0-9;]*m", "", stream.getvalue())
    assert text.splitlines()[0] == "600 fact(s) match synthetic"
    for fact in view.facts:
        assert text.count(f"{fact.id} ") == 1
