"""A safe YAML reader: a plain tree of scalars, sequences and mappings with lines.

PyYAML's own constructors resolve YAML 1.1 types (``no`` becomes False), keep
the last of duplicate keys, expand aliases and follow tags. Fact files come
from strangers, so this module builds the tree from the parser's events and
refuses everything the format does not need: anchors and aliases, tags,
duplicate keys, several documents, deep nesting, oversized files. Scalars stay
text; the schema decides what each one means.
"""

from __future__ import annotations

import codecs
import functools
import os
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evsum.text import describe

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 16
MAX_NODES = 250_000  # values in one file; enough for 5,000 facts, stops a flood early


@dataclass(slots=True)
class Scalar:
    value: str
    line: int
    plain: bool  # written without quotes, so YAML 1.1 would resolve its type


@dataclass(slots=True)
class Sequence:
    items: list[Node]
    line: int


@dataclass(slots=True)
class Mapping:
    pairs: dict[str, tuple[int, Node]] = field(default_factory=dict)  # key -> (key line, value)
    line: int = 0


Node = Scalar | Sequence | Mapping


class YamlProblem(Exception):
    """The file cannot be read as the restricted YAML of fact files."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


try:  # libyaml's parser is several times faster; the pure one is the fallback
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


# Opened without following a last link (the path is resolved first), without
# blocking on a pipe that appeared meanwhile, and never as a controlling terminal.
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
               | getattr(os, "O_BINARY", 0))
KERNEL_FOLDERS = ("/proc", "/sys")


@functools.cache
def _kernel_devices() -> frozenset[int]:
    devices = set()
    for folder in KERNEL_FOLDERS:
        try:
            devices.add(os.stat(folder).st_dev)
        except OSError:
            continue
    return frozenset(devices)


def _refuse_special(real: str, st: os.stat_result) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise YamlProblem("is a directory, not a fact file")
    if not stat.S_ISREG(st.st_mode):  # a pipe or device would block or never end
        raise YamlProblem("is not a regular file (a pipe, socket or device)")
    # Files of the kernel look regular, but reading one may block or consume
    # (/proc/kmsg), and none is a fact file.
    if st.st_dev in _kernel_devices() or real.startswith(tuple(f + os.sep
                                                              for f in KERNEL_FOLDERS)):
        raise YamlProblem("is a kernel file (/proc, /sys), not a fact file")


def read_text(path: Path) -> str:
    """Read a fact file as UTF-8 text, refusing what is not."""
    try:
        real = os.path.realpath(path)
        _refuse_special(real, os.stat(real))  # devices are named, never opened
        fd = os.open(real, _OPEN_FLAGS)
        try:
            _refuse_special(real, os.fstat(fd))  # what was opened, if it changed meanwhile
            chunks, size = [], 0
            while size <= MAX_FILE_BYTES:
                chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            data = b"".join(chunks)
        finally:
            os.close(fd)
    except IsADirectoryError:
        raise YamlProblem("is a directory, not a fact file") from None
    except PermissionError:
        raise YamlProblem("cannot be read: permission denied") from None
    except OSError as exc:
        raise YamlProblem(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise YamlProblem(f"is larger than the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit")
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if data.startswith(bom):
            raise YamlProblem(f"is encoded as {name}; save it as UTF-8")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    nul = data.find(b"\x00")
    if nul >= 0:
        raise YamlProblem("holds a NUL byte: binary data, not YAML", data.count(b"\n", 0, nul) + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise YamlProblem(f"is not valid UTF-8 (byte 0x{data[exc.start]:02x})", line) from None


def parse(text: str) -> Node | None:
    """Parse one YAML document into a tree; None for a file with no document."""
    stack: list[Sequence | Mapping] = []
    pending_key: list[tuple[str, int] | None] = []
    root: Node | None = None
    documents = 0
    loader = _Loader(text)
    try:
        get_event = loader.get_event  # one call per event: the hot loop of a cold run
        count = 0
        while True:
            event = get_event()
            kind = type(event)
            count += 1
            if count > MAX_NODES:
                raise YamlProblem(f"holds more than {MAX_NODES} values; split it into "
                                  "smaller files", event.start_mark.line + 1)
            if kind is yaml.ScalarEvent:
                line = event.start_mark.line + 1
                if event.anchor is not None:
                    _refuse_anchor(event.anchor, line)
                tag = event.tag
                if tag is not None and tag != "!" and tag != "tag:yaml.org,2002:str":
                    raise YamlProblem(f"uses the tag {describe(tag)}; tags are not allowed",
                                      line)
                scalar = Scalar(event.value, line, not event.style and tag is None)
                if not stack:
                    root = scalar
                elif type(stack[-1]) is Sequence:  # inlined _attach: the commonest cases
                    stack[-1].items.append(scalar)
                elif pending_key[-1] is not None:
                    key, key_line = pending_key[-1]
                    stack[-1].pairs[key] = (key_line, scalar)  # type: ignore[union-attr]
                    pending_key[-1] = None
                else:
                    _attach(stack, pending_key, scalar)
            elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                node: Node = stack.pop()
                pending_key.pop()
                if stack:
                    _attach(stack, pending_key, node)
                else:
                    root = node
            elif kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
                line = event.start_mark.line + 1
                if event.anchor is not None:
                    _refuse_anchor(event.anchor, line)
                if event.tag is not None and event.tag != "!":
                    raise YamlProblem(f"uses the tag {describe(event.tag)}; tags are not "
                                      "allowed", line)
                if len(stack) >= MAX_DEPTH:
                    raise YamlProblem(f"is nested deeper than {MAX_DEPTH} levels", line)
                stack.append(Sequence([], line) if kind is yaml.SequenceStartEvent
                             else Mapping({}, line))
                pending_key.append(None)
            elif kind is yaml.AliasEvent:
                raise YamlProblem("uses an alias (*name); aliases are not allowed",
                                  event.start_mark.line + 1)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlProblem("holds more than one YAML document (---)",
                                      event.start_mark.line + 1)
            elif kind is yaml.StreamEndEvent:
                break
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlProblem(
            f"is not valid YAML: {describe(problem, 120)}", mark.line + 1 if mark else None
        ) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow in a stream
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        # libyaml counts bytes of the UTF-8 text; the pure-Python reader counts characters
        if _Loader is yaml.SafeLoader:
            line = text.count("\n", 0, exc.position) + 1
        else:
            line = text.encode("utf-8", "surrogatepass").count(b"\n", 0, exc.position) + 1
        kind_name = "control character" if unicodedata.category(chr(code)) == "Cc" \
            else "character"
        raise YamlProblem(f"holds the {kind_name} U+{code:04X}, which YAML does not allow",
                          line) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"is not valid YAML: {describe(str(exc), 120)}") from None
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose is not None:
            dispose()
    return root


def _refuse_anchor(anchor: str, line: int) -> None:
    raise YamlProblem(f"uses an anchor ({describe('&' + anchor)}); anchors are not allowed",
                      line)


def _attach(
    stack: list[Sequence | Mapping], pending_key: list[tuple[str, int] | None], node: Node
) -> None:
    parent = stack[-1]
    if isinstance(parent, Sequence):
        parent.items.append(node)
        return
    key = pending_key[-1]
    if key is None:
        if not isinstance(node, Scalar):
            raise YamlProblem("has a mapping key that is not plain text", node.line)
        if node.value in parent.pairs:
            first = parent.pairs[node.value][0]
            raise YamlProblem(
                f"repeats the key {describe(node.value)} (first on line {first})", node.line
            )
        pending_key[-1] = (node.value, node.line)
        return
    parent.pairs[key[0]] = (key[1], node)
    pending_key[-1] = None


def load_tree(path: Path) -> Node | None:
    """Read and parse one fact file."""
    return parse(read_text(path))
