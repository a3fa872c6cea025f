"""The interpreter inside a sandbox, and the command line that boots the runner in it."""

from __future__ import annotations

import functools
import marshal
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cogym.sandbox.protocol import MARSHAL_VERSION

#: The file name the runner's code carries (its frames are hidden from tracebacks).
RUNNER_FILENAME = "<cogym-runner>"


@functools.cache
def runner_source() -> str:
    """The text of :mod:`cogym.sandbox.runner`, the program that runs inside sandboxes."""
    return (Path(__file__).parent.parent / "runner.py").read_text(encoding="utf-8")


#: Longest argument Linux takes (MAX_ARG_STRLEN is 32 pages), with room to spare.
MAX_ARGUMENT_CHARS = 100_000


@functools.cache
def runner_code_hex() -> str | None:
    """The runner compiled by this interpreter (without docstrings), marshalled, as hex.

    None if that would not fit in one command-line argument.
    """
    code = compile(runner_source(), RUNNER_FILENAME, "exec", optimize=2)
    encoded = marshal.dumps(code).hex()
    return encoded if len(encoded) <= MAX_ARGUMENT_CHARS else None


def runner_command(python: str, config: dict[str, Any], *, same_interpreter: bool) -> list[str]:
    """The command that starts the runner.

    Where the sandbox runs this very interpreter, the runner comes compiled (saving ~4 ms
    of compiling per cold start); elsewhere as source. ``-S`` skips ``site``: ``.pth``
    files in the interpreter's site-packages may run code at startup (and cost time); the
    runner adds site-packages to ``sys.path`` itself.

    :param python: the interpreter inside the sandbox.
    :param config: the runner's config (see :mod:`cogym.sandbox.runner`).
    :param same_interpreter: whether ``python`` is the interpreter running cogym.
    """
    settings = marshal.dumps(config, MARSHAL_VERSION).hex()
    if same_interpreter and runner_code_hex() is not None:
        boot = "import marshal,sys;exec(marshal.loads(bytes.fromhex(sys.argv[1])))"
        return [python, "-S", "-c", boot, runner_code_hex(), settings]
    boot = f"import sys;exec(compile(sys.argv[1],{RUNNER_FILENAME!r},'exec'))"
    return [python, "-S", "-c", boot, runner_source(), settings]


@dataclass(frozen=True)
class HostPython:
    """The interpreter running cogym, which bwrap and subprocess reuse inside the sandbox.

    :param executable: the real interpreter binary (not a venv's symlink).
    :param prefix: ``sys.base_prefix``, the installation it needs (bound read-only by bwrap).
    """

    executable: str
    prefix: str


@functools.cache
def host_python() -> HostPython:
    """The base interpreter of this process (outside any venv)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidate = Path(sys.base_prefix) / "bin" / version
    executable = candidate if candidate.exists() else Path(os.path.realpath(sys.executable))
    return HostPython(str(executable), sys.base_prefix)
