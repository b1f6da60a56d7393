"""Plain-data forms of the model, for the cache: driven by the types' own annotations.

A named tuple or dataclass becomes a tuple of its fields' plain forms, a date
its ordinal; reading back checks every value against its annotation (type,
arity, enum choices) so that a damaged or forged entry is refused rather than
believed. Adding a field or a nested named tuple to the model needs no edit
here: each converter is composed from the class's annotations the first time
it is needed (closures, not generated source: compiling costs a warm run more
than it saves).

Enum choices come from an annotation ``Annotated[str, CHOICES]`` or
``Literal[...]`` where the model uses one, else from ``FIELD_CHOICES``.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
import functools
import math
import re
import sys
import types
import typing
from collections.abc import Callable, Collection
from typing import Any, NoReturn

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
    ("Fact", "analysis"): voc.ANALYSES,
    ("Fact", "contrast"): voc.CONTRASTS,
    ("Fact", "hypothesis"): voc.HYPOTHESES,
    ("Fact", "better"): voc.DIRECTIONS,
    ("Value", "unit"): voc.UNITS,
    ("Comparator", "kind"): voc.COMPARATOR_KINDS,
    ("Margin", "unit"): voc.UNITS,
    ("Reading", "kind"): voc.READ_KINDS,
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


# --- composition --------------------------------------------------------------------------


def _is_record(kind: Any) -> bool:
    return isinstance(kind, type) and (
        (issubclass(kind, tuple) and hasattr(kind, "_fields")) or dataclasses.is_dataclass(kind)
    )


def _same(value: Any) -> Any:
    return value


def _refuse(value: Any = None) -> NoReturn:
    raise Damaged("a value does not have the shape of its type")


@functools.cache
def _converter(kind: Any, encode: bool, choices: frozenset[str] | None = None) -> Converter:
    """The converter of one type; choices: the text values allowed, where a vocabulary says."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is typing.Annotated:
        found = next((a for a in args[1:] if isinstance(a, (tuple, frozenset, set, dict))), None)
        return _converter(args[0], encode, frozenset(found) if found is not None else choices)
    if kind is Any:
        return _same
    if origin is typing.Literal:
        return _same if encode else _member(frozenset(args), None)
    if origin is typing.Union or origin is types.UnionType:
        others = tuple(a for a in args if a is not type(None))
        if len(others) == 1:
            return _optional(_converter(others[0], encode, choices), _transforms(others[0]),
                             encode)
        return _union(args, encode)
    if kind in (str, int, bool):
        if encode:
            return _same
        return _member(choices, kind) if choices is not None else _exactly(kind)
    if kind is float:
        return _same if encode else _number
    if kind is dt.date:
        return _date_out if encode else _date_in
    if _is_record(kind):
        return _record(kind, encode)
    if origin in (tuple, list) and not (origin is tuple and (len(args) != 2
                                                              or args[1] is not ...)):
        return _sequence(origin, args[0], encode, choices)
    if origin is tuple:
        return _fixed(args, encode)
    if origin is dict:
        return _mapping(args, encode)
    raise TypeError(f"the cache cannot store values of type {kind!r}")


def _exactly(kind: type) -> Converter:
    def check(value: Any) -> Any:
        if value.__class__ is not kind:
            _refuse()
        return value

    return check


def _member(choices: frozenset[Any], kind: type | None) -> Converter:
    def check(value: Any) -> Any:
        if (kind is not None and value.__class__ is not kind) or value not in choices:
            _refuse()
        return value

    return check


def _number(value: Any) -> Any:
    kind = value.__class__
    if kind is not int and (kind is not float or not math.isfinite(value)):
        _refuse()
    return value


def _date_out(value: dt.date) -> int:
    return value.toordinal()


def _date_in(value: Any) -> dt.date:
    if value.__class__ is not int:
        _refuse()
    return dt.date.fromordinal(value)


def _optional(inner: Converter, transforms: bool, encode: bool) -> Converter:
    if encode and not transforms:
        return _same

    def convert(value: Any) -> Any:
        return None if value is None else inner(value)

    return convert


def _record(kind: type, encode: bool) -> Converter:
    hints = _hints(kind)
    fields = getattr(kind, "_fields", None)
    names = list(fields) if fields is not None else [f.name for f in dataclasses.fields(kind)]

    def choices(name: str) -> frozenset[str] | None:
        found = FIELD_CHOICES.get((kind.__name__, name))
        return frozenset(found) if found is not None else None

    converters = tuple(_converter(hints[name], encode, choices(name)) for name in names)
    size = len(names)
    if encode:
        # Only the fields that change need a call: most are text or numbers as they are.
        changing = tuple((i, c) for i, c in enumerate(converters) if c is not _same)
        if fields is None:
            def to_plain(value: Any) -> Any:
                items = [getattr(value, name) for name in names]
                for index, convert in changing:
                    items[index] = convert(items[index])
                return tuple(items)

            return to_plain

        def to_tuple(value: Any) -> Any:
            items = list(value)
            for index, convert in changing:
                items[index] = convert(items[index])
            return tuple(items)

        return to_tuple
    make: Callable[[list[Any]], Any] = (functools.partial(tuple.__new__, kind)
                                        if fields is not None else lambda items: kind(*items))
    # Fields of plain text, whole numbers or flags (or None) are checked in one loop
    # here: a call per field would double the cost of a warm run's decoding.
    plain: list[tuple[int, type, bool]] = []
    calls: list[tuple[int, Converter]] = []
    for index, name in enumerate(names):
        hint, field_choices = hints[name], choices(name)
        base, optional = _plain_type(hint)
        if base is not None and field_choices is None:
            plain.append((index, base, optional))
        else:
            calls.append((index, converters[index]))

    def from_plain(value: Any) -> Any:
        if value.__class__ is not tuple or len(value) != size:
            _refuse()
        for index, base, optional in plain:
            item = value[index]
            if item.__class__ is not base and not (optional and item is None):
                _refuse()
        items = list(value)
        for index, convert in calls:
            items[index] = convert(items[index])
        return make(items)

    return from_plain


_TOKEN = re.compile(r"\s*(?:(\.\.\.)|([A-Za-z_][\w.]*)|'([^'\\]*)'|\"([^\"\\]*)\"|(-?\d+)"
                    r"|([\[\],|]))")


def _hints(kind: type) -> dict[str, Any]:
    """The class's field annotations, evaluated.

    Annotations are text here (``from __future__ import annotations``);
    typing.get_type_hints would compile each one, and a first compile costs a
    warm run more than all its decoding. The annotation grammar is small
    (names, ``X | Y``, ``X[A, B]``, ``...``, string and number literals), so it
    is read here, with get_type_hints for anything else.
    """
    names = {**vars(builtins), **vars(sys.modules[kind.__module__])}
    hints: dict[str, Any] = {}
    for klass in reversed(kind.__mro__):
        for name, text in vars(klass).get("__annotations__", {}).items():
            if isinstance(text, typing.ForwardRef):  # how NamedTuple keeps text annotations
                text = text.__forward_arg__
            try:
                hints[name] = _evaluate(text, names) if isinstance(text, str) else text
            except (ValueError, KeyError, TypeError, AttributeError):
                return typing.get_type_hints(kind, include_extras=True)
    return hints


def _evaluate(text: str, names: dict[str, Any]) -> Any:
    tokens: list[tuple[str, Any]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(text)
        position = match.end()
        dots, name, single, double, number, mark = match.groups()
        if dots:
            tokens.append(("value", ...))
        elif name:
            tokens.append(("name", name))
        elif single is not None or double is not None:
            tokens.append(("value", single if single is not None else double))
        elif number:
            tokens.append(("value", int(number)))
        else:
            tokens.append((mark, mark))
    value, rest = _union_of(tokens, names)
    if rest:
        raise ValueError(text)
    return value


def _union_of(tokens: list[tuple[str, Any]], names: dict[str, Any]) -> tuple[Any, list[Any]]:
    value, tokens = _term(tokens, names)
    while tokens and tokens[0][0] == "|":
        other, tokens = _term(tokens[1:], names)
        value = value | other
    return value, tokens


def _term(tokens: list[tuple[str, Any]], names: dict[str, Any]) -> tuple[Any, list[Any]]:
    kind, text = tokens[0]
    if kind == "value":
        value = text
    elif kind == "name":
        first, *attributes = text.split(".")
        value = None if first == "None" else names[first]
        for attribute in attributes:
            value = getattr(value, attribute)
    else:
        raise ValueError(text)
    tokens = tokens[1:]
    if tokens and tokens[0][0] == "[":
        arguments = []
        tokens = tokens[1:]
        while tokens[0][0] != "]":
            argument, tokens = _union_of(tokens, names)
            arguments.append(argument)
            if tokens[0][0] == ",":
                tokens = tokens[1:]
        tokens = tokens[1:]
        value = value[arguments[0] if len(arguments) == 1 else tuple(arguments)]
    return value, tokens


def _plain_type(kind: Any) -> tuple[type | None, bool]:
    """(str, int or bool; whether None is allowed) for a plain field, else (None, False)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    optional = False
    if origin is typing.Union or origin is types.UnionType:
        others = [a for a in args if a is not type(None)]
        if len(others) != 1:
            return None, False
        kind, optional = others[0], True
    return (kind, optional) if kind in (str, int, bool) else (None, False)


def _sequence(origin: Any, item: Any, encode: bool, choices: frozenset[str] | None
              ) -> Converter:
    convert_item = _converter(item, encode, choices)
    if encode:
        if not _transforms(item):
            copy: Converter = origin  # tuple(x) or list(x)
            return copy

        def to_plain(value: Any) -> Any:
            return origin(map(convert_item, value))

        return to_plain
    if item in (str, int, bool) and choices is None:
        def check(value: Any) -> Any:
            if value.__class__ is not origin:
                _refuse()
            for element in value:
                if element.__class__ is not item:
                    _refuse()
            return value

        return check

    def from_plain(value: Any) -> Any:
        if value.__class__ is not origin:
            _refuse()
        return origin(map(convert_item, value))

    return from_plain


def _fixed(args: tuple[Any, ...], encode: bool) -> Converter:
    converters = tuple(_converter(a, encode) for a in args)
    size = len(args)

    def convert(value: Any) -> Any:
        if not encode and (value.__class__ is not tuple or len(value) != size):
            _refuse()
        return tuple(c(item) for c, item in zip(converters, value, strict=True))

    return convert


def _mapping(args: tuple[Any, ...], encode: bool) -> Converter:
    key, item = _converter(args[0], encode), _converter(args[1], encode)

    def convert(value: Any) -> Any:
        if not encode and value.__class__ is not dict:
            _refuse()
        return {key(k): item(v) for k, v in value.items()}

    return convert


def _union(args: tuple[Any, ...], encode: bool) -> Converter:
    """A union of several types: the first alternative that fits wins."""
    alternatives = [(a, _converter(a, encode)) for a in args]

    def convert(value: Any) -> Any:
        for kind, function in alternatives:
            if encode and not _fits(value, kind):
                continue
            try:
                return function(value)
            except Exception:  # noqa: BLE001 - try the next alternative
                continue
        raise Damaged("no alternative of a union fits")

    return convert


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
