"""Fact folders from strangers: whatever they hold, evsum answers with a clear error.

Every file under tests/data/hostile/ starts with `# expect: <text>` (the first
problem line, right after the file name when <text> starts with ':', anywhere
on that line otherwise) or `# expect-valid` (the file must load). Binary and
huge inputs, and the ones git could rewrite (BOMs, CR line endings), are made
here at test time from small generators instead of being committed.

Each case goes through `evsum validate FILE` and, alone in a folder, through
`evsum --no-bundled --facts-dir DIR list`, in-process: documented exit code,
the expected first problem line with the file name, no traceback, no raw
control character in anything evsum prints, and bounds on time (a hang guard,
not a benchmark) and traced memory. `pytest -s` prints the costliest case.
"""

from __future__ import annotations

import codecs
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from evsum.errors import EXIT_INVALID_FACTS, EXIT_OK
from evsum.facts.loader import display_path, parse_file
from evsum.facts.yamltree import MAX_FILE_BYTES
from evsum.text import forbidden_character

from .conftest import DATA, Result, Run

HOSTILE = DATA / "hostile"
CORPUS = sorted(HOSTILE.glob("*.yaml"))
TIME_LIMIT = 5.0  # seconds per command: a hang guard
MEMORY_LIMIT = 200 * 1024 * 1024  # tracemalloc peak per command
SCRIPT_MEMORY_CAP = 1024 * 1024 * 1024  # address space of the console script in a subprocess
PWNED = Path("/tmp/evsum-hostile-pwned")  # what the !!python payloads in the corpus would write
# A crash, evsum's own bug report, or PyYAML's name for an in-memory stream: nothing a
# user of a clear error message should see.
INTERNAL_NOISE = ("Traceback", "internal error", "<unicode string>")


# --- the cases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    expect: str | None  # None: the file must load
    build: Callable[[], bytes]
    also: tuple[str, ...] = ()  # more text the first problem line must hold

    def __str__(self) -> str:
        return self.name


def _corpus_case(path: Path) -> Case:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8")
    if first == "# expect-valid":
        return Case(path.stem, None, path.read_bytes)
    assert first.startswith("# expect: "), f"{path.name}: no '# expect:' first line"
    return Case(path.stem, first.removeprefix("# expect: "), path.read_bytes)


def _base() -> bytes:
    """A valid self-contained fact file; its claim is on line 21, its last line is 27."""
    return (HOSTILE / "valid-minimal.yaml").read_bytes()


def _with_claim(claim: bytes) -> bytes:
    base = _base()
    assert base.count(b"claim: A claim.") == 1
    return base.replace(b"claim: A claim.", b"claim: " + claim)


def _after_multibyte_lines(data: bytes) -> bytes:
    """Twenty comment lines of two-byte characters after the first line: lines move by 20."""
    first, rest = data.split(b"\n", 1)
    return first + b"\n" + ("# " + "\u00e9" * 40 + "\n").encode() * 20 + rest


def _facts_list(count: int) -> bytes:
    return b"facts:\n" + b"  - x\n" * count


def _size_limit_flow_list() -> bytes:
    """As many nodes as fit under the size limit: two million one-letter items."""
    head, tail = b"facts: [", b"]\n"
    items = (MAX_FILE_BYTES - len(head) - len(tail)) // 2
    data = head + b"a," * items + tail
    assert len(data) <= MAX_FILE_BYTES
    return data


def _problem_amplifier(facts: int) -> bytes:
    """Small file, many problems: 64 bad pathway nodes and 8 missing fields per fact."""
    return b"facts:\n" + (b"  - pathway: [" + b"x," * 64 + b"]\n") * facts


GENERATED = [
    # empty and blank
    Case("empty-0-bytes", ": is empty;", lambda: b""),
    Case("whitespace-only", ": is empty;", lambda: b"   \n\n      \n \n"),
    Case("utf8-bom-only", ": is empty;", lambda: codecs.BOM_UTF8),
    # encodings and line endings
    Case("utf8-bom-valid", None, lambda: codecs.BOM_UTF8 + _base()),
    Case("crlf-line-endings", None, lambda: _base().replace(b"\n", b"\r\n")),
    Case("cr-line-endings", None, lambda: _base().replace(b"\n", b"\r")),
    Case("lone-cr-inside-quoted-claim", None, lambda: _with_claim(b'"A\rclaim."')),
    Case("utf16-le-bom", ": is encoded as UTF-16; save it as UTF-8",
         lambda: codecs.BOM_UTF16_LE + _base().decode().encode("utf-16-le")),
    Case("utf16-be-bom", ": is encoded as UTF-16; save it as UTF-8",
         lambda: codecs.BOM_UTF16_BE + _base().decode().encode("utf-16-be")),
    Case("utf32-le-bom", ": is encoded as UTF-32; save it as UTF-8",
         lambda: codecs.BOM_UTF32_LE + _base().decode().encode("utf-32-le")),
    Case("utf32-be-bom", ": is encoded as UTF-32; save it as UTF-8",
         lambda: codecs.BOM_UTF32_BE + _base().decode().encode("utf-32-be")),
    Case("utf16-no-bom", ":1: holds a NUL byte: binary data, not YAML",
         lambda: _base().decode().encode("utf-16-le")),
    Case("nul-byte-in-claim", ":21: holds a NUL byte: binary data, not YAML",
         lambda: _with_claim(b"A\x00claim.")),
    Case("invalid-utf8", ":21: is not valid UTF-8 (byte 0xff)",
         lambda: _with_claim(b"A \xff\xfe.")),
    Case("utf8-encoded-surrogate", ":21: is not valid UTF-8 (byte 0xed)",
         lambda: _with_claim(b"A \xed\xa0\x80 claim.")),
    Case("latin1-text", ":21: is not valid UTF-8 (byte 0xe9)", lambda: _with_claim(b"Caf\xe9.")),
    Case("utf8-truncated-at-end", ":28: is not valid UTF-8 (byte 0xe2)",
         lambda: _base() + b"    note: dash \xe2\x80"),
    # binary data
    Case("binary-random", "holds a NUL byte: binary data, not YAML",
         lambda: random.Random(20260101).randbytes(8192)),
    Case("binary-png-header", ":1: is not valid UTF-8 (byte 0x89)",
         lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(1, 256)) * 4),
    Case("binary-elf-header", ":1: holds a NUL byte", lambda: b"\x7fELF\x02\x01\x01\x00" * 64),
    # raw control characters in the bytes (the corpus writes them as YAML escapes)
    Case("raw-escape-in-claim", ":21: ", lambda: _with_claim(b'"Red \x1b[31mALERT\x1b[0m"'),
         also=("control character",)),
    Case("raw-osc8-hyperlink-in-claim", ":21: ",
         lambda: _with_claim(b'"\x1b]8;;http://x\x1b\\click\x1b]8;;\x1b\\"'),
         also=("control character",)),
    Case("raw-c1-csi-in-claim", ":21: ", lambda: _with_claim("\"A \x9b31m claim\"".encode()),
         also=("control character",)),
    Case("raw-delete-in-claim", ":21: ", lambda: _with_claim(b'"A \x7f claim."'),
         also=("control character",)),
    Case("raw-escape-after-multibyte-text", ":41: ", lambda: _after_multibyte_lines(
         _with_claim(b'"Red \x1b[31mALERT\x1b[0m"')), also=("control character",)),
    Case("raw-bidi-override-in-claim",
         ":21: facts[0].claim: contains the control character U+202E (right-to-left override)",
         lambda: _with_claim("Dose \u202e01 gm\u202c daily".encode())),
    Case("raw-bidi-isolate-in-claim",
         ":21: facts[0].claim: contains the control character U+2066 (left-to-right isolate)",
         lambda: _with_claim("A \u2066claim\u2069.".encode())),
    # huge inputs
    Case("huge-scalar-over-size-limit", f": is larger than the {MAX_FILE_BYTES // 2**20} MiB limit",
         lambda: _with_claim(b"a" * (MAX_FILE_BYTES + 1))),
    Case("huge-file-of-comments", f": is larger than the {MAX_FILE_BYTES // 2**20} MiB limit",
         lambda: b"# just talk\n" * (MAX_FILE_BYTES // 12 + 1)),
    Case("list-100k-facts", ":2: facts: has more than 5000 entries", lambda: _facts_list(100_000)),
    Case("list-100k-tags", ":28: facts[0].tags: has 100000 items; the limit is 64",
         lambda: _base() + b"    tags: [" + b"t," * 100_000 + b"]\n"),
    Case("mapping-100k-unknown-fields", ":28: facts[0].k0: unknown field 'k0'",
         lambda: _base() + b"".join(b"    k%d: 1\n" % i for i in range(100_000))),
    Case("flow-list-at-size-limit",
         ":1: holds more than 250000 values; split it into smaller files",
         _size_limit_flow_list),
    Case("problem-amplifier", ":2: facts[0].category: is required but missing",
         lambda: _problem_amplifier(3000)),
    # deep nesting and aliases at scale
    Case("deep-flow-brackets-1M", ":1: is not valid YAML", lambda: b"[" * 1_000_000),
    Case("deep-flow-mappings-1M", ":1: is nested deeper than 16 levels",
         lambda: b"{a: " * 250_000),
    Case("alias-million-references", ":1: uses an anchor ('&a'); anchors are not allowed",
         lambda: b"a: &a [lol, lol]\nb: [" + b"*a, " * 1_000_000 + b"]\n"),
]

CASES = [_corpus_case(p) for p in CORPUS] + GENERATED
IDS = [c.name if i < len(CORPUS) else f"gen-{c.name}" for i, c in enumerate(CASES)]
BY_NAME = {c.name: c for c in CASES}


# --- running and measuring -----------------------------------------------------------------


@dataclass
class Costs:
    runs: int = 0
    seconds: float = 0.0
    slowest: str = ""
    peak: int = 0
    hungriest: str = ""

    def add(self, label: str, seconds: float, peak: int) -> None:
        self.runs += 1
        if seconds > self.seconds:
            self.seconds, self.slowest = seconds, label
        if peak > self.peak:
            self.peak, self.hungriest = peak, label


@pytest.fixture(scope="module")
def costs() -> Iterator[Costs]:
    record = Costs()
    yield record
    print(f"\nhostile: {record.runs} in-process runs; longest {record.seconds:.2f} s "
          f"({record.slowest}); largest tracemalloc peak {record.peak / 2**20:.1f} MiB "
          f"({record.hungriest})")


@pytest.fixture(autouse=True)
def no_payload_ran() -> Iterator[None]:
    PWNED.unlink(missing_ok=True)
    yield
    assert not PWNED.exists(), "a !!python payload in a fact file ran"


def invoke(run: Run, costs: Costs, label: str, *args: str, trace: bool = False
           ) -> tuple[Result, float, int]:
    """Run the CLI in-process on a cold cache; (result, seconds, tracemalloc peak)."""
    cache = tempfile.mkdtemp(prefix="evsum-hostile-cache-")
    env = {"EVSUM_CACHE_DIR": cache, "XDG_CACHE_HOME": cache}
    escaped: BaseException | None = None
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        result = run(*args, env=env)
    except Exception as exc:  # any exception out of evsum is the finding
        escaped = exc
    finally:
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
        shutil.rmtree(cache, ignore_errors=True)
    costs.add(label + (" (traced)" if trace else ""), 0.0 if trace else seconds, peak)
    if escaped is not None:
        pytest.fail(f"{label}: {type(escaped).__name__} escaped evsum: {escaped}"[:1500],
                    pytrace=False)
    return result, seconds, peak


def _no_raw_controls(text: str, label: str) -> None:
    bad = forbidden_character(text, allow_newlines=True)
    assert bad is None, f"{label}: evsum printed a raw control character {bad}: {text[:600]!r}"


def check_output(result: Result, case: Case, shown: str, command: str) -> None:
    """Exit code, first problem line, and nothing a terminal would act on."""
    label = f"{case.name} {command}"
    output = result.stdout + result.stderr
    assert "Traceback" not in output, f"{label}: {result!r}"
    if case.expect is None:
        assert result.code == EXIT_OK, f"{label}: a valid file was refused: {result!r}"
        if command == "list":
            assert result.stderr == "", result
        else:
            assert result.stderr.startswith("ok: "), result
        _no_raw_controls(output, label)
        for noise in INTERNAL_NOISE:
            assert noise not in output, f"{label}: {noise!r} in output: {result!r}"
        return
    assert result.code == EXIT_INVALID_FACTS, f"{label}: {result!r}"
    if command == "list":
        assert result.stdout == "", f"{label}: stdout must stay empty: {result!r}"
        assert "run 'evsum validate'" in result.stderr, result
        problems = result.stderr
    else:
        problems = result.stdout
    first = problems.splitlines()[0] if problems else ""
    assert first.startswith(shown), f"{label}: first line does not name {shown!r}: {first!r}"
    rest = first[len(shown):]
    if case.expect.startswith(":"):
        assert rest.startswith(case.expect), f"{label}: expected {case.expect!r}, got {rest!r}"
    else:
        assert case.expect in rest, f"{label}: expected {case.expect!r} in {rest!r}"
    for text in case.also:
        assert text in rest, f"{label}: expected {text!r} in {rest!r}"
    _no_raw_controls(output, label)
    for noise in INTERNAL_NOISE:
        assert noise not in output, f"{label}: {noise!r} in output: {result!r}"


def materialize(case: Case, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{case.name}.yaml"
    path.write_bytes(case.build())
    return path


# --- the corpus and the generated cases through the CLI --------------------------------


def test_corpus_is_large_small_and_labelled() -> None:
    assert len(CORPUS) >= 45
    for path in CORPUS:
        assert path.stat().st_size <= 20 * 1024, f"{path.name}: generate it instead"
        assert _corpus_case(path).name == path.stem
    assert len(BY_NAME) == len(CASES), "case names must be unique"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_validate_file(run: Run, costs: Costs, case: Case, tmp_path: Path) -> None:
    path = HOSTILE / f"{case.name}.yaml"
    if not path.exists():
        path = materialize(case, tmp_path / "gen")
    result, seconds, _ = invoke(run, costs, f"{case.name} validate", "validate", str(path))
    check_output(result, case, display_path(path), "validate")
    assert seconds < TIME_LIMIT, f"{case.name}: validate took {seconds:.1f} s"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_list_folder(run: Run, costs: Costs, case: Case, tmp_path: Path) -> None:
    path = materialize(case, tmp_path / "pack")
    args = ("--no-bundled", "--facts-dir", str(path.parent), "list")
    result, seconds, _ = invoke(run, costs, f"{case.name} list", *args)
    check_output(result, case, display_path(path), "list")
    assert seconds < TIME_LIMIT, f"{case.name}: list took {seconds:.1f} s"
    traced, _, peak = invoke(run, costs, f"{case.name} list", *args, trace=True)
    assert traced.code == result.code
    assert peak < MEMORY_LIMIT, f"{case.name}: list peaked at {peak / 2**20:.0f} MiB (traced)"


# --- legal text: loads, and renders literally ----------------------------------------------

LITERAL_CASES = ["valid-rich-markup", "valid-emoji-codes", "valid-markdown-html"]


def _expected_texts(name: str) -> tuple[str, str]:
    """The substance name and the claim, read by an independent YAML parser."""
    data = yaml.safe_load((HOSTILE / f"{name}.yaml").read_text(encoding="utf-8"))
    return data["substances"][0]["name"], " ".join(data["facts"][0]["claim"].split())


@pytest.mark.parametrize("name", LITERAL_CASES)
def test_markup_round_trips_through_json(run: Run, name: str, tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    shutil.copy(HOSTILE / f"{name}.yaml", folder)
    result = run("--no-bundled", "--facts-dir", str(folder), "show", "hostile", "--json", "--all")
    assert result.code == EXIT_OK, result
    data = json.loads(result.stdout)
    substance_name, claim = _expected_texts(name)
    assert data["substance"]["name"] == substance_name
    assert [f["claim"] for f in data["facts"]] == [claim]


@pytest.mark.parametrize("name", LITERAL_CASES)
def test_markup_prints_literally_when_piped(run: Run, name: str, tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    shutil.copy(HOSTILE / f"{name}.yaml", folder)
    result = run("--no-bundled", "--facts-dir", str(folder), "show", "hostile", "--all")
    assert result.code == EXIT_OK, result
    assert "\x1b" not in result.stdout
    _no_raw_controls(result.stdout, name)
    substance_name, claim = _expected_texts(name)
    flat = " ".join(result.stdout.split())
    assert substance_name in flat
    assert claim in flat
    if "emoji" in name:
        assert "\N{SMILING FACE WITH OPEN MOUTH AND SMILING EYES}" not in result.stdout


# --- what a folder can hold besides files ---------------------------------------------------


def _list(run: Run, costs: Costs, label: str, folder: Path) -> Result:
    result, seconds, _ = invoke(run, costs, f"{label} list", "--no-bundled", "--facts-dir",
                                str(folder), "list")
    assert seconds < TIME_LIMIT
    return result


def _validate(run: Run, costs: Costs, label: str, path: Path) -> Result:
    result, seconds, _ = invoke(run, costs, f"{label} validate", "validate", str(path))
    assert seconds < TIME_LIMIT
    return result


def _first_problem(result: Result, command: str) -> str:
    text = result.stderr if command == "list" else result.stdout
    return text.splitlines()[0] if text else ""


def test_directory_named_like_a_fact_file(run: Run, costs: Costs, tmp_path: Path) -> None:
    # A folder is read as a folder, whatever its name: its fact files are checked.
    folder = tmp_path / "pack"
    inner = folder / "x.yaml" / "inner.yaml"
    inner.parent.mkdir(parents=True)
    inner.write_bytes(BY_NAME["tag-python-name"].build())
    for command, result in (("validate", _validate(run, costs, "dir-x.yaml", folder / "x.yaml")),
                            ("list", _list(run, costs, "dir-x.yaml", folder))):
        assert result.code == EXIT_INVALID_FACTS, result
        assert _first_problem(result, command).startswith(display_path(inner) + ":2: uses the tag")
    # An empty one holds no fact file: nothing to refuse.
    inner.unlink()
    assert _list(run, costs, "empty-dir-x.yaml", folder).code == EXIT_OK
    # Asked to parse it as a file, the loader says what it is.
    problems = parse_file(folder / "x.yaml", "x.yaml").problems
    assert [str(p) for p in problems] == ["x.yaml: is a directory, not a fact file"]


@pytest.mark.parametrize("kind", ["self", "pair"])
def test_symlink_loop(run: Run, costs: Costs, tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    link = folder / "loop.yaml"
    if kind == "self":
        link.symlink_to("loop.yaml")
    else:
        link.symlink_to("other.yaml")
        (folder / "other.yaml").symlink_to("loop.yaml")
    for command, result in (("validate", _validate(run, costs, "symlink-loop", link)),
                            ("list", _list(run, costs, "symlink-loop", folder))):
        assert result.code == EXIT_INVALID_FACTS, result
        first = _first_problem(result, command)
        expected = display_path(link) + ": cannot be resolved (a symlink loop?)"
        assert first.startswith(expected), first


def test_dangling_symlink(run: Run, costs: Costs, tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    link = folder / "gone.yaml"
    link.symlink_to(folder / "nowhere.yaml")
    for command, result in (("validate", _validate(run, costs, "dangling", link)),
                            ("list", _list(run, costs, "dangling", folder))):
        assert result.code == EXIT_INVALID_FACTS, result
        first = _first_problem(result, command)
        assert first.startswith(display_path(link) + ": cannot be read: "), first
        assert "No such file" in first


LEADS_OUT = ": is a symbolic link that leads out of its fact folder; not read"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_symlink_to_a_device(run: Run, costs: Costs, tmp_path: Path, device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    folder = tmp_path / "pack"
    folder.mkdir()
    link = folder / "device.yaml"
    link.symlink_to(device)
    result = _list(run, costs, f"symlink-{device}", folder)
    assert result.code == EXIT_INVALID_FACTS, result
    assert _first_problem(result, "list") == display_path(link) + LEADS_OUT
    # Named on its own, the link is followed, and the device is named, never opened.
    result = _validate(run, costs, f"symlink-{device} by name", link)
    assert _first_problem(result, "validate") == (
        display_path(link) + ": is not a regular file (a pipe, socket or device)")


def test_symlink_out_of_the_folder_is_refused_and_never_read(tmp_path: Path) -> None:
    # A link to /etc/shadow once printed each of its lines as a field in the problems.
    secret = tmp_path / "secret.txt"
    secret.write_text("root:$6$saltsalt$HASHHASHHASH:19000:0:99999:7:::\n", encoding="utf-8")
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "shadow.yaml").symlink_to(secret)
    (folder / "up.yaml").symlink_to(Path("..") / "secret.txt")
    result = run_script("--no-bundled", "--facts-dir", str(folder), "validate", "--json")
    assert result.returncode == EXIT_INVALID_FACTS, result
    problems = json.loads(result.stdout)["problems"]
    assert [(p["file"], p["message"]) for p in problems] == [
        (display_path(folder / name), LEADS_OUT[2:]) for name in ("shadow.yaml", "up.yaml")]
    assert "HASH" not in result.stdout + result.stderr


def test_symlink_inside_the_folder_is_read(run: Run, costs: Costs, tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    (folder / "shared").mkdir(parents=True)
    (folder / "shared" / "minimal.yaml").write_bytes(BY_NAME["valid-minimal"].build())
    (folder / "minimal.yaml").symlink_to(Path("shared") / "minimal.yaml")
    result = run("--no-bundled", "--facts-dir", str(folder), "list", "--json")
    assert result.code == EXIT_OK, result
    assert [s["id"] for s in json.loads(result.stdout)["substances"]] == ["hostile"]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no procfs")
@pytest.mark.parametrize("kernel_file", ["/proc/self/status", "/sys/kernel/uevent_seqnum"])
def test_kernel_files_are_never_read(run: Run, costs: Costs, tmp_path: Path,
                                     kernel_file: str) -> None:
    # /proc/kmsg (as root) blocked forever and consumed the kernel's messages.
    if not Path(kernel_file).exists():
        pytest.skip(f"no {kernel_file}")
    result = _validate(run, costs, f"kernel {kernel_file}", Path(kernel_file))
    assert result.code == EXIT_INVALID_FACTS, result
    assert _first_problem(result, "validate") == (
        display_path(Path(kernel_file)) + ": is a kernel file (/proc, /sys), not a fact file")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root reads a chmod 000 file")
def test_unreadable_file(run: Run, costs: Costs, tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    path = folder / "secret.yaml"
    path.write_bytes(_base())
    path.chmod(0)
    try:
        for command, result in (("validate", _validate(run, costs, "unreadable", path)),
                                ("list", _list(run, costs, "unreadable", folder))):
            assert result.code == EXIT_INVALID_FACTS, result
            first = _first_problem(result, command)
            assert first.startswith(display_path(path) + ": cannot be read: permission denied")
    finally:
        path.chmod(0o600)


def test_named_pipe_given_by_name(run: Run, costs: Costs, tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    result = _validate(run, costs, "fifo", pipe)
    assert result.code == EXIT_INVALID_FACTS, result
    assert _first_problem(result, "validate").startswith(display_path(pipe) + ": ")


def test_named_pipe_in_a_folder_does_not_hang(tmp_path: Path) -> None:
    # In a subprocess: a blocked open() cannot be interrupted in-process.
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    folder = tmp_path / "pack"
    folder.mkdir()
    os.mkfifo(folder / "pipe.yaml")
    result = run_script("--no-bundled", "--facts-dir", str(folder), "list", timeout=10)
    assert result.returncode == EXIT_INVALID_FACTS, result
    assert "pipe.yaml" in result.stderr


@pytest.mark.parametrize("name", [
    "\x1b[2J\x1b[31mclear.yaml",
    "\x1b]8;;http:\x1b\\link.yaml",
    "two\nlines.yaml",
    "\u202eevil.yaml",
])
def test_control_characters_in_file_names(run: Run, costs: Costs, tmp_path: Path,
                                          name: str) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    path = folder / name
    path.write_bytes(b"facts: 1\n")
    for command, result in (("validate", _validate(run, costs, "control-name", path)),
                            ("list", _list(run, costs, "control-name", folder))):
        assert result.code == EXIT_INVALID_FACTS, result
        _no_raw_controls(result.stdout + result.stderr, f"file name {name!r} {command}")
        text = result.stderr if command == "list" else result.stdout
        assert len(text.splitlines()) == (2 if command == "list" else 1), (
            f"one problem must print as one line: {text!r}")


def test_file_name_that_is_not_utf8(run: Run, costs: Costs, tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    try:
        path = Path(os.fsdecode(os.fsencode(folder) + b"/\xff\xfe.yaml"))
        path.write_bytes(b"facts: 1\n")
    except (OSError, UnicodeError):
        pytest.skip("the file system refuses non-UTF-8 names")
    for command, result in (("list", _list(run, costs, "non-utf8-name", folder)),
                            ("validate", _validate(run, costs, "non-utf8-name", path))):
        assert result.code == EXIT_INVALID_FACTS, result
        assert "facts: expected a list" in _first_problem(result, command)


def test_folder_nested_deeper_than_the_recursion_limit(run: Run, costs: Costs,
                                                       tmp_path: Path) -> None:
    root = tmp_path / "pack"
    depth = sys.getrecursionlimit() + 200
    deepest = root
    try:
        root.mkdir()
        for _ in range(depth):  # os.makedirs recurses: make them one by one
            deepest = deepest / "d"
            deepest.mkdir()
        (deepest / "deep.yaml").write_bytes(b"facts: 1\n")
        result = _list(run, costs, "deep-folders", root)
        assert result.code == EXIT_INVALID_FACTS, result
        assert "is nested more than 32 folders deep; not read" in result.stderr
    finally:  # shutil.rmtree recurses too
        (deepest / "deep.yaml").unlink(missing_ok=True)
        while deepest != tmp_path:
            deepest.rmdir()
            deepest = deepest.parent


def test_more_fact_files_than_the_limit(run: Run, costs: Costs, tmp_path: Path) -> None:
    from evsum.facts.loader import MAX_FILES

    folder = tmp_path / "pack"
    folder.mkdir()
    for index in range(MAX_FILES + 1):
        (folder / f"f{index:05d}.yaml").write_bytes(b"facts: []\n")
    # 5001 cold files: about 1.5 s, 3.5 s with the cache writing an entry for each; the
    # 5-s guard is per file, so this folder gets twice that.
    result, seconds, _ = invoke(run, costs, "many-files list", "--no-bundled", "--facts-dir",
                                str(folder), "list")
    assert seconds < 2 * TIME_LIMIT
    assert result.code == EXIT_INVALID_FACTS, result
    assert f"{display_path(folder)}: the fact folders hold more than {MAX_FILES:,} fact " \
        "files; the rest are not read" in result.stderr


def test_problems_are_capped_per_run_not_only_per_file(tmp_path: Path) -> None:
    # 5,000 small files once gave 1,005,000 problems, 16 s and 1.65 GB for validate --json.
    from evsum.facts.loader import MAX_PROBLEMS
    from evsum.facts.schema import MAX_PROBLEMS_PER_FILE

    folder = tmp_path / "pack"
    folder.mkdir()
    files = 3 * MAX_PROBLEMS // MAX_PROBLEMS_PER_FILE
    for index in range(files):
        (folder / f"f{index:03d}.yaml").write_bytes(_problem_amplifier(10))
    result = run_script("--no-bundled", "--facts-dir", str(folder), "validate", "--json")
    assert result.returncode == EXIT_INVALID_FACTS, result.stderr[-600:]
    problems = json.loads(result.stdout)["problems"]
    checked = -(-MAX_PROBLEMS // (MAX_PROBLEMS_PER_FILE + 1))  # files read before the stop
    more = checked * (MAX_PROBLEMS_PER_FILE + 1) - MAX_PROBLEMS
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == {
        "file": display_path(folder / f"f{checked - 1:03d}.yaml"), "line": None, "field": "",
        "message": f"more than {MAX_PROBLEMS:,} problems in all: {more} more not shown, "
                   f"{files - checked} file(s) not checked"}


def test_folders_are_capped_per_run(run: Run, costs: Costs, tmp_path: Path) -> None:
    # 90,000 empty folders once added 2.3 s to every warm run.
    from evsum.facts.loader import MAX_FOLDERS

    folder = tmp_path / "pack"
    for index in range(MAX_FOLDERS + 1):
        (folder / f"d{index:04d}").mkdir(parents=True)
    result = _list(run, costs, "many-folders", folder)
    assert result.code == EXIT_INVALID_FACTS, result
    assert _first_problem(result, "list") == (
        f"{display_path(folder)}: the fact folders hold more than {MAX_FOLDERS:,} folders; "
        "the rest are not read")


def test_names_are_capped_per_run(run: Run, costs: Costs, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("evsum.facts.loader.MAX_NAMES", 20)
    folder = tmp_path / "pack"
    folder.mkdir()
    for index in range(21):
        (folder / f"notes{index}.txt").write_bytes(b"")
    result = _list(run, costs, "many-names", folder)
    assert result.code == EXIT_INVALID_FACTS, result
    assert _first_problem(result, "list") == (
        f"{display_path(folder)}: the fact folders hold more than 20 names; "
        "the rest are not read")


# --- the worst cases through the installed console script ----------------------------------

SCRIPT = Path(sys.executable).parent / "evsum"
_CAP = ("import os, resource, sys; "
        "resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1]))); "
        "os.execv(sys.argv[2], sys.argv[2:])")


def run_script(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    """The console script as a user runs it, under a 1 GiB address-space cap and a timeout."""
    if not SCRIPT.exists():
        pytest.skip("the evsum console script is not installed beside this Python")
    cache = tempfile.mkdtemp(prefix="evsum-hostile-cache-")
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "FORCE_COLOR", "EVSUM_DEBUG", "EVSUM_FACTS_PATH")}
    env.update(EVSUM_CACHE_DIR=cache, XDG_CACHE_HOME=cache)
    command = [sys.executable, "-c", _CAP, str(SCRIPT_MEMORY_CAP), str(SCRIPT), *args]
    start = time.perf_counter()
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env,
                                timeout=timeout, check=False, errors="backslashreplace")
    except subprocess.TimeoutExpired:
        pytest.fail(f"evsum {' '.join(args)} did not finish in {timeout:.0f} s (killed)",
                    pytrace=False)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    elapsed = time.perf_counter() - start
    print(f"\nscript: evsum {' '.join(a if len(a) < 40 else '...' for a in args)}: "
          f"exit {result.returncode} in {elapsed:.2f} s")
    for noise in INTERNAL_NOISE:
        assert noise not in result.stdout + result.stderr, result
    assert elapsed < TIME_LIMIT, f"took {elapsed:.1f} s"
    return result


@pytest.mark.parametrize("name", [
    "alias-billion-laughs", "deep-flow-brackets-1M", "deep-flow-mappings-1M", "list-100k-facts",
    "mapping-100k-unknown-fields", "control-sgr-in-claim", "control-escape-in-top-level-key",
    "raw-osc8-hyperlink-in-claim", "number-4301-digit-n",
])
def test_worst_cases_through_the_console_script(name: str, tmp_path: Path) -> None:
    case = BY_NAME[name]
    path = materialize(case, tmp_path / "pack")
    assert case.expect is not None
    for command in ("validate", "list"):
        args = (["validate", str(path)] if command == "validate"
                else ["--no-bundled", "--facts-dir", str(path.parent), "list"])
        result = run_script(*args)
        assert result.returncode == EXIT_INVALID_FACTS, result
        if command == "list":
            assert result.stdout == ""
        _no_raw_controls(result.stdout + result.stderr, f"{name} script {command}")
        text = result.stdout if command == "validate" else result.stderr
        assert text.startswith(str(path)), text[:300]


def test_full_size_problem_amplifier_through_the_console_script(tmp_path: Path) -> None:
    # 2.8 MB on disk, within every limit; one problem per bad list item and missing field.
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "amplifier.yaml").write_bytes(_problem_amplifier(19_999))
    result = run_script("--no-bundled", "--facts-dir", str(folder), "list", timeout=15)
    assert result.returncode == EXIT_INVALID_FACTS, result.stderr[-600:]
    assert result.stdout == ""


def test_python_payloads_never_run(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    for path in HOSTILE.glob("tag-python-*.yaml"):
        shutil.copy(path, folder)
    result = run("--no-bundled", "--facts-dir", str(folder), "list")
    assert result.code == EXIT_INVALID_FACTS
    assert result.stderr.count("tags are not allowed") == len(list(folder.iterdir()))
    assert not PWNED.exists()
