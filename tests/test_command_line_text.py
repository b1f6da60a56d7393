"""Text from the command line is shown with its control characters escaped, in every format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .test_console_script import run_script

CLEAR = "\x1b[2J"  # clears the screen if it reaches a terminal raw
SHOWN = "\\u001b[2J"


def test_search_words_are_escaped_in_the_terminal_heading() -> None:
    result = run_script("search", f"x{CLEAR}")
    assert (result.returncode, result.stderr) == (0, "")
    assert re.fullmatch(rf"\d+ fact\(s\) match x{re.escape(SHOWN)}(; the best \d+ shown)?",
                        result.stdout.splitlines()[0])
    assert "\x1b" not in result.stdout


def test_search_words_are_escaped_in_markdown_and_html_titles() -> None:
    markdown = run_script("search", f"x{CLEAR}<b>|", "--format", "markdown")
    assert markdown.stdout.splitlines()[0] == "# Search: x\\\\u001b\\[2J\\<b\\>\\|"
    page = run_script("search", f"x{CLEAR}<b>", "--format", "html")
    assert f"<title>Search: x{SHOWN}&lt;b&gt;</title>" in page.stdout
    assert f"<h1>Search: x{SHOWN}&lt;b&gt;</h1>" in page.stdout
    assert "\x1b" not in markdown.stdout + page.stdout


def test_output_paths_are_escaped_in_messages(tmp_path: Path) -> None:
    name = f"out{CLEAR}.md"
    first = run_script("export", "ketamine", "-o", name, cwd=tmp_path)
    assert (first.returncode, first.stderr) == (0, f"wrote out{SHOWN}.md\n")
    again = run_script("export", "ketamine", "-o", name, cwd=tmp_path)
    assert (again.returncode, again.stderr) == (
        3, f"evsum: out{SHOWN}.md exists; use --force to overwrite it\n")
    assert (tmp_path / name).exists()


@pytest.mark.parametrize("args", [
    ["show", f"ketamne{CLEAR}"],
    ["compare", "ketamine", f"psilo{CLEAR}"],
    ["show", "ketamine", "--category", f"eff{CLEAR}"],
    ["show", "ketamine", "--min-evidence", f"rct{CLEAR}"],
    ["why", f"ketamine-{CLEAR}"],
])
def test_unknown_names_are_escaped_in_error_messages(args: list[str]) -> None:
    result = run_script(*args)
    assert (result.returncode, result.stdout) == (2, "")
    assert "\x1b" not in result.stderr
    assert SHOWN in result.stderr


@pytest.mark.parametrize("args", [  # held: Click quotes these with repr()
    [f"sh{CLEAR}"],
    ["show", "ketamine", f"--x{CLEAR}"],
    ["show", "ketamine", "--format", f"md{CLEAR}"],
])
def test_click_usage_errors_quote_what_was_typed(args: list[str]) -> None:
    result = run_script(*args)
    assert (result.returncode, result.stdout) == (2, "")
    assert "\x1b" not in result.stderr
    assert "\\x1b[2J" in result.stderr
