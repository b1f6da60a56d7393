"""A cold load of a large knowledge base, parsed across processes, equals a serial parse."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from evsum.facts import loader
from evsum.facts.cache import Cache

sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))
import synth  # noqa: E402  (the benchmark's generator of valid synthetic facts)


def test_parallel_and_serial_parses_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    import concurrent.futures

    folder = tmp_path / "synth"
    synth.write(folder, facts=2000, substances=40)
    pools: list[object] = []
    real_pool = concurrent.futures.ProcessPoolExecutor

    def counting_pool(*args: object, **kwargs: object) -> object:
        pools.append(args)
        return real_pool(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", counting_pool)
    monkeypatch.setattr(loader, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(loader.os, "cpu_count", lambda: 2)
    parallel, problems = loader.load_knowledge_base([folder], include_bundled=False,
                                                    cache=Cache(tmp_path / "c1"))
    assert problems == []
    assert len(pools) == 1  # the worker processes did the parsing
    monkeypatch.setattr(loader, "PARALLEL_MIN_FILES", 10**9)
    serial, _ = loader.load_knowledge_base([folder], include_bundled=False,
                                           cache=Cache(tmp_path / "c2"))
    assert len(parallel.facts) == 2000
    assert parallel.facts == serial.facts
    assert dict(parallel.sources) == dict(serial.sources)


def test_synthetic_generator_output_validates(tmp_path: Path) -> None:
    folder = tmp_path / "synth"
    synth.write(folder, facts=700, substances=7)
    kb, problems = loader.load_knowledge_base([folder], include_bundled=False,
                                              cache=Cache(tmp_path / "c"))
    assert problems == []
    assert len(kb.substances) == 7 and len(kb.facts) == 700
