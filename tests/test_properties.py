"""Generated fact files: valid ones load and round-trip; mutated ones give problems, not errors.

Valid files are built from the schema's vocabularies; mutated ones delete
keys, swap types, put random Unicode (control characters included) into text
and keys, splice bytes in and cut files short. Whatever the input, the loader
returns problems, each naming the file, on one line, with no raw control
character. `pytest -s` prints how many cases ran.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from evsum.errors import Problem
from evsum.facts import vocabulary as voc
from evsum.facts.loader import load_knowledge_base, parse_file
from evsum.facts.schema import YAML11_BOOL, YAML11_NULL
from evsum.text import forbidden_character

TODAY = dt.date.today()
DISPLAY = "generated.yaml"
RUNS: Counter[str] = Counter()


def budget(examples: int, shrink: bool = True) -> settings:
    """Few enough examples to keep this file under a minute, failures included; reproducible.

    shrink=False where a failure's large example would take long to shrink: the
    report then shows the first failing example as generated.
    """
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else [])
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    phases=phases,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module", autouse=True)
def report_counts() -> Iterator[None]:
    yield
    print(f"\nproperties: {sum(RUNS.values())} generated cases run "
          f"({', '.join(f'{k} {v}' for k, v in sorted(RUNS.items()))})")


@pytest.fixture(autouse=True)
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVSUM_CACHE_DIR", "")  # every example is parsed, never recalled


# --- a tiny YAML writer: the document as nested dicts, lists and styled scalars -------------


class Plain(str):
    """A scalar written without quotes."""


class Quoted(str):
    """A scalar written in double quotes: printable Unicode as it is, the rest escaped."""


def _raw_ok(code: int) -> bool:
    """Printable for YAML, not a line break (U+2028/9) YAML would fold, not a bidi control."""
    if code in (0x2028, 0x2029) or forbidden_character(chr(code)) is not None:
        return False
    return 0x20 <= code < 0x7F or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD \
        or code >= 0x10000


def quoted(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif _raw_ok(code):
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def inline(node: Any) -> str:
    if isinstance(node, dict):
        return "{" + ", ".join(f"{inline(k)}: {inline(v)}" for k, v in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(inline(v) for v in node) + "]"
    if isinstance(node, Plain):
        return str(node)
    return quoted(str(node))


def block(node: Any, indent: int = 0) -> list[str]:
    pad = "  " * indent
    if isinstance(node, dict) and node:
        lines = []
        for key, value in node.items():
            if isinstance(value, (dict, list)) and value:
                lines.append(f"{pad}{inline(key)}:")
                lines += block(value, indent + 1)
            else:
                lines.append(f"{pad}{inline(key)}: {inline(value)}")
        return lines
    if isinstance(node, list) and node:
        lines = []
        for item in node:
            if isinstance(item, (dict, list)) and item:
                inner = block(item, indent + 1)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines += inner[1:]
            else:
                lines.append(f"{pad}- {inline(item)}")
        return lines
    return [pad + inline(node)]


def dump(document: dict[Any, Any]) -> str:
    return "\n".join(block(document)) + "\n"


# --- valid documents from the schema ---------------------------------------------------------

_plain_word = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2,
                      max_size=8)
plain_text = st.lists(_plain_word, min_size=1, max_size=4).map(" ".join).filter(
    lambda t: t not in YAML11_BOOL and t not in YAML11_NULL).map(Plain)


def _clean(text: str, long: bool) -> bool:
    stripped = text.strip()
    return bool(stripped) and forbidden_character(stripped, allow_newlines=long) is None


_chars = st.characters(blacklist_categories=("Cs", "Cc"))
any_text = st.text(_chars, min_size=1, max_size=40).filter(lambda t: _clean(t, False))
any_long_text = st.text(st.one_of(_chars, st.sampled_from("\n\t ")), min_size=1,
                        max_size=120).filter(lambda t: _clean(t, True))
text = st.one_of(plain_text, any_text.map(Quoted))
long_text = st.one_of(plain_text, any_long_text.map(Quoted))

_slug_re = re.compile(r"[a-z][a-z0-9-]*")


def styled_slug(slug: str) -> str:
    """Plain where YAML 1.1 would read it as text, quoted otherwise."""
    safe = _slug_re.fullmatch(slug) and slug not in YAML11_BOOL and slug not in YAML11_NULL
    return Plain(slug) if safe else Quoted(slug)


slug = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,14}", fullmatch=True)

# Author lists in the Vancouver form evsum reads (docs/fact-format.md, "Authors"):
# people with particles, non-ASCII letters and suffixes, corporate authors in
# braces holding any text but braces, and "et al.".
_family_word = st.from_regex(r"(van|de|dos|[A-ZÅÉÖØ][a-zà-öø-ÿ'-]{0,10}[a-zà-öø-ÿ])",
                             fullmatch=True)
_person = st.builds(
    lambda words, initials, suffix: " ".join(words) + f" {initials}" + suffix,
    st.lists(_family_word, min_size=1, max_size=3).filter(lambda w: w[-1][0].isupper()),
    st.from_regex(r"[A-ZÁÉÓ]{1,3}", fullmatch=True),
    st.sampled_from(["", "", " Jr", " III"]))
_corporate = any_text.filter(lambda t: "{" not in t and "}" not in t and t.strip()).map(
    lambda t: "{" + t.strip() + "}")
author_lists = st.builds(
    lambda names, et_al: ", ".join(names + (["et al."] if et_al else [])),
    st.lists(st.one_of(_person, _person, _corporate), min_size=1, max_size=5), st.booleans())


def plain_number(number: int | float) -> Plain:
    return Plain(repr(number))


def numbers(unit: str) -> st.SearchStrategy[int | float]:
    if unit == "%":
        low, high = 0, 100
    elif unit in voc.RATIO_UNITS:
        return st.one_of(st.integers(1, 1000), st.floats(0.001, 1000))
    else:
        low, high = -1_000_000, 1_000_000
    return st.one_of(st.integers(low, high), st.floats(low, high, allow_nan=False,
                                                       allow_infinity=False))


@st.composite
def value_record(draw: st.DrawFn) -> tuple[dict[Any, Any], dict[str, Any]]:
    """(what is written, what must be read back)."""
    unit = draw(st.sampled_from(voc.UNITS))
    num = numbers(unit)
    written: dict[Any, Any] = {Plain("unit"): Quoted(unit)}
    expect: dict[str, Any] = {"unit": unit, "estimate": None, "ci": None, "range": None}
    has_range = draw(st.booleans())
    if not has_range or draw(st.booleans()):
        estimate = draw(num)
        written[Plain("estimate")] = plain_number(estimate)
        expect["estimate"] = estimate
        if draw(st.booleans()):
            low, high = min(draw(num), estimate), max(draw(num), estimate)
            written[Plain("ci")] = [plain_number(low), plain_number(high)]
            expect["ci"] = (low, high)
    if has_range:
        low, high = sorted([draw(num), draw(num)])
        written[Plain("range")] = [plain_number(low), plain_number(high)]
        expect["range"] = (low, high)
    if draw(st.booleans()):
        written[Plain("p")] = Quoted(draw(st.sampled_from(["<0.001", "0.03", "=0.5", "1",
                                                           "1e-5", ">0.05"])))
    return written, expect


@st.composite
def fact_record(draw: st.DrawFn, index: int, substance: str, sources: list[str]
                ) -> tuple[dict[Any, Any], dict[str, Any]]:
    category = draw(st.sampled_from(voc.CATEGORIES))
    fact_id = f"{draw(slug)}.f{index}"
    claim = draw(long_text)
    written: dict[Any, Any] = {
        Plain("id"): styled_slug(fact_id),
        Plain("substance"): styled_slug(substance),
        Plain("category"): Plain(category),
        Plain("claim"): claim,
        Plain("design"): Plain(draw(st.sampled_from(voc.DESIGNS))),
        Plain("source"): styled_slug(draw(st.sampled_from(sources))),
        Plain("locator"): draw(text),
        Plain("checked"): Plain(draw(st.dates(dt.date(1990, 1, 1), TODAY)).isoformat()),
        Plain("read"): {Plain("url"): Plain("https://example.org/page"),
                        Plain("kind"): Plain(draw(st.sampled_from(list(voc.READ_KINDS))))},
    }
    if category == "efficacy":
        written[Plain("analysis")] = Plain(draw(st.sampled_from(list(voc.ANALYSES))))
    expect: dict[str, Any] = {"id": fact_id, "claim": " ".join(claim.split()),
                              "locator": str(written[Plain("locator")]).strip(),
                              "checked": dt.date.fromisoformat(written[Plain("checked")]),
                              "value": None, "comparator_value": None, "n": None,
                              "timepoint": None, "note": None, "tags": ()}
    value = None
    if draw(st.booleans()):
        value, expect["value"] = draw(value_record())
        written[Plain("value")] = value
        written[Plain("outcome")] = styled_slug(draw(slug))
        if category in ("efficacy", "safety", "dissociation"):
            written[Plain("contrast")] = Plain("per-arm")
            written[Plain("arm")] = draw(text)
    elif draw(st.booleans()):
        written[Plain("outcome")] = styled_slug(draw(slug))
    if draw(st.booleans()):
        comparator: dict[Any, Any] = {
            Plain("name"): draw(text),
            Plain("kind"): Plain(draw(st.sampled_from(list(voc.COMPARATOR_KINDS))))}
        if value is not None and draw(st.booleans()):
            number = draw(numbers(expect["value"]["unit"]))
            comparator[Plain("value")] = plain_number(number)
            expect["comparator_value"] = number
        if draw(st.booleans()):
            comparator[Plain("n")] = plain_number(draw(st.integers(1, 10**6)))
        written[Plain("comparator")] = comparator
    if draw(st.booleans()):
        n = draw(st.integers(1, 10**9 - 1))  # validation bounds n below 10^9
        written[Plain("n")] = plain_number(n)
        expect["n"] = n
    if draw(st.booleans()):
        amount, unit = draw(st.integers(1, 1000)), draw(st.sampled_from(list(voc.TIME_UNITS_HOURS)))
        written[Plain("timepoint")] = Plain(f"{amount} {unit}")
        expect["timepoint"] = (amount, unit)
    if draw(st.booleans()):
        written[Plain("population")] = Plain(draw(st.sampled_from(list(voc.POPULATIONS))))
    if category == "mechanism" or draw(st.booleans()):
        written[Plain("pathway")] = [Plain(n) for n in draw(
            st.lists(st.sampled_from(list(voc.PATHWAY_NODES)), min_size=1, max_size=4))]
    if category in ("safety", "dissociation") and draw(st.booleans()):
        written[Plain("adverse_event")] = styled_slug(draw(slug))
        written[Plain("severity")] = Plain(draw(st.sampled_from(voc.SEVERITIES)))
    if draw(st.booleans()):
        written[Plain("grade")] = Plain(draw(st.sampled_from(voc.GRADES)))
    if draw(st.booleans()):
        tags = draw(st.lists(slug, max_size=5))
        written[Plain("tags")] = [styled_slug(t) for t in tags]
        expect["tags"] = tuple(tags)
    if draw(st.booleans()):
        note = draw(long_text)
        written[Plain("note")] = note
        expect["note"] = note.strip()
    if draw(st.booleans()):
        written[Plain("scale")] = draw(text)
    return written, expect


@st.composite
def valid_document(draw: st.DrawFn) -> tuple[dict[Any, Any], list[dict[str, Any]]]:
    substance = draw(slug)
    source_keys = draw(st.lists(slug, min_size=1, max_size=3, unique=True))
    sources: dict[Any, Any] = {}
    for key in source_keys:
        record: dict[Any, Any] = {
            Plain("type"): Plain(draw(st.sampled_from(voc.SOURCE_TYPES))),
            Plain("authors"): Quoted(draw(author_lists)),
            Plain("title"): draw(text),
            Plain("year"): plain_number(draw(st.integers(1900, TODAY.year))),
        }
        links = draw(st.sets(st.sampled_from(["doi", "pmid", "url"]), min_size=1))
        if "doi" in links:
            record[Plain("doi")] = Plain(f"10.{draw(st.integers(1000, 99999))}/{draw(slug)}")
        if "pmid" in links:
            record[Plain("pmid")] = plain_number(draw(st.integers(1, 999_999_999)))
        if "url" in links:
            record[Plain("url")] = Plain(f"https://example.org/{draw(slug)}")
        if draw(st.booleans()):
            record[Plain("journal")] = draw(text)
        if draw(st.booleans()):
            record[Plain("status")] = Plain(draw(st.sampled_from(voc.SOURCE_STATUSES)))
            record[Plain("status_note")] = draw(long_text)
        sources[styled_slug(key)] = record
    substance_record = {
        Plain("id"): styled_slug(substance),
        Plain("name"): draw(text),
        Plain("aliases"): draw(st.lists(text, max_size=3)),
        Plain("family"): Plain(draw(st.sampled_from(voc.FAMILIES))),
        Plain("class"): draw(text),
        Plain("targets"): [Plain(t) for t in draw(st.lists(
            st.sampled_from(list(voc.PATHWAY_NODES)), min_size=1, max_size=3))],
        Plain("routes"): [Plain(r) for r in draw(st.lists(st.sampled_from(voc.ROUTES),
                                                          min_size=1, max_size=3))],
        Plain("status"): draw(text),
    }
    facts = [draw(fact_record(i, substance, source_keys))
             for i in range(draw(st.integers(0, 4)))]
    document = {Plain("substances"): [substance_record], Plain("sources"): sources,
                Plain("facts"): [written for written, _ in facts]}
    return document, [expect for _, expect in facts]


def write(folder: Path, data: bytes | str, name: str = DISPLAY) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- mutations -------------------------------------------------------------------------------

NASTY = ("\x00", "\x1b", "\x1b[31m", "\x1b]8;;http://x\x1b\\", "\x07", "\x08", "\x7f", "\x9b",
         "\x85", "\u202e", "\u2066", "\u200f", "\ufeff", "\n", "\r", "\t", "\u2028")
nasty_text = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=3)), min_size=1,
             max_size=6).map("".join),
)
swap_values = st.one_of(
    st.sampled_from([Plain("no"), Plain("~"), Plain("null"), Plain("1e999"), Plain("-1"),
                     Plain("0x1F"), Plain("1:30"), Plain("2999-01-01"), Quoted(""),
                     Quoted("9" * 40), Plain(".nan"), Quoted("<0.001"), Plain("1.10")]),
    # fresh containers each time: a later mutation may change them in place
    st.builds(list), st.builds(dict), st.builds(lambda: [Plain("a"), [Plain("b")]]),
    st.builds(lambda: {Plain("k"): Plain("v")}),
    st.integers(1, 30).map(lambda depth: _nested(depth)),
    st.integers(1, 10).map(lambda k: Quoted("long " * 200 * k)),
    st.lists(st.just(Plain("t")), min_size=60, max_size=70),
    nasty_text.map(Quoted),
)


def _nested(depth: int) -> list[Any]:
    node: list[Any] = [Plain("x")]
    for _ in range(depth):
        node = [node]
    return node


def _slots(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((node, key))
            _slots(value, out)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.append((node, index))
            _slots(value, out)
    return out


@st.composite
def mutated_document(draw: st.DrawFn, rename_keys: bool) -> str:
    document, _ = draw(valid_document())
    operations = ["delete", "swap", "text"] + (["rename"] if rename_keys else [])
    for _ in range(draw(st.integers(1, 4))):
        slots = _slots(document, [])
        if not slots:  # everything deleted already
            break
        container, key = draw(st.sampled_from(slots))
        operation = draw(st.sampled_from(operations))
        if operation == "delete":
            del container[key]
        elif operation == "swap":
            container[key] = draw(swap_values)
        elif operation == "text":
            container[key] = draw(st.one_of(nasty_text.map(Quoted), nasty_text.filter(
                lambda t: "\x00" not in t).map(Plain)))
        elif isinstance(container, dict):  # rename a key
            new = Quoted(draw(nasty_text))
            container[new] = container.pop(key)
    return dump(document)


SPLICES = (b"\x00", b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\x1b[2J", b"\xc2\x9b",
           "\u202e".encode(), b"\t", b"\r", b"\r\n", b": ", b"- ", b"[", b"]", b"{", b"}", b"&a ",
           b"*a ", b"!!python/name:os.system ", b"!include ", b"---\n", b"...\n", b"%YAML 1.1\n",
           b"'", b'"', b"#", b"|\n", b">\n", b"\xed\xa0\x80", b"\xf4\x90\x80\x80")


@st.composite
def byte_mutated(draw: st.DrawFn) -> bytes:
    document, _ = draw(valid_document())
    data = dump(document).encode("utf-8")
    for _ in range(draw(st.integers(1, 3))):
        operation = draw(st.sampled_from(["splice", "truncate", "drop-line", "repeat-line"]))
        at = draw(st.integers(0, len(data)))
        if operation == "splice":
            piece = draw(st.one_of(st.sampled_from(SPLICES), st.binary(min_size=1, max_size=8)))
            data = data[:at] + piece + data[at:]
        elif operation == "truncate":
            data = data[:at]
        else:
            lines = data.split(b"\n")
            index = draw(st.integers(0, len(lines) - 1))
            if operation == "drop-line":
                del lines[index]
            else:
                lines.insert(index, lines[index])
            data = b"\n".join(lines)
    return data


# --- the properties --------------------------------------------------------------------------


def assert_clean_problems(problems: list[Problem], display: str) -> None:
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.file == display
        shown = str(problem)
        assert shown.startswith(display + ":"), shown
        assert problem.message, shown
        bad = forbidden_character(shown)
        assert bad is None, f"raw {bad} in problem: {shown!r}"


def parse_bytes(data: bytes) -> list[Problem]:
    with tempfile.TemporaryDirectory(prefix="evsum-prop-") as folder:
        parsed = parse_file(write(Path(folder), data), DISPLAY)  # must not raise
    assert_clean_problems(parsed.problems, DISPLAY)
    return parsed.problems


@budget(150)
@given(valid_document())
def test_valid_generated_files_load_and_round_trip(
        generated: tuple[dict[Any, Any], list[dict[str, Any]]]) -> None:
    RUNS["valid"] += 1
    document, expected = generated
    text = dump(document)
    with tempfile.TemporaryDirectory(prefix="evsum-prop-") as folder:
        path = write(Path(folder), text)
        parsed = parse_file(path, DISPLAY)
        assert parsed.problems == [], f"{[str(p) for p in parsed.problems]}\n{text}"
        kb, problems = load_knowledge_base([Path(folder)], include_bundled=False)
        assert problems == [], f"{[str(p) for p in problems]}\n{text}"
        assert sorted(f.id for f in kb.facts) == sorted(e["id"] for e in expected)
    assert len(parsed.facts) == len(expected)
    for fact, want in zip(parsed.facts, expected, strict=True):
        assert fact.id == want["id"]
        assert fact.claim == want["claim"]
        assert fact.locator == want["locator"]
        assert fact.checked == want["checked"]
        assert fact.n == want["n"]
        assert fact.note == want["note"]
        assert fact.tags == want["tags"]
        if want["timepoint"] is None:
            assert fact.timepoint is None
        else:
            assert (fact.timepoint.amount, fact.timepoint.unit) == want["timepoint"]
        if want["value"] is None:
            assert fact.value is None
        else:
            assert fact.value is not None
            assert fact.value.unit == want["value"]["unit"]
            assert fact.value.estimate == want["value"]["estimate"]
            assert fact.value.ci == want["value"]["ci"]
            assert fact.value.range == want["value"]["range"]
        if want["comparator_value"] is not None:
            assert fact.comparator is not None
            assert fact.comparator.value == want["comparator_value"]


@budget(200)
@given(mutated_document(rename_keys=False))
def test_mutated_values_give_problems_not_exceptions(text: str) -> None:
    RUNS["mutated values"] += 1
    parse_bytes(text.encode("utf-8", "surrogatepass"))


@budget(150)
@given(mutated_document(rename_keys=True))
def test_mutated_keys_give_clean_problems(text: str) -> None:
    RUNS["mutated keys"] += 1
    parse_bytes(text.encode("utf-8", "surrogatepass"))


@budget(200)
@given(byte_mutated())
def test_spliced_and_truncated_bytes_give_problems_not_exceptions(data: bytes) -> None:
    RUNS["mutated bytes"] += 1
    parse_bytes(data)


@budget(60, shrink=False)
@given(valid_document(), st.data())
def test_a_raw_control_character_is_reported_on_its_line(
        generated: tuple[dict[Any, Any], list[dict[str, Any]]], data: st.DataObject) -> None:
    RUNS["raw control on a line"] += 1
    lines = dump(generated[0]).split("\n")
    index = data.draw(st.integers(0, len(lines) - 2), label="line index")
    control = data.draw(st.sampled_from(["\x1b", "\x07", "\x9b", "\x7f"]), label="control")
    lines[index] = control + lines[index]
    problems = parse_bytes("\n".join(lines).encode("utf-8"))
    assert problems, "a raw control character must be refused"
    assert problems[0].line == index + 1, f"reported {problems[0]}, not line {index + 1}"


@budget(100)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_give_problems_not_exceptions(data: bytes) -> None:
    RUNS["random bytes"] += 1
    parse_bytes(data)


@budget(30)
@given(st.lists(st.one_of(mutated_document(rename_keys=True).map(str.encode),
                          byte_mutated()), min_size=1, max_size=3))
def test_folders_of_mutated_files_load_without_raising(files: list[bytes]) -> None:
    RUNS["mutated folders"] += 1
    with tempfile.TemporaryDirectory(prefix="evsum-prop-") as folder:
        names = [f"f{i}.yaml" for i in range(len(files))]
        for name, data in zip(names, files, strict=True):
            write(Path(folder), data, name)
        _, problems = load_knowledge_base([Path(folder)], include_bundled=False)
        shown = {str(Path(folder) / n) for n in names}
        for problem in problems:
            assert problem.file in shown or any(problem.file.endswith(n) for n in names)
            bad = forbidden_character(str(problem))
            assert bad is None, f"raw {bad} in problem: {str(problem)!r}"


@budget(20)
@given(st.integers(2**53 + 1, 10**18).filter(lambda n: float(n) != n))
def test_large_whole_numbers_are_kept_or_refused_never_changed(n: int) -> None:
    # A count such as n: 9007199254740993 must load as written or be refused.
    RUNS["large numbers"] += 1
    base = (Path(__file__).parent / "data" / "hostile" / "valid-minimal.yaml").read_text()
    with tempfile.TemporaryDirectory(prefix="evsum-prop-") as folder:
        parsed = parse_file(write(Path(folder), base + f"    n: {n}\n"), DISPLAY)
    if parsed.problems:
        assert_clean_problems(parsed.problems, DISPLAY)
    else:
        assert parsed.facts[0].n == n, f"n: {n} loaded as {parsed.facts[0].n}"


def test_the_writer_quotes_and_escapes() -> None:
    # The generator itself: quoted text is escaped, plain text is written as it is.
    assert dump({Plain("a"): Quoted("no\x1b\u202e é")}) == 'a: "no\\x1b\\u202e é"\n'
    assert dump({Plain("f"): [{Plain("id"): Plain("x"), Plain("n"): Plain("1")}]}) == (
        "f:\n  - id: x\n    n: 1\n")
