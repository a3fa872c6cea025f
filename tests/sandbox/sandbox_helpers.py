"""Shared by the sandbox tests: which backends to test, and host-side checks."""

from __future__ import annotations

import os
import threading
import time

import pytest

from cogym.sandbox import run
from cogym.sandbox.backends import probe

ISOLATING = ("bwrap", "docker")
#: Backends (comma-separated) that must work here: their tests fail instead of skipping.
#: ``scripts/with_docker.sh`` sets it to ``docker`` once it has an engine and the image.
REQUIRE_ENV = "COGYM_REQUIRE_BACKENDS"
#: How to make a backend's tests run, for the skip message.
SETUP_HINTS = {
    "bwrap": "apt-get install -y bubblewrap",
    "docker": (
        "as root, `make test` installs docker.io and debootstrap, starts a private dockerd, "
        "builds the image and stops the engine afterwards; to run some tests the same way: "
        "scripts/with_docker.sh .venv/bin/python -m pytest tests/sandbox"
    ),
}


def required_backends() -> set[str]:
    """The backends named in ``$COGYM_REQUIRE_BACKENDS``."""
    return {name.strip() for name in os.environ.get(REQUIRE_ENV, "").split(",") if name.strip()}


def skip_unless_available(name: str) -> None:
    """Skip the test when backend ``name`` does not work on this machine, saying why and
    how to make it work; fail instead when ``$COGYM_REQUIRE_BACKENDS`` names it."""
    found = probe(name)
    if found.available:
        return
    message = f"backend {name!r} is not available here: {found.reason}"
    if name in required_backends():
        pytest.fail(f"{message} (and {REQUIRE_ENV} requires it)")
    hint = SETUP_HINTS.get(name)
    pytest.skip(f"{message}; to test it: {hint}" if hint else message)


def skip_without_isolation() -> None:
    """Skip the test when ``backend="auto"`` has nothing to run on here, saying why."""
    if not any(probe(name).available for name in ISOLATING):
        reasons = "; ".join(f"{name}: {probe(name).reason}" for name in ISOLATING)
        pytest.skip(f"no isolating sandbox backend here ({reasons})")


def processes_with(token: str) -> list[int]:
    """Host pids whose command line contains ``token`` (zombies excluded)."""
    found = []
    needle = token.encode()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                if needle in handle.read():
                    found.append(int(name))
        except OSError:
            continue
    return found


def survivors(token: str, grace_s: float = 2.0) -> list[int]:
    """Host pids still carrying ``token`` after the kernel's teardown of a killed pid
    namespace: a killed process can stay visible for a moment while it exits under load,
    while one that escaped would live on (the sleepers here sleep 60 s)."""
    deadline = time.monotonic() + grace_s
    while (found := processes_with(token)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def assert_clean_afterwards(backend: str, token: str | None = None) -> None:
    """Nothing of the run is left on the host, and a normal run works right after."""
    if token is not None:
        assert survivors(token) == []
    after = run("print('still fine')", backend=backend, timeout_s=10)
    assert (after.status, after.stdout) == ("ok", "still fine\n")


#: The ways a sandbox's memory is bounded as a whole: a host cgroup, or the runner's watch.
BOUND_MODES = ("cgroup", "watch")


def use_bound_mode(monkeypatch, mode: str) -> None:
    """Make the sandboxes started from now on use ``mode``; skip when it cannot work here.

    :param monkeypatch: the test's monkeypatch fixture.
    :param mode: ``"cgroup"`` (the host's cgroups, as found) or ``"watch"`` (no cgroup).
    """
    from cogym.sandbox import cgroup

    monkeypatch.setenv(cgroup.ENV, "auto" if mode == "cgroup" else "off")
    found = cgroup.detect()
    if mode == "cgroup" and not found.available:
        pytest.skip(f"no cgroup for sandboxes here: {found.reason}")


def resident_kb(pid: int) -> int:
    """The anonymous and shared memory a host process holds, in KiB, its pages shared with
    others (after a fork) counted in proportion (``Pss_Anon + Pss_Shmem``)."""
    fields = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                name, _, rest = line.partition(":")
                if name.startswith("Pss"):
                    fields[name] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    if "Pss_Anon" in fields:
        return fields["Pss_Anon"] + fields.get("Pss_Shmem", 0)
    return fields.get("Pss", 0)


class PeakResident:
    """Samples, in a thread, the memory held by all host processes carrying a token.

    Sampling can miss a peak, never invent one: :attr:`peak_mb` is a lower bound of what
    those processes held together at once.

    :param token: the string their command lines contain.
    """

    def __init__(self, token: str) -> None:
        self.token = token
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @property
    def peak_mb(self) -> float:
        """The largest total seen, in MiB."""
        return self.peak_kb / 1024

    def _sample(self) -> None:
        while not self._stop.is_set():
            total = sum(resident_kb(pid) for pid in processes_with(self.token))
            self.peak_kb = max(self.peak_kb, total)
            self._stop.wait(0.002)

    def __enter__(self) -> PeakResident:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
