"""The cache's plain-data conversion follows the model's annotations, whatever they grow into."""

from __future__ import annotations

import datetime as dt
import inspect
import marshal
import types
import typing
from typing import Annotated, Any, Literal, NamedTuple

import pytest

from evsum.errors import Problem
from evsum.facts import codec, model


def sample(kind: Any, choices: Any = None) -> Any:
    """A value of every field of a type, nested records included, from annotations alone."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is Annotated:
        return sample(args[0], next(a for a in args[1:] if isinstance(a, (tuple, dict))))
    if origin is Literal:
        return args[0]
    if origin is typing.Union or origin is types.UnionType:
        return sample(next(a for a in args if a is not type(None)), choices)
    if origin is tuple:
        if len(args) == 2 and args[1] is ...:
            return (sample(args[0], choices),)
        return tuple(sample(a) for a in args)
    if origin is list:
        return [sample(args[0], choices)]
    if origin is dict:
        return {sample(args[0]): sample(args[1])}
    if kind is str:
        return next(iter(choices)) if choices else "text"
    if kind is bool:
        return True
    if kind is int:
        return 3
    if kind is float:
        return 2.5
    if kind is dt.date:
        return dt.date(2026, 1, 2)
    hints = typing.get_type_hints(kind, include_extras=True)
    return kind(**{name: sample(hint, codec.FIELD_CHOICES.get((kind.__name__, name)))
                   for name, hint in hints.items()})


MODEL = [cls for _, cls in inspect.getmembers(model, inspect.isclass)
         if cls.__module__ == model.__name__ and issubclass(cls, tuple)]


def round_trip(kind: Any, value: Any) -> Any:
    return codec.decoder(kind)(marshal.loads(marshal.dumps(codec.encoder(kind)(value))))


@pytest.mark.parametrize("kind", MODEL, ids=lambda c: c.__name__)
def test_every_model_record_round_trips_with_every_field_set(kind: type) -> None:
    value = sample(kind)
    assert round_trip(kind, value) == value
    assert round_trip(list[kind], [value, value]) == [value, value]  # type: ignore[valid-type]


def test_every_model_field_with_a_vocabulary_is_checked() -> None:
    fact = sample(model.Fact)
    plain = list(codec.encoder(model.Fact)(fact))
    plain[model.Fact._fields.index("design")] = "preblinical"  # one flipped bit, once a KeyError
    with pytest.raises(codec.Damaged):
        codec.decoder(model.Fact)(tuple(plain))


# A model grown as the fact model is growing: nested records, counts, where-read, enums.
class Read(NamedTuple):
    url: str
    kind: Literal["publisher", "pmc", "pubmed", "label"]
    page: int | None = None


class Counts(NamedTuple):
    events: int
    total: int


class Disputed(NamedTuple):
    note: str
    others: tuple[str, ...]


class Grown(NamedTuple):
    id: str
    checked: dt.date
    read: Read
    value: model.Value | None
    better: Annotated[str, ("lower", "higher")]
    arms: tuple[Counts, ...]
    disputed: Disputed | None = None
    margin: float | None = None
    interval: tuple[float, float] | None = None
    extra: dict[str, int] = {}
    flags: list[bool] = []
    either: int | str = 0
    anything: Any = None


GROWN = Grown("g.x", dt.date(2026, 1, 2), Read("https://example.org", "pmc", 4),
              model.Value(-6.6, "points", (-10.2, -2.9), None, "<0.001"), "lower",
              (Counts(35, 152), Counts(20, 150)), Disputed("Differs.", ("a.b.c",)), 1.5,
              (0.5, 2), {"k": 1}, [True], "text", ("any", 1))


def test_a_grown_model_round_trips_without_an_edit_to_the_cache() -> None:
    assert round_trip(Grown, GROWN) == GROWN
    assert round_trip(tuple[Grown, ...], (GROWN, GROWN._replace(disputed=None))) == (
        GROWN, GROWN._replace(disputed=None))
    assert round_trip(Problem, Problem("f.yaml", None, "x", "y")) == Problem("f.yaml", None,
                                                                             "x", "y")


def damaged(path: tuple[int, ...], value: Any) -> Any:
    plain = codec.encoder(Grown)(GROWN)

    def put(node: Any, rest: tuple[int, ...]) -> Any:
        if not rest:
            return value
        items = list(node)
        items[rest[0]] = put(items[rest[0]], rest[1:])
        return type(node)(items)

    return put(plain, path)


@pytest.mark.parametrize(("path", "value"), [
    ((0,), None),  # text missing
    ((0,), 7),  # a number for text
    ((1,), "2026-01-02"),  # a date not as its ordinal
    ((1,), 0),  # no such day
    ((1,), True),  # a boolean for a number
    ((2, 1), "blog"),  # a kind outside the Literal
    ((2,), ("https://example.org", "pmc")),  # a record cut short
    ((2,), ["https://example.org", "pmc", 4]),  # a list for a record
    ((3, 0), "-6.6"),  # text for a number
    ((3, 0), float("nan")),
    ((3, 0), float("inf")),
    ((3, 1), "percent"),  # a unit outside the vocabulary (FIELD_CHOICES)
    ((3, 2), (-10.2,)),  # a pair of one
    ((4,), "worse"),  # outside Annotated choices
    ((5,), [(35, 152)]),  # a list for a tuple
    ((5, 0), (35, "152")),
    ((6, 1), ("a.b.c", None)),
    ((9,), {"k": "1"}),
    ((9,), {1: 1}),
    ((10,), [1]),
    ((11,), 1.5),  # in no alternative of the union
], ids=repr)
def test_any_damage_to_a_grown_model_is_refused(path: tuple[int, ...], value: Any) -> None:
    with pytest.raises(codec.Damaged):
        codec.decoder(Grown)(damaged(path, value))


def test_an_annotation_the_cache_cannot_hold_is_said_at_once() -> None:
    class Odd(NamedTuple):
        items: set[str]

    with pytest.raises(TypeError, match="cannot store values of type"):
        codec.encoder(Odd)


@pytest.mark.parametrize("kind", [*MODEL, Problem, Grown, Read, Counts, Disputed],
                         ids=lambda c: c.__name__)
def test_annotations_are_read_as_typing_reads_them(kind: type) -> None:
    # The codec reads annotation text itself: typing would compile each one, at a cost.
    assert codec._hints(kind) == typing.get_type_hints(kind, include_extras=True)


def test_a_value_the_cache_cannot_hold_is_only_not_cached(tmp_path: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from evsum.facts.cache import Cache
    from evsum.facts.loader import load_knowledge_base

    from .conftest import FIXTURE_KB

    real = codec.encoder

    def refusing(kind: Any) -> Any:
        if kind is model.Fact or typing.get_args(kind) == (model.Fact, ...):
            raise TypeError("the cache cannot store values of type Fact")
        return real(kind)

    monkeypatch.setattr(codec, "encoder", refusing)
    kb, problems = load_knowledge_base([FIXTURE_KB], include_bundled=False,
                                       cache=Cache(tmp_path / "cache"))
    assert problems == [] and len(kb.facts) == 7
    assert list((tmp_path / "cache" / "evsum-v2" / "kb").iterdir()) == []
