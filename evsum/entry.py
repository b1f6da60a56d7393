"""The console script's entry point: answer TAB before importing the command line framework."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run evsum; a shell's completion request is answered without Typer, Click or Rich."""
    if os.environ.get("_EVSUM_COMPLETE"):
        from evsum.completion import run

        sys.exit(run())
    from evsum.cli import main as cli_main

    cli_main()
