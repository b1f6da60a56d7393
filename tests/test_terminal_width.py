"""Any COLUMNS, from 0 to ten million: the layout finishes at once with bounded output."""

from __future__ import annotations

import os
import resource
import subprocess

import pytest
from rich.cells import cell_len  # noqa: TID251  (_wrap works on Rich Text, in cells)
from rich.text import Text  # noqa: TID251

from evsum.render.terminal import MAX_WIDTH, MIN_WIDTH, _wrap

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
    pieces = _wrap(Text(text), width)
    assert "".join(p.plain for p in pieces).replace(" ", "") == text.replace(" ", "")
    assert all(p.plain for p in pieces)
    assert len(pieces) <= len(text)


def test_the_clamp_is_sensible() -> None:
    assert (MIN_WIDTH, MAX_WIDTH) == (20, 400)
