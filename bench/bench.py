"""Benchmark the installed evsum console script against two baselines.

    python bench/bench.py [--runs 15] [--python OTHER_PYTHON] [--skip-synthetic]

For each command it prints the median wall time and the peak memory (max RSS)
of the process, and the ratio of the median to the minimal parse-and-print
script (baseline_parse_print.py) and to a minimal Typer app
(baseline_typer.py). Ratios matter more than milliseconds on a noisy machine.
Warm runs share one cache folder; cold runs get a fresh one each time.
The same is then measured on a synthetic knowledge base of 10,000 facts over
200 substances (synth.py). --python runs the Typer baseline under another
interpreter too, e.g. a virtualenv with a different typer release.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402  (a sibling script, importable once HERE is on the path)


def evsum_script() -> str:
    beside = Path(sys.executable).parent / "evsum"
    found = str(beside) if beside.exists() else shutil.which("evsum")
    if not found:
        sys.exit("bench: install evsum first (pip install .)")
    return found


def measure(argv: list[str], env: dict[str, str], runs: int, fresh_cache: bool = False
            ) -> tuple[float, float]:
    """Median seconds and peak MB over runs (after one warm-up run)."""
    times: list[float] = []
    peak = 0
    for index in range(runs + 1):
        run_env = dict(env)
        if fresh_cache:
            run_env["EVSUM_CACHE_DIR"] = tempfile.mkdtemp(prefix="evsum-bench-cold-")
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=run_env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in (0, 1):
            sys.exit(f"bench: {' '.join(argv)} exited {process.returncode}")
        if fresh_cache:
            shutil.rmtree(run_env["EVSUM_CACHE_DIR"], ignore_errors=True)
        if index == 0 and not fresh_cache:
            continue  # warm-up: fills the cache and the OS file cache
        times.append(elapsed)
        peak = max(peak, usage.ru_maxrss)
    return statistics.median(times), peak / 1024  # ru_maxrss is in KB on Linux


def completion_env(env: dict[str, str], words: str) -> dict[str, str]:
    return {**env, "_EVSUM_COMPLETE": "complete_bash", "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}


def table(title: str, rows: list[tuple[str, float, float]], parse_print: float,
          typer_app: float) -> None:
    print(f"\n{title}")
    print(f"  {'command':44} {'median ms':>9} {'peak MB':>8} {'/parse+print':>12} {'/typer':>7}")
    for name, seconds, megabytes in rows:
        print(f"  {name:44} {seconds * 1000:9.1f} {megabytes:8.1f} "
              f"{seconds / parse_print:12.2f} {seconds / typer_app:7.2f}")


def suite(label: str, prefix: list[str], folder: Path, names: tuple[str, str], runs: int,
          env: dict[str, str]) -> None:
    evsum = evsum_script()
    parse_print, pp_mem = measure([sys.executable, str(HERE / "baseline_parse_print.py"),
                                   str(folder), *names], env, runs)
    typer_app, ty_mem = measure([sys.executable, str(HERE / "baseline_typer.py"), "compare",
                                 *names], env, runs)
    first, second = names
    commands = [
        (f"compare {first} {second}", [evsum, *prefix, "compare", first, second], env, False),
        (f"compare {first} {second} (cold cache)", [evsum, *prefix, "compare", first, second],
         env, True),
        (f"show {first}", [evsum, *prefix, "show", first], env, False),
        ("list", [evsum, *prefix, "list"], env, False),
        ("validate", [evsum, *prefix, "validate"], env, False),
        ("validate (cold cache)", [evsum, *prefix, "validate"], env, True),
        (f"completion 'compare {first[:4]}'", [evsum, *prefix],
         completion_env(env, f"evsum {' '.join(prefix)} compare {first[:4]}"), False),
    ]
    rows = [("baseline: parse+print", parse_print, pp_mem), ("baseline: typer app", typer_app,
                                                              ty_mem)]
    for name, argv, run_env, cold in commands:
        seconds, megabytes = measure(argv, run_env, runs, fresh_cache=cold)
        rows.append((name, seconds, megabytes))
    table(label, rows, parse_print, typer_app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--python", help="also time the Typer baseline under this Python")
    parser.add_argument("--skip-synthetic", action="store_true")
    args = parser.parse_args()
    cache = tempfile.mkdtemp(prefix="evsum-bench-warm-")
    env = {k: v for k, v in os.environ.items() if k not in ("EVSUM_FACTS_PATH",)}
    env.update({"EVSUM_CACHE_DIR": cache, "COLUMNS": "120"})
    from evsum.facts.loader import bundled_facts_dir

    print(f"python {sys.version.split()[0]}; evsum at {evsum_script()}; {args.runs} runs each")
    if args.python:
        for python in (sys.executable, args.python):
            version = subprocess.run([python, str(HERE / "baseline_typer.py"), "version"],
                                     capture_output=True, text=True, check=False).stdout.strip()
            seconds, megabytes = measure([python, str(HERE / "baseline_typer.py"), "compare",
                                          "a", "b"], env, args.runs)
            print(f"  typer {version:8} under {python}: {seconds * 1000:.1f} ms, "
                  f"{megabytes:.1f} MB")
    suite("bundled facts", [], bundled_facts_dir(), ("ketamine", "psilocybin"), args.runs, env)
    if not args.skip_synthetic:
        with tempfile.TemporaryDirectory(prefix="evsum-bench-synth-") as folder:
            synth.write(Path(folder), 10000, 200)
            suite("synthetic: 10,000 facts, 200 substances",
                  ["--no-bundled", "--facts-dir", folder],
                  Path(folder), (synth.substance_id(1), synth.substance_id(2)),
                  max(5, args.runs // 3), env)
    shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
