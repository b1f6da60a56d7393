"""The console entry point: signals first, a TAB answered at once, then the command line.

Typer, Click and Rich are imported only after the signal handlers are set, and not at all
for a shell's completion request.
"""

from __future__ import annotations

import os
import signal
import sys

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class Interrupted(BaseException):
    """Ctrl-C. Not a KeyboardInterrupt, which Click and Typer turn into a silent exit."""


_MAIN_PID = os.getpid()


def _interrupt(signum: int, frame: object) -> None:
    if os.getpid() != _MAIN_PID:  # a forked parser: the main process says it, once
        os._exit(EXIT_INTERRUPTED)
    raise Interrupted


def main() -> None:
    """Run evsum; Ctrl-C at any moment prints 'evsum: interrupted' and exits 130."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # started in the background
        signal.signal(signal.SIGINT, _interrupt)
    if hasattr(signal, "SIGPIPE"):  # `evsum show x | head`: end quietly, as Unix tools do
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        if os.environ.get("_EVSUM_COMPLETE"):  # a TAB: answered without Typer, Click or Rich
            from evsum.completion import run as complete

            sys.exit(complete())
        from evsum.cli import main as run

        run()
    except Interrupted:
        try:
            os.write(2, b"evsum: interrupted\n")
        except OSError:  # stderr closed
            pass
        sys.exit(EXIT_INTERRUPTED)
