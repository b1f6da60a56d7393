"""Whatever happens to a cache entry, evsum answers as if it had parsed afresh.

Each case damages every entry of a warm cache in one way (cut short, bits
flipped, a valid stamp over the wrong types or unknown enum values, a pipe, a
link to a device, a huge file, a folder) and then loads the knowledge base and
touches every part of it: the answer must equal a fresh parse, with no error
and no hang. Cases that could hang run in a subprocess with a timeout.
"""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evsum.facts import cache as cache_module
from evsum.facts.cache import MAGIC, Cache, _pack
from evsum.facts.loader import load_knowledge_base

from .conftest import FIXTURE_KB

Snapshot = tuple[list[Any], list[Any], list[Any], dict[str, str], list[Any]]


def snapshot(folder: Path, cache_dir: Path | None) -> Snapshot:
    """Every part of the knowledge base, forcing each lazy part to load."""
    cache = Cache(cache_dir) if cache_dir is not None else Cache(Path("/nonexistent/evsum"))
    kb, problems = load_knowledge_base([folder], include_bundled=False, cache=cache)
    facts = kb.facts
    sources = [kb.sources[f.source] for f in facts]
    return (sorted(kb.substances.values()), facts, sources, dict(kb.fact_index), problems)


@pytest.fixture(scope="module")
def fresh() -> Snapshot:
    return snapshot(FIXTURE_KB, None)


def warm(tmp_path: Path) -> Path:
    cache_dir = tmp_path / "cache"
    snapshot(FIXTURE_KB, cache_dir)
    return cache_dir


def entries(cache_dir: Path) -> list[Path]:
    """Every entry evsum wrote (knowledge-base parts and file entries), markers aside."""
    root = cache_dir / "evsum-v2"
    found = [p for p in root.rglob("*") if p.is_file() and p.name not in (
        "CACHEDIR.TAG", "evsum-entry")]
    assert {p.parent.name for p in found} >= {"files"} and any(p.name == "header"
                                                               for p in found)
    return found


def forged(change: Callable[[Any], Any]) -> Callable[[Path], None]:
    """A damage that keeps a valid stamp and checksum around a changed payload."""

    def damage(path: Path) -> None:
        data = path.read_bytes()
        payload = marshal.loads(data[len(MAGIC) + cache_module.DIGEST_BYTES:])
        packed = _pack(change(payload))
        assert packed is not None
        path.write_bytes(packed)

    return damage


def replace_strings(value: Any, old: str, new: Any) -> Any:
    if value == old:
        return new
    if isinstance(value, (tuple, list)):
        return type(value)(replace_strings(v, old, new) for v in value)
    if isinstance(value, dict):
        return {k: replace_strings(v, old, new) for k, v in value.items()}
    return value


def first_tuple_shorter(value: Any) -> Any:
    """Drop the last item of the deepest first tuple of more than one item."""
    if isinstance(value, tuple) and len(value) > 1 and not any(
            isinstance(v, (tuple, list, dict)) for v in value):
        return value[:-1]
    if isinstance(value, (tuple, list)) and value:
        return type(value)([first_tuple_shorter(value[0]), *value[1:]])
    if isinstance(value, dict) and value:
        key = next(iter(value))
        return {**value, key: first_tuple_shorter(value[key])}
    return value


def fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def link_to(target: str) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        path.unlink()
        path.symlink_to(target)

    return damage


def huge(path: Path) -> None:
    with path.open("r+b") as stream:
        stream.truncate(cache_module.MAX_ENTRY_BYTES + 1)  # sparse: costs no disk


def folder_instead(path: Path) -> None:
    path.unlink()
    path.mkdir()


def flip(offset: int, bit: int = 0) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[offset % len(data)] ^= 1 << bit
        path.write_bytes(bytes(data))

    return damage


def cut(keep: Callable[[int], int]) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        data = path.read_bytes()
        path.write_bytes(data[:keep(len(data))])

    return damage


DAMAGE: dict[str, Callable[[Path], None]] = {
    "empty": cut(lambda n: 0),
    "cut-in-stamp": cut(lambda n: 5),
    "cut-after-stamp": cut(lambda n: len(MAGIC)),
    "cut-in-digest": cut(lambda n: len(MAGIC) + 3),
    "cut-in-half": cut(lambda n: n // 2),
    "cut-last-byte": cut(lambda n: n - 1),
    "byte-appended": lambda p: p.write_bytes(p.read_bytes() + b"\x00"),
    "flip-stamp": flip(2),
    "flip-version": flip(len(MAGIC) - 2),
    "flip-digest": flip(len(MAGIC) + 1),
    "flip-body-start": flip(len(MAGIC) + cache_module.DIGEST_BYTES, 3),
    "flip-body-middle": flip(-200, 5),
    "flip-last": flip(-1, 7),
    "old-format-stamp": lambda p: p.write_bytes(b"evsum-cache 1 0.0.0\n" +
                                                p.read_bytes()[len(MAGIC):]),
    "forged-unknown-design": forged(lambda v: replace_strings(v, "rct", "preblinical")),
    "forged-unknown-category": forged(lambda v: replace_strings(v, "safety", "safe")),
    "forged-unknown-unit": forged(lambda v: replace_strings(v, "%", "percent")),
    "forged-unknown-source-type": forged(lambda v: replace_strings(v, "article", "blog")),
    "forged-unknown-family": forged(lambda v: replace_strings(v, "ketamine", "other")),
    "forged-number-as-text": forged(lambda v: replace_strings(v, "%", 12)),
    "forged-text-as-none": forged(lambda v: replace_strings(v, "alpha", None)),
    "forged-shorter-tuple": forged(first_tuple_shorter),
    "forged-list-for-tuple": forged(lambda v: list(v) if isinstance(v, tuple) else [v]),
    "forged-none": forged(lambda v: None),
    "forged-scalar": forged(lambda v: 7),
    "forged-nan": forged(lambda v: replace_strings(v, 50, float("nan"))),
    "huge-sparse-file": huge,
    "folder-instead": folder_instead,
    "link-to-another-entry": lambda p: link_to(str(p.parent / "index"))(p)
    if p.name != "index" else link_to(str(p.parent / "header"))(p),
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_damaged_entries_read_as_a_miss(name: str, tmp_path: Path, fresh: Snapshot) -> None:
    cache_dir = warm(tmp_path)
    before = {path: path.read_bytes() for path in entries(cache_dir)}
    for path in before:
        DAMAGE[name](path)
    assert any(not path.is_file() or path.is_symlink() or path.read_bytes() != data
               for path, data in before.items())  # the case damaged something
    assert snapshot(FIXTURE_KB, cache_dir) == fresh
    assert snapshot(FIXTURE_KB, cache_dir) == fresh  # and the rebuilt cache is sound


@pytest.mark.parametrize("part", ["header", "index", "s0", "files"])
def test_one_damaged_part_reads_as_a_miss(part: str, tmp_path: Path, fresh: Snapshot) -> None:
    cache_dir = warm(tmp_path)
    for path in entries(cache_dir):
        if path.name == part or path.parent.name == part:
            forged(lambda v: replace_strings(v, "rct", "preblinical"))(path)
    assert snapshot(FIXTURE_KB, cache_dir) == fresh


SCRIPT = ("import sys; from pathlib import Path; from evsum.facts.cache import Cache; "
          "from evsum.facts.loader import load_knowledge_base; "
          "kb, p = load_knowledge_base([Path(sys.argv[1])], include_bundled=False, "
          "cache=Cache(Path(sys.argv[2]))); "
          "print(len(kb.facts), len(kb.fact_index), len(p), "
          "sorted({kb.sources[f.source].key for f in kb.facts}))")


@pytest.mark.parametrize("name", ["fifo", "link-to-dev-zero", "link-to-dev-null",
                                  "link-to-proc-kmsg-like", "link-to-itself"])
def test_entries_that_could_hang_read_as_a_miss(name: str, tmp_path: Path) -> None:
    damage = {"fifo": fifo, "link-to-dev-zero": link_to("/dev/zero"),
              "link-to-dev-null": link_to("/dev/null"),
              "link-to-proc-kmsg-like": link_to("/proc/self/status"),
              "link-to-itself": lambda p: link_to(p.name)(p)}[name]
    if name == "fifo" and not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    cache_dir = warm(tmp_path)
    expected = subprocess.run([sys.executable, "-c", SCRIPT, str(FIXTURE_KB), str(cache_dir)],
                              capture_output=True, text=True, timeout=60, check=True).stdout
    for path in entries(cache_dir):
        damage(path)
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(FIXTURE_KB), str(cache_dir)],
                            capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_random_damage_reads_as_a_miss(tmp_path_factory: pytest.TempPathFactory,
                                           fresh: Snapshot, data: st.DataObject) -> None:
    cache_dir = warm(tmp_path_factory.mktemp("damage"))
    for path in data.draw(st.lists(st.sampled_from(entries(cache_dir)), min_size=1,
                                   max_size=4, unique=True)):
        raw = bytearray(path.read_bytes())
        action = data.draw(st.sampled_from(["flip", "cut", "splice"]))
        at = data.draw(st.integers(0, len(raw) - 1))
        if action == "flip":
            raw[at] ^= 1 << data.draw(st.integers(0, 7))
        elif action == "cut":
            del raw[at:]
        else:
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=16))
        path.write_bytes(bytes(raw))
    assert snapshot(FIXTURE_KB, cache_dir) == fresh
