"""Standard output that cannot take everything: other encodings, a closed or full descriptor."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from .conftest import FIXTURE_KB
from .test_console_script import evsum_script

LEGACY = ["cp1252", "latin-1", "ascii"]


def run_bytes(*args: str, encoding: str | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["COLUMNS"] = "100"
    if encoding:
        env["PYTHONIOENCODING"] = encoding
    return subprocess.run([evsum_script(), *args], capture_output=True, env=env, timeout=120,
                          check=False)


def run_shell(line: str) -> subprocess.CompletedProcess[str]:
    """A command line with shell redirections; EVSUM stands for the installed script."""
    return subprocess.run(["bash", "-c", line.replace("EVSUM", f"'{evsum_script()}'")],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("encoding", LEGACY)
def test_terminal_views_fall_back_to_ascii_symbols(encoding: str) -> None:
    result = run_bytes("compare", "ketamine", "psilocybin", "--all", encoding=encoding)
    assert (result.returncode, result.stderr) == (0, b"")
    text = result.stdout.decode(encoding)  # every byte is in the encoding evsum was given
    assert "Ketamine vs Psilocybin" in text
    assert "~ nearest setting (population or timepoint differs)" in text
    assert "|-o-| estimate, 95% CI; : no effect" in text
    assert "≠" not in text and "─" not in text


def test_fact_text_the_encoding_lacks_is_escaped_not_a_crash() -> None:
    result = run_bytes("--no-bundled", "--facts-dir", str(FIXTURE_KB), "show", "alpha", "--all",
                       encoding="ascii")
    assert (result.returncode, result.stderr) == (0, b"")
    assert b"aliases  Alphazine, (S)-alpha, \\xe1lfa\n" in result.stdout  # no padding at the end


@pytest.mark.parametrize("encoding", LEGACY)
def test_json_is_ascii_escaped_where_stdout_cannot_take_unicode(encoding: str) -> None:
    utf8 = run_bytes("show", "ketamine", "--json")
    legacy = run_bytes("show", "ketamine", "--json", encoding=encoding)
    assert (legacy.returncode, legacy.stderr) == (0, b"")
    assert legacy.stdout.isascii()
    assert json.loads(legacy.stdout) == json.loads(utf8.stdout)
    for args in (["validate", "--json"], ["schema"]):
        again = run_bytes(*args, encoding=encoding)
        assert again.returncode == 0 and again.stdout.isascii()
        assert json.loads(again.stdout) == json.loads(run_bytes(*args).stdout)


def test_an_export_to_stdout_is_utf8_whatever_the_locale() -> None:
    utf8 = run_bytes("export", "ketamine", "-o", "-")
    legacy = run_bytes("export", "ketamine", "-o", "-", encoding="ascii")
    assert (legacy.returncode, legacy.stderr) == (0, b"")
    assert legacy.stdout == utf8.stdout and not utf8.stdout.isascii()


CLOSED = "evsum: cannot write to standard output: standard output is closed\n"
FULL = "evsum: cannot write to standard output: No space left on device\n"


@pytest.mark.parametrize("command", ["--version", "show ketamine", "show ketamine --json",
                                     "export ketamine -o -", "validate --json", "validate",
                                     "cite ketamine", "schema", "list"])
@pytest.mark.parametrize(("redirect", "message"), [(">&-", CLOSED), ("> /dev/full", FULL)],
                         ids=["closed", "full"])
def test_stdout_that_cannot_be_written_exits_74_with_a_message(command: str, redirect: str,
                                                                message: str) -> None:
    result = run_shell(f"EVSUM {command} {redirect}")
    assert (result.returncode, result.stdout, result.stderr) == (74, "", message)


def test_closed_stdout_and_stderr_still_exit_74() -> None:
    result = run_shell("EVSUM show ketamine >&- 2>&-")
    assert (result.returncode, result.stdout, result.stderr) == (74, "", "")


@pytest.mark.parametrize("command", ["show ketamne", "show ketamine --category nosuch",
                                     "--no-such-option", "export ketamine -o /nonexistent/x"])
def test_errors_keep_their_exit_code_with_stderr_closed(command: str) -> None:
    code = 3 if "nonexistent" in command else 2
    result = run_shell(f"EVSUM {command} 2>&-")
    assert (result.returncode, result.stdout) == (code, "")
