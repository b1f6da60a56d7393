"""The cache of parsed facts: always as correct as parsing afresh, whatever happens to it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
    assert any((cache / "kb").iterdir())

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
    for shard in (cache / "kb").rglob("s*"):
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
