"""Ctrl-C and SIGTERM at any moment: a short message and a documented status, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs the installed console script's entry point, sending SIGINT to itself the moment
# TRIGGER is first imported: a Ctrl-C at start-up (typer) or in the middle of a command
# (the terminal renderer), made deterministic.
INTERRUPT_AT_IMPORT = """
import builtins, os, signal, sys
from importlib.metadata import entry_points

trigger, how, real_import, fired = sys.argv[1], sys.argv[2], builtins.__import__, []

def hooked(name, *args, **kwargs):
    if name == trigger and not fired:
        fired.append(name)
        os.kill(os.getpid(), signal.SIGINT)
    return real_import(name, *args, **kwargs)

builtins.__import__ = hooked
sys.argv = ["evsum", *sys.argv[3:]]
if how == "script":
    (script,) = entry_points(group="console_scripts", name="evsum")
    sys.exit(script.load()())
import runpy
runpy.run_module("evsum", run_name="__main__")
"""


@pytest.mark.parametrize("how", ["script", "python -m"])
@pytest.mark.parametrize("trigger", ["typer", "evsum.render.terminal"])
def test_ctrl_c_prints_interrupted_and_exits_130(trigger: str, how: str, tmp_path: Path
                                                 ) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", INTERRUPT_AT_IMPORT, trigger, how, "compare",
                             "ketamine", "psilocybin"], capture_output=True, text=True,
                            env=env, timeout=120, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (130, "",
                                                                 "evsum: interrupted\n")

