"""Word documents: evsum's markdown converted by pandoc, from the pypandoc-binary wheel."""

from __future__ import annotations

import subprocess

from evsum.errors import UsageError

PANDOC_TIMEOUT = 120  # seconds; a handout converts in well under one


def pandoc_path() -> str:
    """The pandoc that pypandoc-binary ships (the `docx` extra), or a usage error."""
    try:
        import pypandoc
    except ImportError:
        raise UsageError("docx export needs pandoc: pip install 'evsum[docx]' "
                         "(pypandoc-binary ships it)") from None
    path: str = pypandoc.get_pandoc_path()
    return path


def markdown_to_docx(markdown: str) -> bytes:
    """GFM (no raw HTML, as evsum writes it) to .docx bytes; pandoc reads no other file."""
    try:
        done = subprocess.run(
            [pandoc_path(), "--sandbox", "--from", "gfm", "--to", "docx", "--output", "-"],
            input=markdown.encode("utf-8"), capture_output=True, timeout=PANDOC_TIMEOUT,
            check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UsageError(f"pandoc could not run: {error}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"pandoc failed: {message[-1] if message else done.returncode}")
    return done.stdout
