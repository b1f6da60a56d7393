"""TAB completion: answered before Typer is imported, in each shell's protocol, never unsafe."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from evsum import completion, snapshot
from evsum.commands.completion import TABLE_FILE, table_source

from .conftest import FIXTURE_KB
from .test_console_script import evsum_script

FactTree = Callable[[dict[str, str]], Path]
HOSTILE_SUBSTANCE = """\
substances:
  - id: qzine
    name: Qzine
    aliases: ["qz $(touch {marker})", "x*", "qz-plain", "qz `touch {marker}`"]
    family: ketamine
    class: test
    targets: [nmda-receptor]
    routes: [oral]
    status: Investigational.
"""


def complete(env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script as a shell's completion function does."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("COMP_", "_TYPER"))}
    full.update(env)
    return subprocess.run([evsum_script()], capture_output=True, text=True, env=full,
                          cwd=cwd, timeout=60, check=False)


def bash(line: str | list[str], protocol: str = "complete_bash", **extra: str) -> str:
    """What bash's completion function gets for the line (the cursor at its end)."""
    words = line.split(" ") if isinstance(line, str) else line
    result = complete({"_EVSUM_COMPLETE": protocol, "COMP_WORDS": "\n".join(words),
                       "COMP_CWORD": str(len(words) - 1), **extra})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def typer_line(line: str, protocol: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return complete({"_EVSUM_COMPLETE": protocol, "_TYPER_COMPLETE_ARGS": line, **extra})


def test_generated_table_matches_the_typer_app() -> None:
    assert TABLE_FILE.read_text(encoding="utf-8") == table_source(), \
        "run: python -m evsum.commands.completion"


def test_snapshot_uses_the_cache_and_loader_rules(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    from evsum.facts.cache import cache_dir
    from evsum.facts.loader import fact_dirs

    for value in (str(tmp_path / "c"), ""):
        monkeypatch.setenv("EVSUM_CACHE_DIR", value)
        expected = cache_dir()
        assert snapshot.cache_folder() == (str(expected) if expected else None)
    monkeypatch.delenv("EVSUM_CACHE_DIR")
    assert snapshot.cache_folder() == str(cache_dir())
    monkeypatch.setenv("EVSUM_FACTS_PATH", os.pathsep.join(["a", str(tmp_path)]))
    assert snapshot.roots(["b"], True) == [os.path.abspath(p)
                                           for p in fact_dirs([Path("b")], True)]
    assert snapshot.roots([], False) == [os.path.abspath(p) for p in fact_dirs([], False)]


SAME_AS_TYPER = ["evsum ", "evsum s", "evsum show ", "evsum show magic", "evsum show -",
                 "evsum show --category ", "evsum show -e r", "evsum compare ketamine ",
                 "evsum why ketamine.e", "evsum cite esk", "evsum export ketamine --view ",
                 "evsum show --svg x", "evsum --", "evsum show ketamine ", "evsum search --l",
                 "evsum validate ", "evsum side-effects --sort ", "evsum nothing ",
                 "evsum show --json --", "evsum compare -- -"]


@pytest.mark.parametrize("line", SAME_AS_TYPER)
def test_fast_path_offers_what_typer_offers(line: str) -> None:
    import typer.main
    from typer._completion_classes import BashComplete

    from evsum.cli import app

    words = line.split(" ")
    typer_complete = BashComplete(typer.main.get_command(app), {}, "evsum", "_EVSUM_COMPLETE")
    expected = [(i.value, i.type, i.help) for i in
                typer_complete.get_completions(words[1:-1], words[-1])]
    # Typer's Path type offers nothing; the fast path says "a file" (Click's scripts then
    # complete file names; Typer's, given nothing, fall back to them too)
    ours = [i for i in completion.completions(words[1:-1], words[-1]) if i[1] == "plain"]
    assert sorted(ours, key=repr) == sorted(expected, key=repr)


def test_bash_escapes_a_multi_word_alias_as_one_word() -> None:
    assert bash("evsum show magic") == "magic\\ mushrooms\n"
    assert bash("evsum show (R") == "\\(R,S\\)-ketamine\n\\(R\\)-ketamine\n"
    # inside a quote the user opened, readline closes it: the value goes as it is
    assert bash(["evsum", "show", "'magic m"]) == "magic mushrooms\n"


def test_bash_keeps_what_was_typed_and_today_s_candidates() -> None:
    assert bash("evsum show KET") == ("KETamine\nKETamine\\ hydrochloride\nKETalar\nKETamin\n"
                                      "KETamina\nKETanest\n")
    assert bash("evsum compare ketamine psi") == ("psilocybin\npsilocybin\\ mushrooms\n"
                                                  "psilocin\npsilocibin\npsilocybine\n")
    assert bash("evsum se") == "search\n"
    assert bash("evsum show ketamine ") == "\n"  # SUBSTANCE given: nothing more to offer


def test_option_values_complete_from_the_vocabulary() -> None:
    assert bash("evsum show --category d") == "dissociation\ndosing\n"
    assert bash("evsum compare -c ") == ("efficacy\nsafety\ndissociation\nmechanism\n"
                                         "pharmacology\ndosing\nregulatory\n")
    assert bash("evsum list --min-evidence r") == "rct\nregulatory\nreview\n"
    assert bash("evsum search --population s") == "suicidal-ideation\nsurgical-anaesthesia\n"
    assert bash("evsum show --format m") == "markdown\n"
    assert bash("evsum cite --format c") == "csl-json\n"
    assert bash("evsum export ketamine --view s") == "show\nside-effects\n"
    # bash splits --category=dos at the "="
    assert bash("evsum show --category = do") == "dosing\n"
    # a file name: nothing, so that bash falls back to its own file completion
    assert bash("evsum show --svg pic") == "\n"
    assert bash("evsum show --svg pic", "bash_complete") == "file,pic\n"


def test_fact_ids_complete_for_why_and_cite() -> None:
    from evsum.facts.loader import load_knowledge_base

    ids = [f.id for f in load_knowledge_base()[0].facts]
    for line, prefix in (("evsum why ketamine.ekstrand2022.re", "ketamine.ekstrand2022.re"),
                         ("evsum cite esketamine.canuso2021.d", "esketamine.canuso2021.d"),
                         ("evsum cite lsd.dolder2017", "lsd.dolder2017")):
        offered = bash(line).splitlines()
        assert offered and sorted(offered) == sorted(i for i in ids if i.startswith(prefix))
    assert bash("evsum cite lsd-") == "lsd-25\n"


def test_option_names_leave_out_options_already_given() -> None:
    assert bash("evsum why --") == "--json\n--format\n--svg\n--html\n--force\n--help\n"
    assert bash("evsum why --json --") == "--format\n--svg\n--html\n--force\n--help\n"
    assert bash("evsum --n") == "--no-bundled\n--no-color\n"


def test_global_options_choose_the_facts_offered() -> None:
    fixture = ["--no-bundled", "--facts-dir", str(FIXTURE_KB)]
    assert bash(" ".join(["evsum", *fixture, "show", ""])) == (
        "alpha\nAlphazine\n\\(S\\)-alpha\nálfa\nbeta\nbeta\\ mushrooms\n")
    assert bash(" ".join(["evsum", *fixture, "why", "beta."])) == (
        "beta.doe2022.response-3wk\nbeta.doe2022.headache\nbeta.doe2022.nausea\n"
        "beta.doe2022.mechanism\n")


def test_zsh_gets_typer_s_arguments_spec() -> None:
    result = typer_line("evsum show magic", "complete_zsh")
    assert result.stdout == "_arguments '*: :((\"magic mushrooms\"))'\n"
    result = typer_line("evsum show --category eff", "complete_zsh")
    assert result.stdout == "_arguments '*: :((\"efficacy\"))'\n"
    result = typer_line("evsum why --j", "complete_zsh")
    assert result.stdout == ("_arguments '*: :((\"--json\":\"Write JSON (same as --format "
                             "json).\"))'\n")
    assert typer_line("evsum show --svg ", "complete_zsh").stdout == "_files\n"
    result = typer_line("evsum sh", "complete_zsh")
    assert result.stdout == ("_arguments '*: :((\"show\":\"One substance''s summary of "
                             "findings...\"))'\n")


def test_fish_gets_values_with_help_on_one_line() -> None:
    result = typer_line("evsum show --cat", "complete_fish", _TYPER_COMPLETE_FISH_ACTION="get-args")
    assert result.stdout == ("--category\tOnly these categories (repeatable): efficacy, safety, "
                             "dissociation, mechanism, pharmacology, dosing, regulatory.\n")
    result = typer_line("evsum show magic", "complete_fish", _TYPER_COMPLETE_FISH_ACTION="get-args")
    assert result.stdout == "magic mushrooms\n"
    is_args = typer_line("evsum show magic", "complete_fish", _TYPER_COMPLETE_FISH_ACTION="is-args")
    assert (is_args.returncode, is_args.stdout) == (0, "")
    files = typer_line("evsum show --svg ", "complete_fish", _TYPER_COMPLETE_FISH_ACTION="is-args")
    assert (files.returncode, files.stdout) == (1, "")


def test_powershell_gets_values_quoted_for_powershell() -> None:
    result = typer_line("evsum show magic", "complete_powershell",
                        _TYPER_COMPLETE_WORD_TO_COMPLETE="magic")
    assert result.stdout == "'magic mushrooms'::: \n"
    result = typer_line("evsum show --category ", "complete_powershell")
    assert result.stdout.splitlines()[:2] == ["efficacy::: ", "safety::: "]


def test_click_protocols_keep_click_s_formats() -> None:
    assert bash("evsum show magic", "bash_complete") == "plain,magic\\ mushrooms\n"
    assert bash("evsum why --j", "zsh_complete") == (
        "plain\n--json\nWrite JSON (same as --format json).\n")
    assert bash("evsum show magic", "zsh_complete") == "plain\nmagic mushrooms\n_\n"
    result = complete({"_EVSUM_COMPLETE": "fish_complete", "COMP_WORDS": "evsum why --j",
                       "COMP_CWORD": "--j"})
    assert result.stdout == "plain,--json\tWrite JSON (same as --format json).\n"


def test_completion_imports_neither_typer_nor_rich_nor_yaml(tmp_path: Path) -> None:
    probe = ("import sys\nfrom evsum.entry import main\ntry:\n    main()\nexcept SystemExit:\n"
             "    pass\nprint(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'typer', 'click', 'rich', 'yaml'}), file=sys.stderr)\n")
    env = {**os.environ, "_EVSUM_COMPLETE": "complete_bash", "COMP_WORDS": "evsum show ma",
           "COMP_CWORD": "2"}
    warm = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=env, check=True)  # the first run may read the knowledge base
    again = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           env=env, check=True)
    assert warm.stdout == again.stdout == "magic\\ mushrooms\n"
    assert again.stderr == "[]\n"


def test_names_entry_is_rebuilt_when_a_fact_file_changes(fact_tree: FactTree,
                                                         tmp_path: Path) -> None:
    folder = fact_tree({"q.yaml": HOSTILE_SUBSTANCE.format(marker=tmp_path / "never")})
    line = f"evsum --no-bundled --facts-dir {folder} show qz-"
    assert bash(line) == "qz-plain\n"
    time.sleep(0.01)
    (folder / "q.yaml").write_text(HOSTILE_SUBSTANCE.replace("qz-plain", "qz-renamed")
                                   .format(marker=tmp_path / "never"), encoding="utf-8")
    assert bash(line) == "qz-renamed\n"
    (folder / "more.yaml").write_text(HOSTILE_SUBSTANCE.replace("qzine", "qzother").replace(
        "qz-plain", "qz-second").replace("Qzine", "Qzother").replace("x*", "y").replace(
        "qz $(", "qa $(").replace("qz `", "qa `").format(marker=tmp_path / "never"),
        encoding="utf-8")
    assert bash(line) == "qz-second\nqz-renamed\n"  # more.yaml is read before q.yaml


def test_a_stranger_s_alias_is_never_offered(fact_tree: FactTree, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    folder = fact_tree({"q.yaml": HOSTILE_SUBSTANCE.format(marker=marker)})
    prefix = f"evsum --facts-dir {folder} show "
    assert bash(prefix + "q") == "qzine\nqz-plain\n"
    assert bash(prefix + "x") == "\n"
    assert typer_line(prefix + "q", "complete_zsh").stdout == (
        "_arguments '*: :((\"qzine\"\n\"qz-plain\"))'\n")
    fish = typer_line(prefix + "q", "complete_fish", _TYPER_COMPLETE_FISH_ACTION="get-args")
    assert fish.stdout == "qzine\nqz-plain\n"
    assert completion.shell_safe("(R,S)-ketamine") and completion.shell_safe("yagé")
    for unsafe in ("qz $(touch x)", "x*", "a`b`", "~root", "a;b", "a|b", "a\\b", "a'b",
                   'a"b', "#x", "a\u200bb", "a\nb", "-rf", "=ls", "a?", "a[b]", "a{b}", "!x"):
        assert not completion.shell_safe(unsafe), unsafe
    assert not marker.exists()


# --- in a real bash, through the script `evsum --show-completion` installs -----------------


def drive(shell: list[str], setup: str, keys: str, env: dict[str, str], home: Path,
          timeout: float = 60.0) -> str:
    """Type keys into an interactive shell on a terminal; returns what the terminal showed."""
    master, slave = pty.openpty()
    full = {**os.environ, **env, "HOME": str(home),
            "PATH": f"{Path(evsum_script()).parent}{os.pathsep}{os.environ['PATH']}"}
    process = subprocess.Popen(shell, stdin=slave, stdout=slave, stderr=slave, env=full,
                               cwd=home, start_new_session=True)
    os.close(slave)
    shown = b""

    def read_until(marker: bytes) -> None:
        nonlocal shown
        end = time.monotonic() + timeout
        while marker not in shown and time.monotonic() < end:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                shown += chunk

    try:
        os.write(master, setup.encode() + b"; echo READY''NOW\n")
        read_until(b"READYNOW")
        shown = b""
        os.write(master, keys.encode() + b"\necho END''OF''TEST\n")
        read_until(b"ENDOFTEST")
        os.write(master, b"exit\n")
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]|\x1b[=>]", "", shown.decode("utf-8", "replace"))
    return text.replace("\r", "").replace("\a", "")


def drive_bash(keys: str, env: dict[str, str], home: Path) -> str:
    """Keys typed into bash with the completion script `evsum --install-completion` writes."""
    script = complete({"_EVSUM_COMPLETE": "source_bash", **env}).stdout
    assert "complete -o default -F _evsum_completion evsum" in script
    (home / "evsum-completion.sh").write_text(script, encoding="utf-8")
    return drive(["bash", "--norc", "--noprofile", "-i"],
                 "PS1='$ '; source ~/evsum-completion.sh", keys, {**env, "TERM": "dumb"}, home)


def drive_zsh(keys: str, env: dict[str, str], home: Path) -> str:
    script = complete({"_EVSUM_COMPLETE": "source_zsh", **env}).stdout
    assert "compdef _evsum_completion evsum" in script
    (home / "evsum-completion.zsh").write_text(script, encoding="utf-8")
    return drive(["zsh", "-f", "-i"], "PS1='%% '; autoload -U compinit; compinit -u; "
                 "source ~/evsum-completion.zsh", keys, {**env, "TERM": "xterm"}, home)


needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


@needs_bash
def test_bash_tab_then_enter_runs_the_multi_word_name(tmp_path: Path) -> None:
    shown = drive_bash("evsum show magic\t --json | head -c 45", {}, tmp_path)
    assert "evsum show magic\\ mushrooms  --json | head -c 45" in shown
    assert '"kind": "findings"' in shown
    assert "unexpected extra argument" not in shown
    opened = drive_bash("evsum show 'magic m\t --json | head -c 45", {}, tmp_path)
    assert "evsum show 'magic mushrooms'  --json" in opened
    assert '"kind": "findings"' in opened


@needs_bash
def test_bash_tab_on_a_stranger_s_alias_runs_nothing(fact_tree: FactTree,
                                                     tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    folder = fact_tree({"q.yaml": HOSTILE_SUBSTANCE.format(marker=marker)})
    shown = drive_bash("evsum show qz\t\t; evsum show x\t", {"EVSUM_FACTS_PATH": str(folder)},
                       tmp_path)
    listed, _, ran = shown.partition("$ evsum show qz; evsum show x\n")
    assert "qz-plain  qzine" in listed  # the second TAB lists the safe candidates only
    assert "touch" not in listed and "x*" not in listed
    assert ran  # the line ran as typed: nothing was inserted for qz or x
    assert not marker.exists()


needs_zsh = pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
needs_fish = pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")


@needs_zsh
def test_zsh_tab_then_enter_runs_the_multi_word_name(tmp_path: Path) -> None:
    shown = drive_zsh("evsum show magic\t --json | head -c 45", {}, tmp_path)
    assert "evsum show magic\\ mushrooms" in shown
    assert '"kind": "findings"' in shown


@needs_zsh
def test_zsh_tab_on_a_stranger_s_alias_runs_nothing(fact_tree: FactTree,
                                                    tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    folder = fact_tree({"q.yaml": HOSTILE_SUBSTANCE.replace(
        '"qz-plain"', '"qz \\\\`touch {marker}\\\\`"').format(marker=marker)})
    env = {"EVSUM_FACTS_PATH": str(folder)}
    assert typer_line("evsum show q", "complete_zsh", **env).stdout == (
        "_arguments '*: :((\"qzine\"))'\n")
    shown = drive_zsh("evsum show q\t", env, tmp_path)
    assert "evsum show qzine" in shown  # the one safe candidate, inserted and run
    assert not marker.exists()


@needs_fish
def test_fish_offers_the_same_candidates(fact_tree: FactTree, tmp_path: Path) -> None:
    script = complete({"_EVSUM_COMPLETE": "source_fish"}).stdout
    (tmp_path / "evsum.fish").write_text(script, encoding="utf-8")
    marker = tmp_path / "ran"
    folder = fact_tree({"q.yaml": HOSTILE_SUBSTANCE.format(marker=marker)})
    env = {**os.environ, "EVSUM_FACTS_PATH": str(folder),
           "PATH": f"{Path(evsum_script()).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        ["fish", "--no-config", "-c", f"source {tmp_path / 'evsum.fish'}; "
         "complete -C 'evsum show magic'; complete -C 'evsum show --category d'; "
         "complete -C 'evsum show q'"], capture_output=True, text=True, env=env, timeout=60,
        check=False)
    assert result.stdout == "magic mushrooms\ndissociation\ndosing\nqzine\nqz-plain\n"
    assert not marker.exists()
