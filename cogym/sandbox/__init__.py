"""Isolated execution of untrusted Python code (agents' programs) for cogym's envs.

Every program runs in a sandbox with no network, no writes outside its scratch dir,
CPU, memory, process and output limits, and a wall-clock timeout; memory and processes are
bounded per process and for the sandbox as a whole (a host cgroup where allowed, else the
runner's watch: :mod:`cogym.sandbox.cgroup`). What it does is reported in an
:class:`ExecResult`, never raised. Backends: bubblewrap (``bwrap``,
preferred), docker, and ``subprocess`` (NOT isolated; only when named).

- :func:`run` runs one program in a fresh sandbox; :func:`run_many` runs many at once.
- :class:`Session` keeps one Python process across calls, like a notebook.
- :class:`SandboxPool` keeps warm sandboxes so that many short runs are fast.
"""

from __future__ import annotations

from cogym.sandbox.api import run, run_many
from cogym.sandbox.backends import available_backends
from cogym.sandbox.errors import SandboxError
from cogym.sandbox.pool import SandboxPool
from cogym.sandbox.result import STATUSES, ExecResult
from cogym.sandbox.session import Session

__all__ = [
    "STATUSES",
    "ExecResult",
    "SandboxError",
    "SandboxPool",
    "Session",
    "available_backends",
    "run",
    "run_many",
]
