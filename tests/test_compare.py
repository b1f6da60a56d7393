"""Alignment of facts across substances: rows, cells and which fact heads a cell."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest

from evsum import compare
from evsum.compare import Cell, Row, align, headline_order, row_key
from evsum.facts import vocabulary as voc
from evsum.facts.model import Fact, Location, Timepoint

UNITS = ("min", "h", "d", "wk")
DESIGNS = ("meta-analysis", "rct", "open-label", "preclinical")
POPULATIONS = ("trd", "mdd", "rodents", None)


def make_fact(index: int, substance: str, rng: random.Random, spread: int,
              origin: str | None = None) -> Fact:
    timepoint = None if rng.random() < 0.15 else Timepoint(rng.randint(1, spread),
                                                           rng.choice(UNITS))
    return Fact(id=f"{substance}.f{index:05d}", substance=substance, category="efficacy",
                claim="A finding.", design=rng.choice(DESIGNS), source="s", locator="Table 1",
                checked=dt.date(2026, 1, 1), where=Location("f.yaml", index + 1, origin),
                outcome="response", population=rng.choice(POPULATIONS), timepoint=timepoint)


def reference_align(per_substance: list[list[Fact]]) -> list[Row]:
    """The former quadratic alignment, kept as the specification of the rows."""
    pools = [list(facts) for facts in per_substance]
    curated = [bool(facts) for facts in per_substance]
    width = len(pools)
    rows: list[Row] = []
    key = row_key(next(f for facts in per_substance for f in facts))

    def setting(fact: Fact) -> tuple[str | None, Timepoint | None]:
        return fact.population, fact.timepoint

    def order(s: tuple[str | None, Timepoint | None]) -> tuple[int, float, str]:
        pops = list(voc.POPULATIONS)
        return (pops.index(s[0]) if s[0] else len(pops), s[1].hours if s[1] else 0.0,
                str(s[1]) if s[1] else "")

    def distance(a: Fact, b: Fact) -> float:
        far = 0.0 if a.population == b.population else 100.0
        if a.timepoint and b.timepoint:
            return far + abs(math.log(a.timepoint.hours + 1e-3)
                             - math.log(b.timepoint.hours + 1e-3))
        return far + (0.0 if a.timepoint is b.timepoint else 10.0)

    def new_row(s: tuple[str | None, Timepoint | None], chosen: list[list[Fact]],
                differs: list[bool]) -> Row:
        return Row(key, s[0], str(s[1]) if s[1] else None,
                   [Cell(chosen[i], curated[i], differs[i], False) for i in range(width)])

    settings: dict[tuple[str | None, Timepoint | None], set[int]] = {}
    for i, facts in enumerate(pools):
        for fact in facts:
            settings.setdefault(setting(fact), set()).add(i)
    for s, members in sorted(settings.items(), key=lambda kv: order(kv[0])):
        if len(members) < 2:
            continue
        chosen = [[f for f in pools[i] if setting(f) == s] for i in range(width)]
        for i in range(width):
            pools[i] = [f for f in pools[i] if setting(f) != s]
        rows.append(new_row(s, chosen, [False] * width))
    while sum(bool(p) for p in pools) >= 2:
        lead_index = next(i for i, p in enumerate(pools) if p)
        lead = min(pools[lead_index], key=lambda f: order(setting(f)))
        chosen = [[] for _ in range(width)]
        differs = [False] * width
        chosen[lead_index] = [lead]
        pools[lead_index].remove(lead)
        for i in range(width):
            if i == lead_index or not pools[i]:
                continue
            nearest = min(pools[i], key=lambda f: (distance(lead, f), f.evidence_rank))
            chosen[i] = [nearest]
            differs[i] = True
            pools[i].remove(nearest)
        rows.append(new_row(setting(lead), chosen, differs))
    for i, facts in enumerate(pools):
        for s in sorted({setting(f) for f in facts}, key=order):
            same = [f for f in facts if setting(f) == s]
            rows.append(new_row(s, [same if j == i else [] for j in range(width)],
                                [False] * width))
    for row in rows:
        for cell in row.cells:
            cell.facts.sort(key=lambda f: (f.evidence_rank, f.id))
    return rows


def shape(rows: list[Row]) -> list[tuple[object, ...]]:
    return [(r.key, r.population, r.timepoint,
             tuple((tuple(f.id for f in c.facts), c.differs, c.curated) for c in r.cells))
            for r in rows]


def generated(sizes: list[int], spread: int, seed: int) -> list[list[Fact]]:
    rng = random.Random(seed)
    return [[make_fact(i, f"sub{n}", rng, spread) for i in range(size)]
            for n, size in enumerate(sizes)]


def test_align_matches_the_reference_on_a_large_generated_input() -> None:
    per_substance = generated([1500, 1300, 1100], spread=900, seed=3)
    rows = align(per_substance)
    assert shape(rows) == shape(reference_align(per_substance))
    placed = sorted(f.id for r in rows for c in r.cells for f in c.facts)
    assert placed == sorted(f.id for facts in per_substance for f in facts)
    assert sum(not r.aligned for r in rows) > 500  # the nearest-neighbour pass did the work


def test_align_matches_the_reference_where_settings_tie() -> None:
    for seed in range(60):
        rng = random.Random(seed)
        sizes = [rng.randint(0, 25) for _ in range(rng.randint(2, 4))]
        sizes[0] = max(sizes[0], 1)
        per_substance = generated(sizes, spread=rng.choice([2, 5, 40]), seed=seed)
        assert shape(align(per_substance)) == shape(reference_align(per_substance)), seed


def test_a_fact_from_outside_the_bundled_set_never_heads_a_cell_unless_preferred() -> None:
    rng = random.Random(1)
    bundled = make_fact(1, "a", rng, 1)._replace(design="rct", population="trd",
                                                  timepoint=Timepoint(24, "h"))
    own = bundled._replace(id="a.own", design="meta-analysis",
                           where=Location("mine/pilot.yaml", 3, "mine"))
    other = bundled._replace(id="b.f1", substance="b")
    rows = align([[own, bundled], [other]])
    assert [f.id for f in rows[0].cells[0].facts] == ["a.f00001", "a.own"]
    rows = align([[own, bundled], [other]], headline=headline_order(prefer_own=True))
    assert [f.id for f in rows[0].cells[0].facts] == ["a.own", "a.f00001"]


def test_align_measures_a_bounded_number_of_distances_per_fact(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Nearest settings come from an index, not a scan of the pool: O(n log n), not O(n^2)."""
    calls = 0
    measure = compare._distance

    def counted(a: Fact, b: Fact) -> float:
        nonlocal calls
        calls += 1
        return measure(a, b)

    monkeypatch.setattr(compare, "_distance", counted)
    per_substance = generated([3000, 3000], spread=900, seed=5)
    rows = align(per_substance)
    assert len(rows) >= 2000
    assert calls <= 3 * 3000  # at most three candidates (earlier, later, untimed) per lead
