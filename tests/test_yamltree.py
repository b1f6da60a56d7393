"""The restricted YAML reader: what it keeps as text and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from evsum.facts.yamltree import Mapping, Scalar, Sequence, YamlProblem, load_tree, parse


def test_parse_keeps_scalars_as_text_with_their_lines() -> None:
    tree = parse("a: no\nb:\n  - 1.10\n  - 'x'\n")
    assert isinstance(tree, Mapping)
    line, node = tree.pairs["a"]
    assert (line, node) == (1, Scalar("no", 1, True))
    items = tree.pairs["b"][1]
    assert isinstance(items, Sequence)
    assert items.items == [Scalar("1.10", 3, True), Scalar("x", 4, False)]


@pytest.mark.parametrize(("text", "message", "line"), [
    ("a: 1\na: 2\n", "repeats the key 'a' (first on line 1)", 2),
    ("a: &x 1\nb: *x\n", "uses an anchor ('&x'); anchors are not allowed", 1),
    ("a: !!python/object:os.system 1\n",
     "uses the tag 'tag:yaml.org,2002:python/object:os.system'", 1),
    ("--- 1\n--- 2\n", "holds more than one YAML document (---)", 2),
    ("a: [1, 2\n", "is not valid YAML", 2),
    ("? [a]\n: 1\n", "has a mapping key that is not plain text", 1),
])
def test_parse_refuses(text: str, message: str, line: int) -> None:
    with pytest.raises(YamlProblem) as caught:
        parse(text)
    assert message in caught.value.message
    assert caught.value.line == line


def test_parse_refuses_deep_nesting() -> None:
    with pytest.raises(YamlProblem, match="nested deeper than 16 levels"):
        parse("[" * 40 + "]" * 40)


def test_parse_of_comment_only_text_is_none() -> None:
    assert parse("# nothing here\n") is None


@pytest.mark.parametrize(("data", "message", "line"), [
    (b"a: 1\n\xff\xfe\n", "is not valid UTF-8 (byte 0xff)", 2),
    (b"\xff\xfea\x00:\x00", "is encoded as UTF-16; save it as UTF-8", None),
    (b"a: 1\nb: \x00\n", "holds a NUL byte", 2),
])
def test_load_tree_refuses_bad_bytes(tmp_path: Path, data: bytes, message: str,
                                     line: int | None) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(data)
    with pytest.raises(YamlProblem) as caught:
        load_tree(path)
    assert message in caught.value.message
    assert caught.value.line == line


def test_load_tree_accepts_utf8_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: b\r\nc: d\r\n")
    tree = load_tree(path)
    assert isinstance(tree, Mapping)
    assert set(tree.pairs) == {"a", "c"}
    assert tree.pairs["c"][0] == 2


def test_load_tree_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(YamlProblem, match="is a directory"):
        load_tree(tmp_path)
