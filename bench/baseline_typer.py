"""Baseline: a minimal two-command Typer app that only prints its arguments."""

from __future__ import annotations

import typer

app = typer.Typer()


@app.command()
def compare(names: list[str]) -> None:
    print(" ".join(names))


@app.command()
def version() -> None:
    print(typer.__version__)


if __name__ == "__main__":
    app()
