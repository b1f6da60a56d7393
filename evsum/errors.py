"""The one exception family for everything a user can cause, with exit codes."""

from __future__ import annotations

from dataclasses import dataclass

# Exit codes, documented in the README and tested.
EXIT_OK = 0
EXIT_INVALID_FACTS = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3
EXIT_INTERNAL = 70
EXIT_STDOUT = 74  # EX_IOERR in sysexits.h: standard output cannot be written


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one fact file: where it is and what is wrong."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        from evsum.text import visible  # a file name may hold control characters too

        where = visible(self.file) if self.line is None else f"{visible(self.file)}:{self.line}"
        field = f" {visible(self.field)}:" if self.field else ""
        return f"{where}:{field} {visible(self.message)}"


class EvsumError(Exception):
    """Base of every error a user can cause; carries its exit code."""

    exit_code = EXIT_USAGE


class UsageError(EvsumError):
    """A bad argument: unknown substance, fact id, filter value."""

    exit_code = EXIT_USAGE


class FactFileError(EvsumError):
    """One or more fact files are invalid."""

    exit_code = EXIT_INVALID_FACTS

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in fact files")


class OutputError(EvsumError):
    """An output file cannot be written (exists, unwritable)."""

    exit_code = EXIT_OUTPUT


class StdoutError(EvsumError):
    """Standard output cannot be written: closed, or its device failed (a full disk)."""

    exit_code = EXIT_STDOUT

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot write to standard output: {reason}")
