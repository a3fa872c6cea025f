"""What one run of code in the sandbox produced."""

from __future__ import annotations

from dataclasses import dataclass

#: Every value of :attr:`ExecResult.status`.
STATUSES = ("ok", "error", "timeout", "memory", "output_limit", "killed")


@dataclass(frozen=True)
class ExecResult:
    """The outcome of running a program (or a session cell) in the sandbox.

    :param status: ``"ok"`` (exit status 0), ``"error"`` (non-zero exit status, e.g. an
        uncaught exception), ``"timeout"`` (the wall clock or CPU time ran out; every
        process of the run was killed), ``"memory"`` (the memory limit was hit),
        ``"output_limit"`` (stdout plus stderr, or a file, grew past the hard cap and the
        run was killed) or ``"killed"`` (died by a signal otherwise).
    :param exit_code: the exit status; minus the signal number when a signal killed the
        program; None when the sandbox killed it (timeout, output limit).
    :param stdout: what the program printed, cut at ``max_output_bytes`` and then ending
        with ``"\\n[... output truncated at N bytes]"``.
    :param stderr: the same for stderr. Lines the sandbox adds to explain a timeout,
        a kill or a restart start with ``"[sandbox] "``.
    :param duration_s: wall-clock seconds from handing the program to the started sandbox
        to the program's end.
    :param backend: ``"bwrap"``, ``"docker"`` or ``"subprocess"``.
    :param stdout_truncated: whether stdout was cut.
    :param stderr_truncated: whether stderr was cut.
    """

    status: str
    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    backend: str
    stdout_truncated: bool = False
    stderr_truncated: bool = False

    @property
    def ok(self) -> bool:
        """Whether the program exited with status 0."""
        return self.status == "ok"
