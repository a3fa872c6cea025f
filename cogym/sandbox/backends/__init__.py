"""The backends, which of them work on this machine, and what ``backend="auto"`` picks.

Each backend is probed once per process (and the answer cached): its cheap check, then a
real run of a tiny program. ``auto`` takes the first isolating backend that works, in
the order of :data:`AUTO_ORDER`, and logs its choice; ``subprocess`` (no isolation) is
only ever used when named.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from cogym.sandbox.backends.base import Backend
from cogym.sandbox.backends.bwrap import BwrapBackend
from cogym.sandbox.backends.docker import DockerBackend
from cogym.sandbox.backends.subprocess import SubprocessBackend
from cogym.sandbox.errors import SandboxError

logger = logging.getLogger("cogym.sandbox")

BACKENDS: dict[str, Backend] = {
    backend.name: backend for backend in (BwrapBackend(), DockerBackend(), SubprocessBackend())
}
#: What ``auto`` tries, in order; never ``subprocess``.
AUTO_ORDER = ("bwrap", "docker")
#: How long the probe's tiny program may take (a cold docker start is slow).
PROBE_TIMEOUT_S = 30.0

_probes: dict[str, Probe] = {}
_probe_lock = threading.Lock()
_auto_choice: str | None = None


@dataclass(frozen=True)
class Probe:
    """Whether a backend works here.

    :param available: it ran a tiny program correctly.
    :param reason: why not, when it is not available.
    """

    available: bool
    reason: str = ""


def get_backend(name: str) -> Backend:
    """The backend called ``name``.

    :param name: ``"bwrap"``, ``"docker"`` or ``"subprocess"``.
    :raises SandboxError: for any other name.
    """
    if name not in BACKENDS:
        choices = ", ".join(repr(known) for known in ("auto", *BACKENDS))
        raise SandboxError(f"unknown sandbox backend {name!r}; choose one of {choices}")
    return BACKENDS[name]


def _smoke_test(backend: Backend) -> Probe:
    """Run ``print(6 * 7)`` in the backend and check the answer."""
    from cogym.sandbox.job import Job
    from cogym.sandbox.limits import Limits
    from cogym.sandbox.process import start_warm

    job = Job.create("print(6 * 7)", limits=Limits(timeout_s=PROBE_TIMEOUT_S))
    try:
        sandbox = start_warm(backend, {"mode": "serve", "jobs": 1}, 512, PROBE_TIMEOUT_S)
    except SandboxError as error:
        return Probe(False, str(error))
    try:
        result, _ = sandbox.execute(job.encode(), job.limits)
    finally:
        sandbox.close()
    if result.status == "ok" and result.stdout == "42\n":
        return Probe(True)
    detail = (result.stderr.strip() or result.stdout.strip() or "no output")[-1500:]
    return Probe(False, f"a test run failed ({result.status}): {detail}")


def probe(name: str) -> Probe:
    """Whether backend ``name`` works on this machine (probed once, then cached).

    :param name: a backend name.
    """
    backend = get_backend(name)
    with _probe_lock:
        if name not in _probes:
            problem = backend.check()
            _probes[name] = Probe(False, problem) if problem else _smoke_test(backend)
            if not _probes[name].available:
                logger.info("cogym.sandbox: backend %r unavailable: %s", name, _probes[name].reason)
        return _probes[name]


def available_backends() -> list[str]:
    """The backends that work here: isolating ones in ``auto``'s order, then ``subprocess``."""
    return [name for name in (*AUTO_ORDER, "subprocess") if probe(name).available]


def no_isolation_message() -> str:
    """Why ``auto`` found nothing, and what to do."""
    reasons = "; ".join(f"{name}: {probe(name).reason}" for name in AUTO_ORDER)
    return (
        f"no isolating sandbox backend is available ({reasons}). Install bubblewrap "
        "(apt-get install bubblewrap) or start a docker engine; or pass "
        'backend="subprocess" to run the code WITHOUT isolation (trusted code only).'
    )


def resolve(name: str) -> Backend:
    """The backend to use for ``backend=name``.

    :param name: ``"auto"`` or a backend name.
    :raises SandboxError: for an unknown name, a named backend that does not work here, or
        ``auto`` with no isolating backend.
    """
    global _auto_choice
    if name == "auto":
        if _auto_choice is None:
            chosen = next((each for each in AUTO_ORDER if probe(each).available), None)
            if chosen is None:
                raise SandboxError(no_isolation_message())
            logger.info("cogym.sandbox: backend 'auto' chose %r", chosen)
            _auto_choice = chosen
        return BACKENDS[_auto_choice]
    backend = get_backend(name)
    found = probe(name)
    if not found.available:
        raise SandboxError(f"sandbox backend {name!r} does not work here: {found.reason}")
    return backend


__all__ = [
    "AUTO_ORDER",
    "BACKENDS",
    "Backend",
    "Probe",
    "available_backends",
    "get_backend",
    "probe",
    "resolve",
]
