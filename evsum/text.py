"""Plain-text helpers shared by every layer: safe quoting of fact-file text."""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls (tab and newline are checked separately), DEL, and the
# bidirectional overrides and isolates that can reorder what a reader sees.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
_NEWLINE_OR_TAB = re.compile("[\t\n]")


def forbidden_character(text: str, allow_newlines: bool = False) -> str | None:
    """The first character that may not appear in fact text, as U+XXXX, or None."""
    match = _FORBIDDEN.search(text)
    if match is None and not allow_newlines:
        match = _NEWLINE_OR_TAB.search(text)
    if match is None:
        return None
    char = match.group()
    name = unicodedata.name(char, "control character")
    return f"U+{ord(char):04X} ({name.lower()})"


def describe(text: str, limit: int = 60) -> str:
    """Quote text for a message: controls made visible, length bounded."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    shown = _FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", shown)
    shown = shown.replace("\n", "\\n").replace("\t", "\\t")
    return f"'{shown}'"


def visible(text: str) -> str:
    """Text with every control character shown as an escape, nothing else changed."""
    if _FORBIDDEN.search(text) is None and _NEWLINE_OR_TAB.search(text) is None:
        return text  # the common case, on the hot path of validation
    text = _FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.replace("\n", "\\n").replace("\t", "\\t")


def normalize_name(name: str) -> str:
    """Key for matching names: case-folded letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", name).casefold() if ch.isalnum())
