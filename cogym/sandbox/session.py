"""A persistent Python process in a sandbox, run cell by cell like a notebook."""

from __future__ import annotations

import threading
import weakref
from dataclasses import replace

from cogym.core import forks
from cogym.sandbox.backends import resolve
from cogym.sandbox.errors import SandboxError
from cogym.sandbox.limits import Limits
from cogym.sandbox.outcome import add_note
from cogym.sandbox.process import SandboxProcess, start_warm
from cogym.sandbox.protocol import frame
from cogym.sandbox.result import ExecResult

RESTART_NOTE = "the session's Python process was restarted; variables from earlier cells are gone"


class Session:
    """One sandboxed Python process that keeps its variables from one :meth:`run` to the next.

    Each cell runs in the same ``__main__`` namespace; when a cell ends with a bare
    expression, its value is displayed (its ``repr`` printed, and kept as ``_``), as in a
    notebook. Every cell gets the per-call limits. A cell that times out, overflows its
    output or kills the process takes the process down: it is restarted for the next
    cell, with its state lost, and the result says so in stderr. A cell that raises
    (even ``MemoryError``) leaves the state as it is.

    Use it as a context manager, or call :meth:`close`.

    :param backend: ``"auto"``, ``"bwrap"``, ``"docker"`` or (not isolated) ``"subprocess"``.
    :param timeout_s: wall-clock limit per cell.
    :param memory_mb: address-space limit of the process, in MiB.
    :param max_output_bytes: bytes of stdout and of stderr kept per cell.
    :raises SandboxError: for bad arguments, or when the sandbox cannot start.
    """

    def __init__(
        self,
        *,
        backend: str = "auto",
        timeout_s: float = 10.0,
        memory_mb: int = 512,
        max_output_bytes: int = 65536,
    ) -> None:
        self.limits = Limits(
            timeout_s=timeout_s, memory_mb=memory_mb, max_output_bytes=max_output_bytes
        )
        self.backend = resolve(backend)
        self._lock = threading.Lock()
        self._closed = False
        # One slot, shared with the finalizer, so that a restarted process is closed too.
        self._slot: list[SandboxProcess | None] = [self._start()]
        self._finalizer = weakref.finalize(self, Session._close_slot, self._slot)
        forks.register(self)

    def after_fork_in_child(self) -> None:
        """In a forked child: leave the parent's process alone; the next cell starts a
        fresh session (its namespace is the parent's process's, not this one's)."""
        self._finalizer.detach()
        forks.keep_inherited(self._slot[0])
        self._slot = [None]
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, Session._close_slot, self._slot)

    def _start(self) -> SandboxProcess:
        config = {"mode": "session", "rlimits": self.limits.rlimits(cpu=False)}
        return start_warm(self.backend, config, self.limits.memory_mb)

    @staticmethod
    def _close_slot(slot: list[SandboxProcess | None]) -> None:
        if slot[0] is not None:
            slot[0].close()
            slot[0] = None

    def run(self, code: str) -> ExecResult:
        """Run one cell.

        :param code: Python source; a final bare expression's value is displayed.
        :raises SandboxError: when the session is closed or ``code`` is not a str.
        """
        if not isinstance(code, str):
            raise SandboxError(f"code must be a str of Python source, got {type(code).__name__}")
        with self._lock:
            if self._closed:
                raise SandboxError("this Session is closed; create a new one")
            sandbox = self._slot[0]
            if sandbox is None or not sandbox.alive:
                Session._close_slot(self._slot)
                sandbox = self._slot[0] = self._start()
            request = frame({"code": code, "cpu_s": self.limits.cpu_s})
            result, alive = sandbox.execute(request, self.limits)
            if not alive:
                Session._close_slot(self._slot)
                result = replace(result, stderr=add_note(result.stderr, RESTART_NOTE))
            return result

    def close(self) -> None:
        """Stop the process; later :meth:`run` calls raise."""
        with self._lock:
            self._closed = True
            self._finalizer()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
