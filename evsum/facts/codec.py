"""Plain-data forms of the model, for the cache: driven by the types' own annotations.

A named tuple or dataclass becomes a tuple of its fields' plain forms, a date
its ordinal; reading back checks every value against its annotation (type,
arity, enum choices) so that a damaged or forged entry is refused rather than
believed. Adding a field or a nested named tuple to the model needs no edit
here: each converter is generated from the class's annotations the first time
it is needed (as dataclasses generates ``__init__``), which keeps a warm run as
fast as hand-written conversion.

Enum choices come from an annotation ``Annotated[str, CHOICES]`` or
``Literal[...]`` where the model uses one, else from ``FIELD_CHOICES``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import types
import typing
from collections.abc import Callable, Collection
from typing import Any

from evsum.facts import vocabulary as voc

Converter = Callable[[Any], Any]

# Fields whose text is one of a vocabulary, as (class name, field name); a
# sequence field's items are checked. Used where the annotation does not say.
FIELD_CHOICES: dict[tuple[str, str], Collection[str]] = {
    ("Substance", "family"): voc.FAMILIES,
    ("Substance", "targets"): voc.PATHWAY_NODES,
    ("Substance", "routes"): voc.ROUTES,
    ("Source", "type"): voc.SOURCE_TYPES,
    ("Source", "status"): voc.SOURCE_STATUSES,
    ("Fact", "category"): voc.CATEGORIES,
    ("Fact", "design"): voc.DESIGNS,
    ("Fact", "population"): voc.POPULATIONS,
    ("Fact", "severity"): voc.SEVERITIES,
    ("Fact", "grade"): voc.GRADES,
    ("Fact", "pathway"): voc.PATHWAY_NODES,
    ("Value", "unit"): voc.UNITS,
    ("Timepoint", "unit"): voc.TIME_UNITS_HOURS,
}


class Damaged(ValueError):
    """A stored value does not have the shape of its type."""


def encoder(kind: Any) -> Converter:
    """A function turning a value of `kind` into plain data (tuples, lists, scalars)."""
    return _converter(kind, encode=True)


def decoder(kind: Any) -> Converter:
    """A function turning plain data back into `kind`; raises Damaged on any mismatch."""
    convert = _converter(kind, encode=False)

    def decode(data: Any) -> Any:
        try:
            return convert(data)
        except Damaged:
            raise
        except Exception as exc:  # anything a damaged value can provoke while converting
            raise Damaged(f"{type(exc).__name__}: {exc}") from None

    return decode


# --- generation ---------------------------------------------------------------------------


def _is_record(kind: Any) -> bool:
    return isinstance(kind, type) and (
        (issubclass(kind, tuple) and hasattr(kind, "_fields")) or dataclasses.is_dataclass(kind)
    )


@functools.cache
def _converter(kind: Any, encode: bool) -> Converter:
    if _is_record(kind):
        return _record(kind, encode)
    code = _Code(encode)
    body = code.emit(kind, "v", None)
    lines = ["def convert(v):", *body, "    return v"] if body else ["def convert(v):",
                                                                      "    return v"]
    return code.build(lines)


def _record(kind: type, encode: bool) -> Converter:
    hints = typing.get_type_hints(kind, include_extras=True)
    fields = getattr(kind, "_fields", None)
    names = list(fields) if fields is not None else [f.name for f in dataclasses.fields(kind)]
    code = _Code(encode)
    code.ns["_cls"] = kind
    variables = [f"f{i}" for i in range(len(names))]
    packed = "(" + "".join(f"{v}, " for v in variables) + ")"
    lines = ["def convert(v):"]
    if encode:
        if fields is not None:
            lines.append(f"    {packed} = v")
        else:
            lines += [f"    {var} = v.{name}" for var, name in zip(variables, names, strict=True)]
    else:
        lines += [f"    if v.__class__ is not tuple or len(v) != {len(names)}: raise _D",
                  f"    {packed} = v"]
    for var, name in zip(variables, names, strict=True):
        lines += code.emit(hints[name], var, FIELD_CHOICES.get((kind.__name__, name)))
    if encode:
        lines.append(f"    return {packed}")
    elif fields is not None:
        lines.append(f"    return _new(_cls, {packed})")
    else:
        lines.append(f"    return _cls({', '.join(variables)})")
    return code.build(lines)


class _Code:
    """Statements that check (decode) or convert one value in place, generated per type."""

    def __init__(self, encode: bool) -> None:
        self.encode = encode
        self.ns: dict[str, Any] = {"_D": Damaged, "_new": tuple.__new__,
                                   "_isfinite": math.isfinite, "_date": dt.date.fromordinal}
        self.counter = 0

    def name(self, value: Any) -> str:
        self.counter += 1
        key = f"_k{self.counter}"
        self.ns[key] = value
        return key

    def build(self, lines: list[str]) -> Converter:
        exec("\n".join(lines), self.ns)  # source generated above from the types alone
        function: Converter = self.ns["convert"]
        return function

    def emit(self, kind: Any, v: str, choices: Collection[str] | None, depth: int = 1
             ) -> list[str]:
        """Statements (indented `depth` levels) that check or convert the variable v."""
        pad = "    " * depth
        origin = typing.get_origin(kind)
        args = typing.get_args(kind)
        if origin is typing.Annotated:
            found = next((a for a in args[1:] if isinstance(a, (tuple, frozenset, set, dict))),
                         None)
            return self.emit(args[0], v, found if found is not None else choices, depth)
        if kind is Any:
            return []
        if origin is typing.Literal:
            return [] if self.encode else [f"{pad}if {v} not in {self.name(frozenset(args))}: "
                                           "raise _D"]
        if origin is typing.Union or origin is types.UnionType:
            others = [a for a in args if a is not type(None)]
            if len(others) == 1:
                inner = self.emit(others[0], v, choices, depth + 1)
                return [f"{pad}if {v} is not None:", *inner] if inner else []
            return self._union(args, v, pad)
        if kind in (str, int, bool):
            lines = [] if self.encode else [f"{pad}if {v}.__class__ is not {kind.__name__}: "
                                            "raise _D"]
            if choices is not None and not self.encode:
                lines.append(f"{pad}if {v} not in {self.name(frozenset(choices))}: raise _D")
            return lines
        if kind is float:
            return [] if self.encode else [
                f"{pad}if {v}.__class__ is not int and ({v}.__class__ is not float or "
                f"not _isfinite({v})): raise _D"]
        if kind is dt.date:
            return [f"{pad}{v} = {v}.toordinal()"] if self.encode else [
                f"{pad}if {v}.__class__ is not int: raise _D", f"{pad}{v} = _date({v})"]
        if _is_record(kind):
            return [f"{pad}{v} = {self.name(_converter(kind, self.encode))}({v})"]
        if origin in (tuple, list) and not (origin is tuple and (len(args) != 2
                                                                  or args[1] is not ...)):
            return self._sequence(origin, args[0], v, choices, pad, depth)
        if origin is tuple:
            return self._fixed(args, v, pad, depth)
        if origin is dict:
            return self._mapping(args, v, pad, depth)
        raise TypeError(f"the cache cannot store values of type {kind!r}")

    def _sequence(self, origin: type, item: Any, v: str, choices: Collection[str] | None,
                  pad: str, depth: int) -> list[str]:
        w = f"{v}_i"
        inner = self.emit(item, w, choices, depth + 1)
        make = origin.__name__
        lines = [] if self.encode else [f"{pad}if {v}.__class__ is not {make}: raise _D"]
        if _transforms(item):
            convert = self.name(_converter(item, self.encode))
            lines.append(f"{pad}{v} = {make}(map({convert}, {v}))")
        elif inner:
            lines += [f"{pad}for {w} in {v}:", *inner]
        elif self.encode:
            lines.append(f"{pad}{v} = {make}({v})")
        return lines

    def _fixed(self, args: tuple[Any, ...], v: str, pad: str, depth: int) -> list[str]:
        names = [f"{v}_{i}" for i in range(len(args))]
        packed = "(" + "".join(f"{n}, " for n in names) + ")"
        lines = [] if self.encode else [
            f"{pad}if {v}.__class__ is not tuple or len({v}) != {len(args)}: raise _D"]
        lines.append(f"{pad}{packed} = {v}")
        for name, item in zip(names, args, strict=True):
            lines += self.emit(item, name, None, depth)
        lines.append(f"{pad}{v} = {packed}")
        return lines

    def _mapping(self, args: tuple[Any, ...], v: str, pad: str, depth: int) -> list[str]:
        key, value = self.name(_converter(args[0], self.encode)), self.name(
            _converter(args[1], self.encode))
        lines = [] if self.encode else [f"{pad}if {v}.__class__ is not dict: raise _D"]
        lines.append(f"{pad}{v} = {{{key}(a): {value}(b) for a, b in {v}.items()}}")
        return lines

    def _union(self, args: tuple[Any, ...], v: str, pad: str) -> list[str]:
        """A union of several types: the first alternative that fits wins."""
        alternatives = [(a, _converter(a, self.encode)) for a in args]

        def convert(value: Any) -> Any:
            for kind, function in alternatives:
                if self.encode and not _fits(value, kind):
                    continue
                try:
                    return function(value)
                except Exception:  # noqa: BLE001 - try the next alternative
                    continue
            raise Damaged("no alternative of a union fits")

        return [f"{pad}{v} = {self.name(convert)}({v})"]


def _transforms(kind: Any) -> bool:
    """Whether converting a value of this type makes a new value (not only checks it)."""
    origin = typing.get_origin(kind)
    if origin is typing.Annotated:
        return _transforms(typing.get_args(kind)[0])
    if origin is typing.Union or origin is types.UnionType:
        others = [a for a in typing.get_args(kind) if a is not type(None)]
        return len(others) > 1 or _transforms(others[0])
    if kind in (str, int, bool, float) or kind is Any or origin is typing.Literal:
        return False
    return True


def _fits(value: Any, kind: Any) -> bool:
    origin = typing.get_origin(kind) or kind
    if origin is typing.Annotated:
        return _fits(value, typing.get_args(kind)[0])
    if kind is type(None):
        return value is None
    if origin is typing.Literal:
        return value in typing.get_args(kind)
    return isinstance(value, origin) if isinstance(origin, type) else True
