"""The knowledge base as an SQLite database, for sqlite3, pandas or Datasette.

Tables (docs/json-output.md, "SQLite"): substances, sources, source_authors,
facts (every structured field its own typed column), fact_tags,
fact_pathway, substance_aliases, substance_targets, substance_routes, and
meta. Keys are declared, so joins and foreign-key checks work as written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from evsum import __version__
from evsum.effect import direction, parse_p
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact, Source, Substance
from evsum.facts.vocabulary import READ_KINDS
from evsum.render.common import evidence_text, value_text

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE substances (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, family TEXT NOT NULL, class TEXT NOT NULL,
    status TEXT NOT NULL);
CREATE TABLE substance_aliases (
    substance_id TEXT NOT NULL REFERENCES substances(id), position INTEGER NOT NULL,
    alias TEXT NOT NULL, PRIMARY KEY (substance_id, position));
CREATE TABLE substance_targets (
    substance_id TEXT NOT NULL REFERENCES substances(id), position INTEGER NOT NULL,
    node TEXT NOT NULL, PRIMARY KEY (substance_id, position));
CREATE TABLE substance_routes (
    substance_id TEXT NOT NULL REFERENCES substances(id), position INTEGER NOT NULL,
    route TEXT NOT NULL, PRIMARY KEY (substance_id, position));
CREATE TABLE sources (
    key TEXT PRIMARY KEY, type TEXT NOT NULL, authors TEXT NOT NULL, title TEXT NOT NULL,
    journal TEXT, container TEXT, year INTEGER NOT NULL, volume TEXT, issue TEXT,
    pages TEXT, doi TEXT, pmid TEXT, pmcid TEXT, url TEXT, link TEXT, status TEXT,
    status_note TEXT, defined_at TEXT NOT NULL);
CREATE TABLE source_authors (
    source_key TEXT NOT NULL REFERENCES sources(key), position INTEGER NOT NULL,
    family TEXT, given TEXT, initials TEXT, suffix TEXT, literal TEXT,
    et_al INTEGER NOT NULL CHECK (et_al IN (0, 1)), PRIMARY KEY (source_key, position));
CREATE TABLE facts (
    id TEXT PRIMARY KEY, substance_id TEXT NOT NULL REFERENCES substances(id),
    category TEXT NOT NULL, claim TEXT NOT NULL, outcome TEXT, population TEXT,
    timepoint TEXT, timepoint_amount REAL, timepoint_unit TEXT, timepoint_hours REAL,
    n INTEGER, scale TEXT,
    estimate REAL, unit TEXT, ci_low REAL, ci_high REAL, range_low REAL, range_high REAL,
    p TEXT, p_relation TEXT, p_bound REAL, events INTEGER, total INTEGER,
    arm TEXT, measure TEXT, analysis TEXT, contrast TEXT, hypothesis TEXT NOT NULL, margin REAL,
    margin_unit TEXT, better TEXT, favours TEXT,
    comparator TEXT, comparator_kind TEXT, comparator_value REAL, comparator_n INTEGER,
    comparator_events INTEGER, comparator_total INTEGER,
    adverse_event TEXT, severity TEXT NOT NULL, design TEXT NOT NULL,
    evidence_rank INTEGER NOT NULL, evidence TEXT NOT NULL,
    clinical INTEGER NOT NULL CHECK (clinical IN (0, 1)), grade TEXT,
    source_key TEXT NOT NULL REFERENCES sources(key), locator TEXT NOT NULL,
    note TEXT, disputed TEXT, read_url TEXT, read_kind TEXT, provenance TEXT,
    checked TEXT NOT NULL, display TEXT, defined_at TEXT NOT NULL);
CREATE TABLE fact_disputes (
    fact_id TEXT NOT NULL REFERENCES facts(id), other_fact_id TEXT NOT NULL,
    PRIMARY KEY (fact_id, other_fact_id));
CREATE TABLE claims (
    id TEXT PRIMARY KEY, parent_id TEXT REFERENCES claims(id), claim TEXT NOT NULL,
    source_key TEXT NOT NULL, locator TEXT NOT NULL, verdict TEXT NOT NULL);
CREATE TABLE claim_facts (
    claim_id TEXT NOT NULL REFERENCES claims(id), fact_id TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('supports', 'challenges')), how TEXT NOT NULL,
    PRIMARY KEY (claim_id, fact_id));
CREATE TABLE fact_tags (
    fact_id TEXT NOT NULL REFERENCES facts(id), position INTEGER NOT NULL, tag TEXT NOT NULL,
    PRIMARY KEY (fact_id, position));
CREATE TABLE fact_pathway (
    fact_id TEXT NOT NULL REFERENCES facts(id), position INTEGER NOT NULL, node TEXT NOT NULL,
    PRIMARY KEY (fact_id, position));
CREATE INDEX facts_by_substance ON facts (substance_id, category);
CREATE INDEX facts_by_outcome ON facts (outcome, population, timepoint_hours);
CREATE INDEX facts_by_source ON facts (source_key);
"""


def _substance_rows(db: sqlite3.Connection, substances: Iterable[Substance]) -> None:
    for s in substances:
        db.execute("INSERT INTO substances VALUES (?, ?, ?, ?, ?)",
                   (s.id, s.name, s.family, s.drug_class, s.status))
        for table, column in (("substance_aliases", s.aliases), ("substance_targets", s.targets),
                              ("substance_routes", s.routes)):
            db.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)",
                           [(s.id, i, v) for i, v in enumerate(column)])


def _source_rows(db: sqlite3.Connection, sources: Iterable[Source]) -> None:
    for s in sources:
        db.execute("INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   "?, ?)",
                   (s.key, s.type, s.byline, s.title, s.journal, s.container, s.year, s.volume,
                    s.issue, s.pages, s.doi, s.pmid, s.pmcid, s.url, s.link, s.status,
                    s.status_note, str(s.where)))
        db.executemany("INSERT INTO source_authors VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            (s.key, i, n.family or None, n.given or None, n.initials or None, n.suffix or None,
             n.literal or None, int(n.others)) for i, n in enumerate(s.names)])


def _fact_row(f: Fact) -> tuple[object, ...]:
    value, comparator, timepoint = f.value, f.comparator, f.timepoint
    parsed = parse_p(value.p) if value and value.p else None
    relation, bound = (parsed.relation, parsed.bound) if parsed else (None, None)
    reading = direction(f)
    return (
        f.id, f.substance, f.category, f.claim, f.outcome, f.population,
        str(timepoint) if timepoint else None, timepoint.amount if timepoint else None,
        timepoint.unit if timepoint else None, timepoint.hours if timepoint else None,
        f.n, f.scale,
        value.estimate if value else None, value.unit if value else None,
        value.ci[0] if value and value.ci else None, value.ci[1] if value and value.ci else None,
        value.range[0] if value and value.range else None,
        value.range[1] if value and value.range else None,
        value.p if value else None, relation, bound,
        value.events if value else None, value.total if value else None,
        f.arm, f.measure, f.analysis, f.contrast, f.hypothesis,
        f.margin.value if f.margin else None, f.margin.unit if f.margin else None,
        f.better_direction, reading.words if reading else None,
        comparator.name if comparator else None, comparator.kind if comparator else None,
        comparator.value if comparator else None, comparator.n if comparator else None,
        comparator.events if comparator else None, comparator.total if comparator else None,
        f.adverse_event, f.severity, f.design, f.evidence_rank, evidence_text(f),
        int(f.is_clinical), f.grade, f.source, f.locator, f.note,
        f.disputed.reason if f.disputed else None,
        f.read.url if f.read else None, f.read.kind if f.read else None,
        READ_KINDS[f.read.kind] if f.read else None,
        f.checked.isoformat(), value_text(f) or None, str(f.where),
    )


def _claim_rows(db: sqlite3.Connection, kb: KnowledgeBase) -> None:
    """Every claim of the base with its verdict, and the facts on each side of it."""
    from evsum.thesis import profile

    db.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?)", [
        (c.id, c.parent, c.text, c.source, c.locator, profile(kb, c).verdict)
        for c in kb.claims.values()])
    db.executemany("INSERT INTO claim_facts VALUES (?, ?, ?, ?)", [
        (c.id, link.fact, side, link.how) for c in kb.claims.values()
        for side, links in (("supports", c.supports), ("challenges", c.challenges))
        for link in links])


def build_database(kb: KnowledgeBase, substances: list[Substance], facts: list[Fact],
                   filters: str) -> bytes:
    """The substances, the facts kept and the sources they cite, as an SQLite file's bytes."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(SCHEMA)
        db.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("evsum_version", __version__), ("filters", filters or "none"),
            ("schema", "evsum sqlite 2")])
        _substance_rows(db, substances)
        _source_rows(db, [kb.sources[k] for k in dict.fromkeys(f.source for f in facts)])
        rows = [_fact_row(f) for f in facts]
        db.executemany(f"INSERT INTO facts VALUES ({', '.join('?' * len(rows[0]))})"
                       if rows else "SELECT 1", rows)
        db.executemany("INSERT INTO fact_disputes VALUES (?, ?)",
                       [(f.id, other) for f in facts for other in
                        (f.disputed.by if f.disputed else ())])
        _claim_rows(db, kb)
        db.executemany("INSERT INTO fact_tags VALUES (?, ?, ?)",
                       [(f.id, i, t) for f in facts for i, t in enumerate(f.tags)])
        db.executemany("INSERT INTO fact_pathway VALUES (?, ?, ?)",
                       [(f.id, i, n) for f in facts for i, n in enumerate(f.pathway)])
        db.commit()
        problems = db.execute("PRAGMA foreign_key_check").fetchall()
        assert not problems, problems  # the knowledge base is validated: every key resolves
        return db.serialize()
    finally:
        db.close()
