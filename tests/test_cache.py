"""The cache of parsed facts: always as correct as parsing afresh, whatever happens to it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evsum.facts.cache import Cache
from evsum.facts.loader import load_knowledge_base

from .conftest import FIXTURE_KB, Run

FIXTURE = (FIXTURE_KB / "fixture.yaml").read_text(encoding="utf-8")
EXTRA = """\
facts:
  - id: beta.doe2022.extra
    substance: beta
    category: dosing
    claim: One dose of 25 mg.
    outcome: clinical-dose
    value: {estimate: 25, unit: mg}
    design: rct
    source: doe2022
    locator: Methods
    checked: 2026-01-01
    read: {url: "https://example.org/page", kind: publisher}
"""


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "fixture.yaml").write_text(FIXTURE, encoding="utf-8")
    return folder


def ids(folder: Path, cache_dir: Path) -> list[str]:
    kb, problems = load_knowledge_base([folder], include_bundled=False, cache=Cache(cache_dir))
    assert problems == []
    return sorted(f.id for f in kb.facts)


def bump(path: Path, text: str) -> None:
    """Rewrite a file so that its stat changes even within one clock tick."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))


def test_warm_run_answers_from_the_cache(pack: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = ids(pack, cache)
    assert any((cache / "evsum-v2" / "kb").iterdir())

    def no_parsing(*args: object) -> None:
        raise AssertionError("a warm run parsed YAML")

    monkeypatch.setattr("evsum.facts.loader.parse_file", no_parsing)
    assert ids(pack, cache) == first


def test_changed_file_is_picked_up(pack: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    ids(pack, cache)
    bump(pack / "fixture.yaml", FIXTURE.replace("beta.doe2022.nausea", "beta.doe2022.renamed"))
    assert "beta.doe2022.renamed" in ids(pack, cache)
    assert "beta.doe2022.nausea" not in ids(pack, cache)


def test_added_and_removed_files_are_picked_up(pack: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before = ids(pack, cache)
    (pack / "extra.yaml").write_text(EXTRA, encoding="utf-8")
    assert ids(pack, cache) == sorted([*before, "beta.doe2022.extra"])
    (pack / "extra.yaml").unlink()
    assert ids(pack, cache) == before


def test_a_new_problem_is_reported_even_when_cached(pack: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    ids(pack, cache)
    bump(pack / "fixture.yaml", FIXTURE.replace("n: 40", "n: -4", 1))
    kb, problems = load_knowledge_base([pack], include_bundled=False, cache=Cache(cache))
    assert [p.field for p in problems] == ["facts[0].n"]
    kb, problems = load_knowledge_base([pack], include_bundled=False, cache=Cache(cache))
    assert [p.field for p in problems] == ["facts[0].n"]


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", b"\xe3\x02\x00\x00\x00trunc"])
def test_corrupt_entries_are_ignored_and_rebuilt(pack: Path, tmp_path: Path,
                                                 damage: bytes) -> None:
    cache = tmp_path / "cache"
    expected = ids(pack, cache)
    for entry in cache.rglob("*"):
        if entry.is_file():
            entry.write_bytes(damage)
    assert ids(pack, cache) == expected


def test_vanished_shard_falls_back_to_parsing(pack: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = ids(pack, cache)
    kb, _ = load_knowledge_base([pack], include_bundled=False, cache=Cache(cache))
    for shard in (cache / "evsum-v2" / "kb").rglob("s*"):
        shard.unlink()
    assert sorted(f.id for f in kb.facts) == expected


def test_unwritable_cache_folder_still_works(pack: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    assert ids(pack, blocked / "cache") == ids(pack, tmp_path / "ok")


def test_a_cache_folder_others_can_write_is_not_used(pack: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    assert Cache(shared).folder is None
    assert ids(pack, shared) == ids(pack, tmp_path / "ok")
    assert not (shared / "kb").exists()


def test_cache_can_be_turned_off(run: Run, pack: Path, tmp_path: Path) -> None:
    result = run("--no-bundled", "--facts-dir", str(pack), "list", "--json",
                 env={"EVSUM_CACHE_DIR": ""})
    assert json.loads(result.stdout)["substances"][0]["id"] == "alpha"


def test_two_processes_writing_at_once_leave_a_valid_cache(pack: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    script = ("import sys; from pathlib import Path; from evsum.facts.cache import Cache; "
              "from evsum.facts.loader import load_knowledge_base; "
              "kb, p = load_knowledge_base([Path(sys.argv[1])], include_bundled=False, "
              "cache=Cache(Path(sys.argv[2]))); print(len(kb.facts), len(p))")
    for _ in range(3):
        runs = [subprocess.Popen([sys.executable, "-c", script, str(pack), str(cache)],
                                 stdout=subprocess.PIPE, text=True) for _ in range(4)]
        outputs = [r.communicate(timeout=120)[0].strip() for r in runs]
        assert outputs == ["7 0"] * 4
        bump(pack / "fixture.yaml", FIXTURE + "\n")
    assert ids(pack, cache) == ids(pack, tmp_path / "fresh")
    leftovers = [p for p in cache.rglob(".tmp-*")]
    assert leftovers == []


# --- pruning: only what evsum made, never through a link ----------------------------------

SCRIPT_PATH = Path(sys.executable).parent / "evsum"


def age(path: Path, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(path, (then, then), follow_symlinks=False)


def users_tree(folder: Path, count: int = 12) -> list[Path]:
    made = []
    for index in range(count):
        sub = folder / f"{index:02d}"
        sub.mkdir(parents=True)
        (sub / "notes.txt").write_text("mine", encoding="utf-8")
        age(sub, 100 + index)
        made.append(sub / "notes.txt")
    return made


def test_pruning_leaves_a_kb_folder_of_the_users_own(pack: Path, tmp_path: Path) -> None:
    # EVSUM_CACHE_DIR=. in a folder with kb/ of one's own once deleted all but 8 of its folders.
    work = tmp_path / "work"
    mine = users_tree(work / "kb") + users_tree(work / "files", 3)
    (work / "files" / "0123456789abcdef0123456789abcdef").write_text("mine", encoding="utf-8")
    age(work / "files" / "0123456789abcdef0123456789abcdef", 400)
    mine.append(work / "files" / "0123456789abcdef0123456789abcdef")
    env = {**os.environ, "EVSUM_CACHE_DIR": "."}
    for extra in range(3):  # three fact sets: three knowledge bases, each stored and pruned
        (pack / f"extra{extra}.yaml").write_text(EXTRA.replace(".extra", f".extra{extra}"),
                                                 encoding="utf-8")
        result = subprocess.run([str(SCRIPT_PATH), "--no-bundled", "--facts-dir", str(pack),
                                 "list", "--json"], cwd=work, env=env, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr
    assert all(p.read_text(encoding="utf-8") == "mine" for p in mine)
    assert sorted(p.name for p in work.iterdir()) == ["evsum-v2", "files", "kb"]
    assert (work / "evsum-v2" / "CACHEDIR.TAG").read_text(encoding="utf-8").startswith(
        "Signature: 8a477f597d28d172789f06886806bc55\n")


def test_pruning_never_follows_a_link(pack: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    ids(pack, cache)
    root = cache / "evsum-v2"
    # A kb link in evsum's folder: its target's folders once were pruned.
    target = tmp_path / "target"
    mine = users_tree(target)
    shutil.rmtree(root / "kb")
    (root / "kb").symlink_to(target)
    bump(pack / "fixture.yaml", FIXTURE + "\n")
    assert ids(pack, cache) == ids(pack, tmp_path / "fresh")
    assert all(p.read_text(encoding="utf-8") == "mine" for p in mine)
    # Links and unmarked folders named as evsum names its entries stay too.
    (root / "kb").unlink()
    ids(pack, cache)
    kb = root / "kb"
    (target / "00" / "evsum-entry").write_text("evsum knowledge base\n", encoding="utf-8")
    (kb / ("a" * 32)).symlink_to(target / "00")
    (kb / ("b" * 32)).mkdir()
    (kb / "notes").mkdir()
    for name in ("a" * 32, "b" * 32, "notes"):
        age(kb / name, 50)
    old_temporary, new_temporary = kb / ".tmp-0badc0de", kb / ".tmp-1badc0de"
    old_temporary.mkdir()
    new_temporary.mkdir()
    age(old_temporary, 1)
    files = root / "files"
    stale, foreign, stale_temporary = (files / ("c" * 32), files / ("d" * 32),
                                       files / ".tmp-2badc0de")
    stale.write_bytes(b"evsum-cache 1 0.0.0\nold entry")
    foreign.write_bytes(b"not evsum's")
    stale_temporary.write_bytes(b"half")
    for path in (stale, foreign, stale_temporary):
        age(path, 40)
    used = sorted(p.name for p in files.iterdir() if p not in (stale, foreign,
                                                                stale_temporary))
    for path in files.iterdir():
        if path.name in used:
            age(path, 40)  # old, but read again by the next cold run: kept
    monkeypatch.setattr("evsum.facts.cache.KEEP_KNOWLEDGE_BASES", 1)
    bump(pack / "fixture.yaml", FIXTURE + "\n\n")
    ids(pack, cache)
    left = sorted(p.name for p in kb.iterdir())
    entries = [n for n in left if len(n) == 32 and n not in ("a" * 32, "b" * 32)]
    assert len(entries) == 1  # the newest knowledge base only
    assert sorted(set(left) - set(entries)) == [".tmp-1badc0de", "a" * 32, "b" * 32, "notes"]
    assert (target / "00" / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in files.iterdir()) == sorted([*used, "d" * 32])


# --- a part pruned by another process meanwhile -------------------------------------------


def test_a_vanished_index_falls_back_to_parsing(pack: Path, tmp_path: Path) -> None:
    # `why` and `cite FACT_ID` once failed with "internal error: CacheMiss: index".
    cache = tmp_path / "cache"
    ids(pack, cache)
    kb, _ = load_knowledge_base([pack], include_bundled=False, cache=Cache(cache))
    shutil.rmtree(cache / "evsum-v2" / "kb")
    fact = kb.fact("beta.doe2022.nausea")
    assert fact is not None and fact.substance == "beta"
    assert kb.sources["doe2022"].year == 2022


def test_a_damaged_source_falls_back_to_parsing(pack: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    ids(pack, cache)
    kb, _ = load_knowledge_base([pack], include_bundled=False, cache=Cache(cache))
    kb._source_map._stored["doe2022"] = ("damaged",)  # type: ignore[attr-defined]
    assert kb.sources["doe2022"].title == "Betacybin in depression"


RACE = """\
import sys, time
from pathlib import Path
from evsum.facts import cache
from evsum.facts.loader import load_knowledge_base
rounds, cache.KEEP_KNOWLEDGE_BASES, pause = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
packs = [Path(p) for p in sys.argv[4:]]
for round in range(rounds):
    pack = packs[round % len(packs)]
    kb, problems = load_knowledge_base([pack], include_bundled=False, cache=cache.Cache())
    time.sleep(pause)  # a command's work between reading the header and the rest
    fact = kb.fact(pack.name + ".only")
    assert fact is not None and not problems, (pack, problems)
    assert kb.sources[fact.source].year == 2020
    assert [f.id for f in kb.facts_of(pack.name)] == [pack.name + ".only"]
print("ok")
"""

ONLY = """\
substances:
  - {id: SID, name: SID, family: ketamine, class: Test, targets: [nmda-receptor],
     routes: [oral], status: Test.}
sources:
  src2020: {type: article, authors: Doe J, title: T, year: 2020, doi: 10.1000/t}
facts:
  - {id: SID.only, substance: SID, category: dosing, claim: One dose., design: rct,
     source: src2020, locator: Methods, checked: 2026-01-01,
     read: {url: "https://example.org/page", kind: publisher},
     outcome: clinical-dose, value: {estimate: 1, unit: mg}}
"""


def test_processes_sharing_a_cache_never_fail(tmp_path: Path) -> None:
    packs = []
    for index in range(6):
        pack = tmp_path / f"p{index}"
        pack.mkdir()
        (pack / "only.yaml").write_text(ONLY.replace("SID", f"p{index}"), encoding="utf-8")
        packs.append(str(pack))
    env = {**os.environ, "EVSUM_CACHE_DIR": str(tmp_path / "shared")}
    # Two readers of one fact set, two writers of five others whose every store prunes
    # all but the newest: a reader's knowledge base is often pruned after the reader read
    # its header and before it reads the index, a shard or a source.
    reader, writer = ["40", "8", "0.05", packs[0]], ["6", "1", "0.3"]
    roles = [reader, reader, writer + packs[1:], writer + packs[:0:-1]]
    runs = [subprocess.Popen([sys.executable, "-c", RACE, *role], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for role in roles]
    results = [(r.communicate(timeout=300), r.returncode) for r in runs]
    assert [(out, err[-500:], code) for (out, err), code in results] == [("ok\n", "", 0)] * 4


# --- date checks are re-done on another day ------------------------------------------------


def test_a_future_date_is_accepted_once_its_day_has_come(pack: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    import datetime as dt
    import types

    tomorrow = dt.date.today() + dt.timedelta(days=1)
    bump(pack / "fixture.yaml", FIXTURE.replace("checked: 2026-01-01",
                                                f"checked: {tomorrow.isoformat()}", 1))
    cache = tmp_path / "cache"
    _, problems = load_knowledge_base([pack], include_bundled=False, cache=Cache(cache))
    assert [(p.field, p.message) for p in problems] == [
        ("facts[0].checked", f"{tomorrow.isoformat()} is in the future")]

    class Tomorrow(dt.date):
        @classmethod
        def today(cls) -> Tomorrow:
            return cls(tomorrow.year, tomorrow.month, tomorrow.day)

    monkeypatch.setattr("evsum.facts.schema.dt", types.SimpleNamespace(date=Tomorrow))
    monkeypatch.setattr("evsum.facts.cache.dt", types.SimpleNamespace(date=Tomorrow))
    _, problems = load_knowledge_base([pack], include_bundled=False, cache=Cache(cache))
    assert problems == []
    kb, problems = load_knowledge_base([pack], include_bundled=False, cache=Cache(cache))
    assert problems == [] and len(kb.facts) == 7


# --- where the cache is --------------------------------------------------------------------


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the XDG layout")
@pytest.mark.parametrize(("home", "xdg", "expected"), [
    ("", None, None),  # once /.cache/evsum
    ("relative/home", None, None),
    ("/home/someone", "relative/cache", "/home/someone/.cache/evsum"),
    ("/home/someone", "/var/cache/me", "/var/cache/me/evsum"),
    ("", "/var/cache/me", "/var/cache/me/evsum"),
])
def test_cache_folder_needs_an_absolute_home(home: str, xdg: str | None, expected: str | None,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from evsum.facts.cache import cache_dir

    monkeypatch.delenv("EVSUM_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", home)
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert cache_dir() == (Path(expected) if expected else None)


def test_an_empty_home_runs_without_a_cache(pack: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("EVSUM_CACHE_DIR",
                                                             "XDG_CACHE_HOME")}
    result = subprocess.run([str(SCRIPT_PATH), "--no-bundled", "--facts-dir", str(pack),
                             "list", "--json"], cwd=tmp_path, env={**env, "HOME": ""},
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (0, "")
    assert [s["id"] for s in json.loads(result.stdout)["substances"]] == ["alpha", "beta"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack"]


# --- the cache knows the model, not the loader ---------------------------------------------


def test_the_cache_does_not_import_the_loader() -> None:
    import ast

    import evsum.facts.cache as cache_module

    tree = ast.parse(Path(cache_module.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert "evsum.facts.loader" not in imported
    assert not any(name.startswith("evsum.facts.schema") for name in imported if name)


def test_a_change_to_the_model_changes_the_stamp(monkeypatch: pytest.MonkeyPatch) -> None:
    # A field added, removed or retyped in the model makes every entry a miss, unbumped.
    from typing import NamedTuple

    from evsum.facts import cache as cache_module
    from evsum.facts import model

    before = cache_module._model_shape()

    class Read(NamedTuple):
        url: str
        kind: str

    Read.__module__ = model.__name__
    monkeypatch.setattr(model, "Read", Read, raising=False)
    grown = cache_module._model_shape()
    monkeypatch.setattr(Read, "__annotations__", {"url": "str", "kind": "int"})
    assert len({before, grown, cache_module._model_shape()}) == 3
