"""Benchmark the installed evsum console script against two baselines.

    python bench/bench.py [--runs 15] [--python OTHER_PYTHON] [--skip-synthetic]
                          [--skip-attached]

For each command it prints the median wall time and the peak memory (max RSS)
of the process, and the ratio of the median to the minimal parse-and-print
script (baseline_parse_print.py) and to a minimal Typer app
(baseline_typer.py). Ratios matter more than milliseconds on a noisy machine.
Warm runs share one cache folder; cold runs get a fresh one each time.
The same is then measured on a synthetic knowledge base of 10,000 facts over
200 substances (synth.py). --python runs the Typer baseline under another
interpreter too, e.g. a virtualenv with a different typer release.
Last, two files of just under 0.95 MB of facts attached to ketamine and
psilocybin (synth.py --attach; within every limit on fact files) are
compared, against the bundled compare: the input on which aligning rows
once took quadratic time.
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


def run_once(argv: list[str], env: dict[str, str], fresh_cache: bool = False
             ) -> tuple[float, int]:
    """Seconds and max RSS (KB) of one run of argv."""
    run_env = dict(env)
    if fresh_cache:
        run_env["EVSUM_CACHE_DIR"] = tempfile.mkdtemp(prefix="evsum-bench-cold-")
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=run_env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if fresh_cache:
        shutil.rmtree(run_env["EVSUM_CACHE_DIR"], ignore_errors=True)
    if code not in (0, 1):
        sys.exit(f"bench: {' '.join(argv)} exited {code}")
    return elapsed, usage.ru_maxrss  # ru_maxrss is in KB on Linux


def measure(argv: list[str], env: dict[str, str], runs: int, baselines: list[list[str]],
            fresh_cache: bool = False) -> tuple[float, float, list[float]]:
    """Median seconds, peak MB, and the median ratio to each baseline.

    Each run of the command is paired with a run of every baseline just before
    it, so a machine that slows down or speeds up affects both sides of a ratio.
    """
    run_once(argv, env, fresh_cache)  # warm-up: fills the cache and the OS file cache
    times: list[float] = []
    ratios: list[list[float]] = [[] for _ in baselines]
    peak = 0
    for _ in range(runs):
        base_times = [run_once(b, env)[0] for b in baselines]
        elapsed, rss = run_once(argv, env, fresh_cache)
        times.append(elapsed)
        peak = max(peak, rss)
        for index, base in enumerate(base_times):
            ratios[index].append(elapsed / base)
    return statistics.median(times), peak / 1024, [statistics.median(r) for r in ratios]


# Today's completion before the fast path: Typer parses the line and calls the hooks.
TYPER_PATH = "import sys; sys.argv[0] = 'evsum'; from evsum.cli import main; main()"


def completion_env(env: dict[str, str], words: str) -> dict[str, str]:
    """What bash's completion function passes: the words joined by newlines, the cursor's."""
    split = words.split()
    return {**env, "_EVSUM_COMPLETE": "complete_bash", "COMP_WORDS": "\n".join(split),
            "COMP_CWORD": str(len(split) - (0 if words.endswith(" ") else 1))}


def table(title: str, rows: list[tuple[str, float, float, list[float]]]) -> None:
    print(f"\n{title}")
    print(f"  {'command':44} {'median ms':>9} {'peak MB':>8} {'/parse+print':>12} {'/typer':>7}")
    for name, seconds, megabytes, ratios in rows:
        print(f"  {name:44} {seconds * 1000:9.1f} {megabytes:8.1f} "
              f"{ratios[0]:12.2f} {ratios[1]:7.2f}")


def suite(label: str, prefix: list[str], folder: Path, names: tuple[str, str], runs: int,
          env: dict[str, str], word: str) -> dict[str, float]:
    """Measure every command; returns the median seconds by command name."""
    evsum = evsum_script()
    parse_print = [sys.executable, str(HERE / "baseline_parse_print.py"), str(folder), *names]
    typer_app = [sys.executable, str(HERE / "baseline_typer.py"), "compare", *names]
    baselines = [parse_print, typer_app]
    first, second = names
    bare = [sys.executable, "-c", "pass"]
    tab = completion_env(env, f"evsum {' '.join(prefix)} compare {first[:4]}")
    commands = [
        ("baseline: python -c pass", bare, env, False),
        ("baseline: parse+print", parse_print, env, False),
        ("baseline: typer app", typer_app, env, False),
        (f"compare {first} {second}", [evsum, *prefix, "compare", first, second], env, False),
        (f"compare {first} {second} (cold cache)", [evsum, *prefix, "compare", first, second],
         env, True),
        (f"compare {first} {second} --all", [evsum, *prefix, "compare", first, second, "--all"],
         env, False),
        (f"show {first}", [evsum, *prefix, "show", first], env, False),
        ("list", [evsum, *prefix, "list"], env, False),
        (f"search {word}", [evsum, *prefix, "search", word], env, False),
        ("validate", [evsum, *prefix, "validate"], env, False),
        ("validate (cold cache)", [evsum, *prefix, "validate"], env, True),
        (f"completion 'compare {first[:4]}'", [evsum, *prefix], tab, False),
        (f"completion via Typer 'compare {first[:4]}'",
         [sys.executable, "-c", TYPER_PATH], tab, False),
        (f"search {first} response", [evsum, *prefix, "search", first, "response"], env, False),
    ]
    rows = []
    for name, argv, run_env, cold in commands:
        seconds, megabytes, ratios = measure(argv, run_env, runs, baselines, fresh_cache=cold)
        rows.append((name, seconds, megabytes, ratios))
    table(label, rows)
    # Paired ratios: each run of the command right after a run of what it is held against.
    compare_argv = commands[3][1]
    ratios = [measure(argv, run_env, runs, [against])[2][0] for argv, run_env, against in (
        (commands[-3][1], tab, bare), (commands[-2][1], tab, bare),
        (commands[-1][1], env, compare_argv))]
    print(f"  TAB / python -c pass: {ratios[0]:.2f} (through Typer: {ratios[1]:.2f}); "
          f"search / compare: {ratios[2]:.2f}")
    return {name: seconds for name, seconds, _, _ in rows}


def attached_case(runs: int, env: dict[str, str], bundled_seconds: float) -> None:
    """compare ketamine psilocybin with two large attached files, warm and cold cache."""
    evsum = evsum_script()
    with tempfile.TemporaryDirectory(prefix="evsum-bench-attached-") as folder:
        files = synth.write_attached(Path(folder), ["ketamine", "psilocybin"])
        sizes = ", ".join(f"{p.stat().st_size / 1e6:.2f} MB" for p in files)
        argv = [evsum, "--facts-dir", folder, "compare", "ketamine", "psilocybin"]
        run_once(argv, env)  # fills the cache
        warm = statistics.median(run_once(argv, env)[0] for _ in range(runs))
        cold = statistics.median(run_once(argv, env, fresh_cache=True)[0] for _ in range(runs))
    print(f"\nattached files ({sizes}): compare ketamine psilocybin "
          f"{warm * 1000:.0f} ms warm, {cold * 1000:.0f} ms cold cache; "
          f"{warm / bundled_seconds:.1f} x the bundled compare "
          f"({bundled_seconds * 1000:.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--python", help="also time the Typer baseline under this Python")
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--skip-attached", action="store_true")
    args = parser.parse_args()
    cache = tempfile.mkdtemp(prefix="evsum-bench-warm-")
    env = {k: v for k, v in os.environ.items() if k not in ("EVSUM_FACTS_PATH",)}
    env.update({"EVSUM_CACHE_DIR": cache, "COLUMNS": "120"})
    from evsum.facts.loader import bundled_facts_dir

    print(f"python {sys.version.split()[0]}; evsum at {evsum_script()}; {args.runs} runs each")
    if args.python:
        here = [sys.executable, str(HERE / "baseline_typer.py"), "compare", "a", "b"]
        for python in (sys.executable, args.python):
            version = subprocess.run([python, str(HERE / "baseline_typer.py"), "version"],
                                     capture_output=True, text=True, check=False).stdout.strip()
            seconds, megabytes, ratios = measure(
                [python, str(HERE / "baseline_typer.py"), "compare", "a", "b"], env, args.runs,
                [here])
            print(f"  typer {version:8} under {python}: {seconds * 1000:.1f} ms, "
                  f"{megabytes:.1f} MB, {ratios[0]:.2f} x this interpreter's")
    bundled = suite("bundled facts", [], bundled_facts_dir(), ("ketamine", "psilocybin"),
                    args.runs, env, "ketamine")
    if not args.skip_synthetic:
        with tempfile.TemporaryDirectory(prefix="evsum-bench-synth-") as folder:
            synth.write(Path(folder), 10000, 200)
            big = suite("synthetic: 10,000 facts, 200 substances",
                        ["--no-bundled", "--facts-dir", folder],
                        Path(folder), (synth.substance_id(1), synth.substance_id(2)),
                        max(5, args.runs // 3), env, "synthetic")  # every fact matches
        compare_big = big[f"compare {synth.substance_id(1)} {synth.substance_id(2)}"]
        print(f"\ncompare on 10,000 facts / compare on the bundled facts: "
              f"{compare_big / bundled['compare ketamine psilocybin']:.2f}")
    warm = bundled["compare ketamine psilocybin"]
    cold = bundled["compare ketamine psilocybin (cold cache)"]
    print(f"compare cold / warm cache (bundled): {cold / warm:.2f}")
    if not args.skip_attached:
        attached_case(max(3, args.runs // 5), env, warm)
    shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
