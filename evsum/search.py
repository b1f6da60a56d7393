"""Full-text search over the facts: a tokenizer, an SQLite FTS5 index, BM25 ranking.

Text is cut into words (letters and digits; hyphens and punctuation separate),
each folded to lower case without accents, so "ECT" matches the word "ECT" and
never the inside of "effect", and "Déjà" matches "deja". A query word matches
that word exactly and, from three letters on, as a prefix ("dissociat" finds
dissociation and dissociative); words in double quotes match as a phrase. A
substance's name or alias in the query (one word or several, "magic mushrooms")
also matches the substance's id and name. Every word scores and none is
required: facts are ranked by BM25 (SQLite's FTS5), stronger evidence first
among equal scores.

The index is kept beside the cache, one SQLite file per set of fact folders,
and rebuilt when a fact file changes (evsum.snapshot tells); with the cache off
it is built in memory for the run.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evsum import snapshot
from evsum.errors import EvsumError, UsageError
from evsum.facts import vocabulary as voc
from evsum.facts.index import KnowledgeBase
from evsum.facts.model import Fact

if TYPE_CHECKING:
    import sqlite3

INDEX_FORMAT = 1
INDEX_FOLDER = "search"
KEEP_INDEXES = 8
MIN_PREFIX = 3
# BM25 weight of each column: the substance and the claim count most.
COLUMNS = ("substance", "claim", "outcome", "terms", "source", "notes")
WEIGHTS = (4.0, 2.0, 2.0, 1.5, 1.0, 0.5)
_WORD = re.compile(r"[^\W_]+")
_QUERY = re.compile(r'"([^"]*)"?|(\S+)')


def fold(word: str) -> str:
    """A word as the index holds it: lower case, accents removed."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def tokens(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return [fold(m.group()) for m in _WORD.finditer(text)]


def word_spans(text: str, terms: Terms) -> list[tuple[int, int]]:
    """Where a text's words match the query (start, end), for highlighting."""
    spans = []
    for match in _WORD.finditer(text):
        word = fold(match.group())
        if word in terms.words or any(word.startswith(p) for p in terms.prefixes):
            spans.append((match.start(), match.end()))
    return spans


@dataclass(frozen=True)
class Terms:
    """The words a query matches: whole words, and prefixes (for highlighting)."""

    words: frozenset[str] = frozenset()
    prefixes: frozenset[str] = frozenset()


@dataclass
class Query:
    """A parsed query: FTS5 MATCH text and the words it looks for."""

    match: str
    terms: Terms
    words: list[str] = field(default_factory=list)  # as typed, folded: for suggestions


def _phrase(words: Iterable[str]) -> str:
    return '"' + " ".join(words) + '"'  # folded words hold letters and digits only


def _names(kb: KnowledgeBase) -> dict[tuple[str, ...], str]:
    """Every substance name and alias as a word sequence -> substance id."""
    names: dict[tuple[str, ...], str] = {}
    for substance in kb.substances.values():
        for name in (substance.id, substance.name, *substance.aliases):
            key = tuple(tokens(name))
            if key:
                names.setdefault(key, substance.id)
    return names


def parse_query(text: str, kb: KnowledgeBase) -> Query:
    """Turn what the user typed into an FTS5 query; UsageError when it holds no word."""
    groups: list[str] = []
    words: set[str] = set()
    prefixes: set[str] = set()
    typed: list[str] = []
    names = _names(kb)
    longest = max((len(k) for k in names), default=1)
    segments: list[tuple[bool, list[str]]] = []  # (quoted, words); bare words run together
    for match in _QUERY.finditer(text):
        quoted, bare = match.group(1), match.group(2)
        words_here = tokens(quoted if quoted is not None else bare)
        if quoted is None and segments and not segments[-1][0]:
            segments[-1][1].extend(words_here)
        elif words_here:
            segments.append((quoted is not None, words_here))
    for quoted_segment, run in segments:
        typed += run
        if quoted_segment:
            groups.append(_phrase(run))
            words.update(run)
            continue
        index = 0
        while index < len(run):
            for size in range(min(longest, len(run) - index), 0, -1):
                substance = names.get(tuple(run[index:index + size]))
                if substance is not None:
                    break
            else:
                size, substance = 1, None
            chunk = run[index:index + size]
            index += size
            words.update(chunk)
            options = [_phrase(chunk)]
            if substance is not None:  # an alias: also the substance's id and name
                own = kb.substances[substance]
                for name in (own.id, own.name):
                    name_words = tokens(name)
                    words.update(name_words)
                    options.append(_phrase(name_words))
            elif len(chunk[0]) >= MIN_PREFIX:
                options.append(_phrase(chunk) + "*")
                prefixes.add(chunk[0])
            unique = list(dict.fromkeys(options))
            groups.append(unique[0] if len(unique) == 1 else "(" + " OR ".join(unique) + ")")
    if not groups:
        raise UsageError("search needs at least one word (letters or digits)")
    return Query(" OR ".join(groups), Terms(frozenset(words), frozenset(prefixes)),
                 list(dict.fromkeys(typed)))


# --- the index ---------------------------------------------------------------------------


def _row(fact: Fact, kb: KnowledgeBase) -> tuple[str, ...]:
    substance = kb.substances[fact.substance]
    source = kb.sources[fact.source]
    population = voc.POPULATIONS.get(fact.population or "", fact.population or "")
    return (
        f"{substance.id} {substance.name}",
        fact.claim,
        " ".join(filter(None, [fact.outcome, fact.adverse_event, fact.scale, population])),
        " ".join([fact.id, fact.category, fact.design, voc.DESIGN_LABELS[fact.design],
                  *fact.tags, *fact.pathway]),
        " ".join(filter(None, [source.key, source.authors, source.title, source.journal,
                               str(source.year), fact.locator])),
        " ".join(filter(None, [fact.note, fact.disputed.reason if fact.disputed else None,
                               fact.arm])),
    )


def fts5_available() -> bool:
    import sqlite3

    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(a)")
    except sqlite3.Error:
        return False
    return True


def build(connection: sqlite3.Connection, kb: KnowledgeBase, taken: Any) -> None:
    """Fill an empty database with the index of every fact."""
    import marshal

    columns = ", ".join(COLUMNS)
    connection.executescript(
        f"CREATE VIRTUAL TABLE fts USING fts5({columns}, "
        "tokenize = 'unicode61 remove_diacritics 0');"
        "CREATE TABLE facts (rowid INTEGER PRIMARY KEY, id TEXT, evidence INTEGER);"
        "CREATE TABLE meta (snapshot BLOB);")
    rows = []
    for number, fact in enumerate(kb.facts, start=1):
        folded = tuple(" ".join(tokens(text)) for text in _row(fact, kb))
        rows.append((number, fact, folded))
    connection.executemany(f"INSERT INTO fts(rowid, {columns}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [(n, *folded) for n, _, folded in rows])
    connection.executemany("INSERT INTO facts VALUES (?, ?, ?)",
                           [(n, f.id, f.evidence_rank) for n, f, _ in rows])
    connection.execute("INSERT INTO meta VALUES (?)", (marshal.dumps(taken),))
    connection.commit()


def _stored_snapshot(connection: sqlite3.Connection) -> object:
    import marshal

    row = connection.execute("SELECT snapshot FROM meta").fetchone()
    return marshal.loads(row[0]) if row else None


def _read_only(path: str) -> str:
    from urllib.parse import quote

    return f"file:{quote(path)}?mode=ro"


def _in_memory(kb: KnowledgeBase, taken: object) -> sqlite3.Connection:
    import sqlite3

    connection = sqlite3.connect(":memory:")
    build(connection, kb, taken)
    return connection


def open_index(kb: KnowledgeBase, folders: list[str]) -> sqlite3.Connection:
    """The search index for this knowledge base: from beside the cache, else built."""
    import sqlite3

    if not fts5_available():
        raise EvsumError("search needs SQLite with FTS5, which this Python's sqlite3 lacks")
    folder = snapshot.own_folder(INDEX_FOLDER)
    name = snapshot.key(INDEX_FORMAT, folders) + ".sqlite3"
    if folder is not None:
        path = os.path.join(folder, name)
        try:
            info = os.lstat(path)
            if os.path.isfile(path) and not os.path.islink(path) and info.st_size > 0:
                connection = sqlite3.connect(_read_only(path), uri=True)
                try:
                    if snapshot.is_current(_stored_snapshot(connection), folders):
                        return connection
                except (sqlite3.Error, ValueError, EOFError, TypeError):
                    pass
                connection.close()
        except OSError:
            pass
    taken = snapshot.take(folders)  # before reading the facts: a change meanwhile is stale
    if folder is None or taken is None:
        return _in_memory(kb, taken)
    temporary = os.path.join(folder, f".tmp-{name}-{os.getpid()}")
    try:
        if os.path.lexists(temporary):  # left by a process of the same id that was killed
            os.unlink(temporary)
        with sqlite3.connect(temporary) as building:
            build(building, kb, taken)
        building.close()
        os.replace(temporary, os.path.join(folder, name))
        snapshot.prune(folder, KEEP_INDEXES, lambda n: n.endswith(".sqlite3") and len(n) == 24)
        return sqlite3.connect(_read_only(os.path.join(folder, name)), uri=True)
    except (OSError, sqlite3.Error):
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return _in_memory(kb, taken)


def lookup(kb: KnowledgeBase, query: Query, folders: list[str]
           ) -> tuple[list[tuple[str, float]], sqlite3.Connection]:
    """The ranked matches and the open index; a damaged stored index is rebuilt in memory."""
    import sqlite3

    connection = open_index(kb, folders)
    try:
        return ranked(connection, query), connection
    except sqlite3.DatabaseError:
        connection.close()
        connection = _in_memory(kb, None)
        return ranked(connection, query), connection


def ranked(connection: sqlite3.Connection, query: Query) -> list[tuple[str, float]]:
    """Fact ids that match, best first, with their BM25 score (higher is better)."""
    weights = ", ".join(str(w) for w in WEIGHTS)
    rows = connection.execute(
        f"SELECT facts.id, -bm25(fts, {weights}) AS score FROM fts "
        "JOIN facts ON facts.rowid = fts.rowid WHERE fts MATCH ? "
        "ORDER BY round(score, 6) DESC, facts.evidence, facts.rowid", (query.match,))
    return [(fact_id, score) for fact_id, score in rows]


def suggestion(connection: sqlite3.Connection, query: Query) -> str | None:
    """A spelling the index knows, for a query that matched nothing."""
    import difflib

    connection.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING "
                       "fts5vocab(main, fts, 'row')")
    known = [term for (term,) in connection.execute("SELECT term FROM temp.vocab")]
    fixed, changed = [], False
    for word in query.words:
        close = difflib.get_close_matches(word, known, n=1, cutoff=0.75)
        if close and close[0] != word:
            fixed.append(close[0])
            changed = True
        else:
            fixed.append(word)
    return " ".join(fixed) if changed else None
