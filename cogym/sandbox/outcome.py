"""How the end of a run (the runner's status, or the sandbox's fate) becomes an ExecResult."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Any

from cogym.sandbox.limits import RUNNER_MEMORY_MB, SCRATCH_MB, Limits
from cogym.sandbox.output import StreamCapture
from cogym.sandbox.protocol import parse_status
from cogym.sandbox.result import ExecResult

#: Prefix of the lines the sandbox adds to stderr.
NOTE_PREFIX = "[sandbox] "


@dataclass
class Exchange:
    """What the host saw of one request.

    :param reason: ``"done"`` (both end markers arrived), ``"exited"`` (the sandbox closed
        its output without them), ``"timeout"``, ``"output_limit"`` or ``"memory"`` (the
        out-of-memory killer fired in the sandbox's cgroup): the host stopped it.
    :param stdout: the captured stdout.
    :param stderr: the captured stderr.
    :param duration_s: seconds from handing over the request to its end.
    """

    reason: str
    stdout: StreamCapture
    stderr: StreamCapture
    duration_s: float

    @property
    def status(self) -> dict[str, Any] | None:
        """The runner's status line, once it arrived."""
        line = self.stdout.status_line
        return None if line is None or self.reason != "done" else parse_status(line)


def signal_name(number: int) -> str:
    """``"SIGKILL"`` for 9, and so on.

    :param number: a signal number.
    """
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def whole_run_note(limits: Limits) -> str:
    """The note for a run whose processes together passed the sandbox's memory bound.

    :param limits: the run's limits.
    """
    return (
        f"the run's processes together hit the sandbox's memory limit of "
        f"{limits.sandbox_memory_mb} MB ({limits.memory_mb} MB for the run and "
        f"{RUNNER_MEMORY_MB} MB for the sandbox itself); the run was killed"
    )


def classify(
    exchange: Exchange, limits: Limits, decoded: tuple[int | None, int | None]
) -> tuple[str, int | None, str | None]:
    """The status, exit code and stderr note of a run.

    :param exchange: what the host saw.
    :param limits: the run's limits.
    :param decoded: ``(exit status, signal)`` of the sandbox command, for when the runner
        reported nothing.
    """
    if exchange.reason == "timeout":
        return "timeout", None, f"timed out after {limits.timeout_s:g} s; the run was killed"
    if exchange.reason == "output_limit":
        note = f"stdout and stderr passed {limits.output_hard_cap} bytes; the run was killed"
        return "output_limit", None, note
    if exchange.reason == "memory":
        return "memory", None, whole_run_note(limits)
    status = exchange.status
    if status is None:
        code, number = decoded
        if number is not None:
            return "killed", -number, f"the sandbox was killed by {signal_name(number)}"
        return "error", code, f"the sandbox exited with status {code} without reporting"
    code, number = status.get("exit_code"), status.get("signal")
    if status.get("run_memory"):
        return "memory", None, whole_run_note(limits)
    if status.get("memory"):
        return "memory", code, f"hit the memory limit of {limits.memory_mb} MB"
    if number == signal.SIGXCPU:
        return "timeout", -number, f"used up its CPU time ({limits.cpu_s} s); it was killed"
    if number == signal.SIGXFSZ:
        return "output_limit", -number, f"a file grew past {SCRATCH_MB} MiB; it was killed"
    if number is not None:
        return "killed", -number, f"killed by {signal_name(number)}"
    return ("ok" if code == 0 else "error"), code, None


def add_note(stderr: str, note: str | None) -> str:
    """Append a ``[sandbox]`` line to stderr.

    :param stderr: the program's stderr.
    :param note: what to add, or None.
    """
    if not note:
        return stderr
    separator = "\n" if stderr and not stderr.endswith("\n") else ""
    return f"{stderr}{separator}{NOTE_PREFIX}{note}\n"


def build_result(
    exchange: Exchange,
    limits: Limits,
    backend: str,
    decoded: tuple[int | None, int | None],
    extra_note: str | None = None,
) -> ExecResult:
    """Turn what the host saw into the run's result.

    :param exchange: what the host saw.
    :param limits: the run's limits.
    :param backend: the backend's name.
    :param decoded: ``(exit status, signal)`` of the sandbox command (see :func:`classify`).
    :param extra_note: one more ``[sandbox]`` line (e.g. a session restart).
    """
    status, exit_code, note = classify(exchange, limits, decoded)
    stdout, stdout_truncated = exchange.stdout.text()
    stderr, stderr_truncated = exchange.stderr.text()
    stderr = add_note(add_note(stderr, note), extra_note)
    return ExecResult(
        status=status,
        exit_code=exit_code,
        stdout=stdout,
        stderr=stderr,
        duration_s=exchange.duration_s,
        backend=backend,
        stdout_truncated=stdout_truncated,
        stderr_truncated=stderr_truncated,
    )
