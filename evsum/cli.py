"""The command line: global options and the entry point; commands live in evsum/commands/."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.main import get_command_name
from typer.models import CommandInfo

from evsum import __version__
from evsum.commands import files, views  # noqa: F401  (importing registers the commands)
from evsum.commands.common import app, state
from evsum.errors import EXIT_INTERNAL, EXIT_OK, EvsumError

__all__ = ["app", "main"]


def _version(value: bool) -> None:
    if value:
        from evsum.output import write_stdout

        write_stdout(f"evsum {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def main_options(
    ctx: typer.Context,
    facts_dir: Annotated[list[Path] | None, typer.Option(
        "--facts-dir", help="Also read fact files from DIR (repeatable; adds to the bundled "
        "facts and EVSUM_FACTS_PATH).", metavar="DIR", show_default=False)] = None,
    no_bundled: Annotated[bool, typer.Option(
        "--no-bundled", help="Leave out the bundled facts: read only --facts-dir and "
        "EVSUM_FACTS_PATH folders.")] = False,
    prefer_own: Annotated[bool, typer.Option(
        "--prefer-own", help="Let facts from --facts-dir and EVSUM_FACTS_PATH folders head "
        "summary cells ahead of the bundled facts.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour or styles.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Cited evidence summaries of rapid-acting antidepressants."""
    current = state(ctx)
    current.facts_dirs = list(facts_dir or [])
    current.bundled = not no_bundled
    current.prefer_own = prefer_own
    current.color = False if no_color else None


_GLOBAL_FLAGS = frozenset(("--no-color", "--no-bundled", "--version"))
_GLOBAL_VALUED = frozenset(("--facts-dir",))


def global_options_first(args: list[str]) -> list[str]:
    """Move global options given after the command to before it, where Click reads them.

    `evsum search x --no-color` then works as `evsum --no-color search x`; '--'
    ends the options, as everywhere.
    """
    i, head = 0, []
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        head += args[i:i + 2] if args[i] in _GLOBAL_VALUED else args[i:i + 1]
        i += 2 if args[i] in _GLOBAL_VALUED else 1
    command, rest = args[i:i + 1], args[i + 1:]
    moved, kept = [], []
    j = 0
    while j < len(rest):
        arg = rest[j]
        if arg == "--":
            kept += rest[j:]
            break
        if arg in _GLOBAL_FLAGS or arg.split("=", 1)[0] in _GLOBAL_VALUED and "=" in arg:
            moved.append(arg)
        elif arg in _GLOBAL_VALUED and j + 1 < len(rest):
            moved += rest[j:j + 2]
            j += 1
        else:
            kept.append(arg)
        j += 1
    return head + moved + command + kept


def only_the_command_run(args: list[str]) -> list[CommandInfo]:
    """The commands Typer needs for ``args``: just the one they name, not all twelve.

    Typer reads every command's parameters before it runs any (about 25 ms);
    with no command named, or an unknown one, every command stays, for the
    overview and the "did you mean".
    """
    every = list(app.registered_commands)
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        i += 2 if args[i] in _GLOBAL_VALUED else 1
    if i >= len(args):
        return every
    named = [c for c in every if command_name(c) == args[i]]
    return named or every


def command_name(command: CommandInfo) -> str:
    """The name a user types: the given one, or Typer's from the function's."""
    return command.name or get_command_name(command.callback.__name__ if command.callback
                                            else "")


def main() -> None:
    """The command line, with no traceback for anything but a bug (evsum.entry runs it)."""
    if sys.stderr is None:  # started with stderr closed: messages go nowhere, codes stay
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115  (lives till exit)
    try:
        args = global_options_first(sys.argv[1:])
        every = list(app.registered_commands)
        app.registered_commands[:] = only_the_command_run(args)
        try:
            app(args=args)
        finally:  # the app stays whole for whoever calls it next in this process
            app.registered_commands[:] = every
    except EvsumError as exc:  # from an eager option's callback (--version), outside commands
        sys.stderr.write(f"evsum: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("evsum: interrupted\n")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # a bug in evsum, not bad input
        if os.environ.get("EVSUM_DEBUG"):
            raise
        sys.stderr.write(f"evsum: internal error: {type(exc).__name__}: {exc}\n"
                         "Please report it; EVSUM_DEBUG=1 shows the traceback.\n")
        sys.exit(EXIT_INTERNAL)
