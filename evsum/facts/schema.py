"""The fact file schema: one table of fields that both validates and exports JSON Schema."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evsum.facts import vocabulary as voc
from evsum.facts.yamltree import Mapping, Node, Scalar, Sequence
from evsum.text import describe, forbidden_character, forbidden_character_problem, visible

SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# A DOI's suffix in the characters Crossref recommends (letters, digits, -._;()/:), with
# no '.' or '..' segment: nothing a link could decode into another target.
DOI_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._;()/:")
DOI = re.compile(r"^10\.[0-9]{4,9}/(?!(?:.*/)?\.{1,2}(?:/|$))[-._;()/:A-Za-z0-9]+$")
PMID = re.compile(r"^[1-9][0-9]{0,8}$")
PMCID = re.compile(r"^PMC[0-9]{1,9}$")
# An http(s) URL whose host is a domain name (no user name, IP address or port tricks)
# and whose rest is plain RFC 3986 ASCII: no backslash, quote, space, '%2e', malformed
# percent escape or dot segment, each of which lets a link go elsewhere than it shows.
HOST = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
URL = re.compile(
    r"^(?!.*%2[eE])(?!.*%(?![0-9A-Fa-f]{2}))(?!.*/\.{1,2}(?:[/?#]|$))https?://"
    + HOST.pattern[1:-1]
    + r"(?::[0-9]{1,5})?(?:[/?#][-A-Za-z0-9._~:/?#@!$&()*+,;=%]*)?$")
TIMEPOINT = re.compile(r"^(\d+(?:\.\d+)?) ?(min|h|d|wk|mo|y)$")
INT = re.compile(r"^[-+]?[0-9]+$")
FLOAT = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Plain scalars that YAML 1.1 reads as something other than text.
YAML11_BOOL = frozenset(
    "y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF".split()
)
YAML11_NULL = frozenset(["", "~", "null", "Null", "NULL"])
SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
OCTAL_OR_HEX = re.compile(r"^[-+]?0(?:[0-7_]+|x[0-9a-fA-F_]+|b[01_]+)$")

TEXT_LIMIT = 400
LONG_TEXT_LIMIT = 4000
LIST_LIMIT = 64
MAX_ENTRIES_PER_FILE = 5000
IDENTIFIER_LIMIT = 2000  # characters in a DOI, PMID, PMC id or URL, checked before matching
# Bounds on numbers, checked before any conversion: no estimate, interval, range or
# comparator value in this field is larger than a billion, no count reaches one, no
# timepoint is longer than a millennium; a number of more than 30 digits is a typo
# or an attack (int() of 4,301 digits raises, a float of 309 overflows).
MAX_DIGITS = 30
MAX_MAGNITUDE = 1e9
MAX_COUNT = 10**9 - 1
MAX_TIMEPOINT_YEARS = 1000


@dataclass(frozen=True)
class Field:
    """One field of the format: its kind, whether it is required, its help."""

    name: str
    kind: str  # text longtext slug enum int number year date pair doi pmid pmcid url
    #            timepoint pvalue list record
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()
    item: Field | None = None  # for lists
    fields: tuple[Field, ...] = ()  # for records
    minimum: float | None = None


def _f(name: str, kind: str, help: str, **kw: Any) -> Field:
    return Field(name, kind, help, **kw)


SUBSTANCE = _f("substance", "record", "A substance.", fields=(
    _f("id", "slug", "Unique id, a lowercase slug.", required=True),
    _f("name", "text", "Display name.", required=True),
    _f("aliases", "list", "Other names: brand, stereo, common, misspellings.",
       item=_f("alias", "text", "An alias.")),
    _f("family", "enum", "Drug family.", required=True, choices=voc.FAMILIES),
    _f("class", "text", "Drug class, one line.", required=True),
    _f("targets", "list", "Primary targets (pathway nodes).", required=True,
       item=_f("target", "enum", "A pathway node.", choices=tuple(voc.PATHWAY_NODES))),
    _f("routes", "list", "Routes of administration.", required=True,
       item=_f("route", "enum", "A route.", choices=voc.ROUTES)),
    _f("status", "text", "Regulatory status, one line.", required=True),
))

SOURCE = _f("source", "record", "A bibliography entry.", fields=(
    _f("type", "enum", "Kind of source.", required=True, choices=voc.SOURCE_TYPES),
    _f("authors", "authors", "Authors in Vancouver form, e.g. 'Zarate CA Jr, Singh JB, et al.'; "
       "a corporate author in braces, e.g. '{Johnson & Johnson}'.", required=True),
    _f("title", "text", "Title.", required=True),
    _f("journal", "text", "Journal, book or issuing body."),
    _f("container", "text", "The book a chapter is in, or the site a web page is on."),
    _f("year", "year", "Year of publication.", required=True),
    _f("volume", "text", "Volume, as printed."),
    _f("issue", "text", "Issue, as printed."),
    _f("pages", "text", "Pages or article number, e.g. '856-864' or 'e2021'."),
    _f("doi", "doi", "Bare DOI, e.g. 10.1001/archpsyc.63.8.856."),
    _f("pmid", "pmid", "PubMed id."),
    _f("pmcid", "pmcid", "PubMed Central id, e.g. PMC1234567."),
    _f("url", "url", "Official URL (labels, regulatory pages)."),
    _f("status", "enum", "Notice on the article.", choices=voc.SOURCE_STATUSES),
    _f("status_note", "longtext", "What the notice says."),
))

VALUE = _f("value", "record", "The structured number.", fields=(
    _f("estimate", "number", "The point estimate (may be left out when only a range is given)."),
    _f("unit", "enum", "Unit of the estimate.", required=True, choices=voc.UNITS),
    _f("ci", "pair", "95% confidence interval [low, high]."),
    _f("range", "pair", "Range [low, high] as the source gives it."),
    _f("p", "pvalue", "P value as printed, e.g. '<0.001' or 0.03."),
    _f("events", "int", "Participants with the event in this arm (with total).", minimum=0),
    _f("total", "int", "Participants in this arm the events are counted of.", minimum=1),
))

COMPARATOR = _f("comparator", "record", "What the substance was compared with.", fields=(
    _f("name", "text", "Comparator, e.g. placebo, midazolam, ECT.", required=True),
    _f("kind", "enum", "Kind of comparator.", required=True,
       choices=tuple(voc.COMPARATOR_KINDS)),
    _f("value", "number", "The comparator's value, in the fact's unit."),
    _f("n", "int", "Participants in the comparator arm.", minimum=1),
    _f("events", "int", "Participants with the event in the comparator arm.", minimum=0),
    _f("total", "int", "Participants in the comparator arm the events are counted of.",
       minimum=1),
))

MARGIN = _f("margin", "record", "Noninferiority margin.", fields=(
    _f("value", "number", "The margin, signed as the contrast is.", required=True),
    _f("unit", "enum", "Unit of the margin.", required=True, choices=voc.UNITS),
))

DISPUTED = _f("disputed", "record", "Sources that disagree on the same question.", fields=(
    _f("by", "list", "Ids of the facts of the other side.", required=True,
       item=_f("fact", "slug", "A fact id.")),
    _f("reason", "longtext", "What is disputed, in a sentence.", required=True),
))

READ = _f("read", "record", "The page on which the number was read.", required=True, fields=(
    _f("url", "url", "Address of the page.", required=True),
    _f("kind", "enum", "Kind of page: primary text or a faithful copy of it.", required=True,
       choices=tuple(voc.READ_KINDS)),
    _f("note", "text", "Which copy or version (a label's revision, a named analysis)."),
))

FACT = _f("fact", "record", "A fact.", fields=(
    _f("id", "slug", "Unique id, e.g. ketamine.zarate2006.response-24h.", required=True),
    _f("substance", "slug", "Substance id.", required=True),
    _f("category", "enum", "Category.", required=True, choices=voc.CATEGORIES),
    _f("claim", "longtext", "The finding in the project's own words.", required=True),
    _f("outcome", "slug", "Normalized outcome key, e.g. response."),
    _f("population", "enum", "Population.", choices=tuple(voc.POPULATIONS)),
    _f("timepoint", "timepoint", "When measured, e.g. '24 h', '6 wk'."),
    _f("n", "int", "Participants analysed.", minimum=1),
    _f("scale", "text", "Instrument, e.g. MADRS."),
    _f("arm", "text", "The intervention as given for this number: dose, route, schedule."),
    _f("measure", "text", "What the number counts, where the outcome does not say it, e.g. "
       "'full remission of suicidal ideation', 'largest mean systolic rise'."),
    _f("analysis", "enum", "Which analysis of the study the number comes from.",
       choices=tuple(voc.ANALYSES)),
    _f("contrast", "enum", "between-arms (drug minus comparator) or per-arm result.",
       choices=voc.CONTRASTS),
    _f("hypothesis", "enum", "superiority (default) or noninferiority.", choices=voc.HYPOTHESES),
    MARGIN,
    _f("better", "enum", "Which way of the value is good (default: from the outcome).",
       choices=voc.DIRECTIONS),
    VALUE,
    COMPARATOR,
    _f("adverse_event", "slug", "The adverse event this incidence is of."),
    _f("severity", "enum", "Severity of the adverse event.", choices=voc.SEVERITIES),
    _f("pathway", "list", "Pathway nodes the fact supports.",
       item=_f("node", "enum", "A pathway node.", choices=tuple(voc.PATHWAY_NODES))),
    _f("design", "enum", "Study design (evidence level).", required=True, choices=voc.DESIGNS),
    _f("grade", "enum", "GRADE certainty, where the source states one.", choices=voc.GRADES),
    _f("source", "slug", "Key of the source in a bibliography.", required=True),
    _f("locator", "text", "Where in the source, e.g. 'Table 2'.", required=True),
    _f("tags", "list", "Free tags.", item=_f("tag", "slug", "A tag.")),
    _f("note", "longtext", "Caveats the reader must see."),
    DISPUTED,
    READ,
    _f("checked", "date", "Date last checked against the source.", required=True),
))

LINK = _f("link", "record", "A fact and how it bears on the claim.", fields=(
    _f("fact", "slug", "A fact id.", required=True),
    _f("how", "text", "How the fact bears on the claim, e.g. 'shows the surge in rats'.",
       required=True),
))

CLAIM = _f("claim", "record", "A claim of a review's argument.", fields=(
    _f("id", "slug", "Unique id, e.g. kojic2022.convergence.", required=True),
    _f("claim", "longtext", "The claim in the project's own words.", required=True),
    _f("source", "slug", "Key of the source that makes the claim.", required=True),
    _f("locator", "text", "Where in that source, e.g. 'Section 4'.", required=True),
    _f("substances", "list", "The substances the claim concerns.", required=True,
       item=_f("substance", "slug", "A substance id.")),
    _f("parent", "slug", "The claim this one serves in the argument."),
    _f("supports", "list", "Facts that support the claim.", item=LINK),
    _f("challenges", "list", "Facts that challenge the claim.", item=LINK),
))

TOP_LEVEL = ("substances", "sources", "facts", "claims")


MAX_PROBLEMS_PER_FILE = 200


class TooManyProblems(Exception):
    """Raised by a Collector that is full: the rest of the file is not worth checking."""


class Collector:
    """Collects problems found in one file, up to MAX_PROBLEMS_PER_FILE."""

    def __init__(self) -> None:
        self.problems: list[tuple[int | None, str, str]] = []

    def add(self, line: int | None, field: str, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS_PER_FILE:
            self.problems.append((line, "", f"more than {MAX_PROBLEMS_PER_FILE} problems; "
                                  "stopped checking this file"))
            raise TooManyProblems
        self.problems.append((line, field, message))


def _yaml11_reading(node: Scalar) -> str | None:
    """What an unquoted scalar would be in YAML 1.1, if not text."""
    if not node.plain:
        return None
    value = node.value
    if value in YAML11_BOOL:
        return "a boolean"
    if value in YAML11_NULL:
        return "empty (null)"
    if value[0].isalpha() or value[0] in "(\"'":  # numbers and dates start otherwise
        return None
    if INT.match(value) or FLOAT.match(value) or OCTAL_OR_HEX.match(value):
        return "a number"
    if SEXAGESIMAL.match(value):
        return "a base-60 number"
    if DATE.match(value):
        return "a date"
    return None


def _too_many_digits(text: str) -> bool:
    return len(text) > MAX_DIGITS and sum(ch.isdigit() for ch in text) > MAX_DIGITS


def _number(node: Scalar) -> float | None:
    text = node.value.strip().replace("_", "")
    if not node.plain or not FLOAT.match(text):
        return None
    if INT.match(text):
        return int(text)  # exact: a float would round large whole numbers
    number = float(text)
    return number if math.isfinite(number) else None


def convert(node: Node, spec: Field, path: str, out: Collector) -> Any:
    """Convert a node by its field spec; problems go to out; None when invalid."""
    converter = _CONVERTERS[spec.kind]
    return converter(node, spec, path, out)


def _kind_name(node: Node) -> str:
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    return f"the text {describe(node.value)}"


def _expect_scalar(node: Node, path: str, what: str, out: Collector) -> Scalar | None:
    if isinstance(node, Scalar):
        return node
    out.add(node.line, path, f"expected {what}, found {_kind_name(node)}")
    return None


def _text(node: Node, spec: Field, path: str, out: Collector) -> str | None:
    scalar = _expect_scalar(node, path, "text", out)
    if scalar is None:
        return None
    reading = _yaml11_reading(scalar)
    if reading is not None and spec.kind != "pvalue":
        out.add(scalar.line, path,
                f"unquoted {describe(scalar.value)} is {reading} in YAML; quote it if it is text")
        return None
    text = scalar.value.strip()
    if not text:
        out.add(scalar.line, path, "is empty")
        return None
    long = spec.kind == "longtext"
    limit = LONG_TEXT_LIMIT if long else TEXT_LIMIT
    if len(text) > limit:
        out.add(scalar.line, path, f"is {len(text)} characters long; the limit is {limit}")
        return None
    bad = forbidden_character_problem(text, allow_newlines=long)
    if bad is not None:
        out.add(scalar.line, path, f"contains {bad}")
        return None
    return text


def _authors(node: Node, spec: Field, path: str, out: Collector) -> str | None:
    """An author list that parses into names (evsum/facts/names.py)."""
    from evsum.facts.names import AuthorError, parse_authors

    text = _text(node, spec, path, out)
    if text is None:
        return None
    try:
        parse_authors(text)
    except AuthorError as error:
        out.add(node.line, path, str(error))
        return None
    return text


def _slug(node: Node, spec: Field, path: str, out: Collector) -> str | None:
    text = _text(node, spec, path, out)
    if text is None:
        return None
    if len(text) > 120 or not SLUG.match(text):
        out.add(node.line, path, f"{describe(text)} is not a slug "
                "(lowercase letters, digits, '-', '_', '.')")
        return None
    return text


def _enum(node: Node, spec: Field, path: str, out: Collector) -> str | None:
    scalar = _expect_scalar(node, path, "one of the listed values", out)
    if scalar is None:
        return None
    if scalar.value in spec.choices:
        return scalar.value
    shown = ", ".join(spec.choices[:20]) + (", ..." if len(spec.choices) > 20 else "")
    out.add(scalar.line, path, f"{describe(scalar.value)} is not one of: {shown}")
    return None


def _numeric(node: Node, spec: Field, path: str, out: Collector) -> float | None:
    scalar = _expect_scalar(node, path, "a number", out)
    if scalar is None:
        return None
    if _too_many_digits(scalar.value):
        out.add(scalar.line, path, f"{describe(scalar.value)} has more than {MAX_DIGITS} digits")
        return None
    number = _number(scalar)
    if number is None:
        out.add(scalar.line, path, f"{describe(scalar.value)} is not a number")
        return None
    if spec.kind == "int" and not isinstance(number, int):
        out.add(scalar.line, path, f"{describe(scalar.value)} is not a whole number")
        return None
    if spec.kind == "int" and abs(number) > MAX_COUNT:
        out.add(scalar.line, path, f"{describe(scalar.value)} is beyond the limit of {MAX_COUNT}")
        return None
    if abs(number) > MAX_MAGNITUDE:
        out.add(scalar.line, path,
                f"{describe(scalar.value)} is beyond the limit of ±{MAX_MAGNITUDE:g}")
        return None
    if spec.minimum is not None and number < spec.minimum:
        out.add(scalar.line, path, f"{describe(scalar.value)} is below {spec.minimum:g}")
        return None
    return number


def _year(node: Node, spec: Field, path: str, out: Collector) -> int | None:
    scalar = _expect_scalar(node, path, "a year", out)
    if scalar is None:
        return None
    value = scalar.value.strip()
    if not re.fullmatch(r"\d{4}", value):
        out.add(scalar.line, path, f"{describe(value)} is not a four-digit year")
        return None
    year = int(value)
    if not 1900 <= year <= dt.date.today().year + 1:
        out.add(scalar.line, path, f"{year} is not a plausible year of publication")
        return None
    return year


def _date(node: Node, spec: Field, path: str, out: Collector) -> dt.date | None:
    scalar = _expect_scalar(node, path, "a date (YYYY-MM-DD)", out)
    if scalar is None:
        return None
    try:
        date = dt.date.fromisoformat(scalar.value.strip())
    except ValueError:
        out.add(scalar.line, path, f"{describe(scalar.value)} is not a date (YYYY-MM-DD)")
        return None
    if date > dt.date.today():
        out.add(scalar.line, path, f"{date.isoformat()} is in the future")
        return None
    return date


def _pair(node: Node, spec: Field, path: str, out: Collector) -> tuple[float, float] | None:
    if not isinstance(node, Sequence) or len(node.items) != 2:
        out.add(node.line, path, "expected a list of two numbers [low, high]")
        return None
    low = _numeric(node.items[0], spec, f"{path}[0]", out)
    high = _numeric(node.items[1], spec, f"{path}[1]", out)
    if low is None or high is None:
        return None
    if low > high:
        out.add(node.line, path, f"low {low:g} is above high {high:g}")
        return None
    return (low, high)


def _pattern(pattern: re.Pattern[str], what: str) -> Callable[..., str | None]:
    def check(node: Node, spec: Field, path: str, out: Collector) -> str | None:
        scalar = _expect_scalar(node, path, what, out)
        if scalar is None:
            return None
        value = scalar.value.strip()
        if len(value) > IDENTIFIER_LIMIT:
            out.add(scalar.line, path,
                    f"is {len(value)} characters long; the limit is {IDENTIFIER_LIMIT}")
            return None
        if spec.kind == "doi":
            value = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", value, flags=re.I)
        if not pattern.match(value) or forbidden_character(value) is not None:
            reason = {"doi": _doi_problem, "url": _url_problem}.get(spec.kind, _no_reason)(value)
            out.add(scalar.line, path, f"{describe(value)} is not {what}{reason}")
            return None
        return value
    return check


def _no_reason(value: str) -> str:
    return ""


def _doi_problem(value: str) -> str:
    """Why a text that fails DOI is not a DOI, as ': it ...', or ''."""
    suffix = value.partition("/")[2]
    bad = next((ch for ch in suffix if ch not in DOI_CHARACTERS), None)
    if bad is not None:
        return f": it holds {describe(bad)}; a DOI holds only letters, digits and -._;()/:"
    if any(segment in (".", "..") for segment in suffix.split("/")):
        return ": it has a '.' or '..' path segment"
    return ""


def _url_problem(value: str) -> str:
    """Why a text that fails URL is not a link evsum writes, as ': it ...', or ''."""
    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in ("http", "https"):
        return ": only http:// and https:// links are allowed"
    if "\\" in value:
        return ": it holds a backslash"
    if "%2e" in value.lower():
        return ": it holds an encoded dot (%2e)"
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in authority:
        return ": it names a user ('@') before the host"
    host = re.sub(r":[0-9]{1,5}$", "", authority)
    if not HOST.match(host):
        return f": its host {describe(host)} is not a domain name"
    return ""


def _pvalue(node: Node, spec: Field, path: str, out: Collector) -> str | None:
    scalar = _expect_scalar(node, path, "a p value", out)
    if scalar is None:
        return None
    value = scalar.value.strip().replace(" ", "")
    match = re.fullmatch(r"([<>=≤≥]?)(0?\.\d+|1(?:\.0*)?|0|\d(?:\.\d+)?[eE]-\d+)", value)
    if match is None or float(match.group(2)) > 1:
        out.add(scalar.line, path, f"{describe(scalar.value)} is not a p value such as 0.03 "
                "or '<0.001'")
        return None
    return value


def _timepoint(node: Node, spec: Field, path: str, out: Collector) -> tuple[float, str] | None:
    scalar = _expect_scalar(node, path, "a timepoint", out)
    if scalar is None:
        return None
    if _too_many_digits(scalar.value):
        out.add(scalar.line, path, f"{describe(scalar.value)} has more than {MAX_DIGITS} digits")
        return None
    match = TIMEPOINT.match(scalar.value.strip())
    if match is None:
        out.add(scalar.line, path, f"{describe(scalar.value)} is not a timepoint such as "
                "'40 min', '24 h', '6 wk'")
        return None
    amount = float(match.group(1))
    unit = match.group(2)
    if amount * voc.TIME_UNITS_HOURS[unit] > MAX_TIMEPOINT_YEARS * voc.TIME_UNITS_HOURS["y"]:
        out.add(scalar.line, path,
                f"{describe(scalar.value)} is longer than {MAX_TIMEPOINT_YEARS} years")
        return None
    return (int(amount) if amount.is_integer() else amount, unit)


def _list(node: Node, spec: Field, path: str, out: Collector) -> list[Any] | None:
    if not isinstance(node, Sequence):
        if isinstance(node, Scalar) and spec.item is not None:
            out.add(node.line, path, "expected a list, e.g. [a, b]")
        else:
            out.add(node.line, path, f"expected a list, found {_kind_name(node)}")
        return None
    if len(node.items) > LIST_LIMIT:
        out.add(node.line, path, f"has {len(node.items)} items; the limit is {LIST_LIMIT}")
        return None
    assert spec.item is not None
    values = [convert(item, spec.item, f"{path}[{i}]", out) for i, item in enumerate(node.items)]
    if any(v is None for v in values):
        return None
    return values


def _record(node: Node, spec: Field, path: str, out: Collector) -> dict[str, Any] | None:
    if not isinstance(node, Mapping):
        out.add(node.line, path, f"expected a mapping of fields, found {_kind_name(node)}")
        return None
    known = {f.name: f for f in spec.fields}
    result: dict[str, Any] = {}
    ok = True
    for key, (line, value_node) in node.pairs.items():
        field = known.get(key)
        sub = f"{path}.{visible(key)}" if path else visible(key)
        if field is None:
            out.add(line, sub, f"unknown field {describe(key)}; known: {', '.join(known)}")
            ok = False
            continue
        if isinstance(value_node, Scalar) and value_node.plain and value_node.value in YAML11_NULL:
            if field.required:
                out.add(line, sub, "is required but empty")
                ok = False
            continue
        value = convert(value_node, field, sub, out)
        if value is None:
            ok = False
        else:
            result[key] = value
    for field in spec.fields:
        if field.required and field.name not in node.pairs:
            out.add(node.line, f"{path}.{field.name}" if path else field.name,
                    "is required but missing")
            ok = False
    return result if ok else None


_CONVERTERS: dict[str, Callable[..., Any]] = {
    "text": _text,
    "longtext": _text,
    "slug": _slug,
    "enum": _enum,
    "int": _numeric,
    "number": _numeric,
    "year": _year,
    "date": _date,
    "pair": _pair,
    "doi": _pattern(DOI, "a DOI such as 10.1001/archpsyc.63.8.856"),
    "pmid": _pattern(PMID, "a PubMed id (digits)"),
    "pmcid": _pattern(PMCID, "a PMC id such as PMC1234567"),
    "url": _pattern(URL, "an http(s) URL"),
    "pvalue": _pvalue,
    "timepoint": _timepoint,
    "list": _list,
    "record": _record,
    "authors": _authors,
}


def _line_of(node: Mapping, *keys: str) -> int:
    """The line of a nested field, or of its nearest parent that exists."""
    line = node.line
    current: Node = node
    for key in keys:
        if not isinstance(current, Mapping) or key not in current.pairs:
            break
        line, current = current.pairs[key]
    return line


def check_fact_values(fact: dict[str, Any], node: Mapping, path: str, out: Collector) -> bool:
    """Cross-field rules of one fact; True when all hold."""
    before = len(out.problems)
    line = node.line
    value = fact.get("value")
    category = fact["category"]
    if value is not None:
        if "outcome" not in fact:
            out.add(line, f"{path}.outcome", "is required when a value is given")
        unit = value["unit"]
        numbers = [("value.estimate", value["estimate"])] if "estimate" in value else []
        if "estimate" not in value and "range" not in value:
            out.add(_line_of(node, "value"), f"{path}.value.estimate",
                    "is required unless a range is given")
        for key in ("ci", "range"):
            if key in value:
                numbers += [(f"value.{key}", n) for n in value[key]]
        comparator = fact.get("comparator")
        if comparator is not None and "value" in comparator:
            numbers.append(("comparator.value", comparator["value"]))
        for name, number in numbers:
            at = _line_of(node, *name.split("."))
            if unit == "%" and not 0 <= number <= 100:
                out.add(at, f"{path}.{name}", f"{number:g}% is outside 0-100 "
                        "(use unit '% change' for changes)")
            if unit in voc.RATIO_UNITS and number <= 0:
                out.add(at, f"{path}.{name}", f"a ratio ({unit}) must be above 0, not {number:g}")
        ci = value.get("ci")
        if ci is not None and "estimate" in value and not ci[0] <= value["estimate"] <= ci[1]:
            out.add(_line_of(node, "value", "ci"), f"{path}.value.ci",
                    f"estimate {value['estimate']:g} lies outside its "
                    f"95% CI [{ci[0]:g}, {ci[1]:g}]")
    else:
        comparator = fact.get("comparator")
        if comparator is not None and "value" in comparator:
            out.add(_line_of(node, "comparator", "value"), f"{path}.comparator.value",
                    "needs a value on the fact itself")
    _check_reading(fact, node, path, out)
    if category == "mechanism" and not fact.get("pathway"):
        out.add(_line_of(node, "category"), f"{path}.pathway", "is required on mechanism facts")
    if "adverse_event" in fact and category not in ("safety", "dissociation"):
        out.add(_line_of(node, "adverse_event"), f"{path}.adverse_event",
                "belongs on safety or dissociation facts only")
    return len(out.problems) == before


# Designs of one study, whose numbers belong to one arm of it.
SINGLE_STUDY_DESIGNS = frozenset({"rct", "open-label", "observational", "case-series"})
ARMED_CATEGORIES = ("efficacy", "safety", "dissociation")


def _check_reading(fact: dict[str, Any], node: Mapping, path: str, out: Collector) -> None:
    """The rules that say what kind of number a number is (docs/fact-format.md)."""
    category, value, comparator = fact["category"], fact.get("value"), fact.get("comparator")
    at = node.line
    if category == "efficacy" and "analysis" not in fact:
        out.add(at, f"{path}.analysis", "is required on efficacy facts (primary, "
                "key-secondary, secondary, post-hoc, subgroup, pooled, exploratory)")
    if category in ARMED_CATEGORIES and value is not None:
        if "contrast" not in fact:
            out.add(at, f"{path}.contrast", f"is required on {category} facts with a value "
                    "(between-arms or per-arm)")
        if fact["design"] in SINGLE_STUDY_DESIGNS and "arm" not in fact:
            out.add(at, f"{path}.arm", f"is required on {category} facts of one study: the "
                    "dose, route and schedule the number is for")
    if fact.get("hypothesis") == "noninferiority" and "margin" not in fact:
        out.add(_line_of(node, "hypothesis"), f"{path}.margin",
                "is required with a noninferiority hypothesis")
    if "margin" in fact and fact.get("hypothesis") != "noninferiority":
        out.add(_line_of(node, "margin"), f"{path}.margin",
                "belongs with hypothesis: noninferiority")
    if fact.get("contrast") == "between-arms" and value is not None and "estimate" in value:
        if "better" not in fact and fact.get("outcome") not in voc.OUTCOME_BETTER:
            out.add(_line_of(node, "outcome"), f"{path}.better", "is required for a contrast "
                    f"on outcome {describe(fact.get('outcome') or '')}: say whether lower or "
                    "higher is better")
        if comparator is None:
            out.add(_line_of(node, "contrast"), f"{path}.comparator",
                    "is required on a between-arms contrast: what was it against?")
        elif "value" in comparator:
            out.add(_line_of(node, "comparator", "value"), f"{path}.comparator.value",
                    "a between-arms contrast has no comparator value (its value is the "
                    "difference); use contrast: per-arm for two arms' numbers")
    for part, record in (("value", value), ("comparator", comparator)):
        if record is not None:
            _check_counts(record, part, value["unit"] if value else None, node, path, out)


def _check_counts(record: dict[str, Any], part: str, unit: str | None, node: Mapping,
                  path: str, out: Collector) -> None:
    """Events and total come together, and agree with a percentage beside them."""
    events, total = record.get("events"), record.get("total")
    if (events is None) != (total is None):
        missing = "total" if total is None else "events"
        out.add(_line_of(node, part), f"{path}.{part}.{missing}",
                "events and total are given together")
        return
    if events is None or total is None:
        return
    if events > total:
        out.add(_line_of(node, part, "events"), f"{path}.{part}.events",
                f"{events} events is more than the total of {total}")
        return
    number = record.get("estimate" if part == "value" else "value")
    if unit == "%" and number is not None:
        percent = 100 * events / total
        if abs(percent - number) > 0.5 + 1e-9:
            key = "estimate" if part == "value" else "value"
            out.add(_line_of(node, part, key), f"{path}.{part}.{key}",
                    f"{number:g}% disagrees with {events}/{total} ({percent:.1f}%)")


def json_schema() -> dict[str, Any]:
    """The fact file format as JSON Schema (draft 2020-12)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://evsum.invalid/schema/fact-file-1.json",
        "title": "evsum fact file",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "substances": {"type": "array", "items": _json(SUBSTANCE)},
            "sources": {
                "type": "object",
                "propertyNames": {"pattern": SLUG.pattern},
                "additionalProperties": _json(SOURCE),
            },
            "facts": {"type": "array", "items": _json(FACT)},
            "claims": {"type": "array", "items": _json(CLAIM)},
        },
    }


def _json(spec: Field) -> dict[str, Any]:
    kind = spec.kind
    schema: dict[str, Any]
    if kind == "record":
        schema = {
            "type": "object",
            "additionalProperties": False,
            "properties": {f.name: _json(f) for f in spec.fields},
            "required": [f.name for f in spec.fields if f.required],
        }
    elif kind == "list":
        assert spec.item is not None
        schema = {"type": "array", "items": _json(spec.item), "maxItems": LIST_LIMIT}
    elif kind == "enum":
        schema = {"enum": list(spec.choices)}
    elif kind in ("int", "year"):
        schema = {"type": "integer"}
        if spec.minimum is not None:
            schema["minimum"] = spec.minimum
        if kind == "int":
            schema["maximum"] = MAX_COUNT
    elif kind == "number":
        schema = {"type": "number", "minimum": -MAX_MAGNITUDE, "maximum": MAX_MAGNITUDE}
    elif kind == "pair":
        schema = {"type": "array", "minItems": 2, "maxItems": 2, "items": {
            "type": "number", "minimum": -MAX_MAGNITUDE, "maximum": MAX_MAGNITUDE}}
    elif kind == "date":
        schema = {"type": "string", "format": "date"}
    elif kind == "pvalue":
        schema = {"type": ["number", "string"]}
    else:
        patterns = {"slug": SLUG, "doi": DOI, "pmid": PMID, "pmcid": PMCID, "url": URL,
                    "timepoint": TIMEPOINT}
        schema = {"type": "string", "minLength": 1}
        if kind == "pmid":
            schema = {"type": ["string", "integer"]}
        elif kind in patterns:
            schema["pattern"] = patterns[kind].pattern
        if kind in ("text", "longtext", "authors"):
            schema["maxLength"] = LONG_TEXT_LIMIT if kind == "longtext" else TEXT_LIMIT
    schema["description"] = spec.help
    return schema
