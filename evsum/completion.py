"""Shell completion, answered before Typer, Click or Rich is imported.

A TAB runs `evsum` with `_EVSUM_COMPLETE` set. The console script's entry point
(evsum.entry) hands such runs here: the command tree comes from a generated
table (evsum/completion_table.py, checked against the Typer app by the tests),
the names from a small entry beside the cache that is rebuilt when a fact file
changes, and the answer is written in the protocol of the shell that asked:

- Typer's scripts (what `evsum --install-completion` installs): `complete_bash`
  (one value a line), `complete_zsh` (an `_arguments` spec), `complete_fish`
  (`value<TAB>help`; `is-args` answers by exit status), `complete_powershell`;
- Click's scripts: `bash_complete` (`type,value`), `zsh_complete` (type, value
  and help on three lines), `fish_complete` (`type,value<TAB>help`).

A candidate is offered only if every character is a letter, a digit or one of
` ()+,-./:=@_%` (so a stranger's alias such as `qz $(touch /tmp/x)` or `x*` is
never offered), and it is quoted for the shell that asked: escaped for bash,
quoted for PowerShell, left to zsh's and fish's own quoting, which they apply
to every completion they insert.
"""

from __future__ import annotations

import os
import sys

from evsum import snapshot

TYPE_CHECKING = False  # typing itself costs a TAB more than everything else here
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

ENV_COMPLETE = "_EVSUM_COMPLETE"
NAMES_FOLDER = "completion"
NAMES_FORMAT = 1
KEEP_NAMES = 8
SAFE_PUNCTUATION = frozenset(" ()+,-./:=@_%")
BASH_SPECIAL = frozenset(" ()")

Item = tuple[str, str, str | None]  # value, type (plain, file or dir), help


# --- what can be offered ------------------------------------------------------------------


def shell_safe(value: str) -> bool:
    """Whether a candidate is harmless on any shell's command line once quoted."""
    return (bool(value) and value[0] not in "~#=%-"
            and all(ch.isalnum() or ch in SAFE_PUNCTUATION for ch in value))


def starting_with(names: list[str], incomplete: str) -> list[str]:
    """Names that start with what was typed, case-insensitively, keeping what was typed.

    Shells drop offers that do not start with the typed text, so `KET` offers
    `KETamine`; unsafe names are never offered.
    """
    typed = incomplete.casefold()
    offers = []
    for name in names:
        if name.casefold().startswith(typed):
            offer = incomplete + name[len(incomplete):]
            if shell_safe(offer):
                offers.append(offer)
    return list(dict.fromkeys(offers))


def _names_from_knowledge_base(facts_dirs: list[str], bundled: bool) -> dict[str, list[str]]:
    from pathlib import Path

    from evsum.facts.loader import load_knowledge_base

    kb, _ = load_knowledge_base([Path(d) for d in facts_dirs], include_bundled=bundled)
    return {"substances": [n for s in kb.substances.values() for n in (s.id, *s.aliases)],
            "facts": list(kb.fact_index)}


def known_names(facts_dirs: list[str], bundled: bool) -> dict[str, list[str]]:
    """Substance ids and aliases, and fact ids, of the knowledge base on the path.

    Read from the entry beside the cache while no fact file has changed; else
    from the knowledge base (cached too), and the entry is written again.
    """
    roots = snapshot.roots(facts_dirs, bundled)
    folder = snapshot.own_folder(NAMES_FOLDER)
    name = snapshot.key(NAMES_FORMAT, roots)
    if folder is not None:
        stored = snapshot.read_entry(os.path.join(folder, name))
        if (isinstance(stored, tuple) and len(stored) == 2 and isinstance(stored[1], dict)
                and snapshot.is_current(stored[0], roots)):
            found = stored[1]
            if all(isinstance(found.get(k), list) and all(isinstance(v, str) for v in found[k])
                   for k in ("substances", "facts")):
                return found
    taken = snapshot.take(roots)  # before reading: a change while reading makes it stale
    names = _names_from_knowledge_base(facts_dirs, bundled)
    if folder is not None and taken is not None:
        snapshot.write_entry(folder, name, (taken, names))
        snapshot.prune(folder, KEEP_NAMES, lambda n: len(n) == 16 and n.isalnum())
    return names


def values(kind: str, incomplete: str, facts_dirs: list[str], bundled: bool) -> list[str]:
    """The candidates of one kind of value (substance, fact, category, ...)."""
    from evsum.facts import vocabulary as voc

    vocabulary: dict[str, tuple[str, ...]] = {
        "category": voc.CATEGORIES, "evidence": voc.DESIGNS,
        "population": tuple(voc.POPULATIONS),
    }
    if kind in vocabulary:
        return starting_with(list(vocabulary[kind]), incomplete)
    try:
        names = known_names(facts_dirs, bundled)
    except Exception:  # completion must never print a traceback into the shell
        if os.environ.get("EVSUM_DEBUG"):
            raise
        return []
    wanted = {"substance": ["substances"], "fact": ["facts"],
              "substance-or-fact": ["substances", "facts"]}.get(kind, [])
    return starting_with([n for k in wanted for n in names[k]], incomplete)


# --- which parameter the cursor is on (Click's rules, on the generated table) -------------


_TREE: dict[str, Any] = {}


def _table() -> dict[str, Any]:
    """The generated table, with each command's option indexes replaced by the options."""
    if not _TREE:
        from evsum.completion_table import TABLE

        shared = TABLE["options"]
        _TREE["options"] = [shared[i] for i in TABLE["root"]]
        _TREE["commands"] = {name: {**sub, "options": [shared[i] for i in sub["options"]]}
                             for name, sub in TABLE["commands"].items()}
    return _TREE


def _find_option(options: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((o for o in options if name in o["opts"]), None)


class _Parsed:
    """What the words before the cursor say: the command, options given, positionals."""

    def __init__(self) -> None:
        self.command: str | None = None
        self.used: list[dict[str, Any]] = []
        self.positionals = 0
        self.facts_dirs: list[str] = []
        self.bundled = True
        self.double_dash = False


def _parse(args: list[str]) -> _Parsed:
    table = _table()
    parsed = _Parsed()
    options = table["options"]
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if word == "--" and not parsed.double_dash:
            parsed.double_dash = True
            continue
        if word.startswith("-") and len(word) > 1 and not parsed.double_dash:
            name, has_value, attached = word.partition("=")
            option = _find_option(options, name)
            if option is None and not name.startswith("--") and len(name) > 2:
                option = _find_option(options, name[:2])  # -cefficacy
                attached, has_value = name[2:], "="
            if option is None:
                continue
            parsed.used.append(option)
            value: str | None = attached if has_value else None
            if option["takes_value"] and value is None and index < len(args):
                value = args[index]
                index += 1
            if parsed.command is None:
                if "--facts-dir" in option["opts"] and value is not None:
                    parsed.facts_dirs.append(value)
                elif "--no-bundled" in option["opts"]:
                    parsed.bundled = False
            continue
        if parsed.command is None:
            if word not in table["commands"]:
                parsed.command = ""  # unknown: Click stays at the root, and so do we
                break
            parsed.command = word
            options = table["commands"][word]["options"]
            parsed.used = []
            continue
        parsed.positionals += 1
    return parsed


def completions(args: list[str], incomplete: str) -> list[Item]:
    """The candidates for the word under the cursor, given the words before it."""
    table = _table()
    args = list(args)
    if incomplete == "=":
        incomplete = ""
    elif "=" in incomplete and incomplete.startswith("-"):
        name, _, incomplete = incomplete.partition("=")
        args.append(name)
    elif args[-2:-1] and args[-1] == "=" and args[-2].startswith("--"):
        args.pop()  # bash splits `--opt=value` at the `=`
    parsed = _parse(args)
    command = table["commands"].get(parsed.command or "")
    options = command["options"] if command else table["options"]
    arguments = command["arguments"] if command else []
    if not parsed.double_dash and incomplete.startswith("-"):
        return _option_names(options, parsed, incomplete)
    if args and args[-1].startswith("-"):
        option = _find_option(options, args[-1])
        if option is not None and option["takes_value"]:
            return _value_items(option["value"], incomplete, parsed)
    remaining = parsed.positionals
    for argument in arguments:
        if argument["nargs"] == -1 or remaining < argument["nargs"]:
            return _value_items(argument["value"], incomplete, parsed)
        remaining -= argument["nargs"]
    items: list[Item] = []
    if command is None:
        items += [(name, "plain", sub["help"]) for name, sub in table["commands"].items()
                  if name.startswith(incomplete)]
    if incomplete and not incomplete[0].isalnum():
        items += _option_names(options, parsed, incomplete)
    return items


def _option_names(options: list[dict[str, Any]], parsed: _Parsed, incomplete: str
                  ) -> list[Item]:
    used = [id(o) for o in parsed.used]
    return [(name, "plain", option["help"] or None) for option in options
            if option["multiple"] or id(option) not in used
            for name in option["names"] if name.startswith(incomplete)]


def _value_items(kind: Any, incomplete: str, parsed: _Parsed) -> list[Item]:
    if isinstance(kind, tuple):  # a Click Choice: case-sensitive, as Click offers them
        return [(c, "plain", None) for c in kind if c.startswith(incomplete)]
    if kind in ("file", "dir"):
        return [(incomplete, kind, None)]
    if kind is None:
        return []
    return [(v, "plain", None) for v in values(kind, incomplete, parsed.facts_dirs,
                                                 parsed.bundled)]


# --- the shells' protocols ----------------------------------------------------------------


def split_arg_string(string: str) -> list[str]:
    """Split as the shell would, keeping a partial last word (as Click does)."""
    import shlex

    lex = shlex.shlex(string, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    out = []
    try:
        for token in lex:
            out.append(token)
    except ValueError:  # an open quote or a trailing backslash: keep the partial word
        out.append(lex.token)
    return out


def bash_quote(value: str, raw_word: str | None) -> str:
    """A value as it must be typed in bash; inside the quote the user opened, as it is."""
    if raw_word and raw_word[0] in "'\"":
        return value  # readline closes the quote; the safe set needs no escape inside it
    return "".join("\\" + ch if ch in BASH_SPECIAL else ch for ch in value)


def _comp_words_args() -> tuple[list[str], str, str | None]:
    """Bash's and Click's zsh variables: COMP_WORDS (joined by the script) and COMP_CWORD."""
    joined = os.environ.get("COMP_WORDS", "")
    words = split_arg_string(joined)
    cword = int(os.environ.get("COMP_CWORD", "0") or 0)
    raw_words = joined.split("\n") if "\n" in joined else None  # the scripts join with \n
    raw = raw_words[cword] if raw_words is not None and cword < len(raw_words) else None
    return words[1:cword], words[cword] if cword < len(words) else "", raw


def _typer_args() -> tuple[list[str], str]:
    """Typer's zsh and fish scripts: the line up to the cursor in _TYPER_COMPLETE_ARGS."""
    line = os.environ.get("_TYPER_COMPLETE_ARGS", "")
    words = split_arg_string(line)[1:]
    if words and not line.endswith(" "):
        return words[:-1], words[-1]
    return words, ""


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


def _zsh_escape(text: str) -> str:
    """Typer's escape for its `_arguments` spec, and backslashes first."""
    return (text.replace("\\", "\\\\").replace('"', '""').replace("'", "''")
            .replace("$", "\\$").replace("`", "\\`").replace(":", r"\\:"))


def _typer_bash() -> str:
    args, incomplete, raw = _comp_words_args()
    return "\n".join(bash_quote(v, raw) for v, kind, _ in completions(args, incomplete)
                     if kind == "plain")


def _typer_zsh() -> str:
    args, incomplete = _typer_args()
    specs = []
    for value, kind, help_text in completions(args, incomplete):
        if kind != "plain":
            continue
        help_text = _one_line(help_text)
        specs.append(f'"{_zsh_escape(value)}":"{_zsh_escape(help_text)}"' if help_text
                     else f'"{_zsh_escape(value)}"')
    if not specs:
        return "_files"
    return "_arguments '*: :((" + "\n".join(specs) + "))'"


def _typer_fish() -> str | int:
    args, incomplete = _typer_args()
    lines = []
    for value, kind, help_text in completions(args, incomplete):
        if kind == "plain":
            help_text = _one_line(help_text)
            lines.append(f"{value}\t{help_text}" if help_text else value)
    action = os.environ.get("_TYPER_COMPLETE_FISH_ACTION", "")
    if action == "is-args":
        return 0 if lines else 1  # an exit status: whether to offer these instead of files
    return "\n".join(lines) if action == "get-args" else ""


def _powershell_quote(value: str) -> str:
    if all(ch.isalnum() or ch in "._-" for ch in value):
        return value
    return "'" + value.replace("'", "''") + "'"


def _typer_powershell() -> str:
    line = os.environ.get("_TYPER_COMPLETE_ARGS", "")
    incomplete = os.environ.get("_TYPER_COMPLETE_WORD_TO_COMPLETE", "")
    words = split_arg_string(line)
    args = words[1:-1] if incomplete else words[1:]
    return "\n".join(f"{_powershell_quote(v)}:::{_one_line(h) or ' '}"
                     for v, kind, h in completions(args, incomplete) if kind == "plain")


def _click_bash() -> str:
    args, incomplete, raw = _comp_words_args()
    return "\n".join(f"{kind},{bash_quote(v, raw) if kind == 'plain' else v}"
                     for v, kind, _ in completions(args, incomplete))


def _click_zsh() -> str:
    args, incomplete, _ = _comp_words_args()
    return "\n".join(f"{kind}\n{v}\n{_one_line(h) or '_'}"
                     for v, kind, h in completions(args, incomplete))


def _click_fish() -> str:
    words = split_arg_string(os.environ.get("COMP_WORDS", ""))[1:]
    incomplete = os.environ.get("COMP_CWORD", "")
    if incomplete and words and words[-1] == incomplete:
        words.pop()  # fish gives the partial word in both variables
    out = []
    for value, kind, help_text in completions(words, incomplete):
        help_text = _one_line(help_text)
        out.append(f"{kind},{value}\t{help_text}" if help_text else f"{kind},{value}")
    return "\n".join(out)


PROTOCOLS: dict[str, Callable[[], str | int]] = {
    "complete_bash": _typer_bash, "complete_zsh": _typer_zsh, "complete_fish": _typer_fish,
    "complete_powershell": _typer_powershell, "complete_pwsh": _typer_powershell,
    "bash_complete": _click_bash, "zsh_complete": _click_zsh, "fish_complete": _click_fish,
}


def run() -> int:
    """Answer one completion request; other instructions (`source_bash`, ...) go to Typer."""
    answer = PROTOCOLS.get(os.environ.get(ENV_COMPLETE, ""))
    if answer is None:
        from evsum.cli import main

        main()
        return 0
    try:
        result = answer()
    except KeyboardInterrupt:
        return 130
    except Exception:  # never a traceback into the shell's line
        if os.environ.get("EVSUM_DEBUG"):
            raise
        return 1
    if isinstance(result, int):
        return result
    try:
        sys.stdout.write(result + "\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        return 1
    return 0
