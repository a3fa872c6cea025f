"""The limits of one run, the rlimits that enforce them inside the sandbox, and the upper
bounds on every count that starts processes or holds host memory.

A run's memory is bounded twice: each of its processes by ``RLIMIT_AS`` (``memory_mb``),
and the sandbox as a whole by :meth:`Limits.sandbox_memory_mb` (``memory_mb`` plus
:data:`RUNNER_MEMORY_MB` for the warm runner and the backend's own processes), through a
cgroup where the host allows it, else through the runner's watch (:mod:`cogym.sandbox.cgroup`).
The ``MAX_*`` bounds are public so that callers (e.g. an env's kwargs) can check against
the same figures.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass

from cogym.core import checks
from cogym.core.errors import InvalidArgumentError
from cogym.sandbox.errors import SandboxLimitError

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
#: What a sandbox may hold on top of its run's ``memory_mb``: the warm runner (an
#: interpreter with a few modules imported, ~20 MiB), the backend's own processes (bwrap's
#: two are ~2 MiB) and the kernel's bookkeeping for them.
RUNNER_MEMORY_MB = 64
#: Processes (and threads) a sandbox may hold on top of a run's :data:`NPROC`: the
#: backend's, the runner and the runner's clean-up helper.
RUNNER_PIDS = 8
#: The largest ``memory_mb`` (it is also never more than this host's RAM).
MAX_MEMORY_MB = 65536
#: The longest ``timeout_s`` (one day).
MAX_TIMEOUT_S = 86400.0
#: The largest ``max_output_bytes``: the host keeps up to this much of each stream.
MAX_OUTPUT_BYTES = 64 * 1024 * 1024
#: The most sandboxes one :class:`~cogym.sandbox.SandboxPool` keeps.
MAX_POOL_SIZE = 128
#: The most runs :func:`~cogym.sandbox.run_many` (or a pool's) has going at once.
MAX_WORKERS = 128


@functools.cache
def host_memory_mb() -> int:
    """This host's RAM in MiB (:data:`MAX_MEMORY_MB` where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    except (ValueError, OSError):
        return MAX_MEMORY_MB


def max_memory_mb() -> int:
    """The largest ``memory_mb`` a run may ask for here: :data:`MAX_MEMORY_MB`, or this
    host's RAM less :data:`RUNNER_MEMORY_MB` where that is smaller."""
    return min(MAX_MEMORY_MB, host_memory_mb() - RUNNER_MEMORY_MB)


def check_number(
    name: str, value: object, minimum: float, maximum: float, *, integer: bool, hint: str = ""
) -> None:
    """Check that ``value`` is a number (an int when ``integer``) in ``[minimum, maximum]``,
    by :mod:`cogym.core.checks`' rules (no bool, no NaN or infinity), in the sandbox's words.

    :param name: the argument's name, for the message.
    :param value: what was passed.
    :param minimum: the smallest value allowed.
    :param maximum: the largest value allowed.
    :param integer: whether only ints are allowed (never bools).
    :param hint: said after the range, e.g. why the maximum is what it is.
    :raises SandboxLimitError: saying which values to pass.
    """
    check = checks.check_int if integer else checks.check_number
    try:
        check(name, value, minimum=minimum, maximum=maximum)
    except InvalidArgumentError:
        wanted = f"{'an int' if integer else 'a number'} from {minimum:g} to {maximum:g}{hint}"
        raise SandboxLimitError(f"{name} must be {wanted}, got {checks.shown(value)}") from None


def check_pool_size(size: object) -> int:
    """Check a :class:`~cogym.sandbox.SandboxPool` size: an int from 1 to :data:`MAX_POOL_SIZE`.

    :param size: what was passed.
    :raises SandboxLimitError: otherwise.
    """
    check_number("size", size, 1, MAX_POOL_SIZE, integer=True, hint=" (sandboxes kept warm)")
    return size  # type: ignore[return-value]


def check_workers(workers: object) -> int:
    """Check a number of runs at once: an int from 1 to :data:`MAX_WORKERS`.

    :param workers: what was passed.
    :raises SandboxLimitError: otherwise.
    """
    check_number("workers", workers, 1, MAX_WORKERS, integer=True, hint=" (runs at once)")
    return workers  # type: ignore[return-value]


@dataclass(frozen=True)
class Limits:
    """What one run may use.

    :param timeout_s: wall-clock seconds before every process of the run is killed; the
        CPU-time rlimit is one second more, rounded up.
    :param memory_mb: address space per process (``RLIMIT_AS``), in MiB, at most
        :func:`max_memory_mb`. A run may start up to :data:`NPROC` processes, each with this
        limit; all of them, the files the run writes (which live in memory) and the
        sandbox's own processes together hold at most :attr:`sandbox_memory_mb`.
    :param max_output_bytes: bytes of stdout and of stderr kept in the result; past
        :data:`HARD_CAP_FACTOR` times this (both together) the run is killed.
    """

    timeout_s: float = 10.0
    memory_mb: int = 512
    max_output_bytes: int = 65536

    def __post_init__(self) -> None:
        check_number("timeout_s", self.timeout_s, 0.001, MAX_TIMEOUT_S, integer=False)
        check_number(
            "memory_mb",
            self.memory_mb,
            MIN_MEMORY_MB,
            max_memory_mb(),
            integer=True,
            hint=f" (MiB; this host has {host_memory_mb()} MiB of RAM)",
        )
        check_number("max_output_bytes", self.max_output_bytes, 1, MAX_OUTPUT_BYTES, integer=True)

    @property
    def sandbox_memory_mb(self) -> int:
        """What the sandbox of a run holds at most, all its processes together, in MiB:
        ``memory_mb`` for the run plus :data:`RUNNER_MEMORY_MB` for the sandbox's own."""
        return self.memory_mb + RUNNER_MEMORY_MB

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
