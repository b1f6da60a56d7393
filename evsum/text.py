"""Plain-text helpers shared by every layer: safe quoting of fact-file text."""

from __future__ import annotations

import re
import unicodedata

# Characters no fact-file text may hold (tab and newline are checked separately):
# - C0 and C1 controls and DEL;
# - every format character (Unicode category Cf): the bidirectional marks, embeddings,
#   overrides and isolates (Bidi_Control: U+061C, U+200E/F, U+202A-E, U+2066-9), which
#   reorder what a reader sees ("5<ALM>-20%" shows as "520-%"); the zero-width space,
#   joiners, word joiner and invisible operators (U+200B-D, U+2060-4); the soft hyphen
#   (U+00AD); U+FEFF inside text; the interlinear annotation marks (U+FFF9-B); the
#   Arabic, Syriac, Brahmi, hieroglyph, shorthand and musical format controls;
# - the line and paragraph separators (U+2028/9), which some readers break lines on;
# - the whole tag block (U+E0000-E007F), invisible copies of ASCII.
# No allow-list: evsum's texts are English prose, numbers and names, and none needs an
# invisible character (not even U+200D ZWJ, which only joins emoji and some scripts).
# The ranges are Unicode 14's Cf set, widened to Unicode 16's hieroglyph controls;
# tests/test_text.py checks them against the running Python's unicodedata.
# For speed, ASCII text (most of it) is searched with the first class only, and other
# text for the BMP class or any astral character: a class with astral ranges is scanned
# several times slower than one BMP class and one astral range.
_ASCII_RANGES = "\x00-\x08\x0b-\x1f\x7f"
_BMP_RANGES = (
    "\x80-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
)
_ASTRAL_RANGES = (
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f"
)
_FORBIDDEN = re.compile(f"[{_ASCII_RANGES}{_BMP_RANGES}{_ASTRAL_RANGES}]")
_FORBIDDEN_ASCII = re.compile(f"[{_ASCII_RANGES}]")
_FORBIDDEN_ASTRAL = re.compile(f"[{_ASTRAL_RANGES}]")
_CANDIDATE = re.compile(f"[{_ASCII_RANGES}{_BMP_RANGES}\U00010000-\U0010ffff]")
_NEWLINE_OR_TAB = re.compile("[\t\n]")
# Controls in the strict sense: the C0/C1 codes, DEL and the Bidi_Control characters.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _search_forbidden(text: str) -> re.Match[str] | None:
    if text.isascii():
        return _FORBIDDEN_ASCII.search(text)
    for match in _CANDIDATE.finditer(text):
        if match.group() <= "\uffff" or _FORBIDDEN_ASTRAL.match(match.group()):
            return match
    return None


def _first_forbidden(text: str, allow_newlines: bool) -> str | None:
    match = _search_forbidden(text)
    if match is None and not allow_newlines:
        match = _NEWLINE_OR_TAB.search(text)
    return None if match is None else match.group()


def _code_point(char: str) -> str:
    fallback = "control character" if _CONTROL.match(char) else "unassigned"
    return f"U+{ord(char):04X} ({unicodedata.name(char, fallback).lower()})"


def forbidden_character(text: str, allow_newlines: bool = False) -> str | None:
    """The first character that may not appear in fact text, as U+XXXX (name), or None."""
    char = _first_forbidden(text, allow_newlines)
    return None if char is None else _code_point(char)


def forbidden_character_problem(text: str, allow_newlines: bool = False) -> str | None:
    """What is wrong with text's first forbidden character, e.g. 'the invisible character
    U+200B (zero width space)'; None when text may be shown."""
    char = _first_forbidden(text, allow_newlines)
    if char is None:
        return None
    kind = "control" if _CONTROL.match(char) else "invisible"
    return f"the {kind} character {_code_point(char)}"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def describe(text: str, limit: int = 60) -> str:
    """Quote text for a message: controls made visible, length bounded."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    shown = _FORBIDDEN.sub(_escape, shown)
    shown = shown.replace("\n", "\\n").replace("\t", "\\t")
    return f"'{shown}'"


def visible(text: str) -> str:
    """Text with every control character shown as an escape, nothing else changed."""
    if _search_forbidden(text) is None and _NEWLINE_OR_TAB.search(text) is None:
        return text  # the common case, on the hot path of validation
    text = _FORBIDDEN.sub(_escape, text)
    return text.replace("\n", "\\n").replace("\t", "\\t")


def normalize_name(name: str) -> str:
    """Key for matching names: case-folded letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", name).casefold() if ch.isalnum())
