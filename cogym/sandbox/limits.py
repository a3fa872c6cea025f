"""The limits of one run, and the rlimits that enforce them inside the sandbox."""

from __future__ import annotations

import math
from dataclasses import dataclass

from cogym.sandbox.errors import SandboxError

#: Processes (and threads) a run may have at once; stops fork bombs.
NPROC = 64
#: Open files per process.
NOFILE = 256
#: Size of the scratch dir and of /tmp where the backend makes them (tmpfs), and the
#: largest file a run may write.
SCRATCH_MB = 64
#: The interpreter alone needs some address space; smaller limits could not start it.
MIN_MEMORY_MB = 64
#: A run whose stdout plus stderr passes this many times ``max_output_bytes`` is killed.
HARD_CAP_FACTOR = 4


def _check_number(name: str, value: object, minimum: float, integer: bool) -> None:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "an int" if integer else "a number"
        raise SandboxError(f"{name} must be {kind}, got {value!r}")
    if not math.isfinite(value) or value < minimum:
        raise SandboxError(f"{name} must be >= {minimum:g}, got {value!r}")


@dataclass(frozen=True)
class Limits:
    """What one run may use.

    :param timeout_s: wall-clock seconds before every process of the run is killed; the
        CPU-time rlimit is one second more, rounded up.
    :param memory_mb: address space per process (``RLIMIT_AS``), in MiB. A run may start up
        to :data:`NPROC` processes, each with this limit.
    :param max_output_bytes: bytes of stdout and of stderr kept in the result; past
        :data:`HARD_CAP_FACTOR` times this (both together) the run is killed.
    """

    timeout_s: float = 10.0
    memory_mb: int = 512
    max_output_bytes: int = 65536

    def __post_init__(self) -> None:
        _check_number("timeout_s", self.timeout_s, 0.001, integer=False)
        _check_number("memory_mb", self.memory_mb, MIN_MEMORY_MB, integer=True)
        _check_number("max_output_bytes", self.max_output_bytes, 1, integer=True)

    @property
    def output_hard_cap(self) -> int:
        """Bytes of stdout plus stderr past which the run is killed."""
        return HARD_CAP_FACTOR * self.max_output_bytes

    @property
    def cpu_s(self) -> int:
        """CPU seconds a run may use (its soft ``RLIMIT_CPU``)."""
        return math.ceil(self.timeout_s) + 1

    def rlimits(self, *, cpu: bool = True) -> dict[str, list[int]]:
        """The rlimits the runner applies, as ``{"RLIMIT_X": [soft, hard]}``.

        :param cpu: include ``RLIMIT_CPU``; a session sets its CPU budget per cell instead.
        """
        memory = self.memory_mb * 1024 * 1024
        scratch = SCRATCH_MB * 1024 * 1024
        rlimits = {
            "RLIMIT_AS": [memory, memory],
            "RLIMIT_NPROC": [NPROC, NPROC],
            "RLIMIT_NOFILE": [NOFILE, NOFILE],
            "RLIMIT_FSIZE": [scratch, scratch],
            "RLIMIT_CORE": [0, 0],
            "RLIMIT_MSGQUEUE": [0, 0],
        }
        if cpu:
            rlimits["RLIMIT_CPU"] = [self.cpu_s, self.cpu_s + 1]
        return rlimits
