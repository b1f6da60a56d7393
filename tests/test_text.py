"""evsum.text: which characters fact text may not hold, and how messages show them."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from evsum.text import describe, forbidden_character, forbidden_character_problem, visible

BIDI_CONTROLS = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]


def test_every_format_character_is_refused() -> None:
    # The class in evsum.text is written out for speed; it must hold the running
    # Python's whole Cf category.
    missing = [f"U+{c:04X}" for c in range(sys.maxunicode + 1)
               if unicodedata.category(chr(c)) == "Cf" and forbidden_character(chr(c)) is None]
    assert missing == []


@pytest.mark.parametrize("code", [*BIDI_CONTROLS, 0x200B, 0x200C, 0x200D, 0x2060, 0x2061,
                                  0x2064, 0x00AD, 0x2028, 0x2029, 0xFEFF, 0xFFF9, 0xFFFA,
                                  0xFFFB, 0xE0000, 0xE0001, 0xE0002, 0xE0041, 0xE007F])
def test_bidi_invisible_and_tag_characters_are_refused(code: int) -> None:
    text = f"5{chr(code)}-20%"
    assert forbidden_character(text, allow_newlines=True) is not None
    problem = forbidden_character_problem(text, allow_newlines=True)
    assert problem is not None
    kind = "control" if code in BIDI_CONTROLS else "invisible"
    assert problem.startswith(f"the {kind} character U+{code:04X} (")


def test_the_problem_names_the_code_point() -> None:
    assert forbidden_character_problem("5\u061c-20%") == (
        "the control character U+061C (arabic letter mark)")
    assert forbidden_character_problem("Ketam\u200bine") == (
        "the invisible character U+200B (zero width space)")
    assert forbidden_character_problem("x\U000e0002") == (
        "the invisible character U+E0002 (unassigned)")
    assert forbidden_character_problem("a\x07") == (
        "the control character U+0007 (control character)")


@pytest.mark.parametrize("text", [
    "Δοκιμή µg/kg 検査 ½ — “quoted” 😀",
    "👩\N{EMOJI MODIFIER FITZPATRICK TYPE-4}",  # a modifier is visible, not a format character
    "(2R,6R)-hydroxynorketamine\u00a05\u2009mg",  # no-break and thin spaces are spaces
    "Aufl\u0308sung",  # combining marks are letters' parts
    "\ufe0f",  # a variation selector (Mn) picks a glyph
])
def test_visible_text_is_allowed(text: str) -> None:
    assert forbidden_character(text) is None


def test_messages_show_every_refused_character_as_an_escape() -> None:
    assert visible("a\u061cb\u200bc\U000e0041d") == "a\\u061cb\\u200bc\\U000e0041d"
    assert describe("x\u2028y") == "'x\\u2028y'"


def test_the_first_refused_character_is_named_whatever_its_plane() -> None:
    assert forbidden_character("a\U000e0041b\u200bc") == "U+E0041 (tag latin capital letter a)"
    assert forbidden_character("a\u200bb\U000e0041c") == "U+200B (zero width space)"
    assert forbidden_character("😀 a\u00adb") == "U+00AD (soft hyphen)"
    assert forbidden_character("😀 \x1b") == "U+001B (control character)"
