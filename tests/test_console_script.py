"""The installed console script, run as a user runs it, and a wheel in a fresh virtualenv."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from evsum import __version__

from .conftest import FIXTURE_KB

ROOT = Path(__file__).parent.parent


def evsum_script() -> str:
    beside = Path(sys.executable).parent / "evsum"
    found = str(beside) if beside.exists() else shutil.which("evsum")
    assert found, "the evsum console script is not installed"
    return found


def run_script(*args: str, env: dict[str, str] | None = None,
               cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env.update(env or {})
    return subprocess.run([evsum_script(), *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=120, check=False)


def test_script_compares_bundled_facts_from_another_folder(tmp_path: Path) -> None:
    result = run_script("compare", "ketamine", "psilocybin", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Ketamine vs Psilocybin" in result.stdout
    assert "REFERENCES" in result.stdout
    assert "\x1b[" not in result.stdout  # piped: no escape codes


@pytest.mark.parametrize("command", [
    ("compare", "ketamine", "esketamine", "psilocybin"), ("show", "ketamine"),
    ("side-effects", "ketamine"), ("gaps", "lsd"), ("--no-color", "list")])
def test_script_runs_each_command_within_80_columns(command: tuple[str, ...],
                                                    tmp_path: Path) -> None:
    """Typer is given only the command named; each still runs, and fits the terminal."""
    result = run_script(*command, env={"COLUMNS": "80"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) > 3 and max(len(line) for line in lines) <= 80


def test_script_force_color_and_no_color() -> None:
    forced = run_script("--facts-dir", str(FIXTURE_KB), "show", "alpha",
                        env={"FORCE_COLOR": "1"})
    assert "\x1b[" in forced.stdout
    plain = run_script("--no-color", "--facts-dir", str(FIXTURE_KB), "show", "alpha",
                       env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in plain.stdout


def test_script_exit_codes_and_stderr() -> None:
    unknown = run_script("show", "ketamne")
    assert unknown.returncode == 2
    assert unknown.stdout == ""
    assert "did you mean Ketamine" in unknown.stderr
    bad = run_script("validate", str(FIXTURE_KB.parent / "invalid" / "python-tag.yaml"))
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr


def test_python_dash_m(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "evsum", "--version"], capture_output=True,
                            text=True, cwd=tmp_path, check=False)
    assert (result.returncode, result.stdout) == (0, f"evsum {__version__}\n")


def test_script_ends_quietly_when_the_reader_leaves() -> None:
    script = f"'{evsum_script()}' show ketamine --all | head -1"
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("Ketamine")
    assert result.stderr == ""


@pytest.mark.slow
def test_wheel_installs_into_fresh_virtualenv_and_finds_its_facts(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    wheel = next(dist.glob("evsum-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True,
                   capture_output=True, timeout=600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([str(env_dir / "bin" / "evsum"), "compare", "ketamine",
                             "psilocybin"], capture_output=True, text=True, cwd=elsewhere,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "Ketamine vs Psilocybin" in result.stdout
    listing = subprocess.run([str(env_dir / "bin" / "evsum"), "validate"], capture_output=True,
                             text=True, cwd=elsewhere, timeout=120, check=False)
    assert listing.returncode == 0, listing.stdout
    assert "_bundled_facts" not in listing.stdout


# --- where -o, --svg and --html may write ---------------------------------------------------


def _export(*more: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_script("--no-bundled", "--facts-dir", str(FIXTURE_KB), "export", "alpha", *more,
                      cwd=cwd)


def _expected_export() -> str:
    result = _export("-o", "-")
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_dev_stdout_is_standard_output_not_a_file_to_replace(tmp_path: Path, force: list[str]
                                                              ) -> None:
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")  # what /dev/stdout is, in a folder a failure may spoil
    expected = _expected_export()
    # --force on the real /dev/stdout only once the private link has shown it is safe
    for target in (str(link), "/dev/stdout"):
        result = _export("-o", target, *force)
        assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")
    assert os.readlink(link) == "/proc/self/fd/1"
    assert os.readlink("/dev/stdout") == "/proc/self/fd/1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stdout"]


def test_dev_null_is_written_through_without_a_force_hint() -> None:
    result = _export("-o", "/dev/null")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert os.stat("/dev/null").st_rdev == os.makedev(1, 3)


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_force_onto_a_device_node_keeps_the_device(tmp_path: Path) -> None:
    device = tmp_path / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a private /dev/null
    for option in ("-o", "--svg", "--html"):
        if option == "-o":
            result = _export("-o", str(device), "--force")
        else:
            result = run_script("--no-bundled", "--facts-dir", str(FIXTURE_KB), "show", "alpha",
                                option, str(device), "--force")
        assert result.returncode == 0, result.stderr
        assert "use --force" not in result.stderr
        assert stat.S_ISCHR(os.lstat(device).st_mode), option
        assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_dot_slash_dash_is_a_file_named_dash(tmp_path: Path) -> None:
    result = _export("-o", "./-", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "wrote ./-\n")
    assert (tmp_path / "-").read_text(encoding="utf-8") == _expected_export()


def test_svg_and_html_to_one_path_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    for second in ("page", "./page", str(tmp_path / "page")):
        result = run_script("--no-bundled", "--facts-dir", str(FIXTURE_KB), "show", "alpha",
                            "--svg", "page", "--html", second, cwd=tmp_path)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == f"evsum: --svg and --html name the same file: {Path(second)}\n"
        assert list(tmp_path.iterdir()) == []


def test_html_that_would_be_refused_stops_the_svg_too(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("keep", encoding="utf-8")
    result = run_script("--no-bundled", "--facts-dir", str(FIXTURE_KB), "show", "alpha",
                        "--svg", "pic.svg", "--html", "page.html", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr == "evsum: page.html exists; use --force to overwrite it\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]
