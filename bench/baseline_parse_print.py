"""Baseline: parse fact files with libyaml and print one Rich table of two substances' facts.

The least any tool that reads these YAML files and shows a table must do;
bench.py reports evsum's times as ratios to this.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table


def main() -> None:
    folder, wanted = Path(sys.argv[1]), set(sys.argv[2:])
    rows = []
    for path in sorted(folder.rglob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
        for fact in data.get("facts") or []:
            if fact.get("substance") in wanted:
                rows.append((fact["substance"], fact["category"], str(fact["claim"])))
    table = Table("substance", "category", "claim")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


if __name__ == "__main__":
    main()
