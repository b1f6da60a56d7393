"""Author lists: the curated Vancouver text parsed once into structured names.

The text stays as curators write it, in the form PubMed and the Vancouver
style print ("Zarate CA Jr, Singh JB, et al."); this module reads it into
names that citation formats need: family, initials, suffix, a corporate
author's literal name, and where the list was cut short ("et al.").

Grammar (docs/fact-format.md, "Authors"):

- entries are separated by ',' or ';';
- a personal name is one or more family-name words, then the initials as
  one word of capital letters (up to 4), then an optional suffix (Jr, Sr, II,
  III, IV);
- a corporate author is written whole in braces: ``{Johnson & Johnson}``; its
  commas belong to it;
- ``et al.`` stands for the authors left out.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

SUFFIXES = ("Jr", "Sr", "II", "III", "IV")
ET_AL = "et al."
_MAX_INITIALS = 4
_FAMILY_WORD = re.compile(r"^[^\W\d_][\w'’.-]*$")


class Name(NamedTuple):
    """One author: a person (family, initials, suffix), a corporate body, or et al."""

    family: str = ""
    initials: str = ""  # 'CA': Vancouver initials, one letter each
    suffix: str = ""
    literal: str = ""  # a corporate author's whole name
    others: bool = False  # stands for the authors left out ("et al.")

    @property
    def given(self) -> str:
        """'CA' -> 'C. A.': the form BibTeX, CSL and RIS read as two initials."""
        return " ".join(f"{letter}." for letter in self.initials)

    @property
    def is_person(self) -> bool:
        return not self.literal and not self.others

    @property
    def short(self) -> str:
        """What a cell names: the family name, or the corporate name."""
        return self.literal or self.family or ET_AL


class AuthorError(ValueError):
    """An author list that cannot be read; the message says which entry and why."""


def _split(text: str) -> list[str]:
    """Split on ',' and ';' outside braces; an unbalanced brace is an error."""
    entries: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                raise AuthorError("has a '}' with no '{' before it")
        if char in ",;" and depth == 0:
            entries.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth:
        raise AuthorError("has a '{' that is never closed")
    entries.append("".join(current))
    return [e.strip() for e in entries]


def _person(entry: str) -> Name:
    words = entry.split()
    suffix = ""
    if len(words) > 2 and words[-1].rstrip(".") in SUFFIXES:
        suffix = words.pop().rstrip(".")
    if len(words) < 2:
        raise AuthorError(f"'{entry}' is not 'Family INITIALS' (e.g. 'Zarate CA Jr'); "
                          "write a corporate author in braces: '{Johnson & Johnson}'")
    initials = words[-1]
    if not (initials.isalpha() and initials.isupper() and len(initials) <= _MAX_INITIALS):
        raise AuthorError(f"'{entry}' does not end in initials (up to {_MAX_INITIALS} capital "
                          "letters, e.g. 'Zarate CA Jr'); write a corporate author in braces: "
                          "'{Johnson & Johnson}'")
    family = words[:-1]
    for word in family:
        if not _FAMILY_WORD.match(word):
            raise AuthorError(f"'{entry}': {word!r} is not part of a family name")
    return Name(family=" ".join(family), initials=initials, suffix=suffix)


@functools.lru_cache(maxsize=4096)
def parse_authors(text: str) -> tuple[Name, ...]:
    """'Zarate CA Jr, Singh JB, et al.' -> the names; AuthorError when it cannot be read."""
    names: list[Name] = []
    for entry in _split(text):
        if not entry:
            raise AuthorError("has an empty entry (two separators in a row, or one at an end)")
        if entry.rstrip(".").lower() in ("et al", "and others"):
            if names and names[-1].others:
                raise AuthorError("has 'et al.' twice in a row")
            names.append(Name(others=True))
        elif entry.startswith("{"):
            if not entry.endswith("}") or entry.count("{") != 1 or entry.count("}") != 1:
                raise AuthorError(f"'{entry}': a corporate author is one name in braces, "
                                  "with nothing outside them")
            literal = " ".join(entry[1:-1].split())
            if not literal:
                raise AuthorError("has empty braces")
            names.append(Name(literal=literal))
        elif "{" in entry or "}" in entry:
            raise AuthorError(f"'{entry}': braces go around a whole corporate author")
        else:
            names.append(_person(entry))
    if all(n.others for n in names):
        raise AuthorError("names no author")
    return tuple(names)


def leading(names: tuple[Name, ...]) -> tuple[tuple[Name, ...], bool]:
    """The names before the first 'et al.' and whether any were left out.

    Formats without a way to mark a gap (BibTeX, CSL, RIS) get the names in
    their order up to the gap, then 'et al.': a name after the gap (a last
    author kept by the curator) would otherwise read as the next author.
    """
    for i, name in enumerate(names):
        if name.others:
            return names[:i], True
    return names, False
